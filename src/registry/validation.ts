/**
 * Checks and normalisation of ModelRegistry and ModelRegistryEntry props. Pure: no cdk8s objects are made
 * here; every problem goes into the IssueCollector, and a plan is returned only when there were none.
 */
import { ModelRegistryEntryProps, ModelRegistryProps, RegistryDatabaseSpec } from './props';
import { MANAGED_BY } from './statements';
import { IssueCollector } from '../core/errors';
import { imageProblem } from '../core/images';
import { k8s } from '../core/k8s';
import { STANDARD_LABEL_KEYS } from '../core/labels';
import { isModelServer } from '../core/model-server';
import { isDns1123Label, isDnsSubdomain, isRoutableModelName, redactUrl } from '../core/names';
import { classifyHost, isCidr, LINK_LOCAL_FIX, linkLocalReason, namespacePeer, peerOf } from '../core/network';
import { checkPodSettings, PodSettings, POD_SETTINGS_SHAPE } from '../core/pod-settings';
import { isQuantity, quantityValue } from '../core/quantity';
import { checkSecretRef } from '../core/secret-ref';
import { Shape } from '../core/shape';
import { checkInt, checkLabels, isObject } from '../core/validate';
/** Label of a registration pod naming its entry, so that each entry's NetworkPolicy selects only its pods. */
export const ENTRY_LABEL = 'registry.llamastack.io/entry';

export const DEFAULT_IMAGE = 'docker.io/library/postgres:18.4-alpine3.23';
/** The `postgres` user of the postgres Alpine images. */
export const IMAGE_UID = 70;
export const DEFAULT_ENVIRONMENTS = ['development', 'staging', 'production'];
export const DEFAULT_SCHEDULE = '*/2 * * * *';
export const DEFAULT_RESOURCES = {
  requests: { cpu: '10m', memory: '32Mi' } as Record<string, string>,
  limits: { cpu: '500m', memory: '128Mi' } as Record<string, string>,
};
/** Names: `<registry>-migrate-<hash8>` and `<entry>-register-<hash8>` must stay within 63 characters. */
export const MAX_NAME = 40;
export const ENTRY_STATUSES = ['ready', 'disabled'];

/** How long registration waits for a model that does not say how long it takes to start. */
export const DEFAULT_WAIT_SECONDS = 1800;
/**
 * Added to a model's startup budget (which runs from its container's start) for the registration wait,
 * which runs from the registration pod's start: under plain `kubectl apply` both are created at once. 600 s
 * for scheduling (a GPU node may have to be added) and the image pull, the same allowance VllmModel's
 * Deployment gets (progressDeadlineSeconds = budget + 600), plus 300 s for the readiness probe, the
 * Service's endpoints and a rolling update's surge pod.
 */
export const REGISTRATION_MARGIN_SECONDS = 900;
/**
 * Added to the wait for the registration Job's activeDeadlineSeconds: the registration pod's own start,
 * the database step, and its retries (schema not migrated yet) after the model answered.
 */
export const JOB_DEADLINE_MARGIN_SECONDS = 600;

/** The wait of a registration and where it comes from. */
export interface RegistrationTiming {
  /** Seconds register.sh waits for the health URL, from its pod's start. */
  readonly waitSeconds: number;
  /** activeDeadlineSeconds of a registration Job that waits. */
  readonly deadlineSeconds: number;
}

/**
 * The wait of a registration: an explicit `waitTimeoutSeconds`, else the model's startup budget plus the
 * margin, else the default. The deadline is the wait plus JOB_DEADLINE_MARGIN_SECONDS, so that neither
 * the wait nor the Job's deadline can end before `startupBudgetSeconds + REGISTRATION_MARGIN_SECONDS`
 * after the Job was created (unless waitTimeoutSeconds says otherwise).
 */
