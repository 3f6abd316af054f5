/**
 * Models larger than one node (`nodes`): vLLM's native multi-node mode in a LeaderWorkerSet.
 *
 * Upstream facts the assertions rest on:
 * - vLLM v0.21 multi-node without Ray: `--nnodes N --node-rank R --master-addr HEAD` on every node and
 *   `--headless` on all but the head (vllm-project/vllm docs/serving/parallelism_scaling.md, "Running vLLM with
 *   MultiProcessing"); the flags are in data/vllm/v0.21.0/flags.txt; `--master-port` defaults to 29501
 *   (vllm/config/parallel.py). A headless node starts no API server (vllm/entrypoints/cli/serve.py, run_headless).
 * - LeaderWorkerSet (kubernetes-sigs/lws v0.10.0, api/leaderworkerset/v1/leaderworkerset_types.go): pod labels
 *   `leaderworkerset.sigs.k8s.io/{name,group-index,worker-index}` (worker-index 0 = the leader), env vars
 *   LWS_LEADER_ADDRESS and LWS_WORKER_INDEX injected into every container (pkg/utils/pod/pod_utils.go), rollout
 *   `maxSurge` in groups (default 0), the controller's headless Service named after the LeaderWorkerSet
 *   (pkg/utils/controller/controller_utils.go). Schema: test/fixtures/lws (config/crd/bases at v0.10.0).
 */
import { Chart, Testing } from 'cdk8s';
import { GpuNodePool, VllmModel, VllmModelProps } from '../../src';
import { quotaProblems } from '../../src/platform/environment';
import { capacityProblems } from '../../src/vllm/capacity';
import { flagSet } from '../../src/vllm/flags';
import { validationIssues } from '../support/errors';
import { conformanceProblems, lwsSchemaErrors, Manifest, pssViolations } from '../support/manifests';

const LWS = 'leaderworkerset.sigs.k8s.io';
const base: VllmModelProps = {
  model: 'meta-llama/Llama-3.1-405B-Instruct',
  environment: 'production',
  nodes: 2,
  tensorParallelSize: 8,
  pipelineParallelSize: 2,
  quantization: 'fp8',
  cache: { size: '2Ti', accessMode: 'ReadWriteMany' },
};
const MODEL_LABELS = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-405b-production' };

function synth(props: Partial<VllmModelProps> = {}, pool?: { gpusPerNode: number; nodes: number }): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const nodePool = pool && new GpuNodePool(chart, 'h100', { gpuProduct: 'NVIDIA-H100-80GB-HBM3', ...pool });
  new VllmModel(chart, 'llama-405b', { ...base, nodePool, ...props });
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string, name?: string) =>
  objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!;
const lws = (objs: Manifest[]) => find(objs, 'LeaderWorkerSet');
const leader = (objs: Manifest[]) => lws(objs).spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
const worker = (objs: Manifest[]) => lws(objs).spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];

const errors = (props: Partial<VllmModelProps>, pool?: { gpusPerNode: number; nodes: number }): string[] =>
  validationIssues(() => synth(props, pool));

