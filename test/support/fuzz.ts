/**
 * The fuzz suite's shared pieces (issue 13 §7): hostile values, a mutator that puts them anywhere in a valid
 * prop set, and the checks every run makes (only ValidationErrors naming the construct; output that PyYAML and
 * js-yaml read alike; no undeclared `${env.` in config.yaml; Secret references only as `secretKeyRef`).
 *
 * Hostile values are generated as recipes (plain, printable data) and made into values inside the run, so a
 * counterexample prints readably and a Proxy or a throwing getter never reaches fast-check's printer.
 *
 * Runs: FUZZ_RUNS per property (default 200), FUZZ_SEED a number (default fixed, so CI is deterministic) or
 * `random`. The larger local sweep: `FUZZ_RUNS=5000 FUZZ_SEED=random npx jest --coverage=false test/fuzz`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { ValidationError } from '../../src';
import { revealed, substituted, upstreamRedacts } from '../config/env-oracle';

// ---------------------------------------------------------------------------------------------------------
// Parameters

const DEFAULT_RUNS = 200;
const DEFAULT_SEED = 1307;

/** fast-check parameters of every fuzz property: FUZZ_RUNS and FUZZ_SEED (a number, or `random`). */
export function fuzzParameters(runsScale = 1): fc.Parameters<unknown> {
  const runs = Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got '${process.env.FUZZ_RUNS}'`);
  const seedText = process.env.FUZZ_SEED;
  const seed = seedText === 'random' ? undefined : Number(seedText ?? DEFAULT_SEED);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or 'random', got '${seedText}'`);
  // fast-check prints the seed and the path of a failure; endOnFailure keeps a failing sweep short.
  return { numRuns: Math.max(1, Math.round(runs * runsScale)), seed, endOnFailure: process.env.FUZZ_SHRINK === undefined };
}

/** How many runs a property must have had of each outcome: a share of the runs, so neither can be vacuous. */
export function atLeast(share: number): number {
  return Math.max(1, Math.floor(Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS) * share));
}

// ---------------------------------------------------------------------------------------------------------
// Hostile values, as recipes

/** Strings from the issue's classes: control characters, separators, quantities, placeholders, metadata hosts, templates, credentials. */
export const HOSTILE_STRINGS: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '-1Gi', '1e+23Gi', 'NaNMi', 'InfinityGi', '1e400', '99999999999999999999Gi', '-0.5', '0', '', ' ',
  'a\u2028b', 'a\u2029b', 'a\u0000b', '\u0001', 'tab\there', 'line\nbreak', 'cr\rhere', '\u007f', '\u0085', '\u001b[31m',
  '${env.LLSD_VLLM_API_TOKEN}', '${env.SECRET_ENV}', '${env.OVR_SECRET}', '${env.PLAIN_VAR}', '${env.UNDECLARED}',
  '${env.SECRET_ENV:=x}', '${env.LLSD_STORAGE_KV_PASSWORD:+v}', 'Bearer ${env.SECRET_ENV}', '${env.NOPE:=${env.SECRET_ENV}}',
  '${env.lower}', '$${env.PLAIN_VAR}', '%24%7Benv.SECRET_ENV%7D',
  '169.254.169.254', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/',
  'http://100.100.100.200/', 'fe80::1', '127.0.0.1', 'http://localhost:8000/v1',
  '{{ .Values.secret }}', '{{ lookup "v1" "Secret" "ns" "s" }}', '{% raw %}', '<%= x %>',
  'https://user:hunter2@api.example.com/v1', 'postgresql://u:p@pg.db.svc/db', 'redis://:pw@r.db.svc:6379', 'http://token@x.svc/',
  'sk-live-0123456789abcdef', 'ghp_0123456789abcdef0123456789abcdef0123',
  'yes', 'no', 'on', 'off', 'y', 'n', '~', 'null', 'NULL', 'true', 'False', '0755', '0o17', '0x1F', '1_000', '1e3', '1e+23', '.5', '-.inf', '.NaN',
  '12:30:45', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '!tag', '&anchor', '*alias', '- item', '? key', ': x', '#comment', '|', '>',
  '"', '\'', '\\', '`id`', '$(id)', '; rm -rf /', '\' OR 1=1 --', 'x'.repeat(64), 'a b', 'UPPER_CASE', 'ünïcødé', '模型', '🦙', '\ud800', 'e\u0301',
  'x'.repeat(1025),
];

