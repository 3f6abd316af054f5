/**
 * What the app declares against what the cluster shows, per construct: a pure function of the declared
 * constructs, the live objects and the time (injected, so tests are deterministic). Findings are in a fixed
 * order: the construct's objects in (kind, name) order, pods by name, containers in pod-spec order.
 */
import { DeclaredConstruct, isSecret, K8sObject, ref } from './inventory';
import { ProbeResult } from './kubectl';
import { compareStrings, compareTuples } from '../core/order';

/** `problem` makes the command exit 1; `info` is shown and never fails it. */
export type Severity = 'problem' | 'info';

export interface Finding {
  readonly severity: Severity;
  /** What it is about: `Deployment/stack`, `Pod/stack-7d9f-x2`, `Job/registry-migrate-1a2b3c4d`. */
  readonly object: string;
  readonly message: string;
  /** Further lines: a termination message line by line (with its `Resolution:`), what to run or change. */
  readonly details: string[];
}

export interface ObjectState {
  readonly kind: string;
  readonly name: string;
  /** `present`, `missing`, or `unknown` when kubectl could not read its kind. */
  readonly state: 'present' | 'missing' | 'unknown';
}

export interface ExternalProviderState {
  readonly id: string;
  readonly image: string;
  /** `installed` (its init container ended with 0 in every pod), `failed`, `waiting`, or `unknown` (no pod). */
  readonly state: 'installed' | 'failed' | 'waiting' | 'unknown';
}

export interface ConstructReport {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly healthy: boolean;
  /** One line: objects present, Deployments available, last Job outcomes. */
  readonly summary: string;
  readonly objects: ObjectState[];
  readonly findings: Finding[];
  /** A stack's external providers (from its init containers `provider-<id>`). */
  readonly externalProviders?: ExternalProviderState[];
  /** With `--probe`: the Service proxy calls. */
  readonly probes?: ProbeResult[];
}

export interface DoctorReport {
  /** Changes only when a field is removed or changes meaning. */
  readonly schemaVersion: 1;
  readonly now: string;
  readonly healthy: boolean;
  readonly constructs: ConstructReport[];
  /** kubectl calls that failed. */
  readonly errors: string[];
}

export interface LiveInput {
  readonly objects: readonly K8sObject[];
  /** Failed reads, as messages. */
  readonly errors?: readonly string[];
  /** `<namespace>/<Kind>` whose read failed: their declared objects are `unknown`, not missing. */
  readonly unreadable?: readonly string[];
  /** Per construct (`<namespace>/<kind>/<name>`), the probe results. */
  readonly probes?: Readonly<Record<string, readonly ProbeResult[]>>;
}

export const CONFIG_HASH_ANNOTATION = 'llamastack.io/config-hash';
const PULL_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'];
const CA_RESOLUTIONS: Array<[RegExp, string]> = [
  [/is missing \(is the key in the ConfigMap\?\)/, 'Resolution: add the key to the ConfigMap named by networking.tls.caBundle.configMapName, or list the keys it has in caBundle.keys; synthesize and apply.'],
  [/contains no PEM certificate/, 'Resolution: put PEM certificates (-----BEGIN CERTIFICATE-----) under that key of the CA ConfigMap.'],
  [/has no system CA bundle/, 'Resolution: use a distribution image with the ca-certificates package (/etc/ssl/certs/ca-certificates.crt).'],
];
/** Termination messages longer than this are shortened (the Resolution lines are always kept). */
const MAX_MESSAGE_LINES = 14;

/** The key of a construct in `LiveInput.probes`. */
export function constructKey(c: { readonly namespace: string; readonly kind: string; readonly name: string }): string {
  return `${c.namespace}/${c.kind}/${c.name}`;
}

export function diagnose(declared: readonly DeclaredConstruct[], live: LiveInput, now: Date): DoctorReport {
  const index = new Map<string, K8sObject>();
  for (const o of live.objects) {
    if (isSecret(o)) continue;
    index.set(JSON.stringify([o.kind, o.metadata.namespace ?? '', o.metadata.name]), o);
  }
  const errors = [...(live.errors ?? [])];
  const unreadable = new Set(live.unreadable ?? []);
  const constructs = declared.map((c) => diagnoseConstruct(c, new Ctx(c, index, live.objects, unreadable, now), live.probes?.[constructKey(c)]));
  return {
    schemaVersion: 1,
    now: now.toISOString(),
    healthy: errors.length === 0 && constructs.every((c) => c.healthy),
    constructs,
    errors,
  };
}