export function registrationTiming(startupBudgetSeconds?: number, waitTimeoutSeconds?: number): RegistrationTiming {
  const waitSeconds = waitTimeoutSeconds
    ?? (startupBudgetSeconds !== undefined ? startupBudgetSeconds + REGISTRATION_MARGIN_SECONDS : DEFAULT_WAIT_SECONDS);
  return { waitSeconds, deadlineSeconds: waitSeconds + JOB_DEADLINE_MARGIN_SECONDS };
}
export const RESERVED_METADATA = ['managed_by', 'registry', 'health_path'];
const BACKEND = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const HEALTH_PATH = /^\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const SECRET_REF: Shape = { obj: { name: 'string', key: 'string' } };
const LABELS: Shape = { map: 'string' };
const RESOURCES: Shape = { obj: { requests: LABELS, limits: LABELS } };

export const REGISTRY_PROPS_SHAPE: Shape = {
  obj: {
    name: 'string',
    database: {
      obj: { connectionString: SECRET_REF, host: 'string', cidr: 'string', podSelectorLabels: LABELS, namespace: 'string', port: 'number' },
    },
    healthCheck: { obj: { schedule: 'string', timeZone: 'string', timeoutSeconds: 'number', activeDeadlineSeconds: 'number', suspend: 'boolean' } },
    environments: { arr: 'string' },
    reconcile: { obj: { enabled: 'boolean', deleteUndeclared: 'boolean', environments: { arr: 'string' } } },
    image: 'string',
    jobs: { obj: { backoffLimit: 'number', ttlSecondsAfterFinished: 'number', resources: RESOURCES, ...POD_SETTINGS_SHAPE } },
    dns: 'any',
  },
};

export const ENTRY_PROPS_SHAPE: Shape = {
  obj: {
    registry: 'any',
    model: 'any',
    adapter: 'string',
    modelName: 'string',
    endpoint: 'string',
    environment: 'string',
    namespace: 'string',
    status: 'string',
    backend: 'string',
    modelId: 'string',
    healthPath: 'string',
    healthCheck: 'boolean',
    waitTimeoutSeconds: 'number',
    healthCheckApiKey: SECRET_REF,
    metadata: LABELS,
    allowInternetEgress: 'boolean',
    allowLinkLocalEgress: 'boolean',
    name: 'string',
  },
};

/** Where the Jobs may connect: a NetworkPolicy peer and port. */
export interface Destination {
  readonly peer: k8s.NetworkPolicyPeer;
  readonly port: number;
}

export interface HealthCheckPlan {
  readonly schedule: string;
  readonly timeZone?: string;
  readonly timeoutSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly suspend: boolean;
}

export interface ReconcilePlan {
  readonly deleteUndeclared: boolean;
  /** Environments reconciled even without entries there. */
  readonly environments: string[];
}

export interface RegistryPlan {
  readonly name: string;
  /** Undefined when the reconcile Job is off. */
  readonly reconcile?: ReconcilePlan;
  readonly database: { readonly secretName: string; readonly secretKey: string; readonly destination: Destination };
  readonly environments: string[];
  readonly image: string;
  readonly healthCheck?: HealthCheckPlan;
  readonly backoffLimit: number;
  readonly ttlSecondsAfterFinished: number;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  /** Pod settings of the Jobs (pull Secrets, labels, ...). */
  readonly pod: PodSettings;
}