/** Keys for open maps (settings, metadata, labels, annotations, env, ...). */
export const HOSTILE_KEYS: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf',
  'x'.repeat(1025), 'x'.repeat(1024), 'a\u0000b', 'a\u2028b', 'a\u0085b', 'line\nbreak', '${env.SECRET_ENV}', '{{ .x }}',
  '', ' ', 'yes', 'on', 'null', '1', '1.5', '<<', '? x', '- y', 'a: b', '#c', 'example.com/key', 'app.kubernetes.io/name',
  'api_key', 'api_token', 'password', 'Authorization', 'UPPER', 'LLSD_X', 'PATH', 'HOME', 'HF_TOKEN', '🦙', 'ünï',
];

export type Recipe =
  | { readonly s: string }
  | { readonly n: number }
  | { readonly huge: number; readonly char: string }
  | { readonly special: Special }
  | { readonly json: unknown };

export const SPECIALS = [
  'NaN', 'Infinity', '-Infinity', 'cycle', 'listCycle', 'deep', 'getter', 'ownKeysTrap', 'getTrap', 'revoked', 'Date', 'Map', 'Set',
  'class', 'nullProto', 'protoLiteral', 'ownProto', 'bigint', 'symbol', 'function', 'hole', 'undefinedItem', 'undefined', 'null',
  'true', 'false', 'emptyObject', 'emptyList', 'sharedTwice', 'negZero', 'maxValue', 'minValue', 'unsafeInt', 'boxedString', 'regexp', 'typedArray',
  'error', 'promise', 'frozen', 'arrayLike',
] as const;
export type Special = typeof SPECIALS[number];

export const hostileRecipe: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map((s) => ({ s })) },
  { weight: 5, arbitrary: fc.constantFrom(...SPECIALS).map((special) => ({ special })) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => ({ s })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) => ({ s })) },
  {
    weight: 2,
    arbitrary: fc.oneof(fc.double(), fc.integer({ min: -10, max: 100_000 }), fc.constantFrom(1e23, 1e308, -1, 2 ** 31, 2 ** 53 + 2, 0.1, 65536))
      .map((n) => ({ n })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1500, 70_000, 1_100_000), fc.constantFrom('x', 'é', '\u2028', '$')).map(([huge, char]) => ({ huge, char })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
);

/** Placeholders: Secret-backed, plain and undeclared variables, bare and inside text. */
const PLACEHOLDERS = HOSTILE_STRINGS.filter((x) => x.includes('${env.'));
/** Strings a YAML 1.1 reader (PyYAML) reads as something else when they are written plain. */
const YAML11_SPECIALS = ['yes', 'no', 'on', 'off', 'y', 'N', '~', 'null', '<<', '=', '0755', '0o17', '1e3', '1e+308', '1_000', '2001-12-14', '12:30:45', '.inf', '0x1F'];

