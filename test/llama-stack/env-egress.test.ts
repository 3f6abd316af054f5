/** Egress nobody declared: URLs in env (OTLP exporter, proxies) get rules or warnings; overrideConfig warns. */
import { Chart, Testing } from 'cdk8s';
import { LlamaStack, LlamaStackProps, ValidationError } from '../../src';
import { Manifest } from '../support/manifests';
import { warningLines } from '../support/warnings';

function build(props: Partial<LlamaStackProps>): { stack: LlamaStack; egress: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const stack = new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, ...props });
  const np = (Testing.synth(chart) as Manifest[]).find((o) => o.kind === 'NetworkPolicy')!;
  return { stack, egress: np.spec.egress };
}

test('an in-cluster OTLP collector gets a rule on its port, with or without a scheme', () => {
  // opentelemetry-python's OTLP exporters read OTEL_EXPORTER_OTLP_ENDPOINT (and the per-signal variables);
  // the Llama Stack 0.7.1 image starts under opentelemetry-instrument, which configures them from env.
  const { egress } = build({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tempo.tracing.svc:4317' } });
  expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 4318 }] });
  expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tracing' } } }], ports: [{ protocol: 'TCP', port: 4317 }] });
});

test('a proxy carries every outbound call: its host gets the rule; outside the cluster it needs the opt-in', () => {
  // httpx (Llama Stack's HTTP client, trust_env=True by default) and requests honour HTTPS_PROXY/HTTP_PROXY.
  const { egress } = build({ env: { HTTPS_PROXY: 'http://10.20.0.5:3128', NO_PROXY: '.svc,.cluster.local' } });
  expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.5/32' } }], ports: [{ protocol: 'TCP', port: 3128 }] });
  expect(() => build({ env: { HTTPS_PROXY: 'http://proxy.example.com:3128' } })).toThrow(ValidationError);
  expect(() => build({ env: { HTTPS_PROXY: 'http://proxy.example.com:3128' } })).toThrow(
    "env.HTTPS_PROXY: 'proxy.example.com' is outside the cluster, and egress there is blocked by the stack's NetworkPolicy",
  );
});

test('a URL from a Secret cannot be turned into a rule: a warning naming the variable', () => {
  const { stack } = build({ secretEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: { name: 'otel', key: 'endpoint' } } });
  expect(warningLines(stack.warnings)).toContain('env.OTEL_EXPORTER_OTLP_ENDPOINT: the URL comes from a Secret or field reference, so the NetworkPolicy has no egress rule for it (give it as a literal value)');
});

test('overrideConfig: the library cannot see the config, and says so', () => {
  const { stack } = build({ overrideConfig: { configMapName: 'mine' } });
  expect(stack.warnings.map((w) => [w.code, w.path])).toEqual([['egress-not-derived', 'overrideConfig']]);
});

test('very long env names never reach a RegExp (found by test/fuzz: names were built into a pattern, too large to compile)', () => {
  const env = { OLLAMA_URL: 'http://ollama.llm.svc:11434/v1' };
  let error: unknown;
  try {
    build({ env, workload: { overrides: { env: [{ name: 'é'.repeat(1_100_000), value: 'v' }] } } });
  } catch (err) {
    error = err;
  }
  expect(ValidationError.isValidationError(error)).toBe(true);
  expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['workload.overrides.env[0].name']);
  // A valid name, however long, is no problem for the engine (the object size check is the app's, at synth).
  expect(() => build({ env, workload: { overrides: { env: [{ name: 'X'.repeat(1_100_000), value: 'v' }] } } })).not.toThrow();
  // A supplied variable is still found in the base config's placeholders: OLLAMA_URL switches ollama on.
  const { egress } = build({ env });
  expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'llm' } } }], ports: [{ protocol: 'TCP', port: 11434 }] });
});
