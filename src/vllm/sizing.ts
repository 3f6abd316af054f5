/**
 * Sizing from the model's parameter count and GPUs: start-up budget (probes, deadlines), CPU and
 * memory, /dev/shm, and the shutdown timings. Estimates, documented in docs/model-initialization.md and
 * docs/vllm-models.md §4; every figure can be overridden by a prop.
 */

/** Parameter counts in billions: `8B`, `0.5B`, `500M`, `1.5T`, and mixture-of-experts `8x7B`. */
export function parseParameters(text: string): number | undefined {
  const t = text.trim();
  const moe = /^(\d+)x(\d+(?:\.\d+)?)B$/i.exec(t);
  if (moe) return Number(moe[1]) * Number(moe[2]);
  const m = /^(\d+(?:\.\d+)?)\s*([MBT])$/i.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n > 0)) return undefined;
  const unit = m[2].toUpperCase();
  return unit === 'M' ? n / 1000 : unit === 'T' ? n * 1000 : n;
}

/**
 * The parameter count written in a Hugging Face model ID (`Llama-3.1-8B-Instruct` -> 8,
 * `Mixtral-8x7B-v0.1` -> 56), or undefined when the name does not say.
 */
export function parametersFromModelName(model: string): number | undefined {
  const name = model.split('/').pop() ?? model;
  // `17B-16E` names active parameters of a mixture of experts; the total (what memory and loading
  // time follow) is not in the name.
  if (/\d+(?:\.\d+)?B[-_]\d+E(?=$|[-_.])/i.test(name)) return undefined;
  const moe = /(?:^|[-_.])(\d+)x(\d+(?:\.\d+)?)B(?=$|[-_.])/i.exec(name);
  if (moe) return Number(moe[1]) * Number(moe[2]);
  const plain = /(?:^|[-_.])(\d+(?:\.\d+)?)([MB])(?=$|[-_.])/i.exec(name);
  if (!plain) return undefined;
  return plain[2].toUpperCase() === 'M' ? Number(plain[1]) / 1000 : Number(plain[1]);
}

/**
 * The total parameter count the GPU-memory check uses: as read, except `<N>x<M>B` (N experts of M
 * billion), which counts the layers the experts share N times and so overstates the total
 * (Mixtral-8x7B has 46.7B parameters, not 56B); undefined then, and the check is skipped.
 */
export function parametersForMemory(model: string, parameters?: string): number | undefined {
  if (parameters !== undefined) return /^\s*\d+x/i.test(parameters) ? undefined : parseParameters(parameters);
  const name = model.split('/').pop() ?? model;
  if (/(?:^|[-_.])\d+x\d+(?:\.\d+)?B(?=$|[-_.])/i.test(name)) return undefined;
  return parametersFromModelName(model);
}

/** One size class: up to `maxBillions` parameters. */
export interface SizeClass {
  readonly maxBillions: number;
  /** Seconds from container start to the first `/health` 200, cold Hub download included. */
  readonly startupBudgetSeconds: number;
}

/**
 * Budgets bracket the references (research/vllm.md §1g) and are never below the seed's (600 s for
 * 7B-13B, 1200 s for 70B).
 */
export const SIZE_CLASSES: readonly SizeClass[] = [
  { maxBillions: 3, startupBudgetSeconds: 600 },
  { maxBillions: 9, startupBudgetSeconds: 900 },
  { maxBillions: 34, startupBudgetSeconds: 1500 },
  { maxBillions: 110, startupBudgetSeconds: 2400 },
  { maxBillions: 400, startupBudgetSeconds: 5400 },
  { maxBillions: Infinity, startupBudgetSeconds: 7200 },
];

export function sizeClass(billions: number): SizeClass {
  return SIZE_CLASSES.find((c) => billions <= c.maxBillions)!;
}

/** CPU and memory of the vLLM container, before /dev/shm (which is added to memory). */
export interface PodResources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequestGi: number;
  readonly memoryLimitGi: number;
}

/** Host memory for the API server and engine-core processes (Python, PyTorch, CUDA libraries, tokenizer). */
export const MEMORY_BASE_GI = 6;
/** Host memory per GPU worker process (its CUDA context, NCCL and pinned buffers, torch.compile). */
export const MEMORY_PER_GPU_GI = 2;
/**
 * Host memory per billion parameters (an eighth of the 16-bit weights): checkpoint pages and staging
 * buffers while the weights pass through on their way to the GPUs.
 */
export const MEMORY_PER_BILLION_GI = 0.25;

/**
 * CPU follows vLLM's processes, not the model's size: one API server, one engine core and one worker per
 * GPU, each busy when the server is (vLLM docs, configuration/optimization.md, "CPU Resources for GPU
 * Deployments": at least `2 + N` physical cores, `2 x (2 + N)` vCPUs with hyperthreading). The request is
 * `2 + N`, so a one-GPU model fits a 4-vCPU GPU node; the limit is `2 x (2 + N)`.
 * Memory is `MEMORY_BASE_GI + MEMORY_PER_GPU_GI x N + MEMORY_PER_BILLION_GI x billions`, rounded up; the
 * limit is twice that. Estimates; `resources` overrides them.
 */
export function defaultResources(billions: number, gpus: number): PodResources {
  const cpu = 2 + gpus;
  const memory = Math.ceil(MEMORY_BASE_GI + MEMORY_PER_GPU_GI * gpus + MEMORY_PER_BILLION_GI * billions);
  return { cpuRequest: String(cpu), cpuLimit: String(2 * cpu), memoryRequestGi: memory, memoryLimitGi: 2 * memory };
}

/** Probe period of the startup probe; its failureThreshold carries the budget. */
export const STARTUP_PERIOD_SECONDS = 10;

/** The startup probe that carries the whole load budget (rounded up to whole periods). */
export function startupProbeTiming(budgetSeconds: number): { periodSeconds: number; timeoutSeconds: number; failureThreshold: number } {
  return { periodSeconds: STARTUP_PERIOD_SECONDS, timeoutSeconds: 5, failureThreshold: Math.ceil(budgetSeconds / STARTUP_PERIOD_SECONDS) };
}

/** Time Kubernetes waits for a rollout to progress: the budget plus ten minutes for scheduling and image pull. */
export function progressDeadlineSeconds(budgetSeconds: number): number {
  return budgetSeconds + 600;
}

/** /dev/shm: 2Gi for one GPU; NCCL between GPUs wants more (research/vllm.md §1c). */
export function defaultSharedMemoryGi(gpus: number): number {
  return gpus > 1 ? 8 : 2;
}

/** Seconds the preStop hook waits so Services and load balancers stop sending before vLLM drains. */
export const PRE_STOP_SECONDS = 10;

/** preStop wait + vLLM's drain (`--shutdown-timeout`) + 20 s for the process to exit. */
export function terminationGracePeriodSeconds(drainSeconds: number): number {
  return PRE_STOP_SECONDS + drainSeconds + 20;
}
