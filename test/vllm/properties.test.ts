import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { GpuNodePool, VllmModel, VllmModelProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { Manifest, openApiErrors, pssViolations, uncoveredWorkloads } from '../support/manifests';

const propsArb: fc.Arbitrary<VllmModelProps> = fc.record({
  model: fc.constantFrom('meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct', 'meta-llama/Llama-3.3-70B-Instruct', 'mistralai/Mixtral-8x7B-v0.1'),
  environment: fc.constantFrom('development', 'staging', 'production'),
  replicas: fc.integer({ min: 0, max: 3 }),
  tensorParallelSize: fc.constantFrom(1, 2, 4),
  pipelineParallelSize: fc.constantFrom(1, 2),
  maxModelLen: fc.option(fc.integer({ min: 512, max: 131072 }), { nil: undefined }),
  gpuMemoryUtilization: fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: undefined }),
  enablePrefixCaching: fc.option(fc.boolean(), { nil: undefined }),
  offline: fc.option(fc.boolean(), { nil: undefined }),
  allowSurge: fc.option(fc.boolean(), { nil: undefined }),
  cache: fc.option(fc.record({ size: fc.constantFrom('50Gi', '1Ti'), accessMode: fc.constant('ReadWriteMany') }), { nil: undefined }),
  chatTemplate: fc.option(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), { nil: undefined }),
  extraArgs: fc.option(
    fc.subarray([['--enable-chunked-prefill'], ['--max-num-batched-tokens', '8192'], ['--no-enable-log-requests']]).map((groups) => groups.flat()),
    { nil: undefined },
  ),
}, { requiredKeys: ['model', 'environment'] }).filter((p) => !(p.offline && p.cache === undefined));

function synth(props: VllmModelProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'p', { namespace: 'llm' });
  const pool = new GpuNodePool(chart, 'pool', { gpusPerNode: 8, nodes: 100 });
  new VllmModel(chart, 'm', { ...props, nodePool: pool });
  return Testing.synth(chart) as Manifest[];
}

test('any valid combination synthesizes schema-valid, restricted, covered, deterministic objects with GPUs = TP x PP', () => {
  fc.assert(fc.property(propsArb, (props) => {
    const objs = synth(props);
    expect(openApiErrors(objs)).toEqual([]);
    expect(objs.flatMap(pssViolations)).toEqual([]);
    expect(uncoveredWorkloads(objs)).toEqual([]);
    expect(yaml.dump(synth(props))).toBe(yaml.dump(objs));
    const c = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    const gpus = String((props.tensorParallelSize ?? 1) * (props.pipelineParallelSize ?? 1));
    expect(c.resources.limits['nvidia.com/gpu']).toBe(gpus);
    expect(c.resources.requests['nvidia.com/gpu']).toBe(gpus);
  }), { numRuns: 60 });
});

test('random extra flags are either accepted as real flags or rejected with a ValidationError, never a crash', () => {
  fc.assert(fc.property(fc.array(fc.stringMatching(/^--?[a-z][a-z-]{0,24}$/), { maxLength: 4 }), (extraArgs) => {
    try {
      synth({ model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', extraArgs });
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.every((i) => i.path.startsWith('extraArgs['))).toBe(true);
    }
  }), { numRuns: 200 });
});