/**
 * A string: one of the hostile ones, a placeholder, a YAML 1.1 special, a control or separator character
 * inside a valid-looking value, or random unicode (the classes the issue names are weighted up, so that a
 * 200-run property meets each of them many times).
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...PLACEHOLDERS) },
  { weight: 2, arbitrary: fc.constantFrom(...YAML11_SPECIALS) },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom('llama', 'ml', 'a'),
      fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\t', '\ufeff'),
      fc.constantFrom('', 'x'),
    ).map((p) => p.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

class Settings {
  public url = 'http://x.svc';
}

/** The value a recipe describes; a fresh one per call (cycles, Proxies and getters are made here). */
export function materialize(r: Recipe): unknown {
  if ('s' in r) return r.s;
  if ('n' in r) return r.n;
  if ('huge' in r) return r.char.repeat(r.huge);
  if ('json' in r) return structuredClone(r.json);
  switch (r.special) {
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
    case 'cycle': { const o: any = { a: 1 }; o.self = o; return o; }
    case 'listCycle': { const l: any[] = []; l.push({ l }); return l; }
    case 'deep': { let d: any = 'leaf'; for (let i = 0; i < 3000; i++) d = { a: d }; return d; }
    case 'getter': return { get boom(): unknown { throw new Error('getter exploded'); } };
    case 'ownKeysTrap': return new Proxy({}, { ownKeys: () => { throw new TypeError('ownKeys trap'); } });
    case 'getTrap': return new Proxy({ a: 1 }, { get: () => { throw new Error('get trap'); } });
    case 'revoked': { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }
    case 'Date': return new Date(0);
    case 'Map': return new Map([['a', 1]]);
    case 'Set': return new Set(['a']);
    case 'class': return new Settings();
    case 'nullProto': return Object.assign(Object.create(null), { a: 'b' });
    case 'protoLiteral': return { inner: { __proto__: { url: 'http://evil.example' } } };
    case 'ownProto': return JSON.parse('{"__proto__": {"polluted": true}, "a": "b"}');
    case 'bigint': return BigInt(1);
    case 'symbol': return Symbol('s');
    case 'function': return () => 1;
    case 'hole': return [1, , 3]; // eslint-disable-line no-sparse-arrays
    case 'undefinedItem': return ['a', undefined];
    case 'undefined': return undefined;
    case 'null': return null;
    case 'true': return true;
    case 'false': return false;
    case 'emptyObject': return {};
    case 'emptyList': return [];
    case 'sharedTwice': { const s = { x: 1 }; return { a: s, b: s }; }
    case 'negZero': return -0;
    case 'maxValue': return Number.MAX_VALUE;
    case 'minValue': return Number.MIN_VALUE;
    case 'unsafeInt': return 2 ** 60;
    case 'boxedString': return new String('x'); // eslint-disable-line no-new-wrappers
    case 'regexp': return /x/;
    case 'typedArray': return new Uint8Array([1, 2]);
    case 'error': return new Error('e');
    case 'promise': return Promise.resolve(1);
    case 'frozen': return Object.freeze({ a: 'b' });
    case 'arrayLike': return { 0: 'a', length: 1 };
  }
}

// ---------------------------------------------------------------------------------------------------------
// The mutator: a valid prop set, with hostile values put at any depth

export type Mutation =
  /** Replace a string leaf (an index into the tree's string leaves) with a hostile string: the output is often still valid. */
  | { readonly op: 'string'; readonly at: number; readonly s: string }
  /** Replace the value at the node (an index into the tree's nodes, taken modulo their number). */
  | { readonly op: 'replace'; readonly at: number; readonly value: Recipe }
  /** Add a key to the object at the node (or the nearest object above it). */
  | { readonly op: 'addKey'; readonly at: number; readonly key: string; readonly value: Recipe }
  /** Remove the field or item at the node. */
  | { readonly op: 'remove'; readonly at: number }
  /** Replace the object or list at the node with a copy whose reads throw or whose prototype is gone. */
  | { readonly op: 'wrap'; readonly at: number; readonly how: 'throwingGet' | 'nullProto' | 'frozen' };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('string' as const), at: fc.nat(), s: hostileString }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileRecipe }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: hostileKey, value: hostileRecipe }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: hostileKey, value: hostileString.map((x) => ({ s: x })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), how: fc.constantFrom('throwingGet' as const, 'nullProto' as const, 'frozen' as const) }) },
);

