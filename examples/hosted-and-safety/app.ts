import { App, Chart } from 'cdk8s';
import { LlamaStack } from '../../src';

/**
 * A stack that uses a hosted OpenAI-compatible API next to an in-cluster vLLM, a guard model for
 * safety, web search, and Redis + PostgreSQL state. Two replicas, so no state may live in a pod: vector
 * stores in pgvector (the starter's in-pod faiss and sqlite-vec are disabled) and files in S3. Callers from
 * the `web` namespace.
 */
export function hostedAndSafety(app: App): Chart {
  const chart = new Chart(app, 'hosted-and-safety', { namespace: 'assistants' });
  new LlamaStack(chart, 'assistant', {
    distribution: { name: 'starter' },
    providers: {
      inference: [
        { id: 'local', provider: 'vllm', endpoint: 'http://llama-70b.models.svc.cluster.local:8000/v1', settings: { max_tokens: 8192 } },
        { id: 'openai', provider: 'openai', apiKey: { name: 'openai', key: 'api-key' } },
        // The guard model Llama Guard calls through the inference API.
        { id: 'guard', provider: 'vllm', endpoint: 'http://llama-guard.models.svc.cluster.local:8000/v1', models: [{ name: 'meta-llama/Llama-Guard-3-8B' }] },
      ],
      safety: [{ provider: 'llama-guard' }],
      toolRuntime: [{ provider: 'tavily-search', apiKey: { name: 'tavily', key: 'api-key' } }],
      vectorIo: [{
        id: 'rag',
        provider: 'pgvector',
        endpoint: 'postgresql://pg.state.svc:5432',
        settings: { db: 'assistant', user: 'assistant' },
        secretRefs: { password: { name: 'pg', key: 'password' } },
      }],
      files: [{
        provider: 's3',
        settings: { bucket_name: 'assistant-files', region: 'eu-west-1' },
        secretRefs: { aws_access_key_id: { name: 's3', key: 'access-key-id' }, aws_secret_access_key: { name: 's3', key: 'secret-access-key' } },
      }],
    },
    resources: {
      models: [
        { name: 'llama-3.3-70b', providerModelId: 'meta-llama/Llama-3.3-70B-Instruct', contextLength: 131072 },
        { name: 'gpt-4o-mini', provider: 'openai' },
      ],
      // Checked with guard/meta-llama/Llama-Guard-3-8B, the model registered above.
      shields: [{ id: 'content-safety', provider: 'llama-guard', providerShieldId: 'meta-llama/Llama-Guard-3-8B' }],
      tools: ['builtin::websearch'],
    },
    storage: {
      kv: { type: 'redis', host: 'redis.state.svc' },
      sql: { type: 'postgres', host: 'pg.state.svc', user: 'assistant', db: 'assistant', password: { name: 'pg', key: 'password' } },
    },
    disabled: ['eval', 'vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
    networking: { allowedFrom: { namespaces: ['web'] }, allowInternetEgress: true },
    workload: { replicas: 2 },
  });
  return chart;
}
