import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack } from '../../src';
import { IssueCollector, ValidationError } from '../../src/core/errors';
import { distributionFromProps, propsFromDistribution } from '../../src/llama-stack/interop';
import { conformanceProblems, Manifest } from '../support/manifests';

/** The operator's shipped samples (config/samples), as the research notes describe them. */
const operatorSample = `
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastackdistribution-sample
spec:
  replicas: 1
  server:
    distribution:
      name: starter
    containerSpec:
      env:
        - name: OLLAMA_INFERENCE_MODEL
          value: "llama3.2:1b"
        - name: OLLAMA_URL
          value: "http://ollama-server-service.ollama-dist.svc.cluster.local:11434"
    workers: 2
    podDisruptionBudget:
      maxUnavailable: 1
    topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
    autoscaling:
      minReplicas: 1
      maxReplicas: 5
      targetCPUUtilizationPercentage: 75
      targetMemoryUtilizationPercentage: 70
    storage:
      size: "20Gi"
      mountPath: "/home/lls/.lls"
`;
const withConfigMap = `
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastack-with-userconfig
spec:
  replicas: 1
  server:
    distribution:
      name: starter
    containerSpec:
      port: 8321
      env:
        - name: OLLAMA_EMBEDDING_MODEL
          value: all-minilm:l6-v2
    userConfig:
      configMapName: llama-stack-config
`;
const withCaBundle = `
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastack-with-config
spec:
  server:
    distribution:
      name: starter
    userConfig:
      configMapName: llama-stack-config
    tlsConfig:
      caBundle:
        configMapName: custom-ca-bundle
`;
const withNetwork = `
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastack-network
spec:
  network:
    exposeRoute: false
    allowedFrom:
      namespaces: [ns-a, ns-b]
      labels: [myproject/lls-allowed, team/authorized]
  server:
    distribution:
      name: starter
`;
const publicOne = `
apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastack-public
spec:
  network:
    exposeRoute: true
    allowedFrom:
      namespaces: ["*"]
  server:
    distribution:
      name: starter
`;
/** Every v1alpha1 field at once (containerSpec.name at its only accepted value). */
const everyV1alpha1Field = {
  apiVersion: 'llamastack.io/v1alpha1',
  kind: 'LlamaStackDistribution',
  metadata: { name: 'everything', namespace: 'llm' },
  spec: {
    replicas: 1,
    network: { exposeRoute: true, allowedFrom: { namespaces: ['web'], labels: ['team/authorized'] } },
    server: {
      distribution: { image: 'quay.io/acme/llama-stack:0.7.1-acme.1' },
      containerSpec: {
        name: 'llama-stack',
        port: 8322,
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } },
        env: [{ name: 'A', value: 'b' }, { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        command: ['llama', 'stack', 'run'],
        args: ['/etc/llama-stack/config.yaml'],
      },
      workers: 3,
      podOverrides: {
        serviceAccountName: 'custom-sa',
        terminationGracePeriodSeconds: 45,
        volumes: [{ name: 'extra', configMap: { name: 'extra' } }],
        volumeMounts: [{ name: 'extra', mountPath: '/extra' }],
      },
      podDisruptionBudget: { minAvailable: 1 },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
      storage: { size: '5Gi', mountPath: '/data' },
      userConfig: { configMapName: 'my-config', configMapNamespace: 'llm' },
      tlsConfig: { caBundle: { configMapName: 'ca', configMapNamespace: 'llm', configMapKeys: ['a.crt', 'b.crt'] } },
    },
  },
};
const v1alpha2Full = {
  apiVersion: 'llamastack.io/v1alpha2',
  kind: 'LlamaStackDistribution',
  metadata: { name: 'v2-everything', namespace: 'llm' },
  spec: {
    distribution: { name: 'starter' },
    providers: {
      inference: [
        { id: 'vllm-a', provider: 'vllm', endpoint: 'http://a.models.svc:8000/v1', apiKey: { name: 'vllm', key: 'token' }, settings: { max_tokens: 2048 } },
        { id: 'vllm-b', provider: 'vllm', endpoint: 'http://b.models.svc:8000/v1' },
      ],
      safety: [{ provider: 'llama-guard' }],
      vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v', user: 'u' }, secretRefs: { password: { name: 'pg', key: 'pw' } } }],
    },
    resources: {
      models: [{ name: 'm1' }, { name: 'm2', provider: 'vllm-b', contextLength: 8192, modelType: 'llm', quantization: 'fp8' }, { name: 'meta-llama/Llama-Guard-3-8B', provider: 'vllm-b' }],
      tools: ['builtin::file_search'],
      shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }],
    },
    storage: { kv: { type: 'redis', endpoint: 'redis.db.svc:6380' }, sql: { type: 'sqlite' } },
    // Two workers share nothing in memory: faiss keeps its indexes per process, so it is disabled.
    disabled: ['eval', 'vectorIo/faiss', 'vectorIo/sqlite-vec'],
    networking: {
      port: 8443,
      tls: { enabled: true, secretName: 'tls', caBundle: { configMapName: 'ca', configMapKeys: ['ca.crt'] } },
      expose: { hostname: 'llama.example.com' },
      allowedFrom: { namespaces: ['web'], labels: ['team/a'] },
    },
    workload: {
      replicas: 1,
      workers: 2,
      resources: { requests: { cpu: '500m' } },
      podDisruptionBudget: { maxUnavailable: '50%' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }],
      overrides: { serviceAccountName: 'sa', env: [{ name: 'X', value: '1' }], command: ['a'], args: ['b'], volumes: [{ name: 'v', emptyDir: {} }], volumeMounts: [{ name: 'v', mountPath: '/v' }], terminationGracePeriodSeconds: 10 },
    },
  },
};
const v1alpha2Override = {
  apiVersion: 'llamastack.io/v1alpha2',
  kind: 'LlamaStackDistribution',
  metadata: { name: 'v2-override' },
  spec: { distribution: { image: 'quay.io/acme/stack:1.0' }, overrideConfig: { configMapName: 'mine' }, networking: { expose: {} } },
};

