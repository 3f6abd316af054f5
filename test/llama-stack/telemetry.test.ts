/**
 * LlamaStack telemetry: the OTEL_* environment Llama Stack 0.7.1 reads, the egress to the collector, the
 * alerts and the shared dashboard. Upstream facts checked here:
 * - llama_stack/telemetry/__init__.py (setup_telemetry): exports metrics only when OTEL_EXPORTER_OTLP_ENDPOINT
 *   is set, to `<endpoint>/v1/metrics`; OTEL_METRIC_EXPORT_INTERVAL in milliseconds; OTEL_SERVICE_NAME.
 * - containers/Containerfile (entrypoint): `opentelemetry-instrument` when any OTEL_* variable is set, so
 *   the stack's container must keep the image's entrypoint (no command override) for traces.
 * - llama_stack/telemetry/constants.py + core/server/metrics.py: `llama_stack.requests_total` (counter,
 *   attributes api, method, status, status_code), `llama_stack.request_duration_seconds` (histogram, api,
 *   method), `llama_stack.concurrent_requests` (up-down counter, api).
 */
import { Chart, Testing } from 'cdk8s';
import { LlamaStack, LlamaStackDashboard, LlamaStackProps, OtlpProtocol } from '../../src';
import { REQUEST_METRICS, TELEMETRY_ENV } from '../../src/llama-stack/telemetry';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';
import { promqlErrors, promqlMetricNames } from '../support/promql';

const base: LlamaStackProps = { distribution: { name: 'starter' } };
const endpoint = 'http://otel-collector.monitoring.svc:4318';

function synth(props: LlamaStackProps, namespace = 'llm'): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace });
  new LlamaStack(chart, 'stack', props);
  return Testing.synth(chart) as Manifest[];
}
const find = (objs: Manifest[], kind: string) => objs.filter((o) => o.kind === kind);
const env = (objs: Manifest[]) => find(objs, 'Deployment')[0].spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;

const errors = (props: LlamaStackProps): string[] => validationIssues(() => synth(props), false);

describe('the environment', () => {
  test('without telemetry the container has no OTEL_* variable (the image would start under opentelemetry-instrument)', () => {
    expect(env(synth(base)).filter((e) => e.name.startsWith('OTEL_'))).toEqual([]);
  });

  test('with an endpoint: every variable the server and the SDK read, and the image entrypoint is kept', () => {
    const objs = synth({ ...base, telemetry: { endpoint: `${endpoint}/`, headers: { name: 'otel', key: 'headers' } } });
    expect(env(objs).filter((e) => e.name.startsWith('OTEL_'))).toEqual([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
      { name: 'OTEL_EXPORTER_OTLP_HEADERS', valueFrom: { secretKeyRef: { name: 'otel', key: 'headers' } } },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
      { name: 'OTEL_LOGS_EXPORTER', value: 'none' },
      { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' },
      { name: 'OTEL_METRIC_EXPORT_INTERVAL', value: '60000' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'service.namespace=llm' },
      { name: 'OTEL_SERVICE_NAME', value: 'stack' },
      { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
    ]);
    const container = find(objs, 'Deployment')[0].spec.template.spec.containers[0];
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
    // The headers (a token) are in no ConfigMap and no literal value.
    expect(JSON.stringify(find(objs, 'ConfigMap'))).not.toContain('OTEL_');
  });

  test('gRPC, a service name, an interval and no traces', () => {
    const objs = synth({ ...base, telemetry: { endpoint: 'http://otel.monitoring.svc:4317', protocol: OtlpProtocol.GRPC, serviceName: 'chat', exportIntervalSeconds: 15, traces: false } });
    const byName = Object.fromEntries(env(objs).map((e) => [e.name, e.value]));
    expect([byName.OTEL_EXPORTER_OTLP_PROTOCOL, byName.OTEL_SERVICE_NAME, byName.OTEL_METRIC_EXPORT_INTERVAL, byName.OTEL_TRACES_EXPORTER])
      .toEqual(['grpc', 'chat', '15000', 'none']);
  });

  test('the variables the library sets are its own: the same names in env or overrides.env are errors', () => {
    expect(TELEMETRY_ENV).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(errors({
      ...base,
      env: { OTEL_SERVICE_NAME: 'x' },
      workload: { overrides: { env: [{ name: 'OTEL_EXPORTER_OTLP_HEADERS', value: 'a=b' }] } },
      telemetry: { endpoint },
    })).toEqual([
      'env.OTEL_SERVICE_NAME: OTEL_SERVICE_NAME is set by telemetry',
      'workload.overrides.env[0]: OTEL_EXPORTER_OTLP_HEADERS is set by telemetry',
    ]);
  });
});

describe('egress to the collector', () => {
  const egress = (objs: Manifest[]) => find(objs, 'NetworkPolicy')[0].spec.egress as any[];

  test('an in-cluster collector: its namespace on its port, nothing else added', () => {
    const without = egress(synth(base));
    const withIt = egress(synth({ ...base, telemetry: { endpoint } }));
    expect(withIt.filter((r) => !without.some((w) => JSON.stringify(w) === JSON.stringify(r)))).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 4318 }],
    }]);
    expect(conformanceProblems(synth({ ...base, telemetry: { endpoint } }))).toEqual([]);
  });

  test('a hosted collector needs allowInternetEgress and https on 443; metadata addresses need their opt-in', () => {
    expect(errors({ ...base, telemetry: { endpoint: 'https://otlp.example.com:4318' } }))
      .toEqual([expect.stringMatching(/^telemetry\.endpoint: 'otlp\.example\.com' is outside the cluster/)]);
    expect(() => synth({ ...base, networking: { allowInternetEgress: true }, telemetry: { endpoint: 'https://otlp.example.com' } })).not.toThrow();
    expect(errors({ ...base, telemetry: { endpoint: 'http://169.254.169.254:4318' } })).toEqual([expect.stringMatching(/^telemetry\.endpoint: .*metadata/)]);
  });
});

