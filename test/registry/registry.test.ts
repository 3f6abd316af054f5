/** Synth tests of ModelRegistry and ModelRegistryEntry: objects, ordering, hashing, security, wiring. */
import { App, Chart, Testing } from 'cdk8s';
import { FakeModel } from './support';
import { ModelRegistry, ModelRegistryEntry, ModelRegistryEntryProps, ModelRegistryProps, VllmModel } from '../../src';
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

  test('registry: ServiceAccount, hashed ConfigMap, migration Job and policy, CronJob and policy; entry: Job and policy', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/registry-jobs',
      `ConfigMap/${b.registry.configMapName}`,
      `Job/${b.registry.migrationJob.name}`,
      'NetworkPolicy/registry-migrate',
      'CronJob/registry-health',
      'NetworkPolicy/registry-health',
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
    for (const w of [...of(objs, 'Job'), ...of(objs, 'CronJob')]) {
      const pod = podSpecOf(w);
      const c = pod.containers[0];
      expect(envOf(w).REGISTRY_DATABASE_URL).toEqual({ secretKeyRef: { name: 'registry-db', key: 'url' } });
      expect(JSON.stringify(w)).not.toMatch(/postgres(ql)?:\/\//);
      expect(c.image).toBe('docker.io/library/postgres:18.4-alpine3.23');
      expect(c.command).toEqual(['/bin/sh', expect.stringMatching(/^\/etc\/model-registry\/(migrate|register|health-check)\.sh$/)]);
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
    for (const j of of(objs, 'Job')) {
      expect(j.spec.backoffLimit).toBe(6);
      expect(j.spec.ttlSecondsAfterFinished).toBe(86400);
      expect(j.spec.activeDeadlineSeconds).toBeGreaterThan(0);
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
    for (const j of of(objs, 'Job').filter((o) => o.metadata.name.includes('-register-'))) {
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
    expect(b.filter((n) => !a.includes(n))).toEqual([expect.stringMatching(/^Job\/registry-migrate-/), expect.stringMatching(/^Job\/entry-0-register-/)]);
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
      expect.stringMatching(/^ConfigMap\/registry-sql-/), expect.stringMatching(/^Job\/registry-migrate-/), expect.stringMatching(/^Job\/entry-0-register-/),
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
