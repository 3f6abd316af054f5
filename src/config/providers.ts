import { Catalog, CatalogProvider, REMOVED_APIS } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { parseEndpoint, recordDestination } from './destinations';
import { checkUserString, checkUserValue, mayHoldSecret, Place } from './env-refs';
import { envRef, idOf, placeholders, resolvesWithoutEnv, stringLeaves } from './placeholders';
import { checkProviderConfig, isObject } from './schema';
import { hasLiteralSecret } from './secrets';
import { ProviderSpec, ProvidersSpec } from './types';
import { didYouMean, IssueCollector } from '../core/errors';
import { llsdEnvName, toCamelCase, toSnakeCase } from '../core/names';
import { sortDeep } from '../core/order';
import { WarningCode } from '../core/warnings';

/** API order of the `providers` prop: the order user providers are processed and reported in. */
export const PROVIDER_APIS: readonly string[] = [
  'inference', 'safety', 'vector_io', 'tool_runtime', 'files', 'file_processors',
  'responses', 'batches', 'datasetio', 'scoring', 'eval',
];

const PROVIDER_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** The API a user-written name refers to (`vectorIo` or `vector_io`), or undefined. */
export function normaliseApiName(name: string): string {
  return toSnakeCase(name);
}

/** Expands the `providers` prop and merges it into the base config by provider ID. */
export function applyProviders(ctx: GenerationContext, spec: ProvidersSpec | undefined): void {
  if (spec === undefined) return;
  const issues = ctx.issues.at('providers');
  if (!isObject(spec)) {
    issues.add('expected an object of APIs', 'e.g. providers: { inference: [{ provider: \'vllm\', endpoint: ... }] }');
    return;
  }
  const given = spec as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (given[key] === undefined) continue;
    const api = normaliseApiName(key);
    if (REMOVED_APIS[api]) {
      issues.add(`${key} is not an API of Llama Stack 0.7.1: ${REMOVED_APIS[api]}`, `remove providers.${key}`, key);
    } else if (!PROVIDER_APIS.includes(api)) {
      const known = PROVIDER_APIS.map(toCamelCase);
      issues.add(`unknown API '${key}'`, didYouMean(key, known) ?? `APIs: ${known.join(', ')}`, key);
    }
  }
  const seenIds = new Map<string, string>();
  for (const api of PROVIDER_APIS) {
    const camel = toCamelCase(api);
    if (camel !== api && given[camel] !== undefined && given[api] !== undefined) {
      issues.add(`both ${camel} and ${api} are given`, `merge them into providers.${camel}`, api);
      continue;
    }
    const propName = given[camel] !== undefined ? camel : api;
    const value = given[propName];
    if (value === undefined) continue;
    const list = value as ProviderSpec[];
    const at = issues.at(propName);
    if (list.length === 0) {
      at.add('an empty list', `give at least one provider, or add '${propName}' to disabled to remove the API`);
      continue;
    }
    list.forEach((entry, i) => {
      const pathIssues = at.at(i);
      const built = buildEntry(ctx, pathIssues, api, entry as ProviderSpec, list.length > 1);
      if (!built) return;
      const prior = seenIds.get(built.id);
      if (prior !== undefined) {
        pathIssues.add(
          `provider ID "${built.id}" conflicts with provider in "${prior}"; all provider IDs must be unique across all API types`,
          'give each provider its own id',
          'id',
        );
        return;
      }
      seenIds.set(built.id, toCamelCase(api));
      const models = (entry as ProviderSpec).models;
      ctx.userProviders.push({ api, id: built.id, providerType: built.entry.provider_type, path: pathIssues.path(), models });
      mergeEntry(ctx, pathIssues.path(), api, built.entry);
    });
  }
}

