/**
 * The monitoring the models of a namespace share (src/vllm/shared-monitoring.ts): one ServiceMonitor,
 * PrometheusRule and dashboard per namespace, made at synth in the chart of the model with the smallest
 * construct path, whatever the order charts and models were created in.
 */
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { VllmModel, VllmModelProps } from '../../src';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';
import { selectorMatchers, selectsSeries } from '../support/promql';

const props = (model: string, over: Partial<VllmModelProps> = {}): VllmModelProps => ({ model, parameters: '8B', environment: 'production', ...over });
const ref = (o: Manifest) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
const shared = (objs: Manifest[]) => objs.filter((o) => ['ServiceMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-dashboard'));
/** The services an alert's rules select, by the `service=~` matcher of their vLLM series. */
const servicesOf = (rule: Manifest, alert: string, candidates: string[], namespace = 'llm') => rule.spec.groups[0].rules
  .filter((r: any) => r.alert === alert)
  .map((r: any) => [r.expr.match(/ > ([0-9.]+)$/)?.[1] ?? r.for, candidates.filter((s) => selectsSeries(selectorMatchers(r.expr)[0], { namespace, service: s }))]);

/** Two charts in namespace llm (a and b) and one in llm-staging; models in each, created in `order`. */
function build(order: number[]): App {
  const app = Testing.app();
  const charts: Record<string, Chart> = {};
  const chart = (id: string, namespace: string) => (charts[id] ??= new Chart(app, id, { namespace }));
  const steps = [
    () => new VllmModel(chart('b', 'llm'), 'qwen', props('Qwen/Qwen2.5-7B-Instruct', { monitoring: { queueAlertThreshold: 20 } })),
    () => new VllmModel(chart('a', 'llm'), 'llama', props('meta-llama/Llama-3.1-8B-Instruct')),
    () => new VllmModel(chart('b', 'llm'), 'mistral', props('mistralai/Mistral-7B-Instruct-v0.3', { monitoring: { dashboard: false } })),
    () => new VllmModel(chart('s', 'llm-staging'), 'llama', props('meta-llama/Llama-3.1-8B-Instruct', { environment: 'staging' })),
    () => new VllmModel(chart('b', 'llm'), 'off', props('org/off-8B', { monitoring: { enabled: false } })),
  ];
  for (const i of order) steps[i]();
  return app;
}

