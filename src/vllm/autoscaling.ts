/**
 * Autoscaling and disruption budgets of a vLLM model, as pure functions: the KEDA ScaledObject spec (Prometheus
 * triggers on vLLM's own series, HPA behaviour sized from the startup budget) and the PodDisruptionBudget
 * decision. The construct only turns the plans into objects.
 */
import { PrometheusTrigger, ScaledObjectSpec } from './keda';
import { VllmAutoscalingSpec, VllmModelProps } from './props';
import { progressDeadlineSeconds } from './sizing';
import { IssueCollector } from '../core/errors';
import { redactUrl } from '../core/names';
import { httpBaseUrlProblems, promqlString } from '../core/prometheus';
import { checkInt, isObject } from '../core/validate';

/** Waiting requests per pod above which KEDA adds pods (production-stack's default trigger threshold). */
export const DEFAULT_WAITING_REQUESTS_THRESHOLD = 5;
/** Seconds between KEDA's Prometheus queries. */
export const DEFAULT_POLLING_INTERVAL_SECONDS = 30;
/** The HPA caps a stabilization window at one hour (k8s.io/api autoscaling/v2 validation). */
export const MAX_STABILIZATION_SECONDS = 3600;
/** Pods removed per period when scaling in. */
export const SCALE_DOWN_PODS_PER_PERIOD = 1;
export const SCALE_DOWN_PERIOD_SECONDS = 300;
/**
 * Target per pod of the wake trigger (minReplicas 0): high enough that it never asks for a second pod, so it
 * only decides 0 <-> 1 (through its activation threshold); vLLM's own triggers decide everything above.
 */
export const WAKE_TRIGGER_TARGET = 1_000_000;

/** The vLLM series a trigger reads, and what its threshold means. */
export interface VllmTrigger {
  /** KEDA trigger name (also the HPA metric name's suffix). */
  readonly name: string;
  readonly query: string;
  /** Per pod: the HPA wants ceil(query / threshold) pods (metricType AverageValue). */
  readonly threshold: number;
  readonly activationThreshold: number;
}

/** A validated autoscaling plan. */
export interface AutoscalingPlan {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly prometheusAddress: string;
  readonly pollingIntervalSeconds: number;
  /** KEDA's cooldownPeriod: seconds without activity before scaling to zero (used only with minReplicas 0). */
  readonly cooldownSeconds: number;
  /** HPA scale-down stabilization window: the startup budget, at most one hour. */
  readonly scaleDownStabilizationSeconds: number;
  /** The props, for the triggers (which need the namespace, known to the construct). */
  readonly spec: VllmAutoscalingSpec;
}

/** What the series of one model are selected by. */
export interface ScaledModel {
  readonly namespace: string;
  readonly serviceName: string;
  readonly servedModelName: string;
}

/**
 * The selector of one model's vLLM series: `namespace` and `service` are the target labels the
 * ServiceMonitor's scrape adds, `model_name` is vLLM's own label (not `model`, which production-stack's
 * default query uses and which matches nothing).
 */
export function modelSeriesSelector(m: ScaledModel): string {
  return `namespace=${promqlString(m.namespace)}, service=${promqlString(m.serviceName)}, model_name=${promqlString(m.servedModelName)}`;
}

/** The most pods the model can run at once (before a surge pod): maxReplicas when autoscaled, else replicas. */
export function maxReplicasOf(props: Pick<VllmModelProps, 'replicas' | 'autoscaling'>): number {
  return props.autoscaling !== undefined ? props.autoscaling.maxReplicas : props.replicas ?? 1;
}

/**
 * Checks `autoscaling` (every problem into `issues`, paths under `autoscaling`) and plans it; undefined when
 * there is none or it is invalid. `monitoringEnabled`: the triggers read series the ServiceMonitor scrapes.
 */
