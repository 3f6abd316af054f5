/**
 * External providers (deploy-time providers from provider images) in the config engine. Providers whose
 * metadata is declared at synth time are merged into the generated config here; providers discovered from
 * their images, and every provider when the config is the user's own ConfigMap, are merged by the install
 * step at pod start, from the plan this step returns. Precedence: external > user providers > base.
 */
import { GenerationContext, ProviderEntry } from './context';
import { addHost, parseEndpoint, portOf } from './destinations';
import { checkUserString, checkUserValue, mayHoldSecret, Place } from './env-refs';
import { envRef, idOf, placeholders, stringLeaves } from './placeholders';
import { PROVIDER_APIS } from './providers';
import { isObject } from './schema';
import { hasLiteralSecret } from './secrets';
import { SecretKeyRef } from './types';
import { IssueCollector } from '../core/errors';
import { llsdEnvName, looksSecret, toCamelCase } from '../core/names';
import { sortDeep } from '../core/order';
import { WarningCode } from '../core/warnings';

/** Provider metadata known at synth time (from props or a spec file). */
export interface DeclaredMetadata {
  readonly providerType: string;
  /** The Python package (`module:` in config.yaml; `spec.packageName` in the image). */
  readonly module: string;
  readonly api: string;
  /** Where it was declared: the spec file's path, or `props`. */
  readonly source: string;
}

/** One external provider, as the construct hands it to the engine (already type-checked). */
export interface ExternalProviderInput {
  /** Prop path, e.g. `externalProviders.inference[0]`. */
  readonly path: string;
  /** The API section it was placed under (snake_case). */
  readonly api: string;
  readonly id: string;
  readonly image: string;
  /** Metadata known at synth time; undefined when it is read from the image at pod start. */
  readonly declared?: DeclaredMetadata;
  readonly config?: Record<string, unknown>;
  readonly secretRefs?: Record<string, SecretKeyRef>;
  /** Further URLs the provider calls (for the NetworkPolicy). */
  readonly endpoints?: string[];
}

/** One external provider in the plan the install step follows. */
export interface ExternalProviderPlanEntry {
  readonly path: string;
  readonly api: string;
  readonly id: string;
  readonly image: string;
  readonly declared?: DeclaredMetadata;
  /** Whether the install step merges the entry into the config (else it is in the generated config). */
  readonly mergeAtStart: boolean;
  /** The provider's `config:` block (`${env.X}` for secret refs), keys sorted. */
  readonly config: Record<string, unknown>;
}

export interface ExternalProviderPlan {
  readonly entries: ExternalProviderPlanEntry[];
  /** Whether the install step writes the final config (RUN_CONFIG_PATH then points there). */
  readonly mergeAtStart: boolean;
}

const CREDENTIALS_IN_URL = /:\/\/[^/@\s]*:[^/@\s]+@/;

/** An entry placed in the config only while resources are resolved (so models can name discovered providers). */
const PENDING = Symbol('pending external provider');

export interface ExternalProvidersState {
  readonly plan: ExternalProviderPlan;
  /** Removes the stand-ins of discovered providers again; call after resources were applied. */
  finish(): void;
}

/**
 * Checks external providers and merges the declared ones into `ctx.config` (unless `mergeAllAtStart`, for a
 * config that only exists in the pod). `disabled` maps disabled APIs to their index in the prop;
 * `suppliedEnv` is what satisfies `${env.X}` in configs merged at pod start.
 */
