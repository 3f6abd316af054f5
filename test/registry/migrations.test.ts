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

/** A psql variable reference (`:name`, `:'name'`, `:"name"`, `:{?name}`) where psql interpolates it. */
interface VariableUse {
  readonly line: number;
  /** The whole line it is on. */
  readonly text: string;
  readonly ref: string;
  readonly name: string;
}

/**
 * Where psql would interpolate variables in `text`: outside comments, quoted literals, quoted identifiers and
 * dollar-quoted bodies (psql substitutes nowhere else), `::` casts excluded. Independent of the scripts' builder.
 */
function variableUses(text: string): VariableUse[] {
  const lines = text.split('\n');
  const uses: VariableUse[] = [];
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (; i < to && i < text.length; i++) if (text[i] === '\n') line++;
  };
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest.startsWith('--')) {
      advance(i + (rest.indexOf('\n') < 0 ? rest.length : rest.indexOf('\n')));
    } else if (rest[0] === "'" || rest[0] === '"') {
      const q = rest[0];
      let j = 1;
      for (; j < rest.length; j++) {
        if (rest[j] === q && rest[j + 1] === q) j++;
        else if (rest[j] === q) break;
      }
      advance(i + j + 1);
    } else if (/^\$[A-Za-z_]*\$/.test(rest)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)![0];
      const end = rest.indexOf(tag, tag.length);
      advance(i + (end < 0 ? rest.length : end + tag.length));
    } else if (rest.startsWith('::')) {
      advance(i + 2);
    } else if (rest[0] === ':') {
      const m = /^:(?:'([A-Za-z_][A-Za-z0-9_]*)'|"([A-Za-z_][A-Za-z0-9_]*)"|\{\?([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(rest);
      if (m) uses.push({ line, text: lines[line - 1], ref: m[0], name: m[1] ?? m[2] ?? m[3] ?? m[4] });
      advance(i + (m ? m[0].length : 1));
    } else {
      advance(i + 1);
    }
  }
  return uses;
}

/**
 * Every interpolation psql does in `file` that is not one of: `\if :{?name}` (is it set), `\if :name` on a
 * flag the script itself set (`\set`, or a column of a `\gset` row), or `:'name'` in the argument list of
 * `EXECUTE <statement>(...)` of a statement the file PREPAREs with as many parameters (a bound parameter).
 */
function unboundUses(file: string, text: string): string[] {
  const flags = new Set([...text.matchAll(/^\\set ([A-Za-z_]+) /gm), ...text.matchAll(/ AS ([a-z_]+) \\gset$/gm)].map((m) => m[1]));
  const prepared = new Map([...text.matchAll(/^PREPARE ([a-z_]+)\(([^)]*)\) AS$/gm)].map((m) => [m[1], m[2].split(', ').length]));
  const bad: string[] = [];
  for (const u of variableUses(text)) {
    if (u.ref === `:{?${u.name}}` && u.text === `\\if ${u.ref}`) continue;
    if (u.ref === `:${u.name}` && u.text === `\\if ${u.ref}` && flags.has(u.name)) continue;
    const exec = /^EXECUTE ([a-z_]+)\((:'[a-z_]+'(?:, :'[a-z_]+')*)\);$/.exec(u.text);
    if (exec && u.ref === `:'${u.name}'` && prepared.get(exec[1]) === exec[2].split(', ').length) continue;
    bad.push(`${file}:${u.line}: ${u.ref} in ${u.text.trim()}`);
  }
  return bad;
}

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

  test('every generated .sql file: values reach SQL only as bound parameters (EXECUTE arguments), never spliced into its text', () => {
    const files = registryFiles();
    const sql = Object.keys(files).filter((f) => f.endsWith('.sql'));
    expect(sql.length).toBe(migrations().length * 2 + 9);
    const bad = sql.flatMap((f) => unboundUses(f, files[f]));
    // The one exception: rollback.sql compares the operator's own -v target (a literal psql quotes, checked to
    // be four digits before any other use) with the versions; no Job runs it.
    expect(bad.filter((b) => !/^rollback\.sql:\d+: :'target' in /.test(b))).toEqual([]);
    expect(bad.length).toBe(1 + migrations().length);
    // Each operator and Job script binds every parameter of its statement, in order.
    const executes = sql.flatMap((f) => [...files[f].matchAll(/^EXECUTE ([a-z_]+)\((.*)\);$/gm)].map((m) => `${f}: ${m[1]}(${m[2]})`));
    expect(executes).toEqual([
      "disable.sql: registry_disable(:'model_name', :'environment')",
      "enable.sql: registry_enable(:'model_name', :'environment')",
      "health-check.sql: registry_health(:'model_name', :'environment', :'healthy')",
      "lookup.sql: registry_route(:'model_name', :'environment')",
      "reconcile-delete.sql: registry_reconcile_delete(:'registry', :'environments', :'declared')",
      "reconcile-disable.sql: registry_reconcile_disable(:'registry', :'environments', :'declared')",
      "register.sql: registry_register(:'model_name', :'environment', :'backend', :'model_id', :'endpoint', :'namespace', :'status', :'metadata', :'health_verified')",
    ]);
  });

  test('the interpolation finder sees every form psql substitutes, and nothing in literals, comments, casts or bodies', () => {
    const text = [
      "SELECT :'a', :\"b\", :c, x::jsonb, '[[:space:]]', ':d', $q$ :e $q$ -- :f",
      '\\if :{?g}',
      "EXECUTE s(:'h');",
    ].join('\n');
    expect(variableUses(text).map((u) => `${u.line} ${u.ref}`)).toEqual(["1 :'a'", '1 :"b"', '1 :c', '2 :{?g}', "3 :'h'"]);
    // An EXECUTE of a statement the file does not prepare, or with another parameter count, is not a binding.
    expect(unboundUses('x.sql', "PREPARE s(text) AS\nSELECT $1;\nEXECUTE s(:'a');")).toEqual([]);
    expect(unboundUses('x.sql', "PREPARE s(text) AS\nSELECT $1;\nEXECUTE s(:'a', :'b');")).toEqual(["x.sql:3: :'a' in EXECUTE s(:'a', :'b');", "x.sql:3: :'b' in EXECUTE s(:'a', :'b');"]);
    expect(unboundUses('x.sql', "PREPARE s(text) AS\nSELECT $1 || :'b';\nEXECUTE s(:'a');")).toEqual(["x.sql:2: :'b' in SELECT $1 || :'b';"]);
    expect(unboundUses('x.sql', '\\if :unset_flag\n\\endif')).toEqual(['x.sql:1: :unset_flag in \\if :unset_flag']);
  });

  test('register.sql reads every parameter from the environment and checks the schema first', () => {
    const sql = registryFiles()['register.sql'];
    for (const p of REGISTER.params) expect(sql).toMatch(new RegExp(`^\\\\getenv ${p.name} REGISTRY_[A-Z_]+$`, 'm'));
    expect(sql.indexOf('the model registry schema is older than version')).toBeLessThan(sql.indexOf('PREPARE registry_register'));
  });
});
