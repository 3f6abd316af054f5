/**
 * Models larger than one node: vLLM's native multi-node mode run by a LeaderWorkerSet, as pure functions (the
 * checks, the `vllm serve` flags of the leader and the workers, /dev/shm, the group NetworkPolicy, the names).
 *
 * Why the native mode and not Ray: vLLM v0.21 documents multi-node serving with the multiprocessing executor
 * (docs/serving/parallelism_scaling.md, "Running vLLM with MultiProcessing": `--nnodes N --node-rank R
 * --master-addr HEAD` on every node, `--headless` on the others), picks that executor by itself when
 * `nnodes > 1` (vllm/config/parallel.py: `elif current_platform.is_cuda() and self.nnodes > 1: backend = "mp"`,
 * and "nnodes > 1 can only be set when distributed executor backend is mp, uni or external_launcher"), and its
 * images no longer ship Ray since v0.19 (kubernetes-sigs/lws#835, ai-dynamo/dynamo#8515), so the Ray recipe of
 * docs/deployment/frameworks/lws.md (`sh -c "multi-node-serving.sh leader ...; vllm serve ..."`) would need
 * another image and a shell. vllm-project/vllm#39400 moved vLLM's own Kubernetes examples to this mode.
 */
import { VllmModelProps } from './props';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { checkInt } from '../core/validate';

/** Labels the LeaderWorkerSet controller puts on every pod of a group (sigs.k8s.io/lws api/leaderworkerset/v1). */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
export const LWS_GROUP_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/group-index';
/** `0` on the leader, `1..size-1` on the workers. */
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';

/**
 * The port of torch.distributed's rendezvous store on the leader (vLLM's `--master-port` default,
 * vllm/config/parallel.py `master_port: int = 29501`); passed explicitly so the value is in the manifest.
 */
export const MASTER_PORT = 29501;

/** The most nodes one copy of a model may span. */
export const MAX_NODES = 16;

/**
 * A StatefulSet's pods carry `controller-revision-hash: <statefulset>-<hash>`, a label value of at most 63
 * characters, so StatefulSet names longer than 52 characters cannot create pods. The LeaderWorkerSet names its
 * worker StatefulSets `<lws>-<group index>`.
 */
export const MAX_STATEFULSET_NAME = 52;

/** The checked multi-node shape of a model (nodes above 1). */
export interface MultiNodePlan {
  /** Pods (and nodes) per group: the LeaderWorkerSet's `size`. */
  readonly nodes: number;
  /** GPUs each pod of a group requests: tensorParallelSize x pipelineParallelSize / nodes. */
  readonly gpusPerPod: number;
  /** The LeaderWorkerSet's name, which is also the name of the headless Service its controller creates. */
  readonly name: string;
  /** Groups that exist only during a rolling update (the LeaderWorkerSet's `maxSurge`). */
  readonly surgeGroups: number;
}

/**
 * `<svc>-lws`: not `<svc>`, because the LeaderWorkerSet controller creates a headless Service with the
 * LeaderWorkerSet's name (and reuses one that exists), and `<svc>` is the model's ClusterIP Service.
 */
export function leaderWorkerSetName(serviceName: string): string {
  return `${serviceName}-lws`;
}

/** Flags the construct sets on multi-node models, and why they are refused in `extraArgs` there. */
export const MULTI_NODE_OWNED_FLAGS: Readonly<Record<string, string>> = {
  '--distributed-executor-backend': 'a multi-node model runs vLLM\'s multiprocessing executor (mp), which vLLM picks itself with --nnodes; Ray is not in the vLLM image',
};

/**
 * Checks `nodes` and what it implies; undefined for a one-node model (or when `nodes` is invalid, reported).
 * `maxGroups`: the groups the model runs at most (replicas), before surge.
 */
