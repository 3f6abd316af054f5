import { progressDeadlineSeconds } from './sizing';
import { dashboardUid, grafanaDashboard, PanelSpec } from '../core/grafana';
import { compareStrings } from '../core/order';
import { AlertRule, promqlString, templateLiteral } from '../core/prometheus';

/**
 * Monitoring of the vLLM servers of one namespace, as plain objects: the ServiceMonitor spec, the
 * PrometheusRule alerts and the Grafana dashboard, shared by every model of the namespace. An alert fires
 * per model: its expression keeps the `namespace` and `service` labels (and vLLM's `model_name`), and
 * models whose thresholds differ get a rule of their own, each selecting its models by name.
 */

export interface MonitoredModel {
  readonly namespace: string;
  readonly serviceName: string;
  /**
   * The rest of the pods' names after the Service name, as a regular expression without capturing groups:
   * a Deployment's `-<replicaset hash>-<pod hash>` unless given (a LeaderWorkerSet's pods are named otherwise).
   */
  readonly podNameSuffix?: string;
  readonly servedModelName: string;
  readonly environment: string;
  readonly gpuResource: string;
  readonly startupBudgetSeconds: number;
  readonly queueAlertThreshold: number;
  readonly kvCacheAlertThreshold: number;
}

/** kube-state-metrics names a Deployment's pods `<deployment>-<replicaset hash>-<pod hash>`. */
export const DEPLOYMENT_POD_SUFFIX = '-[a-z0-9]+-[a-z0-9]+';

/** The label the ServiceMonitor's scrape gives every series: the model's Service. */
const SERVICE = 'service';

/** A string matched literally inside an RE2 regular expression. */
export function regexLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An alternation of the names, in code-unit order: the same for any order the models came in. */
function alternation(names: readonly string[]): string {
  return [...new Set(names)].sort(compareStrings).map(regexLiteral).join('|');
}

/** The series selector of the models' vLLM metrics (the ServiceMonitor's scrape adds `namespace` and `service`). */
function vllmSelector(namespace: string, models: readonly MonitoredModel[]): string {
  return `namespace=${promqlString(namespace)}, ${SERVICE}=~${promqlString(alternation(models.map((m) => m.serviceName)))}`;
}

/**
 * The models' pods as one regular expression, with one capturing group per pod-name form that holds the
 * Service name, and the `label_replace` replacement that writes it into the `service` label. Within one
 * form no pod name fits two models (the suffix has a fixed number of `-` segments); across forms, a
 * multi-node model `<x>` and a Deployment model `<x>-lws` can each have pods that fit the other's form (a
 * Deployment pod with all-digit hashes, a worker `<x>-lws-0-1`): the form that sorts first names the alert.
 */
export function podNameMatch(models: readonly MonitoredModel[]): { pattern: string; replacement: string } {
  const bySuffix = new Map<string, string[]>();
  for (const m of models) {
    const suffix = m.podNameSuffix ?? DEPLOYMENT_POD_SUFFIX;
    bySuffix.set(suffix, [...(bySuffix.get(suffix) ?? []), m.serviceName]);
  }
  const forms = [...bySuffix.entries()].sort(([a], [b]) => compareStrings(a, b));
  return {
    pattern: forms.map(([suffix, names]) => `(${alternation(names)})${suffix}`).join('|'),
    replacement: forms.map((_, i) => `\${${i + 1}}`).join(''),
  };
}

/** kube-state-metrics series of the models' pods, with the model's Service written into a `service` label. */
function podSeries(namespace: string, models: readonly MonitoredModel[], metric: string, extra = '', range = ''): string {
  const { pattern, replacement } = podNameMatch(models);
  const selector = `${metric}{namespace=${promqlString(namespace)}, pod=~${promqlString(pattern)}${extra}}`;
  const series = range ? `max_over_time(${selector}[${range}])` : selector;
  return `label_replace(${series}, "${SERVICE}", ${promqlString(replacement)}, "pod", ${promqlString(pattern)})`;
}

