import { Catalog } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { checkUserString, checkUserValue, literalOnly } from './env-refs';
import { idOf, placeholders } from './placeholders';
import { isObject } from './schema';
import { ModelSpec, ResourcesSpec, ShieldSpec } from './types';
import { didYouMean, IssueCollector } from '../core/errors';
import { toCamelCase } from '../core/names';
import { sortDeep } from '../core/order';
import { WarningCode } from '../core/warnings';

export const MODEL_TYPES: readonly string[] = ['llm', 'embedding', 'rerank'];

const MODEL_FIELD = literalOnly('write the value itself: /v1/models returns it to every client');
const MODEL_METADATA = literalOnly('write the metadata value itself: /v1/models returns metadata to every client');
const SHIELD_FIELD = literalOnly('write the value itself: /v1/shields returns it to every client');

interface Registered {
  models?: Array<Record<string, unknown>>;
  shields?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** IDs of an API's providers in the final config: fixed ones first choice, conditional ones known too. */
export function providerIds(config: Record<string, any>, api: string): { fixed: string[]; all: string[] } {
  const list = (config.providers?.[api] ?? []) as ProviderEntry[];
  const fixed: string[] = [];
  const all: string[] = [];
  for (const p of list) {
    const id = idOf(p.provider_id);
    if (!id) continue;
    all.push(id.id);
    if (!id.conditional) fixed.push(id.id);
  }
  return { fixed, all };
}

function registered(config: Record<string, any>): Registered {
  if (!isObject(config.registered_resources)) config.registered_resources = {};
  return config.registered_resources as Registered;
}

/** A model to register, with where it was declared and, for models declared on a provider, its ID. */
interface ModelItem {
  readonly raw: ModelSpec;
  readonly at: IssueCollector;
  readonly owner?: string;
}

export function applyResources(ctx: GenerationContext, spec: ResourcesSpec | undefined, suppliedEnv: ReadonlySet<string>): void {
  const items = providerModels(ctx);
  const issues = ctx.issues.at('resources');
  if (spec !== undefined && !isObject(spec as unknown)) {
    issues.add('expected an object', 'e.g. resources: { models: [{ name: \'meta-llama/Llama-3.1-8B-Instruct\' }] }');
  } else if (spec !== undefined) {
    for (const key of Object.keys(spec)) {
      if (!['models', 'tools', 'shields'].includes(key)) issues.add(`unknown field '${key}'`, didYouMean(key, ['models', 'tools', 'shields']) ?? 'fields: models, tools, shields', key);
    }
    if (spec.models !== undefined && !Array.isArray(spec.models)) {
      issues.add('expected a list', 'e.g. models: [{ name: \'meta-llama/Llama-3.1-8B-Instruct\' }]', 'models');
    } else if (spec.models !== undefined) {
      spec.models.forEach((raw, i) => items.push({ raw, at: issues.at('models').at(i) }));
    }
  }
  if (items.length > 0) applyModels(ctx, issues.at('models'), items, suppliedEnv);
  if (spec?.tools !== undefined) checkTools(ctx, issues.at('tools'), spec.tools);
  if (spec?.shields !== undefined) applyShields(ctx, issues.at('shields'), spec.shields);
}

/** Models declared on providers (`providers.<api>[i].models`), which only inference providers serve. */
function providerModels(ctx: GenerationContext): ModelItem[] {
  const items: ModelItem[] = [];
  for (const p of ctx.userProviders) {
    if (p.models === undefined) continue;
    const at = ctx.issues.at(p.path).at('models');
    if (p.api !== 'inference') {
      at.add(`only inference providers serve models; this is a ${toCamelCase(p.api)} provider`, 'list the models on an inference provider, or in resources.models');
    } else if (!Array.isArray(p.models)) {
      at.add('expected a list', 'e.g. models: [{ name: \'meta-llama/Llama-3.1-8B-Instruct\' }]');
    } else {
      p.models.forEach((raw, i) => items.push({ raw, at: at.at(i), owner: p.id }));
    }
  }
  return items;
}

function applyModels(ctx: GenerationContext, issues: IssueCollector, models: ModelItem[], suppliedEnv: ReadonlySet<string>): void {
  const inference = providerIds(ctx.config, 'inference');
  const userInference = ctx.userProviders.filter((p) => p.api === 'inference').map((p) => p.id);
  const defaultProvider = userInference[0] ?? inference.fixed[0];
  const entries: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  models.forEach(({ raw: m, at, owner }) => {
    if (!isObject(m)) {
      at.add('expected a model ID or { name, ... }', 'e.g. \'meta-llama/Llama-3.1-8B-Instruct\'');
      return;
    }
    const known = ['name', 'provider', 'providerModelId', 'modelType', 'contextLength', 'embeddingDimension', 'metadata'];
    for (const key of Object.keys(m)) {
      if (!known.includes(key) && (m as any)[key] !== undefined) at.add(`unknown field '${key}'`, didYouMean(key, known) ?? `fields: ${known.join(', ')}`, key);
    }
    if (typeof m.name !== 'string' || m.name.trim().length === 0) {
      at.add('a model needs a name', 'give the model ID clients will use', 'name');
      return;
    }
    // /v1/models returns every field of a registered model (metadata included) to clients.
    let literal = checkUserString(ctx, at.at('name'), m.name, MODEL_FIELD);
    for (const f of ['provider', 'providerModelId', 'modelType'] as const) {
      if (typeof m[f] === 'string') literal = checkUserString(ctx, at.at(f), m[f]!, MODEL_FIELD) && literal;
    }
    if (isObject(m.metadata)) literal = checkUserValue(ctx, at.at('metadata'), m.metadata, () => MODEL_METADATA) && literal;
    if (!literal) return;
    const modelType = m.modelType ?? 'llm';
    if (!MODEL_TYPES.includes(modelType)) at.add(`unknown modelType '${modelType}'`, `use one of: ${MODEL_TYPES.join(', ')}`, 'modelType');
    let provider = m.provider;
    if (owner !== undefined && provider !== undefined && provider !== owner) {
      at.add(`provider "${provider}" differs from the provider the model is listed on ("${owner}")`, 'remove provider, or move the model to resources.models', 'provider');
      return;
    }
    if (owner !== undefined) {
      provider = owner;
    } else if (provider === undefined) {
      provider = defaultProvider;
      if (provider === undefined) {
        at.add(`no provider given for model "${m.name}" and no inference provider is configured`, 'add providers.inference, or set provider to an inference provider ID');
        return;
      }
    } else if (!inference.all.includes(provider)) {
      at.add(`references unknown provider ID "${provider}"; available: [${inference.all.join(', ')}]`, 'use the id of an inference provider', 'provider');
      return;
    } else if (!inference.fixed.includes(provider)) {
      ctx.warn(WarningCode.PROVIDER_ENABLED_BY_ENV, at.path('provider'), `provider "${provider}" is enabled only when its environment variable is set`);
    }
    const metadata: Record<string, unknown> = isObject(m.metadata) ? (sortDeep(m.metadata) as Record<string, unknown>) : {};
    if (m.metadata !== undefined && !isObject(m.metadata)) at.add('expected an object', 'e.g. metadata: { description: \'...\' }', 'metadata');
    if (m.contextLength !== undefined) {
      if (!Number.isInteger(m.contextLength) || m.contextLength <= 0) at.add(`contextLength must be a positive integer, got ${m.contextLength}`, 'e.g. 8192', 'contextLength');
      metadata.context_length = m.contextLength;
    }
    if (m.embeddingDimension !== undefined) {
      if (!Number.isInteger(m.embeddingDimension) || m.embeddingDimension <= 0) at.add(`embeddingDimension must be a positive integer, got ${m.embeddingDimension}`, 'e.g. 768', 'embeddingDimension');
      if (modelType !== 'embedding') at.add('embeddingDimension is only for embedding models', 'set modelType: \'embedding\' or remove embeddingDimension', 'embeddingDimension');
      metadata.embedding_dimension = m.embeddingDimension;
    } else if (modelType === 'embedding') {
      at.add('an embedding model needs embeddingDimension', 'set embeddingDimension, e.g. 768', 'embeddingDimension');
    }
    const key = `${provider}/${m.name}`;
    if (seen.has(key)) {
      at.add(`model "${m.name}" on provider "${provider}" is listed twice`, 'remove the duplicate');
      return;
    }
    seen.add(key);
    const entry: Record<string, unknown> = { model_id: m.name, provider_id: provider };
    if (m.providerModelId !== undefined) entry.provider_model_id = m.providerModelId;
    entry.model_type = modelType;
    entry.metadata = metadata;
    entries.push(entry);
  });
  if (entries.length === 0) return;
  const reg = registered(ctx.config);
  const base = Array.isArray(reg.models) ? reg.models : [];
  const kept = base.filter((b) => {
    if (entries.some((e) => e.model_id === b.model_id && e.provider_id === idOf(b.provider_id)?.id)) {
      ctx.warn(WarningCode.BASE_MODEL_REPLACED, issues.path(), `replaces the base config's model '${String(b.model_id)}'`);
      return false;
    }
    // A base model whose ID is only `${env.X}` is the distribution's "your model here" slot: declared
    // models fill it unless X is supplied.
    const slot = typeof b.model_id === 'string' ? /^\$\{env\.([A-Za-z0-9_]+)\}$/.exec(b.model_id) : null;
    if (slot && !suppliedEnv.has(slot[1])) {
      ctx.warn(WarningCode.BASE_MODEL_REPLACED, issues.path(), `replaces the base config's model slot ${String(b.model_id)} (set env.${slot[1]} to keep it)`);
      return false;
    }
    return true;
  });
  reg.models = [...kept, ...entries];
}

function checkTools(ctx: GenerationContext, issues: IssueCollector, tools: string[]): void {
  if (!Array.isArray(tools)) {
    issues.add('expected a list of tool group IDs', 'e.g. tools: [\'builtin::websearch\']');
    return;
  }
  const catalog = Catalog.get();
  const served = new Map<string, string[]>();
  for (const p of (ctx.config.providers?.tool_runtime ?? []) as ProviderEntry[]) {
    const group = catalog.provider('tool_runtime', p.provider_type)?.toolgroupId;
    const id = idOf(p.provider_id);
    if (group && id) served.set(group, [...(served.get(group) ?? []), id.id]);
  }
  const allGroups = [...new Set(catalog.providerTypes('tool_runtime').map((t) => catalog.provider('tool_runtime', t)!.toolgroupId).filter((g): g is string => !!g))].sort();
  tools.forEach((tool, i) => {
    if (typeof tool !== 'string' || !allGroups.includes(tool)) {
      issues.add(`unknown tool group '${String(tool)}'`, didYouMean(String(tool), allGroups) ?? `built-in tool groups: ${allGroups.join(', ')}`, i);
      return;
    }
    if (!served.has(tool)) {
      const providers = catalog.providerTypes('tool_runtime').filter((t) => catalog.provider('tool_runtime', t)!.toolgroupId === tool);
      issues.add(
        `resources.tools requires a toolRuntime provider serving ${tool}; none is configured`,
        `add providers.toolRuntime with one of: ${providers.map((t) => t.split('::')[1]).join(', ')}`,
        i,
      );
    }
  });
}

/**
 * Shields: each on its safety provider (given, or the only one the user declared); a llama-guard shield's
 * guard model must be a model registered on an inference provider of the stack, since Llama Guard's
 * run_shield sends it to the inference API, which resolves it by identifier (`<provider id>/<model>`).
 */
function applyShields(ctx: GenerationContext, issues: IssueCollector, shields: ShieldSpec[]): void {
  if (!Array.isArray(shields)) {
    issues.add('expected a list of shields', 'e.g. shields: [{ id: \'meta-llama/Llama-Guard-3-8B\' }]');
    return;
  }
  if (shields.length === 0) return;
  const safety = (ctx.config.providers?.safety ?? []) as ProviderEntry[];
  const typeOf = new Map(safety.map((p) => [idOf(p.provider_id)?.id, p.provider_type]));
  const declared = [...new Set([
    ...ctx.userProviders.filter((p) => p.api === 'safety').map((p) => p.id),
    ...safety.filter((p) => p.module !== undefined || p.provider_type === 'external::pending').map((p) => idOf(p.provider_id)?.id ?? ''),
  ])].filter((id) => id !== '');
  const fallback = providerIds(ctx.config, 'safety').fixed[0];
  if (declared.length === 0 && fallback === undefined) {
    issues.add('resources.shields requires at least one safety provider to be configured', 'add providers.safety, e.g. { provider: \'llama-guard\' }');
    return;
  }
  const models = registeredModels(ctx.config);
  const entries: Array<Record<string, unknown>> = [];
  shields.forEach((s, i) => {
    const at = issues.at(i);
    if (typeof s.id !== 'string' || s.id.trim().length === 0) {
      at.add(`'${String(s.id)}' is not a valid shield ID`, 'give the shield ID, e.g. meta-llama/Llama-Guard-3-8B', 'id');
      return;
    }
    let literal = checkUserString(ctx, at.at('id'), s.id, SHIELD_FIELD);
    for (const f of ['provider', 'providerShieldId'] as const) {
      if (typeof s[f] === 'string') literal = checkUserString(ctx, at.at(f), s[f]!, SHIELD_FIELD) && literal;
    }
    if (!literal) return;
    if (entries.some((e) => e.shield_id === s.id)) {
      at.add(`shield "${s.id}" is listed twice`, 'remove the duplicate');
      return;
    }
    let provider = s.provider;
    if (provider === undefined && declared.length > 1) {
      at.add(`several safety providers could run shield "${s.id}" (${declared.join(', ')})`, `give { id: '${s.id}', provider: '<one of them>' }`);
      return;
    }
    provider ??= declared[0] ?? fallback;
    if (!typeOf.has(provider)) {
      at.add(`references unknown safety provider "${provider}"; available: [${[...typeOf.keys()].join(', ')}]`, 'use the id of a safety provider', 'provider');
      return;
    }
    let target = s.providerShieldId ?? s.id;
    if (typeOf.get(provider) === 'inline::llama-guard') {
      const resolved = guardModel(models, target);
      if (resolved === undefined) {
        const known = [...models.keys()];
        at.add(
          `the guard model '${target}' of llama-guard shield "${s.id}" is not registered on any inference provider of the stack, so every safety check would fail with "model not found" (Llama Guard sends it to the inference API)`,
          `register it (resources.models, or a VllmModel serving it through asInferenceProvider()), or set providerShieldId to one of: ${listSome(known, '(no models are registered)')}`,
          s.providerShieldId === undefined ? undefined : 'providerShieldId',
        );
        return;
      }
      target = resolved;
    }
    entries.push({ shield_id: s.id, provider_id: provider, provider_shield_id: target });
  });
  if (entries.length === 0) return;
  const reg = registered(ctx.config);
  const base = Array.isArray(reg.shields) ? reg.shields : [];
  reg.shields = [...base.filter((b) => !entries.some((e) => e.shield_id === b.shield_id)), ...entries];
  // 0.7.1 refuses to start when default_shield_id names a shield that is not registered.
  const safetyBlock = isObject(ctx.config.safety) ? ctx.config.safety : (ctx.config.safety = {});
  safetyBlock.default_shield_id = entries[0].shield_id;
}

/**
 * Registered models by the identifier the server gives them, `<provider_id>/<provider_model_id>` (what the
 * inference router resolves); models whose identifier is only known at run time are left out.
 */
export function registeredModels(config: Record<string, any>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const models = Array.isArray(config.registered_resources?.models) ? config.registered_resources.models as Array<Record<string, unknown>> : [];
  for (const m of models) {
    const provider = idOf(m.provider_id)?.id;
    const resource = m.provider_model_id ?? m.model_id;
    if (provider && typeof resource === 'string' && placeholders(resource).length === 0) out.set(`${provider}/${resource}`, m);
  }
  return out;
}

/** The identifier of the guard model: given as one, or as the name of exactly one registered model. */
function guardModel(models: ReadonlyMap<string, Record<string, unknown>>, name: string): string | undefined {
  if (models.has(name)) return name;
  const named = [...models.entries()].filter(([, m]) => m.model_id === name || m.provider_model_id === name).map(([id]) => id);
  return named.length === 1 ? named[0] : undefined;
}

/** At most 8 items, then how many more, so a hint stays readable for configs with many models. */
function listSome(items: string[], none: string): string {
  if (items.length === 0) return none;
  return items.length <= 8 ? items.join(', ') : `${items.slice(0, 8).join(', ')} and ${items.length - 8} more`;
}
