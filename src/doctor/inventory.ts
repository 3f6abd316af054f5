/**
 * The doctor's view of the synthesized manifests: the objects grouped by the construct that emitted them,
 * told apart by the library's own labels (app.kubernetes.io/name + instance, part-of cdk8s-llama-stack).
 * Pure: no file system, no cluster.
 */
import * as jsyaml from 'js-yaml';
import { PART_OF } from '../core/labels';
import { compareStrings, compareTuples } from '../core/order';

/** A Kubernetes object as JSON (declared or live): only the fields the doctor reads are typed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly creationTimestamp?: string;
    readonly generation?: number;
    readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
  };
  readonly spec?: any;
  readonly status?: any;
  readonly data?: Record<string, string>;
}

/** What a construct is, for the user: the label app.kubernetes.io/name of its objects -> the construct. */
export const CONSTRUCT_KINDS: Record<string, string> = {
  'llama-stack': 'stack',
  'vllm': 'model',
  // The ServiceMonitor, PrometheusRule and dashboard the models of a namespace share (src/vllm/shared-monitoring.ts).
  'vllm-monitoring': 'monitoring',
  'model-registry': 'registry',
};

export interface DeclaredConstruct {
  /** `stack`, `model`, `registry` (or the name label of objects the library does not know). */
  readonly kind: string;
  /** The instance label: the stack's name, the model's Service name, the registry's name. */
  readonly name: string;
  readonly namespace: string;
  /** Its objects, Secrets left out (the doctor never reads them). */
  readonly objects: K8sObject[];
}

const NAME = 'app.kubernetes.io/name';
const INSTANCE = 'app.kubernetes.io/instance';

/** Whether an object is a Secret: the doctor never asks for one. */
export function isSecret(o: { readonly apiVersion?: string; readonly kind: string }): boolean {
  return o.kind === 'Secret' && (o.apiVersion === undefined || o.apiVersion === 'v1');
}

/** Parses YAML or JSON manifests (several documents, or a kubectl List); throws on a malformed document. */
export function parseManifests(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  let docs: unknown[];
  try {
    docs = jsyaml.loadAll(text);
  } catch (err) {
    throw new Error(`${source}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue;
    for (const o of listItems(doc)) {
      if (!isObject(o)) throw new Error(`${source}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
      out.push(o);
    }
  }
  return out;
}

/** The items of a List (`kind: List` or `*List`), or the object itself. */
export function listItems(doc: any): any[] {
  if (doc && typeof doc === 'object' && Array.isArray(doc.items) && typeof doc.kind === 'string' && doc.kind.endsWith('List')) return doc.items;
  if (Array.isArray(doc)) return doc;
  return [doc];
}

function isObject(o: any): o is K8sObject {
  return o !== null && typeof o === 'object' && typeof o.apiVersion === 'string' && typeof o.kind === 'string'
    && o.metadata !== null && typeof o.metadata === 'object' && typeof o.metadata.name === 'string';
}

/**
 * Groups the library's objects by construct, in (namespace, kind, name) order; objects are in (kind, name)
 * order. Objects without the library's labels, and Secrets, are left out. `defaultNamespace` is where
 * kubectl applies objects without a namespace.
 */
export function inventory(manifests: readonly K8sObject[], defaultNamespace: string): DeclaredConstruct[] {
  const groups = new Map<string, { kind: string; name: string; namespace: string; objects: K8sObject[] }>();
  for (const o of manifests) {
    const labels = o.metadata.labels ?? {};
    if (labels['app.kubernetes.io/part-of'] !== PART_OF || isSecret(o)) continue;
    const label = labels[NAME];
    const instance = labels[INSTANCE];
    if (!label || !instance) continue;
    const namespace = o.metadata.namespace ?? defaultNamespace;
    const kind = CONSTRUCT_KINDS[label] ?? label;
    const key = JSON.stringify([namespace, kind, instance]);
    let g = groups.get(key);
    if (!g) {
      g = { kind, name: instance, namespace, objects: [] };
      groups.set(key, g);
    }
    g.objects.push(o.metadata.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } });
  }
  return [...groups.values()]
    .sort((a, b) => compareTuples([a.namespace, a.kind, a.name], [b.namespace, b.kind, b.name]))
    .map((g) => ({ ...g, objects: g.objects.sort((a, b) => compareTuples([a.kind, a.metadata.name], [b.kind, b.metadata.name])) }));
}

/** `Kind/name`, as kubectl prints it. */
export function ref(o: { readonly kind: string; readonly metadata: { readonly name: string } }): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** Namespaces of the constructs, sorted. */
export function namespacesOf(constructs: readonly DeclaredConstruct[]): string[] {
  return [...new Set(constructs.map((c) => c.namespace))].sort(compareStrings);
}
