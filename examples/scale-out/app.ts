import { App, Chart } from 'cdk8s';
import { GpuNodePool, LlamaStack, LoraSource, ModelRegistry, ModelRegistryEntry, VllmModel } from '../../src';

/** The Prometheus server KEDA's operator queries (kube-prometheus-stack's Service in `monitoring`). */
export const PROMETHEUS = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';

/** The commit the SQL adapter is pinned to (downloaded by the model's lora-download init container). */
export const SQL_ADAPTER_COMMIT = '0dfa347e8877a4d4ed19ee56c140fa518470028c';

/**
 * An autoscaled 8B model with two LoRA adapters behind a Llama Stack: KEDA adds pods when requests queue up (more than 5 waiting
 * per pod) or the KV cache fills (above 80% per pod), between 2 and 6 pods; scale-in waits the model's
 * 15-minute startup budget; a PodDisruptionBudget lets a node drain take one pod at a time. The pool is
 * checked for the maximum, 6 pods. Every pod also serves two LoRA adapters, `sql` (a Hugging Face repository
 * pinned to a commit) and `support` (staged on the shared cache volume): the stack registers both as models,
 * and the registry has an entry for each. KEDA and the prometheus-operator CRDs must be installed; Secrets `hf`,
 * `vllm-creds`, `pg` and `registry-db` are expected in the namespace.
 */
export function scaleOut(app: App): Chart {
  const chart = new Chart(app, 'scale-out', { namespace: 'llm' });
  const pool = new GpuNodePool(chart, 'l40s', { gpuProduct: 'NVIDIA-L40S', gpusPerNode: 4, nodes: 2 });
  const llama = new VllmModel(chart, 'llama-8b', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    servedModelName: 'llama-3.1-8b',
    environment: 'production',
    maxModelLen: 8192,
    maxNumSeqs: 64,
    nodePool: pool,
    hfToken: { name: 'hf', key: 'token' },
    apiKey: { name: 'vllm-creds', key: 'token' },
    // Every replica reads the same weights: a volume many pods can mount.
    cache: { size: '100Gi', accessMode: 'ReadWriteMany' },
    // Clients ask for 'sql' or 'support' as models; rank 16 is vLLM's default --max-lora-rank.
    loraAdapters: [
      { name: 'sql', source: LoraSource.huggingFace('org/llama-3.1-8b-sql-lora', { revision: SQL_ADAPTER_COMMIT }), rank: 16 },
      { name: 'support', source: LoraSource.cachePath('/cache/adapters/support'), rank: 16 },
    ],
    autoscaling: {
      minReplicas: 2,
      maxReplicas: 6,
      prometheusAddress: PROMETHEUS,
      waitingRequestsThreshold: 5,
      kvCacheUsageThreshold: 0.8,
    },
  });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: llama.asInferenceProvider() },
    storage: {
      sql: {
        type: 'postgres',
        connectionString: 'postgresql://llama@pg.db.svc:5432/llama',
        password: { name: 'pg', key: 'password' },
      },
    },
  });
  const registry = new ModelRegistry(chart, 'registry', {
    database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' },
    healthCheck: { schedule: '*/2 * * * *' },
  });
  new ModelRegistryEntry(chart, 'llama-8b-entry', { registry, model: llama });
  for (const adapter of ['sql', 'support']) new ModelRegistryEntry(chart, `${adapter}-entry`, { registry, model: llama, adapter });
  return chart;
}
