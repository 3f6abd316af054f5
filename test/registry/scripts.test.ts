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
import { HOSTILE, HOSTILE_TARGET_NAME } from './support';
import { ModelRegistry, ModelRegistryEntry } from '../../src';
import { Manifest, podSpecOf } from '../support/manifests';

jest.setTimeout(60_000);

interface Call {
  argv: string[];
  env: Record<string, string | undefined>;
}

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox', '/usr/local/bin/busybox'].find((p) => fs.existsSync(p));
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
for (const k of Object.keys(process.env)) if (k.startsWith('REGISTRY_')) env[k] = process.env[k];
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
    expect(call.argv).toEqual(['-X', '-d', 'postgresql://u:p@db:5432/r', '-f', `${dir}/register.sql`]);
    expect(call.env).toMatchObject({ REGISTRY_MODEL_NAME: HOSTILE.modelName, REGISTRY_ENDPOINT: HOSTILE.endpoint, REGISTRY_HEALTH_VERIFIED: 'true' });
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
    const read = [...script.matchAll(/\$\{(REGISTRY_[A-Z_]+)/g)].map((m) => m[1]).filter((n) => n !== 'REGISTRY_HEALTH_VERIFIED');
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
  expect(calls()[0].argv).toEqual(['-X', '-d', 'postgresql://u:p@db:5432/r', '-f', `${dir}/migrate.sql`]);
});
