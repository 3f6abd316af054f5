import * as fs from 'fs';
import { IssueCollector } from '../../src/core/errors';
import { capacityProblems } from '../../src/vllm/capacity';
import { checkExtraArgs, flagName, flagSet, OWNED_FLAGS, REMOVED_FLAGS, SHORT_FLAGS } from '../../src/vllm/flags';
import { alertRules, dashboard, MonitoredModel } from '../../src/vllm/monitoring';
import {
  parametersFromModelName, parseParameters, sizeClass, startupProbeTiming, terminationGracePeriodSeconds,
} from '../../src/vllm/sizing';
import { promqlErrors } from '../support/promql';

function argErrors(args: string[]): string[] {
  const issues = new IssueCollector('extraArgs');
  checkExtraArgs(issues, args, 'v0.21.0');
  return issues.issues.map((i) => `${i.path}: ${i.message} (${i.hint})`);
}

describe('vllm serve flags', () => {
  const flags = flagSet('v0.21.0')!;

  test('the v0.21.0 list is the reference snapshot without the three flags added after the release', () => {
    const listed = fs.readFileSync('data/vllm/v0.21.0/flags.txt', 'utf8').split('\n').filter((l) => l.startsWith('--'));
    expect(flags.size).toBe(320);
    expect(new Set(listed).size).toBe(listed.length);
    for (const f of ['--spec-method', '--spec-model', '--spec-tokens']) expect(flags.has(f)).toBe(false);
    expect(flags.has('--enable-prefix-caching')).toBe(true);
    expect(flags.has('--no-enable-prefix-caching')).toBe(true);
    expect(flagSet('v0.99.0')).toBeUndefined();
  });

  test('every alias, owned and typed flag is a real flag of the release; no removed flag is', () => {
    for (const target of Object.values(SHORT_FLAGS)) expect(flags.has(target)).toBe(true);
    for (const owned of Object.keys(OWNED_FLAGS)) expect(flags.has(owned)).toBe(true);
    for (const removed of Object.keys(REMOVED_FLAGS)) expect(flags.has(removed)).toBe(false);
  });

  test('names are normalised as vLLM parses them', () => {
    expect(flagName('--max_num_seqs=8')).toBe('--max-num-seqs');
    expect(flagName('--compilation-config.mode')).toBe('--compilation-config');
    expect(flagName('--speculative-config.num_speculative_tokens+')).toBe('--speculative-config');
    expect(flagName('-O3')).toBe('-O');
  });

  test('valid flags, values, underscores, dotted JSON keys and negative numbers pass', () => {
    expect(argErrors([
      '--enable-chunked-prefill', '--max_num_batched_tokens', '8k', '--kv-cache-dtype=fp8', '--compilation-config.mode', '3',
      '--no-enable-log-requests', '-O3', '--cpu-offload-gb', '-1', '--limit-mm-per-prompt', '{"image": 2}',
    ])).toEqual([]);
  });

  test('unknown, abbreviated, removed and owned flags are errors with the fix', () => {
    expect(argErrors(['--max-num-batched-token', '512', '--enable-prefix-cachng', '--disable-log-requests', '--swap-space', '4', '-tp', '2', '--api-key', 'x', 'meta-llama/x'])).toEqual([
      "extraArgs[0]: unknown vLLM v0.21.0 flag '--max-num-batched-token' (the server would exit with \"unrecognized arguments\") (did you mean '--max-num-batched-tokens'? Write flags in full)",
      "extraArgs[2]: unknown vLLM v0.21.0 flag '--enable-prefix-cachng' (the server would exit with \"unrecognized arguments\") (did you mean '--enable-prefix-caching' or '--no-enable-prefix-caching'?)",
      'extraArgs[3]: --disable-log-requests no longer exists in vLLM v0.21.0 (the server would exit with "unrecognized arguments") (remove it: request logging is off by default (--no-enable-log-requests))',
      'extraArgs[4]: --swap-space no longer exists in vLLM v0.21.0 (the server would exit with "unrecognized arguments") (remove it: CPU swap space was removed in vLLM 0.17; see --kv-offloading-size)',
      'extraArgs[6]: -tp is set by the construct (use tensorParallelSize (it sizes the GPU request))',
      'extraArgs[8]: --api-key is set by the construct (use apiKey (a Secret; a flag would put the key in the pod spec))',
    ]);
    expect(argErrors(['meta-llama/x'])).toEqual([
      "extraArgs[0]: 'meta-llama/x' is not a flag (the model is set by the model prop; extraArgs holds flags and their values)",
    ]);
  });
});

