/**
 * The only module of the doctor that runs kubectl: argument arrays (never a shell), `get ... -o json` of
 * the kinds and names the manifests declare, the pods and Jobs that carry the library's part-of label, and
 * with `--probe` `get --raw` through the API server's Service proxy. Never a Secret: declared Secrets are
 * dropped before any request is built, and every request is checked again before it runs.
 */
import { spawnSync } from 'child_process';
import { DeclaredConstruct, groupOf, isSecret, K8sObject, listItems, namespacesOf } from './inventory';
import { PART_OF } from '../core/labels';
import { compareStrings } from '../core/order';

/** Runs kubectl with these arguments; the seam tests replace (the CLI tests use a fake kubectl on PATH). */
export type KubectlRunner = (args: readonly string[]) => { status: number | null; stdout: string; stderr: string };

export interface KubectlOptions {
  /** `--context` of the user's kubeconfig. */
  readonly context?: string;
  /** `--kubeconfig`. */
  readonly kubeconfig?: string;
}

/** Runs the `kubectl` found on PATH, without a shell, with a 60 s timeout per call. */
export const spawnKubectl: KubectlRunner = (args) => {
  // env given explicitly: kubectl is looked up on its PATH (the user's kubeconfig and KUBECONFIG apply).
  const r = spawnSync('kubectl', [...args], { encoding: 'utf8', shell: false, env: process.env, timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) return { status: null, stdout: '', stderr: r.error.message };
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

/** `deployment.v1.apps`: the resource argument kubectl resolves without ambiguity (core kinds: `configmap`). */
export function resourceArg(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  const version = apiVersion.split('/').pop()!;
  return group ? `${kind.toLowerCase()}.${version}.${group}` : kind.toLowerCase();
}

/** Whether an argument names Secrets in any form kubectl accepts (`secret`, `secrets/x`, `secret.v1`...). */
export function namesSecrets(arg: string): boolean {
  return arg.split(',').some((part) => /^secrets?(\.|\/|$)/i.test(part));
}

function globals(o: KubectlOptions): string[] {
  return [...(o.context ? ['--context', o.context] : []), ...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : [])];
}

export interface LiveRequest {
  readonly args: string[];
  readonly namespace: string;
  /** The kinds it reads: when it fails, their declared objects are unknown rather than missing. */
  readonly kinds: string[];
}

/**
 * The `kubectl get` calls that read the live state of these constructs: per namespace, one call per
 * resource type with the declared names (`--ignore-not-found`: a missing object is a finding, not an
 * error), and one for the pods and Jobs with the library's part-of label (pods of Deployments, Jobs of
 * the health-check CronJob). In a fixed order.
 */
export function liveRequests(constructs: readonly DeclaredConstruct[], options: KubectlOptions = {}): LiveRequest[] {
  const out: LiveRequest[] = [];
  for (const ns of namespacesOf(constructs)) {
    const byResource = new Map<string, { kind: string; names: Set<string> }>();
    for (const c of constructs.filter((x) => x.namespace === ns)) {
      for (const o of c.objects) {
        if (isSecret(o)) continue;
        const r = resourceArg(o.apiVersion, o.kind);
        if (!byResource.has(r)) byResource.set(r, { kind: o.kind, names: new Set() });
        byResource.get(r)!.names.add(o.metadata.name);
      }
    }
    for (const r of [...byResource.keys()].sort(compareStrings)) {
      const { kind, names } = byResource.get(r)!;
      out.push({
        namespace: ns,
        kinds: [kind],
        args: [...globals(options), 'get', r, ...[...names].sort(compareStrings), '--namespace', ns, '--ignore-not-found', '--output', 'json'],
      });
    }
    out.push({
      namespace: ns,
      kinds: ['Pod', 'Job'],
      args: [...globals(options), 'get', 'pods,jobs.v1.batch', '--namespace', ns, '--selector', `app.kubernetes.io/part-of=${PART_OF}`, '--output', 'json'],
    });
  }
  for (const r of out) assertSafe(r.args);
  return out;
}

/**
 * Refuses anything but `get` (after the global flags) and a resource argument that names Secrets; the
 * last line of defence.
 */
export function assertSafe(args: readonly string[]): void {
  let i = 0;
  while (args[i] === '--context' || args[i] === '--kubeconfig') i += 2;
  if (args[i] !== 'get') throw new Error(`refusing to run kubectl ${args.join(' ')}: only get is allowed`);
  const resource = args[i + 1];
  if (resource === undefined || namesSecrets(resource)) throw new Error(`refusing to run kubectl ${args.join(' ')}: it names Secrets or no resource`);
}

export interface LiveState {
  readonly objects: K8sObject[];
  /** kubectl calls that failed (no such resource type, RBAC, no cluster): each with kubectl's message. */
  readonly errors: string[];
  /** `<namespace>/<Kind>` that could not be read. */
  readonly unreadable: string[];
}

/** kubectl's answers that mean no call can succeed: stop after the first. */
const UNREACHABLE = /connection to the server .* was refused|Unable to connect to the server|no configuration has been provided|dial tcp|i\/o timeout|no such host/i;

/**
 * Reads the live state with kubectl; a failed call is an error of the result, the others still count. When
 * the cluster cannot be reached, the first error is the only one and no further call is made.
 */
export function readLiveState(constructs: readonly DeclaredConstruct[], run: KubectlRunner, options: KubectlOptions = {}): LiveState {
  const objects: K8sObject[] = [];
  const errors: string[] = [];
  const unreadable: string[] = [];
  const requests = liveRequests(constructs, options);
  for (const [i, { args, namespace, kinds }] of requests.entries()) {
    const r = run(args);
    if (r.status !== 0) {
      const message = kubectlMessage(r.stderr) || `exit ${r.status}`;
      if (UNREACHABLE.test(message) || r.status === null) {
        errors.push(`cannot reach the cluster: ${message}`);
        for (const rest of requests.slice(i)) unreadable.push(...rest.kinds.map((k) => `${rest.namespace}/${k}`));
        break;
      }
      errors.push(`kubectl ${args.join(' ')}: ${message}`);
      unreadable.push(...kinds.map((k) => `${namespace}/${k}`));
      continue;
    }
    if (r.stdout.trim() === '') continue;
    try {
      for (const o of listItems(JSON.parse(r.stdout))) if (o && !isSecret(o)) objects.push(o);
    } catch {
      errors.push(`kubectl ${args.join(' ')}: the output is not JSON`);
      unreadable.push(...kinds.map((k) => `${namespace}/${k}`));
    }
  }
  return { objects, errors, unreadable };
}

/** The HTTP endpoints `--probe` reads through the Service proxy, per kind of construct. */
export const PROBE_PATHS: Record<string, readonly string[]> = {
  stack: ['/v1/health', '/v1/version', '/v1/providers'],
  model: ['/health'],
};

export interface ProbeResult {
  readonly path: string;
  readonly ok: boolean;
  /** The response (JSON when it parses), on success. */
  readonly body?: unknown;
  /** kubectl's message, on failure. */
  readonly error?: string;
}

/** The Service of a construct the probes go to: the one with the construct's pods behind it. */
export function probeTarget(c: DeclaredConstruct): { service: string; port: number; scheme: string } | undefined {
  if (!PROBE_PATHS[c.kind]) return undefined;
  const svc = c.objects.find((o) => o.kind === 'Service');
  const port = svc?.spec?.ports?.[0];
  if (!svc || !port) return undefined;
  return { service: svc.metadata.name, port: port.port, scheme: port.appProtocol === 'https' ? 'https' : 'http' };
}

/** `kubectl get --raw /api/v1/namespaces/<ns>/services/<scheme>:<svc>:<port>/proxy<path>` for each probe path. */
export function probeRequests(c: DeclaredConstruct, options: KubectlOptions = {}): Array<{ path: string; args: string[] }> {
  const t = probeTarget(c);
  if (!t) return [];
  return PROBE_PATHS[c.kind].map((p) => {
    const args = [...globals(options), 'get', '--raw', `/api/v1/namespaces/${c.namespace}/services/${t.scheme}:${t.service}:${t.port}/proxy${p}`];
    assertSafe(args);
    return { path: p, args };
  });
}

export function runProbes(c: DeclaredConstruct, run: KubectlRunner, options: KubectlOptions = {}): ProbeResult[] {
  return probeRequests(c, options).map(({ path, args }) => {
    const r = run(args);
    if (r.status !== 0) return { path, ok: false, error: kubectlMessage(r.stderr) || `exit ${r.status}` };
    let body: unknown = r.stdout.trim();
    try {
      body = JSON.parse(r.stdout);
    } catch {
      // not JSON: kept as text
    }
    return { path, ok: true, body };
  });
}

/** kubectl's message without klog's lines (`E1206 06:03:19.844703 ... memcache.go:265] ...`), shortened. */
function kubectlMessage(stderr: string): string {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^[EWIF]\d{4} \d\d:\d\d:\d\d/.test(l))
    .slice(0, 3).join(' ').slice(0, 500);
}
