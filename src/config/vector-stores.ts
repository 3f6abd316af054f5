/**
 * `vectorStores` -> the top-level `vector_stores` block of 0.7.1 (VectorStoresConfig): the default vector
 * store provider, embedding model and reranker, checked as the server checks them at start-up
 * (core/stack.py validate_vector_stores_config) and against what the NetworkPolicy lets them download.
 */
import { GenerationContext, ProviderEntry } from './context';
import { resolvedProviderId } from './destinations';
import { checkUserString, literalOnly } from './env-refs';
import { idOf } from './placeholders';
import { registeredModels } from './resources';
import { isObject } from './schema';
import { VectorStoresSpec } from './types';
import { Finding, WarningCode } from '../core/warnings';

/** Inline providers that fetch their model from the Hugging Face Hub on first use. */
const DOWNLOADS_MODEL = ['inline::sentence-transformers', 'inline::transformers'];

const VECTOR_STORES_FIELD = literalOnly('name the provider and model themselves');

function providerType(config: Record<string, any>, api: string, id: string): string | undefined {
  const list = (config.providers?.[api] ?? []) as ProviderEntry[];
  return list.find((p) => idOf(p.provider_id)?.id === id)?.provider_type;
}

export function applyVectorStores(ctx: GenerationContext, spec: VectorStoresSpec | undefined): void {
  if (spec === undefined) return;
  const issues = ctx.issues.at('vectorStores');
  const config = ctx.config;
  if (!Array.isArray(config.providers?.vector_io) || config.providers.vector_io.length === 0) {
    issues.add('the config serves no vector_io API', 'add providers.vectorIo, or remove vectorStores');
    return;
  }
  let literal = true;
  const strings: Array<[string, unknown]> = [
    ['defaultProvider', spec.defaultProvider],
    ['embeddingModel.provider', spec.embeddingModel?.provider], ['embeddingModel.model', spec.embeddingModel?.model],
    ['rerankerModel.provider', spec.rerankerModel?.provider], ['rerankerModel.model', spec.rerankerModel?.model],
  ];
  for (const [path, v] of strings) if (typeof v === 'string') literal = checkUserString(ctx, issues.at(path), v, VECTOR_STORES_FIELD) && literal;
  if (!literal) return;
  const block: Record<string, unknown> = isObject(config.vector_stores) ? config.vector_stores : (config.vector_stores = {});
  const models = registeredModels(config);
  if (spec.defaultProvider !== undefined) {
    if (providerType(config, 'vector_io', spec.defaultProvider) === undefined) {
      const ids = (config.providers.vector_io as ProviderEntry[]).map((p) => idOf(p.provider_id)?.id).filter((x) => x);
      issues.add(`no vector_io provider '${spec.defaultProvider}'`, `use one of: ${ids.join(', ')}`, 'defaultProvider');
    } else {
      block.default_provider_id = spec.defaultProvider;
    }
  }
  if (spec.embeddingModel !== undefined) {
    const m = spec.embeddingModel;
    const at = issues.at('embeddingModel');
    const identifier = `${m.provider}/${m.model}`;
    const type = providerType(config, 'inference', m.provider);
    const registered = models.get(identifier);
    const registeredDimension = isObject(registered?.metadata) ? registered.metadata.embedding_dimension : undefined;
    if (type === undefined) {
      at.add(`no inference provider '${m.provider}'`, 'use the id of an inference provider that serves the embedding model', 'provider');
    } else if (!DOWNLOADS_MODEL.includes(type) && (registered === undefined || (registered.model_type ?? 'llm') !== 'embedding')) {
      // Remote providers list their models as llm: an embedding model must be registered as one.
      at.add(
        `'${identifier}' is not registered as an embedding model, so the server would not start ("Embedding model '${identifier}' not found")`,
        'register it with modelType \'embedding\' and its embeddingDimension (resources.models, or asInferenceProvider({ modelType: \'embedding\', embeddingDimension }))',
        'model',
      );
    } else if (m.dimension === undefined && registeredDimension === undefined && !DOWNLOADS_MODEL.includes(type)) {
      at.add(`'${identifier}' has no embedding dimension`, 'give dimension, or embeddingDimension where the model is registered', 'dimension');
    }
    if (m.dimension !== undefined && (!Number.isInteger(m.dimension) || m.dimension <= 0)) {
      at.add(`dimension must be a positive integer, got ${m.dimension}`, 'e.g. 768', 'dimension');
    }
    const dimension = m.dimension !== undefined ? { embedding_dimensions: m.dimension } : {};
    block.default_embedding_model = { provider_id: m.provider, model_id: m.model, ...dimension };
  }
  if (spec.rerankerModel !== undefined) {
    const m = spec.rerankerModel;
    const at = issues.at('rerankerModel');
    const identifier = `${m.provider}/${m.model}`;
    const type = providerType(config, 'inference', m.provider);
    if (type === undefined) {
      at.add(`no inference provider '${m.provider}'`, 'use the id of an inference provider that serves the reranker', 'provider');
    } else if (!DOWNLOADS_MODEL.includes(type) && models.get(identifier)?.model_type !== 'rerank') {
      at.add(`'${identifier}' is not registered as a rerank model, so the server would not start ("Reranker model '${identifier}' not found")`, "register it with modelType 'rerank'", 'model');
    }
    block.default_reranker_model = { provider_id: m.provider, model_id: m.model };
  }
}

/**
 * The default embedding model and reranker of the final config, when their inline provider downloads them
 * from the Hugging Face Hub on first use (sentence-transformers, transformers), for a NetworkPolicy that
 * blocks the internet: RAG would fail at the first request. Warnings: the cache may hold the model already.
 */
export function modelDownloads(config: Record<string, any>, env: ReadonlyMap<string, string | undefined>): Finding[] {
  const block = config.vector_stores;
  if (!isObject(block) || !Array.isArray(config.providers?.vector_io) || config.providers.vector_io.length === 0) return [];
  const out: Finding[] = [];
  for (const key of ['default_embedding_model', 'default_reranker_model'] as const) {
    const m = block[key];
    if (!isObject(m) || typeof m.provider_id !== 'string') continue;
    const entry = ((config.providers?.inference ?? []) as ProviderEntry[]).find((p) => idOf(p.provider_id)?.id === m.provider_id);
    if (!entry || !DOWNLOADS_MODEL.includes(entry.provider_type)) continue;
    const id = resolvedProviderId(entry, env);
    if (id === '') continue; // the provider is off
    const what = key === 'default_embedding_model' ? 'embedding model' : 'reranker';
    out.push({
      code: WarningCode.DOWNLOAD_BLOCKED,
      path: `vectorStores.${propOf(key)}`,
      message: `the default ${what} ${String(m.model_id)} (${entry.provider_type}) is downloaded from the Hugging Face Hub on first use, but the NetworkPolicy blocks the internet: the first vector store request would fail`,
      hint: `serve it with a provider in the cluster (vectorStores.${propOf(key)}), or set networking.allowInternetEgress; acknowledge '${WarningCode.DOWNLOAD_BLOCKED}' if you do not use vector stores`,
    });
  }
  return out;
}

function propOf(key: 'default_embedding_model' | 'default_reranker_model'): string {
  return key === 'default_embedding_model' ? 'embeddingModel' : 'rerankerModel';
}
