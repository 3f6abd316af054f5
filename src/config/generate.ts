import { checkDependencies, applyDisabled } from './apis';
import { checkBaseSecrets, checkBaseStructure, checkStackKeys } from './base';
import { Endpoint, GenerationContext, PlainEnvVar, SecretEnvVar } from './context';
import { recordBaseDestinations, recordEnvDestinations } from './destinations';
import { resolveDistribution } from './distributions';
import { checkPropEnvNames, propEnv } from './env';
import { SecretVariables } from './env-refs';
import { applyExternalProviders, ExternalProviderInput, ExternalProviderPlan } from './external-providers';
import { placeholders, stringLeaves } from './placeholders';
import { applyProviders, normaliseApiName } from './providers';
import { applyResources } from './resources';
import { checkProviderUrls } from './runtime';
import { isObject } from './schema';
import { CONFIG_SPEC_FIELDS } from './shape';
import { applyStorage } from './storage';
import { LlamaStackConfigSpec } from './types';
import { applyVectorStores } from './vector-stores';
import { IssueCollector } from '../core/errors';
import { isDnsSubdomain, isEnvVarName, looksSecret } from '../core/names';
import { compareStrings } from '../core/order';
import { checkSecretRef } from '../core/secret-ref';
import { checkShape } from '../core/shape';
import { Finding, WarningCode } from '../core/warnings';
import { sha256, toYaml } from '../core/yaml';

/** Settings of the `server:` block that come from the construct's networking/workload props. */
export interface ServerSettings {
  /** @default 8321 */
  readonly port?: number;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly workers?: number;
}

/** Input of the config engine: a plain object, no cdk8s. */
export interface ConfigInput extends LlamaStackConfigSpec {
  readonly server?: ServerSettings;
  /**
   * Further env vars the container has (e.g. from pod overrides), with their literal value when they have
   * one: the names satisfy `${env.X}`, and literal URLs feed the egress derivation.
   */
  readonly extraEnv?: { [name: string]: string | undefined };
  /** Distribution name -> image. */
  readonly imageOverrides?: { [name: string]: string };
  /** Writable data directory in the container (SQLite files). @default '/.llama' */
  readonly dataDir?: string;
  /** External providers (from provider images), in init-container order. */
  readonly external?: readonly ExternalProviderInput[];
  /**
   * The construct's workload props, of which the engine reads only `overrides.env` and `overrides.envFrom`:
   * which variables come from Secrets, so that no user string names them where the server would show them.
   */
  readonly workload?: { readonly overrides?: { readonly env?: readonly unknown[]; readonly envFrom?: readonly unknown[] } };
}

export interface GeneratedConfig {
  /** The server image to run. */
  readonly image: string;
  /** config.yaml text, or undefined with overrideConfig. */
  readonly yaml?: string;
  /** sha256 of `yaml` (of the override ConfigMap name with overrideConfig). */
  readonly hash: string;
  /** Secret-backed env vars the container needs, sorted by name. */
  readonly envVars: SecretEnvVar[];
  /** Literal env vars the config needs (sorted by name), e.g. PGSSLMODE for storage.sql.sslMode. */
  readonly plainEnv: PlainEnvVar[];
  /** Variables config.yaml uses with no default; all are supplied (else generation fails). */
  readonly requiredEnv: string[];
  readonly providerCount: number;
  readonly resourceCount: number;
  readonly warnings: Finding[];
  /** Network destinations derived from the spec. */
  readonly endpoints: Endpoint[];
  /** The parsed final config. */
  readonly config?: Record<string, unknown>;
  /** What the install step does at pod start, when there are external providers. */
  readonly externalProviders?: ExternalProviderPlan;
}

/** `${env.X}` with no `:=`/`:+` operator. */
const REQUIRED_VARIABLE = /\$\{env\.([A-Za-z0-9_]+)\}/g;

const TOP_LEVEL_ORDER = [
  'version', 'distro_name', 'image_name', 'container_image', 'apis', 'providers', 'storage',
  'registered_resources', 'server', 'vector_stores', 'safety', 'connectors',
];

/** Generates config.yaml, or throws a `ValidationError` listing every problem (scope: `scope`). */
export function generateConfig(input: ConfigInput, scope = ''): GeneratedConfig {
  const issues = new IssueCollector();
  const result = generateInto(issues, input);
  issues.throwIfAny(scope);
  return result!;
}

