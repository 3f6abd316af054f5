import { LlamaStackProps } from '../../src';

/**
 * A starter stack that may run several pods: no state in a pod (Llama Stack 0.7.1 keeps SQLite files,
 * faiss and sqlite-vec indexes and localfs uploads per pod): Redis and PostgreSQL backends, the in-pod
 * vector stores and local files replaced by pgvector and S3 (MinIO in the cluster).
 */
export const multiPod: LlamaStackProps = {
  distribution: { name: 'starter' },
  storage: {
    kv: { type: 'redis', host: 'redis.state.svc' },
    sql: { type: 'postgres', host: 'pg.state.svc', user: 'llama', db: 'llama', password: { name: 'pg', key: 'password' } },
  },
  providers: {
    vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://pg.state.svc:5432', settings: { db: 'llama', user: 'llama' }, secretRefs: { password: { name: 'pg', key: 'password' } } }],
    files: [{ id: 's3', provider: 's3', endpoint: 'http://minio.state.svc:9000', settings: { bucket_name: 'files' } }],
  },
  disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
};