describe('validation', () => {
  test('every problem at once, with its path', () => {
    expect(errors({
      ...base,
      telemetry: {
        endpoint: 'http://user:pw@otel.monitoring.svc:4318/?x=1',
        protocol: 'thrift' as OtlpProtocol,
        serviceName: 'a b',
        exportIntervalSeconds: 0,
        headers: { name: '', key: 'k' },
        prometheusMetricPrefix: 'llama stack',
        alerts: { errorRatio: 2, latencyP95Seconds: -1, concurrentRequests: 1.5 },
      },
    })).toEqual([
      "telemetry.protocol: protocol 'thrift' is not one of http/protobuf, grpc",
      "telemetry.endpoint: 'http://user:***@otel.monitoring.svc:4318/?x=1' contains credentials, which would sit in the Deployment: give them as headers from a Secret",
      "telemetry.endpoint: 'http://user:***@otel.monitoring.svc:4318/?x=1' has a query or fragment",
      "telemetry.serviceName: serviceName 'a b' is empty, longer than 255 characters or holds a space, ',' or '='",
      'telemetry.exportIntervalSeconds: exportIntervalSeconds must be a whole number from 1 to 3600, got 0',
      expect.stringMatching(/^telemetry\.headers\.name: /),
      "telemetry.prometheusMetricPrefix: 'llama stack' is not a Prometheus name prefix ending in '_'",
      'telemetry.alerts.errorRatio: errorRatio must be above 0 and at most 1, got 2',
      'telemetry.alerts.latencyP95Seconds: latencyP95Seconds must be above 0, got -1',
      'telemetry.alerts.concurrentRequests: concurrentRequests must be a whole number, 0 or more, got 1.5',
    ]);
  });

  test('an endpoint is required; gRPC takes no path; unknown keys are refused', () => {
    expect(errors({ ...base, telemetry: {} as any })).toEqual([expect.stringMatching(/^telemetry\.endpoint: endpoint is required/)]);
    expect(errors({ ...base, telemetry: { endpoint: 'http://otel.monitoring.svc:4317/v1', protocol: OtlpProtocol.GRPC } }))
      .toEqual(["telemetry.endpoint: 'http://otel.monitoring.svc:4317/v1' has a path, which gRPC ignores"]);
    expect(errors({ ...base, telemetry: { endpoint, interval: 5 } as any })).toEqual([expect.stringMatching(/^telemetry\.interval: /)]);
  });
});

