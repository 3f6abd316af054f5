/**
 * GPU memory fit at synth time, and CPU/memory requests by size.
 *
 * What vLLM decides, read in vllm-project/vllm at 9aaf83ef502fc37bc647f6e474314d48ba36cd1c (main of
 * 2026-05-19, days after v0.21.0, the snapshot data/vllm/v0.21.0 was taken from; the upstream repository
 * is too large to fetch here and the fork read has no tags):
 * - vllm/v1/worker/utils.py `request_memory`: requested_memory = ceil(total_memory x
 *   gpu_memory_utilization), per GPU ("Free memory on device ... is less than desired GPU memory
 *   utilization" when the GPU is not free enough).
 * - vllm/v1/worker/gpu_worker.py `Worker.determine_available_memory`: profiles a forward pass
 *   (`memory_profiling(..., weights_memory=model_memory_usage)`, `profile_run`, `profile_cudagraph_memory`)
 *   and returns available_kv_cache_memory_bytes = requested_memory - non_kv_cache_memory (weights + torch
 *   activation peak + non-torch increase) - the CUDA-graph estimate (counted by default "as of v0.21.0",
 *   VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1).
 * - vllm/v1/core/kv_cache_utils.py `_check_enough_kv_cache_memory`: available <= 0 raises
 *   "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing
 *   the engine ..."; too little for one request of max_model_len raises "To serve at least one request with
 *   the model's max seq len (N), (X GiB KV cache is needed, which is larger than the available KV cache
 *   memory (Y GiB). ..."
 * - vllm/config/cache.py `CacheConfig.gpu_memory_utilization`: default 0.92 (PR #38284, 2026-04-21).
 * Weights bigger than the GPU never get that far: loading raises torch.OutOfMemoryError.
 */
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { GpuNodePool, GpuNodePoolProps, VllmModel, VllmModelProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { GPU_PRODUCT_MEMORY_MIB, gpuMemoryOf, migMemoryGiB, productMemoryGiB } from '../../src/vllm/gpu-products';
import { bitsFromName, fitProblem, gibPerGpu, weightPrecision, weightsGiB } from '../../src/vllm/memory-fit';
import { defaultResources, parametersForMemory } from '../../src/vllm/sizing';
import { Manifest } from '../support/manifests';

const H100: GpuNodePoolProps = { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: 2 };
const L4x4: GpuNodePoolProps = { gpuProduct: 'NVIDIA-L4', gpusPerNode: 4, nodes: 4 };
const LLAMA_70B = 'meta-llama/Llama-3.3-70B-Instruct';
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';

/** Issues as `<path>: <message> (<hint>)`; [] when the model is accepted. */
function problems(pool: GpuNodePoolProps | undefined, props: Partial<VllmModelProps>): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const nodePool = pool && new GpuNodePool(chart, 'pool', pool);
  try {
    new VllmModel(chart, 'm', { model: LLAMA_8B, environment: 'production', nodePool, ...props });
    return [];
  } catch (err) {
    expect(ValidationError.isValidationError(err)).toBe(true);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
}

function resources(props: Partial<VllmModelProps>): { requests: Record<string, string>; limits: Record<string, string> } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new VllmModel(chart, 'm', { model: LLAMA_8B, environment: 'production', ...props });
  const objs = Testing.synth(chart) as Manifest[];
  return objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].resources;
}

