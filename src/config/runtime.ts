/**
 * Checks taken from the Llama Stack 0.7.1 runtime: what the server would refuse at start-up, or fail on
 * every request, although the config is valid against the schemas. Each names the upstream code in its test.
 */
import { GenerationContext, ProviderEntry } from './context';
import { resolveEnv } from './destinations';
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
function sourceOf(ctx: GenerationContext, api: string, index: number, entry: ProviderEntry, field: string, env: ReadonlyMap<string, string | undefined>): string {
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
      const id = typeof entry.provider_id === 'string' ? resolveEnv(entry.provider_id, env) : undefined;
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
