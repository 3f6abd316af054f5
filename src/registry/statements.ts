/**
 * The SQL statements of the model registry, with positional parameters ($1, $2, ...) so that every value
 * reaches the server as a bound parameter. The same text runs everywhere: a router passes it to its
 * PostgreSQL client with the values; the Jobs' psql scripts `PREPARE` it and `EXECUTE` it with psql
 * variables (`:'name'`, which psql quotes); the tests run it on PGlite and on a real server.
 */

export interface StatementParam {
  /** psql variable name, also the name a caller knows the value by. */
  readonly name: string;
  /** PostgreSQL type of the parameter. */
  readonly type: string;
}

export interface Statement {
  /** Name of the prepared statement in psql scripts. */
  readonly name: string;
  readonly sql: string;
  /** `$1`, `$2`, ... in order. */
  readonly params: readonly StatementParam[];
}

/** Deployment statuses; the table's CHECK constraint allows exactly these. */
export const STATUSES = ['pending', 'ready', 'degraded', 'disabled'] as const;

/**
 * `metadata.managed_by` of every row a registration Job writes; with `metadata.registry` (the registry's
 * name) and the environment it says which rows a registry's reconcile step may change.
 */
export const MANAGED_BY = 'cdk8s-llama-stack';

/**
 * Registers a model: inserts the row or brings it in line with the declaration. A re-run with the same
 * values changes nothing but `last_health_check_at` (when health was just verified), so `updated_at`
 * keeps the time of the last real change. `namespace` '' means none. Returns the row's key and status.
 */
export const REGISTER: Statement = {
  name: 'registry_register',
  params: [
    { name: 'model_name', type: 'text' },
    { name: 'environment', type: 'text' },
    { name: 'backend', type: 'text' },
    { name: 'model_id', type: 'text' },
    { name: 'endpoint', type: 'text' },
    { name: 'namespace', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'metadata', type: 'jsonb' },
    { name: 'health_verified', type: 'boolean' },
  ],
  sql: `INSERT INTO model_registry_entries AS e (
  model_name, deployment_environment, backend, model_id, deployment_endpoint,
  deployment_namespace, deployment_status, metadata, last_health_check_at
) VALUES (
  $1, $2, $3, $4, $5,
  NULLIF($6, ''), $7, $8, CASE WHEN $9 THEN now() END
)
ON CONFLICT (model_name, deployment_environment) DO UPDATE SET
  backend = EXCLUDED.backend,
  model_id = EXCLUDED.model_id,
  deployment_endpoint = EXCLUDED.deployment_endpoint,
  deployment_namespace = EXCLUDED.deployment_namespace,
  deployment_status = EXCLUDED.deployment_status,
  metadata = EXCLUDED.metadata,
  last_health_check_at = COALESCE(EXCLUDED.last_health_check_at, e.last_health_check_at),
  updated_at = CASE
    WHEN (e.backend, e.model_id, e.deployment_endpoint, e.deployment_namespace, e.deployment_status, e.metadata)
      IS DISTINCT FROM
      (EXCLUDED.backend, EXCLUDED.model_id, EXCLUDED.deployment_endpoint, EXCLUDED.deployment_namespace, EXCLUDED.deployment_status, EXCLUDED.metadata)
    THEN now() ELSE e.updated_at END
RETURNING model_name, deployment_environment AS environment, deployment_status AS status, (xmax = 0) AS inserted`,
};

/** Takes a model out of routing (operators; the declarative way is `status: 'disabled'`). */
export const DISABLE: Statement = {
  name: 'registry_disable',
  params: [{ name: 'model_name', type: 'text' }, { name: 'environment', type: 'text' }],
  sql: `UPDATE model_registry_entries
SET deployment_status = 'disabled', updated_at = now()
WHERE model_name = $1 AND deployment_environment = $2 AND deployment_status <> 'disabled'
RETURNING model_name, deployment_environment AS environment, deployment_status AS status`,
};

/** Puts a disabled model back into routing; the next health check marks it degraded if it is down. */
export const ENABLE: Statement = {
  name: 'registry_enable',
  params: [{ name: 'model_name', type: 'text' }, { name: 'environment', type: 'text' }],
  sql: `UPDATE model_registry_entries
SET deployment_status = 'ready', updated_at = now()
WHERE model_name = $1 AND deployment_environment = $2 AND deployment_status = 'disabled'
RETURNING model_name, deployment_environment AS environment, deployment_status AS status`,
};

/**
 * Records one health check: sets `last_health_check_at` and flips `ready` <-> `degraded`. Rows that
 * are `disabled` or `pending` are left alone. `updated_at` moves only when the status does.
 */
