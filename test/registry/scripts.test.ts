/**
 * The Jobs' shell scripts, run for real with sh, wget and timeout (the system's, and busybox's, which the
 * postgres Alpine image has, when busybox is installed) against a local HTTP server standing in for the
 * model and a stand-in psql that records how it was called (the real psql and database are in
 * postgres-server.suite.ts). The scripts come from the synthesized ConfigMap, byte for byte.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { FakeModel, HOSTILE, HOSTILE_TARGET_NAME } from './support';
import { ModelRegistry, ModelRegistryEntry } from '../../src';
import { Manifest, podSpecOf } from '../support/manifests';

jest.setTimeout(60_000);

interface Call {
  argv: string[];
  env: Record<string, string | undefined>;
}

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox', '/usr/local/bin/busybox'].find((p) => fs.existsSync(p));
// The Job image's shell tools are busybox's: under CI (.ci/run installs it) their runs must not be skipped.
if (process.env.CI === 'true' && !BUSYBOX) throw new Error('busybox is not installed: the Job scripts cannot run with the tools of their image');
/** Directories put first on PATH: the stand-in psql, plus busybox's wget and timeout for the busybox runs. */
const TOOLSETS: Array<[string, string]> = [['system tools', 'bin'], ...(BUSYBOX ? [['busybox', 'bin-busybox'] as [string, string]] : [])];
let bin = 'bin';
let dir: string;
let server: http.Server;
let base: string;
let hits: Record<string, number>;
/** Path -> statuses to answer in turn (the last one repeats). */
const answers: Record<string, number[]> = {};

