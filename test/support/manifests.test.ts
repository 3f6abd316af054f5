import { conformanceProblems, openApiErrors, pssViolations, unknownFieldErrors } from './manifests';

// The checkers must be able to fail, or the conformance tests that rely on them prove nothing.
const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'n' },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'x:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    },
  },
});
const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'n' }, spec: { podSelector: { matchLabels: { a: 'b' } } } };

test('a clean deployment with a policy passes', () => {
  expect(conformanceProblems([deployment(), policy])).toEqual([]);
});

test('an unknown nested field is reported', () => {
  const d: any = deployment();
  d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
  expect(unknownFieldErrors([d]).join('\n')).toMatch(/imagePullPolicyy/);
});

test('a schema type error is reported', () => {
  const d: any = deployment();
  d.spec.replicas = 'two';
  expect(openApiErrors([d]).join('\n')).toMatch(/replicas/);
});

test('privileged and root pods violate restricted', () => {
  const d: any = deployment();
  d.spec.template.spec.containers[0].securityContext = { privileged: true };
  d.spec.template.spec.volumes = [{ name: 'h', hostPath: { path: '/' } }];
  const v = pssViolations(d).join('\n');
  expect(v).toMatch(/privileged/);
  expect(v).toMatch(/hostPath/);
  expect(v).toMatch(/drop ALL/);
});

test('a workload without a policy is reported', () => {
  expect(conformanceProblems([deployment()])).toEqual(['Deployment d: not selected by any NetworkPolicy']);
});