const corpus: Array<[string, unknown]> = [
  ['operator sample', operatorSample], ['with config map', withConfigMap], ['with CA bundle', withCaBundle],
  ['network config', withNetwork], ['public', publicOne], ['every v1alpha1 field', everyV1alpha1Field],
  ['every v1alpha2 field', JSON.parse(JSON.stringify(v1alpha2Full))], ['v1alpha2 override', v1alpha2Override],
];

/** The CRD defaults and aliases the conversion normalises (containerSpec.name is always llama-stack). */
function normalised(cr: any): any {
  const c = JSON.parse(JSON.stringify(typeof cr === 'string' ? yaml.load(cr) : cr));
  if (c.spec.server?.containerSpec?.name === 'llama-stack') delete c.spec.server.containerSpec.name;
  for (const holder of [c.spec.server?.userConfig, c.spec.server?.tlsConfig?.caBundle]) if (holder) delete holder.configMapNamespace;
  // The operator uses replicas only as the HPA floor when autoscaling is on.
  if (c.spec.server?.autoscaling && c.spec.replicas !== undefined) delete c.spec.replicas;
  return c;
}

function convert(cr: unknown) {
  const issues = new IssueCollector();
  const out = propsFromDistribution(issues, cr);
  expect(issues.issues).toEqual([]);
  return out!;
}

describe.each(corpus)('round trip: %s', (_name, cr) => {
  test('CR -> props -> CR is identical', () => {
    const c = convert(cr);
    const back = distributionFromProps(c.name, c.namespace, c.props, c.apiVersion);
    expect(back.apiVersion).toBe(c.apiVersion);
    expect(back.losses).toEqual([]);
    expect(back.manifest).toEqual(normalised(cr));
  });
});

function chart(namespace?: string): Chart {
  return new Chart(Testing.app(), 'c', { namespace });
}

