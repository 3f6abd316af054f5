/**
 * Does the model fit in GPU memory? A synth-time estimate of what vLLM decides at start-up.
 *
 * vLLM (v0.21, `vllm/v1/worker/gpu_worker.py` `determine_available_memory`, `vllm/v1/worker/utils.py`
 * `request_memory`) lets itself use `total GPU memory x gpu_memory_utilization` on each GPU; the KV cache
 * gets what is left after the weights, the activation peak of a profiling run, non-PyTorch memory and
 * (since v0.21) the CUDA-graph estimate. `vllm/v1/core/kv_cache_utils.py` `_check_enough_kv_cache_memory`
 * then refuses to start with "No available memory for the cache blocks" when nothing is left, and with
 * "... KV cache is needed, which is larger than the available KV cache memory ..." when one request of
 * `max_model_len` does not fit. Weights larger than the GPU fail earlier, with CUDA out of memory.
 *
 * The estimate, per GPU of a pod of `n = tensorParallelSize x pipelineParallelSize` GPUs:
 *
 *   (weights + KV_CACHE_FLOOR_GIB) / n + OVERHEAD_PER_GPU_GIB  <=  GPU memory x gpuMemoryUtilization
 *
 * with weights = parameters x bytes per parameter. Every term is a lower bound (the name's parameter
 * count, the quantized width of every weight, a small KV cache, a small overhead), so a model that fails
 * here fails in vLLM; one that passes may still need a smaller `maxModelLen`, which depends on the
 * model's layers and KV heads that the library does not know.
 */
import { GpuMemory } from './gpu-products';

export const GIB = 2 ** 30;

/**
 * The least KV cache a pod must have, split over its GPUs: one request of a few thousand tokens of a
 * grouped-query-attention model (Llama-3.1-8B: 128 KiB per token, 8192 tokens = 1 GiB).
 */
export const KV_CACHE_FLOOR_GIB = 1;

/**
 * What vLLM needs on each GPU besides weights and KV cache: the activation peak of its profiling run,
 * non-PyTorch memory (NCCL, cuBLAS workspaces) and CUDA graphs. vLLM's logs show 0.5 GiB for a 0.6B model
 * and 1.4-3 GiB for 7-8B models on an H100 (vllm-project/vllm PR #10511: activation peak 1.26 GiB for
 * Llama-3-8B), so 1 GiB is below what any real model needs.
 */
export const OVERHEAD_PER_GPU_GIB = 1;

/** vLLM's default `--gpu-memory-utilization` by release (`vllm/config/cache.py`; 0.92 since PR #38284). */
export const DEFAULT_GPU_MEMORY_UTILIZATION: Readonly<Record<string, number>> = { 'v0.21.0': 0.92 };

/** How wide the weights are, and what says so. */
export interface WeightPrecision {
  readonly bytesPerParameter: number;
  /** For messages: `16-bit`, `quantization 'fp8'`, `FP8 in the model name`, … */
  readonly source: string;
  /** True when nothing says how the checkpoint is stored and 16-bit is assumed. */
  readonly assumed: boolean;
}

/**
 * Bytes per parameter of `bits`-wide weights. Below 8 bits, scales add about a quarter of a bit per weight
 * (MXFP4: an 8-bit scale per 32 weights; AWQ/GPTQ: a 16-bit scale and a zero point per group of 64-128).
 */
function bytesOf(bits: number): number {
  return bits >= 8 ? bits / 8 : (bits + 0.25) / 8;
}

/** `--quantization` methods of vLLM v0.21 (`vllm/model_executor/layers/quantization/__init__.py`) with 8-bit weights. */
const EIGHT_BIT = new Set([
  'fp8', 'fbgemm_fp8', 'ptpc_fp8', 'modelopt', 'modelopt_mxfp8', 'mxfp8', 'fp8_per_tensor', 'fp8_per_block',
  'int8_per_channel_weight_only', 'experts_int8', 'deepseek_v4_fp8',
]);
/** Methods whose weights are 4-bit. */
const FOUR_BIT = new Set(['awq', 'awq_marlin', 'cpu_awq', 'modelopt_fp4', 'mxfp4', 'gpt_oss_mxfp4']);
/** Methods whose width the checkpoint decides; 4 bits unless the model name says otherwise. */
const MOSTLY_FOUR_BIT = new Set(['gptq', 'auto_gptq', 'gptq_marlin', 'moe_wna16', 'bitsandbytes']);

