/**
 * The files the registry's ConfigMap carries and its Jobs run: POSIX sh scripts (busybox ash in the
 * postgres Alpine image) and psql scripts. Every value arrives as an environment variable; the shell
 * passes it on only as a quoted argument or environment, and psql reads it with `\getenv` into a
 * variable that reaches the server as a bound parameter (statements.ts). No script is built from values.
 * psql always starts through psql.sh, which keeps the database password off its command line.
 */
import { failSql, latestVersion, migrateScript, migrations, PSQL_HEADER, rollbackScript, schemaCheckSql } from './migrations';
import {
  DISABLE, ENABLE, HEALTH_UPDATE, psqlPrepared, RECONCILE_DELETE, RECONCILE_DISABLE, REGISTER, ROUTE_LOOKUP, Statement,
} from './statements';

/** Environment variables the scripts read. */
export const ENV = {
  /** The connection string (from the Secret). */
  databaseUrl: 'REGISTRY_DATABASE_URL',
  modelName: 'REGISTRY_MODEL_NAME',
  environment: 'REGISTRY_ENVIRONMENT',
  backend: 'REGISTRY_BACKEND',
  modelId: 'REGISTRY_MODEL_ID',
  endpoint: 'REGISTRY_ENDPOINT',
  namespace: 'REGISTRY_NAMESPACE',
  status: 'REGISTRY_STATUS',
  metadata: 'REGISTRY_METADATA',
  /** Full health URL to wait for before registering; empty: do not wait. */
  healthUrl: 'REGISTRY_HEALTH_URL',
  /** How long to wait for the health URL in total. */
  waitSeconds: 'REGISTRY_WAIT_SECONDS',
  /** Timeout of one health request. */
  probeTimeoutSeconds: 'REGISTRY_PROBE_TIMEOUT_SECONDS',
  /** Pause between health requests while waiting. */
  probeIntervalSeconds: 'REGISTRY_PROBE_INTERVAL_SECONDS',
  /** Set by register.sh: whether the health URL answered. */
  healthVerified: 'REGISTRY_HEALTH_VERIFIED',
  /** Set by health-check.sh per target. */
  healthy: 'REGISTRY_HEALTHY',
  /**
   * Lines `<model name> <environment> <health URL> [<API key variable>]` for health-check.sh; the
   * fourth field names the environment variable that holds the entry's API key.
   */
  healthTargets: 'REGISTRY_HEALTH_TARGETS',
  /**
   * The API key register.sh sends with its health requests (from the entry's `healthCheckApiKey`
   * Secret); health-check.sh reads one variable per Secret, named with this prefix and a hash.
   */
  healthAuth: 'REGISTRY_HEALTH_AUTH',
  /** The reconcile Job: the registry's name, as rows record it in `metadata.registry`. */
  registryName: 'REGISTRY_NAME',
  /** The reconcile Job: JSON array of the environments it reconciles. */
  reconcileEnvironments: 'REGISTRY_RECONCILE_ENVIRONMENTS',
  /** The reconcile Job: JSON array of the declared `{"model_name", "environment"}` pairs. */
  declared: 'REGISTRY_DECLARED',
  /** The reconcile Job: `disable` or `delete`. */
  reconcileAction: 'REGISTRY_RECONCILE_ACTION',
} as const;

/** Exit code of http-probe.sh when it cannot send the request at all (empty or unusable key, bad URL). */
export const PROBE_UNUSABLE = 64;

/** psql variable -> environment variable, for `\getenv`. */
const VARIABLES: Record<string, string> = {
  model_name: ENV.modelName,
  environment: ENV.environment,
  backend: ENV.backend,
  model_id: ENV.modelId,
  endpoint: ENV.endpoint,
  namespace: ENV.namespace,
  status: ENV.status,
  metadata: ENV.metadata,
  health_verified: ENV.healthVerified,
  healthy: ENV.healthy,
  registry: ENV.registryName,
  environments: ENV.reconcileEnvironments,
  declared: ENV.declared,
};

function getenvLines(s: Statement): string[] {
  return s.params.map((p) => `\\getenv ${p.name} ${VARIABLES[p.name]}`);
}

/** Fails when a variable the statement needs is not set (psql would otherwise send `:'name'` as text). */
function requireLines(s: Statement): string[] {
  return s.params.flatMap((p) => [
    `\\if :{?${p.name}}`,
    '\\else',
    `${failSql(`${VARIABLES[p.name]} is not set`, 'the Job sets it; run this script through its shell script')};`,
    '\\endif',
  ]);
}

