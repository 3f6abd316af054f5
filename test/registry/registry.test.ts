/** Synth tests of ModelRegistry and ModelRegistryEntry: objects, ordering, hashing, security, wiring. */
import { App, Chart, JsonPatch, Testing } from 'cdk8s';
import { FakeModel } from './support';
import { LlamaStack, ModelPlatform, ModelRegistry, ModelRegistryEntry, ModelRegistryEntryProps, ModelRegistryProps, VllmModel } from '../../src';
import { ValidationError } from '../../src/core/errors';
import * as scripts from '../../src/registry/scripts';
import { registryFiles } from '../../src/registry/scripts';
import { conformanceProblems, Manifest, podSpecOf } from '../support/manifests';

const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };
const registryProps: ModelRegistryProps = { database, healthCheck: { schedule: '*/2 * * * *' } };

interface Built {
  app: App;
  chart: Chart;
  registry: ModelRegistry;
  model: FakeModel;
}

function build(props: Partial<ModelRegistryProps> = {}, entries: Array<Partial<ModelRegistryEntryProps> | 'model'> = ['model']): Built {
  const app = Testing.app();
  const chart = new Chart(app, 'llm', { namespace: 'llm' });
  const model = new FakeModel(chart, 'llama');
  const registry = new ModelRegistry(chart, 'registry', { ...registryProps, ...props });
  entries.forEach((e, i) => {
    const p = e === 'model' ? { model } : e;
    new ModelRegistryEntry(chart, `entry-${i}`, { registry, ...p });
  });
  return { app, chart, registry, model };
}

