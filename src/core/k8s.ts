/**
 * The one place that names the cdk8s-plus package. The library emits Kubernetes objects through
 * the generated L1 bindings (`k8s.KubeXxx`) that cdk8s-plus ships, so output has no hidden
 * defaults (replicas, resources, automatic probes) and names are exactly the ones we choose.
 */
export { k8s } from 'cdk8s-plus-28';
