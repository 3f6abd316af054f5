import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { hashedName, hookAnnotations, jobPod, objectLabels, podSelector, REGISTRATION_WAVE, RETRY_EVICTED_PODS, waveAnnotations } from './jobs';
import { ModelRegistry, registryEgress } from './model-registry';
import { ModelRegistryEntryProps } from './props';
import { ENV } from './scripts';
import {
  DEFAULT_WAIT_SECONDS, ENTRY_PROPS_SHAPE, EntryPlan, JOB_DEADLINE_MARGIN_SECONDS, planEntry, REGISTRATION_MARGIN_SECONDS,
} from './validation';
import { IssueCollector } from '../core/errors';
import { k8s, kube } from '../core/k8s';
import { NetworkPeer } from '../core/model-server';
import { checkShape } from '../core/shape';
import { namedByUrl, onSynth } from '../core/synth';

const ENTRY_SYMBOL = Symbol.for('cdk8s-llama-stack.ModelRegistryEntry');

/**
 * One model in a `ModelRegistry`. Emits a registration Job (Argo CD Sync hook in wave 10, after the
 * model servers of wave 0) that waits, boundedly (with `model`, its startup budget plus
 * `WAIT_MARGIN_SECONDS`), for the model's health URL and then upserts its row
 * (`ready`, or `disabled` without waiting); the Job's name is a hash of its content, so any change
 * registers again, also with plain `kubectl apply`. Also emits the Job's NetworkPolicy (egress to the
 * database and the model only), admits the Job (and the registry's health checks) on the model's
 * NetworkPolicy, and adds the model to the registry's health checks.
 *
 * Two entries for the same model name and environment writing to one database are a synth error.
 *
 * @example
 * const registry = new ModelRegistry(chart, 'registry', {
 *   database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.databases.svc' },
 * });
 * new ModelRegistryEntry(chart, 'hosted', {
 *   registry,
 *   modelName: 'gpt-4o-mini',
 *   environment: 'production',
 *   endpoint: 'https://api.openai.com/v1',
 *   allowInternetEgress: true,
 * });
 */
export class ModelRegistryEntry extends Construct {
  /** How long registration waits for a model that does not say how long it takes to start, in seconds. */
  public static readonly DEFAULT_WAIT_SECONDS = DEFAULT_WAIT_SECONDS;
  /**
   * Added to a model's `startupBudgetSeconds` for the registration wait: scheduling and image pull (as
   * VllmModel's progressDeadlineSeconds allows) plus the readiness probe and rollout.
   */
  public static readonly WAIT_MARGIN_SECONDS = REGISTRATION_MARGIN_SECONDS;
  /** Added to the wait for the registration Job's activeDeadlineSeconds. */
  public static readonly DEADLINE_MARGIN_SECONDS = JOB_DEADLINE_MARGIN_SECONDS;

  /** Whether `x` is a ModelRegistryEntry (also across copies of this library). */
  public static isModelRegistryEntry(x: any): x is ModelRegistryEntry {
    return x !== null && typeof x === 'object' && ENTRY_SYMBOL in x;
  }