const synth = (b: Built) => Testing.synth(b.chart) as Manifest[];
const of = (objs: Manifest[], kind: string) => objs.filter((o) => o.kind === kind);
const named = (objs: Manifest[], kind: string, prefix: string) => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0];
};
const envOf = (m: Manifest) => Object.fromEntries(podSpecOf(m).containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const external: Partial<ModelRegistryEntryProps> = {
  modelName: 'gpt-x', endpoint: 'https://api.example.com', environment: 'production', namespace: 'external', allowInternetEgress: true,
};

function errors(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  throw new Error('expected a ValidationError');
}

describe('objects', () => {
  const b = build({}, ['model', external]);
  const objs = synth(b);

  test('registry: ServiceAccount, hashed ConfigMap, migration Job and policy, CronJob and policy, reconcile policy and Job; entry: Job and policy', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/registry-jobs',
      `ConfigMap/${b.registry.configMapName}`,
      `Job/${b.registry.migrationJob.name}`,
      'NetworkPolicy/registry-migrate',
      'CronJob/registry-health',
      'NetworkPolicy/registry-health',
      'NetworkPolicy/registry-reconcile',
      expect.stringMatching(/^Job\/registry-reconcile-[0-9a-f]{8}$/),
      expect.stringMatching(/^Job\/entry-0-register-[0-9a-f]{8}$/),
      'NetworkPolicy/entry-0-register',
      expect.stringMatching(/^Job\/entry-1-register-[0-9a-f]{8}$/),
      'NetworkPolicy/entry-1-register',
    ]);
    expect(objs.every((o) => o.metadata.namespace === 'llm')).toBe(true);
  });

  test('every object is schema-valid (no unknown fields), every pod restricted, every workload under a NetworkPolicy', () => {
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the ConfigMap is immutable, named by its content, and carries migrations, runners and scripts but no secret', () => {
    const cm = of(objs, 'ConfigMap')[0];
    expect(cm.immutable).toBe(true);
    expect(cm.metadata.name).toMatch(/^registry-sql-[0-9a-f]{8}$/);
    expect(cm.data).toEqual(registryFiles());
    expect(Object.keys(cm.data)).toEqual(expect.arrayContaining([
      '0001_create_model_registry_entries.up.sql', '0002_add_deployment_metadata.down.sql', 'migrate.sql', 'migrate.sh', 'rollback.sql',
      'register.sh', 'register.sql', 'health-check.sh', 'health-check.sql', 'lookup.sql', 'disable.sql', 'enable.sql',
    ]));
    expect(JSON.stringify(cm)).not.toMatch(/registry-db/);
  });

  test('Jobs get the connection string only from the Secret, and run the scripts as non-root with a read-only root', () => {
    const workloads = [...of(objs, 'Job'), ...of(objs, 'CronJob')];
    expect(workloads).toHaveLength(5); // migration, reconcile and two registration Jobs; the health-check CronJob
    for (const w of workloads) {
      const pod = podSpecOf(w);
      const c = pod.containers[0];
      expect(envOf(w).REGISTRY_DATABASE_URL).toEqual({ secretKeyRef: { name: 'registry-db', key: 'url' } });
      expect(JSON.stringify(w)).not.toMatch(/postgres(ql)?:\/\//);
      expect(c.image).toBe('docker.io/library/postgres:18.4-alpine3.23');
      expect(c.command).toEqual(['/bin/sh', expect.stringMatching(/^\/etc\/model-registry\/(migrate|register|health-check|reconcile)\.sh$/)]);
      expect(c.args).toBeUndefined();
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 70, runAsGroup: 70 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.serviceAccountName).toBe('registry-jobs');
      expect(pod.restartPolicy).toBe('Never');
      expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
      expect(pod.volumes).toContainEqual({ name: 'scripts', configMap: { name: b.registry.configMapName, defaultMode: 0o444 } });
    }
  });

  test('Jobs have a backoff limit, a deadline and a TTL', () => {
    expect(of(objs, 'Job')).toHaveLength(4);
    for (const j of of(objs, 'Job')) {
      expect(j.spec.backoffLimit).toBe(6);
      expect(j.spec.ttlSecondsAfterFinished).toBe(86400);
      expect(j.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    }
  });

  test('every Job, the health check\'s included, retries an evicted pod without counting it, and reports failures through its log', () => {
    // A drain or preemption sets the pod condition DisruptionTarget (k8s.io/api batch/v1 PodFailurePolicy):
    // with backoffLimit 0 (the health check) or after a few drains, the Job would fail without this rule.
    const specs = [...of(objs, 'Job').map((j) => j.spec), ...of(objs, 'CronJob').map((c) => c.spec.jobTemplate.spec)];
    expect(specs).toHaveLength(5);
    for (const spec of specs) {
      expect(spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
      expect(spec.template.spec.restartPolicy).toBe('Never');
      expect(spec.template.spec.containers.map((c: any) => c.terminationMessagePolicy)).toEqual(['FallbackToLogsOnError']);
    }
  });

  test('ordering: migration (wave -10) before models (wave 0) before registrations and health checks (wave 10); Jobs are Sync hooks', () => {
    const wave = (o: Manifest) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    const migration = named(objs, 'Job', 'registry-migrate');
    expect(wave(migration)).toBe(ModelRegistry.MIGRATION_SYNC_WAVE);
    expect(ModelRegistry.MIGRATION_SYNC_WAVE).toBeLessThan(0);
    expect(wave(named(objs, 'ConfigMap', 'registry-sql'))).toBe(-10);
    expect(wave(named(objs, 'NetworkPolicy', 'registry-migrate'))).toBe(-10);
    expect(wave(named(objs, 'ServiceAccount', 'registry-jobs'))).toBe(-10);
    const registrations = of(objs, 'Job').filter((o) => o.metadata.name.includes('-register-'));
    expect(registrations).toHaveLength(2);
    for (const j of registrations) {
      expect(wave(j)).toBe(ModelRegistry.REGISTRATION_SYNC_WAVE);
      expect(j.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
      expect(j.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    }
    expect(ModelRegistry.REGISTRATION_SYNC_WAVE).toBeGreaterThan(0);
    expect(wave(of(objs, 'CronJob')[0])).toBe(10);
    expect(migration.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
  });

  test('the registration Job carries the entry as environment variables', () => {
    const job = named(objs, 'Job', 'entry-0-register');
    expect(envOf(job)).toMatchObject({
      REGISTRY_MODEL_NAME: 'llama-8b',
      REGISTRY_ENVIRONMENT: 'production',
      REGISTRY_BACKEND: 'vllm',
      REGISTRY_MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct',
      REGISTRY_ENDPOINT: 'http://llama-8b-production.models.svc.cluster.local:8000',
      REGISTRY_NAMESPACE: 'models',
      REGISTRY_STATUS: 'ready',
      REGISTRY_HEALTH_URL: 'http://llama-8b-production.models.svc.cluster.local:8000/health',
      REGISTRY_WAIT_SECONDS: '1800',
      REGISTRY_METADATA: '{"health_path":"/health","managed_by":"cdk8s-llama-stack","registry":"registry"}',
    });
    expect(job.spec.activeDeadlineSeconds).toBe(1800 + 600);
  });

  test('the CronJob checks every entry of the registry, one tab-separated line each, sorted', () => {
    const cron = of(objs, 'CronJob')[0];
    expect(cron.spec).toMatchObject({ schedule: '*/2 * * * *', concurrencyPolicy: 'Forbid', suspend: false });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    expect(envOf(cron).REGISTRY_HEALTH_TARGETS).toBe([
      'gpt-x production https://api.example.com/health',
      'llama-8b production http://llama-8b-production.models.svc.cluster.local:8000/health',
    ].join('\n'));
    expect(envOf(cron).REGISTRY_PROBE_TIMEOUT_SECONDS).toBe('5');
  });

  test('NetworkPolicies: DNS and the database for all; the model for its Job and the health checks; nothing in', () => {
    const policy = (prefix: string) => named(objs, 'NetworkPolicy', prefix);
    const dbRule = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] };
    const modelRule = {
      to: [{
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'llama-8b' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } },
      }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    };
    expect(of(objs, 'NetworkPolicy')).toHaveLength(5);
    for (const p of of(objs, 'NetworkPolicy')) {
      expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(p.spec.ingress).toBeUndefined();
      expect(p.spec.egress[0].ports.map((x: any) => x.port)).toEqual([53, 53]);
      expect(p.spec.egress).toContainEqual(dbRule);
    }
    expect(policy('registry-migrate').spec.egress).toHaveLength(2);
    expect(policy('entry-0-register').spec.egress).toEqual([expect.anything(), dbRule, modelRule]);
    expect(policy('entry-0-register').spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'model-registry',
      'app.kubernetes.io/instance': 'registry',
      'app.kubernetes.io/component': 'registration',
      'registry.llamastack.io/entry': 'entry-0',
    });
    // The external endpoint: the public internet on its port, for its Job and the health checks only.
    const internet = (p: Manifest) => p.spec.egress.find((r: any) => r.to.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0'));
    expect(internet(policy('entry-1-register')).ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(internet(policy('registry-health')).ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(internet(policy('entry-0-register'))).toBeUndefined();
    expect(internet(policy('registry-migrate'))).toBeUndefined();
    expect(policy('registry-health').spec.egress).toContainEqual(modelRule);
  });

  test('the model admits the registration Job and the health-check pods, from the registry\'s namespace', () => {
    expect(b.model.allowed).toEqual([
      {
        labels: {
          'app.kubernetes.io/name': 'model-registry',
          'app.kubernetes.io/instance': 'registry',
          'app.kubernetes.io/component': 'registration',
          'registry.llamastack.io/entry': 'entry-0',
        },
        namespace: 'llm',
      },
      {
        labels: { 'app.kubernetes.io/name': 'model-registry', 'app.kubernetes.io/instance': 'registry', 'app.kubernetes.io/component': 'health-check' },
        namespace: 'llm',
      },
    ]);
    // The labels given to allowFrom are carried by the pods.
    const podLabels = named(objs, 'Job', 'entry-0-register').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(b.model.allowed[0].labels)) expect(podLabels[k]).toBe(v);
    const cronLabels = of(objs, 'CronJob')[0].spec.jobTemplate.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(b.model.allowed[1].labels)) expect(cronLabels[k]).toBe(v);
  });
});

