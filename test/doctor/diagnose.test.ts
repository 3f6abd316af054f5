/**
 * The doctor's diagnosis, one failure class at a time: each starts from the healthy live state of the
 * fixture app (schema-validated) and changes what the cluster would show for that failure.
 */
import {
  ago, cronRun, declared, deploymentIn, find, healthyState, jobPodOf, NOW, podFor, schemaErrors, unavailable,
} from './support';
import { ConstructReport, diagnose, DoctorReport } from '../../src/doctor/diagnose';
import { K8sObject } from '../../src/doctor/inventory';
import { renderHuman, renderJson } from '../../src/doctor/render';

const decl = declared();
const MODEL = 'llama-8b-production';

function run(change: (state: any[]) => void): { report: DoctorReport; state: K8sObject[] } {
  const state = healthyState(decl);
  change(state);
  expect(schemaErrors(state)).toEqual([]);
  return { report: diagnose(decl, { objects: state }, NOW), state };
}

function construct(r: DoctorReport, kind: string): ConstructReport {
  return r.constructs.find((c) => c.kind === kind)!;
}

function problems(r: DoctorReport, kind: string): Array<{ object: string; message: string; details: string[] }> {
  return construct(r, kind).findings.filter((f) => f.severity === 'problem').map(({ object, message, details }) => ({ object, message, details }));
}

test('the fixtures are valid Kubernetes objects (and the schema check can fail)', () => {
  const state = healthyState(decl);
  expect(schemaErrors(state)).toEqual([]);
  const pod = podFor(state, 'stack');
  pod.status.containerStatuses[0].restartCount = 'many';
  expect(schemaErrors(state).join('\n')).toMatch(/Pod stack-6d5f7c9b8-abc12: .*restartCount/);
});

