import { Construct } from 'constructs';
import { capacityProblems, GpuDemand } from './capacity';
import { GpuMemory, gpuMemoryOf } from './gpu-products';
import { IssueCollector, ValidationIssue } from '../core/errors';
import { Toleration, TOLERATION_SHAPE } from '../core/kube-types';
import { compareStrings } from '../core/order';
import { checkShape, Shape } from '../core/shape';
import { onSynth } from '../core/synth';
import { checkLabels } from '../core/validate';

/** Props of `GpuNodePool`. */
export interface GpuNodePoolProps {
  /** GPUs each node has. */
  readonly gpusPerNode: number;
  /** Number of nodes in the pool (its maximum, for autoscaled pools). */
  readonly nodes: number;
  /**
   * The GPU model the nodes have, as GPU Feature Discovery labels it (`nvidia.com/gpu.product`), e.g.
   * `NVIDIA-A100-SXM4-80GB`; pods get a node affinity for it. Use `gpuProducts` for several.
   * @default - any GPU model
   */
  readonly gpuProduct?: string;
  /**
   * GPU model(s) the nodes have, as GPU Feature Discovery labels them (`nvidia.com/gpu.product`, e.g.
   * `NVIDIA-A100-SXM4-80GB`); pods get a node affinity for them.
   * @default - any GPU model
   */
  readonly gpuProducts?: string[];
  /**
   * Node labels that identify the pool, e.g. `{ 'node-type': 'gpu' }` or a cloud node-pool label.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Taints of the pool's nodes that pods must tolerate, besides the `nvidia.com/gpu` one every model gets.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * The extended resource the nodes offer GPUs as.
   * @default 'nvidia.com/gpu'
   */
  readonly gpuResource?: string;
  /**
   * Memory of one GPU (of one slice, with a MIG `gpuResource`), in GiB, as `nvidia.com/gpu.memory`
   * shows it divided by 1024. Models placed on the pool are checked against it: their weights, a minimal
   * KV cache and vLLM's overhead must fit in this x `gpuMemoryUtilization` x their GPUs.
   * @default - from the MIG profile of `gpuResource` (`nvidia.com/mig-3g.40gb`: 40), else from the GPU
   * product(s), the smallest when there are several (see docs/vllm-models.md for the known products);
   * when neither says, GPU memory is not checked
   */
  readonly gpuMemoryGiB?: number;
}

const GPU_NODE_POOL_SHAPE: Shape = {
  obj: {
    gpusPerNode: 'number',
    nodes: 'number',
    gpuProduct: 'string',
    gpuProducts: { arr: 'string' },
    nodeSelector: { map: 'string' },
    tolerations: { arr: TOLERATION_SHAPE },
    gpuResource: 'string',
    gpuMemoryGiB: 'number',
  },
};

interface Placement {
  readonly demand: () => GpuDemand;
}

/** Upper bounds of a pool's size: beyond them the number is a mistake (and the capacity check would plan for it). */
const MAX_POOL = {
  nodes: { value: 5000, why: 'Kubernetes supports clusters of at most 5,000 nodes; give the number of GPU nodes in this pool' },
  gpusPerNode: { value: 128, why: 'no GPU node has more than a few dozen GPUs; give the GPUs of one node (e.g. 8), not of the pool' },
} as const;

/**
 * A pool of GPU nodes: where `VllmModel`s run, and how many GPUs there are. It emits nothing; at synth
 * time it checks that the pods of every model placed on it fit (replicas, and the surge pod of rolling
 * updates), packing each pod's GPUs onto one node.
 *
 * @example
 * const pool = new GpuNodePool(chart, 'a100', { gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpusPerNode: 8, nodes: 2 });
 * new VllmModel(chart, 'llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', nodePool: pool });
 */