/** Like `generateConfig`, but reports into `issues` and returns undefined when there are any. */
export function generateInto(issues: IssueCollector, input: ConfigInput): GeneratedConfig | undefined {
  const before = issues.issues.length;
  checkShape(issues, input, { obj: CONFIG_SPEC_FIELDS, open: true });
  if (issues.issues.length > before) return undefined;
  checkEnv(issues, input);
  checkServer(issues, input.server);
  const env = containerEnv(input);
  const supplied = new Set(env.keys());
  if (input.overrideConfig !== undefined && input.overrideConfig !== null) {
    checkOverride(issues, input);
    const dist = resolveDistribution(issues, input.distribution, input.imageOverrides, false);
    // The user's config exists only in the pod: external providers are all merged there.
    const ctx = new GenerationContext(issues, { providers: {} }, '', input.dataDir ?? '/.llama');
    ctx.secretVariables = SecretVariables.of(input, input.workload?.overrides);
    const external = applyExternalProviders(ctx, input.external, { mergeAllAtStart: true, suppliedEnv: supplied });
    recordEnvDestinations(ctx, env);
    ctx.warn(
      WarningCode.EGRESS_NOT_DERIVED, 'overrideConfig',
      'the config is your own, so the NetworkPolicy allows no egress to its providers and storage (only DNS and what env and external providers name)',
      'add networking.allowInternetEgress for hosted services, or egress rules through stack.networkPolicy.addJsonPatch',
    );
    if (!dist || issues.issues.length > before) return undefined;
    return {
      image: dist.image,
      hash: sha256(`override:${input.overrideConfig.configMapName}`),
      envVars: ctx.secretEnvVars,
      plainEnv: [],
      requiredEnv: [],
      providerCount: 0,
      resourceCount: 0,
      warnings: ctx.warnings,
      endpoints: ctx.endpoints,
      externalProviders: input.external?.length ? external.plan : undefined,
    };
  }
  const dist = resolveDistribution(issues, input.distribution, input.imageOverrides);
  if (!dist) return undefined;
  const config = dist.base as Record<string, any>;
  const ctx = new GenerationContext(issues, config, dist.distroName, input.dataDir ?? '/.llama');
  ctx.secretVariables = SecretVariables.of(input, input.workload?.overrides);
  checkStackKeys(ctx);
  if (!checkBaseStructure(ctx)) return undefined;

  const beforeProviders = issues.issues.length;
  applyProviders(ctx, input.providers);
  const providersOk = issues.issues.length === beforeProviders;
  const configured = new Set(Object.keys(input.providers ?? {}).filter((k) => (input.providers as any)[k] !== undefined).map(normaliseApiName));
  const disabledIndex = applyDisabled(ctx, input.disabled, configured);
  const external = applyExternalProviders(ctx, input.external, { mergeAllAtStart: false, disabled: disabledIndex, suppliedEnv: supplied });
  applyResources(ctx, input.resources, supplied);
  external.finish();
  applyStorage(ctx, input.storage);
  applyVectorStores(ctx, input.vectorStores);
  applyServer(config, input.server);

  // Checks of the final config run even when earlier steps found problems, so every problem is reported
  // at once; only the dependency check waits for the providers, which it would otherwise misjudge.
  if (providersOk) checkDependencies(ctx, disabledIndex);
  recordBaseDestinations(ctx, env);
  recordEnvDestinations(ctx, env);
  checkProviderUrls(ctx, env);
  checkBaseSecrets(ctx);
  const ordered = canonical(config);
  const yaml = toYaml(ordered);
  const requiredEnv = checkRequiredEnv(ctx, supplied, yaml);
  if (issues.issues.length > before) return undefined;
  return {
    image: dist.image,
    yaml,
    hash: sha256(yaml),
    envVars: ctx.secretEnvVars,
    plainEnv: [...ctx.plainEnv].sort((a, b) => compareStrings(a.name, b.name)),
    requiredEnv,
    providerCount: countProviders(config),
    resourceCount: countResources(config),
    warnings: ctx.warnings,
    endpoints: ctx.endpoints,
    config: ordered,
    externalProviders: input.external?.length ? external.plan : undefined,
  };
}

/** Every env var the container has: its literal value, or undefined when it comes from a Secret or reference. */
export function containerEnv(input: Pick<ConfigInput, 'env' | 'secretEnv' | 'extraEnv'>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(input.extraEnv ?? {})) out.set(k, v);
  for (const v of propEnv(input)) out.set(v.name, v.value);
  return out;
}

function checkOverride(issues: IssueCollector, input: ConfigInput): void {
  const name = isObject(input.overrideConfig) ? input.overrideConfig.configMapName : undefined;
  if (!isDnsSubdomain(name)) {
    issues.add(`'${String(name)}' is not a valid ConfigMap name`, 'use a DNS-1123 subdomain', 'overrideConfig.configMapName');
  }
  for (const field of ['providers', 'resources', 'storage', 'disabled', 'vectorStores'] as const) {
    if (input[field] !== undefined) {
      issues.add(`overrideConfig and ${field} are mutually exclusive`, `remove ${field}: the override ConfigMap is used verbatim, or remove overrideConfig to generate the config`, field);
    }
  }
}