export function planRegistry(issues: IssueCollector, props: ModelRegistryProps, id: string, namespace: string): RegistryPlan | undefined {
  const name = props.name ?? id;
  checkObjectName(issues.at('name'), name, 'registry');
  const destination = isObject(props.database) ? checkDatabase(issues.at('database'), props.database, namespace) : undefined;
  if (!isObject(props.database)) issues.add('database is required', 'give { connectionString: { name, key }, host }', 'database');

  const environments = props.environments ?? DEFAULT_ENVIRONMENTS;
  if (environments.length === 0) issues.add('at least one environment is needed', `leave it out for ${DEFAULT_ENVIRONMENTS.join(', ')}`, 'environments');
  environments.forEach((env, i) => {
    if (!isDns1123Label(env)) issues.add(`'${env}' is not a valid environment name`, 'use a DNS label: lower-case letters, digits and \'-\'', `environments[${i}]`);
    if (environments.indexOf(env) !== i) issues.add(`'${env}' is listed twice`, 'remove the duplicate', `environments[${i}]`);
  });

  const image = props.image ?? DEFAULT_IMAGE;
  const bad = imageProblem(image);
  if (bad) issues.add(bad.message, bad.hint, 'image');

  let healthCheck: HealthCheckPlan | undefined;
  if (props.healthCheck !== undefined) {
    const h = props.healthCheck;
    const at = issues.at('healthCheck');
    const schedule = h.schedule ?? DEFAULT_SCHEDULE;
    const cronProblem = checkSchedule(schedule);
    if (cronProblem) at.add(`'${schedule}' is not a valid schedule: ${cronProblem}`, 'use five cron fields, e.g. \'*/2 * * * *\', or @hourly/@daily', 'schedule');
    if (h.timeZone !== undefined && !isTimeZone(h.timeZone)) at.add(`'${h.timeZone}' is not a known time zone`, 'use an IANA name such as Etc/UTC or Europe/Berlin', 'timeZone');
    checkInt(at, 'timeoutSeconds', h.timeoutSeconds, 1, 60);
    checkInt(at, 'activeDeadlineSeconds', h.activeDeadlineSeconds, 10, 86400);
    healthCheck = {
      schedule,
      timeZone: h.timeZone,
      timeoutSeconds: h.timeoutSeconds ?? 5,
      activeDeadlineSeconds: h.activeDeadlineSeconds ?? 300,
      suspend: h.suspend ?? false,
    };
  }

  const reconcile = checkReconcile(issues.at('reconcile'), props.reconcile, environments);

  const jobs = props.jobs ?? {};
  const jat = issues.at('jobs');
  checkInt(jat, 'backoffLimit', jobs.backoffLimit, 0, 100);
  checkInt(jat, 'ttlSecondsAfterFinished', jobs.ttlSecondsAfterFinished, 0, 31536000);
  const resources = mergeResources(jat.at('resources'), jobs.resources);
  checkPodSettings(jat, jobs, {
    volumes: ['scripts', 'tmp'],
    paths: ['/etc/model-registry', '/tmp'],
    labels: [...STANDARD_LABEL_KEYS, ENTRY_LABEL],
    annotations: {},
    createsServiceAccount: true,
  });

  if (issues.hasIssues || !destination) return undefined;
  return {
    name,
    reconcile,
    database: { secretName: props.database.connectionString.name, secretKey: props.database.connectionString.key, destination },
    environments,
    image,
    healthCheck,
    backoffLimit: jobs.backoffLimit ?? 6,
    ttlSecondsAfterFinished: jobs.ttlSecondsAfterFinished ?? 86400,
    resources,
    pod: jobs,
  };
}

function checkReconcile(
  issues: IssueCollector, r: ModelRegistryProps['reconcile'], environments: string[],
): ReconcilePlan | undefined {
  if (r === undefined) return { deleteUndeclared: false, environments: [] };
  if (r.enabled === false) {
    for (const k of ['deleteUndeclared', 'environments'] as const) {
      if (r[k] !== undefined) issues.add(`${k} has no effect with enabled: false`, `remove ${k}, or turn the reconcile Job on`, k);
    }
    return undefined;
  }
  const extra = r.environments ?? [];
  extra.forEach((env, i) => {
    if (!environments.includes(env)) {
      issues.add(
        `'${env}' is not one of the registry's environments (${environments.join(', ')})`,
        'name an environment the registry\'s entries may use, or add it to environments',
        `environments[${i}]`,
      );
    }
    if (extra.indexOf(env) !== i) issues.add(`'${env}' is listed twice`, 'remove the duplicate', `environments[${i}]`);
  });
  return { deleteUndeclared: r.deleteUndeclared ?? false, environments: [...new Set(extra)].sort() };
}

