/** Recommended Kubernetes labels (app.kubernetes.io/*), in a fixed order. */
export interface StandardLabels {
  readonly name: string;
  readonly instance: string;
  readonly component: string;
  readonly version?: string;
}

export const PART_OF = 'cdk8s-llama-stack';
export const MANAGED_BY = 'cdk8s';

export function standardLabels(l: StandardLabels): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/component': l.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
  if (l.version) labels['app.kubernetes.io/version'] = sanitizeLabelValue(l.version);
  return labels;
}

/** The keys standardLabels sets (with a version): a construct's pods carry them, so users may not set them. */
export const STANDARD_LABEL_KEYS: readonly string[] = Object.keys(standardLabels({ name: '', instance: '', component: '', version: 'v' }));

/** The labels that select a workload's pods: stable across versions (no version label). */
export function selectorLabels(l: StandardLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
  };
}

/** Label values: at most 63 chars of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function sanitizeLabelValue(v: string): string {
  const s = v.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return s.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
