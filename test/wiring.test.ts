/**
 * Composition by object reference: servers and clients find each other through the objects they hold,
 * never through URLs looked up in app-wide state, so the output cannot depend on creation order.
 */
import { ApiObject, App, Chart, Testing, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import {
  IModelServer, INetworkPeer, InferenceProvider, LlamaStack, ModelRegistry, ModelRegistryEntry, NetworkPeer, SecretKeyRef, ValidationError, VllmModel,
} from '../src';
import { conformanceProblems, Manifest } from './support/manifests';

const starter = { name: 'starter' };
const qwen = { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', servedModelName: 'qwen' };
const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };

const synthAll = (app: App) => app.charts.flatMap((c) => Testing.synth(c)) as Manifest[];
const find = (objs: Manifest[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};

function synthError(app: App): ValidationError {
  try {
    synthAll(app);
  } catch (err) {
    expect(ValidationError.isValidationError(err)).toBe(true);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError at synth');
}

describe('a model server named by URL instead of held', () => {
  // Reproduction of the issue: the stack's egress opened the whole namespace and the model did not admit
  // it when the stack came first; now it is an error whichever comes first.
  const url = 'http://qwen-prod.models.svc.cluster.local:8000/v1';
  const build = (stackFirst: boolean) => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'models' });
    const stack = () => new LlamaStack(chart, 'stack', { distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: url }] } });
    const model = () => new VllmModel(chart, 'qwen', qwen);
    if (stackFirst) { stack(); model(); } else { model(); stack(); }
    return app;
  };

  test.each([true, false])('stack first: %s -> a synth error naming both constructs and the fix', (stackFirst) => {
    const err = synthError(build(stackFirst));
    expect(err.issues).toEqual([{
      construct: 'c/stack',
      path: 'providers.inference[0].endpoint',
      message: "'qwen-prod.models.svc.cluster.local:8000' is the Service of the model server c/qwen, named by URL: the server's NetworkPolicy would not admit these pods, so their requests would be dropped",
      hint: expect.stringContaining('model.asInferenceProvider()'),
    }]);
    expect(err.message).toMatch(/^c\/stack providers\.inference\[0\]\.endpoint: 'qwen-prod/);
  });

  test('the short form svc.ns.svc and a base provider switched on by env are caught too', () => {
    const app = Testing.app();
    const models = new Chart(app, 'models', { namespace: 'models' });
    new VllmModel(models, 'qwen', qwen);
    const apps = new Chart(app, 'apps', { namespace: 'apps' });
    new LlamaStack(apps, 'a', { distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'http://qwen-prod.models.svc:8000/v1' }] } });
    new LlamaStack(apps, 'b', { distribution: starter, env: { VLLM_URL: 'http://qwen-prod.models.svc.cluster.local:8000/v1' } });
    expect(synthError(app).issues.map((i) => `${i.construct} ${i.path}`)).toEqual([
      'apps/a providers.inference[0].endpoint',
      "apps/b env.VLLM_URL (providers.inference[2] 'vllm' of the base config)",
    ]);
  });

  test('a URL of a Service that is not a model server of the app stays a namespace rule', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'apps' });
    new VllmModel(new Chart(app, 'm', { namespace: 'models' }), 'qwen', qwen);
    new LlamaStack(chart, 'stack', { distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'http://other.models.svc:8000/v1' }] } });
    const egress = find(synthAll(app), 'NetworkPolicy', 'stack').spec.egress;
    expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }], ports: [{ protocol: 'TCP', port: 8000 }] });
  });

  test('a registry entry naming a model server by URL is an error; with model: it is wired', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'llm', { namespace: 'llm' });
    const registry = new ModelRegistry(chart, 'registry', { database });
    new ModelRegistryEntry(chart, 'by-url', { registry, modelName: 'qwen', environment: 'production', endpoint: 'http://qwen-prod.llm.svc.cluster.local:8000' });
    new VllmModel(chart, 'qwen', qwen);
    expect(synthError(app).issues).toEqual([expect.objectContaining({ construct: 'llm/by-url', path: 'endpoint', hint: expect.stringContaining('model: server') })]);
  });
});

