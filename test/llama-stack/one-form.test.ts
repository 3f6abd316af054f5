/**
 * Issue 15 §3: every prop has one form, because jsii hands a struct in a union slot to the library as a plain
 * dict (Python keeps its snake_case keys, so `provider_model_id` was dropped silently). The forms earlier releases
 * also took are refused by the shape check with what to write instead; the new props (secretEnv, the
 * PodDisruptionBudget percent fields, ExposeSpec.enabled) do what the old forms did.
 * jsii type system: https://aws.github.io/jsii/user-guides/lib-author/typescript-restrictions/ ("Unions");
 * the AWS CDK guideline "Unions: use a class with static methods" (aws-cdk DESIGN_GUIDELINES.md).
 */
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, LlamaStackProps } from '../../src';
import { IssueCollector } from '../../src/core/errors';
import { distributionFromProps, propsFromDistribution } from '../../src/llama-stack/interop';
import { validationIssues } from '../support/errors';
import { Manifest } from '../support/manifests';
import { multiPod } from '../support/stacks';

const base: LlamaStackProps = { distribution: { name: 'starter' } };
const vllm = { provider: 'vllm', endpoint: 'http://vllm.models.svc:8000/v1' };

function synth(props: LlamaStackProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  new LlamaStack(chart, 'stack', props);
  return Testing.synth(chart) as Manifest[];
}
const errors = (props: unknown): string[] => validationIssues(() => synth(props as LlamaStackProps));
const find = (objs: Manifest[], kind: string) => objs.find((o) => o.kind === kind);

describe('the forms of earlier releases are refused with what to write instead', () => {
  test.each<[string, unknown, string]>([
    ['a single provider object', { providers: { inference: vllm } },
      'providers.inference: expected a list, got an object (wrap it in a list: [ { provider: ..., ... } ] (each API takes a list of providers))'],
    ['a model ID string in resources', { providers: { inference: [vllm] }, resources: { models: ['llama'] } },
      "resources.models[0]: expected an object, got 'llama' (write { name: 'llama' })"],
    ['a model ID string on a provider', { providers: { inference: [{ ...vllm, models: ['llama'] }] } },
      "providers.inference[0].models[0]: expected an object, got 'llama' (write { name: 'llama' })"],
    ['a shield ID string', { providers: { safety: [{ provider: 'llama-guard' }] }, resources: { shields: ['guard'] } },
      "resources.shields[0]: expected an object, got 'guard' (write { id: 'guard' })"],
    ['a Secret reference in env', { env: { OPENAI_API_KEY: { name: 'o', key: 'k' } } },
      'env.OPENAI_API_KEY: expected a string, got an object (a Secret reference goes in secretEnv: move it to secretEnv with the same name)'],
    ['a number in env', { env: { WORKERS: 4 } }, "env.WORKERS: expected a string, got 4 (quote it: '4' (environment values are strings))"],
    ['a literal in secretEnv', { secretEnv: { MODE: 'fast' } }, "secretEnv.MODE: expected an object, got 'fast' (a literal value goes in env: move it to env with the same name)"],
    ['expose: true', { networking: { expose: true } },
      'networking.expose: expected an object, got true (write expose: {} (an ExposeSpec creates the Ingress unless enabled is false))'],
    ['expose: false', { networking: { expose: false } }, 'networking.expose: expected an object, got false (remove expose, or write expose: { enabled: false })'],
    ['a percentage string', { workload: { podDisruptionBudget: { minAvailable: '50%' } } },
      "workload.podDisruptionBudget.minAvailable: expected a number, got '50%' (write minAvailablePercent: 50)"],
    ['a count string', { workload: { podDisruptionBudget: { maxUnavailable: '2' } } },
      "workload.podDisruptionBudget.maxUnavailable: expected a number, got '2' (write maxUnavailable: 2 (a number))"],
  ])('%s', (_name, props, message) => {
    expect(errors({ ...base, ...(props as object) })).toEqual([message]);
  });
});