test('healthy: every construct ok, one line each, exit status healthy', () => {
  const { report } = run(() => undefined);
  expect(report.healthy).toBe(true);
  expect(report.constructs.map((c) => [c.kind, c.name, c.healthy])).toEqual([
    ['model', MODEL, true], ['monitoring', 'vllm-models', true], ['registry', 'registry', true], ['stack', 'stack', true],
  ]);
  expect(report.constructs.flatMap((c) => c.findings)).toEqual([]);
  expect(construct(report, 'stack').externalProviders).toEqual([{ id: 'my-llm', image: 'quay.io/acme/acme-llm:1.0.0', state: 'installed' }]);
  const text = renderHuman(report);
  expect(text.split('\n').filter((l) => /^(OK|FAIL)/.test(l))).toEqual([
    `OK   model llm/${MODEL}: ok (4/4 objects present, Deployment/${MODEL} 1/1 available)`,
    'OK   monitoring llm/vllm-models: ok (3/3 objects present)',
    expect.stringMatching(/^OK {3}registry llm\/registry: ok \(10\/10 objects present, CronJob\/registry-health last run succeeded .*Job\/registry-migrate-[0-9a-f]{8} complete/),
    'OK   stack llm/stack: ok (7/7 objects present, Deployment/stack 1/1 available)',
  ]);
  expect(text.trim().split('\n').pop()).toBe('healthy: 4 constructs');
});

test('missing object: named, with what to do', () => {
  const { report } = run((s) => s.splice(s.indexOf(find(s, 'Service', 'stack-service')), 1));
  expect(report.healthy).toBe(false);
  expect(problems(report, 'stack')).toEqual([{
    object: 'Service/stack-service',
    message: 'is missing: the synthesized manifests have it, the cluster does not',
    details: ['apply the manifests: kubectl apply -f <the synthesized files> (namespace llm)'],
  }]);
  expect(construct(report, 'stack').objects).toContainEqual({ kind: 'Service', name: 'stack-service', state: 'missing' });
  expect(construct(report, 'model').healthy).toBe(true);
});

test('nothing applied: one finding per construct, not one per object', () => {
  const report = diagnose(decl, { objects: [] }, NOW);
  expect(report.constructs.map((c) => c.findings.map((f) => `${f.object}: ${f.message}`))).toEqual([
    [`model ${MODEL}: not applied: none of its 4 objects is in namespace llm`],
    ['monitoring vllm-models: not applied: none of its 3 objects is in namespace llm'],
    ['registry registry: not applied: none of its 10 objects is in namespace llm'],
    ['stack stack: not applied: none of its 7 objects is in namespace llm'],
  ]);
});

test('stale config hash: "applied config is older than the code", with both hashes and ConfigMaps', () => {
  const config = find(decl.flatMap((c) => c.objects), 'ConfigMap', /^stack-config-/).metadata.name;
  const { report } = run((s) => {
    const d = deploymentIn(s, 'stack');
    d.spec.template.metadata.annotations['llamastack.io/config-hash'] = 'deadbeef'.repeat(8);
    d.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name = 'stack-config-deadbeef';
    s.push({ ...find(s, 'ConfigMap', config), metadata: { ...find(s, 'ConfigMap', config).metadata, name: 'stack-config-deadbeef' } });
    s.splice(s.indexOf(find(s, 'ConfigMap', config)), 1);
  });
  expect(problems(report, 'stack')).toEqual([
    {
      object: `ConfigMap/${config}`,
      message: 'is missing: the synthesized manifests have it, the cluster does not',
      details: ['the cluster has ConfigMap/stack-config-deadbeef from older manifests: the applied manifests are older than the code', expect.stringContaining('kubectl apply')],
    },
    {
      object: 'Deployment/stack',
      message: 'applied config is older than the code',
      details: [
        expect.stringMatching(/^llamastack\.io\/config-hash: live deadbeef\.\.\., synthesized [0-9a-f]{8}\.\.\.$/),
        `volume config: the live pods mount ConfigMap stack-config-deadbeef, the manifests ${config}`,
        expect.stringContaining('apply the manifests'),
      ],
    },
  ]);
});

test('a changed image alone: the Deployment is older than the code', () => {
  const { report } = run((s) => { deploymentIn(s, MODEL).spec.template.spec.containers[0].image = 'docker.io/vllm/vllm-openai:v0.20.0'; });
  expect(problems(report, 'model')).toEqual([{
    object: `Deployment/${MODEL}`,
    message: 'the applied Deployment is older than the code',
    details: [expect.stringMatching(/^container vllm: live image docker\.io\/vllm\/vllm-openai:v0\.20\.0, synthesized docker\.io\/vllm\/vllm-openai:v0\.21\.0$/), expect.any(String)],
  }]);
});

test('ImagePullBackOff: the image and the registry\'s answer', () => {
  const { report } = run((s) => {
    unavailable(s, 'stack');
    const st = podFor(s, 'stack').status.containerStatuses[0];
    st.ready = false;
    st.started = false;
    st.state = { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "docker.io/llamastack/distribution-starter:0.7.1": ErrImagePull: 429 Too Many Requests' } };
  });
  const p = problems(report, 'stack');
  expect(p.map((x) => x.message)).toEqual([
    '0/1 replicas available',
    'container llama-stack cannot pull its image docker.io/llamastack/distribution-starter:0.7.1: ImagePullBackOff',
  ]);
  expect(p[0].details).toEqual(['Available: MinimumReplicasUnavailable: Deployment does not have minimum availability.']);
  expect(p[1].details[0]).toContain('429 Too Many Requests');
  expect(p[1].object).toMatch(/^Pod\/stack-6d5f7c9b8-/);
});

test('Pending: the scheduler\'s reason, and for GPUs what to check', () => {
  const { report } = run((s) => {
    unavailable(s, MODEL, { reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${MODEL}-6d5f7c9b8" has timed out progressing.` });
    const pod = podFor(s, MODEL);
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', lastTransitionTime: ago(900) }],
    };
  });
  const p = problems(report, 'model');
  expect(p[0]).toEqual({
    object: `Deployment/${MODEL}`,
    message: '0/1 replicas available',
    details: [
      'Available: MinimumReplicasUnavailable: Deployment does not have minimum availability.',
      `Progressing: ProgressDeadlineExceeded: ReplicaSet "${MODEL}-6d5f7c9b8" has timed out progressing.`,
    ],
  });
  expect(p[1].message).toBe('is Pending: the scheduler cannot place it');
  expect(p[1].details[0]).toBe('Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
  expect(p[1].details[1]).toMatch(/^no node has a free nvidia\.com\/gpu: .*GpuNodePool/);
});

test('CrashLoopBackOff: the last termination message', () => {
  const message = 'ValueError: Provider remote::vllm needs url\nTraceback ...';
  const { report } = run((s) => {
    unavailable(s, 'stack');
    const st = podFor(s, 'stack').status.containerStatuses[0];
    Object.assign(st, {
      ready: false,
      started: false,
      restartCount: 5,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=llama-stack' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', message, startedAt: ago(400), finishedAt: ago(390) } },
    });
  });
  expect(problems(report, 'stack')[1]).toEqual({
    object: expect.stringMatching(/^Pod\/stack-/),
    message: 'container llama-stack failed (Error, exit code 1, restarted 5 times): CrashLoopBackOff',
    details: ['ValueError: Provider remote::vllm needs url', 'Traceback ...'],
  });
});

test('CrashLoopBackOff without a message (OOMKilled): how to read the log', () => {
  const { report } = run((s) => {
    unavailable(s, 'stack');
    Object.assign(podFor(s, 'stack').status.containerStatuses[0], {
      ready: false,
      started: false,
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: ago(400), finishedAt: ago(390) } },
    });
  });
  expect(problems(report, 'stack')[1].details).toEqual([
    'killed for using more memory than its limit: raise the memory limit',
    expect.stringMatching(/^the log: kubectl logs -n llm stack-6d5f7c9b8-abc12 -c llama-stack --previous$/),
  ]);
});