/** A model server implemented outside the library: Service port 80 in front of pods listening on 8080. */
class OtherServer extends Construct implements IModelServer {
  public readonly servedModelName = 'granite';
  public readonly modelSource = 'ibm-granite/granite-3.3-8b-instruct';
  public readonly backend = 'vllm';
  public readonly environment = 'production';
  public readonly namespace: string;
  public readonly serviceName = 'granite';
  public readonly port = 80;
  public readonly containerPort = 8080;
  public readonly healthPath = '/health';
  public readonly apiKey?: SecretKeyRef = { name: 'granite', key: 'token' };
  public readonly contextLength = 4096;
  public readonly podSelectorLabels = { app: 'granite' };
  public readonly admitted: INetworkPeer[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.namespace = Chart.of(this).namespace!;
  }

  public get url(): string {
    return `http://granite.${this.namespace}.svc.cluster.local`;
  }

  public allowFrom(peer: INetworkPeer): void {
    this.admitted.push(peer);
  }
}

describe('composition by reference', () => {
  test('an IModelServer from outside the library is wired like VllmModel: pod port, pod labels, admission, config', () => {
    const app = Testing.app();
    const server = new OtherServer(new Chart(app, 'models', { namespace: 'models' }), 'granite');
    const stack = new LlamaStack(new Chart(app, 'apps', { namespace: 'apps' }), 'stack', {
      distribution: starter, providers: { inference: [InferenceProvider.fromModelServer(server, { id: 'granite' })] },
    });
    const objs = synthAll(app);
    // NetworkPolicy ports are pod ports: 8080, not the Service's 80.
    expect(find(objs, 'NetworkPolicy', 'stack').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { app: 'granite' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    expect(server.admitted).toEqual([stack]);
    expect(stack.podSelectorLabels).toEqual({ 'app.kubernetes.io/name': 'llama-stack', 'app.kubernetes.io/instance': 'stack' });
    expect(stack.namespace).toBe('apps');
    const config = stack.configYaml!;
    expect(config).toContain('base_url: http://granite.models.svc.cluster.local/v1');
    expect(config).toContain('api_token: ${env.LLSD_GRANITE_API_TOKEN}');
    expect(config).toMatch(/model_id: granite\n\s+provider_id: granite/);
  });

  test('endpoint and server must agree; server must be a model server; a chart namespace is needed to be admitted', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'llm' });
    const model = new VllmModel(chart, 'qwen', qwen);
    const at = (props: any, scope: Construct = chart) => {
      try {
        new LlamaStack(scope, `s${Math.random().toString(36).slice(2, 8)}`, { distribution: starter, ...props });
      } catch (err) {
        return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      return [];
    };
    expect(at({ providers: { inference: [{ ...model.asInferenceProvider(), endpoint: 'http://elsewhere.llm.svc:8000/v1' }] } })).toEqual([
      'providers.inference[0].endpoint: the endpoint does not name the Service of its server c/qwen (qwen-prod.llm.svc:8000)',
    ]);
    expect(at({ providers: { inference: [{ provider: 'vllm', id: 'x', server: { url: 'http://x' } }] } })).toEqual(['providers.inference[0].server: expected a model server']);
    expect(at({ providers: { inference: [model.asInferenceProvider()] } }, new Chart(app, 'nons'))).toEqual([
      'providers.inference[0].server: the chart has no namespace, so the model server c/qwen cannot admit this stack',
    ]);
    // The endpoint may be written in any form that names the server's Service.
    expect(at({ providers: { inference: [{ ...model.asInferenceProvider(), endpoint: 'http://qwen-prod:8000/v1' }] } })).toEqual([]);
  });

  test('NetworkPeer.pods lets pods of your own call a model server', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'llm' });
    const model = new VllmModel(chart, 'qwen', qwen);
    model.allowFrom(NetworkPeer.pods({ app: 'router' }, 'gateway'));
    const from = find(synthAll(app), 'NetworkPolicy', 'qwen-prod').spec.ingress[0].from;
    expect(from).toContainEqual({ podSelector: { matchLabels: { app: 'router' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } });
  });
});

