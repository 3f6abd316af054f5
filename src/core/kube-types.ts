/**
 * The Kubernetes structs the public API takes (tolerations, affinity, topology spread, env, envFrom,
 * volumes, mounts), as this library's own types with Kubernetes' field names, so that no cdk8s-plus type is
 * in the API (a user's app may use another cdk8s-plus than the one the library emits with). Their shapes for
 * the props checks (unknown keys are errors with their path), and their conversion to the cdk8s-plus bindings
 * (`src/core/k8s.ts`), which need `Quantity` objects and call the downward API `downwardApi`.
 *
 * The fields are those of Kubernetes 1.28 (the API version the library emits); Volume takes the sources
 * the Pod Security Standards restricted profile allows except `ephemeral` (add that through the
 * Deployment's escape hatch, `addJsonPatch`).
 */
import { k8s } from './k8s';
import { Shape } from './shape';

/** A toleration (Kubernetes `core/v1 Toleration`). */
export interface Toleration {
  /**
   * The taint key; empty with `Exists` matches every taint.
   * @default - every key (with operator `Exists`)
   */
  readonly key?: string;
  /**
   * `Exists` or `Equal`.
   * @default 'Equal'
   */
  readonly operator?: string;
  /**
   * The taint value (with `Equal`).
   * @default - empty
   */
  readonly value?: string;
  /**
   * `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
   * @default - every effect
   */
  readonly effect?: string;
  /**
   * With `NoExecute`: how long the pod stays bound after the taint is added.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/** A label selector requirement (`matchExpressions` item). */
export interface LabelSelectorRequirement {
  /** The label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  /**
   * Values, for `In` and `NotIn`.
   * @default - none
   */
  readonly values?: string[];
}

/** A label selector (Kubernetes `meta/v1 LabelSelector`). */
export interface LabelSelector {
  /**
   * Labels the objects must have.
   * @default - none
   */
  readonly matchLabels?: { [key: string]: string };
  /**
   * Requirements the objects' labels must meet.
   * @default - none
   */
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/** A node selector requirement (`matchExpressions`/`matchFields` item). */
export interface NodeSelectorRequirement {
  /** The label key (or field name, in `matchFields`). */
  readonly key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`. */
  readonly operator: string;
  /**
   * Values (one integer for `Gt` and `Lt`; none for `Exists` and `DoesNotExist`).
   * @default - none
   */
  readonly values?: string[];
}

/** A node selector term: all its requirements must hold. */
export interface NodeSelectorTerm {
  /**
   * Requirements on node labels.
   * @default - none
   */
  readonly matchExpressions?: NodeSelectorRequirement[];
  /**
   * Requirements on node fields.
   * @default - none
   */
  readonly matchFields?: NodeSelectorRequirement[];
}

/** Node selector terms, any of which must hold. */
export interface NodeSelector {
  /** The terms (ORed). */
  readonly nodeSelectorTerms: NodeSelectorTerm[];
}

/** A weighted node preference. */
export interface PreferredSchedulingTerm {
  /** 1-100. */
  readonly weight: number;
  /** The preferred nodes. */
  readonly preference: NodeSelectorTerm;
}

/** Node affinity. */
export interface NodeAffinity {
  /**
   * Nodes the pods must run on.
   * @default - any node
   */
  readonly requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  /**
   * Nodes the pods should run on.
   * @default - none
   */
  readonly preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

/** Pods near (or away from) which the pods run. */
export interface PodAffinityTerm {
  /** The node label that defines "near", e.g. `kubernetes.io/hostname` or `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /**
   * The pods.
   * @default - no pods
   */
  readonly labelSelector?: LabelSelector;
  /**
   * Namespaces of the pods.
   * @default - the pod's own namespace
   */
  readonly namespaces?: string[];
  /**
   * Namespaces of the pods, by label (ORed with `namespaces`).
   * @default - none
   */
  readonly namespaceSelector?: LabelSelector;
}

/** A weighted pod-affinity term. */
export interface WeightedPodAffinityTerm {
  /** 1-100. */
  readonly weight: number;
  /** The term. */
  readonly podAffinityTerm: PodAffinityTerm;
}

/** Pod affinity or anti-affinity. */
export interface PodAffinity {
  /**
   * Terms that must hold.
   * @default - none
   */
  readonly requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  /**
   * Terms that should hold.
   * @default - none
   */
  readonly preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}

/** Scheduling affinity (Kubernetes `core/v1 Affinity`). */
export interface Affinity {
  /**
   * Node affinity.
   * @default - none
   */
  readonly nodeAffinity?: NodeAffinity;
  /**
   * Pod affinity.
   * @default - none
   */
  readonly podAffinity?: PodAffinity;
  /**
   * Pod anti-affinity.
   * @default - none
   */
  readonly podAntiAffinity?: PodAffinity;
}

/** A topology spread constraint (Kubernetes `core/v1 TopologySpreadConstraint`). */
export interface TopologySpreadConstraint {
  /** The largest allowed difference of matching pods between two domains. */
  readonly maxSkew: number;
  /** The node label that defines a domain, e.g. `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /** `DoNotSchedule` or `ScheduleAnyway`. */
  readonly whenUnsatisfiable: string;
  /**
   * The pods counted.
   * @default - none
   */
  readonly labelSelector?: LabelSelector;
  /**
   * Pod label keys whose values are added to the selector (e.g. `pod-template-hash`).
   * @default - none
   */
  readonly matchLabelKeys?: string[];
  /**
   * Minimum number of eligible domains (with `DoNotSchedule`).
   * @default - 1
   */
  readonly minDomains?: number;
  /**
   * `Honor` or `Ignore`.
   * @default 'Honor'
   */
  readonly nodeAffinityPolicy?: string;
  /**
   * `Honor` or `Ignore`.
   * @default 'Ignore'
   */
  readonly nodeTaintsPolicy?: string;
}

/** A key of a Secret. */
export interface SecretKeySelector {
  /** The Secret's name. */
  readonly name: string;
  /** The key. */
  readonly key: string;
  /**
   * Whether the Secret or key may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** A key of a ConfigMap. */
export interface ConfigMapKeySelector {
  /** The ConfigMap's name. */
  readonly name: string;
  /** The key. */
  readonly key: string;
  /**
   * Whether the ConfigMap or key may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** A field of the pod (downward API). */
export interface ObjectFieldSelector {
  /** e.g. `metadata.name`, `metadata.namespace`, `status.podIP`, `spec.nodeName`. */
  readonly fieldPath: string;
  /**
   * @default 'v1'
   */
  readonly apiVersion?: string;
}

/** A resource request or limit of a container (downward API). */
export interface ResourceFieldSelector {
  /** e.g. `limits.memory`, `requests.cpu`. */
  readonly resource: string;
  /**
   * The container.
   * @default - this container (required in volumes)
   */
  readonly containerName?: string;
  /**
   * The unit, a quantity such as `1Mi` or `1m`.
   * @default '1'
   */
  readonly divisor?: string;
}

/** Where an env var's value comes from (exactly one field). */
export interface EnvVarSource {
  /**
   * A key of a Secret.
   * @default - none
   */
  readonly secretKeyRef?: SecretKeySelector;
  /**
   * A key of a ConfigMap.
   * @default - none
   */
  readonly configMapKeyRef?: ConfigMapKeySelector;
  /**
   * A field of the pod.
   * @default - none
   */
  readonly fieldRef?: ObjectFieldSelector;
  /**
   * A resource of a container.
   * @default - none
   */
  readonly resourceFieldRef?: ResourceFieldSelector;
}

/** A container env var (Kubernetes `core/v1 EnvVar`). */
export interface EnvVar {
  /** The name. */
  readonly name: string;
  /**
   * The value (`$(VAR)` references other env vars).
   * @default - empty, or from `valueFrom`
   */
  readonly value?: string;
  /**
   * Where the value comes from.
   * @default - `value`
   */
  readonly valueFrom?: EnvVarSource;
}

/** An object of the pod's namespace by name (Kubernetes `core/v1 LocalObjectReference`). */
export interface LocalObjectReference {
  /** Its name. */
  readonly name: string;
}

/** A ConfigMap or Secret whose keys become env vars. */
export interface EnvFromRef extends LocalObjectReference {
  /**
   * Whether it may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** Env vars from every key of a ConfigMap or Secret (Kubernetes `core/v1 EnvFromSource`; one of the refs). */
export interface EnvFromSource {
  /**
   * A ConfigMap.
   * @default - none
   */
  readonly configMapRef?: EnvFromRef;
  /**
   * A Secret.
   * @default - none
   */
  readonly secretRef?: EnvFromRef;
  /**
   * A prefix for every name.
   * @default - none
   */
  readonly prefix?: string;
}

/** A volume mount (Kubernetes `core/v1 VolumeMount`). */
export interface VolumeMount {
  /** The volume's name. */
  readonly name: string;
  /** Where it is mounted in the container. */
  readonly mountPath: string;
  /**
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   * @default - the root
   */
  readonly subPath?: string;
  /**
   * Like `subPath`, with `$(VAR)` env references expanded.
   * @default - none
   */
  readonly subPathExpr?: string;
  /**
   * `None`, `HostToContainer` or `Bidirectional`.
   * @default 'None'
   */
  readonly mountPropagation?: string;
}

/** A key of a ConfigMap or Secret as a file. */
export interface KeyToPath {
  /** The key. */
  readonly key: string;
  /** The file's path in the volume. */
  readonly path: string;
  /**
   * File mode (octal in YAML, e.g. 0o440 in TypeScript).
   * @default - the volume's defaultMode
   */
  readonly mode?: number;
}

/** An emptyDir volume. */
export interface EmptyDirVolumeSource {
  /**
   * `Memory` for a tmpfs.
   * @default - the node's disk
   */
  readonly medium?: string;
  /**
   * Size limit, a quantity such as `1Gi`.
   * @default - none
   */
  readonly sizeLimit?: string;
}

/** A ConfigMap volume. */
export interface ConfigMapVolumeSource {
  /** The ConfigMap's name. */
  readonly name: string;
  /**
   * The keys to project (others are left out).
   * @default - every key, as a file of its name
   */
  readonly items?: KeyToPath[];
  /**
   * File mode.
   * @default 0o644
   */
  readonly defaultMode?: number;
  /**
   * Whether the ConfigMap may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** A Secret volume. */
export interface SecretVolumeSource {
  /** The Secret's name. */
  readonly secretName: string;
  /**
   * The keys to project (others are left out).
   * @default - every key, as a file of its name
   */
  readonly items?: KeyToPath[];
  /**
   * File mode.
   * @default 0o644
   */
  readonly defaultMode?: number;
  /**
   * Whether the Secret may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** A PersistentVolumeClaim volume. */
export interface PersistentVolumeClaimVolumeSource {
  /** The claim's name (in the pod's namespace). */
  readonly claimName: string;
  /**
   * @default false
   */
  readonly readOnly?: boolean;
}

/** A file of pod fields or container resources. */
export interface DownwardApiVolumeFile {
  /** The file's path in the volume. */
  readonly path: string;
  /**
   * A field of the pod.
   * @default - none
   */
  readonly fieldRef?: ObjectFieldSelector;
  /**
   * A resource of a container (`containerName` is required here).
   * @default - none
   */
  readonly resourceFieldRef?: ResourceFieldSelector;
  /**
   * File mode.
   * @default - the volume's defaultMode
   */
  readonly mode?: number;
}

/** A downward API volume. */
export interface DownwardApiVolumeSource {
  /** The files. */
  readonly items: DownwardApiVolumeFile[];
  /**
   * File mode.
   * @default 0o644
   */
  readonly defaultMode?: number;
}

/** A ConfigMap or Secret in a projected volume. */
export interface ProjectedObject {
  /** Its name. */
  readonly name: string;
  /**
   * The keys to project.
   * @default - every key
   */
  readonly items?: KeyToPath[];
  /**
   * Whether it may be missing.
   * @default false
   */
  readonly optional?: boolean;
}

/** A ServiceAccount token in a projected volume. */
export interface ServiceAccountTokenProjection {
  /** The file's path in the volume. */
  readonly path: string;
  /**
   * The token's audience.
   * @default - the API server's
   */
  readonly audience?: string;
  /**
   * Requested lifetime (at least 600).
   * @default 3600
   */
  readonly expirationSeconds?: number;
}

/** Downward API files in a projected volume. */
export interface DownwardApiProjection {
  /** The files. */
  readonly items: DownwardApiVolumeFile[];
}

/** One source of a projected volume (exactly one field). */
export interface VolumeProjection {
  /**
   * A ConfigMap.
   * @default - none
   */
  readonly configMap?: ProjectedObject;
  /**
   * A Secret.
   * @default - none
   */
  readonly secret?: ProjectedObject;
  /**
   * A ServiceAccount token.
   * @default - none
   */
  readonly serviceAccountToken?: ServiceAccountTokenProjection;
  /**
   * Pod fields and container resources.
   * @default - none
   */
  readonly downwardAPI?: DownwardApiProjection;
}

/** A projected volume: several sources in one directory. */
export interface ProjectedVolumeSource {
  /** The sources. */
  readonly sources: VolumeProjection[];
  /**
   * File mode.
   * @default 0o644
   */
  readonly defaultMode?: number;
}

/** A CSI volume (e.g. the Secrets Store CSI driver). */
export interface CsiVolumeSource {
  /** The driver's name. */
  readonly driver: string;
  /**
   * Driver-specific attributes.
   * @default - none
   */
  readonly volumeAttributes?: { [key: string]: string };
  /**
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Filesystem type.
   * @default - the driver's
   */
  readonly fsType?: string;
  /**
   * A Secret (by name) the driver needs to mount.
   * @default - none
   */
  readonly nodePublishSecretRef?: LocalObjectReference;
}

/**
 * A pod volume (Kubernetes `core/v1 Volume`): a name and exactly one source. The sources here are those the
 * Pod Security Standards restricted profile allows, except `ephemeral`, which goes through an escape hatch.
 */
export interface Volume {
  /** The volume's name (mounts refer to it). */
  readonly name: string;
  /**
   * @default - none
   */
  readonly emptyDir?: EmptyDirVolumeSource;
  /**
   * @default - none
   */
  readonly configMap?: ConfigMapVolumeSource;
  /**
   * @default - none
   */
  readonly secret?: SecretVolumeSource;
  /**
   * @default - none
   */
  readonly persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
  /**
   * @default - none
   */
  readonly projected?: ProjectedVolumeSource;
  /**
   * @default - none
   */
  readonly downwardAPI?: DownwardApiVolumeSource;
  /**
   * @default - none
   */
  readonly csi?: CsiVolumeSource;
}

// ---- shapes (unknown keys are errors with their path) ----

const LABELS: Shape = { map: 'string' };
const STRINGS: Shape = { arr: 'string' };

export const TOLERATION_SHAPE: Shape = {
  obj: { key: 'string', operator: 'string', value: 'string', effect: 'string', tolerationSeconds: 'number' },
};
export const LABEL_SELECTOR_SHAPE: Shape = {
  obj: { matchLabels: LABELS, matchExpressions: { arr: { obj: { key: 'string', operator: 'string', values: STRINGS } } } },
};
const NODE_SELECTOR_TERM: Shape = {
  obj: {
    matchExpressions: { arr: { obj: { key: 'string', operator: 'string', values: STRINGS } } },
    matchFields: { arr: { obj: { key: 'string', operator: 'string', values: STRINGS } } },
  },
};
const POD_AFFINITY_TERM: Shape = {
  obj: { topologyKey: 'string', labelSelector: LABEL_SELECTOR_SHAPE, namespaces: STRINGS, namespaceSelector: LABEL_SELECTOR_SHAPE },
};
const POD_AFFINITY: Shape = {
  obj: {
    requiredDuringSchedulingIgnoredDuringExecution: { arr: POD_AFFINITY_TERM },
    preferredDuringSchedulingIgnoredDuringExecution: { arr: { obj: { weight: 'number', podAffinityTerm: POD_AFFINITY_TERM } } },
  },
};
export const AFFINITY_SHAPE: Shape = {
  obj: {
    nodeAffinity: {
      obj: {
        requiredDuringSchedulingIgnoredDuringExecution: { obj: { nodeSelectorTerms: { arr: NODE_SELECTOR_TERM } } },
        preferredDuringSchedulingIgnoredDuringExecution: { arr: { obj: { weight: 'number', preference: NODE_SELECTOR_TERM } } },
      },
    },
    podAffinity: POD_AFFINITY,
    podAntiAffinity: POD_AFFINITY,
  },
};
export const TOPOLOGY_SPREAD_SHAPE: Shape = {
  obj: {
    maxSkew: 'number',
    topologyKey: 'string',
    whenUnsatisfiable: 'string',
    labelSelector: LABEL_SELECTOR_SHAPE,
    matchLabelKeys: STRINGS,
    minDomains: 'number',
    nodeAffinityPolicy: 'string',
    nodeTaintsPolicy: 'string',
  },
};
const KEY_REF: Shape = { obj: { name: 'string', key: 'string', optional: 'boolean' } };
const FIELD_REF: Shape = { obj: { fieldPath: 'string', apiVersion: 'string' } };
const RESOURCE_REF: Shape = { obj: { resource: 'string', containerName: 'string', divisor: 'string' } };
export const ENV_VAR_SHAPE: Shape = {
  obj: {
    name: 'string',
    value: 'string',
    valueFrom: { obj: { secretKeyRef: KEY_REF, configMapKeyRef: KEY_REF, fieldRef: FIELD_REF, resourceFieldRef: RESOURCE_REF } },
  },
};
const NAME_REF: Shape = { obj: { name: 'string', optional: 'boolean' } };
export const ENV_FROM_SHAPE: Shape = { obj: { configMapRef: NAME_REF, secretRef: NAME_REF, prefix: 'string' } };
export const VOLUME_MOUNT_SHAPE: Shape = {
  obj: { name: 'string', mountPath: 'string', readOnly: 'boolean', subPath: 'string', subPathExpr: 'string', mountPropagation: 'string' },
};
const ITEMS: Shape = { arr: { obj: { key: 'string', path: 'string', mode: 'number' } } };
const DOWNWARD_ITEMS: Shape = { arr: { obj: { path: 'string', fieldRef: FIELD_REF, resourceFieldRef: RESOURCE_REF, mode: 'number' } } };
const PROJECTED_OBJECT: Shape = { obj: { name: 'string', items: ITEMS, optional: 'boolean' } };
/** The sources Volume takes, and their shapes. */
export const VOLUME_SOURCE_SHAPES: Record<string, Shape> = {
  emptyDir: { obj: { medium: 'string', sizeLimit: 'string' } },
  configMap: { obj: { name: 'string', items: ITEMS, defaultMode: 'number', optional: 'boolean' } },
  secret: { obj: { secretName: 'string', items: ITEMS, defaultMode: 'number', optional: 'boolean' } },
  persistentVolumeClaim: { obj: { claimName: 'string', readOnly: 'boolean' } },
  projected: {
    obj: {
      sources: {
        arr: {
          obj: {
            configMap: PROJECTED_OBJECT,
            secret: PROJECTED_OBJECT,
            serviceAccountToken: { obj: { path: 'string', audience: 'string', expirationSeconds: 'number' } },
            downwardAPI: { obj: { items: DOWNWARD_ITEMS } },
          },
        },
      },
      defaultMode: 'number',
    },
  },
  downwardAPI: { obj: { items: DOWNWARD_ITEMS, defaultMode: 'number' } },
  csi: { obj: { driver: 'string', volumeAttributes: LABELS, readOnly: 'boolean', fsType: 'string', nodePublishSecretRef: { obj: { name: 'string' } } } },
};
/**
 * A Volume: its name and sources are checked; another key passes the shape check so that the pod-settings
 * check can say why it is refused (a type the restricted profile forbids, or one to add by escape hatch).
 */
export const VOLUME_SHAPE: Shape = { obj: { name: 'string', ...VOLUME_SOURCE_SHAPES }, open: true };

// ---- conversion to the cdk8s-plus bindings ----

function quantity(q: string | undefined): k8s.Quantity | undefined {
  return q === undefined ? undefined : k8s.Quantity.fromString(q);
}

function resourceField(r: ResourceFieldSelector | undefined): k8s.ResourceFieldSelector | undefined {
  return r === undefined ? undefined : { ...r, divisor: quantity(r.divisor) };
}

function downwardItems(items: DownwardApiVolumeFile[] | undefined): k8s.DownwardApiVolumeFile[] | undefined {
  return items?.map((f) => ({ ...f, resourceFieldRef: resourceField(f.resourceFieldRef) }));
}

/** An EnvVar as the bindings take it (a divisor is a Quantity). */
export function toK8sEnvVar(e: EnvVar): k8s.EnvVar {
  const from = e.valueFrom;
  if (from === undefined) return { ...e, valueFrom: undefined };
  return { ...e, valueFrom: { ...from, resourceFieldRef: resourceField(from.resourceFieldRef) } };
}

/** A Volume as the bindings take it (`downwardApi`, Quantity sizes and divisors). */
export function toK8sVolume(v: Volume): k8s.Volume {
  const { downwardAPI, emptyDir, projected, ...rest } = v;
  return {
    ...rest,
    emptyDir: emptyDir === undefined ? undefined : { ...emptyDir, sizeLimit: quantity(emptyDir.sizeLimit) },
    downwardApi: downwardAPI === undefined ? undefined : { ...downwardAPI, items: downwardItems(downwardAPI.items) },
    projected: projected === undefined ? undefined : {
      ...projected,
      sources: projected.sources?.map(({ downwardAPI: d, ...s }) => ({
        ...s,
        downwardApi: d === undefined ? undefined : { items: downwardItems(d.items) },
      })),
    },
  };
}