describe('a model pod and its startup budget', () => {
  const probe = find(decl.flatMap((c) => c.objects), 'Deployment', MODEL).spec.template.spec.containers[0].startupProbe;
  const budget = probe.periodSeconds * probe.failureThreshold;
  const starting = (seconds: number, restarts = 0) => (s: any[]) => {
    unavailable(s, MODEL);
    const pod = podFor(s, MODEL);
    pod.status.startTime = ago(seconds);
    Object.assign(pod.status.containerStatuses[0], {
      ready: false,
      started: false,
      restartCount: restarts,
      state: { running: { startedAt: ago(restarts ? 60 : seconds) } },
      ...(restarts ? { lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: ago(seconds), finishedAt: ago(61) } } } : {}),
    });
  };

  test('within the budget: shown, not a problem of its own', () => {
    const { report } = run(starting(budget - 60));
    const infos = construct(report, 'model').findings.filter((f) => f.severity === 'info');
    expect(infos.map((f) => f.message)).toEqual([`container vllm is starting: 14m of its startup budget of 15m (startupProbe: ${probe.failureThreshold} x ${probe.periodSeconds}s)`]);
    expect(budget).toBe(900);
  });

  test('over the budget: a problem, with what to change', () => {
    const { report } = run(starting(budget + 300));
    const p = problems(report, 'model')[1];
    expect(p.message).toBe(`container vllm has been starting for 20m, longer than its startup budget of 15m (startupProbe: ${probe.failureThreshold} x ${probe.periodSeconds}s)`);
    expect(p.details[0]).toMatch(/raise startupBudgetSeconds \(docs\/model-initialization\.md\)/);
  });

  test('restarted by the startup probe: the pod\'s whole start counts', () => {
    const { report } = run(starting(budget * 2 + 120, 2));
    const p = problems(report, 'model')[1];
    expect(p.message).toBe('container vllm has been starting for 32m, longer than its startup budget of 15m (startupProbe: 90 x 10s)');
    expect(p.details[0]).toBe('restarted 2 times since the pod started 32m ago (last: Error, exit code 137): each restart starts the load again');
  });
});

test('failed registry Job: its condition and how to read its log', () => {
  const { report } = run((s) => {
    const job = find(s, 'Job', /^registry-migrate-/);
    job.status = {
      startTime: ago(900),
      failed: 4,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ago(60), lastTransitionTime: ago(60) },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: ago(60), lastTransitionTime: ago(60) },
      ],
    };
    s.push(jobPodOf(job, job.spec.template, 3, 'migrate: schema version 4 is newer than this code (3)'));
  });
  const p = problems(report, 'registry');
  expect(p).toEqual([{
    object: expect.stringMatching(/^Job\/registry-migrate-[0-9a-f]{8}$/),
    message: 'failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    details: [
      expect.stringMatching(/^Pod\/registry-migrate-[0-9a-f]{8}-x7k2p psql \(exit code 3\):$/),
      '  migrate: schema version 4 is newer than this code (3)',
      expect.stringMatching(/^the log: kubectl logs -n llm job\/registry-migrate-[0-9a-f]{8}$/),
    ],
  }]);
  expect(construct(report, 'registry').summary).toMatch(/Job\/registry-migrate-[0-9a-f]{8} failed/);
});

test('a finished Job deleted by its TTL is not a problem', () => {
  const { report } = run((s) => s.splice(s.indexOf(find(s, 'Job', /^registry-migrate-/)), 1));
  expect(construct(report, 'registry').healthy).toBe(true);
  expect(construct(report, 'registry').findings[0].message).toMatch(/^not in the cluster: not applied yet, or finished and deleted .* later \(ttlSecondsAfterFinished\)$/);
});

test('a registry Job of the current code missing while an older one is there: not applied (TTL or not)', () => {
  const { report } = run((s) => {
    const job = find(s, 'Job', /^registry-migrate-[0-9a-f]{8}$/);
    job.metadata.name = 'registry-migrate-0123abcd';
  });
  expect(problems(report, 'registry')).toEqual([{
    object: expect.stringMatching(/^Job\/registry-migrate-[0-9a-f]{8}$/),
    message: 'is missing: the synthesized manifests have it, the cluster does not',
    details: ['the cluster has Job/registry-migrate-0123abcd from older manifests: the applied manifests are older than the code', expect.stringContaining('kubectl apply')],
  }]);
});