class Ctx {
  public readonly findings: Finding[] = [];
  constructor(
    public readonly c: DeclaredConstruct,
    private readonly index: Map<string, K8sObject>,
    private readonly all: readonly K8sObject[],
    private readonly unreadableKinds: ReadonlySet<string>,
    public readonly now: Date,
  ) {}

  public live(o: K8sObject): K8sObject | undefined {
    return this.index.get(JSON.stringify([o.kind, this.c.namespace, o.metadata.name]));
  }

  /** Whether kubectl failed to read this kind in this namespace. */
  public unreadable(o: K8sObject): boolean {
    return this.unreadableKinds.has(`${this.c.namespace}/${o.kind}`);
  }

  public liveOfKind(kind: string): K8sObject[] {
    return this.all.filter((o) => o.kind === kind && (o.metadata.namespace ?? this.c.namespace) === this.c.namespace && !isSecret(o))
      .slice().sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
  }

  public problem(object: string, message: string, details: string[] = []): void {
    this.findings.push({ severity: 'problem', object, message, details });
  }

  public info(object: string, message: string, details: string[] = []): void {
    this.findings.push({ severity: 'info', object, message, details });
  }
}

function diagnoseConstruct(c: DeclaredConstruct, ctx: Ctx, probes: readonly ProbeResult[] | undefined): ConstructReport {
  const objects: ObjectState[] = [];
  const summary: string[] = [];
  let providers: ExternalProviderState[] | undefined;
  const unknownKinds = new Set<string>();
  for (const d of c.objects) {
    const l = ctx.live(d);
    const state = l ? 'present' : ctx.unreadable(d) ? 'unknown' : 'missing';
    objects.push({ kind: d.kind, name: d.metadata.name, state });
    if (state === 'unknown') {
      if (!unknownKinds.has(d.kind)) ctx.problem(d.kind, `cannot be read: kubectl failed for ${d.kind} in namespace ${c.namespace} (see errors)`);
      unknownKinds.add(d.kind);
      continue;
    }
    if (!l) {
      missing(ctx, d);
      continue;
    }
    switch (d.kind) {
      case 'Deployment': {
        const pods = podsOf(ctx, l.spec?.selector?.matchLabels ?? d.spec?.selector?.matchLabels ?? {});
        summary.push(deployment(ctx, d, l, pods));
        if (c.kind === 'stack') providers = externalProviders(d, pods);
        break;
      }
      case 'Job':
        summary.push(job(ctx, d, l));
        break;
      case 'CronJob':
        summary.push(cronJob(ctx, d, l));
        break;
      case 'PersistentVolumeClaim':
        if (l.status?.phase !== 'Bound') {
          ctx.problem(ref(d), `is ${l.status?.phase ?? 'not bound'}: the volume is not bound, so the pods that mount it stay Pending`,
            [`kubectl describe pvc -n ${c.namespace} ${d.metadata.name} shows why (no default StorageClass, storageClassName, or quota)`]);
        }
        break;
      default:
        break;
    }
  }
  if (objects.length > 1 && objects.every((o) => o.state === 'missing')) {
    // Nothing of the construct is there: one finding rather than one per object.
    ctx.findings.splice(0, ctx.findings.length);
    ctx.problem(`${c.kind} ${c.name}`, `not applied: none of its ${objects.length} objects is in namespace ${c.namespace}`, [
      `apply the manifests: kubectl apply -f <the synthesized files> (check the context and namespace: ${c.namespace})`,
    ]);
  }
  for (const p of probes ?? []) probeFinding(ctx, p);
  const present = objects.filter((o) => o.state === 'present').length;
  const healthy = !ctx.findings.some((f) => f.severity === 'problem');
  return {
    kind: c.kind,
    name: c.name,
    namespace: c.namespace,
    healthy,
    summary: [`${present}/${objects.length} objects present`, ...summary.filter((s) => s)].join(', '),
    objects,
    findings: ctx.findings,
    ...(providers ? { externalProviders: providers } : {}),
    ...(probes ? { probes: [...probes] } : {}),
  };
}

