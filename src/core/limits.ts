/**
 * App-wide size limits: Kubernetes refuses a ConfigMap or Secret whose data exceeds 1 MiB, and etcd any
 * object of about 1.5 MiB; the Prometheus operator copies PrometheusRules into ConfigMaps. An object that
 * big fails at apply, long after synth; this check fails at synth instead, naming the object, the construct
 * that made it and the prop that most likely made it big.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationIssue } from './errors';
import { compareStrings } from './order';

/** The largest object (a ConfigMap's or Secret's data; for other kinds, the JSON) accepted: 1 MiB. */
export const MAX_OBJECT_BYTES = 1024 * 1024;

/** Where to look when an object of a construct of the library is too big: by construct class, then object id. */
const SOURCES: Record<string, Record<string, { readonly prop?: string; readonly hint: string; readonly byField?: Record<string, string> }>> = {
  LlamaStack: {
    Config: {
      hint: 'config.yaml is built from providers (their settings), resources (models and their metadata), vectorStores and distribution.baseConfig: keep large data out of the config (mount files from a volume, register models at run time)',
    },
    ExternalProviderScripts: { prop: 'externalProviders', hint: 'the external providers\' declared metadata and install plan: declare fewer or smaller providers' },
  },
  VllmModel: {
    Config: {
      hint: 'the ConfigMap holds chatTemplate and generationConfig: shorten them, or ship them in the model repository',
      // The data keys of the model's ConfigMap (src/vllm/plan.ts CHAT_TEMPLATE_KEY, GENERATION_CONFIG_KEY).
      byField: { 'chat-template.jinja': 'chatTemplate', 'generation_config.json': 'generationConfig' },
    },
    PrometheusRule: { prop: 'monitoring', hint: 'the alert rules grow with the model\'s names and monitoring labels: use shorter ones' },
    Dashboard: { prop: 'monitoring.dashboard', hint: 'set monitoring.dashboard: false and import the dashboard into Grafana another way' },
  },
  // The monitoring objects the vLLM models of a namespace share (src/vllm/shared-monitoring.ts).
  VllmSharedMonitoring: {
    PrometheusRule: {
      prop: 'monitoring',
      hint: 'the rules name every monitored model of the namespace (about 150 bytes each): spread the models over more namespaces, '
        + 'or give some of them other monitoring.labels (a PrometheusRule of their own)',
    },
    Dashboard: { prop: 'monitoring.dashboard', hint: 'the dashboard lists every model of the namespace: set monitoring.dashboard: false on some of them' },
  },
};

/** API groups of the workloads, Services and policies the constructs build from bounded props. */
const BOUNDED_GROUPS = ['apps', 'batch', 'networking.k8s.io', 'policy', 'autoscaling', 'rbac.authorization.k8s.io', 'scheduling.k8s.io'];

/** ConfigMaps, Secrets and custom resources (PrometheusRules, Argo CD Applications, ...) carry user-sized data. */
function carriesData(obj: ApiObject): boolean {
  if (obj.apiGroup === 'core') return obj.kind === 'ConfigMap' || obj.kind === 'Secret';
  return !BOUNDED_GROUPS.includes(obj.apiGroup);
}

/**
 * Every object of the app too big for Kubernetes, as one issue each: its size, its largest field, and
 * the prop of its construct that most likely made it big. Objects are taken in path order.
 */
export function oversizedObjects(root: IConstruct): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const objects = root.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  objects.sort((a, b) => compareStrings(a.node.path, b.node.path));
  for (const obj of objects) {
    // Rendering every object again costs as much as the synth; only kinds that carry user-sized data are
    // measured (a workload or policy is built from props whose values the shape check bounds).
    if (!carriesData(obj)) continue;
    let json: any;
    try {
      json = obj.toJson();
    } catch {
      // Synthesis reports an object it cannot render itself; its size is not the problem to report.
      continue;
    }
    const dataOnly = (obj.kind === 'ConfigMap' || obj.kind === 'Secret') && obj.apiGroup === 'core';
    const bytes = dataOnly ? dataBytes(json) : jsonBytes(json);
    if (bytes <= MAX_OBJECT_BYTES) continue;
    const big = largestField(dataOnly ? { data: json?.data, binaryData: json?.binaryData, stringData: json?.stringData } : json);
    const owner = ownerOf(obj);
    const source = owner ? ownValue(SOURCES[owner.className], obj.node.id) : undefined;
    const fieldKey = big.path.match(/^data\['([^']+)'\]$|^data\.([^.[]+)$/);
    const field = fieldKey?.[1] ?? fieldKey?.[2];
    const prop = (field !== undefined ? ownValue(source?.byField, field) : undefined) ?? source?.prop;
    const what = dataOnly ? `its data is ${size(bytes)}` : `it is ${size(bytes)} of JSON`;
    issues.push({
      construct: (owner?.construct ?? constructOf(obj)).node.path,
      path: prop ?? '',
      message: `${obj.kind} '${obj.name}' (${obj.node.path}) is too big for Kubernetes: ${what}, above the 1 MiB limit`
        + `${big.path ? `; its largest field is ${big.path} (${size(big.bytes)})` : ''}, so applying it would fail`,
      hint: source?.hint ?? 'move the data out of the object (a volume, or several objects)',
    });
  }
  return issues;
}

/** What the API server counts for a ConfigMap or Secret: keys plus values (decoded for binaryData and Secret data). */
function dataBytes(json: any): number {
  let total = 0;
  const add = (m: unknown, base64: boolean) => {
    if (typeof m !== 'object' || m === null) return;
    for (const [k, v] of Object.entries(m)) {
      total += Buffer.byteLength(k);
      if (typeof v === 'string') total += base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
    }
  };
  const secret = json?.kind === 'Secret';
  add(json?.data, secret);
  add(json?.binaryData, true);
  add(json?.stringData, false);
  return total;
}

function jsonBytes(v: unknown): number {
  const text = JSON.stringify(v);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

/**
 * The field holding most of the object: from the top, into the biggest child while it holds at least
 * half of its parent.
 */
function largestField(json: unknown): { path: string; bytes: number } {
  let node = json;
  let path = '';
  let bytes = typeof node === 'string' ? Buffer.byteLength(node) : jsonBytes(node);
  for (;;) {
    if (typeof node !== 'object' || node === null) break;
    const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    let best: [string | number, unknown, number] | undefined;
    for (const [k, v] of entries) {
      const b = typeof v === 'string' ? Buffer.byteLength(v) : jsonBytes(v);
      if (!best || b > best[2]) best = [k, v, b];
    }
    if (!best || best[2] * 2 < bytes) break;
    path = fieldPath(path, best[0]);
    [node, bytes] = [best[1], best[2]];
  }
  return { path, bytes };
}

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}['${key}']`;
}

/** The nearest enclosing construct of a class the library knows the props of (or a subclass of one). */
function ownerOf(obj: ApiObject): { construct: IConstruct; className: string } | undefined {
  for (let c: IConstruct | undefined = obj.node.scope; c; c = c.node.scope) {
    for (let proto = Object.getPrototypeOf(c); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const className = proto.constructor?.name;
      if (typeof className === 'string' && ownValue(SOURCES, className)) return { construct: c, className };
    }
  }
  return undefined;
}

/** `map[key]` when it is the map's own (never an Object.prototype member such as `constructor`). */
function ownValue<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map !== undefined && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/** The construct that made an object: its parent, unless that is a chart (the object was made directly). */
function constructOf(obj: ApiObject): IConstruct {
  const parent = obj.node.scope;
  return parent && !Chart.isChart(parent) ? parent : obj;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(2)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
