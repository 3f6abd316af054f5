/**
 * Checks taken from the Llama Stack 0.7.1 runtime: what the server would refuse at start-up, or fail on
 * every request, although the config is valid against the schemas. Each names the upstream code in its test.
 */
import { GenerationContext, ProviderEntry } from './context';
import { resolvedProviderId, resolveEnv } from './destinations';
import { idOf } from './placeholders';
import { isObject } from './schema';

/**
 * Providers whose OpenAI client uses the URL as the API root (`OpenAIMixin.get_base_url` returns
 * `config.base_url` as is), and whose servers serve that API under `/v1`: a URL without it sends
 * `/chat/completions` to the server's root, which answers 404.
 */
const API_ROOT_V1: Record<string, string> = {
  'remote::vllm': 'vLLM serves its OpenAI API under /v1',
  'remote::ollama': "Ollama's OpenAI-compatible API is under /v1",
  'remote::llama-cpp-server': "llama.cpp's server serves its OpenAI API under /v1",
  'remote::openai': 'the OpenAI API (and compatible gateways) is under /v1',
};

/** Providers whose adapter's `initialize()` raises when the URL is empty, so the server never starts. */
const URL_REQUIRED_AT_START: Record<string, string> = {
  'remote::vllm': 'VLLMInferenceAdapter.initialize() raises "You must provide a URL in config.yaml (or via the VLLM_URL environment variable) to use vLLM."',
};

/** Where a provider entry of the final config came from, for messages. */
function sourceOf(
  ctx: GenerationContext, api: string, index: number, entry: ProviderEntry, field: string, env: ReadonlyMap<string, string | undefined>,
): string {
  const id = idOf(entry.provider_id)?.id;
  const user = ctx.userProviders.find((u) => u.api === api && u.id === id);
  if (user) return `${user.path}.endpoint`;
  const value = isObject(entry.config) ? entry.config[field] : undefined;
  const variable = typeof value === 'string' ? /\$\{env\.([A-Za-z0-9_]+)/.exec(value)?.[1] : undefined;
  const where = `providers.${api}[${index}] '${id ?? String(entry.provider_id)}' of the base config`;
  return variable && env.has(variable) ? `env.${variable} (${where})` : `distribution (${where})`;
}

/**
 * Every enabled provider of the final config (its ID resolves to a non-empty value with the container's
 * env) whose URL the runtime would refuse: an API root without `/v1`, or no URL where one is required.
 */
export function checkProviderUrls(ctx: GenerationContext, env: ReadonlyMap<string, string | undefined>): void {
  for (const [api, list] of Object.entries((ctx.config.providers ?? {}) as Record<string, ProviderEntry[]>)) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      const type = entry.provider_type;
      if (!(type in API_ROOT_V1) && !(type in URL_REQUIRED_AT_START)) return;
      const id = resolvedProviderId(entry, env);
      if (id === '' || id === undefined) return; // off, or only known at run time
      const raw = isObject(entry.config) ? entry.config.base_url : undefined;
      const url = typeof raw === 'string' ? resolveEnv(raw, env) : raw === undefined || raw === null ? '' : undefined;
      const source = sourceOf(ctx, api, i, entry, 'base_url', env);
      const user = ctx.userProviders.find((u) => u.api === api && u.id === id);
      if (user && ctx.issues.hasIssuesAt(user.path)) return; // its endpoint is already reported
      if (url === '' && type in URL_REQUIRED_AT_START) {
        ctx.issues.add(
          `${type} provider '${id}' is enabled but has no URL, so the server would not start (${URL_REQUIRED_AT_START[type]})`,
          user
            ? 'give endpoint (e.g. model.asInferenceProvider())'
            : `point it at the model server: providers: { ${api === 'inference' ? 'inference' : api}: model.asInferenceProvider({ id: '${id}' }) }, or set the variable its base_url reads`,
          source,
        );
        return;
      }
      if (typeof url !== 'string' || url === '' || !(type in API_ROOT_V1)) return;
      let path: string;
      try {
        path = new URL(url).pathname;
      } catch {
        return; // reported where the URL was given
      }
      if (!/\/v1\/?$/.test(path)) {
        ctx.issues.add(
          `'${url}' does not end in /v1: ${type} uses it as the OpenAI API root and sends requests to <url>/chat/completions, which the server answers with 404 (${API_ROOT_V1[type]})`,
          `write it as ${url.replace(/\/+$/, '')}/v1`,
          source,
        );
      }
    });
  }
}

