/**
 * Pure pieces of ModelPlatform: environment checks, overrides applied to definitions, the Argo CD
 * Application, and the ResourceQuota check over synthesized manifests.
 */
import { EnvironmentOverrides, EnvironmentSpec, GitOpsSpec, PlatformStackProps } from './props';
import { IssueCollector } from '../core/errors';
import { standardLabels } from '../core/labels';
import { isDns1123Label } from '../core/names';
import { quantityValue, isQuantity } from '../core/quantity';
import { isObject } from '../core/validate';
import { ExposeSpec, LlamaStackProps } from '../llama-stack/props';
import { VllmModelOptions } from '../vllm/props';

export const SYNC_MODES = ['auto', 'manual'];

/** Argo CD sync waves: namespace basics, then migrations (the registry's -10), models, registrations (10), stacks. */
export const WAVES = { namespace: -20, model: 0, stack: 20 } as const;

export function syncMode(env: string, spec: EnvironmentSpec): string {
  return spec.sync ?? (env === 'production' ? 'manual' : 'auto');
}

export function checkEnvironments(issues: IssueCollector, environments: { [name: string]: EnvironmentSpec } | undefined): void {
  if (!isObject(environments) || Object.keys(environments).length === 0) {
    issues.add('at least one environment is required', 'e.g. environments: { staging: { namespace: \'llm-staging\' } }', 'environments');
    return;
  }
  const namespaces = new Map<string, string>();
  for (const [env, spec] of Object.entries(environments)) {
    const at = issues.at('environments').at(env);
    if (!isDns1123Label(env)) at.add(`'${env}' is not a valid environment name`, 'a DNS label such as staging');
    if (!isObject(spec)) {
      at.add('expected an object', 'e.g. { namespace: \'llm-staging\' }');
      continue;
    }
    if (!isDns1123Label(spec.namespace)) at.add(`'${String(spec.namespace)}' is not a valid namespace`, 'a DNS label such as llm-staging', 'namespace');
    const other = namespaces.get(spec.namespace);
    if (other !== undefined) at.add(`namespace '${spec.namespace}' is also used by environment '${other}'`, 'give every environment its own namespace (that is what isolates them)', 'namespace');
    namespaces.set(spec.namespace, env);
    if (spec.sync !== undefined && !SYNC_MODES.includes(spec.sync)) at.add(`unknown sync mode '${spec.sync}'`, 'use auto or manual', 'sync');
    const q = spec.quota;
    if (q !== undefined) {
      if (q.gpus !== undefined && !(Number.isInteger(q.gpus) && q.gpus >= 0)) at.add(`expected a whole number of GPUs, got ${q.gpus}`, 'e.g. 8', 'quota.gpus');
      for (const field of ['cpu', 'memory'] as const) {
        if (q[field] !== undefined && !isQuantity(q[field])) at.add(`'${q[field]}' is not a quantity`, field === 'cpu' ? 'e.g. 64' : 'e.g. 512Gi', `quota.${field}`);
      }
    }
    checkOverrides(at.at('overrides'), spec.overrides);
  }
}

function checkOverrides(issues: IssueCollector, o: EnvironmentOverrides | undefined): void {
  if (o === undefined) return;
  const replicas = (v: unknown, path: string) => {
    if (!(Number.isInteger(v) && (v as number) >= 0)) issues.add(`expected a whole number of replicas, got ${JSON.stringify(v)}`, 'e.g. 1', path);
  };
  if (o.replicas !== undefined) replicas(o.replicas, 'replicas');
  for (const [k, v] of Object.entries(o.modelReplicas ?? {})) replicas(v, `modelReplicas.${k}`);
  for (const [k, v] of Object.entries(o.stackReplicas ?? {})) replicas(v, `stackReplicas.${k}`);
  for (const [k, v] of Object.entries(o.secretNames ?? {})) {
    if (!isDns1123Label(v) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v)) issues.add(`'${v}' is not a valid Secret name`, 'a DNS subdomain', `secretNames.${k}`);
  }
}