function missing(ctx: Ctx, d: K8sObject): void {
  // A hashed name (config ConfigMap, Job) that is missing while an older one of the same base is there.
  const base = d.metadata.name.replace(/-[0-9a-f]{8}$/, '');
  const older = base !== d.metadata.name
    ? ctx.liveOfKind(d.kind).filter((o) => o.metadata.name !== d.metadata.name && o.metadata.name.replace(/-[0-9a-f]{8}$/, '') === base && o.metadata.name !== base)
    : [];
  const ttl = d.kind === 'Job' ? d.spec?.ttlSecondsAfterFinished : undefined;
  if (typeof ttl === 'number' && older.length === 0) {
    ctx.info(ref(d), `not in the cluster: not applied yet, or finished and deleted ${duration(ttl)} later (ttlSecondsAfterFinished)`);
    return;
  }
  ctx.problem(ref(d), 'is missing: the synthesized manifests have it, the cluster does not', [
    ...(older.length ? [`the cluster has ${older.map(ref).join(', ')} from older manifests: the applied manifests are older than the code`] : []),
    `apply the manifests: kubectl apply -f <the synthesized files> (namespace ${ctx.c.namespace})`,
  ]);
}

function deployment(ctx: Ctx, d: K8sObject, l: K8sObject, pods: K8sObject[]): string {
  const stale: string[] = [];
  const dHash = d.spec?.template?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
  const lHash = l.spec?.template?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
  if (dHash !== undefined && dHash !== lHash) {
    stale.push(`${CONFIG_HASH_ANNOTATION}: live ${lHash === undefined ? '(none)' : short(lHash)}, synthesized ${short(dHash)}`);
  }
  const liveVolumes = new Map<string, any>((l.spec?.template?.spec?.volumes ?? []).map((v: any) => [v.name, v]));
  for (const v of d.spec?.template?.spec?.volumes ?? []) {
    const want = v.configMap?.name;
    const have = liveVolumes.get(v.name)?.configMap?.name;
    if (want !== undefined && want !== have) stale.push(`volume ${v.name}: the live pods mount ConfigMap ${have ?? '(none)'}, the manifests ${want}`);
  }
  const liveImages = new Map<string, string>(containersOf(l).map((x: any) => [x.name, x.image]));
  for (const x of containersOf(d)) {
    if (liveImages.get(x.name) !== x.image) stale.push(`container ${x.name}: live image ${liveImages.get(x.name) ?? '(no such container)'}, synthesized ${x.image}`);
  }
  if (stale.length > 0) {
    const what = dHash !== undefined && dHash !== lHash ? 'applied config is older than the code' : 'the applied Deployment is older than the code';
    ctx.problem(ref(d), what, [...stale, 'apply the manifests: the Deployment then rolls out pods with the new config (the old ConfigMap stays until you prune it)']);
  }

  const desired = typeof l.spec?.replicas === 'number' ? l.spec.replicas : 1;
  const available = l.status?.availableReplicas ?? 0;
  const conds = (l.status?.conditions ?? []) as any[];
  if (available < desired) {
    ctx.problem(ref(d), `${available}/${desired} replicas available`, conds
      .filter((x) => x.status !== 'True' || x.reason === 'ProgressDeadlineExceeded')
      .map((x) => `${x.type}: ${x.reason ?? x.status}${x.message ? `: ${x.message}` : ''}`));
  } else if (desired === 0) {
    ctx.info(ref(d), 'scaled to 0 replicas');
  }
  const containers = new Map<string, any>(containersOf(d).map((x: any) => [x.name, x]));
  for (const p of pods) podFindings(ctx, p, containers);
  return `${ref(d)} ${available}/${desired} available`;
}

/** The init containers and containers of a Deployment's pod template. */
function containersOf(d: K8sObject): any[] {
  return [...(d.spec?.template?.spec?.initContainers ?? []), ...(d.spec?.template?.spec?.containers ?? [])];
}

/** The live pods in the construct's namespace whose labels include `selector`, by name. */
function podsOf(ctx: Ctx, selector: Record<string, string>): K8sObject[] {
  const keys = Object.keys(selector);
  if (keys.length === 0) return [];
  return ctx.liveOfKind('Pod').filter((p) => keys.every((k) => p.metadata.labels?.[k] === selector[k]));
}

function jobPods(ctx: Ctx, jobName: string): K8sObject[] {
  return ctx.liveOfKind('Pod').filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === jobName || p.metadata.labels?.['job-name'] === jobName);
}

