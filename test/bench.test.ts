/**
 * The benchmarks' inputs stay valid (npm run bench is not part of npm test, so a check the library gains
 * could otherwise break it unnoticed): each spec generates, each bench app synthesizes (small sizes).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { build as platformApp } from '../bench/platform';
import { large, medium, small, stackProps } from '../bench/specs';
import { build as vllmApp } from '../bench/vllm';
import { LlamaStack } from '../src';
import { generateConfig } from '../src/config/generate';
import { sortDeep } from '../src/core/order';

test.each([['small', small], ['medium', medium], ['large', large]])('the %s spec generates a config', (_name, spec) => {
  expect(generateConfig(spec).yaml!.length).toBeGreaterThan(1000);
});

test('the synth benchmark\'s stacks, the platform app and the vLLM app synthesize', () => {
  const apps: Array<(app: App) => void> = [
    (app) => {
      const chart = new Chart(app, 'bench', { namespace: 'llm' });
      for (let i = 0; i < 3; i++) new LlamaStack(chart, `stack-${i}`, stackProps(i));
    },
    platformApp,
    vllmApp(12),
  ];
  for (const build of apps) {
    const app = Testing.app();
    build(app);
    expect(app.charts.flatMap((c) => Testing.synth(c)).length).toBeGreaterThan(5);
  }
});

test('the whole-process app writes the vLLM bench app\'s objects, and its raw mode writes the same documents', () => {
  const root = path.join(__dirname, '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-process-'));
  try {
    const node = (args: string[]) => execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'bench', 'whole-process-app.js'), ...args], {
      cwd: root, env: { ...process.env, BENCH_LIBRARY: path.join(root, 'src'), TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json') }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const written = (out: string) => fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('');
    node(['library', '12', path.join(dir, 'lib')]);
    const docs = (yaml.loadAll(written(path.join(dir, 'lib'))) as any[]).filter((d) => d);
    const expected = Testing.app();
    vllmApp(12)(expected);
    expect(docs).toHaveLength(expected.charts.flatMap((c) => Testing.synth(c)).length);
    fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify(docs));
    node(['raw', path.join(dir, 'm.json'), path.join(dir, 'raw')]);
    const raw = (yaml.loadAll(written(path.join(dir, 'raw'))) as any[]).filter((d) => d);
    const canonical = (list: any[]) => list.map((d) => JSON.stringify(sortDeep(d))).sort();
    expect(canonical(raw)).toEqual(canonical(docs));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
