/**
 * The emitted init containers, run for real: provider images are fake trees with real wheels, the scripts
 * and plan are the exact bytes of the synthesized ConfigMap, sh/python3/pip are the local ones, and every
 * path is relocated through the containers' environment variables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import {
  depWheel, FakeProvider, fakeProviderImage, indexTrap, installedDist, Obj, PodOptions, PodRun, providerPyOf, runPod as runPodOnce,
  serverPython, specYamlOf, wheelFile,
} from './support';
import { ExternalProvider, LlamaStack, LlamaStackProps } from '../../src';

jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-images-'));

/** Every pod run of this file, for the network check at the end. */
const podRuns: PodRun[] = [];
function runPod(objs: Obj[], options: PodOptions): PodRun {
  const run = runPodOnce(objs, options);
  podRuns.push(run);
  return run;
}
let counter = 0;

/** A fake image directory for `p`, and its image reference. */
function image(p: FakeProvider, name = `acme/${p.packageName.replace(/_/g, '-')}`): { ref: string; dir: string } {
  counter++;
  const dir = fakeProviderImage(path.join(tmp, `img-${counter}`), p);
  return { ref: `quay.io/${name}:1.0.${counter}`, dir };
}

function synth(props: LlamaStackProps): Obj[] {
  const chart = Testing.chart();
  (chart as any).namespace = 'llm';
  new LlamaStack(chart, 'stack', props);
  return Testing.synth(chart) as Obj[];
}

const llm: FakeProvider = {
  packageName: 'acme_llm',
  providerType: 'remote::acme-llm',
  api: 'inference',
  requires: ['acme-http==1.2.0'],
  deps: [depWheel('acme-http', '1.2.0', ['acme-util>=1']), depWheel('acme-util', '1.5.0')],
};
const guard: FakeProvider = { packageName: 'acme_guard', providerType: 'inline::acme-guard', api: 'safety', requires: ['acme-util>=1,<2'], deps: [depWheel('acme-util', '1.4.0')] };

const block = (text: string) => expect.objectContaining({ status: 1, terminationLog: expect.stringContaining(text) });

