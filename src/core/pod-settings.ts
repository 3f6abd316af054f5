/**
 * The pod knobs users reach for, in one typed shape shared by every construct that emits pods (LlamaStack's
 * `workload.overrides`, VllmModel's `pod`, the registry's `jobs.pod`), with one check and one merge: a user
 * value that would break a field the construct owns is an error naming the prop that owns it.
 */
import { IssueCollector } from './errors';
import { k8s } from './k8s';
import { ENV_FROM_SHAPE, EnvFromSource, VOLUME_MOUNT_SHAPE, VOLUME_SHAPE, VOLUME_SOURCE_SHAPES, Volume, VolumeMount } from './kube-types';
import { isDnsSubdomain } from './names';
import { Shape } from './shape';
import { checkAnnotations, checkLabels, checkMountPath, isObject } from './validate';

/** Pod settings every construct that runs pods accepts. */
export interface PodSettings {
  /**
   * Names of image pull Secrets (in the construct's namespace).
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Extra pod labels (not the construct's own selector and `app.kubernetes.io/*` labels).
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Extra pod annotations.
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * The pods' PriorityClass.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Annotations of the ServiceAccount the construct creates, e.g. IRSA's `eks.amazonaws.com/role-arn` or
   * GKE workload identity's `iam.gke.io/gcp-service-account`.
   * @default - none
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * Extra pod volumes (types the Pod Security Standards restricted profile allows; an `ephemeral` volume
   * goes through the escape hatch, `addJsonPatch`).
   * @default - none
   */
  readonly volumes?: Volume[];
  /**
   * Extra mounts in the main container (of the volumes above, or the construct's own).
   * @default - none
   */
  readonly volumeMounts?: VolumeMount[];
  /**
   * Env of the main container from ConfigMaps or Secrets (explicit env vars of the construct win).
   * @default - none
   */
  readonly envFrom?: EnvFromSource[];
}

/** Volume types the Pod Security Standards restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const LABELS: Shape = { map: 'string' };

/** The declarative shape of PodSettings, for the constructs' shape checks. */
export const POD_SETTINGS_SHAPE: Record<string, Shape> = {
  imagePullSecrets: { arr: 'string' },
  podLabels: LABELS,
  podAnnotations: LABELS,
  priorityClassName: 'string',
  serviceAccountAnnotations: LABELS,
  volumes: { arr: VOLUME_SHAPE },
  volumeMounts: { arr: VOLUME_MOUNT_SHAPE },
  envFrom: { arr: ENV_FROM_SHAPE },
};

/** What the construct owns in the pod, so that user settings cannot break it. */
export interface OwnedPod {
  /** Volume names the construct uses. */
  readonly volumes: readonly string[];
  /** Mount paths the construct uses (no user mount may overlap them). */
  readonly paths: readonly string[];
  /** Pod label keys the construct sets (selectors, standard labels). */
  readonly labels: readonly string[];
  /** Pod annotation keys the construct sets, with the prop that controls each. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Whether the construct creates the ServiceAccount (annotations need one). */
  readonly createsServiceAccount: boolean;
}

