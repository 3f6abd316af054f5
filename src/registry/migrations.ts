/**
 * The model registry's schema migrations (data/registry/migrations) and the psql runner scripts that
 * apply and revert them. Pure: reads the shipped files once, builds text, touches no cluster.
 *
 * The runner keeps a ledger table (`registry_schema_migrations`) so that applying twice is a no-op,
 * holds a session advisory lock so two runners cannot interleave, applies each file in its own
 * transaction together with its ledger row, and refuses to go on if an applied file was changed since.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { sha256 } from '../core/yaml';

/** Where the migration files live: `data/` at the package root (beside `src/` and `lib/`). */
export const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'data', 'registry', 'migrations');

/** The ledger of applied migrations. */
export const LEDGER_TABLE = 'registry_schema_migrations';

/**
 * Key of the session advisory lock every runner holds (a fixed 64-bit number: the first 8 bytes of
 * sha256('cdk8s-llama-stack/model-registry/migrations') read as a signed integer).
 */
export const MIGRATION_LOCK_KEY = lockKey('cdk8s-llama-stack/model-registry/migrations');

/** How long a runner waits for another runner's lock, and how long DDL waits for table locks. */
export const LOCK_WAIT = '5min';
export const DDL_LOCK_TIMEOUT = '15s';

export interface Migration {
  /** Four digits, e.g. `0002`; applied in this order. */
  readonly version: string;
  /** e.g. `add_deployment_metadata`. */
  readonly name: string;
  /** `<version>_<name>.up.sql` */
  readonly upFile: string;
  /** `<version>_<name>.down.sql` */
  readonly downFile: string;
  readonly up: string;
  readonly down: string;
  /** sha256 (hex) of the up file, recorded in the ledger. */
  readonly checksum: string;
}

const FILE = /^([0-9]{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** Parses a directory listing into migrations; throws on gaps, strays or a missing half. */
export function loadMigrations(files: Record<string, string>): Migration[] {
  const byVersion = new Map<string, { name: string; up?: string; down?: string }>();
  for (const [file, text] of Object.entries(files)) {
    const m = FILE.exec(file);
    if (!m) throw new Error(`unexpected file '${file}' among the registry migrations (expected NNNN_name.up.sql / .down.sql)`);
    const [, version, name, dir] = m;
    const entry = byVersion.get(version) ?? { name };
    if (entry.name !== name) throw new Error(`migration ${version} has two names: '${entry.name}' and '${name}'`);
    entry[dir as 'up' | 'down'] = text;
    byVersion.set(version, entry);
  }
  const versions = [...byVersion.keys()].sort();
  return versions.map((version, i) => {
    const e = byVersion.get(version)!;
    if (Number(version) !== i + 1) throw new Error(`registry migrations must be numbered 0001, 0002, ... without gaps; found ${version} at position ${i + 1}`);
    if (e.up === undefined || e.down === undefined) throw new Error(`migration ${version}_${e.name} needs both an .up.sql and a .down.sql file`);
    return {
      version,
      name: e.name,
      upFile: `${version}_${e.name}.up.sql`,
      downFile: `${version}_${e.name}.down.sql`,
      up: e.up,
      down: e.down,
      checksum: sha256(e.up),
    };
  });
}

let cached: Migration[] | undefined;

/** The migrations shipped with the library, in order. */
export function migrations(): Migration[] {
  if (!cached) {
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(MIGRATIONS_DIR).sort()) files[f] = fs.readFileSync(path.join(MIGRATIONS_DIR, f), 'utf8');
    cached = loadMigrations(files);
  }
  return cached;
}

/** The newest schema version; registration and health checks need at least this. */
export function latestVersion(): string {
  const all = migrations();
  return all[all.length - 1].version;
}

// The pieces of SQL the runners execute, as single statements without the final ';'. Version, name and
// checksum are the library's own constants (checked above), never user input; the rollback target
// comes in as a psql variable.

export const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  version text PRIMARY KEY CHECK (version ~ '^[0-9]{4}$'),
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL DEFAULT current_user
)`;

/** Wait (boundedly) for the runner lock, then keep DDL from queueing behind long transactions for long. */
export const LOCK_STATEMENTS = [
  `SET lock_timeout = '${LOCK_WAIT}'`,
  `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}) AS locked`,
  `SET lock_timeout = '${DDL_LOCK_TIMEOUT}'`,
];

export const UNLOCK_STATEMENT = `SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY}) AS unlocked`;

/** One boolean column `pending`: whether the migration still has to be applied. */
export function pendingSql(m: Migration): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM ${LEDGER_TABLE} WHERE version = '${m.version}') AS pending`;
}

/** Fails when the migration was applied from a different file than the one shipped now. */
export function guardSql(m: Migration): string {
  return `DO $guard$
DECLARE
  recorded text;
BEGIN
  SELECT checksum INTO recorded FROM ${LEDGER_TABLE} WHERE version = '${m.version}';
  IF recorded IS NOT NULL AND recorded <> '${m.checksum}' THEN
    RAISE EXCEPTION 'model registry migration ${m.upFile} was changed after it was applied (ledger checksum %, file checksum ${m.checksum})', recorded
      USING HINT = 'released migrations must never change; restore the original file and add a new migration instead';
  END IF;
END $guard$`;
}

