/** Grafana dashboards as plain objects (schema 39), for the ConfigMaps Grafana's sidecar loads. */
import { sha256 } from './yaml';

/** One time-series panel: title, unit, and its `[legend, PromQL]` targets. */
export type PanelSpec = [title: string, unit: string, targets: Array<[legend: string, expr: string]>];

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly tags: string[];
  /** Template variables after the Prometheus `datasource` one every panel reads. */
  readonly variables?: Array<Record<string, unknown>>;
  readonly panels: PanelSpec[];
}

/** A dashboard of time-series panels, two per row, over the last 6 hours, refreshed every 30 s. */
export function grafanaDashboard(d: DashboardSpec): Record<string, unknown> {
  return {
    uid: d.uid,
    title: d.title,
    tags: d.tags,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }, ...(d.variables ?? [])] },
    panels: d.panels.map(([title, unit, targets], i) => ({
      id: i + 1,
      type: 'timeseries',
      title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit }, overrides: [] },
      targets: targets.map(([legend, expr], j) => ({ refId: String.fromCharCode(65 + j), expr, legendFormat: legend })),
    })),
  };
}

/**
 * A dashboard uid unique per cluster: `<prefix>-<parts joined by ->`, or, past Grafana's 40 characters,
 * `<prefix>-` and a hash of the parts.
 */
export function dashboardUid(prefix: string, parts: string[]): string {
  const uid = [prefix, ...parts].join('-');
  return uid.length <= 40 ? uid : `${prefix}-${sha256(parts.join('/')).slice(0, 20)}`;
}

/** The label Grafana's dashboard sidecar loads ConfigMaps by. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' };

/**
 * The data of a dashboard ConfigMap: one key, `<stem>-<namespace>.json`. The sidecar writes every key as a
 * file into one folder for all namespaces, so the key names the namespace or dashboards overwrite each other.
 */
export function dashboardConfigMapData(stem: string, namespace: string, dashboard: Record<string, unknown>): Record<string, string> {
  return { [`${stem}-${namespace}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` };
}
