import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, JsonPatch, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { platform } from '../../examples/platform/app';
import { LoraSource, ModelPlatform, ModelPlatformProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { sha256 } from '../../src/core/yaml';
import { quotaProblems } from '../../src/platform/environment';
import { adapterEntryName } from '../../src/platform/model-platform';
import { conformanceProblems, Manifest } from '../support/manifests';

const WAVE = 'argocd.argoproj.io/sync-wave';

function build(): { app: App; p: ModelPlatform; objs: Record<string, Manifest[]> } {
  const app = Testing.app();
  const p = platform(app);
  const objs = Object.fromEntries(app.charts.map((c) => [c.node.id, Testing.synth(c) as Manifest[]]));
  return { app, p, objs };
}
const names = (objs: Manifest[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name);
const find = (objs: Manifest[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('the example platform', () => {
  const { p, objs } = build();

  test('one chart per environment plus the Argo CD chart; every object conformant (Applications against the Argo CD schema)', () => {
    expect(Object.keys(objs).sort()).toEqual(['llm-argocd', 'llm-development', 'llm-production', 'llm-staging']);
    expect(Object.keys(p.charts).sort()).toEqual(['development', 'production', 'staging']);
    expect(conformanceProblems(Object.values(objs).flat())).toEqual([]);
    // Every object carries the recommended labels, the platform's own (namespaces, policies, Applications) too.
    expect(Object.values(objs).flat().filter((o) => !o.metadata.labels?.['app.kubernetes.io/name']).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  test.each([['development', 'llm-dev'], ['staging', 'llm-staging'], ['production', 'llm-prod']])('%s: namespace %s, labels, names', (env, ns) => {
    const o = objs[`llm-${env}`];
    expect(o.every((m) => m.kind === 'Namespace' || m.metadata.namespace === ns)).toBe(true);
    expect(o.every((m) => m.metadata.labels?.environment === env)).toBe(true);
    expect(find(o, 'Namespace', ns).metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'environment': env });
    expect(find(o, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(names(o, 'Service')).toEqual([`llama-8b-${env}`, `qwen-small-${env}`, 'assistant-service']);
    const config = yaml.load(o.find((m) => m.kind === 'ConfigMap' && m.metadata.name.startsWith('assistant-config-'))!.data['config.yaml']) as any;
    const urls = config.providers.inference.filter((x: any) => ['llama-8b', 'qwen-small'].includes(x.provider_id)).map((x: any) => x.config.base_url);
    expect(urls).toEqual([`http://llama-8b-${env}.${ns}.svc.cluster.local:8000/v1`, `http://qwen-small-${env}.${ns}.svc.cluster.local:8000/v1`]);
  });

  test('Applications: each deploys only its own file; auto sync with prune/self-heal except production', () => {
    const apps = objs['llm-argocd'];
    const summary = (a: Manifest) => [
      a.metadata.name, a.metadata.namespace, a.spec.source.directory.include, a.spec.destination.namespace, !!a.spec.syncPolicy.automated,
    ];
    expect(apps.map(summary)).toEqual([
      ['llm-development', 'argocd', 'llm-development.k8s.yaml', 'llm-dev', true],
      ['llm-production', 'argocd', 'llm-production.k8s.yaml', 'llm-prod', false],
      ['llm-staging', 'argocd', 'llm-staging.k8s.yaml', 'llm-staging', true],
    ]);
    expect(apps[0].spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(apps[0].spec.source).toMatchObject({ repoURL: 'https://git.example.com/platform/llm.git', path: 'dist', targetRevision: 'main' });
  });

  test('sync waves: namespace basics, then migrations, models, registrations, stacks', () => {
    const o = objs['llm-staging'];
    const wave = (kind: string, prefix: string) => Number(o.find((m) => m.kind === kind && m.metadata.name.startsWith(prefix))!
      .metadata.annotations[WAVE]);
    const order = [wave('Namespace', 'llm-staging'), wave('Job', 'registry-migrate'), wave('Deployment', 'llama-8b'), wave('Job', 'llama-8b-entry-register'), wave('Deployment', 'assistant')];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(new Set(order).size).toBe(order.length);
    expect(o.every((m) => m.metadata.annotations?.[WAVE] !== undefined)).toBe(true);
  });

  test('declared overrides apply: replicas, hostnames, secret names, pools, disabled entries', () => {
    const dev = objs['llm-development'];
    const prod = objs['llm-production'];
    expect(find(prod, 'Deployment', 'llama-8b-production').spec.replicas).toBe(2);
    expect(find(prod, 'Deployment', 'assistant').spec.replicas).toBe(3);
    expect(find(prod, 'Ingress', 'assistant-ingress').spec.rules[0].host).toBe('assistant.example.com');
    expect(find(prod, 'Deployment', 'llama-8b-production').spec.template.spec.nodeSelector).toBeUndefined();
    expect(find(prod, 'Deployment', 'llama-8b-production').spec.template.spec.affinity).toBeDefined();
    const hf = find(dev, 'Deployment', 'llama-8b-development').spec.template.spec.containers[0].env.find((e: any) => e.name === 'HF_TOKEN');
    expect(hf.valueFrom.secretKeyRef).toEqual({ name: 'hf-dev', key: 'token' });
    const status = (o: Manifest[]) => o.find((m) => m.kind === 'Job' && m.metadata.name.startsWith('qwen-small-entry-register'))!
      .spec.template.spec.containers[0].env.find((e: any) => /STATUS/.test(e.name)).value;
    expect(status(prod)).toBe('disabled');
    expect(status(objs['llm-staging'])).toBe('ready');
    expect(find(objs['llm-staging'], 'ResourceQuota', 'llm-platform').spec.hard).toEqual({ 'requests.nvidia.com/gpu': '8', 'requests.cpu': '64', 'requests.memory': '512Gi' });
  });

  test('every pod template carries the environment label (models, stacks, registry Jobs and CronJob)', () => {
    for (const env of ['development', 'staging', 'production']) {
      const o = objs[`llm-${env}`];
      const templates = o.flatMap((m) => {
        if (m.kind === 'CronJob') return [m.spec.jobTemplate.spec.template];
        return ['Deployment', 'Job'].includes(m.kind) ? [m.spec.template] : [];
      });
      expect(templates.length).toBeGreaterThanOrEqual(6);
      for (const t of templates) expect(t.metadata.labels.environment).toBe(env);
    }
  });

  test('promotion: staging -> production and development -> staging differ only in declared overrides', () => {
    expect(p.diff('staging', 'production')).toEqual([]);
    expect(p.diff('development', 'staging')).toEqual([]);
    expect(() => p.assertPromotable('staging', 'production')).not.toThrow();
  });

  test('output files are named as the Applications expect', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-'));
    const app = new App({ outdir });
    platform(app);
    app.synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(['llm-argocd.k8s.yaml', 'llm-development.k8s.yaml', 'llm-production.k8s.yaml', 'llm-staging.k8s.yaml']);
  });
});

test('each environment\'s registry reconciles its own environment, even one whose last model is gone', () => {
  const app = Testing.app();
  const p = new ModelPlatform(app, 'llm', {
    environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod' } },
    registry: { database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'registry-db.db.svc.cluster.local' } },
  });
  p.addModel('qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', disabledIn: ['production'], register: false });
  for (const [env, chart] of Object.entries(p.charts)) {
    const job = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('registry-reconcile-'))!;
    const vars = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(JSON.parse(vars.REGISTRY_RECONCILE_ENVIRONMENTS)).toEqual([env]);
  }
});

test('sync defaults: production is synced by hand, every other environment automatically', () => {
  // The example sets production's sync explicitly; here nothing is set, so the defaults decide.
  const app = Testing.app();
  new ModelPlatform(app, 'llm', {
    environments: { development: { namespace: 'llm-dev' }, production: { namespace: 'llm-prod' } },
    gitops: { repoURL: 'https://git.example.com/platform/llm.git' },
  });
  const apps = app.charts.flatMap((c) => Testing.synth(c) as Manifest[]).filter((o) => o.kind === 'Application');
  expect(Object.fromEntries(apps.map((a) => [a.metadata.name, a.spec.syncPolicy.automated ?? null]))).toEqual({
    'llm-development': { prune: true, selfHeal: true },
    'llm-production': null,
  });
});

describe('diff', () => {
  test('an unintended difference is reported with its object and path, and fails assertPromotable', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', { environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod' } } });
    const models = p.addModel('llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
    p.addStack('assistant', { distribution: { name: 'starter' }, models: ['llama-8b'] });
    expect(p.diff('staging', 'production')).toEqual([]);
    models.production.deployment!.metadata.addAnnotation('hotfix', 'true');
    expect(p.diff('staging', 'production')).toEqual([
      { object: 'Deployment/llama-8b-<environment>', path: 'metadata.annotations.hotfix', from: 'undefined', to: '"true"' },
    ]);
    expect(() => p.assertPromotable('staging', 'production')).toThrow(
      'production differs from staging beyond its declared overrides:\n  Deployment/llama-8b-<environment> metadata.annotations.hotfix: undefined -> "true"',
    );
  });

  test('a replica override is allowed; the same change made without declaring it is not', () => {
    const make = (declared: boolean) => {
      const p = new ModelPlatform(Testing.app(), 'llm', {
        environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod', overrides: declared ? { modelReplicas: { m: 2 } } : undefined } },
      });
      const m = p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct', cache: { size: '10Gi', accessMode: 'ReadWriteMany' } });
      if (!declared) m.production.deployment!.addJsonPatch(JsonPatch.replace('/spec/replicas', 2));
      return p;
    };
    expect(make(true).diff('staging', 'production')).toEqual([]);
    expect(make(false).diff('staging', 'production')).toEqual([{ object: 'Deployment/m-<environment>', path: 'spec.replicas', from: '1', to: '2' }]);
  });

  describe('undeclared changes to a model\'s pod show in the diff, whichever environment has them', () => {
    const CONTAINER = '/spec/template/spec/containers/0';
    const patches: Array<[string, JsonPatch, string]> = [
      ['a resources patch', JsonPatch.replace(`${CONTAINER}/resources/limits/memory`, '99Gi'), 'spec.template.spec.containers[0].resources.limits.memory'],
      ['an extra arg', JsonPatch.add(`${CONTAINER}/args/-`, '--enforce-eager'), 'spec.template.spec.containers[0].args'],
      ['an extra env var', JsonPatch.add(`${CONTAINER}/env/-`, { name: 'VLLM_EXTRA', value: '1' }), 'spec.template.spec.containers[0].env'],
      ['an extra toleration', JsonPatch.add('/spec/template/spec/tolerations/-', { key: 'spot', operator: 'Exists', effect: 'NoSchedule' }), 'spec.template.spec.tolerations'],
    ];
    const make = (env: 'staging' | 'production', patch: JsonPatch) => {
      const p = new ModelPlatform(Testing.app(), 'llm', { environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod' } } });
      const m = p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
      m[env].deployment!.addJsonPatch(patch);
      return p;
    };
    test('a GPU pool in one environment: its own placement is allowed, a toleration or node label added by hand is not', () => {
      const withPool = (env?: 'staging' | 'production', patch?: JsonPatch) => {
        const p = new ModelPlatform(Testing.app(), 'llm', {
          environments: {
            staging: { namespace: 'llm-staging' },
            production: {
              namespace: 'llm-prod',
              gpuPool: {
                gpuProduct: 'NVIDIA-H100-80GB-HBM3',
                gpusPerNode: 8,
                nodes: 2,
                nodeSelector: { pool: 'h100' },
                tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' }],
              },
            },
          },
        });
        const m = p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
        if (env && patch) m[env].deployment!.addJsonPatch(patch);
        return p;
      };
      const prod = (Testing.synth(withPool().charts.production) as Manifest[]).find((o) => o.kind === 'Deployment')!.spec.template.spec;
      const terms = prod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      expect([prod.nodeSelector, prod.tolerations.length, terms]).toEqual([
        { pool: 'h100' }, 2, [{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] }] }],
      ]);
      expect(withPool().diff('staging', 'production')).toEqual([]);
      const spot = JsonPatch.add('/spec/template/spec/tolerations/-', { key: 'spot', operator: 'Exists', effect: 'NoSchedule' });
      const zone = JsonPatch.add('/spec/template/spec/nodeSelector', { 'topology.kubernetes.io/zone': 'a' });
      const paths = (p: ModelPlatform) => p.diff('staging', 'production').map((d) => `${d.path}: ${d.from} -> ${d.to}`);
      const gpu = '{"effect":"NoSchedule","key":"nvidia.com/gpu","operator":"Exists"}';
      const spotted = `[${gpu},{"effect":"NoSchedule","key":"spot","operator":"Exists"}]`;
      expect(paths(withPool('production', spot))).toEqual([`spec.template.spec.tolerations: [${gpu}] -> ${spotted}`]);
      expect(paths(withPool('staging', spot))).toEqual([`spec.template.spec.tolerations: ${spotted} -> [${gpu}]`]);
      expect(paths(withPool('staging', zone))).toEqual(['spec.template.spec.nodeSelector: {"topology.kubernetes.io/zone":"a"} -> undefined']);
    });

    test.each(patches)('%s, in the second environment or in the first', (_what, patch, at) => {
      for (const env of ['production', 'staging'] as const) {
        const found = make(env, patch).diff('staging', 'production');
        expect([env, found.map((d) => [d.object, d.path])]).toEqual([env, [['Deployment/m-<environment>', at]]]);
        // The side without the change has the original value (or the shorter list), the other the changed one.
        const [with_, without] = env === 'production' ? [found[0].to, found[0].from] : [found[0].from, found[0].to];
        expect(with_).not.toEqual(without);
        expect(with_).toMatch(/99Gi|--enforce-eager|VLLM_EXTRA|spot/);
        expect(without).not.toMatch(/99Gi|--enforce-eager|VLLM_EXTRA|spot/);
      }
    });
  });
});

