// The inputs of the benchmarks (npm run bench), apart so that test/bench.test.ts can check they are valid.
import { LlamaStackProps, ModelSpec } from '../src';
import { ConfigInput } from '../src/config/generate';

const secret = (name: string, key: string) => ({ name, key });

export const small: LlamaStackProps = {
  distribution: { name: 'starter' },
  providers: {
    inference: [{ provider: 'vllm', endpoint: 'http://llama-8b.models.svc:8000/v1', apiKey: secret('vllm-creds', 'token') }],
  },
  resources: { models: [{ name: 'meta-llama/Llama-3.1-8B-Instruct' }] },
};

const vllm = (n: number) => ({
  provider: 'vllm', id: `vllm-${n}`, endpoint: `http://llm-${n}.models.svc:8000/v1`, apiKey: secret(`vllm-${n}`, 'token'),
});
const models = (count: number, providers: number): ModelSpec[] => Array.from({ length: count }, (_, i) => ({
  name: `model-${i}`, provider: `vllm-${i % providers}`, providerModelId: `org/model-${i}`, contextLength: 8192,
}));

export const medium: ConfigInput = {
  distribution: { name: 'starter' },
  providers: {
    inference: [0, 1, 2].map(vllm),
    safety: [{ provider: 'llama-guard' }],
    vectorIo: [{ provider: 'remote::chromadb', endpoint: 'http://chroma.db.svc:8000' }],
  },
  resources: { models: models(10, 3) },
  storage: {
    sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: secret('pg', 'password') },
    kv: { type: 'redis', host: 'redis.db.svc' },
  },
};

export const large: ConfigInput = {
  distribution: { name: 'starter' },
  providers: {
    inference: [...[0, 1, 2, 3].map(vllm), { provider: 'inline::sentence-transformers', id: 'embeddings' }],
    safety: [{ provider: 'llama-guard' }],
    vectorIo: [
      { provider: 'remote::chromadb', id: 'chromadb', endpoint: 'http://chroma.db.svc:8000' },
      {
        provider: 'pgvector',
        id: 'pgvector',
        endpoint: 'postgresql://pgvector.db.svc:5432',
        settings: { db: 'vectors', user: 'llama' },
        secretRefs: { password: secret('pgvector', 'password') },
      },
    ],
    toolRuntime: [{ provider: 'tavily-search', apiKey: secret('tavily', 'api-key') }],
    files: [{ provider: 'localfs' }],
  },
  resources: {
    models: [
      ...models(46, 4),
      // The guard model the shield checks with (Llama Guard calls it through the inference API).
      { name: 'meta-llama/Llama-Guard-3-8B', provider: 'vllm-0' },
      ...[0, 1, 2, 3].map((i): ModelSpec => ({
        name: `embed-${i}`,
        provider: 'embeddings',
        providerModelId: 'nomic-ai/nomic-embed-text-v1.5',
        modelType: 'embedding',
        embeddingDimension: 768,
      })),
    ],
    shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }],
    tools: ['builtin::websearch'],
  },
  storage: {
    sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: secret('pg', 'password') },
    kv: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama_kv', password: secret('pg', 'password') },
  },
  disabled: ['eval'],
};

/** Stack i of the synth benchmark: like `small`, with its own endpoint and model (no two configs alike). */
export function stackProps(i: number): LlamaStackProps {
  return {
    ...small,
    providers: { inference: [{ provider: 'vllm', endpoint: `http://llama-${i}.models.svc:8000/v1`, apiKey: secret('vllm-creds', 'token') }] },
    resources: { models: [{ name: `org/model-${i}` }] },
  };
}