describe('hashing and determinism', () => {
  const names = (objs: Manifest[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);

  test('synthesizing twice gives byte-identical output', () => {
    expect(JSON.stringify(synth(build({}, ['model', external])))).toBe(JSON.stringify(synth(build({}, ['model', external]))));
  });

  test('a changed entry re-registers that entry only', () => {
    const a = names(synth(build({}, ['model', external])));
    const b = names(synth(build({}, ['model', { ...external, status: 'disabled' }])));
    const diff = b.filter((n) => !a.includes(n));
    expect(diff).toEqual([expect.stringMatching(/^Job\/entry-1-register-/)]);
  });

  test('a changed image re-runs the migration and every registration, with the same SQL ConfigMap', () => {
    const a = names(synth(build({}, ['model'])));
    const b = names(synth(build({ image: 'registry.example.com/postgres:18.4-alpine3.23' }, ['model'])));
    expect(b.filter((n) => !a.includes(n))).toEqual([
      expect.stringMatching(/^Job\/registry-migrate-/), expect.stringMatching(/^Job\/registry-reconcile-/), expect.stringMatching(/^Job\/entry-0-register-/),
    ]);
  });

  test('changed SQL is a new ConfigMap, hence a new migration Job and new registration Jobs', () => {
    const a = names(synth(build({}, ['model'])));
    const real = scripts.registryFiles;
    const spy = jest.spyOn(scripts, 'registryFiles').mockImplementation(() => ({ ...real(), 'migrate.sql': `${real()['migrate.sql']}-- changed\n` }));
    let b: string[];
    try {
      b = names(synth(build({}, ['model'])));
    } finally {
      spy.mockRestore();
    }
    expect(b.filter((n) => !a.includes(n))).toEqual([
      expect.stringMatching(/^ConfigMap\/registry-sql-/), expect.stringMatching(/^Job\/registry-migrate-/),
      expect.stringMatching(/^Job\/registry-reconcile-/), expect.stringMatching(/^Job\/entry-0-register-/),
    ]);
  });
});

describe('entries', () => {
  test('a disabled entry registers without waiting and needs no egress to the model', () => {
    const b = build({}, [{ model: undefined, modelName: 'old', endpoint: 'http://old.models.svc:8000', environment: 'staging', status: 'disabled' }]);
    const objs = synth(b);
    const job = named(objs, 'Job', 'entry-0-register');
    expect(envOf(job)).toMatchObject({ REGISTRY_STATUS: 'disabled', REGISTRY_HEALTH_URL: '', REGISTRY_NAMESPACE: 'models' });
    expect(job.spec.activeDeadlineSeconds).toBe(600);
    expect(named(objs, 'NetworkPolicy', 'entry-0-register').spec.egress).toHaveLength(2);
    // Still health-checked (a check never changes a disabled row, but watches it once an operator enables it).
    expect(envOf(of(objs, 'CronJob')[0]).REGISTRY_HEALTH_TARGETS).toBe('old staging http://old.models.svc:8000/health');
    // With a model: only the health-check pods are admitted, not the registration Job, which does not call it.
    const withModel = build({}, []);
    new ModelRegistryEntry(withModel.chart, 'off', { registry: withModel.registry, model: withModel.model, status: 'disabled' });
    expect(withModel.model.allowed.map((a) => a.labels['app.kubernetes.io/component'])).toEqual(['health-check']);
  });

  test('healthCheck: false: no waiting, no health checks, no egress to the endpoint', () => {
    const b = build({}, [{ ...external, allowInternetEgress: undefined, healthCheck: false }]);
    const objs = synth(b);
    expect(envOf(named(objs, 'Job', 'entry-0-register')).REGISTRY_HEALTH_URL).toBe('');
    expect(envOf(of(objs, 'CronJob')[0]).REGISTRY_HEALTH_TARGETS).toBe('');
    expect(named(objs, 'NetworkPolicy', 'registry-health').spec.egress).toHaveLength(2);
  });

  test('a model that scales to zero: registered ready without waiting, not health checked, not called; healthCheck: true is refused', () => {
    const chart = new Chart(Testing.app(), 'llm', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', registryProps);
    const prometheusAddress = 'http://prometheus-operated.monitoring.svc:9090';
    const sleepy = new VllmModel(chart, 'sleepy', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      environment: 'production',
      autoscaling: { minReplicas: 0, maxReplicas: 2, prometheusAddress, activationQuery: 'sum(rate(gateway_requests_total[2m]))', activationThreshold: 0 },
    });
    expect(sleepy.scalesToZero).toBe(true);
    const entry = new ModelRegistryEntry(chart, 'sleepy-entry', { registry, model: sleepy });
    expect([entry.status, entry.healthUrl, entry.waitTimeoutSeconds]).toEqual(['ready', undefined, undefined]);
    const objs = Testing.synth(chart) as Manifest[];
    expect(envOf(named(objs, 'Job', 'sleepy-entry-register'))).toMatchObject({ REGISTRY_STATUS: 'ready', REGISTRY_HEALTH_URL: '' });
    expect(envOf(of(objs, 'CronJob')[0]).REGISTRY_HEALTH_TARGETS).toBe('');
    // Nothing of the registry calls the model, so its policy admits only Prometheus.
    expect(objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'sleepy-production')!.spec.ingress[0].from).toHaveLength(1);
    expect(errors(() => new ModelRegistryEntry(chart, 'checked', { registry, model: sleepy, healthCheck: true, name: 'checked' }))).toEqual([
      'healthCheck: the model scales to zero (autoscaling.minReplicas 0): at zero it answers no health check, which would mark it degraded and make the router refuse the requests that wake it '
      + "(remove healthCheck (it is off for a model that scales to zero), or set the model's autoscaling.minReplicas to 1)",
    ]);
  });

  test('without health checks on the registry: no CronJob, and the model admits the registration Job only', () => {
    const b = build({ healthCheck: undefined });
    const objs = synth(b);
    expect(of(objs, 'CronJob')).toEqual([]);
    expect(b.model.allowed).toHaveLength(1);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('an in-cluster endpoint given by URL gets a namespace egress rule on its port, and its namespace is recorded', () => {
    const b = build({}, [{ modelName: 'm', endpoint: 'http://m.team-a.svc.cluster.local:9000/', environment: 'staging' }]);
    const objs = synth(b);
    expect(envOf(named(objs, 'Job', 'entry-0-register'))).toMatchObject({
      REGISTRY_ENDPOINT: 'http://m.team-a.svc.cluster.local:9000', REGISTRY_NAMESPACE: 'team-a', REGISTRY_BACKEND: 'openai-compatible', REGISTRY_MODEL_ID: 'm',
    });
    expect(named(objs, 'NetworkPolicy', 'entry-0-register').spec.egress[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } }], ports: [{ protocol: 'TCP', port: 9000 }],
    });
  });

  test('custom environments, metadata, backend, model ID, health path and wait time', () => {
    const b = build({ environments: ['canary', 'production'] }, [{
      modelName: 'm',
      endpoint: 'http://10.0.0.7:8080',
      environment: 'canary',
      backend: 'tgi',
      modelId: 'org/m',
      healthPath: '/ready',
      waitTimeoutSeconds: 60,
      metadata: { team: 'search' },
    }]);
    const job = named(synth(b), 'Job', 'entry-0-register');
    expect(envOf(job)).toMatchObject({
      REGISTRY_ENVIRONMENT: 'canary',
      REGISTRY_BACKEND: 'tgi',
      REGISTRY_MODEL_ID: 'org/m',
      REGISTRY_HEALTH_URL: 'http://10.0.0.7:8080/ready',
      REGISTRY_WAIT_SECONDS: '60',
      REGISTRY_NAMESPACE: '',
      REGISTRY_METADATA: '{"health_path":"/ready","managed_by":"cdk8s-llama-stack","registry":"registry","team":"search"}',
    });
  });

  test('database given as pods or CIDR', () => {
    const pods = synth(build({ database: { connectionString: database.connectionString, podSelectorLabels: { app: 'pg' }, namespace: 'db' } }));
    expect(named(pods, 'NetworkPolicy', 'registry-migrate').spec.egress[1]).toEqual({
      to: [{ podSelector: { matchLabels: { app: 'pg' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    const cidr = synth(build({ database: { connectionString: database.connectionString, cidr: '10.20.0.0/16', port: 6432 } }));
    expect(named(cidr, 'NetworkPolicy', 'registry-migrate').spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 6432 }] });
  });

  test('job settings: retries, TTL, resources, pull secrets, schedule and time zone', () => {
    const objs = synth(build({
      jobs: { backoffLimit: 2, ttlSecondsAfterFinished: 600, resources: { limits: { memory: '256Mi' } }, imagePullSecrets: ['pull'] },
      healthCheck: { schedule: '@hourly', timeZone: 'Europe/Berlin', timeoutSeconds: 3, suspend: true },
    }));
    const job = named(objs, 'Job', 'registry-migrate');
    expect(job.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 600 });
    expect(podSpecOf(job).containers[0].resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(podSpecOf(job).imagePullSecrets).toEqual([{ name: 'pull' }]);
    const cron = of(objs, 'CronJob')[0];
    expect(cron.spec).toMatchObject({ schedule: '@hourly', timeZone: 'Europe/Berlin', suspend: true });
    expect(envOf(cron).REGISTRY_PROBE_TIMEOUT_SECONDS).toBe('3');
  });
});

test('a model that cannot be read is "not a model server", not an exception (found by test/fuzz)', () => {
  const { chart, registry } = build({}, []);
  const unreadable = new Proxy({}, { get: () => { throw new Error('no reads'); } });
  expect(errors(() => new ModelRegistryEntry(chart, 'e', { registry, model: unreadable as any }))).toEqual([
    'model: model is not a model server (pass a VllmModel or another IModelServer)',
  ]);
  const chart2 = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  expect(errors(() => new LlamaStack(chart2, 's', { distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', server: unreadable as any }] } }))).toEqual([
    'providers.inference[0].server: expected a model server (pass a VllmModel or another IModelServer (or build the provider with InferenceProvider.fromModelServer))',
  ]);
});

describe('duplicates across the app', () => {
  test('the same model and environment twice in one registry is an error naming the first entry', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'llm', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', registryProps);
    const model = new FakeModel(chart, 'llama');
    new ModelRegistryEntry(chart, 'first', { registry, model });
    expect(errors(() => new ModelRegistryEntry(chart, 'second', { registry, modelName: 'llama-8b', endpoint: 'http://x.y.svc:8000', environment: 'production' })))
      .toEqual([
        'modelName: model \'llama-8b\' in environment \'production\' is already registered by llm/first '
        + '(a model name can be registered once per environment and database: remove one of the entries or change its environment)',
      ]);
  });

  test('also across charts, when two registries use the same database Secret in one namespace', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'llm' });
    const b = new Chart(app, 'b', { namespace: 'llm' });
    const ra = new ModelRegistry(a, 'ra', registryProps);
    const rb = new ModelRegistry(b, 'rb', registryProps);
    new ModelRegistryEntry(a, 'x', { registry: ra, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'staging' });
    expect(errors(() => new ModelRegistryEntry(b, 'y', { registry: rb, modelName: 'm', endpoint: 'http://m2.models.svc:8000', environment: 'staging' })).join('\n'))
      .toMatch(/already registered by a\/x/);
    // Another environment, or another database, is fine.
    new ModelRegistryEntry(b, 'z', { registry: rb, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'production' });
    const rc = new ModelRegistry(b, 'rc', { ...registryProps, database: { ...database, connectionString: { name: 'other-db', key: 'url' } } });
    new ModelRegistryEntry(b, 'w', { registry: rc, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'staging' });
  });

  test('two entries with one name in a namespace would share object names', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'llm' });
    const b = new Chart(app, 'b', { namespace: 'llm' });
    const registry = new ModelRegistry(a, 'registry', registryProps);
    new ModelRegistryEntry(a, 'entry', { registry, modelName: 'm1', endpoint: 'http://m.models.svc:8000', environment: 'staging' });
    expect(errors(() => new ModelRegistryEntry(b, 'entry', { registry, modelName: 'm2', endpoint: 'http://m.models.svc:8000', environment: 'staging' })))
      .toEqual(['name: the name \'entry\' is already used by a/entry (give one of the entries another name (or id))']);
  });

  test('an entry in another namespace than its registry is an error', () => {
    const app = Testing.app();
    const registry = new ModelRegistry(new Chart(app, 'a', { namespace: 'llm' }), 'registry', registryProps);
    expect(errors(() => new ModelRegistryEntry(new Chart(app, 'b', { namespace: 'other' }), 'e', {
      registry, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'staging',
    }))[0]).toMatch(/^registry: the entry is in namespace 'other' but its registry is in 'llm'/);
  });
});

