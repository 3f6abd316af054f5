import type { ModelRegistry } from './model-registry';
import { SecretKeyRef } from '../config/types';
import type { ClusterDns } from '../core/dns';
import { IModelServer } from '../core/model-server';
import type { PodSettings } from '../core/pod-settings';
import { ContainerResourcesSpec } from '../llama-stack/props';

/**
 * The registry database: where the connection string is, and where the database is on the network. The
 * connection string is secret, so the Jobs' NetworkPolicy egress rule comes from `host`, `cidr` or
 * `podSelectorLabels` (exactly one).
 */
export interface RegistryDatabaseSpec {
  /**
   * A Secret key holding a libpq connection URI, e.g.
   * `postgresql://registry:<password>@pg.db.svc.cluster.local:5432/registry?sslmode=require` (percent-encode
   * `@`, `/` and `%` in the user name and password; the password may also be a `password` parameter). It
   * reaches the Jobs only as a `secretKeyRef` environment variable, and psql gets the password through
   * `PGPASSWORD`, never on its command line; a key=value connection string is refused when a Job starts.
   */
  readonly connectionString: SecretKeyRef;
  /**
   * The database host, for the egress rule: an in-cluster Service (`<service>.<namespace>.svc` or
   * `<service>.<namespace>.svc.cluster.local`, or `<service>` in the registry's namespace) or an IP address.
   * @default - give one of host, cidr or podSelectorLabels
   */
  readonly host?: string;
  /**
   * The address range the database is in, for one outside the cluster that a NetworkPolicy cannot name
   * by host (a managed database in the VPC, e.g. `10.20.0.0/16`).
   * @default - give one of host, cidr or podSelectorLabels
   */
  readonly cidr?: string;
  /**
   * Labels of the database pods, for a database running in the cluster.
   * @default - give one of host, cidr or podSelectorLabels
   */
  readonly podSelectorLabels?: { [key: string]: string };
  /**
   * Namespace of the pods selected by `podSelectorLabels`.
   * @default - the registry's namespace
   */
  readonly namespace?: string;
  /**
   * The database port.
   * @default 5432
   */
  readonly port?: number;
}

/** The health-check CronJob of a registry. */
export interface RegistryHealthCheckSpec {
  /**
   * When to check, in cron syntax (or `@hourly` and the like).
   * @default '*\/2 * * * *' (every two minutes)
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule, e.g. `Europe/Berlin`.
   * @default - the time zone of the kube-controller-manager (usually UTC)
   */
  readonly timeZone?: string;
  /**
   * Timeout of one health request, in seconds.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Longest a check run may take before Kubernetes stops it, in seconds.
   * @default 300
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Suspend the CronJob (no checks; statuses stay as they are).
   * @default false
   */
  readonly suspend?: boolean;
}

/** Settings shared by the registry's Jobs (migration, registrations, health checks). */
export interface RegistryJobSettings extends PodSettings {
  /**
   * Retries of a failed migration or registration pod.
   * @default 6
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a finished Job (and its pods' logs) is kept before Kubernetes deletes it.
   * @default 86400 (one day)
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Container resources; given keys replace the defaults key by key.
   * @default - requests cpu 10m / memory 32Mi, limits cpu 500m / memory 128Mi
   */
  readonly resources?: ContainerResourcesSpec;
}

/**
 * The reconcile step of a registry: a Job that runs after the registrations (Argo CD wave 20) and takes
 * the rows of models that were removed from the code out of routing. It touches only rows this registry
 * wrote (`metadata.managed_by` is the library and `metadata.registry` the registry's name), only in the
 * environments this app declares for the registry, and only those no entry declares any more.
 */
export interface RegistryReconcileSpec {
  /**
   * Run the reconcile Job. Without it, the row of a removed entry stays as it was (a `ready` row keeps
   * receiving traffic for a model that no longer exists).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Delete the undeclared rows instead of setting them to `disabled`. Routers then answer "does not exist"
   * instead of "is disabled", and the row's history (created_at, metadata) is gone.
   * @default false
   */
  readonly deleteUndeclared?: boolean;
  /**
   * Environments (of the registry's `environments`) to reconcile even when none of the registry's entries
   * is in them, e.g. an environment whose last model was removed. Environments with entries are always
   * reconciled.
   * @default - only the environments of the registry's entries
   */
  readonly environments?: string[];
}

/** A model name in an environment: the key of a row in `model_registry_entries`. */
export interface RegistryEntryKey {
  /** The model name clients ask for. */
  readonly modelName: string;
  /** The environment. */
  readonly environment: string;
}

