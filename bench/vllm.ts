// Synth time of apps with many VllmModels (on GPU node pools, each behind a LlamaStack provider every
// tenth model), against the same objects as raw ApiObjects.
import { App, Chart } from 'cdk8s';
import { compareWithBaseline, SynthComparison } from './util';
import { GpuNodePool, LlamaStack, VllmModel } from '../src';

export interface VllmBench extends SynthComparison {
  readonly models: number;
}

/** The bench app with `models` models; test/bench.test.ts synthesizes a small one. */
export function build(models: number): (app: App) => void {
  return (app) => {
    const chart = new Chart(app, 'bench', { namespace: 'llm' });
    // 8 GPUs per node; enough nodes for every model's pod.
    const pool = new GpuNodePool(chart, 'pool', { gpuProduct: 'NVIDIA-H100-80GB-HBM3', gpusPerNode: 8, nodes: Math.ceil(models / 8) });
    const providers = [];
    for (let i = 0; i < models; i++) {
      const m = new VllmModel(chart, `model-${i}`, {
        model: `org/model-${i}-8B-Instruct`,
        environment: 'production',
        nodePool: pool,
        maxModelLen: 8192,
        extraArgs: ['--enable-chunked-prefill', '--max-num-batched-tokens', '8192'],
        hfToken: { name: 'hf', key: 'token' },
      });
      if (i % 10 === 0) providers.push(m.asInferenceProvider());
    }
    new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: providers } });
  };
}

export function benchVllm(sizes: number[]): VllmBench[] {
  return sizes.map((models) => {
    const rounds = models >= 1000 ? 5 : models >= 100 ? 10 : 30;
    return { models, ...compareWithBaseline(build(models), rounds, 2) };
  });
}