describe('two charts in one namespace, and another namespace', () => {
  const app = build([0, 1, 2, 3, 4]);
  const [a, b, s] = ['a', 'b', 's'].map((id) => Testing.synth(app.charts.find((c) => c.node.id === id)!) as Manifest[]);

  test('the shared objects are emitted once per namespace, by the chart of the model with the smallest path (a/llama)', () => {
    expect(shared(a).map(ref)).toEqual(['ServiceMonitor/llm/vllm-models', 'PrometheusRule/llm/vllm-models', 'ConfigMap/llm/vllm-models-dashboard']);
    expect(shared(b)).toEqual([]);
    expect(shared(s).map(ref)).toEqual([
      'ServiceMonitor/llm-staging/vllm-models', 'PrometheusRule/llm-staging/vllm-models', 'ConfigMap/llm-staging/vllm-models-dashboard',
    ]);
    expect(conformanceProblems([...a, ...b, ...s])).toEqual([]);
  });

  test('the dashboards of two namespaces have different file names (Grafana\'s sidecar writes every key into one folder)', () => {
    // k8s-sidecar (kiwigrid/k8s-sidecar, resources.py) writes each data key of a labelled ConfigMap as a file named
    // by the key into its one target folder, whatever the ConfigMap's namespace: equal keys overwrite each other.
    const keys = [...a, ...s].filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1').map((o) => Object.keys(o.data));
    expect(keys).toEqual([['vllm-models-llm.json'], ['vllm-models-llm-staging.json']]);
  });

  test('the output is byte-identical whatever the order charts and models are created in', () => {
    // cdk8s writes a chart's objects in the order they were created, so the models of chart b keep theirs
    // (0, 2, 4); the charts, and the models across charts, come in any order.
    const byId = (x: App) => yaml.dump(Object.fromEntries(x.charts.map((c) => [c.node.id, Testing.synth(c)])), { sortKeys: true });
    const expected = byId(app);
    for (const order of [[1, 3, 0, 2, 4], [3, 0, 2, 1, 4], [0, 3, 2, 4, 1], [3, 1, 0, 2, 4]]) expect(byId(build(order))).toBe(expected);
    // The check can fail: another threshold changes the bytes.
    const changed = build([0, 1, 2, 3, 4]);
    new VllmModel(changed.charts[0], 'extra', props('org/extra-8B'));
    expect(byId(changed)).not.toBe(expected);
  });

  test('the ServiceMonitor selects the Service of every monitored model of its namespace, and nothing else', () => {
    const sm = shared(a).find((o) => o.kind === 'ServiceMonitor')!;
    const services = [...a, ...b, ...s].filter((o) => o.kind === 'Service');
    const selected = services.filter((svc) => svc.metadata.namespace === sm.metadata.namespace
      && Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v));
    expect(selected.map(ref)).toEqual(['Service/llm/llama-production', 'Service/llm/qwen-production', 'Service/llm/mistral-production']);
  });

  test('per-model thresholds: a rule per distinct threshold, each selecting its models; a model without monitoring is in none', () => {
    const rule = shared(a).find((o) => o.kind === 'PrometheusRule')!;
    const all = ['llama-production', 'qwen-production', 'mistral-production', 'off-production'];
    expect(servicesOf(rule, 'VllmRequestQueueBacklog', all)).toEqual([['10', ['llama-production', 'mistral-production']], ['20', ['qwen-production']]]);
    expect(servicesOf(rule, 'VllmKvCacheSaturated', all)).toEqual([['0.95', ['llama-production', 'qwen-production', 'mistral-production']]]);
    expect(servicesOf(shared(s).find((o) => o.kind === 'PrometheusRule')!, 'VllmHealthCheckFailing', ['llama-staging', 'llama-production'], 'llm-staging'))
      .toEqual([['30m', ['llama-staging']]]);
    // The model without monitoring: no label for the ServiceMonitor, and Prometheus is not admitted.
    const off = b.find((o) => o.kind === 'Service' && o.metadata.name === 'off-production')!;
    expect(off.metadata.labels['vllm.cdk8s-llama-stack.io/monitoring']).toBeUndefined();
    expect(JSON.stringify(b.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'off-production')!.spec.ingress)).not.toContain('prometheus');
    expect(JSON.stringify(b.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'qwen-production')!.spec.ingress)).toContain('prometheus');
  });

  test('dashboard: false leaves a model out of the dashboard\'s model list only', () => {
    const cm = shared(a).find((o) => o.kind === 'ConfigMap')!;
    const d = JSON.parse(cm.data['vllm-models-llm.json']);
    const model = d.templating.list.find((v: any) => v.name === 'model');
    const [sel] = selectorMatchers(model.query.query.replace(/^label_values\((.*), service\)$/, '$1'));
    expect(['llama-production', 'qwen-production', 'mistral-production', 'off-production'].filter((svc) => selectsSeries(sel, { namespace: 'llm', service: svc })))
      .toEqual(['llama-production', 'qwen-production']);
  });
});

describe('synth again, and models added later', () => {
  test('a second synth emits the same objects once; a model added later with a smaller path takes the objects over, without duplicates', () => {
    const app = Testing.app();
    const b = new Chart(app, 'b', { namespace: 'llm' });
    new VllmModel(b, 'qwen', props('Qwen/Qwen2.5-7B-Instruct'));
    const first = Testing.synth(b);
    expect(Testing.synth(b)).toEqual(first);
    expect(shared(first as Manifest[]).map(ref)).toHaveLength(3);
    const a = new Chart(app, 'a', { namespace: 'llm' });
    new VllmModel(a, 'llama', props('meta-llama/Llama-3.1-8B-Instruct'));
    const [afterB, afterA] = [Testing.synth(b), Testing.synth(a)] as Manifest[][];
    expect(shared(afterB)).toEqual([]);
    expect(shared(afterA).map(ref)).toEqual(['ServiceMonitor/llm/vllm-models', 'PrometheusRule/llm/vllm-models', 'ConfigMap/llm/vllm-models-dashboard']);
    const rule = shared(afterA).find((o) => o.kind === 'PrometheusRule')!;
    expect(servicesOf(rule, 'VllmKvCacheSaturated', ['llama-production', 'qwen-production'])).toEqual([['0.95', ['llama-production', 'qwen-production']]]);
    // app.synth() too: one object per name across the app (the duplicate check would throw).
    app.synth();
  });

  test('no monitored model, no shared objects', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmModel(chart, 'off', props('org/off-8B', { monitoring: { enabled: false } }));
    new VllmModel(chart, 'nodash', props('org/nodash-8B', { monitoring: { dashboard: false } }));
    expect(shared(Testing.synth(chart) as Manifest[]).map(ref)).toEqual(['ServiceMonitor/llm/vllm-models', 'PrometheusRule/llm/vllm-models']);
    const none = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmModel(none, 'off', props('org/off-8B', { monitoring: { enabled: false } }));
    expect(shared(Testing.synth(none) as Manifest[])).toEqual([]);
  });
});