/** Mutations of one run: none in an eighth of the runs (the valid base), one hostile string in three eighths, else one to three of any kind. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
  // One hostile string at a string leaf: the run often synthesizes, so the output checks see the string.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('string' as const), at: fc.nat(), s: hostileString }).map((m) => [m]) },
  { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
);

function isPlain(v: unknown): v is Record<string, unknown> {
  try {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
  } catch {
    return false; // a revoked Proxy
  }
}

/** A copy of the plain objects and lists of `v`; anything else (constructs, ExternalProviders, values) is shared. */
export function clonePlain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clonePlain) as unknown as T;
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clonePlain(x)])) as T;
  return v;
}

type Node = { parent?: any; key?: string | number; value: unknown };

/** Values the mutator made unreadable: not walked again. */
const opaque = new WeakSet<object>();

/** Every node of the plain-data tree (root first), with its parent and key. */
function nodes(root: unknown): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    out.push(n);
    const v = n.value;
    if (typeof v === 'object' && v !== null && opaque.has(v)) return;
    if (Array.isArray(v)) v.forEach((x, i) => walk({ parent: v, key: i, value: x }));
    else if (isPlain(v)) for (const [k, x] of Object.entries(v)) walk({ parent: v, key: k, value: x });
  };
  walk({ value: root });
  return out;
}

