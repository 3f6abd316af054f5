/**
 * Every TypeScript example in the docs runs through the library, so an example that the library (and so
 * Llama Stack, vLLM and Kubernetes, whose rules it checks) would refuse cannot come back: whole programs
 * run as they are (`cdk8s-llama-stack` is this source tree), statements run after a prelude that defines
 * the names the docs use (`app`, `chart`, `llama`, ...), and prop fragments (`providers: { ... }`) are
 * wrapped into a LlamaStack (or, in docs/vllm-models.md, a VllmModel). Every object synthesized must pass
 * the conformance checks. Blocks that cannot run here are listed in SKIP with the reason; the list is
 * checked too, so it cannot keep entries that no longer exist.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import * as lib from '../src';
import { withContext } from './support/app';
import { conformanceProblems, Manifest } from './support/manifests';
import { setWarningSink } from '../src/core/synth';

const ROOT = path.join(__dirname, '..');
const DOCS = ['README.md', 'API.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** `<file>: <first code line>` -> why the block cannot run here. */
const SKIP: Record<string, string> = {
  'docs/model-registry.md: import { Pool } from \'pg\';': 'a router program: needs a PostgreSQL server and the pg package',
  'docs/rollout-workflow.md: test(\'each environment runs the spec of the one before it\', () => {': 'a jest test of the user\'s own repository',
  'docs/migrating-from-the-operator.md: import { ApiObject, ApiObjectProps } from \'cdk8s\';': 'declares a class for the user\'s own operator resources',
  'docs/vllm-models.md: image: \'registry.example.com/ml/vllm-openai@sha256:4f1c…\',   // a mirror, pinned by digest': 'an abbreviated digest',
  'docs/environment-separation.md: import { Testing } from \'cdk8s\';': 'a jest test of the user\'s own repository (imports its ../src/platform)',
};

interface Block {
  readonly file: string;
  readonly key: string;
  readonly code: string;
}

function blocks(): Block[] {
  const out: Block[] = [];
  for (const file of DOCS) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    // API.md: the constructs' @example blocks (the rest of its blocks are signatures).
    const pattern = file === 'API.md' ? /\*Example\*\n\n```typescript\n([\s\S]*?)```/g : /```ts\n([\s\S]*?)```/g;
    for (const m of text.matchAll(pattern)) {
      const first = m[1].split('\n').find((l) => l.trim() && !l.trim().startsWith('//')) ?? '';
      out.push({ file, key: `${file}: ${first.trim()}`, code: m[1] });
    }
  }
  return out;
}

/** An outline of a props type (`port?: number;`), which documents rather than runs. */
function isOutline(code: string): boolean {
  return /^\s*\w+\?: /m.test(code);
}

/** A fragment of props (`providers: {...}`) rather than statements. */
function isFragment(code: string): boolean {
  const first = code.split('\n').find((l) => l.trim() && !l.trim().startsWith('//'))!.trim();
  return /^[a-zA-Z]+: /.test(first) && !/^(const|let|new|import|export)\b/.test(first);
}


/**
 * The names the docs' statements and fragments use, made the way the docs make them. The helpers live in a
 * chart of their own (namespace `models`), so a block may create objects of the same names in `chart`.
 */
const PRELUDE = `
const { App, Chart, Testing, JsonPatch } = require('cdk8s');
const { k8s } = require('cdk8s-plus-28');
const fs = require('fs');
const { LlamaStack, VllmModel, GpuNodePool, ModelRegistry, ModelRegistryEntry, ModelPlatform, ExternalProvider, InferenceProvider,
  ClusterDns, WarningCode, NetworkPeer, ValidationError, LlamaStackDashboard } = lib;
const app = __app;
const helpers = new Chart(app, 'prelude', { namespace: 'models' });
const chart = new Chart(app, 'doc', { namespace: 'llm' });
const pool = new GpuNodePool(helpers, 'pool', { gpuProduct: 'NVIDIA-A100-SXM4-80GB', gpusPerNode: 8, nodes: 4 });
const llama = new VllmModel(helpers, 'llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', nodePool: pool, apiKey: { name: 'vllm-creds', key: 'token' } });
const qwen = new VllmModel(helpers, 'qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'production', servedModelName: 'qwen' });
const bge = new VllmModel(helpers, 'bge', { model: 'BAAI/bge-m3', parameters: '568M', environment: 'production' });
const model = llama;
const registry = new ModelRegistry(helpers, 'registry', { database: { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' } });
const props = { distribution: { name: 'starter' }, networking: { allowInternetEgress: true } };
const stack = new LlamaStack(helpers, 'stack', props);
// Fragments that run several pods are shown on a stack that keeps no state in its pods.
const __shared = {
  distribution: { name: 'starter' },
  storage: { kv: { type: 'redis', host: 'redis.state.svc' }, sql: { type: 'postgres', host: 'pg.state.svc', user: 'llama' } },
  providers: {
    vectorIo: [{ id: 'rag', provider: 'pgvector', endpoint: 'postgresql://pg.state.svc:5432', settings: { db: 'llama', user: 'llama' } }],
    files: [{ id: 's3', provider: 's3', endpoint: 'http://minio.state.svc:9000', settings: { bucket_name: 'files' } }],
  },
  disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec', 'files/builtin-files'],
};
const crYaml = __sampleCr;
const fixedCrYaml = __sampleCr;
`;