export class GpuNodePool extends Construct {
  /** GPUs per node. */
  public readonly gpusPerNode: number;
  /** Nodes in the pool. */
  public readonly nodes: number;
  /** The extended resource GPUs are requested as. */
  public readonly gpuResource: string;
  /** Node labels pods require. */
  public readonly nodeSelector: { [key: string]: string };
  /** GPU products pods require (empty: any). */
  public readonly gpuProducts: string[];
  /** Tolerations pods get. */
  public readonly tolerations: Toleration[];
  /**
   * Memory of one GPU (or MIG slice) in GiB: `gpuMemoryGiB`, or what the MIG profile or GPU product says;
   * undefined when unknown (models on the pool are then not checked against GPU memory).
   */
  public readonly gpuMemoryGiB?: number;
  /** @internal The memory and the device it is of, for the models' fit check. */
  public readonly _gpuMemory?: GpuMemory;
  private readonly placements: Placement[] = [];

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give at least { gpusPerNode, nodes }');
    else checkShape(issues, props, GPU_NODE_POOL_SHAPE);
    issues.throwIfAny(this.node.path);
    for (const field of ['gpusPerNode', 'nodes'] as const) {
      const v = props?.[field];
      const max = MAX_POOL[field];
      if (!Number.isInteger(v) || v < 1) issues.add(`expected a positive integer, got ${JSON.stringify(v)}`, 'e.g. 8', field);
      else if (v > max.value) issues.add(`${v} is more than ${max.value}`, max.why, field);
    }
    if (props?.gpuProducts !== undefined && (!Array.isArray(props.gpuProducts) || props.gpuProducts.some((p) => typeof p !== 'string' || p.length === 0))) {
      issues.add('expected a list of product names', 'e.g. [\'NVIDIA-A100-SXM4-80GB\']', 'gpuProducts');
    }
    if (props?.gpuProduct !== undefined && props.gpuProducts !== undefined) issues.add('give gpuProduct or gpuProducts, not both', 'list every product in gpuProducts', 'gpuProduct');
    if (props?.gpuProduct !== undefined && (typeof props.gpuProduct !== 'string' || props.gpuProduct.length === 0)) {
      issues.add('expected a product name', 'e.g. NVIDIA-A100-SXM4-80GB', 'gpuProduct');
    }
    checkLabels(issues.at('nodeSelector'), props?.nodeSelector);
    if (props?.gpuResource !== undefined && !/^[a-z0-9.-]+\/[a-z0-9._-]+$/i.test(props.gpuResource)) {
      issues.add(`'${props.gpuResource}' is not an extended resource name`, 'e.g. nvidia.com/gpu, amd.com/gpu or nvidia.com/mig-3g.40gb', 'gpuResource');
    }
    const mem = props?.gpuMemoryGiB;
    if (mem !== undefined && !(Number.isFinite(mem) && mem > 0 && mem <= 4096)) {
      issues.add(`expected GiB of one GPU, above 0 and at most 4096, got ${String(mem)}`, 'e.g. 80 for an 80 GB GPU; see nvidia.com/gpu.memory (MiB) on the nodes', 'gpuMemoryGiB');
    }
    issues.throwIfAny(this.node.path);
    this.gpusPerNode = props.gpusPerNode;
    this.nodes = props.nodes;
    this.gpuResource = props.gpuResource ?? 'nvidia.com/gpu';
    this.nodeSelector = { ...props.nodeSelector };
    this.gpuProducts = props.gpuProduct !== undefined ? [props.gpuProduct] : [...(props.gpuProducts ?? [])];
    this.tolerations = [...(props.tolerations ?? [])];
    this._gpuMemory = gpuMemoryOf({ gpuMemoryGiB: props.gpuMemoryGiB, gpuResource: this.gpuResource, gpuProducts: this.gpuProducts });
    this.gpuMemoryGiB = this._gpuMemory?.gib;
    onSynth(this, () => this.validateCapacity());
  }

  /** GPUs in the pool. */
  public get totalGpus(): number {
    return this.gpusPerNode * this.nodes;
  }

  /** @internal Called by the models placed on the pool. */
  public _place(demand: () => GpuDemand): void {
    this.placements.push({ demand });
  }

  private validateCapacity(): ValidationIssue[] {
    // Demands in model path order, so the message does not depend on the order models were created in.
    const demands = this.placements.map((p) => p.demand()).sort((a, b) => compareStrings(a.model, b.model));
    return capacityProblems({ name: this.node.path, nodes: this.nodes, gpusPerNode: this.gpusPerNode, gpuResource: this.gpuResource }, demands)
      .map((message) => ({ construct: this.node.path, path: 'nodes', message }));
  }
}
