import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  Component, hashedName, hookAnnotations, jobPod, lateName, MIGRATION_WAVE, objectLabels, podSelector, RECONCILE_WAVE, REGISTRATION_WAVE,
  RETRY_EVICTED_PODS, waveAnnotations,
} from './jobs';
import { latestVersion } from './migrations';
import { ModelRegistryProps, RegistryEntryKey } from './props';
import { ENV, registryFiles } from './scripts';
import { Destination, JOB_DEADLINE_MARGIN_SECONDS, planRegistry, REGISTRY_PROPS_SHAPE, RegistryPlan } from './validation';
import { SecretKeyRef } from '../config/types';
import { checkDns, ClusterDns, dnsEgressRule } from '../core/dns';
import { IssueCollector, ValidationIssue } from '../core/errors';
import { k8s, kube } from '../core/k8s';
import { egressRules, internetEgressRule } from '../core/network';
import { compareStrings, compareTuples } from '../core/order';
import { checkShape } from '../core/shape';
import { onSynth } from '../core/synth';
import { sha256 } from '../core/yaml';

/** What an entry contributes to the registry's health checks. */
export interface HealthTarget {
  readonly modelName: string;
  readonly environment: string;
  readonly healthUrl: string;
  readonly destination?: Destination;
  readonly internetPorts: number[];
  /** The Secret key with the API key the health requests send. */
  readonly apiKey?: SecretKeyRef;
}

const REGISTRY_SYMBOL = Symbol.for('cdk8s-llama-stack.ModelRegistry');

/**
 * A model registry in PostgreSQL (table `model_registry_entries`) that API routers read to route requests
 * by model name. Emits an immutable, content-hashed ConfigMap with the schema migrations, statements and
 * scripts; a migration Job (content-hashed name, Argo CD sync wave -10) that brings the schema up to date
 * under an advisory lock; a ServiceAccount and NetworkPolicies; and, with `healthCheck`, a CronJob that
 * checks every entry. Models are registered with `ModelRegistryEntry`.
 *
 * @example
 * const registry = new ModelRegistry(chart, 'registry', {
 *   database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.databases.svc' },
 *   healthCheck: {},
 * });
 * new ModelRegistryEntry(chart, 'llama-8b-entry', { registry, model: llama });
 */
export class ModelRegistry extends Construct {
  /** Argo CD sync wave of the migration Job (and the registry's ConfigMap and policies). */
  public static readonly MIGRATION_SYNC_WAVE = MIGRATION_WAVE;
  /** Argo CD sync wave of registration Jobs and the health-check CronJob; model servers sit in between (wave 0). */
  public static readonly REGISTRATION_SYNC_WAVE = REGISTRATION_WAVE;
  /** Argo CD sync wave of the reconcile Job: after every registration. */
  public static readonly RECONCILE_SYNC_WAVE = RECONCILE_WAVE;

  /** Whether `x` is a ModelRegistry (also across copies of this library). */
  public static isModelRegistry(x: any): x is ModelRegistry {
    return x !== null && typeof x === 'object' && REGISTRY_SYMBOL in x;
  }

  /** Base name of the emitted objects. */
  public readonly name: string;
  /** Namespace of the registry's objects (and of its entries' Jobs). */
  public readonly namespace: string;
  /** Environments entries may be registered in. */
  public readonly environments: string[];
  /** The image the Jobs run. */
  public readonly image: string;
  /** The schema version the migration Job brings the database to, e.g. `0003`. */
  public readonly schemaVersion: string;
  /** The Secret key with the database connection string. */
  public readonly connectionString: SecretKeyRef;
  /** Name of the ConfigMap with the migrations, statements and scripts (`<name>-sql-<hash8>`). */
  public readonly configMapName: string;
  /** Name of the ServiceAccount the Jobs run as. */
  public readonly serviceAccountName: string;
  /** Labels of the migration Job's pods. */
  public readonly migrationPodLabels: { [key: string]: string };
  /** Labels of the health-check pods (undefined without health checks). */
  public readonly healthCheckPodLabels?: { [key: string]: string };
  /** The ConfigMap (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly configMap: ApiObject;
  /** The migration Job (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly migrationJob: ApiObject;
  /** The health-check CronJob (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined without `healthCheck`. */
  public readonly healthCheckCronJob?: ApiObject;
  /**
   * The reconcile Job (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined with `reconcile: { enabled: false }`. Its spec and name are
   * computed at synth, from the entries that exist then.
   */
  public readonly reconcileJob?: ApiObject;
  /** Labels of the reconcile Job's pods (undefined without it). */
  public readonly reconcilePodLabels?: { [key: string]: string };

