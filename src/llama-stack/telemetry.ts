/**
 * Llama Stack's own telemetry, as plain values: the OTEL_* environment that makes the server export its
 * request metrics (and traces) over OTLP, the collector as an egress destination, the alert rules of one
 * stack and the dashboard shared by every stack of a namespace.
 *
 * Upstream (Llama Stack 0.7.1):
 * - `llama_stack/telemetry/__init__.py` sets up the metric exporter only when OTEL_EXPORTER_OTLP_ENDPOINT is
 *   set; it reads OTEL_METRIC_EXPORT_INTERVAL (milliseconds) and OTEL_SERVICE_NAME (default `llama-stack`).
 * - `containers/Containerfile` starts the server under `opentelemetry-instrument` when any OTEL_* variable is
 *   set, so the OpenTelemetry SDK's own variables (protocol, headers, exporters) apply too.
 * - `llama_stack/core/server/metrics.py` records the request metrics named in `llama_stack/telemetry/constants.py`.
 */
import { OtlpProtocol, StackAlertsSpec, TelemetrySpec } from './props';
import { portOf } from '../config/destinations';
import { IssueCollector } from '../core/errors';
import { dashboardUid, grafanaDashboard, PanelSpec } from '../core/grafana';
import { k8s } from '../core/k8s';
import { redactUrl } from '../core/names';
import { compareStrings } from '../core/order';
import { AlertRule, httpBaseUrlProblems, promqlString, templateLiteral } from '../core/prometheus';
import { checkSecretRef } from '../core/secret-ref';

/**
 * The request metrics of the server as OpenTelemetry names them (constants.py), and as they arrive in
 * Prometheus through the OTLP receiver or the collector's Prometheus exporter (dots become underscores, a
 * counter keeps its `_total`, a histogram gets `_bucket`, `_sum` and `_count`). Their attributes: `api`,
 * `method`, and on the counter `status` (success | error) and `status_code`.
 */
export const REQUEST_METRICS = {
  requestsTotal: { otel: 'llama_stack.requests_total', prometheus: 'llama_stack_requests_total' },
  requestDuration: { otel: 'llama_stack.request_duration_seconds', prometheus: 'llama_stack_request_duration_seconds' },
  concurrentRequests: { otel: 'llama_stack.concurrent_requests', prometheus: 'llama_stack_concurrent_requests' },
} as const;

/** The variables the library sets when telemetry is on; the user may not set them too. */
export const TELEMETRY_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_SERVICE_NAME', 'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRICS_EXPORTER', 'OTEL_TRACES_EXPORTER', 'OTEL_LOGS_EXPORTER', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_RESOURCE_ATTRIBUTES',
] as const;

export const DEFAULT_EXPORT_INTERVAL_SECONDS = 60;
export const DEFAULT_ERROR_RATIO = 0.05;
export const DEFAULT_LATENCY_P95_SECONDS = 30;

export interface TelemetryPlan {
  readonly env: k8s.EnvVar[];
  /** The collector, for the NetworkPolicy. */
  readonly endpoint: { readonly host: string; readonly port: number; readonly source: string };
  readonly serviceName: string;
  /**
   * Prometheus' `job` of the stack's series: `<namespace>/<service name>`, since the server reports
   * `service.namespace` (the Kubernetes namespace) and both the OTLP receiver and the collector's exporter
   * join it to `service.name`. Series carry no Kubernetes `namespace` label on this path.
   */
  readonly job: string;
  readonly alerts?: Required<StackAlertsSpec>;
  readonly metricPrefix: string;
}

const PROTOCOLS: readonly string[] = Object.values(OtlpProtocol);

/**
 * Checks `telemetry` (issues under `telemetry`) and plans it. `userEnv`: names the user sets through `env`
 * or `workload.overrides.env`, which may not be the library's.
 */
