/**
 * GPU capacity of a node pool against the pods placed on it. A pod's GPUs must come from one node,
 * so this packs pods onto nodes (first fit, largest first) rather than comparing totals only. The pods of a
 * multi-node group must all run at once on different nodes, so a group is placed whole or not at all.
 */

/** The pods one model puts on a pool at most (replicas, plus the surge pod of a rolling update). */
export interface GpuDemand {
  /** Construct path of the model. */
  readonly model: string;
  readonly pods: number;
  readonly gpusPerPod: number;
  /** Of `pods`, how many exist only during a rolling update. */
  readonly surgePods: number;
  /**
   * Pods that only run together, each on its own node (a multi-node model's group); `pods` and `surgePods`
   * are whole groups of them.
   * @default 1
   */
  readonly podsPerGroup?: number;
}

export interface PoolCapacity {
  readonly name: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly gpuResource: string;
}

/** Problems as messages; empty when every pod fits. */
export function capacityProblems(pool: PoolCapacity, demands: readonly GpuDemand[]): string[] {
  const problems: string[] = [];
  for (const d of demands) {
    const size = d.podsPerGroup ?? 1;
    if (size > 1 && size > pool.nodes) {
      problems.push(
        `${d.model} runs groups of ${size} pods on ${size} different nodes (nodes: ${size}), each with ${d.gpusPerPod} ${pool.gpuResource} free at once, `
        + `but pool '${pool.name}' has ${pool.nodes} node(s) (add nodes to the pool, or place the model on a pool with at least ${size} nodes)`,
      );
    }
    if (d.gpusPerPod > pool.gpusPerNode) {
      problems.push(
        `${d.model} needs ${d.gpusPerPod} ${pool.gpuResource} in one pod, but nodes of pool '${pool.name}' have ${pool.gpusPerNode} `
        + `(lower tensorParallelSize x pipelineParallelSize${size > 1 ? ', raise nodes' : ''}, or place the model on a pool with bigger nodes)`,
      );
    }
  }
  if (problems.length > 0) return problems;
  const free = new Array<number>(pool.nodes).fill(pool.gpusPerNode);
  // Groups first (the largest first), then single pods by GPUs: a group needs `size` distinct nodes at once.
  const units = demands
    .flatMap((d) => {
      const size = d.podsPerGroup ?? 1;
      return new Array<{ size: number; gpus: number }>(Math.ceil(d.pods / size)).fill({ size, gpus: d.gpusPerPod });
    })
    .sort((a, b) => b.size - a.size || b.gpus - a.gpus);
  let unplaced = 0;
  for (const { size, gpus } of units) {
    const nodes = free.map((f, i) => (f >= gpus ? i : -1)).filter((i) => i >= 0).slice(0, size);
    if (nodes.length < size) unplaced += size * gpus;
    else for (const node of nodes) free[node] -= gpus;
  }
  if (unplaced === 0) return [];
  const total = pool.nodes * pool.gpusPerNode;
  const needed = demands.reduce((s, d) => s + d.pods * d.gpusPerPod, 0);
  const lines = demands.map((d) => {
    const size = d.podsPerGroup ?? 1;
    if (size > 1) {
      const surge = d.surgePods > 0 ? ` (${d.surgePods / size} of them only during a rolling update)` : '';
      return `${d.model}: ${d.pods / size} group(s) x ${size} pods on different nodes x ${d.gpusPerPod} = ${d.pods * d.gpusPerPod}${surge}`;
    }
    const surge = d.surgePods > 0 ? ` (${d.surgePods} of them only during a rolling update)` : '';
    return `${d.model}: ${d.pods} pod(s) x ${d.gpusPerPod} = ${d.pods * d.gpusPerPod}${surge}`;
  });
  const why = needed > total
    ? `they need ${needed}`
    : `they need ${needed}, but pods cannot be packed onto the nodes${demands.some((d) => (d.podsPerGroup ?? 1) > 1) ? ' (a group needs its GPUs free on that many nodes at once)' : ''}: ${unplaced} GPU(s) would stay Pending`;
  problems.push(
    `pool '${pool.name}' has ${total} ${pool.gpuResource} (${pool.nodes} node(s) x ${pool.gpusPerNode}); the models placed on it would leave pods Pending: ${why} `
    + `[${lines.join('; ')}] (add nodes to the pool, lower replicas${demands.some((d) => d.surgePods > 0) ? ', set allowSurge: false' : ''}, or move a model to another pool)`,
  );
  return problems;
}