function podFindings(ctx: Ctx, pod: K8sObject, declared: Map<string, any>): void {
  if ((pod.metadata as any).deletionTimestamp) return;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return;
  const obj = ref(pod);
  const scheduled = ((pod.status?.conditions ?? []) as any[]).find((x) => x.type === 'PodScheduled');
  if (phase === 'Pending' && scheduled?.status === 'False') {
    const msg = scheduled.message ?? '';
    const details = [`${scheduled.reason ?? 'Unschedulable'}: ${msg}`];
    const gpu = /Insufficient ([a-z0-9.-]+\/gpu)/.exec(msg);
    if (gpu) {
      details.push(`no node has a free ${gpu[1]}: the GPU nodes are full or absent; check the GpuNodePool (nodes, gpusPerNode), the model's nodeSelector and tolerations, and other pods holding GPUs (kubectl describe nodes)`);
    } else if (/Insufficient (cpu|memory)/.test(msg)) {
      details.push('the pod requests more CPU or memory than any node has free: lower the requests or add nodes');
    } else if (/untolerated taint|didn't match Pod's node affinity|node selector/.test(msg)) {
      details.push('no node matches the pod\'s nodeSelector, affinity or tolerations');
    }
    ctx.problem(obj, 'is Pending: the scheduler cannot place it', details);
  }
  const started = new Date(pod.status?.startTime ?? pod.metadata.creationTimestamp ?? ctx.now.toISOString());
  for (const s of (pod.status?.initContainerStatuses ?? []) as any[]) containerFindings(ctx, obj, pod, s, declared.get(s.name), true, started);
  for (const s of (pod.status?.containerStatuses ?? []) as any[]) containerFindings(ctx, obj, pod, s, declared.get(s.name), false, started);
}