/**
 * A held lock (an operator's open transaction, a long migration) must not stall a registration or a health
 * check until its Job's deadline: each statement waits for locks at most LOCK_TIMEOUT and runs at most
 * STATEMENT_TIMEOUT, then fails (and the Job retries). The migration runner is exempt: it waits for its
 * advisory lock on purpose.
 */
export const LOCK_TIMEOUT = '10s';
export const STATEMENT_TIMEOUT = '60s';
const TIMEOUTS = `SET lock_timeout = '${LOCK_TIMEOUT}';\nSET statement_timeout = '${STATEMENT_TIMEOUT}';`;

function statementScript(comment: string, s: Statement, schemaCheck: boolean): string {
  return [
    ...comment.split('\n').map((l) => `-- ${l}`),
    PSQL_HEADER,
    TIMEOUTS,
    ...getenvLines(s),
    ...requireLines(s),
    ...(schemaCheck ? [`${schemaCheckSql(latestVersion())};`] : []),
    '\\set QUIET off',
    psqlPrepared(s),
    '',
  ].join('\n');
}

export const REGISTER_SQL = (): string => statementScript(
  'Registers one model (run by register.sh). Values come from environment variables through psql variables\n'
  + 'and reach the server as parameters of the prepared statement.',
  REGISTER, true,
);

export const HEALTH_CHECK_SQL = (): string => statementScript(
  'Records one health check result (run by health-check.sh for each model).',
  HEALTH_UPDATE, true,
);

export const RECONCILE_DISABLE_SQL = (): string => statementScript(
  'Takes the rows of this registry\'s environments that no entry declares any more out of routing (run by\n'
  + 'reconcile.sh). Rows written by hand, by other registries or in other environments are never touched.',
  RECONCILE_DISABLE, true,
);

export const RECONCILE_DELETE_SQL = (): string => statementScript(
  'Deletes the rows of this registry\'s environments that no entry declares any more (run by reconcile.sh\n'
  + 'with reconcile.deleteUndeclared). Rows written by hand, by other registries or in other environments are never touched.',
  RECONCILE_DELETE, true,
);

const OPERATOR_USAGE = 'Usage: psql -v model_name=<name> -v environment=<environment> -f';

function operatorScript(comment: string, file: string, s: Statement): string {
  return [
    `-- ${comment}`,
    `-- ${OPERATOR_USAGE} ${file}`,
    PSQL_HEADER,
    TIMEOUTS,
    ...s.params.flatMap((p) => [
      `\\if :{?${p.name}}`,
      '\\else',
      `${failSql(`the psql variable ${p.name} is not set`, `${OPERATOR_USAGE} ${file}`)};`,
      '\\endif',
    ]),
    '\\set QUIET off',
    psqlPrepared(s),
    '',
  ].join('\n');
}

/** Exit code of psql.sh when REGISTRY_DATABASE_URL cannot be used (psql's own for a bad connection is 2 too). */
export const URL_UNUSABLE = 2;

/**
 * Runs psql on the registry's database with the password kept off psql's command line, where `ps` in
 * the pod and libpq's messages (it repeats a malformed URI in its errors) would show it. It splits
 * REGISTRY_DATABASE_URL as libpq does (fe-connect.c, conninfo_uri_parse_options and
 * conninfo_uri_parse_params: the user information ends at the first `@` or `/`, the password follows
 * its first `:`, a `password` query parameter wins; conninfo_uri_decode: `%XX` escapes, `%00`
 * refused), decodes the password into PGPASSWORD with bash's built-in printf (no process, no argv),
 * and gives psql the URL without it. REGISTRY_DATABASE_URL is not passed on. Its own messages never
 * print the URL. The scripts run it as `bash psql.sh <psql arguments>`.
 */
