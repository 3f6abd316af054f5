/**
 * vectorStores -> vector_stores, checked as Llama Stack 0.7.1 checks it at start-up: core/stack.py
 * validate_vector_stores_config -> _validate_embedding_model looks `<provider_id>/<model_id>` up among the
 * models of type embedding (raising "Embedding model '...' not found") and needs an embedding dimension;
 * _validate_reranker_model likewise for rerank models. Remote providers (OpenAIMixin) list a server's models
 * as llm, so a vLLM embedding model must be registered with modelType embedding.
 */
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, VllmModel } from '../../src';
import { generateConfig } from '../../src/config/generate';
import { configIssues } from '../support/config';

const starter = { name: 'starter' };
const embedder = { inference: [{ id: 'embed', provider: 'vllm', endpoint: 'http://embed.models.svc:8000/v1' }] };

const errors = configIssues;

test('defaults of a registered vLLM embedding model and a pgvector store', () => {
  const out = generateConfig({
    distribution: starter,
    providers: {
      ...embedder,
      vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v', user: 'u' } }],
    },
    resources: { models: [{ name: 'bge', provider: 'embed', providerModelId: 'BAAI/bge-m3', modelType: 'embedding', embeddingDimension: 1024 }] },
    vectorStores: { defaultProvider: 'rag', embeddingModel: { provider: 'embed', model: 'BAAI/bge-m3' } },
  });
  const vs = (yaml.load(out.yaml!) as any).vector_stores;
  expect(vs.default_provider_id).toBe('rag');
  expect(vs.default_embedding_model).toEqual({ provider_id: 'embed', model_id: 'BAAI/bge-m3' });
  // The rest of the base's block is kept.
  expect(vs.default_reranker_model).toEqual({ provider_id: 'transformers', model_id: 'Qwen/Qwen3-Reranker-0.6B' });
});

test('what the server would refuse at start-up is an error', () => {
  expect(errors({
    distribution: starter,
    providers: embedder,
    resources: { models: [{ name: 'llm-one', provider: 'embed' }] },
    vectorStores: { defaultProvider: 'nope', embeddingModel: { provider: 'embed', model: 'llm-one' }, rerankerModel: { provider: 'ghost', model: 'r' } },
  })).toEqual([
    "vectorStores.defaultProvider: no vector_io provider 'nope'",
    "vectorStores.embeddingModel.model: 'embed/llm-one' is not registered as an embedding model, so the server would not start (\"Embedding model 'embed/llm-one' not found\")",
    "vectorStores.rerankerModel.provider: no inference provider 'ghost'",
  ]);
  const inferenceOnly = 'version: 2\ndistro_name: x\napis: [inference]\nproviders:\n  inference: []\n';
  expect(errors({ distribution: { image: 'a/b:1', baseConfig: inferenceOnly }, vectorStores: { defaultProvider: 'faiss' } })).toEqual(['vectorStores: the config serves no vector_io API']);
});

test('a VllmModel serving embeddings is registered as an embedding model and can be the default', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const bge = new VllmModel(chart, 'bge', { model: 'BAAI/bge-m3', parameters: '568M', environment: 'prod' });
  const stack = new LlamaStack(chart, 'stack', {
    distribution: starter,
    providers: { inference: [bge.asInferenceProvider({ modelType: 'embedding', embeddingDimension: 1024 })] },
    vectorStores: { embeddingModel: { provider: 'bge', model: 'BAAI/bge-m3' } },
  });
  const config = yaml.load(stack.configYaml!) as any;
  expect(config.registered_resources.models).toContainEqual({
    model_id: 'BAAI/bge-m3', provider_id: 'bge', provider_model_id: 'BAAI/bge-m3', model_type: 'embedding', metadata: { embedding_dimension: 1024 },
  });
  // The reranker is still the starter's download: warned, since the NetworkPolicy blocks the internet.
  expect(stack.warnings.map((w) => `${w.code} ${w.path}`)).toEqual(['download-blocked vectorStores.rerankerModel']);
});

test('the starter\'s defaults download from the Hub: a warning without internet egress, none with it', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const closed = new LlamaStack(chart, 'a', { distribution: starter });
  expect(closed.warnings.map((w) => w.message)).toEqual([
    'the default embedding model nomic-ai/nomic-embed-text-v1.5 (inline::sentence-transformers) is downloaded from the Hugging Face Hub on first use, but the NetworkPolicy blocks the internet: the first vector store request would fail',
    'the default reranker Qwen/Qwen3-Reranker-0.6B (inline::transformers) is downloaded from the Hugging Face Hub on first use, but the NetworkPolicy blocks the internet: the first vector store request would fail',
  ]);
  expect(new LlamaStack(chart, 'b', { distribution: starter, networking: { allowInternetEgress: true } }).warnings).toEqual([]);
});
