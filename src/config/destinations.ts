import { Catalog, CatalogProvider } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { idOf, placeholders } from './placeholders';
import { isObject } from './schema';
import { IssueCollector } from '../core/errors';
import { redactUrl } from '../core/names';
import { WarningCode } from '../core/warnings';

/** URL schemes an endpoint may have, with their default ports. */
const SCHEMES: Record<string, number> = {
  'http:': 80, 'https:': 443, 'postgresql:': 5432, 'postgres:': 5432, 'redis:': 6379, 'rediss:': 6379, 'grpc:': 80, 'grpcs:': 443,
};

/** Parses an endpoint URL; reports and returns undefined when it is not an absolute URL we can route. */
export function parseEndpoint(issues: IssueCollector, text: string): URL | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !(url.protocol in SCHEMES) || !url.hostname) {
    issues.add(`'${redactUrl(text)}' is not an absolute URL with a scheme and host`, 'write it with a scheme, e.g. http://vllm.models.svc:8000/v1');
    return undefined;
  }
  if (url.username || url.password) {
    issues.add('the URL contains credentials', 'remove them from the URL; pass secrets with apiKey or secretRefs');
    return undefined;
  }
  return url;
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : SCHEMES[url.protocol];
}

/** Providers whose optional endpoint defaults to a hosted service (S3 means AWS when no endpoint_url). */
const HOSTED_WHEN_UNSET = ['remote::s3'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '0.0.0.0' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

/**
 * Where a provider the user declared will connect, recorded for the NetworkPolicy: its literal URL (from
 * `endpoint` or settings), its host/port fields, or the catalog default (e.g. api.openai.com). A remote
 * provider with no location at all is a hosted service outside the cluster.
 */
export function recordDestination(
  ctx: GenerationContext, issues: IssueCollector, cat: CatalogProvider, config: Record<string, unknown>, fromEndpoint: boolean,
): void {
  if (!cat.providerType.startsWith('remote::')) return;
  const given = (cat.urlField && cat.urlField in config) || (cat.hostField && cat.hostField in config);
  const source = issues.path(!given ? undefined : fromEndpoint ? 'endpoint' : `settings.${cat.urlField && cat.urlField in config ? cat.urlField : cat.hostField}`);
  const urlValue = cat.urlField ? config[cat.urlField] ?? cat.fields.find((f) => f.name === cat.urlField)?.default : undefined;
  if (typeof urlValue === 'string' && urlValue.length > 0) {
    if (placeholders(urlValue).length > 0) {
      ctx.warn(WarningCode.EGRESS_NOT_DERIVED, source, 'the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it', 'give a literal endpoint');
      return;
    }
    // Upstream writes some endpoints without a scheme (elasticsearch `localhost:9200`).
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(urlValue) ? urlValue : `http://${urlValue}`;
    const url = parseEndpoint(fromEndpoint ? issues.at('endpoint') : issues.at('settings').at(cat.urlField!), withScheme);
    if (url) addHost(ctx, url.hostname, portOf(url), source);
    return;
  }
  const host = cat.hostField ? config[cat.hostField] : undefined;
  if (typeof host === 'string' && placeholders(host).length > 0) {
    ctx.warn(WarningCode.EGRESS_NOT_DERIVED, source, 'the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it', 'give a literal endpoint');
    return;
  }
  if (typeof host === 'string' && host.length > 0) {
    const port = cat.portField ? Number(config[cat.portField] ?? cat.fields.find((f) => f.name === cat.portField)?.default) : NaN;
    addHost(ctx, host, Number.isFinite(port) ? port : 443, source);
    return;
  }
  if ((cat.urlField || cat.hostField) && !HOSTED_WHEN_UNSET.includes(cat.providerType)) {
    ctx.warn(WarningCode.PROVIDER_WITHOUT_ENDPOINT, source, `no endpoint is set for ${cat.providerType}`, 'give endpoint');
    return;
  }
  if (cat.providerType === 'remote::model-context-protocol') return; // MCP servers are named per tool group at run time
  ctx.endpoints.push({ source, note: `${cat.providerType} calls a hosted service outside the cluster` });
}

/** Records a host the server connects to; loopback needs no rule (and is most likely a mistake). */
export function addHost(ctx: GenerationContext, host: string, port: number, source: string): void {
  if (isLoopback(host)) {
    ctx.warn(WarningCode.ENDPOINT_IS_LOCAL, source, `the endpoint points at ${host}, which is the server's own pod`, 'give the address of the service in the cluster');
    return;
  }
  ctx.endpoints.push({ host, port, source });
}

/**
 * Base-config providers that the stack's env switches on or points somewhere (the operator way:
 * `OLLAMA_URL=http://ollama.x.svc:11434`, `OPENAI_API_KEY` from a Secret). A base entry counts when one of
 * its placeholders names a supplied variable; its URL field is then resolved as the server will resolve it
 * (literal env values, else `:=` defaults) and recorded like a user provider's. `env` maps every supplied
 * name to its literal value, or undefined when it comes from a Secret or a field reference.
 */
export function recordBaseDestinations(ctx: GenerationContext, env: ReadonlyMap<string, string | undefined>): void {
  if (env.size === 0) return; // nothing can switch a base provider on
  const catalog = Catalog.get();
  // The first placeholder naming a supplied variable (names are matched from the text, not built into a
  // pattern: an env name may be anything the user wrote, of any length, and is checked elsewhere).
  const mention = (text: string) => [...text.matchAll(/\$\{env\.([A-Za-z0-9_]+)(?=[:}])/g)].find((m) => env.has(m[1]));
  const user = new Set(ctx.userProviders.map((u) => `${u.api}/${u.id}`));
  for (const [api, list] of Object.entries((ctx.config.providers ?? {}) as Record<string, ProviderEntry[]>)) {
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const id = idOf(p.provider_id);
      const cat = catalog.provider(api, p.provider_type);
      if (!id || !cat || user.has(`${api}/${id.id}`) || !cat.providerType.startsWith('remote::')) return;
      const touching = mention(JSON.stringify(p));
      if (!touching) return;
      // `${env.X:+id}` with X unset means the provider is off: it needs no rule.
      if (resolvedProviderId(p, env) === '') return;
      const source = `env.${touching[1]} (providers.${api}[${i}] '${id.id}' of the base config)`;
      const config = isObject(p.config) ? p.config : {};
      const field = (name: string | null) => (name && typeof config[name] === 'string' ? resolveEnv(config[name] as string, env) : undefined);
      const noRule = (why: string) => ctx.warn(WarningCode.EGRESS_NOT_DERIVED, source, `${why}, so the NetworkPolicy has no egress rule for it`);
      if (cat.urlField && typeof config[cat.urlField] === 'string') {
        const url = field(cat.urlField);
        if (url === undefined || placeholders(url).length > 0) return noRule('the endpoint comes from a Secret or field reference');
        if (url === '') return; // configured but not pointed anywhere
        const parsed = parseEndpoint(new IssueCollector(), /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`); // only no rule
        if (parsed) addHost(ctx, parsed.hostname, portOf(parsed), source);
        else noRule(`'${url}' is not a URL`);
      } else if (cat.hostField && typeof config[cat.hostField] === 'string') {
        const host = field(cat.hostField);
        const port = Number(field(cat.portField) ?? (typeof config[cat.portField ?? ''] === 'number' ? config[cat.portField!] : NaN));
        if (host === undefined || placeholders(host).length > 0 || !Number.isInteger(port)) return noRule('the host or port comes from a Secret or field reference');
        if (host !== '') addHost(ctx, host, port, source);
      } else if (!cat.urlField && !cat.hostField) {
        ctx.endpoints.push({ source, note: `${cat.providerType} calls a hosted service outside the cluster` });
      } else {
        noRule('the base config gives no endpoint for it');
      }
    });
  }
}

/**
 * A provider entry's ID as the server resolves it: '' when `\${env.X:+id}` leaves it off, `undefined` when
 * only known at run time.
 */
export function resolvedProviderId(entry: ProviderEntry, env: ReadonlyMap<string, string | undefined>): string | undefined {
  return typeof entry.provider_id === 'string' ? resolveEnv(entry.provider_id, env) : undefined;
}

/**
 * Substitutes `${env.X}`, `${env.X:=d}` and `${env.X:+v}` as Llama Stack does; undefined when the
 * result depends on a value not known at synth time.
 */
export function resolveEnv(text: string, env: ReadonlyMap<string, string | undefined>): string | undefined {
  let unknown = false;
  const out = text.replace(/\$\{env\.([A-Za-z0-9_]+)(?:(:=|:\+)([^}]*))?\}/g, (_m, name: string, op: string | undefined, operand: string | undefined) => {
    const supplied = env.has(name);
    const value = env.get(name);
    if (supplied && value === undefined && op !== ':+') unknown = true;
    if (op === ':+') return supplied && value !== '' ? operand ?? '' : '';
    if (supplied && value !== undefined && value !== '') return value;
    return op === ':=' ? operand ?? '' : '';
  });
  return unknown ? undefined : out;
}

/**
 * Variables whose value is a URL the server (or a library it loads) connects to: OpenTelemetry's OTLP
 * exporter endpoints, and the proxies httpx and requests honour (which then carry every outbound call).
 */
const URL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy',
];

/**
 * Destinations named by the container's env (`env` and the override env): each literal URL of a known
 * variable is recorded like a provider endpoint; one from a Secret or field reference cannot be, and warns.
 */
export function recordEnvDestinations(ctx: GenerationContext, env: ReadonlyMap<string, string | undefined>): void {
  for (const name of URL_VARIABLES) {
    if (!env.has(name)) continue;
    const value = env.get(name);
    const source = `env.${name}`;
    if (value === undefined) {
      ctx.warn(WarningCode.EGRESS_NOT_DERIVED, source, 'the URL comes from a Secret or field reference, so the NetworkPolicy has no egress rule for it', 'give it as a literal value');
      continue;
    }
    if (value === '') continue;
    // OTLP gRPC endpoints are often written without a scheme (collector:4317).
    const url = parseEndpoint(ctx.issues.at(source), /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    if (url) addHost(ctx, url.hostname, portOf(url), source);
  }
}
