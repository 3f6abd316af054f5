import * as fs from 'fs';
import * as os from 'os';
import { App, Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, LlamaStackProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { conformanceProblems, Manifest } from '../support/manifests';
import { multiPod } from '../support/stacks';

const quickstart: LlamaStackProps = {
  distribution: { name: 'starter' },
  providers: { inference: [{ provider: 'vllm', endpoint: 'http://llama-8b.models.svc:8000/v1', apiKey: { name: 'vllm-creds', key: 'token' } }] },
  resources: { models: [{ name: 'meta-llama/Llama-3.1-8B-Instruct' }] },
  storage: { sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: { name: 'pg', key: 'password' } } },
};

function synth(props: LlamaStackProps, id = 'stack', namespace = 'llm'): Manifest[] {
  const chart = Testing.chart();
  (chart as any).namespace = namespace;
  new LlamaStack(chart, id, props);
  return Testing.synth(chart) as Manifest[];
}

function chartWith(props: LlamaStackProps, namespace = 'llm'): { chart: Chart; stack: LlamaStack } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace });
  return { chart, stack: new LlamaStack(chart, 'stack', props) };
}

const byKind = (objs: Manifest[], kind: string) => objs.filter((o) => o.kind === kind);
const one = (objs: Manifest[], kind: string) => {
  const found = byKind(objs, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('objects', () => {
  const objs = synth(quickstart);
  const deployment = one(objs, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const configMap = one(objs, 'ConfigMap');

  test('emits ServiceAccount, ConfigMap, Deployment, Service, NetworkPolicy', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/stack',
      `ConfigMap/${configMap.metadata.name}`,
      'Deployment/stack',
      'Service/stack-service',
      'NetworkPolicy/stack',
    ]);
  });

  test('the ConfigMap is immutable, named <name>-config-<hash8>, and holds config.yaml', () => {
    expect(configMap.metadata.name).toMatch(/^stack-config-[0-9a-f]{8}$/);
    expect(configMap.immutable).toBe(true);
    const config = yaml.load(configMap.data['config.yaml']) as any;
    expect(config.distro_name).toBe('starter');
    expect(config.server.port).toBe(8321);
    expect(deployment.spec.template.metadata.annotations['llamastack.io/config-hash'].slice(0, 8)).toBe(configMap.metadata.name.slice(-8));
  });

  test('the container runs the pinned image with port, config path and secrets from env', () => {
    expect(container.image).toBe('docker.io/llamastack/distribution-starter:0.7.1');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8321, protocol: 'TCP' }]);
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.LLAMA_STACK_PORT).toBe('8321');
    expect(env.RUN_CONFIG_PATH).toBe('/etc/llama-stack/config.yaml');
    expect(env.HF_HOME).toBe('/cache/huggingface');
    expect(env.LLSD_VLLM_API_TOKEN).toEqual({ secretKeyRef: { name: 'vllm-creds', key: 'token' } });
    expect(env.LLSD_STORAGE_SQL_PASSWORD).toEqual({ secretKeyRef: { name: 'pg', key: 'password' } });
  });

  test('writable volumes for /.llama, /tmp and the HF cache; /.cache is not shadowed', () => {
    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts).toEqual({ '/etc/llama-stack': 'config', '/.llama': 'data', '/cache': 'cache', '/tmp': 'tmp' });
    expect(Object.keys(mounts)).not.toContain('/.cache');
    expect(pod.volumes.find((v: any) => v.name === 'config').configMap.name).toBe(configMap.metadata.name);
  });

  test('probes on /v1/health, with a startup budget for a cold Python start', () => {
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/v1/health', port: 8321, scheme: 'HTTP' });
    }
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    // Readiness drops a pod from the Service after 30 s of failures; liveness restarts it only after a minute,
    // so a server busy with a long request (its event loop slow to answer /v1/health) is not killed.
    expect(container.readinessProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 });
    expect(container.livenessProbe).toMatchObject({ periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 });
    expect(container.livenessProbe.periodSeconds * container.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(60);
  });

  test('non-root with group 0, no token, no service links, resources set', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.serviceAccountName).toBe('stack');
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  });

  test('the Service selects the pods on the named port', () => {
    const svc = one(objs, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8321, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  test('the NetworkPolicy admits labelled clients and limits egress to DNS and the providers', () => {
    const np = one(objs, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'client.llamastack.io/stack': 'true' } } }], ports: [{ protocol: 'TCP', port: 8321 }] }]);
    expect(np.spec.egress).toEqual([
      // DNS to the cluster's DNS pods only, not to port 53 of every pod in every namespace.
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]);
  });

  test('every object is schema-valid (unknown fields rejected), restricted, and covered by a policy', () => {
    expect(conformanceProblems(objs)).toEqual([]);
  });
});