function setOwn(obj: any, key: string | number, value: unknown): void {
  // An own `__proto__` key, as JSON.parse and YAML readers make it (assignment would set the prototype).
  if (!Object.isExtensible(obj)) return; // frozen by an earlier mutation
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A recipe's value, not walked by later mutations (it may be a cycle, 3000 levels deep, or a Proxy). */
function hostile(r: Recipe): unknown {
  const v = materialize(r);
  if ((typeof v === 'object' && v !== null) || typeof v === 'function') opaque.add(v);
  return v;
}

/** `base` (not changed) with the mutations applied, in order, to a copy. */
export function mutate<T>(base: T, ms: readonly Mutation[]): T {
  const box = { root: clonePlain(base) as unknown };
  for (const m of ms) {
    const all = nodes(box.root);
    const n = all[m.at % all.length];
    const put = (v: unknown) => {
      if (n.parent === undefined) box.root = v;
      else setOwn(n.parent, n.key!, v);
    };
    switch (m.op) {
      case 'string': {
        const strings = all.filter((x) => typeof x.value === 'string' && x.parent !== undefined);
        if (strings.length > 0) {
          const leaf = strings[m.at % strings.length];
          setOwn(leaf.parent, leaf.key!, m.s);
        }
        break;
      }
      case 'replace': put(hostile(m.value)); break;
      case 'addKey': {
        const target = isPlain(n.value) ? n.value : isPlain(n.parent) ? n.parent : undefined;
        if (target) setOwn(target, m.key, hostile(m.value));
        else put(hostile(m.value));
        break;
      }
      case 'remove':
        if (n.parent !== undefined && Object.isFrozen(n.parent)) break;
        if (Array.isArray(n.parent)) n.parent.splice(n.key as number, 1);
        else if (n.parent) delete n.parent[n.key!];
        break;
      case 'wrap': {
        const v = n.value;
        // Plain data only: a construct or model server whose members throw is user code, not hostile data.
        if ((!Array.isArray(v) && !isPlain(v)) || opaque.has(v)) break;
        if (m.how === 'throwingGet') {
          const proxy = new Proxy(v, { get: (t, k) => { if (k === 'then' || typeof k === 'symbol') return Reflect.get(t, k); throw new Error(`read of ${String(k)} refused`); } });
          opaque.add(proxy);
          put(proxy);
        } else if (m.how === 'nullProto' && isPlain(v)) {
          put(Object.assign(Object.create(null), v));
        } else if (m.how === 'frozen') {
          put(Object.freeze(v));
        }
        break;
      }
    }
  }
  return box.root as T;
}

// ---------------------------------------------------------------------------------------------------------
// Secret references: distinctive names, so any appearance outside a secretKeyRef is found

/** A Secret reference whose name and key carry the marker `fzsec`. */
export function secretRef(tag: string): { name: string; key: string } {
  return { name: `fzsec-${tag}`, key: `fzsec-key-${tag}` };
}
export const SECRET_MARKER = 'fzsec';

/** Every place a Secret reference's marker appears in the manifests other than a `secretKeyRef`. */
export function secretLeaks(manifests: readonly any[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v === 'string') {
      if (v.includes(SECRET_MARKER)) out.push(`${at}: ${v.length > 120 ? `${v.slice(0, 120)}...` : v}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes(SECRET_MARKER)) out.push(`${at}: key ${k}`);
        if (k === 'secretKeyRef') continue;
        walk(x, `${at}.${k}`);
      }
    }
  };
  manifests.forEach((m, i) => walk(m, `${m?.kind ?? '?'} ${m?.metadata?.name ?? i}`));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Running one input

export type Outcome = { kind: 'refused'; error: ValidationError } | { kind: 'synthesized'; yaml: string; manifests: any[] };

/**
 * Builds and synthesizes: a ValidationError (construction or synth) whose every issue names one of
 * `constructPaths` (a prefix of its construct path) is 'refused'; any other exception fails the property.
 */
export function runApp(build: (app: App) => void, constructPaths: readonly string[]): Outcome {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-')) });
  try {
    try {
      build(app);
      const text = app.synthYaml();
      return { kind: 'synthesized', yaml: text, manifests: yaml.loadAll(text).filter((d) => d !== null) };
    } catch (err) {
      if (!ValidationError.isValidationError(err)) {
        throw new Error(`not a ValidationError: ${describeError(err)}`);
      }
      const e = err as ValidationError;
      if (e.issues.length === 0) throw new Error(`a ValidationError without issues: ${e.message}`);
      for (const issue of e.issues) {
        const where = issue.construct ?? e.scope;
        if (!constructPaths.some((p) => where === p || where.startsWith(`${p}/`) || where.startsWith(`${p} `))) {
          throw new Error(`an issue that names no construct of the input (${constructPaths.join(', ')}): '${where}' in\n${e.message}`);
        }
        if (typeof issue.path !== 'string' || issue.message.length === 0) throw new Error(`an issue without a path or message: ${JSON.stringify(issue)}`);
      }
      if (!e.message.includes(e.issues[0].construct ?? e.scope)) throw new Error(`the message does not name the construct: ${e.message}`);
      return { kind: 'refused', error: e };
    }
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
  } catch {
    return 'an unprintable value';
  }
}

/** Counts of a property's outcomes, checked after it ran so that neither kind is vacuous. */
export class Tally {
  public synthesized = 0;
  public refused = 0;
  public get total(): number {
    return this.synthesized + this.refused;
  }
  public count(o: Outcome): void {
    if (o.kind === 'synthesized') this.synthesized++;
    else this.refused++;
  }
  /**
   * Both outcomes at least `share` of FUZZ_RUNS. With FUZZ_REPORT, appends a line to that file: name, runs,
   * synthesized, refused, YAML streams read by both parsers, cdk8s writer quirks among them.
   */
  public expectBoth(name: string, share: number, batch: YamlBatch): void {
    if (process.env.FUZZ_REPORT) {
      const line = [name, this.total, this.synthesized, this.refused, batch.checked, batch.writerQuirks].join('\t');
      fs.appendFileSync(process.env.FUZZ_REPORT, `${line}\n`);
    }
    const min = atLeast(share);
    if (this.synthesized < min || this.refused < min) {
      throw new Error(`expected at least ${min} runs of each outcome, got ${this.synthesized} synthesized and ${this.refused} refused`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// PyYAML and js-yaml read the same objects

/**
 * What cdk8s's YAML writer (the `yaml` package in YAML 1.1 mode) leaves plain although a YAML 1.1 reader
 * reads it otherwise or refuses it, and a 1.2 reader (js-yaml) differently: `<<` (PyYAML's merge key, even as
 * a value), `=` (PyYAML's value tag), a single-line string with a tab inside (PyYAML takes a tab after a word
 * as a token), and numbers that only YAML 1.2 has (`0o17`, `1e+308` without a dot). These streams are the
 * manifests, written by cdk8s, not by the library: they are counted (FUZZ_REPORT) and reported in
 * docs/security.md, not failed. config.yaml is the library's own writer and must always agree.
 */
const WRITER_QUIRK_ERRORS = [
  /found character '\\t' that cannot start any token/,
  /could not determine a constructor for the tag 'tag:yaml\.org,2002:merge'/,
  /could not determine a constructor for the tag 'tag:yaml\.org,2002:value'/,
];
const YAML12_ONLY_NUMBER = /^[-+]?(?:0o[0-7]+|[0-9]+[eE][-+]?[0-9]+)$/;

/** Every leaf where two tagged trees differ. */
function differences(a: unknown, b: unknown, at = '$', out: Array<[string, unknown, unknown]> = []): Array<[string, unknown, unknown]> {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) differences((a as any)[k], (b as any)[k], `${at}.${k}`, out);
    return out;
  }
  out.push([at, a, b]);
  return out;
}

/** Whether PyYAML (`py`) and js-yaml (`js`) differ on a cdk8s-written stream only by the writer's known quirks. */
function onlyWriterQuirks(py: any, js: unknown): boolean {
  if (py && typeof py === 'object' && !Array.isArray(py) && typeof py.error === 'string') return WRITER_QUIRK_ERRORS.some((re) => re.test(py.error));
  const diffs = differences(py, js);
  return diffs.length > 0 && diffs.every(([, p, j]) => typeof p === 'string' && typeof j === 'number' && YAML12_ONLY_NUMBER.test(p));
}

/** YAML documents to read with both parsers; checked in one python3 process per batch, not per run. */
export class YamlBatch {
  private readonly docs: Array<{ what: string; text: string; writer: 'cdk8s' | 'library' }> = [];
  private size = 0;
  public checked = 0;
  /** cdk8s-written streams that differ only by the writer's known quirks. */
  public writerQuirks = 0;

  /** Adds a YAML stream (one or more documents) and who wrote it; checks the batch when it has grown big. */
  public add(what: string, text: string, writer: 'cdk8s' | 'library'): void {
    this.docs.push({ what, text, writer });
    this.size += text.length;
    if (this.size > 32 * 1024 * 1024) this.check();
  }

  /** Throws, listing the streams PyYAML reads differently from js-yaml (or cannot read). */
  public check(): void {
    if (this.docs.length === 0) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-yaml-'));
    try {
      const input = path.join(dir, 'docs.jsonl');
      fs.writeFileSync(input, this.docs.map((d) => JSON.stringify(d.text)).join('\n'));
      const out = execFileSync('python3', ['-c', PY_READER, input], { maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' });
      const lines = out.split('\n').filter((l) => l.length > 0);
      if (lines.length !== this.docs.length) throw new Error(`python3 read ${lines.length} streams of ${this.docs.length}`);
      const problems: string[] = [];
      lines.forEach((line, i) => {
        const py = JSON.parse(line);
        const doc = this.docs[i];
        let js: unknown;
        try {
          js = yaml.loadAll(doc.text).map(tagged);
        } catch (err) {
          js = { error: `js-yaml: ${(err as Error).message.split('\n')[0]}` };
        }
        if (JSON.stringify(js) === JSON.stringify(py)) return;
        if (doc.writer === 'cdk8s' && onlyWriterQuirks(py, js)) {
          this.writerQuirks++;
          return;
        }
        problems.push(`${doc.what}: PyYAML ${JSON.stringify(py).slice(0, 400)}\n  js-yaml ${JSON.stringify(js).slice(0, 400)}\n  ${firstDifference(py, js)}\n  text: ${JSON.stringify(doc.text.slice(0, 600))}`);
      });
      this.checked += this.docs.length;
      if (problems.length > 0) throw new Error(`${problems.length} YAML streams read differently by PyYAML and js-yaml:\n${problems.slice(0, 5).join('\n')}`);
    } finally {
      this.docs.length = 0;
      this.size = 0;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Where two tagged trees first differ. */
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as any)[k], (b as any)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `first difference at ${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** js-yaml's result in the form the Python side prints: non-finite floats and timestamps tagged. */
function tagged(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $float: 'nan' };
    if (!Number.isFinite(v)) return { $float: v > 0 ? 'inf' : '-inf' };
    return v;
  }
  if (v instanceof Date) return { $timestamp: true };
  if (Array.isArray(v)) return v.map(tagged);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagged(x)]));
  return v;
}

