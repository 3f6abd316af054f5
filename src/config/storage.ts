import { GenerationContext } from './context';
import { addHost } from './destinations';
import { checkUserString, literalOnly } from './env-refs';
import { envRef } from './placeholders';
import { isObject } from './schema';
import { StorageBackendSpec, StorageSpec } from './types';
import { didYouMean, IssueCollector } from '../core/errors';
import { llsdEnvName, redactUrl } from '../core/names';
import { isCidr } from '../core/network';

const KV_TYPES = ['sqlite', 'redis', 'postgres'];
const SQL_TYPES = ['sqlite', 'postgres'];
const BACKEND_FIELDS = ['type', 'connectionString', 'host', 'port', 'db', 'user', 'password', 'cidr', 'sslMode', 'caCertPath'];
/** libpq's sslmode values, which psycopg2 (kv_postgres) and asyncpg (sql_postgres, through PGSSLMODE) accept. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const POSTGRES_ONLY = ['cidr', 'sslMode', 'caCertPath'] as const;
const STRING_FIELDS = ['type', 'connectionString', 'host', 'db', 'user', 'cidr', 'sslMode', 'caCertPath'] as const;
const STORAGE_FIELD = literalOnly('write the value itself (a password goes in password: { name, key })');

/**
 * `storage.kv` / `storage.sql` -> `storage.backends.kv_default` / `sql_default`. The stores of the base
 * config keep pointing at those two names, so they stay valid.
 */
export function applyStorage(ctx: GenerationContext, spec: StorageSpec | undefined): void {
  if (spec === undefined) return;
  const issues = ctx.issues.at('storage');
  if (!isObject(spec as unknown)) {
    issues.add('expected an object', 'e.g. storage: { sql: { type: \'postgres\', ... } }');
    return;
  }
  for (const key of Object.keys(spec)) {
    if (key !== 'kv' && key !== 'sql') issues.add(`unknown field '${key}'`, didYouMean(key, ['kv', 'sql']) ?? 'fields: kv, sql', key);
  }
  const storage = isObject(ctx.config.storage) ? ctx.config.storage : (ctx.config.storage = {});
  const baseHadBackends = isObject(storage.backends);
  const backends = isObject(storage.backends) ? storage.backends : (storage.backends = {});
  if (spec.kv !== undefined) {
    const b = backend(ctx, issues.at('kv'), spec.kv, 'kv', KV_TYPES);
    if (b) backends.kv_default = b;
  }
  if (spec.sql !== undefined) {
    const b = backend(ctx, issues.at('sql'), spec.sql, 'sql', SQL_TYPES);
    if (b) backends.sql_default = b;
  }
  if (!baseHadBackends) {
    // A base without backends relies on 0.7.1's SQLite defaults; spell out the one the user did not give,
    // so the stores below have both backends to point at.
    backends.kv_default = backends.kv_default ?? { type: 'kv_sqlite', db_path: `${ctx.dataDir}/kvstore.db` };
    backends.sql_default = backends.sql_default ?? { type: 'sql_sqlite', db_path: `${ctx.dataDir}/sql_store.db` };
  }
  if (!isObject(storage.stores)) {
    // 0.7.1's defaults point at kv_default/sql_default; spell them out so the file is self-describing.
    storage.stores = {
      metadata: { namespace: 'registry', backend: 'kv_default' },
      inference: { table_name: 'inference_store', backend: 'sql_default' },
      conversations: { table_name: 'openai_conversations', backend: 'sql_default' },
      prompts: { namespace: 'prompts', backend: 'kv_default' },
      connectors: { namespace: 'connectors', backend: 'kv_default' },
    };
  }
}