export function planMultiNode(
  issues: IssueCollector, props: VllmModelProps, serviceName: string, tp: number, pp: number, maxGroups: number,
): MultiNodePlan | undefined {
  checkInt(issues, 'nodes', props.nodes, 1, MAX_NODES);
  const nodes = props.nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes <= 1 || nodes > MAX_NODES) return undefined;
  const gpus = tp * pp;
  if (Number.isInteger(gpus) && gpus % nodes !== 0) {
    issues.add(
      `${gpus} GPUs (tensorParallelSize ${tp} x pipelineParallelSize ${pp}) cannot be split evenly over ${nodes} nodes: vLLM gives each node tensorParallelSize x pipelineParallelSize / nodes of them`,
      `set pipelineParallelSize to ${nodes} (the nodes) and tensorParallelSize to the GPUs of one node, as vLLM recommends`,
      'nodes',
    );
  }
  if (props.autoscaling !== undefined) {
    issues.add(
      'autoscaling a multi-node model is not supported: every step would add or remove a whole group of nodes, and the ScaledObject targets a Deployment',
      'remove autoscaling and set replicas (groups of nodes)',
      'autoscaling',
    );
  }
  const mode = props.cache?.accessMode ?? 'ReadWriteOnce';
  if (props.cache !== undefined && (mode === 'ReadWriteOnce' || mode === 'ReadWriteOncePod')) {
    issues.add(
      `the ${nodes} pods of a group run on ${nodes} different nodes, and a ${mode} volume attaches to one`,
      'use ReadWriteMany, or ReadOnlyMany with pre-staged weights',
      'cache.accessMode',
    );
  }
  (props.extraArgs ?? []).forEach((arg, i) => {
    if (typeof arg !== 'string') return;
    const name = arg.split('=')[0].replace(/_/g, '-');
    const why = MULTI_NODE_OWNED_FLAGS[name];
    if (why !== undefined) issues.add(`${arg} is set by the construct on a multi-node model`, `remove it: ${why}`, `extraArgs[${i}]`);
  });
  const surgeGroups = props.allowSurge === true ? 1 : 0;
  const name = leaderWorkerSetName(serviceName);
  // The last group index during a rollout: the worker StatefulSet `<lws>-<index>` must stay within the limit.
  const longest = `${name}-${Math.max(0, maxGroups + surgeGroups - 1)}`;
  if (longest.length > MAX_STATEFULSET_NAME) {
    issues.add(
      `the LeaderWorkerSet '${name}' names its worker StatefulSets <name>-<group>, and '${longest}' is ${longest.length} characters: `
      + `a StatefulSet above ${MAX_STATEFULSET_NAME} cannot create pods (their controller-revision-hash label would pass 63)`,
      'shorten name or environment',
      props.name === undefined ? undefined : 'name',
    );
  }
  return { nodes, gpusPerPod: Math.max(1, Math.floor(gpus / nodes)), name, surgeGroups };
}

/**
 * The `vllm serve` flags of every pod of a group. The pod's rank and the leader's address are the
 * LeaderWorkerSet's own env vars (LWS_WORKER_INDEX: 0 on the leader; LWS_LEADER_ADDRESS: the leader's name in
 * the group's headless Service), which Kubernetes expands in `args` (`$(VAR)`): no shell runs.
 */
export function multiNodeFlags(nodes: number): string[] {
  return [
    '--nnodes', String(nodes),
    '--node-rank', '$(LWS_WORKER_INDEX)',
    '--master-addr', '$(LWS_LEADER_ADDRESS)',
    '--master-port', String(MASTER_PORT),
  ];
}

/** What the workers add: no API server, only their share of the engine (vllm/entrypoints/cli/serve.py run_headless). */
export const WORKER_FLAGS: readonly string[] = ['--headless'];

/**
 * /dev/shm of a multi-node pod: 2 GiB per GPU, at least 8 GiB (16 GiB for 8 GPUs, as vLLM's multi-node
 * examples: 15Gi in docs/deployment/frameworks/lws.md, `--shm-size=16G` in parallelism_scaling.md). The
 * per-node workers exchange tensors through it, and NCCL's intra-node transport uses it.
 */
export function multiNodeSharedMemoryGi(gpusPerPod: number): number {
  return Math.max(8, 2 * gpusPerPod);
}

/** The leader pods of a model: what its Service (and so its ServiceMonitor) selects. */
export function leaderSelector(podSelectorLabels: Record<string, string>): Record<string, string> {
  return { ...podSelectorLabels, [LWS_WORKER_INDEX_LABEL]: '0' };
}

/**
 * The NetworkPolicy of one group: its pods may reach each other on every TCP port, and nothing else is
 * admitted by it. The ports cannot be narrowed: torch.distributed's store listens on `--master-port`, but
 * NCCL's bootstrap and socket transport, gloo and vLLM's message queues listen on ports the kernel picks
 * (NCCL has no setting that pins them). A static policy cannot say "my own group", so there is one policy
 * per group index, selecting the model's pods with that `group-index` label.
 */
export function groupNetworkPolicySpec(podSelectorLabels: Record<string, string>, groupIndex: number): k8s.NetworkPolicySpec {
  const group = { ...podSelectorLabels, [LWS_GROUP_INDEX_LABEL]: String(groupIndex) };
  return {
    podSelector: { matchLabels: group },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: { matchLabels: { ...group } } }], ports: [{ protocol: 'TCP' }] }],
    egress: [{ to: [{ podSelector: { matchLabels: { ...group } } }], ports: [{ protocol: 'TCP' }] }],
  };
}

/**
 * The pods of a LeaderWorkerSet as kube-state-metrics names them: `<lws>-<group>` (leaders) and
 * `<lws>-<group>-<worker>` (workers).
 */
export function podNamePattern(name: string): string {
  return `${name}-[0-9]+(?:-[0-9]+)?`;
}
