import { Catalog, REMOVED_APIS } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { idOf } from './placeholders';
import { PROVIDER_APIS } from './providers';
import { isObject } from './schema';
import { didYouMean, IssueCollector } from '../core/errors';
import { toCamelCase, toSnakeCase } from '../core/names';
import { compareStrings } from '../core/order';
import { WarningCode } from '../core/warnings';

/** Top-level blocks that only make sense while an API is served. */
const BLOCKS_NEEDING_API: Record<string, string[]> = {
  safety: ['safety'],
  vector_io: ['vector_stores'],
};

/** Registered resource lists and the API whose providers they point at. */
const RESOURCE_LISTS: Array<[string, string]> = [
  ['models', 'inference'],
  ['shields', 'safety'],
  ['vector_stores', 'vector_io'],
  ['datasets', 'datasetio'],
  ['scoring_fns', 'scoring'],
  ['benchmarks', 'eval'],
];

/**
 * `disabled`: removes APIs from `apis` and `providers`, drops registered resources that pointed at
 * the removed providers, and removes top-level blocks that need the API.
 */
export function applyDisabled(ctx: GenerationContext, disabled: string[] | undefined, configured: ReadonlySet<string>): Map<string, number> {
  const indexOf = new Map<string, number>();
  if (disabled === undefined) return indexOf;
  const issues = ctx.issues.at('disabled');
  if (!Array.isArray(disabled)) {
    issues.add('expected a list of API names', 'e.g. disabled: [\'safety\', \'vectorIo\']');
    return indexOf;
  }
  disabled.forEach((name, i) => {
    if (typeof name !== 'string') {
      issues.add('expected an API name', undefined, i);
      return;
    }
    if (name.includes('/')) {
      disableProvider(ctx, issues.at(i), name, configured);
      return;
    }
    const api = toSnakeCase(name);
    if (REMOVED_APIS[api]) {
      ctx.warn(WarningCode.NOTHING_TO_DISABLE, issues.path(i), `${name} does not exist in Llama Stack 0.7.1, nothing to disable (${REMOVED_APIS[api]})`);
      return;
    }
    if (!PROVIDER_APIS.includes(api)) {
      const known = PROVIDER_APIS.map(toCamelCase);
      issues.add(`unknown API '${name}'`, didYouMean(name, known) ?? `APIs: ${known.join(', ')}`, i);
      return;
    }
    if (indexOf.has(api)) {
      issues.add(`${name} is listed twice`, 'remove the duplicate', i);
      return;
    }
    if (configured.has(api)) {
      issues.add(`${toCamelCase(api)} cannot be both in providers and disabled`, `remove providers.${toCamelCase(api)} or remove it from disabled`, i);
      return;
    }
    indexOf.set(api, i);
    const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
    const apis = Array.isArray(ctx.config.apis) ? (ctx.config.apis as string[]) : undefined;
    if (!(api in providers) && !apis?.includes(api)) {
      ctx.warn(WarningCode.NOTHING_TO_DISABLE, issues.path(i), `the base config has no ${api} API; nothing to disable`);
      return;
    }
    const removedIds = new Set((providers[api] ?? []).map((p) => idOf(p.provider_id)?.id).filter((x): x is string => !!x));
    delete providers[api];
    if (apis) ctx.config.apis = apis.filter((a) => a !== api);
    for (const block of BLOCKS_NEEDING_API[api] ?? []) delete ctx.config[block];
    const reg = ctx.config.registered_resources;
    if (isObject(reg)) {
      for (const [list, owner] of RESOURCE_LISTS) {
        if (owner !== api || !Array.isArray(reg[list])) continue;
        reg[list] = (reg[list] as Array<Record<string, unknown>>).filter((r) => !removedIds.has(idOf(r.provider_id)?.id ?? ''));
      }
    }
  });
  return indexOf;
}

/**
 * `<api>/<provider id>`: removes one provider of the base config (e.g. `vectorIo/sqlite-vec`, whose index
 * lives in each pod), the resources registered on it, and a `vector_stores.default_provider_id` naming it.
 */