function checkEnv(issues: IssueCollector, input: Pick<ConfigInput, 'env' | 'secretEnv'>): void {
  for (const v of propEnv(input)) {
    const at = issues.at(v.path);
    if (!isEnvVarName(v.name)) at.add(`'${v.name}' is not a valid environment variable name`, 'use letters, digits and \'_\', not starting with a digit');
    if (v.name.startsWith('LLSD_')) at.add('names starting with LLSD_ are reserved for generated secret variables', 'use another name');
    if (v.value !== undefined) {
      if (looksSecret(v.name) && v.value.length > 0 && placeholders(v.value).length === 0) {
        at.add('looks like a secret but is a literal value', `take it from a Secret: move it to secretEnv: { ${v.name}: { name: '<secret>', key: '<key>' } }`);
      }
    } else {
      checkSecretRef(at, v.secret);
    }
  }
  checkPropEnvNames(issues, input);
}

function checkServer(issues: IssueCollector, server: ServerSettings | undefined): void {
  if (server?.port !== undefined && (!Number.isInteger(server.port) || server.port < 1024 || server.port > 65535)) {
    issues.add(`port must be an integer from 1024 to 65535 (Llama Stack refuses lower ports), got ${server.port}`, 'e.g. 8321', 'networking.port');
  }
  if (server?.workers !== undefined && (!Number.isInteger(server.workers) || server.workers < 1 || server.workers > 1024)) {
    issues.add(`workers must be an integer from 1 to 1024, got ${server.workers}`, 'e.g. 2', 'workload.workers');
  }
}

function applyServer(config: Record<string, any>, server: ServerSettings | undefined): void {
  const block = isObject(config.server) ? config.server : (config.server = {});
  block.port = server?.port ?? block.port ?? 8321;
  if (server?.tlsCertFile && server.tlsKeyFile) {
    block.tls_certfile = server.tlsCertFile;
    block.tls_keyfile = server.tlsKeyFile;
  }
  if (server?.workers !== undefined && server.workers > 1) {
    block.workers = server.workers;
    // With workers > 1, 0.7.1 binds "::" (IPv6 only on many clusters) unless host is set.
    block.host = block.host ?? '0.0.0.0';
  }
}

function checkRequiredEnv(ctx: GenerationContext, supplied: ReadonlySet<string>, yaml: string): string[] {
  // One regex pass over the rendered text; the path of a use is looked up only for an error.
  const required = [...new Set([...yaml.matchAll(REQUIRED_VARIABLE)].map((m) => m[1]))].sort();
  for (const name of required) {
    if (supplied.has(name) || ctx.hasSecretEnv(name)) continue;
    const where = firstUse(ctx.config, name);
    ctx.issues.add(
      `the config uses \${env.${name}} with no default${where ? ` (at ${where})` : ''}, so the server would not start without ${name}`,
      `set env.${name}, or replace or remove the entry that uses it`,
      `env.${name}`,
    );
  }
  return required;
}

function firstUse(config: unknown, name: string): string | undefined {
  for (const [path, s] of stringLeaves(config)) {
    if (placeholders(s).some((p) => p.name === name && !p.operator)) return path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  }
  return undefined;
}

/** Top-level keys in upstream's order, provider entries as {provider_id, provider_type, module, config}. */
function canonical(config: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TOP_LEVEL_ORDER) if (key in config) out[key] = config[key];
  for (const key of Object.keys(config)) if (!(key in out)) out[key] = config[key];
  if (isObject(out.providers)) {
    const providers: Record<string, unknown> = {};
    // Base APIs keep their place; APIs the user added follow (in PROVIDER_APIS order, as processed).
    for (const api of Object.keys(out.providers)) {
      const list = (out.providers as Record<string, unknown>)[api];
      providers[api] = Array.isArray(list) ? list.map(orderEntry) : list;
    }
    out.providers = providers;
  }
  return out;
}

function orderEntry(entry: unknown): unknown {
  if (!isObject(entry)) return entry;
  const out: Record<string, unknown> = {};
  for (const key of ['provider_id', 'provider_type', 'module', 'config']) if (key in entry) out[key] = entry[key];
  for (const key of Object.keys(entry)) if (!(key in out)) out[key] = entry[key];
  return out;
}

function countProviders(config: Record<string, any>): number {
  return Object.values((config.providers ?? {}) as Record<string, unknown[]>).reduce((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
}

function countResources(config: Record<string, any>): number {
  const reg = config.registered_resources;
  if (!isObject(reg)) return 0;
  return Object.values(reg).reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
}