/** Names the overrides refer to that were never defined (checked once every definition is in). */
export function unknownOverrideNames(
  issues: IssueCollector, env: string, o: EnvironmentOverrides | undefined, models: string[], stacks: string[],
): void {
  if (o === undefined) return;
  const at = issues.at('environments').at(env).at('overrides');
  const check = (field: keyof EnvironmentOverrides, names: Record<string, unknown> | undefined, known: string[], kind: string) => {
    for (const n of Object.keys(names ?? {})) {
      if (!known.includes(n)) at.add(`no ${kind} named '${n}'`, known.length > 0 ? `${kind}s: ${known.join(', ')}` : `add it with add${kind === 'model' ? 'Model' : 'Stack'}`, `${field}.${n}`);
    }
  };
  check('modelReplicas', o.modelReplicas, models, 'model');
  check('modelResources', o.modelResources, models, 'model');
  check('stackReplicas', o.stackReplicas, stacks, 'stack');
  check('hostnames', o.hostnames, stacks, 'stack');
}

/** Every `{ name, key }` Secret reference below `value`, renamed by `names`. */
export function renameSecrets<T>(value: T, names: { [name: string]: string } | undefined): T {
  if (names === undefined || Object.keys(names).length === 0) return value;
  // Props are shape-checked before; fields the check does not walk ('any': model servers, DNS, external
  // providers) may still be Proxies or hold cycles: those are left as they are, for their own checks.
  const ancestors = new Set<object>();
  const walk = (v: unknown): unknown => {
    try {
      if (typeof v !== 'object' || v === null || ancestors.has(v)) return v;
      if (!Array.isArray(v) && (!isObject(v) || (v.constructor !== Object && v.constructor !== undefined))) return v;
      ancestors.add(v);
      try {
        if (Array.isArray(v)) return v.map(walk);
        const keys = Object.keys(v);
        if (keys.length === 2 && typeof v.name === 'string' && typeof v.key === 'string' && Object.prototype.hasOwnProperty.call(names, v.name)) return { name: names[v.name], key: v.key };
        return Object.fromEntries(keys.map((k) => [k, walk(v[k])]));
      } finally {
        ancestors.delete(v);
      }
    } catch {
      return v;
    }
  };
  return walk(value) as T;
}

export function modelOptionsFor(name: string, options: VllmModelOptions, o: EnvironmentOverrides | undefined): VllmModelOptions {
  // KEDA owns the count of an autoscaled model: the environment-wide replicas override passes it by (a
  // per-model one is refused by ModelPlatform.addModel).
  const replicas = o?.modelReplicas?.[name] ?? (options.autoscaling === undefined ? o?.replicas : undefined) ?? options.replicas;
  const resources = o?.modelResources?.[name] ?? options.resources;
  return renameSecrets({ ...options, replicas, resources }, o?.secretNames);
}

export function stackPropsFor(name: string, props: PlatformStackProps, o: EnvironmentOverrides | undefined): LlamaStackProps {
  const { models: _models, ...stack } = props;
  const replicas = o?.stackReplicas?.[name] ?? o?.replicas;
  const hostname = o?.hostnames?.[name];
  let out: LlamaStackProps = stack;
  if (replicas !== undefined) out = { ...out, workload: { ...out.workload, replicas } };
  if (hostname !== undefined) {
    const expose = out.networking?.expose;
    const spec: ExposeSpec = expose ?? {};
    out = { ...out, networking: { ...out.networking, expose: { ...spec, hostname } } };
  }
  return renameSecrets(out, o?.secretNames);
}

export interface ApplicationOptions {
  readonly platform: string;
  readonly environment: string;
  readonly namespace: string;
  readonly sync: string;
  /** The environment's output file, relative to `gitops.path`. */
  readonly file: string;
  readonly gitops: GitOpsSpec;
}

/** An Argo CD Application that deploys one environment's output file, and nothing else. */
export function application(o: ApplicationOptions): { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  const auto = o.sync === 'auto';
  return {
    metadata: {
      name: `${o.platform}-${o.environment}`,
      labels: { ...standardLabels({ name: 'model-platform', instance: o.platform, component: 'application' }), environment: o.environment },
    },
    spec: {
      project: o.gitops.project ?? 'default',
      source: {
        repoURL: o.gitops.repoURL,
        path: o.gitops.path ?? 'dist',
        targetRevision: o.gitops.targetRevision ?? 'main',
        directory: { include: o.file },
      },
      destination: { server: o.gitops.destinationServer ?? 'https://kubernetes.default.svc', namespace: o.namespace },
      syncPolicy: {
        ...(auto ? { automated: { prune: true, selfHeal: true } } : {}),
        // The namespace is part of the output (with its labels); prune it last.
        syncOptions: ['PruneLast=true'],
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      },
      revisionHistoryLimit: 10,
    },
  };
}

