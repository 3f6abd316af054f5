// Performance figures for the config engine, the LlamaStack and the VllmModel constructs. Prints numbers only (no
// assertions on time): `npm run bench`. The figures are also written to bench/results/latest.json.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { benchExternalProviders } from './external-providers';
import { benchPlatform } from './platform';
import { compareWithBaseline, measure, percentile } from './util';
import { benchVllm } from './vllm';
import { LlamaStack, LlamaStackProps, ModelSpec } from '../src';
import { ConfigInput, generateConfig } from '../src/config/generate';

const GEN_TARGET_MS = 1;
const OVERHEAD_TARGET = 1.5;
const STACKS = 50;

const secret = (name: string, key: string) => ({ name, key });

const small: LlamaStackProps = {
  distribution: { name: 'starter' },
  providers: {
    inference: { provider: 'vllm', endpoint: 'http://llama-8b.models.svc:8000/v1', apiKey: secret('vllm-creds', 'token') },
  },
  resources: { models: ['meta-llama/Llama-3.1-8B-Instruct'] },
};

const vllm = (n: number) => ({
  provider: 'vllm', id: `vllm-${n}`, endpoint: `http://llm-${n}.models.svc:8000/v1`, apiKey: secret(`vllm-${n}`, 'token'),
});
const models = (count: number, providers: number): ModelSpec[] => Array.from({ length: count }, (_, i) => ({
  name: `model-${i}`, provider: `vllm-${i % providers}`, providerModelId: `org/model-${i}`, contextLength: 8192,
}));

const medium: ConfigInput = {
  distribution: { name: 'starter' },
  providers: {
    inference: [0, 1, 2].map(vllm),
    safety: { provider: 'llama-guard' },
    vectorIo: { provider: 'remote::chromadb', endpoint: 'http://chroma.db.svc:8000' },
  },
  resources: { models: models(10, 3) },
  storage: {
    sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: secret('pg', 'password') },
    kv: { type: 'redis', host: 'redis.db.svc' },
  },
};

const large: ConfigInput = {
  distribution: { name: 'starter' },
  providers: {
    inference: [...[0, 1, 2, 3].map(vllm), { provider: 'inline::sentence-transformers', id: 'embeddings' }],
    safety: { provider: 'llama-guard' },
    vectorIo: [
      { provider: 'remote::chromadb', id: 'chromadb', endpoint: 'http://chroma.db.svc:8000' },
      {
        provider: 'pgvector',
        id: 'pgvector',
        endpoint: 'postgresql://pgvector.db.svc:5432',
        settings: { db: 'vectors', user: 'llama' },
        secretRefs: { password: secret('pgvector', 'password') },
      },
    ],
    toolRuntime: { provider: 'tavily-search', apiKey: secret('tavily', 'api-key') },
    files: { provider: 'localfs' },
  },
  resources: {
    models: [
      ...models(46, 4),
      // The guard model the shield checks with (Llama Guard calls it through the inference API).
      { name: 'meta-llama/Llama-Guard-3-8B', provider: 'vllm-0' },
      ...[0, 1, 2, 3].map((i): ModelSpec => ({
        name: `embed-${i}`,
        provider: 'embeddings',
        providerModelId: 'nomic-ai/nomic-embed-text-v1.5',
        modelType: 'embedding',
        embeddingDimension: 768,
      })),
    ],
    shields: ['meta-llama/Llama-Guard-3-8B'],
    tools: ['builtin::websearch'],
  },
  storage: {
    sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: secret('pg', 'password') },
    kv: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama_kv', password: secret('pg', 'password') },
  },
  disabled: ['eval'],
};

interface GenResult { size: string; shape: string; calls: number; medianMs: number; p95Ms: number; outputBytes: number; targetMet: boolean }

function benchGeneration(size: string, shape: string, input: ConfigInput, calls: number): GenResult {
  const out = generateConfig(input);
  measure(() => generateConfig(input), 200);
  const samples = measure(() => generateConfig(input), calls);
  const outputBytes = Buffer.byteLength(out.yaml ?? '');
  const medianMs = percentile(samples, 50);
  return { size, shape, calls, medianMs, p95Ms: percentile(samples, 95), outputBytes, targetMet: medianMs < GEN_TARGET_MS };
}

