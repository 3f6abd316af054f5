/**
 * Sizing from the model's parameter count: start-up budget (probes, deadlines), CPU and memory,
 * /dev/shm, and the shutdown timings. Estimates, documented in docs/model-initialization.md; every
 * figure can be overridden by a prop.
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

/** One size class: up to `maxBillions` parameters. */
export interface SizeClass {
  readonly maxBillions: number;
  /** Seconds from container start to the first `/health` 200, cold Hub download included. */
  readonly startupBudgetSeconds: number;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  /** Memory for the server process, without /dev/shm (which is added). */
  readonly memoryRequestGi: number;
  readonly memoryLimitGi: number;
}

/**
 * Budgets bracket the references (research/vllm.md §1g) and are never below the seed's (600 s for
 * 7B-13B, 1200 s for 70B). CPU and memory start at the seed's ranges (8-16 CPUs, 32-48Gi).
 */
export const SIZE_CLASSES: readonly SizeClass[] = [
  { maxBillions: 3, startupBudgetSeconds: 600, cpuRequest: '8', cpuLimit: '16', memoryRequestGi: 32, memoryLimitGi: 48 },
  { maxBillions: 9, startupBudgetSeconds: 900, cpuRequest: '8', cpuLimit: '16', memoryRequestGi: 32, memoryLimitGi: 48 },
  { maxBillions: 34, startupBudgetSeconds: 1500, cpuRequest: '8', cpuLimit: '16', memoryRequestGi: 32, memoryLimitGi: 48 },
  { maxBillions: 110, startupBudgetSeconds: 2400, cpuRequest: '16', cpuLimit: '32', memoryRequestGi: 64, memoryLimitGi: 96 },
  { maxBillions: 400, startupBudgetSeconds: 5400, cpuRequest: '32', cpuLimit: '64', memoryRequestGi: 128, memoryLimitGi: 192 },
  { maxBillions: Infinity, startupBudgetSeconds: 7200, cpuRequest: '32', cpuLimit: '64', memoryRequestGi: 256, memoryLimitGi: 384 },
];

export function sizeClass(billions: number): SizeClass {
  return SIZE_CLASSES.find((c) => billions <= c.maxBillions)!;
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
