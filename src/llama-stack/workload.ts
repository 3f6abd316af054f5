import { ContainerResourcesSpec, LlamaStackProps, PodDisruptionBudgetSpec, WorkloadOverrides } from './props';
import { propEnv } from '../config/env';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { STANDARD_LABEL_KEYS } from '../core/labels';
import { isDnsSubdomain, isEnvVarName, looksSecret } from '../core/names';
import { checkPodSettings } from '../core/pod-settings';
import { isQuantity } from '../core/quantity';
import { checkedResources, checkInt, checkLabels, checkMountPath, INT32_MAX, isObject } from '../core/validate';

export const DEFAULT_DATA_DIR = '/.llama';
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'];
export const DEFAULT_RESOURCES = {
  requests: { cpu: '250m', memory: '1Gi' } as Record<string, string>,
  limits: { cpu: '2', memory: '4Gi' } as Record<string, string>,
};

/** What the workload props resolve to. */
export interface WorkloadPlan {
  /** Fixed replicas, or undefined when an HPA owns them. */
  readonly replicas?: number;
  /** Highest number of pods that can run at once. */
  readonly maxPods: number;
  readonly dataDir: string;
  /** A ReadWriteOnce(-Pod) PVC pins the pods to one node and needs Recreate. */
  readonly pinnedToOneNode: boolean;
}

export function planWorkload(props: LlamaStackProps): WorkloadPlan {
  const w = props.workload ?? {};
  const replicas = w.autoscaling ? undefined : w.replicas ?? 1;
  const maxPods = w.autoscaling ? w.autoscaling.maxReplicas : replicas!;
  const mode = w.storage ? w.storage.accessMode ?? 'ReadWriteOnce' : undefined;
  return {
    replicas,
    maxPods,
    dataDir: w.storage?.mountPath ?? DEFAULT_DATA_DIR,
    pinnedToOneNode: mode === 'ReadWriteOnce' || mode === 'ReadWriteOncePod',
  };
}

/** Paths the construct mounts (or must leave alone, like the image's /.cache with its tiktoken data). */
export interface Reserved {
  readonly env: Record<string, string>;
  readonly volumes: string[];
  readonly paths: string[];
}

export function checkWorkload(issues: IssueCollector, props: LlamaStackProps, reserved: Reserved): void {
  const reservedPaths = reserved.paths;
  const at = issues.at('workload');
  const w = props.workload ?? {};
  checkInt(at, 'replicas', w.replicas, 0, 1000);
  checkResources(at.at('resources'), w.resources);
  const a = w.autoscaling;
  if (a) {
    const hpa = at.at('autoscaling');
    if (w.replicas !== undefined) at.add('replicas and autoscaling are mutually exclusive', 'remove replicas: the HorizontalPodAutoscaler sets them (minReplicas is the floor)', 'replicas');
    checkInt(hpa, 'maxReplicas', a.maxReplicas, 1, 1000, true);
    checkInt(hpa, 'minReplicas', a.minReplicas, 1, 1000);
    const min = a.minReplicas ?? 1;
    if (Number.isInteger(min) && Number.isInteger(a.maxReplicas) && min > a.maxReplicas) hpa.add(`minReplicas (${min}) must be less than or equal to maxReplicas (${a.maxReplicas})`, 'raise maxReplicas or lower minReplicas', 'minReplicas');
    for (const f of ['targetCpu', 'targetMemory'] as const) {
      const v = a[f];
      if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100)) hpa.add(`${f} must be a percentage from 1 to 100, got ${v}`, 'e.g. 75', f);
    }
  }
  const s = w.storage;
  if (s) {
    const st = at.at('storage');
    if (s.size !== undefined && !isQuantity(s.size)) st.add(`'${s.size}' is not a Kubernetes quantity`, 'e.g. 10Gi', 'size');
    if (s.mountPath !== undefined) checkMountPath(st.at('mountPath'), s.mountPath, reservedPaths.filter((p) => p !== DEFAULT_DATA_DIR));
    if (s.storageClassName !== undefined && !isDnsSubdomain(s.storageClassName)) st.add(`'${s.storageClassName}' is not a valid StorageClass name`, 'use a DNS-1123 subdomain', 'storageClassName');
    const mode = s.accessMode ?? 'ReadWriteOnce';
    if (!ACCESS_MODES.includes(mode)) {
      st.add(`unknown accessMode '${mode}'`, `use one of: ${ACCESS_MODES.join(', ')}`, 'accessMode');
    } else if (mode !== 'ReadWriteMany' && planWorkload(props).maxPods > 1) {
      st.add(
        `a ${mode} volume can serve only one pod, but ${a ? `autoscaling allows up to ${a.maxReplicas}` : `replicas is ${w.replicas}`}`,
        'keep state in PostgreSQL (storage.sql/kv type postgres) and drop workload.storage, or use accessMode ReadWriteMany, or run one replica',
      );
    }
  }
  if (w.podDisruptionBudget !== undefined) checkPdb(at.at('podDisruptionBudget'), w.podDisruptionBudget);
  if (w.overrides !== undefined) {
    if (!isObject(w.overrides)) at.add('expected an object', undefined, 'overrides');
    else checkOverrides(at.at('overrides'), w.overrides, reserved, propEnv(props).map((v) => v.name), planWorkload(props).dataDir);
  }
}

const PDB_FIELDS = ['minAvailable', 'maxUnavailable', 'minAvailablePercent', 'maxUnavailablePercent'] as const;