/**
 * The weight width a model name states (`-FP8`, `-AWQ`, `-GPTQ-Int8`, `-W4A16`, `-bnb-4bit`), or
 * 'unknown' for formats whose width varies per file (GGUF), or undefined when the name says nothing.
 */
export function bitsFromName(model: string): { bits: number; marker: string } | 'unknown' | undefined {
  const name = model.split('/').pop() ?? model;
  const tokens = name.split(/[-_.]/);
  const find = (re: RegExp) => tokens.find((t) => re.test(t));
  if (find(/^gguf$/i) || /\.gguf$/i.test(name)) return 'unknown';
  const explicit: Array<[RegExp, number]> = [
    [/^(fp8|int8|w8a8|w8a16|8bit)$/i, 8],
    [/^(int4|w4a16|w4a8|4bit|nvfp4|mxfp4|fp4)$/i, 4],
    [/^(int3|3bit)$/i, 3],
    [/^(int2|2bit)$/i, 2],
  ];
  for (const [re, bits] of explicit) {
    const marker = find(re);
    if (marker) return { bits, marker };
  }
  const method = find(/^(awq|gptq|bnb)$/i);
  if (method) return { bits: 4, marker: method };
  // gpt-oss checkpoints ship their expert weights in MXFP4 without saying so in the name.
  if (/(^|[-_.])gpt-oss([-_.]|$)/i.test(name)) return { bits: 4, marker: 'gpt-oss (MXFP4 weights)' };
  return undefined;
}

/**
 * Weight width from `quantization`, the model name and `dtype`; undefined when it cannot be known (a
 * quantization method whose width the checkpoint decides and the name does not state, GGUF).
 */
export function weightPrecision(model: string, dtype?: string, quantization?: string): WeightPrecision | undefined {
  const named = bitsFromName(model);
  if (quantization !== undefined) {
    const q = quantization.toLowerCase();
    if (EIGHT_BIT.has(q)) return { bytesPerParameter: 1, source: `quantization '${quantization}'`, assumed: false };
    if (FOUR_BIT.has(q)) return { bytesPerParameter: bytesOf(4), source: `quantization '${quantization}'`, assumed: false };
    if (named === 'unknown') return undefined;
    if (named !== undefined) return { bytesPerParameter: bytesOf(named.bits), source: `quantization '${quantization}', ${named.marker} in the model name`, assumed: false };
    if (MOSTLY_FOUR_BIT.has(q)) return { bytesPerParameter: bytesOf(4), source: `quantization '${quantization}', 4-bit`, assumed: false };
    return undefined;
  }
  if (named === 'unknown') return undefined;
  if (named !== undefined) return { bytesPerParameter: bytesOf(named.bits), source: `${named.marker} in the model name`, assumed: false };
  if (dtype === 'float' || dtype === 'float32') return { bytesPerParameter: 4, source: `dtype ${dtype}`, assumed: false };
  return { bytesPerParameter: 2, source: dtype === undefined || dtype === 'auto' ? '16-bit; no quantization is set or named' : `dtype ${dtype}`, assumed: true };
}

export interface FitInput {
  readonly model: string;
  /** Total parameters, in billions. */
  readonly billions: number;
  readonly precision: WeightPrecision;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  readonly utilization: number;
  /** Whether `gpuMemoryUtilization` was set (then raising it is offered as a fix). */
  readonly utilizationGiven: boolean;
  readonly gpu: GpuMemory;
  /** GPUs per node, bounding the tensorParallelSize offered as a fix; undefined offers none. */
  readonly gpusPerNode?: number;
}

export interface FitProblem {
  /** `tensorParallelSize` when raising it fixes the problem, else `model`. */
  readonly path: string;
  readonly message: string;
  readonly hint: string;
}

/** GiB each GPU of a pod needs. */
export function gibPerGpu(weights: number, gpus: number): number {
  return (weights + KV_CACHE_FLOOR_GIB) / gpus + OVERHEAD_PER_GPU_GIB;
}