describe('validation', () => {
  const envs: ModelPlatformProps['environments'] = { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod' } };

  test('environments: names, shared namespaces, sync modes, quota values', () => {
    expect(() => new ModelPlatform(Testing.app(), 'llm', {
      environments: { Staging: { namespace: 'llm' }, production: { namespace: 'llm', sync: 'sometimes', quota: { gpus: -1, memory: 'lots' } } },
    })).toThrow(new ValidationError('llm', [
      { path: 'environments.Staging', message: "'Staging' is not a valid environment name", hint: 'a DNS label such as staging' },
      { path: 'environments.production.namespace', message: "namespace 'llm' is also used by environment 'Staging'", hint: 'give every environment its own namespace (that is what isolates them)' },
      { path: 'environments.production.sync', message: "unknown sync mode 'sometimes'", hint: 'use auto or manual' },
      { path: 'environments.production.quota.gpus', message: 'expected a whole number of GPUs, got -1', hint: 'e.g. 8' },
      { path: 'environments.production.quota.memory', message: "'lots' is not a quantity", hint: 'e.g. 512Gi' },
    ]));
  });

  test('overrides naming unknown models fail the synth; unknown models in a stack fail at once', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', { environments: { ...envs, production: { namespace: 'llm-prod', overrides: { modelReplicas: { lama: 2 } } } } });
    p.addModel('llama', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(() => p.addStack('s', { distribution: { name: 'starter' }, models: ['lama'] })).toThrow("llm/s models: no platform model named 'lama' (models: llama)");
    expect(() => app.synth()).toThrow(/llm environments.production.overrides.modelReplicas.lama: no model named 'lama' \(models: llama\)/);
  });

  test('a quota the workloads exceed fails the synth with the totals', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', { environments: { production: { namespace: 'llm-prod', quota: { gpus: 3, cpu: '100' } } } });
    p.addModel('big', { model: 'meta-llama/Llama-3.3-70B-Instruct', tensorParallelSize: 4 });
    expect(() => app.synth()).toThrow(/the workloads may request 4 nvidia.com\/gpu at once \(replicas, autoscaling maxima and surge pods\), above the quota of 3/);
  });

  test('a quota the workloads reach exactly is enough', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', { environments: { production: { namespace: 'llm-prod', quota: { gpus: 4 } } } });
    p.addModel('big', { model: 'meta-llama/Llama-3.3-70B-Instruct', tensorParallelSize: 4 });
    expect(() => app.synth()).not.toThrow();
  });

  test('a hostname override needs a stack that exposes an Ingress', () => {
    const p = new ModelPlatform(Testing.app(), 'llm', { environments: { ...envs, production: { namespace: 'llm-prod', overrides: { hostnames: { s: 'a.example.com' } } } } });
    expect(() => p.addStack('s', { distribution: { name: 'starter' } })).toThrow(
      'llm/s environments.production.overrides.hostnames.s: the stack has no Ingress for a host name to go to (set networking.expose on the stack (the same in every environment), then override its hostname)',
    );
  });

  test('per-environment target revision; a model scaled to zero is registered disabled there', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', {
      environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod', targetRevision: 'release-42', overrides: { replicas: 0 } } },
      gitops: { repoURL: 'https://git.example.com/llm.git' },
      registry: { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' } },
    });
    p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
    const apps = Testing.synth(p.argoChart!) as Manifest[];
    expect(apps.map((a) => a.spec.source.targetRevision)).toEqual(['release-42', 'main']);
    const status = (env: string) => (Testing.synth(p.charts[env]) as Manifest[]).find((m) => m.kind === 'Job' && m.metadata.name.startsWith('m-entry-register'))!
      .spec.template.spec.containers[0].env.find((e: any) => /STATUS/.test(e.name)).value;
    expect([status('staging'), status('production')]).toEqual(['ready', 'disabled']);
    expect(p.diff('staging', 'production')).toEqual([]);
  });

  test('a model\'s LoRA adapters get registry entries of their own in every environment, under DNS-safe names', () => {
    const p = new ModelPlatform(Testing.app(), 'llm', {
      environments: { staging: { namespace: 'llm-staging' }, production: { namespace: 'llm-prod', overrides: { replicas: 0 } } },
      registry: { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' } },
    });
    p.addModel('m', {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      cache: { size: '100Gi' },
      loraAdapters: [
        { name: 'sql', source: LoraSource.cachePath('/cache/lora/sql') },
        { name: 'Team/Support:v2', source: LoraSource.cachePath('/cache/lora/support') },
      ],
    });
    const rows = (env: string) => (Testing.synth(p.charts[env]) as Manifest[]).filter((o) => o.kind === 'Job' && /-register-/.test(o.metadata.name)).map((j) => {
      const e = Object.fromEntries(j.spec.template.spec.containers[0].env.filter((v: any) => 'value' in v).map((v: any) => [v.name, v.value]));
      return [j.metadata.name.replace(/-[0-9a-f]{8}$/, ''), e.REGISTRY_MODEL_NAME, e.REGISTRY_MODEL_ID, e.REGISTRY_STATUS];
    });
    const hashed = `m-team-support-v2-${sha256('Team/Support:v2').slice(0, 6)}`;
    expect(adapterEntryName('m', 'Team/Support:v2')).toBe(hashed);
    expect(adapterEntryName('m', 'sql')).toBe('m-sql');
    expect(rows('staging')).toEqual([
      ['m-entry-register', 'meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct', 'ready'],
      ['m-sql-register', 'sql', '/cache/lora/sql', 'ready'],
      [`${hashed}-register`, 'Team/Support:v2', '/cache/lora/support', 'ready'],
    ]);
    expect(rows('production').map((r) => r[3])).toEqual(['disabled', 'disabled', 'disabled']);
    expect(conformanceProblems(Testing.synth(p.charts.staging) as Manifest[])).toEqual([]);
  });

  test('model options and stack props are shape-checked before the platform copies them (found by test/fuzz)', () => {
    const withSecretNames = { ...envs, production: { namespace: 'llm-prod', overrides: { secretNames: { hf: 'hf-prod' } } } };
    const p = new ModelPlatform(Testing.app(), 'llm', { environments: withSecretNames });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const loop: any = { a: 1 };
    loop.self = loop;
    const issues = (make: () => void) => {
      try {
        make();
      } catch (err) {
        if (!ValidationError.isValidationError(err)) throw err;
        return (err as ValidationError).message;
      }
      return 'ok';
    };
    expect(issues(() => p.addStack('s', { distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings: { p: proxy, loop } }] } }))).toEqual([
      '2 problems found:',
      'llm/s providers.inference[0].settings.p: could not be read: TypeError: Cannot perform \'IsArray\' on a proxy that has been revoked (pass plain data: no getter that throws, no revoked Proxy)',
      'llm/s providers.inference[0].settings.loop.self: the value contains itself (a reference back to an object that encloses it) (give a tree: YAML and JSON output cannot hold a cycle)',
    ].join('\n  '));
    expect(issues(() => p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct', generationConfig: { when: new Date(0) }, typo: 1 } as any)))
      .toMatch(/^2 problems found:\n  llm\/m generationConfig\.when: expected plain data .* got a Date .*\n  llm\/m typo: unknown field 'typo'/);
    // A Secret named like an Object.prototype member is not renamed into a function.
    const stacks = p.addStack('t', { distribution: { name: 'starter' }, secretEnv: { X: { name: 'constructor', key: 'k' } } });
    const container = (Testing.synth(p.charts.production) as Manifest[]).find((m) => m.kind === 'Deployment' && m.metadata.name === 't')!.spec.template.spec.containers[0];
    expect(container.env.find((e: any) => e.name === 'X').valueFrom.secretKeyRef).toEqual({ name: 'constructor', key: 'k' });
    expect(Object.keys(stacks)).toEqual(['production', 'staging']);
  });

  test('a model added twice, or an invalid name, is refused', () => {
    const p = new ModelPlatform(Testing.app(), 'llm', { environments: envs });
    p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(() => p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct' })).toThrow("a model named 'm' was already added");
    expect(() => p.addModel('M_1', { model: 'meta-llama/Llama-3.1-8B-Instruct' })).toThrow("'M_1' is not a valid model name");
  });
});

