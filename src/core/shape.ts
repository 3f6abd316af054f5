import { didYouMean, IssueCollector } from './errors';

/**
 * A small declarative description of a props structure, checked before anything reads the props, so that
 * wrong types (a string where a list goes, null, a typo'd key from JavaScript or Python) become validation
 * errors with paths instead of exceptions deep inside.
 *
 * - `'any'`: a value the construct checks itself (a model server, a node pool, a ClusterDns, an
 *   ExternalProvider): not walked.
 * - `'json'`: plain data (object literals, lists, strings, finite numbers, booleans, null), walked to the end.
 * - `{ map: 'any' }`: a free-form map of user data (provider settings, model metadata, generationConfig):
 *   its values are checked as `'json'`, since they are written to output as they are.
 * - `{ obj, open: true }`: the declared fields are checked; the others are Kubernetes fields passed through,
 *   checked as plain data (which may hold cdk8s-plus `Quantity` and `IntOrString` values). At the root of a
 *   check, the other fields are the caller's own (the engine's input carries the construct's props) and are
 *   only read.
 * - `{ shape, hint }`: `shape`, and when the value is of another kind (a string where an object goes...),
 *   `hint(value)` says what to write instead: the forms a prop accepted before it took one form only.
 *
 * Whatever JavaScript hands in, the check itself never throws: prototype keys (`__proto__`, `constructor`,
 * `prototype`), cycles, nesting deeper than {@link MAX_DEPTH}, getters or Proxies that throw, Dates, Maps,
 * Sets, class instances, NaN and Infinity are all issues at the path where they are found.
 */
export type Shape =
  | 'string' | 'number' | 'boolean' | 'any' | 'json'
  | { readonly obj: Record<string, Shape>; readonly open?: boolean }
  | { readonly arr: Shape }
  | { readonly map: Shape }
  | { readonly oneOf: Shape[] }
  | { readonly shape: Shape; readonly hint: (value: unknown) => string | undefined };

/** How deep objects and lists may nest, counted from the props. */
export const MAX_DEPTH = 64;
/** How many values one check walks at most (a YAML alias bomb shares one list thousands of times). */
export const MAX_VALUES = 100_000;
/** Keys JavaScript gives a meaning on every object: copying a map with one changes its prototype or breaks serialization. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const READ_HINT = 'pass plain data: no getter that throws, no revoked Proxy';

export function checkShape(issues: IssueCollector, value: unknown, shape: Shape): void {
  new ShapeWalk().check(issues, value, shape, 0);
}

/**
 * Checks that `value` is plain data (see {@link Shape} `'json'`), with the same limits as `checkShape`;
 * `k8s` also admits cdk8s-plus `Quantity` and `IntOrString` values.
 */
export function checkPlainData(issues: IssueCollector, value: unknown, k8sValues = false): void {
  new ShapeWalk().data(issues, value, 0, k8sValues);
}

/**
 * Whether `v` is an object literal: its prototype is Object.prototype (also of another realm); with
 * `orNullPrototype`, an object without a prototype (Object.create(null), as some generators make) too.
 */
export function isPlainObject(v: unknown, orNullPrototype = false): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype) return true;
  if (proto === null) return orNullPrototype;
  return Object.getPrototypeOf(proto) === null && typeof proto.constructor === 'function' && proto.constructor.name === 'Object';
}

/**
 * A cdk8s-plus `Quantity` or `IntOrString` (typed Kubernetes fields hold them; their bindings serialize
 * them). Recognised by shape, so that the config engine stays free of cdk8s imports.
 */
