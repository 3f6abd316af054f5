import * as fs from 'fs';
import { IssueCollector } from '../../src/core/errors';
import { capacityProblems } from '../../src/vllm/capacity';
import { checkExtraArgs, flagName, flagSet, OWNED_FLAGS, REMOVED_FLAGS, SHORT_FLAGS } from '../../src/vllm/flags';
import { alertRules, dashboard, MonitoredModel, podNameMatch } from '../../src/vllm/monitoring';
import {
  parametersFromModelName, parseParameters, progressDeadlineSeconds, sizeClass, startupProbeTiming, terminationGracePeriodSeconds,
} from '../../src/vllm/sizing';
import { labelReplaceArgs, labelReplaceValue, promqlErrors, selectorMatchers, selectsSeries } from '../support/promql';

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
  const model = (serviceName: string, over: Partial<MonitoredModel> = {}): MonitoredModel => ({
    namespace: 'llm',
    serviceName,
    servedModelName: serviceName.replace(/-production$/, ''),
    environment: 'production',
    gpuResource: 'nvidia.com/gpu',
    startupBudgetSeconds: 900,
    queueAlertThreshold: 10,
    kvCacheAlertThreshold: 0.95,
    ...over,
  });
  // Three models with their own thresholds and pod names: the defaults, a larger queue threshold and
  // startup budget, and a LeaderWorkerSet (src/vllm/multi-node.ts podNamePattern after the Service name).
  const a = model('llama-8b-production');
  const b = model('qwen-production', { queueAlertThreshold: 20, startupBudgetSeconds: 2400 });
  const c = model('llama-405b-production', { podNameSuffix: '-lws-[0-9]+(?:-[0-9]+)?', kvCacheAlertThreshold: 0.8 });
  const models = [a, b, c];
  const rules = alertRules('llm', models);

  /**
   * The series a scrape through the ServiceMonitor gives (as in autoscaling.test.ts: prometheus-operator's target
   * labels for a Service endpoint, namespace/service/pod/job/endpoint, and vLLM's model_name), and kube-state-metrics'
   * pod series, whose `pod` is the pod's name: a Deployment's `<deployment>-<pod-template-hash>-<5 characters>`
   * (kubernetes pkg/controller/deployment and ReplicaSet GenerateName).
   */
  const vllmSeries = (m: MonitoredModel, namespace = m.namespace) => ({ namespace, service: m.serviceName, pod: `${m.serviceName}-6d9f7c8b5-x2x7q`, job: m.serviceName, endpoint: 'http', model_name: m.servedModelName });
  const podsOf = (m: MonitoredModel) => (m.podNameSuffix ? [`${m.serviceName}-lws-0`, `${m.serviceName}-lws-3-1`] : [`${m.serviceName}-6d9f7c8b5-x2x7q`]);
  /**
   * The rules of one alert that select a series of `m` (vLLM's, or kube-state-metrics' of one of its pods), with the
   * service they attribute it to: label_replace(v, dst, replacement, src, regex) writes regex's anchored match of src,
   * expanded with Go's regexp.Expand (`${1}`), into dst (https://prometheus.io/docs/prometheus/latest/querying/functions/#label_replace).
   */
  const firing = (alert: string, m: MonitoredModel, pod?: string) => rules.filter((r) => r.alert === alert).flatMap((r) => {
    const [sel] = selectorMatchers(r.expr);
    if (pod === undefined) return selectsSeries(sel, vllmSeries(m)) ? [{ rule: r, service: m.serviceName }] : [];
    if (!selectsSeries(sel, { namespace: m.namespace, pod, container: 'vllm', reason: 'CrashLoopBackOff' })) return [];
    const [[dst, replacement, src, regex]] = labelReplaceArgs(r.expr);
    expect([dst, src]).toEqual(['service', 'pod']);
    return [{ rule: r, service: labelReplaceValue(replacement, regex, pod) }];
  });
  /** What the per-model rule of the library before shared monitoring said for `m` (threshold and `for`). */
  const perModel = (m: MonitoredModel): Record<string, [RegExp, string]> => ({
    VllmPodCrashLooping: [/>= 1$/, '10m'],
    VllmHealthCheckFailing: [/== 0$/, `${Math.ceil(progressDeadlineSeconds(m.startupBudgetSeconds) / 60) + 5}m`],
    VllmPodUnschedulable: [/== 1$/, '10m'],
    VllmRequestQueueBacklog: [new RegExp(` > ${m.queueAlertThreshold}$`), '5m'],
    VllmKvCacheSaturated: [new RegExp(` > ${m.kvCacheAlertThreshold}$`), '10m'],
  });

  test('alerts: every expression parses as PromQL; one rule per alert and distinct parameters, scoped to the namespace', () => {
    expect([...new Set(rules.map((r) => r.alert))]).toEqual(['VllmPodCrashLooping', 'VllmHealthCheckFailing', 'VllmPodUnschedulable', 'VllmRequestQueueBacklog', 'VllmKvCacheSaturated']);
    // Crash loop and unschedulable: one rule; health: two budgets (a and c share one); queue: two; KV cache: two.
    expect(rules.map((r) => r.alert).filter((x, i, all) => all.indexOf(x) !== i)).toEqual(['VllmHealthCheckFailing', 'VllmRequestQueueBacklog', 'VllmKvCacheSaturated']);
    for (const r of rules) {
      expect(promqlErrors(r.expr)).toEqual([]);
      for (const sel of selectorMatchers(r.expr)) expect(sel).toContainEqual({ label: 'namespace', op: '=', value: 'llm' });
      // One alert per model: aggregated by the labels that name it (vLLM's model_name where its series have it).
      expect(r.expr).toMatch(/^(max|sum) by \(namespace, service(, pod|, model_name)?\) /);
      expect(r.labels).toEqual({ severity: expect.stringMatching(/^(critical|warning)$/), environment: 'production', model: '{{ $labels.service }}' });
    }
    expect(promqlErrors('sum(rate(x[5m])')).not.toEqual([]); // the parser does catch mistakes
  });

  test('alerts: each model is selected by exactly one rule of each alert, with its own threshold and duration (the per-model alerts\' semantics)', () => {
    for (const m of models) {
      for (const [alert, [threshold, duration]] of Object.entries(perModel(m))) {
        const pods = alert === 'VllmPodCrashLooping' || alert === 'VllmPodUnschedulable' ? podsOf(m) : [undefined];
        for (const pod of pods) {
          const hits = firing(alert, m, pod);
          expect({ alert, pod, n: hits.length }).toEqual({ alert, pod, n: 1 });
          expect(hits[0].rule.expr).toMatch(threshold);
          expect(hits[0].rule.for).toBe(duration);
          expect(hits[0].service).toBe(m.serviceName);
        }
      }
    }
    // The 405B model's 2400 s budget waits 55 minutes, like the 70B's did; the 900 s budget 30.
    expect(firing('VllmHealthCheckFailing', b)[0].rule.for).toBe('55m');
    expect(firing('VllmHealthCheckFailing', a)[0].rule.for).toBe('30m');
  });

  test('alerts: nothing of another namespace, another Service or an unrelated pod is selected', () => {
    const strangers = [
      vllmSeries(a, 'llm-staging'),
      vllmSeries(model('mistral-production')),
      vllmSeries(model('llama-8b-production-2')),
    ];
    const pods = ['llama-8b-staging-6d9f7c8b5-x2x7q', 'llama-405b-production-lws-x', 'mistral-production-6d9f7c8b5-x2x7q', 'qwen-production-6d9f7c8b5', 'llama-405b-production-6d9f7c8b5-x2x7q'];
    for (const r of rules) {
      const [sel] = selectorMatchers(r.expr);
      for (const s of strangers) expect(selectsSeries(sel, s)).toBe(false);
      for (const pod of pods) expect(selectsSeries(sel, { namespace: 'llm', pod, container: 'vllm', reason: 'CrashLoopBackOff' })).toBe(false);
    }
  });

  test('alerts: a name is matched literally (regex metacharacters escaped) and the rules do not depend on the models\' order', () => {
    const dotted = model('a.b-production');
    const [health] = alertRules('llm', [dotted]).filter((r) => r.alert === 'VllmHealthCheckFailing');
    const [sel] = selectorMatchers(health.expr);
    expect(selectsSeries(sel, vllmSeries(dotted))).toBe(true);
    expect(selectsSeries(sel, vllmSeries(model('axb-production')))).toBe(false);
    expect(alertRules('llm', [c, a, b])).toEqual(rules);
    expect(alertRules('llm', [b, c, a])).toEqual(rules);
  });

  test('pods: one capturing group per pod-name form, each pod given to its own model', () => {
    const short = model('m-production');
    const long = model('m-production-lws-0', {}); // a Deployment whose pods look like the LeaderWorkerSet's of m-production
    const lws = { ...short, podNameSuffix: '-lws-[0-9]+(?:-[0-9]+)?' };
    const { pattern, replacement } = podNameMatch([lws, long]);
    expect(replacement).toBe('${1}${2}');
    expect(labelReplaceValue(replacement, pattern, 'm-production-lws-0')).toBe('m-production');
    expect(labelReplaceValue(replacement, pattern, 'm-production-lws-0-6d9f7c8b5-x2x7q')).toBe('m-production-lws-0');
  });

  test('dashboard: namespace and model variables; every panel query parses, uses the vllm: metric names and both variables', () => {
    const d = dashboard('llm', [a, c]) as any;
    expect(d.uid).toBe('vllm-llm');
    expect(d.title).toBe('vLLM models (llm)');
    const vars = Object.fromEntries(d.templating.list.map((v: any) => [v.name, v]));
    expect(Object.keys(vars)).toEqual(['datasource', 'namespace', 'model']);
    expect(vars.namespace).toMatchObject({ type: 'constant', query: 'llm' });
    expect(vars.model).toMatchObject({ type: 'query', multi: true, includeAll: true });
    // The model picker lists the Services of the dashboard's models only.
    const q = vars.model.query.query as string;
    expect(promqlErrors(q.replace(/^label_values\((.*), service\)$/, '$1'))).toEqual([]);
    const [sel] = selectorMatchers(q.replace(/^label_values\((.*), service\)$/, '$1'));
    expect([a, b, c].map((m) => selectsSeries(sel, vllmSeries(m)))).toEqual([true, false, true]);
    const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const e of exprs) {
      expect(promqlErrors(e)).toEqual([]);
      expect(e).toMatch(/vllm:[a-z_]+/);
      for (const s of selectorMatchers(e)) expect(s).toEqual([{ label: 'namespace', op: '=', value: '$namespace' }, { label: 'service', op: '=~', value: '$model' }]);
      expect(e).toMatch(/by \(service[,)]/); // a line per model
    }
    const long = dashboard('a-very-long-namespace-name-for-the-models', [a]) as any;
    expect(long.uid.length).toBeLessThanOrEqual(40);
  });
});

