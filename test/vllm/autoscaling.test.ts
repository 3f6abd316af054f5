import { App, Chart, Testing } from 'cdk8s';
import { GpuNodePool, VllmAutoscalingSpec, VllmModel, VllmModelProps } from '../../src';
import { serviceMonitorSpec } from '../../src/vllm/monitoring';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';
import { promqlErrors, selectorMatchers } from '../support/promql';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';
const scaling: VllmAutoscalingSpec = { maxReplicas: 4, prometheusAddress: PROMETHEUS };
const base: VllmModelProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', autoscaling: scaling };

function synth(props: VllmModelProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  new VllmModel(chart, 'llama-8b', props);
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string) => objs.find((o) => o.kind === kind);

const errors = (props: VllmModelProps): string[] => validationIssues(() => synth(props));

/**
 * The series Prometheus holds for a vLLM pod scraped through this library's ServiceMonitor: vLLM's own
 * labels (`model_name`, `engine`) and the target labels prometheus-operator adds for a Service endpoint.
 */
function scrapedSeries(namespace: string, service: string, modelName: string): Array<Record<string, string>> {
  return [{ namespace, service, pod: `${service}-6d9f7c8b5-x2x7q`, job: service, endpoint: 'http', container: 'vllm', model_name: modelName, engine: '0' }];
}
const selects = (sel: Array<{ label: string; op: string; value: string }>, series: Record<string, string>) =>
  sel.every((m) => (m.op === '=' ? (series[m.label] ?? '') === m.value : m.op === '!=' ? (series[m.label] ?? '') !== m.value : false));

