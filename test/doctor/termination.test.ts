/**
 * Init-container termination messages as the doctor shows them, taken by running the real scripts: the
 * external-provider copy and install scripts of the fixture stack (through the runtime tests' harness, on
 * fake provider images), and the CA-bundle script. Each message goes into the pod status the kubelet
 * would write (the failed init container in CrashLoopBackOff with the message as its last termination).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ago, declared, healthyState, NOW, podFor, PROVIDER_IMAGE, schemaErrors, unavailable } from './support';
import { diagnose, DoctorReport } from '../../src/doctor/diagnose';
import { renderHuman } from '../../src/doctor/render';
import { depWheel, FakeProvider, fakeProviderImage, installedDist, Obj, providerPyOf, runPod, specYamlOf } from '../external-provider/support';

jest.setTimeout(240_000);

const decl = declared();
const stackObjects = decl.find((c) => c.kind === 'stack')!.objects as unknown as Obj[];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-images-'));
let counter = 0;

const llm: FakeProvider = { packageName: 'acme_llm', providerType: 'remote::acme-llm', api: 'inference' };

/** Runs the stack's provider init containers on a fake image of `p`; returns the failed container and its message. */
function failure(
  p: FakeProvider, prepare?: (dir: string) => void, plan?: string, installEnv?: Record<string, string>,
): { container: string; message: string } {
  const dir = fakeProviderImage(path.join(tmp, `img-${++counter}`), p);
  prepare?.(dir);
  const run = runPod(stackObjects, { images: { [PROVIDER_IMAGE]: dir }, plan, installEnv });
  const failed = run.runs.find((r) => r.status !== 0);
  if (!failed) throw new Error(`no init container failed: ${run.runs.map((r) => r.name).join(', ')}`);
  return { container: failed.name, message: failed.terminationLog };
}

