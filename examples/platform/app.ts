import { App } from 'cdk8s';
import { ModelPlatform } from '../../src';

/**
 * Three environments of one platform: the same models, stack and registry entries in llm-dev,
 * llm-staging and llm-prod, differing only in the declared overrides; Argo CD syncs development and
 * staging on every commit and production when someone presses Sync.
 */
export function platform(app: App): ModelPlatform {
  const p = new ModelPlatform(app, 'llm', {
    environments: {
      development: { namespace: 'llm-dev', overrides: { replicas: 1, secretNames: { hf: 'hf-dev' } } },
      staging: { namespace: 'llm-staging', quota: { gpus: 8, cpu: '64', memory: '512Gi' } },
      production: {
        namespace: 'llm-prod',
        sync: 'manual',
        gpuPool: { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: 2 },
        overrides: { modelReplicas: { 'llama-8b': 2 }, stackReplicas: { assistant: 3 }, hostnames: { assistant: 'assistant.example.com' } },
        quota: { gpus: 16 },
      },
    },
    gitops: { repoURL: 'https://git.example.com/platform/llm.git', path: 'dist', targetRevision: 'main' },
    registry: {
      database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'registry-db.db.svc.cluster.local', port: 5432 },
      healthCheck: { schedule: '*/2 * * * *' },
    },
  });
  p.addModel('llama-8b', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    maxModelLen: 8192,
    hfToken: { name: 'hf', key: 'token' },
    cache: { size: '100Gi', accessMode: 'ReadWriteMany' },
  });
  p.addModel('qwen-small', { model: 'Qwen/Qwen2.5-0.5B-Instruct', servedModelName: 'qwen-small', disabledIn: ['production'] });
  // Production runs three stack pods, so no state may live in a pod: PostgreSQL, Redis, pgvector and S3
  // (MinIO), each reached as a Service of the environment's own namespace.
  p.addStack('assistant', {
    distribution: { name: 'starter' },
    models: ['llama-8b', 'qwen-small'],
    storage: {
      kv: { type: 'redis', host: 'redis' },
      sql: { type: 'postgres', host: 'postgres', user: 'assistant', db: 'assistant', password: { name: 'postgres', key: 'password' } },
    },
    providers: {
      vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://postgres:5432', settings: { db: 'assistant', user: 'assistant' }, secretRefs: { password: { name: 'postgres', key: 'password' } } }],
      files: [{ id: 's3', provider: 's3', endpoint: 'http://minio:9000', settings: { bucket_name: 'assistant-files' } }],
    },
    disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
    networking: { expose: { hostname: 'assistant.dev.example.com' } },
  });
  return p;
}
