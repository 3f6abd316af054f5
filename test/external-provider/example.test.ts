/**
 * examples/external-providers (the app) and examples/provider-image (the provider image files): the app is
 * synthesized and checked, and its declared provider is built from the example's own sources into a fake
 * image that the emitted init containers install for real.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { buildWheels, depWheel, fakeProviderImage, installedDist, Obj, runPod } from './support';
import { externalProviders } from '../../examples/external-providers/app';
import { parseProviderMetadata } from '../../src/external-provider/metadata';
import { conformanceProblems, Manifest } from '../support/manifests';

jest.setTimeout(120_000);

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'provider-image');
const app = Testing.app();
const objs = Testing.synth(externalProviders(app)) as Manifest[];
const deployment = objs.find((o) => o.kind === 'Deployment')!;
const spec = deployment.spec.template.spec;

describe('examples/external-providers', () => {
  test('every object is schema-valid, PSS restricted, covered by the NetworkPolicy', () => {
    expect(objs.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'ConfigMap', 'Deployment', 'Service', 'NetworkPolicy']);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the config has the declared provider and its model; it names only env vars the pod has', () => {
    const text: string = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'])!.data['config.yaml'];
    const config = yaml.load(text) as any;
    expect(config.providers.inference).toContainEqual({
      provider_id: 'acme-llm',
      provider_type: 'remote::acme-llm',
      module: 'acme_llm',
      config: { api_key: '${env.LLSD_ACME_LLM_API_KEY}', base_url: 'http://acme-gateway.models.svc.cluster.local:8080/v1', timeout_seconds: 120 },
    });
    expect(config.registered_resources.models).toContainEqual(expect.objectContaining({ model_id: 'acme-7b', provider_id: 'acme-llm' }));
    const env = new Set(spec.containers[0].env.map((e: any) => e.name));
    for (const m of text.matchAll(/\$\{env\.([A-Z0-9_]+)\}/g)) expect(env).toContain(m[1]);
    expect(spec.containers[0].env).toContainEqual({ name: 'LLSD_ACME_LLM_API_KEY', valueFrom: { secretKeyRef: { name: 'acme-gateway', key: 'api-key' } } });
  });

  test('both providers\' endpoints get egress rules; the guard is merged at pod start', () => {
    const np = objs.find((o) => o.kind === 'NetworkPolicy')!;
    const models = np.spec.egress.find((r: any) => r.to[0].namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'models');
    expect(models.ports.map((p: any) => p.port)).toEqual([8080, 9000]);
    const plan = JSON.parse(objs.find((o) => o.data?.['providers.json'])!.data['providers.json']);
    expect(plan.providers.map((p: any) => [p.id, p.merge])).toEqual([['acme-llm', false], ['acme-guard', true]]);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['provider-acme-llm', 'provider-acme-guard', 'install-providers']);
  });
});

describe('examples/provider-image', () => {
  test('lls-provider-spec.yaml satisfies the contract', () => {
    const parsed = parseProviderMetadata(fs.readFileSync(path.join(EXAMPLE, 'lls-provider-spec.yaml'), 'utf8'));
    expect(parsed.problems).toEqual([]);
    expect(parsed.metadata).toMatchObject({ packageName: 'acme_llm', providerType: 'remote::acme-llm', api: 'inference', wheelPath: '/lls-provider/packages/acme_llm-1.2.0-py3-none-any.whl' });
  });

  test('the wheel script is POSIX sh; the provider sources compile; the package the spec names exists', () => {
    expect(spawnSync('sh', ['-n', path.join(EXAMPLE, 'build-wheels.sh')], { encoding: 'utf8' }).status).toBe(0);
    const src = path.join(EXAMPLE, 'acme-llm', 'src', 'acme_llm');
    for (const f of fs.readdirSync(src)) {
      const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', path.join(src, f)], { encoding: 'utf8' });
      expect({ f, stderr: r.stderr }).toEqual({ f, stderr: '' });
    }
    expect(fs.existsSync(path.join(src, 'provider.py'))).toBe(true);
    expect(fs.readFileSync(path.join(EXAMPLE, 'Containerfile'), 'utf8')).toMatch(/COPY lls-provider-spec\.yaml \/lls-provider\/lls-provider-spec\.yaml/);
  });

  test('an image built from the example sources installs with the app\'s init containers and passes the import check', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'example-image-'));
    // The provider image: the example package as a wheel, plus a stand-in for httpx (not in the distribution image).
    const src = path.join(EXAMPLE, 'acme-llm', 'src');
    const files = Object.fromEntries(fs.readdirSync(path.join(src, 'acme_llm')).map((f) => [`acme_llm/${f}`, fs.readFileSync(path.join(src, 'acme_llm', f), 'utf8')]));
    const image = path.join(root, 'acme-llm-image');
    fs.mkdirSync(path.join(image, 'lls-provider', 'packages'), { recursive: true });
    fs.copyFileSync(path.join(EXAMPLE, 'lls-provider-spec.yaml'), path.join(image, 'lls-provider', 'lls-provider-spec.yaml'));
    const httpx = depWheel('httpx', '0.28.1');
    buildWheels(path.join(image, 'lls-provider', 'packages'), [
      { name: 'acme-llm', version: '1.2.0', requires: ['llama-stack>=0.7.1,<0.8', 'pydantic>=2', 'httpx>=0.27'], files },
      { ...httpx, files: { 'httpx/__init__.py': 'class AsyncClient:\n    def __init__(self, **kwargs):\n        self.kwargs = kwargs\n' } },
    ]);
    // The distribution image's packages the example relies on, as small stand-ins.
    const site = path.join(root, 'image-site');
    installedDist(site, 'llama-stack', '0.7.1');
    installedDist(site, 'pydantic', '2.11.0');
    fs.mkdirSync(path.join(site, 'llama_stack_api'));
    fs.writeFileSync(path.join(site, 'llama_stack_api', '__init__.py'), [
      'import enum',
      'class Api(enum.Enum):',
      '    inference = "inference"',
      'class RemoteProviderSpec:',
      '    def __init__(self, **kw):',
      '        self.__dict__.update(kw)',
      '',
    ].join('\n'));
    fs.mkdirSync(path.join(site, 'pydantic'));
    fs.writeFileSync(path.join(site, 'pydantic', '__init__.py'), 'class BaseModel:\n    pass\ndef Field(default=None, **kw):\n    return default\nclass SecretStr(str):\n    pass\n');

    const guardImage = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.initContainers[1].image;
    const guard = path.join(root, 'guard-image');
    fakeProviderImage(guard, { packageName: 'acme_guard', providerType: 'remote::acme-guard', api: 'safety' });
    const run = runPod(objs as Obj[], {
      images: { 'quay.io/acme/acme-llm-provider:1.2.0': image, [guardImage]: guard },
      installEnv: { PYTHONPATH: site },
    });
    const install = run.run('install-providers');
    expect({ status: install.status, log: install.terminationLog }).toEqual({ status: 0, log: expect.stringMatching(/^Installed 2 external provider\(s\): acme-llm \(remote::acme-llm/) });
    expect(install.terminationLog).not.toContain('WARNING');
    const installed = fs.readdirSync(run.local('/opt/llama-stack/external-providers/python-packages'));
    expect(installed).toEqual(expect.arrayContaining(['acme_llm', 'httpx', 'acme_guard']));
    expect(installed.filter((f) => /^(pydantic|llama_stack)/.test(f))).toEqual([]);
    const config = yaml.load(fs.readFileSync(run.serverEnv.RUN_CONFIG_PATH, 'utf8')) as any;
    expect(config.providers.safety).toContainEqual({
      provider_id: 'acme-guard',
      provider_type: 'remote::acme-guard',
      module: 'acme_guard',
      config: { endpoint: 'http://acme-guard.models.svc.cluster.local:9000', mode: 'strict' },
    });
  });
});
