/**
 * A strict interpreter of the psql subset the registry's runner scripts use (migrate.sql, rollback.sql), so
 * their exact text runs on PGlite in jest: `\set`, `\pset`, `\if`/`\else`/`\endif` on a variable or
 * `:{?name}`, `\ir` of a file beside the script, `\echo`, statements ending in `;` or `\gset`, and `:'name'`
 * interpolation (quoted as psql quotes it). Anything else is an error, so a script using more of psql fails
 * here instead of being half-run. The real psql runs the same scripts in test/registry/postgres-server.sh.
 */
import { PgliteProxy } from '../support/pglite';

export interface PsqlStep {
  /** `sql` (a statement), `gset` (a statement whose row became variables) or `include` (an `\ir` file). */
  readonly kind: 'sql' | 'gset' | 'include';
  /** The statement, or the included file's name. */
  readonly text: string;
}

export interface PsqlOptions {
  /** Variables as `psql -v name=value` sets them. */
  readonly vars?: Record<string, string>;
  /** Called before each step runs (and awaited): e.g. to look at the session's locks at that moment. */
  readonly before?: (step: PsqlStep) => Promise<void>;
}

function psqlBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined) throw new Error(`\\if :${name}: the variable is not set`);
  const v = value.toLowerCase();
  if (['on', 'true', 't', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', 'f', '0', 'no'].includes(v)) return false;
  throw new Error(`\\if :${name}: '${value}' is not a boolean`);
}

/** Dollar-quote tags in `text` pair up (a statement ending in `;` inside a DO body is not finished). */
function balanced(text: string): boolean {
  return ((text.match(/\$[A-Za-z_]*\$/g) ?? []).length % 2) === 0;
}

/** Runs `files[name]` on `db`; returns what `\echo` printed. */
export async function runPsqlScript(db: PgliteProxy, files: Record<string, string>, name: string, options: PsqlOptions = {}): Promise<string[]> {
  const vars: Record<string, string> = { ...options.vars };
  const echoed: string[] = [];
  const branches: boolean[] = []; // whether each open \if branch runs
  const running = () => branches.every((b) => b);
  const interpolate = (sql: string) => sql.replace(/:'([A-Za-z_][A-Za-z0-9_]*)'/g, (_m, v: string) => {
    if (vars[v] === undefined) throw new Error(`:'${v}' is not set`);
    return `'${vars[v].replace(/'/g, "''")}'`;
  });
  const step = async (s: PsqlStep) => {
    await options.before?.(s);
    if (s.kind === 'include') {
      const text = files[s.text];
      if (text === undefined) throw new Error(`\\ir ${s.text}: no such file`);
      await db.exec(text);
    } else if (s.kind === 'gset') {
      const row = (await db.query(s.text)).rows[0];
      if (!row) throw new Error(`\\gset: no row from ${s.text}`);
      for (const [k, v] of Object.entries(row)) vars[k] = typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
    } else {
      await db.exec(s.text);
    }
  };
  const source = files[name];
  if (source === undefined) throw new Error(`no file ${name}`);
  let buffer: string[] = [];
  for (const line of source.split('\n')) {
    if (buffer.length === 0) {
      const meta = /^\\([a-z]+)(?:\s+(.*))?$/.exec(line);
      if (meta) {
        const [, command, arg = ''] = meta;
        if (command === 'if') {
          const m = /^:(?:\{\?([A-Za-z_]+)\}|([A-Za-z_]+))$/.exec(arg);
          if (!m) throw new Error(`unsupported \\if ${arg}`);
          branches.push(running() ? (m[1] !== undefined ? vars[m[1]] !== undefined : psqlBoolean(m[2], vars[m[2]])) : false);
        } else if (command === 'else') {
          if (branches.length === 0) throw new Error('\\else without \\if');
          const outer = branches.slice(0, -1).every((b) => b);
          branches[branches.length - 1] = outer && !branches[branches.length - 1];
        } else if (command === 'endif') {
          if (branches.pop() === undefined) throw new Error('\\endif without \\if');
        } else if (!running()) {
          continue;
        } else if (command === 'set') {
          const m = /^([A-Za-z_]+)\s+(\S+)$/.exec(arg);
          if (!m) throw new Error(`unsupported \\set ${arg}`);
          vars[m[1]] = m[2];
        } else if (command === 'pset') {
          continue;
        } else if (command === 'echo') {
          echoed.push(arg.replace(/^'(.*)'$/, '$1'));
        } else if (command === 'ir') {
          await step({ kind: 'include', text: arg });
        } else {
          throw new Error(`unsupported psql command \\${command}`);
        }
        continue;
      }
      if (line.trim() === '' || line.startsWith('--')) continue;
    }
    buffer.push(line);
    const text = buffer.join('\n');
    if (!balanced(text)) continue;
    if (/\s\\gset$/.test(line)) {
      buffer = [];
      if (running()) await step({ kind: 'gset', text: interpolate(text.replace(/\s\\gset$/, '')) });
    } else if (/;\s*$/.test(line)) {
      buffer = [];
      if (running()) await step({ kind: 'sql', text: interpolate(text) });
    }
  }
  if (buffer.length > 0) throw new Error(`unterminated statement at the end of ${name}: ${buffer.join('\n')}`);
  if (branches.length > 0) throw new Error(`\\if without \\endif in ${name}`);
  return echoed;
}