describe('defaults and options', () => {
  test('no providers/resources/storage/disabled -> the distribution config as is', () => {
    const { stack } = chartWith({ distribution: { name: 'starter' } });
    const base = yaml.load(fs.readFileSync('data/llama-stack-0.7.1/starter.config.yaml', 'utf8')) as any;
    delete base.registered_resources.vector_dbs;
    const config = yaml.load(stack.configYaml!) as any;
    expect(config).toEqual(base);
    // Independently of the file (pinned in test/config/generate.test.ts): starter's shape as 0.7.1 ships it.
    expect([config.version, config.distro_name, config.providers.inference.length, config.server?.port]).toEqual([2, 'starter', 16, 8321]);
  });

  test('port flows to container, Service, probes, config and LLAMA_STACK_PORT', () => {
    const objs = synth({ distribution: { name: 'starter' }, networking: { port: 9000 } });
    const c = one(objs, 'Deployment').spec.template.spec.containers[0];
    expect(c.ports[0].containerPort).toBe(9000);
    expect(c.env.find((e: any) => e.name === 'LLAMA_STACK_PORT').value).toBe('9000');
    expect(c.readinessProbe.httpGet.port).toBe(9000);
    expect(one(objs, 'Service').spec.ports[0].port).toBe(9000);
    expect((yaml.load(one(objs, 'ConfigMap').data['config.yaml']) as any).server.port).toBe(9000);
  });

  test('allowedFrom adds namespaces and pod labels; internet egress is opt-in', () => {
    const objs = synth({
      distribution: { name: 'starter' },
      providers: { inference: [{ provider: 'openai', apiKey: { name: 'oai', key: 'k' }, endpoint: 'https://api.openai.com/v1' }] },
      networking: { allowedFrom: { namespaces: ['web', 'api'], podLabels: { role: 'frontend' } }, allowInternetEgress: true },
    });
    const np = one(objs, 'NetworkPolicy');
    expect(np.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'client.llamastack.io/stack': 'true' } } },
      { podSelector: { matchLabels: { role: 'frontend' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'api' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } },
    ]);
    expect(np.spec.egress[np.spec.egress.length - 1].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
  });

  test('an endpoint outside the cluster, a public IP or a hosted provider needs the internet opt-in', () => {
    expect(() => synth({ distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://vllm.example.com:8000/v1' }] } }))
      .toThrow(/providers.inference\[0\].endpoint: 'vllm.example.com' is outside the cluster, and egress there is blocked/);
    expect(() => synth({ distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: 'https://8.8.8.8/v1' }] } }))
      .toThrow(/providers.inference\[0\].endpoint: '8.8.8.8' is outside the cluster/);
    expect(() => synth({ distribution: { name: 'starter' }, providers: { inference: [{ provider: 'anthropic', apiKey: { name: 'a', key: 'k' } }] } }))
      .toThrow(/providers.inference\[0\]: remote::anthropic calls a hosted service outside the cluster, and egress there is blocked/);
    expect(() => synth({ distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://vllm.example.com:8000/v1' }] }, networking: { allowInternetEgress: true } }))
      .toThrow(/allowInternetEgress opens TCP 443 only/);
  });

  test('private IPs get an ipBlock rule', () => {
    const np = one(synth({ distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://10.0.0.7:8000/v1' }] } }), 'NetworkPolicy');
    expect(np.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.7/32' } }], ports: [{ protocol: 'TCP', port: 8000 }] });
  });

  test('workers go to the config, with host 0.0.0.0', () => {
    const cm = one(synth({ ...multiPod, workload: { workers: 4 } }), 'ConfigMap');
    expect((yaml.load(cm.data['config.yaml']) as any).server).toEqual({ port: 8321, workers: 4, host: '0.0.0.0' });
  });

  test('workload replicas and resources', () => {
    const objs = synth({ ...multiPod, workload: { replicas: 3, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '8Gi' } } } });
    const d = one(objs, 'Deployment');
    expect(d.spec.replicas).toBe(3);
    // Given keys replace the defaults key by key.
    expect(d.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '8Gi' } });
  });

  test('user env: plain values and Secret references, after the generated ones', () => {
    const objs = synth({ distribution: { name: 'postgres-demo' }, providers: { files: [{ provider: 'localfs' }] }, env: { INFERENCE_MODEL: 'm', VLLM_URL: 'http://vllm.models.svc:8000/v1' }, secretEnv: { HF_TOKEN: { name: 'hf', key: 'token' } } });
    const env = one(objs, 'Deployment').spec.template.spec.containers[0].env;
    expect(env.slice(-3)).toEqual([
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      { name: 'INFERENCE_MODEL', value: 'm' },
      { name: 'VLLM_URL', value: 'http://vllm.models.svc:8000/v1' },
    ]);
  });

  test('the version label is the image tag, and absent for a digest-only image', () => {
    const tagged = one(synth({ distribution: { name: 'starter' } }), 'Deployment');
    expect(tagged.metadata.labels['app.kubernetes.io/version']).toBe('0.7.1');
    const digest = one(synth({ distribution: { image: `quay.io/acme/stack@sha256:${'a'.repeat(64)}` }, overrideConfig: { configMapName: 'c' } }), 'Deployment');
    expect(digest.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
  });

  test('overrideConfig mounts the given ConfigMap and emits none', () => {
    const objs = synth({ distribution: { image: 'quay.io/acme/stack:1.2.3' }, overrideConfig: { configMapName: 'my-config' } });
    expect(byKind(objs, 'ConfigMap')).toHaveLength(0);
    const pod = one(objs, 'Deployment').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'config').configMap.name).toBe('my-config');
    expect(pod.containers[0].image).toBe('quay.io/acme/stack:1.2.3');
  });

  test('image overrides come from app context', () => {
    const app = Testing.app();
    app.node.setContext(LlamaStack.IMAGE_OVERRIDES_CONTEXT, { starter: 'mirror.local/llamastack/distribution-starter:0.7.1' });
    const chart = new Chart(app, 'c');
    const stack = new LlamaStack(chart, 'stack', { distribution: { name: 'starter' } });
    expect(stack.image).toBe('mirror.local/llamastack/distribution-starter:0.7.1');
  });

  test('exposes names, url and counts', () => {
    const { stack } = chartWith(quickstart);
    expect(stack.serviceName).toBe('stack-service');
    expect(stack.url).toBe('http://stack-service.llm.svc.cluster.local:8321');
    expect(stack.configMapName).toBe(`stack-config-${stack.configHash.slice(0, 8)}`);
    expect(stack.providerCount).toBeGreaterThan(30);
    expect(stack.resourceCount).toBe(3);
    expect(stack.clientLabels).toEqual({ 'client.llamastack.io/stack': 'true' });
  });
});

