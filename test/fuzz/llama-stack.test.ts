/**
 * Fuzzing LlamaStack, ExternalProvider and LlamaStack.fromDistributionManifest (issue 13 §7): a valid prop set
 * with hostile values put anywhere; see test/support/fuzz.ts for the values and the checks.
 */
import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { ExternalProvider, LlamaStack } from '../../src';
import { checkOutput, fuzzParameters, mutate, mutations, runApp, secretRef, Tally, YamlBatch } from '../support/fuzz';

export const stackProps = {
  distribution: { name: 'starter' },
  providers: {
    inference: [
      {
        id: 'vllm',
        provider: 'vllm',
        endpoint: 'http://v.models.svc:8000/v1',
        apiKey: secretRef('api'),
        settings: { max_tokens: 1024, network: { headers: { 'X-Team': 'ml' } } },
        models: [{ name: 'own', metadata: { note: 'from the provider' } }],
      },
      { id: 'remote', provider: 'openai', secretRefs: { api_key: secretRef('oai') } },
    ],
    safety: [{ provider: 'code-scanner' }],
    vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v', user: 'u' }, secretRefs: { password: secretRef('pgv') } }],
  },
  resources: {
    models: [{ name: 'm0' }, { name: 'm1', provider: 'vllm', providerModelId: 'meta-llama/Llama-3.1-8B-Instruct', modelType: 'llm', contextLength: 8192, metadata: { note: 'x', tags: ['a', 'b'] } }],
    shields: [{ id: 'guard', provider: 'code-scanner' }],
  },
  storage: { kv: { type: 'postgres', host: 'pg.db.svc', user: 'llama', password: secretRef('pg') } },
  env: { PLAIN_VAR: 'plain' },
  secretEnv: { SECRET_ENV: secretRef('env') },
  networking: {
    port: 8321,
    allowedFrom: { namespaces: ['web'], podLabels: { app: 'web' } },
    allowInternetEgress: true,
    expose: { hostname: 'llama.example.com', annotations: { 'example.com/team': 'ml' }, tlsSecretName: 'llama-tls' },
  },
  workload: {
    replicas: 1,
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'x' } } }],
    overrides: {
      podLabels: { team: 'ml' },
      podAnnotations: { 'example.com/owner': 'ml' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' }],
      env: [{ name: 'OVR_SECRET', valueFrom: { secretKeyRef: secretRef('ovr') } }, { name: 'OVR_PLAIN', value: 'p' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }] } } },
      volumes: [{ name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }],
      volumeMounts: [{ name: 'info', mountPath: '/etc/podinfo', readOnly: true }],
    },
  },
  telemetry: {
    endpoint: 'http://otel.monitoring.svc:4318',
    serviceName: 'chat',
    exportIntervalSeconds: 30,
    headers: secretRef('otel'),
    prometheusMetricPrefix: 'ls_',
    alerts: { errorRatio: 0.05, latencyP95Seconds: 20, concurrentRequests: 50 },
  },
  acknowledgedWarnings: [],
};

export const externalOptions = {
  id: 'acme',
  image: 'quay.io/acme/p:1.0',
  providerType: 'remote::acme',
  module: 'acme',
  api: 'inference',
  config: { region: 'eu', url: 'http://acme.llm.svc/v1', timeout: 30 },
  secretRefs: { api_key: secretRef('ext') },
  endpoints: ['http://acme.llm.svc/v1'],
};

const discoveredOptions = { id: 'found', image: 'quay.io/acme/found:2.0', config: { base_url: 'http://found.llm.svc:8080' } };