export function planAutoscaling(
  issues: IssueCollector, props: VllmModelProps, startupBudgetSeconds: number, monitoringEnabled: boolean,
): AutoscalingPlan | undefined {
  const a = props.autoscaling;
  if (a === undefined) return undefined;
  const at = issues.at('autoscaling');
  if (!isObject(a)) {
    at.add('expected an object', 'e.g. { maxReplicas: 4, prometheusAddress: \'http://prometheus-operated.monitoring.svc:9090\' }');
    return undefined;
  }
  const before = issues.issues.length;
  if (props.replicas !== undefined) {
    issues.add('replicas and autoscaling both set: KEDA owns the replica count of an autoscaled model', 'remove replicas; autoscaling.minReplicas is the floor', 'replicas');
  }
  checkInt(at, 'minReplicas', a.minReplicas, 0, 1000);
  checkInt(at, 'maxReplicas', a.maxReplicas, 1, 1000, true);
  const min = a.minReplicas ?? 1;
  if (Number.isInteger(min) && Number.isInteger(a.maxReplicas) && min > a.maxReplicas) {
    at.add(`minReplicas ${min} is above maxReplicas ${a.maxReplicas}`, 'raise maxReplicas or lower minReplicas', 'minReplicas');
  }
  if (typeof a.prometheusAddress !== 'string' || a.prometheusAddress === '') {
    at.add('prometheusAddress is required: KEDA reads vLLM\'s metrics from Prometheus', 'e.g. http://prometheus-operated.monitoring.svc:9090', 'prometheusAddress');
  } else {
    const problem = httpBaseUrlProblems(a.prometheusAddress, { credentials: 'be written into the ScaledObject', query: 'KEDA appends /api/v1/query itself' }).problems[0];
    if (problem) at.add(`'${redactUrl(a.prometheusAddress)}' ${problem}`, 'give the server\'s base URL, e.g. http://prometheus-operated.monitoring.svc:9090', 'prometheusAddress');
  }
  const positive = (field: keyof VllmAutoscalingSpec, v: number | undefined, max: number, hint: string) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max)) {
      at.add(`${field} must be above 0${max < Infinity ? ` and at most ${max}` : ''}, got ${String(v)}`, hint, field);
    }
  };
  positive('waitingRequestsThreshold', a.waitingRequestsThreshold, Infinity, 'waiting requests per pod, e.g. 5');
  positive('kvCacheUsageThreshold', a.kvCacheUsageThreshold, 1, 'a fraction of the KV cache per pod, e.g. 0.8');
  positive('runningRequestsThreshold', a.runningRequestsThreshold, Infinity, 'running requests per pod, e.g. 64 (up to maxNumSeqs)');
  checkInt(at, 'pollingIntervalSeconds', a.pollingIntervalSeconds, 5, 3600);
  checkInt(at, 'cooldownSeconds', a.cooldownSeconds, 0, 86400);

  const toZero = a.minReplicas === 0;
  if (toZero) {
    // With its last pod gone, vLLM's series are gone too: its own triggers read 0 and would never wake it.
    if (a.activationQuery === undefined) {
      at.add(
        'scale to zero needs activationQuery: with no pod, vLLM exports no series, so its own triggers read 0 and nothing would ever wake the model',
        'give a PromQL query over a series that exists while the model has no pods (requests counted by your gateway or router), or set minReplicas: 1',
        'activationQuery',
      );
    }
    if (a.activationThreshold === undefined) {
      at.add('scale to zero needs activationThreshold: the value of activationQuery above which the model is woken', 'e.g. 0 (any request wakes it)', 'activationThreshold');
    }
    if (a.cooldownSeconds !== undefined && Number.isInteger(a.cooldownSeconds) && a.cooldownSeconds < startupBudgetSeconds) {
      at.add(
        `cooldownSeconds ${a.cooldownSeconds} is shorter than the startup budget (${startupBudgetSeconds} s): a pod woken by a short burst would be scaled to zero while it still loads the weights`,
        `use at least ${startupBudgetSeconds}, or leave it out (startup budget + 600 s)`,
        'cooldownSeconds',
      );
    }
  } else {
    const only = (field: keyof VllmAutoscalingSpec) => {
      if (a[field] !== undefined) at.add(`${field} is used only with minReplicas: 0 (KEDA activates from zero only)`, 'remove it, or set minReplicas: 0', field);
    };
    only('activationQuery');
    only('activationThreshold');
    only('cooldownSeconds');
  }
  if (a.activationQuery !== undefined && (typeof a.activationQuery !== 'string' || a.activationQuery.trim() === '' || /[\r\n]/.test(a.activationQuery))) {
    at.add('expected a one-line PromQL query', 'e.g. sum(rate(nginx_ingress_controller_requests{service="llama-stack"}[2m]))', 'activationQuery');
  }
  const act = a.activationThreshold;
  if (act !== undefined && !(typeof act === 'number' && Number.isFinite(act) && act >= 0)) {
    at.add(`activationThreshold must be 0 or more, got ${String(act)}`, 'e.g. 0 (any request wakes the model)', 'activationThreshold');
  }
  if (!monitoringEnabled) {
    at.add(
      'autoscaling reads the series the ServiceMonitor scrapes (labels namespace and service), but monitoring is off',
      'turn monitoring on (remove monitoring.enabled: false), or remove autoscaling',
      'monitoring',
    );
  }
  if (issues.issues.length > before) return undefined;

  return {
    minReplicas: min,
    maxReplicas: a.maxReplicas,
    prometheusAddress: a.prometheusAddress,
    pollingIntervalSeconds: a.pollingIntervalSeconds ?? DEFAULT_POLLING_INTERVAL_SECONDS,
    // A pod woken from zero gets its whole load (and the scheduling and pull before it) before it can be
    // scaled back to zero.
    cooldownSeconds: a.cooldownSeconds ?? progressDeadlineSeconds(startupBudgetSeconds),
    scaleDownStabilizationSeconds: Math.min(startupBudgetSeconds, MAX_STABILIZATION_SECONDS),
    spec: a,
  };
}

