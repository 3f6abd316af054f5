import { spawnSync } from 'child_process';
import { Testing, Yaml } from 'cdk8s';
import * as yaml from 'js-yaml';
import { conformanceProblems, Manifest } from './support/manifests';
import { hostedAndSafety } from '../examples/hosted-and-safety/app';
import { platform } from '../examples/platform/app';
import { production } from '../examples/production/app';
import { quickstart } from '../examples/quickstart/app';
import { scaleOut } from '../examples/scale-out/app';
import { GpuNodePool, VllmModel } from '../src';

const examples = { quickstart, hostedAndSafety, production, platform, scaleOut };

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  const app = Testing.app();
  build(app);
  const objs = app.charts.flatMap((c) => Testing.synth(c)) as Manifest[];

  test('every object is schema-valid (unknown fields rejected), PSS restricted, and covered by a NetworkPolicy', () => {
    expect(objs.length).toBeGreaterThan(0);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the synthesized YAML, as cdk8s writes it, parses with a libyaml-family reader (PyYAML) to the same objects', () => {
    const text = Yaml.stringify(...objs);
    const r = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'], { input: text, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(objs)));
  });

  test('every generated config.yaml parses and names only env vars the pod has', () => {
    const configs = objs.filter((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml']);
    // One per Llama Stack server (a Deployment whose container is llama-stack); every example has at least one.
    const servers = objs.filter((o) => o.kind === 'Deployment' && o.spec.template.spec.containers.some((c: any) => c.name === 'llama-stack'));
    expect(servers.length).toBeGreaterThan(0);
    expect(configs).toHaveLength(servers.length);
    let placeholders = 0;
    for (const cm of configs) {
      // The Deployment in the same namespace that mounts this ConfigMap.
      const deployment = objs.find((o) => o.kind === 'Deployment' && o.metadata.namespace === cm.metadata.namespace
        && o.spec.template.spec.volumes?.some((v: any) => v.configMap?.name === cm.metadata.name));
      const env = new Set(deployment!.spec.template.spec.containers[0].env.map((e: any) => e.name));
      const text: string = cm.data['config.yaml'];
      expect(yaml.load(text)).toMatchObject({ version: 2 });
      const required = [...text.matchAll(/\$\{env\.([A-Z0-9_]+)\}/g)].map((m) => m[1]);
      for (const name of required) expect(env).toContain(name);
      placeholders += required.length;
    }
    // Each example's configs do hold required variables (Secret-backed values at least), so the check above ran.
    expect(placeholders).toBeGreaterThan(0);
  });
});