function buildEntry(
  ctx: GenerationContext,
  issues: IssueCollector,
  api: string,
  spec: ProviderSpec,
  idRequired: boolean,
): { id: string; entry: ProviderEntry } | undefined {
  const catalog = Catalog.get();
  if (!isObject(spec)) {
    issues.add('expected a provider object', 'e.g. { provider: \'vllm\', endpoint: \'http://vllm:8000/v1\' }');
    return undefined;
  }
  const s = spec as ProviderSpec;
  const known = ['id', 'provider', 'endpoint', 'apiKey', 'secretRefs', 'settings', 'models', 'server'];
  for (const key of Object.keys(s)) {
    if (!known.includes(key) && (s as any)[key] !== undefined) {
      issues.add(`unknown field '${key}'`, didYouMean(key, known) ?? `fields: ${known.join(', ')}`, key);
    }
  }
  if (typeof s.provider !== 'string' || s.provider.length === 0) {
    issues.add('provider is required', `one of: ${catalog.shortNames(api).join(', ')}`, 'provider');
    return undefined;
  }
  const providerType = catalog.resolveType(api, s.provider);
  if (!providerType) {
    const names = [...catalog.shortNames(api), ...catalog.providerTypes(api)];
    const elsewhere = PROVIDER_APIS.filter((a) => a !== api && catalog.resolveType(a, s.provider));
    const hint = elsewhere.length > 0
      ? `'${s.provider}' is a provider of ${elsewhere.map(toCamelCase).join(', ')}; move it there`
      : didYouMean(s.provider, names) ?? `${toCamelCase(api)} providers: ${catalog.shortNames(api).join(', ')}`;
    issues.add(`unknown ${toCamelCase(api)} provider '${s.provider}' in Llama Stack 0.7.1`, hint, 'provider');
    return undefined;
  }
  const cat = catalog.provider(api, providerType)!;
  if (cat.deprecated) {
    if (cat.deprecationLevel === 'error') issues.add(`${providerType} is no longer supported: ${cat.deprecated}`, 'choose another provider', 'provider');
    else ctx.warn(WarningCode.PROVIDER_DEPRECATED, issues.path('provider'), `${providerType} is deprecated: ${cat.deprecated}`);
  }

  // A missing or bad ID is reported, but the rest of the entry is still checked (all errors at once).
  let id = providerType.slice(providerType.lastIndexOf('::') + 2);
  let idOk = true;
  if (s.id !== undefined) {
    if (typeof s.id !== 'string' || !PROVIDER_ID.test(s.id)) {
      issues.add(`'${String(s.id)}' is not a valid provider ID`, 'use letters, digits, \'.\', \'_\' and \'-\', starting and ending with a letter or digit', 'id');
      idOk = false;
    } else {
      id = s.id;
    }
  } else if (idRequired) {
    issues.add('required when an API lists more than one provider', 'give each provider an id, e.g. id: \'vllm-primary\'', 'id');
    idOk = false;
  }
  // Unique stand-in, so an invalid ID does not also produce env-var collision errors.
  if (!idOk) id = `invalid ${issues.path()}`;

  const config: Record<string, unknown> = {};
  const settingsIssues = issues.at('settings');
  if (s.settings !== undefined) {
    if (!isObject(s.settings)) settingsIssues.add('expected an object of config keys', 'e.g. settings: { max_tokens: 4096 }');
    else Object.assign(config, sortDeep(s.settings) as Record<string, unknown>);
    if (isObject(s.settings)) {
      checkSecretLiterals(settingsIssues, s.settings, cat);
      checkUserValue(ctx, settingsIssues, s.settings, (path) => settingPlace(cat, path));
    }
  }
  const structured = new Set<string>();
  const setStructured = (key: string, value: unknown, from: string) => {
    if (key in config && !structured.has(key)) ctx.warn(WarningCode.SETTING_OVERRIDDEN, issues.path(from), `overrides settings.${key}`);
    config[key] = value;
    structured.add(key);
  };

  if (s.endpoint !== undefined && (typeof s.endpoint !== 'string' || checkUserString(ctx, issues.at('endpoint'), s.endpoint, ENDPOINT))) {
    applyEndpoint(issues.at('endpoint'), cat, s.endpoint, setStructured);
  }
  if (s.apiKey !== undefined) {
    const field = cat.apiKeyField;
    if (!field) {
      issues.add(`${providerType} has no API key field`, 'remove apiKey; use secretRefs for other secret config keys', 'apiKey');
    } else {
      const name = llsdEnvName(id, field);
      // The library's own reference goes through the same check: the key field must be one the server redacts.
      if (ctx.addSecretEnv(issues.at('apiKey'), name, s.apiKey, issues.path('apiKey'))
        && checkUserString(ctx, issues.at('apiKey'), envRef(name), secretRefPlace(cat, field))) setStructured(field, envRef(name), 'apiKey');
    }
  }
  if (s.secretRefs !== undefined) {
    if (!isObject(s.secretRefs)) {
      issues.add('expected an object of config keys to Secret references', 'e.g. secretRefs: { password: { name: \'db\', key: \'password\' } }', 'secretRefs');
    } else {
      for (const key of Object.keys(s.secretRefs).sort()) {
        const at = issues.at('secretRefs').at(key);
        if (cat.extraKeys !== 'allow' && !cat.acceptedKeys.includes(key)) {
          at.add(`unknown config key '${key}' for ${providerType}`, didYouMean(key, cat.acceptedKeys) ?? `known keys: ${cat.acceptedKeys.join(', ')}`);
          continue;
        }
        const name = llsdEnvName(id, key);
        if (ctx.addSecretEnv(at, name, (s.secretRefs as Record<string, any>)[key], at.path())
          && checkUserString(ctx, at, envRef(name), secretRefPlace(cat, key))) setStructured(key, envRef(name), `secretRefs.${key}`);
      }
    }
  }

  fillRequired(ctx, settingsIssues, cat, config);
  checkProviderConfig(settingsIssues, config, cat);
  if (!idOk) return undefined;
  recordDestination(ctx, issues, cat, config, s.endpoint !== undefined);
  const entry: ProviderEntry = { provider_id: id, provider_type: providerType, config };
  return { id, entry };
}