export function planTelemetry(
  issues: IssueCollector,
  spec: TelemetrySpec | undefined,
  stack: { name: string; namespace: string },
  userEnv: ReadonlyArray<{ name: string; path: string }>,
): TelemetryPlan | undefined {
  if (spec === undefined) return undefined;
  const at = issues.at('telemetry');
  const before = issues.issues.length;
  const protocol = spec.protocol ?? OtlpProtocol.HTTP_PROTOBUF;
  if (!PROTOCOLS.includes(protocol)) at.add(`protocol '${String(protocol)}' is not one of ${PROTOCOLS.join(', ')}`, 'use OtlpProtocol.HTTP_PROTOBUF (port 4318) or OtlpProtocol.GRPC (port 4317)', 'protocol');
  const url = parseCollectorUrl(at.at('endpoint'), spec.endpoint, protocol);
  const serviceName = spec.serviceName ?? stack.name;
  if (typeof serviceName !== 'string' || serviceName.trim() === '' || serviceName.length > 255 || /[,=\s]/.test(serviceName)) {
    at.add(`serviceName '${String(serviceName)}' is empty, longer than 255 characters or holds a space, ',' or '='`, 'use a short name such as the stack\'s (the `job` label of its metrics)', 'serviceName');
  }
  const interval = spec.exportIntervalSeconds ?? DEFAULT_EXPORT_INTERVAL_SECONDS;
  if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
    at.add(`exportIntervalSeconds must be a whole number from 1 to 3600, got ${String(interval)}`, 'e.g. 60 (Llama Stack\'s default)', 'exportIntervalSeconds');
  }
  if (spec.headers !== undefined) checkSecretRef(at.at('headers'), spec.headers);
  const prefix = spec.prometheusMetricPrefix ?? '';
  checkMetricPrefix(at.at('prometheusMetricPrefix'), prefix);
  const alerts = spec.alerts === undefined ? undefined : {
    errorRatio: spec.alerts.errorRatio ?? DEFAULT_ERROR_RATIO,
    latencyP95Seconds: spec.alerts.latencyP95Seconds ?? DEFAULT_LATENCY_P95_SECONDS,
    concurrentRequests: spec.alerts.concurrentRequests ?? 0,
  };
  if (alerts) {
    const aat = at.at('alerts');
    if (!(Number.isFinite(alerts.errorRatio) && alerts.errorRatio > 0 && alerts.errorRatio <= 1)) aat.add(`errorRatio must be above 0 and at most 1, got ${alerts.errorRatio}`, 'e.g. 0.05 (5% of requests fail)', 'errorRatio');
    if (!(Number.isFinite(alerts.latencyP95Seconds) && alerts.latencyP95Seconds > 0)) aat.add(`latencyP95Seconds must be above 0, got ${alerts.latencyP95Seconds}`, 'e.g. 30', 'latencyP95Seconds');
    if (!(Number.isInteger(alerts.concurrentRequests) && alerts.concurrentRequests >= 0)) aat.add(`concurrentRequests must be a whole number, 0 or more, got ${alerts.concurrentRequests}`, 'requests in flight per stack above which it is saturated, or leave it out', 'concurrentRequests');
  }
  for (const u of userEnv) {
    if ((TELEMETRY_ENV as readonly string[]).includes(u.name)) {
      issues.add(`${u.name} is set by telemetry`, 'remove it here and set it through the telemetry prop', u.path);
    }
  }
  if (issues.issues.length > before || !url) return undefined;

  const env: k8s.EnvVar[] = [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: spec.endpoint.replace(/\/+$/, '') },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: protocol },
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `service.namespace=${stack.namespace}` },
    { name: 'OTEL_METRIC_EXPORT_INTERVAL', value: String(interval * 1000) },
    { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' },
    { name: 'OTEL_TRACES_EXPORTER', value: spec.traces === false ? 'none' : 'otlp' },
    // Logs stay on stdout, where `kubectl logs` and the cluster's log pipeline read them.
    { name: 'OTEL_LOGS_EXPORTER', value: 'none' },
  ];
  if (spec.headers) env.push({ name: 'OTEL_EXPORTER_OTLP_HEADERS', valueFrom: { secretKeyRef: { name: spec.headers.name, key: spec.headers.key } } });
  return {
    env: env.sort((a, b) => compareStrings(a.name, b.name)),
    endpoint: { host: url.hostname, port: portOf(url), source: issues.path('telemetry.endpoint') },
    serviceName,
    job: `${stack.namespace}/${serviceName}`,
    alerts,
    metricPrefix: prefix,
  };
}

/** `prometheusMetricPrefix`: empty, or a Prometheus name prefix ending in `_`. */
export function checkMetricPrefix(issues: IssueCollector, prefix: unknown): void {
  if (typeof prefix !== 'string' || !/^([a-zA-Z_][a-zA-Z0-9_]*_)?$/.test(prefix)) {
    issues.add(`'${String(prefix)}' is not a Prometheus name prefix ending in '_'`, 'give the collector exporter\'s namespace followed by _, e.g. llama_stack_, or leave it out');
  }
}

/** An http(s) collector URL without credentials, query or fragment (and without a path for gRPC). */
function parseCollectorUrl(issues: IssueCollector, text: unknown, protocol: string): URL | undefined {
  const example = protocol === OtlpProtocol.GRPC ? 'http://otel-collector.monitoring.svc:4317' : 'http://otel-collector.monitoring.svc:4318';
  if (typeof text !== 'string' || text === '') {
    issues.add('endpoint is required: the OTLP collector the server sends its metrics to', `e.g. ${example}`);
    return undefined;
  }
  const { url, problems } = httpBaseUrlProblems(text, { credentials: 'sit in the Deployment: give them as headers from a Secret' });
  if (url && protocol === OtlpProtocol.GRPC && url.pathname !== '/' && url.pathname !== '') problems.push('has a path, which gRPC ignores');
  for (const p of problems) issues.add(`'${redactUrl(text)}' ${p}`, `e.g. ${example}`);
  return problems.length === 0 ? url : undefined;
}