describe('a two-node 405B', () => {
  const objs = synth({}, { gpusPerNode: 8, nodes: 2 });

  test('a LeaderWorkerSet instead of a Deployment; every object valid (the LeaderWorkerSet against the CRD schema) and restricted', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/llama-405b-production',
      'PersistentVolumeClaim/llama-405b-production-cache',
      'LeaderWorkerSet/llama-405b-production-lws',
      'Service/llama-405b-production',
      'NetworkPolicy/llama-405b-production',
      'NetworkPolicy/llama-405b-production-group-0',
      'ServiceMonitor/vllm-models',
      'PrometheusRule/vllm-models',
      'ConfigMap/vllm-models-dashboard',
    ]);
    expect(lwsSchemaErrors(lws(objs))).toEqual([]);
    expect(pssViolations(lws(objs))).toEqual([]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('groups of 2 pods, recreated together, rolled one group at a time with maxSurge set explicitly', () => {
    const spec = lws(objs).spec;
    expect(spec.replicas).toBe(1);
    expect(spec.leaderWorkerTemplate.size).toBe(2);
    expect(spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    expect(spec.rolloutStrategy).toEqual({ type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: 0, maxUnavailable: 1, partition: 0 } });
    expect(spec.startupPolicy).toBe('LeaderCreated');
    expect(spec.networkConfig).toEqual({ subdomainPolicy: 'Shared' });
    expect(synth({ allowSurge: true }, { gpusPerNode: 8, nodes: 4 }).find((o) => o.kind === 'LeaderWorkerSet')!.spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge).toBe(1);
  });

  test('native multi-node flags from the LeaderWorkerSet\'s env vars, expanded by Kubernetes: no shell; --headless on the workers only', () => {
    const distributed = ['--nnodes', '2', '--node-rank', '$(LWS_WORKER_INDEX)', '--master-addr', '$(LWS_LEADER_ADDRESS)', '--master-port', '29501'];
    for (const flag of ['--nnodes', '--node-rank', '--master-addr', '--master-port', '--headless']) expect(flagSet('v0.21.0')!.has(flag)).toBe(true);
    expect(leader(objs).command).toEqual(['vllm', 'serve']);
    expect(worker(objs).command).toEqual(['vllm', 'serve']);
    expect(leader(objs).args).toEqual([
      'meta-llama/Llama-3.1-405B-Instruct', '--served-model-name', 'meta-llama/Llama-3.1-405B-Instruct', '--port', '8000',
      '--tensor-parallel-size', '8', '--pipeline-parallel-size', '2', '--quantization', 'fp8',
      '--disable-access-log-for-endpoints', '/health,/metrics', '--shutdown-timeout', '30', ...distributed,
    ]);
    expect(worker(objs).args).toEqual([...leader(objs).args, '--headless']);
    expect(leader(objs).args).not.toContain('--headless');
    // extraArgs stay last, after the construct's flags.
    const withExtra = synth({ extraArgs: ['--max-num-batched-tokens', '8192'] }, { gpusPerNode: 8, nodes: 2 });
    expect(worker(withExtra).args.slice(-3)).toEqual(['--headless', '--max-num-batched-tokens', '8192']);
  });

  test('probes, port and drain on the leader only (a headless worker runs no HTTP server); startup budget by size (405B: 7200 s)', () => {
    const l = leader(objs);
    expect(l.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(l.startupProbe.periodSeconds * l.startupProbe.failureThreshold).toBe(7200);
    expect(l.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(l.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    const w = worker(objs);
    for (const field of ['ports', 'startupProbe', 'readinessProbe', 'livenessProbe', 'lifecycle']) expect(w[field]).toBeUndefined();
    for (const c of [l, w]) expect(c.env).toContainEqual({ name: 'VLLM_ENGINE_READY_TIMEOUT_S', value: '7200' });
  });

  test('each pod: TP x PP / nodes GPUs, /dev/shm 16Gi for 8 GPUs, memory for its share of the weights', () => {
    for (const c of [leader(objs), worker(objs)]) {
      // 6 + 2 x 8 + 0.25 x 405 / 2 = 72.6 -> 73Gi (limit 146Gi), each + 16Gi /dev/shm.
      expect(c.resources).toEqual({
        requests: { 'cpu': '10', 'memory': '89Gi', 'nvidia.com/gpu': '8' },
        limits: { 'cpu': '20', 'memory': '162Gi', 'nvidia.com/gpu': '8' },
      });
    }
    for (const t of ['leaderTemplate', 'workerTemplate']) {
      expect(lws(objs).spec.leaderWorkerTemplate[t].spec.volumes[0]).toEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
    }
    const four = synth({ nodes: 4, tensorParallelSize: 4, pipelineParallelSize: 4 }, { gpusPerNode: 4, nodes: 4 });
    expect(leader(four).resources.requests['nvidia.com/gpu']).toBe('4');
    expect(lws(four).spec.leaderWorkerTemplate.workerTemplate.spec.volumes[0].emptyDir.sizeLimit).toBe('8Gi');
  });

  test('the Service selects the group leaders only; the ServiceMonitor scrapes them through it', () => {
    const svc = find(objs, 'Service');
    expect(svc.spec.selector).toEqual({ ...MODEL_LABELS, [`${LWS}/worker-index`]: '0' });
    const monitor = find(objs, 'ServiceMonitor');
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', scheme: 'http', interval: '30s' }]);
  });

  test('one NetworkPolicy per group: all TCP between the pods of that group, and nothing wider', () => {
    const group = { ...MODEL_LABELS, [`${LWS}/group-index`]: '0' };
    expect(find(objs, 'NetworkPolicy', 'llama-405b-production-group-0').spec).toEqual({
      podSelector: { matchLabels: group },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: group } }], ports: [{ protocol: 'TCP' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: group } }], ports: [{ protocol: 'TCP' }] }],
    });
    // The model's own policy is unchanged: clients and Prometheus on 8000, DNS and the Hub out.
    const main = find(objs, 'NetworkPolicy', 'llama-405b-production').spec;
    expect(main.podSelector).toEqual({ matchLabels: MODEL_LABELS });
    expect(main.ingress.flatMap((r: any) => r.ports)).toEqual([{ protocol: 'TCP', port: 8000 }]);
    // Two groups and a surge group: three policies, one per group index.
    const three = synth({ replicas: 2, allowSurge: true }, { gpusPerNode: 8, nodes: 6 });
    expect(three.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual([
      'llama-405b-production', 'llama-405b-production-group-0', 'llama-405b-production-group-1', 'llama-405b-production-group-2',
    ]);
    expect(find(three, 'NetworkPolicy', 'llama-405b-production-group-2').spec.podSelector.matchLabels[`${LWS}/group-index`]).toBe('2');
    expect(conformanceProblems(three)).toEqual([]);
  });

  test('alerts find the LeaderWorkerSet\'s pods by name (<lws>-<group>, <lws>-<group>-<worker>)', () => {
    const rules = find(objs, 'PrometheusRule').spec.groups[0].rules;
    const crash = rules.find((r: any) => r.alert === 'VllmPodCrashLooping').expr as string;
    const pattern = /pod=~"([^"]+)"/.exec(crash)![1];
    const re = new RegExp(`^(?:${pattern})$`);
    expect(re.test('llama-405b-production-lws-0')).toBe(true);
    expect(re.test('llama-405b-production-lws-3-1')).toBe(true);
    expect(re.test('llama-405b-production-7c9d8f-abcde')).toBe(false);
    expect(re.test('llama-405b-staging-lws-0')).toBe(false);
  });

  test('the VllmModel says what it runs', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    const m = new VllmModel(chart, 'llama-405b', base);
    expect(m.nodes).toBe(2);
    expect(m.gpusPerPod).toBe(8);
    expect(m.deployment).toBeUndefined();
    expect(m.leaderWorkerSet).toBeDefined();
    const single = new VllmModel(chart, 'llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production' });
    expect(single.nodes).toBe(1);
    expect(single.leaderWorkerSet).toBeUndefined();
  });
});