/** Reads each stream of a JSON-lines file with yaml.safe_load_all; prints one JSON line per stream. */
const PY_READER = `
import datetime, json, math, sys, yaml
def tag(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v): return {"$float": "nan"}
        if math.isinf(v): return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, (datetime.date, datetime.datetime)):
        return {"$timestamp": True}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else "!%s:%r" % (type(k).__name__, k)): tag(x) for k, x in v.items()}
    return {"$python": type(v).__name__}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        text = json.loads(line)
        try:
            out = [tag(d) for d in yaml.safe_load_all(text)]
        except Exception as e:
            out = {"error": "PyYAML: " + " | ".join(str(e).split("\\n"))}
        sys.stdout.write(json.dumps(out, ensure_ascii=True) + "\\n")
`;

// ---------------------------------------------------------------------------------------------------------
// config.yaml: no `${env.` placeholder the library did not declare

const BASE_STRINGS = new Set<string>();
for (const file of fs.readdirSync('data/llama-stack-0.7.1').filter((f) => f.endsWith('.config.yaml'))) {
  (function collect(v: unknown): void {
    if (typeof v === 'string') BASE_STRINGS.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  })(yaml.load(fs.readFileSync(path.join('data/llama-stack-0.7.1', file), 'utf8')));
}

function leaves(v: unknown, at: string[] = []): Array<[string[], string]> {
  if (typeof v === 'string') return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, String(i)]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [];
}

