/**
 * The registry's SQL on a real PostgreSQL engine (PGlite, in-process): migrations up, down and up again,
 * and exactly the statements the Jobs and routers run, bound with hostile values.
 */
import { runPsqlScript } from './psql';
import { HOSTILE, migrateDown, migrateUp, RECONCILE_SCENARIO, registryApp } from './support';
import { LEDGER_TABLE, MIGRATION_LOCK_KEY, migrations, schemaCheckSql } from '../../src/registry/migrations';
import { ModelRouter } from '../../src/registry/router';
import { registryFiles, REGISTER_SQL } from '../../src/registry/scripts';
import {
  DISABLE, ENABLE, HEALTH_UPDATE, RECONCILE_DELETE, RECONCILE_DISABLE, REGISTER, ROUTE_LOOKUP, ROUTE_STATUS, Statement,
} from '../../src/registry/statements';
import { PgliteProxy } from '../support/pglite';

jest.setTimeout(60_000);

let db: PgliteProxy;
let schemaCount = 0;

/** A fresh schema per scenario: every registry object is unqualified, so this is a fresh database. */
async function freshSchema(): Promise<string> {
  const name = `s${++schemaCount}`;
  await db.exec(`CREATE SCHEMA ${name}; SET search_path = ${name};`);
  return name;
}

async function run(s: Statement, values: Record<string, unknown>): Promise<any[]> {
  const missing = s.params.filter((p) => !(p.name in values)).map((p) => p.name);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
  return (await db.query(s.sql, s.params.map((p) => values[p.name]))).rows;
}

const entry = (o: Record<string, unknown> = {}) => ({
  model_name: 'llama-8b',
  environment: 'production',
  backend: 'vllm',
  model_id: 'meta-llama/Llama-3.1-8B-Instruct',
  endpoint: 'http://llama-8b-production.models.svc.cluster.local:8000',
  namespace: 'models',
  status: 'ready',
  metadata: '{"managed_by":"cdk8s-llama-stack"}',
  health_verified: true,
  ...o,
});

const rows = async () => (await db.query('SELECT * FROM model_registry_entries ORDER BY model_name, deployment_environment')).rows;

beforeAll(async () => {
  db = await PgliteProxy.start();
});

afterAll(async () => {
  await db.close();
});