describe('checks', () => {
  test('every problem at once, each with its field and fix', () => {
    expect(errors({
      nodes: 3,
      cache: { size: '2Ti' },
      autoscaling: { maxReplicas: 1, prometheusAddress: 'http://prometheus.monitoring.svc:9090' },
      extraArgs: ['--distributed-executor-backend', 'ray', '--nnodes', '3', '--master-addr=10.0.0.1', '--headless'],
    })).toEqual([
      'nodes: 16 GPUs (tensorParallelSize 8 x pipelineParallelSize 2) cannot be split evenly over 3 nodes: vLLM gives each node tensorParallelSize x pipelineParallelSize / nodes of them '
      + '(set pipelineParallelSize to 3 (the nodes) and tensorParallelSize to the GPUs of one node, as vLLM recommends)',
      'autoscaling: autoscaling a multi-node model is not supported: every step would add or remove a whole group of nodes, and the ScaledObject targets a Deployment '
      + '(remove autoscaling and set replicas (groups of nodes))',
      'cache.accessMode: the 3 pods of a group run on 3 different nodes, and a ReadWriteOnce volume attaches to one (use ReadWriteMany, or ReadOnlyMany with pre-staged weights)',
      'extraArgs[0]: --distributed-executor-backend is set by the construct on a multi-node model '
      + '(remove it: a multi-node model runs vLLM\'s multiprocessing executor (mp), which vLLM picks itself with --nnodes; Ray is not in the vLLM image)',
      'extraArgs[2]: --nnodes is set by the construct (use nodes (a LeaderWorkerSet of that many pods per replica))',
      'extraArgs[4]: --master-addr=10.0.0.1 is set by the construct (with nodes, the workers reach the leader at the LeaderWorkerSet\'s leader address)',
      'extraArgs[5]: --headless is set by the construct (with nodes, the construct runs the worker pods headless and the leader with the API server)',
    ]);
  });

  test('nodes is a whole number from 1 to 16; one-node models may still pick their executor', () => {
    expect(errors({ nodes: 0 })).toEqual(['nodes: nodes must be an integer from 1 to 16, got 0']);
    expect(errors({ nodes: 1.5 })).toEqual(['nodes: nodes must be an integer from 1 to 16, got 1.5']);
    const one = synth({ nodes: 1, tensorParallelSize: 8, pipelineParallelSize: 1, extraArgs: ['--distributed-executor-backend', 'mp'] });
    expect(one.map((o) => o.kind)).toContain('Deployment');
    expect(one.map((o) => o.kind)).not.toContain('LeaderWorkerSet');
    // --nnodes is refused on one-node models too, pointing at the prop.
    expect(errors({ nodes: undefined, tensorParallelSize: 8, pipelineParallelSize: 1, extraArgs: ['-n', '2'] })).toEqual([
      'extraArgs[0]: -n is set by the construct (use nodes (a LeaderWorkerSet of that many pods per replica))',
    ]);
  });

  test('the worker StatefulSets\' names (<name>-<environment>-lws-<group>) must stay within 52 characters', () => {
    const name = 'a'.repeat(30);
    // 30 + '-production' (11) + '-lws' (4) + '-0' = 47: fits; with 10 groups, '-9' still fits; a longer name does not.
    expect(() => synth({ name })).not.toThrow();
    expect(errors({ name: 'a'.repeat(36) })).toEqual([
      `name: the LeaderWorkerSet '${'a'.repeat(36)}-production-lws' names its worker StatefulSets <name>-<group>, and '${'a'.repeat(36)}-production-lws-0' is 53 characters: `
      + 'a StatefulSet above 52 cannot create pods (their controller-revision-hash label would pass 63) (shorten name or environment)',
    ]);
  });
});

