/**
 * Odd JavaScript input (issue 13 §2): prototype keys, cycles, deep nesting, getters and Proxies that throw,
 * Dates/Maps/Sets/class instances, NaN and Infinity, impossible quantities and objects too big for
 * Kubernetes. Each is a ValidationError naming the construct and the field, for every construct; no other
 * exception escapes and nothing is emitted silently wrong.
 */
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import {
  ExternalProvider, LlamaStack, ModelPlatform, ModelRegistry, ModelRegistryEntry, ModelRegistryProps, ValidationError, VllmModel,
} from '../../src';
import { IssueCollector } from '../../src/core/errors';
import { k8s } from '../../src/core/k8s';
import { MAX_OBJECT_BYTES } from '../../src/core/limits';
import { isQuantity, quantityProblem } from '../../src/core/quantity';
import { checkShape, MAX_DEPTH, MAX_VALUES } from '../../src/core/shape';
import { checkAnnotations, checkLabels } from '../../src/core/validate';
import { parseYamlMapping } from '../../src/core/yaml';
import { checkSchedule } from '../../src/registry/validation';

/** Issue lines `<construct> <path>: <message>` of the ValidationError `build` throws (construction or synth), or 'ok'. */
function attempt(build: (chart: Chart) => void): 'ok' | string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  try {
    build(chart);
    Testing.synth(chart);
    return 'ok';
  } catch (err) {
    // Anything else (TypeError, RangeError, a getter's own Error) fails the test here.
    if (!ValidationError.isValidationError(err)) throw err;
    const e = err as ValidationError;
    expect(e.issues.length).toBeGreaterThan(0);
    return e.issues.map((i) => `${i.construct ?? e.scope} ${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
}

/** The same lines without hints. */
function messages(result: 'ok' | string[]): 'ok' | string[] {
  return result === 'ok' ? result : result.map((l) => l.replace(/ \((?:[^()]|\([^()]*\))*\)$/, ''));
}

const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };

/**
 * The constructs under test, each with a free-form data slot (written to output as given), a label map,
 * a Kubernetes value the shape check walks as data (a volume source the library's Volume does not take,
 * refused after the walk) and a resource map, and where each is in the props.
 */
interface Subject {
  readonly name: string;
  readonly path: string;
  build(chart: Chart, props: any): void;
  data(v: unknown): [any, string];
  labels(v: unknown): [any, string];
  passthrough(v: unknown): [any, string];
  quantity(q: string): [any, string];
  number(n: number): [any, string];
}

const starter = { name: 'starter' };
const vllmProvider = (settings: any) => ({ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', settings });
const model = { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'dev' };

const SUBJECTS: Subject[] = [
  {
    name: 'LlamaStack',
    path: 'c/stack',
    build: (chart, props) => new LlamaStack(chart, 'stack', props),
    data: (v) => [{ distribution: starter, providers: { inference: [vllmProvider(v)] } }, 'providers.inference[0].settings'],
    labels: (v) => [{ distribution: starter, workload: { overrides: { podLabels: v } } }, 'workload.overrides.podLabels'],
    passthrough: (v) => [{ distribution: starter, workload: { overrides: { volumes: [{ name: 'extra', ephemeral: v }] } } }, 'workload.overrides.volumes[0].ephemeral'],
    quantity: (q) => [{ distribution: starter, workload: { resources: { limits: { memory: q } } } }, 'workload.resources.limits.memory'],
    number: (n) => [{ distribution: starter, workload: { replicas: n } }, 'workload.replicas'],
  },
  {
    name: 'VllmModel',
    path: 'c/model',
    build: (chart, props) => new VllmModel(chart, 'model', props),
    data: (v) => [{ ...model, generationConfig: v }, 'generationConfig'],
    labels: (v) => [{ ...model, monitoring: { labels: v } }, 'monitoring.labels'],
    passthrough: (v) => [{ ...model, pod: { volumes: [{ name: 'extra', ephemeral: v }] } }, 'pod.volumes[0].ephemeral'],
    quantity: (q) => [{ ...model, resources: { limits: { memory: q } } }, 'resources.limits.memory'],
    number: (n) => [{ ...model, maxModelLen: n }, 'maxModelLen'],
  },
  {
    name: 'ModelRegistry',
    path: 'c/registry',
    build: (chart, props) => new ModelRegistry(chart, 'registry', props),
    // The registry has no free-form data map: a volume source the library's Volume does not take is walked as data.
    data: (v) => [{ database, jobs: { volumes: [{ name: 'extra', ephemeral: v }] } }, 'jobs.volumes[0].ephemeral'],
    labels: (v) => [{ database, jobs: { podAnnotations: v } }, 'jobs.podAnnotations'],
    passthrough: (v) => [{ database, jobs: { volumes: [{ name: 'extra', ephemeral: v }] } }, 'jobs.volumes[0].ephemeral'],
    quantity: (q) => [{ database, jobs: { resources: { limits: { memory: q } } } }, 'jobs.resources.limits.memory'],
    number: (n) => [{ database, healthCheck: { timeoutSeconds: n } }, 'healthCheck.timeoutSeconds'],
  },
];

/** Expects exactly one issue, at `path` of the subject, matching `message`. */
function expectIssue(s: Subject, props: unknown, path: string, message: RegExp): void {
  const result = attempt((chart) => s.build(chart, props));
  expect(result).not.toBe('ok');
  const lines = result as string[];
  const line = lines.find((l) => l.startsWith(`${s.path} ${path}:`));
  if (!line) throw new Error(`no issue at ${s.path} ${path}:\n  ${lines.join('\n  ')}`);
  expect(line.slice(`${s.path} ${path}: `.length)).toMatch(message);
}

describe.each(SUBJECTS)('$name', (s) => {
  test('prototype keys: own-key checks, and __proto__/constructor/prototype refused in every map', () => {
    // Keys Object.prototype has are unknown fields, not fields of the shape.
    expectIssue(s, { ...s.data({})[0], toString: 1 }, 'toString', /^unknown field 'toString'/);
    expectIssue(s, { ...s.data({})[0], hasOwnProperty: 'x' }, 'hasOwnProperty', /^unknown field 'hasOwnProperty'/);
    expectIssue(s, { ...s.data({})[0], valueOf: {} }, 'valueOf', /^unknown field 'valueOf'/);
    // Reserved keys: at the top, in a label/annotation map (cdk8s cannot serialize an object with an own
    // `constructor`), in free-form data (JSON.parse and YAML make `__proto__` an own key), passed through.
    expectIssue(s, { ...s.data({})[0], constructor: 1 }, 'constructor', /^'constructor' cannot be a key/);
    for (const key of ['constructor', 'prototype']) {
      const [p, at] = s.labels({ [key]: 'x' });
      expectIssue(s, p, `${at}.${key}`, new RegExp(`^'${key}' cannot be a key`));
    }
    const [p, at] = s.labels(JSON.parse('{"__proto__": "x"}'));
    expectIssue(s, p, `${at}.__proto__`, /^'__proto__' cannot be a key/);
    const [d, dat] = s.data(JSON.parse('{"__proto__": {"url": "http://evil.example"}}'));
    expectIssue(s, d, `${dat}.__proto__`, /^'__proto__' cannot be a key \(JavaScript gives '__proto__' a meaning on every object/);
    const [k, kat] = s.passthrough(JSON.parse('{"nested": {"__proto__": {}}}'));
    expectIssue(s, k, `${kat}.nested.__proto__`, /^'__proto__' cannot be a key/);
    // An object literal with __proto__ sets the prototype instead: no longer an object literal.
    const [q, qat] = s.data({ inner: { __proto__: { url: 'http://evil.example' } } });
    expectIssue(s, q, `${qat}.inner`, /^expected plain data .*got an object whose prototype was replaced \(by a __proto__ key in an object literal/);
  });

  test('cycles and nesting deeper than 64', () => {
    const loop: any = { a: 1 };
    loop.self = loop;
    const [p, at] = s.data({ loop });
    expectIssue(s, p, `${at}.loop.self`, /^the value contains itself/);
    const list: any[] = [];
    list.push({ list });
    const [l, lat] = s.passthrough({ list });
    expectIssue(s, l, `${lat}.list[0].list`, /^the value contains itself/);
    // One object used twice (not a cycle) is fine.
    const shared = { x: 1 };
    const result = attempt((chart) => s.build(chart, s.passthrough({ a: shared, b: shared })[0]));
    expect(result === 'ok' || !(result as string[]).some((r) => /contains itself/.test(r))).toBe(true);

    let deep: any = {};
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const [d, dat] = s.data(deep);
    const lines = attempt((chart) => s.build(chart, d)) as string[];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${s.path} ${dat.replace(/[[\]]/g, '\\$&')}(\\.a)+: nested more than ${MAX_DEPTH} levels deep`));
  });

  test('getters and Proxies that throw are issues at their path', () => {
    const [p, at] = s.data({ get boom() { throw new Error('getter exploded'); } });
    expectIssue(s, p, `${at}.boom`, /^could not be read: Error: getter exploded/);
    const trap = new Proxy({}, { ownKeys: () => { throw new TypeError('ownKeys trap'); } });
    const [t, tat] = s.passthrough(trap);
    expectIssue(s, t, tat, /^could not be read: TypeError: ownKeys trap/);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const [r, rat] = s.labels(proxy);
    expectIssue(s, r, rat, /^could not be read: TypeError/);
    // The props themselves: every field read is an issue at its path.
    const whole = new Proxy(s.data({})[0], { get: () => { throw new Error('no props for you'); } });
    const lines = attempt((chart) => s.build(chart, whole)) as string[];
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${s.path} [A-Za-z]+: could not be read: Error: no props for you \\(pass plain data`));
  });

  test('Dates, Maps, Sets, class instances and objects without a prototype are not plain data', () => {
    class Settings { public url = 'http://x'; }
    const cases: Array<[unknown, RegExp]> = [
      [new Date(0), /got a Date \(give the date as a string/],
      [new Map([['a', 1]]), /got a Map \(give an object literal, e\.g\. Object\.fromEntries\(map\)\)/],
      [new Set([1]), /got a Set \(give a list/],
      [new Settings(), /got an instance of Settings/],
      [Object.create(null), /got an object without a prototype/],
      [() => 1, /got a function/],
      [BigInt(1), /got 1n \(a bigint\)/],
      [Symbol('s'), /got a symbol/],
    ];
    for (const [value, message] of cases) {
      const [p, at] = s.data({ v: value });
      expectIssue(s, p, `${at}.v`, message);
      const [k, kat] = s.passthrough({ v: value });
      expectIssue(s, k, `${kat}.v`, message);
    }
    // Where an object goes, a Date is not one (it would become {}); where a string goes, neither.
    const [l, lat] = s.labels(new Date(0));
    expectIssue(s, l, lat, /^expected a map, got a Date/);
    const [q, qat] = s.quantity(new Date(0) as any);
    expectIssue(s, q, qat, /^expected a string, got a Date/);
    // Holes and undefined items in lists.
    const [h, hat] = s.data({ list: [1, , 3] }); // eslint-disable-line no-sparse-arrays
    expectIssue(s, h, `${hat}.list[1]`, /^expected a value, got undefined/);
  });

  test('NaN and Infinity: in data and in number fields', () => {
    for (const [n, text] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      const [p, at] = s.data({ n });
      expectIssue(s, p, `${at}.n`, new RegExp(`^${text} is not a finite number`));
      const [f, fat] = s.number(n);
      expectIssue(s, f, fat, new RegExp(`^expected a number, got ${text} \\(give a finite number\\)`));
    }
  });

  test('negative, non-finite and absurd quantities', () => {
    for (const q of ['-1Gi', '1e+23Gi', 'NaNMi', 'InfinityGi', '1e400', '99999999999999999999Gi', '-0.5', '']) {
      const [p, at] = s.quantity(q);
      const result = attempt((chart) => s.build(chart, p));
      expect(result).not.toBe('ok');
      expect((result as string[]).some((l) => l.startsWith(`${s.path} ${at}: `) && l.includes(`'${q}'`))).toBe(true);
    }
  });
});

describe('sizes: an object over 1 MiB fails at synth, naming the construct and the prop', () => {
  const big = 'x'.repeat(MAX_OBJECT_BYTES + 1);

  test('LlamaStack: the config ConfigMap (model metadata)', () => {
    const result = attempt((chart) => new LlamaStack(chart, 'stack', { distribution: starter, resources: { models: [{ name: 'm', provider: 'vllm', metadata: { note: big } }] }, providers: { inference: [vllmProvider(undefined)] } }));
    expect(messages(result)).toHaveLength(1);
    expect(messages(result)[0]).toMatch(/^c\/stack : ConfigMap 'stack-config-[0-9a-f]{8}' \(c\/stack\/Config\) is too big for Kubernetes: its data is 1\.\d\d MiB, above the 1 MiB limit; its largest field is data\['config\.yaml'\] \(1\.\d\d MiB\), so applying it would fail$/);
  });

  test('VllmModel: chatTemplate and generationConfig are named', () => {
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, chatTemplate: big }))).toEqual([
      expect.stringMatching(/^c\/model chatTemplate: ConfigMap 'model-dev-config-[0-9a-f]{8}' \(c\/model\/Config\) is too big for Kubernetes: its data is 1\.00 MiB, above the 1 MiB limit; its largest field is data\['chat-template\.jinja'\]/),
    ]);
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, generationConfig: { note: big } }))).toEqual([
      expect.stringMatching(/^c\/model generationConfig: ConfigMap .* its largest field is data\['generation_config\.json'\]/),
    ]);
    // Just under the limit is fine.
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, chatTemplate: 'x'.repeat(MAX_OBJECT_BYTES - 100) }))).toBe('ok');
  });

  test('ModelRegistry: annotations over 256 KiB are refused at the prop (k8s ValidateAnnotationsSize), before any object gets big', () => {
    const result = attempt((chart) => new ModelRegistry(chart, 'registry', { database, jobs: { podAnnotations: { 'example.com/note': big } } })) as string[];
    expect(result).toEqual([expect.stringMatching(/^c\/registry jobs\.podAnnotations: the annotations are \d+ bytes; Kubernetes accepts at most 262144/)]);
  });

  test('a custom resource made big is checked (and a ModelRegistry alone registers the app-wide checks)', () => {
    const result = attempt((chart) => {
      new ModelRegistry(chart, 'registry', { database, reconcile: { enabled: false } });
      new ApiObject(chart, 'rule', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { note: big } });
    });
    expect(result).toEqual([expect.stringMatching(/^c\/rule : PrometheusRule 'r' .* is too big for Kubernetes/)]);
  });

  test('an object of the app outside the library is checked too', () => {
    const result = attempt((chart) => {
      new LlamaStack(chart, 'stack', { distribution: starter });
      new k8s.KubeConfigMap(chart, 'mine', { data: { 'a.txt': big } });
    });
    expect(result).toEqual([expect.stringMatching(/^c\/mine : ConfigMap .* largest field is data\['a\.txt'\] .*\(move the data out/)]);
  });

  test('exactly 1 MiB of data (key and value bytes) is accepted; one byte more is not', () => {
    const withData = (bytes: number) => attempt((chart) => {
      new LlamaStack(chart, 'stack', { distribution: starter });
      new k8s.KubeConfigMap(chart, 'mine', { data: { 'a.txt': 'x'.repeat(bytes - 'a.txt'.length) } });
    });
    expect(withData(MAX_OBJECT_BYTES)).toBe('ok');
    expect(withData(MAX_OBJECT_BYTES + 1)).toEqual([expect.stringMatching(/^c\/mine : ConfigMap .* is too big for Kubernetes/)]);
  });
});

describe('LlamaStack.fromDistributionManifest: YAML gives prototype keys, timestamps, NaN and cycles', () => {
  const cr = (settings: string) => `apiVersion: llamastack.io/v1alpha2
kind: LlamaStackDistribution
metadata: {name: s}
spec:
  distribution: {name: starter}
  providers:
    inference:
      - provider: vllm
        endpoint: http://v.m.svc:8000/v1
        settings:
${settings}
`;
  const fromCr = (manifest: string | Record<string, unknown>) => attempt((chart) => typeof manifest === 'string' ? LlamaStack.fromDistributionManifest(chart, 's', manifest) : LlamaStack.fromDistributionManifestObject(chart, 's', manifest));

  test('__proto__ in settings is refused, not made the prototype of the config', () => {
    // Refused where the CR is read, with its path in the CR (the props never hold it).
    expect(messages(fromCr(cr('          __proto__: {url: "http://evil.example"}')))).toEqual([
      "c/s (LlamaStackDistribution) spec.providers.inference[0].settings.__proto__: '__proto__' cannot be a key",
    ]);
    // Given as props converted from a CR object, the props check refuses it with the props path.
    const props = LlamaStack.propsFromDistributionManifestObject({ apiVersion: 'llamastack.io/v1alpha2', kind: 'LlamaStackDistribution', metadata: { name: 's' }, spec: { distribution: starter } });
    expect(messages(attempt((chart) => new LlamaStack(chart, 's', { ...props, providers: { inference: [vllmProvider(JSON.parse('{"__proto__": {"url": "http://evil.example"}}'))] } })))).toEqual([
      "c/s providers.inference[0].settings.__proto__: '__proto__' cannot be a key",
    ]);
  });

  test('a timestamp, .nan and an alias inside its own anchor are refused with the CR path', () => {
    expect(fromCr(cr('          created: 2024-01-01'))).toEqual([
      expect.stringMatching(/^c\/s \(LlamaStackDistribution\) spec\.providers\.inference\[0\]\.settings\.created: expected plain data .*got a Date \(give the date as a string.*quote it/),
    ]);
    expect(fromCr(cr('          n: .nan'))).toEqual([expect.stringMatching(/settings\.n: NaN is not a finite number/)]);
    expect(fromCr(cr('          loop: &a [*a]'))).toEqual([expect.stringMatching(/settings\.loop\[0\]: the value contains itself/)]);
  });

  test('a CR object with a getter that throws', () => {
    const doc = { apiVersion: 'llamastack.io/v1alpha2', kind: 'LlamaStackDistribution', metadata: { name: 's' }, get spec(): unknown { throw new Error('nope'); } };
    expect(fromCr(doc)).toEqual([expect.stringMatching(/spec: could not be read: Error: nope/)]);
  });

  test('a custom base config with a __proto__ key or a timestamp', () => {
    const base = (extra: string) => `version: 2\ndistro_name: x\nproviders: {}\n${extra}\n`;
    expect(attempt((chart) => new LlamaStack(chart, 's', { distribution: { image: 'a/b:1', baseConfig: base('__proto__: {apis: [inference]}') } }))).toEqual([
      expect.stringMatching(/^c\/s distribution\.baseConfig\.__proto__: '__proto__' cannot be a key/),
    ]);
    expect(attempt((chart) => new LlamaStack(chart, 's', { distribution: { image: 'a/b:1', baseConfig: base('server: {started: 2024-01-01}') } }))).toEqual([
      expect.stringMatching(/^c\/s distribution\.baseConfig\.server\.started: expected plain data .*got a Date/),
    ]);
  });
});

describe('ExternalProvider config (held by the stack, checked when the stack resolves it)', () => {
  test('cycles, Dates, NaN and prototype keys in config and secretRefs', () => {
    const withConfig = (config: any, secretRefs?: any) => messages(attempt((chart) => new LlamaStack(chart, 's', {
      distribution: starter,
      externalProviders: { inference: [ExternalProvider.fromImage({ id: 'acme', image: 'quay.io/acme/provider:1.0.0', config, secretRefs })] },
    })));
    const loop: any = {};
    loop.self = loop;
    expect(withConfig({ loop })).toEqual(['c/s externalProviders.inference[0].config.loop.self: the value contains itself (a reference back to an object that encloses it)']);
    expect(withConfig({ d: new Date(0), n: NaN })).toEqual([
      'c/s externalProviders.inference[0].config.d: expected plain data (a string, number, boolean, null, list or object literal), got a Date',
      'c/s externalProviders.inference[0].config.n: NaN is not a finite number',
    ]);
    expect(withConfig(JSON.parse('{"__proto__": {"x": 1}}'), { constructor: { name: 's', key: 'k' } })).toEqual([
      "c/s externalProviders.inference[0].config.__proto__: '__proto__' cannot be a key",
      "c/s externalProviders.inference[0].secretRefs.constructor: 'constructor' cannot be a key",
    ]);
  });
});

describe('ModelRegistryEntry and ModelPlatform', () => {
  test('a registry entry: prototype keys in metadata, a throwing getter', () => {
    const result = attempt((chart) => {
      const registry = new ModelRegistry(chart, 'registry', { database });
      new ModelRegistryEntry(chart, 'entry', { registry, modelName: 'm', endpoint: 'http://m.llm.svc:8000', environment: 'production', metadata: JSON.parse('{"__proto__": "x", "constructor": "y"}') });
    });
    expect(messages(result)).toEqual([
      "c/entry metadata.__proto__: '__proto__' cannot be a key",
      "c/entry metadata.constructor: 'constructor' cannot be a key",
    ]);
    const getter = attempt((chart) => {
      const registry = new ModelRegistry(chart, 'registry', { database });
      new ModelRegistryEntry(chart, 'entry', { registry, get modelName(): string { throw new Error('x'); } } as any);
    });
    expect(messages(getter)).toEqual(['c/entry modelName: could not be read: Error: x']);
  });

  function platformError(build: (app: App) => void): string[] {
    try {
      build(Testing.app());
    } catch (err) {
      if (!ValidationError.isValidationError(err)) throw err;
      return (err as ValidationError).issues.map((i) => `${(err as ValidationError).scope} ${i.path}: ${i.message}`);
    }
    throw new Error('expected a ValidationError');
  }

  test('ModelPlatform props, addModel options and addStack props', () => {
    const environments = { staging: { namespace: 'llm-staging' } };
    expect(platformError((app) => new ModelPlatform(app, 'p', { environments: JSON.parse('{"staging": {"namespace": "llm-staging", "__proto__": {}}}') }))).toEqual([
      "p environments.staging.__proto__: '__proto__' cannot be a key",
    ]);
    const cyclic: any = { namespace: 'llm-staging' };
    cyclic.overrides = { back: cyclic };
    expect(platformError((app) => new ModelPlatform(app, 'p', { environments: { staging: cyclic } }))).toEqual([
      'p environments.staging.overrides.back: the value contains itself (a reference back to an object that encloses it)',
    ]);
    expect(platformError((app) => new ModelPlatform(app, 'p', { environments, registry: { database, healthCheck: { timeoutSeconds: NaN } } as ModelRegistryProps })))
      .toEqual(['p registry.healthCheck.timeoutSeconds: expected a number, got NaN']);
    expect(platformError((app) => new ModelPlatform(app, 'p', { environments }).addModel('m', { ...model, get replicas(): number { throw new Error('boom'); } } as any)))
      .toEqual(['p/m replicas: could not be read: Error: boom']);
    expect(platformError((app) => new ModelPlatform(app, 'p', { environments }).addStack('s', { distribution: starter, models: [new Date(0)] } as any)))
      .toEqual(['p/s models[0]: expected a string, got a Date']);
  });
});

describe('no false alarms', () => {
  test('a quantity string in a volume (the library\'s Volume, no cdk8s-plus Quantity) is accepted', () => {
    expect(attempt((chart) => new VllmModel(chart, 'model', {
      ...model,
      pod: { volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
    }))).toBe('ok');
  });

  test('shared (not cyclic) objects, null values and many values within the limits', () => {
    const shared = { temperature: 0.7 };
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, generationConfig: { a: shared, b: shared, c: null, list: Array.from({ length: 1000 }, (_, i) => i) } }))).toBe('ok');
  });

  test('a YAML alias bomb is stopped at the value budget', () => {
    // 10^6 values from 60 written (a billion with three more lines: without the budget that never ends).
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const issues = new IssueCollector();
    expect(parseYamlMapping(issues, lines.join('\n'), 'a document')).toBeUndefined();
    expect(issues.issues.map((i) => i.message)).toEqual([expect.stringMatching(new RegExp(`^more than ${MAX_VALUES} values`))]);
  });
});

describe('units', () => {
  test('label and annotation checks refuse prototype keys by themselves too (for maps built without a shape check)', () => {
    const issues = new IssueCollector();
    checkLabels(issues.at('labels'), JSON.parse('{"__proto__": "x", "constructor": "y", "team": "a"}'));
    checkAnnotations(issues.at('annotations'), { prototype: 'x' });
    expect(issues.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "labels.__proto__: '__proto__' cannot be a label key",
      "labels.constructor: 'constructor' cannot be a label key",
      "annotations.prototype: 'prototype' cannot be an annotation key",
    ]);
  });

  test('checkShape never throws, whatever it is given', () => {
    const odd = [
      null, undefined, 0, NaN, '', Symbol('x'), () => 1, new Date(), Proxy.revocable({}, {}),
      new Proxy({}, { getPrototypeOf: () => { throw new Error('x'); } }),
      new Proxy([], { get: () => { throw new Error('y'); } }),
    ];
    for (const v of odd) {
      for (const shape of ['json', { obj: { a: 'json' } }, { arr: 'string' }, { map: 'any' }, { oneOf: ['string', { obj: {} }] }] as const) {
        const issues = new IssueCollector();
        expect(() => checkShape(issues, v, shape as any)).not.toThrow();
      }
    }
  });

  test('quantities: syntax, sign, finiteness and size', () => {
    expect(['0', '500m', '1Gi', '1e3', '1.5', '8Pi'].filter((q) => !isQuantity(q))).toEqual([]);
    expect(quantityProblem('-1Gi')).toBe("'-1Gi' is negative; quantities here are amounts and cannot be");
    expect(quantityProblem('1e400')).toBe("'1e400' is not a finite quantity");
    expect(quantityProblem('9Ei')).toMatch(/^'9Ei' is larger than Kubernetes can hold/);
    expect(quantityProblem('NaNMi')).toMatch(/^'NaNMi' is not a Kubernetes quantity/);
    expect(quantityProblem(5)).toBe('expected a quantity string, got number');
  });
});

describe('§6: schedules, CIDRs and class names', () => {
  test('@every under a minute is refused (the controller would start a Job every second)', () => {
    expect(checkSchedule('@every 1ms')).toMatch(/^@every 1ms is under a minute: the CronJob controller would start a health-check Job every second/);
    expect(checkSchedule('@every 30s')).toMatch(/every 30 seconds/);
    expect(checkSchedule('@every 1m')).toBeUndefined();
    expect(checkSchedule('@every 1h30m')).toBeUndefined();
    expect(checkSchedule('@every 999999999h')).toMatch(/longer than a Go duration can be/);
    expect(attempt((chart) => new ModelRegistry(chart, 'registry', { database, healthCheck: { schedule: '@every 1ms' } }))).toEqual([
      expect.stringMatching(/^c\/registry healthCheck\.schedule: '@every 1ms' is not a valid schedule: @every 1ms is under a minute/),
    ]);
  });

  test('IPv6 CIDRs for the registry database: valid ones accepted, invalid ones refused', () => {
    const withCidr = (cidr: string) => attempt((chart) => new ModelRegistry(chart, 'registry', { database: { connectionString: database.connectionString, cidr } }));
    expect(withCidr('fd00:10::/64')).toBe('ok');
    expect(withCidr('10.20.0.0/16')).toBe('ok');
    for (const bad of [':::::/64', 'fd00::g/64', 'fd00::/129', '1.2.3/24']) {
      expect(messages(withCidr(bad))).toEqual([`c/registry database.cidr: '${bad}' is not a CIDR block`]);
    }
  });

  test('storageClassName and runtimeClassName must be DNS subdomains', () => {
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, runtimeClassName: 'Nvidia_GPU', cache: { storageClassName: 'Fast SSD' } }))).toEqual([
      "c/model runtimeClassName: 'Nvidia_GPU' is not a valid RuntimeClass name (use a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', e.g. nvidia)",
      "c/model cache.storageClassName: 'Fast SSD' is not a valid StorageClass name (use a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', e.g. fast-ssd)",
    ]);
    expect(attempt((chart) => new VllmModel(chart, 'model', { ...model, runtimeClassName: 'nvidia', cache: { storageClassName: '' } }))).toBe('ok');
  });
});

test('env names that are Object.prototype members are plain names, not "set by the construct"', () => {
  const chart = new Chart(Testing.app(), 'proto-env', { namespace: 'llm' });
  const stack = new LlamaStack(chart, 's', {
    distribution: { name: 'starter' },
    env: { hasOwnProperty: 'x', toString: 'y' },
    workload: { overrides: { env: [{ name: 'valueOf', value: 'z' }] } },
  });
  expect(stack.name).toBe('s');
});
