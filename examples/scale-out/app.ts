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
  // A model larger than one node: Llama 3.1 405B in FP8 over two 8-GPU nodes, vLLM's native multi-node mode in
  // a LeaderWorkerSet (the LWS controller must be installed). Each pod holds 8 GPUs: tensorParallelSize 8 within
  // a node, pipelineParallelSize 2 across the two. The Service (and so the stack) reaches the group's leader; the
  // pool is checked for both pods at once, on different nodes.
  const h100 = new GpuNodePool(chart, 'h100', { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: 2 });
  const llama405b = new VllmModel(chart, 'llama-405b', {
    model: 'meta-llama/Llama-3.1-405B-Instruct-FP8',
    servedModelName: 'llama-3.1-405b',
    environment: 'production',
    nodes: 2,
    tensorParallelSize: 8,
    pipelineParallelSize: 2,
    maxModelLen: 16384,
    nodePool: h100,
    hfToken: { name: 'hf', key: 'token' },
    apiKey: { name: 'vllm-creds', key: 'token' },
    // Both nodes of the group read the same weights (about 400 GiB): a volume pods on several nodes can mount.
    cache: { size: '1Ti', accessMode: 'ReadWriteMany' },
  });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: [llama.asInferenceProvider(), llama405b.asInferenceProvider()] },
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