describe('a discovered provider (fromImage with id, image and config)', () => {
  const img = image(llm);
  const objs = synth({
    distribution: { name: 'starter' },
    externalProviders: { inference: [ExternalProvider.fromImage({ id: 'my-llm', image: img.ref, config: { base_url: 'http://my-llm.models.svc:8080/v1' } })] },
    resources: { models: [{ name: 'acme-1', provider: 'my-llm' }] },
  });
  const run = runPod(objs, { images: { [img.ref]: img.dir } });

  test('copies, installs, imports; the packages dir gets the provider and its dependencies', () => {
    expect(run.runs.map((r) => [r.name, r.status])).toEqual([['provider-my-llm', 0], ['install-providers', 0]]);
    const installed = fs.readdirSync(run.local('/opt/llama-stack/external-providers/python-packages')).sort();
    expect(installed).toEqual(expect.arrayContaining(['acme_llm', 'acme_http', 'acme_util']));
    const report = fs.readFileSync(run.local('/opt/llama-stack/external-providers/installed-packages.txt'), 'utf8');
    expect(report).toContain('provider my-llm');
    expect(report).toMatch(/installed into .*:\n(.*\n)*  acme-llm==1\.0\.0/);
  });

  test('the server imports the provider from PYTHONPATH and gets its spec', () => {
    const r = serverPython(run, 'import acme_llm.provider as p, acme_http; s = p.get_provider_spec(); print(s.provider_type, acme_http.VERSION)');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('remote::acme-llm 1.2.0');
  });

  test('the merged config at RUN_CONFIG_PATH has the entry from the image metadata and the props config', () => {
    expect(run.serverEnv.RUN_CONFIG_PATH).toBe(run.local('/opt/llama-stack/external-providers/config/config.yaml'));
    const config = yaml.load(fs.readFileSync(run.serverEnv.RUN_CONFIG_PATH, 'utf8')) as any;
    expect(config.providers.inference).toContainEqual({
      provider_id: 'my-llm', provider_type: 'remote::acme-llm', module: 'acme_llm', config: { base_url: 'http://my-llm.models.svc:8080/v1' },
    });
    expect(config.registered_resources.models).toContainEqual(expect.objectContaining({ model_id: 'acme-1', provider_id: 'my-llm' }));
    // Everything else is the generated base config, unchanged.
    const base = yaml.load(objs.find((o) => o.kind === 'ConfigMap' && o.data['config.yaml'])!.data['config.yaml']) as any;
    expect({ ...config, providers: { ...config.providers, inference: config.providers.inference.filter((p: any) => p.provider_id !== 'my-llm') } }).toEqual(base);
  });

  test('the staged wheels are removed after the install; the metadata stays', () => {
    expect(fs.existsSync(run.local('/opt/llama-stack/external-providers/provider-my-llm/packages'))).toBe(false);
    expect(fs.existsSync(run.local('/opt/llama-stack/external-providers/provider-my-llm/lls-provider-spec.yaml'))).toBe(true);
    expect(fs.existsSync(run.local('/opt/llama-stack/external-providers/.work'))).toBe(false);
  });

  test('pip contacts no package index: the install container, whose HTTP(S)_PROXY records every request, sent none', () => {
    expect(run.run('install-providers').status).toBe(0);
    expect(run.runs.flatMap((r) => r.proxyRequests)).toEqual([]);
  });

  test('success is summarised in the termination log', () => {
    expect(run.run('install-providers').terminationLog).toMatch(/^Installed 1 external provider\(s\): my-llm \(remote::acme-llm, quay\.io\/acme\/acme-llm:1\.0\.\d+\)/);
  });

  test('a second run in the same volume (a pod restart) gives the same result', () => {
    const config = fs.readFileSync(run.serverEnv.RUN_CONFIG_PATH, 'utf8');
    const again = runPod(objs, { images: { [img.ref]: img.dir }, rerunIn: run.root });
    expect(again.root).toBe(run.root);
    expect(again.runs.map((r) => r.status)).toEqual([0, 0]);
    expect(serverPython(again, 'import acme_llm.provider, acme_http; print(acme_http.VERSION)').stdout.trim()).toBe('1.2.0');
    expect(fs.readFileSync(again.serverEnv.RUN_CONFIG_PATH, 'utf8')).toBe(config);
  });
});

describe('declared providers (fromSpecFile and providerType/module props)', () => {
  const g = image(guard);
  const specFile = path.join(tmp, 'guard-spec.yaml');
  fs.writeFileSync(specFile, specYamlOf(guard));
  const l = image(llm);
  const objs = synth({
    distribution: { name: 'starter' },
    externalProviders: {
      safety: [ExternalProvider.fromSpecFile(specFile, { id: 'guard', image: g.ref })],
      inference: [ExternalProvider.fromImage({ id: 'my-llm', image: l.ref, providerType: 'remote::acme-llm', module: 'acme_llm' })],
    },
  });
  const run = runPod(objs, { images: { [g.ref]: g.dir, [l.ref]: l.dir } });

  test('both install together (compatible pins: acme-util 1.5.0 from one image satisfies both)', () => {
    expect(run.runs.map((r) => [r.name, r.status])).toEqual([['provider-my-llm', 0], ['provider-guard', 0], ['install-providers', 0]]);
    expect(serverPython(run, 'import acme_guard.provider, acme_llm.provider, acme_util; print(acme_util.VERSION)').stdout.trim()).toBe('1.5.0');
  });

  test('the server reads the generated ConfigMap directly; it already has both entries', () => {
    expect(run.serverEnv.RUN_CONFIG_PATH).toBe(run.local('/etc/llama-stack/config.yaml'));
    expect(fs.existsSync(run.local('/opt/llama-stack/external-providers/config/config.yaml'))).toBe(false);
    const config = yaml.load(fs.readFileSync(run.serverEnv.RUN_CONFIG_PATH, 'utf8')) as any;
    expect(config.providers.safety).toContainEqual({ provider_id: 'guard', provider_type: 'inline::acme-guard', module: 'acme_guard', config: {} });
    expect(config.providers.inference).toContainEqual({ provider_id: 'my-llm', provider_type: 'remote::acme-llm', module: 'acme_llm', config: {} });
  });

  test('an image whose metadata differs from the declaration fails the install', () => {
    const other = image({ ...llm, providerType: 'remote::acme-llm-v2', packageName: 'acme_llm2' });
    const bad = synth({
      distribution: { name: 'starter' },
      externalProviders: { inference: [ExternalProvider.fromImage({ id: 'my-llm', image: other.ref, providerType: 'remote::acme-llm', module: 'acme_llm' })] },
    });
    const r = runPod(bad, { images: { [other.ref]: other.dir } }).run('install-providers');
    expect(r).toEqual(block('ERROR: The metadata in image'));
    expect(r.terminationLog).toContain('  spec.providerType: declared remote::acme-llm, the image has remote::acme-llm-v2');
    expect(r.terminationLog).toContain('  spec.packageName: declared acme_llm, the image has acme_llm2');
    expect(r.terminationLog).toMatch(/Provider: my-llm\nImage: quay\.io\/acme\/acme-llm2:\S+\nInit Container: install-providers/);
    expect(r.terminationLog).toMatch(/\nResolution: .*synthesize and apply again\.\n$/);
  });
});