export const HEALTH_UPDATE: Statement = {
  name: 'registry_health',
  params: [{ name: 'model_name', type: 'text' }, { name: 'environment', type: 'text' }, { name: 'healthy', type: 'boolean' }],
  sql: `UPDATE model_registry_entries
SET last_health_check_at = now(),
  deployment_status = CASE WHEN $3 THEN 'ready' ELSE 'degraded' END,
  updated_at = CASE WHEN deployment_status = (CASE WHEN $3 THEN 'ready' ELSE 'degraded' END) THEN updated_at ELSE now() END
WHERE model_name = $1 AND deployment_environment = $2 AND deployment_status IN ('ready', 'degraded')
RETURNING model_name, deployment_environment AS environment, deployment_status AS status`,
};

/**
 * The router's lookup: where to send a request for a model in an environment. At most one row, and
 * only when the model is `ready`; served by the partial index `model_registry_entries_ready_idx`.
 */
export const ROUTE_LOOKUP: Statement = {
  name: 'registry_route',
  params: [{ name: 'model_name', type: 'text' }, { name: 'environment', type: 'text' }],
  sql: `SELECT deployment_endpoint AS endpoint, backend, model_id, deployment_namespace AS namespace, updated_at
FROM model_registry_entries
WHERE model_name = $1 AND deployment_environment = $2 AND deployment_status = 'ready'`,
};

/** On a lookup miss: the model's status (no row: not registered), to answer with the right error. */
export const ROUTE_STATUS: Statement = {
  name: 'registry_route_status',
  params: [{ name: 'model_name', type: 'text' }, { name: 'environment', type: 'text' }],
  sql: `SELECT deployment_status AS status
FROM model_registry_entries
WHERE model_name = $1 AND deployment_environment = $2`,
};

/**
 * The rows a registry's reconcile step owns and no entry declares any more: written by the library
 * (`metadata.managed_by`), by this registry (`metadata.registry` = `$1`), in one of the environments the
 * app declares for it (`$2`, a JSON array of names), and not among the declared (model name,
 * environment) pairs (`$3`, a JSON array of `{"model_name", "environment"}`). Rows written by hand or by
 * other tooling have no `managed_by` and are never matched.
 */
const UNDECLARED_ROWS = `e.metadata->>'managed_by' = '${MANAGED_BY}'
  AND e.metadata->>'registry' = $1
  AND e.deployment_environment IN (SELECT jsonb_array_elements_text($2))
  AND NOT EXISTS (
    SELECT 1 FROM jsonb_to_recordset($3) AS d(model_name text, environment text)
    WHERE d.model_name = e.model_name AND d.environment = e.deployment_environment
  )`;

const RECONCILE_PARAMS: readonly StatementParam[] = [
  { name: 'registry', type: 'text' },
  { name: 'environments', type: 'jsonb' },
  { name: 'declared', type: 'jsonb' },
];

/**
 * The reconcile step (default): takes the registry's undeclared rows out of routing. Only rows that
 * change are returned (and notified); a second run changes nothing.
 */
export const RECONCILE_DISABLE: Statement = {
  name: 'registry_reconcile_disable',
  params: RECONCILE_PARAMS,
  sql: `UPDATE model_registry_entries AS e
SET deployment_status = 'disabled', updated_at = now()
WHERE ${UNDECLARED_ROWS}
  AND e.deployment_status <> 'disabled'
RETURNING e.model_name, e.deployment_environment AS environment, e.deployment_status AS status`,
};

/** The reconcile step with `deleteUndeclared`: deletes the registry's undeclared rows. */
export const RECONCILE_DELETE: Statement = {
  name: 'registry_reconcile_delete',
  params: RECONCILE_PARAMS,
  sql: `DELETE FROM model_registry_entries AS e
WHERE ${UNDECLARED_ROWS}
RETURNING e.model_name, e.deployment_environment AS environment, e.deployment_status AS status`,
};

export const STATEMENTS: readonly Statement[] = [
  REGISTER, DISABLE, ENABLE, HEALTH_UPDATE, ROUTE_LOOKUP, ROUTE_STATUS, RECONCILE_DISABLE, RECONCILE_DELETE,
];

/**
 * psql lines that run a statement with its parameters taken from psql variables of the same names:
 * `PREPARE name(types) AS <sql>;` then `EXECUTE name(:'a', :'b', ...);`. psql quotes each variable as
 * a literal, and the server binds it as the statement's parameter; the SQL text never contains a value.
 */
export function psqlPrepared(s: Statement): string {
  const types = s.params.map((p) => p.type).join(', ');
  const args = s.params.map((p) => `:'${p.name}'`).join(', ');
  return `PREPARE ${s.name}(${types}) AS\n${s.sql};\nEXECUTE ${s.name}(${args});`;
}