/** The stack's pod with init container `container` failed with `message` (and the ones after it not started). */
function withFailedInit(container: string, message: string): DoctorReport {
  const state = healthyState(decl);
  unavailable(state, 'stack');
  const pod = podFor(state, 'stack');
  pod.status.phase = 'Pending';
  const names: string[] = pod.status.initContainerStatuses.map((s: any) => s.name);
  const at = names.indexOf(container);
  pod.status.initContainerStatuses = pod.status.initContainerStatuses.map((s: any, i: number) => (i < at ? s : i === at ? {
    ...s,
    ready: false,
    restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=${container}` } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', message, startedAt: ago(60), finishedAt: ago(55) } },
  } : { ...s, ready: false, state: { waiting: { reason: 'PodInitializing' } } }));
  pod.status.containerStatuses = pod.status.containerStatuses.map((s: any) => ({ ...s, ready: false, started: false, state: { waiting: { reason: 'PodInitializing' } } }));
  expect(schemaErrors(state)).toEqual([]);
  return diagnose(decl, { objects: state }, NOW);
}

/** The message's lines as the doctor must show them: the ERROR line, every other line, and the Resolution. */
function expectShown(report: DoctorReport, container: string, message: string): void {
  const stack = report.constructs.find((c) => c.kind === 'stack')!;
  expect(stack.healthy).toBe(false);
  const f = stack.findings.find((x) => x.message.startsWith(`init container ${container} failed`))!;
  expect(f.message).toBe(`init container ${container} failed (Error, exit code 1, restarted 3 times): CrashLoopBackOff`);
  const lines = message.split('\n').filter((l) => l.trim());
  expect(lines[0]).toMatch(/^ERROR: /);
  const resolution = lines.filter((l) => l.startsWith('Resolution:'));
  expect(resolution.length).toBeGreaterThan(0);
  for (const r of resolution) expect(f.details).toContain(r);
  expect(f.details[0]).toBe(lines[0]);
  if (lines.length <= 14) expect(f.details).toEqual(lines.map((l) => l.replace(/\s+$/, '')));
  const text = renderHuman(report);
  expect(text).toContain(`      ${lines[0]}`);
  expect(text).toContain(`      ${resolution[0]}`);
  if (container.startsWith('provider-') || container === 'install-providers') {
    expect(stack.externalProviders).toEqual([{ id: 'my-llm', image: PROVIDER_IMAGE, state: 'failed' }]);
  }
}

const cases: Array<[string, () => { container: string; message: string }, string, RegExp]> = [
  ['missing lls-provider-spec.yaml', () => failure({ ...llm, specYaml: null }), 'provider-my-llm', /^ERROR: Missing .*lls-provider-spec\.yaml in image/],
  ['missing packages directory', () => failure({ ...llm, noPackagesDir: true }), 'provider-my-llm', /^ERROR: Missing .*packages directory in image/],
  ['no wheels', () => failure({ ...llm, noPackagesDir: true }, (d) => fs.mkdirSync(path.join(d, 'lls-provider', 'packages'))), 'provider-my-llm', /^ERROR: No wheel files/],
  ['spec is a directory', () => failure({ ...llm, specYaml: null }, (d) => fs.mkdirSync(path.join(d, 'lls-provider', 'lls-provider-spec.yaml'))), 'provider-my-llm', /is not a regular file/],
  ['copy fails (dangling symlink)', () => failure(llm, (d) => fs.symlinkSync('/nonexistent/x', path.join(d, 'lls-provider', 'packages', 'broken.whl'))), 'provider-my-llm', /^ERROR: Failed to copy/],
  ['invalid YAML', () => failure({ ...llm, specYaml: 'kind: [unclosed\n' }), 'install-providers', /^ERROR: Invalid YAML in/],
  ['schema problems', () => failure({ ...llm, specYaml: specYamlOf(llm).replace('kind: ProviderPackage', 'kind: Provider') }), 'install-providers', /^ERROR: Invalid \/lls-provider\/lls-provider-spec\.yaml/],
  ['API placement mismatch', () => failure({ ...llm, api: 'safety' }), 'install-providers', /^ERROR: Provider API type mismatch/],
  ['wheelPath names a missing wheel', () => failure({ ...llm, specYaml: specYamlOf(llm).replace('acme_llm-1.0.0', 'acme_llm-9.9.9') }), 'install-providers', /names wheels the image does not contain/],
  ['broken wheel', () => failure(llm, (d) => fs.writeFileSync(fs.readdirSync(path.join(d, 'lls-provider', 'packages')).map((f) => path.join(d, 'lls-provider', 'packages', f))[0], 'not a zip')), 'install-providers', /contains broken wheel files/],
  ['a dependency that is not bundled', () => failure({ ...llm, requires: ['acme-http==1.2.0'] }), 'install-providers', /^ERROR: Provider packages need acme-http==1\.2\.0/],
  ['a wheel for another platform', () => failure({ ...llm, tag: 'cp27-cp27mu-manylinux1_i686' }), 'install-providers', /is not supported by the distribution image's Python/],
  ['no provider module', () => failure({ ...llm, specYaml: specYamlOf(llm).replace('packageName: acme_llm', 'packageName: acme_lm') }), 'install-providers', /^ERROR: Cannot import acme_lm\.provider/],
  ['import fails', () => failure({ ...llm, providerPy: `import not_there\n${providerPyOf('inference', 'remote::acme-llm')}` }), 'install-providers', /failed: ModuleNotFoundError/],
  ['no get_provider_spec()', () => failure({ ...llm, providerPy: 'X = 1\n' }), 'install-providers', /has no get_provider_spec\(\)/],
  ['no spec with the provider type', () => failure({
    ...llm,
    providerPy: 'class S:\n    def __init__(self, t):\n        self.api = "inference"\n        self.provider_type = t\n'
      + 'def get_provider_spec():\n    return [S("remote::a"), S("inline::b")]\n',
  }), 'install-providers', /returns no spec with provider_type remote::acme-llm/],
  ['a dependency that breaks Llama Stack', () => {
    const site = fs.mkdtempSync(path.join(tmp, 'image-site-'));
    installedDist(site, 'llama-stack', '0.7.1', ['fastthing>=2']);
    installedDist(site, 'fastthing', '2.3');
    return failure({ ...llm, requires: ['fastthing==1.0'], deps: [depWheel('fastthing', '1.0')] }, undefined, undefined, { PYTHONPATH: site });
  }, 'install-providers', /^ERROR: Provider packages replace packages Llama Stack itself needs/],
  ['two providers with conflicting pins (one image bundles both sides)', () => failure({
    ...llm, requires: ['shared-lib==1.0', 'other-lib==1.0'], deps: [depWheel('shared-lib', '1.0'), depWheel('other-lib', '1.0', ['shared-lib==2.0'])],
  }), 'install-providers', /^ERROR: Cannot install provider 'my-llm' due to dependency conflict/],
  ['duplicate IDs (hand-edited plan)', () => {
    const plan = JSON.parse(stackObjects.find((o) => o.data?.['providers.json'])!.data['providers.json']);
    plan.providers.push({ ...plan.providers[0], image: 'quay.io/acme/other:2' });
    return failure(llm, undefined, JSON.stringify(plan));
  }, 'install-providers', /^ERROR: Duplicate provider ID detected/],
  ['an unexpected error (hand-edited plan)', () => failure(llm, undefined, JSON.stringify({ providers: [{ api: 'inference' }] })), 'install-providers', /^ERROR: Unexpected error in the install step/],
];

describe('external-provider init containers: each message with its Resolution line', () => {
  test.each(cases)('%s', (_name, make, container, first) => {
    const { container: failed, message } = make();
    expect(failed).toBe(container);
    expect(message.split('\n')[0]).toMatch(first);
    expectShown(withFailedInit(container, message), container, message);
  });
});

describe('the CA-bundle init container (its log is its termination message)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-ca-'));
  fs.writeFileSync(path.join(dir, 'system.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(path.join(dir, 'not-pem.crt'), 'hello\n');
  const init = (stackObjects.find((o) => o.kind === 'Deployment')!.spec.template.spec.initContainers as any[]).find((c) => c.name === 'ca-bundle');
  const run = (system: string, files: string[]) => {
    const r = spawnSync('sh', ['-c', init.command[2], 'ca-bundle', ...files], {
      encoding: 'utf8', env: { PATH: process.env.PATH, SYSTEM_CA_BUNDLE: system, COMBINED_CA_BUNDLE: path.join(dir, 'out.crt') },
    });
    expect(r.status).toBe(1);
    return r.stdout + r.stderr;
  };

  test.each([
    ['a key missing from the ConfigMap', () => run(path.join(dir, 'system.crt'), [path.join(dir, 'ca-bundle.crt')]), /^Resolution: add the key to the ConfigMap named by networking\.tls\.caBundle\.configMapName/],
    ['no PEM certificate', () => run(path.join(dir, 'system.crt'), [path.join(dir, 'not-pem.crt')]), /^Resolution: put PEM certificates/],
    ['no system bundle in the image', () => run(path.join(dir, 'none.crt'), []), /^Resolution: use a distribution image with the ca-certificates package/],
  ])('%s', (_name, make, resolution) => {
    const message = make();
    const report = withFailedInit('ca-bundle', message);
    const f = report.constructs.find((c) => c.kind === 'stack')!.findings.find((x) => x.message.startsWith('init container ca-bundle failed'))!;
    expect(f.details[0]).toBe(message.trim());
    expect(f.details[1]).toMatch(resolution);
  });

  test('without a message (an older manifest without FallbackToLogsOnError): how to read the log', () => {
    const report = withFailedInit('ca-bundle', '');
    const f = report.constructs.find((c) => c.kind === 'stack')!.findings.find((x) => x.message.startsWith('init container ca-bundle failed'))!;
    expect(f.details).toEqual(['no termination message', 'the log: kubectl logs -n llm stack-6d5f7c9b8-abc12 -c ca-bundle']);
  });
});