/** Models split by the parameters of one alert, in a fixed order (by the parameters' JSON). */
function partition<K>(models: readonly MonitoredModel[], key: (m: MonitoredModel) => K): Array<[K, MonitoredModel[]]> {
  const groups = new Map<string, [K, MonitoredModel[]]>();
  for (const m of models) {
    const k = key(m);
    const id = JSON.stringify(k);
    const g = groups.get(id);
    if (g) g[1].push(m);
    else groups.set(id, [k, [m]]);
  }
  return [...groups.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, g]) => g);
}

/** Who an alert is about, from the series' labels (templates Prometheus fills in). */
const WHO = `{{ $labels.${SERVICE} }} ({{ $labels.namespace }})`;

/**
 * The seed's alerts (crash loop, failing health, GPU exhaustion) plus queue backlog and KV-cache
 * saturation, for the models of one namespace. Each fires once per model (and per pod for the pod
 * alerts), labelled with the model's Service (`service`, and `model` as before) and its environment.
 * The health alert waits longer than the startup budget, so a loading model never pages.
 */
export function alertRules(namespace: string, models: readonly MonitoredModel[]): AlertRule[] {
  const labels = (severity: string, environment: string) => ({ severity, environment, model: `{{ $labels.${SERVICE} }}` });
  const env = (e: string) => templateLiteral(e);
  const rules: AlertRule[] = [];
  for (const [[environment], ms] of partition(models, (m) => [m.environment])) {
    rules.push({
      alert: 'VllmPodCrashLooping',
      expr: `max by (namespace, ${SERVICE}, pod) (${podSeries(namespace, ms, 'kube_pod_container_status_waiting_reason', ', container="vllm", reason="CrashLoopBackOff"', '5m')}) >= 1`,
      for: '10m',
      labels: labels('critical', environment),
      annotations: {
        summary: `vLLM pod {{ $labels.pod }} of ${WHO}, ${env(environment)}, is crash looping`,
        description: 'See `kubectl logs --previous` for the reason: "KeyboardInterrupt: terminated" means the startup probe ran out (raise startupBudgetSeconds); CUDA out of memory means lower gpuMemoryUtilization or maxModelLen.',
      },
    });
  }
  for (const [[environment, budget], ms] of partition(models, (m) => [m.environment, m.startupBudgetSeconds] as const)) {
    // Longer than a rollout may take (scheduling, image pull, then the load), so a starting pod never pages.
    const rolloutMinutes = Math.ceil(progressDeadlineSeconds(budget) / 60);
    rules.push({
      alert: 'VllmHealthCheckFailing',
      expr: `max by (namespace, ${SERVICE}) (up{${vllmSelector(namespace, ms)}}) == 0`,
      for: `${rolloutMinutes + 5}m`,
      labels: labels('critical', environment),
      annotations: {
        summary: `No vLLM pod of ${WHO}, ${env(environment)}, answers`,
        description: `/health and /metrics have not answered for longer than a rollout may take (startup budget ${budget} s, plus 10 minutes for scheduling and image pull) plus 5 minutes.`,
      },
    });
  }
  for (const [[environment, gpu], ms] of partition(models, (m) => [m.environment, m.gpuResource])) {
    rules.push({
      alert: 'VllmPodUnschedulable',
      expr: `max by (namespace, ${SERVICE}, pod) (${podSeries(namespace, ms, 'kube_pod_status_unschedulable')}) == 1`,
      for: '10m',
      labels: labels('warning', environment),
      annotations: {
        summary: `vLLM pod {{ $labels.pod }} of ${WHO}, ${env(environment)}, cannot be scheduled`,
        description: `Usually no node has enough free ${templateLiteral(gpu)}: check \`kubectl describe pod\` events, the GPU node pool size and other models on it.`,
      },
    });
  }
  const served = `{{ $labels.model_name }} of ${WHO}`;
  for (const [[environment, threshold], ms] of partition(models, (m) => [m.environment, m.queueAlertThreshold] as const)) {
    rules.push({
      alert: 'VllmRequestQueueBacklog',
      expr: `sum by (namespace, ${SERVICE}, model_name) (vllm:num_requests_waiting{${vllmSelector(namespace, ms)}}) > ${threshold}`,
      for: '5m',
      labels: labels('warning', environment),
      annotations: {
        summary: `Requests are queueing on ${served}, ${env(environment)}`,
        description: `More than ${threshold} requests have waited for 5 minutes: add replicas or lower load.`,
      },
    });
  }
  for (const [[environment, threshold], ms] of partition(models, (m) => [m.environment, m.kvCacheAlertThreshold] as const)) {
    rules.push({
      alert: 'VllmKvCacheSaturated',
      expr: `max by (namespace, ${SERVICE}, model_name) (vllm:kv_cache_usage_perc{${vllmSelector(namespace, ms)}}) > ${threshold}`,
      for: '10m',
      labels: labels('warning', environment),
      annotations: {
        summary: `KV cache of ${served}, ${env(environment)}, is nearly full`,
        description: `Usage above ${threshold * 100}% for 10 minutes causes preemptions: add replicas, or lower maxModelLen or maxNumSeqs.`,
      },
    });
  }
  return rules;
}