function backend(
  ctx: GenerationContext,
  issues: IssueCollector,
  spec: StorageBackendSpec,
  kind: 'kv' | 'sql',
  types: string[],
): Record<string, unknown> | undefined {
  if (!isObject(spec)) {
    issues.add('expected an object', `e.g. { type: '${types[0]}' }`);
    return undefined;
  }
  for (const key of Object.keys(spec)) {
    if (!BACKEND_FIELDS.includes(key) && (spec as any)[key] !== undefined) issues.add(`unknown field '${key}'`, didYouMean(key, BACKEND_FIELDS) ?? `fields: ${BACKEND_FIELDS.join(', ')}`, key);
  }
  let literal = true;
  for (const f of STRING_FIELDS) {
    const v = spec[f];
    if (typeof v === 'string') literal = checkUserString(ctx, issues.at(f), v, STORAGE_FIELD) && literal;
  }
  if (!literal) return undefined;
  if (!types.includes(spec.type)) {
    issues.add(`unknown ${kind} storage type '${String(spec.type)}'`, `use one of: ${types.join(', ')}`, 'type');
    return undefined;
  }
  if (spec.type === 'sqlite') {
    for (const f of ['connectionString', 'host', 'port', 'db', 'user', 'password', ...POSTGRES_ONLY] as const) {
      if (spec[f] !== undefined) issues.add(`${f} is not used by sqlite`, `remove ${f}, or use type: 'postgres'`, f);
    }
    const file = kind === 'kv' ? 'kvstore.db' : 'sql_store.db';
    return { type: `${kind}_sqlite`, db_path: `${ctx.dataDir}/${file}` };
  }
  if (spec.type === 'redis') {
    for (const f of ['connectionString', 'db', 'user', ...POSTGRES_ONLY] as const) {
      if (spec[f] !== undefined) issues.add(`${f} is not used by redis`, 'give host and port', f);
    }
    if (spec.password !== undefined) {
      issues.add('the redis backend of Llama Stack 0.7.1 has no password setting', 'use a redis reachable without a password (restrict it with a NetworkPolicy), or use type: \'postgres\'', 'password');
    }
    if (typeof spec.host !== 'string' || spec.host === '') {
      issues.add('host is required when type is redis', 'e.g. host: \'redis.db.svc\'', 'host');
      return undefined;
    }
    const port = checkPort(issues, spec.port) ?? 6379;
    addHost(ctx, spec.host, port, issues.path());
    return { type: 'kv_redis', host: spec.host, port };
  }
  return postgres(ctx, issues, spec, kind);
}

function postgres(ctx: GenerationContext, issues: IssueCollector, spec: StorageBackendSpec, kind: 'kv' | 'sql'): Record<string, unknown> | undefined {
  let fromUrl: { host?: string; port?: number; db?: string; user?: string } = {};
  if (spec.connectionString !== undefined) {
    const parsed = parsePostgresUrl(issues.at('connectionString'), spec.connectionString);
    if (!parsed) return undefined;
    // Percent-decoding can spell ${env. (%24%7Benv.) where the raw text does not.
    for (const part of [parsed.host, parsed.user, parsed.db]) {
      if (part !== undefined && !checkUserString(ctx, issues.at('connectionString'), part, STORAGE_FIELD)) return undefined;
    }
    fromUrl = parsed;
  }
  for (const f of ['host', 'user', 'db'] as const) {
    if (spec[f] !== undefined && (typeof spec[f] !== 'string' || spec[f] === '')) issues.add('expected a non-empty string', undefined, f);
  }
  if (issues.hasIssuesAt(issues.path())) return undefined;
  const host = spec.host ?? fromUrl.host;
  const user = spec.user ?? fromUrl.user;
  const port = checkPort(issues, spec.port) ?? fromUrl.port ?? 5432;
  const db = spec.db ?? fromUrl.db ?? 'llamastack';
  if (!host) issues.add('host is required when type is postgres', 'give host, or connectionString: \'postgresql://user@host:5432/db\'', 'host');
  if (!user) issues.add('user is required when type is postgres', 'give user, or connectionString: \'postgresql://user@host:5432/db\'', 'user');
  if (!host || !user) return undefined;
  const out: Record<string, unknown> = { type: `${kind}_postgres`, host, port, db, user };
  if (spec.password !== undefined) {
    const name = llsdEnvName('STORAGE', kind, 'PASSWORD');
    if (ctx.addSecretEnv(issues.at('password'), name, spec.password, issues.path('password'))) out.password = envRef(name);
  }
  if (kind === 'kv') out.table_name = 'llamastack_kvstore';
  applyTls(ctx, issues, spec, kind, out);
  if (spec.cidr !== undefined && !isCidr(spec.cidr)) {
    issues.add(`'${spec.cidr}' is not a CIDR block`, 'e.g. 10.20.0.0/16 or 10.20.3.4/32', 'cidr');
  } else if (spec.cidr !== undefined) {
    ctx.endpoints.push({ host, port, source: issues.path(), cidr: spec.cidr });
    return out;
  }
  addHost(ctx, host, port, issues.path());
  return out;
}