describe('example scaleOut: an autoscaled 8B model', () => {
  const app = Testing.app();
  scaleOut(app);
  const objs = app.charts.flatMap((c) => Testing.synth(c)) as Manifest[];
  const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('KEDA scales the Deployment between 2 and 6 pods on queue depth and KV cache; a budget lets drains take one pod at a time', () => {
    const so = find('ScaledObject', 'llama-8b-production');
    expect(so.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'llama-8b-production' }, minReplicaCount: 2, maxReplicaCount: 6 });
    expect(so.spec.triggers.map((t: any) => [t.name, t.metadata.threshold])).toEqual([['waiting-requests', '5'], ['kv-cache-usage', '0.8']]);
    for (const t of so.spec.triggers) expect(t.metadata.query).toContain('namespace="llm", service="llama-8b-production", model_name="llama-3.1-8b"');
    // The 8B model's 15-minute startup budget: no scale-in within 15 minutes of a higher recommendation.
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(900);
    expect(find('Deployment', 'llama-8b-production').spec.replicas).toBeUndefined();
    expect(find('PodDisruptionBudget', 'llama-8b-production').spec.maxUnavailable).toBe(1);
  });

  test('two LoRA adapters on every pod: the flags, the pinned download, a stack model and a registry entry each', () => {
    const spec = find('Deployment', 'llama-8b-production').spec.template.spec;
    const args: string[] = spec.containers[0].args;
    const at = args.indexOf('--lora-modules');
    expect(args.slice(at + 1, at + 3).map((v) => JSON.parse(v))).toEqual([
      { name: 'sql', path: '/cache/huggingface/hub/models--org--llama-3.1-8b-sql-lora/snapshots/0dfa347e8877a4d4ed19ee56c140fa518470028c', base_model_name: 'llama-3.1-8b' },
      { name: 'support', path: '/cache/adapters/support', base_model_name: 'llama-3.1-8b' },
    ]);
    expect(args.slice(args.indexOf('--enable-lora'), args.indexOf('--enable-lora') + 5)).toEqual(['--enable-lora', '--max-loras', '2', '--max-lora-rank', '16']);
    expect(spec.initContainers.map((c: any) => [c.name, c.args])).toEqual([['lora-download', ['org/llama-3.1-8b-sql-lora', '0dfa347e8877a4d4ed19ee56c140fa518470028c']]]);
    expect(spec.containers[0].env.map((e: any) => e.name)).not.toContain('VLLM_ALLOW_RUNTIME_LORA_UPDATING');
    const config = yaml.load(objs.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'])!.data['config.yaml']) as any;
    expect(config.registered_resources.models.filter((m: any) => m.provider_id === 'llama-8b').map((m: any) => m.model_id)).toEqual(['llama-3.1-8b', 'sql', 'support']);
    const registered = objs.filter((o) => o.kind === 'Job' && o.metadata.name.includes('-register'))
      .map((j) => Object.fromEntries(j.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value])))
      .map((e) => [e.REGISTRY_MODEL_NAME, e.REGISTRY_MODEL_ID]);
    expect(registered).toEqual([
      ['llama-3.1-8b', 'meta-llama/Llama-3.1-8B-Instruct'], ['sql', 'org/llama-3.1-8b-sql-lora'], ['support', '/cache/adapters/support'],
    ]);
  });

  test('the pool is checked at the maximum: one more pod than its 8 GPUs would fail the synth', () => {
    const model = app.charts[0].node.findChild('llama-8b') as VllmModel;
    expect(model.maxReplicas).toBe(6);
    const over = Testing.app();
    const chart = scaleOut(over);
    new VllmModel(chart, 'extra', { model: 'Qwen/Qwen2.5-7B-Instruct', environment: 'production', replicas: 3, nodePool: chart.node.findChild('l40s') as GpuNodePool });
    expect(() => over.synth()).toThrow(/pool 'scale-out\/l40s' has 8 nvidia.com\/gpu \(2 node\(s\) x 4\); .*they need 9 \[scale-out\/extra: 3 pod\(s\) x 1 = 3; scale-out\/llama-8b: 6 pod\(s\) x 1 = 6\]/);
  });
});

describe('example scaleOut: a two-node 405B', () => {
  const app = Testing.app();
  scaleOut(app);
  const objs = app.charts.flatMap((c) => Testing.synth(c)) as Manifest[];
  const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('a LeaderWorkerSet of one group of two 8-GPU pods, the leader behind the Service, the group\'s own NetworkPolicy; the stack uses it', () => {
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).not.toContain('llama-405b-production');
    const lws = find('LeaderWorkerSet', 'llama-405b-production-lws');
    expect(lws.spec.replicas).toBe(1);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].args).toContain('--headless');
    expect(lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
    expect(find('Service', 'llama-405b-production').spec.selector['leaderworkerset.sigs.k8s.io/worker-index']).toBe('0');
    expect(find('NetworkPolicy', 'llama-405b-production-group-0')).toBeDefined();
    const config = yaml.load(objs.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'])!.data['config.yaml']) as any;
    expect(config.registered_resources.models.map((m: any) => m.model_id)).toContain('llama-3.1-405b');
  });

  test('the H100 pool holds exactly the group: a second group would fail the synth', () => {
    const over = Testing.app();
    const chart = scaleOut(over);
    const model = chart.node.findChild('llama-405b') as VllmModel;
    expect([model.nodes, model.gpusPerPod]).toEqual([2, 8]);
    new VllmModel(chart, 'second', {
      model: 'meta-llama/Llama-3.1-405B-Instruct-FP8',
      environment: 'staging',
      nodes: 2,
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
      nodePool: chart.node.findChild('h100') as GpuNodePool,
    });
    expect(() => over.synth()).toThrow(/pool 'scale-out\/h100' has 16 nvidia.com\/gpu \(2 node\(s\) x 8\); .*they need 32 \[scale-out\/llama-405b: 1 group\(s\) x 2 pods on different nodes x 8 = 16; scale-out\/second: 1 group\(s\) x 2 pods on different nodes x 8 = 16\]/);
  });
});
