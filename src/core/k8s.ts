/**
 * The one place that names the cdk8s-plus package. The library emits Kubernetes objects through
 * the generated L1 bindings (`k8s.KubeXxx`) that cdk8s-plus ships, so output has no hidden
 * defaults (replicas, resources, automatic probes) and names are exactly the ones we choose.
 *
 * cdk8s-plus is an implementation detail: no type of it is in the public API. Objects are made with
 * {@link kube}, typed `ApiObject`, so that the JSON patches users add through the escape hatches
 * (`stack.deployment.addJsonPatch(...)`) apply to the final JSON: a `k8s.KubeXxx` applies them before its
 * typed mapping, which drops fields its Kubernetes version does not know and plain numbers in
 * `IntOrString` fields (ports), so a patch would silently not reach the output.
 *
 * Props that are plain data (nearly all the library emits) are written without the binding's mapper and
 * cdk8s's resolve pass, which give the same JSON for them (test/core/k8s.test.ts compares both on every
 * example) but were two thirds of a 1000-model synth; the rest (a Lazy, a renamed field, an app with its
 * own resolvers) goes the binding's way.
 */
import { ApiObject, App, GroupVersionKind, ImplicitTokenResolver, IResolver, JsonPatch, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

export { k8s };

type Mapper = (props: any) => Record<string, any> | undefined;

/** A generated binding class: its GVK, and its constructor for the props type. */
export interface KubeClass<P> {
  readonly GVK: GroupVersionKind;
  readonly name: string;
  new (scope: Construct, id: string, props: P): ApiObject;
}

/** The typed-props-to-JSON mapping of each binding the library emits. */
const MAPPERS = new Map<unknown, Mapper>([
  [k8s.KubeConfigMap, k8s.toJson_KubeConfigMapProps],
  [k8s.KubeCronJob, k8s.toJson_KubeCronJobProps],
  [k8s.KubeDeployment, k8s.toJson_KubeDeploymentProps],
  [k8s.KubeHorizontalPodAutoscalerV2, k8s.toJson_KubeHorizontalPodAutoscalerV2Props],
  [k8s.KubeIngress, k8s.toJson_KubeIngressProps],
  [k8s.KubeJob, k8s.toJson_KubeJobProps],
  [k8s.KubeNamespace, k8s.toJson_KubeNamespaceProps],
  [k8s.KubeNetworkPolicy, k8s.toJson_KubeNetworkPolicyProps],
  [k8s.KubePersistentVolumeClaim, k8s.toJson_KubePersistentVolumeClaimProps],
  [k8s.KubePodDisruptionBudget, k8s.toJson_KubePodDisruptionBudgetProps],
  [k8s.KubeResourceQuota, k8s.toJson_KubeResourceQuotaProps],
  [k8s.KubeService, k8s.toJson_KubeServiceProps],
  [k8s.KubeServiceAccount, k8s.toJson_KubeServiceAccountProps],
]);

/**
 * A Kubernetes object from typed props (`k8s.XxxSpec`, with `Quantity` and `IntOrString` values), emitted as
 * `type` would emit it (same JSON, same bytes), whose JSON patches apply to that final JSON.
 */
export function kube<P>(type: KubeClass<P>, scope: Construct, id: string, props: P): ApiObject {
  const toJson = MAPPERS.get(type);
  if (toJson === undefined) throw new Error(`src/core/k8s.ts has no JSON mapping for ${type.name}: add it to MAPPERS`);
  return new KubeObject(scope, id, type.GVK, toJson, props as object);
}

/**
 * The bindings' typed props whose JSON name differs from the TypeScript one (`'hostIP': obj.hostIp` in
 * cdk8s-plus-28's generated mappers; test/core/k8s.test.ts reads them from the bindings).
 */
export const RENAMED_PROPS: ReadonlySet<string> = new Set([
  'clientIp', 'clusterIp', 'datasetUuid', 'diskUri', 'downwardApi', 'externalId', 'hostIp', 'hostIpc', 'hostPid',
  'insecureSkipTlsVerify', 'loadBalancerIp', 'nodeId', 'nonResourceUrLs', 'openApiv3Schema', 'pdId', 'podCidRs',
  'podCidr', 'providerId', 'ref', 'scaleIo', 'schema', 'setHostnameAsFqdn', 'storagePolicyId',
  'targetCpuUtilizationPercentage', 'targetWwNs', 'volumeId', 'xKubernetesEmbeddedResource', 'xKubernetesIntOrString',
  'xKubernetesListMapKeys', 'xKubernetesListType', 'xKubernetesMapType', 'xKubernetesPreserveUnknownFields',
  'xKubernetesValidations',
]);

/**
 * Typed props as the JSON the binding's mapper makes of them, without the mapper: quantities and
 * int-or-strings unwrapped, null and undefined values left out, keys sorted as cdk8s sorts them.
 * `undefined` when the mapper must do it: a key it renames anywhere (map keys included), or a value that
 * is not plain data (a Lazy, for cdk8s to resolve).
 */
export function plainJson(value: unknown): unknown {
  if (value instanceof k8s.Quantity || value instanceof k8s.IntOrString) return value.value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const p = plainJson(v);
      if (p === undefined) return undefined;
      out.push(p);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    if (RENAMED_PROPS.has(k)) return undefined;
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || v === null) continue;
    const p = plainJson(v);
    if (p === undefined) return undefined;
    out[k] = p;
  }
  return out;
}

/** cdk8s's own resolvers, which leave plain data as it is (they resolve Lazy, tokens and NumberStringUnion). */
function isBuiltInResolver(r: IResolver): boolean {
  return r instanceof LazyResolver || r instanceof ImplicitTokenResolver || r instanceof NumberStringUnionResolver;
}

/** Exported for tests only; not in the API (index.ts). */
export class KubeObject extends ApiObject {
  private readonly finalPatches: JsonPatch[] = [];

  constructor(scope: Construct, id: string, private readonly gvk: GroupVersionKind, private readonly mapper: Mapper, private readonly raw: object) {
    super(scope, id, { ...gvk, ...raw });
  }

  /**
   * The JSON of the object (before patches) as the mapper would make it, read at synth (props may change until
   * then), or undefined when the mapper must make it.
   */
  public plain(): Record<string, unknown> | undefined {
    // An app's own resolvers may change any value: then cdk8s resolves and the mapper maps, as for a binding.
    if (!App.of(this).resolvers.every(isBuiltInResolver)) return undefined;
    const { metadata: _, ...rest } = this.raw as Record<string, unknown>;
    const body = plainJson(rest) as Record<string, unknown> | undefined;
    const metadata = body && plainJson(this.metadata.toJson());
    if (body === undefined || metadata === undefined) return undefined;
    return { apiVersion: this.gvk.apiVersion, kind: this.gvk.kind, metadata, ...body };
  }

  /** The JSON (before patches) as the binding makes it: cdk8s resolves the props, the generated mapper maps them. */
  public mapped(): Record<string, unknown> {
    return { apiVersion: this.gvk.apiVersion, kind: this.gvk.kind, ...this.mapper(super.toJson()) };
  }

  /** Patches apply to the JSON this object emits (after the typed mapping), in the order they were added. */
  public addJsonPatch(...ops: JsonPatch[]): void {
    this.finalPatches.push(...ops);
  }

  public toJson(): any {
    const mapped = this.plain() ?? this.mapped();
    if (this.finalPatches.length === 0) return mapped;
    let patched: Record<string, unknown>;
    try {
      patched = JsonPatch.apply(mapped, ...this.finalPatches);
    } catch (e) {
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
    const out: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (k in patched) out[k] = patched[k];
    return out;
  }
}