describe('migrations', () => {
  beforeEach(freshSchema);

  test('up applies every migration once; a second run is a no-op', async () => {
    expect(await migrateUp(db)).toEqual(migrations().map((m) => m.version));
    expect(await migrateUp(db)).toEqual([]);
    const ledger = (await db.query(`SELECT version, name, checksum FROM ${LEDGER_TABLE} ORDER BY version`)).rows;
    expect(ledger).toEqual(migrations().map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
  });

  test('up, down to nothing, up again: same columns, constraints and indexes', async () => {
    const shape = async () => ({
      columns: (await db.query(`SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'model_registry_entries' ORDER BY ordinal_position`)).rows,
      constraints: (await db.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = 'model_registry_entries'::regclass ORDER BY conname`)).rows,
      indexes: (await db.query('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname')).rows,
      triggers: (await db.query('SELECT tgname FROM pg_trigger WHERE tgrelid = \'model_registry_entries\'::regclass AND NOT tgisinternal ORDER BY 1')).rows,
    });
    await migrateUp(db);
    const first = await shape();
    expect(first.columns.map((c: any) => c.column_name)).toEqual([
      'id', 'model_name', 'backend', 'model_id', 'metadata', 'created_at', 'updated_at',
      'deployment_endpoint', 'deployment_status', 'deployment_environment', 'deployment_namespace', 'last_health_check_at',
    ]);
    expect(first.triggers.length).toBe(2);
    expect(await migrateDown(db, '0000')).toEqual(['0003', '0002', '0001']);
    expect((await db.query('SELECT to_regclass(\'model_registry_entries\') AS t')).rows[0].t).toBeNull();
    expect((await db.query(`SELECT count(*)::int AS n FROM ${LEDGER_TABLE}`)).rows[0].n).toBe(0);
    await migrateUp(db);
    expect(await shape()).toEqual(first);
  });

  test('down to 0001 keeps rows and restores one row per model name', async () => {
    await migrateUp(db);
    await run(REGISTER, entry());
    expect(await migrateDown(db, '0001')).toEqual(['0003', '0002']);
    const [row] = (await db.query('SELECT * FROM model_registry_entries')).rows;
    expect(row.model_name).toBe('llama-8b');
    expect(row).not.toHaveProperty('deployment_status');
    await expect(db.query('INSERT INTO model_registry_entries (model_name, backend, model_id) VALUES ($1, $2, $3)', ['llama-8b', 'x', 'y']))
      .rejects.toThrow(/model_registry_entries_model_name_key/);
    // Up again: the old row is taken to be a pending production model.
    await migrateUp(db);
    const [again] = await rows();
    expect(again).toMatchObject({ model_name: 'llama-8b', deployment_environment: 'production', deployment_status: 'pending', deployment_endpoint: null });
  });

  test('down from 0002 refuses, changing nothing, while a model is in two environments', async () => {
    await migrateUp(db);
    await run(REGISTER, entry());
    await run(REGISTER, entry({ environment: 'staging' }));
    await expect(migrateDown(db, '0001')).rejects.toThrow(/cannot roll back 0002_add_deployment_metadata: model 'llama-8b' is registered in more than one environment/);
    const ledger = (await db.query(`SELECT version FROM ${LEDGER_TABLE} ORDER BY 1`)).rows.map((r: any) => r.version);
    // 0003 was reverted in its own transaction before 0002 refused.
    expect(ledger).toEqual(['0001', '0002']);
    expect((await rows()).length).toBe(2);
  });

  test('an applied migration whose file changed stops the runner', async () => {
    await migrateUp(db);
    const changed = migrations().map((m) => (m.version === '0002' ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(migrateUp(db, changed)).rejects.toThrow(/0002_add_deployment_metadata.up.sql was changed after it was applied/);
  });

  describe('the runner scripts themselves (migrate.sql, rollback.sql), run statement by statement', () => {
    const files = registryFiles();
    /** Whether this session holds the runner's advisory lock (a bigint key: classid is its high half, objid its low half). */
    const holdsLock = async () => (await db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
      AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`, [MIGRATION_LOCK_KEY])).rows[0].n === 1;
    /** Every step of the script, with whether the lock was held when it started. */
    const traced = async (name: string, vars?: Record<string, string>) => {
      const steps: Array<{ text: string; locked: boolean }> = [];
      const before = async (step: { text: string }) => {
        steps.push({ text: step.text, locked: await holdsLock() });
      };
      const echoed = await runPsqlScript(db, files, name, { vars, before });
      return { steps, echoed, lockedAfter: await holdsLock() };
    };
    // A fresh session: an earlier scenario that failed mid-run (on purpose) still holds its session lock.
    beforeEach(async () => {
      await db.query('SELECT pg_advisory_unlock_all()');
    });
    const touchesSchema = (text: string) => text.includes(LEDGER_TABLE) || /\.(up|down)\.sql$/.test(text);

    test('migrate.sql takes the advisory lock before it reads or writes the ledger or applies a migration, and releases it', async () => {
      const first = await traced('migrate.sql');
      expect(first.echoed).toEqual(migrations().map((m) => `applied ${m.version}_${m.name}`));
      const schemaSteps = first.steps.filter((st) => touchesSchema(st.text));
      // The ledger DDL, per migration its guard, pending check, file and ledger row.
      expect(schemaSteps.length).toBe(1 + 4 * migrations().length);
      expect(schemaSteps.filter((st) => !st.locked).map((st) => st.text)).toEqual([]);
      expect(first.steps.filter((st) => /pg_advisory_lock\(/.test(st.text)).map((st) => st.locked)).toEqual([false]);
      expect(first.lockedAfter).toBe(false);
      const ledger = (await db.query(`SELECT version, checksum FROM ${LEDGER_TABLE} ORDER BY version`)).rows;
      expect(ledger).toEqual(migrations().map((m) => ({ version: m.version, checksum: m.checksum })));

      const again = await traced('migrate.sql');
      expect(again.echoed).toEqual(migrations().map((m) => `${m.version}_${m.name} was already applied`));
      expect(again.steps.filter((st) => touchesSchema(st.text) && !st.locked).map((st) => st.text)).toEqual([]);
    });

    test('rollback.sql, under the same lock, reverts to the target', async () => {
      await runPsqlScript(db, files, 'migrate.sql');
      const back = await traced('rollback.sql', { target: '0001' });
      expect(back.echoed).toEqual(['reverted 0003_notify_changes', 'reverted 0002_add_deployment_metadata']);
      const schemaSteps = back.steps.filter((st) => touchesSchema(st.text));
      expect(schemaSteps.length).toBeGreaterThanOrEqual(1 + 3 * 2);
      expect(schemaSteps.filter((st) => !st.locked).map((st) => st.text)).toEqual([]);
      expect(back.lockedAfter).toBe(false);
      expect((await db.query(`SELECT version FROM ${LEDGER_TABLE} ORDER BY 1`)).rows.map((r: any) => r.version)).toEqual(['0001']);
    });
  });

  test('registration checks the schema version first, with a clear error', async () => {
    const check = schemaCheckSql(migrations()[migrations().length - 1].version);
    await expect(db.exec(check)).rejects.toThrow(/schema is not installed/);
    await migrateUp(db, migrations().slice(0, 2));
    await expect(db.exec(check)).rejects.toThrow(/older than version 0003/);
    await migrateUp(db);
    await expect(db.exec(check)).resolves.toBeUndefined();
  });
});

describe('statements', () => {
  beforeAll(async () => {
    await freshSchema();
    await migrateUp(db);
  });
  beforeEach(async () => {
    await db.exec('DELETE FROM model_registry_entries');
  });

  test('the Job\'s psql script prepares exactly these statements', () => {
    expect(REGISTER_SQL()).toContain(`AS\n${REGISTER.sql};\n`);
  });

  test('registration stores hostile values verbatim', async () => {
    const values = entry({
      model_name: HOSTILE.modelName, endpoint: HOSTILE.endpoint, model_id: HOSTILE.modelId, backend: HOSTILE.backend, metadata: HOSTILE.metadata,
    });
    const [ret] = await run(REGISTER, values);
    expect(ret).toEqual({ model_name: HOSTILE.modelName, environment: 'production', status: 'ready', inserted: true });
    const [row] = await rows();
    expect(row).toMatchObject({
      model_name: HOSTILE.modelName,
      deployment_endpoint: HOSTILE.endpoint,
      model_id: HOSTILE.modelId,
      backend: HOSTILE.backend,
      metadata: JSON.parse(HOSTILE.metadata),
      deployment_namespace: 'models',
      deployment_status: 'ready',
    });
    expect(row.last_health_check_at.getTime()).toBeGreaterThan(Date.now() - 60_000); // a Date from the worker's realm
    expect((await db.query(`SELECT count(*)::int AS n FROM ${LEDGER_TABLE}`)).rows[0].n).toBe(migrations().length);
  });

  test('registration is idempotent: a re-run keeps the row and its updated_at', async () => {
    await run(REGISTER, entry());
    const [before] = await rows();
    await new Promise((r) => setTimeout(r, 20));
    const [ret] = await run(REGISTER, entry());
    expect(ret.inserted).toBe(false);
    const after = await rows();
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
    expect(after[0].updated_at).toEqual(before.updated_at);
    expect(after[0].created_at).toEqual(before.created_at);
    expect(after[0].last_health_check_at.getTime()).toBeGreaterThan(before.last_health_check_at.getTime());
  });

  test('a changed declaration updates the row and its updated_at', async () => {
    await run(REGISTER, entry());
    const [before] = await rows();
    await new Promise((r) => setTimeout(r, 20));
    await run(REGISTER, entry({ endpoint: 'http://other:8000' }));
    const [after] = await rows();
    expect(after.deployment_endpoint).toBe('http://other:8000');
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
  });

  test('an empty namespace is stored as NULL; a disabled registration keeps the last health check', async () => {
    await run(REGISTER, entry({ namespace: '' }));
    const [first] = await rows();
    expect(first.deployment_namespace).toBeNull();
    await run(REGISTER, entry({ status: 'disabled', health_verified: false }));
    const [row] = await rows();
    expect(row.deployment_status).toBe('disabled');
    expect(row.last_health_check_at).toEqual(first.last_health_check_at);
  });

  test('one model name can be registered once per environment', async () => {
    await run(REGISTER, entry());
    await run(REGISTER, entry({ environment: 'staging', endpoint: 'http://llama-8b-staging:8000' }));
    expect((await rows()).map((r: any) => `${r.model_name}/${r.deployment_environment}`)).toEqual(['llama-8b/production', 'llama-8b/staging']);
    await expect(db.query(
      'INSERT INTO model_registry_entries (model_name, deployment_environment, backend, model_id) VALUES ($1, $2, $3, $4)',
      ['llama-8b', 'production', 'vllm', 'x'],
    )).rejects.toThrow(/model_registry_entries_model_name_environment_key/);
  });

  test('the constraints reject unknown statuses, environments, endpoints and routable rows without an endpoint', async () => {
    await expect(run(REGISTER, entry({ status: 'online' }))).rejects.toThrow(/model_registry_entries_deployment_status_check/);
    await expect(run(REGISTER, entry({ status: 'READY' }))).rejects.toThrow(/deployment_status_check/);
    await expect(run(REGISTER, entry({ environment: 'Prod\'; --' }))).rejects.toThrow(/deployment_environment_check/);
    await expect(run(REGISTER, entry({ endpoint: 'ftp://x' }))).rejects.toThrow(/deployment_endpoint_check/);
    await expect(run(REGISTER, entry({ endpoint: null }))).rejects.toThrow(/model_registry_entries_routable_check/);
    await expect(run(REGISTER, entry({ namespace: 'Not_A_Namespace' }))).rejects.toThrow(/deployment_namespace_check/);
    await expect(run(REGISTER, entry({ metadata: '[1]' }))).rejects.toThrow(/metadata_check/);
    await expect(run(REGISTER, entry({ model_name: '' }))).rejects.toThrow(/model_name_check/);
    expect(await rows()).toEqual([]);
  });

  test('disable and enable flip the status, and only when it changes', async () => {
    await run(REGISTER, entry({ model_name: HOSTILE.modelName }));
    const key = { model_name: HOSTILE.modelName, environment: 'production' };
    expect(await run(DISABLE, key)).toEqual([{ ...key, status: 'disabled' }]);
    expect(await run(DISABLE, key)).toEqual([]);
    expect(await run(ENABLE, key)).toEqual([{ ...key, status: 'ready' }]);
    expect(await run(ENABLE, key)).toEqual([]);
    expect(await run(DISABLE, { ...key, environment: 'staging' })).toEqual([]);
  });

  test('health updates flip ready <-> degraded, stamp the check, and leave disabled and pending rows alone', async () => {
    await run(REGISTER, entry({ model_name: HOSTILE.modelName }));
    await run(REGISTER, entry({ model_name: 'off', status: 'disabled' }));
    await db.query('INSERT INTO model_registry_entries (model_name, deployment_environment, backend, model_id) VALUES (\'new\', \'production\', \'vllm\', \'x\')');
    const key = { model_name: HOSTILE.modelName, environment: 'production' };
    const [before] = (await rows()).filter((r: any) => r.model_name === HOSTILE.modelName);

    expect(await run(HEALTH_UPDATE, { ...key, healthy: false })).toEqual([{ ...key, status: 'degraded' }]);
    const [degraded] = (await rows()).filter((r: any) => r.model_name === HOSTILE.modelName);
    expect(degraded.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect(degraded.last_health_check_at.getTime()).toBeGreaterThan(before.last_health_check_at.getTime());

    // Still unhealthy: the check is stamped, but updated_at (the time of the last status change) stays.
    await run(HEALTH_UPDATE, { ...key, healthy: false });
    const [still] = (await rows()).filter((r: any) => r.model_name === HOSTILE.modelName);
    expect(still.updated_at).toEqual(degraded.updated_at);
    expect(still.last_health_check_at.getTime()).toBeGreaterThan(degraded.last_health_check_at.getTime());

    expect(await run(HEALTH_UPDATE, { ...key, healthy: true })).toEqual([{ ...key, status: 'ready' }]);
    expect(await run(HEALTH_UPDATE, { model_name: 'off', environment: 'production', healthy: true })).toEqual([]);
    expect(await run(HEALTH_UPDATE, { model_name: 'new', environment: 'production', healthy: true })).toEqual([]);
    const byName = Object.fromEntries((await rows()).map((r: any) => [r.model_name, r]));
    expect(byName.off.deployment_status).toBe('disabled');
    expect(byName.new.deployment_status).toBe('pending');
    expect(byName.new.last_health_check_at).toBeNull();
  });

  test('the router lookup finds ready models only; the status query tells why not', async () => {
    await run(REGISTER, entry({ model_name: HOSTILE.modelName, endpoint: HOSTILE.endpoint }));
    await run(REGISTER, entry({ model_name: 'off', status: 'disabled' }));
    const hit = await run(ROUTE_LOOKUP, { model_name: HOSTILE.modelName, environment: 'production' });
    expect(hit).toEqual([expect.objectContaining({ endpoint: HOSTILE.endpoint, backend: 'vllm', model_id: 'meta-llama/Llama-3.1-8B-Instruct', namespace: 'models' })]);
    expect(await run(ROUTE_LOOKUP, { model_name: HOSTILE.modelName, environment: 'staging' })).toEqual([]);
    expect(await run(ROUTE_LOOKUP, { model_name: 'off', environment: 'production' })).toEqual([]);
    expect(await run(ROUTE_STATUS, { model_name: 'off', environment: 'production' })).toEqual([{ status: 'disabled' }]);
    // A hostile name that is a prefix/pattern of another must not match it.
    expect(await run(ROUTE_LOOKUP, { model_name: '%', environment: 'production' })).toEqual([]);
  });

  test('ModelRouter.resolve answers 200, 404 and 503 as the contract says', async () => {
    await run(REGISTER, entry());
    await run(REGISTER, entry({ model_name: 'off', status: 'disabled' }));
    await run(REGISTER, entry({ model_name: 'sick' }));
    await run(HEALTH_UPDATE, { model_name: 'sick', environment: 'production', healthy: false });

    const ok = await ModelRouter.resolve(db, 'llama-8b', 'production');
    expect(ok).toMatchObject({ httpStatus: 200, status: 'ready', endpoint: entry().endpoint, backend: 'vllm' });
    expect(await ModelRouter.resolve(db, 'off', 'production')).toMatchObject({ httpStatus: 404, status: 'disabled', message: 'model \'off\' is disabled in environment \'production\'' });
    expect(await ModelRouter.resolve(db, 'nope', 'production')).toMatchObject({ httpStatus: 404, status: 'not-registered' });
    expect(await ModelRouter.resolve(db, 'sick', 'production')).toMatchObject({ httpStatus: 503, status: 'degraded', retryAfterSeconds: 30 });
    // Registered but not verified yet (no health URL answered): pending, which a client retries (503), not 404.
    await run(REGISTER, entry({ model_name: 'new', status: 'pending', endpoint: null, health_verified: false }));
    expect(await ModelRouter.resolve(db, 'new', 'production')).toEqual({
      httpStatus: 503, status: 'pending', message: 'model \'new\' is temporarily unavailable in environment \'production\' (not ready yet); retry later', retryAfterSeconds: 30,
    });
    expect(await ModelRouter.resolve(db, HOSTILE.modelName, 'production')).toMatchObject({ httpStatus: 404 });
  });

  test('status and endpoint changes are announced on the channel routers LISTEN to', async () => {
    const seen: any[] = [];
    const unlisten = await db.listen(ModelRouter.CHANGES_CHANNEL, (payload) => seen.push(JSON.parse(payload)));
    await run(REGISTER, entry());
    await run(REGISTER, entry()); // no change: no notification
    await run(DISABLE, { model_name: 'llama-8b', environment: 'production' });
    await run(HEALTH_UPDATE, { model_name: 'llama-8b', environment: 'production', healthy: true }); // disabled: untouched
    await db.query('DELETE FROM model_registry_entries');
    await new Promise((r) => setTimeout(r, 50));
    await unlisten();
    expect(seen).toEqual([
      { op: 'INSERT', model_name: 'llama-8b', environment: 'production', status: 'ready' },
      { op: 'UPDATE', model_name: 'llama-8b', environment: 'production', status: 'disabled' },
      { op: 'DELETE', model_name: 'llama-8b', environment: 'production', status: null },
    ]);
  });

  test('the router lookup uses an index (EXPLAIN)', async () => {
    await db.exec(`INSERT INTO model_registry_entries (model_name, deployment_environment, backend, model_id, deployment_endpoint, deployment_status)
      SELECT 'model-' || i, (ARRAY['development', 'staging', 'production'])[1 + i % 3], 'vllm', 'm', 'http://m-' || i || ':8000',
        (ARRAY['ready', 'degraded', 'disabled', 'pending'])[1 + i % 4]
      FROM generate_series(1, 5000) AS i;
      ANALYZE model_registry_entries;`);
    const plan = (await db.query(`EXPLAIN (FORMAT JSON) ${ROUTE_LOOKUP.sql}`, ['model-42', 'production'])).rows[0]['QUERY PLAN'][0].Plan;
    expect(plan['Node Type']).toMatch(/^Index (Only )?Scan$/);
    expect(plan['Index Name']).toMatch(/^model_registry_entries_(ready_idx|model_name_environment_key)$/);
    expect(JSON.stringify(plan)).not.toMatch(/Seq Scan/);
    // model-8: 8 % 3 = 2 -> production, 8 % 4 = 0 -> ready; model-4 is in staging.
    expect(await run(ROUTE_LOOKUP, { model_name: 'model-8', environment: 'production' })).toEqual([expect.objectContaining({ endpoint: 'http://m-8:8000' })]);
    expect(await run(ROUTE_LOOKUP, { model_name: 'model-4', environment: 'production' })).toEqual([]);
  });
});

describe('reconcile (rows of models removed from the code)', () => {
  const S = RECONCILE_SCENARIO;
  const v1 = registryApp([...S.v1]);
  const v2 = registryApp([...S.v2]);
  /** The statement's values, exactly as the reconcile Job of version 2 passes them. */
  const job = (env: Record<string, string> = v2.reconcile!) => ({
    registry: env.REGISTRY_NAME, environments: env.REGISTRY_RECONCILE_ENVIRONMENTS, declared: env.REGISTRY_DECLARED,
  });
  const state = async () => Object.fromEntries((await rows()).map((r: any) => [`${r.model_name}/${r.deployment_environment}`, r.deployment_status]));

  beforeAll(async () => {
    await freshSchema();
    await migrateUp(db);
  });
  beforeEach(async () => {
    await db.exec('DELETE FROM model_registry_entries');
    // Version 1's registration Jobs wrote these rows (their values, metadata included, from the synthesized Jobs).
    for (const env of Object.values(v1.registrations)) {
      await run(REGISTER, {
        model_name: env.REGISTRY_MODEL_NAME,
        environment: env.REGISTRY_ENVIRONMENT,
        backend: env.REGISTRY_BACKEND,
        model_id: env.REGISTRY_MODEL_ID,
        endpoint: env.REGISTRY_ENDPOINT,
        namespace: env.REGISTRY_NAMESPACE,
        status: env.REGISTRY_STATUS,
        metadata: env.REGISTRY_METADATA,
        health_verified: true,
      });
    }
    for (const r of [S.otherRegistry, S.manual]) {
      await run(REGISTER, entry({ model_name: r.modelName, environment: r.environment, metadata: r.metadata }));
    }
  });

  test('the reconcile Job declares version 2\'s entries and the environments they are in', () => {
    expect(JSON.parse(v2.reconcile!.REGISTRY_DECLARED)).toEqual([
      { model_name: 'llama-8b', environment: 'production' }, { model_name: 'qwen', environment: 'staging' },
    ]);
    expect(JSON.parse(v2.reconcile!.REGISTRY_RECONCILE_ENVIRONMENTS)).toEqual(['production', 'staging']);
    expect(v2.reconcile!.REGISTRY_RECONCILE_ACTION).toBe('disable');
    // Version 1's rows (written before each test from its synthesized registration Jobs): one per v1 entry.
    expect(Object.keys(v1.registrations).sort()).toEqual(RECONCILE_SCENARIO.v1.map((e) => `${e.modelName}/${e.environment}`).sort());
  });

  test('undeclared rows of this registry and its environments are disabled; declared, other registries\', other environments\' and manual rows are not', async () => {
    const before = await rows();
    const changed = await run(RECONCILE_DISABLE, job());
    expect(changed.map((r) => `${r.model_name}/${r.environment}:${r.status}`).sort()).toEqual([
      'llama-8b/staging:disabled', // declared in production only: the pair counts, not the name
      'old-model/production:disabled',
    ]);
    expect(await state()).toEqual({
      'llama-8b/production': 'ready',
      'llama-8b/staging': 'disabled',
      'old-model/production': 'disabled',
      'qwen/staging': 'ready',
      'dev-only/development': 'ready', // no entry of version 2 is in development
      'other-model/production': 'ready', // registry-b's
      'hand-made/production': 'ready', // no managed_by: written by hand
    });
    const after = await rows();
    const untouched = (r: any) => !['old-model/production', 'llama-8b/staging'].includes(`${r.model_name}/${r.deployment_environment}`);
    expect(after.filter(untouched)).toEqual(before.filter(untouched));
  });

  test('a disabled row is one the router does not route: 404 "is disabled", not retried', async () => {
    await run(RECONCILE_DISABLE, job());
    // docs/model-registry.md §6, the router contract: the lookup (ModelRouter.LOOKUP_SQL) selects only rows
    // with deployment_status = 'ready', and on a miss a `disabled` row answers 404 "model '<name>' is disabled
    // in environment '<env>'" (intentional and lasting: clients must not retry).
    expect(await run(ROUTE_LOOKUP, { model_name: 'old-model', environment: 'production' })).toEqual([]);
    expect(await ModelRouter.resolve(db, 'old-model', 'production')).toMatchObject({
      httpStatus: 404, status: 'disabled', message: 'model \'old-model\' is disabled in environment \'production\'',
    });
    expect(await ModelRouter.resolve(db, 'llama-8b', 'production')).toMatchObject({ httpStatus: 200 });
  });

  test('idempotent: a second run changes nothing (no row, no updated_at, no notification)', async () => {
    await run(RECONCILE_DISABLE, job());
    const once = await rows();
    const seen: string[] = [];
    const unlisten = await db.listen(ModelRouter.CHANGES_CHANNEL, (payload) => seen.push(payload));
    expect(await run(RECONCILE_DISABLE, job())).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    await unlisten();
    expect(await rows()).toEqual(once);
    expect(seen).toEqual([]);
  });

  test('deleteUndeclared deletes the same rows and no others; again is a no-op', async () => {
    const del = registryApp([...S.v2], { reconcile: { deleteUndeclared: true } }).reconcile!;
    expect(del.REGISTRY_RECONCILE_ACTION).toBe('delete');
    const gone = await run(RECONCILE_DELETE, job(del));
    expect(gone.map((r) => `${r.model_name}/${r.environment}`).sort()).toEqual(['llama-8b/staging', 'old-model/production']);
    expect(Object.keys(await state()).sort()).toEqual([
      'dev-only/development', 'hand-made/production', 'llama-8b/production', 'other-model/production', 'qwen/staging',
    ]);
    expect(await run(RECONCILE_DELETE, job(del))).toEqual([]);
    expect(await ModelRouter.resolve(db, 'old-model', 'production')).toMatchObject({ httpStatus: 404, status: 'not-registered' });
  });

  test('reconcile.environments adds an environment without entries; another registry name matches nothing', async () => {
    const withDev = registryApp([...S.v2], { reconcile: { environments: ['development'] } }).reconcile!;
    expect(JSON.parse(withDev.REGISTRY_RECONCILE_ENVIRONMENTS)).toEqual(['development', 'production', 'staging']);
    await run(RECONCILE_DISABLE, job(withDev));
    expect((await state())['dev-only/development']).toBe('disabled');

    const before = await rows();
    const other = registryApp([...S.v2], { name: 'registry-c' }).reconcile!;
    expect(await run(RECONCILE_DISABLE, job(other))).toEqual([]);
    expect(await rows()).toEqual(before);
  });

  test('values stay values: hostile names and registry names are compared, never executed or pattern-matched', async () => {
    const managed = '{"managed_by":"cdk8s-llama-stack","registry":"registry"}';
    await run(REGISTER, entry({ model_name: HOSTILE.modelName, metadata: managed }));
    await run(REGISTER, entry({ model_name: '%', metadata: managed }));
    const declared = JSON.stringify([{ model_name: HOSTILE.modelName, environment: 'production' }, { model_name: 'llama-8b', environment: 'production' }]);
    const changed = await run(RECONCILE_DISABLE, { registry: 'registry', environments: '["production"]', declared });
    expect(changed.map((r) => r.model_name).sort()).toEqual(['%', 'old-model']);
    expect((await state())[`${HOSTILE.modelName}/production`]).toBe('ready');
    // A hostile registry name or environment is a value that matches no row.
    expect(await run(RECONCILE_DISABLE, { registry: 'registry\' OR true --', environments: '["production"]', declared: '[]' })).toEqual([]);
    expect(await run(RECONCILE_DISABLE, { registry: 'registry', environments: '["production\' OR \'1\'=\'1"]', declared: '[]' })).toEqual([]);
    expect(await run(RECONCILE_DELETE, { registry: '%', environments: '["%"]', declared: '[]' })).toEqual([]);
    expect((await rows()).length).toBe(9);
  });

  test('no environment to reconcile (a registry without entries): nothing changes', async () => {
    const empty = registryApp([]).reconcile!;
    expect(empty.REGISTRY_RECONCILE_ENVIRONMENTS).toBe('[]');
    expect(await run(RECONCILE_DISABLE, job(empty))).toEqual([]);
  });
});

test('every script a Job or an operator runs statement by statement sets lock and statement timeouts', () => {
  // The real-server suite shows a held lock failing register.sh after lock_timeout; this keeps the setting.
  const files = registryFiles();
  const scripts = ['register.sql', 'health-check.sql', 'reconcile-disable.sql', 'reconcile-delete.sql', 'disable.sql', 'enable.sql'].filter((f) => f in files);
  expect(scripts.length).toBeGreaterThanOrEqual(4);
  for (const f of scripts) expect(files[f]).toContain("SET lock_timeout = '10s';\nSET statement_timeout = '60s';");
  expect(files['migrate.sql']).not.toContain("lock_timeout = '10s'"); // the runner waits for its advisory lock
});