function checkDatabase(issues: IssueCollector, db: RegistryDatabaseSpec, namespace: string): Destination | undefined {
  const ref = db.connectionString;
  if (!isObject(ref)) {
    issues.add('connectionString is required', 'give the Secret key holding it: { name, key }', 'connectionString');
  } else {
    checkSecretRef(issues.at('connectionString'), ref);
  }
  checkInt(issues, 'port', db.port, 1, 65535);
  const port = db.port ?? 5432;
  const given = (['host', 'cidr', 'podSelectorLabels'] as const).filter((k) => db[k] !== undefined);
  if (given.length !== 1) {
    issues.add(
      given.length === 0 ? 'the database location is missing' : `give only one of ${given.join(', ')}`,
      'the connection string is secret, so the NetworkPolicy needs host (in-cluster Service or IP), cidr, or podSelectorLabels',
    );
    return undefined;
  }
  if (db.namespace !== undefined) {
    if (!isDns1123Label(db.namespace)) {
      issues.add(`'${db.namespace}' is not a valid namespace name`, 'use a DNS-1123 label', 'namespace');
      return undefined;
    }
    if (db.podSelectorLabels === undefined) {
      issues.add('namespace only applies to podSelectorLabels', 'remove it, or select the database pods with podSelectorLabels', 'namespace');
      return undefined;
    }
  }
  if (db.host !== undefined) {
    const where = classifyHost(db.host);
    if (!isDnsSubdomain(db.host.toLowerCase()) && where.kind !== 'ip') {
      issues.add(`'${db.host}' is not a host name or IP address`, 'e.g. pg.db.svc.cluster.local', 'host');
      return undefined;
    }
    if (where.kind === 'service') return { peer: where.namespace ? namespacePeer(where.namespace) : { podSelector: {} }, port };
    if (where.kind === 'ip') return { peer: { ipBlock: { cidr: where.cidr } }, port };
    issues.add(
      `'${db.host}' is outside the cluster, and a NetworkPolicy cannot name a host by DNS name`,
      'give cidr (the address range the host resolves to) instead, or write an in-cluster Service as <service>.<namespace>.svc',
      'host',
    );
    return undefined;
  }
  if (db.cidr !== undefined) {
    if (!isCidr(db.cidr)) {
      issues.add(`'${db.cidr}' is not a CIDR block`, 'e.g. 10.20.0.0/16 or 10.20.3.4/32', 'cidr');
      return undefined;
    }
    return { peer: { ipBlock: { cidr: db.cidr } }, port };
  }
  const labels = db.podSelectorLabels!;
  const before = issues.issues.length;
  checkLabels(issues.at('podSelectorLabels'), labels);
  if (isObject(labels) && Object.keys(labels).length === 0) issues.add('an empty selector would allow every pod', 'give the database pods\' labels', 'podSelectorLabels');
  if (issues.issues.length > before) return undefined;
  return { peer: { podSelector: { matchLabels: { ...labels } }, ...namespacePeer(db.namespace ?? namespace) }, port };
}

function mergeResources(
  issues: IssueCollector, r: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined,
): { requests: Record<string, string>; limits: Record<string, string> } {
  const merged = { requests: { ...DEFAULT_RESOURCES.requests, ...r?.requests }, limits: { ...DEFAULT_RESOURCES.limits, ...r?.limits } };
  for (const kind of ['requests', 'limits'] as const) {
    for (const [res, value] of Object.entries(r?.[kind] ?? {})) {
      if (!isQuantity(value)) issues.add(`'${String(value)}' is not a Kubernetes quantity`, 'e.g. 100m, 64Mi', `${kind}.${res}`);
    }
  }
  for (const [res, req] of Object.entries(merged.requests)) {
    const lim = merged.limits[res];
    const rv = isQuantity(req) ? quantityValue(req) : undefined;
    const lv = lim !== undefined && isQuantity(lim) ? quantityValue(lim) : undefined;
    if (rv !== undefined && lv !== undefined && rv > lv) issues.add(`the request ${req} is above the limit ${lim}`, `raise limits.${res} too`, `requests.${res}`);
  }
  return merged;
}

