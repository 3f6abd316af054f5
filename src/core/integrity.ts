/** App-wide integrity: no two objects of the app may be the same Kubernetes object. */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationIssue } from './errors';
import { compareStrings } from './order';

/** Kinds that live outside namespaces (by API group), so that their namespace never counts. */
const CLUSTER_SCOPED: Record<string, readonly string[]> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'admissionregistration.k8s.io': ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
  'scheduling.k8s.io': ['PriorityClass'],
  'networking.k8s.io': ['IngressClass'],
  'node.k8s.io': ['RuntimeClass'],
  'apiregistration.k8s.io': ['APIService'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
};

/**
 * Two objects with one API group, kind, namespace and name overwrite each other when applied (and with
 * one file per resource, one file replaces the other): each pair is an issue naming both construct
 * paths. An object without a namespace counts in its chart's namespace, as kubectl applies it there (or,
 * without one either, in whatever namespace kubectl uses: the same for all of them).
 */
export function duplicateObjects(root: IConstruct): ValidationIssue[] {
  const seen = new Map<string, ApiObject>();
  const issues: ValidationIssue[] = [];
  const objects = root.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  // Report the later path against the earlier one, in path order, whatever the creation order.
  objects.sort((a, b) => compareStrings(a.node.path, b.node.path));
  for (const obj of objects) {
    const group = obj.apiGroup === 'core' ? '' : obj.apiGroup;
    const clusterScoped = CLUSTER_SCOPED[group]?.includes(obj.kind) ?? false;
    const namespace = clusterScoped ? '' : obj.metadata.namespace ?? '';
    const key = JSON.stringify([group, obj.kind, namespace, obj.name]);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, obj);
      continue;
    }
    const where = clusterScoped ? '' : namespace ? ` in namespace '${namespace}'` : ' (no namespace)';
    issues.push({
      construct: obj.node.path,
      path: 'metadata.name',
      message: `${obj.kind} '${obj.name}'${where} is also emitted by ${first.node.path}; applied, one would overwrite the other`,
      hint: 'give one of the two constructs another name (the `name` prop; for a VllmModel, `name` or `environment`), or put it in another namespace',
    });
  }
  return issues;
}
