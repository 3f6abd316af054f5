// One app run as a user runs it, for the whole-process bench (bench/whole-process.ts): node starts, loads
// cdk8s and the compiled library (lib/), builds the app, synthesizes it and writes the YAML to `outdir`.
//   node bench/whole-process-app.js library <models> <outdir>     the library's constructs
//   node bench/whole-process-app.js raw <manifests.json> <outdir>  the same objects as raw ApiObjects
const fs = require('fs');
const { ApiObject, App, Chart } = require('cdk8s');

const [mode, arg, outdir] = process.argv.slice(2);
const app = new App({ outdir });
const chart = new Chart(app, 'bench', { namespace: 'llm' });
if (mode === 'library') {
  // The models of bench/vllm.ts: 8B models on an H100 pool, every tenth one behind the stack.
  // BENCH_LIBRARY: the library's sources instead (test/bench.test.ts, under ts-node).
  const { GpuNodePool, LlamaStack, VllmModel } = require(process.env.BENCH_LIBRARY || '../lib');
  const models = Number(arg);
  const pool = new GpuNodePool(chart, 'pool', { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: Math.ceil(models / 8) });
  const providers = [];
  for (let i = 0; i < models; i++) {
    const m = new VllmModel(chart, `model-${i}`, {
      model: `org/model-${i}-8B-Instruct`, environment: 'production', nodePool: pool, maxModelLen: 8192,
      extraArgs: ['--enable-chunked-prefill', '--max-num-batched-tokens', '8192'], hfToken: { name: 'hf', key: 'token' },
    });
    if (i % 10 === 0) providers.push(m.asInferenceProvider());
  }
  new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: providers }, acknowledgedWarnings: ['download-blocked'] });
} else if (mode === 'raw') {
  JSON.parse(fs.readFileSync(arg, 'utf8')).forEach((obj, i) => new ApiObject(chart, `o${i}`, obj));
} else {
  throw new Error(`unknown mode '${mode}'`);
}
app.synth();
