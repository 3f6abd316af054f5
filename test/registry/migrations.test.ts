/** The migration files and the psql runner scripts built from them (pure; no database). */
import { createHash } from 'crypto';
import {
  guardSql, LEDGER_DDL, LOCK_STATEMENTS, loadMigrations, MIGRATION_LOCK_KEY, migrateScript, migrations, pendingSql, psqlLine,
  recordSql, revertSql, rollbackScript, UNLOCK_STATEMENT,
} from '../../src/registry/migrations';
import { registryFiles } from '../../src/registry/scripts';
import { psqlPrepared, REGISTER, STATEMENTS } from '../../src/registry/statements';

/**
 * Released migrations never change: databases record their checksum and the runner refuses a changed file.
 * A new schema change is a new migration. Update this list only when adding one.
 */
const RELEASED: Record<string, string> = {
  '0001_create_model_registry_entries': 'fa0a45ccfb4ef245604197142a8e0ff98fc5130241ec41ffca9fa658773151e9',
  '0002_add_deployment_metadata': '3b6f1fcae5720a9942059eb76db2bce65367f9433c2e1bf14b57ae0628efc6df',
  '0003_notify_changes': 'e3202b0797959b736b8c10abf6a7b9417b6e0bb945518960cf4fb1dbd6cd20a2',
};

test('the shipped migrations are numbered, paired, and unchanged since release', () => {
  const all = migrations();
  expect(all.map((m) => `${m.version}_${m.name}`)).toEqual(Object.keys(RELEASED));
  for (const m of all) {
    expect(m.checksum).toBe(RELEASED[`${m.version}_${m.name}`]);
    expect(m.down.length).toBeGreaterThan(0);
    // Self-contained plain SQL: no psql meta-commands, no transaction control (the runner wraps each file).
    expect(m.up).not.toMatch(/^\s*\\/m);
    expect(m.up).not.toMatch(/^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\s*;/im);
    expect(m.down).not.toMatch(/^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\s*;/im);
  }
});

test('the advisory lock key is a fixed 64-bit number', () => {
  expect(MIGRATION_LOCK_KEY).toBe('-6244487077580740248');
  expect(createHash('sha256').update('cdk8s-llama-stack/model-registry/migrations').digest().readBigInt64BE(0).toString()).toBe(MIGRATION_LOCK_KEY);
});

test('loadMigrations rejects gaps, missing halves, two names and stray files', () => {
  expect(() => loadMigrations({ '0001_a.up.sql': '', '0001_a.down.sql': '', '0003_c.up.sql': '', '0003_c.down.sql': '' })).toThrow(/without gaps; found 0003/);
  expect(() => loadMigrations({ '0001_a.up.sql': '' })).toThrow(/0001_a needs both an .up.sql and a .down.sql/);
  expect(() => loadMigrations({ '0001_a.up.sql': '', '0001_b.down.sql': '' })).toThrow(/two names: 'a' and 'b'/);
  expect(() => loadMigrations({ 'README.md': '' })).toThrow(/unexpected file 'README.md'/);
  expect(loadMigrations({ '0001_a.up.sql': 'x', '0001_a.down.sql': 'y' })).toEqual([
    { version: '0001', name: 'a', upFile: '0001_a.up.sql', downFile: '0001_a.down.sql', up: 'x', down: 'y', checksum: createHash('sha256').update('x').digest('hex') },
  ]);
});

describe('migrate.sql', () => {
  const script = migrateScript();
  const lines = script.split('\n');

  test('stops on the first error, takes the lock, makes the ledger, then applies in order', () => {
    expect(lines).toContain('\\set ON_ERROR_STOP on');
    const at = (text: string) => {
      const i = script.indexOf(text);
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      ...LOCK_STATEMENTS.map(psqlLine),
      psqlLine(LEDGER_DDL),
      ...migrations().flatMap((m) => [psqlLine(guardSql(m)), psqlLine(pendingSql(m)), `\\ir ${m.upFile}`, psqlLine(recordSql(m))]),
      psqlLine(UNLOCK_STATEMENT),
    ].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test('each file runs in a transaction with its ledger row, only when pending', () => {
    for (const m of migrations()) {
      const block = script.slice(script.indexOf(psqlLine(pendingSql(m))));
      expect(block.split('\n').slice(1, 6)).toEqual(['\\if :pending', 'BEGIN;', `\\ir ${m.upFile}`, psqlLine(recordSql(m)), 'COMMIT;']);
    }
  });

  test('includes only files that ship in the ConfigMap', () => {
    const files = registryFiles();
    const included = [...script.matchAll(/^\\ir (.+)$/gm), ...rollbackScript().matchAll(/^\\ir (.+)$/gm)].map((m) => m[1]);
    expect(included.length).toBe(migrations().length * 2);
    for (const f of included) expect(files[f]).toBeDefined();
  });
});

describe('rollback.sql', () => {
  const script = rollbackScript();

  test('reverts newest first, each with the removal of its ledger row, only when newer than :target', () => {
    const positions = [...migrations()].reverse().map((m) => script.indexOf(psqlLine(revertSql(m))));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(script).toContain('AND \'0002\' > :\'target\' AS revert \\gset');
  });

  test('refuses to run without a four-digit target', () => {
    expect(script).toContain('\\if :{?target}');
    expect(script).toContain('SELECT :\'target\' ~ \'^[0-9]{4}$\' AS target_ok \\gset');
    expect(script).toMatch(/RAISE EXCEPTION 'the rollback target is missing or not four digits'/);
  });
});

describe('statements in psql scripts', () => {
  test('every value is a psql variable quoted by psql (:\'name\'), bound as a parameter of a prepared statement', () => {
    for (const s of STATEMENTS) {
      const text = psqlPrepared(s);
      expect(text.startsWith(`PREPARE ${s.name}(${s.params.map((p) => p.type).join(', ')}) AS\n${s.sql};\n`)).toBe(true);
      expect(text.endsWith(`EXECUTE ${s.name}(${s.params.map((p) => `:'${p.name}'`).join(', ')});`)).toBe(true);
      // The statement itself has exactly its parameters and no psql interpolation.
      const used = new Set([...s.sql.matchAll(/\$([0-9]+)/g)].map((m) => Number(m[1])));
      expect([...used].sort((a, b) => a - b)).toEqual(s.params.map((_, i) => i + 1));
      expect(s.sql).not.toMatch(/:['"]?[a-z_]+/);
    }
  });

  test('register.sql reads every parameter from the environment and checks the schema first', () => {
    const sql = registryFiles()['register.sql'];
    for (const p of REGISTER.params) expect(sql).toMatch(new RegExp(`^\\\\getenv ${p.name} REGISTRY_[A-Z_]+$`, 'm'));
    expect(sql.indexOf('the model registry schema is older than version')).toBeLessThan(sql.indexOf('PREPARE registry_register'));
  });
});
