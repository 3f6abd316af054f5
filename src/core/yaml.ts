import { createHash } from 'crypto';
import * as jsyaml from 'js-yaml';
import { IssueCollector } from './errors';
import { checkPlainData } from './shape';

/**
 * Deterministic YAML for JSON-like data (objects, arrays, strings, numbers, booleans, null): block
 * style, keys in the order the object has them (callers put objects in canonical order first), no
 * anchors, no folding. A string is written plain only when both YAML 1.2 and YAML 1.1 readers (PyYAML,
 * which Llama Stack uses) read it back as the same string; otherwise it is double-quoted with JSON
 * escapes, which YAML accepts. Written by hand because it is the hot path of config generation.
 */
export function toYaml(value: unknown): string {
  if (!isNonEmptyCollection(value)) return `${scalarOrEmpty(value)}\n`;
  const out: string[] = [];
  block(value, '', out);
  return out.join('');
}

function block(value: object, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNonEmptyCollection(item)) {
        // "- " then the collection's first line on the same line, the rest indented under it.
        const inner: string[] = [];
        block(item, `${indent}  `, inner);
        out.push(`${indent}- ${inner.join('').slice(indent.length + 2)}`);
      } else {
        out.push(`${indent}- ${scalarOrEmpty(item)}\n`);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (isNonEmptyCollection(item)) {
      out.push(`${indent}${scalar(key)}:\n`);
      block(item, `${indent}  `, out);
    } else {
      out.push(`${indent}${scalar(key)}: ${scalarOrEmpty(item)}\n`);
    }
  }
}

function isNonEmptyCollection(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false;
  return Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0;
}

function scalarOrEmpty(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  return scalar(v);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
    // YAML 1.1 floats need a '.' in the mantissa: 1e+21 would be a string to PyYAML, 1.0e+21 is not.
    const n = String(v);
    return n.includes('e') && !n.includes('.') ? n.replace('e', '.0e') : n;
  }
  const s = String(v);
  let out = rendered.get(s);
  if (out === undefined) {
    out = isPlainSafe(s) ? s : quoted(s);
    // Configs repeat the same strings (the base config's) in every generation: remember their rendering.
    if (rendered.size >= 20000) rendered.clear();
    rendered.set(s, out);
  }
  return out;
}

const rendered = new Map<string, string>();

/**
 * JSON string escapes are valid in YAML double quotes, but JSON leaves DEL, C1 controls, NEL and the
 * Unicode line/paragraph separators and BOM/non-characters raw, which YAML readers reject or normalise.
 */
function quoted(s: string): string {
  return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable ASCII, not starting with an indicator, no `: ` or ` #`, not ending in `:` or a space. */
const PLAIN = /^[A-Za-z0-9_$/.(=~^<\\][\x20-\x7e]*$/;
/** Words YAML 1.1 reads as booleans or null, or as special keys. */
const SPECIAL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|=|<<)$/;
/** Anything that starts like a number, `.inf`/`.nan`, or a date is quoted (YAML 1.1 has many forms). */
const NUMBERISH = /^([-+]?[0-9]|[-+]?\.[0-9]|[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$)/;

function isPlainSafe(s: string): boolean {
  return PLAIN.test(s)
    && !SPECIAL.test(s)
    && !NUMBERISH.test(s)
    && !s.includes(': ')
    && !s.includes(' #')
    && !s.endsWith(':')
    && !s.endsWith(' ');
}

/** Parses YAML text; errors carry the line and column. */
export function parseYaml(text: string): unknown {
  return jsyaml.load(text, { schema: jsyaml.DEFAULT_SCHEMA });
}

/**
 * Parses YAML text that must be a mapping (an object given as is is accepted too); reports a parse
 * error with its position, or a non-mapping, as one issue that says what was expected (`what`). The
 * document must be plain data (`checkPlainData`): YAML can also give timestamps (Dates), binary data,
 * `.nan`, cycles (an alias inside its own anchor) and `__proto__` keys, and an object given as is can
 * hold anything; each is an issue at its path.
 */
export function parseYamlMapping(issues: IssueCollector, input: unknown, what: string): Record<string, any> | undefined {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = parseYaml(input);
    } catch (err) {
      issues.add(yamlErrorMessage(err), `give ${what} as valid YAML`);
      return undefined;
    }
  }
  const before = issues.issues.length;
  checkPlainData(issues, doc);
  if (issues.issues.length > before) return undefined;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    issues.add(`expected ${what} (a YAML mapping)`, `give ${what}`);
    return undefined;
  }
  return doc as Record<string, any>;
}

/** Describes a YAML parse error with its position, for validation messages. */
export function yamlErrorMessage(err: unknown): string {
  if (err instanceof jsyaml.YAMLException) {
    const mark = err.mark;
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    return `invalid YAML${where}: ${err.reason}`;
  }
  return `invalid YAML: ${String(err)}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
