// Synth time of a three-environment platform with 20 models, 5 stacks and a registry (issue 7's shape),
// against the same objects as raw ApiObjects.
import { App } from 'cdk8s';
import { compareWithBaseline, SynthComparison } from './util';
import { ModelPlatform } from '../src';

/** The bench app; test/bench.test.ts synthesizes it once, so the bench cannot break unnoticed. */
export function build(app: App): void {
  const p = new ModelPlatform(app, 'llm', {
    environments: {
      development: { namespace: 'llm-dev', overrides: { replicas: 1 } },
      staging: { namespace: 'llm-staging' },
      production: { namespace: 'llm-prod', gpuPool: { gpusPerNode: 8, nodes: 8 }, overrides: { replicas: 2 } },
    },
    gitops: { repoURL: 'https://git.example.com/platform/llm.git' },
    registry: { database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' } },
  });
  for (let i = 0; i < 20; i++) {
    p.addModel(`model-${i}`, { model: `org/model-${i}-8B-Instruct`, cache: { size: '100Gi', accessMode: 'ReadWriteMany' } });
  }
  for (let s = 0; s < 5; s++) {
    // Production runs 2 pods of each stack: no state in a pod (Services of each environment's namespace).
    p.addStack(`stack-${s}`, {
      distribution: { name: 'starter' },
      models: [0, 1, 2, 3].map((j) => `model-${s * 4 + j}`),
      storage: { kv: { type: 'redis', host: 'redis' }, sql: { type: 'postgres', host: 'postgres', user: `stack${s}`, db: `stack${s}` } },
      providers: {
        vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://postgres:5432', settings: { db: `stack${s}`, user: `stack${s}` } }],
        files: [{ id: 's3', provider: 's3', endpoint: 'http://minio:9000', settings: { bucket_name: `stack${s}` } }],
      },
      disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
    });
  }
}

export function benchPlatform(): SynthComparison {
  return compareWithBaseline(build, 10, 2);
}
