import { progressDeadlineSeconds } from './sizing';
import { dashboardUid, grafanaDashboard, PanelSpec } from '../core/grafana';
import { AlertRule, templateLiteral } from '../core/prometheus';

/**
 * Monitoring of a vLLM server, as plain objects: the ServiceMonitor spec, the PrometheusRule alerts and
 * a Grafana dashboard. Every query is scoped to one model's Service in one namespace.
 */

export interface MonitoredModel {
  readonly namespace: string;
  readonly serviceName: string;
  readonly deploymentName: string;
  /** The pods' names as a regular expression, when they are not a Deployment's (a LeaderWorkerSet's). */
  readonly podNamePattern?: string;
  readonly servedModelName: string;
  readonly environment: string;
  readonly gpuResource: string;
  readonly startupBudgetSeconds: number;
  readonly queueAlertThreshold: number;
  readonly kvCacheAlertThreshold: number;
}

/** The series selector of one model's vLLM metrics (the ServiceMonitor adds `namespace` and `service`). */
function vllmSelector(m: MonitoredModel): string {
  return `namespace="${m.namespace}", service="${m.serviceName}"`;
}

/** kube-state-metrics series of the Deployment's pods (`<deployment>-<replicaset hash>-<pod hash>`). */
function podSelector(m: MonitoredModel): string {
  return `namespace="${m.namespace}", pod=~"${m.podNamePattern ?? `${m.deploymentName}-[a-z0-9]+-[a-z0-9]+`}"`;
}

export function serviceMonitorSpec(selector: Record<string, string>, interval: string): Record<string, unknown> {
  return {
    selector: { matchLabels: selector },
    endpoints: [{ port: 'http', path: '/metrics', scheme: 'http', interval }],
  };
}

/**
 * The seed's alerts (crash loop, failing health, GPU exhaustion) plus queue backlog and KV-cache
 * saturation. The health alert waits longer than the startup budget, so a loading model never pages.
 */
export function alertRules(m: MonitoredModel): AlertRule[] {
  const who = templateLiteral(`${m.servedModelName} (${m.environment}, ${m.namespace}/${m.serviceName})`);
  const labels = (severity: string) => ({ severity, environment: m.environment, model: m.serviceName });
  // Longer than a rollout may take (scheduling, image pull, then the load), so a starting pod never pages.
  const rolloutMinutes = Math.ceil(progressDeadlineSeconds(m.startupBudgetSeconds) / 60);
  return [
    {
      alert: 'VllmPodCrashLooping',
      expr: `max by (pod) (max_over_time(kube_pod_container_status_waiting_reason{${podSelector(m)}, container="vllm", reason="CrashLoopBackOff"}[5m])) >= 1`,
      for: '10m',
      labels: labels('critical'),
      annotations: {
        summary: `vLLM pod {{ $labels.pod }} of ${who} is crash looping`,
        description: 'See `kubectl logs --previous` for the reason: "KeyboardInterrupt: terminated" means the startup probe ran out (raise startupBudgetSeconds); CUDA out of memory means lower gpuMemoryUtilization or maxModelLen.',
      },
    },
    {
      alert: 'VllmHealthCheckFailing',
      expr: `max(up{${vllmSelector(m)}}) == 0`,
      for: `${rolloutMinutes + 5}m`,
      labels: labels('critical'),
      annotations: {
        summary: `No vLLM pod of ${who} answers`,
        description: `/health and /metrics have not answered for longer than a rollout may take (startup budget ${m.startupBudgetSeconds} s, plus 10 minutes for scheduling and image pull) plus 5 minutes.`,
      },
    },
    {
      alert: 'VllmPodUnschedulable',
      expr: `max by (pod) (kube_pod_status_unschedulable{${podSelector(m)}}) == 1`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `vLLM pod {{ $labels.pod }} of ${who} cannot be scheduled`,
        description: `Usually no node has enough free ${m.gpuResource}: check \`kubectl describe pod\` events, the GPU node pool size and other models on it.`,
      },
    },
    {
      alert: 'VllmRequestQueueBacklog',
      expr: `sum(vllm:num_requests_waiting{${vllmSelector(m)}}) > ${m.queueAlertThreshold}`,
      for: '5m',
      labels: labels('warning'),
      annotations: {
        summary: `Requests are queueing on ${who}`,
        description: `More than ${m.queueAlertThreshold} requests have waited for 5 minutes: add replicas or lower load.`,
      },
    },
    {
      alert: 'VllmKvCacheSaturated',
      expr: `max(vllm:kv_cache_usage_perc{${vllmSelector(m)}}) > ${m.kvCacheAlertThreshold}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `KV cache of ${who} is nearly full`,
        description: `Usage above ${m.kvCacheAlertThreshold * 100}% for 10 minutes causes preemptions: add replicas, or lower maxModelLen or maxNumSeqs.`,
      },
    },
  ];
}

/** A Grafana dashboard (schema 39) with the key vLLM series of one model. */
export function dashboard(m: MonitoredModel): Record<string, unknown> {
  const sel = vllmSelector(m);
  const quantile = (metric: string, q: number) => `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${sel}}[5m])))`;
  const panels: PanelSpec[] = [
    ['Requests', 'short', [['running', `sum(vllm:num_requests_running{${sel}})`], ['waiting', `sum(vllm:num_requests_waiting{${sel}})`]]],
    ['KV cache usage', 'percentunit', [['usage', `max(vllm:kv_cache_usage_perc{${sel}})`]]],
    ['Time to first token', 's', [['p50', quantile('vllm:time_to_first_token_seconds', 0.5)], ['p95', quantile('vllm:time_to_first_token_seconds', 0.95)]]],
    ['Inter-token latency', 's', [['p50', quantile('vllm:inter_token_latency_seconds', 0.5)], ['p95', quantile('vllm:inter_token_latency_seconds', 0.95)]]],
    ['End-to-end latency', 's', [['p50', quantile('vllm:e2e_request_latency_seconds', 0.5)], ['p95', quantile('vllm:e2e_request_latency_seconds', 0.95)]]],
    ['Tokens per second', 'short', [
      ['prompt', `sum(rate(vllm:prompt_tokens_total{${sel}}[5m]))`],
      ['generation', `sum(rate(vllm:generation_tokens_total{${sel}}[5m]))`],
    ]],
    ['Prefix cache hit rate', 'percentunit', [
      ['hit rate', `sum(rate(vllm:prefix_cache_hits_total{${sel}}[5m])) / sum(rate(vllm:prefix_cache_queries_total{${sel}}[5m]))`],
    ]],
    ['Preemptions per second', 'short', [['preemptions', `sum(rate(vllm:num_preemptions_total{${sel}}[5m]))`]]],
  ];
  return grafanaDashboard({
    uid: dashboardUid('vllm', [m.namespace, m.serviceName]),
    title: `vLLM ${m.servedModelName} (${m.environment})`,
    tags: ['vllm', 'cdk8s-llama-stack', m.environment],
    panels,
  });
}
