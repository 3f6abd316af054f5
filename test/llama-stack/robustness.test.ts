import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { LlamaStack, LlamaStackProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { Manifest } from '../support/manifests';

/** Builds a stack; returns 'ok', or the ValidationError's issue lines. Any other exception fails the test. */
function attempt(props: unknown): 'ok' | string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  try {
    new LlamaStack(chart, 'stack', props as LlamaStackProps);
    Testing.synth(chart);
    return 'ok';
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.issues.length).toBeGreaterThan(0);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const starter = { name: 'starter' };

describe('odd input gives a ValidationError naming the field, never a TypeError', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['null props', null, /props are required/],
    ['env null', { distribution: starter, env: null }, /^env: expected a map/],
    ['apiKey null', { distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: null }] } }, /providers.inference\[0\].apiKey: expected an object, got null/],
    ['secretRefs value null', { distribution: starter, providers: { inference: [{ provider: 'vllm', secretRefs: { api_token: null } }] } }, /providers.inference\[0\].secretRefs.api_token: expected an object, got null/],
    ['expose null', { distribution: starter, networking: { expose: null } }, /networking.expose: expected an object, got null/],
    ['namespaces a string', { distribution: starter, networking: { allowedFrom: { namespaces: 'web' } } }, /allowedFrom.namespaces: expected a list/],
    ['CA keys a string', { distribution: starter, networking: { tls: { caBundle: { configMapName: 'c', keys: 'abc' } } } }, /caBundle.keys: expected a list/],
    ['override env [null]', { distribution: starter, workload: { overrides: { env: [null] } } }, /overrides.env\[0\]: expected/],
    ['override volumes [null]', { distribution: starter, workload: { overrides: { volumes: [null] } } }, /overrides.volumes\[0\]: expected/],
    ['storage host a number', { distribution: starter, storage: { sql: { type: 'postgres', host: 5, user: 'u' } } }, /storage.sql.host: expected a string, got 5/],
    ['redis host an object', { distribution: starter, storage: { kv: { type: 'redis', host: {} } } }, /storage.kv.host: expected a string, got an object/],
    ['mountPath a number', { distribution: starter, workload: { storage: { mountPath: 5 } } }, /workload.storage.mountPath: expected a string, got 5/],
    ['base providers [null]', { distribution: { image: 'a/b:1', baseConfig: 'version: 2\ndistro_name: x\nproviders: {inference: [null]}' } }, /providers.inference\[0\] must be a provider entry/],
    ['base models [null]', { distribution: { image: 'a/b:1', baseConfig: 'version: 2\ndistro_name: x\nproviders: {}\nregistered_resources: {models: [null]}' } }, /registered_resources.models must be a list of mappings/],
    ['replicas 1e12', { distribution: starter, workload: { replicas: 1e12 } }, /replicas must be an integer from 0 to 1000/],
    ['grace 1e300', { distribution: starter, workload: { overrides: { terminationGracePeriodSeconds: 1e300 } } }, /terminationGracePeriodSeconds must be an integer from 0 to 86400/],
    ['workers 1e12', { distribution: starter, workload: { workers: 1e12 } }, /workers must be an integer from 1 to 1024/],
  ];
  test.each(cases)('%s', (_name, props, expected) => {
    const result = attempt(props);
    expect(result).not.toBe('ok');
    expect((result as string[]).join('\n')).toMatch(expected);
  });
});