/**
 * TLS to PostgreSQL. 0.7.1's kv_postgres passes ssl_mode and ca_cert_path to psycopg2.connect (as sslmode
 * and sslrootcert); sql_postgres builds an asyncpg URL with neither, and asyncpg then reads PGSSLMODE and
 * PGSSLROOTCERT from the environment, so those are set in the container.
 */
function applyTls(ctx: GenerationContext, issues: IssueCollector, spec: StorageBackendSpec, kind: 'kv' | 'sql', out: Record<string, unknown>): void {
  if (spec.sslMode !== undefined && !SSL_MODES.includes(spec.sslMode)) {
    issues.add(`'${spec.sslMode}' is not an sslmode`, `use one of: ${SSL_MODES.join(', ')}`, 'sslMode');
    return;
  }
  if (spec.caCertPath !== undefined && (typeof spec.caCertPath !== 'string' || !spec.caCertPath.startsWith('/') || /[\s\0]/.test(spec.caCertPath))) {
    issues.add(`'${String(spec.caCertPath)}' is not an absolute path`, 'give the path of the CA file in the container, e.g. /etc/llama-stack-ca/combined/ca-bundle.crt', 'caCertPath');
    return;
  }
  if (spec.caCertPath !== undefined && spec.sslMode === 'disable') {
    issues.add('caCertPath has no effect with sslMode disable', 'remove caCertPath, or use sslMode verify-full', 'caCertPath');
  }
  if (kind === 'kv') {
    if (spec.sslMode !== undefined) out.ssl_mode = spec.sslMode;
    if (spec.caCertPath !== undefined) out.ca_cert_path = spec.caCertPath;
    return;
  }
  if (spec.sslMode !== undefined) ctx.plainEnv.push({ name: 'PGSSLMODE', value: spec.sslMode, source: issues.path('sslMode') });
  if (spec.caCertPath !== undefined) ctx.plainEnv.push({ name: 'PGSSLROOTCERT', value: spec.caCertPath, source: issues.path('caCertPath') });
}

function checkPort(issues: IssueCollector, port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    issues.add(`port must be an integer from 1 to 65535, got ${port}`, 'e.g. 5432', 'port');
    return undefined;
  }
  return port;
}

/** `postgresql://user@host:5432/db`. A password in the URL is refused: secrets only via SecretKeyRef. */
export function parsePostgresUrl(issues: IssueCollector, text: string): { host?: string; port?: number; db?: string; user?: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    issues.add(`'${redactUrl(text)}' is not a URL`, 'use postgresql://user@host:5432/db');
    return undefined;
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    issues.add(`scheme '${url.protocol}' is not postgresql:`, 'use postgresql://user@host:5432/db');
    return undefined;
  }
  if (url.password) {
    issues.add('the connection string contains a password', 'remove it from the URL and give password: { name: \'<secret>\', key: \'<key>\' }');
    return undefined;
  }
  const params = [...url.searchParams.keys()];
  if (params.length > 0) {
    issues.add(
      `the connection string has parameters (${params.join(', ')}) that Llama Stack 0.7.1's postgres backends cannot take`,
      'remove them; only host, port, db, user and password are used',
    );
    return undefined;
  }
  const db = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname || undefined,
    port: url.port ? Number(url.port) : undefined,
    db: db || undefined,
    user: url.username ? decodeURIComponent(url.username) : undefined,
  };
}