/**
 * Placeholder problems of one stack's config.yaml, given its server container (from the synthesized
 * Deployment): every `${env.NAME}` the server would substitute in a string the user wrote (not the base
 * config's own) is either a variable that does not come from a Secret, inside a provider's config (the places
 * env-refs.ts gives the `plain` policy), or a Secret-backed variable alone in a field /v1/providers redacts
 * (or the storage password); a Secret-backed variable is in the container's env as a secretKeyRef; and
 * nothing outside redacted fields would reveal a Secret-backed value.
 */
export function placeholderProblems(configYaml: string, container: any): string[] {
  const problems: string[] = [];
  const env: any[] = container?.env ?? [];
  const secretNames = new Set(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name as string));
  const envFromSecret = (container?.envFrom ?? []).filter((e: any) => e.secretRef).map((e: any) => (e.prefix ?? '') as string);
  const isSecret = (n: string) => n.startsWith('LLSD_') || secretNames.has(n) || envFromSecret.some((p: string) => n.startsWith(p));
  for (const [at, value] of leaves(yaml.load(configYaml))) {
    if (BASE_STRINGS.has(value) || substituted(value).length === 0) continue;
    const where = at.join('.');
    const inProviderConfig = at[0] === 'providers' && at[3] === 'config';
    for (const name of substituted(value)) {
      if (isSecret(name)) {
        const bare = value === `\${env.${name}}` || value === `\${env.${name}:=}`;
        const redacted = inProviderConfig && at.length === 5 && (upstreamRedacts(at[4]) || at[4] === 'aws_access_key_id');
        const storagePassword = at[0] === 'storage' && at[at.length - 1] === 'password';
        if (!bare || !(redacted || storagePassword)) problems.push(`${where}: Secret-backed \${env.${name}} outside a redacted field: ${JSON.stringify(value)}`);
        if (!env.some((e) => e.name === name && e.valueFrom?.secretKeyRef) && !envFromSecret.some((p: string) => name.startsWith(p))) {
          problems.push(`${where}: \${env.${name}} is Secret-backed but the container has no secretKeyRef for it`);
        }
      } else if (!inProviderConfig) {
        problems.push(`${where}: \${env.${name}} outside a provider's config: ${JSON.stringify(value)}`);
      }
    }
    const shown = at[0] !== 'storage' && !(inProviderConfig && at.slice(4).some(upstreamRedacts));
    if (shown) for (const name of revealed(value).filter(isSecret)) problems.push(`${where}: /v1/providers would show Secret-backed \${env.${name}}`);
  }
  return problems;
}