describe('monitoring labels and scrape interval', () => {
  test('labels the library sets on the shared objects are refused, with the path of each', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const labels = { 'app.kubernetes.io/part-of': 'mine', 'release': 'prom', 'app.kubernetes.io/name': 'x' };
    expect(validationIssues(() => new VllmModel(chart, 'm', props('org/m-8B', { monitoring: { labels } })))).toEqual([
      "monitoring.labels.app.kubernetes.io/name: 'app.kubernetes.io/name' is set by the library on the shared monitoring objects (select them by a label of your own, e.g. release: prometheus)",
      "monitoring.labels.app.kubernetes.io/part-of: 'app.kubernetes.io/part-of' is set by the library on the shared monitoring objects (select them by a label of your own, e.g. release: prometheus)",
    ]);
  });

  test('models whose labels or interval differ get a ServiceMonitor and PrometheusRule of their own, each selecting its Services', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmModel(chart, 'plain', props('org/plain-8B'));
    new VllmModel(chart, 'released', props('org/released-8B', { monitoring: { labels: { release: 'prom' } } }));
    new VllmModel(chart, 'fast', props('org/fast-8B', { monitoring: { labels: { release: 'prom' }, scrapeInterval: '10s' } }));
    new VllmModel(chart, 'released2', props('org/released2-8B', { monitoring: { labels: { release: 'prom' } } }));
    const objs = Testing.synth(chart) as Manifest[];
    const monitors = objs.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name)).toEqual(['vllm-models', expect.stringMatching(/^vllm-models-[0-9a-f]{8}$/), expect.stringMatching(/^vllm-models-[0-9a-f]{8}$/)]);
    const services = objs.filter((o) => o.kind === 'Service');
    const selected = (sm: Manifest) => services
      .filter((svc) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v))
      .map((svc) => svc.metadata.name);
    const byName = Object.fromEntries(monitors.map((m) => [selected(m).join(','), m]));
    expect(Object.keys(byName).sort()).toEqual(['fast-production', 'plain-production', 'released-production,released2-production']);
    expect(byName['fast-production'].spec.endpoints[0].interval).toBe('10s');
    expect(byName['released-production,released2-production'].metadata.labels.release).toBe('prom');
    expect(byName['plain-production'].metadata.labels.release).toBeUndefined();
    // Each PrometheusRule has the labels of its ServiceMonitor and alerts on its models only.
    for (const sm of monitors) {
      const rule = objs.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === sm.metadata.name)!;
      expect(rule.metadata.labels).toEqual(sm.metadata.labels);
      expect(servicesOf(rule, 'VllmKvCacheSaturated', services.map((s) => s.metadata.name))[0][1]).toEqual(selected(sm));
    }
    // One dashboard for the namespace.
    expect(objs.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual(['vllm-models-dashboard']);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('a shared PrometheusRule over the 1 MiB limit is reported with a fix that fits shared objects', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    // About 7 names of 60 characters per model in the rule: 2500 models pass 1 MiB.
    for (let i = 0; i < 2500; i++) new VllmModel(chart, `m${String(i).padStart(4, '0')}-${'x'.repeat(44)}`, props('org/m-8B', { monitoring: { dashboard: false } }));
    const issues = validationIssues(() => Testing.synth(chart));
    expect(issues).toEqual([expect.stringMatching(/^monitoring: PrometheusRule 'vllm-models' .* is too big for Kubernetes: it is 1\.[0-9]+ MiB of JSON.*spread the models over more namespaces/)]);
  });

  test('a name the shared objects use, taken by another object of the namespace, is reported by the duplicate check', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new VllmModel(chart, 'llama', props('meta-llama/Llama-3.1-8B-Instruct'));
    new ApiObject(chart, 'mine', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'vllm-models' } });
    expect(validationIssues(() => Testing.synth(chart))).toEqual([
      expect.stringMatching(/^metadata.name: ServiceMonitor 'vllm-models' in namespace 'llm' is also emitted by c\/cdk8s-llama-stack.vllm-monitoring.vllm-models\/ServiceMonitor/),
    ]);
  });
});