test('health-check CronJob: the last run failed (an older success does not hide it)', () => {
  const { report } = run((s) => {
    const cron = find(s, 'CronJob', 'registry-health');
    cron.status = { lastScheduleTime: ago(120), lastSuccessfulTime: ago(3600) };
    const failed = cronRun(cron, 120, false);
    s.push(cronRun(cron, 240, true), failed, jobPodOf(failed, cron.spec.jobTemplate.spec.template, 1, 'llama-8b-production (production): /health answered 503'));
    s.splice(s.findIndex((o) => o.kind === 'Job' && o.metadata.name === `registry-health-${29_000_000 - 120}` && o.status.succeeded), 1);
  });
  expect(problems(report, 'registry')).toEqual([{
    object: 'CronJob/registry-health',
    message: `last run Job/registry-health-${29_000_000 - 120} failed: BackoffLimitExceeded: Job has reached the specified backoff limit; last success ${ago(3600)} (1h00m ago)`,
    details: [expect.stringMatching(/psql \(exit code 1\):$/), '  llama-8b-production (production): /health answered 503', `the log: kubectl logs -n llm job/registry-health-${29_000_000 - 120}`],
  }]);
});

test('an unbound PVC (the operator\'s StorageReady)', () => {
  const { report } = run((s) => { find(s, 'PersistentVolumeClaim', 'stack-pvc').status = { phase: 'Pending' }; });
  expect(problems(report, 'stack')).toEqual([{ object: 'PersistentVolumeClaim/stack-pvc', message: expect.stringMatching(/^is Pending: the volume is not bound/), details: [expect.any(String)] }]);
});

test('a kind kubectl could not read is unknown, not missing', () => {
  const state = healthyState(decl).filter((o) => o.kind !== 'ServiceMonitor');
  const report = diagnose(decl, { objects: state, errors: ['kubectl get servicemonitor.v1.monitoring.coreos.com ...: the server doesn\'t have a resource type'], unreadable: ['llm/ServiceMonitor'] }, NOW);
  expect(construct(report, 'monitoring').objects).toContainEqual({ kind: 'ServiceMonitor', name: 'vllm-models', state: 'unknown' });
  expect(problems(report, 'monitoring')[0].message).toMatch(/^cannot be read/);
  expect(report.errors).toHaveLength(1);
});

test('the order of the live objects does not change the report (pods in name order)', () => {
  const state = healthyState(decl);
  unavailable(state, 'stack');
  const first = podFor(state, 'stack');
  const second = JSON.parse(JSON.stringify(first));
  second.metadata.name = 'stack-6d5f7c9b8-aaa00';
  state.push(second);
  for (const p of [first, second]) p.status.containerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff' } };
  expect(schemaErrors(state)).toEqual([]);
  const a = diagnose(decl, { objects: state }, NOW);
  const b = diagnose(decl, { objects: [...state].reverse() }, NOW);
  expect(renderJson(b)).toBe(renderJson(a));
  expect(problems(a, 'stack').map((f) => f.object)).toEqual(['Deployment/stack', 'Pod/stack-6d5f7c9b8-aaa00', 'Pod/stack-6d5f7c9b8-abc12']);
});

test('a kubectl error alone makes the run fail', () => {
  const report = diagnose(decl, { objects: healthyState(decl), errors: ['kubectl get ...: the output is not JSON'] }, NOW);
  expect(report.constructs.every((c) => c.healthy)).toBe(true);
  expect(report.healthy).toBe(false);
  expect(renderHuman(report).trim().split('\n').slice(-2)).toEqual(['error: kubectl get ...: the output is not JSON', 'problems: 0 of 4 constructs, 1 kubectl error']);
});

test('--json: a stable schema', () => {
  const { report } = run((s) => s.splice(s.indexOf(find(s, 'Service', 'stack-service')), 1));
  const json = JSON.parse(renderJson(report));
  expect(Object.keys(json)).toEqual(['schemaVersion', 'now', 'healthy', 'constructs', 'errors']);
  expect(json.schemaVersion).toBe(1);
  expect(json.now).toBe('2026-03-01T12:00:00.000Z');
  const stack = json.constructs.find((c: any) => c.kind === 'stack');
  expect(Object.keys(stack)).toEqual(['kind', 'name', 'namespace', 'healthy', 'summary', 'objects', 'findings', 'externalProviders']);
  expect(Object.keys(stack.objects[0])).toEqual(['kind', 'name', 'state']);
  expect(Object.keys(stack.findings[0])).toEqual(['severity', 'object', 'message', 'details']);
  expect(Object.keys(stack.externalProviders[0])).toEqual(['id', 'image', 'state']);
});