describe('every failure of the seed (research/operator.md §4.5) ends in the termination log with a Resolution line', () => {
  const single = (p: FakeProvider, api = p.api, extra: Partial<Parameters<typeof ExternalProvider.fromImage>[0]> = {}) => {
    const img = image(p);
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { [api]: [ExternalProvider.fromImage({ id: 'x', image: img.ref, ...extra })] } });
    return { run: runPod(objs, { images: { [img.ref]: img.dir } }), ref: img.ref, dir: img.dir, objs };
  };

  test('missing lls-provider-spec.yaml: provider-<id> fails', () => {
    const { run, ref, dir } = single({ ...llm, specYaml: null });
    expect(run.runs.map((r) => r.name)).toEqual(['provider-x']);
    expect(run.run('provider-x').terminationLog).toBe([
      `ERROR: Missing ${dir}/lls-provider/lls-provider-spec.yaml in image ${ref}`,
      'Provider: x',
      `Image: ${ref}`,
      'Init Container: provider-x',
      `Resolution: Ensure the provider image contains a valid lls-provider-spec.yaml at ${dir}/lls-provider/lls-provider-spec.yaml`,
      '',
    ].join('\n'));
    expect(run.run('provider-x').status).toBe(1);
    expect(run.run('provider-x').stderr).toContain('ERROR: Missing');
  });

  test('missing packages directory', () => {
    const { run, ref, dir } = single({ ...llm, noPackagesDir: true });
    expect(run.run('provider-x')).toEqual(block(`ERROR: Missing ${dir}/lls-provider/packages directory in image ${ref}`));
    expect(run.run('provider-x').terminationLog).toContain('Resolution: Ensure the provider image contains the provider wheel and all its dependency wheels');
  });

  test('a packages directory without wheels', () => {
    const img = image({ ...llm, noPackagesDir: true });
    fs.mkdirSync(path.join(img.dir, 'lls-provider', 'packages'));
    fs.writeFileSync(path.join(img.dir, 'lls-provider', 'packages', 'README'), 'no wheels');
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'x', image: img.ref })] } });
    expect(runPod(objs, { images: { [img.ref]: img.dir } }).run('provider-x')).toEqual(block('ERROR: No wheel files (*.whl) in'));
  });

  test('a copy that fails (a dangling symlink in /lls-provider) reports cp\'s error', () => {
    const img = image(llm);
    fs.symlinkSync('/nonexistent/target', path.join(img.dir, 'lls-provider', 'packages', 'broken.whl'));
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'x', image: img.ref })] } });
    const r = runPod(objs, { images: { [img.ref]: img.dir } }).run('provider-x');
    expect(r).toEqual(block(`ERROR: Failed to copy ${img.dir}/lls-provider from image ${img.ref} into the shared volume`));
    expect(r.terminationLog).toMatch(/\nInit Container: provider-x\n.*broken\.whl.*\nResolution: Check that every file under /);
  });

  test('invalid YAML: the parse error with its line number', () => {
    const { run, ref } = single({ ...llm, specYaml: 'apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\nmetadata:\n  name: [unclosed\nspec: {}\n' });
    const r = run.run('install-providers');
    expect(r).toEqual(block(`ERROR: Invalid YAML in /lls-provider/lls-provider-spec.yaml in image ${ref}`));
    expect(r.terminationLog).toMatch(/  document \(line 5\): invalid YAML at line 5, column 5: expected ',' or ']'/);
    expect(r.terminationLog).toContain('Init Container: install-providers');
  });

  test('schema problems: every one, with field and line', () => {
    const spec = specYamlOf(llm).replace('kind: ProviderPackage', 'kind: Provider').replace('  vendor: Acme\n', '').replace('api: inference', 'api: agents');
    const r = single({ ...llm, specYaml: spec }).run.run('install-providers');
    expect(r).toEqual(block('ERROR: Invalid /lls-provider/lls-provider-spec.yaml in image'));
    expect(r.terminationLog).toContain('  kind (line 2): must be ProviderPackage, got \'Provider\'');
    expect(r.terminationLog).toContain('  metadata.vendor: required (a non-empty string)');
    expect(r.terminationLog).toContain('  spec.api (line 9): \'agents\' is not an API of Llama Stack 0.7.1: agents was renamed to responses');
  });

  test('API placement mismatch: the image declares safety, the provider is placed under inference', () => {
    const { run, ref } = single({ ...guard }, 'inference');
    expect(run.run('install-providers').terminationLog).toBe([
      'ERROR: Provider API type mismatch',
      'Provider: x',
      `Image: ${ref}`,
      'Init Container: install-providers',
      `Provider 'x' (image: ${ref})`,
      'declares api=safety in lls-provider-spec.yaml',
      'but is placed under externalProviders.inference',
      'Resolution: Move the provider to externalProviders.safety in the LlamaStack props, then synthesize and apply again.',
      '',
    ].join('\n'));
  });

  test('wheelPath names a wheel the image does not have', () => {
    const spec = specYamlOf(llm).replace(wheelFile(llm), 'acme_llm-9.9.9-py3-none-any.whl');
    const r = single({ ...llm, specYaml: spec }).run.run('install-providers');
    expect(r).toEqual(block('names wheels the image does not contain'));
    expect(r.terminationLog).toContain('  spec.wheelPath: /lls-provider/packages/acme_llm-9.9.9-py3-none-any.whl is not in the image');
  });

  test('a dependency that is not bundled: pip --no-index cannot find it, the requiring provider is named', () => {
    const r = single({ ...llm, deps: [depWheel('acme-util', '1.5.0')] }).run.run('install-providers');
    expect(r).toEqual(block('ERROR: Provider packages need acme-http==1.2.0, which is neither bundled in /lls-provider/packages nor installed in the distribution image'));
    expect(r.terminationLog).toContain('Provider: x');
    expect(r.terminationLog).toContain('pip output:');
  });

  test('a wheel for another platform (architecture mismatch caught before the server starts)', () => {
    const r = single({ ...llm, tag: 'cp27-cp27mu-manylinux1_i686' }).run.run('install-providers');
    expect(r).toEqual(block('is not supported by the distribution image\'s Python (CPython'));
    expect(r.terminationLog).toContain('acme_llm-1.0.0-cp27-cp27mu-manylinux1_i686.whl');
  });

  test('the package has no provider module', () => {
    const r = single({ ...llm, files: {}, providerPy: undefined, packageName: 'acme_llm', specYaml: specYamlOf(llm).replace('packageName: acme_llm', 'packageName: acme_lm') }).run.run('install-providers');
    expect(r).toEqual(block('ERROR: Cannot import acme_lm.provider for provider \'x\''));
    expect(r.terminationLog).toContain('Resolution: Llama Stack imports <packageName>.provider');
  });

  test('importing the provider fails (a missing import, with the traceback)', () => {
    const r = single({ ...llm, providerPy: 'import acme_missing_dependency\n' }).run.run('install-providers');
    expect(r).toEqual(block('Importing provider \'x\' (acme_llm.provider, get_provider_spec()) failed: ModuleNotFoundError'));
    expect(r.terminationLog).toContain('Traceback (last lines):');
    expect(r.terminationLog).toContain('acme_missing_dependency');
  });

  test('a compiled extension for another architecture', () => {
    const r = single({ ...llm, providerPy: 'raise ImportError("/x/_native.so: wrong ELF class: ELFCLASS32")\n' }).run.run('install-providers');
    expect(r).toEqual(block('cannot be loaded by the distribution image\'s Python (CPython'));
    expect(r.terminationLog).toContain('wrong ELF class');
  });

  test('no get_provider_spec()', () => {
    const r = single({ ...llm, providerPy: 'X = 1\n' }).run.run('install-providers');
    expect(r).toEqual(block('ERROR: acme_llm.provider of provider \'x\' has no get_provider_spec()'));
  });

  test('a list of specs without the declared provider type (0.7.1 would not register it)', () => {
    const py = 'class S:\n    def __init__(self, t):\n        self.api = "inference"\n        self.provider_type = t\n'
      + 'def get_provider_spec():\n    return [S("remote::a"), S("inline::b")]\n';
    const r = single({ ...llm, providerPy: py }).run.run('install-providers');
    expect(r).toEqual(block('returns no spec with provider_type remote::acme-llm'));
    expect(r.terminationLog).toContain('one of: inline::b, remote::a');
  });

  test('metadata vs get_provider_spec() mismatch is a non-blocking warning (FR-026)', () => {
    const { run } = single({ ...llm, providerPy: providerPyOf('safety', 'remote::acme-other') });
    const r = run.run('install-providers');
    expect(r.status).toBe(0);
    expect(r.terminationLog).toContain([
      'WARNING: Provider metadata mismatch (non-blocking)',
      'Provider: x',
    ].join('\n'));
    expect(r.terminationLog).toContain('  api: lls-provider-spec.yaml says inference, get_provider_spec() returns safety');
    expect(r.terminationLog).toContain('  provider_type: lls-provider-spec.yaml says remote::acme-llm, get_provider_spec() returns remote::acme-other');
  });

  test('an external provider replacing a base provider: the seed\'s override warning', () => {
    const { run } = single({ ...llm, providerType: 'remote::acme-llm' }, 'inference', { id: 'sentence-transformers' } as any);
    const r = run.run('install-providers');
    expect(r.status).toBe(0);
    expect(r.terminationLog).toContain([
      'External provider \'sentence-transformers\' overrides base provider in API \'inference\'',
      '  Base type: inline::sentence-transformers',
      '  External type: remote::acme-llm',
    ].join('\n'));
    const config = yaml.load(fs.readFileSync(run.serverEnv.RUN_CONFIG_PATH, 'utf8')) as any;
    expect(config.providers.inference.filter((p: any) => String(p.provider_id).includes('sentence-transformers'))).toEqual([
      { provider_id: 'sentence-transformers', provider_type: 'remote::acme-llm', module: 'acme_llm', config: {} },
    ]);
  });

  test('no base config (an override ConfigMap without config.yaml)', () => {
    const img = image(llm);
    const objs = synth({ distribution: { name: 'starter' }, overrideConfig: { configMapName: 'my-config' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'x', image: img.ref })] } });
    const r = runPod(objs, { images: { [img.ref]: img.dir }, overrideConfig: null });
    expect(r.run('install-providers')).toEqual(block(`ERROR: No config.yaml found at ${r.local('/etc/llama-stack/config.yaml')}`));
    expect(r.run('install-providers').terminationLog).toContain('Resolution: The config comes from the stack\'s ConfigMap');
  });

  test('duplicate IDs in a hand-edited plan (the construct refuses them at synth time)', () => {
    const { objs, ref, dir } = single(llm);
    const plan = JSON.parse(objs.find((o) => o.data?.['providers.json'])!.data['providers.json']);
    plan.providers.push({ ...plan.providers[0], image: 'quay.io/acme/other:2' });
    const r = runPod(objs, { images: { [ref]: dir }, plan: JSON.stringify(plan) }).run('install-providers');
    expect(r.terminationLog).toBe([
      'ERROR: Duplicate provider ID detected in external providers',
      'Provider ID \'x\' is declared by multiple provider images:',
      `  - ${ref} (externalProviders.inference)`,
      '  - quay.io/acme/other:2 (externalProviders.inference)',
      'Init Container: install-providers',
      'Resolution: Each provider must have a unique id. Give the ExternalProviders distinct ids.',
      '',
    ].join('\n'));
  });
});

