/**
 * GPU capacity of a node pool against the pods placed on it. A pod's GPUs must come from one node,
 * so this packs pods onto nodes (first fit, largest first) rather than comparing totals only.
 */

/** The pods one model puts on a pool at most (replicas, plus the surge pod of a rolling update). */
export interface GpuDemand {
  /** Construct path of the model. */
  readonly model: string;
  readonly pods: number;
  readonly gpusPerPod: number;
  /** Of `pods`, how many exist only during a rolling update. */
  readonly surgePods: number;
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
    if (d.gpusPerPod > pool.gpusPerNode) {
      problems.push(
        `${d.model} needs ${d.gpusPerPod} ${pool.gpuResource} in one pod, but nodes of pool '${pool.name}' have ${pool.gpusPerNode} `
        + '(lower tensorParallelSize x pipelineParallelSize, or place the model on a pool with bigger nodes)',
      );
    }
  }
  if (problems.length > 0) return problems;
  const free = new Array<number>(pool.nodes).fill(pool.gpusPerNode);
  const pods = demands.flatMap((d) => new Array<number>(d.pods).fill(d.gpusPerPod)).sort((a, b) => b - a);
  let unplaced = 0;
  for (const gpus of pods) {
    const node = free.findIndex((f) => f >= gpus);
    if (node < 0) unplaced += gpus;
    else free[node] -= gpus;
  }
  if (unplaced === 0) return [];
  const total = pool.nodes * pool.gpusPerNode;
  const needed = demands.reduce((s, d) => s + d.pods * d.gpusPerPod, 0);
  const lines = demands.map((d) => {
    const surge = d.surgePods > 0 ? ` (${d.surgePods} of them only during a rolling update)` : '';
    return `${d.model}: ${d.pods} pod(s) x ${d.gpusPerPod} = ${d.pods * d.gpusPerPod}${surge}`;
  });
  const why = needed > total
    ? `they need ${needed}`
    : `they need ${needed}, but pods cannot be packed onto the nodes: ${unplaced} GPU(s) would stay Pending`;
  problems.push(
    `pool '${pool.name}' has ${total} ${pool.gpuResource} (${pool.nodes} node(s) x ${pool.gpusPerNode}); the models placed on it would leave pods Pending: ${why} `
    + `[${lines.join('; ')}] (add nodes to the pool, lower replicas${demands.some((d) => d.surgePods > 0) ? ', set allowSurge: false' : ''}, or move a model to another pool)`,
  );
  return problems;
}
