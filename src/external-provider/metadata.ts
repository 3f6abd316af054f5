/**
 * The provider image contract's metadata file, `/lls-provider/lls-provider-spec.yaml`: parsing (with line
 * numbers) and validation. The install step in the pod applies the same rules with the same messages
 * (data/external-provider/install-providers.py); this copy serves `ExternalProvider.fromSpecFile` at synth time.
 */
import * as jsyaml from 'js-yaml';
import { REMOVED_APIS } from '../config/catalog';
import { PROVIDER_APIS } from '../config/providers';
import { yamlErrorMessage } from '../core/yaml';

export const METADATA_API_VERSION = 'llamastack.io/v1alpha1';
export const METADATA_KIND = 'ProviderPackage';
/** Where a provider image keeps its files. */
export const PROVIDER_ROOT = '/lls-provider';
export const METADATA_FILE = 'lls-provider-spec.yaml';
export const IMAGE_PACKAGES = `${PROVIDER_ROOT}/packages/`;

/** Dotted Python module names (`acme_provider`, `acme.provider`): what Llama Stack imports as `module`. */
export const PACKAGE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** `remote::<name>` or `inline::<name>`. */
export const PROVIDER_TYPE = /^(remote|inline)::[a-z0-9-]+$/;

/** The validated content of an lls-provider-spec.yaml. */
export interface ProviderMetadata {
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  readonly packageName: string;
  readonly providerType: string;
  readonly api: string;
  readonly wheelPath: string;
  readonly dependencyWheels: string[];
}

/** One problem in a metadata file: the field, the 1-based line of its key when it is present, what is wrong. */
export interface MetadataProblem {
  readonly field: string;
  readonly line?: number;
  readonly message: string;
}

/** `spec.api (line 7): must be one of ...`. */
export function formatMetadataProblem(p: MetadataProblem): string {
  return `${p.field}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`;
}

/** Parses and validates metadata text; every problem is reported, in file order. */
export function parseProviderMetadata(text: string): { metadata?: ProviderMetadata; problems: MetadataProblem[] } {
  const problems: MetadataProblem[] = [];
  let data: unknown;
  let lines = new Map<string, number>();
  try {
    const parsed = loadWithLines(text);
    data = parsed.data;
    lines = parsed.lines;
  } catch (err) {
    const message = yamlErrorMessage(err);
    const line = /at line (\d+)/.exec(message);
    return { problems: [{ field: 'document', line: line ? Number(line[1]) : undefined, message }] };
  }
  const add = (field: string, message: string, present = true) => problems.push({ field, line: present ? lines.get(field) : undefined, message });

  if (data === null || data === undefined) {
    add('document', 'the file is empty; expected a mapping with apiVersion, kind, metadata and spec', false);
    return { problems };
  }
  if (!isMapping(data)) {
    add('document', `expected a mapping with apiVersion, kind, metadata and spec, got ${describe(data)}`, false);
    return { problems };
  }
  for (const [field, expected] of [['apiVersion', METADATA_API_VERSION], ['kind', METADATA_KIND]]) {
    if (!(field in data)) add(field, `required (${expected})`, false);
    else if (data[field] !== expected) add(field, `must be ${expected}, got ${describe(data[field])}`);
  }

  const metadata = data.metadata;
  if (!('metadata' in data)) {
    add('metadata', 'required (a mapping with name, version and vendor)', false);
  } else if (!isMapping(metadata)) {
    add('metadata', `must be a mapping with name, version and vendor, got ${describe(metadata)}`);
  } else {
    for (const key of ['name', 'version', 'vendor']) {
      const field = `metadata.${key}`;
      if (!(key in metadata)) add(field, 'required (a non-empty string)', false);
      else if (typeof metadata[key] !== 'string' || metadata[key].trim().length === 0) add(field, `must be a non-empty string, got ${describe(metadata[key])}`);
    }
    for (const key of ['description', 'maintainer']) {
      const v = metadata[key];
      if (key in metadata && v !== null && v !== undefined && typeof v !== 'string') add(`metadata.${key}`, `must be a string, got ${describe(v)}`);
    }
  }

  const spec = data.spec;
  if (!('spec' in data)) {
    add('spec', 'required (a mapping with packageName, providerType, api and wheelPath)', false);
  } else if (!isMapping(spec)) {
    add('spec', `must be a mapping with packageName, providerType, api and wheelPath, got ${describe(spec)}`);
  } else {
    checkRequired(spec, 'packageName', add, (v) => PACKAGE_NAME.test(v), 'must be a dotted Python module name such as acme_provider or acme.provider');
    checkRequired(spec, 'providerType', add, (v) => PROVIDER_TYPE.test(v), 'must be remote::<name> or inline::<name> (lower-case letters, digits and \'-\')');
    if (!('api' in spec)) {
      add('spec.api', `required (one of ${PROVIDER_APIS.join(', ')})`, false);
    } else if (typeof spec.api === 'string' && REMOVED_APIS[spec.api]) {
      add('spec.api', `'${spec.api}' is not an API of Llama Stack 0.7.1: ${REMOVED_APIS[spec.api]}`);
    } else if (typeof spec.api !== 'string' || !PROVIDER_APIS.includes(spec.api)) {
      add('spec.api', `must be one of ${PROVIDER_APIS.join(', ')}; got ${describe(spec.api)}`);
    }
    checkRequired(spec, 'wheelPath', add, isWheelPath, `must be the path of a .whl file in ${IMAGE_PACKAGES}`);
    const deps = spec.dependencyWheels;
    if (deps !== null && deps !== undefined) {
      if (!Array.isArray(deps)) {
        add('spec.dependencyWheels', `must be a list of .whl paths in ${IMAGE_PACKAGES}, got ${describe(deps)}`);
      } else {
        deps.forEach((dep, i) => {
          if (typeof dep !== 'string' || !isWheelPath(dep)) add(`spec.dependencyWheels[${i}]`, `must be the path of a .whl file in ${IMAGE_PACKAGES}, got ${describe(dep)}`);
        });
      }
    }
  }
  if (problems.length > 0) return { problems };
  const m = metadata as Record<string, string>;
  const s = spec as Record<string, any>;
  return {
    metadata: {
      name: m.name,
      version: m.version,
      vendor: m.vendor,
      packageName: s.packageName,
      providerType: s.providerType,
      api: s.api,
      wheelPath: s.wheelPath,
      dependencyWheels: [...(s.dependencyWheels ?? [])],
    },
    problems,
  };
}