  /** The cluster DNS the Jobs reach. */
  public readonly dns: ClusterDns;
  private readonly plan: RegistryPlan;
  private readonly targets: HealthTarget[] = [];
  private readonly entryList: Construct[] = [];
  private readonly declared: RegistryEntryKey[] = [];

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    Object.defineProperty(this, REGISTRY_SYMBOL, { value: true });
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give at least { database: { connectionString: { name, key }, host } }');
    else checkShape(issues, props, REGISTRY_PROPS_SHAPE);
    issues.throwIfAny(this.node.path);
    const namespace = Chart.of(this).namespace ?? 'default';
    const plan = planRegistry(issues, props, id, namespace);
    checkDns(issues.at('dns'), props.dns);
    issues.throwIfAny(this.node.path);
    // The app-wide checks at synth (one object per name, object sizes) also run without a reconcile Job.
    onSynth(this, () => []);
    this.dns = ClusterDns.of(this, props.dns);
    this.plan = plan!;
    const p = this.plan;
    const name = p.name;

    this.name = name;
    this.namespace = namespace;
    this.environments = [...p.environments];
    this.image = p.image;
    this.schemaVersion = latestVersion();
    this.connectionString = { name: p.database.secretName, key: p.database.secretKey };
    this.serviceAccountName = `${name}-jobs`;

    kube(k8s.KubeServiceAccount, this, 'ServiceAccount', {
      metadata: {
        name: this.serviceAccountName,
        labels: objectLabels(name, 'registry'),
        annotations: { ...props.jobs?.serviceAccountAnnotations, ...waveAnnotations(MIGRATION_WAVE) },
      },
      automountServiceAccountToken: false,
    });

    const files = registryFiles();
    this.configMapName = `${name}-sql-${sha256(JSON.stringify(files)).slice(0, 8)}`;
    this.configMap = kube(k8s.KubeConfigMap, this, 'Sql', {
      metadata: { name: this.configMapName, labels: objectLabels(name, 'registry'), annotations: waveAnnotations(MIGRATION_WAVE) },
      immutable: true,
      data: files,
    });

    // Migration Job: its name hashes its pod (which names the hashed ConfigMap), so any change to the SQL,
    // the image or the settings is a new Job that `kubectl apply` runs too.
    this.migrationPodLabels = podSelector(name, 'migration');
    const template = jobPod({
      plan: p,
      configMapName: this.configMapName,
      serviceAccountName: this.serviceAccountName,
      labels: { ...objectLabels(name, 'migration'), ...this.migrationPodLabels },
      script: 'migrate.sh',
      appName: `${name}-migrate`,
      env: [],
    });
    const migrationSpec: k8s.JobSpec = {
      backoffLimit: p.backoffLimit,
      podFailurePolicy: RETRY_EVICTED_PODS,
      ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
      // The runner waits at most 5 minutes for another runner's lock; leave room for the migrations.
      activeDeadlineSeconds: 900,
      template,
    };
    this.migrationJob = kube(k8s.KubeJob, this, 'Migrate', {
      metadata: { name: hashedName(`${name}-migrate`, migrationSpec), labels: objectLabels(name, 'migration'), annotations: hookAnnotations(MIGRATION_WAVE) },
      spec: migrationSpec,
    });
    this.policy('MigratePolicy', `${name}-migrate`, 'migration', MIGRATION_WAVE, () => [this.plan.database.destination], () => []);