function isK8sValue(v: object): boolean {
  const ctor = Object.getPrototypeOf(v)?.constructor;
  if (typeof ctor !== 'function' || (ctor.name !== 'Quantity' && ctor.name !== 'IntOrString') || typeof ctor.fromString !== 'function') return false;
  const value = (v as { value?: unknown }).value;
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

class ShapeWalk {
  /** The objects and lists on the path from the root to the current value, for cycles. */
  private readonly ancestors = new Set<object>();
  private values = 0;
  private exhausted = false;

  public check(issues: IssueCollector, value: unknown, shape: Shape, depth: number): void {
    if (value === undefined || shape === 'any' || !this.spend(issues)) return;
    try {
      if (shape === 'json') return this.data(issues, value, depth, false);
      if (typeof shape === 'string') {
        if (typeof value !== shape || (shape === 'number' && !Number.isFinite(value))) issues.add(`expected a ${shape}, got ${describe(value)}`, fixFor(value));
        else if (typeof value === 'string') checkText(issues, value);
        return;
      }
      if ('oneOf' in shape) return this.oneOf(issues, value, shape.oneOf, depth);
      if ('hint' in shape) {
        const expected = kindOf(shape.shape);
        if (expected === 'oneOf' || expected === 'any' || expected === 'json' || expected === kindOfValue(value)) return this.check(issues, value, shape.shape, depth);
        return issues.add(`expected ${name(shape.shape)}, got ${describe(value)}`, shape.hint(value) ?? fixFor(value));
      }
      if ('arr' in shape) {
        if (!Array.isArray(value)) return issues.add(`expected a list, got ${describe(value)}`, fixFor(value));
        return this.enter(issues, value, depth, () => this.items(issues, value, (at, v) => this.check(at, v, shape.arr, depth + 1)));
      }
      // A closed object's fields are read one by one; a map or an object passed through may be copied or
      // emitted as it is, and cdk8s cannot serialize an object without a prototype.
      const closed = 'obj' in shape && !shape.open;
      if (!isPlainObject(value, closed)) return issues.add(`expected ${name(shape)}, got ${describe(value)}`, fixFor(value));
      this.enter(issues, value, depth, () => this.fields(issues, value, (k, at, v) => {
        if ('map' in shape) {
          if (shape.map === 'any') this.data(at, v, depth + 1, false);
          else this.check(at, v, shape.map, depth + 1);
        } else if (Object.prototype.hasOwnProperty.call(shape.obj, k)) {
          this.check(at, v, shape.obj[k], depth + 1);
        } else if (shape.open) {
          if (depth > 0) this.data(at, v, depth + 1, true);
        } else {
          const known = Object.keys(shape.obj);
          issues.add(`unknown field '${k}'`, didYouMean(k, known) ?? `fields: ${known.join(', ')}`, k);
        }
      }));
    } catch (err) {
      issues.add(`could not be read: ${errorText(err)}`, READ_HINT);
    }
  }

  /** Plain data: object literals, lists, strings, finite numbers, booleans, null (and with `k8sValues`, Quantity/IntOrString). */
  public data(issues: IssueCollector, value: unknown, depth: number, k8sValues: boolean): void {
    if (!this.spend(issues)) return;
    try {
      if (typeof value === 'string') return checkText(issues, value);
      if (value === null || typeof value === 'boolean') return;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) issues.add(`${describe(value)} is not a finite number`, 'JSON and YAML output cannot carry NaN or Infinity: give a finite number');
        return;
      }
      if (Array.isArray(value)) {
        return this.enter(issues, value, depth, () => this.items(issues, value, (at, v) => this.data(at, v, depth + 1, k8sValues)));
      }
      if (k8sValues && typeof value === 'object' && isK8sValue(value)) return;
      if (!isPlainObject(value)) {
        issues.add(`expected plain data (a string, number, boolean, null, list or object literal), got ${describe(value)}`, fixFor(value));
        return;
      }
      this.enter(issues, value, depth, () => this.fields(issues, value, (_k, at, v) => this.data(at, v, depth + 1, k8sValues)));
    } catch (err) {
      issues.add(`could not be read: ${errorText(err)}`, READ_HINT);
    }
  }

  private oneOf(issues: IssueCollector, value: unknown, alternatives: Shape[], depth: number): void {
    // The alternative of the value's kind (object, list, string...) gives the detailed problems.
    const sameKind = alternatives.filter((alt) => kindOf(alt) === kindOfValue(value));
    if (sameKind.length === 1) return this.check(issues, value, sameKind[0], depth);
    for (const alt of alternatives) {
      const trial = new IssueCollector(issues.path());
      this.check(trial, value, alt, depth);
      if (!trial.hasIssues) return;
    }
    issues.add(`expected ${alternatives.map(name).join(' or ')}, got ${describe(value)}`, fixFor(value));
  }

  /** Runs `body` on a container: refused when it is one of its own ancestors or nested too deep. */
  private enter(issues: IssueCollector, container: object, depth: number, body: () => void): void {
    if (this.ancestors.has(container)) {
      issues.add('the value contains itself (a reference back to an object that encloses it)', 'give a tree: YAML and JSON output cannot hold a cycle');
      return;
    }
    if (depth >= MAX_DEPTH) {
      issues.add(`nested more than ${MAX_DEPTH} levels deep`, 'flatten the structure: no configuration needs this depth');
      return;
    }
    this.ancestors.add(container);
    try {
      body();
    } finally {
      this.ancestors.delete(container);
    }
  }

  private items(issues: IssueCollector, list: unknown[], each: (at: IssueCollector, v: unknown) => void): void {
    const length = list.length;
    if (length > MAX_VALUES) {
      issues.add(`a list of ${length} items; at most ${MAX_VALUES} are accepted`, 'give a shorter list');
      return;
    }
    for (let i = 0; i < length && !this.exhausted; i++) {
      const [ok, v] = read(issues, list, i);
      if (!ok) continue;
      if (v === undefined) issues.add('expected a value, got undefined', 'remove the item, or give a value (a list with a hole or an undefined item is written as null)', i);
      else each(issues.at(i), v);
    }
  }

  /** Each own enumerable field of `obj` that is not undefined; prototype keys are refused. */
  private fields(issues: IssueCollector, obj: object, each: (key: string, at: IssueCollector, v: unknown) => void): void {
    for (const k of Object.keys(obj)) {
      if (this.exhausted) return;
      if (RESERVED_KEYS.includes(k)) {
        issues.add(
          `'${k}' cannot be a key`,
          `JavaScript gives '${k}' a meaning on every object: a copy of this map would change its prototype or fail to serialize; rename or remove the key`,
          k,
        );
        continue;
      }
      if (k.length > MAX_KEY_LENGTH || UNREADABLE.test(k)) {
        issues.add(
          k.length > MAX_KEY_LENGTH ? `a key of ${k.length} characters` : `the key ${JSON.stringify(k)} holds a control or line-separator character`,
          `use a shorter key without control characters: PyYAML, which reads Llama Stack's config.yaml, refuses keys over ${MAX_KEY_LENGTH} characters, and kubectl and PyYAML refuse control characters`,
          k.length > MAX_KEY_LENGTH ? `${k.slice(0, 20)}...` : k,
        );
        continue;
      }
      const [ok, v] = read(issues, obj, k);
      if (ok && v !== undefined) each(k, issues.at(k), v);
    }
  }

  /** Counts a value; false (once reported) when the check has walked MAX_VALUES values. */
  private spend(issues: IssueCollector): boolean {
    if (this.exhausted) return false;
    if (++this.values <= MAX_VALUES) return true;
    this.exhausted = true;
    issues.add(`more than ${MAX_VALUES} values (counting every use of a shared object or YAML alias)`, 'give less data: Kubernetes refuses objects over 1 MiB anyway');
    return false;
  }
}

