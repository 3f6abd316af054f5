/**
 * The public API as Python, Java, .NET and Go see it (docs/languages.md). jsii passes a struct in a union
 * slot through as a plain dict/map: Python keeps its snake_case keys (`provider_model_id`), so the library
 * silently dropped them; an `any` slot has the same problem, and jsii cannot call an async static method from
 * Python. So the compiled assembly must hold no union, no `any` outside the allowlist below (free-form JSON
 * passed through verbatim, and jsii's `isXxx(x: any)` type guards) and no async method.
 *
 * The test compiles a scratch copy of src/ with jsii (a few seconds), so it does not depend on whether
 * `npx projen compile` ran before it, and never writes the project's lib/ or .jsii while other tests read them.
 * jsii assembly format: https://github.com/aws/jsii/blob/main/packages/%40jsii/spec/src/assembly.ts
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/**
 * `any` that is right for every language: maps of user JSON written to output as they are (a Python dict's
 * keys are the provider's own snake_case keys, which is what these maps want), and jsii's type-guard
 * pattern (`Construct.isConstruct(x: any)`).
 */
export const ANY_ALLOWED: Record<string, string> = {
  'ProviderSpec.settings': 'provider config keys, written to config.yaml verbatim and checked against the provider schema',
  'ModelSpec.metadata': 'model metadata, written to config.yaml verbatim',
  'ExternalProviderSpecFileOptions.config': 'the external provider\'s config block, written verbatim',
  'VllmModelOptions.generationConfig': 'vLLM --override-generation-config JSON, passed through verbatim',
  'DistributionManifest.manifest': 'a LlamaStackDistribution custom resource object, as Kubernetes returns it',
  'LlamaStack.fromDistributionManifestObject(manifest)': 'a LlamaStackDistribution custom resource object (parsed YAML/JSON)',
  'LlamaStack.propsFromDistributionManifestObject(manifest)': 'a LlamaStackDistribution custom resource object (parsed YAML/JSON)',
  'ModelRegistry.isModelRegistry(x)': 'type guard (jsii pattern of Construct.isConstruct)',
  'ModelRegistryEntry.isModelRegistryEntry(x)': 'type guard (jsii pattern of Construct.isConstruct)',
  'ValidationError.isValidationError(x)': 'type guard (jsii pattern of Construct.isConstruct)',
};


type TypeRef = { primitive?: string; fqn?: string; collection?: { kind: string; elementtype: TypeRef }; union?: { types: TypeRef[] } };
interface Parameter { name: string; type: TypeRef }
interface Member { name: string; type?: TypeRef; returns?: { type?: TypeRef }; parameters?: Parameter[]; async?: boolean; static?: boolean }
interface JsiiType { fqn: string; name: string; properties?: Member[]; methods?: Member[]; initializer?: { parameters?: Parameter[] } }
export interface Assembly { name: string; types: Record<string, JsiiType> }

function show(t: TypeRef | undefined): string {
  if (!t) return 'void';
  if (t.primitive) return t.primitive;
  if (t.fqn) return t.fqn;
  if (t.collection) return `${t.collection.kind}<${show(t.collection.elementtype)}>`;
  if (t.union) return `(${t.union.types.map(show).join(' | ')})`;
  return JSON.stringify(t);
}

function refs(t: TypeRef | undefined): TypeRef[] {
  if (!t) return [];
  if (t.collection) return [t, ...refs(t.collection.elementtype)];
  if (t.union) return [t, ...t.union.types.flatMap(refs)];
  return [t];
}

/** What keeps the assembly from working in other languages, one line per problem; also allowlist entries that no longer exist. */
export function apiProblems(asm: Assembly, anyAllowed: Record<string, string>): string[] {
  const problems: string[] = [];
  const seenAny = new Set<string>();
  for (const t of Object.values(asm.types)) {
    const slots: Array<[string, TypeRef | undefined]> = [];
    for (const p of t.properties ?? []) slots.push([`${t.name}.${p.name}`, p.type]);
    for (const m of t.methods ?? []) {
      slots.push([`${t.name}.${m.name}()`, m.returns?.type]);
      for (const a of m.parameters ?? []) slots.push([`${t.name}.${m.name}(${a.name})`, a.type]);
      if (m.async) problems.push(`${t.name}.${m.name}() is async: jsii cannot call ${m.static ? 'an async static method' : 'async methods'} from every language`);
    }
    for (const a of t.initializer?.parameters ?? []) slots.push([`${t.name}(${a.name})`, a.type]);
    for (const [where, type] of slots) {
      for (const r of refs(type)) {
        if (r.union) problems.push(`${where} is a union ${show(r)}: use a list, separate props, or a class with static factories`);
        if (r.primitive === 'any') {
          if (where in anyAllowed) seenAny.add(where);
          else problems.push(`${where} is ${show(type)}: any outside the allowlist`);
        }
        // cdk8s-plus is an implementation dependency: a type of it in the API would make it a peer (docs/cdk8s-plus.md).
        if (/^cdk8s-plus-\d+\./.test(r.fqn ?? '')) problems.push(`${where} is ${show(type)}: a cdk8s-plus type`);
      }
    }
  }
  for (const where of Object.keys(anyAllowed)) {
    if (!seenAny.has(where)) problems.push(`allowlist entry ${where} has no 'any' in the API: remove it`);
  }
  return problems.sort();
}

