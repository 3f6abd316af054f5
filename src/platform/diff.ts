/**
 * Promotion check: two environments' manifests compared after taking out what is allowed to differ
 * (namespace, environment name, content hashes, declared overrides, node pools, quotas). What is left is a
 * difference in spec, which promotion ("same spec, different environment") must not have.
 */
import { EnvironmentSpec } from './props';
import { sortDeep } from '../core/order';
import { isObject } from '../core/validate';
import { GpuNodePoolProps } from '../vllm/gpu-node-pool';

/** One difference between two environments. */
export interface PlatformDifference {
  /** `<kind>/<name>` (with the environment and hashes written as placeholders). */
  readonly object: string;
  /** Field path in the object, or empty when the object exists on one side only. */
  readonly path: string;
  /** The value in the first environment, as JSON (`undefined` when absent). */
  readonly from: string;
  /** The value in the second environment, as JSON (`undefined` when absent). */
  readonly to: string;
}

type Manifest = { apiVersion: string; kind: string; metadata?: any; spec?: any; [k: string]: unknown };

export interface DiffSide {
  readonly environment: string;
  readonly spec: EnvironmentSpec;
  readonly manifests: Manifest[];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces the environment's own names in every string, so equal specs become equal text. */
function normaliser(side: DiffSide): (s: string) => string {
  const ns = new RegExp(`(?<![A-Za-z0-9_])${escape(side.spec.namespace)}(?![A-Za-z0-9_])`, 'g');
  const env = new RegExp(`(?<![A-Za-z0-9_])${escape(side.environment)}(?![A-Za-z0-9_])`, 'g');
  const renamed = Object.entries(side.spec.overrides?.secretNames ?? {});
  return (s) => {
    let out = s.replace(ns, '<namespace>').replace(env, '<environment>');
    // Content hashes (config, Job and dashboard names) follow the content, which is compared itself.
    out = out.replace(/-[0-9a-f]{8,64}(?![0-9a-z])/g, '-<hash>').replace(/^[0-9a-f]{64}$/, '<hash>');
    for (const [original, name] of renamed) if (out === name) out = original;
    return out;
  };
}

/** Map keys normalised (they name things, like `<model>-<environment>.json`); values stay as they are. */
function normaliseKeys(value: unknown, f: (s: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseKeys(v, f));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), normaliseKeys(v, f)]));
  return value;
}

/** Removes the fields the overrides of either side declare as allowed to differ; false drops the whole object. */
function dropDeclared(m: any, own: DiffSide, sides: DiffSide[], models: string[], stacks: string[], statusDiffers: string[]): boolean {
  const o = sides.map((s) => s.spec.overrides ?? {});
  // A model registered `ready` on one side and `disabled` on the other (disabledIn): its registration
  // differs, and so do the callers its policy admits.
  for (const disabled of statusDiffers) {
    if (m.metadata?.name?.startsWith(`${disabled}-entry-`)) return false;
    if (m.kind === 'NetworkPolicy' && m.metadata?.name === `${disabled}-<environment>`) delete m.spec.ingress;
  }
  const anyReplicas = o.some((x) => x.replicas !== undefined);
  const name: string = m.metadata?.name ?? '';
  const model = models.find((n) => name === `${n}-<environment>`);
  const stack = stacks.find((n) => name === n || name === `${n}-ingress`);
  const modelReplicas = model !== undefined && (anyReplicas || o.some((x) => x.modelReplicas?.[model] !== undefined));
  // A model's disruption budget exists only with more than one pod, so it follows the replica count.
  if (modelReplicas && m.kind === 'PodDisruptionBudget') return false;
  if (m.kind === 'Deployment' && model !== undefined) {
    if (modelReplicas) {
      delete m.spec.replicas;
      delete m.spec.strategy; // follows the replica count
    }
    if (o.some((x) => x.modelResources?.[model] !== undefined)) for (const c of m.spec.template.spec.containers) delete c.resources;
  }
  if (stack !== undefined && (anyReplicas || o.some((x) => x.stackReplicas?.[stack] !== undefined))) {
    // A disruption budget exists only with more than one pod, so it follows the replica count.
    if (m.kind === 'PodDisruptionBudget') return false;
    if (m.kind === 'Deployment') {
      delete m.spec.replicas;
      delete m.spec.template.spec.topologySpreadConstraints; // spread only with more than one pod
    }
  }
  if (m.kind === 'Ingress' && stack !== undefined && o.some((x) => x.hostnames?.[stack] !== undefined)) {
    for (const r of m.spec.rules ?? []) delete r.host;
    for (const t of m.spec.tls ?? []) delete t.hosts;
  }
  // Node pools are per environment: what this side's pool put into a pod is taken out again (and only that,
  // so a node selector, affinity or toleration added by hand still shows).
  const pod = m.spec?.template?.spec;
  if (pod && own.spec.gpuPool !== undefined) dropPool(pod, own.spec.gpuPool);
  return true;
}

const canonical = (v: unknown) => JSON.stringify(sortDeep(v));

