import { LlamaStackProps, PodDisruptionBudgetSpec, WorkloadOverrides } from './props';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { isDns1123Label, isEnvVarName } from '../core/names';

export const DEFAULT_DATA_DIR = '/.llama';
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'];
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;
const PERCENT_OR_COUNT = /^([0-9]+%?)$/;
/** Volume types the Pod Security Standards restricted profile allows. */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

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

export function checkWorkload(issues: IssueCollector, props: LlamaStackProps, reservedEnv: Record<string, string>, ownVolumes: string[]): void {
  const at = issues.at('workload');
  const w = props.workload ?? {};
  if (w.replicas !== undefined && (!Number.isInteger(w.replicas) || w.replicas < 0)) at.add(`replicas must be an integer >= 0, got ${w.replicas}`, 'e.g. 2', 'replicas');
  for (const kind of ['requests', 'limits'] as const) {
    for (const [res, value] of Object.entries(w.resources?.[kind] ?? {})) {
      if (!QUANTITY.test(String(value))) at.add(`'${value}' is not a Kubernetes quantity`, 'e.g. 500m, 2, 1Gi', `resources.${kind}.${res}`);
    }
  }
  const a = w.autoscaling;
  if (a) {
    const hpa = at.at('autoscaling');
    if (w.replicas !== undefined) at.add('replicas and autoscaling are mutually exclusive', 'remove replicas: the HorizontalPodAutoscaler sets them (minReplicas is the floor)', 'replicas');
    if (!Number.isInteger(a.maxReplicas) || a.maxReplicas < 1) hpa.add(`maxReplicas must be an integer >= 1, got ${a.maxReplicas}`, 'e.g. 5', 'maxReplicas');
    const min = a.minReplicas ?? 1;
    if (!Number.isInteger(min) || min < 1) hpa.add(`minReplicas must be an integer >= 1, got ${a.minReplicas}`, 'e.g. 1', 'minReplicas');
    else if (min > a.maxReplicas) hpa.add(`minReplicas (${min}) must be less than or equal to maxReplicas (${a.maxReplicas})`, 'raise maxReplicas or lower minReplicas', 'minReplicas');
    for (const f of ['targetCpu', 'targetMemory'] as const) {
      const v = a[f];
      if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100)) hpa.add(`${f} must be a percentage from 1 to 100, got ${v}`, 'e.g. 75', f);
    }
  }
  const s = w.storage;
  if (s) {
    const st = at.at('storage');
    if (s.size !== undefined && !QUANTITY.test(s.size)) st.add(`'${s.size}' is not a Kubernetes quantity`, 'e.g. 10Gi', 'size');
    if (s.mountPath !== undefined && (!s.mountPath.startsWith('/') || s.mountPath.includes('..') || s.mountPath === '/')) {
      st.add(`'${s.mountPath}' is not a usable absolute path`, 'e.g. /.llama', 'mountPath');
    }
    if (s.storageClassName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s.storageClassName)) st.add(`'${s.storageClassName}' is not a valid StorageClass name`, 'use a DNS-1123 subdomain', 'storageClassName');
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
  if (w.podDisruptionBudget) checkPdb(at.at('podDisruptionBudget'), w.podDisruptionBudget);
  if (w.overrides) checkOverrides(at.at('overrides'), w.overrides, reservedEnv, ownVolumes);
}

function checkPdb(issues: IssueCollector, pdb: PodDisruptionBudgetSpec): void {
  const given = (['minAvailable', 'maxUnavailable'] as const).filter((f) => pdb[f] !== undefined);
  if (given.length !== 1) {
    issues.add('give exactly one of minAvailable and maxUnavailable', 'e.g. podDisruptionBudget: { maxUnavailable: 1 }');
    return;
  }
  const v = pdb[given[0]]!;
  const ok = typeof v === 'number' ? Number.isInteger(v) && v >= 0 : PERCENT_OR_COUNT.test(v) && (!v.endsWith('%') || Number(v.slice(0, -1)) <= 100);
  if (!ok) issues.add(`'${v}' is not a pod count or percentage`, 'e.g. 1 or \'50%\'', given[0]);
}

function checkOverrides(issues: IssueCollector, o: WorkloadOverrides, reservedEnv: Record<string, string>, ownVolumes: string[]): void {
  if (o.serviceAccountName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.serviceAccountName)) {
    issues.add(`'${o.serviceAccountName}' is not a valid ServiceAccount name`, 'use a DNS-1123 subdomain', 'serviceAccountName');
  }
  (o.env ?? []).forEach((e, i) => {
    if (!isEnvVarName(e.name)) issues.add(`'${e.name}' is not a valid environment variable name`, 'use letters, digits and \'_\'', `env[${i}].name`);
    if (e.name in reservedEnv) issues.add(`${e.name} is set by the construct`, `remove it; ${reservedEnv[e.name]}`, `env[${i}].name`);
    if (e.value !== undefined && /(^|_)(KEY|TOKEN|PASSWORD|SECRET)($|_)/i.test(e.name) && e.value.length > 0) {
      issues.add('looks like a secret but is a literal value', 'use valueFrom.secretKeyRef', `env[${i}].value`);
    }
  });
  const names = new Set<string>();
  (o.volumes ?? []).forEach((v, i) => {
    if (ownVolumes.includes(v.name)) issues.add(`volume name '${v.name}' is used by the construct`, `choose another name (taken: ${ownVolumes.join(', ')})`, `volumes[${i}].name`);
    if (names.has(v.name)) issues.add(`volume '${v.name}' is listed twice`, 'remove the duplicate', `volumes[${i}].name`);
    names.add(v.name);
    const type = Object.keys(v).find((k) => k !== 'name' && (v as any)[k] !== undefined);
    if (!type || !RESTRICTED_VOLUME_TYPES.includes(type)) {
      issues.add(`volume type '${type}' is not allowed by the Pod Security Standards restricted profile`, `use one of: ${RESTRICTED_VOLUME_TYPES.join(', ')}`, `volumes[${i}]`);
    }
  });
  (o.volumeMounts ?? []).forEach((m, i) => {
    if (!names.has(m.name) && !ownVolumes.includes(m.name)) issues.add(`mounts volume '${m.name}', which is not declared`, 'add it to overrides.volumes', `volumeMounts[${i}].name`);
  });
  if (o.terminationGracePeriodSeconds !== undefined && (!Number.isInteger(o.terminationGracePeriodSeconds) || o.terminationGracePeriodSeconds < 0)) {
    issues.add(`must be an integer >= 0, got ${o.terminationGracePeriodSeconds}`, 'e.g. 30', 'terminationGracePeriodSeconds');
  }
  (o.imagePullSecrets ?? []).forEach((n, i) => {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n)) issues.add(`'${n}' is not a valid Secret name`, 'use a DNS-1123 subdomain', `imagePullSecrets[${i}]`);
  });
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

export function checkNamespaces(issues: IssueCollector, namespaces: string[] | undefined): void {
  (namespaces ?? []).forEach((ns, i) => {
    if (ns !== '*' && !isDns1123Label(ns)) issues.add(`'${ns}' is not a valid namespace name`, 'use a DNS-1123 label, or \'*\' for all namespaces', `namespaces[${i}]`);
  });
}