function synthFiles(): { files: Record<string, string>; objs: Manifest[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const registry = new ModelRegistry(chart, 'registry', { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' }, healthCheck: {} });
  new ModelRegistryEntry(chart, 'e', { registry, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'production' });
  const objs = Testing.synth(chart) as Manifest[];
  return { files: objs.find((o) => o.kind === 'ConfigMap')!.data, objs };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-scripts-'));
  const { files } = synthFiles();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  // The stand-in psql appends {argv, env} as one JSON line and fails when told to.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'psql'), `#!${process.execPath}
const fs = require('fs');
const env = {};
for (const k of Object.keys(process.env)) if (k.startsWith('REGISTRY_') || k === 'PGPASSWORD') env[k] = process.env[k];
fs.appendFileSync(${JSON.stringify(path.join(dir, 'calls.jsonl'))}, JSON.stringify({ argv: process.argv.slice(2), env }) + '\\n');
process.exit(process.env.REGISTRY_MODEL_NAME === 'fail-db' ? 2 : 0);
`, { mode: 0o755 });
  if (BUSYBOX) {
    fs.mkdirSync(path.join(dir, 'bin-busybox'));
    fs.symlinkSync(path.join(dir, 'bin', 'psql'), path.join(dir, 'bin-busybox', 'psql'));
    for (const tool of ['wget', 'timeout']) fs.symlinkSync(BUSYBOX, path.join(dir, 'bin-busybox', tool));
  }
  server = http.createServer((req, res) => {
    hits[req.url!] = (hits[req.url!] ?? 0) + 1;
    const seq = answers[req.url!] ?? [404];
    res.writeHead(seq[Math.min(hits[req.url!] - 1, seq.length - 1)]);
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  hits = {};
  fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
});

function calls(): Call[] {
  const file = path.join(dir, 'calls.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

/** Runs a script with `sh` (asynchronously: the HTTP server answers from this process). */
function sh(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', [path.join(dir, script)], {
      env: { PATH: `${path.join(dir, bin)}:${process.env.PATH}`, REGISTRY_DATABASE_URL: 'postgresql://u:p@db:5432/r', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const registration = (o: Record<string, string> = {}) => ({
  REGISTRY_MODEL_NAME: HOSTILE.modelName,
  REGISTRY_ENVIRONMENT: 'production',
  REGISTRY_ENDPOINT: HOSTILE.endpoint,
  REGISTRY_HEALTH_URL: `${base}/health`,
  REGISTRY_WAIT_SECONDS: '20',
  REGISTRY_PROBE_TIMEOUT_SECONDS: '2',
  REGISTRY_PROBE_INTERVAL_SECONDS: '1',
  ...o,
});

test('the tools the scripts need are here', () => {
  for (const tool of ['sh', 'wget', 'timeout']) {
    expect(fs.existsSync(`/usr/bin/${tool}`) || fs.existsSync(`/bin/${tool}`) || fs.existsSync(`/usr/local/bin/${tool}`)).toBe(true);
  }
});

describe.each(TOOLSETS)('register.sh with %s', (_name, binDir) => {
  beforeAll(() => {
    bin = binDir;
  });

  test('waits until the health URL answers 200, then runs register.sql with the values untouched', async () => {
    answers['/health'] = [503, 503, 200];
    const r = await sh('register.sh', registration());
    // busybox's wget reports the 503s on stderr even with -q; nothing else may appear there.
    expect(r.stderr.split('\n').filter((l) => l && !/503/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(hits['/health']).toBe(3);
    const [call] = calls();
    expect(call.argv).toEqual(['-d', 'postgresql://u@db:5432/r', '-X', '-f', `${dir}/register.sql`]);
    expect(call.env).toMatchObject({ REGISTRY_MODEL_NAME: HOSTILE.modelName, REGISTRY_ENDPOINT: HOSTILE.endpoint, REGISTRY_HEALTH_VERIFIED: 'true', PGPASSWORD: 'p' });
    expect(call.env.REGISTRY_DATABASE_URL).toBeUndefined();
    expect(r.stdout).toContain(`the model answers ${base}/health`);
  });

  test('gives up after the wait time, without registering', async () => {
    answers['/down'] = [503];
    const started = Date.now();
    const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: `${base}/down`, REGISTRY_WAIT_SECONDS: '2' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the model did not answer ${base}/down within 2s; not registering it`);
    expect(calls()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a health request that hangs is cut off by the probe timeout', async () => {
    const hang = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/health`;
    const started = Date.now();
    const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: url, REGISTRY_WAIT_SECONDS: '3', REGISTRY_PROBE_TIMEOUT_SECONDS: '1' }));
    hang.closeAllConnections();
    await new Promise((resolve) => hang.close(resolve));
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  test('without a health URL (disabled, or health checks off) it registers at once, unverified', async () => {
    const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: '' }));
    expect(r.code).toBe(0);
    expect(hits).toEqual({});
    expect(calls()[0].env.REGISTRY_HEALTH_VERIFIED).toBe('false');
  });

  test('refuses to run without the connection string or the model', async () => {
    expect((await sh('register.sh', { ...registration(), REGISTRY_DATABASE_URL: '' })).stderr).toMatch(/REGISTRY_DATABASE_URL: is not set/);
    expect((await sh('register.sh', { ...registration(), REGISTRY_MODEL_NAME: '' })).code).not.toBe(0);
    expect(calls()).toEqual([]);
  });

  test('the Job runs register.sh with the variables it reads', () => {
    const { objs } = synthFiles();
    const job = objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('e-register-'))!;
    const names = podSpecOf(job).containers[0].env.map((e: any) => e.name);
    const script = fs.readFileSync(path.join(dir, 'register.sh'), 'utf8');
    const read = [...script.matchAll(/\$\{(REGISTRY_[A-Z_]+)/g)].map((m) => m[1]).filter((n) => n !== 'REGISTRY_HEALTH_VERIFIED')
      // Only with healthCheckApiKey (its own test checks it).
      .filter((n) => n !== 'REGISTRY_HEALTH_AUTH');
    for (const n of read) expect(names).toContain(n);
  });
});

describe.each(TOOLSETS)('health-check.sh with %s', (_name, binDir) => {
  beforeAll(() => {
    bin = binDir;
  });

  test('checks every target, records each result, and succeeds although a model is down', async () => {
    answers['/ok'] = [200];
    answers['/bad'] = [500];
    const targets = [`${HOSTILE_TARGET_NAME} production ${base}/ok`, `other staging ${base}/bad`, 'gone production http://127.0.0.1:1/health'].join('\n');
    const r = await sh('health-check.sh', { REGISTRY_HEALTH_TARGETS: targets, REGISTRY_PROBE_TIMEOUT_SECONDS: '2' });
    expect(r.code).toBe(0);
    expect(calls().map((c) => [c.env.REGISTRY_MODEL_NAME, c.env.REGISTRY_ENVIRONMENT, c.env.REGISTRY_HEALTHY, c.argv.slice(-2)])).toEqual([
      [HOSTILE_TARGET_NAME, 'production', 'true', ['-f', `${dir}/health-check.sql`]],
      ['other', 'staging', 'false', ['-f', `${dir}/health-check.sql`]],
      ['gone', 'production', 'false', ['-f', `${dir}/health-check.sql`]],
    ]);
    expect(r.stdout).toContain('checked 3 model(s)');
  });

  test('a failed database update fails the run after the other targets were recorded', async () => {
    answers['/ok'] = [200];
    const r = await sh('health-check.sh', { REGISTRY_HEALTH_TARGETS: `fail-db production ${base}/ok\nnext production ${base}/ok` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('could not record the health of fail-db (production)');
    expect(calls().map((c) => c.env.REGISTRY_MODEL_NAME)).toEqual(['fail-db', 'next']);
  });

  test('no targets: nothing to do', async () => {
    const r = await sh('health-check.sh', { REGISTRY_HEALTH_TARGETS: '' });
    expect(r.code).toBe(0);
    expect(calls()).toEqual([]);
  });
});

test('migrate.sh runs migrate.sql from its own directory', async () => {
  bin = 'bin';
  const r = await sh('migrate.sh', {});
  expect(r.code).toBe(0);
  expect(calls()[0].argv).toEqual(['-d', 'postgresql://u@db:5432/r', '-X', '-f', `${dir}/migrate.sql`]);
});

/**
 * Health checks with an API key (healthCheckApiKey). Every program the scripts start through PATH is a
 * wrapper that appends its argv to a log before it runs the real tool, so the tests can assert that the key
 * is never an argument of any process (as `ps`, /proc/<pid>/cmdline and audit logs would show it), nor in
 * the scripts' output, while the server, which answers 401 without it, did receive it.
 */
describe('the API key of health checks', () => {
  const KEY = `sk-live-${process.pid}-${Date.now().toString(36)}-Xy7`;
  const WRAPPED = ['wget', 'timeout', 'bash', 'ssl_client', 'psql', 'date', 'sleep', 'dirname', 'cat', 'head', 'printf', 'env'];
  let auth: http.Server;
  let authBase: string;
  let seen: Array<string | undefined>;
  let moved = 0;
  const argvLog = () => path.join(dir, 'argv.log');

  /** `rec-<toolset>`: a wrapper per tool that logs its argv and execs the toolset's tool. */
  function recorder(toolset: string): string {
    const out = `rec-${toolset}`;
    const real = (tool: string) => {
      if (tool === 'psql') return `"${path.join(dir, 'bin', 'psql')}"`;
      if (tool === 'ssl_client') return BUSYBOX ? `${BUSYBOX} ssl_client` : 'false';
      if (toolset === 'bin-busybox' && ['wget', 'timeout'].includes(tool)) return `${BUSYBOX} ${tool}`;
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
      return found ?? 'false';
    };
    fs.mkdirSync(path.join(dir, out), { recursive: true });
    for (const tool of WRAPPED) {
      fs.writeFileSync(path.join(dir, out, tool), [
        '#!/bin/sh',
        `{ printf '%s' ${tool}; for a in "$@"; do printf ' %s' "$a"; done; printf '\\n'; } >>"${argvLog()}"`,
        `exec ${real(tool)} "$@"`,
        '',
      ].join('\n'), { mode: 0o755 });
    }
    return out;
  }

  beforeAll(async () => {
    auth = http.createServer((req, res) => {
      if (req.url === '/moved') {
        moved += 1;
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
        res.end();
        return;
      }
      seen.push(req.headers.authorization);
      // A hosted OpenAI-compatible API: 401 without the key.
      res.writeHead(req.headers.authorization === `Bearer ${KEY}` ? 200 : 401);
      res.end('{"data": []}');
    });
    await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
    authBase = `http://127.0.0.1:${(auth.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => auth.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    fs.rmSync(argvLog(), { force: true });
  });

  const argv = () => (fs.existsSync(argvLog()) ? fs.readFileSync(argvLog(), 'utf8') : '');

  describe.each(TOOLSETS)('with %s', (_name, binDir) => {
    beforeAll(() => {
      bin = recorder(binDir);
    });

    test('register.sh: without the key the model never answers 200; with it, it registers, and the key is in no argv and no output', async () => {
      const url = `${authBase}/v1/models`;
      const anonymous = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: url, REGISTRY_WAIT_SECONDS: '1' }));
      expect(anonymous.code).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === undefined)).toBe(true);
      expect(calls()).toEqual([]);

      seen = [];
      fs.rmSync(argvLog(), { force: true });
      // As a Secret created from a file often is: with a trailing newline.
      const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: url, REGISTRY_HEALTH_AUTH: `${KEY}\n` }));
      expect(r.code).toBe(0);
      expect(seen).toEqual([`Bearer ${KEY}`]);
      const [call] = calls();
      expect(call.env.REGISTRY_HEALTH_VERIFIED).toBe('true');
      expect(call.env.REGISTRY_HEALTH_AUTH).toBeUndefined(); // psql does not inherit the key
      // The wrappers saw the processes (so the check below is not vacuous), and none had the key.
      expect(argv()).toContain(`bash ${dir}/http-probe.sh ${url}`);
      expect(argv()).toMatch(/^psql -d postgresql:\/\/u@db:5432\/r -X -f /m);
      expect(argv()).not.toContain(KEY);
      expect(JSON.stringify(calls())).not.toContain(KEY);
      expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
      expect(r.stdout).toContain(`the model answers ${url}`);
    });

    test('register.sh: a refused key is retried until the wait ends, and says so; the key is not printed', async () => {
      const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: `${authBase}/v1/models`, REGISTRY_HEALTH_AUTH: 'sk-wrong', REGISTRY_WAIT_SECONDS: '1' }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('answered HTTP 401: the API key was refused');
      expect(r.stderr).toContain('within 1s; not registering it');
      expect(seen.length).toBeGreaterThan(1);
      expect(`${r.stdout}${r.stderr}${argv()}`).not.toContain('sk-wrong');
    });

    test('register.sh: an empty key, or one with a line break inside, stops at once', async () => {
      for (const bad of ['', '\n', `${KEY}\nX-Injected: 1`]) {
        const started = Date.now();
        const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: `${authBase}/v1/models`, REGISTRY_HEALTH_AUTH: bad, REGISTRY_WAIT_SECONDS: '30' }));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/the API key for .* (is empty|contains a control character)/);
        expect(r.stderr).toContain('cannot send the health request');
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(`${r.stdout}${r.stderr}${argv()}`).not.toContain(KEY);
      }
      expect(seen).toEqual([]);
      expect(calls()).toEqual([]);
    });

    test('health-check.sh: a target with its key variable is checked with the key; the key is in no argv and no output', async () => {
      const targets = [
        `hosted production ${authBase}/v1/models REGISTRY_HEALTH_AUTH_1A2B3C4D`,
        `wrong production ${authBase}/v1/models REGISTRY_HEALTH_AUTH_00000000`,
        `anonymous production ${authBase}/v1/models`,
        `bad production ${authBase}/v1/models NOT;A_VARIABLE`,
        `moved production ${authBase}/moved REGISTRY_HEALTH_AUTH_1A2B3C4D`,
      ].join('\n');
      moved = 0;
      const r = await sh('health-check.sh', {
        REGISTRY_HEALTH_TARGETS: targets, REGISTRY_HEALTH_AUTH_1A2B3C4D: KEY, REGISTRY_HEALTH_AUTH_00000000: 'sk-wrong', REGISTRY_PROBE_TIMEOUT_SECONDS: '2',
      });
      expect(r.code).toBe(0);
      expect(calls().map((c) => [c.env.REGISTRY_MODEL_NAME, c.env.REGISTRY_HEALTHY])).toEqual([
        ['hosted', 'true'], ['wrong', 'false'], ['anonymous', 'false'], ['bad', 'false'], ['moved', 'false'],
      ]);
      // A redirect is not followed with the key (it would carry it to another host): unhealthy, and said why.
      expect(moved).toBe(1);
      expect(r.stderr).toContain(`${authBase}/moved answered HTTP 302: redirects are not followed with an API key`);
      expect(seen).toEqual([`Bearer ${KEY}`, 'Bearer sk-wrong', undefined]);
      expect(r.stderr).toContain('bad (production): \'NOT;A_VARIABLE\' is not an environment variable name');
      expect(argv()).toContain(`bash ${dir}/http-probe.sh ${authBase}/v1/models`);
      expect(`${r.stdout}${r.stderr}${argv()}`).not.toContain(KEY);
    });
  });

  test('https: the request goes through ssl_client\'s standard input; the key is in no argv', async () => {
    if (!BUSYBOX) throw new Error('busybox is not installed (apt-get install busybox): its ssl_client is the Job image\'s TLS client');
    // busybox's own ssl_client (this machine's stand-in for Alpine's, which uses OpenSSL and verifies the
    // certificate) speaks TLS 1.2 with a few ciphers only, hence the server's relaxed settings.
    const key = path.join(dir, 'tls-key.pem');
    const cert = path.join(dir, 'tls-cert.pem');
    const made = await new Promise<number | null>((resolve) => spawn('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    ]).on('close', resolve));
    expect(made).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const https = require('https') as typeof import('https');
    const tls = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), maxVersion: 'TLSv1.2', ciphers: 'DEFAULT@SECLEVEL=0' }, (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(req.headers.authorization === `Bearer ${KEY}` ? 200 : 401);
      res.end();
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      bin = recorder('bin-busybox');
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/v1/models`;
      const r = await sh('register.sh', registration({ REGISTRY_HEALTH_URL: url, REGISTRY_HEALTH_AUTH: KEY }));
      expect(r.code).toBe(0);
      expect(seen).toEqual([`Bearer ${KEY}`]);
      expect(argv()).toMatch(/^ssl_client -s 3 -n 127\.0\.0\.1$/m);
      expect(`${r.stdout}${r.stderr}${argv()}`).not.toContain(KEY);
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });

  test('the synthesized Jobs get the key only from the Secret', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' }, healthCheck: {} });
    new ModelRegistryEntry(chart, 'e', {
      registry,
      modelName: 'gpt-x',
      endpoint: 'https://api.example.com',
      environment: 'production',
      allowInternetEgress: true,
      healthPath: '/v1/models',
      healthCheckApiKey: { name: 'openai', key: 'api-key' },
    });
    const objs = Testing.synth(chart) as Manifest[];
    const job = objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('e-register-'))!;
    const cron = objs.find((o) => o.kind === 'CronJob')!;
    expect(podSpecOf(job).containers[0].env).toContainEqual({ name: 'REGISTRY_HEALTH_AUTH', valueFrom: { secretKeyRef: { name: 'openai', key: 'api-key' } } });
    const cronEnv = podSpecOf(cron).containers[0].env;
    const variable = cronEnv.find((e: any) => e.name.startsWith('REGISTRY_HEALTH_AUTH_'));
    expect(variable).toEqual({ name: expect.stringMatching(/^REGISTRY_HEALTH_AUTH_[0-9A-F]{8}$/), valueFrom: { secretKeyRef: { name: 'openai', key: 'api-key' } } });
    expect(cronEnv.find((e: any) => e.name === 'REGISTRY_HEALTH_TARGETS').value).toBe(`gpt-x production https://api.example.com/v1/models ${variable.name}`);
  });
});