/** The triggers of a plan: vLLM's own series of this model, plus the wake query when it scales to zero. */
export function triggersOf(a: VllmAutoscalingSpec, m: ScaledModel): VllmTrigger[] {
  const sel = modelSeriesSelector(m);
  // Activation 0: any waiting, running or cached request keeps the model from being scaled to zero.
  const triggers: VllmTrigger[] = [{
    name: 'waiting-requests',
    query: `sum(vllm:num_requests_waiting{${sel}})`,
    threshold: a.waitingRequestsThreshold ?? DEFAULT_WAITING_REQUESTS_THRESHOLD,
    activationThreshold: 0,
  }];
  if (a.kvCacheUsageThreshold !== undefined) {
    triggers.push({ name: 'kv-cache-usage', query: `sum(vllm:kv_cache_usage_perc{${sel}})`, threshold: a.kvCacheUsageThreshold, activationThreshold: 0 });
  }
  if (a.runningRequestsThreshold !== undefined) {
    triggers.push({ name: 'running-requests', query: `sum(vllm:num_requests_running{${sel}})`, threshold: a.runningRequestsThreshold, activationThreshold: 0 });
  }
  if (a.minReplicas === 0 && a.activationQuery !== undefined) {
    triggers.push({ name: 'wake', query: a.activationQuery, threshold: WAKE_TRIGGER_TARGET, activationThreshold: a.activationThreshold ?? 0 });
  }
  return triggers;
}

/** A number as KEDA's string metadata wants it (no exponent). */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}

/** The ScaledObject spec (keda.sh/v1alpha1) of a Deployment named `deploymentName`. */
export function scaledObjectSpec(plan: AutoscalingPlan, triggers: readonly VllmTrigger[], deploymentName: string): ScaledObjectSpec {
  return {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName },
    minReplicaCount: plan.minReplicas,
    maxReplicaCount: plan.maxReplicas,
    pollingInterval: plan.pollingIntervalSeconds,
    ...(plan.minReplicas === 0 ? { cooldownPeriod: plan.cooldownSeconds } : {}),
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          // The external metric's total over the target gives the pods wanted, whatever pods exist: a pod
          // still loading does not make the HPA ask for more.
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }],
          },
          // The highest recommendation of the last startup budget wins: a pod added for a burst keeps its
          // place while it loads, and a dip in load does not remove a pod that took minutes to start.
          scaleDown: {
            stabilizationWindowSeconds: plan.scaleDownStabilizationSeconds,
            selectPolicy: 'Max',
            policies: [{ type: 'Pods', value: SCALE_DOWN_PODS_PER_PERIOD, periodSeconds: SCALE_DOWN_PERIOD_SECONDS }],
          },
        },
      },
    },
    triggers: triggers.map((t): PrometheusTrigger => ({
      type: 'prometheus',
      name: t.name,
      metricType: 'AverageValue',
      metadata: {
        serverAddress: plan.prometheusAddress,
        query: t.query,
        threshold: num(t.threshold),
        activationThreshold: num(t.activationThreshold),
        // No series (no pod scraped yet, or none left) reads as 0, not as a scaler error.
        ignoreNullValues: 'true',
      },
    })),
  };
}

/** PodDisruptionBudget: maxUnavailable, or undefined for none. */
export function planDisruptionBudget(issues: IssueCollector, props: VllmModelProps, maxPods: number): { maxUnavailable: number } | undefined {
  const b = props.podDisruptionBudget;
  const at = issues.at('podDisruptionBudget');
  if (b !== undefined && !isObject(b)) {
    at.add('expected an object', 'e.g. { maxUnavailable: 1 }');
    return undefined;
  }
  checkInt(at, 'maxUnavailable', b?.maxUnavailable, 1, 1000);
  const max = b?.maxUnavailable ?? 1;
  if (b?.enabled === false) {
    if (b.maxUnavailable !== undefined) at.add('maxUnavailable is set but the budget is off', 'remove one of them', 'maxUnavailable');
    return undefined;
  }
  if (maxPods <= 1) {
    // With one pod, a budget either lets it go (maxUnavailable 1: no protection) or blocks every drain of
    // its node forever (0 allowed disruptions).
    if (b?.enabled === true || b?.maxUnavailable !== undefined) {
      at.add(
        'a disruption budget for a model that runs one pod at most either protects nothing or blocks node drains forever',
        'remove podDisruptionBudget, or run more replicas (or autoscaling.maxReplicas above 1)',
        b.enabled === true ? 'enabled' : 'maxUnavailable',
      );
    }
    return undefined;
  }
  if (Number.isInteger(max) && max >= maxPods) {
    at.add(`maxUnavailable ${max} lets all ${maxPods} pods go at once: the budget would protect nothing`, `use at most ${maxPods - 1}`, 'maxUnavailable');
  }
  return { maxUnavailable: max };
}
