/**
 * Prints the YAML of every example app, and of an app whose output order a locale-aware sort would change,
 * each app synthesized on its own. Run as a child process by test/core/determinism.test.ts, under
 * different locales and working directories, which must not change a byte.
 *
 *   ts-node --transpile-only test/support/synth-example.ts <path of an lls-provider-spec.yaml>
 */
import { App, Chart } from 'cdk8s';
import { externalProviders } from '../../examples/external-providers/app';
import { hostedAndSafety } from '../../examples/hosted-and-safety/app';
import { platform } from '../../examples/platform/app';
import { production } from '../../examples/production/app';
import { quickstart } from '../../examples/quickstart/app';
import { scaleOut } from '../../examples/scale-out/app';
import { ExternalProvider, LlamaStack, ModelPlatform, VllmModel } from '../../src';
import { toYaml } from '../../src/core/yaml';

/**
 * Names that sort differently under Danish collation ('aa' is 'å', after 'z') than by code units, in
 * every sort that reaches output: egress peers, secret env vars, vLLM env and node selector, platform
 * environments, the operator CR's env. Returns the CR's YAML.
 */
function localeSensitive(app: App, specFile: string): string {
  const chart = new Chart(app, 'locale', { namespace: 'llm' });
  new VllmModel(chart, 'aa-model', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    environment: 'dev',
    env: { ZZ_FLAG: '1', AA_FLAG: '1' },
    nodeSelector: { 'zz.example.com/pool': 'a', 'aa.example.com/pool': 'b' },
  });
  const stack = new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    env: { ZZ_MODE: 'z', AA_MODE: 'a' },
    secretEnv: { ZZ_TOKEN: { name: 'zz', key: 'token' }, AA_TOKEN: { name: 'aa', key: 'token' } },
    providers: {
      inference: [
        { id: 'zz-vllm', provider: 'vllm', endpoint: 'http://vllm.zz-models.svc:8000/v1', apiKey: { name: 'zz', key: 'key' } },
        { id: 'aa-vllm', provider: 'vllm', endpoint: 'http://vllm.aa-models.svc:8000/v1', apiKey: { name: 'aa', key: 'key' } },
      ],
    },
    externalProviders: {
      inference: [ExternalProvider.fromSpecFile(specFile, { id: 'aa-llm', image: 'quay.io/acme/acme-llm-provider:1.2.0', secretRefs: { api_key: { name: 'aa', key: 'llm' } } })],
    },
  });
  new ModelPlatform(app, 'loc', { environments: { zz: { namespace: 'loc-zz' }, aa: { namespace: 'loc-aa' } } });
  return toYaml(stack.toDistributionManifest());
}

const specFile = process.argv[2];
const apps: Array<(app: App) => unknown> = [
  quickstart, hostedAndSafety, production, platform, scaleOut, externalProviders, (app) => localeSensitive(app, specFile),
];
for (const build of apps) {
  const app = new App();
  const extra = build(app);
  process.stdout.write(`# ${app.charts.map((c) => c.node.id).join(', ')}\n${app.synthYaml()}${typeof extra === 'string' ? extra : ''}`);
}
