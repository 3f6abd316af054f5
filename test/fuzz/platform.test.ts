/**
 * Fuzzing ModelPlatform (issue 13 §7): its props, a model's options and a stack's props, each a valid set with
 * hostile values put anywhere; see test/support/fuzz.ts for the values and the checks.
 */
import * as fc from 'fast-check';
import { ModelPlatform } from '../../src';
import { checkOutput, fuzzParameters, Mutation, mutate, mutations, runApp, secretRef, Tally, YamlBatch } from '../support/fuzz';

export const platformProps = {
  environments: {
    dev: { namespace: 'llm-dev', overrides: { replicas: 1, secretNames: { 'fzsec-hf': 'fzsec-hf-dev' } } },
    prod: {
      namespace: 'llm-prod',
      sync: 'manual',
      gpuPool: { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: 2 },
      overrides: { modelReplicas: { llama: 2 }, stackReplicas: { chat: 2 }, hostnames: { chat: 'chat.example.com' }, modelResources: { llama: { requests: { cpu: '4' } } } },
      quota: { gpus: 16, cpu: '64', memory: '512Gi' },
      targetRevision: 'v1',
    },
  },
  gitops: { repoURL: 'https://git.example.com/platform/llm.git', path: 'dist', targetRevision: 'main', project: 'default', argoNamespace: 'argocd' },
  registry: { database: { connectionString: secretRef('db'), host: 'registry-db.db.svc.cluster.local', port: 5432 }, healthCheck: { schedule: '*/2 * * * *' } },
};

export const modelOptions = {
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  maxModelLen: 8192,
  hfToken: secretRef('hf'),
  apiKey: secretRef('vllm'),
  cache: { size: '100Gi', accessMode: 'ReadWriteMany' },
  register: true,
  disabledIn: [],
};

export const stackOptions = {
  distribution: { name: 'starter' },
  models: ['llama'],
  storage: { kv: { type: 'redis', host: 'redis' }, sql: { type: 'postgres', host: 'postgres', user: 'chat', db: 'chat', password: secretRef('pg') } },
  disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
  providers: { vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://postgres:5432', settings: { db: 'chat', user: 'chat' }, secretRefs: { password: secretRef('pgv') } }], files: [{ id: 's3', provider: 's3', endpoint: 'http://minio:9000', settings: { bucket_name: 'chat-files' } }] },
  resources: { models: [{ name: 'extra', provider: 'llama', metadata: { note: 'x' } }] },
  networking: { expose: { hostname: 'chat.dev.example.com' } },
  env: { PLAIN_VAR: 'plain' },
  secretEnv: { SECRET_ENV: secretRef('env') },
};

/** Mutations of the three inputs: mostly of one of them, so the other two stay valid. */
const input = fc.oneof(
  fc.record({ platform: mutations, model: fc.constant<Mutation[]>([]), stack: fc.constant<Mutation[]>([]) }),
  fc.record({ platform: fc.constant<Mutation[]>([]), model: mutations, stack: fc.constant<Mutation[]>([]) }),
  fc.record({ platform: fc.constant<Mutation[]>([]), model: fc.constant<Mutation[]>([]), stack: mutations }),
  fc.record({ platform: mutations, model: mutations, stack: mutations }),
);

describe('ModelPlatform', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile platform props, model options and stack props: only ValidationErrors naming the platform or what it made; the output guarantees', () => {
    fc.assert(fc.property(input, ({ platform, model, stack }) => {
      const outcome = runApp((app) => {
        const p = new ModelPlatform(app, 'llm', mutate(platformProps, platform) as any);
        p.addModel('llama', mutate(modelOptions, model) as any);
        p.addStack('chat', mutate(stackOptions, stack) as any);
      }, ['llm', 'llm-dev', 'llm-prod', 'llm-argocd', 'dev', 'prod']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'llm');
    }), fuzzParameters(0.5));
    batch.check();
    tally.expectBoth('ModelPlatform', 0.05, batch);
  });
});