describe('validation', () => {
  function failure(props: LlamaStackProps): ValidationError {
    try {
      chartWith(props);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return err as ValidationError;
    }
    throw new Error('expected a ValidationError');
  }

  test('errors name the construct path and field path, and come all at once', () => {
    const err = failure({
      distribution: { name: 'starter' },
      providers: { inference: [{ provider: 'vllm', endpoint: 'http://a.b.svc:1/v1' }, { provider: 'vllm', id: 'b', endpoint: 'http://a.b.svc:1/v1' }] },
      workload: { replicas: -1, resources: { requests: { cpu: 'lots' } } },
      env: { HOME: '/x' },
    });
    expect(err.message.split('\n').map((l) => l.trim())).toEqual([
      '4 problems found:',
      "test/stack providers.inference[0].id: required when an API lists more than one provider (give each provider an id, e.g. id: 'vllm-primary')",
      'test/stack env.HOME: HOME is set by the construct (remove env.HOME; it points ~/.llama at the data volume (use workload.storage.mountPath))',
      'test/stack workload.replicas: replicas must be an integer from 0 to 1000, got -1',
      "test/stack workload.resources.requests.cpu: 'lots' is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)",
    ]);
  });

  test('names: a letter first (the Service name is a DNS-1035 label), at most 48 characters as in the operator', () => {
    const hint = "(use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit)";
    expect(failure({ distribution: { name: 'starter' }, name: 'Bad_Name' }).message).toBe(`test/stack name: 'Bad_Name' is not a valid name ${hint}`);
    expect(failure({ distribution: { name: 'starter' }, name: '1stack' }).message).toBe(`test/stack name: '1stack' is not a valid name ${hint}`);
    expect(failure({ distribution: { name: 'starter' }, name: 'a'.repeat(49) }).message).toBe(
      `test/stack name: '${'a'.repeat(49)}' is 49 characters; at most 48 are allowed (use a name of at most 48 characters)`);
    expect(() => chartWith({ distribution: { name: 'starter' }, name: 'a'.repeat(48) })).not.toThrow();
  });

  test('bad input never yields a manifest', () => {
    const app = new App({ outdir: os.tmpdir() });
    const chart = new Chart(app, 'c');
    expect(() => new LlamaStack(chart, 'stack', { distribution: { name: 'nope' } })).toThrow(ValidationError);
    expect(chart.node.findAll().filter((c) => c !== chart && c.node.path.startsWith('c/stack/'))).toEqual([]);
  });
});