describe('autoscaling with KEDA', () => {
  const objs = synth(base);
  const so = find(objs, 'ScaledObject')!;

  test('a ScaledObject and a PodDisruptionBudget; the Deployment leaves replicas to KEDA; all schema-valid (KEDA CRD included) and restricted', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/llama-8b-production',
      'Deployment/llama-8b-production',
      'Service/llama-8b-production',
      'NetworkPolicy/llama-8b-production',
      'ScaledObject/llama-8b-production',
      'PodDisruptionBudget/llama-8b-production',
      'ServiceMonitor/vllm-models',
      'PrometheusRule/vllm-models',
      'ConfigMap/vllm-models-dashboard',
    ]);
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(find(objs, 'Deployment')!.spec.replicas).toBeUndefined();
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the schema check does reject a broken ScaledObject', () => {
    const broken = (change: (spec: any) => void) => {
      const copy = JSON.parse(JSON.stringify(so));
      change(copy.spec);
      return conformanceProblems([copy]).join('\n');
    };
    expect(broken((s) => delete s.scaleTargetRef)).toMatch(/must have required property scaleTargetRef/);
    expect(broken((s) => (s.triggers[0].metadata.threshold = 5))).toMatch(/threshold must be string/);
    // An unknown field (HPA's name instead of KEDA's) is caught by the type check against the CRD's interface.
    expect(broken((s) => (s.maxReplicas = 4))).toMatch(/'"maxReplicas"' does not exist/);
  });

  test('target, bounds, polling; default trigger: waiting requests, 5 per pod, AverageValue, no cooldown without scale to zero', () => {
    expect(so.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama-8b-production' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      pollingInterval: 30,
    });
    expect(so.spec.cooldownPeriod).toBeUndefined();
    expect(so.spec.triggers).toEqual([{
      type: 'prometheus',
      name: 'waiting-requests',
      metricType: 'AverageValue',
      metadata: {
        serverAddress: PROMETHEUS,
        query: 'sum(vllm:num_requests_waiting{namespace="llm", service="llama-8b-production", model_name="meta-llama/Llama-3.1-8B-Instruct"})',
        threshold: '5',
        activationThreshold: '0',
        ignoreNullValues: 'true',
      },
    }]);
  });

  test('every trigger query parses as PromQL and selects exactly this model\'s scraped series (model_name, not production-stack\'s model)', () => {
    const all = synth({ ...base, servedModelName: 'llama-8b', autoscaling: { ...scaling, kvCacheUsageThreshold: 0.8, runningRequestsThreshold: 48 } });
    const triggers = find(all, 'ScaledObject')!.spec.triggers;
    expect(triggers.map((t: any) => [t.name, t.metadata.threshold])).toEqual([['waiting-requests', '5'], ['kv-cache-usage', '0.8'], ['running-requests', '48']]);
    expect(triggers.map((t: any) => t.metadata.query.match(/vllm:[a-z_]+/)[0])).toEqual(['vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:num_requests_running']);
    // The labels the query relies on are those the ServiceMonitor's scrape gives (it selects this Service).
    expect(find(all, 'ServiceMonitor')!.spec).toEqual(serviceMonitorSpec({ 'vllm.cdk8s-llama-stack.io/monitoring': 'vllm-models' }, '30s'));
    expect(find(all, 'Service')!.metadata.labels['vllm.cdk8s-llama-stack.io/monitoring']).toBe('vllm-models');
    const mine = scrapedSeries('llm', 'llama-8b-production', 'llama-8b')[0];
    const others = [
      scrapedSeries('llm', 'qwen-production', 'qwen')[0], // another model of the namespace
      scrapedSeries('llm-staging', 'llama-8b-staging', 'llama-8b')[0], // the same model in another environment
      { ...mine, model_name: 'other' }, // another served name behind the same Service
    ];
    for (const t of triggers) {
      expect(promqlErrors(t.metadata.query)).toEqual([]);
      const [sel] = selectorMatchers(t.metadata.query);
      expect(sel.map((m) => m.label).sort()).toEqual(['model_name', 'namespace', 'service']);
      expect(selects(sel, mine)).toBe(true);
      for (const o of others) expect(selects(sel, o)).toBe(false);
      // production-stack's default selector, {model="..."}, matches none of vLLM's series.
      expect(selects([{ label: 'model', op: '=', value: 'llama-8b' }], mine)).toBe(false);
    }
    expect(promqlErrors('sum(vllm:num_requests_waiting{model_name="x"')).not.toEqual([]); // the grammar does catch mistakes
  });

  test('a served model name with quotes and backslashes stays one PromQL string literal', () => {
    const name = 'org/we"ird\\name';
    const so2 = find(synth({ ...base, servedModelName: name }), 'ScaledObject')!;
    const q = so2.spec.triggers[0].metadata.query;
    expect(promqlErrors(q)).toEqual([]);
    expect(selectorMatchers(q)[0].find((m) => m.label === 'model_name')!.value).toBe(name);
  });

  test('HPA behaviour from the startup budget: scale-in waits the budget (at most the HPA\'s hour), one pod per 5 minutes', () => {
    const down = (props: Partial<VllmModelProps>) => find(synth({ ...base, ...props }), 'ScaledObject')!.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
    expect(down({})).toEqual({ stabilizationWindowSeconds: 900, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] });
    // 70B: 40 minutes to load, so no scale-in within 40 minutes of the last higher recommendation.
    expect(down({ model: 'meta-llama/Llama-3.3-70B-Instruct', tensorParallelSize: 4 }).stabilizationWindowSeconds).toBe(2400);
    expect(down({ startupBudgetSeconds: 7200 }).stabilizationWindowSeconds).toBe(3600);
    const up = so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp;
    expect(up.stabilizationWindowSeconds).toBe(0);
  });

  test('scale to zero: explicit, with a wake trigger on a series that outlives the pods, and a cooldown of the budget + 600 s', () => {
    const wake = 'sum(rate(nginx_ingress_controller_requests{exported_service="assistant"}[2m]))';
    const z = find(synth({ ...base, autoscaling: { ...scaling, minReplicas: 0, activationQuery: wake, activationThreshold: 0.1 } }), 'ScaledObject')!;
    expect(z.spec.minReplicaCount).toBe(0);
    expect(z.spec.cooldownPeriod).toBe(1500);
    expect(z.spec.triggers.map((t: any) => t.name)).toEqual(['waiting-requests', 'wake']);
    expect(z.spec.triggers[1].metadata).toMatchObject({ query: wake, activationThreshold: '0.1', threshold: '1000000' });
    expect(find(synth({ ...base, autoscaling: { ...scaling, minReplicas: 0, activationQuery: wake, activationThreshold: 0, cooldownSeconds: 3600 } }), 'ScaledObject')!.spec.cooldownPeriod).toBe(3600);
  });

  test('the model reports its pod range', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const m = new VllmModel(chart, 'm', { ...base, autoscaling: { ...scaling, minReplicas: 2, maxReplicas: 6 } });
    expect([m.replicas, m.maxReplicas, m.scalesToZero]).toEqual([2, 6, false]);
    expect(m.scaledObject?.kind).toBe('ScaledObject');
    const fixed = new VllmModel(chart, 'f', { model: base.model, environment: 'production' });
    expect([fixed.replicas, fixed.maxReplicas, fixed.scalesToZero]).toEqual([1, 1, false]);
    expect([fixed.scaledObject, fixed.podDisruptionBudget]).toEqual([undefined, undefined]);
  });

  test('every problem at once, with paths and fixes', () => {
    expect(errors({
      ...base,
      replicas: 2,
      monitoring: { enabled: false },
      autoscaling: {
        minReplicas: 5,
        maxReplicas: 3,
        prometheusAddress: 'prometheus:9090',
        waitingRequestsThreshold: 0,
        kvCacheUsageThreshold: 80,
        runningRequestsThreshold: -1,
        activationThreshold: 1,
        pollingIntervalSeconds: 1,
      },
    })).toEqual([
      'replicas: replicas and autoscaling both set: KEDA owns the replica count of an autoscaled model (remove replicas; autoscaling.minReplicas is the floor)',
      'autoscaling.minReplicas: minReplicas 5 is above maxReplicas 3 (raise maxReplicas or lower minReplicas)',
      "autoscaling.prometheusAddress: 'prometheus:9090' has scheme 'prometheus', not http or https (give the server's base URL, e.g. http://prometheus-operated.monitoring.svc:9090)",
      'autoscaling.waitingRequestsThreshold: waitingRequestsThreshold must be above 0, got 0 (waiting requests per pod, e.g. 5)',
      'autoscaling.kvCacheUsageThreshold: kvCacheUsageThreshold must be above 0 and at most 1, got 80 (a fraction of the KV cache per pod, e.g. 0.8)',
      'autoscaling.runningRequestsThreshold: runningRequestsThreshold must be above 0, got -1 (running requests per pod, e.g. 64 (up to maxNumSeqs))',
      'autoscaling.pollingIntervalSeconds: pollingIntervalSeconds must be an integer from 5 to 3600, got 1',
      'autoscaling.activationThreshold: activationThreshold is used only with minReplicas: 0 (KEDA activates from zero only) (remove it, or set minReplicas: 0)',
      'autoscaling.monitoring: autoscaling reads the series the ServiceMonitor scrapes (labels namespace and service), but monitoring is off (turn monitoring on (remove monitoring.enabled: false), or remove autoscaling)',
    ]);
  });

  test('scale to zero needs a wake query and an activation threshold; a cooldown shorter than the load is refused', () => {
    expect(errors({ ...base, autoscaling: { ...scaling, minReplicas: 0, cooldownSeconds: 600 } })).toEqual([
      'autoscaling.activationQuery: scale to zero needs activationQuery: with no pod, vLLM exports no series, so its own triggers read 0 and nothing would ever wake the model '
      + '(give a PromQL query over a series that exists while the model has no pods (requests counted by your gateway or router), or set minReplicas: 1)',
      'autoscaling.activationThreshold: scale to zero needs activationThreshold: the value of activationQuery above which the model is woken (e.g. 0 (any request wakes it))',
      'autoscaling.cooldownSeconds: cooldownSeconds 600 is shorter than the startup budget (900 s): a pod woken by a short burst would be scaled to zero while it still loads the weights '
      + '(use at least 900, or leave it out (startup budget + 600 s))',
    ]);
    expect(errors({ ...base, autoscaling: { maxReplicas: 0, prometheusAddress: 'https://user:pw@prom:9090', minReplicas: 0, activationQuery: 'a\nb', activationThreshold: -1 } })).toEqual([
      'autoscaling.maxReplicas: maxReplicas must be an integer from 1 to 1000, got 0',
      "autoscaling.prometheusAddress: 'https://user:***@prom:9090' contains credentials, which would be written into the ScaledObject (give the server's base URL, e.g. http://prometheus-operated.monitoring.svc:9090)",
      'autoscaling.activationQuery: expected a one-line PromQL query (e.g. sum(rate(nginx_ingress_controller_requests{service="llama-stack"}[2m])))',
      'autoscaling.activationThreshold: activationThreshold must be 0 or more, got -1 (e.g. 0 (any request wakes the model))',
    ]);
    expect(errors({ ...base, autoscaling: { maxReplicas: 2 } as VllmAutoscalingSpec })).toEqual([
      "autoscaling.prometheusAddress: prometheusAddress is required: KEDA reads vLLM's metrics from Prometheus (e.g. http://prometheus-operated.monitoring.svc:9090)",
    ]);
    expect(errors({ ...base, autoscaling: { ...scaling, mxReplicas: 3 } as any })).toEqual([
      "autoscaling.mxReplicas: unknown field 'mxReplicas' (did you mean 'maxReplicas' or 'minReplicas'?)",
    ]);
  });

  test('pods counted at the maximum: a ReadWriteOnce cache cannot serve an autoscaled model; rollout one pod at a time', () => {
    expect(errors({ ...base, cache: { size: '100Gi' } })).toEqual([
      'cache.accessMode: a ReadWriteOnce volume can be used by one pod (or pods on one node), but up to 4 replicas would share it '
      + '(use ReadWriteMany (or ReadOnlyMany with pre-staged weights), or one replica without allowSurge)',
    ]);
    expect(find(objs, 'Deployment')!.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(find(synth({ ...base, autoscaling: { ...scaling, maxReplicas: 1 } }), 'Deployment')!.spec.strategy).toEqual({ type: 'Recreate' });
  });
});