export const cr = {
  apiVersion: 'llamastack.io/v1alpha2',
  kind: 'LlamaStackDistribution',
  metadata: { name: 'from-cr', namespace: 'llm' },
  spec: {
    distribution: { name: 'starter' },
    providers: {
      inference: [
        { id: 'vllm-a', provider: 'vllm', endpoint: 'http://a.models.svc:8000/v1', apiKey: secretRef('cra'), settings: { max_tokens: 2048 } },
        { id: 'vllm-b', provider: 'vllm', endpoint: 'http://b.models.svc:8000/v1' },
      ],
      safety: [{ provider: 'llama-guard' }],
      vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v', user: 'u' }, secretRefs: { password: secretRef('crpg') } }],
    },
    resources: {
      models: [{ name: 'm1' }, { name: 'm2', provider: 'vllm-b', contextLength: 8192, modelType: 'llm', quantization: 'fp8' }, { name: 'meta-llama/Llama-Guard-3-8B', provider: 'vllm-b' }],
      tools: ['builtin::file_search'],
      shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }],
    },
    storage: { kv: { type: 'redis', endpoint: 'redis.db.svc:6380' }, sql: { type: 'sqlite' } },
    disabled: ['eval'],
    networking: {
      port: 8443,
      tls: { enabled: true, secretName: 'tls', caBundle: { configMapName: 'ca', configMapKeys: ['ca.crt'] } },
      expose: { hostname: 'llama.example.com' },
      allowedFrom: { namespaces: ['web'], labels: ['team/a'] },
    },
    workload: {
      replicas: 1,
      workers: 1,
      resources: { requests: { cpu: '500m' } },
      overrides: { env: [{ name: 'CR_SECRET', valueFrom: { secretKeyRef: secretRef('crenv') } }] },
    },
  },
};

export const crV1alpha1 = {
  apiVersion: 'llamastack.io/v1alpha1',
  kind: 'LlamaStackDistribution',
  metadata: { name: 'sample' },
  spec: {
    replicas: 1,
    server: {
      distribution: { name: 'starter' },
      containerSpec: {
        port: 8321,
        env: [
          { name: 'OLLAMA_URL', value: 'http://ollama.ollama-dist.svc.cluster.local:11434/v1' },
          { name: 'CR_TOKEN', valueFrom: { secretKeyRef: secretRef('cr1') } },
        ],
        resources: { requests: { cpu: '1', memory: '2Gi' } },
      },
      podDisruptionBudget: { maxUnavailable: 1 },
      storage: { size: '20Gi', mountPath: '/home/lls/.lls' },
      externalProviders: { inference: [{ providerId: 'acme', image: 'quay.io/acme/p:1.0', config: { region: 'eu' } }] },
    },
  },
};

describe('LlamaStack', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile props: only ValidationErrors naming the stack; output read alike by PyYAML and js-yaml; no undeclared placeholder; Secrets only as secretKeyRef', () => {
    const input = fc.record({
      stack: mutations,
      external: fc.option(mutations, { nil: undefined }),
      discovered: fc.boolean(),
    });
    fc.assert(fc.property(input, ({ stack, external, discovered }) => {
      const outcome = runApp((app) => {
        const chart = new Chart(app, 'c', { namespace: 'llm' });
        const props = mutate(stackProps, stack) as any;
        if (external !== undefined) {
          const providers = [ExternalProvider.fromImage(mutate(externalOptions, external) as any)];
          if (discovered) providers.push(ExternalProvider.fromImage(discoveredOptions));
          // The props may have been made unreadable: leave them so.
          try {
            Object.defineProperty(props, 'externalProviders', { value: { inference: providers }, enumerable: true, configurable: true, writable: true });
          } catch { /* a frozen or non-object props */ }
        }
        new LlamaStack(chart, 'stack', props);
      }, ['c/stack']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/stack');
    }), fuzzParameters());
    batch.check();
    tally.expectBoth('LlamaStack', 0.05, batch);
    expect(batch.checked).toBeGreaterThan(tally.synthesized);
  });
});

describe('LlamaStack.fromDistributionManifest', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile CRs (v1alpha1 and v1alpha2, as objects and as YAML text): the same guarantees', () => {
    const input = fc.record({ version: fc.constantFrom('v1alpha2', 'v1alpha1'), asText: fc.boolean(), ms: mutations });
    fc.assert(fc.property(input, ({ version, asText, ms }) => {
      const manifest = mutate(version === 'v1alpha2' ? cr : crV1alpha1, ms);
      let given: unknown = manifest;
      if (asText) {
        // YAML text as a tenant would write it; what js-yaml cannot dump (a Proxy, a cycle...) stays an object.
        try {
          given = yaml.dump(manifest, { noRefs: true });
        } catch {
          given = manifest;
        }
      }
      const outcome = runApp((app: App) => {
        const c = new Chart(app, 'c', { namespace: 'llm' });
        if (typeof given === 'string') LlamaStack.fromDistributionManifest(c, 'stack', given);
        else LlamaStack.fromDistributionManifestObject(c, 'stack', given as Record<string, unknown>);
      }, ['c/stack']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/stack from a CR');
    }), fuzzParameters());
    batch.check();
    tally.expectBoth('LlamaStack.fromDistributionManifest', 0.1, batch);
  });
});
