/**
 * The benchmarks' inputs stay valid (npm run bench is not part of npm test, so a check the library gains
 * could otherwise break it unnoticed): each spec generates, each bench app synthesizes (small sizes).
 */
import { App, Chart, Testing } from 'cdk8s';
import { build as platformApp } from '../bench/platform';
import { large, medium, small, stackProps } from '../bench/specs';
import { build as vllmApp } from '../bench/vllm';
import { LlamaStack } from '../src';
import { generateConfig } from '../src/config/generate';

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
