/**
 * Manifests every reader can parse (issue 13 §3): control characters, NEL and the Unicode line separators
 * make kubectl and PyYAML (Llama Stack's YAML reader) refuse the whole file, and PyYAML refuses mapping keys
 * over 1024 characters (yaml/scanner.py: "could not find expected ':'" once a simple key passes 1024
 * characters). Each is refused at the prop, with its path, in every construct.
 */
import { execFileSync } from 'child_process';
import { Chart, Testing, Yaml } from 'cdk8s';
import { LlamaStack, ModelRegistry, ModelRegistryEntry, ValidationError, VllmModel } from '../../src';
import { MAX_KEY_LENGTH } from '../../src/core/shape';

const BAD = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029'];
const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (!ValidationError.isValidationError(err)) throw err;
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message.replace(/ at character \d+/, '')}`);
  }
  return [];
}

test.each(BAD.map((c) => [`U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`, c]))('%s is refused in env values, annotations, chat templates, args and registry model IDs', (_name, c) => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  expect(paths(() => new LlamaStack(chart, 's', {
    distribution: { name: 'starter' }, env: { MODE: `a${c}b` }, workload: { overrides: { podAnnotations: { note: `x${c}` }, args: [`--flag${c}`] } },
  })).sort()).toEqual([`env.MODE: contains ${code}`, `workload.overrides.args[0]: contains ${code}`, `workload.overrides.podAnnotations.note: contains ${code}`].sort());
  expect(paths(() => new VllmModel(chart, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', chatTemplate: `{{ x }}${c}` }))).toEqual([`chatTemplate: contains ${code}`]);
  const registry = new ModelRegistry(chart, `r${c.codePointAt(0)}`, { database });
  expect(paths(() => new ModelRegistryEntry(chart, 'e', { registry, modelName: 'x', modelId: `org/m${c}`, environment: 'production', endpoint: 'http://x.models.svc:8000' })))
    .toEqual([`modelId: contains ${code}`]);
});

test('keys over 1024 characters are refused (PyYAML would not read config.yaml); 1024 is fine', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const long = 'k'.repeat(MAX_KEY_LENGTH + 1);
  const inference = (key: string) => ({ provider: 'vllm', endpoint: 'http://v.m.svc:8000/v1', models: [{ name: 'm', metadata: { [key]: 'v' } }] });
  expect(paths(() => new LlamaStack(chart, 'long', { distribution: { name: 'starter' }, providers: { inference: [inference(long)] } })))
    .toEqual([`providers.inference[0].models[0].metadata.${long.slice(0, 20)}...: a key of ${MAX_KEY_LENGTH + 1} characters`]);
  const ok = new LlamaStack(chart, 'ok', { distribution: { name: 'starter' }, providers: { inference: [inference('k'.repeat(MAX_KEY_LENGTH))] } });
  // What passes is read by PyYAML, as Llama Stack reads it.
  const parsed = execFileSync('python3', ['-c', 'import sys, yaml; d = yaml.safe_load(sys.stdin); print(len(d["registered_resources"]["models"]))'], { input: ok.configYaml });
  expect(Number(String(parsed).trim())).toBeGreaterThan(0);
});

test('tabs, newlines and other Unicode pass and survive a YAML round trip', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new VllmModel(chart, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', chatTemplate: '{% for m in messages %}\t{{ m.content }}\n{% endfor %} ✓ 日本' });
  const text = Yaml.stringify(...Testing.synth(chart));
  const out = execFileSync('python3', ['-c', 'import sys, yaml; print(len(list(yaml.safe_load_all(sys.stdin))))'], { input: text });
  expect(Number(String(out).trim())).toBeGreaterThan(3);
});