export function applyExternalProviders(
  ctx: GenerationContext,
  inputs: readonly ExternalProviderInput[] | undefined,
  options: { mergeAllAtStart: boolean; disabled?: ReadonlyMap<string, number>; suppliedEnv: ReadonlySet<string> },
): ExternalProvidersState {
  const entries: ExternalProviderPlanEntry[] = [];
  const pending: Array<{ api: string; entry: ProviderEntry }> = [];
  const finish = () => {
    for (const { api, entry } of pending) {
      const list = (ctx.config.providers as Record<string, ProviderEntry[]>)[api];
      const i = list?.indexOf(entry) ?? -1;
      if (i >= 0) list.splice(i, 1);
      if (list && list.length === 0 && (entry as any)[PENDING] === 'created') delete (ctx.config.providers as Record<string, unknown>)[api];
    }
    pending.length = 0;
  };
  if (!inputs || inputs.length === 0) return { plan: { entries, mergeAtStart: false }, finish };

  checkDuplicates(ctx, inputs);
  for (const input of inputs) {
    const at = ctx.issues.at(input.path);
    if (!PROVIDER_APIS.includes(input.api)) continue; // reported by the construct
    const disabledAt = options.disabled?.get(input.api);
    if (disabledAt !== undefined) {
      at.add(
        `${toCamelCase(input.api)} is disabled, so this provider would not be served`,
        `remove '${toCamelCase(input.api)}' from disabled, or remove the external provider`,
      );
    }
    if (input.declared && input.declared.api !== input.api) {
      at.add(
        `provider API type mismatch: provider '${input.id}' (image: ${input.image}) declares api=${input.declared.api} `
        + `in ${input.declared.source} but is placed under externalProviders.${toCamelCase(input.api)}`,
        `move the provider to externalProviders.${toCamelCase(input.declared.api)}`,
      );
    }
    const config = buildConfig(ctx, at, input);
    recordEndpoints(ctx, at, input, config);
    const mergeAtStart = options.mergeAllAtStart || !input.declared;
    if (mergeAtStart) checkRequiredEnv(ctx, at, config, options.suppliedEnv);
    entries.push({ path: input.path, api: input.api, id: input.id, image: input.image, declared: input.declared, mergeAtStart, config });
  }
  if (ctx.issues.hasIssuesAt('externalProviders')) return { plan: { entries, mergeAtStart: false }, finish };

  for (const e of entries) {
    if (options.mergeAllAtStart) continue;
    const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
    const existing = Array.isArray(providers[e.api]) ? providers[e.api] : undefined;
    const index = existing ? existing.findIndex((p) => idOf(p.provider_id)?.id === e.id) : -1;
    if (index >= 0) {
      const old = existing![index];
      const user = ctx.userProviders.find((u) => u.api === e.api && u.id === e.id);
      const what = user ? `the provider of ${user.path}` : `the base config's ${e.api} provider`;
      const type = e.declared ? e.declared.providerType : 'the type its image declares';
      ctx.warn(WarningCode.EXTERNAL_PROVIDER_OVERRIDE, e.path, `external provider '${e.id}' overrides ${what} '${e.id}' (${old.provider_type}) with ${type}`);
    }
    if (e.declared) {
      const entry: ProviderEntry = { provider_id: e.id, provider_type: e.declared.providerType, module: e.declared.module, config: e.config };
      if (index >= 0) existing![index] = entry;
      else addEntry(ctx, e.api, entry);
    } else if (index < 0) {
      // Discovered at pod start: a stand-in for now, so resources can name the provider.
      const created = !existing;
      const entry = { provider_id: e.id, provider_type: 'external::pending', [PENDING]: created ? 'created' : 'added' } as unknown as ProviderEntry;
      const list = existing ?? ((ctx.config.providers as Record<string, ProviderEntry[]>)[e.api] = []);
      list.push(entry);
      pending.push({ api: e.api, entry });
    }
  }
  return { plan: { entries, mergeAtStart: entries.some((e) => e.mergeAtStart) }, finish };
}

function addEntry(ctx: GenerationContext, api: string, entry: ProviderEntry): void {
  const providers = ctx.config.providers as Record<string, ProviderEntry[]>;
  (Array.isArray(providers[api]) ? providers[api] : (providers[api] = [])).push(entry);
  // A base without `apis` serves every API that has providers; one with the list must name the new API.
  if (Array.isArray(ctx.config.apis) && !ctx.config.apis.includes(api)) ctx.config.apis.push(api);
}

/**
 * Two external providers with one ID are an error (every one names both images); an ID that a user
 * provider of another API has is an error too (IDs are unique across APIs); the same API is an override.
 */
function checkDuplicates(ctx: GenerationContext, inputs: readonly ExternalProviderInput[]): void {
  const byId = new Map<string, ExternalProviderInput[]>();
  for (const input of inputs) byId.set(input.id, [...(byId.get(input.id) ?? []), input]);
  for (const [id, same] of byId) {
    if (same.length > 1) {
      for (const input of same) {
        const others = same.filter((o) => o !== input).map((o) => `${o.image} (${o.path})`).join(', ');
        ctx.issues.at(input.path).add(
          `duplicate provider ID detected in external providers: provider ID '${id}' is declared by multiple provider images: ${input.image} and ${others}`,
          'each provider must have a unique id; give the external providers distinct ids',
          'id',
        );
      }
    }
    for (const input of same) {
      const user = ctx.userProviders.find((u) => u.id === id && u.api !== input.api);
      if (user) {
        ctx.issues.at(input.path).add(
          `provider ID "${id}" conflicts with the provider of ${user.path}; all provider IDs must be unique across all API types`,
          'give the external provider another id',
          'id',
        );
      }
    }
  }
}

