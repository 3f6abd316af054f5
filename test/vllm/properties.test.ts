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

/** Real flags of the pinned vLLM release that the construct does not set itself (from `vllm serve --help`). */
const REAL_FLAGS = ['--enable-chunked-prefill', '--no-enable-log-requests', '--disable-log-stats'];
/** Flags that must be refused: removed from vLLM (--swap-space) or owned by a prop (--port, --enforce-eager). */
const REFUSED_FLAGS = ['--swap-space', '--port', '--enforce-eager'];

test('random extra flags are either accepted as real flags or rejected with a ValidationError, never a crash', () => {
  const seen = { accepted: 0, rejected: 0 };
  const flag = fc.oneof(fc.stringMatching(/^--?[a-z][a-z-]{0,24}$/), fc.constantFrom(...REAL_FLAGS), fc.constantFrom(...REFUSED_FLAGS));
  fc.assert(fc.property(fc.array(flag, { maxLength: 4 }), (extraArgs) => {
    let objs: Manifest[];
    try {
      objs = synth({ model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'production', extraArgs });
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const flagged = (err as ValidationError).issues.map((i) => Number(/^extraArgs\[(\d+)\]$/.exec(i.path)?.[1] ?? NaN));
      expect(flagged.every((i) => Number.isInteger(i) && i < extraArgs.length)).toBe(true);
      // A real flag is never the one refused; every removed or owned flag is.
      expect(flagged.filter((i) => REAL_FLAGS.includes(extraArgs[i]))).toEqual([]);
      expect(extraArgs.flatMap((a, i) => (REFUSED_FLAGS.includes(a) ? [i] : [])).filter((i) => !flagged.includes(i))).toEqual([]);
      seen.rejected++;
      return;
    }
    // Accepted: no refused flag among them, and the container runs them verbatim, after the construct's own.
    expect(extraArgs.filter((a) => REFUSED_FLAGS.includes(a))).toEqual([]);
    const args: string[] = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].args;
    expect(args.slice(args.length - extraArgs.length)).toEqual(extraArgs);
    expect(args.slice(0, args.length - extraArgs.length)).toEqual(expect.arrayContaining(['meta-llama/Llama-3.1-8B-Instruct', '--port', '8000']));
    if (extraArgs.length > 0) seen.accepted++;
  }), { numRuns: 200 });
  // Both branches ran (the property above is not satisfied by one kind of input only).
  expect(seen.accepted).toBeGreaterThanOrEqual(5);
  expect(seen.rejected).toBeGreaterThanOrEqual(5);
});
