/**
 * The files the registry's ConfigMap carries and its Jobs run: POSIX sh scripts (busybox ash in the
 * postgres Alpine image) and psql scripts. Every value arrives as an environment variable; the shell
 * passes it on only as a quoted argument or environment, and psql reads it with `\getenv` into a
 * variable that reaches the server as a bound parameter (statements.ts). No script is built from values.
 */
import { failSql, latestVersion, migrateScript, migrations, PSQL_HEADER, rollbackScript, schemaCheckSql } from './migrations';
import { DISABLE, ENABLE, HEALTH_UPDATE, psqlPrepared, REGISTER, ROUTE_LOOKUP, Statement } from './statements';

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
  /** Lines `<model name> <environment> <health URL>` for health-check.sh. */
  healthTargets: 'REGISTRY_HEALTH_TARGETS',
} as const;

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

function statementScript(comment: string, s: Statement, schemaCheck: boolean): string {
  return [
    ...comment.split('\n').map((l) => `-- ${l}`),
    PSQL_HEADER,
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

const OPERATOR_USAGE = 'Usage: psql -v model_name=<name> -v environment=<environment> -f';

function operatorScript(comment: string, file: string, s: Statement): string {
  return [
    `-- ${comment}`,
    `-- ${OPERATOR_USAGE} ${file}`,
    PSQL_HEADER,
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

/** The migration Job: apply pending migrations (migrate.sql and the files beside it). */
export const MIGRATE_SH = `#!/bin/sh
# Migration Job of a ModelRegistry: apply the migrations that are not yet in the ledger (migrate.sql).
set -eu
dir=$(dirname -- "$0")
: "\${${ENV.databaseUrl}:?is not set}"
exec psql -X -d "\${${ENV.databaseUrl}}" -f "$dir/migrate.sql"
`;

/**
 * Waits (bounded) for the model's health URL unless it is empty, then runs register.sql. The model name
 * and URL are only ever quoted arguments; `--` keeps a URL from being read as an option.
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
  echo "waiting up to \${wait_s}s for \${${ENV.healthUrl}}"
  until timeout "$probe_s" wget -q -O /dev/null -- "\${${ENV.healthUrl}}"; do
    now=$(date +%s)
    if [ $((now - start)) -ge "$wait_s" ]; then
      echo "the model did not answer \${${ENV.healthUrl}} within \${wait_s}s; not registering it" >&2
      exit 1
    fi
    sleep "$pause_s"
  done
  verified=true
  echo "the model answers \${${ENV.healthUrl}}"
fi
${ENV.healthVerified}=$verified
export ${ENV.healthVerified}
exec psql -X -d "\${${ENV.databaseUrl}}" -f "$dir/register.sql"
`;

/**
 * Checks every target's health URL (one request each, bounded) and records the result with
 * health-check.sql. Targets are space-separated lines; their fields cannot hold spaces or newlines
 * (validated at synth time). Exits non-zero if any database update failed, never for an unhealthy model.
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
while read -r model environment url; do
  [ -n "$model" ] || continue
  if timeout "$probe_s" wget -q -O /dev/null -- "$url"; then
    healthy=true
  else
    healthy=false
  fi
  echo "$model ($environment): healthy=$healthy"
  if ! ${ENV.modelName}=$model ${ENV.environment}=$environment ${ENV.healthy}=$healthy \\
    psql -X -q -d "\${${ENV.databaseUrl}}" -f "$dir/health-check.sql" >/dev/null; then
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
  files['disable.sql'] = operatorScript('Takes a model out of routing until it is enabled again.', 'disable.sql', DISABLE);
  files['enable.sql'] = operatorScript('Puts a disabled model back into routing.', 'enable.sql', ENABLE);
  files['lookup.sql'] = operatorScript('What the router sees: the endpoint of a ready model.', 'lookup.sql', ROUTE_LOOKUP);
  return Object.fromEntries(Object.keys(files).sort().map((k) => [k, files[k]]));
}
