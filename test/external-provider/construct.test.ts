/** LlamaStack with externalProviders: the objects, the pod layout and the synth-time errors. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { ExternalProvider, LlamaStack, LlamaStackProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { COPY_SCRIPT, INSTALL_SCRIPT, SCRIPTS_DIR } from '../../src/external-provider/scripts';
import { conformanceProblems, Manifest } from '../support/manifests';
import { warningLines } from '../support/warnings';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-construct-'));

function synth(props: LlamaStackProps): Manifest[] {
  const chart = Testing.chart();
  (chart as any).namespace = 'llm';
  new LlamaStack(chart, 'stack', props);
  return Testing.synth(chart) as Manifest[];
}

function stack(props: LlamaStackProps): LlamaStack {
  const chart = Testing.chart();
  (chart as any).namespace = 'llm';
  return new LlamaStack(chart, 'stack', props);
}

function errors(props: LlamaStackProps): string[] {
  try {
    synth(props);
  } catch (err) {
    if (err instanceof ValidationError) return err.message.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('test/stack'));
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const pod = (objs: Manifest[]) => objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;
const env = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const scriptsMap = (objs: Manifest[]) => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.includes('-providers-'))!;
const configYaml = (objs: Manifest[]) => yaml.load(objs.find((o) => o.kind === 'ConfigMap' && o.data['config.yaml'])!.data['config.yaml']) as any;

const SPEC = `apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata:
  name: acme-guard
  version: "0.3.1"
  vendor: Acme
spec:
  packageName: acme_guard
  providerType: inline::acme-guard
  api: safety
  wheelPath: /lls-provider/packages/acme_guard-0.3.1-py3-none-any.whl
`;
const specFile = path.join(tmp, 'lls-provider-spec.yaml');
fs.writeFileSync(specFile, SPEC);

const llm = ExternalProvider.fromImage({ id: 'my-llm', image: 'quay.io/acme/my-llm-provider:1.2.0', config: { base_url: 'http://my-llm.models.svc:8080' } });
const guard = ExternalProvider.fromSpecFile(specFile, { id: 'guard', image: 'quay.io/acme/guard:0.3.1' });
const base: LlamaStackProps = { distribution: { name: 'starter' } };

describe('the issue example: a discovered inference provider and a declared safety provider', () => {
  const objs = synth({ ...base, externalProviders: { inference: [llm], safety: [guard] } });
  const spec = pod(objs);

  test('objects: the scripts ConfigMap joins the usual ones; all schema-valid, PSS restricted, covered by the NetworkPolicy', () => {
    expect(objs.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'ConfigMap', 'Deployment', 'Service', 'NetworkPolicy']);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('init containers: one per provider in API order, then install-providers with the distribution image', () => {
    expect(spec.initContainers.map((c: any) => [c.name, c.image])).toEqual([
      ['provider-my-llm', 'quay.io/acme/my-llm-provider:1.2.0'],
      ['provider-guard', 'quay.io/acme/guard:0.3.1'],
      ['install-providers', 'docker.io/llamastack/distribution-starter:0.7.1'],
    ]);
    for (const c of spec.initContainers) {
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    }
  });

  test('every init container reports through /dev/termination-log, the one file Kubernetes reads (CA bundle included)', () => {
    const withCa = pod(synth({ ...base, externalProviders: { inference: [llm], safety: [guard] }, networking: { tls: { caBundle: { configMapName: 'corp-ca' } } } }));
    const inits = withCa.initContainers as any[];
    expect(inits.map((c) => c.name)).toEqual(['ca-bundle', 'provider-my-llm', 'provider-guard', 'install-providers']);
    for (const c of inits) {
      // terminationMessagePath left out is /dev/termination-log; the script's TERMINATION_LOG must be the same file.
      expect([c.name, c.terminationMessagePath ?? '/dev/termination-log']).toEqual([c.name, '/dev/termination-log']);
      const logVars = (c.env ?? []).filter((e: any) => e.name === 'TERMINATION_LOG');
      if (c.name === 'ca-bundle') {
        // The CA-bundle script writes no termination log of its own (its errors go to stderr).
        expect(logVars).toEqual([]);
        expect(JSON.stringify(c.command)).not.toMatch(/termination/i);
      } else {
        expect([c.name, logVars]).toEqual([c.name, [{ name: 'TERMINATION_LOG', value: '/dev/termination-log' }]]);
      }
    }
  });

  test('the copy containers run the shipped sh script; every value reaches it as an env var', () => {
    const c = spec.initContainers[0];
    expect(c.command).toEqual(['/bin/sh', '/opt/llama-stack/external-provider-scripts/copy-provider.sh']);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(env(c)).toEqual({
      PROVIDER_ID: 'my-llm',
      PROVIDER_IMAGE: 'quay.io/acme/my-llm-provider:1.2.0',
      PROVIDER_SOURCE_DIR: '/lls-provider',
      PROVIDER_STAGING_DIR: '/opt/llama-stack/external-providers/provider-my-llm',
      INIT_CONTAINER_NAME: 'provider-my-llm',
      TERMINATION_LOG: '/dev/termination-log',
    });
    expect(c.volumeMounts).toEqual([
      { name: 'external-providers', mountPath: '/opt/llama-stack/external-providers' },
      { name: 'external-provider-scripts', mountPath: '/opt/llama-stack/external-provider-scripts', readOnly: true },
    ]);
  });

  test('install-providers: python3 on the shipped script, the base config mounted read-only to merge into', () => {
    const c = spec.initContainers[2];
    expect(c.command).toEqual(['python3', '/opt/llama-stack/external-provider-scripts/install-providers.py']);
    expect(env(c)).toMatchObject({
      INSTALL_PLAN: '/opt/llama-stack/external-provider-scripts/providers.json',
      INSTALL_PACKAGES_DIR: '/opt/llama-stack/external-providers/python-packages',
      INSTALL_BASE_CONFIG: '/etc/llama-stack/config.yaml',
      INSTALL_OUTPUT_CONFIG: '/opt/llama-stack/external-providers/config/config.yaml',
    });
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/llama-stack', readOnly: true });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  test('the server: shared volume read-only, PYTHONPATH to the packages, RUN_CONFIG_PATH to the merged config', () => {
    const server = spec.containers[0];
    expect(server.volumeMounts).toContainEqual({ name: 'external-providers', mountPath: '/opt/llama-stack/external-providers', readOnly: true });
    expect(env(server).PYTHONPATH).toBe('/opt/llama-stack/external-providers/python-packages');
    expect(env(server).RUN_CONFIG_PATH).toBe('/opt/llama-stack/external-providers/config/config.yaml');
    expect(spec.volumes).toEqual(expect.arrayContaining([
      { name: 'external-providers', emptyDir: { sizeLimit: '2Gi' } },
      { name: 'external-provider-scripts', configMap: { name: scriptsMap(objs).metadata.name, defaultMode: 0o444 } },
    ]));
  });

  test('the scripts ConfigMap is immutable, hash-named, and carries the shipped scripts byte for byte and the plan', () => {
    const cm = scriptsMap(objs);
    expect(cm.metadata.name).toMatch(/^stack-providers-[0-9a-f]{8}$/);
    expect(cm.immutable).toBe(true);
    expect(cm.data[COPY_SCRIPT]).toBe(fs.readFileSync(path.join(SCRIPTS_DIR, COPY_SCRIPT), 'utf8'));
    expect(cm.data[INSTALL_SCRIPT]).toBe(fs.readFileSync(path.join(SCRIPTS_DIR, INSTALL_SCRIPT), 'utf8'));
    // Independently of the files: what the containers run them with, and the offline install.
    expect(cm.data[COPY_SCRIPT]).toMatch(/^# Runs in the provider image as the init container provider-<id> \(POSIX sh/);
    expect(cm.data[INSTALL_SCRIPT]).toMatch(/\[python, "-m", "pip", "install", "--no-index", /);
    const plan = JSON.parse(cm.data['providers.json']);
    expect(plan.mergeConfig).toBe(true);
    expect(plan.providers).toEqual([
      { id: 'my-llm', api: 'inference', image: 'quay.io/acme/my-llm-provider:1.2.0', initContainer: 'provider-my-llm', merge: true, config: { base_url: 'http://my-llm.models.svc:8080' } },
      {
        id: 'guard',
        api: 'safety',
        image: 'quay.io/acme/guard:0.3.1',
        initContainer: 'provider-guard',
        merge: false,
        declared: { providerType: 'inline::acme-guard', module: 'acme_guard', api: 'safety', source: 'lls-provider-spec.yaml' },
      },
    ]);
  });

  test('user values are never in the script text', () => {
    const cm = scriptsMap(objs);
    for (const key of [COPY_SCRIPT, INSTALL_SCRIPT]) {
      for (const value of ['my-llm', 'quay.io/acme', 'my-llm.models.svc', 'guard:0.3.1']) expect(cm.data[key]).not.toContain(value);
    }
  });

  test('the declared provider is in the generated config; the discovered one is merged at pod start', () => {
    const config = configYaml(objs);
    expect(config.providers.safety).toContainEqual({ provider_id: 'guard', provider_type: 'inline::acme-guard', module: 'acme_guard', config: {} });
    expect(JSON.stringify(config)).not.toContain('my-llm');
  });

  test('the endpoint in the config becomes an egress rule', () => {
    const np = objs.find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
  });

  test('deterministic: byte-identical on a second synth', () => {
    expect(yaml.dump(synth({ ...base, externalProviders: { inference: [llm], safety: [guard] } }))).toBe(yaml.dump(objs));
  });
});

describe('pod layout variants', () => {
  test('declared only: the server reads the generated ConfigMap, the install step only installs and checks', () => {
    const objs = synth({ ...base, externalProviders: { safety: [guard] } });
    const spec = pod(objs);
    expect(env(spec.containers[0]).RUN_CONFIG_PATH).toBe('/etc/llama-stack/config.yaml');
    const install = spec.initContainers.at(-1);
    expect(env(install).INSTALL_OUTPUT_CONFIG).toBeUndefined();
    expect(install.volumeMounts.map((m: any) => m.name)).toEqual(['external-providers', 'external-provider-scripts']);
    expect(JSON.parse(scriptsMap(objs).data['providers.json']).mergeConfig).toBe(false);
  });

  test('init containers follow the fixed API order, then list order; the CA-bundle container stays first', () => {
    const p = (id: string) => ExternalProvider.fromImage({ id, image: `quay.io/acme/${id}:1.0.0` });
    const objs = synth({
      ...base,
      networking: { tls: { caBundle: { configMapName: 'corp-ca' } } },
      externalProviders: { eval: [p('e1')], safety: [p('s1'), p('s2')], vectorIo: [p('v1')], inference: [p('i1')] },
    });
    expect(pod(objs).initContainers.map((c: any) => c.name)).toEqual(['ca-bundle', 'provider-i1', 'provider-s1', 'provider-s2', 'provider-v1', 'provider-e1', 'install-providers']);
  });

  test('overrideConfig: every provider is merged into the user\'s config at pod start', () => {
    const objs = synth({ ...base, overrideConfig: { configMapName: 'my-config' }, externalProviders: { safety: [guard] } });
    const spec = pod(objs);
    expect(env(spec.containers[0]).RUN_CONFIG_PATH).toBe('/opt/llama-stack/external-providers/config/config.yaml');
    expect(JSON.parse(scriptsMap(objs).data['providers.json']).providers[0]).toMatchObject({ id: 'guard', merge: true, config: {} });
    expect(spec.volumes.find((v: any) => v.name === 'config').configMap.name).toBe('my-config');
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('settings: volume size, pull policy, install resources; env.PYTHONPATH follows the provider packages', () => {
    const objs = synth({
      ...base,
      env: { PYTHONPATH: '/opt/extra' },
      externalProviders: {
        inference: [ExternalProvider.fromImage({ id: 'a', image: 'quay.io/acme/a@sha256:' + 'a'.repeat(64), imagePullPolicy: 'Always' })],
        volumeSizeLimit: '8Gi',
        installResources: { limits: { memory: '2Gi' }, requests: { 'ephemeral-storage': '1Gi' } },
      },
    });
    const spec = pod(objs);
    expect(spec.volumes).toContainEqual({ name: 'external-providers', emptyDir: { sizeLimit: '8Gi' } });
    expect(spec.initContainers[0].imagePullPolicy).toBe('Always');
    expect(spec.initContainers[1].resources).toEqual({ requests: { 'cpu': '100m', 'ephemeral-storage': '1Gi', 'memory': '256Mi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(env(spec.containers[0]).PYTHONPATH).toBe('/opt/llama-stack/external-providers/python-packages:/opt/extra');
    expect(spec.containers[0].env.filter((e: any) => e.name === 'PYTHONPATH')).toHaveLength(1);
    expect(env(spec.initContainers[1]).PYTHONPATH).toBe('/opt/extra');
  });

  test('a new provider image rolls the pods but leaves the config (and its hash) alone', () => {
    const v1 = synth({ ...base, externalProviders: { safety: [guard] } });
    const v2 = synth({ ...base, externalProviders: { safety: [ExternalProvider.fromSpecFile(specFile, { id: 'guard', image: 'quay.io/acme/guard:0.3.2' })] } });
    expect(configYaml(v2)).toEqual(configYaml(v1));
    expect(pod(v2).initContainers[0].image).toBe('quay.io/acme/guard:0.3.2');
    expect(scriptsMap(v2).metadata.name).not.toBe(scriptsMap(v1).metadata.name);
  });

  test('no externalProviders (or only empty lists): no init containers, no scripts ConfigMap, no PYTHONPATH', () => {
    for (const props of [base, { ...base, externalProviders: { inference: [] } }]) {
      const objs = synth(props);
      expect(pod(objs).initContainers).toBeUndefined();
      expect(objs.filter((o) => o.kind === 'ConfigMap')).toHaveLength(1);
      expect(env(pod(objs).containers[0]).PYTHONPATH).toBeUndefined();
    }
  });

  test('warnings of the merge reach LlamaStack.warnings', () => {
    const s = stack({ ...base, externalProviders: { inference: [ExternalProvider.fromImage({ id: 'sentence-transformers', image: 'quay.io/acme/st:1.0.0' })] } });
    expect(warningLines(s.warnings)).toContain(
      "externalProviders.inference[0]: external provider 'sentence-transformers' overrides the base config's inference provider 'sentence-transformers' (inline::sentence-transformers) with the type its image declares",
    );
  });

  test('declared: fromSpecFile and providerType/module; fromImage with id and image only is discovered', () => {
    expect(guard.declared).toBe(true);
    expect(guard.specFile).toBe(specFile);
    expect(llm.declared).toBe(false);
    expect(ExternalProvider.fromImage({ id: 'a', image: 'x/a:1', providerType: 'remote::a', module: 'a' }).declared).toBe(true);
    expect([llm.id, llm.image]).toEqual(['my-llm', 'quay.io/acme/my-llm-provider:1.2.0']);
  });
});

describe('synth-time errors: every problem at once, nothing emitted', () => {
  test('props of the providers', () => {
    const bad = fs.existsSync(path.join(tmp, 'nope.yaml')) ? '' : path.join(tmp, 'nope.yaml');
    expect(errors({
      ...base,
      externalProviders: {
        inference: [
          ExternalProvider.fromImage({ id: 'My_LLM', image: 'quay.io/acme/llm', imagePullPolicy: 'Sometimes' }),
          ExternalProvider.fromImage({ id: 'a'.repeat(55), image: 'quay.io/acme/a:latest', providerType: 'remote::a' }),
          { id: 'plain', image: 'quay.io/acme/plain:1' } as any,
          ExternalProvider.fromImage({ id: 'decl', image: 'quay.io/acme/decl:1', providerType: 'acme', module: 'acme-pkg', api: 'memory' }),
        ],
        safety: [ExternalProvider.fromSpecFile(bad, { id: 'guard', image: 'quay.io/acme/guard:1' })],
        volumeSizeLimit: 'lots',
        installResources: { requests: { memory: '4Gi' }, limits: { cpu: 'many' } },
      },
    })).toEqual([
      "test/stack externalProviders.inference[0].id: 'My_LLM' is not a valid external provider ID (use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 54 characters (the init container is named provider-<id>))",
      "test/stack externalProviders.inference[0].image: image 'quay.io/acme/llm' has no tag or digest (pin a version tag or a digest so deployments are reproducible)",
      "test/stack externalProviders.inference[0].imagePullPolicy: unknown imagePullPolicy 'Sometimes' (use one of: IfNotPresent, Always, Never)",
      `test/stack externalProviders.inference[1].id: '${'a'.repeat(55)}' is not a valid external provider ID (use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 54 characters (the init container is named provider-<id>))`,
      "test/stack externalProviders.inference[1].image: image 'quay.io/acme/a:latest' uses the tag 'latest' (pin a version tag or a digest so deployments are reproducible)",
      "test/stack externalProviders.inference[1].module: module is missing: the metadata is declared only with both providerType and module (give module as in the image's lls-provider-spec.yaml, or leave out providerType, module and api to read them from the image at pod start)",
      'test/stack externalProviders.inference[2]: expected an ExternalProvider (create it with ExternalProvider.fromImage({ id, image }) or ExternalProvider.fromSpecFile(path, { id, image }))',
      "test/stack externalProviders.inference[3].providerType: 'acme' is not a provider type (use remote::<name> or inline::<name> (lower-case letters, digits and '-'))",
      "test/stack externalProviders.inference[3].module: 'acme-pkg' is not a Python package name (use the dotted module name of spec.packageName, e.g. acme_provider)",
      'test/stack externalProviders.inference[3].api: \'memory\' is not an API of Llama Stack 0.7.1 (memory was replaced by vector_io in Llama Stack 0.1)',
      `test/stack externalProviders.safety[0]: cannot read the spec file '${bad}': the file does not exist (give the path of the provider's lls-provider-spec.yaml, absolute or relative to where cdk8s synth runs)`,
      "test/stack externalProviders.volumeSizeLimit: 'lots' is not a positive Kubernetes quantity (e.g. 4Gi: room for every provider's wheels twice (staged and installed))",
      "test/stack externalProviders.installResources.limits.cpu: 'many' is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)",
      'test/stack externalProviders.installResources.requests.memory: the request 4Gi is above the limit 1Gi (the default) (raise limits.memory too)',
    ]);
  });

  test('the options\' shape: unknown options, wrong types and reads that throw are issues at their paths (found by test/fuzz)', () => {
    const throwing = new Proxy({ id: 'x', image: 'quay.io/acme/x:1' }, { get: () => { throw new Error('no reads'); } });
    expect(errors({
      ...base,
      externalProviders: {
        inference: [
          ExternalProvider.fromImage({ id: 'typo', image: 'quay.io/acme/t:1', confg: { region: 'eu' } } as any),
          ExternalProvider.fromImage(throwing as any),
          ExternalProvider.fromImage({ id: 'types', image: 'quay.io/acme/t:1', endpoints: 'https://a.example', config: { when: new Date(0) } } as any),
        ],
        safety: [ExternalProvider.fromSpecFile(specFile, { id: 'guard', image: 'quay.io/acme/guard:0.3.1', providerType: 'inline::x' } as any)],
      },
    })).toEqual([
      "test/stack externalProviders.inference[0].confg: unknown field 'confg' (did you mean 'config'?)",
      'test/stack externalProviders.inference[1].id: could not be read: Error: no reads (pass plain data: no getter that throws, no revoked Proxy)',
      'test/stack externalProviders.inference[1].image: could not be read: Error: no reads (pass plain data: no getter that throws, no revoked Proxy)',
      "test/stack externalProviders.inference[2].endpoints: expected a list, got 'https://a.example'",
      'test/stack externalProviders.inference[2].config.when: expected plain data (a string, number, boolean, null, list or object literal), got a Date (give the date as a string, e.g. date.toISOString() (in YAML, quote it: an unquoted date is read as a timestamp))',
      "test/stack externalProviders.safety[0].providerType: unknown field 'providerType' (fields: id, image, config, secretRefs, imagePullPolicy, endpoints)",
    ]);
  });

  test('a spec file with problems: each with its line; the placement check uses the file\'s api', () => {
    const file = path.join(tmp, 'bad-spec.yaml');
    fs.writeFileSync(file, SPEC.replace('kind: ProviderPackage', 'kind: Package').replace('packageName: acme_guard', 'packageName: acme-guard'));
    expect(errors({ ...base, externalProviders: { safety: [ExternalProvider.fromSpecFile(file, { id: 'guard', image: 'quay.io/acme/guard:1' })] } })).toEqual([
      `test/stack externalProviders.safety[0]: ${file}: kind (line 2): must be ProviderPackage, got 'Package' (fix the file; the install step applies the same rules to the copy in the image (see docs/provider-image.md))`,
      `test/stack externalProviders.safety[0]: ${file}: spec.packageName (line 8): must be a dotted Python module name such as acme_provider or acme.provider, got 'acme-guard' (fix the file; the install step applies the same rules to the copy in the image (see docs/provider-image.md))`,
    ]);
    expect(errors({ ...base, externalProviders: { inference: [guard] } })).toEqual([
      `test/stack externalProviders.inference[0]: provider API type mismatch: provider 'guard' (image: quay.io/acme/guard:0.3.1) declares api=safety in ${specFile} but is placed under externalProviders.inference (move the provider to externalProviders.safety)`,
    ]);
  });

  test('sections: removed and unknown APIs; duplicate IDs across sections', () => {
    expect(errors({
      ...base,
      externalProviders: { agents: [llm], inferense: [llm], safety: [guard], inference: [ExternalProvider.fromImage({ id: 'guard', image: 'quay.io/acme/g2:1' })] } as any,
    })).toEqual([
      "test/stack externalProviders.inferense: unknown field 'inferense' (did you mean 'inference'?)",
    ]);
    expect(errors({ ...base, externalProviders: { agents: [llm] } as any })).toEqual([
      'test/stack externalProviders.agents: agents is not an API of Llama Stack 0.7.1: agents was renamed to responses in Llama Stack 0.7 (the provider inline::meta-reference became inline::builtin) (remove externalProviders.agents)',
    ]);
    expect(errors({ ...base, externalProviders: { safety: [guard], inference: [ExternalProvider.fromImage({ id: 'guard', image: 'quay.io/acme/g2:1' })] } })).toEqual([
      "test/stack externalProviders.inference[0].id: duplicate provider ID detected in external providers: provider ID 'guard' is declared by multiple provider images: quay.io/acme/g2:1 and quay.io/acme/guard:0.3.1 (externalProviders.safety[0]) (each provider must have a unique id; give the external providers distinct ids)",
      "test/stack externalProviders.safety[0].id: duplicate provider ID detected in external providers: provider ID 'guard' is declared by multiple provider images: quay.io/acme/guard:0.3.1 and quay.io/acme/g2:1 (externalProviders.inference[0]) (each provider must have a unique id; give the external providers distinct ids)",
    ]);
  });

  test('PYTHONPATH may not be replaced; an external endpoint needs allowInternetEgress', () => {
    const a = ExternalProvider.fromImage({ id: 'a', image: 'quay.io/acme/a:1', endpoints: ['https://api.acme.example'] });
    expect(errors({ ...base, secretEnv: { PYTHONPATH: { name: 's', key: 'k' } }, externalProviders: { inference: [a] }, networking: { allowInternetEgress: true } })).toEqual([
      'test/stack secretEnv.PYTHONPATH: PYTHONPATH must be a literal value when external providers are used (give the extra paths as a string in env.PYTHONPATH; they follow the provider packages)',
    ]);
    expect(errors({
      ...base,
      workload: { overrides: { env: [{ name: 'PYTHONPATH', value: '/x' }] } },
      externalProviders: { inference: [a] },
    })).toEqual([
      'test/stack workload.overrides.env[0].name: PYTHONPATH is set by the construct when external providers are used (their packages come first) (set env.PYTHONPATH instead; its paths follow the provider packages)',
      "test/stack externalProviders.inference[0].endpoints[0]: 'api.acme.example' is outside the cluster, and egress there is blocked by the stack's NetworkPolicy (set networking.allowInternetEgress: true for a hosted service, or, for a Service in the cluster, write its host as <service>.<namespace>.svc)",
    ]);
  });

  test('volume names and mount paths of the construct are reserved', () => {
    expect(errors({
      ...base,
      workload: { overrides: { volumes: [{ name: 'external-providers', emptyDir: {} }], volumeMounts: [{ name: 'external-providers', mountPath: '/opt/llama-stack/external-providers/x' }] } },
    })).toEqual([
      "test/stack workload.overrides.volumes[0].name: volume name 'external-providers' is used by the construct (choose another name (taken: config, data, cache, tmp, tls, ca-custom, ca-combined, external-providers, external-provider-scripts))",
      "test/stack workload.overrides.volumeMounts[0].mountPath: '/opt/llama-stack/external-providers/x' overlaps '/opt/llama-stack/external-providers', which is already mounted (choose another path)",
    ]);
  });
});