describe('fromDistributionManifest', () => {
  test('produces the same objects as hand-written props', () => {
    const a = chart('llm');
    LlamaStack.fromDistributionManifest(a, 'stack', withConfigMap);
    const b = chart('llm');
    new LlamaStack(b, 'stack', {
      name: 'llamastack-with-userconfig',
      distribution: { name: 'starter' },
      overrideConfig: { configMapName: 'llama-stack-config' },
      networking: { port: 8321 },
      workload: { replicas: 1, overrides: { env: [{ name: 'OLLAMA_EMBEDDING_MODEL', value: 'all-minilm:l6-v2' }] } },
    });
    expect(Testing.synth(a)).toEqual(Testing.synth(b));
  });

  test('the operator sample\'s OLLAMA_URL has no /v1: Llama Stack 0.7.1 would answer every chat call with 404', () => {
    // 0.7.1 remote/inference/ollama/ollama.py: get_base_url() returns config.base_url, which OpenAIMixin hands
    // to AsyncOpenAI(base_url=...) as the API root; Ollama's OpenAI API is at /v1 (its own sample: :11434/v1).
    const withoutStorage = operatorSample.replace(/storage:\n\s+size: "20Gi"\n\s+mountPath: "\/home\/lls\/.lls"\n/, '');
    expect(() => LlamaStack.fromDistributionManifest(chart('llm'), 'stack', withoutStorage)).toThrow(
      "env.OLLAMA_URL (providers.inference[1] 'ollama' of the base config): 'http://ollama-server-service.ollama-dist.svc.cluster.local:11434' does not end in /v1",
    );
  });

  test('env-configured base providers get egress rules (OLLAMA_URL)', () => {
    const c = chart('llm');
    // docs/migrating-from-the-operator.md, Fix A: one replica, one worker, its PVC; OLLAMA_URL with /v1.
    LlamaStack.fromDistributionManifest(c, 'stack', operatorSample
      .replace(/ {4}autoscaling:\n(\s{6}.*\n)+/, '')
      .replace(/ {4}workers: 2\n/, '')
      .replace('ollama-dist.svc.cluster.local:11434', 'ollama-dist.svc.cluster.local:11434/v1'));
    const objs = Testing.synth(c) as Manifest[];
    const np = objs.find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ollama-dist' } } }], ports: [{ protocol: 'TCP', port: 11434 }] });
    expect(objs.find((o) => o.kind === 'Deployment')!.spec.strategy).toEqual({ type: 'Recreate' });
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the operator sample as shipped is refused: its ReadWriteOnce PVC cannot serve 5 autoscaled pods', () => {
    expect(() => LlamaStack.fromDistributionManifest(chart(), 'stack', operatorSample)).toThrow(/workload.storage: a ReadWriteOnce volume can serve only one pod, but autoscaling allows up to 5/);
  });

  test('every corpus CR that passes validation synthesizes conformant objects', () => {
    const { workers, ...serverWithoutWorkers } = everyV1alpha1Field.spec.server;
    const everyFieldButWorkers = { ...everyV1alpha1Field, spec: { ...everyV1alpha1Field.spec, server: serverWithoutWorkers } };
    expect(workers).toBe(3);
    // workers cannot reach a config the user supplies (userConfig): that combination is refused.
    expect(() => LlamaStack.fromDistributionManifestObject(chart('llm'), 'stack', everyV1alpha1Field)).toThrow(/workload.workers: workers has no effect with overrideConfig/);
    for (const cr of [withConfigMap, withCaBundle, withNetwork, publicOne, everyFieldButWorkers, v1alpha2Full, v1alpha2Override]) {
      const c = chart('llm');
      const stack = typeof cr === 'string' ? LlamaStack.fromDistributionManifest(c, 'stack', cr) : LlamaStack.fromDistributionManifestObject(c, 'stack', cr);
      expect(conformanceProblems(Testing.synth(c) as Manifest[])).toEqual([]);
      const expected = normalised(cr);
      expected.metadata.namespace = 'llm';
      expect(stack.toDistributionManifest().manifest).toEqual(expected);
    }
  });

  test('fields that cannot be mapped are errors naming them', () => {
    const cr = {
      apiVersion: 'llamastack.io/v1alpha1',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: {
        server: {
          distribution: { name: 'starter' },
          containerSpec: { name: 'server', prot: 1 },
          userConfig: { configMapName: 'c', configMapNamespace: 'other' },
        },
        extra: true,
      },
    };
    try {
      LlamaStack.fromDistributionManifestObject(chart(), 'stack', cr);
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message.split('\n').map((l) => l.trim()).slice(1)).toEqual([
        "c/stack (llamastack.io/v1alpha1) metadata.labels: field 'labels' cannot be mapped to LlamaStack props (remove it, or express it through props after the conversion)",
        "c/stack (llamastack.io/v1alpha1) spec.extra: field 'extra' cannot be mapped to LlamaStack props (remove it, or express it through props after the conversion)",
        'c/stack (llamastack.io/v1alpha1) spec.server.containerSpec.name: the container is always named llama-stack (remove containerSpec.name or set it to llama-stack)',
        "c/stack (llamastack.io/v1alpha1) spec.server.containerSpec.prot: field 'prot' cannot be mapped to LlamaStack props (did you mean 'port'?)",
        "c/stack (llamastack.io/v1alpha1) spec.server.userConfig.configMapNamespace: the config ConfigMap is in namespace 'other', but a pod can mount ConfigMaps of its own namespace only (copy the ConfigMap into the stack's namespace and remove configMapNamespace)",
      ]);
    }
  });

  test('v1alpha2 specifics: nested secretKeyRef accepted; Secret-held connection strings refused', () => {
    const cr = {
      apiVersion: 'llamastack.io/v1alpha2',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'y' },
      spec: {
        distribution: { name: 'starter' },
        providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { secretKeyRef: { name: 'v', key: 't' } } }] },
      },
    };
    expect(convert(cr).props.providers!.inference).toEqual([{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', apiKey: { name: 'v', key: 't' } }]);
    const issues = new IssueCollector();
    propsFromDistribution(issues, { ...cr, spec: { ...cr.spec, storage: { sql: { type: 'postgres', connectionString: { name: 'db', key: 'url' } } } } });
    expect(issues.issues.map((i) => i.path)).toEqual(['spec.storage.sql.connectionString']);
  });

  test.each([
    ['v1alpha1 (spec.server.externalProviders)', 'llamastack.io/v1alpha1', (ext: unknown) => ({ server: { distribution: { name: 'starter' }, externalProviders: ext } })],
    ['v1alpha2 (spec.externalProviders)', 'llamastack.io/v1alpha2', (ext: unknown) => ({ distribution: { name: 'starter' }, externalProviders: ext })],
  ])('external providers, %s: refs become ExternalProvider.fromImage, discovered at pod start; and back', (_n, apiVersion, specOf) => {
    const ext = {
      volumeSizeLimit: '4Gi',
      inference: [{ providerId: 'my-llm', image: 'quay.io/acme/my-llm:1.2.0', imagePullPolicy: 'Always', config: { base_url: 'http://x:8080' } }],
      datasetIo: [{ providerId: 'rows', image: 'quay.io/acme/rows:0.1.0' }],
    };
    const cr = { apiVersion, kind: 'LlamaStackDistribution', metadata: { name: 'x' }, spec: specOf(ext) };
    const stack = LlamaStack.fromDistributionManifestObject(chart('llm'), 's', cr);
    const props = LlamaStack.propsFromDistributionManifestObject(cr, 'llm').externalProviders!;
    expect(props.volumeSizeLimit).toBe('4Gi');
    expect(props.inference!.map((p) => [p.id, p.image, p.declared])).toEqual([['my-llm', 'quay.io/acme/my-llm:1.2.0', false]]);
    expect(props.datasetio!.map((p) => p.id)).toEqual(['rows']);
    const objs = Testing.synth(Chart.of(stack)) as Manifest[];
    const pod = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(expect.arrayContaining(['provider-my-llm', 'provider-rows', 'install-providers']));
    const back = stack.toDistributionManifest('llamastack.io/v1alpha2');
    expect(back.manifest.spec.externalProviders).toEqual(ext);
    expect(back.losses).toEqual([]);
  });

  test('external-provider sections the 0.7.1 server no longer has are refused', () => {
    const issues = new IssueCollector();
    propsFromDistribution(issues, {
      apiVersion: 'llamastack.io/v1alpha2',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'x' },
      spec: { distribution: { name: 'starter' }, externalProviders: { agents: [{ providerId: 'a', image: 'a/b:1' }], postTraining: [], inferenc: [] } },
    });
    expect(issues.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'spec.externalProviders.agents: the agents API is responses in Llama Stack 0.7; a provider built for agents must be rebuilt for it',
      'spec.externalProviders.postTraining: post-training was removed in Llama Stack 0.7',
      "spec.externalProviders.inferenc: field 'inferenc' cannot be mapped to LlamaStack props",
    ]);
  });

  test('namespace, apiVersion and YAML problems', () => {
    expect(() => LlamaStack.fromDistributionManifestObject(chart('a'), 's', { ...v1alpha2Override, metadata: { name: 'x', namespace: 'b' } }))
      .toThrow(/metadata.namespace: the CR is in namespace 'b' but the chart's namespace is 'a'/);
    expect(() => LlamaStack.fromDistributionManifestObject(chart(), 's', { ...v1alpha2Override, apiVersion: 'llamastack.io/v2' })).toThrow(/unsupported apiVersion 'llamastack.io\/v2'/);
    expect(() => LlamaStack.fromDistributionManifest(chart(), 's', 'spec: [')).toThrow(/invalid YAML at line \d+/);
  });
});