type Add = (field: string, message: string, present?: boolean) => void;

function checkRequired(spec: Record<string, unknown>, key: string, add: Add, ok: (v: string) => boolean, rule: string): void {
  const field = `spec.${key}`;
  const v = spec[key];
  if (!(key in spec)) add(field, `required (${rule.slice('must be '.length)})`, false);
  else if (typeof v !== 'string' || !ok(v)) add(field, `${rule}, got ${describe(v)}`);
}

/**
 * A .whl file directly in /lls-provider/packages/ (pip finds dependencies only there), given as an absolute
 * path or as the bare file name.
 */
export function isWheelPath(value: string): boolean {
  const name = value.startsWith(IMAGE_PACKAGES) ? value.slice(IMAGE_PACKAGES.length) : value;
  return name.endsWith('.whl') && name.length > '.whl'.length && !name.includes('/');
}

function isMapping(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a value is named in messages (the install script names values the same way). */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'string') return `'${v.length <= 60 ? v : `${v.slice(0, 60)}...`}'`;
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  return 'a mapping';
}

interface Node {
  readonly position: number;
  result?: unknown;
  kind?: string | null;
  readonly children: Node[];
}

/**
 * js-yaml with its event listener: every node reports where it opens, so the line of each key (and of each
 * list item) can be looked up by field path, as the install script does with PyYAML's marks.
 */
function loadWithLines(text: string): { data: unknown; lines: Map<string, number> } {
  const stack: Node[] = [];
  let root: Node | undefined;
  const data = jsyaml.load(text, {
    schema: jsyaml.DEFAULT_SCHEMA,
    listener(event, state) {
      if (event === 'open') {
        stack.push({ position: state.position, children: [] });
        return;
      }
      const node = stack.pop()!;
      node.result = state.result;
      node.kind = state.kind;
      if (stack.length > 0) stack[stack.length - 1].children.push(node);
      else root = node;
    },
  });
  const lines = new Map<string, number>();
  if (root) record(text, root, '', lines);
  return { data, lines };
}

function record(text: string, node: Node, path: string, lines: Map<string, number>): void {
  const target = unwrap(node);
  if (target.kind === 'mapping') {
    if (target.children.length % 2 !== 0) return; // not the key/value layout this reader knows: no lines
    for (let i = 0; i < target.children.length; i += 2) {
      const key = target.children[i];
      if (typeof key.result !== 'string') continue;
      const child = path ? `${path}.${key.result}` : key.result;
      if (!lines.has(child)) lines.set(child, lineOf(text, key.position));
      record(text, target.children[i + 1], child, lines);
    }
  } else if (target.kind === 'sequence') {
    target.children.forEach((item, i) => {
      const child = `${path}[${i}]`;
      if (!lines.has(child)) lines.set(child, lineOf(text, item.position));
      record(text, item, child, lines);
    });
  }
}

/** js-yaml reports a block-sequence item as a node wrapping the item itself. */
function unwrap(node: Node): Node {
  let n = node;
  while (n.children.length === 1 && n.kind === n.children[0].kind && n.result === n.children[0].result) n = n.children[0];
  return n;
}

/** 1-based line of the first character at or after `position` that is not blank or a list dash. */
function lineOf(text: string, position: number): number {
  let p = position;
  while (p < text.length && /[\s-]/.test(text[p]) && !(text[p] === '-' && /[^\s]/.test(text[p + 1] ?? ' '))) p++;
  let line = 1;
  for (let i = 0; i < p && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
