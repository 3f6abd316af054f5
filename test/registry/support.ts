/**
 * Shared pieces of the registry tests: a fake model server, hostile values, and the migration runner's
 * steps executed on PGlite with exactly the SQL the psql runner (migrate.sql / rollback.sql) sends.
 */
import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { IModelServer, INetworkPeer, ModelRegistry, ModelRegistryEntry, ModelRegistryProps } from '../../src';
import {
  forgetSql, guardSql, LEDGER_DDL, LOCK_STATEMENTS, Migration, migrations, pendingSql, recordSql, revertSql, UNLOCK_STATEMENT,
} from '../../src/registry/migrations';

/** Values that would break any SQL or shell built by string concatenation. */
export const HOSTILE = {
  modelName: 'O\'Brien"; DROP TABLE model_registry_entries; -- :\'x\' :"y" \\ $1 $$ ✓ 模型 🦙',
  endpoint: 'http://evil.example/\';DROP TABLE model_registry_entries;--/$(id)`id`',
  modelId: 'org/model\'); DELETE FROM registry_schema_migrations; --',
  backend: 'vllm\'--',
  metadata: JSON.stringify({ 'note': 'it\'s "quoted"; \\ $$ :\'v\' ✓', 'x;y': '\'' }),
};

/**
 * The hostile model name as a construct can give it to the health check: the same quotes, semicolons,
 * psql syntax and unicode, without whitespace (model names cannot hold any; the targets are space-separated).
 */
export const HOSTILE_TARGET_NAME = HOSTILE.modelName.replace(/\s/g, '');

/** A model server with the IModelServer surface; records allowFrom calls. */
export class FakeModel extends Construct implements IModelServer {
  public readonly servedModelName: string;
  public readonly modelSource = 'meta-llama/Llama-3.1-8B-Instruct';
  public readonly backend = 'vllm';
  public readonly environment: string;
  public readonly namespace: string;
  public readonly serviceName: string;
  public readonly port = 8000;
  public readonly containerPort = 8000;
  public readonly healthPath = '/health';
  public readonly podSelectorLabels: { [key: string]: string };
  public readonly allowed: Array<{ labels: Record<string, string>; namespace?: string }> = [];
  public readonly startupBudgetSeconds?: number;

  constructor(scope: Construct, id: string, o: { name?: string; environment?: string; namespace?: string; startupBudgetSeconds?: number } = {}) {
    super(scope, id);
    this.startupBudgetSeconds = o.startupBudgetSeconds;
    this.servedModelName = o.name ?? 'llama-8b';
    this.environment = o.environment ?? 'production';
    this.namespace = o.namespace ?? 'models';
    this.serviceName = `${this.servedModelName}-${this.environment}`;
    this.podSelectorLabels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': this.servedModelName };
  }

  public get url(): string {
    return `http://${this.serviceName}.${this.namespace}.svc.cluster.local:${this.port}`;
  }

  public allowFrom(peer: INetworkPeer): void {
    this.allowed.push({ labels: peer.podSelectorLabels, namespace: peer.namespace });
  }
}

/** What PGlite and a pg client have in common. */
export interface Db {
  query(text: string, params?: unknown[]): Promise<{ rows: any[] }>;
  exec(sql: string): Promise<unknown>;
}

/** migrate.sql's steps, in its order, with its SQL. */
export async function migrateUp(db: Db, all: Migration[] = migrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const s of LOCK_STATEMENTS) await db.query(s);
  await db.query(LEDGER_DDL);
  for (const m of all) {
    await db.exec(guardSql(m));
    const pending = (await db.query(pendingSql(m))).rows[0].pending;
    if (!pending) continue;
    await db.exec('BEGIN');
    try {
      await db.exec(m.up);
      await db.query(recordSql(m));
      await db.exec('COMMIT');
    } catch (err) {
      await db.exec('ROLLBACK');
      throw err;
    }
    applied.push(m.version);
  }
  await db.query(UNLOCK_STATEMENT);
  return applied;
}