const SAMPLE_CR = `apiVersion: llamastack.io/v1alpha1
kind: LlamaStackDistribution
metadata:
  name: llamastackdistribution-sample
spec:
  replicas: 1
  server:
    distribution:
      name: starter
`;

const GUARD_SPEC = `apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata:
  name: acme-guard
  version: "0.3.1"
  vendor: Acme Corp
spec:
  packageName: acme_guard
  providerType: remote::acme-guard
  api: safety
  wheelPath: /lls-provider/packages/acme_guard-0.3.1-py3-none-any.whl
`;

function transpile(code: string): string {
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true };
  return ts.transpileModule(code, { compilerOptions }).outputText;
}

/** Runs one block; returns the app it built. */
function run(block: Block, dir: string): App {
  const app = withContext({});
  // The blocks' own imports: this source tree for the library, the test's modules for the rest.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFor = (id: string) => (id === 'cdk8s-llama-stack' ? lib : require(id));
  // app.node.setContext must come before any construct: the block's own calls run before the prelude.
  const contextCalls = (block.code.match(/^app\.node\.setContext\([\s\S]*?\);/gm) ?? []).join('\n').replace(/^app\./gm, '__app.');
  const code = block.code.replace(/^app\.node\.setContext\([\s\S]*?\);/gm, '');
  const prelude = transpile(`const { LlamaStack: __L, ClusterDns: __D } = lib;\n${contextCalls.replace(/\bLlamaStack\./g, '__L.').replace(/\bClusterDns\./g, '__D.')}\n${PRELUDE}`);
  let source: string;
  if (/^import /m.test(code)) {
    // A program (or statements with imports): in a block of its own, with its App replaced by ours.
    source = `${prelude}\n{\n${transpile(code).replace(/new (\w+\.)?App\(\)/g, '__app')}\n}`;
  } else if (code.trim() !== '' && isFragment(code)) {
    const construct = block.file === 'docs/vllm-models.md'
      ? `new VllmModel(chart, 'fragment', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'staging', ${code} })`
      : `new LlamaStack(chart, 'fragment', { ...(${/replicas|autoscaling/.test(code)} ? __shared : { distribution: { name: 'starter' } }), ${code} })`;
    source = `${prelude}\n{\n${transpile(`${construct};`)}\n}`;
  } else {
    source = `${prelude}\n{\n${transpile(code)}\n}`;
  }
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    // A Function of this realm (jest's): object literals of another realm are not plain objects to cdk8s's
    // resolver, which then renders them wrongly (an env var {name, value} would lose its name).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function('require', 'lib', '__app', '__sampleCr', 'exports', 'module', `${source}\n//# sourceURL=${block.key.replace(/\s/g, '_')}`);
    fn(requireFor, lib, app, SAMPLE_CR, {}, { exports: {} });
  } finally {
    process.chdir(cwd);
  }
  return app;
}

describe('docs examples', () => {
  const all = blocks();
  let restore: (l: string) => void;
  let dir: string;
  beforeAll(() => {
    restore = setWarningSink(() => undefined); // the examples' warnings are the docs' business
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-'));
    fs.writeFileSync(path.join(dir, 'llsd.yaml'), SAMPLE_CR);
    // docs/external-providers.md reads a safety provider's spec file from the provider's source tree.
    fs.mkdirSync(path.join(dir, 'providers', 'guard'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'providers', 'guard', 'lls-provider-spec.yaml'), GUARD_SPEC);
  });
  afterAll(() => {
    setWarningSink(restore);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the skip list names blocks that exist, and most blocks run', () => {
    const keys = new Set(all.map((b) => b.key));
    expect(Object.keys(SKIP).filter((k) => !keys.has(k))).toEqual([]);
    expect(all.filter((b) => isOutline(b.code)).length).toBeLessThanOrEqual(4);
    expect(all.length - Object.keys(SKIP).length).toBeGreaterThanOrEqual(50);
  });

  test('every construct of the library has an @example in API.md (and it is among the blocks run here)', () => {
    const api = fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8');
    const constructs = Object.entries(lib).filter(([, v]) => typeof v === 'function' && v.prototype instanceof Construct).map(([k]) => k).sort();
    expect(constructs).toEqual(expect.arrayContaining(['GpuNodePool', 'LlamaStack', 'ModelPlatform', 'ModelRegistry', 'ModelRegistryEntry', 'VllmModel']));
    const section = (name: string) => api.split(/^### /m).find((x) => x.startsWith(`${name} <a name=`)) ?? '';
    expect(constructs.filter((c) => !section(c).includes('*Example*'))).toEqual([]);
    expect(all.filter((b) => b.file === 'API.md')).toHaveLength(constructs.length);
  });

  test.each(blocks().filter((b) => !(b.key in SKIP) && !isOutline(b.code)).map((b) => [b.key, b] as const))('%s', (_key, block) => {
    const app = run(block, dir);
    const objs = app.charts.flatMap((c: Chart) => Testing.synth(c)) as Manifest[];
    expect(objs.length).toBeGreaterThan(0);
    if (conformanceProblems(objs).length) console.log(JSON.stringify(objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'fragment')?.spec.template.spec.containers[0].env));
    expect(conformanceProblems(objs)).toEqual([]);
  });
});
