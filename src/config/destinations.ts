import { Catalog, CatalogProvider } from './catalog';
import { GenerationContext, ProviderEntry } from './context';
import { idOf, placeholders } from './placeholders';
import { isObject } from './schema';
import { IssueCollector } from '../core/errors';

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
    issues.add(`'${text}' is not an absolute URL with a scheme and host`, 'write it with a scheme, e.g. http://vllm.models.svc:8000/v1');
    return undefined;
  }
  if (url.username || url.password) {
    issues.add('the URL contains credentials', 'remove them from the URL; pass secrets with apiKey or secretRefs');
    return undefined;
  }
  return url;
}

function portOf(url: URL): number {
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
      ctx.warn(source, 'the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it (give a literal endpoint)');
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
    ctx.warn(source, 'the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it (give a literal endpoint)');
    return;
  }
  if (typeof host === 'string' && host.length > 0) {
    const port = cat.portField ? Number(config[cat.portField] ?? cat.fields.find((f) => f.name === cat.portField)?.default) : NaN;
    addHost(ctx, host, Number.isFinite(port) ? port : 443, source);
    return;
  }
  if ((cat.urlField || cat.hostField) && !HOSTED_WHEN_UNSET.includes(cat.providerType)) {
    ctx.warn(source, `no endpoint is set for ${cat.providerType} (give endpoint)`);
    return;
  }
  if (cat.providerType === 'remote::model-context-protocol') return; // MCP servers are named per tool group at run time
  ctx.endpoints.push({ source, note: `${cat.providerType} calls a hosted service outside the cluster` });
}

/** Records a host the server connects to; loopback needs no rule (and is most likely a mistake). */
export function addHost(ctx: GenerationContext, host: string, port: number, source: string): void {
  if (isLoopback(host)) {
    ctx.warn(source, `the endpoint points at ${host}, which is the server's own pod`);
    return;
  }
  ctx.endpoints.push({ host, port, source });
}

/**
 * Base-config providers enabled through env (the operator way: `OLLAMA_URL=http://ollama.x.svc:11434`):
 * a URL field that is `${env.X...}` with a literal URL supplied for X gets an egress rule too.
 */
export function recordBaseDestinations(ctx: GenerationContext, env: ReadonlyMap<string, string>): void {
  const catalog = Catalog.get();
  const user = new Set(ctx.userProviders.map((u) => `${u.api}/${u.id}`));
  for (const [api, list] of Object.entries((ctx.config.providers ?? {}) as Record<string, ProviderEntry[]>)) {
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const id = idOf(p.provider_id);
      const cat = catalog.provider(api, p.provider_type);
      if (!id || user.has(`${api}/${id.id}`) || !cat?.urlField || !isObject(p.config)) return;
      const value = p.config[cat.urlField];
      const ref = typeof value === 'string' ? placeholders(value)[0] : undefined;
      const url = ref && env.get(ref.name);
      if (!url || placeholders(url).length > 0) return;
      const source = `env.${ref.name} (providers.${api}[${i}] of the base config)`;
      const parsed = parseEndpoint(new IssueCollector(), url); // not an error here: only no rule
      if (parsed) addHost(ctx, parsed.hostname, portOf(parsed), source);
      else ctx.warn(source, `'${url}' is not a URL, so the NetworkPolicy has no egress rule for it`);
    });
  }
}
