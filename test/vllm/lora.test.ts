/**
 * LoRA adapters of a VllmModel: the flags as vLLM v0.21 parses them, runtime loading, pinned downloads,
 * the checks, the stack's models and registry entries per adapter.
 *
 * Upstream sources (vLLM v0.21):
 * - vllm/entrypoints/openai/cli_args.py `LoRAParserAction` (the --lora-modules value formats) and
 *   vllm/entrypoints/openai/models/protocol.py `LoRAModulePath` (fields name, path, base_model_name);
 * - vllm/lora/utils.py `get_adapter_absolute_path` (absolute paths as given; otherwise
 *   `huggingface_hub.snapshot_download(repo_id=path)`, no revision);
 * - vllm/config/lora.py `LoRAConfig` (max_lora_rank in 1, 8, 16, 32, 64, 128, 256, 320, 512; max_loras >= 1);
 * - docs/features/lora.md (`VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` enables /v1/load_lora_adapter).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack, LoraSource, ModelRegistry, ModelRegistryEntry, VllmModel, VllmModelProps } from '../../src';
import { ValidationError } from '../../src/core/errors';
import { flagSet, OWNED_FLAGS } from '../../src/vllm/flags';
import { LORA_OWNED_FLAGS } from '../../src/vllm/lora';
import { validationIssues } from '../support/errors';
import { conformanceProblems, Manifest } from '../support/manifests';

const COMMIT = '0dfa347e8877a4d4ed19ee56c140fa518470028c';
const base: VllmModelProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', servedModelName: 'llama-3.1-8b', environment: 'production' };
const twoAdapters: VllmModelProps = {
  ...base,
  cache: { size: '100Gi' },
  loraAdapters: [
    { name: 'sql', source: LoraSource.huggingFace('org/llama-3.1-8b-sql-lora'), rank: 16 },
    { name: 'support', source: LoraSource.cachePath('/cache/adapters/support'), rank: 24 },
  ],
};

function build(props: VllmModelProps): { chart: Chart; model: VllmModel } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  return { chart, model: new VllmModel(chart, 'llama-8b', props) };
}
function synth(props: VllmModelProps): Manifest[] {
  return Testing.synth(build(props).chart) as Manifest[];
}
const podSpec = (objs: Manifest[]) => objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;
const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

const errors = (props: VllmModelProps): string[] => validationIssues(() => synth(props));

/** The values after a flag, up to the next flag (argparse nargs='+'). */
function valuesOf(args: string[], flag: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) return [];
  const end = args.findIndex((a, j) => j > i && a.startsWith('--'));
  return args.slice(i + 1, end < 0 ? undefined : end);
}

/**
 * A port of vLLM v0.21's `LoRAParserAction.__call__` (vllm/entrypoints/openai/cli_args.py): `name=path`
 * when the item has a '=' and no ',' (split on '=', which fails with more than one), else JSON whose keys
 * must be LoRAModulePath's fields (name and path required).
 */
function parseLoraModules(values: string[]): Array<{ name: string; path: string; base_model_name?: string }> {
  return values.filter((v) => v !== '').map((item) => {
    if (item.includes('=') && !item.includes(',')) {
      const parts = item.split('=');
      if (parts.length !== 2) throw new Error(`ValueError: too many values to unpack: ${item}`);
      return { name: parts[0], path: parts[1] };
    }
    const d = JSON.parse(item);
    const fields = ['name', 'path', 'base_model_name'];
    for (const k of Object.keys(d)) if (!fields.includes(k)) throw new Error(`Invalid fields for --lora-modules: ${item}`);
    if (typeof d.name !== 'string' || typeof d.path !== 'string') throw new Error(`Invalid fields for --lora-modules: ${item}`);
    return d;
  });
}

