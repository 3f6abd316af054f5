import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Component, hashedName, hookAnnotations, jobPod, MIGRATION_WAVE, objectLabels, podSelector, REGISTRATION_WAVE, waveAnnotations,
} from './jobs';
import { latestVersion } from './migrations';
import { ModelRegistryProps } from './props';
import { ENV, registryFiles } from './scripts';
import { Destination, planRegistry, REGISTRY_PROPS_SHAPE, RegistryPlan } from './validation';
import { SecretKeyRef } from '../config/types';
import { checkDns, ClusterDns, dnsEgressRule } from '../core/dns';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { egressRules, internetEgressRule } from '../core/network';
import { checkShape } from '../core/shape';
import { sha256 } from '../core/yaml';

/** What an entry contributes to the registry's health checks. */
export interface HealthTarget {
  readonly modelName: string;
  readonly environment: string;
  readonly healthUrl: string;
  readonly destination?: Destination;
  readonly internetPorts: number[];
}

/**
 * A model registry in PostgreSQL (table `model_registry_entries`) that API routers read to route requests
 * by model name. Emits an immutable, content-hashed ConfigMap with the schema migrations, statements and
 * scripts; a migration Job (content-hashed name, Argo CD sync wave -10) that brings the schema up to date
 * under an advisory lock; a ServiceAccount and NetworkPolicies; and, with `healthCheck`, a CronJob that
 * checks every entry. Models are registered with `ModelRegistryEntry`.
 */
export class ModelRegistry extends Construct {
  /** Argo CD sync wave of the migration Job (and the registry's ConfigMap and policies). */
  public static readonly MIGRATION_SYNC_WAVE = MIGRATION_WAVE;
  /** Argo CD sync wave of registration Jobs and the health-check CronJob; model servers sit in between (wave 0). */
  public static readonly REGISTRATION_SYNC_WAVE = REGISTRATION_WAVE;

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
  /** The ConfigMap (escape hatch). */
  public readonly configMap: k8s.KubeConfigMap;
  /** The migration Job (escape hatch). */
  public readonly migrationJob: k8s.KubeJob;
  /** The health-check CronJob (escape hatch); undefined without `healthCheck`. */
  public readonly healthCheckCronJob?: k8s.KubeCronJob;

  /** The cluster DNS the Jobs reach. */
  public readonly dns: ClusterDns;
  private readonly plan: RegistryPlan;
  private readonly targets: HealthTarget[] = [];
  private readonly entryList: Construct[] = [];

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give at least { database: { connectionString: { name, key }, host } }');
    else checkShape(issues, props, REGISTRY_PROPS_SHAPE);
    issues.throwIfAny(this.node.path);
    const namespace = Chart.of(this).namespace ?? 'default';
    const plan = planRegistry(issues, props, id, namespace);
    checkDns(issues.at('dns'), props.dns);
    issues.throwIfAny(this.node.path);
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

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, labels: objectLabels(name, 'registry'), annotations: waveAnnotations(MIGRATION_WAVE) },
      automountServiceAccountToken: false,
    });

    const files = registryFiles();
    this.configMapName = `${name}-sql-${sha256(JSON.stringify(files)).slice(0, 8)}`;
    this.configMap = new k8s.KubeConfigMap(this, 'Sql', {
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
      ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
      // The runner waits at most 5 minutes for another runner's lock; leave room for the migrations.
      activeDeadlineSeconds: 900,
      template,
    };
    this.migrationJob = new k8s.KubeJob(this, 'Migrate', {
      metadata: { name: hashedName(`${name}-migrate`, migrationSpec), labels: objectLabels(name, 'migration'), annotations: hookAnnotations(MIGRATION_WAVE) },
      spec: migrationSpec,
    });
    this.policy('MigratePolicy', `${name}-migrate`, 'migration', MIGRATION_WAVE, () => [this.plan.database.destination], () => []);

    const h = p.healthCheck;
    if (h) {
      this.healthCheckPodLabels = podSelector(name, 'health-check');
      const targetsText = Lazy.any({ produce: () => this.healthTargetsText() }) as string;
      this.healthCheckCronJob = new k8s.KubeCronJob(this, 'HealthCheck', {
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
  public _addEntry(entry: Construct, target?: HealthTarget): void {
    this.entryList.push(entry);
    if (target) this.targets.push(target);
  }

  /**
   * `<model name> <environment> <health URL>` per line, sorted; none of the three can hold a space. (Not
   * tabs: YAML emitters write a one-line value with tabs as a plain scalar, which libyaml-based readers refuse.)
   */
  private healthTargetsText(): string {
    return this.targets
      .map((t) => `${t.modelName} ${t.environment} ${t.healthUrl}`)
      .sort()
      .join('\n');
  }

  private policy(
    id: string, name: string, component: Component, wave: number, destinations: () => Destination[], internetPorts: () => number[],
  ): void {
    new k8s.KubeNetworkPolicy(this, id, {
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