test('with a VllmModel: waves order migration < model < registration, and the model\'s policy admits the Jobs', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'llm', { namespace: 'llm' });
  const registry = new ModelRegistry(chart, 'registry', registryProps);
  const llama = new VllmModel(chart, 'llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production' });
  const entry = new ModelRegistryEntry(chart, 'llama-8b-entry', { registry, model: llama });
  const objs = Testing.synth(chart) as Manifest[];
  expect(conformanceProblems(objs)).toEqual([]);
  const wave = (o: Manifest) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const deployment = objs.find((o) => o.kind === 'Deployment')!;
  expect(wave(named(objs, 'Job', 'registry-migrate'))).toBeLessThan(wave(deployment));
  expect(wave(deployment)).toBeLessThan(wave(named(objs, 'Job', 'llama-8b-entry-register')));
  expect(entry.endpoint).toBe(llama.url);
  const modelPolicy = objs.filter((o) => o.kind === 'NetworkPolicy')
    .find((p) => Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v))!;
  const peers = modelPolicy.spec.ingress.flatMap((r: any) => r.from);
  expect(peers).toContainEqual({ podSelector: { matchLabels: entry.podLabels } });
  expect(peers).toContainEqual({ podSelector: { matchLabels: registry.healthCheckPodLabels } });
});

