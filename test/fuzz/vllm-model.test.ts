/**
 * Fuzzing VllmModel and GpuNodePool (issue 13 §7): a valid prop set with hostile values put anywhere; see
 * test/support/fuzz.ts for the values and the checks.
 */
import { Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { GpuNodePool, LoraSource, VllmModel } from '../../src';
import { checkOutput, fuzzParameters, mutate, mutations, runApp, secretRef, Tally, YamlBatch } from '../support/fuzz';

export const modelProps = {
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  environment: 'dev',
  servedModelName: 'llama-8b',
  autoscaling: { minReplicas: 1, maxReplicas: 3, prometheusAddress: 'http://prometheus.monitoring.svc:9090', kvCacheUsageThreshold: 0.8 },
  podDisruptionBudget: { maxUnavailable: 1 },
  loraAdapters: [{ name: 'sql-lora', source: LoraSource.cachePath('/cache/lora/sql'), rank: 16 }],
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  dtype: 'bfloat16',
  maxNumSeqs: 64,
  enablePrefixCaching: true,
  toolCallParser: 'llama3_json',
  chatTemplate: '{% for m in messages %}{{ m.content }}{% endfor %}',
  generationConfig: { temperature: 0.7, top_p: 0.9, stop: ['</s>'] },
  extraArgs: ['--max-num-batched-tokens=8192'],
  env: { VLLM_LOGGING_LEVEL: 'INFO' },
  hfToken: secretRef('hf'),
  apiKey: secretRef('vllm'),
  hfEndpoint: 'https://hf-mirror.example.com',
  cache: { size: '100Gi', accessMode: 'ReadWriteMany' },
  nodeSelector: { 'nvidia.com/gpu.present': 'true' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'vllm' } } } }] },
  },
  resources: { requests: { cpu: '4', memory: '32Gi' }, limits: { memory: '48Gi' } },
  sharedMemorySize: '8Gi',
  allowedFrom: { namespaces: ['llm'], podLabels: { app: 'stack' } },
  monitoring: { enabled: true, labels: { release: 'prom' }, prometheusNamespace: 'monitoring', scrapeInterval: '30s', dashboard: true },
  pod: {
    podLabels: { team: 'ml' },
    podAnnotations: { 'example.com/owner': 'ml' },
    priorityClassName: 'gpu',
    imagePullSecrets: ['regcred'],
    volumes: [
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'info', projected: { sources: [{ downwardAPI: { items: [{ path: 'mem', resourceFieldRef: { containerName: 'vllm', resource: 'limits.memory', divisor: '1Mi' } }] } }, { configMap: { name: 'extra' } }] } },
    ],
    volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'info', mountPath: '/etc/info', readOnly: true }],
    envFrom: [{ configMapRef: { name: 'extra-env' }, prefix: 'X_' }],
  },
};

export const poolProps = {
  gpusPerNode: 8,
  nodes: 2,
  gpuProduct: 'NVIDIA-A100-SXM4-80GB',
  nodeSelector: { 'cloud.example.com/pool': 'gpu' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
  gpuResource: 'nvidia.com/gpu',
};

describe('VllmModel', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile props: only ValidationErrors naming the model; output read alike by PyYAML and js-yaml; Secrets only as secretKeyRef', () => {
    fc.assert(fc.property(mutations, (ms) => {
      const outcome = runApp((app) => {
        new VllmModel(new Chart(app, 'c', { namespace: 'llm' }), 'model', mutate(modelProps, ms) as any);
      }, ['c/model']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/model');
    }), fuzzParameters());
    batch.check();
    tally.expectBoth('VllmModel', 0.1, batch);
  });
});

describe('GpuNodePool', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile pool props, with a model placed on it: only ValidationErrors naming the pool or the model', () => {
    fc.assert(fc.property(mutations, fc.constantFrom(1, 2, 8), (ms, tp) => {
      const outcome = runApp((app) => {
        const chart = new Chart(app, 'c', { namespace: 'llm' });
        const pool = new GpuNodePool(chart, 'pool', mutate(poolProps, ms) as any);
        new VllmModel(chart, 'model', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'dev', tensorParallelSize: tp, nodePool: pool });
      }, ['c/pool', 'c/model']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/pool');
    }), fuzzParameters(0.5));
    batch.check();
    tally.expectBoth('GpuNodePool', 0.05, batch);
  });
});
