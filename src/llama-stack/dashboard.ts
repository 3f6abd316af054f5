import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkMetricPrefix, stackDashboard } from './telemetry';
import { IssueCollector } from '../core/errors';
import { dashboardConfigMapData, GRAFANA_DASHBOARD_LABEL } from '../core/grafana';
import { k8s, kube } from '../core/k8s';
import { standardLabels } from '../core/labels';
import { isDns1123Label } from '../core/names';
import { checkShape } from '../core/shape';

/** Props of `LlamaStackDashboard`. */
export interface LlamaStackDashboardProps {
  /**
   * Name of the ConfigMap; the dashboard's JSON file in it is `<name>-<namespace>.json`.
   * @default 'llama-stack-dashboard'
   */
  readonly name?: string;
  /**
   * The prefix of the metrics in Prometheus, as in the stacks' `telemetry.prometheusMetricPrefix`.
   * @default ''
   */
  readonly prometheusMetricPrefix?: string;
}

/**
 * One Grafana dashboard for every LlamaStack with telemetry in the chart's namespace (requests, error
 * ratio, duration, requests in flight, slowest methods), with a stack picker: a ConfigMap labelled
 * `grafana_dashboard: "1"` for Grafana's sidecar. Add one per namespace, not one per stack.
 *
 * @example
 * new LlamaStackDashboard(chart, 'dashboard');
 */
export class LlamaStackDashboard extends Construct {
  /** Name of the ConfigMap. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: LlamaStackDashboardProps = {}) {
    super(scope, id);
    const issues = new IssueCollector();
    if (props === null || typeof props !== 'object') issues.add('props must be an object', 'e.g. {}');
    else checkShape(issues, props, { obj: { name: 'string', prometheusMetricPrefix: 'string' } });
    issues.throwIfAny(this.node.path);
    this.name = props.name ?? 'llama-stack-dashboard';
    if (!isDns1123Label(this.name)) issues.add(`'${this.name}' is not a DNS-1123 label`, 'lower-case letters, digits and -, at most 63', 'name');
    const prefix = props.prometheusMetricPrefix ?? '';
    checkMetricPrefix(issues.at('prometheusMetricPrefix'), prefix);
    issues.throwIfAny(this.node.path);
    const namespace = Chart.of(this).namespace ?? 'default';
    kube(k8s.KubeConfigMap, this, 'Dashboard', {
      metadata: {
        name: this.name,
        labels: { ...standardLabels({ name: 'llama-stack', instance: this.name, component: 'dashboard' }), ...GRAFANA_DASHBOARD_LABEL },
      },
      data: dashboardConfigMapData(this.name, namespace, stackDashboard(namespace, prefix)),
    });
  }
}
