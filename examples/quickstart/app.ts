import { App, Chart } from 'cdk8s';
import { GpuNodePool, LlamaStack, ModelRegistry, ModelRegistryEntry, VllmModel } from '../../src';

/**
 * The README's first example: a vLLM model server on a GPU node pool, and a Llama Stack server that uses
 * it, with its state in PostgreSQL, and the model registered for an API router. Secrets `hf` (Hugging Face
 * token), `vllm-creds` (the model's API key), `pg` and `registry-db` are expected in the namespace.
 */
export function quickstart(app: App): Chart {
  const chart = new Chart(app, 'quickstart', { namespace: 'llm' });
  const pool = new GpuNodePool(chart, 'a100', { gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpusPerNode: 8, nodes: 2 });
  const llama = new VllmModel(chart, 'llama-8b', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    environment: 'production',
    maxModelLen: 8192,
    nodePool: pool,
    hfToken: { name: 'hf', key: 'token' },
    apiKey: { name: 'vllm-creds', key: 'token' },
    cache: { size: '100Gi' },
    extraArgs: ['--enable-chunked-prefill'],
  });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: [llama.asInferenceProvider()] },
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
  return chart;
}