export const PSQL_SH = `#!/bin/bash
# psql on the registry database: REGISTRY_DATABASE_URL without its password on psql's command line (the
# password goes to PGPASSWORD). Arguments are psql's. Exit ${URL_UNUSABLE} when the URL cannot be used.
set -u
url=\${${ENV.databaseUrl}-}
unset ${ENV.databaseUrl}
unusable() {
  echo "${ENV.databaseUrl} $1 (the value is not printed: it holds the password)" >&2
  exit ${URL_UNUSABLE}
}
# One percent-encoded value (libpq's rules) into $decoded; fails on a bad escape or %00.
decode() {
  local v=$1 bad='%([^0-9A-Fa-f]|[0-9A-Fa-f]([^0-9A-Fa-f]|$)|$)'
  if [[ $v =~ $bad || $v == *%00* ]]; then return 1; fi
  v=\${v//\\\\/\\\\\\\\}
  v=\${v//%/\\\\x}
  printf -v decoded '%b' "$v"
}
[[ -n $url ]] || unusable "is empty or not set (check the Secret of database.connectionString)"
case $url in
  postgresql://*) scheme=postgresql:// ;;
  postgres://*) scheme=postgres:// ;;
  *) unusable "is not a postgresql:// or postgres:// URL" ;;
esac
if [[ $url == *[[:cntrl:]]* ]]; then unusable "contains a control character (a line break at its end?)"; fi
rest=\${url#"$scheme"}
head=\${rest%%[@/]*}
user=
password=
has_password=false
if [[ \${rest:\${#head}:1} == @ ]]; then
  rest=\${rest#*@}
  user=\${head%%:*}
  if [[ $head == *:* ]]; then password=\${head#*:}; has_password=true; fi
fi
address=\${rest%%\\?*}
if [[ $address == *@* ]]; then
  unusable "has an '@' after its user information: write '@' and '/' inside the user name or password as %40 and %2F"
fi
query=
if [[ $rest == *\\?* ]]; then
  kept=
  IFS='&' read -r -a params <<<"\${rest#*\\?}"
  for param in "\${params[@]}"; do
    if decode "\${param%%=*}" && [[ $decoded == password && $param == *=* ]]; then
      password=\${param#*=}
      has_password=true
    else
      kept+=\${kept:+&}$param
    fi
  done
  query=\${kept:+?$kept}
fi
if $has_password && [[ -n $password ]]; then
  decode "$password" || unusable "has a password with a bad percent escape (write '%' as %25; %00 is not allowed)"
  PGPASSWORD=$decoded
  export PGPASSWORD
fi
exec psql -d "$scheme\${user:+$user@}$address$query" "$@"
`;

/** The migration Job: apply pending migrations (migrate.sql and the files beside it). */
export const MIGRATE_SH = `#!/bin/sh
# Migration Job of a ModelRegistry: apply the migrations that are not yet in the ledger (migrate.sql).
set -eu
dir=$(dirname -- "$0")
: "\${${ENV.databaseUrl}:?is not set}"
exec bash "$dir/psql.sh" -X -f "$dir/migrate.sql"
`;

/**
 * Waits (bounded) for the model's health URL unless it is empty, then runs register.sql. The model name
 * and URL are only ever quoted arguments; `--` keeps a URL from being read as an option. With an API key
 * (REGISTRY_HEALTH_AUTH set), the requests go through http-probe.sh, which gets the key on its standard
 * input from the shell's built-in printf (no process, so no argv); psql does not inherit the key. The
 * wait never gives up before REGISTRY_WAIT_SECONDS have passed since the pod started.
 */
export const REGISTER_SH = `#!/bin/sh
# Registration Job of a ModelRegistryEntry: wait for the model to answer its health URL, then upsert
# its row in model_registry_entries (register.sql, beside this script).
set -eu
dir=$(dirname -- "$0")
: "\${${ENV.databaseUrl}:?is not set}"
: "\${${ENV.modelName}:?is not set}" "\${${ENV.environment}:?is not set}"
verified=false
if [ -n "\${${ENV.healthUrl}:-}" ]; then
  wait_s=\${${ENV.waitSeconds}:-900}
  probe_s=\${${ENV.probeTimeoutSeconds}:-5}
  pause_s=\${${ENV.probeIntervalSeconds}:-10}
  start=$(date +%s)
  if [ -n "\${${ENV.healthAuth}+set}" ]; then
    echo "waiting up to \${wait_s}s for \${${ENV.healthUrl}} (with the API key of healthCheckApiKey)"
  else
    echo "waiting up to \${wait_s}s for \${${ENV.healthUrl}}"
  fi
  while :; do
    rc=0
    if [ -n "\${${ENV.healthAuth}+set}" ]; then
      printf '%s' "$${ENV.healthAuth}" | timeout "$probe_s" bash "$dir/http-probe.sh" "\${${ENV.healthUrl}}" || rc=$?
    else
      timeout "$probe_s" wget -q -O /dev/null -- "\${${ENV.healthUrl}}" || rc=$?
    fi
    [ "$rc" -ne 0 ] || break
    if [ "$rc" -eq ${PROBE_UNUSABLE} ]; then
      echo "cannot send the health request (see above); not registering the model" >&2
      exit 1
    fi
    now=$(date +%s)
    # Whole seconds: -gt keeps the wait from ending before wait_s have passed.
    if [ $((now - start)) -gt "$wait_s" ]; then
      echo "the model did not answer \${${ENV.healthUrl}} within \${wait_s}s; not registering it" >&2
      exit 1
    fi
    sleep "$pause_s"
  done
  verified=true
  echo "the model answers \${${ENV.healthUrl}}"
fi
unset ${ENV.healthAuth}
${ENV.healthVerified}=$verified
export ${ENV.healthVerified}
exec bash "$dir/psql.sh" -X -f "$dir/register.sql"
`;