/**
 * Characters that make a YAML reader refuse the whole file: C0 controls other than tab, line feed and
 * carriage return, DEL, NEL and the Unicode line and paragraph separators (kubectl's YAML reader and
 * PyYAML, Llama Stack's, reject them in a stream).
 */
const UNREADABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u0085\u2028\u2029]/;
/** PyYAML's limit for an implicit (simple) mapping key. */
export const MAX_KEY_LENGTH = 1024;

function checkText(issues: IssueCollector, text: string): void {
  const m = UNREADABLE.exec(text);
  if (m) {
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    issues.add(`contains U+${code} at character ${m.index + 1}`, 'remove it: kubectl and PyYAML (Llama Stack\'s YAML reader) refuse a manifest or config that holds it');
  }
}

/** Reads one field or item; a getter or Proxy trap that throws becomes an issue at its path. */
function read(issues: IssueCollector, container: object, key: string | number): [boolean, unknown] {
  try {
    return [true, (container as Record<string | number, unknown>)[key]];
  } catch (err) {
    issues.add(`could not be read: ${errorText(err)}`, READ_HINT, key);
    return [false, undefined];
  }
}

function errorText(err: unknown): string {
  try {
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return `threw ${String(err)}`;
  } catch {
    return 'threw an unprintable value';
  }
}

