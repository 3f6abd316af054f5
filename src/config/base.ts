/** Checks of the base config: its structure, the keys 0.7.1 reads, and secrets written into it. */
import { Catalog, REMOVED_APIS } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { idOf, placeholders } from './placeholders';
import { isObject } from './schema';
import { didYouMean } from '../core/errors';
import { WarningCode } from '../core/warnings';

/** Keys 0.7.1 reads but that upstream configs still carry; dropped so the file says only what is used. */
const IGNORED_KEYS: Record<string, string> = {
  'registered_resources.vector_dbs': 'renamed vector_stores in Llama Stack 0.3; 0.7.1 ignores it',
};

/** StackConfig's top-level fields in 0.7.1 (plus logging_config, which the server reads raw). */
const STACK_CONFIG_KEYS = [
  'version', 'distro_name', 'image_name', 'container_image', 'apis', 'providers', 'storage', 'registered_resources',
  'logging', 'logging_config', 'server', 'external_providers_dir', 'external_apis_dir', 'vector_stores', 'safety', 'connectors',
];
const REGISTERED_RESOURCE_KEYS = ['models', 'shields', 'vector_stores', 'datasets', 'scoring_fns', 'benchmarks', 'tool_groups'];

/**
 * The shape the later steps rely on, and what 0.7.1 checks at start-up: known APIs, provider entries with
 * a provider type that exists for their API (external ones, with `module`, excepted), resource lists.
 */
export function checkBaseStructure(ctx: GenerationContext): boolean {
  const at = ctx.issues.at('distribution.baseConfig');
  const before = ctx.issues.issues.length;
  const catalog = Catalog.get();
  if (ctx.config.apis !== undefined && (!Array.isArray(ctx.config.apis) || ctx.config.apis.some((a: unknown) => typeof a !== 'string'))) {
    at.add("'apis' must be a list of API names", 'e.g. apis: [inference, safety]');
  }
  for (const [api, list] of Object.entries(ctx.config.providers as Record<string, unknown>)) {
    if (!catalog.isApi(api)) {
      at.add(`providers.${api}: ${REMOVED_APIS[api] ?? `'${api}' is not an API of Llama Stack 0.7.1`}`, didYouMean(api, catalog.apis) ?? `APIs: ${catalog.apis.join(', ')}`);
      continue;
    }
    if (!Array.isArray(list)) {
      at.add(`providers.${api} must be a list of providers`, 'e.g. - provider_id: x\n  provider_type: remote::x');
      continue;
    }
    list.forEach((p, i) => {
      if (!isObject(p) || typeof p.provider_type !== 'string') {
        at.add(`providers.${api}[${i}] must be a provider entry with provider_type`, 'e.g. { provider_id: vllm, provider_type: remote::vllm }');
      } else if (!p.module && !catalog.provider(api, p.provider_type)) {
        at.add(`providers.${api}[${i}]: unknown provider type '${p.provider_type}' for ${api}`, didYouMean(p.provider_type, catalog.providerTypes(api)) ?? `types: ${catalog.providerTypes(api).join(', ')}`);
      } else if (p.config !== undefined && p.config !== null && !isObject(p.config)) {
        at.add(`providers.${api}[${i}].config must be a mapping`, undefined);
      }
    });
  }
  const reg = ctx.config.registered_resources;
  if (reg !== undefined && !isObject(reg)) at.add("'registered_resources' must be a mapping", undefined);
  for (const [key, list] of Object.entries(isObject(reg) ? reg : {})) {
    if (!Array.isArray(list) || list.some((r) => !isObject(r))) at.add(`registered_resources.${key} must be a list of mappings`, undefined);
  }
  for (const key of ['storage', 'server', 'safety', 'vector_stores']) {
    if (ctx.config[key] !== undefined && ctx.config[key] !== null && !isObject(ctx.config[key])) at.add(`'${key}' must be a mapping`, undefined);
  }
  return ctx.issues.issues.length === before;
}

/** Llama Stack ignores unknown top-level keys; known dead ones are dropped, others are errors. */
export function checkStackKeys(ctx: GenerationContext): void {
  const at = ctx.issues.at('distribution.baseConfig');
  for (const key of Object.keys(ctx.config)) {
    if (!STACK_CONFIG_KEYS.includes(key)) {
      at.add(`unknown top-level key '${key}' (Llama Stack 0.7.1 would ignore it)`, didYouMean(key, STACK_CONFIG_KEYS) ?? 'remove it');
    }
  }
  const reg = ctx.config.registered_resources;
  if (!isObject(reg)) return;
  for (const key of Object.keys(reg)) {
    const reason = IGNORED_KEYS[`registered_resources.${key}`];
    if (reason) {
      const dropped = reg[key];
      delete reg[key];
      // The shipped base configs carry an empty vector_dbs: dropping nothing is not worth a warning.
      const empty = dropped === null || (Array.isArray(dropped) && dropped.length === 0) || (isObject(dropped) && Object.keys(dropped).length === 0);
      if (!empty) ctx.warn(WarningCode.BASE_RESOURCE_DROPPED, '', `dropped registered_resources.${key} from the base config: ${reason}`);
    } else if (!REGISTERED_RESOURCE_KEYS.includes(key)) {
      at.add(`unknown key 'registered_resources.${key}' (Llama Stack 0.7.1 would ignore it)`, didYouMean(key, REGISTERED_RESOURCE_KEYS) ?? 'remove it');
    }
  }
}

/** A literal in a secret field of a base provider would sit in the ConfigMap: refuse it. */
export function checkBaseSecrets(ctx: GenerationContext): void {
  const catalog = Catalog.get();
  const user = new Set(ctx.userProviders.map((u) => `${u.api}/${u.id}`));
  for (const [api, list] of Object.entries(ctx.config.providers as Record<string, ProviderEntry[]>)) {
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      if (user.has(`${api}/${idOf(p.provider_id)?.id}`)) return;
      const cat = catalog.provider(api, p.provider_type);
      if (!cat || !isObject(p.config)) return;
      for (const f of cat.fields) {
        const v = p.config[f.name];
        // Upstream bases carry placeholder defaults such as ${env.VLLM_API_TOKEN:=fake}; only plain literals count here.
        if (f.secret && typeof v === 'string' && v.length > 0 && placeholders(v).length === 0) {
          ctx.issues.add(
            `the base config has a literal secret at providers.${api}[${i}].config.${f.name}`,
            'write it as ${env.NAME} in the base config and pass NAME through env from a Secret',
            'distribution.baseConfig',
          );
        }
      }
    });
  }
  const backends = isObject(ctx.config.storage) && isObject(ctx.config.storage.backends) ? ctx.config.storage.backends : {};
  for (const [name, b] of Object.entries(backends)) {
    if (isObject(b) && typeof b.password === 'string' && b.password.length > 0 && placeholders(b.password).length === 0) {
      ctx.issues.add(
        `the base config has a literal password at storage.backends.${name}.password`,
        'write it as ${env.NAME} in the base config and pass NAME through env from a Secret, or give storage.sql/kv with password from a Secret',
        'distribution.baseConfig',
      );
    }
  }
}