describe('determinism', () => {
  test('two synths are byte-identical', () => {
    const render = () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c', { namespace: 'llm' });
      new LlamaStack(chart, 'stack', quickstart);
      return app.synthYaml();
    };
    expect(render()).toBe(render());
  });

  test('a Deployment-only change (resources, replicas) leaves the config hash alone; a config change moves it', () => {
    const base = chartWith(multiPod).stack;
    const resized = chartWith({ ...multiPod, workload: { replicas: 3, resources: { limits: { memory: '8Gi' } } } }).stack;
    expect(resized.configHash).toBe(base.configHash);
    const changed = chartWith({ ...multiPod, resources: { models: [{ name: 'other-model' }] } }).stack;
    expect(changed.configHash).not.toBe(base.configHash);
    expect(changed.configMapName).not.toBe(base.configMapName);
  });
});

describe('secrets', () => {
  test('no secret value or secret-looking literal reaches a ConfigMap', () => {
    const objs = synth({
      ...quickstart,
      providers: {
        inference: [
          { id: 'v', provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { name: 'vllm-creds', key: 'token' } },
          { id: 'o', provider: 'openai', apiKey: { name: 'oai', key: 'key' } },
        ],
        vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v', user: 'u' }, secretRefs: { password: { name: 'pg', key: 'pw' } } }],
      },
      networking: { allowInternetEgress: true },
    });
    const catalog = JSON.parse(fs.readFileSync('data/llama-stack-0.7.1/providers.json', 'utf8'));
    const secretFields = new Set<string>(catalog.providers.flatMap((p: any) => p.fields.filter((f: any) => f.secret).map((f: any) => f.name)));
    secretFields.add('password');
    const configMaps = byKind(objs, 'ConfigMap');
    expect(configMaps).toHaveLength(1);
    const checked: string[] = [];
    for (const cm of configMaps) {
      const walk = (v: any, at: string, key?: string): void => {
        if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`, k);
        } else if (key && secretFields.has(key) && typeof v === 'string' && v !== '') {
          expect(v).toMatch(/^\$\{env\.[A-Z0-9_]+(:=[^}]*)?\}$/);
          checked.push(at);
        }
      };
      walk(yaml.load(cm.data['config.yaml']), '');
      expect(cm.data['config.yaml']).not.toMatch(/sk-|hunter2|BEGIN .*PRIVATE KEY/);
    }
    // The three Secret-backed values of the props were among the fields checked (independent of the catalog).
    const config = yaml.load(configMaps[0].data['config.yaml']) as any;
    const entry = (api: string, id: string) => config.providers[api].find((x: any) => x.provider_id === id).config;
    expect([entry('inference', 'v').api_token, entry('inference', 'o').api_key, entry('vector_io', 'pgvector').password])
      .toEqual([expect.stringMatching(/^\$\{env\.LLSD_[A-Z0-9_]+\}$/), expect.stringMatching(/^\$\{env\.LLSD_[A-Z0-9_]+\}$/), expect.stringMatching(/^\$\{env\.LLSD_[A-Z0-9_]+\}$/)]);
    const at = (api: string, id: string, field: string) => `.providers.${api}.${config.providers[api].findIndex((x: any) => x.provider_id === id)}.config.${field}`;
    expect(checked).toEqual(expect.arrayContaining([at('inference', 'v', 'api_token'), at('inference', 'o', 'api_key'), at('vector_io', 'pgvector', 'password')]));
    // Every secret reaches the pod only as a secretKeyRef.
    const env = one(objs, 'Deployment').spec.template.spec.containers[0].env;
    const secretVars = env.filter((x: any) => x.name.startsWith('LLSD_'));
    // One per Secret reference of the props: the two API keys, pgvector's password and the storage password.
    expect(secretVars.map((e: any) => JSON.stringify(e.valueFrom?.secretKeyRef)).sort()).toEqual([
      '{"key":"key","name":"oai"}', '{"key":"password","name":"pg"}', '{"key":"pw","name":"pg"}', '{"key":"token","name":"vllm-creds"}',
    ]);
    for (const e of secretVars) expect(e.value).toBeUndefined();
  });
});