/**
 * Inline vector stores keep their index in the pod: faiss keeps every index it has loaded in a per-process
 * cache (`FaissVectorIOAdapter.cache`, filled at initialize() and on a miss, never refreshed); sqlite-vec,
 * Milvus Lite, inline Chroma and Qdrant write files under their db_path.
 */
const IN_POD_VECTOR_STORES = ['inline::faiss', 'inline::sqlite-vec', 'inline::milvus', 'inline::chromadb', 'inline::qdrant'];

/** State the server keeps in its own pod (or in files on its volume), found in the final config. */
export interface PodState {
  /** Where it is configured, for messages. */
  readonly where: string;
  /** What it is. */
  readonly what: string;
  /**
   * `sqlite`: a SQLite file on the data volume (never safe from several pods: its locks do not work on
   * network file systems); `directory`: plain files, shared by pods on a ReadWriteMany volume; `memory`:
   * in the server process, never shared.
   */
  readonly kind: 'sqlite' | 'directory' | 'memory';
  /** What to do instead. */
  readonly fix: string;
}

/** Every piece of state of the final config that lives in one pod or one file: SQLite backends, inline vector stores, local files. */
export function podState(config: Record<string, unknown>, env: ReadonlyMap<string, string | undefined>): PodState[] {
  const out: PodState[] = [];
  const storage = isObject(config.storage) ? config.storage : {};
  const backends = isObject(storage.backends) ? storage.backends : {};
  for (const [name, b] of Object.entries(backends)) {
    if (isObject(b) && (b.type === 'kv_sqlite' || b.type === 'sql_sqlite')) {
      out.push({
        where: `storage.backends.${name}`,
        what: `the ${b.type} backend '${name}' (${b.type === 'kv_sqlite' ? 'the resource registry and key-value stores' : 'conversations, responses and file metadata'})`,
        kind: 'sqlite',
        fix: `put storage.${b.type === 'kv_sqlite' ? 'kv' : 'sql'} on PostgreSQL${b.type === 'kv_sqlite' ? ' or Redis' : ''}`,
      });
    }
  }
  const providers = isObject(config.providers) ? config.providers : {};
  for (const [api, list] of Object.entries(providers)) {
    if (!Array.isArray(list)) continue;
    list.forEach((p: ProviderEntry, i) => {
      const id = resolvedProviderId(p, env);
      if (id === '') return; // off
      const where = `providers.${api}[${i}] '${id ?? String(p.provider_id)}'`;
      if (api === 'vector_io' && IN_POD_VECTOR_STORES.includes(p.provider_type)) {
        out.push({
          where,
          what: p.provider_type === 'inline::faiss'
            ? 'the vector store inline::faiss, which caches each index in its process (chunks inserted through one process are not seen by the others until they restart)'
            : `the vector store ${p.provider_type}, whose index is a file in the pod`,
          kind: p.provider_type === 'inline::faiss' ? 'memory' : 'sqlite',
          fix: `use a vector store with a server (pgvector, qdrant, chromadb) and add 'vectorIo/${id}' to disabled`,
        });
      } else if (api === 'files' && p.provider_type === 'inline::localfs') {
        out.push({ where, what: 'the files provider inline::localfs, which stores uploads in a local directory', kind: 'directory', fix: `use remote::s3 for files and add 'files/${id}' to disabled, or a ReadWriteMany workload.storage volume` });
      }
    });
  }
  return out;
}