/** The config block: the user's `config` (keys sorted) plus `${env.LLSD_<ID>_<KEY>}` for each secret ref. */
function buildConfig(ctx: GenerationContext, at: IssueCollector, input: ExternalProviderInput): Record<string, unknown> {
  const config = isObject(input.config) ? (sortDeep(input.config) as Record<string, unknown>) : {};
  for (const [path, value] of stringLeaves(config)) {
    const key = path[path.length - 1];
    const where = at.path('config') + suffix(path);
    if (looksSecret(key.toUpperCase()) && hasLiteralSecret(value)) {
      ctx.issues.add(
        `'${key}' looks like a secret; a literal value would be written to the ConfigMap`,
        `use secretRefs: { ${key}: { name: '<secret>', key: '<key>' } }`,
        where,
      );
    } else if (CREDENTIALS_IN_URL.test(value)) {
      ctx.issues.add('the URL contains credentials, which would be written to the ConfigMap', 'remove them; pass credentials with secretRefs', where);
    }
  }
  checkUserValue(ctx, at.at('config'), config, externalPlace);
  for (const key of Object.keys(input.secretRefs ?? {}).sort()) {
    const refAt = at.at('secretRefs').at(key);
    if (key in config) {
      refAt.add(`'${key}' is given in both config and secretRefs`, `remove config.${key}`);
      continue;
    }
    const name = llsdEnvName(input.id, key);
    // The library's own reference goes through the same check: the key must be one the server redacts.
    if (ctx.addSecretEnv(refAt, name, input.secretRefs![key], refAt.path()) && checkUserString(ctx, refAt, envRef(name), externalPlace([key]))) {
      config[key] = envRef(name);
    }
  }
  return sortDeep(config) as Record<string, unknown>;
}

/**
 * What a value of an external provider's config may reference: any variable under a secret-looking key that
 * /v1/providers redacts (where secretRefs writes its `${env.LLSD_*}`); elsewhere only variables that are not
 * from Secrets, since /v1/providers shows them.
 */
function externalPlace(path: readonly string[]): Place {
  const key = path[path.length - 1];
  if (looksSecret(key.toUpperCase()) && mayHoldSecret(path)) return { policy: 'secret', fix: '' };
  return {
    policy: 'plain',
    fix: `0.7.1's /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so '${key}' would be shown: `
      + 'give the secret through secretRefs under such a key, or use a variable that is not from a Secret here',
  };
}

/** Literal URLs in the config, and the declared endpoints, become NetworkPolicy egress rules. */
function recordEndpoints(ctx: GenerationContext, at: IssueCollector, input: ExternalProviderInput, config: Record<string, unknown>): void {
  const urls: Array<[string, string]> = [];
  for (const [path, value] of stringLeaves(config)) {
    const key = path[path.length - 1];
    if (CREDENTIALS_IN_URL.test(value)) continue; // refused by buildConfig
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) || (placeholders(value).length > 0 && /(url|uri|endpoint)$/i.test(key))) {
      urls.push([value.trim(), at.path('config') + suffix(path)]);
    }
  }
  (input.endpoints ?? []).forEach((url, i) => urls.push([url, at.path('endpoints') + suffix([String(i)])]));
  for (const [url, source] of urls) {
    if (placeholders(url).length > 0) {
      ctx.warn(WarningCode.EGRESS_NOT_DERIVED, source, 'the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it', 'give a literal URL in endpoints');
      continue;
    }
    const parsed = parseEndpoint(ctx.issues.at(source), url);
    if (parsed) addHost(ctx, parsed.hostname, portOf(parsed), source);
  }
}

/** `['a', '0', 'b']` -> `.a[0].b`. */
function suffix(path: string[]): string {
  return path.map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('');
}

/** `${env.X}` without a default in a config merged at pod start must be supplied, as in the generated config. */
function checkRequiredEnv(ctx: GenerationContext, at: IssueCollector, config: Record<string, unknown>, supplied: ReadonlySet<string>): void {
  for (const [path, value] of stringLeaves(config)) {
    for (const p of placeholders(value)) {
      if (p.operator || supplied.has(p.name) || ctx.hasSecretEnv(p.name)) continue;
      ctx.issues.add(
        `the config uses \${env.${p.name}} with no default (at ${at.path('config') + suffix(path)}), so the server would not start without ${p.name}`,
        `set env.${p.name}, or give the value in config`,
        `env.${p.name}`,
      );
    }
  }
}