describe('toDistributionManifest', () => {
  test('an explicit version: v1alpha2 always works; v1alpha1 only when representable', () => {
    const plain = new LlamaStack(chart('llm'), 'a', { distribution: { name: 'starter' } });
    expect(plain.toDistributionManifest('llamastack.io/v1alpha2').manifest.spec).toEqual({ distribution: { name: 'starter' } });
    const generated = new LlamaStack(chart('llm'), 'b', { distribution: { name: 'starter' }, disabled: ['eval'] });
    expect(() => generated.toDistributionManifest('llamastack.io/v1alpha1')).toThrow(/these props need llamastack.io\/v1alpha2/);
    expect(() => generated.toDistributionManifest('v3')).toThrow(/unsupported apiVersion 'v3'/);
  });

  test('v1alpha1 when representable; v1alpha2 for generated-config props; losses listed', () => {
    const a = new LlamaStack(chart('llm'), 'a', { distribution: { name: 'starter' }, workload: { replicas: 0 } });
    expect(a.toDistributionManifest()).toEqual({
      apiVersion: 'llamastack.io/v1alpha1',
      manifest: { apiVersion: 'llamastack.io/v1alpha1', kind: 'LlamaStackDistribution', metadata: { name: 'a', namespace: 'llm' }, spec: { replicas: 0, server: { distribution: { name: 'starter' } } } },
      losses: [],
    });
    const b = new LlamaStack(chart('llm'), 'b', {
      distribution: { name: 'starter' },
      providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1' }] },
      resources: { models: [{ name: 'e', modelType: 'embedding', embeddingDimension: 768, provider: 'sentence-transformers' }] },
      storage: { sql: { type: 'postgres', host: 'pg.db.svc', user: 'u' } },
      networking: { allowInternetEgress: true, expose: { hostname: 'h.example.com', ingressClassName: 'nginx' } },
      workload: { overrides: { nodeSelector: { a: 'b' } } },
    });
    const m = b.toDistributionManifest();
    expect(m.apiVersion).toBe('llamastack.io/v1alpha2');
    expect(m.manifest.spec.providers).toEqual({ inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1' }] });
    expect(m.manifest.spec.networking.expose).toEqual({ hostname: 'h.example.com' });
    expect(m.losses).toEqual([
      'networking.allowInternetEgress: the operator emits no egress policy',
      "networking.expose.ingressClassName: the operator's Ingress has no such setting",
      'workload.overrides.nodeSelector: the operator has no such pod override',
      'resources.models[0].embeddingDimension: v1alpha2 models have no embedding dimension',
      'storage.sql: v1alpha2 holds a postgres connection string in a Secret, which Llama Stack 0.7.1 cannot use',
    ]);
  });
});