describe('autoscaled models on the platform', () => {
  const scaling = { maxReplicas: 4, prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090' };
  const wake = { minReplicas: 0, activationQuery: 'sum(rate(nginx_ingress_controller_requests[2m]))', activationThreshold: 0 };
  const envOf = (objs: Manifest[], kind: string, prefix: string) => {
    const o = objs.find((m) => m.kind === kind && m.metadata.name.startsWith(prefix))!;
    const pod = kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
    return Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
  };

  test('the quota check counts maxReplicas of the ScaledObject: fits at the maximum, fails one above', () => {
    const quota = (maxReplicas: number) => {
      const app = Testing.app();
      const p = new ModelPlatform(app, 'llm', { environments: { production: { namespace: 'llm-prod', quota: { gpus: 4 } } } });
      p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct', autoscaling: { ...scaling, minReplicas: 1, maxReplicas } });
      return () => app.synth();
    };
    expect(quota(4)).not.toThrow();
    expect(quota(5)).toThrow(
      'llm environments.production.quota: the workloads may request 5 nvidia.com/gpu at once (replicas, autoscaling maxima and surge pods), above the quota of 4 (raise the quota, or lower replicas or resources)',
    );
  });

  test('quotaProblems reads KEDA\'s maxReplicaCount (and its default of 100) for the Deployment it scales', () => {
    const deployment = (name: string) => ({
      kind: 'Deployment',
      metadata: { name },
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } }, template: { spec: { containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': '1' } } }] } } },
    });
    const so = (name: string, max?: number) => ({ kind: 'ScaledObject', metadata: { name }, spec: { scaleTargetRef: { name }, maxReplicaCount: max } });
    expect(quotaProblems([deployment('a'), so('a', 6)], { gpus: 5 }, 'nvidia.com/gpu')).toEqual([
      'the workloads may request 6 nvidia.com/gpu at once (replicas, autoscaling maxima and surge pods), above the quota of 5',
    ]);
    expect(quotaProblems([deployment('a'), so('a', 6)], { gpus: 6 }, 'nvidia.com/gpu')).toEqual([]);
    expect(quotaProblems([deployment('a'), so('a')], { gpus: 99 }, 'nvidia.com/gpu')).toEqual([
      'the workloads may request 100 nvidia.com/gpu at once (replicas, autoscaling maxima and surge pods), above the quota of 99',
    ]);
  });

  test('a per-environment replica override of an autoscaled model is refused; the environment-wide one passes it by', () => {
    const p = new ModelPlatform(Testing.app(), 'llm', {
      environments: { staging: { namespace: 'llm-staging', overrides: { modelReplicas: { m: 2 } } }, production: { namespace: 'llm-prod', overrides: { replicas: 1 } } },
    });
    expect(() => p.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct', autoscaling: scaling })).toThrow(
      "llm environments.staging.overrides.modelReplicas.m: model 'm' is autoscaled: KEDA owns its replica count (remove the override (autoscaling.minReplicas and maxReplicas bound the count), or remove autoscaling from the model)",
    );
    const q = new ModelPlatform(Testing.app(), 'llm', { environments: { production: { namespace: 'llm-prod', overrides: { replicas: 1 } } } });
    const models = q.addModel('m', { model: 'meta-llama/Llama-3.1-8B-Instruct', autoscaling: scaling });
    expect(models.production.maxReplicas).toBe(4);
  });

  test('a model that scales to zero is registered ready without waiting and left out of the health checks; a fixed one is checked', () => {
    const app = Testing.app();
    const p = new ModelPlatform(app, 'llm', {
      environments: { production: { namespace: 'llm-prod' } },
      registry: { database: { connectionString: { name: 'db', key: 'url' }, host: 'pg.db.svc' }, healthCheck: {} },
    });
    p.addModel('sleepy', { model: 'meta-llama/Llama-3.1-8B-Instruct', autoscaling: { ...scaling, ...wake } });
    p.addModel('awake', { model: 'Qwen/Qwen2.5-0.5B-Instruct', autoscaling: { ...scaling, minReplicas: 1 } });
    const objs = Testing.synth(p.charts.production) as Manifest[];
    expect(envOf(objs, 'Job', 'sleepy-entry-register')).toMatchObject({ REGISTRY_STATUS: 'ready', REGISTRY_HEALTH_URL: '' });
    expect(envOf(objs, 'Job', 'awake-entry-register')).toMatchObject({ REGISTRY_STATUS: 'ready', REGISTRY_HEALTH_URL: 'http://awake-production.llm-prod.svc.cluster.local:8000/health' });
    expect(envOf(objs, 'CronJob', 'registry-health').REGISTRY_HEALTH_TARGETS).toBe('Qwen/Qwen2.5-0.5B-Instruct production http://awake-production.llm-prod.svc.cluster.local:8000/health');
    expect(conformanceProblems(objs)).toEqual([]);
  });
});