describe('env and secretEnv', () => {
  test('literal values and Secret references, one list in the container sorted by name', () => {
    const objs = synth({ ...base, env: { ZZ_MODE: 'z', AA_MODE: 'a' }, secretEnv: { MM_TOKEN: { name: 'mm', key: 'token' } } });
    const env = find(objs, 'Deployment')!.spec.template.spec.containers[0].env as Array<{ name: string }>;
    const mine = env.filter((e) => /_(MODE|TOKEN)$/.test(e.name));
    expect(mine).toEqual([
      { name: 'AA_MODE', value: 'a' },
      { name: 'MM_TOKEN', valueFrom: { secretKeyRef: { name: 'mm', key: 'token' } } },
      { name: 'ZZ_MODE', value: 'z' },
    ]);
    // Nothing of the Secret reaches the ConfigMap.
    expect(JSON.stringify(find(objs, 'ConfigMap'))).not.toMatch(/"mm"|MM_TOKEN/);
  });

  test('a name in both is an error naming both; a secret-looking literal says to move it to secretEnv', () => {
    expect(errors({ ...base, env: { API_TOKEN: 'x' }, secretEnv: { API_TOKEN: { name: 's', key: 'k' } } })).toEqual([
      "env.API_TOKEN: looks like a secret but is a literal value (take it from a Secret: move it to secretEnv: { API_TOKEN: { name: '<secret>', key: '<key>' } })",
      'secretEnv.API_TOKEN: API_TOKEN is in both env.API_TOKEN and secretEnv.API_TOKEN (keep one: env for a literal value, secretEnv for a value from a Secret)',
    ]);
    expect(errors({ ...base, secretEnv: { HOME: { name: 's', key: 'k' } } })[0]).toMatch(/^secretEnv\.HOME: HOME is set by the construct \(remove secretEnv\.HOME;/);
    expect(errors({ ...base, secretEnv: { X: { name: 'Bad_Name', key: 'k' } } })).toEqual([
      "secretEnv.X.name: 'Bad_Name' is not a valid Secret name (use a DNS-1123 subdomain (lower-case letters, digits, '-' and '.'))",
    ]);
  });
});

describe('PodDisruptionBudget: counts and percentages', () => {
  const pdb = (podDisruptionBudget: object) => find(synth({ ...multiPod, workload: { replicas: 3, podDisruptionBudget } }), 'PodDisruptionBudget')!.spec;

  test('each of the four fields becomes the PDB field, percentages as \'<n>%\'', () => {
    expect(pdb({ minAvailable: 2 })).toMatchObject({ minAvailable: 2 });
    expect(pdb({ maxUnavailable: 0 })).toMatchObject({ maxUnavailable: 0 });
    expect(pdb({ minAvailablePercent: 50 })).toMatchObject({ minAvailable: '50%' });
    expect(pdb({ maxUnavailablePercent: 25 })).toMatchObject({ maxUnavailable: '25%' });
    expect(pdb({ maxUnavailablePercent: 25 }).minAvailable).toBeUndefined();
    expect(pdb({})).toMatchObject({ maxUnavailable: 1 });
  });

  test('at most one field; counts are whole numbers, percentages 0 to 100', () => {
    const w = (podDisruptionBudget: object) => errors({ ...base, workload: { podDisruptionBudget } });
    expect(w({ minAvailablePercent: 50, maxUnavailable: 1 })).toEqual([
      'workload.podDisruptionBudget.minAvailablePercent: give at most one of minAvailable, maxUnavailable, minAvailablePercent, maxUnavailablePercent; '
      + 'got maxUnavailable and minAvailablePercent (e.g. podDisruptionBudget: { maxUnavailable: 1 })',
    ]);
    expect(w({ minAvailablePercent: 101 })).toEqual([
      "workload.podDisruptionBudget.minAvailablePercent: 101 is not a percentage (give a whole number from 0 to 100 (50 means '50%' of the replicas))",
    ]);
    expect(w({ maxUnavailablePercent: 12.5 })[0]).toMatch(/12.5 is not a percentage/);
    expect(w({ minAvailable: 1.5 })).toEqual([
      'workload.podDisruptionBudget.minAvailable: 1.5 is not a pod count (give a whole number of pods, e.g. 1 (or minAvailablePercent for a percentage))',
    ]);
    expect(w({ maxUnavailable: -1 })[0]).toMatch(/-1 is not a pod count/);
  });
});

describe('expose', () => {
  test('an ExposeSpec creates the Ingress unless enabled is false', () => {
    expect(find(synth({ ...base, networking: { expose: {} } }), 'Ingress')).toBeDefined();
    expect(find(synth({ ...base, networking: { expose: { hostname: 'llama.example.com' } } }), 'Ingress')!.spec.rules[0].host).toBe('llama.example.com');
    expect(find(synth({ ...base, networking: { expose: { enabled: false, hostname: 'llama.example.com' } } }), 'Ingress')).toBeUndefined();
  });
});

describe('LlamaStackDistribution CRs: YAML text and objects; the CR\'s own forms map to the one prop form', () => {
  const cr = {
    apiVersion: 'llamastack.io/v1alpha1',
    kind: 'LlamaStackDistribution',
    metadata: { name: 'llsd' },
    spec: {
      replicas: 1,
      network: { exposeRoute: false },
      server: {
        distribution: { name: 'starter' },
        podDisruptionBudget: { minAvailable: '50%' },
      },
    },
  };

  test('fromDistributionManifest (text) and fromDistributionManifestObject give the same objects', () => {
    const fromText = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    LlamaStack.fromDistributionManifest(fromText, 'stack', yaml.dump(cr));
    const fromObject = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    LlamaStack.fromDistributionManifestObject(fromObject, 'stack', cr);
    expect(Testing.synth(fromText)).toEqual(Testing.synth(fromObject));
    expect(LlamaStack.propsFromDistributionManifest(yaml.dump(cr))).toEqual(LlamaStack.propsFromDistributionManifestObject(cr));
  });

  test('each method takes one form, and the other form is refused naming the method that takes it', () => {
    const chart = () => new Chart(Testing.app(), 'c', { namespace: 'llm' });
    expect(validationIssues(() => LlamaStack.fromDistributionManifest(chart(), 'stack', cr as any))).toEqual([
      'manifest: expected the CR as YAML text (pass a parsed object to fromDistributionManifestObject / propsFromDistributionManifestObject)',
    ]);
    expect(validationIssues(() => LlamaStack.propsFromDistributionManifestObject(yaml.dump(cr) as any))).toEqual([
      'manifest: expected the CR as an object, got text (pass YAML text to fromDistributionManifest / propsFromDistributionManifest)',
    ]);
  });

  test('exposeRoute booleans, \'50%\' budgets, single providers and string models and shields', () => {
    const props = LlamaStack.propsFromDistributionManifestObject(cr);
    expect(props.networking?.expose).toEqual({ enabled: false });
    expect(props.workload?.podDisruptionBudget).toEqual({ minAvailablePercent: 50 });
    const exposed = LlamaStack.propsFromDistributionManifestObject({ ...cr, spec: { ...cr.spec, network: { exposeRoute: true } } });
    expect(exposed.networking?.expose).toEqual({});
    expect(LlamaStack.propsFromDistributionManifestObject({
      ...cr,
      spec: { ...cr.spec, server: { ...cr.spec.server, podDisruptionBudget: { maxUnavailable: '2' } } },
    }).workload?.podDisruptionBudget).toEqual({ maxUnavailable: 2 });
    const v2 = LlamaStack.propsFromDistributionManifestObject({
      apiVersion: 'llamastack.io/v1alpha2',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'v2' },
      spec: {
        distribution: { name: 'starter' },
        providers: { inference: { provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1' }, safety: { provider: 'llama-guard' } },
        resources: { models: ['m1', { name: 'm2', provider: 'vllm' }], shields: ['meta-llama/Llama-Guard-3-8B'] },
      },
    });
    expect(v2.providers).toEqual({ inference: [{ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1' }], safety: [{ provider: 'llama-guard' }] });
    expect(v2.resources).toEqual({ models: [{ name: 'm1' }, { name: 'm2', provider: 'vllm' }], shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }] });
  });

  test('round trips: v1alpha1 keeps exposeRoute: false and \'50%\'; secretEnv becomes a secretKeyRef env entry', () => {
    const issues = new IssueCollector();
    const converted = propsFromDistribution(issues, cr)!;
    expect(issues.issues).toEqual([]);
    const back = distributionFromProps(converted.name, converted.namespace, converted.props, converted.apiVersion);
    expect(back.apiVersion).toBe('llamastack.io/v1alpha1');
    expect(back.manifest.spec.network).toEqual({ exposeRoute: false });
    expect(back.manifest.spec.server.podDisruptionBudget).toEqual({ minAvailable: '50%' });
    const out = distributionFromProps('s', undefined, { ...base, env: { B: 'b' }, secretEnv: { A: { name: 'sa', key: 'ka' } } });
    expect(out.manifest.spec.server.containerSpec.env).toEqual([
      { name: 'A', valueFrom: { secretKeyRef: { name: 'sa', key: 'ka' } } },
      { name: 'B', value: 'b' },
    ]);
  });
});
