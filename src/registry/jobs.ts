/** Pod, label and annotation builders shared by the registry's Jobs and CronJob. */
import { Lazy } from 'cdk8s';
import { ENV } from './scripts';
import { ENTRY_LABEL, IMAGE_UID, RegistryPlan } from './validation';

export { ENTRY_LABEL };
import { k8s } from '../core/k8s';
import { toK8sVolume } from '../core/kube-types';
import { standardLabels } from '../core/labels';
import { podFields } from '../core/pod-settings';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { sha256 } from '../core/yaml';

/** Where the ConfigMap with the SQL and scripts is mounted. */
export const SCRIPTS_DIR = '/etc/model-registry';

/** Argo CD sync waves: migrations, then (wave 0) the model servers, then registrations, then the reconcile step. */
export const MIGRATION_WAVE = -10;
export const REGISTRATION_WAVE = 10;
export const RECONCILE_WAVE = 20;


export type Component = 'migration' | 'registration' | 'health-check' | 'reconcile' | 'registry';

/** Labels that select the pods of one component of one registry. */
export function podSelector(registry: string, component: Component, entry?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'model-registry',
    'app.kubernetes.io/instance': registry,
    'app.kubernetes.io/component': component,
    ...(entry ? { [ENTRY_LABEL]: entry } : {}),
  };
}

export function objectLabels(registry: string, component: Component, entry?: string): Record<string, string> {
  return { ...standardLabels({ name: 'model-registry', instance: registry, component }), ...(entry ? { [ENTRY_LABEL]: entry } : {}) };
}

export function waveAnnotations(wave: number): Record<string, string> {
  return { 'argocd.argoproj.io/sync-wave': String(wave) };
}

/**
 * A Job that Argo CD runs as a Sync hook in `wave` (after the wave's other objects are applied, before
 * the next wave), re-creates before each run, and does not report as out of sync once its TTL deleted it.
 */
export function hookAnnotations(wave: number): Record<string, string> {
  return {
    ...waveAnnotations(wave),
    'argocd.argoproj.io/hook': 'Sync',
    'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
  };
}

export interface PodOptions {
  readonly plan: RegistryPlan;
  readonly configMapName: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly script: string;
  readonly appName: string;
  readonly env: k8s.EnvVar[];
  /** Variables only known at synth (they depend on constructs made later), after `env`. */
  readonly lateEnv?: () => k8s.EnvVar[];
}

/**
 * Every registry Job: a pod evicted by a drain, preemption or the API (condition `DisruptionTarget`) is
 * retried without counting against `backoffLimit`, so a node drain cannot fail a registration or a
 * migration, not even the health check's `backoffLimit: 0` runs.
 */
export const RETRY_EVICTED_PODS: k8s.PodFailurePolicy = {
  rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
};

/** The pod of every registry Job: psql image, non-root, read-only root, the scripts ConfigMap, the Secret as env. */
export function jobPod(o: PodOptions): k8s.PodTemplateSpec {
  const q = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, k8s.Quantity.fromString(m[k])]));
  const env: k8s.EnvVar[] = [
    { name: ENV.databaseUrl, valueFrom: { secretKeyRef: { name: o.plan.database.secretName, key: o.plan.database.secretKey } } },
    { name: 'PGAPPNAME', value: o.appName },
    { name: 'PGCONNECT_TIMEOUT', value: '10' },
    { name: 'PGCLIENTENCODING', value: 'UTF8' },
    { name: 'HOME', value: '/tmp' },
    ...o.env,
  ];
  const lateEnv = o.lateEnv;
  return {
    metadata: { labels: { ...o.plan.pod.podLabels, ...o.labels }, annotations: o.plan.pod.podAnnotations },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: o.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(IMAGE_UID, IMAGE_UID),
      ...podFields(o.plan.pod),
      containers: [{
        name: 'psql',
        image: o.plan.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', `${SCRIPTS_DIR}/${o.script}`],
        // The scripts' last lines (why it failed) become the termination message that `kubectl describe` shows.
        terminationMessagePolicy: 'FallbackToLogsOnError',
        env: lateEnv ? Lazy.any({ produce: () => [...env, ...lateEnv()] }) : env,
        resources: { requests: q(o.plan.resources.requests), limits: q(o.plan.resources.limits) },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
          { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          ...(o.plan.pod.volumeMounts ?? []),
        ],
        envFrom: o.plan.pod.envFrom,
      }],
      volumes: [
        { name: 'scripts', configMap: { name: o.configMapName, defaultMode: 0o444 } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        ...(o.plan.pod.volumes ?? []).map(toK8sVolume),
      ],
    },
  };
}

/** `<base>-<first 8 hex of sha256(content)>`: a change of content is a new object name. */
export function hashedName(base: string, content: unknown): string {
  return `${base}-${sha256(JSON.stringify(content)).slice(0, 8)}`;
}

/**
 * An object name that is only known at synth, because it hashes content that constructs created later
 * add to (the reconcile Job's declared entries). cdk8s resolves it like any Lazy; it also reads as the
 * final string where a name is used as text or as a key (messages, the app's duplicate-object check), so
 * that it is never compared as an object.
 */
export function lateName(produce: () => string): string {
  const name = Lazy.any({ produce });
  Object.defineProperty(name, 'toString', { value: produce });
  Object.defineProperty(name, 'toJSON', { value: produce });
  return name as string;
}