/** What the registry tells an entry. */
export interface EntryContext {
  readonly id: string;
  readonly registryName: string;
  readonly environments: string[];
  /** The registry's (and the Jobs') namespace. */
  readonly namespace: string;
}

export interface EntryPlan {
  readonly name: string;
  readonly modelName: string;
  readonly environment: string;
  /** Base URL, without a trailing '/'. */
  readonly endpoint: string;
  /** '' when none. */
  readonly namespace: string;
  readonly status: string;
  readonly backend: string;
  readonly modelId: string;
  readonly healthPath: string;
  /** `<endpoint><healthPath>`, or undefined when health checks are off. */
  readonly healthUrl?: string;
  /** How long registration waits for the health URL, and the Job's deadline then. */
  readonly timing: RegistrationTiming;
  /** The Secret key with the API key of the health requests. */
  readonly healthCheckApiKey?: { readonly name: string; readonly key: string };
  /** JSON object with sorted keys. */
  readonly metadataJson: string;
  /** Where the Jobs call the model (only with health checks on). */
  readonly modelDestination?: Destination;
  /** Internet ports the Jobs need for the model endpoint. */
  readonly internetPorts: number[];
  /** The in-cluster Service host the Jobs call, when the endpoint is given as a URL. */
  readonly serviceEndpoint?: { readonly host: string; readonly port: number };
}

/** Fields that follow from `model` and must not be given with it. */
const FROM_MODEL = ['modelName', 'endpoint', 'environment', 'namespace'] as const;