test('an unexpected error (a malformed hand-edited plan) still ends in the termination log', () => {
  const img = image(llm);
  const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'x', image: img.ref })] } });
  const r = runPod(objs, { images: { [img.ref]: img.dir }, plan: JSON.stringify({ providers: [{ api: 'inference' }] }) }).run('install-providers');
  expect(r).toEqual(block("ERROR: Unexpected error in the install step: KeyError: 'id'"));
  expect(r.terminationLog).toMatch(/Traceback \(last lines\):\n(.*\n)*Resolution: This is a bug of the install step/);
});

describe('dependencies', () => {
  test('two providers with conflicting pinned dependencies fail with both IDs and images named', () => {
    const a = image({ packageName: 'acme_a', providerType: 'remote::acme-a', api: 'inference', requires: ['shared-lib==1.0'], deps: [depWheel('shared-lib', '1.0')] });
    const b = image({ packageName: 'acme_b', providerType: 'remote::acme-b', api: 'inference', requires: ['shared-lib==2.0'], deps: [depWheel('shared-lib', '2.0')] });
    const objs = synth({
      distribution: { name: 'starter' },
      externalProviders: { inference: [ExternalProvider.fromImage({ id: 'prov-a', image: a.ref }), ExternalProvider.fromImage({ id: 'prov-b', image: b.ref })] },
    });
    const run = runPod(objs, { images: { [a.ref]: a.dir, [b.ref]: b.dir } });
    const r = run.run('install-providers');
    expect(r.status).toBe(1);
    expect(r.terminationLog).toMatch(new RegExp([
      'ERROR: Cannot install providers \'prov-a\' and \'prov-b\' together due to a dependency conflict',
      'Provider: prov-a',
      `Image: ${a.ref.replace(/\./g, '\\.')}`,
      'Provider: prov-b',
      `Image: ${b.ref.replace(/\./g, '\\.')}`,
      'Init Container: install-providers',
      'Conflict:',
      '  acme-a 1\\.0\\.0 \\(provider \'prov-a\'\\) depends on shared-lib==1\\.0',
      '  acme-b 1\\.0\\.0 \\(provider \'prov-b\'\\) depends on shared-lib==2\\.0',
      'pip output:',
    ].join('\n')));
    expect(r.terminationLog).toContain('/installed-packages.txt');
    expect(r.terminationLog).toMatch(/\nResolution: Update the provider images so their pinned dependency versions are compatible/);
    const report = fs.readFileSync(run.local('/opt/llama-stack/external-providers/installed-packages.txt'), 'utf8');
    expect(report).toContain('  bundled shared-lib==1.0');
    expect(report).toContain('  bundled shared-lib==2.0');
    expect(report).toContain('(nothing: the install failed)');
  });

  test('requirements the distribution image satisfies are not installed again', () => {
    const site = fs.mkdtempSync(path.join(tmp, 'image-site-'));
    installedDist(site, 'image-lib', '3.1');
    const p = image({ packageName: 'acme_c', providerType: 'remote::acme-c', api: 'inference', requires: ['image-lib>=3'] });
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'c', image: p.ref })] } });
    const run = runPod(objs, { images: { [p.ref]: p.dir }, installEnv: { PYTHONPATH: site } });
    expect(run.run('install-providers').status).toBe(0);
    expect(fs.readdirSync(run.local('/opt/llama-stack/external-providers/python-packages')).filter((f) => f.startsWith('image_lib'))).toEqual([]);
  });

  test('replacing a package Llama Stack itself requires, with a version it does not accept, is an error', () => {
    const site = fs.mkdtempSync(path.join(tmp, 'image-site-'));
    installedDist(site, 'llama-stack', '0.7.1', ['fastthing>=2']);
    installedDist(site, 'fastthing', '2.3');
    installedDist(site, 'other-tool', '1.0', ['slowthing>=5']);
    installedDist(site, 'slowthing', '5.0');
    const p = image({
      packageName: 'acme_d',
      providerType: 'remote::acme-d',
      api: 'inference',
      requires: ['fastthing==1.0'],
      deps: [depWheel('fastthing', '1.0')],
    });
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'd', image: p.ref })] } });
    const r = runPod(objs, { images: { [p.ref]: p.dir }, installEnv: { PYTHONPATH: site } }).run('install-providers');
    expect(r).toEqual(block('ERROR: Provider packages replace packages Llama Stack itself needs with versions it does not accept'));
    expect(r.terminationLog).toMatch(/llama-stack 0\.7\.1 (has requirement|requires) fastthing>=2, but you have fastthing 1\.0/);
    expect(r.terminationLog).toContain('Provider: d');

    const q = image({
      packageName: 'acme_e',
      providerType: 'remote::acme-e',
      api: 'inference',
      requires: ['slowthing==4.0'],
      deps: [depWheel('slowthing', '4.0')],
    });
    const ok = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'e', image: q.ref })] } });
    const w = runPod(ok, { images: { [q.ref]: q.dir }, installEnv: { PYTHONPATH: site } }).run('install-providers');
    expect(w.status).toBe(0);
    expect(w.terminationLog).toContain('WARNING: Provider packages replace packages of the distribution image with versions other image packages do not accept (non-blocking)');
    expect(w.terminationLog).toMatch(/other-tool 1\.0 (has requirement|requires) slowthing>=5, but you have slowthing 4\.0/);
  });
});

