import { conformanceProblems, lwsSchemaErrors, openApiErrors, pssViolations, unknownFieldErrors } from './manifests';

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

// A LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) against the vendored upstream CRD schema, and its pods.
const lws = () => {
  const pod = deployment().spec.template;
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: 'l', namespace: 'n' },
    spec: { replicas: 1, leaderWorkerTemplate: { size: 2, leaderTemplate: pod, workerTemplate: deployment().spec.template } },
  };
};

test('a clean LeaderWorkerSet with a policy passes', () => {
  expect(conformanceProblems([lws(), policy])).toEqual([]);
});

test('LeaderWorkerSet: unknown fields (at any depth), wrong types and enum values are reported from the CRD schema', () => {
  const l: any = lws();
  l.spec.leaderWorkerTemplate.sizee = 2;
  l.spec.leaderWorkerTemplate.size = 'two';
  l.spec.leaderWorkerTemplate.restartPolicy = 'Always';
  l.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].imagePullPolicyy = 'Always';
  const e = lwsSchemaErrors(l).join('\n');
  expect(e).toMatch(/\/spec\/leaderWorkerTemplate must NOT have additional properties 'sizee'/);
  expect(e).toMatch(/\/spec\/leaderWorkerTemplate\/size must be integer/);
  expect(e).toMatch(/\/spec\/leaderWorkerTemplate\/restartPolicy must be equal to one of the allowed values/);
  expect(e).toMatch(/containers\/0 must NOT have additional properties 'imagePullPolicyy'/);
  expect(openApiErrors([l]).join('\n')).toMatch(/sizee/);
  expect(unknownFieldErrors([l]).join('\n')).toMatch(/Pod l worker: .*imagePullPolicyy/);
});

test('LeaderWorkerSet: a worker template that breaks restricted, and pods no policy selects, are reported', () => {
  const l: any = lws();
  l.spec.leaderWorkerTemplate.workerTemplate.spec.hostNetwork = true;
  l.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].securityContext.capabilities.add = ['IPC_LOCK'];
  expect(pssViolations(l)).toEqual(['worker: host namespaces', 'worker: c: adds capability IPC_LOCK']);
  expect(conformanceProblems([lws()])).toEqual(['Pod l leader: not selected by any NetworkPolicy', 'Pod l worker: not selected by any NetworkPolicy']);
});
