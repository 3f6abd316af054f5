import { k8s } from './k8s';

/**
 * Pod Security Standards "restricted": non-root, seccomp RuntimeDefault, no privilege escalation,
 * all capabilities dropped. Group 0 matches images that make their writable paths group-0 writable
 * (OpenShift convention, used by the Llama Stack images).
 */
export function restrictedPodSecurityContext(uid: number, gid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(readOnlyRootFilesystem = true): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