/**
 * Alerts of one stack: the share of failing requests, the 95th percentile of request duration, and, when
 * a limit is given, requests in flight (saturation). Each needs some traffic first, so an idle stack never pages.
 */
export function stackAlertRules(plan: TelemetryPlan, namespace: string, stackName: string): AlertRule[] {
  const a = plan.alerts!;
  const m = (name: string) => `${plan.metricPrefix}${name}`;
  const sel = `job=${promqlString(plan.job)}`;
  const who = templateLiteral(`Llama Stack ${stackName} (${namespace})`);
  const labels = (severity: string) => ({ severity, stack: stackName });
  const rate = (extra: string) => `sum(rate(${m(REQUEST_METRICS.requestsTotal.prometheus)}{${sel}${extra}}[5m]))`;
  const rules: AlertRule[] = [
    {
      alert: 'LlamaStackErrorRatioHigh',
      expr: `(${rate(', status="error"')} / ${rate('')}) > ${a.errorRatio} and ${rate('')} > 0.05`,
      for: '10m',
      labels: labels('critical'),
      annotations: {
        summary: `More than ${Number((a.errorRatio * 100).toFixed(4))}% of the requests to ${who} fail`,
        description: 'By API and method: sum by (api, method) (rate(llama_stack_requests_total{status="error"}[5m])). The server\'s log names the provider that failed.',
      },
    },
    {
      alert: 'LlamaStackLatencyHigh',
      expr: `histogram_quantile(0.95, sum by (le) (rate(${m(REQUEST_METRICS.requestDuration.prometheus)}_bucket{${sel}}[5m]))) > ${a.latencyP95Seconds} and ${rate('')} > 0.05`,
      for: '15m',
      labels: labels('warning'),
      annotations: {
        summary: `The slowest 5% of the requests to ${who} take more than ${a.latencyP95Seconds} s`,
        description: 'Inference dominates request time: compare with the model servers\' queue and time to first token.',
      },
    },
  ];
  if (a.concurrentRequests > 0) {
    rules.push({
      alert: 'LlamaStackSaturated',
      expr: `sum(${m(REQUEST_METRICS.concurrentRequests.prometheus)}{${sel}}) > ${a.concurrentRequests}`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: `${who} has more than ${a.concurrentRequests} requests in flight`,
        description: 'Add replicas (workload.replicas or autoscaling) or workers, or look for a slow provider.',
      },
    });
  }
  return rules;
}

/** The dashboard of every stack of a namespace, picked by its `job` (service name). */
export function stackDashboard(namespace: string, metricPrefix: string): Record<string, unknown> {
  const sel = 'job=~"$job"';
  const m = (name: string) => `${metricPrefix}${name}`;
  const requests = m(REQUEST_METRICS.requestsTotal.prometheus);
  const duration = m(REQUEST_METRICS.requestDuration.prometheus);
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (job, le) (rate(${duration}_bucket{${sel}}[5m])))`;
  const panels: PanelSpec[] = [
    ['Requests per second by API', 'reqps', [['{{job}} {{api}}', `sum by (job, api) (rate(${requests}{${sel}}[5m]))`]]],
    ['Error ratio', 'percentunit', [['{{job}}', `sum by (job) (rate(${requests}{${sel}, status="error"}[5m])) / sum by (job) (rate(${requests}{${sel}}[5m]))`]]],
    ['Request duration', 's', [['{{job}} p50', quantile(0.5)], ['{{job}} p95', quantile(0.95)]]],
    ['Requests in flight', 'short', [['{{job}} {{api}}', `sum by (job, api) (${m(REQUEST_METRICS.concurrentRequests.prometheus)}{${sel}})`]]],
    ['Slowest methods (p95)', 's', [['{{job}} {{api}}.{{method}}', `topk(5, histogram_quantile(0.95, sum by (job, api, method, le) (rate(${duration}_bucket{${sel}}[5m]))))`]]],
    ['Errors by status code', 'reqps', [['{{job}} {{status_code}}', `sum by (job, status_code) (rate(${requests}{${sel}, status="error"}[5m]))`]]],
  ];
  return grafanaDashboard({
    uid: dashboardUid('llama-stack', [namespace]),
    title: `Llama Stack (${namespace})`,
    tags: ['llama-stack', 'cdk8s-llama-stack'],
    variables: [
      { name: 'namespace', type: 'constant', query: namespace, hide: 2 },
      {
        name: 'job',
        type: 'query',
        label: 'Stack',
        multi: true,
        includeAll: true,
        refresh: 2,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        query: { query: `label_values(${requests}{job=~"$namespace/.+"}, job)`, refId: 'job' },
      },
    ],
    panels,
  });
}