describe('alerts', () => {
  const rules = (props: LlamaStackProps) => find(synth(props), 'PrometheusRule')[0]?.spec.groups[0].rules as any[] | undefined;

  test('none unless asked', () => {
    expect(rules({ ...base, telemetry: { endpoint } })).toBeUndefined();
  });

  test('error ratio, latency and saturation, each parsed as PromQL, on the stack\'s job and the upstream metric names', () => {
    const r = rules({ ...base, telemetry: { endpoint, alerts: { concurrentRequests: 40, errorRatio: 0.07 } } })!;
    expect(r.map((x) => x.alert)).toEqual(['LlamaStackErrorRatioHigh', 'LlamaStackLatencyHigh', 'LlamaStackSaturated']);
    expect(r.flatMap((x) => promqlErrors(x.expr))).toEqual([]);
    const names = new Set(r.flatMap((x) => promqlMetricNames(x.expr)));
    expect([...names].sort()).toEqual(['llama_stack_concurrent_requests', 'llama_stack_request_duration_seconds_bucket', 'llama_stack_requests_total']);
    for (const x of r) expect(x.expr).toMatch(/\{job="llm\/stack"/);
    expect(r[0].expr).toContain('> 0.07');
    expect(r[0].annotations.summary).toBe('More than 7% of the requests to Llama Stack stack (llm) fail');
    expect(r[2].expr).toBe('sum(llama_stack_concurrent_requests{job="llm/stack"}) > 40');
  });

  test('the metric names follow the OpenTelemetry-to-Prometheus translation of the upstream names', () => {
    // Dots become underscores; the counter already ends in _total; the histogram's unit is already in its name.
    for (const m of Object.values(REQUEST_METRICS)) expect(m.prometheus).toBe(m.otel.replace(/\./g, '_'));
    expect(Object.values(REQUEST_METRICS).map((m) => m.otel)).toEqual([
      'llama_stack.requests_total', 'llama_stack.request_duration_seconds', 'llama_stack.concurrent_requests',
    ]);
  });

  test('a collector exporter namespace prefixes every series; a hostile service name stays a literal', () => {
    expect(errors({ ...base, telemetry: { endpoint, serviceName: 'a=b', alerts: {} } })).toEqual([expect.stringMatching(/^telemetry\.serviceName: /)]);
    const p = rules({ ...base, telemetry: { endpoint, serviceName: 'q"x\\', prometheusMetricPrefix: 'llama_stack_', alerts: {} } })!;
    expect(p.flatMap((x) => promqlErrors(x.expr))).toEqual([]);
    expect(new Set(p.flatMap((x) => promqlMetricNames(x.expr)))).toEqual(new Set(['llama_stack_llama_stack_requests_total', 'llama_stack_llama_stack_request_duration_seconds_bucket']));
    expect(p[0].expr).toContain('job="llm/q\\"x\\\\"');
  });

  test('the rule passes the PrometheusRule schema and the operator CR lists telemetry as lost', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    const stack = new LlamaStack(chart, 'stack', { ...base, telemetry: { endpoint, alerts: {} } });
    expect(conformanceProblems(Testing.synth(chart) as Manifest[])).toEqual([]);
    expect(stack.toDistributionManifest().losses).toContainEqual(expect.stringMatching(/^telemetry: /));
  });
});

describe('LlamaStackDashboard', () => {
  function dashboard(props = {}, namespace = 'llm'): any {
    const chart = new Chart(Testing.app(), 'test', { namespace });
    new LlamaStackDashboard(chart, 'dashboard', props);
    const objs = Testing.synth(chart) as Manifest[];
    expect(objs).toHaveLength(1);
    expect(conformanceProblems(objs)).toEqual([]);
    expect(objs[0].metadata.labels.grafana_dashboard).toBe('1');
    return JSON.parse(objs[0].data[`llama-stack-dashboard-${namespace}.json`]);
  }

  test('one dashboard for the namespace\'s stacks, picked by job; every query parses and reads upstream series', () => {
    const d = dashboard();
    expect(d.uid).toBe('llama-stack-llm');
    const job = d.templating.list.find((v: any) => v.name === 'job');
    expect(job.query.query).toBe('label_values(llama_stack_requests_total{job=~"$namespace/.+"}, job)');
    const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(6);
    // Grafana substitutes $job before Prometheus parses the query.
    expect(exprs.flatMap((e) => promqlErrors(e.replace(/\$job/g, 'llm/stack')))).toEqual([]);
    for (const e of exprs) expect(e).toContain('job=~"$job"');
    expect(new Set(exprs.flatMap((e) => promqlMetricNames(e)))).toEqual(new Set([
      'llama_stack_requests_total', 'llama_stack_request_duration_seconds_bucket', 'llama_stack_concurrent_requests',
    ]));
  });

  test('dashboards of two namespaces have different file names (Grafana\'s sidecar writes every key into one folder)', () => {
    const key = (namespace: string) => {
      const chart = new Chart(Testing.app(), 'test', { namespace });
      new LlamaStackDashboard(chart, 'dashboard');
      return Object.keys((Testing.synth(chart)[0] as Manifest).data);
    };
    expect([key('llm-dev'), key('llm-prod')]).toEqual([['llama-stack-dashboard-llm-dev.json'], ['llama-stack-dashboard-llm-prod.json']]);
  });

  test('a prefix, and bad props', () => {
    expect(JSON.stringify(dashboard({ prometheusMetricPrefix: 'ls_' }))).toContain('ls_llama_stack_requests_total');
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    expect(() => new LlamaStackDashboard(chart, 'd', { name: 'Bad_Name', prometheusMetricPrefix: '1x' })).toThrow(/name: 'Bad_Name' is not a DNS-1123 label[\s\S]*prometheusMetricPrefix: '1x'/);
  });
});