/** Props of a `ModelRegistry`. */
export interface ModelRegistryProps {
  /** The registry database. */
  readonly database: RegistryDatabaseSpec;
  /**
   * Base name of the emitted objects (a DNS label of at most 40 characters, starting with a letter).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * A CronJob that checks every entry's health URL, records `last_health_check_at` and flips
   * `ready` <-> `degraded` (never touching `disabled` entries).
   * @default - no health checks
   */
  readonly healthCheck?: RegistryHealthCheckSpec;
  /**
   * The environments entries may be registered in (DNS labels).
   * @default ['development', 'staging', 'production']
   */
  readonly environments?: string[];
  /**
   * The reconcile Job, which disables (or deletes) the rows of entries removed from the code.
   * @default - on: undeclared rows of this registry, in the environments of its entries, are disabled
   */
  readonly reconcile?: RegistryReconcileSpec;
  /**
   * The image the Jobs run: it needs psql 15 or newer, a POSIX sh, `bash`, `wget` and `timeout`, and
   * must run as UID 70 (the postgres Alpine images' `postgres` user). Entries with `healthCheckApiKey` also
   * need bash's `/dev/tcp` and, for https endpoints, `ssl_client`, as the postgres Alpine images have.
   * @default 'docker.io/library/postgres:18.4-alpine3.23'
   */
  readonly image?: string;
  /**
   * Retries, retention, resources and pull secrets of the Jobs.
   * @default - see RegistryJobSettings
   */
  readonly jobs?: RegistryJobSettings;
  /**
   * The cluster DNS the Jobs may reach (the only egress on DNS ports).
   * @default - the app's `ClusterDns.CONTEXT_KEY` preset, else `ClusterDns.kubeDns()`
   */
  readonly dns?: ClusterDns;
}

/**
 * Props of a `ModelRegistryEntry`: either `model` (everything follows from it) or `modelName`,
 * `endpoint` and `environment` for a model served elsewhere.
 */
export interface ModelRegistryEntryProps {
  /** The registry to register in; must be in the same namespace as the entry. */
  readonly registry: ModelRegistry;
  /**
   * The model server (e.g. a `VllmModel`): its served model name, URL, environment, namespace, backend,
   * model source and health path are used, and its NetworkPolicy admits the registration and health-check pods.
   * @default - give modelName, endpoint and environment
   */
  readonly model?: IModelServer;
  /**
   * A LoRA adapter of `model` (one of its `adapters`, e.g. a VllmModel's `loraAdapters`) to register
   * instead of the base model: the entry's model name is the adapter's name and its model ID the adapter's
   * source; endpoint, environment and health checks are the model's.
   * @default - the base model
   */
  readonly adapter?: string;
  /**
   * The name clients ask for (and the router looks up).
   * @default - the model's served model name (the adapter's name with `adapter`)
   */
  readonly modelName?: string;
  /**
   * Base URL requests are sent to (http or https, no credentials, query or fragment), e.g.
   * `http://llama-8b-production.llm.svc.cluster.local:8000`.
   * @default - the model's URL
   */
  readonly endpoint?: string;
  /**
   * The environment the model serves.
   * @default - the model's environment
   */
  readonly environment?: string;
  /**
   * The namespace the model runs in, recorded in the row.
   * @default - the model's namespace; else the namespace of an in-cluster endpoint host; else none
   */
  readonly namespace?: string;
  /**
   * `ready` (routable once healthy) or `disabled` (kept but not routed; registered without waiting for health).
   * Enabling or disabling a model is changing this and re-applying.
   * @default 'ready'
   */
  readonly status?: string;
  /**
   * The serving engine.
   * @default - the model's backend, else 'openai-compatible'
   */
  readonly backend?: string;
  /**
   * What the endpoint serves, e.g. a Hugging Face repository ID.
   * @default - the adapter's source with `adapter`, else the model's source, else the model name
   */
  readonly modelId?: string;
  /**
   * Path under the endpoint that answers 200 when the model can take requests.
   * @default - the model's health path, else '/health'
   */
  readonly healthPath?: string;
  /**
   * Wait for the health path before registering, and include the entry in the registry's health checks.
   * Turn off for endpoints without a health path (a hosted API). A model that scales to zero
   * (`scalesToZero`) is never health checked: at zero pods it would be marked degraded, and the router would
   * refuse the requests that wake it.
   * @default - true, false for a model that scales to zero
   */
  readonly healthCheck?: boolean;
  /**
   * How long the registration Job waits for the health path, in seconds. With `model`, it may not be
   * shorter than the model's `startupBudgetSeconds` (registration would give up before the model may be
   * ready). The Job's `activeDeadlineSeconds` is this plus 600.
   * @default - the model's startupBudgetSeconds + 900 (scheduling, image pull and rollout), else 1800
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * A Secret key holding an API key for the health checks of an endpoint that refuses anonymous requests
   * (a hosted OpenAI-compatible API answers 401). The registration wait and the registry's health checks
   * send it as `Authorization: Bearer <key>`; it reaches the Jobs only as a `secretKeyRef` environment
   * variable and never appears on a command line or in a log. The Secret must be in the registry's
   * namespace. Redirects are not followed with a key (a 3xx counts as unhealthy).
   * @default - no Authorization header
   */
  readonly healthCheckApiKey?: SecretKeyRef;
  /**
   * Extra string metadata stored in the row's `metadata` (the keys `managed_by`, `registry` and
   * `health_path` are set by the library).
   * @default - none
   */
  readonly metadata?: { [key: string]: string };
  /**
   * Allow the Jobs to reach an endpoint outside the cluster (public internet, on the endpoint's port).
   * @default false
   */
  readonly allowInternetEgress?: boolean;
  /**
   * Allow egress to link-local addresses and cloud instance-metadata services (169.254.0.0/16, fe80::/10,
   * 100.100.100.200, metadata.google.internal, ...), which hand the node's cloud credentials to any pod that
   * reaches them. Only for a service you know lives there.
   * @default false
   */
  readonly allowLinkLocalEgress?: boolean;
  /**
   * Base name of the entry's objects (a DNS label of at most 40 characters, starting with a letter).
   * @default - the construct id
   */
  readonly name?: string;
}
