/** The pod knobs, one shape for every construct that runs pods: merged into the pods, checked against what the construct owns. */
import { Chart, Testing } from 'cdk8s';
import { LlamaStack, ModelRegistry, PodSettings, ValidationError, VllmModel } from '../src';
import { conformanceProblems, Manifest } from './support/manifests';

const settings: PodSettings = {
  imagePullSecrets: ['registry'],
  podLabels: { team: 'ai' },
  podAnnotations: { 'prometheus.io/scrape': 'false' },
  priorityClassName: 'inference-critical',
  serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/llm' },
  volumes: [{ name: 'extra', configMap: { name: 'extra' } }],
  volumeMounts: [{ name: 'extra', mountPath: '/extra', readOnly: true }],
  envFrom: [{ configMapRef: { name: 'extra-env' } }],
};

const builders: Record<string, (chart: Chart, s: PodSettings) => unknown> = {
  LlamaStack: (chart, s) => new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, workload: { overrides: { ...s, affinity: { nodeAffinity: {} } } } }),
  VllmModel: (chart, s) => new VllmModel(chart, 'qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', pod: s }),
};

describe.each(Object.entries(builders))('%s', (_kind, build) => {
  test('every setting lands where it belongs; the output stays conformant', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    build(chart, settings);
    const objs = Testing.synth(chart) as Manifest[];
    const deployment = objs.find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template;
    expect(pod.metadata.labels.team).toBe('ai');
    expect(pod.metadata.labels['app.kubernetes.io/managed-by']).toBe('cdk8s');
    expect(pod.metadata.annotations['prometheus.io/scrape']).toBe('false');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(pod.spec.priorityClassName).toBe('inference-critical');
    expect(pod.spec.volumes).toContainEqual({ name: 'extra', configMap: { name: 'extra' } });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'extra', mountPath: '/extra', readOnly: true });
    expect(pod.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'extra-env' } }]);
    expect(objs.find((o) => o.kind === 'ServiceAccount')!.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/llm' });
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('a value that would break what the construct owns is an error naming the owner', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    let issues: string[] = [];
    try {
      build(chart, {
        podLabels: { 'app.kubernetes.io/instance': 'other' },
        priorityClassName: 'Not_Valid',
        imagePullSecrets: ['Bad_Name'],
        volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'two', emptyDir: {}, hostPath: { path: '/' } } as any, { name: 'host', hostPath: { path: '/' } }],
        volumeMounts: [{ name: 'ghost', mountPath: '/tmp/x' }],
        envFrom: [{} as any],
      });
    } catch (err) {
      issues = (err as ValidationError).issues.map((i) => `${i.path.replace(/^(workload\.overrides|pod)\./, '')}: ${i.message}`);
    }
    expect(issues).toEqual(expect.arrayContaining([
      "imagePullSecrets[0]: 'Bad_Name' is not a valid Secret name",
      "podLabels.app.kubernetes.io/instance: label 'app.kubernetes.io/instance' is set by the construct (its pods are selected by it)",
      "priorityClassName: 'Not_Valid' is not a valid PriorityClass name",
      "volumes[0].name: volume name 'tmp' is used by the construct",
      'volumes[1]: a volume has one source, got emptyDir, hostPath',
      "volumes[2]: volume type 'hostPath' is not allowed by the Pod Security Standards restricted profile",
      "volumeMounts[0].name: mounts volume 'ghost', which is not declared",
      'envFrom[0]: expected { configMapRef: { name } } or { secretRef: { name } }',
    ]));
    expect(issues.some((i) => i.startsWith('volumeMounts[0].mountPath:'))).toBe(true); // /tmp/x is inside the construct's /tmp
  });
});

test('the stack: its config-hash annotation is owned; ServiceAccount annotations need the construct\'s ServiceAccount', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  expect(() => new LlamaStack(chart, 's', {
    distribution: { name: 'starter' },
    workload: { overrides: { podAnnotations: { 'llamastack.io/config-hash': 'x' }, serviceAccountName: 'mine', serviceAccountAnnotations: { a: 'b' } } },
  })).toThrow(/podAnnotations\.llamastack\.io\/config-hash: annotation 'llamastack\.io\/config-hash' is set by the construct \(it is the hash of config\.yaml[^\n]*\n.*serviceAccountAnnotations: the construct does not create the ServiceAccount/);
});

test('the registry\'s Jobs take the same settings (jobs), on every Job and the CronJob', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };
  new ModelRegistry(chart, 'registry', { database, healthCheck: { schedule: '*/5 * * * *' }, jobs: settings });
  const objs = Testing.synth(chart) as Manifest[];
  const pods = objs.flatMap((o) => (o.kind === 'Job' ? [o.spec.template] : o.kind === 'CronJob' ? [o.spec.jobTemplate.spec.template] : []));
  // The migration and reconcile Jobs and the health-check CronJob.
  expect(pods).toHaveLength(3);
  for (const pod of pods) {
    expect(pod.metadata.labels.team).toBe('ai');
    expect(pod.spec.priorityClassName).toBe('inference-critical');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'extra', mountPath: '/extra', readOnly: true });
  }
  expect(objs.find((o) => o.kind === 'ServiceAccount')!.metadata.annotations).toEqual(expect.objectContaining(settings.serviceAccountAnnotations));
  expect(conformanceProblems(objs)).toEqual([]);
  expect(() => new ModelRegistry(chart, 'r2', { database, jobs: { volumes: [{ name: 'scripts', emptyDir: {} }] } })).toThrow("c/r2 jobs.volumes[0].name: volume name 'scripts' is used by the construct");
});