type Setter = (key: string, value: unknown, from: string) => void;

const ENDPOINT: Place = {
  policy: 'plain',
  fix: 'give the URL itself, or a variable that is not from a Secret: /v1/providers shows the provider\'s URL field unredacted',
};

/** The catalog field a settings key sets (by its name or its attribute name). */
function fieldOf(cat: CatalogProvider, key: string): CatalogProvider['fields'][number] | undefined {
  return cat.fields.find((f) => f.name === key || f.attribute === key);
}

/**
 * What a setting may reference: any variable in a secret field of the catalog that /v1/providers redacts
 * (a Secret-backed `${env.X}` belongs there); elsewhere only variables that are not from Secrets.
 */
function settingPlace(cat: CatalogProvider, path: readonly string[]): Place {
  const field = fieldOf(cat, path[0]);
  if (path.length === 1 && field?.secret && mayHoldSecret(path)) return { policy: 'secret', fix: '' };
  if (field?.secret && path.length === 1) return { policy: 'plain', fix: unredactedFix(cat, path[0]) };
  if (path.length >= 2 && path[path.length - 2] === 'headers') {
    return {
      policy: 'plain',
      fix: `pass the credential with ${cat.apiKeyField ? 'apiKey, which the provider sends as its bearer token' : 'a secret field of the provider (secretRefs)'}: /v1/providers shows headers unredacted`,
    };
  }
  const secretFields = cat.fields.filter((f) => f.secret && mayHoldSecret([f.name])).map((f) => f.name);
  const where = cat.apiKeyField ? `apiKey, or secretRefs: { ${secretFields.join(' | ')}: ... }` : secretFields.length > 0 ? `secretRefs: { ${secretFields.join(' | ')}: ... }` : undefined;
  return {
    policy: 'plain',
    fix: `${where ? `give a secret through ${where}, which /v1/providers redacts; ` : ''}use a variable that is not from a Secret here`,
  };
}

/** Where `apiKey` or `secretRefs.<key>` writes its `${env.LLSD_*}`: only a key the server redacts. */
function secretRefPlace(cat: CatalogProvider, key: string): Place {
  return mayHoldSecret([key]) ? { policy: 'secret', fix: '' } : { policy: 'plain', fix: unredactedFix(cat, key) };
}

/** The fix for a secret that would land in a key /v1/providers shows. */
function unredactedFix(cat: CatalogProvider, key: string): string {
  const why = `0.7.1's /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so '${key}' would be shown`;
  const alias = cat.fields.find((f) => f.attribute === key && mayHoldSecret([f.name]));
  if (alias) return `${why}; write it as ${alias.name} (${cat.apiKeyField === alias.name ? 'apiKey' : `secretRefs.${alias.name}`})`;
  if (!fieldOf(cat, key)?.secret) return `${why}; give ${key} in settings, since the server shows it to clients anyway`;
  return `${why}; ${cat.providerType} cannot hold this credential without showing it in 0.7.1, so reach the service without one (e.g. through an authenticating proxy)`;
}