describe('the copy script is plain POSIX sh and keeps values as data', () => {
  test('an image reference and ID with shell metacharacters stay text (values come from the environment)', () => {
    const img = image({ ...llm, specYaml: null });
    const objs = synth({ distribution: { name: 'starter' }, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'x', image: img.ref })] } });
    const deployment = objs.find((o) => o.kind === 'Deployment')!;
    const c = deployment.spec.template.spec.initContainers[0];
    const evil = '$(touch pwned);`touch pwned2`';
    c.env = c.env.map((e: any) => (e.name === 'PROVIDER_IMAGE' ? { ...e, value: evil } : e));
    const run = runPod(objs, { images: { [img.ref]: img.dir } });
    expect(run.run('provider-x').terminationLog).toContain(`in image ${evil}`);
    expect(fs.existsSync(path.join(run.root, 'pwned'))).toBe(false);
    expect(fs.existsSync(path.join(run.root, 'pwned2'))).toBe(false);
  });
});

describe('no package index is ever contacted (pip --no-index on the wheels of the images only)', () => {
  test('the recording proxy sees pip when pip does use an index (the check below can fail)', () => {
    const trap = indexTrap();
    const before = trap.requests().length;
    const home = fs.mkdtempSync(path.join(tmp, 'pip-home-'));
    const r = spawnSync('python3', ['-m', 'pip', 'download', '--no-deps', '--retries', '0', '--timeout', '20', '--no-cache-dir',
      '--disable-pip-version-check', '-d', home, 'acme-not-a-real-project'],
    { env: { PATH: process.env.PATH!, HOME: home, PIP_CONFIG_FILE: os.devNull, ...trap.env }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    expect(trap.requests().slice(before)).toEqual(expect.arrayContaining([expect.stringMatching(/^CONNECT pypi\.org:443 /)]));
  });

  test('no init container of any pod run in this file sent a request through its proxy', () => {
    const installs = podRuns.flatMap((p) => p.runs).filter((r) => r.name === 'install-providers');
    // The runs above include successful installs with dependencies and pip failures (conflicts, a missing dependency).
    expect(installs.filter((r) => r.status === 0).length).toBeGreaterThanOrEqual(5);
    expect(installs.filter((r) => r.status !== 0 && /pip output:/.test(r.terminationLog)).length).toBeGreaterThanOrEqual(2);
    expect(podRuns.flatMap((p) => p.runs.flatMap((r) => r.proxyRequests.map((line) => `${r.name}: ${line}`)))).toEqual([]);
  });
});
