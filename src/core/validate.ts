/** Checks of Kubernetes values that every construct needs: integers in range, mount paths, labels, annotations. */
import { IssueCollector } from './errors';
import { isDns1123Label, isDnsSubdomain } from './names';
import { quantityProblem, quantityValue } from './quantity';
import { RESERVED_KEYS } from './shape';

export const INT32_MAX = 2147483647;

/** A plain object (not null, not a list). */
export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkInt(issues: IssueCollector, field: string, v: unknown, min: number, max: number, required = false): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > Math.min(max, INT32_MAX)) {
    issues.add(`${field} must be an integer from ${min} to ${max}, got ${String(v)}`, undefined, field);
  }
}

/** Mount paths: absolute, normalised, not `/`, not on or under a path already mounted, never /.cache. */
export function checkMountPath(issues: IssueCollector, path: unknown, taken: string[]): void {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || path.split('/').some((seg) => seg === '..' || seg === '.')) {
    issues.add(`'${String(path)}' is not a usable absolute path`, 'e.g. /data');
    return;
  }
  const clean = path.replace(/\/+$/, '');
  const clash = taken.find((t) => clean === t || clean.startsWith(`${t}/`) || t.startsWith(`${clean}/`));
  if (clash) issues.add(`'${path}' overlaps '${clash}', which is already mounted`, 'choose another path');
  if (clean === '/.cache' || clean.startsWith('/.cache/')) issues.add('/.cache holds the image\'s pre-fetched tiktoken data and must not be shadowed', 'choose another path');
}

/** Label maps: keys `[prefix/]name`, values at most 63 characters of [A-Za-z0-9._-]. */
export function checkLabels(issues: IssueCollector, labels: unknown): void {
  if (labels === undefined) return;
  if (!isObject(labels)) return issues.add('expected a map of labels', undefined);
  for (const [k, v] of Object.entries(labels)) {
    if (RESERVED_KEYS.includes(k)) issues.add(`'${k}' cannot be a label key`, 'JavaScript gives it a meaning on every object (it breaks serialization): choose another key', k);
    else if (!isQualifiedName(k)) issues.add(`'${k}' is not a valid label key`, 'e.g. team or example.com/team', k);
    if (typeof v !== 'string' || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
      issues.add(`'${String(v)}' is not a valid label value`, 'at most 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending alphanumeric', k);
    }
  }
}

export function checkAnnotations(issues: IssueCollector, annotations: unknown): void {
  if (annotations === undefined) return;
  if (!isObject(annotations)) return issues.add('expected a map of annotations', undefined);
  for (const [k, v] of Object.entries(annotations)) {
    if (RESERVED_KEYS.includes(k)) issues.add(`'${k}' cannot be an annotation key`, 'JavaScript gives it a meaning on every object (it breaks serialization): choose another key', k);
    else if (!isQualifiedName(k)) issues.add(`'${k}' is not a valid annotation key`, 'e.g. example.com/note', k);
    if (typeof v !== 'string') issues.add('expected a string value', undefined, k);
  }
  // k8s.io/apimachinery ValidateAnnotationsSize: keys and values together at most 256 KiB per object.
  const bytes = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0), 0);
  if (bytes > MAX_ANNOTATION_BYTES) {
    issues.add(`the annotations are ${bytes} bytes; Kubernetes accepts at most ${MAX_ANNOTATION_BYTES} (256 KiB) per object`, 'keep large data out of annotations (a ConfigMap)');
  }
}

/** The API server's limit for all annotations of one object together. */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

function isQualifiedName(k: string): boolean {
  const parts = k.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  const prefixOk = parts.length === 1 || (parts[0].length <= 253 && isDnsSubdomain(parts[0]));
  return prefixOk && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/**
 * A class name a pod or claim refers to (`storageClassName`, `runtimeClassName`, `priorityClassName`):
 * a DNS-1123 subdomain, as the API server requires. `allowEmpty`: '' is meaningful (a claim's
 * `storageClassName: ''` asks for no dynamic provisioning).
 */
export function checkClassName(issues: IssueCollector, field: string, v: unknown, what: string, allowEmpty = false): void {
  if (v === undefined || (allowEmpty && v === '')) return;
  if (!isDnsSubdomain(v)) {
    issues.add(`'${String(v)}' is not a valid ${what} name`, `use a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', e.g. ${what === 'RuntimeClass' ? 'nvidia' : 'fast-ssd'}`, field);
  }
}

/** Who may call a server: namespaces (or '*'), pod labels, namespace label keys. */
export interface AllowedFrom {
  readonly namespaces?: string[];
  readonly podLabels?: { [key: string]: string };
  readonly namespaceLabels?: string[];
}

export function checkAllowedFrom(issues: IssueCollector, from: AllowedFrom | undefined): void {
  if (from === undefined) return;
  if (from.namespaces !== undefined && !Array.isArray(from.namespaces)) {
    issues.add('expected a list of namespace names', undefined, 'namespaces');
  } else {
    (from.namespaces ?? []).forEach((ns, i) => {
      if (ns !== '*' && !isDns1123Label(ns)) issues.add(`'${ns}' is not a valid namespace name`, 'use a DNS-1123 label, or \'*\' for all namespaces', `namespaces[${i}]`);
    });
  }
  checkLabels(issues.at('podLabels'), from.podLabels);
  if (from.namespaceLabels !== undefined && !Array.isArray(from.namespaceLabels)) issues.add('expected a list of label keys', undefined, 'namespaceLabels');
  else checkLabels(issues.at('namespaceLabels'), Object.fromEntries((from.namespaceLabels ?? []).map((k) => [k, ''])));
}

/** Container resources: requests and limits maps of resource name to quantity. */
export interface ResourceMaps {
  readonly requests: Record<string, string>;
  readonly limits: Record<string, string>;
}

/**
 * Checks `given` (maps of quantities) and merges its valid values over `defaults` key by key; a request
 * above its limit is reported, naming a limit that came from the defaults.
 */
export function checkedResources(issues: IssueCollector, given: unknown, defaults: ResourceMaps): ResourceMaps {
  const out = { requests: { ...defaults.requests }, limits: { ...defaults.limits } };
  if (given === undefined) return out;
  if (!isObject(given)) {
    issues.add('expected { requests?, limits? }', 'e.g. { limits: { memory: \'2Gi\' } }');
    return out;
  }
  for (const kind of ['requests', 'limits'] as const) {
    const m = given[kind];
    if (m === undefined) continue;
    if (!isObject(m)) {
      issues.add('expected a map of resource name to quantity', 'e.g. { cpu: \'500m\', memory: \'1Gi\' }', kind);
      continue;
    }
    for (const [res, value] of Object.entries(m)) {
      const problem = quantityProblem(value);
      if (problem) issues.add(problem, 'e.g. 500m, 2, 1Gi', `${kind}.${res}`);
      else out[kind][res] = value as string;
    }
  }
  for (const [res, req] of Object.entries(out.requests)) {
    const lim = out.limits[res];
    if (lim !== undefined && quantityValue(req)! > quantityValue(lim)!) {
      const fromDefault = isObject(given.limits) && given.limits[res] !== undefined ? '' : ' (the default)';
      issues.add(`the request ${req} is above the limit ${lim}${fromDefault}`, `raise limits.${res} too`, `requests.${res}`);
    }
  }
  return out;
}