function applyEndpoint(issues: IssueCollector, cat: CatalogProvider, endpoint: string, set: Setter): void {
  if (typeof endpoint !== 'string' || endpoint.length === 0) {
    issues.add('expected a URL', 'e.g. http://vllm.models.svc:8000/v1');
    return;
  }
  if (placeholders(endpoint).length > 0) {
    // A run-time value: it can be written, but not checked or turned into a NetworkPolicy rule.
    if (cat.urlField) set(cat.urlField, endpoint, 'endpoint');
    else issues.add(`${cat.providerType} takes host and port, not a URL placeholder`, 'give a literal URL such as postgresql://host:5432');
    return;
  }
  if (!cat.urlField && !cat.hostField) {
    issues.add(`${cat.providerType} has no endpoint field`, 'remove endpoint; this provider runs in the server or takes its location from settings');
    return;
  }
  const url = parseEndpoint(issues, endpoint);
  if (!url) return;
  if (cat.urlField) {
    set(cat.urlField, endpoint, 'endpoint');
  } else {
    set(cat.hostField!, url.hostname, 'endpoint');
    if (cat.portField && url.port) set(cat.portField, Number(url.port), 'endpoint');
  }
}

/**
 * Required fields the user left out: filled from the provider's sample config when that sample works
 * without environment variables (storage references such as `persistence`); otherwise an error.
 */
function fillRequired(ctx: GenerationContext, issues: IssueCollector, cat: CatalogProvider, config: Record<string, unknown>): void {
  for (const field of cat.fields) {
    if (!field.required || field.name in config || (field.attribute && field.attribute in config)) continue;
    const sample = cat.sampleRunConfig[field.name];
    if (sample !== undefined && resolvesWithoutEnv(sample)) {
      config[field.name] = withDistroDir(structuredClone(sample), ctx.distroName);
    } else {
      issues.add(`'${field.name}' is required by ${cat.providerType}`, `set settings.${field.name}${field.secret ? ' (a secret: use secretRefs)' : ''}`, field.name);
    }
  }
}

/** Catalog samples were rendered for a distribution called `x`; point them at this one. */
function withDistroDir(value: unknown, distroName: string): unknown {
  if (typeof value === 'string') return value.replace(/distributions\/x(?=[/}]|$)/g, `distributions/${distroName || 'custom'}`);
  if (Array.isArray(value)) return value.map((v) => withDistroDir(v, distroName));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDistroDir(v, distroName)]));
  return value;
}

/** Header names whose values are credentials. */
const SECRET_HEADERS = /^(authorization|proxy-authorization|x-api-key|api-key|cookie|x-auth-token)$/i;

/**
 * Secrets must come from Secrets: a literal in settings would land in the ConfigMap. Checked: the catalog's
 * secret fields (literals, and placeholders with a literal default), credentials in any URL, and
 * credential headers (network.headers).
 */
function checkSecretLiterals(issues: IssueCollector, settings: Record<string, unknown>, cat: CatalogProvider): void {
  for (const field of cat.fields) {
    const value = settings[field.name] ?? (field.attribute ? settings[field.attribute] : undefined);
    if (!field.secret || typeof value !== 'string' || !hasLiteralSecret(value)) continue;
    const key = field.name in settings ? field.name : field.attribute!;
    issues.add(
      `'${key}' is a secret field; a literal value would be written to the ConfigMap`,
      `use secretRefs: { ${key}: { name: '<secret>', key: '<key>' } }${cat.apiKeyField === key ? ' or apiKey' : ''}`,
      key,
    );
  }
  for (const [path, value] of stringLeaves(settings)) {
    const at = path.join('.');
    if (/:\/\/[^/@\s]*:[^/@\s]+@/.test(value)) {
      issues.add('the URL contains credentials, which would be written to the ConfigMap', 'remove them; give a credential field through secretRefs', at);
    } else if (path.length >= 2 && path[path.length - 2] === 'headers' && SECRET_HEADERS.test(path[path.length - 1]) && hasLiteralSecret(value, true)) {
      issues.add(`header '${path[path.length - 1]}' carries a credential, which would be written to the ConfigMap`, 'pass the credential with apiKey or secretRefs instead', at);
    }
  }
}

/** Base entry with the same ID (fixed, or `${env.X:+id}`) is replaced; otherwise appended. */
function mergeEntry(ctx: GenerationContext, path: string, api: string, entry: ProviderEntry): void {
  const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
  const list = Array.isArray(providers[api]) ? providers[api] : (providers[api] = []);
  const index = list.findIndex((p) => idOf(p.provider_id)?.id === entry.provider_id);
  if (index >= 0) {
    const old = list[index];
    ctx.warn(WarningCode.BASE_PROVIDER_REPLACED, path, `replaces the base config's ${api} provider '${String(entry.provider_id)}' (${old.provider_type})`);
    list[index] = entry;
  } else {
    list.push(entry);
  }
  // A base without `apis` serves every API that has providers; one with the list must name the new API.
  const apis = ctx.config.apis as unknown;
  if (Array.isArray(apis) && !apis.includes(api)) apis.push(api);
}