describe('flags', () => {
  const objs = synth(twoAdapters);
  const c = podSpec(objs).containers[0];

  test('--enable-lora, --max-loras from the adapter count, --max-lora-rank from the highest rank, one --lora-modules JSON value per adapter', () => {
    expect(c.args).toContain('--enable-lora');
    expect(valuesOf(c.args, '--max-loras')).toEqual(['2']);
    // Rank 24 needs the next rank vLLM accepts, 32.
    expect(valuesOf(c.args, '--max-lora-rank')).toEqual(['32']);
    expect(valuesOf(c.args, '--lora-modules')).toEqual([
      '{"name":"sql","path":"org/llama-3.1-8b-sql-lora","base_model_name":"llama-3.1-8b"}',
      '{"name":"support","path":"/cache/adapters/support","base_model_name":"llama-3.1-8b"}',
    ]);
    // Each flag once; extra args come after.
    for (const f of ['--enable-lora', '--max-loras', '--max-lora-rank', '--lora-modules']) expect(c.args.filter((a: string) => a === f)).toHaveLength(1);
  });

  test('vLLM\'s parser reads the adapters back: names, paths (a repository ID is downloaded by vLLM), base model', () => {
    expect(parseLoraModules(valuesOf(c.args, '--lora-modules'))).toEqual([
      { name: 'sql', path: 'org/llama-3.1-8b-sql-lora', base_model_name: 'llama-3.1-8b' },
      { name: 'support', path: '/cache/adapters/support', base_model_name: 'llama-3.1-8b' },
    ]);
    // Paths with '=' or ',' still parse: JSON is used for every adapter.
    const odd = synth({ ...twoAdapters, loraAdapters: [{ name: 'a', source: LoraSource.cachePath('/cache/x=1,y') }] });
    expect(parseLoraModules(valuesOf(podSpec(odd).containers[0].args, '--lora-modules'))).toEqual([
      { name: 'a', path: '/cache/x=1,y', base_model_name: 'llama-3.1-8b' },
    ]);
  });

  test('no runtime loading unless asked; the objects stay schema-valid and restricted', () => {
    expect(envOf(c)).not.toHaveProperty('VLLM_ALLOW_RUNTIME_LORA_UPDATING');
    expect(podSpec(objs).initContainers).toBeUndefined();
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('without adapters: no LoRA flag and no env', () => {
    const plain = podSpec(synth(base)).containers[0];
    expect(plain.args.filter((a: string) => /lora/.test(a))).toEqual([]);
    expect(Object.keys(envOf(plain)).filter((k) => /LORA/.test(k))).toEqual([]);
  });

  test('maxLoras and maxLoraRank override the defaults; no ranks: vLLM\'s --max-lora-rank', () => {
    const args = podSpec(synth({ ...twoAdapters, maxLoras: 4, maxLoraRank: 64 })).containers[0].args;
    expect(valuesOf(args, '--max-loras')).toEqual(['4']);
    expect(valuesOf(args, '--max-lora-rank')).toEqual(['64']);
    const unranked = podSpec(synth({ ...base, loraAdapters: [{ name: 'sql', source: LoraSource.huggingFace('org/sql') }] })).containers[0].args;
    expect(unranked).not.toContain('--max-lora-rank');
    expect(valuesOf(unranked, '--max-loras')).toEqual(['1']);
  });

  test('runtime updates: VLLM_ALLOW_RUNTIME_LORA_UPDATING=True and --enable-lora, also without startup adapters; env may not set it', () => {
    const on = podSpec(synth({ ...twoAdapters, loraRuntimeUpdates: true })).containers[0];
    expect(envOf(on).VLLM_ALLOW_RUNTIME_LORA_UPDATING).toBe('True');
    const only = podSpec(synth({ ...base, loraRuntimeUpdates: true })).containers[0];
    expect(only.args).toContain('--enable-lora');
    expect(only.args).not.toContain('--lora-modules');
    expect(envOf(only).VLLM_ALLOW_RUNTIME_LORA_UPDATING).toBe('True');
    expect(envOf(podSpec(synth({ ...twoAdapters, loraRuntimeUpdates: false })).containers[0])).not.toHaveProperty('VLLM_ALLOW_RUNTIME_LORA_UPDATING');
    expect(errors({ ...base, env: { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' } })).toEqual([
      expect.stringMatching(/^env\.VLLM_ALLOW_RUNTIME_LORA_UPDATING: VLLM_ALLOW_RUNTIME_LORA_UPDATING is reserved/),
    ]);
  });
});

describe('a Hugging Face adapter pinned to a commit', () => {
  const objs = synth({ ...base, hfToken: { name: 'hf', key: 'token' }, loraAdapters: [{ name: 'sql', source: LoraSource.huggingFace('org/sql-lora', { revision: COMMIT }) }] });
  const spec = podSpec(objs);

  test('an init container downloads it with huggingface_hub at that commit; vLLM gets the snapshot directory', () => {
    expect(spec.initContainers).toHaveLength(1);
    const init = spec.initContainers[0];
    expect(init.name).toBe('lora-download');
    expect(init.image).toBe(spec.containers[0].image);
    expect(init.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(init.command[2]).toContain('snapshot_download(repo_id=repo, revision=revision)');
    // Repositories and commits are arguments, never part of the script.
    expect(init.args).toEqual(['org/sql-lora', COMMIT]);
    expect(init.command[2]).not.toContain('org/sql-lora');
    // Same cache location and token as the server.
    expect(envOf(init).HF_HOME).toBe('/cache/huggingface');
    expect(envOf(init).HF_TOKEN).toEqual({ secretKeyRef: { name: 'hf', key: 'token' } });
    expect(init.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/home/vllm', '/tmp', '/cache']);
    // huggingface_hub's cache layout: <HF_HOME>/hub/models--<org>--<name>/snapshots/<commit>.
    expect(parseLoraModules(valuesOf(spec.containers[0].args, '--lora-modules'))).toEqual([
      { name: 'sql', path: `/cache/huggingface/hub/models--org--sql-lora/snapshots/${COMMIT}`, base_model_name: 'llama-3.1-8b' },
    ]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('the download script runs: it calls snapshot_download once per adapter with its repository and commit', () => {
    const fake = fs.mkdtempSync('/tmp/lora-hub-');
    fs.mkdirSync(`${fake}/huggingface_hub`);
    fs.writeFileSync(`${fake}/huggingface_hub/__init__.py`, 'def snapshot_download(repo_id, revision):\n    return f"{repo_id}@{revision}"\n');
    const r = spawnSync('python3', ['-c', spec.initContainers[0].command[2], 'a/b', COMMIT, 'c/d', 'e'.repeat(40)], { env: { PYTHONPATH: fake }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`a/b@${COMMIT}\nc/d@${'e'.repeat(40)}\n`);
  });
});

describe('checks', () => {
  test('names: invalid, duplicate, the served model name; all reported at once', () => {
    expect(errors({
      ...base,
      loraAdapters: [
        { name: 'sql', source: LoraSource.huggingFace('org/a') },
        { name: 'sql', source: LoraSource.huggingFace('org/b') },
        { name: 'llama-3.1-8b', source: LoraSource.huggingFace('org/c') },
        { name: 'has space', source: LoraSource.huggingFace('org/d') },
        { name: '-x', source: LoraSource.huggingFace('org/e') },
      ],
    })).toEqual([
      'loraAdapters[1].name: \'sql\' is already the name of loraAdapters[0] (give every adapter its own name: clients choose an adapter by name)',
      'loraAdapters[2].name: \'llama-3.1-8b\' is the served model name: requests for it would not say whether they want the adapter (give the adapter another name)',
      'loraAdapters[3].name: \'has space\' is not a valid adapter name (use at most 256 letters, digits and . _ - : @ + /, starting and ending with a letter or digit)',
      'loraAdapters[4].name: \'-x\' is not a valid adapter name (use at most 256 letters, digits and . _ - : @ + /, starting and ending with a letter or digit)',
    ]);
  });

  test('an empty list, too many adapters for maxLoras, ranks vLLM refuses', () => {
    expect(errors({ ...base, loraAdapters: [] })).toEqual(['loraAdapters: the list is empty (remove loraAdapters, or give at least one { name, source })']);
    expect(errors({ ...twoAdapters, maxLoras: 1 })).toEqual([
      expect.stringMatching(/^maxLoras: 2 adapters but maxLoras 1: .*\(raise maxLoras to 2, or leave it out \(it defaults to the number of adapters\)\)$/),
    ]);
    expect(errors({ ...twoAdapters, maxLoraRank: 24 })).toEqual(['maxLoraRank: 24 is not a rank vLLM accepts (one of: 1, 8, 16, 32, 64, 128, 256, 320, 512)']);
    expect(errors({ ...twoAdapters, maxLoraRank: 16 })).toEqual([
      'maxLoraRank: loraAdapters[1] (\'support\') has rank 24, above maxLoraRank 16: vLLM would refuse to load it (raise maxLoraRank to 32, or leave it out)',
    ]);
    expect(errors({ ...base, loraAdapters: [{ name: 'a', source: LoraSource.huggingFace('org/a'), rank: 0 }], maxLoras: 0 })).toEqual([
      'loraAdapters[0].rank: rank must be an integer from 1 to 512, got 0',
      'maxLoras: maxLoras must be an integer from 1 to 1024, got 0',
    ]);
    expect(errors({ ...base, maxLoras: 2, maxLoraRank: 8 })).toEqual([
      'maxLoras: maxLoras has no effect without LoRA adapters (add loraAdapters (or loraRuntimeUpdates: true), or remove it)',
      'maxLoraRank: maxLoraRank has no effect without LoRA adapters (add loraAdapters (or loraRuntimeUpdates: true), or remove it)',
    ]);
  });

  test('sources: offline models refuse Hugging Face adapters; cache paths must be on a persistent cache volume; revisions are commits', () => {
    const offline: VllmModelProps = { ...base, cache: { existingClaimName: 'models', accessMode: 'ReadOnlyMany' } };
    expect(errors({ ...offline, loraAdapters: [{ name: 'sql', source: LoraSource.huggingFace('org/sql') }] })).toEqual([
      'loraAdapters[0].source: the model is offline (offline, or a ReadOnlyMany cache), so the adapter \'org/sql\' could never be downloaded '
      + '(stage the adapter on the cache volume and use LoraSource.cachePath(\'/cache/...\'), or make the model online)',
    ]);
    expect(errors({ ...base, cache: { size: '10Gi' }, offline: true, loraAdapters: [{ name: 'sql', source: LoraSource.huggingFace('org/sql') }] })[0])
      .toMatch(/^loraAdapters\[0\]\.source: the model is offline/);
    // A staged adapter works offline.
    expect(() => synth({ ...offline, loraAdapters: [{ name: 'sql', source: LoraSource.cachePath('/cache/adapters/sql') }] })).not.toThrow();
    expect(errors({
      ...base,
      loraAdapters: [
        { name: 'a', source: LoraSource.cachePath('/data/a') },
        { name: 'b', source: LoraSource.cachePath('/cache/../etc') },
        { name: 'c', source: LoraSource.cachePath('/cache/adapters/c') },
        { name: 'd', source: LoraSource.huggingFace('org/d', { revision: 'main' }) },
        { name: 'e', source: LoraSource.huggingFace('/not/a/repo') },
        { name: 'f', source: { path: '/cache/f' } as any },
      ],
    })).toEqual([
      'loraAdapters[0].source: \'/data/a\' is not on the cache volume (give a directory under /cache/ (the cache volume), e.g. /cache/adapters/sql)',
      'loraAdapters[1].source: \'/cache/../etc\' is not on the cache volume (give a directory under /cache/ (the cache volume), e.g. /cache/adapters/sql)',
      'loraAdapters[2].source: an adapter on the cache volume needs a persistent cache that holds it (set cache (e.g. { existingClaimName: \'models\', accessMode: \'ReadOnlyMany\' }))',
      expect.stringMatching(/^loraAdapters\[3\]\.source: revision 'main' is not a commit: vLLM downloads adapters without a revision.*\(give the full 40-character commit hash/),
      expect.stringMatching(/^loraAdapters\[4\]\.source: '\/not\/a\/repo' is not a Hugging Face repository ID/),
      'loraAdapters[5].source: expected a LoraSource (use LoraSource.huggingFace(\'org/adapter\') or LoraSource.cachePath(\'/cache/adapters/name\'))',
    ]);
  });

  test('every LoRA flag the construct owns exists in the pinned v0.21.0 list and is refused in extraArgs with the prop to use', () => {
    const known = flagSet('v0.21.0')!;
    for (const flag of Object.keys(LORA_OWNED_FLAGS)) {
      expect(known.has(flag)).toBe(true);
      expect(OWNED_FLAGS[flag]).toBe(LORA_OWNED_FLAGS[flag]);
    }
    // Every flag emitted for LoRA is owned.
    const emitted = podSpec(synth({ ...twoAdapters, loraRuntimeUpdates: true })).containers[0].args.filter((a: string) => /lora/.test(a) && a.startsWith('--'));
    for (const flag of emitted) expect(Object.keys(LORA_OWNED_FLAGS)).toContain(flag);
    expect(errors({ ...base, extraArgs: ['--enable-lora', '--lora-modules', 'a=b', '--max-loras', '2', '--max_lora_rank=32', '--no-enable-lora'] })).toEqual([
      'extraArgs[0]: --enable-lora is set by the construct (use loraAdapters (or loraRuntimeUpdates), which turn LoRA on)',
      'extraArgs[1]: --lora-modules is set by the construct (use loraAdapters: [{ name, source: LoraSource.huggingFace(...) or LoraSource.cachePath(...) }])',
      'extraArgs[3]: --max-loras is set by the construct (use maxLoras)',
      'extraArgs[5]: --max_lora_rank=32 is set by the construct (use maxLoraRank (or the adapters\' rank))',
      'extraArgs[6]: --no-enable-lora is set by the construct (remove loraAdapters and loraRuntimeUpdates)',
    ]);
    // Other LoRA flags stay available.
    expect(() => synth({ ...twoAdapters, extraArgs: ['--max-cpu-loras', '4', '--fully-sharded-loras'] })).not.toThrow();
  });
});

describe('clients', () => {
  test('asInferenceProvider registers the base model and each adapter under its name; the stack\'s config.yaml has them', () => {
    const { chart, model } = build(twoAdapters);
    expect(model.adapters).toEqual([{ name: 'sql', source: 'org/llama-3.1-8b-sql-lora' }, { name: 'support', source: '/cache/adapters/support' }]);
    const provider = model.asInferenceProvider();
    expect(provider.models).toEqual([
      { name: 'llama-3.1-8b', providerModelId: 'llama-3.1-8b', modelType: undefined, embeddingDimension: undefined, contextLength: undefined },
      { name: 'sql', providerModelId: 'sql', modelType: undefined, embeddingDimension: undefined, contextLength: undefined },
      { name: 'support', providerModelId: 'support', modelType: undefined, embeddingDimension: undefined, contextLength: undefined },
    ]);
    new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: [provider] } });
    const objs = Testing.synth(chart) as Manifest[];
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'])!;
    const config = yaml.load(cm.data['config.yaml']) as any;
    const ours = config.registered_resources.models.filter((m: any) => m.provider_id === 'llama-8b');
    expect(ours.map((m: any) => [m.model_id, m.provider_model_id])).toEqual([['llama-3.1-8b', 'llama-3.1-8b'], ['sql', 'sql'], ['support', 'support']]);
    expect(conformanceProblems(objs)).toEqual([]);
  });

  test('a model without adapters registers only itself', () => {
    const { model } = build(base);
    expect(model.adapters).toBeUndefined();
    expect(model.asInferenceProvider().models!.map((m: any) => m.name)).toEqual(['llama-3.1-8b']);
  });

  describe('registry entries per adapter', () => {
    const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };
    function entries(adapters: Array<string | undefined>): { chart: Chart; model: VllmModel; entries: ModelRegistryEntry[] } {
      const { chart, model } = build(twoAdapters);
      const registry = new ModelRegistry(chart, 'registry', { database });
      return { chart, model, entries: adapters.map((adapter, i) => new ModelRegistryEntry(chart, `entry-${i}`, { registry, model, adapter })) };
    }
    const entryErrors = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
      }
      throw new Error('expected a ValidationError');
    };

    test('the base model and each adapter: the adapter\'s name and source, the model\'s endpoint and health', () => {
      const { chart, entries: [b, sql, support] } = entries([undefined, 'sql', 'support']);
      expect([b, sql, support].map((e) => [e.modelName, e.modelId, e.endpoint])).toEqual([
        ['llama-3.1-8b', 'meta-llama/Llama-3.1-8B-Instruct', 'http://llama-8b-production.llm.svc.cluster.local:8000'],
        ['sql', 'org/llama-3.1-8b-sql-lora', 'http://llama-8b-production.llm.svc.cluster.local:8000'],
        ['support', '/cache/adapters/support', 'http://llama-8b-production.llm.svc.cluster.local:8000'],
      ]);
      expect(sql.healthUrl).toBe('http://llama-8b-production.llm.svc.cluster.local:8000/health');
      const objs = Testing.synth(chart) as Manifest[];
      const job = objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('entry-1-register'))!;
      const env = envOf(job.spec.template.spec.containers[0]);
      expect([env.REGISTRY_MODEL_NAME, env.REGISTRY_MODEL_ID]).toEqual(['sql', 'org/llama-3.1-8b-sql-lora']);
      expect(conformanceProblems(objs)).toEqual([]);
    });

    test('an adapter the model does not serve, an adapter without a model, one adapter registered twice', () => {
      expect(entryErrors(() => entries(['sqll']))).toEqual(['adapter: test/llama-8b serves no LoRA adapter \'sqll\' (use one of: sql, support)']);
      const { chart } = build(base);
      const registry = new ModelRegistry(chart, 'registry', { database });
      expect(entryErrors(() => new ModelRegistryEntry(chart, 'e', { registry, adapter: 'sql', modelName: 'sql', endpoint: 'http://x.llm.svc:8000', environment: 'production' }))).toEqual([
        'adapter: adapter names a LoRA adapter of model, but model is not given (give model (the VllmModel that serves the adapter), or register the adapter with modelName, endpoint and environment)',
      ]);
      expect(entryErrors(() => new ModelRegistryEntry(chart, 'f', { registry, model: chart.node.findChild('llama-8b') as VllmModel, adapter: 'sql' }))).toEqual([
        'adapter: test/llama-8b serves no LoRA adapter \'sql\' (add it to the model\'s loraAdapters, or remove adapter)',
      ]);
      expect(entryErrors(() => entries(['sql', 'sql']))).toEqual([
        expect.stringMatching(/^adapter: model 'sql' in environment 'production' is already registered by test\/entry-0/),
      ]);
    });
  });
});