function disableProvider(ctx: GenerationContext, issues: IssueCollector, name: string, configured: ReadonlySet<string>): void {
  const [apiName, id, ...rest] = name.split('/');
  const api = toSnakeCase(apiName);
  if (rest.length > 0 || !id || !PROVIDER_APIS.includes(api)) {
    issues.add(`'${name}' is not <api>/<provider id>`, `e.g. 'vectorIo/sqlite-vec'; APIs: ${PROVIDER_APIS.map(toCamelCase).join(', ')}`);
    return;
  }
  const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
  const list = Array.isArray(providers[api]) ? providers[api] : [];
  const ids = list.map((p) => idOf(p.provider_id)?.id).filter((x): x is string => !!x);
  if (!ids.includes(id)) {
    issues.add(`the base config has no ${api} provider '${id}'`, ids.length > 0 ? `its ${api} providers: ${ids.join(', ')}` : `it has no ${api} providers`);
    return;
  }
  if (configured.has(api) && ctx.userProviders.some((u) => u.api === api && u.id === id)) {
    issues.add(`${toCamelCase(api)} provider '${id}' is both in providers and disabled`, `remove it from providers.${toCamelCase(api)} or from disabled`);
    return;
  }
  providers[api] = list.filter((p) => idOf(p.provider_id)?.id !== id);
  const reg = ctx.config.registered_resources;
  if (isObject(reg)) {
    for (const [resources, owner] of RESOURCE_LISTS) {
      if (owner === api && Array.isArray(reg[resources])) {
        reg[resources] = (reg[resources] as Array<Record<string, unknown>>).filter((r) => idOf(r.provider_id)?.id !== id);
      }
    }
  }
  const stores = ctx.config.vector_stores;
  if (api === 'vector_io' && isObject(stores) && stores.default_provider_id === id) delete stores.default_provider_id;
}

/**
 * The check the 0.7.1 resolver makes at start-up: every provider's API dependencies must be served.
 * Reported against the prop that caused the gap (a disabled API, a user provider) or the base config.
 */
export function checkDependencies(ctx: GenerationContext, disabledIndex: ReadonlyMap<string, number>): void {
  const catalog = Catalog.get();
  const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
  const served = new Set(Object.entries(providers).filter(([, list]) => Array.isArray(list) && list.length > 0).map(([api]) => api));
  const apis = Array.isArray(ctx.config.apis) ? new Set(ctx.config.apis as string[]) : undefined;
  const available = (api: string) => served.has(api) && (!apis || apis.has(api));
  const needers = new Map<string, string[]>();
  for (const [api, list] of Object.entries(providers)) {
    if (!Array.isArray(list) || (apis && !apis.has(api))) continue;
    for (const p of list) {
      const cat = catalog.provider(api, p.provider_type);
      if (!cat) continue;
      for (const dep of cat.apiDependencies) {
        if (!catalog.isApi(dep) || available(dep)) continue;
        const who = `${api} provider '${idOf(p.provider_id)?.id ?? String(p.provider_id)}' (${p.provider_type})`;
        needers.set(dep, [...(needers.get(dep) ?? []), who]);
      }
    }
  }
  for (const [dep, who] of [...needers.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const disabledAt = disabledIndex.get(dep);
    if (disabledAt !== undefined) {
      ctx.issues.at('disabled').add(
        `cannot disable ${toCamelCase(dep)}: it is needed by ${who.join(', ')}`,
        `keep ${toCamelCase(dep)}, or disable the APIs of those providers too`,
        disabledAt,
      );
      continue;
    }
    const user = ctx.userProviders.find((u) => who.some((w) => w.startsWith(`${u.api} provider '${u.id}'`)));
    const example = catalog.resolveType(dep, 'localfs') ? ' e.g. { provider: \'localfs\' },' : '';
    const message = `the ${dep} API is needed by ${who.join(', ')}, but this config has no ${dep} provider (Llama Stack would fail to start)`;
    const hint = `add providers.${toCamelCase(dep)},${example} or disable the APIs that need it`;
    ctx.issues.add(message, hint, user ? user.path : 'providers');
  }
}