/** Every problem of `s` (at `issues`); checks volumes and mounts against what the construct owns. */
export function checkPodSettings(issues: IssueCollector, s: PodSettings | undefined, owned: OwnedPod): void {
  if (s === undefined || !isObject(s)) return;
  listOf(issues, s.imagePullSecrets, 'imagePullSecrets').forEach((n, i) => {
    if (typeof n !== 'string' || !isDnsSubdomain(n)) issues.add(`'${String(n)}' is not a valid Secret name`, 'use a DNS-1123 subdomain', `imagePullSecrets[${i}]`);
  });
  checkLabels(issues.at('podLabels'), s.podLabels);
  for (const key of Object.keys(isObject(s.podLabels) ? s.podLabels : {})) {
    if (owned.labels.includes(key)) issues.add(`label '${key}' is set by the construct (its pods are selected by it)`, 'use another label key', `podLabels.${key}`);
  }
  checkAnnotations(issues.at('podAnnotations'), s.podAnnotations);
  for (const key of Object.keys(isObject(s.podAnnotations) ? s.podAnnotations : {})) {
    const by = owned.annotations[key];
    if (by !== undefined) issues.add(`annotation '${key}' is set by the construct`, by, `podAnnotations.${key}`);
  }
  if (s.priorityClassName !== undefined && (typeof s.priorityClassName !== 'string' || !isDnsSubdomain(s.priorityClassName))) {
    issues.add(`'${String(s.priorityClassName)}' is not a valid PriorityClass name`, 'use a DNS-1123 subdomain', 'priorityClassName');
  }
  checkAnnotations(issues.at('serviceAccountAnnotations'), s.serviceAccountAnnotations);
  if (s.serviceAccountAnnotations !== undefined && !owned.createsServiceAccount) {
    issues.add('the construct does not create the ServiceAccount (serviceAccountName names your own)', 'annotate your own ServiceAccount instead', 'serviceAccountAnnotations');
  }
  const names = new Set<string>();
  listOf(issues, s.volumes, 'volumes').forEach((v, i) => {
    const at = issues.at('volumes').at(i);
    if (!isObject(v) || typeof v.name !== 'string') return at.add('expected a volume { name, <type>: ... }');
    if (owned.volumes.includes(v.name)) at.add(`volume name '${v.name}' is used by the construct`, `choose another name (taken: ${owned.volumes.join(', ')})`, 'name');
    if (names.has(v.name)) at.add(`volume '${v.name}' is listed twice`, 'remove the duplicate', 'name');
    names.add(v.name);
    const types = Object.keys(v).filter((k) => k !== 'name' && (v as Record<string, unknown>)[k] !== undefined);
    if (types.length > 1) {
      at.add(`a volume has one source, got ${types.join(', ')}`, `use one of: ${RESTRICTED_VOLUME_TYPES.join(', ')}`);
    } else if (types.length === 0 || !RESTRICTED_VOLUME_TYPES.includes(types[0])) {
      at.add(
        types.length === 0 ? 'a volume needs a source' : `volume type '${types[0]}' is not allowed by the Pod Security Standards restricted profile`,
        `use one of: ${RESTRICTED_VOLUME_TYPES.join(', ')}`,
      );
    } else if (!(types[0] in VOLUME_SOURCE_SHAPES)) {
      at.add(
        `volume type '${types[0]}' is not one this library's Volume takes`,
        `add the volume with a JSON patch through the construct's escape hatch (see docs/cdk8s-plus.md), or use one of: ${Object.keys(VOLUME_SOURCE_SHAPES).join(', ')}`,
        types[0],
      );
    }
    return undefined;
  });
  const taken = [...owned.paths];
  listOf(issues, s.volumeMounts, 'volumeMounts').forEach((m, i) => {
    const at = issues.at('volumeMounts').at(i);
    if (!isObject(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string') return at.add('expected { name, mountPath }');
    if (!names.has(m.name) && !owned.volumes.includes(m.name)) at.add(`mounts volume '${m.name}', which is not declared`, 'add it to volumes', 'name');
    checkMountPath(at.at('mountPath'), m.mountPath, taken);
    taken.push(m.mountPath);
    return undefined;
  });
  listOf(issues, s.envFrom, 'envFrom').forEach((e, i) => {
    const ref = isObject(e) ? (e.configMapRef ?? e.secretRef) : undefined;
    if (!isObject(ref) || typeof ref.name !== 'string' || !isDnsSubdomain(ref.name)) {
      issues.add('expected { configMapRef: { name } } or { secretRef: { name } }', undefined, `envFrom[${i}]`);
    }
  });
}

/** The pod-level fields of `s`, for a PodSpec. */
export function podFields(s: PodSettings | undefined): Pick<k8s.PodSpec, 'imagePullSecrets' | 'priorityClassName'> {
  return {
    imagePullSecrets: s?.imagePullSecrets?.map((name) => ({ name })),
    priorityClassName: s?.priorityClassName,
  };
}

function listOf(issues: IssueCollector, v: unknown, field: string): any[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    issues.add('expected a list', undefined, field);
    return [];
  }
  return v;
}