describe('things the API server would reject are refused at synth time', () => {
  test('requests above limits, also against a default limit', () => {
    expect(attempt({ distribution: starter, workload: { resources: { requests: { memory: '8Gi' } } } })).toEqual([
      'workload.resources.requests.memory: the request 8Gi is above the limit 4Gi (the default)',
    ]);
    expect(attempt({ distribution: starter, workload: { resources: { limits: { cpu: '100m' } } } })).toEqual([
      'workload.resources.requests.cpu: the request 250m is above the limit 100m',
    ]);
  });

  test('mount paths that overlap the construct\'s, or shadow /.cache', () => {
    expect(attempt({ distribution: starter, workload: { storage: { mountPath: '/tmp' } } })).toEqual([
      "workload.storage.mountPath: '/tmp' overlaps '/tmp', which is already mounted",
    ]);
    expect(attempt({ distribution: starter, workload: { storage: { mountPath: '/.cache' } } })).toEqual([
      "workload.storage.mountPath: /.cache holds the image's pre-fetched tiktoken data and must not be shadowed",
    ]);
    expect(attempt({ distribution: starter, workload: { overrides: { volumes: [{ name: 'x', emptyDir: {} }], volumeMounts: [{ name: 'x', mountPath: '/etc/llama-stack/sub' }] } } })).toEqual([
      "workload.overrides.volumeMounts[0].mountPath: '/etc/llama-stack/sub' overlaps '/etc/llama-stack', which is already mounted",
    ]);
  });

  test('a name set twice, LLSD_ names in overrides, invalid labels, class and annotation keys', () => {
    const lines = attempt({
      distribution: starter,
      env: { FOO: 'a' },
      networking: { allowedFrom: { podLabels: { 'bad key!': 'x y' } }, expose: { ingressClassName: 'Not Valid!', annotations: { 'no//way': 'x' } } },
      workload: { overrides: { env: [{ name: 'FOO', value: 'b' }, { name: 'LLSD_X', value: 'c' }, { name: 'OPENAI_APIKEY', value: 'sk-123' }], nodeSelector: { ok: 'no spaces allowed' } } },
    }) as string[];
    expect(lines).toEqual(expect.arrayContaining([
      'networking.allowedFrom.podLabels.bad key!: \'bad key!\' is not a valid label key',
      'networking.allowedFrom.podLabels.bad key!: \'x y\' is not a valid label value',
      "networking.expose.ingressClassName: 'Not Valid!' is not a valid IngressClass name",
      "networking.expose.annotations.no//way: 'no//way' is not a valid annotation key",
      'workload.overrides.env[0].name: FOO is set twice (here and in env, or twice here)',
      'workload.overrides.env[1].name: names starting with LLSD_ are reserved for generated secret variables',
      'workload.overrides.env[2].value: looks like a secret but is a literal value',
      "workload.overrides.nodeSelector.ok: 'no spaces allowed' is not a valid label value",
    ]));
  });

  test('unknown provider types in a custom base config', () => {
    const baseConfig = 'version: 2\ndistro_name: x\nproviders:\n  inference:\n  - {provider_id: o, provider_type: "remote::opnai"}\n';
    expect(attempt({ distribution: { image: 'a/b:1', baseConfig } })).toEqual([
      "distribution.baseConfig: providers.inference[0]: unknown provider type 'remote::opnai' for inference",
    ]);
  });

  test('connection-string parameters Llama Stack would not use', () => {
    expect(attempt({ distribution: starter, storage: { sql: { type: 'postgres', connectionString: 'postgresql://u@pg.db.svc:5432/db?sslmode=require' } } })).toEqual([
      "storage.sql.connectionString: the connection string has parameters (sslmode) that Llama Stack 0.7.1's postgres backends cannot take",
    ]);
  });
});

