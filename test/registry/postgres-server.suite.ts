/**
 * The registry against a real PostgreSQL server, with the real psql, running exactly the scripts the Jobs
 * run (taken from the synthesized ConfigMap). Not part of `npm test`: test/registry/postgres-server.sh
 * starts a throwaway server and runs this file with REGISTRY_TEST_DATABASE_URL (a role with CREATEDB)
 * and REGISTRY_TEST_TOOLS (a directory with psql, and busybox's wget/timeout when available).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { HOSTILE, HOSTILE_TARGET_NAME, RECONCILE_SCENARIO, registryApp } from './support';
import { ModelRegistry, ModelRegistryEntry } from '../../src';
import { MIGRATION_LOCK_KEY, migrations } from '../../src/registry/migrations';
import { ROUTE_LOOKUP } from '../../src/registry/statements';
import { Manifest } from '../support/manifests';

jest.setTimeout(120_000);

const URL_ = process.env.REGISTRY_TEST_DATABASE_URL;
const TOOLS = process.env.REGISTRY_TEST_TOOLS ?? '';
// Only test/registry/postgres-server.sh runs this file, and it sets the URL: without it the suite fails.
if (!URL_) throw new Error('REGISTRY_TEST_DATABASE_URL is not set: run test/registry/postgres-server.sh');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let server: http.Server;
let base: string;
const answers: Record<string, number> = {};
let dbCount = 0;
/** The API key `/private/health` wants (a hosted endpoint answers 401 without it). */
const API_KEY = `sk-test-${process.pid}-Zq9`;

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { PATH: `${TOOLS}:${process.env.PATH}`, PGCONNECT_TIMEOUT: '10', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** psql with fixed SQL (no values): the helper the assertions use. */
async function psql(url: string, sql: string): Promise<string> {
  const r = await run('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql]);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function json(url: string, sql: string): Promise<any[]> {
  return JSON.parse(await psql(url, `SELECT coalesce(json_agg(t), '[]') FROM (${sql}) t`));
}

/** A new, empty database; its URL. */
async function freshDb(): Promise<string> {
  const name = `registry_t${process.pid}_${++dbCount}`;
  await psql(URL_!, `CREATE DATABASE ${name}`);
  const u = new URL(URL_!);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A script from the ConfigMap, run by sh as the Job runs it. */
function script(name: string, url: string, env: Record<string, string> = {}, from = dir): Promise<Result> {
  return run('sh', [path.join(from, name)], { REGISTRY_DATABASE_URL: url, PGCLIENTENCODING: 'UTF8', ...env });
}

/** An operator's psql script with -v variables (values as separate argv entries, never through a shell). */
function psqlFile(name: string, url: string, vars: Record<string, string>): Promise<Result> {
  const args = ['-X', '-d', url, ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]), '-f', path.join(dir, name)];
  return run('psql', args);
}

const entryEnv = (o: Record<string, string> = {}) => ({
  REGISTRY_MODEL_NAME: HOSTILE.modelName,
  REGISTRY_ENVIRONMENT: 'production',
  REGISTRY_BACKEND: HOSTILE.backend,
  REGISTRY_MODEL_ID: HOSTILE.modelId,
  REGISTRY_ENDPOINT: HOSTILE.endpoint,
  REGISTRY_NAMESPACE: 'models',
  REGISTRY_STATUS: 'ready',
  REGISTRY_METADATA: HOSTILE.metadata,
  REGISTRY_HEALTH_URL: `${base}/health`,
  REGISTRY_WAIT_SECONDS: '20',
  REGISTRY_PROBE_TIMEOUT_SECONDS: '2',
  REGISTRY_PROBE_INTERVAL_SECONDS: '1',
  ...o,
});

const SCHEMA_SQL = `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
  WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`;
const CONSTRAINTS_SQL = `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
  WHERE conrelid = 'model_registry_entries'::regclass ORDER BY conname`;

describe(`real PostgreSQL server ${process.env.REGISTRY_TEST_SERVER_VERSION ?? ''}`, () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-server-'));
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' }, healthCheck: {} });
    new ModelRegistryEntry(chart, 'e', { registry, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'production' });
    const files = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    server = http.createServer((req, res) => {
      if (req.url === '/private/health') res.writeHead(req.headers.authorization === `Bearer ${API_KEY}` ? 200 : 401);
      else res.writeHead(answers[req.url!] ?? 404);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    answers['/health'] = 200;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('migrations (migrate.sh / rollback.sql)', () => {
    test('up applies every migration; again is a no-op', async () => {
      const url = await freshDb();
      const first = await script('migrate.sh', url);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout.trim().split('\n')).toEqual(migrations().map((m) => `applied ${m.version}_${m.name}`));
      const again = await script('migrate.sh', url);
      expect(again.code).toBe(0);
      expect(again.stdout.trim().split('\n')).toEqual(migrations().map((m) => `${m.version}_${m.name} was already applied`));
      expect(await json(url, 'SELECT version, checksum FROM registry_schema_migrations ORDER BY 1'))
        .toEqual(migrations().map((m) => ({ version: m.version, checksum: m.checksum })));
    });

    test('two runners at once: the advisory lock serialises them and each migration is applied once', async () => {
      const url = await freshDb();
      const [a, b] = await Promise.all([script('migrate.sh', url), script('migrate.sh', url)]);
      expect([a.code, b.code]).toEqual([0, 0]);
      expect(`${a.stdout}${b.stdout}`.match(/^applied /gm)).toHaveLength(migrations().length);
      expect(await psql(url, 'SELECT count(*) FROM registry_schema_migrations')).toBe(String(migrations().length));
    });

    test('a runner waits while another holds the lock', async () => {
      const url = await freshDb();
      const holder = run('psql', ['-X', '-q', '-d', url, '-c', `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`, '-c', 'SELECT pg_sleep(3)']);
      await new Promise((r) => setTimeout(r, 500));
      const started = Date.now();
      const r = await script('migrate.sh', url);
      expect(r.code).toBe(0);
      expect(Date.now() - started).toBeGreaterThan(1500);
      expect((await holder).code).toBe(0);
    });

    test('down to nothing and up again gives the same schema; down refuses without a valid target', async () => {
      const url = await freshDb();
      await script('migrate.sh', url);
      const schema = await json(url, SCHEMA_SQL);
      const constraints = await json(url, CONSTRAINTS_SQL);
      expect((await psqlFile('rollback.sql', url, {})).stderr).toMatch(/the rollback target is missing or not four digits/);
      expect((await psqlFile('rollback.sql', url, { target: '1; DROP TABLE registry_schema_migrations' })).code).toBe(3);
      expect(await psql(url, 'SELECT count(*) FROM registry_schema_migrations')).toBe('3');
      const down = await psqlFile('rollback.sql', url, { target: '0000' });
      expect(down.code).toBe(0);
      expect(down.stdout.trim().split('\n')).toEqual([...migrations()].reverse().map((m) => `reverted ${m.version}_${m.name}`));
      expect(await psql(url, 'SELECT to_regclass(\'model_registry_entries\') IS NULL')).toBe('t');
      await script('migrate.sh', url);
      expect(await json(url, SCHEMA_SQL)).toEqual(schema);
      expect(await json(url, CONSTRAINTS_SQL)).toEqual(constraints);
    });

    test('a changed migration file stops the runner with exit code 3 and a clear message', async () => {
      const url = await freshDb();
      await script('migrate.sh', url);
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-changed-'));
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      const m = migrations()[1];
      // Same version, another checksum: what an edited release would produce.
      fs.writeFileSync(path.join(copy, 'migrate.sql'), fs.readFileSync(path.join(dir, 'migrate.sql'), 'utf8').split(m.checksum).join('0'.repeat(64)));
      const r = await script('migrate.sh', url, {}, copy);
      fs.rmSync(copy, { recursive: true, force: true });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`model registry migration ${m.upFile} was changed after it was applied`);
    });
  });

  describe('registration, health checks and operators\' scripts', () => {
    let url: string;
    beforeAll(async () => {
      url = await freshDb();
      await script('migrate.sh', url);
    });
    beforeEach(async () => {
      await psql(url, 'DELETE FROM model_registry_entries');
    });
    const row = async (name = HOSTILE.modelName) => (await json(url, 'SELECT * FROM model_registry_entries'))
      .find((r) => r.model_name === name);

    test('register.sh before the migrations fails with a clear message (and the Job retries)', async () => {
      const r = await script('register.sh', await freshDb(), entryEnv());
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('the model registry schema is not installed');
    });

    test('register.sh stores hostile values verbatim; a second run changes nothing but the health check time', async () => {
      const r = await script('register.sh', url, entryEnv());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const first = await row();
      expect(first).toMatchObject({
        model_name: HOSTILE.modelName,
        deployment_endpoint: HOSTILE.endpoint,
        model_id: HOSTILE.modelId,
        backend: HOSTILE.backend,
        metadata: JSON.parse(HOSTILE.metadata),
        deployment_status: 'ready',
        deployment_namespace: 'models',
        deployment_environment: 'production',
      });
      expect(first.last_health_check_at).not.toBeNull();
      expect(await psql(url, 'SELECT count(*) FROM registry_schema_migrations')).toBe('3');
      await script('register.sh', url, entryEnv());
      const second = await row();
      expect(second.id).toBe(first.id);
      expect(second.updated_at).toBe(first.updated_at);
      expect(second.last_health_check_at > first.last_health_check_at).toBe(true);
    });

    test('a held lock makes register.sh fail after lock_timeout instead of stalling until the Job deadline', async () => {
      // An operator's open transaction holds the table: register.sql waits lock_timeout (10 s), then fails (exit 3,
      // and the Job retries) with PostgreSQL's "canceling statement due to lock timeout".
      const holder = spawn('psql', ['-X', '-q', '-d', url], { env: { PATH: `${TOOLS}:${process.env.PATH}`, PGAPPNAME: 'lock-holder' } });
      holder.stdin.write('BEGIN;\nLOCK TABLE model_registry_entries IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(60);\n');
      try {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        // Without the timeout it would wait for the holder, which never commits, and the test would time out.
        const r = await script('register.sh', url, entryEnv({ REGISTRY_HEALTH_URL: '' }));
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('canceling statement due to lock timeout');
      } finally {
        holder.kill();
        // The server would keep the lock until pg_sleep ends (it notices the client is gone only then).
        await psql(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'lock-holder'");
      }
    });

    test('a disabled registration (no health URL) and an empty namespace', async () => {
      const r = await script('register.sh', url, entryEnv({ REGISTRY_STATUS: 'disabled', REGISTRY_HEALTH_URL: '', REGISTRY_NAMESPACE: '' }));
      expect(r.code).toBe(0);
      expect(await row()).toMatchObject({ deployment_status: 'disabled', deployment_namespace: null, last_health_check_at: null });
    });

    test('the CHECK constraint rejects an unknown status', async () => {
      const r = await script('register.sh', url, entryEnv({ REGISTRY_STATUS: 'online\'); DROP TABLE model_registry_entries; --' }));
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('model_registry_entries_deployment_status_check');
      expect(await json(url, 'SELECT * FROM model_registry_entries')).toEqual([]);
    });

    test('health-check.sh flips ready <-> degraded and leaves disabled models alone', async () => {
      await script('register.sh', url, entryEnv({ REGISTRY_MODEL_NAME: HOSTILE_TARGET_NAME }));
      await script('register.sh', url, entryEnv({ REGISTRY_MODEL_NAME: 'off', REGISTRY_STATUS: 'disabled', REGISTRY_HEALTH_URL: '' }));
      answers['/down'] = 503;
      const targets = (p: string) => [`${HOSTILE_TARGET_NAME} production ${base}${p}`, `off production ${base}${p}`].join('\n');
      const down = await script('health-check.sh', url, { REGISTRY_HEALTH_TARGETS: targets('/down'), REGISTRY_PROBE_TIMEOUT_SECONDS: '2' });
      expect(down.code).toBe(0);
      expect((await row(HOSTILE_TARGET_NAME)).deployment_status).toBe('degraded');
      const up = await script('health-check.sh', url, { REGISTRY_HEALTH_TARGETS: targets('/health'), REGISTRY_PROBE_TIMEOUT_SECONDS: '2' });
      expect(up.code).toBe(0);
      expect((await row(HOSTILE_TARGET_NAME)).deployment_status).toBe('ready');
      expect(await row('off')).toMatchObject({ deployment_status: 'disabled', last_health_check_at: null });
    });

    test('disable.sql, enable.sql and lookup.sql take hostile values as psql variables', async () => {
      await script('register.sh', url, entryEnv());
      const vars = { model_name: HOSTILE.modelName, environment: 'production' };
      const seen = await psqlFile('lookup.sql', url, vars);
      expect(seen.code).toBe(0);
      expect(seen.stdout).toContain(HOSTILE.endpoint);
      expect((await psqlFile('disable.sql', url, vars)).code).toBe(0);
      expect((await row()).deployment_status).toBe('disabled');
      expect((await psqlFile('lookup.sql', url, vars)).stdout).toMatch(/\(0 rows\)|^\s*endpoint/m);
      expect((await psqlFile('enable.sql', url, vars)).code).toBe(0);
      expect((await row()).deployment_status).toBe('ready');
      const missing = await psqlFile('disable.sql', url, { model_name: 'x' });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('the psql variable environment is not set');
    });

    test('status changes are announced to LISTENers', async () => {
      const listener = run('psql', ['-X', '-d', url, '-c', 'LISTEN model_registry_entries', '-c', 'SELECT pg_sleep(3)', '-c', 'SELECT 1']);
      await new Promise((r) => setTimeout(r, 800));
      await script('register.sh', url, entryEnv({ REGISTRY_MODEL_NAME: 'notify-me' }));
      const out = (await listener).stdout;
      expect(out).toContain('Asynchronous notification "model_registry_entries" with payload');
      expect(out).toContain('"model_name" : "notify-me"');
    });

    test('the router lookup uses an index (EXPLAIN of the prepared statement)', async () => {
      await psql(url, `INSERT INTO model_registry_entries (model_name, deployment_environment, backend, model_id, deployment_endpoint, deployment_status)
        SELECT 'model-' || i, (ARRAY['development', 'staging', 'production'])[1 + i % 3], 'vllm', 'm', 'http://m-' || i || ':8000',
          (ARRAY['ready', 'degraded', 'disabled', 'pending'])[1 + i % 4]
        FROM generate_series(1, 5000) AS i`);
      await psql(url, 'ANALYZE model_registry_entries');
      const plan = await run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url,
        '-c', `PREPARE route(text, text) AS ${ROUTE_LOOKUP.sql}`, '-c', 'EXPLAIN (FORMAT JSON) EXECUTE route(\'model-8\', \'production\')']);
      expect(plan.code).toBe(0);
      const top = JSON.parse(plan.stdout.trim())[0].Plan;
      expect(top['Node Type']).toMatch(/^Index (Only )?Scan$/);
      expect(top['Index Name']).toMatch(/^model_registry_entries_(ready_idx|model_name_environment_key)$/);
    });
  });
  describe('health checks with an API key (http-probe.sh)', () => {
    let url: string;
    beforeAll(async () => {
      url = await freshDb();
      await script('migrate.sh', url);
    });

    test('register.sh sends the key from REGISTRY_HEALTH_AUTH and registers; the key is in no output', async () => {
      const r = await script('register.sh', url, entryEnv({
        REGISTRY_MODEL_NAME: 'hosted', REGISTRY_HEALTH_URL: `${base}/private/health`, REGISTRY_HEALTH_AUTH: `${API_KEY}\n`,
      }));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toContain(API_KEY);
      expect(await json(url, 'SELECT deployment_status, last_health_check_at IS NOT NULL AS checked FROM model_registry_entries WHERE model_name = \'hosted\''))
        .toEqual([{ deployment_status: 'ready', checked: true }]);
    });

    test('health-check.sh: the target with its key variable is healthy, with a wrong key degraded', async () => {
      await script('register.sh', url, entryEnv({ REGISTRY_MODEL_NAME: 'hosted', REGISTRY_HEALTH_URL: '' }));
      await script('register.sh', url, entryEnv({ REGISTRY_MODEL_NAME: 'hosted-2', REGISTRY_HEALTH_URL: '' }));
      const targets = `hosted production ${base}/private/health REGISTRY_HEALTH_AUTH_0A\nhosted-2 production ${base}/private/health REGISTRY_HEALTH_AUTH_0B`;
      const r = await script('health-check.sh', url, {
        REGISTRY_HEALTH_TARGETS: targets, REGISTRY_HEALTH_AUTH_0A: API_KEY, REGISTRY_HEALTH_AUTH_0B: 'wrong', REGISTRY_PROBE_TIMEOUT_SECONDS: '2',
      });
      expect(r.code).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toContain(API_KEY);
      expect(r.stderr).toContain('answered HTTP 401: the API key was refused');
      expect(await json(url, 'SELECT model_name, deployment_status FROM model_registry_entries WHERE model_name LIKE \'hosted%\' ORDER BY 1'))
        .toEqual([{ model_name: 'hosted', deployment_status: 'ready' }, { model_name: 'hosted-2', deployment_status: 'degraded' }]);
    });
  });

  /**
   * psql.sh's split of the URL (password to PGPASSWORD, the rest to psql) against libpq's own
   * (fe-connect.c conninfo_uri_parse_options / conninfo_uri_parse_params / conninfo_uri_decode): the role's
   * password has every character a URL reserves, so a decoding that differs from libpq's fails SCRAM.
   */
  describe('psql.sh and libpq read the same URL', () => {
    const odd = process.env.REGISTRY_TEST_ODD_PASSWORD;
    if (!odd) throw new Error('REGISTRY_TEST_ODD_PASSWORD is not set: run test/registry/postgres-server.sh');
    const host = () => new URL(URL_).host;
    const forms = () => [
      `postgresql://registry_odd:${encodeURIComponent(odd)}@${host()}/registry`,
      `postgres://registry_odd@${host()}/registry?application_name=odd&password=${encodeURIComponent(odd)}`,
      `postgresql://registry_odd:not-this-one@${host()}/registry?password=${encodeURIComponent(odd)}`,
    ];
    const who = ['-At', '-c', 'SELECT current_user'];

    test('the role\'s password is odd enough to tell decodings apart', () => {
      expect(odd).toMatch(/@.*:.*\/.*%.*\?.*&.*#.*=.*\\.* .*é/);
    });

    test.each([0, 1, 2])('form %i connects both directly (libpq) and through psql.sh', async (i) => {
      const url = forms()[i];
      const direct = await run('psql', ['-X', '-d', url, ...who]);
      expect([direct.code, direct.stdout.trim()]).toEqual([0, 'registry_odd']);
      const wrapped = await run('bash', [path.join(dir, 'psql.sh'), '-X', ...who], { REGISTRY_DATABASE_URL: url });
      expect(wrapped.stderr).toBe('');
      expect([wrapped.code, wrapped.stdout.trim()]).toEqual([0, 'registry_odd']);
    });

    test('a wrong password fails with libpq\'s message, and the password is not in it', async () => {
      const wrong = `${odd}-wrong`;
      const r = await run('bash', [path.join(dir, 'psql.sh'), '-X', ...who],
        { REGISTRY_DATABASE_URL: `postgresql://registry_odd:${encodeURIComponent(wrong)}@${host()}/registry` });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('password authentication failed for user "registry_odd"');
      expect(r.stderr).not.toContain(odd);
      expect(r.stderr).not.toContain(encodeURIComponent(odd));
    });
  });

  describe('reconcile.sh (rows of models removed from the code)', () => {
    const S = RECONCILE_SCENARIO;
    const v1 = registryApp([...S.v1]);
    const jobEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('REGISTRY_') && k !== 'REGISTRY_DATABASE_URL'));
    const STATE_SQL = 'SELECT model_name || \'/\' || deployment_environment AS key, deployment_status AS status FROM model_registry_entries ORDER BY 1';
    const state = async (url: string) => Object.fromEntries((await json(url, STATE_SQL)).map((r) => [r.key, r.status]));

    /** A database with version 1's rows, registered by register.sh with version 1's Job environments, and the rows of others. */
    async function deployedV1(): Promise<string> {
      const url = await freshDb();
      await script('migrate.sh', url);
      for (const env of Object.values(v1.registrations)) {
        const r = await script('register.sh', url, { ...jobEnv(env), REGISTRY_HEALTH_URL: '' });
        expect(r.code).toBe(0);
      }
      await psql(url, `INSERT INTO model_registry_entries (model_name, deployment_environment, backend, model_id, deployment_endpoint, deployment_status, metadata)
        VALUES ('${S.otherRegistry.modelName}', '${S.otherRegistry.environment}', 'vllm', 'x', 'http://o:8000', 'ready', '${S.otherRegistry.metadata}'),
               ('${S.manual.modelName}', '${S.manual.environment}', 'vllm', 'x', 'http://h:8000', 'ready', '${S.manual.metadata}')`);
      return url;
    }

    test('version 2\'s Job disables the undeclared rows of its registry and environments only; a second run changes nothing', async () => {
      const url = await deployedV1();
      const v2 = registryApp([...S.v2]).reconcile!;
      const before = await json(url, 'SELECT * FROM model_registry_entries ORDER BY id');
      const r = await script('reconcile.sh', url, jobEnv(v2));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // psql prints the changed rows: the Job's log says what it disabled.
      expect(r.stdout).toMatch(/old-model\s*\|\s*production\s*\|\s*disabled/);
      expect(r.stdout).toMatch(/^UPDATE 2$/m);
      expect(await state(url)).toEqual({
        'dev-only/development': 'ready',
        'hand-made/production': 'ready',
        'llama-8b/production': 'ready',
        'llama-8b/staging': 'disabled',
        'old-model/production': 'disabled',
        'other-model/production': 'ready',
        'qwen/staging': 'ready',
      });
      const changedKeys = ['old-model/production', 'llama-8b/staging'];
      const keep = (rows: any[]) => rows.filter((x) => !changedKeys.includes(`${x.model_name}/${x.deployment_environment}`));
      const once = await json(url, 'SELECT * FROM model_registry_entries ORDER BY id');
      expect(keep(once)).toEqual(keep(before));
      const again = await script('reconcile.sh', url, jobEnv(v2));
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^UPDATE 0$/m);
      expect(await json(url, 'SELECT * FROM model_registry_entries ORDER BY id')).toEqual(once);
    });

    test('with deleteUndeclared the same rows are deleted, and only they', async () => {
      const url = await deployedV1();
      const v2 = registryApp([...S.v2], { reconcile: { deleteUndeclared: true } }).reconcile!;
      const r = await script('reconcile.sh', url, jobEnv(v2));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^DELETE 2$/m);
      expect(Object.keys(await state(url))).toEqual([
        'dev-only/development', 'hand-made/production', 'llama-8b/production', 'other-model/production', 'qwen/staging',
      ]);
      expect((await script('reconcile.sh', url, jobEnv(v2))).stdout).toMatch(/^DELETE 0$/m);
    });

    test('before the migrations it fails with a clear message (the Job retries); an unknown action is refused', async () => {
      const v2 = registryApp([...S.v2]).reconcile!;
      const early = await script('reconcile.sh', await freshDb(), jobEnv(v2));
      expect(early.code).toBe(3);
      expect(early.stderr).toContain('the model registry schema is not installed');
      const bad = await script('reconcile.sh', URL_!, { ...jobEnv(v2), REGISTRY_RECONCILE_ACTION: 'truncate' });
      expect(bad.code).toBe(2);
    });
  });
});