    const h = p.healthCheck;
    if (h) {
      this.healthCheckPodLabels = podSelector(name, 'health-check');
      const targetsText = Lazy.any({ produce: () => this.healthTargetsText() }) as string;
      this.healthCheckCronJob = kube(k8s.KubeCronJob, this, 'HealthCheck', {
        metadata: { name: `${name}-health`, labels: objectLabels(name, 'health-check'), annotations: waveAnnotations(REGISTRATION_WAVE) },
        spec: {
          schedule: h.schedule,
          timeZone: h.timeZone,
          suspend: h.suspend,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 60,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: objectLabels(name, 'health-check') },
            spec: {
              backoffLimit: 0,
              podFailurePolicy: RETRY_EVICTED_PODS,
              activeDeadlineSeconds: h.activeDeadlineSeconds,
              template: jobPod({
                plan: p,
                configMapName: this.configMapName,
                serviceAccountName: this.serviceAccountName,
                labels: { ...objectLabels(name, 'health-check'), ...this.healthCheckPodLabels },
                script: 'health-check.sh',
                appName: `${name}-health-check`,
                env: [
                  { name: ENV.probeTimeoutSeconds, value: String(h.timeoutSeconds) },
                  { name: ENV.healthTargets, value: targetsText },
                ],
                lateEnv: () => this.healthAuthEnv(),
              }),
            },
          },
        },
      });
      this.policy(
        'HealthCheckPolicy', `${name}-health`, 'health-check', REGISTRATION_WAVE,
        () => [this.plan.database.destination, ...this.targets.flatMap((t) => (t.destination ? [t.destination] : []))],
        () => this.targets.flatMap((t) => t.internetPorts),
      );
    }

    // Reconcile Job: its content (the declared entries) is only complete at synth, so its spec is a Lazy
    // and its name hashes that spec when it is produced.
    if (p.reconcile) {
      this.reconcilePodLabels = podSelector(name, 'reconcile');
      this.policy('ReconcilePolicy', `${name}-reconcile`, 'reconcile', RECONCILE_WAVE, () => [this.plan.database.destination], () => []);
      this.reconcileJob = kube(k8s.KubeJob, this, 'Reconcile', {
        metadata: {
          name: lateName(() => hashedName(`${name}-reconcile`, this.reconcileSpec())),
          labels: objectLabels(name, 'reconcile'),
          annotations: hookAnnotations(RECONCILE_WAVE),
        },
        spec: Lazy.any({ produce: () => this.reconcileSpec() }),
      });
      onSynth(this, () => this.sameNameIssues());
    }
  }

  /**
   * The environments the reconcile Job changes rows in: those of the registry's entries and those given
   * in `reconcile.environments`, sorted; empty without the reconcile Job.
   */
  public get reconciledEnvironments(): string[] {
    const r = this.plan.reconcile;
    if (!r) return [];
    return [...new Set([...this.declared.map((d) => d.environment), ...r.environments])].sort(compareStrings);
  }

  /** The (model name, environment) pairs of the registry's entries, sorted by environment, then name. */
  public get declaredEntries(): RegistryEntryKey[] {
    return [...this.declared].sort((a, b) => compareTuples([a.environment, a.modelName], [b.environment, b.modelName]));
  }

  /** The entries registered in this registry so far, in creation order. */
  public get entries(): Construct[] {
    return [...this.entryList];
  }

  /** Whether the registry runs the health-check CronJob. */
  public get healthChecks(): boolean {
    return this.plan.healthCheck !== undefined;
  }

  /**
   * Identifies the database (namespace, Secret and key of the connection string), to find entries of
   * different registries that write to the same table.
   * @internal
   */
  public get _databaseKey(): string {
    return `${this.namespace}/${this.plan.database.secretName}/${this.plan.database.secretKey}`;
  }

  /** @internal */
  public get _plan(): RegistryPlan {
    return this.plan;
  }

  /**
   * Called by ModelRegistryEntry: adds the entry to the health checks (and their egress).
   * @internal
   */
  public _addEntry(entry: Construct, declared: RegistryEntryKey, target?: HealthTarget): void {
    this.entryList.push(entry);
    this.declared.push({ modelName: declared.modelName, environment: declared.environment });
    if (target) this.targets.push(target);
  }

  /** The reconcile Job's spec for the entries that exist now. */
  private reconcileSpec(): k8s.JobSpec {
    const p = this.plan;
    return {
      backoffLimit: p.backoffLimit,
      podFailurePolicy: RETRY_EVICTED_PODS,
      ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
      activeDeadlineSeconds: JOB_DEADLINE_MARGIN_SECONDS,
      template: jobPod({
        plan: p,
        configMapName: this.configMapName,
        serviceAccountName: this.serviceAccountName,
        labels: { ...objectLabels(this.name, 'reconcile'), ...podSelector(this.name, 'reconcile') },
        script: 'reconcile.sh',
        appName: `${this.name}-reconcile`,
        env: [
          { name: ENV.registryName, value: this.name },
          { name: ENV.reconcileEnvironments, value: JSON.stringify(this.reconciledEnvironments) },
          { name: ENV.declared, value: JSON.stringify(this.declaredEntries.map((d) => ({ model_name: d.modelName, environment: d.environment }))) },
          { name: ENV.reconcileAction, value: p.reconcile?.deleteUndeclared ? 'delete' : 'disable' },
        ],
      }),
    };
  }

  /**
   * Rows record the registry's name, not its namespace or database: a registry of the same name elsewhere
   * in the app with rows in an environment this one reconciles would have them disabled, if both write to
   * one database. The library cannot see whether they do (their Secrets live in different namespaces).
   */
  private sameNameIssues(): ValidationIssue[] {
    const mine = this.reconciledEnvironments;
    const issues: ValidationIssue[] = [];
    const isOther = (c: IConstruct): c is ModelRegistry => c !== this && ModelRegistry.isModelRegistry(c);
    for (const other of this.node.root.node.findAll().filter(isOther)) {
      if (other.name !== this.name) continue;
      const theirs = new Set([...other.declared.map((d) => d.environment), ...other.reconciledEnvironments]);
      const shared = mine.filter((e) => theirs.has(e));
      if (shared.length === 0) continue;
      issues.push({
        construct: this.node.path,
        path: 'name',
        message: `the registry ${other.node.path} has the same name '${this.name}' and rows in ${shared.map((e) => `'${e}'`).join(', ')}, `
          + 'which this registry\'s reconcile Job would disable if both write to one database (rows record the registry\'s name only)',
        hint: 'give one of the registries another name (the name prop), or turn its reconcile Job off (reconcile: { enabled: false })',
      });
    }
    return issues;
  }

  /** One variable per Secret key of the targets' API keys, named after the reference. */
  private healthAuthEnv(): k8s.EnvVar[] {
    const refs = new Map<string, SecretKeyRef>();
    for (const t of this.targets) if (t.apiKey) refs.set(healthAuthVariable(t.apiKey), t.apiKey);
    return [...refs.keys()].sort(compareStrings).map((n) => {
      const ref = refs.get(n)!;
      return { name: n, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
    });
  }

  /**
   * `<model name> <environment> <health URL> [<API key variable>]` per line, sorted; none of the fields can
   * hold a space. (Not tabs: YAML emitters write a one-line value with tabs as a plain scalar, which
   * libyaml-based readers refuse.)
   */
  private healthTargetsText(): string {
    return this.targets
      .map((t) => `${t.modelName} ${t.environment} ${t.healthUrl}${t.apiKey ? ` ${healthAuthVariable(t.apiKey)}` : ''}`)
      .sort()
      .join('\n');
  }

  private policy(
    id: string, name: string, component: Component, wave: number, destinations: () => Destination[], internetPorts: () => number[],
  ): void {
    kube(k8s.KubeNetworkPolicy, this, id, {
      metadata: { name, labels: objectLabels(this.name, component), annotations: waveAnnotations(wave) },
      spec: {
        podSelector: { matchLabels: podSelector(this.name, component) },
        policyTypes: ['Ingress', 'Egress'],
        egress: Lazy.any({ produce: () => registryEgress(this.dns, destinations(), internetPorts()) }),
      },
    });
  }
}

/** DNS, then one rule per destination peer (ports merged), then the internet ports if any. */
export function registryEgress(dns: ClusterDns, destinations: Destination[], internetPorts: number[]): k8s.NetworkPolicyEgressRule[] {
  const ports = [...new Set(internetPorts)].sort((a, b) => a - b);
  return [
    dnsEgressRule(dns),
    ...egressRules(destinations.map((d) => ({ peer: d.peer, port: d.port }))),
    ...(ports.length > 0 ? [internetEgressRule(ports)] : []),
  ];
}

/** The health-check CronJob's variable for an API key Secret key: the prefix and a hash of the reference. */
export function healthAuthVariable(ref: SecretKeyRef): string {
  return `${ENV.healthAuth}_${sha256(JSON.stringify([ref.name, ref.key])).slice(0, 8).toUpperCase()}`;
}
