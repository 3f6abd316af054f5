/**
 * The monitoring objects the vLLM models of a namespace share: one ServiceMonitor and one PrometheusRule
 * per namespace (and per distinct `monitoring.labels` + `scrapeInterval`, which are the objects' own
 * settings), and one Grafana dashboard per namespace. Each model registers what it needs; the objects are
 * made at synth, once the app is complete, in the chart of the model with the smallest construct path of
 * the group, so that two charts in one namespace emit them once and creation order does not matter.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { alertRules, dashboard, MonitoredModel, serviceMonitorSpec } from './monitoring';
import { dashboardConfigMapData, GRAFANA_DASHBOARD_LABEL } from '../core/grafana';
import { k8s, kube } from '../core/k8s';
import { standardLabels } from '../core/labels';
import { compareStrings } from '../core/order';
import { onPrepare } from '../core/synth';
import { sha256 } from '../core/yaml';

/** Label on a model's Service naming the ServiceMonitor that scrapes it (see `monitoringGroupName`). */
export const MONITORING_LABEL = 'vllm.cdk8s-llama-stack.io/monitoring';
/** The scrape interval when `monitoring.scrapeInterval` is not given. */
export const DEFAULT_SCRAPE_INTERVAL = '30s';
/** The name of the shared objects (and the prefix of the other groups' names). */
export const SHARED_NAME = 'vllm-models';

/** What a model asks of the shared monitoring. */
export interface MonitoringRegistration {
  readonly model: MonitoredModel;
  /** `monitoring.labels` (on the ServiceMonitor and the PrometheusRule, for Prometheus' selectors). */
  readonly labels: Record<string, string>;
  readonly scrapeInterval: string;
  /** Whether the model is on the namespace's dashboard. */
  readonly dashboard: boolean;
  /** The model's annotations at synth (its Argo CD sync wave, which the shared objects take on). */
  readonly annotations: () => Record<string, string> | undefined;
}

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** The earliest Argo CD sync wave of the models, so the objects that watch them are applied with the first of them. */
function syncWave(models: readonly MonitoringRegistration[]): Record<string, string> | undefined {
  const waves = models.map((m) => m.annotations()?.[SYNC_WAVE]).filter((w): w is string => w !== undefined && /^-?\d+$/.test(w));
  return waves.length === 0 ? undefined : { [SYNC_WAVE]: String(Math.min(...waves.map(Number))) };
}

interface Registered extends MonitoringRegistration {
  readonly path: string;
  readonly chart: Chart;
}

/**
 * The name of the ServiceMonitor and PrometheusRule of models with these settings: `vllm-models` with
 * the defaults, else `vllm-models-<hash of the settings>`. A model's Service carries it as a label.
 */
export function monitoringGroupName(labels: Record<string, string>, scrapeInterval: string): string {
  const keys = Object.keys(labels).sort(compareStrings);
  if (keys.length === 0 && scrapeInterval === DEFAULT_SCRAPE_INTERVAL) return SHARED_NAME;
  const settings = JSON.stringify([keys.map((k) => [k, labels[k]]), scrapeInterval]);
  return `${SHARED_NAME}-${sha256(settings).slice(0, 8)}`;
}

/** The construct id of the shared objects of one namespace in their chart. */
const ID_PREFIX = 'cdk8s-llama-stack.vllm-monitoring';

class SharedMonitoring {
  private readonly models: Registered[] = [];
  /** What the last run added: the chart and the id of each container construct. */
  private added: Array<[Chart, string]> = [];

  public register(scope: Construct, r: MonitoringRegistration): void {
    this.models.push({ ...r, path: scope.node.path, chart: Chart.of(scope) });
  }

  /** Replaces what the last run added with the objects of the models registered by now. */
  public materialize(): void {
    for (const [chart, id] of this.added) chart.node.tryRemoveChild(id);
    this.added = [];
    const models = [...this.models].sort((a, b) => compareStrings(a.path, b.path));
    const byNamespace = new Map<string, Registered[]>();
    for (const m of models) byNamespace.set(m.model.namespace, [...(byNamespace.get(m.model.namespace) ?? []), m]);
    for (const namespace of [...byNamespace.keys()].sort(compareStrings)) {
      const inNamespace = byNamespace.get(namespace)!;
      const groups = new Map<string, Registered[]>();
      for (const m of inNamespace) {
        const name = monitoringGroupName(m.labels, m.scrapeInterval);
        groups.set(name, [...(groups.get(name) ?? []), m]);
      }
      for (const name of [...groups.keys()].sort(compareStrings)) {
        const group = groups.get(name)!;
        // Models are in path order: the first one's chart owns the group's objects.
        const scope = this.container(group[0].chart, `${ID_PREFIX}.${name}`);
        const labels = { ...group[0].labels, ...standardLabels({ name: 'vllm-monitoring', instance: name, component: 'monitoring' }) };
        new ApiObject(scope, 'ServiceMonitor', {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name, labels, annotations: syncWave(group) },
          spec: serviceMonitorSpec({ [MONITORING_LABEL]: name }, group[0].scrapeInterval),
        });
        new ApiObject(scope, 'PrometheusRule', {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name, labels, annotations: syncWave(group) },
          spec: { groups: [{ name, rules: alertRules(namespace, group.map((m) => m.model)) }] },
        });
      }
      const onDashboard = inNamespace.filter((m) => m.dashboard);
      if (onDashboard.length > 0) {
        const scope = this.container(onDashboard[0].chart, `${ID_PREFIX}.dashboard`);
        const name = `${SHARED_NAME}-dashboard`;
        kube(k8s.KubeConfigMap, scope, 'Dashboard', {
          metadata: {
            name,
            labels: { ...standardLabels({ name: 'vllm-monitoring', instance: SHARED_NAME, component: 'dashboard' }), ...GRAFANA_DASHBOARD_LABEL },
            annotations: syncWave(onDashboard),
          },
          data: dashboardConfigMapData(SHARED_NAME, namespace, dashboard(namespace, onDashboard.map((m) => m.model))),
        });
      }
    }
  }

  private container(chart: Chart, id: string): Construct {
    this.added.push([chart, id]);
    return new VllmSharedMonitoring(chart, id);
  }
}

/** The construct that holds one group's (or the namespace dashboard's) objects; src/core/limits.ts knows it by name. */
export class VllmSharedMonitoring extends Construct {}

const apps = new WeakMap<IConstruct, SharedMonitoring>();

/** Adds a model to the shared monitoring of its namespace (made at synth). */
export function registerMonitoring(scope: Construct, r: MonitoringRegistration): void {
  const root = scope.node.root;
  let shared = apps.get(root);
  if (!shared) {
    const s = new SharedMonitoring();
    apps.set(root, s);
    onPrepare(scope, 'vllm-monitoring', () => s.materialize());
    shared = s;
  }
  shared.register(scope, r);
}