/** Removes from a pod spec the placement a GpuNodePool adds (src/vllm/plan.ts `placement`). */
function dropPool(pod: any, pool: GpuNodePoolProps): void {
  if (isObject(pod.nodeSelector)) {
    for (const [k, v] of Object.entries(pool.nodeSelector ?? {})) if (pod.nodeSelector[k] === v) delete pod.nodeSelector[k];
    if (Object.keys(pod.nodeSelector).length === 0) delete pod.nodeSelector;
  }
  const resource = pool.gpuResource ?? 'nvidia.com/gpu';
  // The nvidia.com/gpu toleration every GPU pod has is not the pool's; the pool's resource name and tolerations are.
  const added = new Set([...(resource !== 'nvidia.com/gpu' ? [{ key: resource, operator: 'Exists', effect: 'NoSchedule' }] : []), ...(pool.tolerations ?? [])].map(canonical));
  if (Array.isArray(pod.tolerations)) {
    pod.tolerations = pod.tolerations.filter((t: unknown) => !added.has(canonical(t)));
    if (pod.tolerations.length === 0) delete pod.tolerations;
  }
  const products = pool.gpuProduct !== undefined ? [pool.gpuProduct] : pool.gpuProducts ?? [];
  const required = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (products.length === 0 || !Array.isArray(required?.nodeSelectorTerms)) return;
  const product = canonical({ key: 'nvidia.com/gpu.product', operator: 'In', values: products });
  for (const term of required.nodeSelectorTerms) {
    if (!Array.isArray(term?.matchExpressions)) continue;
    term.matchExpressions = term.matchExpressions.filter((e: unknown) => canonical(e) !== product);
    if (term.matchExpressions.length === 0) delete term.matchExpressions;
  }
  if (required.nodeSelectorTerms.every((t: unknown) => isObject(t) && Object.keys(t).length === 0)) {
    delete pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    if (Object.keys(pod.affinity.nodeAffinity).length === 0) delete pod.affinity.nodeAffinity;
    if (Object.keys(pod.affinity).length === 0) delete pod.affinity;
  }
}

type Norm = (s: string) => string;

/**
 * Paths where two JSON values differ, depth first, in key order. Strings that differ are compared again
 * with each side's names written as placeholders, so only text that is equal as it stands, or equal up to
 * the environment's own names, counts as the same (an unrelated word equal to an environment name is left alone).
 */
function compare(a: unknown, b: unknown, path: string, fa: Norm, fb: Norm, out: Array<{ path: string; from: unknown; to: unknown }>): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) compare(a[k], b[k], path ? `${path}.${k}` : k, fa, fb, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => compare(v, b[i], `${path}[${i}]`, fa, fb, out));
    return;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    // Multi-line text (config.yaml, scripts, dashboards): line by line, naming the first that differs.
    const [la, lb] = [a.split('\n'), b.split('\n')];
    const n = Math.max(la.length, lb.length);
    for (let i = 0; i < n; i++) {
      if (la[i] === lb[i] || (la[i] !== undefined && lb[i] !== undefined && fa(la[i]) === fb(lb[i]))) continue;
      out.push({ path: n > 1 ? `${path} (line ${i + 1})` : path, from: la[i], to: lb[i] });
      return;
    }
    return;
  }
  if (canonical(a) !== canonical(b)) out.push({ path, from: a, to: b });
}

// Keys sorted: a value a JSON patch added through an escape hatch keeps the key order it was written in.
const json = (v: unknown) => (v === undefined ? 'undefined' : canonical(v));

/** Every difference between two environments other than the allowed ones. */
export function diffEnvironments(a: DiffSide, b: DiffSide, models: string[], stacks: string[], statusDiffers: string[] = []): PlatformDifference[] {
  const index = (side: DiffSide) => {
    const f = normaliser(side);
    const map = new Map<string, any>();
    for (const m of side.manifests) {
      // Quotas are declared per environment.
      if (m.kind === 'ResourceQuota') continue;
      const n = normaliseKeys(m, f) as any;
      if (n.metadata) {
        n.metadata.name = f(String(n.metadata.name));
        delete n.metadata.namespace;
      }
      if (dropDeclared(n, side, [a, b], models, stacks, statusDiffers)) map.set(`${n.kind}/${n.metadata?.name}`, n);
    }
    return map;
  };
  const [left, right] = [index(a), index(b)];
  const [fa, fb] = [normaliser(a), normaliser(b)];
  const out: PlatformDifference[] = [];
  for (const key of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const [l, r] = [left.get(key), right.get(key)];
    if (l === undefined || r === undefined) {
      out.push({ object: key, path: '', from: l === undefined ? 'undefined' : 'present', to: r === undefined ? 'undefined' : 'present' });
      continue;
    }
    const found: Array<{ path: string; from: unknown; to: unknown }> = [];
    compare(l, r, '', fa, fb, found);
    for (const d of found) out.push({ object: key, path: d.path, from: json(d.from), to: json(d.to) });
  }
  return out;
}