export function planEntry(issues: IssueCollector, props: ModelRegistryEntryProps, ctx: EntryContext): EntryPlan | undefined {
  const name = props.name ?? ctx.id;
  checkObjectName(issues.at('name'), name, 'entry');
  const model = props.model;
  const before = issues.issues.length;
  if (model !== undefined && !isModelServer(model)) {
    issues.add('model is not a model server', 'pass a VllmModel or another IModelServer', 'model');
    return undefined;
  }
  if (model) {
    for (const f of FROM_MODEL) {
      if (props[f] !== undefined) issues.add(`${f} follows from model`, `remove ${f}, or remove model and give modelName, endpoint and environment`, f);
    }
  } else {
    for (const f of ['modelName', 'endpoint', 'environment'] as const) {
      if (props[f] === undefined) issues.add(`${f} is required without model`, 'give model (e.g. a VllmModel), or modelName, endpoint and environment', f);
    }
  }
  // A LoRA adapter of the model: registered under its own name, as what it comes from.
  const adapter = props.adapter === undefined ? undefined : model?.adapters?.find((a) => a.name === props.adapter);
  if (props.adapter !== undefined && !model) {
    issues.add('adapter names a LoRA adapter of model, but model is not given', 'give model (the VllmModel that serves the adapter), or register the adapter with modelName, endpoint and environment', 'adapter');
  } else if (props.adapter !== undefined && adapter === undefined) {
    const served = (model!.adapters ?? []).map((a) => a.name);
    issues.add(
      `${model!.node.path} serves no LoRA adapter '${props.adapter}'`,
      served.length > 0 ? `use one of: ${served.join(', ')}` : 'add it to the model\'s loraAdapters, or remove adapter',
      'adapter',
    );
  }
  if (issues.issues.length > before) return undefined;

  const modelName = adapter ? adapter.name : model ? model.servedModelName : props.modelName!;
  const environment = model ? model.environment : props.environment!;
  const endpointText = model ? model.url : props.endpoint!;
  const src = (f: string) => (model ? `model (${f})` : f);

  if (!isRoutableModelName(modelName)) {
    issues.add(
      `'${String(modelName)}' is not a valid model name`,
      'use at most 256 letters, digits and . _ - : @ + /, starting and ending with a letter or digit',
      src('modelName'),
    );
  }
  if (!ctx.environments.includes(environment)) {
    issues.add(
      `'${environment}' is not one of the registry's environments (${ctx.environments.join(', ')})`,
      'use one of them, or declare it in the registry\'s environments prop',
      src('environment'),
    );
  }
  const url = checkEndpoint(issues, endpointText, src('endpoint'));

  const namespace = model ? model.namespace : props.namespace ?? inferredNamespace(url);
  if (namespace !== undefined && namespace !== '' && !isDns1123Label(namespace)) {
    issues.add(`'${namespace}' is not a valid namespace name`, 'use a DNS-1123 label', src('namespace'));
  }

  const status = props.status ?? 'ready';
  if (!ENTRY_STATUSES.includes(status)) {
    issues.add(`'${status}' is not an entry status`, 'use \'ready\' or \'disabled\' (pending and degraded are set by the Jobs)', 'status');
  }
  const backend = props.backend ?? model?.backend ?? 'openai-compatible';
  if (!BACKEND.test(backend)) issues.add(`'${backend}' is not a valid backend name`, 'e.g. vllm; at most 64 letters, digits and . _ - :', props.backend ? 'backend' : 'model (backend)');
  const modelId = props.modelId ?? adapter?.source ?? model?.modelSource ?? modelName;
  if (typeof modelId !== 'string' || modelId.length === 0 || modelId.length > 512 || CONTROL.test(modelId)) {
    issues.add(`'${String(modelId)}' is not a valid model ID`, 'at most 512 characters without control characters', props.modelId ? 'modelId' : adapter ? 'adapter' : 'model (modelSource)');
  }
  const healthPath = props.healthPath ?? model?.healthPath ?? '/health';
  if (!HEALTH_PATH.test(healthPath)) {
    issues.add(`'${healthPath}' is not a valid health path`, 'an absolute URL path such as /health', props.healthPath ? 'healthPath' : 'model (healthPath)');
  }
  checkInt(issues, 'waitTimeoutSeconds', props.waitTimeoutSeconds, 10, 86400);
  const budget = model?.startupBudgetSeconds;
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1 || budget > 86400)) {
    issues.add(
      `the model's startup budget ${String(budget)} is not a whole number of seconds from 1 to 86400`,
      'fix startupBudgetSeconds of the model server (or leave it out: registration then waits 1800 s unless waitTimeoutSeconds says otherwise)',
      'model (startupBudgetSeconds)',
    );
  } else if (budget !== undefined && typeof props.waitTimeoutSeconds === 'number' && props.waitTimeoutSeconds < budget) {
    issues.add(
      `${props.waitTimeoutSeconds} s is shorter than the model's startup budget (${budget} s): registration would give up before the model may be ready`,
      `leave waitTimeoutSeconds out to wait ${budget + REGISTRATION_MARGIN_SECONDS} s (the budget plus ${REGISTRATION_MARGIN_SECONDS} s for scheduling, image pull and rollout), `
      + `or give at least ${budget}`,
      'waitTimeoutSeconds',
    );
  }
  const metadata = checkMetadata(issues.at('metadata'), props.metadata);
  // A model that scales to zero has no pod to answer while idle: a health check would mark it degraded,
  // and the router would then refuse the very requests that wake it; registration would wait for a model
  // nothing wakes. Such a model is registered ready without waiting and left out of the health checks.
  const asleep = model?.scalesToZero === true;
  if (asleep && props.healthCheck === true) {
    issues.add(
      'the model scales to zero (autoscaling.minReplicas 0): at zero it answers no health check, which would mark it degraded and make the router refuse the requests that wake it',
      'remove healthCheck (it is off for a model that scales to zero), or set the model\'s autoscaling.minReplicas to 1',
      'healthCheck',
    );
  }
  const healthCheck = props.healthCheck ?? !asleep;
  const apiKey = props.healthCheckApiKey;
  if (apiKey !== undefined) {
    const at = issues.at('healthCheckApiKey');
    checkSecretRef(at, apiKey);
    if (!healthCheck) {
      at.add('an API key for health checks has no effect with healthCheck: false', 'remove healthCheckApiKey, or turn health checks on');
    } else if (url && url.protocol === 'http:') {
      const where = classifyHost(url.hostname);
      if (where.kind !== 'service' && !(where.kind === 'ip' && where.private)) {
        at.add(
          `the API key would be sent unencrypted to '${url.hostname}', outside the cluster`,
          'use the endpoint\'s https URL',
        );
      }
    }
  }

  const linkLocal = url && !model ? linkLocalReason(url.hostname) : undefined;
  const refusedLinkLocal = linkLocal !== undefined && props.allowLinkLocalEgress !== true;
  if (refusedLinkLocal) {
    issues.add(`${linkLocal}: egress there would hand the node's cloud credentials to the registry's Jobs`, LINK_LOCAL_FIX('allowLinkLocalEgress'), 'endpoint');
  }
  let modelDestination: Destination | undefined;
  let serviceEndpoint: { host: string; port: number } | undefined;
  const internetPorts: number[] = [];
  if (url && healthCheck && !refusedLinkLocal) {
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (model) {
      // NetworkPolicies match pod ports; the Jobs run in the registry's namespace.
      modelDestination = { peer: peerOf(model, ctx.namespace), port: model.containerPort };
    } else {
      const where = classifyHost(url.hostname);
      if (where.kind === 'service') {
        modelDestination = { peer: where.namespace ? namespacePeer(where.namespace) : { podSelector: {} }, port };
        serviceEndpoint = { host: url.hostname, port };
      } else if (where.kind === 'ip' && where.private) {
        modelDestination = { peer: { ipBlock: { cidr: where.cidr } }, port };
      } else if (props.allowInternetEgress) {
        internetPorts.push(port);
      } else {
        issues.add(
          `'${url.hostname}' is outside the cluster, and egress there is blocked by the Jobs' NetworkPolicy`,
          'set allowInternetEgress: true, or healthCheck: false if the endpoint has no health path (the Jobs then never call it)',
          'endpoint',
        );
      }
    }
  }
  if (issues.hasIssues || !url) return undefined;

  const endpoint = endpointText.replace(/\/+$/, '');
  const fullMetadata: Record<string, string> = { ...metadata, managed_by: MANAGED_BY, registry: ctx.registryName, health_path: healthPath };
  return {
    name,
    modelName,
    environment,
    endpoint,
    namespace: namespace ?? '',
    status,
    backend,
    modelId,
    healthPath,
    healthUrl: healthCheck ? `${endpoint}${healthPath}` : undefined,
    timing: registrationTiming(budget, props.waitTimeoutSeconds),
    healthCheckApiKey: apiKey && healthCheck ? { name: apiKey.name, key: apiKey.key } : undefined,
    metadataJson: JSON.stringify(Object.fromEntries(Object.keys(fullMetadata).sort().map((k) => [k, fullMetadata[k]]))),
    modelDestination,
    serviceEndpoint,
    internetPorts,
  };
}

