/**
 * The CLI end to end: manifests on disk, the live state from a fake `kubectl` on PATH (which records every
 * call), `--state` offline, `--probe`, exit codes and the entry point run as a process.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { declared, find, healthyState, manifests, NOW, podFor, unavailable } from './support';
import { main } from '../../src/doctor/cli';
import { K8sObject } from '../../src/doctor/inventory';
import { assertSafe, liveRequests, spawnKubectl } from '../../src/doctor/kubectl';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-cli-'));
const bin = path.join(tmp, 'bin');
fs.mkdirSync(bin);
fs.symlinkSync(path.join(__dirname, 'fake-kubectl.js'), path.join(bin, 'kubectl'));
const log = path.join(tmp, 'kubectl.log');
const stateFile = path.join(tmp, 'state.json');

// The app's manifests, plus a Secret of a user's chart with the library's labels: never asked for.
const dist = path.join(tmp, 'dist');
fs.mkdirSync(dist);
const objs = manifests();
const secret = {
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stack-extra', namespace: 'llm', labels: { ...find(objs, 'Deployment', 'stack').metadata.labels } }, stringData: { k: 'v' },
};
fs.writeFileSync(path.join(dist, 'doctor.k8s.yaml'), [...objs, secret].map((o) => yaml.dump(o)).join('---\n'));
fs.writeFileSync(path.join(dist, 'notes.txt'), 'not a manifest');

const decl = declared();
const PROBES = {
  'http:stack-service:8321/v1/health': { status: 'OK' },
  'http:stack-service:8321/v1/version': { version: '0.7.1' },
  'http:stack-service:8321/v1/providers': { data: [{ api: 'inference', provider_id: 'llama-8b', provider_type: 'remote::vllm', config: {}, health: { status: 'OK' } }] },
  'http:llama-8b-production:8000/health': '',
};

function serve(items: K8sObject[], extra: Record<string, unknown> = {}): void {
  // The cluster also holds a Secret with the library's labels: a request for Secrets would get it.
  fs.writeFileSync(stateFile, JSON.stringify({ items: [...items, { ...secret, data: { k: 'c2VjcmV0' } }], probes: PROBES, ...extra }));
  fs.rmSync(log, { force: true });
}

function calls(): string[][] {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

function doctor(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  process.env.FAKE_KUBECTL_LOG = log;
  process.env.FAKE_KUBECTL_STATE = stateFile;
  try {
    const code = main(['doctor', ...args], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: tmp, now: () => NOW, kubectl: spawnKubectl });
    return { code, out, err };
  } finally {
    process.env.PATH = saved;
  }
}

function expectOnlySafeGets(): void {
  const all = calls();
  expect(all.length).toBeGreaterThan(0);
  for (const argv of all) {
    expect(argv[argv[0] === '--context' ? 2 : 0]).toBe('get');
    for (const a of argv) expect(a).not.toMatch(/(^|,)secrets?($|[./,])/i);
  }
}

test('healthy: exit 0; only `get -o json` of the declared kinds and names, never a Secret', () => {
  serve(healthyState(decl));
  const r = doctor();
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^OK {3}model llm\/llama-8b-production: ok/m);
  expect(r.out.trim().split('\n').pop()).toBe('healthy: 4 constructs');
  expectOnlySafeGets();
  const all = calls();
  expect(all).toContainEqual(['get', 'deployment.v1.apps', 'llama-8b-production', 'stack', '--namespace', 'llm', '--ignore-not-found', '--output', 'json']);
  expect(all).toContainEqual(['get', 'pods,jobs.v1.batch', '--namespace', 'llm', '--selector', 'app.kubernetes.io/part-of=cdk8s-llama-stack', '--output', 'json']);
  expect(all.map((a) => a[1])).toEqual([...new Set(all.map((a) => a[1]))]);
  expect(all.every((a) => a.includes('--output') && a[a.indexOf('--output') + 1] === 'json')).toBe(true);
});

test('problems: exit 1, with the failure under its construct', () => {
  const state = healthyState(decl);
  unavailable(state, 'stack');
  podFor(state, 'stack').status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } };
  serve(state);
  const r = doctor();
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/^FAIL stack llm\/stack: 2 problems/m);
  expect(r.out).toContain('  x Deployment/stack: 0/1 replicas available');
  expect(r.out).toMatch(/ {2}x Pod\/stack-6d5f7c9b8-abc12: container llama-stack cannot pull its image .*: ImagePullBackOff/);
  expect(r.out.trim().split('\n').pop()).toBe('problems: 1 of 4 constructs');
});

test('--json: the same report as JSON', () => {
  serve(healthyState(decl));
  const r = doctor('--json', 'dist');
  expect(r.code).toBe(0);
  const json = JSON.parse(r.out);
  expect(json).toEqual(expect.objectContaining({ schemaVersion: 1, healthy: true, errors: [] }));
  expect(json.constructs.map((c: any) => `${c.kind}/${c.name}`)).toEqual(['model/llama-8b-production', 'monitoring/vllm-models', 'registry/registry', 'stack/stack']);
});

test('a resource type the cluster lacks (no Prometheus operator): its objects are unknown, the rest is read', () => {
  serve(healthyState(decl).filter((o) => o.kind !== 'ServiceMonitor'), { unknownResources: ['servicemonitor.v1.monitoring.coreos.com'] });
  const r = doctor('--json');
  expect(r.code).toBe(1);
  const json = JSON.parse(r.out);
  expect(json.errors).toEqual([expect.stringMatching(/^kubectl get servicemonitor\.v1\.monitoring\.coreos\.com vllm-models .*: error: the server doesn't have a resource type "servicemonitor"$/)]);
  expect(json.constructs[1].objects).toContainEqual({ kind: 'ServiceMonitor', name: 'vllm-models', state: 'unknown' });
  expect(json.constructs.find((c: any) => c.kind === 'stack').healthy).toBe(true);
});

test('an unreachable cluster: one call, one error without klog noise, exit 1', () => {
  serve(healthyState(decl), { unreachable: true });
  const r = doctor('--json');
  expect(r.code).toBe(1);
  const json = JSON.parse(r.out);
  expect(json.errors).toEqual(['cannot reach the cluster: The connection to the server localhost:8080 was refused - did you specify the right host or port?']);
  expect(calls()).toHaveLength(1);
  expect(json.constructs.flatMap((c: any) => c.objects.map((o: any) => o.state))).toEqual(expect.arrayContaining(['unknown']));
  expect(json.constructs.flatMap((c: any) => c.objects.filter((o: any) => o.state !== 'unknown'))).toEqual([]);
  expect(json.constructs[0].findings.map((f: any) => f.object)).toEqual(['Deployment', 'NetworkPolicy', 'Service', 'ServiceAccount']);
  expect(json.constructs[1].findings.map((f: any) => f.object)).toEqual(['ConfigMap', 'PrometheusRule', 'ServiceMonitor']);
});

test('--probe: health, version and providers through the Service proxy, per construct', () => {
  serve(healthyState(decl));
  const r = doctor('--probe');
  expect(r.code).toBe(0);
  expect(r.out).toContain('  - probe /v1/version: server version 0.7.1');
  expect(r.out).toContain('  - probe /v1/providers: 1 provider(s)');
  expect(r.out).toContain('      inference: llama-8b (remote::vllm) health OK');
  expect(r.out).toContain('  - probe /health: OK');
  expect(calls()).toContainEqual(['get', '--raw', '/api/v1/namespaces/llm/services/http:stack-service:8321/proxy/v1/health']);
  expectOnlySafeGets();
  // No answer from the model: a problem of the model only.
  fs.writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(stateFile, 'utf8')), probes: { ...PROBES, 'http:llama-8b-production:8000/health': undefined } }));
  const down = doctor('--probe', '--json');
  expect(down.code).toBe(1);
  const model = JSON.parse(down.out).constructs[0];
  expect(model.findings).toEqual([expect.objectContaining({ severity: 'problem', object: 'probe /health', message: expect.stringMatching(/^failed: Error from server \(ServiceUnavailable\)/) })]);
});

test('--state: offline, kubectl is never run', () => {
  const state = healthyState(decl);
  state.splice(state.indexOf(find(state, 'Service', 'stack-service')), 1);
  const file = path.join(tmp, 'saved.json');
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: state }));
  fs.rmSync(log, { force: true });
  const r = doctor('--state', file, 'dist/doctor.k8s.yaml');
  expect(r.code).toBe(1);
  expect(r.out).toContain('  x Service/stack-service: is missing: the synthesized manifests have it, the cluster does not');
  expect(calls()).toEqual([]);
});

test('arguments go to kubectl as data (no shell): a context with metacharacters stays one argument', () => {
  serve(healthyState(decl));
  const marker = path.join(tmp, 'pwned');
  const context = `prod; touch ${marker} $(touch ${marker})`;
  doctor('--context', context);
  expect(fs.existsSync(marker)).toBe(false);
  for (const argv of calls()) expect(argv.slice(0, 2)).toEqual(['--context', context]);
  expectOnlySafeGets();
});

test('usage errors: exit 2', () => {
  expect(doctor('--bogus').code).toBe(2);
  expect(doctor('--state').code).toBe(2);
  expect(doctor('no-such-dir').code).toBe(2);
  expect(doctor('--state', stateFile, '--probe').code).toBe(2);
  const bad = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(bad, 'kind: [');
  expect(doctor(bad).err).toMatch(/^error: bad\.yaml: not YAML/);
  let out = '';
  expect(main([], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: tmp, now: () => NOW, kubectl: spawnKubectl })).toBe(2);
  expect(out).toMatch(/^Usage: kubectl llamastack doctor/);
  expect(main(['frobnicate'], { stdout: () => undefined, stderr: () => undefined, cwd: tmp, now: () => NOW, kubectl: spawnKubectl })).toBe(2);
  expect(doctor('--help').code).toBe(0);
});

test('the request builder refuses Secrets and anything but get', () => {
  const withSecret = decl.map((c) => ({ ...c, objects: [...c.objects, secret as any] }));
  expect(liveRequests(withSecret).flatMap((r) => r.args).some((a) => /secret/i.test(a))).toBe(false);
  expect(() => assertSafe(['get', 'secrets', '--output', 'json'])).toThrow(/names Secrets/);
  expect(() => assertSafe(['get', 'pods,Secret.v1', '--output', 'json'])).toThrow(/names Secrets/);
  expect(() => assertSafe(['--context', 'x', 'delete', 'pod', 'a'])).toThrow(/only get/);
  expect(() => assertSafe(['exec', 'get'])).toThrow(/only get/);
});

test('the entry point runs as a process (the bin): exit codes 0, 1 and 2', () => {
  serve(healthyState(decl));
  const run = (...args: string[]) => spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', path.join(__dirname, '../../src/doctor/cli.ts'), ...args], {
    cwd: tmp, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_KUBECTL_LOG: log, FAKE_KUBECTL_STATE: stateFile },
  });
  expect(run('doctor').status).toBe(0);
  const broken = healthyState(decl).filter((o) => o.kind !== 'Service');
  serve(broken);
  expect(run('doctor').status).toBe(1);
  expect(run('doctor', '--nope').status).toBe(2);
  expect(fs.readFileSync(path.join(__dirname, '../../src/doctor/cli.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});
