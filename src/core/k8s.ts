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
 */
import { ApiObject, GroupVersionKind, JsonPatch } from 'cdk8s';
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
  return new KubeObject(scope, id, type.GVK, toJson, props);
}

class KubeObject extends ApiObject {
  private readonly finalPatches: JsonPatch[] = [];

  constructor(scope: Construct, id: string, private readonly gvk: GroupVersionKind, private readonly mapper: Mapper, props: unknown) {
    super(scope, id, { ...gvk, ...(props as object) });
  }

  /** Patches apply to the JSON this object emits (after the typed mapping), in the order they were added. */
  public addJsonPatch(...ops: JsonPatch[]): void {
    this.finalPatches.push(...ops);
  }

  public toJson(): any {
    const mapped = { apiVersion: this.gvk.apiVersion, kind: this.gvk.kind, ...this.mapper(super.toJson()) };
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