describe('output does not depend on the order constructs are created in', () => {
  /**
   * Two charts in two namespaces: two models, two stacks (one holds both models, one holds one), a
   * registry with an entry per model. Each builder creates what it holds on demand, so a permutation of
   * the builders is a creation order of the library's constructs. The scopes are made first, in a fixed
   * order, so the documents' order in the output is fixed too and the YAML can be compared byte for byte.
   */
  const NAMES = ['llama', 'qwen', 'stackA', 'stackB', 'registry', 'entryLlama', 'entryQwen'] as const;
  type Name = typeof NAMES[number];

  function buildApp(order: readonly Name[]): string {
    const app = Testing.app();
    const models = new Chart(app, 'models', { namespace: 'models' });
    const apps = new Chart(app, 'apps', { namespace: 'apps' });
    const slot: Record<Name, Construct> = {
      llama: new Construct(models, 'llama'),
      qwen: new Construct(models, 'qwen'),
      stackA: new Construct(apps, 'stack-a'),
      stackB: new Construct(apps, 'stack-b'),
      registry: new Construct(apps, 'registry'),
      entryLlama: new Construct(apps, 'entry-llama'),
      entryQwen: new Construct(apps, 'entry-qwen'),
    };
    const made = new Map<Name, any>();
    const get = (n: Name): any => {
      if (!made.has(n)) made.set(n, builders[n]());
      return made.get(n);
    };
    const builders: Record<Name, () => unknown> = {
      llama: () => new VllmModel(slot.llama, 'model', { name: 'llama', model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', apiKey: { name: 'k', key: 'v' } }),
      qwen: () => new VllmModel(slot.qwen, 'model', { ...qwen, name: 'qwen', environment: 'production' }),
      stackA: () => new LlamaStack(slot.stackA, 'stack', {
        name: 'stack-a', distribution: starter, providers: { inference: [get('llama').asInferenceProvider(), get('qwen').asInferenceProvider()] },
      }),
      stackB: () => new LlamaStack(slot.stackB, 'stack', { name: 'stack-b', distribution: starter, providers: { inference: [get('qwen').asInferenceProvider()] } }),
      registry: () => new ModelRegistry(slot.registry, 'registry', { name: 'registry', database, healthCheck: { schedule: '*/5 * * * *' } }),
      entryLlama: () => new ModelRegistryEntry(slot.entryLlama, 'entry', { name: 'llama', registry: get('registry'), model: get('llama') }),
      entryQwen: () => new ModelRegistryEntry(slot.entryQwen, 'entry', { name: 'qwen', registry: get('registry'), model: get('qwen') }),
    };
    for (const n of order) get(n);
    return Yaml.stringify(...synthAll(app));
  }

  const reference = buildApp(NAMES);

  test('the reference app wires every pair and is conformant', () => {
    const objs = yaml.loadAll(reference) as Manifest[];
    expect(conformanceProblems(objs)).toEqual([]);
    const admitted = (np: string) => find(objs, 'NetworkPolicy', np).spec.ingress[0].from.map((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/instance'] ?? '');
    expect(admitted('qwen-production')).toEqual(expect.arrayContaining(['stack-a', 'stack-b', 'registry']));
    expect(admitted('llama-production')).toEqual(expect.arrayContaining(['stack-a', 'registry']));
    expect(admitted('llama-production')).not.toContain('stack-b');
  });

  test('every creation order gives byte-identical YAML (property)', () => {
    fc.assert(fc.property(fc.shuffledSubarray([...NAMES], { minLength: NAMES.length, maxLength: NAMES.length }), (order) => {
      expect(buildApp(order)).toBe(reference);
    }), { numRuns: 60 });
  });

  test('reversed and rotated orders, explicitly', () => {
    const reversed = [...NAMES].reverse();
    expect(buildApp(reversed)).toBe(reference);
    for (let k = 1; k < NAMES.length; k++) expect(buildApp([...NAMES.slice(k), ...NAMES.slice(0, k)])).toBe(reference);
  });
});

test('objects created without the library are part of the app too (ApiObject)', () => {
  // Sanity for the duplicate check below: user objects are counted.
  const app = Testing.app();
  new ApiObject(new Chart(app, 'c', { namespace: 'n' }), 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  expect(synthAll(app)).toHaveLength(1);
});

test('a stack holding a server converts to an operator CR with the server\'s endpoint', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  const model = new VllmModel(chart, 'qwen', qwen);
  const { endpoint, ...held } = model.asInferenceProvider();
  const stack = new LlamaStack(chart, 'stack', { distribution: starter, providers: { inference: [held] } });
  const cr = stack.toDistributionManifest().manifest as any;
  expect(cr.spec.providers.inference).toEqual([{ id: 'qwen', provider: 'vllm', endpoint: 'http://qwen-prod.llm.svc.cluster.local:8000/v1' }]);
  expect(JSON.stringify(cr)).not.toContain('"node"');
});