describe('PodDisruptionBudget', () => {
  const pdb = (props: Partial<VllmModelProps>) => find(synth({ model: base.model, environment: 'production', ...props }), 'PodDisruptionBudget');

  test('for every model that can run more than one pod, maxUnavailable 1; unhealthy (loading) pods may always be evicted', () => {
    expect(pdb({ replicas: 2 })).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: 'llama-8b-production',
        namespace: 'llm',
        labels: expect.objectContaining({ 'app.kubernetes.io/instance': 'llama-8b-production', 'environment': 'production' }),
      },
      spec: {
        selector: { matchLabels: find(synth({ model: base.model, environment: 'production', replicas: 2 }), 'Deployment')!.spec.selector.matchLabels },
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
    expect(pdb({ autoscaling: { ...scaling, minReplicas: 0, maxReplicas: 2, activationQuery: 'up', activationThreshold: 0 } })?.spec.maxUnavailable).toBe(1);
    expect(pdb({ replicas: 4, podDisruptionBudget: { maxUnavailable: 2 } })?.spec.maxUnavailable).toBe(2);
    expect(conformanceProblems(synth({ model: base.model, environment: 'production', replicas: 2 }))).toEqual([]);
  });

  test('none for one pod (it would block drains or protect nothing), none when turned off', () => {
    expect(pdb({})).toBeUndefined();
    expect(pdb({ replicas: 0 })).toBeUndefined();
    expect(pdb({ autoscaling: { ...scaling, maxReplicas: 1 } })).toBeUndefined();
    expect(pdb({ replicas: 3, podDisruptionBudget: { enabled: false } })).toBeUndefined();
  });

  test('a budget that cannot work is refused', () => {
    const e = (props: Partial<VllmModelProps>) => errors({ model: base.model, environment: 'production', ...props });
    expect(e({ podDisruptionBudget: { enabled: true } })).toEqual([
      'podDisruptionBudget.enabled: a disruption budget for a model that runs one pod at most either protects nothing or blocks node drains forever '
      + '(remove podDisruptionBudget, or run more replicas (or autoscaling.maxReplicas above 1))',
    ]);
    expect(e({ replicas: 3, podDisruptionBudget: { maxUnavailable: 3 } })).toEqual([
      'podDisruptionBudget.maxUnavailable: maxUnavailable 3 lets all 3 pods go at once: the budget would protect nothing (use at most 2)',
    ]);
    expect(e({ replicas: 3, podDisruptionBudget: { maxUnavailable: 0 } })).toEqual([
      'podDisruptionBudget.maxUnavailable: maxUnavailable must be an integer from 1 to 1000, got 0',
    ]);
    expect(e({ replicas: 3, podDisruptionBudget: { enabled: false, maxUnavailable: 1 } })).toEqual([
      'podDisruptionBudget.maxUnavailable: maxUnavailable is set but the budget is off (remove one of them)',
    ]);
  });
});