function kindOf(shape: Shape): string {
  if (typeof shape === 'string') return shape;
  if ('arr' in shape) return 'list';
  if ('oneOf' in shape) return 'oneOf';
  if ('hint' in shape) return kindOf(shape.shape);
  return 'object';
}

function kindOfValue(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v;
}

function name(shape: Shape): string {
  if (shape === 'json') return 'plain data';
  if (typeof shape === 'string') return `a ${shape}`;
  if ('arr' in shape) return 'a list';
  if ('map' in shape) return 'a map';
  if ('oneOf' in shape) return shape.oneOf.map(name).join(' or ');
  if ('hint' in shape) return name(shape.shape);
  return 'an object';
}

function describe(v: unknown): string {
  try {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'a list';
    if (typeof v === 'object') return describeObject(v);
    if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
    if (typeof v === 'bigint') return `${v}n (a bigint)`;
    if (typeof v === 'symbol') return 'a symbol';
    if (typeof v === 'function') return 'a function';
    return String(v);
  } catch {
    return 'a value that cannot be read';
  }
}

function describeObject(v: object): string {
  if (isPlainObject(v)) return 'an object';
  const proto = Object.getPrototypeOf(v);
  if (proto === null) return 'an object without a prototype (Object.create(null))';
  // Class and built-in prototypes own their `constructor`; an object put in as a prototype does not.
  if (!Object.prototype.hasOwnProperty.call(proto, 'constructor')) return 'an object whose prototype was replaced (by a __proto__ key in an object literal, or Object.setPrototypeOf)';
  const ctor = typeof proto.constructor === 'function' ? String(proto.constructor.name) : '';
  if (['Date', 'Map', 'Set', 'RegExp', 'WeakMap', 'WeakSet', 'Promise', 'Error'].includes(ctor)) return `a ${ctor}`;
  if (ArrayBuffer.isView(v)) return `a ${ctor || 'typed array'}`;
  return ctor ? `an instance of ${ctor}` : 'an object that is not an object literal';
}

/** How to turn a value JavaScript allows but output cannot carry into one it can. */
function fixFor(v: unknown): string | undefined {
  try {
    if (typeof v === 'number' && !Number.isFinite(v)) return 'give a finite number';
    if (typeof v !== 'object' || v === null || Array.isArray(v) || isPlainObject(v)) return undefined;
    if (v instanceof Date) return 'give the date as a string, e.g. date.toISOString() (in YAML, quote it: an unquoted date is read as a timestamp)';
    if (v instanceof Map) return 'give an object literal, e.g. Object.fromEntries(map)';
    if (v instanceof Set) return 'give a list, e.g. [...set]';
    if (Object.getPrototypeOf(v) === null) return 'give an object literal { ... } (e.g. { ...value }): Kubernetes serialization needs Object.prototype';
    return 'give an object literal with its fields';
  } catch {
    return undefined;
  }
}
