/**
 * Memory of one GPU, from what a GpuNodePool says about its nodes: an explicit figure, a MIG
 * resource name, or the GPU product label. Pure data and lookups; no cdk8s import.
 *
 * Where the names come from. NVIDIA GPU Feature Discovery (GFD, part of the GPU Operator and of the
 * k8s-device-plugin repository, `internal/lm/resource.go`) labels each node with
 * - `nvidia.com/gpu.product`: the NVML device name with spaces replaced by `-` (`NVIDIA H100 80GB HBM3`
 *   -> `NVIDIA-H100-80GB-HBM3`, `Tesla T4` -> `Tesla-T4`); `-MIG-<profile>` is appended under the MIG
 *   `single` strategy (`NVIDIA-A100-SXM4-40GB-MIG-1g.5gb`) and `-SHARED` when the GPU is time-sliced;
 * - `nvidia.com/gpu.memory`: the NVML total memory in MiB.
 * The MiB figures below are that label's value (the same number `nvidia-smi` prints as total memory) as
 * observed on real nodes: GFD label dumps and `nvidia-smi` output in public repositories, read 2026-11.
 * Cards with ECC turned off report a little more (an A10 shows 24564 instead of 23028); the default,
 * ECC on, is listed. CUDA itself reports slightly less than NVML (an H100 80GB is 79.2 GiB to PyTorch,
 * 79.6 GiB here), so figures from this table err towards accepting a model.
 */

/** `nvidia.com/gpu.product` label value -> `nvidia.com/gpu.memory` (MiB). */
export const GPU_PRODUCT_MEMORY_MIB: Readonly<Record<string, number>> = {
  'NVIDIA-B200': 183359,
  'NVIDIA-H200': 143771,
  'NVIDIA-H200-NVL': 143771,
  'NVIDIA-H100-NVL': 95830,
  'NVIDIA-H100-80GB-HBM3': 81559,
  'NVIDIA-H100-PCIe': 81559,
  'NVIDIA-A100-SXM4-80GB': 81920,
  'NVIDIA-A100-80GB-PCIe': 81920,
  'NVIDIA-A100-SXM4-40GB': 40960,
  'NVIDIA-A100-PCIE-40GB': 40960,
  'NVIDIA-L40S': 46068,
  'NVIDIA-A40': 46068,
  'NVIDIA-L4': 23034,
  'NVIDIA-A10G': 23028,
  'NVIDIA-A10': 23028,
  'Tesla-V100-SXM2-32GB': 32768,
  'Tesla-V100-SXM2-16GB': 16384,
  'Tesla-T4': 15360,
};

/**
 * The memory a MIG profile names, in GiB: `nvidia.com/mig-3g.40gb` -> 40, `1g.10gb+me` -> 10. Profile
 * names round the slice's memory up (an A100 40GB's `1g.5gb` has 4864 MiB), so this errs towards
 * accepting a model, like the product table.
 */
export function migMemoryGiB(name: string): number | undefined {
  const m = /(?:^|[-/])(?:mig-)?\d+g\.(\d+(?:\.\d+)?)gb(?:\+me)?$/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** What a pool knows about its GPUs' memory. */
export interface GpuMemory {
  /** GiB of one GPU (or MIG slice). */
  readonly gib: number;
  /** The device, as messages name it: `NVIDIA-H100-80GB-HBM3`, `nvidia.com/mig-3g.40gb slice`, … */
  readonly device: string;
  /** A MIG slice (tensor parallelism across slices is not offered as a fix). */
  readonly mig?: boolean;
}

/**
 * The memory of one GPU of a pool, or undefined when it cannot be known (then nothing is checked):
 * `gpuMemoryGiB` when given; else a MIG resource's profile; else the smallest of the products, when
 * every product is in the table (one unknown product could be the smallest). Time-sliced products
 * (`-SHARED`) share their memory among pods and are unknown.
 */
export function gpuMemoryOf(spec: { gpuMemoryGiB?: number; gpuResource?: string; gpuProducts?: readonly string[] }): GpuMemory | undefined {
  const resource = spec.gpuResource ?? 'nvidia.com/gpu';
  const products = spec.gpuProducts ?? [];
  const slices = resource.startsWith('nvidia.com/mig-') || products.some((p) => p.includes('-MIG-'));
  if (spec.gpuMemoryGiB !== undefined) {
    const device = `${slices ? 'MIG slice' : 'GPU'} (gpuMemoryGiB ${spec.gpuMemoryGiB})`;
    return slices ? { gib: spec.gpuMemoryGiB, device, mig: true } : { gib: spec.gpuMemoryGiB, device };
  }
  const mig = resource.startsWith('nvidia.com/mig-') ? migMemoryGiB(resource) : undefined;
  if (mig !== undefined) return { gib: mig, device: `${resource} slice`, mig: true };
  if (resource !== 'nvidia.com/gpu' || products.length === 0) return undefined;
  const known = products.map((p) => ({ product: p, gib: productMemoryGiB(p) }));
  if (known.some((k) => k.gib === undefined)) return undefined;
  const smallest = known.reduce((a, b) => (b.gib! < a.gib! ? b : a));
  const device = products.length > 1 ? `${smallest.product} (the smallest of the pool's GPUs)` : smallest.product;
  return slices ? { gib: smallest.gib!, device, mig: true } : { gib: smallest.gib!, device };
}

/** GiB of a product label value, including `<product>-MIG-<profile>`; undefined when unknown. */
export function productMemoryGiB(product: string): number | undefined {
  const mig = /-MIG-(.+)$/.exec(product);
  if (mig) return migMemoryGiB(mig[1]);
  return Object.prototype.hasOwnProperty.call(GPU_PRODUCT_MEMORY_MIB, product) ? GPU_PRODUCT_MEMORY_MIB[product] / 1024 : undefined;
}