/** GiB of the weights. */
export function weightsGiB(billions: number, bytesPerParameter: number): number {
  return (billions * 1e9 * bytesPerParameter) / GIB;
}

const gib = (x: number) => x.toFixed(1);

/** The problem when the model cannot fit, else undefined. */
export function fitProblem(f: FitInput): FitProblem | undefined {
  const tp = f.tensorParallelSize;
  const pp = f.pipelineParallelSize;
  const gpus = tp * pp;
  const weights = weightsGiB(f.billions, f.precision.bytesPerParameter);
  const need = gibPerGpu(weights, gpus);
  const budget = f.gpu.gib * f.utilization;
  if (need <= budget) return undefined;

  const consequence = weights / gpus > f.gpu.gib
    ? 'the weights alone are more than the GPU has, so loading would stop with CUDA out of memory'
    : weights / gpus + OVERHEAD_PER_GPU_GIB >= budget
      ? 'vLLM would stop at start-up with "No available memory for the cache blocks"'
      : 'vLLM would stop at start-up with "... KV cache is needed, which is larger than the available KV cache memory"';

  const fixes: string[] = [];
  let tpFix: number | undefined;
  if (f.gpusPerNode !== undefined) {
    // Powers of two: tensorParallelSize must divide the attention-head count, and head counts are.
    for (let cand = 1; cand <= 64 && cand * pp <= f.gpusPerNode; cand *= 2) {
      if (cand > tp && gibPerGpu(weights, cand * pp) <= budget) {
        tpFix = cand;
        fixes.push(`set tensorParallelSize to ${cand} (${gib(gibPerGpu(weights, cand * pp))} GiB per GPU)`);
        break;
      }
    }
  }
  if (f.precision.bytesPerParameter > 1) {
    const fp8 = gibPerGpu(weightsGiB(f.billions, 1), gpus);
    const int4 = gibPerGpu(weightsGiB(f.billions, bytesOf(4)), gpus);
    if (fp8 <= budget) fixes.push(`use quantization: 'fp8' or an 8-bit checkpoint (${gib(fp8)} GiB per GPU)`);
    else if (int4 <= budget) fixes.push(`use a 4-bit (AWQ or GPTQ) checkpoint (${gib(int4)} GiB per GPU)`);
  } else if (f.precision.bytesPerParameter > bytesOf(4)) {
    const int4 = gibPerGpu(weightsGiB(f.billions, bytesOf(4)), gpus);
    if (int4 <= budget) fixes.push(`use a 4-bit (AWQ or GPTQ) checkpoint (${gib(int4)} GiB per GPU)`);
  }
  if (f.utilizationGiven && need / f.gpu.gib <= 0.95) {
    fixes.push(`raise gpuMemoryUtilization to ${Math.ceil((need / f.gpu.gib) * 100) / 100}`);
  }
  const larger = Math.ceil(need / f.utilization);
  fixes.push(f.gpu.device.endsWith(' slice') ? `use a MIG profile or GPU with at least ${larger} GiB` : `use GPUs with at least ${larger} GiB each`);
  const last = fixes.pop()!;
  let hint = fixes.length > 0 ? `${fixes.join(', ')}, or ${last}` : last;
  if (f.precision.assumed) hint += '; if the checkpoint is already quantized, set quantization to its method';

  const pod = gpus === 1 ? 'the pod\'s GPU needs' : `each of the pod's ${gpus} GPUs needs`;
  const bytes = String(Number(f.precision.bytesPerParameter.toFixed(2)));
  const unit = bytes === '1' ? 'byte' : 'bytes';
  return {
    path: tpFix !== undefined ? 'tensorParallelSize' : 'model',
    message: `${f.model} does not fit in GPU memory: ${f.billions}B parameters at ${bytes} ${unit} each (${f.precision.source}) are `
      + `${gib(weights)} GiB of weights; with at least ${KV_CACHE_FLOOR_GIB} GiB of KV cache and ${OVERHEAD_PER_GPU_GIB} GiB per GPU for activations `
      + `and CUDA graphs, ${pod} ${gib(need)} GiB, but vLLM may use ${gib(budget)} GiB of each ${f.gpu.device} `
      + `(${gib(f.gpu.gib)} GiB x gpuMemoryUtilization ${f.utilization}): ${consequence}`,
    hint,
  };
}