/** Stack i of the synth benchmark: like `small`, with its own endpoint and model (no two configs alike). */
function stackProps(i: number): LlamaStackProps {
  return {
    ...small,
    providers: { inference: { provider: 'vllm', endpoint: `http://llama-${i}.models.svc:8000/v1`, apiKey: secret('vllm-creds', 'token') } },
    resources: { models: [`org/model-${i}`] },
  };
}

function benchSynth(rounds: number, warmups: number) {
  const build = (app: App) => {
    const chart = new Chart(app, 'bench', { namespace: 'llm' });
    for (let i = 0; i < STACKS; i++) new LlamaStack(chart, `stack-${i}`, stackProps(i));
  };
  return { stacks: STACKS, ...compareWithBaseline(build, rounds, warmups) };
}

const fmt = (ms: number) => ms.toFixed(3);

console.log(`cdk8s-llama-stack bench: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
const generation = [
  benchGeneration('small', '1 provider / 1 model', small, 2000),
  benchGeneration('medium', '5 providers / 10 models / storage', medium, 1000),
  benchGeneration('large', '10 providers / 50 models / everything', large, 300),
];
for (const g of generation) console.log(`generateConfig ${g.size}: median ${fmt(g.medianMs)} ms, p95 ${fmt(g.p95Ms)} ms (${g.calls} calls)`);
const synth = benchSynth(20, 3);
console.log(`synth ${synth.stacks} stacks (${synth.objects} objects): construct ${fmt(synth.constructMs)} ms, baseline ${fmt(synth.baselineMs)} ms`);

const vllmApps = benchVllm([10, 100, 1000]);
for (const v of vllmApps) console.log(`synth ${v.models} VllmModels (${v.objects} objects): construct ${fmt(v.constructMs)} ms, baseline ${fmt(v.baselineMs)} ms`);

const platformApp = benchPlatform();
console.log(`synth platform (3 environments, 20 models, 5 stacks; ${platformApp.objects} objects): construct ${fmt(platformApp.constructMs)} ms, baseline ${fmt(platformApp.baselineMs)} ms`);

const externalProviders = benchExternalProviders([1, 5, 10]);

const synthMet = synth.ratio < OVERHEAD_TARGET;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log('\n| benchmark | shape | median ms | p95 ms | output bytes | target (info only) |');
console.log('|---|---|---:|---:|---:|---|');
for (const g of generation) {
  console.log(`| generateConfig ${g.size} | ${g.shape} | ${fmt(g.medianMs)} | ${fmt(g.p95Ms)} | ${g.outputBytes} | < ${GEN_TARGET_MS} ms: ${met(g.targetMet)} |`);
}
console.log(`| synth construct | ${synth.stacks} LlamaStacks, ${synth.objects} objects | ${fmt(synth.constructMs)} | | | |`);
console.log(`| synth baseline | ${synth.objects} raw ApiObjects | ${fmt(synth.baselineMs)} | | | |`);
console.log(`| construct / baseline | | ${synth.ratio.toFixed(2)}x | | | < ${OVERHEAD_TARGET}x: ${met(synthMet)} |`);
for (const v of vllmApps) {
  const shape = `${v.models} VllmModels + 1 LlamaStack, ${v.objects} objects`;
  console.log(`| synth VllmModel apps | ${shape} | ${fmt(v.constructMs)} (baseline ${fmt(v.baselineMs)}, ${v.ratio.toFixed(2)}x) | | | |`);
}
const platformShape = `3 environments x (20 models + 5 stacks + registry), ${platformApp.objects} objects`;
console.log(`| synth ModelPlatform | ${platformShape} | ${fmt(platformApp.constructMs)} (baseline ${fmt(platformApp.baselineMs)}, ${platformApp.ratio.toFixed(2)}x) | | | |`);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  generation,
  synth,
  vllmApps,
  platform: platformApp,
  externalProviders,
  targets: {
    generationMedianMs: { target: GEN_TARGET_MS, met: Object.fromEntries(generation.map((g) => [g.size, g.targetMet])) },
    constructOverheadRatio: { target: OVERHEAD_TARGET, actual: synth.ratio, met: synthMet },
  },
};
const outDir = path.join(__dirname, 'results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, 'latest.json'))}`);