describe('follow-ups from review', () => {
  test('a bad Secret reference is reported once, without a follow-up about its env var', () => {
    expect(attempt({ distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { name: 'a' } }] } })).toEqual([
      "providers.inference[0].apiKey.key: 'undefined' is not a valid Secret key",
    ]);
  });

  test('a header may not wrap a Secret placeholder: /v1/providers would show it unredacted (issue 13 §1)', () => {
    // 0.7.1's redact_sensitive_fields redacts by key name only, and a header name is not one of them.
    const settings = { network: { headers: { Authorization: 'Bearer ${env.T}' } } };
    expect(attempt({ distribution: starter, secretEnv: { T: { name: 't', key: 'k' } }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings }] } })).toEqual([
      'providers.inference[0].settings.network.headers.Authorization: a value with ${env.X} would be substituted by the server and shown to clients: ${env.T} comes from a Secret (secretEnv.T is a Secret reference)',
    ]);
    // A variable that is not from a Secret may still be used there.
    expect(attempt({ distribution: starter, env: { T: 'tenant-a' }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings: { network: { headers: { 'X-Tenant': '${env.T}' } } } }] } })).toBe('ok');
  });

  test('a password in a URL without a scheme is redacted too', () => {
    const lines = attempt({ distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'llama:s3cr3t@vllm.models.svc:8000/v1' }] } }) as string[];
    expect(lines.join('\n')).not.toMatch(/s3cr3t/);
  });

  test('a link-local endpoint needs the opt-in, then gets its own rule (the internet rule excludes it)', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const inference = [{ provider: 'vllm', endpoint: 'http://169.254.1.1:8000/v1' }];
    expect(() => new LlamaStack(chart, 'refused', { distribution: starter, providers: { inference } })).toThrow(
      "c/refused providers.inference[0].endpoint: '169.254.1.1' is link-local (169.254.0.0/16: AWS, GCP, Azure and OpenStack serve instance metadata and credentials at 169.254.169.254): "
      + "egress there would hand the node's cloud credentials to the stack's pods (use the service's address in the cluster; if you mean this address, set networking.allowLinkLocalEgress: true)",
    );
    new LlamaStack(chart, 'stack', { distribution: starter, providers: { inference }, networking: { allowLinkLocalEgress: true } });
    const np = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '169.254.1.1/32' } }], ports: [{ protocol: 'TCP', port: 8000 }] });
  });

  test('podDisruptionBudget: {} means the default budget; workers is checked once', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new LlamaStack(chart, 'stack', { distribution: starter, workload: { podDisruptionBudget: {} } });
    expect((Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'PodDisruptionBudget')!.spec.maxUnavailable).toBe(1);
    expect(attempt({ distribution: starter, workload: { workers: 0 } })).toEqual(['workload.workers: workers must be an integer from 1 to 1024, got 0']);
  });

  test('propsFromDistributionManifest converts without building, so props can be adjusted first', () => {
    const cr = { apiVersion: 'llamastack.io/v1alpha1', kind: 'LlamaStackDistribution', metadata: { name: 'x' }, spec: { server: { distribution: { name: 'starter' }, containerSpec: { env: [{ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'o', key: 'k' } } }] } } } };
    expect(() => LlamaStack.fromDistributionManifestObject(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 's', cr)).toThrow(/'api.openai.com' is outside the cluster/);
    const props = LlamaStack.propsFromDistributionManifestObject(cr, 'llm');
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new LlamaStack(chart, 's', { ...props, networking: { ...props.networking, allowInternetEgress: true } });
    const objs = Testing.synth(chart) as Manifest[];
    // The CR's Secret-backed env reaches the server container as the same Secret reference.
    const env = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env;
    expect(env.map((e: any) => e.valueFrom?.secretKeyRef).filter(Boolean)).toContainEqual({ name: 'o', key: 'k' });
  });
});

describe('no secret reaches a ConfigMap, args or an error message', () => {
  const leaks: Array<[string, unknown]> = [
    ['literal default in a secret field', { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings: { api_token: '${env.NOPE:=sk-live-abcdef}' } }] }],
    ['Authorization header', { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings: { network: { headers: { Authorization: 'Bearer sk-live-123' } } } }] }],
    ['proxy URL with credentials', { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings: { network: { proxy: { url: 'http://bob:hunter2@proxy.corp:3128' } } } }] }],
  ];
  test.each(leaks)('%s is refused', (_name, providers) => {
    const result = attempt({ distribution: starter, providers });
    expect(result).not.toBe('ok');
  });

  test('a literal storage password in a custom base config is refused', () => {
    const baseConfig = 'version: 2\ndistro_name: x\nproviders: {}\nstorage:\n  backends:\n    sql_default: {type: sql_postgres, host: h, user: u, password: hunter2}\n';
    expect(attempt({ distribution: { image: 'a/b:1', baseConfig } })).toEqual(['distribution.baseConfig: the base config has a literal password at storage.backends.sql_default.password']);
  });

  test('passwords in URLs are not echoed in errors', () => {
    const lines = attempt({ distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'ftp://u:Sup3rS3cret@v.m.svc/v1' }] } }) as string[];
    expect(lines.join('\n')).not.toMatch(/Sup3rS3cret/);
    expect(lines.join('\n')).toMatch(/u:\*\*\*@/);
  });

  test('secret values given through Secrets appear only as secretKeyRef, and the ConfigMap holds only ${env.X} for them', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new LlamaStack(chart, 'stack', {
      distribution: starter,
      providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { name: 'vllm', key: 'token' } }] },
      storage: { sql: { type: 'postgres', host: 'pg.db.svc', user: 'u', password: { name: 'pg', key: 'pw' } } },
    });
    const objs = Testing.synth(chart) as Manifest[];
    const config = yaml.load(objs.find((o) => o.kind === 'ConfigMap')!.data['config.yaml']) as any;
    expect(config.providers.inference.find((p: any) => p.provider_id === 'vllm').config.api_token).toBe('${env.LLSD_VLLM_API_TOKEN}');
    expect(config.storage.backends.sql_default.password).toBe('${env.LLSD_STORAGE_SQL_PASSWORD}');
    const c = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(c.args).toBeUndefined();
    expect(c.env.filter((e: any) => e.name.startsWith('LLSD_'))).toEqual([
      { name: 'LLSD_STORAGE_SQL_PASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'pw' } } },
      { name: 'LLSD_VLLM_API_TOKEN', valueFrom: { secretKeyRef: { name: 'vllm', key: 'token' } } },
    ]);
  });
});