/** An http(s) base URL with a host, without credentials, query or fragment. */
export function checkEndpoint(issues: IssueCollector, text: unknown, path: string): URL | undefined {
  const fix = 'write it as http(s)://host[:port][/path], e.g. http://llama-8b-production.llm.svc.cluster.local:8000';
  if (typeof text !== 'string' || text.length > 2048 || /\s/.test(text) || CONTROL.test(text)) {
    issues.add(`'${redactUrl(String(text))}' is not a usable endpoint URL`, fix, path);
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || !/^https?:\/\/[^/]/.test(text)) {
    issues.add(`'${redactUrl(text)}' is not an http or https URL with a host`, fix, path);
    return undefined;
  }
  if (url.username || url.password) {
    issues.add('the endpoint URL contains credentials', 'remove them: the registry is readable by every router', path);
    return undefined;
  }
  if (url.search || url.hash || text.includes('?') || text.includes('#')) {
    issues.add(`'${text}' has a query or fragment`, 'give the base URL only; routers append the API path', path);
    return undefined;
  }
  return url;
}

/** `<svc>.<ns>.svc[.cluster.local]` tells the namespace. */
function inferredNamespace(url: URL | undefined): string | undefined {
  if (!url) return undefined;
  const where = classifyHost(url.hostname);
  return where.kind === 'service' ? where.namespace : undefined;
}