describe('GPU memory fit (construct)', () => {
  test('70B at bf16 on one 80 GB H100 is refused with the numbers, the vLLM failure and the fixes', () => {
    expect(problems(H100, { model: LLAMA_70B })).toEqual([
      'tensorParallelSize: meta-llama/Llama-3.3-70B-Instruct does not fit in GPU memory: 70B parameters at 2 bytes each '
      + '(16-bit; no quantization is set or named) are 130.4 GiB of weights; with at least 1 GiB of KV cache and 1 GiB per GPU for '
      + 'activations and CUDA graphs, the pod\'s GPU needs 132.4 GiB, but vLLM may use 73.3 GiB of each NVIDIA-H100-80GB-HBM3 '
      + '(79.6 GiB x gpuMemoryUtilization 0.92): the weights alone are more than the GPU has, so loading would stop with CUDA out of memory '
      + '(set tensorParallelSize to 2 (66.7 GiB per GPU), use quantization: \'fp8\' or an 8-bit checkpoint (67.2 GiB per GPU), '
      + 'or use GPUs with at least 144 GiB each; if the checkpoint is already quantized, set quantization to its method)',
    ]);
  });

  test('the same model with tensorParallelSize 2 fits (each GPU holds half the weights)', () => {
    expect(problems(H100, { model: LLAMA_70B, tensorParallelSize: 2 })).toEqual([]);
    // Pipeline parallelism splits the weights too.
    expect(problems(H100, { model: LLAMA_70B, pipelineParallelSize: 2 })).toEqual([]);
  });

  test('fp8: the quantization prop, or a checkpoint named FP8, fits on one H100; not on one L4', () => {
    expect(problems(H100, { model: LLAMA_70B, quantization: 'fp8' })).toEqual([]);
    expect(problems(H100, { model: 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic' })).toEqual([]);
    const l4 = problems({ gpuProduct: 'NVIDIA-L4', gpusPerNode: 4, nodes: 1 }, { model: LLAMA_70B, quantization: 'fp8' });
    expect(l4).toHaveLength(1);
    expect(l4[0]).toMatch(/^tensorParallelSize: .* 70B parameters at 1 byte each \(quantization 'fp8'\) are 65\.2 GiB of weights; .*the pod's GPU needs 67\.2 GiB, but vLLM may use 20\.7 GiB of each NVIDIA-L4 \(22\.5 GiB x gpuMemoryUtilization 0\.92\)/);
    expect(l4[0]).toMatch(/\(set tensorParallelSize to 4 \(17\.5 GiB per GPU\), or use GPUs with at least 74 GiB each\)$/);
  });

  test('AWQ/GPTQ: 4-bit weights (and group scales) need about a quarter of bf16', () => {
    // 70B x 4.25 bits = 34.6 GiB: too much for one L4 (20.7 GiB usable), enough on two.
    const awq = problems(L4x4, { model: 'hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4' });
    expect(awq[0]).toMatch(/^tensorParallelSize: .* at 0\.53 bytes each \(INT4 in the model name\) are 34\.6 GiB of weights;.*\(set tensorParallelSize to 2 \(18\.8 GiB per GPU\), or use GPUs with at least 40 GiB each\)$/);
    expect(problems(L4x4, { model: 'hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4', tensorParallelSize: 2 })).toEqual([]);
    expect(problems(L4x4, { model: 'org/llama-70b-awq', parameters: '70B', quantization: 'awq', tensorParallelSize: 2 })).toEqual([]);
    expect(problems(L4x4, { model: 'org/llama-70b-awq', parameters: '70B', quantization: 'awq' })[0]).toMatch(/\(quantization 'awq'\) are 34\.6 GiB/);
    // A GPTQ checkpoint named Int8 is 8-bit: twice as big.
    expect(problems(L4x4, { model: 'Qwen/Qwen2.5-72B-Instruct-GPTQ-Int8', quantization: 'gptq', tensorParallelSize: 2 })[0])
      .toMatch(/72B parameters at 1 byte each \(quantization 'gptq', Int8 in the model name\).*set tensorParallelSize to 4/);
  });

  test('unknown GPU products, pools without a product, time-sliced GPUs and pools without memory are not checked', () => {
    for (const gpuProduct of ['NVIDIA-GeForce-RTX-4090', 'NVIDIA-H100-80GB-HBM3-SHARED', 'Custom-Accelerator']) {
      expect(problems({ gpuProduct, gpusPerNode: 1, nodes: 1 }, { model: LLAMA_70B })).toEqual([]);
    }
    expect(problems({ gpusPerNode: 8, nodes: 1 }, { model: LLAMA_70B })).toEqual([]);
    expect(problems(undefined, { model: LLAMA_70B })).toEqual([]);
    // One unknown product could be the smallest.
    expect(problems({ gpuProducts: ['NVIDIA-H100-80GB-HBM3', 'Mystery-GPU'], gpusPerNode: 8, nodes: 1 }, { model: LLAMA_70B })).toEqual([]);
  });

  test('several products: the smallest decides', () => {
    const pool = { gpuProducts: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-40GB'], gpusPerNode: 8, nodes: 1 };
    // 34B at bf16 is 63.3 GiB: fits an H100 (73.3 GiB usable), not a 40 GB A100 (36.8 GiB usable).
    expect(problems({ ...pool, gpuProducts: ['NVIDIA-H100-80GB-HBM3'] }, { model: 'codellama/CodeLlama-34b-Instruct-hf' })).toEqual([]);
    expect(problems(pool, { model: 'codellama/CodeLlama-34b-Instruct-hf' })[0])
      .toMatch(/vLLM may use 36\.8 GiB of each NVIDIA-A100-SXM4-40GB \(the smallest of the pool's GPUs\) \(40\.0 GiB x gpuMemoryUtilization 0\.92\).*set tensorParallelSize to 2/);
  });

  test('gpuMemoryGiB: checks a product the table does not know, and wins over the table', () => {
    const custom = { gpuProduct: 'NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition', gpusPerNode: 8, nodes: 1 };
    expect(problems(custom, { model: LLAMA_70B })).toEqual([]);
    expect(problems({ ...custom, gpuMemoryGiB: 95 }, { model: LLAMA_70B })[0]).toMatch(
      /vLLM may use 87\.4 GiB of each GPU \(gpuMemoryGiB 95\) \(95\.0 GiB x gpuMemoryUtilization 0\.92\).*\(set tensorParallelSize to 2/,
    );
    expect(problems({ ...H100, gpuMemoryGiB: 200 }, { model: LLAMA_70B })).toEqual([]);
    const chart = new Chart(Testing.app(), 'c');
    expect(new GpuNodePool(chart, 'a', H100).gpuMemoryGiB).toBeCloseTo(81559 / 1024, 6);
    expect(new GpuNodePool(chart, 'b', { ...H100, gpuMemoryGiB: 64 }).gpuMemoryGiB).toBe(64);
    expect(new GpuNodePool(chart, 'c', { gpusPerNode: 1, nodes: 1 }).gpuMemoryGiB).toBeUndefined();
    expect(() => new GpuNodePool(chart, 'd', { ...H100, gpuMemoryGiB: 0 })).toThrow(
      'c/d gpuMemoryGiB: expected GiB of one GPU, above 0 and at most 4096, got 0 (e.g. 80 for an 80 GB GPU; see nvidia.com/gpu.memory (MiB) on the nodes)',
    );
    expect(() => new GpuNodePool(chart, 'e', { ...H100, gpuMemoryGiB: '80' as any })).toThrow("c/e gpuMemoryGiB: expected a number, got '80'");
  });

  test('MIG: the slice\'s memory comes from the resource name (on the pool or the model) or the product label', () => {
    const mig = { gpuResource: 'nvidia.com/mig-3g.40gb', gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpusPerNode: 2, nodes: 1 };
    expect(problems(mig, {})).toEqual([]);
    // No tensorParallelSize is offered across MIG slices; the message names the slice.
    expect(problems(mig, { model: LLAMA_70B, quantization: 'fp8' })).toEqual([
      expect.stringMatching(/^model: .*vLLM may use 36\.8 GiB of each nvidia\.com\/mig-3g\.40gb slice \(40\.0 GiB x gpuMemoryUtilization 0\.92\).*\(use a 4-bit \(AWQ or GPTQ\) checkpoint \(36\.6 GiB per GPU\), or use a MIG profile or GPU with at least 74 GiB\)$/),
    ]);
    expect(problems(undefined, { gpuResource: 'nvidia.com/mig-1g.10gb' })[0]).toMatch(
      /^model: .*the pod's GPU needs 16\.9 GiB, but vLLM may use 9\.2 GiB of each nvidia\.com\/mig-1g\.10gb slice .*use a 4-bit \(AWQ or GPTQ\) checkpoint \(6\.0 GiB per GPU\)/,
    );
    expect(problems({ gpuProduct: 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb', gpusPerNode: 7, nodes: 1 }, { model: 'Qwen/Qwen2.5-0.5B-Instruct' })).toEqual([]);
    // MIG under the single strategy: the resource is nvidia.com/gpu, the product names the slice; no tensorParallelSize either.
    expect(problems({ gpuProduct: 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb', gpusPerNode: 7, nodes: 1 }, {})[0]).toMatch(/^model: .*of each NVIDIA-A100-SXM4-40GB-MIG-1g\.5gb \(5\.0 GiB/);
  });

  test('the KV-cache floor, the per-GPU overhead and the utilization are all counted', () => {
    // 8B at bf16: 14.9 GiB of weights. With 17.8 GiB and 0.92, 16.4 GiB are usable: weights + overhead
    // (15.9) fit, weights + overhead + KV floor (16.9) do not.
    expect(problems({ gpuMemoryGiB: 17.8, gpusPerNode: 1, nodes: 1 }, {})[0]).toMatch(
      /the pod's GPU needs 16\.9 GiB, but vLLM may use 16\.4 GiB .*: vLLM would stop at start-up with "\.\.\. KV cache is needed, which is larger than the available KV cache memory"/,
    );
    // 16.1 GiB usable: the weights and KV floor (15.9) fit, not with the overhead.
    expect(problems({ gpuMemoryGiB: 17.5, gpusPerNode: 1, nodes: 1 }, {})).toHaveLength(1);
    expect(problems({ gpuMemoryGiB: 18.5, gpusPerNode: 1, nodes: 1 }, {})).toEqual([]);
    // A lower utilization leaves less; the fix names the utilization that would do.
    expect(problems({ gpuMemoryGiB: 18.5, gpusPerNode: 1, nodes: 1 }, { gpuMemoryUtilization: 0.8 })[0]).toMatch(
      /vLLM may use 14\.8 GiB .*: vLLM would stop at start-up with "No available memory for the cache blocks" \(.*raise gpuMemoryUtilization to 0\.92, or use GPUs/,
    );
    // float32 doubles the weights (8B at bf16 fits 32 GiB).
    expect(problems({ gpuMemoryGiB: 32, gpusPerNode: 1, nodes: 1 }, {})).toEqual([]);
    expect(problems({ gpuMemoryGiB: 32, gpusPerNode: 1, nodes: 1 }, { dtype: 'float32' })[0]).toMatch(/8B parameters at 4 bytes each \(dtype float32\) are 29\.8 GiB/);
  });

  test('tensorParallelSize is offered only up to the GPUs of a node', () => {
    // 70B fp8 needs 4 L4s; nodes with 2 cannot hold such a pod.
    const small = problems({ gpuProduct: 'NVIDIA-L4', gpusPerNode: 2, nodes: 8 }, { model: LLAMA_70B, quantization: 'fp8' });
    expect(small[0]).toMatch(/^model: .*\(use GPUs with at least 74 GiB each\)$/);
    // With pipeline parallelism 2, tensorParallelSize 2 makes the 4 GPUs.
    expect(problems(L4x4, { model: LLAMA_70B, quantization: 'fp8', pipelineParallelSize: 2 })[0])
      .toMatch(/^tensorParallelSize: .*each of the pod's 2 GPUs needs 34\.1 GiB.*set tensorParallelSize to 2 \(17\.5 GiB per GPU\)/);
  });

  test('what the library cannot know is not guessed: 8x7B totals, GGUF, unknown quantization methods, memory-changing extraArgs', () => {
    const t4 = { gpuProduct: 'Tesla-T4', gpusPerNode: 4, nodes: 1 };
    expect(problems(t4, { model: 'mistralai/Mixtral-8x7B-Instruct-v0.1' })).toEqual([]);
    expect(problems(t4, { model: 'mistralai/Mixtral-8x7B-Instruct-v0.1', parameters: '8x7B' })).toEqual([]);
    expect(problems(t4, { model: 'mistralai/Mixtral-8x7B-Instruct-v0.1', parameters: '47B' })[0]).toMatch(/^model: .*47B parameters at 2 bytes each/);
    expect(problems(t4, { model: '/cache/llama-70b.Q4_K_M.gguf', parameters: '70B', cache: { existingClaimName: 'w', accessMode: 'ReadOnlyMany' } })).toEqual([]);
    expect(problems(t4, { model: LLAMA_70B, quantization: 'compressed-tensors' })).toEqual([]);
    expect(problems(t4, { model: LLAMA_70B, quantization: 'my_plugin' })).toEqual([]);
    expect(problems(t4, { model: LLAMA_70B, extraArgs: ['--cpu-offload-gb', '100'] })).toEqual([]);
    expect(problems(t4, { model: LLAMA_70B, extraArgs: ['--kv-cache-memory-bytes=1000000000'] })).toEqual([]);
    expect(problems(t4, { model: LLAMA_70B, extraArgs: ['--load-format', 'bitsandbytes'] })).toEqual([]);
    // A loader that does not change the weights does not turn the check off.
    expect(problems(t4, { model: LLAMA_70B, extraArgs: ['--load-format', 'safetensors'] })).toHaveLength(1);
    // Other problems are reported without the fit check second-guessing them.
    expect(problems(t4, { model: LLAMA_70B, tensorParallelSize: 0 })).toEqual(['tensorParallelSize: tensorParallelSize must be an integer from 1 to 64, got 0']);
  });
});

describe('GPU memory fit (pure)', () => {
  test('the formula: weights and KV floor split over the GPUs, overhead on each', () => {
    expect(weightsGiB(70, 2)).toBeCloseTo(130.385, 3);
    expect(gibPerGpu(130, 1)).toBe(132);
    expect(gibPerGpu(130, 2)).toBe(66.5);
    const gpu = { gib: 80, device: 'X' };
    const base = { model: 'm', billions: 70, precision: weightPrecision('m')!, tensorParallelSize: 2, pipelineParallelSize: 1, utilization: 0.9, utilizationGiven: false, gpu };
    expect(fitProblem(base)).toBeUndefined();
    expect(fitProblem({ ...base, tensorParallelSize: 1 })?.path).toBe('model'); // no gpusPerNode: no tensorParallelSize offered
    expect(fitProblem({ ...base, tensorParallelSize: 1, gpusPerNode: 8 })?.path).toBe('tensorParallelSize');
  });

  test('properties: more GPUs never make a fitting model fail; an offered tensorParallelSize fits; every fix is in the hint', () => {
    const input = fc.record({
      billions: fc.double({ min: 0.1, max: 1000, noNaN: true }),
      bytes: fc.constantFrom(4, 2, 1, 0.53125),
      tp: fc.constantFrom(1, 2, 4, 8),
      pp: fc.constantFrom(1, 2),
      gib: fc.double({ min: 4, max: 200, noNaN: true }),
      utilization: fc.double({ min: 0.3, max: 1, noNaN: true }),
      gpusPerNode: fc.constantFrom(1, 2, 4, 8, 16),
    });
    const seen = { fits: 0, offered: 0, noOffer: 0 };
    fc.assert(fc.property(input, (i) => {
      const precision = { bytesPerParameter: i.bytes, source: 's', assumed: false };
      const gpu = { gib: i.gib, device: 'G' };
      const base = { model: 'm', billions: i.billions, precision, pipelineParallelSize: i.pp, utilization: i.utilization, utilizationGiven: false, gpu };
      const at = (tp: number) => fitProblem({ ...base, tensorParallelSize: tp, gpusPerNode: i.gpusPerNode });
      const p = at(i.tp);
      if (p === undefined) {
        expect(at(i.tp * 2)).toBeUndefined();
        seen.fits++;
        return;
      }
      const offered = /set tensorParallelSize to (\d+)/.exec(p.hint);
      seen[offered ? 'offered' : 'noOffer']++;
      expect(p.path).toBe(offered ? 'tensorParallelSize' : 'model');
      if (offered) {
        expect(at(Number(offered[1]))).toBeUndefined();
        expect(Number(offered[1]) * i.pp).toBeLessThanOrEqual(i.gpusPerNode);
        // The smallest: the power of two below it (if above the current one) does not fit.
        if (Number(offered[1]) / 2 > i.tp) expect(at(Number(offered[1]) / 2)).toBeDefined();
      }
      expect(p.hint).toMatch(/use GPUs with at least \d+ GiB each/);
    }), { numRuns: 500 });
    // Every branch ran: models that fit, models a larger tensorParallelSize fixes, models nothing on the node fixes.
    expect(Object.entries(seen).filter(([, n]) => n === 0)).toEqual([]);
  });

  test('weight width from quantization, the model name and dtype', () => {
    expect(weightPrecision(LLAMA_8B)).toEqual({ bytesPerParameter: 2, source: '16-bit; no quantization is set or named', assumed: true });
    expect(weightPrecision(LLAMA_8B, 'bfloat16')).toMatchObject({ bytesPerParameter: 2, source: 'dtype bfloat16', assumed: true });
    expect(weightPrecision(LLAMA_8B, 'float')).toMatchObject({ bytesPerParameter: 4, assumed: false });
    expect(weightPrecision(LLAMA_8B, undefined, 'fp8')).toMatchObject({ bytesPerParameter: 1 });
    expect(weightPrecision(LLAMA_8B, 'bfloat16', 'fp8')).toMatchObject({ bytesPerParameter: 1 });
    expect(weightPrecision(LLAMA_8B, undefined, 'awq_marlin')).toMatchObject({ bytesPerParameter: 0.53125 });
    expect(weightPrecision(LLAMA_8B, undefined, 'gptq')).toMatchObject({ bytesPerParameter: 0.53125, source: "quantization 'gptq', 4-bit" });
    expect(weightPrecision(LLAMA_8B, undefined, 'compressed-tensors')).toBeUndefined();
    expect(weightPrecision('RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8', undefined, 'compressed-tensors')).toMatchObject({ bytesPerParameter: 1 });
    expect(weightPrecision('neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8')).toMatchObject({ bytesPerParameter: 1, source: 'FP8 in the model name', assumed: false });
    expect(weightPrecision('unsloth/llama-3-8b-Instruct-bnb-4bit')).toMatchObject({ bytesPerParameter: 0.53125 });
    expect(weightPrecision('openai/gpt-oss-120b')).toMatchObject({ bytesPerParameter: 0.53125, source: 'gpt-oss (MXFP4 weights) in the model name' });
    expect(weightPrecision('TheBloke/Llama-2-7B-GGUF')).toBeUndefined();
    expect(bitsFromName('Qwen/Qwen2.5-7B-Instruct')).toBeUndefined();
    expect(bitsFromName('Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4')).toEqual({ bits: 4, marker: 'Int4' });
    expect(bitsFromName('TheBloke/Llama-2-70B-Chat-AWQ')).toEqual({ bits: 4, marker: 'AWQ' });
  });

  test('GPU memory from the product table, MIG names and explicit figures', () => {
    expect(productMemoryGiB('NVIDIA-H100-80GB-HBM3')).toBeCloseTo(79.65, 2);
    expect(productMemoryGiB('NVIDIA-A100-SXM4-80GB')).toBe(80);
    expect(productMemoryGiB('Tesla-T4')).toBe(15);
    expect(productMemoryGiB('NVIDIA-A100-SXM4-40GB-MIG-3g.20gb')).toBe(20);
    expect(productMemoryGiB('constructor')).toBeUndefined();
    expect(migMemoryGiB('nvidia.com/mig-1g.10gb+me')).toBe(10);
    expect(migMemoryGiB('nvidia.com/gpu')).toBeUndefined();
    expect(gpuMemoryOf({ gpuResource: 'amd.com/gpu', gpuProducts: ['NVIDIA-H100-80GB-HBM3'] })).toBeUndefined();
    expect(gpuMemoryOf({ gpuProducts: ['NVIDIA-L4', 'NVIDIA-A10G'] })).toEqual({ gib: 23028 / 1024, device: 'NVIDIA-A10G (the smallest of the pool\'s GPUs)' });
    expect(gpuMemoryOf({ gpuMemoryGiB: 12, gpuResource: 'nvidia.com/mig-3g.40gb' })).toEqual({ gib: 12, device: 'MIG slice (gpuMemoryGiB 12)', mig: true });
    expect(gpuMemoryOf({ gpuMemoryGiB: 12 })).toEqual({ gib: 12, device: 'GPU (gpuMemoryGiB 12)' });
    expect(gpuMemoryOf({ gpuResource: 'nvidia.com/mig-3g.40gb' })).toEqual({ gib: 40, device: 'nvidia.com/mig-3g.40gb slice', mig: true });
    // Every entry is an NVML total in MiB of a real product: between a T4 and a B200.
    for (const mib of Object.values(GPU_PRODUCT_MEMORY_MIB)) expect(mib).toBeGreaterThanOrEqual(15360);
    for (const product of Object.keys(GPU_PRODUCT_MEMORY_MIB)) expect(product).toMatch(/^(NVIDIA|Tesla)-[A-Za-z0-9-]+$/);
  });

  test('parameter counts for the check: N x M experts overstate the total and are left out', () => {
    expect(parametersForMemory(LLAMA_70B)).toBe(70);
    expect(parametersForMemory('mistralai/Mixtral-8x22B-v0.1')).toBeUndefined();
    expect(parametersForMemory('x/y', '8x7B')).toBeUndefined();
    expect(parametersForMemory('x/y', '46.7B')).toBe(46.7);
  });
});

describe('CPU and memory by size and GPUs', () => {
  test('0.5B, 8B and 70B: small models request little, big ones more; CPU follows the GPUs', () => {
    expect(defaultResources(0.5, 1)).toEqual({ cpuRequest: '3', cpuLimit: '6', memoryRequestGi: 9, memoryLimitGi: 18 });
    expect(defaultResources(8, 1)).toEqual({ cpuRequest: '3', cpuLimit: '6', memoryRequestGi: 10, memoryLimitGi: 20 });
    expect(defaultResources(70, 4)).toEqual({ cpuRequest: '6', cpuLimit: '12', memoryRequestGi: 32, memoryLimitGi: 64 });
    expect(defaultResources(405, 8)).toEqual({ cpuRequest: '10', cpuLimit: '20', memoryRequestGi: 124, memoryLimitGi: 248 });
    // In the pod, /dev/shm (2Gi with one GPU, 8Gi with more) is added to memory.
    expect(resources({ model: 'Qwen/Qwen2.5-0.5B-Instruct' })).toEqual({
      requests: { 'cpu': '3', 'memory': '11Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '6', 'memory': '20Gi', 'nvidia.com/gpu': '1' },
    });
    expect(resources({}).requests).toEqual({ 'cpu': '3', 'memory': '12Gi', 'nvidia.com/gpu': '1' });
    expect(resources({ model: LLAMA_70B, tensorParallelSize: 4 })).toEqual({
      requests: { 'cpu': '6', 'memory': '40Gi', 'nvidia.com/gpu': '4' },
      limits: { 'cpu': '12', 'memory': '72Gi', 'nvidia.com/gpu': '4' },
    });
    // A one-GPU model fits a 4-vCPU, 16 GiB GPU node (g5.xlarge, g6.xlarge).
    const small = resources({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }).requests;
    expect(Number(small.cpu)).toBeLessThan(4);
    expect(Number.parseInt(small.memory, 10)).toBeLessThan(14);
  });

  test('given resources win; /dev/shm is still added to memory', () => {
    expect(resources({ resources: { requests: { cpu: '12', memory: '40Gi' }, limits: { cpu: '24', memory: '60Gi' } } })).toEqual({
      requests: { 'cpu': '12', 'memory': '42Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '24', 'memory': '62Gi', 'nvidia.com/gpu': '1' },
    });
    // Only the limit given: the request keeps its default.
    expect(resources({ resources: { limits: { memory: '64Gi' } } }).requests.memory).toBe('12Gi');
  });
});