  /** Base name of the entry's objects. */
  public readonly name: string;
  /** The registry the model is registered in. */
  public readonly registry: ModelRegistry;
  /** The model name the router looks up. */
  public readonly modelName: string;
  /** The environment the model serves. */
  public readonly environment: string;
  /** The base URL requests are sent to (`deployment_endpoint`). */
  public readonly endpoint: string;
  /** The namespace recorded for the model; undefined when none. */
  public readonly deploymentNamespace?: string;
  /** `ready` or `disabled`. */
  public readonly status: string;
  /** The serving engine (`backend`). */
  public readonly backend: string;
  /** What the endpoint serves (`model_id`). */
  public readonly modelId: string;
  /** The URL the Jobs check; undefined when health checks are off. */
  public readonly healthUrl?: string;
  /**
   * How long the registration Job waits for the health URL, in seconds; undefined when it does not wait
   * (disabled, or health checks off). The Job's activeDeadlineSeconds is this plus 600.
   */
  public readonly waitTimeoutSeconds?: number;
  /** Labels of the registration Job's pods. */
  public readonly podLabels: { [key: string]: string };
  /** The registration Job (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly job: ApiObject;
  /** The registration Job's NetworkPolicy (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly networkPolicy: ApiObject;

  constructor(scope: Construct, id: string, props: ModelRegistryEntryProps) {
    super(scope, id);
    Object.defineProperty(this, ENTRY_SYMBOL, { value: true });
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give { registry, model } or { registry, modelName, endpoint, environment }');
    else checkShape(issues, props, ENTRY_PROPS_SHAPE);
    issues.throwIfAny(this.node.path);
    const registry = props.registry;
    if (!(registry instanceof ModelRegistry)) {
      issues.add('registry is required', 'pass the ModelRegistry to register in', 'registry');
      issues.throwIfAny(this.node.path);
    }
    const namespace = Chart.of(this).namespace ?? 'default';
    if (namespace !== registry.namespace) {
      issues.add(
        `the entry is in namespace '${namespace}' but its registry is in '${registry.namespace}'`,
        `the registration Job uses the registry's ConfigMap and Secret: create the entry in a chart with namespace '${registry.namespace}'`,
        'registry',
      );
    }
    const plan = planEntry(issues, props, {
      id, registryName: registry.name, environments: registry.environments, namespace: registry.namespace,
    });
    if (plan) checkDuplicates(issues, this, registry, plan, props.adapter !== undefined ? 'adapter' : props.model ? 'model' : 'modelName');
    issues.throwIfAny(this.node.path);
    const e = plan!;
    const rp = registry._plan;

    this.name = e.name;
    this.registry = registry;
    this.modelName = e.modelName;
    this.environment = e.environment;
    this.endpoint = e.endpoint;
    this.deploymentNamespace = e.namespace === '' ? undefined : e.namespace;
    this.status = e.status;
    this.backend = e.backend;
    this.modelId = e.modelId;
    // A disabled model is registered without waiting for it: disabling must work when it is down.
    const waitFor = e.status === 'ready' ? e.healthUrl : undefined;
    this.healthUrl = e.healthUrl;
    this.waitTimeoutSeconds = waitFor ? e.timing.waitSeconds : undefined;
    this.podLabels = podSelector(registry.name, 'registration', e.name);

    const env: k8s.EnvVar[] = [
      { name: ENV.modelName, value: e.modelName },
      { name: ENV.environment, value: e.environment },
      { name: ENV.backend, value: e.backend },
      { name: ENV.modelId, value: e.modelId },
      { name: ENV.endpoint, value: e.endpoint },
      { name: ENV.namespace, value: e.namespace },
      { name: ENV.status, value: e.status },
      { name: ENV.metadata, value: e.metadataJson },
      { name: ENV.healthUrl, value: waitFor ?? '' },
      { name: ENV.waitSeconds, value: String(e.timing.waitSeconds) },
      { name: ENV.probeTimeoutSeconds, value: '5' },
      { name: ENV.probeIntervalSeconds, value: '10' },
      ...(waitFor && e.healthCheckApiKey ? [{ name: ENV.healthAuth, valueFrom: { secretKeyRef: { ...e.healthCheckApiKey } } }] : []),
    ];
    const spec: k8s.JobSpec = {
      backoffLimit: rp.backoffLimit,
      podFailurePolicy: RETRY_EVICTED_PODS,
      ttlSecondsAfterFinished: rp.ttlSecondsAfterFinished,
      // Created together with the model under kubectl apply: neither the wait (from the pod's start) nor
      // the deadline (from the Job's) ends before the model's startup budget plus the margin has passed.
      activeDeadlineSeconds: waitFor ? e.timing.deadlineSeconds : JOB_DEADLINE_MARGIN_SECONDS,
      template: jobPod({
        plan: rp,
        configMapName: registry.configMapName,
        serviceAccountName: registry.serviceAccountName,
        labels: { ...objectLabels(registry.name, 'registration', e.name), ...this.podLabels },
        script: 'register.sh',
        appName: `${e.name}-register`,
        env,
      }),
    };
    this.job = kube(k8s.KubeJob, this, 'Register', {
      metadata: {
        name: hashedName(`${e.name}-register`, spec),
        labels: objectLabels(registry.name, 'registration', e.name),
        annotations: hookAnnotations(REGISTRATION_WAVE),
      },
      spec,
    });
    const destinations = [rp.database.destination, ...(waitFor && e.modelDestination ? [e.modelDestination] : [])];
    this.networkPolicy = kube(k8s.KubeNetworkPolicy, this, 'NetworkPolicy', {
      metadata: { name: `${e.name}-register`, labels: objectLabels(registry.name, 'registration', e.name), annotations: waveAnnotations(REGISTRATION_WAVE) },
      spec: {
        podSelector: { matchLabels: this.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        egress: registryEgress(registry.dns, destinations, waitFor ? e.internetPorts : []),
      },
    });

    // Disabled entries stay in the health checks (which never change their rows), so that an entry
    // enabled by an operator is watched at once, and environments that differ only in a status stay alike.
    const checked = e.healthUrl !== undefined && registry.healthChecks;
    if (props.model) {
      if (waitFor) props.model.allowFrom(NetworkPeer.pods(this.podLabels, registry.namespace));
      if (checked && registry.healthCheckPodLabels) props.model.allowFrom(NetworkPeer.pods(registry.healthCheckPodLabels, registry.namespace));
    }
    // A model server of the app named by URL would not admit the Jobs: hold the server instead.
    const called = e.serviceEndpoint;
    if (called && (waitFor || checked)) {
      onSynth(this, (ctx) => {
        const issue = namedByUrl(ctx, { ...called, source: 'endpoint' }, this, registry.namespace,
          'pass the server as model (model: server) instead of modelName, endpoint and environment');
        return issue ? [issue] : [];
      });
    }
    registry._addEntry(this, { modelName: e.modelName, environment: e.environment }, checked ? {
      modelName: e.modelName,
      environment: e.environment,
      healthUrl: e.healthUrl!,
      destination: e.modelDestination,
      internetPorts: e.internetPorts,
      apiKey: e.healthCheckApiKey,
    } : undefined);
  }
}

/** Entries of the whole app that write to the same database must not share (model name, environment) or a name. */
function checkDuplicates(issues: IssueCollector, self: ModelRegistryEntry, registry: ModelRegistry, plan: EntryPlan, path: string): void {
  const isOther = (c: IConstruct): c is ModelRegistryEntry => c !== self && ModelRegistryEntry.isModelRegistryEntry(c);
  for (const other of self.node.root.node.findAll().filter(isOther)) {
    if (other.registry === undefined) continue; // its construction failed
    if (other.registry._databaseKey === registry._databaseKey && other.modelName === plan.modelName && other.environment === plan.environment) {
      issues.add(
        `model '${plan.modelName}' in environment '${plan.environment}' is already registered by ${other.node.path}`,
        'a model name can be registered once per environment and database: remove one of the entries or change its environment',
        path,
      );
    }
    if (other.registry.namespace === registry.namespace && other.name === plan.name) {
      issues.add(`the name '${plan.name}' is already used by ${other.node.path}`, 'give one of the entries another name (or id)', 'name');
    }
  }
}