function containerFindings(ctx: Ctx, obj: string, pod: K8sObject, s: any, spec: any, init: boolean, podStart: Date): void {
  const what = `${init ? 'init container' : 'container'} ${s.name}`;
  const logs = `kubectl logs -n ${ctx.c.namespace} ${pod.metadata.name} -c ${s.name}${init ? '' : ' --previous'}`;
  const waiting = s.state?.waiting;
  const term = s.state?.terminated ?? (s.lastState?.terminated && (waiting || !s.ready) ? s.lastState.terminated : undefined);
  if (waiting && PULL_REASONS.includes(waiting.reason)) {
    ctx.problem(obj, `${what} cannot pull its image ${s.image ?? spec?.image ?? ''}: ${waiting.reason}`, [
      ...(waiting.message ? [waiting.message] : []),
      'check the image reference and tag; for a private registry add the pull Secret (workload.overrides.imagePullSecrets, pod.imagePullSecrets) or to the ServiceAccount',
    ]);
    return;
  }
  if (term && term.exitCode !== 0 && (init || waiting || s.state?.terminated)) {
    const restarts = s.restartCount ? `, restarted ${s.restartCount} time${s.restartCount === 1 ? '' : 's'}` : '';
    ctx.problem(obj, `${what} failed (${term.reason ?? 'Error'}, exit code ${term.exitCode}${restarts})${waiting ? `: ${waiting.reason}` : ''}`,
      terminationDetails(s.name, term.message, logs, term.reason));
    return;
  }
  if (waiting && waiting.reason !== 'PodInitializing' && waiting.reason !== 'ContainerCreating') {
    ctx.problem(obj, `${what} is waiting: ${waiting.reason}`, waiting.message ? [waiting.message] : []);
    return;
  }
  if (init) {
    if (s.state?.running) ctx.info(obj, `${what} is running (since ${s.state.running.startedAt})`);
    return;
  }
  if (!s.state?.running || s.ready) return;
  const probe = spec?.startupProbe;
  const runningFor = seconds(ctx.now, new Date(s.state.running.startedAt));
  if (probe && s.started !== true) {
    const budget = (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
    const podFor = seconds(ctx.now, podStart);
    const restarted = s.restartCount > 0 ? [`restarted ${s.restartCount} time${s.restartCount === 1 ? '' : 's'} since the pod started ${duration(podFor)} ago${s.lastState?.terminated ? ` (last: ${s.lastState.terminated.reason ?? 'Error'}, exit code ${s.lastState.terminated.exitCode})` : ''}: each restart starts the load again`] : [];
    const budgetText = `${duration(budget)} (startupProbe: ${probe.failureThreshold ?? 3} x ${probe.periodSeconds ?? 10}s${probe.initialDelaySeconds ? ` + ${probe.initialDelaySeconds}s` : ''})`;
    if (runningFor > budget || (s.restartCount > 0 && podFor > budget)) {
      ctx.problem(obj, `${what} has been starting for ${duration(Math.max(runningFor, podFor))}, longer than its startup budget of ${budgetText}`, [
        ...restarted,
        'the kubelet restarts a container whose startup probe has not passed within the budget; if the model only loads slowly, raise startupBudgetSeconds (docs/model-initialization.md), else read the log',
        logs.replace(' --previous', ''),
      ]);
    } else {
      ctx.info(obj, `${what} is starting: ${duration(runningFor)} of its startup budget of ${budgetText}`, restarted);
    }
    return;
  }
  ctx.problem(obj, `${what} is running but not ready for ${duration(runningFor)}: its readiness probe fails`, [logs.replace(' --previous', '')]);
}

/** A termination message line by line (long ones shortened, Resolution lines always kept), or how to see the log. */
function terminationDetails(container: string, message: string | undefined, logs: string, reason?: string): string[] {
  const lines = (message ?? '').split('\n').map((l) => l.replace(/\s+$/, '')).filter((l) => l.trim() !== '');
  if (lines.length === 0) {
    return [reason === 'OOMKilled' ? 'killed for using more memory than its limit: raise the memory limit' : 'no termination message', `the log: ${logs}`];
  }
  let out = lines;
  if (lines.length > MAX_MESSAGE_LINES) {
    const rest = lines.slice(MAX_MESSAGE_LINES - 2);
    const resolution = rest.filter((l) => l.startsWith('Resolution:'));
    out = [...lines.slice(0, MAX_MESSAGE_LINES - 2), `... (${rest.length - resolution.length} more lines: ${logs})`, ...resolution];
  }
  if (container === 'ca-bundle' && !lines.some((l) => l.startsWith('Resolution:'))) {
    const r = CA_RESOLUTIONS.find(([re]) => re.test(message ?? ''));
    if (r) out = [...out, r[1]];
  }
  return out;
}

/** Each external provider (init container `provider-<id>`) and how far its install got in the stack's pods. */
function externalProviders(d: K8sObject, pods: K8sObject[]): ExternalProviderState[] | undefined {
  const inits = ((d.spec?.template?.spec?.initContainers ?? []) as any[]).filter((x) => x.name.startsWith('provider-'));
  if (inits.length === 0) return undefined;
  const stateOf = (name: string): ExternalProviderState['state'] => {
    const states = pods.map((p) => ((p.status?.initContainerStatuses ?? []) as any[]).find((s) => s.name === name));
    if (states.length === 0 || states.some((s) => !s)) return 'unknown';
    const failed = (s: any) => (s.state?.terminated && s.state.terminated.exitCode !== 0)
      || (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0);
    const installs = pods.map((p) => ((p.status?.initContainerStatuses ?? []) as any[]).find((s) => s.name === 'install-providers'));
    if (states.some(failed) || installs.some((s) => s && failed(s))) return 'failed';
    if (states.every((s) => s.state?.terminated?.exitCode === 0) && installs.every((s) => s?.state?.terminated?.exitCode === 0 || s?.ready)) return 'installed';
    return 'waiting';
  };
  return inits.map((x) => ({ id: x.name.slice('provider-'.length), image: x.image, state: stateOf(x.name) }))
    .sort((a, b) => compareStrings(a.id, b.id));
}

function conditionOf(o: K8sObject, type: string): any {
  return ((o.status?.conditions ?? []) as any[]).find((x) => x.type === type && x.status === 'True');
}

function job(ctx: Ctx, d: K8sObject, l: K8sObject): string {
  const failed = conditionOf(l, 'Failed');
  if (failed) {
    ctx.problem(ref(d), `failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`, jobPodDetails(ctx, l.metadata.name));
    return `${ref(d)} failed`;
  }
  if (conditionOf(l, 'Complete')) return `${ref(d)} complete`;
  const containers = new Map<string, any>((d.spec?.template?.spec?.containers ?? []).map((x: any) => [x.name, x]));
  for (const p of jobPods(ctx, l.metadata.name)) podFindings(ctx, p, containers);
  ctx.info(ref(d), `running${l.status?.startTime ? ` since ${l.status.startTime}` : ''} (${l.status?.active ?? 0} active, ${l.status?.failed ?? 0} failed pods)`);
  return `${ref(d)} running`;
}

/** The termination messages of a Job's failed pods, or how to read its log. */
function jobPodDetails(ctx: Ctx, jobName: string): string[] {
  const out: string[] = [];
  for (const p of jobPods(ctx, jobName)) {
    for (const s of (p.status?.containerStatuses ?? []) as any[]) {
      const t = s.state?.terminated;
      if (t && t.exitCode !== 0 && t.message) out.push(`Pod/${p.metadata.name} ${s.name} (exit code ${t.exitCode}):`, ...t.message.split('\n').filter((x: string) => x.trim()).map((x: string) => `  ${x}`));
    }
  }
  return [...out, `the log: kubectl logs -n ${ctx.c.namespace} job/${jobName}`];
}

function cronJob(ctx: Ctx, d: K8sObject, l: K8sObject): string {
  const name = d.metadata.name;
  const jobs = ctx.liveOfKind('Job')
    .filter((j) => (j.metadata.ownerReferences ?? []).some((o) => o.kind === 'CronJob' && o.name === name))
    .sort((a, b) => compareTuples([a.metadata.creationTimestamp ?? '', a.metadata.name], [b.metadata.creationTimestamp ?? '', b.metadata.name]));
  const last = jobs[jobs.length - 1];
  const lastSuccess = l.status?.lastSuccessfulTime;
  const success = lastSuccess ? `last success ${lastSuccess} (${duration(seconds(ctx.now, new Date(lastSuccess)))} ago)` : 'no successful run yet';
  if (l.spec?.suspend) ctx.info(ref(d), 'is suspended (spec.suspend): no runs are started');
  if (!last) {
    if (l.status?.lastScheduleTime) ctx.info(ref(d), `last run scheduled ${l.status.lastScheduleTime}; its Job is gone; ${success}`);
    else ctx.info(ref(d), `has not run yet (schedule ${l.spec?.schedule ?? d.spec?.schedule})`);
    return `${ref(d)} no run`;
  }
  const failed = conditionOf(last, 'Failed');
  if (failed) {
    ctx.problem(ref(d), `last run ${ref(last)} failed: ${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}; ${success}`, jobPodDetails(ctx, last.metadata.name));
    return `${ref(d)} last run failed`;
  }
  if (conditionOf(last, 'Complete')) return `${ref(d)} last run succeeded${last.status?.completionTime ? ` ${last.status.completionTime}` : ''}`;
  ctx.info(ref(d), `run ${ref(last)} is in progress; ${success}`);
  return `${ref(d)} running`;
}

function probeFinding(ctx: Ctx, p: ProbeResult): void {
  const obj = `probe ${p.path}`;
  if (!p.ok) {
    ctx.problem(obj, `failed: ${p.error ?? 'no answer'}`, ['through the API server\'s Service proxy (kubectl get --raw); the Service has no ready endpoint, or the server answers with an error']);
    return;
  }
  const b: any = p.body;
  if (p.path === '/v1/health') {
    if (b && typeof b === 'object' && b.status !== undefined && b.status !== 'OK') ctx.problem(obj, `status ${String(b.status)}`);
    else ctx.info(obj, b && typeof b === 'object' && b.status ? `status ${String(b.status)}` : 'OK');
  } else if (p.path === '/v1/version') {
    ctx.info(obj, `server version ${b && typeof b === 'object' && b.version ? String(b.version) : JSON.stringify(b)}`);
  } else if (p.path === '/v1/providers') {
    const data = (b && typeof b === 'object' && Array.isArray(b.data) ? b.data : []) as any[];
    const lines = data.map((x) => `${x.api}: ${x.provider_id} (${x.provider_type})${x.health?.status ? ` health ${x.health.status}${x.health.message ? `: ${x.health.message}` : ''}` : ''}`)
      .sort(compareStrings);
    const bad = data.filter((x) => x.health?.status === 'Error');
    if (bad.length > 0) ctx.problem(obj, `${bad.length} provider(s) report health Error`, lines);
    else ctx.info(obj, `${data.length} provider(s)`, lines);
  } else {
    ctx.info(obj, 'OK');
  }
}

function short(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 8)}...` : hash;
}

function seconds(now: Date, then: Date): number {
  return Math.max(0, Math.floor((now.getTime() - then.getTime()) / 1000));
}

/** `45s`, `12m`, `1h05m`, `2d3h`. */
export function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
