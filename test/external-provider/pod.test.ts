/** The pure pieces without a chart: props -> resolved providers -> pod pieces and plan. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExternalProviderPlan } from '../../src/config/external-providers';
import { IssueCollector } from '../../src/core/errors';
import { ExternalProvider } from '../../src/external-provider/external-provider';
import { copyContainerName, externalProviderPod, planJson } from '../../src/external-provider/pod';
import { DEFAULT_INSTALL_RESOURCES, resolveExternalProviders, SECTIONS } from '../../src/external-provider/resolve';
import { INSTALL_SCRIPT, SCRIPTS_DIR } from '../../src/external-provider/scripts';

const p = (id: string, extra = {}) => ExternalProvider.fromImage({ id, image: `quay.io/acme/${id}:1.0.0`, ...extra });

function resolve(spec: unknown) {
  const issues = new IssueCollector('externalProviders');
  const out = resolveExternalProviders(issues, spec);
  return { out, issues: issues.issues.map((i) => `${i.path}: ${i.message}`) };
}

function planOf(resolved: NonNullable<ReturnType<typeof resolve>['out']>, mergeAtStart: boolean): ExternalProviderPlan {
  return {
    mergeAtStart,
    entries: resolved.providers.map((r) => ({ ...r, mergeAtStart: mergeAtStart && !r.declared, config: r.config ?? {} })),
  };
}

describe('resolveExternalProviders', () => {
  test('sections in the fixed API order, then list order; defaults', () => {
    const { out, issues } = resolve({ eval: [p('e')], safety: [p('s1'), p('s2')], inference: [p('i', { imagePullPolicy: 'Never' })] });
    expect(issues).toEqual([]);
    expect(out!.providers.map((r) => [r.id, r.api, r.path, r.imagePullPolicy])).toEqual([
      ['i', 'inference', 'externalProviders.inference[0]', 'Never'],
      ['s1', 'safety', 'externalProviders.safety[0]', 'IfNotPresent'],
      ['s2', 'safety', 'externalProviders.safety[1]', 'IfNotPresent'],
      ['e', 'eval', 'externalProviders.eval[0]', 'IfNotPresent'],
    ]);
    expect(out!.volumeSizeLimit).toBe('2Gi');
    expect(out!.installResources).toEqual(DEFAULT_INSTALL_RESOURCES);
    expect(SECTIONS[0]).toBe('inference');
  });

  test('nothing given, or empty lists: undefined', () => {
    expect(resolve(undefined).out).toBeUndefined();
    expect(resolve({ inference: [], volumeSizeLimit: '4Gi' }).out).toBeUndefined();
  });

  test('declared metadata from props: api defaults to the section, camelCase is accepted', () => {
    const { out } = resolve({
      vectorIo: [p('v', { providerType: 'remote::v', module: 'v_mod' })],
      inference: [p('i', { providerType: 'remote::i', module: 'i.mod', api: 'vectorIo' })],
    });
    expect(out!.providers.map((r) => r.declared)).toEqual([
      { providerType: 'remote::i', module: 'i.mod', api: 'vector_io', source: 'its api prop' },
      { providerType: 'remote::v', module: 'v_mod', api: 'vector_io', source: 'its api prop' },
    ]);
  });

  test('a malformed spec file is reported with every problem; the provider is left out', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spec-')), 'lls-provider-spec.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ProviderPackage\n');
    const { out, issues } = resolve({ safety: [ExternalProvider.fromSpecFile(file, { id: 'g', image: 'quay.io/acme/g:1' })] });
    expect(out).toBeUndefined();
    expect(issues).toEqual([
      `externalProviders.safety[0]: ${file}: apiVersion (line 1): must be llamastack.io/v1alpha1, got 'v1'`,
      `externalProviders.safety[0]: ${file}: metadata: required (a mapping with name, version and vendor)`,
      `externalProviders.safety[0]: ${file}: spec: required (a mapping with packageName, providerType, api and wheelPath)`,
    ]);
  });
});

describe('externalProviderPod', () => {
  const { out } = resolve({ inference: [p('a', { config: { url: 'http://a.svc:1' } })], safety: [p('b', { providerType: 'inline::b', module: 'b' })] });
  const input = (mergeAtStart: boolean) => ({
    stackName: 'stack',
    serverImage: 'docker.io/llamastack/distribution-starter:0.7.1',
    resolved: out!,
    plan: planOf(out!, mergeAtStart),
    baseConfig: { volume: 'config', dir: '/etc/llama-stack', file: '/etc/llama-stack/config.yaml' },
  });

  test('containers, volumes and server pieces', () => {
    const pod = externalProviderPod(input(true));
    expect(pod.initContainers.map((c) => c.name)).toEqual([copyContainerName('a'), copyContainerName('b'), 'install-providers']);
    expect(pod.volumes.map((v) => v.name)).toEqual(['external-providers', 'external-provider-scripts']);
    expect(pod.runConfigPath).toBe('/opt/llama-stack/external-providers/config/config.yaml');
    expect(pod.pythonPath).toBe('/opt/llama-stack/external-providers/python-packages');
    expect(Object.keys(pod.configMapData).sort()).toEqual(['copy-provider.sh', 'install-providers.py', 'providers.json']);
    expect(externalProviderPod(input(false)).runConfigPath).toBeUndefined();
  });

  test('the ConfigMap name is the hash of its content: the plan changes it, a re-run does not', () => {
    expect(externalProviderPod(input(true)).configMapName).toBe(externalProviderPod(input(true)).configMapName);
    expect(externalProviderPod(input(true)).configMapName).not.toBe(externalProviderPod(input(false)).configMapName);
  });

  test('the plan lists the providers with what the install step needs, config only for entries it merges', () => {
    const plan = JSON.parse(planJson({ plan: planOf(out!, true) }));
    expect(plan.mergeConfig).toBe(true);
    expect(plan.apis).toContain('vector_io');
    expect(plan.removedApis.agents).toMatch(/renamed to responses/);
    expect(plan.providers).toEqual([
      { id: 'a', api: 'inference', image: 'quay.io/acme/a:1.0.0', initContainer: 'provider-a', merge: true, config: { url: 'http://a.svc:1' } },
      { id: 'b', api: 'safety', image: 'quay.io/acme/b:1.0.0', initContainer: 'provider-b', merge: false, declared: { providerType: 'inline::b', module: 'b', api: 'safety', source: 'its api prop' } },
    ]);
  });
});

describe('the termination log', () => {
  test('messages over 4000 bytes are cut with a pointer to the log', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-'));
    const log = path.join(dir, 'termination-log');
    const code = [
      'import importlib.util, sys',
      'spec = importlib.util.spec_from_file_location("m", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'm.write_termination_log("ERROR: " + "é" * 6000)',
    ].join('\n');
    const r = spawnSync('python3', ['-c', code, path.join(SCRIPTS_DIR, INSTALL_SCRIPT)], { env: { PATH: process.env.PATH, TERMINATION_LOG: log, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const text = fs.readFileSync(log, 'utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4001);
    expect(text).toMatch(/^ERROR: é+\n\.\.\. \(truncated; the full message is in the log: kubectl logs <pod> -c install-providers\)\n$/);
  });
});