describe('GPU pool capacity: whole groups', () => {
  const pool = { name: 'h100', nodes: 2, gpusPerNode: 16, gpuResource: 'nvidia.com/gpu' };

  test('a group needs its pods on distinct nodes at once, even when the GPUs would pack onto fewer', () => {
    // 32 GPUs and 32 wanted: pod by pod they pack (16 on one node, 8 + 8 on the other), but the group's two
    // pods need two nodes with 8 free at once, and only one node has that.
    const demands = [
      { model: 'c/big', pods: 2, gpusPerPod: 8, surgePods: 0, podsPerGroup: 2 },
      { model: 'c/single', pods: 1, gpusPerPod: 16, surgePods: 0 },
    ];
    expect(capacityProblems(pool, demands)).toEqual([
      "pool 'h100' has 32 nvidia.com/gpu (2 node(s) x 16); the models placed on it would leave pods Pending: they need 32, but pods cannot be packed onto the nodes "
      + '(a group needs its GPUs free on that many nodes at once): 16 GPU(s) would stay Pending '
      + '[c/big: 1 group(s) x 2 pods on different nodes x 8 = 16; c/single: 1 pod(s) x 16 = 16] (add nodes to the pool, lower replicas, or move a model to another pool)',
    ]);
    // Two groups of 2 x 8 on 2 nodes of 16: each node hosts one pod of each group.
    expect(capacityProblems(pool, [{ model: 'c/big', pods: 4, gpusPerPod: 8, surgePods: 0, podsPerGroup: 2 }])).toEqual([]);
  });

  test('a group larger than the pool', () => {
    expect(capacityProblems({ ...pool, nodes: 1 }, [{ model: 'c/big', pods: 2, gpusPerPod: 8, surgePods: 0, podsPerGroup: 2 }])).toEqual([
      "c/big runs groups of 2 pods on 2 different nodes (nodes: 2), each with 8 nvidia.com/gpu free at once, but pool 'h100' has 1 node(s) "
      + '(add nodes to the pool, or place the model on a pool with at least 2 nodes)',
    ]);
  });

  test('synth: fits on 2 nodes of 8; fails on 3 nodes with 2 groups; a surge group counts', () => {
    expect(() => synth({}, { gpusPerNode: 8, nodes: 2 })).not.toThrow();
    const fail = (props: Partial<VllmModelProps>, nodes: number) => {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
      const nodePool = new GpuNodePool(chart, 'h100', { gpusPerNode: 8, nodes });
      new VllmModel(chart, 'llama-405b', { ...base, nodePool, ...props });
      return () => Testing.synth(chart);
    };
    expect(fail({ replicas: 2 }, 3)).toThrow(
      "c/h100 nodes: pool 'c/h100' has 24 nvidia.com/gpu (3 node(s) x 8); the models placed on it would leave pods Pending: they need 32 "
      + '[c/llama-405b: 2 group(s) x 2 pods on different nodes x 8 = 32] (add nodes to the pool, lower replicas, or move a model to another pool)',
    );
    expect(fail({ replicas: 2 }, 4)).not.toThrow();
    expect(fail({ allowSurge: true }, 3)).toThrow(
      '[c/llama-405b: 2 group(s) x 2 pods on different nodes x 8 = 32 (1 of them only during a rolling update)] (add nodes to the pool, lower replicas, set allowSurge: false, or move a model to another pool)',
    );
    expect(fail({}, 1)).toThrow(
      "c/h100 nodes: c/llama-405b runs groups of 2 pods on 2 different nodes (nodes: 2), each with 8 nvidia.com/gpu free at once, but pool 'c/h100' has 1 node(s)",
    );
  });
});

describe('namespace quota', () => {
  test('counts every pod of every group (leader and workers), surge groups included', () => {
    const objs = synth();
    expect(quotaProblems(objs, { gpus: 16 }, 'nvidia.com/gpu')).toEqual([]);
    expect(quotaProblems(objs, { gpus: 15 }, 'nvidia.com/gpu')).toEqual([
      'the workloads may request 16 nvidia.com/gpu at once (replicas, autoscaling maxima and surge pods), above the quota of 15',
    ]);
    const surge = synth({ replicas: 2, allowSurge: true });
    expect(quotaProblems(surge, { gpus: 48 }, 'nvidia.com/gpu')).toEqual([]);
    expect(quotaProblems(surge, { gpus: 47 }, 'nvidia.com/gpu')).toEqual([
      'the workloads may request 48 nvidia.com/gpu at once (replicas, autoscaling maxima and surge pods), above the quota of 47',
    ]);
  });
});