export function recordSql(m: Migration): string {
  return `INSERT INTO ${LEDGER_TABLE} (version, name, checksum) VALUES ('${m.version}', '${m.name}', '${m.checksum}')`;
}

/** One boolean column `revert`: applied and newer than the psql variable `target`. */
export function revertSql(m: Migration): string {
  return `SELECT EXISTS (SELECT 1 FROM ${LEDGER_TABLE} WHERE version = '${m.version}') AND '${m.version}' > :'target' AS revert`;
}

export function forgetSql(m: Migration): string {
  return `DELETE FROM ${LEDGER_TABLE} WHERE version = '${m.version}'`;
}

/**
 * Fails unless migration `version` is in the ledger: registration and health checks start with it so
 * that, run before the migration Job has finished, they stop with a clear message (and the Job retries).
 */
export function schemaCheckSql(version: string): string {
  const hint = 'the registry\'\'s migration Job has to finish first (Argo CD runs it in an earlier sync wave; this Job retries)';
  return `DO $check$
BEGIN
  IF to_regclass('${LEDGER_TABLE}') IS NULL THEN
    RAISE EXCEPTION 'the model registry schema is not installed (no ${LEDGER_TABLE} table)' USING HINT = '${hint}';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ${LEDGER_TABLE} WHERE version = '${version}') THEN
    RAISE EXCEPTION 'the model registry schema is older than version ${version}' USING HINT = '${hint}';
  END IF;
END $check$`;
}

/** A psql line for one statement: result rows of SELECTs go to psql variables, not to the log. */
export function psqlLine(statement: string): string {
  return /^SELECT\b/.test(statement) ? `${statement} \\gset` : `${statement};`;
}

/** Fails the script (ON_ERROR_STOP) with a fixed message. */
export function failSql(message: string, hint: string): string {
  return `DO $fail$ BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}' USING HINT = '${hint.replace(/'/g, "''")}'; END $fail$`;
}

/** Settings every registry psql script starts with. */
export const PSQL_HEADER = [
  '\\set ON_ERROR_STOP on',
  '\\set QUIET on',
  '\\pset footer off',
  'SET client_min_messages = warning;',
].join('\n');

/**
 * The psql script the migration Job runs (`psql -f migrate.sql`, with the migration files beside it):
 * every pending migration, in order, each in a transaction with its ledger row.
 */
export function migrateScript(all: Migration[] = migrations()): string {
  const out = [
    '-- Applies the model registry migrations that are not yet in the ledger. Safe to run again and',
    '-- concurrently: a session advisory lock serialises runners, and each file commits with its ledger row.',
    PSQL_HEADER,
    ...LOCK_STATEMENTS.map(psqlLine),
    psqlLine(LEDGER_DDL),
  ];
  for (const m of all) {
    out.push(
      '',
      `-- ${m.version}_${m.name}`,
      psqlLine(guardSql(m)),
      psqlLine(pendingSql(m)),
      '\\if :pending',
      'BEGIN;',
      `\\ir ${m.upFile}`,
      psqlLine(recordSql(m)),
      'COMMIT;',
      `\\echo 'applied ${m.version}_${m.name}'`,
      '\\else',
      `\\echo '${m.version}_${m.name} was already applied'`,
      '\\endif',
    );
  }
  out.push('', psqlLine(UNLOCK_STATEMENT), '');
  return out.join('\n');
}

/**
 * The psql script that reverts migrations newer than the psql variable `target` (e.g.
 * `psql -v target=0001 -f rollback.sql`; `-v target=0000` reverts all), newest first, each in a
 * transaction with the removal of its ledger row. No Job runs it: it is the operator's tool.
 */
export function rollbackScript(all: Migration[] = migrations()): string {
  const usage = 'give the version to roll back to: psql -v target=0001 -f rollback.sql (0000 reverts everything)';
  const out = [
    '-- Reverts the model registry migrations newer than :target, newest first.',
    `-- Usage: ${usage}; the migration files must be beside this script.`,
    PSQL_HEADER,
    '\\if :{?target}',
    'SELECT :\'target\' ~ \'^[0-9]{4}$\' AS target_ok \\gset',
    '\\else',
    '\\set target_ok false',
    '\\endif',
    '\\if :target_ok',
    '\\else',
    psqlLine(failSql('the rollback target is missing or not four digits', usage)),
    '\\endif',
    ...LOCK_STATEMENTS.map(psqlLine),
    psqlLine(LEDGER_DDL),
  ];
  for (const m of [...all].reverse()) {
    out.push(
      '',
      `-- ${m.version}_${m.name}`,
      psqlLine(revertSql(m)),
      '\\if :revert',
      'BEGIN;',
      `\\ir ${m.downFile}`,
      psqlLine(forgetSql(m)),
      'COMMIT;',
      `\\echo 'reverted ${m.version}_${m.name}'`,
      '\\endif',
    );
  }
  out.push('', psqlLine(UNLOCK_STATEMENT), '');
  return out.join('\n');
}

function lockKey(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  return bytes.readBigInt64BE(0).toString();
}