type Manifest = { kind: string; metadata?: any; spec?: any };

/**
 * Requests pods may reach at once: replicas (or the autoscaling maximum: an HPA's maxReplicas, a KEDA
 * ScaledObject's maxReplicaCount) plus surge, for every workload.
 */
export function quotaProblems(manifests: Manifest[], quota: { gpus?: number; cpu?: string; memory?: string }, gpuResource: string): string[] {
  const hpaMax = new Map<string, number>();
  for (const m of manifests) {
    const target = m.spec?.scaleTargetRef;
    if (m.kind === 'HorizontalPodAutoscaler') hpaMax.set(target?.name, m.spec?.maxReplicas ?? 1);
    // KEDA's default maximum is 100 replicas.
    if (m.kind === 'ScaledObject' && (target?.kind ?? 'Deployment') === 'Deployment') hpaMax.set(target?.name, m.spec?.maxReplicaCount ?? 100);
  }
  const totals: Record<string, number> = {};
  const missing: string[] = [];
  const limited = [
    ...(quota.gpus !== undefined ? [gpuResource] : []),
    ...(quota.cpu !== undefined ? ['cpu'] : []),
    ...(quota.memory !== undefined ? ['memory'] : []),
  ];
  const workloads: Array<{ m: Manifest; pod: any; pods: number }> = [];
  for (const m of manifests) {
    if (m.kind === 'LeaderWorkerSet') {
      // Groups (replicas plus surge groups) of one leader and size - 1 workers.
      const t = m.spec?.leaderWorkerTemplate;
      const surge = m.spec?.rolloutStrategy?.rollingUpdateConfiguration?.maxSurge;
      const groups = (m.spec?.replicas ?? 1) + (typeof surge === 'number' ? surge : 0);
      workloads.push({ m, pod: t?.leaderTemplate?.spec ?? t?.workerTemplate?.spec, pods: groups });
      workloads.push({ m, pod: t?.workerTemplate?.spec, pods: groups * ((t?.size ?? 1) - 1) });
      continue;
    }
    const pod = m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template?.spec : m.spec?.template?.spec;
    if (!pod || !['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(m.kind)) continue;
    let pods = 1;
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
      const surge = m.spec?.strategy?.rollingUpdate?.maxSurge;
      pods = (hpaMax.get(m.metadata?.name) ?? m.spec?.replicas ?? 1) + (typeof surge === 'number' ? surge : m.spec?.strategy?.type === 'Recreate' ? 0 : 1);
    }
    workloads.push({ m, pod, pods });
  }
  for (const { m, pod, pods } of workloads) {
    if (!pod || pods === 0) continue;
    const containers: any[] = pod.containers ?? [];
    for (const c of [...(pod.initContainers ?? []), ...containers]) {
      for (const r of limited) {
        if (r !== gpuResource && c.resources?.requests?.[r] === undefined && c.resources?.limits?.[r] === undefined) {
          missing.push(`${m.kind} ${m.metadata?.name} container ${c.name} has no ${r} request, so the quota would reject its pods`);
        }
      }
    }
    // Init containers run before the app containers, so a pod needs the larger of the two.
    for (const r of limited) {
      const sum = containers.reduce((s, c) => s + requestOf(c, r), 0);
      const init = Math.max(0, ...(pod.initContainers ?? []).map((c: any) => requestOf(c, r)));
      totals[r] = (totals[r] ?? 0) + pods * Math.max(sum, init);
    }
  }
  const problems = [...missing];
  const check = (r: string, limit: number | undefined, shown: string | undefined) => {
    if (limit === undefined || totals[r] === undefined || totals[r] <= limit) return;
    problems.push(`the workloads may request ${format(r, totals[r])} ${r} at once (replicas, autoscaling maxima and surge pods), above the quota of ${shown}`);
  };
  check(gpuResource, quota.gpus, String(quota.gpus));
  check('cpu', quota.cpu === undefined ? undefined : quantityValue(quota.cpu), quota.cpu);
  check('memory', quota.memory === undefined ? undefined : quantityValue(quota.memory), quota.memory);
  return problems;
}

function requestOf(c: any, r: string): number {
  const v = c.resources?.requests?.[r] ?? c.resources?.limits?.[r];
  return v === undefined ? 0 : quantityValue(String(v)) ?? 0;
}

function format(r: string, v: number): string {
  if (r === 'memory') return `${Math.ceil(v / 2 ** 30)}Gi`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