function checkPdb(issues: IssueCollector, pdb: PodDisruptionBudgetSpec): void {
  if (!isObject(pdb)) return issues.add('expected { minAvailable } or { maxUnavailable } (or their ...Percent forms)', undefined);
  const given = PDB_FIELDS.filter((f) => pdb[f] !== undefined);
  if (given.length === 0) return; // {} means the default budget (maxUnavailable 1), as in the operator
  if (given.length !== 1) {
    issues.add(`give at most one of ${PDB_FIELDS.join(', ')}; got ${given.join(' and ')}`, 'e.g. podDisruptionBudget: { maxUnavailable: 1 }', given[1]);
    return;
  }
  const field = given[0];
  const v = pdb[field]!;
  if (field.endsWith('Percent')) {
    if (!Number.isInteger(v) || v < 0 || v > 100) issues.add(`${v} is not a percentage`, 'give a whole number from 0 to 100 (50 means \'50%\' of the replicas)', field);
  } else if (!Number.isInteger(v) || v < 0 || v > INT32_MAX) {
    issues.add(`${v} is not a pod count`, `give a whole number of pods, e.g. 1 (or ${field}Percent for a percentage)`, field);
  }
}

/** The PodDisruptionBudget's minAvailable/maxUnavailable values (a count, or `'<n>%'`) from checked props. */
export function pdbValues(pdb: PodDisruptionBudgetSpec): { minAvailable?: number | string; maxUnavailable?: number | string } {
  const pct = (n: number | undefined) => (n === undefined ? undefined : `${n}%`);
  return {
    minAvailable: pdb.minAvailable ?? pct(pdb.minAvailablePercent),
    maxUnavailable: pdb.maxUnavailable ?? pct(pdb.maxUnavailablePercent),
  };
}

function checkOverrides(issues: IssueCollector, o: WorkloadOverrides, reserved: Reserved, propEnvNames: string[], dataDir: string): void {
  if (o.serviceAccountName !== undefined && !isDnsSubdomain(o.serviceAccountName)) {
    issues.add(`'${o.serviceAccountName}' is not a valid ServiceAccount name`, 'use a DNS-1123 subdomain', 'serviceAccountName');
  }
  const envNames = new Set(propEnvNames);
  list(issues, o, 'env').forEach((e, i) => {
    const at = issues.at('env').at(i);
    if (!isObject(e) || typeof e.name !== 'string') return at.add('expected { name, value } or { name, valueFrom }', undefined);
    if (!isEnvVarName(e.name)) at.add(`'${e.name}' is not a valid environment variable name`, 'use letters, digits and \'_\'', 'name');
    if (Object.prototype.hasOwnProperty.call(reserved.env, e.name)) at.add(`${e.name} is set by the construct`, `remove it; ${reserved.env[e.name]}`, 'name');
    if (e.name.startsWith('LLSD_')) at.add('names starting with LLSD_ are reserved for generated secret variables', 'use another name', 'name');
    if (envNames.has(e.name)) at.add(`${e.name} is set twice (here and in env, or twice here)`, 'keep one', 'name');
    envNames.add(e.name);
    if (typeof e.value === 'string' && e.value.length > 0 && looksSecret(e.name)) at.add('looks like a secret but is a literal value', 'use valueFrom.secretKeyRef', 'value');
  });
  checkPodSettings(issues, o, {
    volumes: reserved.volumes,
    paths: [...reserved.paths, dataDir],
    labels: STANDARD_LABEL_KEYS,
    annotations: { 'llamastack.io/config-hash': 'it is the hash of config.yaml, which restarts the pods when the config changes' },
    createsServiceAccount: o.serviceAccountName === undefined,
  });
  checkInt(issues, 'terminationGracePeriodSeconds', o.terminationGracePeriodSeconds, 0, 86400);
  checkLabels(issues.at('nodeSelector'), o.nodeSelector);
  for (const f of ['command', 'args'] as const) {
    list(issues, o, f).forEach((x, i) => {
      if (typeof x !== 'string') issues.add('expected a string', undefined, `${f}[${i}]`);
    });
  }
}

/** A list-valued field, or [] (reporting a non-list). */
function list(issues: IssueCollector, o: Record<string, any>, field: string): any[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    issues.add('expected a list', undefined, field);
    return [];
  }
  return v;
}


function checkResources(issues: IssueCollector, r: ContainerResourcesSpec | undefined): void {
  checkedResources(issues, r, DEFAULT_RESOURCES);
}

/** Given keys replace the defaults key by key. */
export function mergedResources(r: ContainerResourcesSpec | undefined): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { ...DEFAULT_RESOURCES.requests, ...(isObject(r?.requests) ? r!.requests : {}) },
    limits: { ...DEFAULT_RESOURCES.limits, ...(isObject(r?.limits) ? r!.limits : {}) },
  };
}

/** HPA metrics: CPU and/or memory utilization, CPU 80% when neither is given (as the operator). */
export function hpaMetrics(a: { targetCpu?: number; targetMemory?: number }): k8s.MetricSpecV2[] {
  const targets: Array<[string, number]> = [];
  if (a.targetCpu !== undefined || a.targetMemory === undefined) targets.push(['cpu', a.targetCpu ?? 80]);
  if (a.targetMemory !== undefined) targets.push(['memory', a.targetMemory]);
  return targets.map(([name, averageUtilization]) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } }));
}

/** The default spread: zones, then hosts, best effort. */
export function defaultSpread(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector },
  }));
}

export function intOrString(v: number | string): k8s.IntOrString {
  return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
}