/**
 * Checks every target's health URL (one request each, bounded) and records the result with
 * health-check.sql. Targets are space-separated lines; their fields cannot hold spaces or newlines
 * (validated at synth time). A fourth field names the environment variable with the target's API key
 * (checked to be such a name before it is expanded); the shell's built-in printf hands the key to
 * http-probe.sh on standard input. Exits non-zero if any database update failed, never for an unhealthy model.
 */
export const HEALTH_CHECK_SH = `#!/bin/sh
# Health-check CronJob of a ModelRegistry: for each registered model, GET its health URL and record the
# result (ready <-> degraded; disabled models are left alone) with health-check.sql, beside this script.
set -u
dir=$(dirname -- "$0")
: "\${${ENV.databaseUrl}:?is not set}"
probe_s=\${${ENV.probeTimeoutSeconds}:-5}
failed=0
checked=0
while read -r model environment url auth; do
  [ -n "$model" ] || continue
  case \${auth:-} in
    '')
      if timeout "$probe_s" wget -q -O /dev/null -- "$url"; then healthy=true; else healthy=false; fi ;;
    *[!A-Z0-9_]*)
      echo "$model ($environment): '$auth' is not an environment variable name" >&2
      healthy=false ;;
    ${ENV.healthAuth}_?*)
      eval "key=\\\${$auth-}"
      if printf '%s' "$key" | timeout "$probe_s" bash "$dir/http-probe.sh" "$url"; then healthy=true; else healthy=false; fi ;;
    *)
      echo "$model ($environment): '$auth' is not an API key variable" >&2
      healthy=false ;;
  esac
  echo "$model ($environment): healthy=$healthy"
  if ! ${ENV.modelName}=$model ${ENV.environment}=$environment ${ENV.healthy}=$healthy \\
    bash "$dir/psql.sh" -X -q -f "$dir/health-check.sql" >/dev/null; then
    echo "could not record the health of $model ($environment)" >&2
    failed=1
  fi
  checked=$((checked + 1))
done <<EOF
\${${ENV.healthTargets}:-}
EOF
echo "checked $checked model(s)"
exit $failed
`;

/**
 * One health request with an API key, for endpoints that refuse anonymous requests (a hosted
 * OpenAI-compatible API answers 401). busybox wget, the image's HTTP client, takes extra headers only as
 * `--header` arguments (no file, no environment variable), which process listings, audit logs and `ps`
 * show, and it sends them again to any host a redirect names. So this script, run by bash (which the
 * postgres Alpine images ship), opens the connection itself (`/dev/tcp`), writes the request with its
 * built-in printf (no new process, so no argv) to the socket or, for https, to the standard input of
 * `ssl_client` (the image's TLS helper, the one busybox wget uses; Alpine's verifies the certificate
 * against the image's CA bundle), and reads the status line. The key comes on standard input; it is never
 * an argument, never printed and never written to a file. Redirects are not followed: a 3xx counts as
 * unhealthy, so the key never goes to another host. Exit 0 on a 2xx answer, 1 otherwise,
 * PROBE_UNUSABLE when the request cannot be made (empty key, a key with a control character, a URL that
 * is not http(s)).
 */