describe('sizing', () => {
  test('parameter counts', () => {
    expect(parseParameters('8B')).toBe(8);
    expect(parseParameters('0.5b')).toBe(0.5);
    expect(parseParameters('500M')).toBe(0.5);
    expect(parseParameters('1.5T')).toBe(1500);
    expect(parseParameters('8x7B')).toBe(56);
    expect(parseParameters('eight')).toBeUndefined();
    expect(parseParameters('0B')).toBeUndefined();
    expect(parametersFromModelName('meta-llama/Llama-3.1-8B-Instruct')).toBe(8);
    expect(parametersFromModelName('meta-llama/Llama-3.3-70B-Instruct')).toBe(70);
    expect(parametersFromModelName('Qwen/Qwen2.5-0.5B-Instruct')).toBe(0.5);
    expect(parametersFromModelName('mistralai/Mixtral-8x7B-Instruct-v0.1')).toBe(56);
    expect(parametersFromModelName('ibm-granite/granite-3.1-2b-instruct')).toBe(2);
    expect(parametersFromModelName('/cache/models/my-model')).toBeUndefined();
    // Active parameters of a mixture of experts say nothing about its total size.
    expect(parametersFromModelName('meta-llama/Llama-4-Scout-17B-16E-Instruct')).toBeUndefined();
  });

  test('startup budgets grow with size and are never below the seed (600 s for 7-13B, 1200 s for 70B)', () => {
    const budget = (b: number) => sizeClass(b).startupBudgetSeconds;
    expect(budget(1)).toBe(600);
    expect(budget(8)).toBe(900);
    expect(budget(13)).toBeGreaterThanOrEqual(600);
    expect(budget(70)).toBe(2400);
    expect(budget(70)).toBeGreaterThanOrEqual(1200);
    expect(budget(405)).toBe(7200);
    const sizes = [0.5, 3, 8, 13, 34, 70, 110, 400, 671];
    for (let i = 1; i < sizes.length; i++) expect(budget(sizes[i])).toBeGreaterThanOrEqual(budget(sizes[i - 1]));
  });

  test('probe and shutdown timings', () => {
    expect(startupProbeTiming(900)).toEqual({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90 });
    expect(startupProbeTiming(905).failureThreshold).toBe(91);
    expect(terminationGracePeriodSeconds(30)).toBe(60);
  });
});

describe('GPU capacity', () => {
  const pool = { name: 'a100', nodes: 2, gpusPerNode: 8, gpuResource: 'nvidia.com/gpu' };

  test('fits: totals and packing', () => {
    expect(capacityProblems(pool, [{ model: 'a', pods: 2, gpusPerPod: 4, surgePods: 0 }, { model: 'b', pods: 8, gpusPerPod: 1, surgePods: 0 }])).toEqual([]);
    expect(capacityProblems(pool, [{ model: 'a', pods: 2, gpusPerPod: 8, surgePods: 0 }])).toEqual([]);
  });

  test('too many GPUs in total, counting the surge pod', () => {
    const problems = capacityProblems(pool, [{ model: 'big', pods: 3, gpusPerPod: 4, surgePods: 1 }, { model: 'small', pods: 5, gpusPerPod: 1, surgePods: 0 }]);
    expect(problems).toEqual([
      "pool 'a100' has 16 nvidia.com/gpu (2 node(s) x 8); the models placed on it would leave pods Pending: they need 17 "
      + '[big: 3 pod(s) x 4 = 12 (1 of them only during a rolling update); small: 5 pod(s) x 1 = 5] '
      + '(add nodes to the pool, lower replicas, set allowSurge: false, or move a model to another pool)',
    ]);
  });

  test('enough GPUs in total but not on one node', () => {
    const problems = capacityProblems(pool, [{ model: 'a', pods: 3, gpusPerPod: 5, surgePods: 0 }]);
    expect(problems[0]).toMatch(/they need 15, but pods cannot be packed onto the nodes: 5 GPU\(s\) would stay Pending/);
  });

  test('a pod bigger than a node', () => {
    expect(capacityProblems(pool, [{ model: 'huge', pods: 1, gpusPerPod: 16, surgePods: 0 }])).toEqual([
      "huge needs 16 nvidia.com/gpu in one pod, but nodes of pool 'a100' have 8 (lower tensorParallelSize x pipelineParallelSize, or place the model on a pool with bigger nodes)",
    ]);
  });
});

describe('monitoring', () => {
  const m: MonitoredModel = {
    namespace: 'llm',
    serviceName: 'llama-8b-production',
    deploymentName: 'llama-8b-production',
    servedModelName: 'llama',
    environment: 'production',
    gpuResource: 'nvidia.com/gpu',
    startupBudgetSeconds: 900,
    queueAlertThreshold: 10,
    kvCacheAlertThreshold: 0.95,
  };
  test('alerts: the seed\'s three plus queue and KV cache; every expression parses as PromQL and is scoped to the model', () => {
    const rules = alertRules(m);
    expect(rules.map((r) => r.alert)).toEqual(['VllmPodCrashLooping', 'VllmHealthCheckFailing', 'VllmPodUnschedulable', 'VllmRequestQueueBacklog', 'VllmKvCacheSaturated']);
    for (const r of rules) {
      expect(promqlErrors(r.expr)).toEqual([]);
      expect(r.expr).toContain('namespace="llm"');
      expect(r.expr).toMatch(/service="llama-8b-production"|pod=~"llama-8b-production-\[a-z0-9\]\+-\[a-z0-9\]\+"/);
    }
    expect(promqlErrors('sum(rate(x[5m])')).not.toEqual([]); // the parser does catch mistakes
    // The health alert waits out a whole rollout (900 s budget + 600 s to schedule and pull), so a starting model never pages.
    expect(rules[1].for).toBe('30m');
  });

  test('dashboard: every panel query parses and uses the vllm: metric names', () => {
    const d = dashboard(m) as any;
    expect(d.uid).toBe('vllm-llm-llama-8b-production');
    const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const e of exprs) {
      expect(promqlErrors(e)).toEqual([]);
      expect(e).toMatch(/vllm:[a-z_]+/);
    }
    const long = dashboard({ ...m, namespace: 'a-very-long-namespace-name', serviceName: 'a-long-model-name-production' }) as any;
    expect(long.uid.length).toBeLessThanOrEqual(40);
  });
});