test('a model with a startup budget: the synthesized wait outlasts the budget (a slow start still registers)', async () => {
  bin = 'bin';
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const registry = new ModelRegistry(chart, 'registry', { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' } });
  const model = new FakeModel(chart, 'm', { startupBudgetSeconds: 2 });
  new ModelRegistryEntry(chart, 'e', { registry, model });
  const job = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('e-register-'))!;
  const env = Object.fromEntries(podSpecOf(job).containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
  expect(env.REGISTRY_WAIT_SECONDS).toBe(String(2 + ModelRegistryEntry.WAIT_MARGIN_SECONDS));
  // The model takes twice its budget (a slow image pull before its container started): answers 503 for 4 s.
  const slow = http.createServer((_req, res) => {
    res.writeHead(Date.now() - started >= 4_000 ? 200 : 503);
    res.end();
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const started = Date.now();
  try {
    const r = await sh('register.sh', {
      ...env,
      REGISTRY_HEALTH_URL: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/health`,
      REGISTRY_PROBE_INTERVAL_SECONDS: '1', // the Job's 10 s, shortened to keep the test quick
    });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(calls()[0].env.REGISTRY_HEALTH_VERIFIED).toBe('true');
  } finally {
    await new Promise((resolve) => slow.close(resolve));
  }
});

test('reconcile.sh runs the statement of its action, and refuses another action', async () => {
  bin = 'bin';
  for (const [action, file] of [['disable', 'reconcile-disable.sql'], ['delete', 'reconcile-delete.sql']]) {
    fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
    const r = await sh('reconcile.sh', { REGISTRY_RECONCILE_ACTION: action, REGISTRY_NAME: 'registry', REGISTRY_DECLARED: '[]', REGISTRY_RECONCILE_ENVIRONMENTS: '[]' });
    expect(r.code).toBe(0);
    expect(calls()[0].argv).toEqual(['-d', 'postgresql://u@db:5432/r', '-X', '-f', `${dir}/${file}`]);
  }
  fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
  const bad = await sh('reconcile.sh', { REGISTRY_RECONCILE_ACTION: 'truncate' });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('REGISTRY_RECONCILE_ACTION must be \'disable\' or \'delete\'');
  expect(calls()).toEqual([]);
});

/**
 * psql.sh keeps the database password off psql's command line: it must split the URL exactly as libpq
 * does (postgres src/interfaces/libpq/fe-connect.c: conninfo_uri_parse_options ends the user information
 * at the first '@' or '/' and takes the password after its first ':'; conninfo_uri_parse_params lets a
 * `password` query parameter override it; conninfo_uri_decode decodes %XX and refuses %00). The real
 * libpq's agreement is checked on a real server in postgres-server.suite.ts.
 */
describe('psql.sh: the database password goes to PGPASSWORD, never to an argument', () => {
  function psqlSh(url: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const env: Record<string, string> = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` };
      if (url !== undefined) env.REGISTRY_DATABASE_URL = url;
      const child = spawn('bash', [path.join(dir, 'psql.sh'), '-X', '-f', 'x.sql'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  test.each([
    ['postgresql://u:pw-1@db:5432/r', 'postgresql://u@db:5432/r', 'pw-1'],
    ['postgres://reg%40istry:p%40ss%3Aw%2Frd%25%3F%26%23@db.ns.svc/registry?sslmode=require',
      'postgres://reg%40istry@db.ns.svc/registry?sslmode=require', 'p@ss:w/rd%?&#'],
    ['postgresql://u:a:b?c&d=e@db/r', 'postgresql://u@db/r', 'a:b?c&d=e'],
    ['postgresql://db:5432/r?sslmode=verify-full&password=s%20ecret&application_name=reg',
      'postgresql://db:5432/r?sslmode=verify-full&application_name=reg', 's ecret'],
    ['postgresql://u:one@db/r?pass%77ord=two', 'postgresql://u@db/r', 'two'],
    ['postgresql://u@db/r?application_name=a@b', 'postgresql://u@db/r?application_name=a@b', undefined],
    ['postgresql://u:@db/r', 'postgresql://u@db/r', undefined],
    ['postgresql://:pw@db/r', 'postgresql://db/r', 'pw'],
    ['postgresql://u:pw@[::1]:5432/r', 'postgresql://u@[::1]:5432/r', 'pw'],
    ['postgresql://u:a\\nb\\c%5Cx@db/r', 'postgresql://u@db/r', 'a\\nb\\c\\x'],
    ['postgresql://u:%C3%A9t%C3%A9@db/r', 'postgresql://u@db/r', 'été'],
  ])('%s', async (url, expectedUrl, password) => {
    fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
    const r = await psqlSh(url);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [call] = calls();
    expect(call.argv).toEqual(['-d', expectedUrl, '-X', '-f', 'x.sql']);
    expect(call.env.PGPASSWORD).toBe(password);
    expect(call.env.REGISTRY_DATABASE_URL).toBeUndefined();
    if (password) expect(call.argv.join(' ')).not.toContain(password);
  });

  test.each([
    [undefined, 'is empty or not set'],
    ['', 'is empty or not set'],
    ['host=db user=u password=Hush-kv', 'is not a postgresql:// or postgres:// URL'],
    ['mysql://u:Hush-my@db/r', 'is not a postgresql:// or postgres:// URL'],
    ['postgresql://u:Hush@at@db/r', "has an '@' after its user information"],
    ['postgresql://u:Hush/slash@db/r', "has an '@' after its user information"],
    ['postgresql://u:Hush%zz@db/r', 'has a password with a bad percent escape'],
    ['postgresql://u:Hush%4@db/r', 'has a password with a bad percent escape'],
    ['postgresql://u:Hush%00x@db/r', 'has a password with a bad percent escape'],
    ['postgresql://db/r?password=Hush%', 'has a password with a bad percent escape'],
    ['postgresql://u:Hush-nl@db/r\n', 'contains a control character'],
  ])('refused without printing the URL: %j', async (url, message) => {
    fs.rmSync(path.join(dir, 'calls.jsonl'), { force: true });
    const r = await psqlSh(url);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`REGISTRY_DATABASE_URL ${message}`)).toBe(true);
    expect(r.stderr).toContain('(the value is not printed: it holds the password)');
    expect(r.stderr).not.toMatch(/Hush/);
    expect(calls()).toEqual([]);
  });

  test('every Job script reaches the database only through psql.sh', () => {
    const { files } = synthFiles();
    const scripts = Object.keys(files).filter((f) => f.endsWith('.sh') && f !== 'psql.sh').sort();
    expect(scripts).toEqual(['health-check.sh', 'http-probe.sh', 'migrate.sh', 'reconcile.sh', 'register.sh']);
    const calling = (f: string) => files[f].split('\n').filter((l) => /\bpsql\b/.test(l) && !l.trimStart().startsWith('#'));
    expect(scripts.map((f) => [f, calling(f).length, calling(f).filter((l) => /bash "\$dir\/psql\.sh" -X /.test(l)).length])).toEqual([
      ['health-check.sh', 1, 1], ['http-probe.sh', 0, 0], ['migrate.sh', 1, 1], ['reconcile.sh', 1, 1], ['register.sh', 1, 1],
    ]);
    for (const f of scripts) expect([f, files[f].includes('-d "$')]).toEqual([f, false]);
  });
});
