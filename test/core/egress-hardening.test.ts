/**
 * Egress and templates (issue 13 §4-§5): cloud metadata endpoints need an opt-in everywhere an endpoint is
 * given; credentials never ride in hfEndpoint; user strings in alert annotations cannot run as templates.
 */
import { Chart, Testing } from 'cdk8s';
import { LlamaStack, ModelRegistry, ModelRegistryEntry, ValidationError, VllmModel } from '../../src';
import { linkLocalReason } from '../../src/core/network';
import { alertRules } from '../../src/vllm/monitoring';

const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

test.each([
  ['169.254.169.254', /link-local/], ['169.254.170.2', /link-local/], ['100.100.100.200', /Alibaba/], ['[fd00:ec2::254]', /AWS's IPv6/],
  ['[fe80::1]', /link-local \(fe80::\/10\)/], ['metadata.google.internal', /instance-metadata/], ['METADATA', /instance-metadata/],
])('%s is a metadata or link-local address', (host, why) => {
  expect(linkLocalReason(host)).toMatch(why);
});

test.each(['10.0.0.1', '100.64.0.1', 'vllm.models.svc', 'example.com', '[fd00::1]'])('%s is not', (host) => {
  expect(linkLocalReason(host)).toBeUndefined();
});

test('every construct that takes an endpoint refuses the metadata service without its opt-in', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const metadata = 'http://169.254.169.254/latest';
  expect(issues(() => new LlamaStack(chart, 's', { distribution: { name: 'starter' }, providers: { inference: [{ provider: 'vllm', endpoint: `${metadata}/v1` }] } })))
    .toEqual([expect.stringMatching(/^providers\.inference\[0\]\.endpoint: '169\.254\.169\.254' is link-local/)]);
  expect(issues(() => new VllmModel(chart, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', hfEndpoint: metadata })))
    .toEqual([expect.stringMatching(/^hfEndpoint: '169\.254\.169\.254' is link-local.*the model's pods$/)]);
  const registry = new ModelRegistry(chart, 'r', { database });
  expect(issues(() => new ModelRegistryEntry(chart, 'e', { registry, modelName: 'x', environment: 'production', endpoint: 'http://metadata.google.internal' })))
    .toEqual([expect.stringMatching(/^endpoint: 'metadata\.google\.internal' is a cloud instance-metadata service/)]);
  // With the opt-in, the rule follows as for any private address.
  new VllmModel(chart, 'ok', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', hfEndpoint: 'http://169.254.10.10:8080', allowLinkLocalEgress: true });
});

test('credentials in hfEndpoint are refused (HF_ENDPOINT is a plain env value of the pod spec), and not echoed', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const found = issues(() => new VllmModel(chart, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'prod', hfEndpoint: 'https://user:hunter2@hf-mirror.example.com' }));
  expect(found).toEqual(['hfEndpoint: the URL contains credentials, which would be written into the pod spec']);
  expect(found.join('\n')).not.toContain('hunter2');
});

/**
 * Prometheus renders alert annotations with Go's text/template (prometheus/prometheus rules/alerting.go:
 * AlertingRule.Eval expands them with template.NewTemplateExpander). Go's lexer opens an action at `{{` and
 * reads tokens (a quoted string may hold `}}`) up to `}}`. This oracle renders the actions the library writes
 * (a string constant prints itself; `$labels.x` a label) and throws on any other, which Prometheus would run.
 */
function renderGoTemplate(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) return out + text.slice(i);
    out += text.slice(i, open);
    const rest = text.slice(open + 2);
    const action = /^\s*("(?:[^"\\]|\\.)*"|\$labels\.\w+)\s*\}\}/.exec(rest);
    if (!action) throw new Error(`an action Prometheus would evaluate: ${text.slice(open, open + 40)}`);
    out += action[1].startsWith('"') ? JSON.parse(action[1]) : '<label>';
    i = open + 2 + action[0].length;
  }
  return out;
}

test('names with template actions are printed, never evaluated, in alert annotations', () => {
  // The served model name reaches annotations only as {{ $labels.model_name }} (label values are data to
  // Prometheus' templates); the environment and the GPU resource are written into the text.
  const hostile = 'evil {{ query "up" }} }} {{';
  const rules = alertRules('llm', [{
    namespace: 'llm',
    serviceName: 'm-prod',
    servedModelName: hostile,
    environment: hostile,
    gpuResource: hostile,
    startupBudgetSeconds: 900,
    queueAlertThreshold: 10,
    kvCacheAlertThreshold: 0.95,
  }]);
  expect(rules.length).toBeGreaterThan(0);
  for (const r of rules) {
    for (const text of Object.values(r.annotations)) expect(() => renderGoTemplate(text)).not.toThrow();
    expect(renderGoTemplate(r.annotations.summary)).toContain(`<label> (<label>), ${hostile}`);
  }
  expect(renderGoTemplate(rules.find((r) => r.alert === 'VllmPodUnschedulable')!.annotations.description)).toContain(`free ${hostile}:`);
  expect(() => renderGoTemplate('{{ query "up" }}')).toThrow(/would evaluate/); // the oracle can fail
});

test('an Ingress without TLS is warned about (printed at synth); with a TLS Secret it is not', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const open = new LlamaStack(chart, 'open', { distribution: { name: 'starter' }, networking: { expose: {}, allowInternetEgress: true } });
  expect(open.warnings.map((w) => `${w.code} ${w.path}`)).toEqual(['ingress-without-tls networking.expose']);
  const tls = new LlamaStack(chart, 'tls', {
    distribution: { name: 'starter' }, networking: { expose: { hostname: 'a.example.com', tlsSecretName: 'a-tls' }, allowInternetEgress: true },
  });
  expect(tls.warnings).toEqual([]);
});

test('the internet egress rule leaves out every private, shared, loopback and link-local range (instance metadata included)', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: [{ provider: 'openai', apiKey: { name: 'o', key: 'k' } }] },
    networking: { allowInternetEgress: true },
  });
  const np = (Testing.synth(chart) as any[]).find((o) => o.kind === 'NetworkPolicy');
  const internet = np.spec.egress.filter((r: any) => r.to.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0'));
  // RFC 1918, RFC 6598 (shared/CGNAT: Alibaba's metadata at 100.100.100.200), loopback, link-local; IPv6 loopback, ULA, link-local.
  expect(internet).toEqual([{
    to: [
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } },
      { ipBlock: { cidr: '::/0', except: ['::1/128', 'fc00::/7', 'fe80::/10'] } },
    ],
    ports: [{ protocol: 'TCP', port: 443 }],
  }]);
});