/** Each LlamaStack server container with its config.yaml (matched by the ConfigMap the pod mounts). */
export function stackConfigs(manifests: readonly any[]): Array<{ name: string; config: string; container: any }> {
  const out: Array<{ name: string; config: string; container: any }> = [];
  for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
    const pod = d.spec?.template?.spec;
    const container = (pod?.containers ?? []).find((c: any) => c.name === 'llama-stack');
    if (!container) continue;
    const cmNames = (pod.volumes ?? []).map((v: any) => v.configMap?.name).filter((n: unknown) => typeof n === 'string');
    const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata?.namespace === d.metadata?.namespace && cmNames.includes(m.metadata?.name) && typeof m.data?.['config.yaml'] === 'string');
    if (cm) out.push({ name: `${d.metadata.namespace}/${d.metadata.name}`, config: cm.data['config.yaml'], container });
  }
  return out;
}

/**
 * Characters the library refuses in every string (src/core/shape.ts): C0 controls but tab, line feed and
 * carriage return, DEL, NEL, U+2028 and U+2029. Written escaped, they would still reach kubectl's and the
 * server's readers as data they do not expect.
 */
const UNREADABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u0085\u2028\u2029]/;

/** Every key or string of the output that holds a character the library refuses. */
export function unreadableStrings(value: unknown): string[] {
  return leaves(value).filter(([, s]) => UNREADABLE.test(s)).map(([at, s]) => `${at.join('.')}: ${JSON.stringify(s.slice(0, 80))}`)
    .concat(keysOf(value).filter((k) => UNREADABLE.test(k)).map((k) => `key ${JSON.stringify(k.slice(0, 80))}`));
}

function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
  return [];
}

/** The checks of a synthesized app: Secret references, placeholders, and the YAML streams queued for PyYAML. */
export function checkOutput(outcome: Extract<Outcome, { kind: 'synthesized' }>, batch: YamlBatch, what: string): void {
  const leaks = secretLeaks(outcome.manifests);
  if (leaks.length > 0) throw new Error(`Secret references outside secretKeyRef:\n  ${leaks.join('\n  ')}`);
  const unreadable = unreadableStrings(outcome.manifests);
  if (unreadable.length > 0) throw new Error(`control or separator characters in the output:\n  ${unreadable.slice(0, 5).join('\n  ')}`);
  batch.add(`${what}: manifests`, outcome.yaml, 'cdk8s');
  for (const s of stackConfigs(outcome.manifests)) {
    const problems = placeholderProblems(s.config, s.container);
    if (problems.length > 0) throw new Error(`config.yaml of ${s.name}:\n  ${problems.join('\n  ')}`);
    batch.add(`${what}: config.yaml of ${s.name}`, s.config, 'library');
    const inConfig = unreadableStrings(yaml.load(s.config));
    if (inConfig.length > 0) throw new Error(`control or separator characters in config.yaml of ${s.name}:\n  ${inConfig.slice(0, 5).join('\n  ')}`);
  }
}
