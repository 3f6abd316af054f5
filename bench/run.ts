// Performance figures for the config engine, the LlamaStack and the VllmModel constructs. Prints numbers only (no
// assertions on time): `npm run bench`. The figures are also written to bench/results/latest.json.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { benchExternalProviders } from './external-providers';
import { benchPlatform } from './platform';
import { large, medium, small, stackProps } from './specs';
import { compareWithBaseline, measure, percentile } from './util';
import { benchVllm } from './vllm';
import { benchWholeProcess } from './whole-process';
import { scaleOut } from '../examples/scale-out/app';
import { LlamaStack } from '../src';
import { ConfigInput, generateConfig } from '../src/config/generate';
import { setWarningSink } from '../src/core/synth';

const GEN_TARGET_MS = 1;
const OVERHEAD_TARGET = 1.5;
// Issue 15 §1 (figures, not timed tests): YAML per added VllmModel, a 1000-model app as a whole process,
// and VllmModel apps' construct time against raw ApiObjects.
const BYTES_PER_MODEL_TARGET = 8 * 1024;
const WHOLE_PROCESS_1000_TARGET_MS = 2500;
const VLLM_OVERHEAD_TARGET = 2;
const STACKS = 50;

interface GenResult { size: string; shape: string; calls: number; medianMs: number; p95Ms: number; outputBytes: number; targetMet: boolean }

function benchGeneration(size: string, shape: string, input: ConfigInput, calls: number): GenResult {
  const out = generateConfig(input);
  measure(() => generateConfig(input), 200);
  const samples = measure(() => generateConfig(input), calls);
  const outputBytes = Buffer.byteLength(out.yaml ?? '');
  const medianMs = percentile(samples, 50);
  return { size, shape, calls, medianMs, p95Ms: percentile(samples, 95), outputBytes, targetMet: medianMs < GEN_TARGET_MS };
}

function benchSynth(rounds: number, warmups: number) {
  const build = (app: App) => {
    const chart = new Chart(app, 'bench', { namespace: 'llm' });
    for (let i = 0; i < STACKS; i++) new LlamaStack(chart, `stack-${i}`, stackProps(i));
  };
  return { stacks: STACKS, ...compareWithBaseline(build, rounds, warmups) };
}

const fmt = (ms: number) => ms.toFixed(3);

// The bench apps' warnings (the starter's downloads) are not what is measured.
setWarningSink(() => undefined);
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

// The examples/scale-out app: an autoscaled model with two LoRA adapters (ScaledObject, PodDisruptionBudget), its stack and registry.
const scaleOutApp = compareWithBaseline((app) => void scaleOut(app), 30, 3);
console.log(`synth examples/scale-out (${scaleOutApp.objects} objects): construct ${fmt(scaleOutApp.constructMs)} ms, baseline ${fmt(scaleOutApp.baselineMs)} ms`);

// Whole processes, as `cdk8s synth` runs an app: node start, library load (lib/), synth, YAML written.
const wholeProcess = benchWholeProcess([1, 100, 1000], 7);
if (!wholeProcess) console.log('whole-process apps: skipped, the library is not compiled (run npx projen compile)');
for (const w of wholeProcess ?? []) {
  console.log(`whole process ${w.models} VllmModels (${w.objects} objects, ${w.yamlBytes} bytes of YAML): ${fmt(w.wallMs)} ms, raw ApiObjects ${fmt(w.baselineMs)} ms`);
}

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
  const target = `< ${VLLM_OVERHEAD_TARGET}x: ${met(v.ratio <= VLLM_OVERHEAD_TARGET)}`;
  console.log(`| synth VllmModel apps | ${shape} | ${fmt(v.constructMs)} (baseline ${fmt(v.baselineMs)}, ${v.ratio.toFixed(2)}x) | | | ${target} |`);
}
const platformShape = `3 environments x (20 models + 5 stacks + registry), ${platformApp.objects} objects`;
console.log(`| synth ModelPlatform | ${platformShape} | ${fmt(platformApp.constructMs)} (baseline ${fmt(platformApp.baselineMs)}, ${platformApp.ratio.toFixed(2)}x) | | | |`);
const scaleOutShape = `autoscaled VllmModel + LlamaStack + registry, ${scaleOutApp.objects} objects`;
console.log(`| synth examples/scale-out | ${scaleOutShape} | ${fmt(scaleOutApp.constructMs)} (baseline ${fmt(scaleOutApp.baselineMs)}, ${scaleOutApp.ratio.toFixed(2)}x) | | | |`);

const perAddedModel = (wholeProcess ?? []).slice(1).map((w) => {
  const one = wholeProcess![0];
  const added = w.models - one.models;
  return { models: w.models, bytes: (w.yamlBytes - one.yamlBytes) / added, objects: (w.objects - one.objects) / added };
});
for (const w of wholeProcess ?? []) {
  const added = perAddedModel.find((a) => a.models === w.models);
  const perModel = added ? `, ${(added.bytes / 1024).toFixed(2)} KiB and ${added.objects.toFixed(2)} objects per added model` : '';
  const targets = [
    ...(added ? [`<= ${BYTES_PER_MODEL_TARGET / 1024} KiB per model: ${met(added.bytes <= BYTES_PER_MODEL_TARGET)}`] : []),
    ...(w.models === 1000 ? [`<= ${WHOLE_PROCESS_1000_TARGET_MS} ms: ${met(w.wallMs <= WHOLE_PROCESS_1000_TARGET_MS)}`] : []),
  ].join('; ');
  const shape = `${w.models} VllmModels, ${w.objects} objects${perModel}`;
  console.log(`| whole process (median of ${w.runs}) | ${shape} | ${fmt(w.wallMs)} (raw ApiObjects ${fmt(w.baselineMs)}, ${(w.wallMs / w.baselineMs).toFixed(2)}x) | | ${w.yamlBytes} | ${targets} |`);
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  generation,
  synth,
  vllmApps,
  platform: platformApp,
  scaleOut: scaleOutApp,
  externalProviders,
  wholeProcess,
  targets: {
    generationMedianMs: { target: GEN_TARGET_MS, met: Object.fromEntries(generation.map((g) => [g.size, g.targetMet])) },
    constructOverheadRatio: { target: OVERHEAD_TARGET, actual: synth.ratio, met: synthMet },
    vllmConstructOverheadRatio: {
      target: VLLM_OVERHEAD_TARGET,
      actual: Object.fromEntries(vllmApps.map((v) => [v.models, v.ratio])),
      met: vllmApps.every((v) => v.ratio <= VLLM_OVERHEAD_TARGET),
    },
    yamlBytesPerAddedModel: { target: BYTES_PER_MODEL_TARGET, actual: Object.fromEntries(perAddedModel.map((a) => [a.models, a.bytes])) },
    objectsPerAddedModel: Object.fromEntries(perAddedModel.map((a) => [a.models, a.objects])),
    wholeProcess1000Ms: { target: WHOLE_PROCESS_1000_TARGET_MS, actual: wholeProcess?.find((w) => w.models === 1000)?.wallMs },
  },
};
const outDir = path.join(__dirname, 'results');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${path.relative(process.cwd(), path.join(outDir, 'latest.json'))}`);