describe('GPU pool capacity at maxReplicas', () => {
  function app(models: Array<Partial<VllmModelProps>>): App {
    const a = Testing.app();
    const chart = new Chart(a, 'c', { namespace: 'llm' });
    const pool = new GpuNodePool(chart, 'pool', { gpusPerNode: 8, nodes: 1 });
    models.forEach((m, i) => new VllmModel(chart, `m${i}`, { ...base, nodePool: pool, ...m }));
    return a;
  }

  test('an autoscaled model fits when its maximum (and surge pod) fits, whatever its minimum', () => {
    expect(() => app([{ autoscaling: { ...scaling, minReplicas: 1, maxReplicas: 8 } }]).synth()).not.toThrow();
    expect(() => app([{ autoscaling: { ...scaling, minReplicas: 1, maxReplicas: 9 } }]).synth()).toThrow(
      /pool 'c\/pool' has 8 nvidia.com\/gpu \(1 node\(s\) x 8\); .*they need 9 \[c\/m0: 9 pod\(s\) x 1 = 9\]/,
    );
    expect(() => app([{ autoscaling: { ...scaling, maxReplicas: 8 }, allowSurge: true }]).synth()).toThrow(
      /they need 9 \[c\/m0: 9 pod\(s\) x 1 = 9 \(1 of them only during a rolling update\)\] \(add nodes to the pool, lower replicas, set allowSurge: false, or move a model to another pool\)/,
    );
    expect(() => app([{ autoscaling: { ...scaling, maxReplicas: 4 } }, { replicas: 4, autoscaling: undefined }]).synth()).not.toThrow();
    expect(() => app([{ autoscaling: { ...scaling, minReplicas: 0, maxReplicas: 5, activationQuery: 'up', activationThreshold: 0 } }, { replicas: 4, autoscaling: undefined }]).synth())
      .toThrow(/they need 9 \[c\/m0: 5 pod\(s\) x 1 = 5; c\/m1: 4 pod\(s\) x 1 = 4\]/);
  });
});