describe('registration deadline follows the model\'s startup budget', () => {
  const jobOf = (objs: Manifest[], entry: string) => named(objs, 'Job', `${entry}-register`);

  test('a 70B (2400 s) and a 405B (7200 s) model: wait = budget + 900, Job deadline = wait + 600', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'llm', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', registryProps);
    for (const [name, budget] of [['m70b', 2400], ['m405b', 7200]] as const) {
      const model = new FakeModel(chart, name, { name, startupBudgetSeconds: budget });
      new ModelRegistryEntry(chart, `${name}-entry`, { registry, model });
    }
    const objs = Testing.synth(chart) as Manifest[];
    expect(envOf(jobOf(objs, 'm70b-entry')).REGISTRY_WAIT_SECONDS).toBe('3300');
    expect(jobOf(objs, 'm70b-entry').spec.activeDeadlineSeconds).toBe(3900);
    expect(envOf(jobOf(objs, 'm405b-entry')).REGISTRY_WAIT_SECONDS).toBe('8100');
    expect(jobOf(objs, 'm405b-entry').spec.activeDeadlineSeconds).toBe(8700);
    // Before: every model waited 1800 s with a 2400 s deadline, less than a 70B model's budget alone.
  });

  test('with a VllmModel under kubectl apply (Job and Deployment created at once), registration outlasts the rollout Kubernetes allows', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'llm', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', registryProps);
    const llama = new VllmModel(chart, 'llama-70b', { model: 'meta-llama/Llama-3.3-70B-Instruct', environment: 'production', tensorParallelSize: 4 });
    const entry = new ModelRegistryEntry(chart, 'llama-70b-entry', { registry, model: llama });
    const objs = Testing.synth(chart) as Manifest[];
    const deployment = objs.find((o) => o.kind === 'Deployment')!;
    const job = jobOf(objs, 'llama-70b-entry');
    const budget = llama.startupBudgetSeconds!;
    expect(budget).toBeGreaterThan(0);
    const wait = Number(envOf(job).REGISTRY_WAIT_SECONDS);
    expect(wait).toBe(budget + ModelRegistryEntry.WAIT_MARGIN_SECONDS);
    expect(entry.waitTimeoutSeconds).toBe(wait);
    // The startup probe gives the container `budget` seconds; the Deployment reports the rollout failed only
    // after progressDeadlineSeconds (scheduling and image pull included). register.sh waits that long from
    // its pod's start, which is not before the Deployment's, and the Job's deadline comes later still.
    const probe = deployment.spec.template.spec.containers[0].startupProbe;
    expect(probe.periodSeconds * probe.failureThreshold).toBeLessThanOrEqual(wait);
    expect(deployment.spec.progressDeadlineSeconds).toBeLessThanOrEqual(wait);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(wait);
    expect(job.spec.activeDeadlineSeconds - wait).toBe(ModelRegistryEntry.DEADLINE_MARGIN_SECONDS);
  });

  test('an explicit waitTimeoutSeconds wins when it covers the budget; a model without a budget waits the default', () => {
    const b = build({}, []);
    const model = new FakeModel(b.chart, 'slow', { name: 'slow', startupBudgetSeconds: 2400 });
    new ModelRegistryEntry(b.chart, 'slow-entry', { registry: b.registry, model, waitTimeoutSeconds: 2500 });
    new ModelRegistryEntry(b.chart, 'plain', { registry: b.registry, model: b.model });
    const objs = synth(b);
    expect(envOf(jobOf(objs, 'slow-entry')).REGISTRY_WAIT_SECONDS).toBe('2500');
    expect(jobOf(objs, 'slow-entry').spec.activeDeadlineSeconds).toBe(3100);
    expect(envOf(jobOf(objs, 'plain')).REGISTRY_WAIT_SECONDS).toBe(String(ModelRegistryEntry.DEFAULT_WAIT_SECONDS));
  });

  test('a waitTimeoutSeconds shorter than the budget, and a broken budget, are errors that say why and what to do', () => {
    const b = build({}, []);
    const model = new FakeModel(b.chart, 'slow', { name: 'slow', startupBudgetSeconds: 2400 });
    expect(errors(() => new ModelRegistryEntry(b.chart, 'slow-entry', { registry: b.registry, model, waitTimeoutSeconds: 1800 }))).toEqual([
      'waitTimeoutSeconds: 1800 s is shorter than the model\'s startup budget (2400 s): registration would give up before the model may be ready '
      + '(leave waitTimeoutSeconds out to wait 3300 s (the budget plus 900 s for scheduling, image pull and rollout), or give at least 2400)',
    ]);
    const broken = new FakeModel(b.chart, 'broken', { name: 'broken', startupBudgetSeconds: -5 });
    expect(errors(() => new ModelRegistryEntry(b.chart, 'broken-entry', { registry: b.registry, model: broken }))).toEqual([
      'model (startupBudgetSeconds): the model\'s startup budget -5 is not a whole number of seconds from 1 to 86400 '
      + '(fix startupBudgetSeconds of the model server (or leave it out: registration then waits 1800 s unless waitTimeoutSeconds says otherwise))',
    ]);
  });

  test('a disabled entry does not wait: its deadline stays at 600 s', () => {
    const b = build({}, []);
    const model = new FakeModel(b.chart, 'slow', { name: 'slow', startupBudgetSeconds: 7200 });
    const entry = new ModelRegistryEntry(b.chart, 'slow-entry', { registry: b.registry, model, status: 'disabled' });
    expect(jobOf(synth(b), 'slow-entry').spec.activeDeadlineSeconds).toBe(600);
    expect(entry.waitTimeoutSeconds).toBeUndefined();
  });
});