/** rollback.sql's steps; `:'target'` is the psql variable, bound here as $1. */
export async function migrateDown(db: Db, target: string, all: Migration[] = migrations()): Promise<string[]> {
  const reverted: string[] = [];
  for (const s of LOCK_STATEMENTS) await db.query(s);
  await db.query(LEDGER_DDL);
  for (const m of [...all].reverse()) {
    const revert = (await db.query(revertSql(m).replace(':\'target\'', '$1::text'), [target])).rows[0].revert;
    if (!revert) continue;
    await db.exec('BEGIN');
    try {
      await db.exec(m.down);
      await db.query(forgetSql(m));
      await db.exec('COMMIT');
    } catch (err) {
      await db.exec('ROLLBACK');
      throw err;
    }
    reverted.push(m.version);
  }
  await db.query(UNLOCK_STATEMENT);
  return reverted;
}

/** The environment variables of a synthesized Job or CronJob's container (values, or valueFrom as JSON). */
export function containerEnv(obj: any): Record<string, string> {
  const pod = obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
  return Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? JSON.stringify(e.valueFrom)]));
}

/** What an app with one registry emits for the registry's Jobs, by entry. */
export interface RegistryAppJobs {
  /** Each entry's registration Job environment, by model name and environment (`<name>/<env>`). */
  readonly registrations: Record<string, Record<string, string>>;
  /** The reconcile Job's environment (undefined when it is off). */
  readonly reconcile?: Record<string, string>;
}

/**
 * Synthesizes an app with registry `name` (in namespace `llm`) and one entry per (model name, environment),
 * each an in-cluster endpoint, and returns the Jobs' environments: exactly what the Jobs would get.
 */
export function registryApp(
  entries: Array<{ modelName: string; environment: string }>,
  props: { name?: string; reconcile?: ModelRegistryProps['reconcile'] } = {},
): RegistryAppJobs {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const registry = new ModelRegistry(chart, 'registry', {
    name: props.name, reconcile: props.reconcile, database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' },
  });
  entries.forEach((e, i) => new ModelRegistryEntry(chart, `e${i}`, {
    registry, modelName: e.modelName, environment: e.environment, endpoint: `http://m${i}.models.svc:8000`,
  }));
  const objs = Testing.synth(chart) as any[];
  const registrations: Record<string, Record<string, string>> = {};
  for (const o of objs.filter((x) => x.kind === 'Job' && /-register-/.test(x.metadata.name))) {
    const env = containerEnv(o);
    registrations[`${env.REGISTRY_MODEL_NAME}/${env.REGISTRY_ENVIRONMENT}`] = env;
  }
  const job = objs.find((x) => x.kind === 'Job' && /-reconcile-/.test(x.metadata.name));
  return { registrations, reconcile: job ? containerEnv(job) : undefined };
}

/**
 * The reconcile scenario both database suites run. Version 1 of the app registered five models of
 * registry `registry`; version 2 (the one deployed now) keeps `llama-8b` (production) and `qwen`
 * (staging). Besides the rows of version 1, the table holds rows the reconcile step must leave alone.
 */
export const RECONCILE_SCENARIO = {
  v1: [
    { modelName: 'llama-8b', environment: 'production' },
    { modelName: 'old-model', environment: 'production' },
    { modelName: 'llama-8b', environment: 'staging' },
    { modelName: 'qwen', environment: 'staging' },
    { modelName: 'dev-only', environment: 'development' },
  ],
  v2: [
    { modelName: 'llama-8b', environment: 'production' },
    { modelName: 'qwen', environment: 'staging' },
  ],
  /** Rows another registry (same library, other name) wrote in production: not this registry's. */
  otherRegistry: { modelName: 'other-model', environment: 'production', metadata: '{"managed_by":"cdk8s-llama-stack","registry":"registry-b"}' },
  /** A row written by hand (no managed_by) in production. */
  manual: { modelName: 'hand-made', environment: 'production', metadata: '{"registry":"registry"}' },
} as const;
