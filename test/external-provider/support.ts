/**
 * Fake provider images and a local "kubelet" for the external-provider init containers: builds provider
 * trees with real wheels (made with Python's zipfile), then runs the init containers of a synthesized
 * Deployment in order with the local sh and python3, on the exact scripts and plan the ConfigMap carries,
 * with every path relocated into a temp directory through the containers' own environment variables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type Obj = { kind: string; metadata?: any; spec?: any; data?: any; [k: string]: any };

export interface FakeWheel {
  readonly name: string;
  readonly version: string;
  readonly requires?: string[];
  readonly files?: Record<string, string>;
  /** Wheel tag, e.g. `cp27-cp27mu-manylinux1_i686` for a wheel no modern Python accepts. */
  readonly tag?: string;
}

/** Builds wheels into `dir` with test/external-provider/make_wheel.py; returns their paths. */
export function buildWheels(dir: string, wheels: FakeWheel[]): string[] {
  const input = JSON.stringify(wheels.map((w) => ({ dir, ...w })));
  const r = spawnSync('python3', [path.join(__dirname, 'make_wheel.py')], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_wheel.py failed: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

export interface FakeProvider {
  /** Python package the provider wheel contains (spec.packageName). */
  readonly packageName: string;
  readonly providerType: string;
  readonly api: string;
  /** Wheel project name. @default packageName with '_' -> '-' */
  readonly project?: string;
  readonly version?: string;
  /** Requires-Dist of the provider wheel. */
  readonly requires?: string[];
  /** Dependency wheels bundled in packages/. */
  readonly deps?: FakeWheel[];
  /** provider.py of the package. @default one whose get_provider_spec() returns the declared api and type */
  readonly providerPy?: string;
  /** Extra files of the provider wheel. */
  readonly files?: Record<string, string>;
  /** Replaces the generated lls-provider-spec.yaml; null leaves it out. */
  readonly specYaml?: string | null;
  /** Leave out /lls-provider/packages. */
  readonly noPackagesDir?: boolean;
  /** Provider wheel tag. */
  readonly tag?: string;
}

export function projectOf(p: FakeProvider): string {
  return p.project ?? p.packageName.replace(/_/g, '-');
}

export function wheelFile(p: FakeProvider): string {
  return `${projectOf(p).replace(/[-_.]+/g, '_')}-${p.version ?? '1.0.0'}-${p.tag ?? 'py3-none-any'}.whl`;
}

/** The lls-provider-spec.yaml a well-formed image of `p` carries. */
export function specYamlOf(p: FakeProvider): string {
  return [
    'apiVersion: llamastack.io/v1alpha1',
    'kind: ProviderPackage',
    'metadata:',
    `  name: ${projectOf(p)}`,
    `  version: "${p.version ?? '1.0.0'}"`,
    '  vendor: Acme',
    'spec:',
    `  packageName: ${p.packageName}`,
    `  providerType: ${p.providerType}`,
    `  api: ${p.api}`,
    `  wheelPath: /lls-provider/packages/${wheelFile(p)}`,
    ...(p.deps && p.deps.length > 0 ? ['  dependencyWheels:', ...p.deps.map((d) => `    - /lls-provider/packages/${d.name.replace(/[-_.]+/g, '_')}-${d.version}-${d.tag ?? 'py3-none-any'}.whl`)] : []),
    '',
  ].join('\n');
}

/** A provider.py whose get_provider_spec() returns an object with `api` (an enum-like value) and `provider_type`. */
export function providerPyOf(api: string, providerType: string, extra = ''): string {
  return [
    'import enum',
    'class Api(enum.Enum):',
    `    x = ${JSON.stringify(api)}`,
    'class Spec:',
    '    api = Api.x',
    `    provider_type = ${JSON.stringify(providerType)}`,
    '    module = __name__',
    '    config_class = __name__ + ".Config"',
    'class Config:',
    '    pass',
    'def get_provider_spec():',
    '    return Spec()',
    extra,
    '',
  ].join('\n');
}

/** Writes an image tree `<root>/lls-provider/...`; returns root. */
export function fakeProviderImage(root: string, p: FakeProvider): string {
  const dir = path.join(root, 'lls-provider');
  fs.mkdirSync(dir, { recursive: true });
  if (p.specYaml !== null) fs.writeFileSync(path.join(dir, 'lls-provider-spec.yaml'), p.specYaml ?? specYamlOf(p));
  if (p.noPackagesDir) return root;
  const packages = path.join(dir, 'packages');
  fs.mkdirSync(packages, { recursive: true });
  const pkgPath = p.packageName.replace(/\./g, '/');
  const files: Record<string, string> = {
    [`${pkgPath}/__init__.py`]: '',
    [`${pkgPath}/provider.py`]: p.providerPy ?? providerPyOf(p.api, p.providerType),
    ...(p.files ?? {}),
  };
  // Parent packages of a dotted name need their __init__.py too.
  const parts = p.packageName.split('.');
  for (let i = 1; i < parts.length; i++) files[`${parts.slice(0, i).join('/')}/__init__.py`] = '';
  buildWheels(packages, [
    { name: projectOf(p), version: p.version ?? '1.0.0', requires: p.requires, files, tag: p.tag },
    ...(p.deps ?? []),
  ]);
  return root;
}

/** A dependency wheel with one module. */
export function depWheel(name: string, version: string, requires: string[] = []): FakeWheel {
  const mod = name.replace(/[-.]/g, '_');
  return { name, version, requires, files: { [`${mod}/__init__.py`]: `VERSION = ${JSON.stringify(version)}\n` } };
}

export interface ContainerRun {
  readonly name: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the container wrote to its termination log ('' when nothing). */
  readonly terminationLog: string;
  /** Wall-clock run time. */
  readonly seconds: number;
  /** Request lines the container sent to the recording proxy of its HTTP(S)_PROXY (see indexTrap). */
  readonly proxyRequests: string[];
}

export interface PodRun {
  readonly root: string;
  /** The init containers that ran, in order (running stops at the first failure, as in a pod). */
  readonly runs: ContainerRun[];
  /** Maps a pod path to where it lives in this run. */
  readonly local: (podPath: string) => string;
  /** The server container's env with paths relocated. */
  readonly serverEnv: Record<string, string>;
  /** The init container run named `name`. */
  run(name: string): ContainerRun;
}

export interface PodOptions {
  /** Provider image -> directory holding its `lls-provider` tree. */
  readonly images: Record<string, string>;
  /** config.yaml of an override ConfigMap (the generated ConfigMap is used otherwise); null: none. */
  readonly overrideConfig?: string | null;
  /** Further env for the install container (e.g. PYTHONPATH of the image's packages). */
  readonly installEnv?: Record<string, string>;
  /** Replaces providers.json of the scripts ConfigMap. */
  readonly plan?: string;
  /** Run again in the directory of an earlier run (a pod whose init containers re-run on the same emptyDir). */
  readonly rerunIn?: string;
}

/** Where Kubernetes reads a container's termination message: the default, which every init container keeps. */
export const TERMINATION_LOG_PATH = '/dev/termination-log';

export interface IndexTrap {
  /** http://127.0.0.1:<port> of a proxy that answers every request with 403 and records it. */
  readonly url: string;
  /** The env that sends HTTP and HTTPS traffic of pip (requests) and most other clients through it. */
  readonly env: Record<string, string>;
  /** Every request line recorded so far, in order. */
  requests(): string[];
}

let trap: IndexTrap | undefined;

/**
 * The recording proxy (record_proxy.py) of this jest worker, started on first use: it is listening when
 * this returns and stops when the worker exits. The install container runs with it as its proxy, so a pip
 * that contacts any package index (instead of `--no-index` on the image's wheels) is recorded.
 */
export function indexTrap(): IndexTrap {
  if (trap) return trap;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-trap-'));
  const log = path.join(dir, 'requests.log');
  fs.writeFileSync(log, '');
  const r = spawnSync('python3', [path.join(__dirname, 'record_proxy.py'), log, String(process.pid)], { encoding: 'utf8', timeout: 30_000 });
  const [port, pid] = (r.stdout ?? '').trim().split(' ').map(Number);
  if (r.status !== 0 || !(port > 0) || !(pid > 0)) throw new Error(`record_proxy.py did not start: ${r.status} ${r.stdout} ${r.stderr}`);
  process.on('exit', () => {
    try { process.kill(pid); } catch { /* already gone */ }
  });
  const url = `http://127.0.0.1:${port}`;
  trap = {
    url,
    env: { HTTP_PROXY: url, HTTPS_PROXY: url, ALL_PROXY: url, http_proxy: url, https_proxy: url, all_proxy: url },
    requests: () => fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== ''),
  };
  return trap;
}

const POD_ROOTS: Array<[string, string]> = [
  ['/opt/llama-stack/external-provider-scripts', 'scripts'],
  ['/opt/llama-stack/external-providers', 'vol'],
  ['/etc/llama-stack', 'config'],
];

/**
 * Runs the external-provider init containers of the first Deployment in `objs` like a kubelet would (in
 * order, stopping at the first failure), with paths relocated under a temp directory.
 */
export function runPod(objs: Obj[], options: PodOptions): PodRun {
  const root = options.rerunIn ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ext-providers-'));
  const deployment = objs.find((o) => o.kind === 'Deployment')!;
  const pod = deployment.spec.template.spec;
  const scriptsVolume = pod.volumes.find((v: any) => v.name === 'external-provider-scripts');
  const scripts = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === scriptsVolume.configMap.name)!;
  fs.mkdirSync(path.join(root, 'scripts'), { recursive: true });
  for (const [key, text] of Object.entries(scripts.data as Record<string, string>)) {
    fs.writeFileSync(path.join(root, 'scripts', key), key === 'providers.json' && options.plan ? options.plan : text);
  }
  fs.mkdirSync(path.join(root, 'vol'), { recursive: true });
  fs.mkdirSync(path.join(root, 'config'), { recursive: true });
  const configVolume = pod.volumes.find((v: any) => v.name === 'config');
  const generated = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configVolume.configMap.name);
  const configText = generated ? generated.data['config.yaml'] : options.overrideConfig;
  if (typeof configText === 'string') fs.writeFileSync(path.join(root, 'config', 'config.yaml'), configText);

  const relocate = (value: string, image?: string): string => {
    for (const [podPath, local] of POD_ROOTS) {
      if (value === podPath || value.startsWith(`${podPath}/`)) return path.join(root, local) + value.slice(podPath.length);
    }
    if (image && (value === '/lls-provider' || value.startsWith('/lls-provider/'))) return path.join(options.images[image], value);
    return value;
  };
  const runs: ContainerRun[] = [];
  const proxy = indexTrap();
  for (const c of pod.initContainers.filter((x: any) => x.name.startsWith('provider-') || x.name === 'install-providers')) {
    // Kubernetes reads the message from terminationMessagePath only: a script writing anywhere else is not
    // heard, so the manifest must say /dev/termination-log in both places (only that path is mapped here).
    const logVars = c.env.filter((e: any) => e.name === 'TERMINATION_LOG');
    const messagePath = c.terminationMessagePath ?? TERMINATION_LOG_PATH;
    if (messagePath !== TERMINATION_LOG_PATH || logVars.length !== 1 || logVars[0].value !== TERMINATION_LOG_PATH) {
      throw new Error(`init container ${c.name}: terminationMessagePath ${c.terminationMessagePath} and TERMINATION_LOG ${JSON.stringify(logVars)} must both be ${TERMINATION_LOG_PATH}`);
    }
    const log = path.join(root, `termination-log-${c.name}`);
    fs.rmSync(log, { force: true }); // each container start gets a fresh termination log
    const env: Record<string, string> = { PATH: process.env.PATH!, LANG: 'C.UTF-8', ...proxy.env };
    for (const e of c.env) env[e.name] = e.value === TERMINATION_LOG_PATH ? log : relocate(e.value, c.image);
    if (c.name === 'install-providers') Object.assign(env, options.installEnv ?? {});
    const recorded = proxy.requests().length;
    const [cmd, ...args] = c.command.map((a: string) => relocate(a, c.image));
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd === '/bin/sh' ? 'sh' : cmd, args, { env, encoding: 'utf8', cwd: root, timeout: 240_000 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    runs.push({
      name: c.name,
      seconds,
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      terminationLog: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '',
      proxyRequests: proxy.requests().slice(recorded),
    });
    if (r.status !== 0) break;
  }
  const server = pod.containers[0];
  const serverEnv: Record<string, string> = {};
  for (const e of server.env) if (typeof e.value === 'string') serverEnv[e.name] = e.value.split(':').map((v: string) => relocate(v)).join(':');
  return {
    root,
    runs,
    local: (p) => relocate(p),
    serverEnv,
    run(name: string) {
      const found = runs.find((r) => r.name === name);
      if (!found) throw new Error(`init container ${name} did not run; ran: ${runs.map((r) => `${r.name}=${r.status}`).join(', ')}\n${runs.map((r) => r.stderr).join('\n')}`);
      return found;
    },
  };
}

/** Runs python3 code with the server's PYTHONPATH, as the server would import. */
export function serverPython(run: PodRun, code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', ['-c', code], {
    env: { PATH: process.env.PATH!, PYTHONPATH: run.serverEnv.PYTHONPATH }, encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes `dir/<dist>.dist-info/METADATA`: an installed distribution (as in the distribution image). */
export function installedDist(dir: string, name: string, version: string, requires: string[] = []): void {
  const info = path.join(dir, `${name.replace(/[-_.]+/g, '_')}-${version}.dist-info`);
  fs.mkdirSync(info, { recursive: true });
  fs.writeFileSync(path.join(info, 'METADATA'), ['Metadata-Version: 2.1', `Name: ${name}`, `Version: ${version}`, ...requires.map((r) => `Requires-Dist: ${r}`), ''].join('\n'));
  fs.writeFileSync(path.join(info, 'RECORD'), '');
}