describe('the reconcile Job', () => {
  const reconcileJob = (objs: Manifest[]) => named(objs, 'Job', 'registry-reconcile-');

  test('after registration (wave 20, Sync hook), restricted, with a NetworkPolicy to DNS and the database only', () => {
    const b = build({}, ['model', external]);
    const objs = synth(b);
    const job = reconcileJob(objs);
    expect(job.metadata.name).toMatch(/^registry-reconcile-[0-9a-f]{8}$/);
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '20', 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
    expect(ModelRegistry.RECONCILE_SYNC_WAVE).toBeGreaterThan(ModelRegistry.REGISTRATION_SYNC_WAVE);
    expect(podSpecOf(job).containers[0].command).toEqual(['/bin/sh', '/etc/model-registry/reconcile.sh']);
    expect(envOf(job)).toMatchObject({
      REGISTRY_NAME: 'registry',
      REGISTRY_RECONCILE_ENVIRONMENTS: '["production"]',
      REGISTRY_DECLARED: '[{"model_name":"gpt-x","environment":"production"},{"model_name":"llama-8b","environment":"production"}]',
      REGISTRY_RECONCILE_ACTION: 'disable',
    });
    expect(job.spec).toMatchObject({ backoffLimit: 6, ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 600 });
    const policy = named(objs, 'NetworkPolicy', 'registry-reconcile');
    expect(policy.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '20' });
    expect(policy.spec.podSelector.matchLabels).toEqual(b.registry.reconcilePodLabels);
    expect(Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => job.spec.template.metadata.labels[k] === v)).toBe(true);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual([
      expect.objectContaining({ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }),
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('its name hashes the declared set: an added or removed entry renames it, any other change of an entry does not, creation order does not', () => {
    const name = (entries: Array<Partial<ModelRegistryEntryProps> | 'model'>) => reconcileJob(synth(build({}, entries))).metadata.name;
    const base = name(['model', external]);
    expect(name([external, 'model'])).toBe(base);
    expect(name(['model'])).not.toBe(base);
    expect(name(['model', external, { ...external, modelName: 'gpt-y' }])).not.toBe(base);
    expect(name(['model', { ...external, endpoint: 'https://api2.example.com', metadata: { team: 'a' } }])).toBe(base);
    expect(name(['model', { ...external, status: 'disabled' }])).toBe(base);
  });

  test('entries made after the registry, in another chart of the namespace, count; the escape hatch is the emitted Job', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'llm' });
    const b = new Chart(app, 'b', { namespace: 'llm' });
    const registry = new ModelRegistry(a, 'registry', registryProps);
    new ModelRegistryEntry(b, 'late', { registry, modelName: 'late', endpoint: 'http://late.models.svc:8000', environment: 'staging' });
    registry.reconcileJob!.addJsonPatch(JsonPatch.add('/metadata/labels/patched', 'yes'));
    const job = reconcileJob(Testing.synth(a) as Manifest[]);
    expect(envOf(job).REGISTRY_DECLARED).toBe('[{"model_name":"late","environment":"staging"}]');
    expect(job.metadata.labels.patched).toBe('yes');
    expect(registry.declaredEntries).toEqual([{ modelName: 'late', environment: 'staging' }]);
    expect(registry.reconciledEnvironments).toEqual(['staging']);
  });

  test('deleteUndeclared, extra environments, and off', () => {
    const del = reconcileJob(synth(build({ reconcile: { deleteUndeclared: true, environments: ['staging', 'development'] } })));
    expect(envOf(del)).toMatchObject({ REGISTRY_RECONCILE_ACTION: 'delete', REGISTRY_RECONCILE_ENVIRONMENTS: '["development","production","staging"]' });
    const off = build({ reconcile: { enabled: false } });
    const objs = synth(off);
    expect(objs.filter((o) => o.metadata.name.includes('reconcile'))).toEqual([]);
    expect(off.registry.reconcileJob).toBeUndefined();
    expect(off.registry.reconciledEnvironments).toEqual([]);
  });

  test('reconcile props are checked', () => {
    const chart = new Chart(Testing.app(), 'llm', { namespace: 'llm' });
    expect(errors(() => new ModelRegistry(chart, 'r1', { ...registryProps, reconcile: { environments: ['prod', 'staging', 'staging'] } }))).toEqual([
      'reconcile.environments[0]: \'prod\' is not one of the registry\'s environments (development, staging, production) '
      + '(name an environment the registry\'s entries may use, or add it to environments)',
      'reconcile.environments[2]: \'staging\' is listed twice (remove the duplicate)',
    ]);
    expect(errors(() => new ModelRegistry(chart, 'r2', { ...registryProps, reconcile: { enabled: false, deleteUndeclared: true } }))).toEqual([
      'reconcile.deleteUndeclared: deleteUndeclared has no effect with enabled: false (remove deleteUndeclared, or turn the reconcile Job on)',
    ]);
    expect(errors(() => new ModelRegistry(chart, 'r3', { ...registryProps, reconcile: { deleteUndeclared: 'yes' as any } }))).toEqual([
      'reconcile.deleteUndeclared: expected a boolean, got \'yes\'',
    ]);
  });

  test('two registries of one name with rows in one environment: the reconcile Job of each could disable the other\'s rows (synth error)', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'team-a' });
    const b = new Chart(app, 'b', { namespace: 'team-b' });
    const ra = new ModelRegistry(a, 'registry', registryProps);
    const rb = new ModelRegistry(b, 'registry', registryProps);
    new ModelRegistryEntry(a, 'x', { registry: ra, modelName: 'x', endpoint: 'http://x.models.svc:8000', environment: 'production' });
    new ModelRegistryEntry(b, 'y', { registry: rb, modelName: 'y', endpoint: 'http://y.models.svc:8000', environment: 'production' });
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('a/registry name: the registry b/registry has the same name \'registry\' and rows in \'production\', '
      + 'which this registry\'s reconcile Job would disable if both write to one database (rows record the registry\'s name only) '
      + '(give one of the registries another name (the name prop), or turn its reconcile Job off (reconcile: { enabled: false }))');
    expect(message).toContain('b/registry name: the registry a/registry has the same name');
  });

  test('one registry per environment with one name (as ModelPlatform builds them) is fine', () => {
    const app = Testing.app();
    for (const env of ['staging', 'production']) {
      const chart = new Chart(app, env, { namespace: `llm-${env}` });
      const registry = new ModelRegistry(chart, 'registry', registryProps);
      new ModelRegistryEntry(chart, 'm', { registry, modelName: 'm', endpoint: `http://m.llm-${env}.svc:8000`, environment: env });
    }
    expect(() => app.synth()).not.toThrow();
  });
});