export function serviceMonitorSpec(selector: Record<string, string>, interval: string): Record<string, unknown> {
  return {
    selector: { matchLabels: selector },
    endpoints: [{ port: 'http', path: '/metrics', scheme: 'http', interval }],
  };
}

/**
 * One Grafana dashboard (schema 39) for the models of a namespace: the key vLLM series per model, with a
 * `namespace` variable (the namespace, fixed) and a `model` variable (the models' Services, several at once).
 */
export function dashboard(namespace: string, models: readonly MonitoredModel[]): Record<string, unknown> {
  const sel = `namespace="$namespace", ${SERVICE}=~"$model"`;
  const by = `sum by (${SERVICE})`;
  const quantile = (metric: string, q: number) => `histogram_quantile(${q}, sum by (${SERVICE}, le) (rate(${metric}_bucket{${sel}}[5m])))`;
  const legend = (what: string) => `{{${SERVICE}}} ${what}`;
  const panels: PanelSpec[] = [
    ['Requests', 'short', [[legend('running'), `${by} (vllm:num_requests_running{${sel}})`], [legend('waiting'), `${by} (vllm:num_requests_waiting{${sel}})`]]],
    ['KV cache usage', 'percentunit', [[legend('usage'), `max by (${SERVICE}) (vllm:kv_cache_usage_perc{${sel}})`]]],
    ['Time to first token', 's', [[legend('p50'), quantile('vllm:time_to_first_token_seconds', 0.5)], [legend('p95'), quantile('vllm:time_to_first_token_seconds', 0.95)]]],
    ['Inter-token latency', 's', [[legend('p50'), quantile('vllm:inter_token_latency_seconds', 0.5)], [legend('p95'), quantile('vllm:inter_token_latency_seconds', 0.95)]]],
    ['End-to-end latency', 's', [[legend('p50'), quantile('vllm:e2e_request_latency_seconds', 0.5)], [legend('p95'), quantile('vllm:e2e_request_latency_seconds', 0.95)]]],
    ['Tokens per second', 'short', [
      [legend('prompt'), `${by} (rate(vllm:prompt_tokens_total{${sel}}[5m]))`],
      [legend('generation'), `${by} (rate(vllm:generation_tokens_total{${sel}}[5m]))`],
    ]],
    ['Prefix cache hit rate', 'percentunit', [
      [legend('hit rate'), `${by} (rate(vllm:prefix_cache_hits_total{${sel}}[5m])) / ${by} (rate(vllm:prefix_cache_queries_total{${sel}}[5m]))`],
    ]],
    ['Preemptions per second', 'short', [[legend('preemptions'), `${by} (rate(vllm:num_preemptions_total{${sel}}[5m]))`]]],
  ];
  const environments = [...new Set(models.map((m) => m.environment))].sort(compareStrings);
  return grafanaDashboard({
    uid: dashboardUid('vllm', [namespace]),
    title: `vLLM models (${namespace})`,
    tags: ['vllm', 'cdk8s-llama-stack', ...environments],
    variables: [
      { name: 'namespace', type: 'constant', query: namespace, hide: 2 },
      {
        name: 'model',
        type: 'query',
        label: 'Model',
        multi: true,
        includeAll: true,
        refresh: 2,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        // Only the models this dashboard is for (a model with `dashboard: false` is left out).
        query: { query: `label_values(vllm:num_requests_running{${vllmSelector(namespace, models)}}, ${SERVICE})`, refId: 'model' },
      },
    ],
    panels,
  });
}