test('random odd values anywhere in the props: a ValidationError or a manifest, never another exception', () => {
  const odd = fc.oneof(
    fc.constant(null), fc.constant(undefined), fc.integer(), fc.double(), fc.string(), fc.boolean(),
    fc.constant([]), fc.constant({}), fc.array(fc.constant(null), { maxLength: 2 }),
  );
  const base: Record<string, any> = {
    distribution: { name: 'starter' },
    providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { name: 'a', key: 'b' }, settings: { max_tokens: 1 } }] },
    resources: { models: [{ name: 'm' }], shields: [{ id: 's', providerShieldId: 'vllm/m' }] },
    storage: { sql: { type: 'postgres', host: 'pg.db.svc', user: 'u', password: { name: 'p', key: 'k' } } },
    env: { A: 'b' },
    networking: { port: 8321, tls: { enabled: true, secretName: 't', caBundle: { configMapName: 'c', keys: ['k'] } }, expose: { hostname: 'h.example.com' }, allowedFrom: { namespaces: ['x'], podLabels: { a: 'b' } } },
    workload: {
      replicas: 1,
      workers: 1,
      resources: { requests: { cpu: '1' } },
      storage: { size: '1Gi' },
      podDisruptionBudget: { maxUnavailable: 1 },
      overrides: { env: [{ name: 'E', value: 'v' }], volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/v' }], nodeSelector: { a: 'b' } },
    },
  };
  expect(attempt(base)).toBe('ok'); // the props before any edit are valid, so edits decide the outcome
  const paths: string[][] = [];
  const walk = (o: any, p: string[]) => {
    if (o && typeof o === 'object') for (const k of Object.keys(o)) { paths.push([...p, k]); walk(o[k], [...p, k]); }
  };
  walk(base, []);
  const seen = { built: 0, refused: 0 };
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), odd), { minLength: 1, maxLength: 3 }), (edits) => {
    const props = JSON.parse(JSON.stringify(base));
    for (const [path, value] of edits) {
      let o = props;
      for (const k of path.slice(0, -1)) o = o?.[k];
      if (o && typeof o === 'object') o[path[path.length - 1]] = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    }
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    let objs: Manifest[];
    try {
      new LlamaStack(chart, 'stack', props as LlamaStackProps);
      objs = Testing.synth(chart) as Manifest[];
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err; // anything else fails the property
      expect(err.issues.length).toBeGreaterThan(0);
      expect(err.issues.filter((i) => i.message === '')).toEqual([]);
      seen.refused++;
      return;
    }
    // Built: one Deployment that mounts the one ConfigMap holding config.yaml, a run config; a NetworkPolicy for its pods.
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    const configs = objs.filter((o) => o.kind === 'ConfigMap' && typeof o.data?.['config.yaml'] === 'string');
    expect([deployments.length, configs.length]).toEqual([1, 1]);
    expect(deployments[0].spec.template.spec.volumes.map((v: any) => v.configMap?.name)).toContain(configs[0].metadata.name);
    expect(yaml.load(configs[0].data['config.yaml'])).toMatchObject({ version: 2, providers: { inference: expect.any(Array) } });
    expect(objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.spec.podSelector.matchLabels))
      .toContainEqual(expect.objectContaining({ 'app.kubernetes.io/instance': deployments[0].spec.selector.matchLabels['app.kubernetes.io/instance'] }));
    seen.built++;
  }), { numRuns: Math.max(400, Number(process.env.FUZZ_RUNS ?? 400)) }); // fewer runs could see no built case
  // Both outcomes occurred: odd values the construct accepts are built, the others refused.
  expect(seen.built).toBeGreaterThan(0);
  expect(seen.refused).toBeGreaterThan(0);
});