describe('healthCheckApiKey', () => {
  test('checked: a Secret reference, health checks on, no unencrypted key to the internet', () => {
    const b = build({}, []);
    const e = (id: string, p: Partial<ModelRegistryEntryProps>) => errors(
      () => new ModelRegistryEntry(b.chart, id, { registry: b.registry, ...external, ...p } as any),
    );
    expect(e('a', { healthCheckApiKey: { name: 'Bad_Name', key: 'k' } })).toEqual([
      'healthCheckApiKey.name: \'Bad_Name\' is not a valid Secret name (use a DNS-1123 subdomain (lower-case letters, digits, \'-\' and \'.\'))',
    ]);
    expect(e('b', { healthCheckApiKey: { name: 'openai', key: 'k' }, healthCheck: false })).toEqual([
      'healthCheckApiKey: an API key for health checks has no effect with healthCheck: false (remove healthCheckApiKey, or turn health checks on)',
    ]);
    expect(e('c', { healthCheckApiKey: { name: 'openai', key: 'k' }, endpoint: 'http://api.example.com' })).toEqual([
      'healthCheckApiKey: the API key would be sent unencrypted to \'api.example.com\', outside the cluster (use the endpoint\'s https URL)',
    ]);
    expect(e('d', { healthCheckApiKey: 'openai' as any })).toEqual(['healthCheckApiKey: expected an object, got \'openai\'']);
    // In the cluster, plain http is fine.
    new ModelRegistryEntry(b.chart, 'ok', {
      registry: b.registry, modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'staging', healthCheckApiKey: { name: 'k', key: 'k' },
    });
  });

  test('a disabled entry\'s Job does not get the key (it does not call the model); the health checks do', () => {
    const objs = synth(build({}, [{ ...external, status: 'disabled', healthCheckApiKey: { name: 'openai', key: 'key' } }]));
    expect(JSON.stringify(named(objs, 'Job', 'entry-0-register'))).not.toContain('REGISTRY_HEALTH_AUTH');
    expect(JSON.stringify(of(objs, 'CronJob')[0])).toContain('"secretKeyRef":{"key":"key","name":"openai"}');
    expect(conformanceProblems(objs)).toEqual([]);
  });
});

test('in a ModelPlatform, each environment\'s registry reconciles its own environment, and its pods carry the environment label', () => {
  const app = Testing.app();
  const platform = new ModelPlatform(app, 'llm', {
    environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-production' } },
    registry: { database },
  });
  platform.addModel('qwen-small', { model: 'Qwen/Qwen2.5-0.5B-Instruct' });
  for (const env of ['staging', 'production']) {
    const objs = Testing.synth(platform.charts[env]) as Manifest[];
    const job = named(objs, 'Job', 'registry-reconcile-');
    expect(envOf(job)).toMatchObject({
      REGISTRY_RECONCILE_ENVIRONMENTS: JSON.stringify([env]),
      REGISTRY_DECLARED: JSON.stringify([{ model_name: 'Qwen/Qwen2.5-0.5B-Instruct', environment: env }]),
    });
    expect(job.spec.template.metadata.labels.environment).toBe(env);
  }
  expect(() => app.synth()).not.toThrow();
});