/** A scratch copy of the library (src/, package.json, tsconfig.json), compiled with jsii. */
function compileScratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-api-'));
  for (const f of ['package.json', 'tsconfig.json', 'README.md', 'LICENSE']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], { cwd: dir, stdio: 'pipe', env: JSII_ENV });
  return dir;
}

const JSII_ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] };
let scratch: string;
beforeAll(() => {
  scratch = compileScratch();
});
afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const prop = (name: string, type: TypeRef): Member => ({ name, type });
const struct = (name: string, ...properties: Member[]): JsiiType => ({ fqn: `lib.${name}`, name, properties });
const asm = (...types: JsiiType[]): Assembly => ({ name: 'lib', types: Object.fromEntries(types.map((t) => [t.fqn, t])) });

test('a union, an any outside the allowlist, an async method and a cdk8s-plus type are each reported', () => {
  const a = asm(
    struct('P', prop('one', { union: { types: [{ fqn: 'lib.S' }, { collection: { kind: 'array', elementtype: { fqn: 'lib.S' } } }] } })),
    struct('Q', prop('deep', { collection: { kind: 'map', elementtype: { union: { types: [{ primitive: 'string' }, { fqn: 'lib.R' }] } } } })),
    struct('M', prop('settings', { collection: { kind: 'map', elementtype: { primitive: 'any' } } }), prop('other', { primitive: 'any' })),
    { fqn: 'lib.C', name: 'C', methods: [{ name: 'resolve', async: true, static: true, parameters: [{ name: 'x', type: { primitive: 'string' } }] }] },
    struct('K', prop('tolerations', { collection: { kind: 'array', elementtype: { fqn: 'cdk8s-plus-28.k8s.Toleration' } } })),
    struct('Fine', prop('list', { collection: { kind: 'array', elementtype: { fqn: 'lib.S' } } }), prop('n', { primitive: 'number' })),
  );
  expect(apiProblems(a, { 'M.settings': 'json', 'Gone.x': 'json' })).toEqual([
    'C.resolve() is async: jsii cannot call an async static method from every language',
    'K.tolerations is array<cdk8s-plus-28.k8s.Toleration>: a cdk8s-plus type',
    'M.other is any: any outside the allowlist',
    'P.one is a union (lib.S | array<lib.S>): use a list, separate props, or a class with static factories',
    'Q.deep is a union (string | lib.R): use a list, separate props, or a class with static factories',
    'allowlist entry Gone.x has no \'any\' in the API: remove it',
  ]);
  expect(apiProblems(a, { 'M.settings': 'json', 'M.other': 'json' }).filter((p) => !/union|async|cdk8s-plus/.test(p))).toEqual([]);
});

test('the compiled public API has no union, no async method, no cdk8s-plus type and no any outside the allowlist', () => {
  const assembly: Assembly = JSON.parse(fs.readFileSync(path.join(scratch, '.jsii'), 'utf8'));
  expect(assembly.name).toBe('cdk8s-llama-stack');
  expect(Object.keys(assembly.types).length).toBeGreaterThan(50);
  expect(apiProblems(assembly, ANY_ALLOWED)).toEqual([]);
});

/**
 * examples/quickstart-python/main.py against the Python bindings jsii-pacmak generates from the assembly: every
 * class, method and keyword argument it uses exists, required ones are given and lists are lists. It cannot run:
 * the jsii Python runtime comes from PyPI, which this environment cannot reach (docs/languages.md).
 */
test('the Python quickstart uses only classes, methods and keyword arguments the generated Python bindings have', () => {
  const out = path.join(scratch, 'bindings');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-pacmak'), ['--code-only', '--targets', 'python', '-o', out], { cwd: scratch, stdio: 'pipe', env: JSII_ENV });
  const init = path.join(out, 'python', 'src', 'cdk8s_llama_stack', '__init__.py');
  const check = (app: string) => JSON.parse(execFileSync('python3', [path.join(__dirname, 'support', 'python_example_check.py'), init, app, 'lls'], { encoding: 'utf8' }));
  const example = path.join(ROOT, 'examples', 'quickstart-python', 'main.py');
  const result = check(example);
  expect(result.problems).toEqual([]);
  // Every construct and struct of the TypeScript quickstart, and the asInferenceProvider call.
  expect(result.calls).toBe(17);
  // The check can fail: a misspelt keyword, a missing required one, and the one-provider form of earlier releases.
  const bad = path.join(scratch, 'bad.py');
  fs.writeFileSync(bad, fs.readFileSync(example, 'utf8')
    .replace('max_model_len=8192', 'max_model_length=8192')
    .replace('gpus_per_node=8, ', '')
    .replace('inference=[llama.as_inference_provider()]', 'inference=llama.as_inference_provider()'));
  expect(check(bad).problems).toEqual([
    "line 16: GpuNodePool needs 'gpus_per_node'",
    "line 17: VllmModel has no parameter 'max_model_length'",
    expect.stringMatching(/^line 33: ProvidersSpec 'inference' takes a list/),
  ]);
});