function checkMetadata(issues: IssueCollector, metadata: unknown): Record<string, string> {
  if (metadata === undefined) return {};
  if (!isObject(metadata)) {
    issues.add('expected a map of strings');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (RESERVED_METADATA.includes(k)) issues.add(`'${k}' is set by the library`, 'use another key', k);
    else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(k)) issues.add(`'${k}' is not a valid metadata key`, 'at most 63 letters, digits, \'_\', \'.\' and \'-\'', k);
    if (typeof v !== 'string' || v.length > 1024 || CONTROL.test(v)) issues.add('expected a string of at most 1024 characters without control characters', undefined, k);
    else out[k] = v;
  }
  return out;
}

function checkObjectName(issues: IssueCollector, name: unknown, what: string): void {
  if (typeof name !== 'string' || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    issues.add(
      `'${String(name)}' is not a valid ${what} name`,
      'use lower-case letters, digits and \'-\', starting with a letter (set name if the construct id does not fit)',
    );
  } else if (name.length > MAX_NAME) {
    issues.add(`'${name}' is ${name.length} characters; at most ${MAX_NAME} are allowed`, 'Job names get a suffix of up to 18 characters and must stay within 63; use a shorter name');
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz);
  } catch {
    return false;
  }
}

const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** `@every <Go duration>`: under a minute it starts a Job every second or few (the controller rounds up to 1 s). */
function everyProblem(duration: string): string | undefined {
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let seconds = 0;
  for (const m of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) seconds += Number(m[1]) * unit[m[2]];
  if (!(seconds <= 2 ** 63 / 1e9)) return `${duration} is longer than a Go duration can be (about 292 years)`;
  if (seconds < 60) return `@every ${duration} is under a minute: the CronJob controller would start a health-check Job every ${seconds <= 1 ? 'second' : `${Math.floor(seconds)} seconds`}, and they would pile up`;
  return undefined;
}

/** A problem with a CronJob schedule (the syntax the Kubernetes controller accepts), or undefined. */
export function checkSchedule(schedule: string): string | undefined {
  const s = schedule.trim();
  if (CRON_MACROS.includes(s)) return undefined;
  const every = /^@every (([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (every) return everyProblem(every[1]);
  if (/^(CRON_)?TZ=/.test(s)) return 'time zones go in healthCheck.timeZone, not in the schedule';
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields, got ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const f = CRON_FIELDS[i];
    for (const part of fields[i].split(',')) {
      const m = /^(\*|\?|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/.exec(part);
      if (!m || (m[1] === '?' && i !== 2 && i !== 4)) return `the ${f.name} field '${fields[i]}' is malformed`;
      const value = (v: string | undefined) => {
        if (v === undefined) return undefined;
        const byName = f.names?.indexOf(v.toUpperCase()) ?? -1;
        return byName >= 0 ? byName + (f.name === 'month' ? 1 : 0) : /^[0-9]+$/.test(v) ? Number(v) : NaN;
      };
      const lo = value(m[2]);
      const hi = value(m[3]);
      for (const v of [lo, hi]) {
        if (v !== undefined && !(v >= f.min && v <= f.max)) return `the ${f.name} field '${fields[i]}' is out of range ${f.min}-${f.max}`;
      }
      if (lo !== undefined && hi !== undefined && hi < lo) return `the ${f.name} range '${part}' is reversed`;
      if (m[4] !== undefined && Number(m[4]) === 0) return `the ${f.name} step in '${part}' is 0`;
    }
  }
  return undefined;
}