export const HTTP_PROBE_SH = `#!/bin/bash
# Health request with an API key (run by register.sh and health-check.sh): GET "$1" with the header
# "Authorization: Bearer <key>", the key read from standard input. Exit 0 on a 2xx answer, 1 on any
# other answer or none, ${PROBE_UNUSABLE} when the request cannot be made. Redirects are not followed.
set -u
url=\${1-}
IFS= read -r -d '' key || true
while [[ $key == *$'\\n' || $key == *$'\\r' ]]; do key=\${key%?}; done
if [[ -z $key ]]; then
  echo "the API key for $url is empty (check the Secret of healthCheckApiKey)" >&2
  exit ${PROBE_UNUSABLE}
fi
if [[ $key == *[[:cntrl:]]* ]]; then
  echo "the API key for $url contains a control character (a line break inside it?), so it cannot be sent in a header" >&2
  exit ${PROBE_UNUSABLE}
fi
case $url in
  http://*) tls=false; rest=\${url#http://}; port=80 ;;
  https://*) tls=true; rest=\${url#https://}; port=443 ;;
  *) echo "'$url' is not an http or https URL" >&2; exit ${PROBE_UNUSABLE} ;;
esac
authority=\${rest%%/*}
if [[ $authority == "$rest" ]]; then path=/; else path=/\${rest#*/}; fi
if [[ $authority == \\[* ]]; then
  host=\${authority%%]*}; host=\${host#[}; tail=\${authority#*]}
else
  host=\${authority%%:*}; tail=\${authority#"$host"}
fi
if [[ $tail == :* ]]; then port=\${tail#:}; fi
if [[ -z $host || ! $port =~ ^[0-9]{1,5}$ || $authority$path == *[[:space:][:cntrl:]]* ]]; then
  echo "'$url' is not a usable URL" >&2
  exit ${PROBE_UNUSABLE}
fi
if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  echo "$url: cannot connect to $host port $port" >&2
  exit 1
fi
request() {
  printf 'GET %s HTTP/1.1\\r\\nHost: %s\\r\\nUser-Agent: cdk8s-llama-stack-registry\\r\\nAccept: */*\\r\\nAuthorization: Bearer %s\\r\\nConnection: close\\r\\n\\r\\n' \\
    "$path" "$authority" "$key"
}
status=
if $tls; then
  status=$(request | ssl_client -s 3 -n "$host" | { IFS= read -r line; printf '%s' "$line"; })
else
  request >&3
  IFS= read -r status <&3
fi
exec 3>&-
if [[ $status =~ ^HTTP/[0-9.]+\\ ([0-9]{3}) ]]; then
  code=\${BASH_REMATCH[1]}
else
  echo "$url: no HTTP answer" >&2
  exit 1
fi
case $code in
  2??) exit 0 ;;
  3??) echo "$url answered HTTP $code: redirects are not followed with an API key (give the final URL as endpoint and healthPath)" >&2 ;;
  401|403) echo "$url answered HTTP $code: the API key was refused" >&2 ;;
  *) echo "$url answered HTTP $code" >&2 ;;
esac
exit 1
`;

/**
 * The reconcile Job: runs the statement that disables (or, with `deleteUndeclared`, deletes) the
 * registry's rows that no entry declares. Which rows those are is decided by the statement alone.
 */
export const RECONCILE_SH = `#!/bin/sh
# Reconcile Job of a ModelRegistry: rows of this registry's environments that no entry declares any more
# are taken out of routing (reconcile-disable.sql) or, with reconcile.deleteUndeclared, deleted
# (reconcile-delete.sql). Rows written by hand, by other registries or in other environments are never touched.
set -eu
dir=$(dirname -- "$0")
: "\${${ENV.databaseUrl}:?is not set}"
case "\${${ENV.reconcileAction}:-}" in
  disable) file=reconcile-disable.sql ;;
  delete) file=reconcile-delete.sql ;;
  *) echo "${ENV.reconcileAction} must be 'disable' or 'delete'" >&2; exit 2 ;;
esac
exec bash "$dir/psql.sh" -X -f "$dir/$file"
`;

/** ConfigMap data: the migrations, the runners, the Jobs' scripts and the operators' scripts. */
export function registryFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of migrations()) {
    files[m.upFile] = m.up;
    files[m.downFile] = m.down;
  }
  files['migrate.sh'] = MIGRATE_SH;
  files['migrate.sql'] = migrateScript();
  files['rollback.sql'] = rollbackScript();
  files['register.sh'] = REGISTER_SH;
  files['register.sql'] = REGISTER_SQL();
  files['health-check.sh'] = HEALTH_CHECK_SH;
  files['health-check.sql'] = HEALTH_CHECK_SQL();
  files['http-probe.sh'] = HTTP_PROBE_SH;
  files['psql.sh'] = PSQL_SH;
  files['reconcile.sh'] = RECONCILE_SH;
  files['reconcile-disable.sql'] = RECONCILE_DISABLE_SQL();
  files['reconcile-delete.sql'] = RECONCILE_DELETE_SQL();
  files['disable.sql'] = operatorScript('Takes a model out of routing until it is enabled again.', 'disable.sql', DISABLE);
  files['enable.sql'] = operatorScript('Puts a disabled model back into routing.', 'enable.sql', ENABLE);
  files['lookup.sql'] = operatorScript('What the router sees: the endpoint of a ready model.', 'lookup.sql', ROUTE_LOOKUP);
  return Object.fromEntries(Object.keys(files).sort().map((k) => [k, files[k]]));
}
