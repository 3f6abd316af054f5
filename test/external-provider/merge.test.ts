/** The config engine's external-provider step (src/config/external-providers.ts), without a chart. */
import * as yaml from 'js-yaml';
import { ExternalProviderInput } from '../../src/config/external-providers';
import { ConfigInput, generateConfig } from '../../src/config/generate';
import { ValidationError } from '../../src/core/errors';
import { warningLines } from '../support/warnings';

const declared = (api: string, id: string, extra: Partial<ExternalProviderInput> = {}): ExternalProviderInput => ({
  path: `externalProviders.${api}[0]`,
  api,
  id,
  image: `quay.io/acme/${id}:1.0.0`,
  declared: { providerType: `remote::${id}`, module: id.replace(/-/g, '_'), api, source: `${id}/lls-provider-spec.yaml` },
  ...extra,
});
const discovered = (api: string, id: string, extra: Partial<ExternalProviderInput> = {}): ExternalProviderInput => {
  const { declared: _, ...rest } = declared(api, id, extra);
  return rest;
};

function gen(input: Partial<ConfigInput>) {
  return generateConfig({ distribution: { name: 'starter' }, ...input } as ConfigInput);
}
const configOf = (input: Partial<ConfigInput>) => yaml.load(gen(input).yaml!) as any;

function problems(input: Partial<ConfigInput>): string[] {
  try {
    gen(input);
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('declared providers are merged at synth time', () => {
  test('appended to their API, as {provider_id, provider_type, module, config}; the plan says nothing is merged at start', () => {
    const out = gen({ external: [declared('inference', 'acme-llm', { config: { base_url: 'http://acme.models.svc:8080', zeta: 1, alpha: { b: 1, a: 2 } } })] });
    const config = yaml.load(out.yaml!) as any;
    expect(config.providers.inference.at(-1)).toEqual({
      provider_id: 'acme-llm',
      provider_type: 'remote::acme-llm',
      module: 'acme_llm',
      config: { alpha: { a: 2, b: 1 }, base_url: 'http://acme.models.svc:8080', zeta: 1 },
    });
    expect(Object.keys(config.providers.inference.at(-1).config)).toEqual(['alpha', 'base_url', 'zeta']);
    expect(out.yaml).toContain('\n    - provider_id: acme-llm\n      provider_type: remote::acme-llm\n      module: acme_llm\n      config:\n');
    expect(out.externalProviders).toEqual({ mergeAtStart: false, entries: [expect.objectContaining({ id: 'acme-llm', mergeAtStart: false })] });
    expect(out.providerCount).toBe(gen({}).providerCount + 1);
  });

  test('a new API section is created and added to apis', () => {
    const baseConfig = 'version: 2\ndistro_name: mine\napis: [inference]\nproviders:\n  inference:\n  - provider_id: st\n    provider_type: inline::sentence-transformers\n';
    const config = configOf({ distribution: { image: 'registry.example/mine:1.0', baseConfig }, external: [declared('safety', 'guard')] });
    expect(config.apis).toEqual(['inference', 'safety']);
    expect(config.providers.safety).toEqual([{ provider_id: 'guard', provider_type: 'remote::guard', module: 'guard', config: {} }]);
  });

  test('external > user providers > base: replacements are warnings naming what was replaced', () => {
    const out = gen({
      providers: { inference: [{ id: 'local', provider: 'vllm', endpoint: 'http://vllm.models.svc:8000/v1' }] },
      external: [
        { ...declared('inference', 'local'), path: 'externalProviders.inference[0]' },
        { ...declared('inference', 'sentence-transformers'), path: 'externalProviders.inference[1]' },
      ],
    });
    const inference = (yaml.load(out.yaml!) as any).providers.inference;
    expect(inference.filter((p: any) => p.provider_id === 'local')).toEqual([{ provider_id: 'local', provider_type: 'remote::local', module: 'local', config: {} }]);
    expect(inference.filter((p: any) => p.provider_id === 'sentence-transformers')).toEqual([
      { provider_id: 'sentence-transformers', provider_type: 'remote::sentence-transformers', module: 'sentence_transformers', config: {} },
    ]);
    expect(warningLines(out.warnings)).toContain("externalProviders.inference[0]: external provider 'local' overrides the provider of providers.inference[0] 'local' (remote::vllm) with remote::local");
    expect(warningLines(out.warnings)).toContain("externalProviders.inference[1]: external provider 'sentence-transformers' overrides the base config's inference provider 'sentence-transformers' (inline::sentence-transformers) with remote::sentence-transformers");
  });

  test('the merged config is deterministic and in the hash', () => {
    const a = gen({ external: [declared('inference', 'acme-llm', { config: { b: 1, a: 2 } })] });
    const b = gen({ external: [declared('inference', 'acme-llm', { config: { a: 2, b: 1 } })] });
    expect(a.yaml).toBe(b.yaml);
    expect(a.hash).not.toBe(gen({}).hash);
    // The image is not in config.yaml: a new image rolls the pods (pod template), not the config.
    const v1 = gen({ external: [declared('inference', 'acme-llm')] });
    expect(gen({ external: [declared('inference', 'acme-llm', { image: 'quay.io/acme/acme-llm:2.0.0' })] }).hash).toBe(v1.hash);
  });
});

describe('discovered providers are merged at pod start', () => {
  test('not in the generated config; the plan carries their config', () => {
    const out = gen({ external: [discovered('inference', 'acme-llm', { config: { base_url: 'http://acme.models.svc:8080' } })] });
    expect(out.yaml).not.toContain('acme-llm');
    expect(out.externalProviders).toEqual({
      mergeAtStart: true,
      entries: [{
        path: 'externalProviders.inference[0]',
        api: 'inference',
        id: 'acme-llm',
        image: 'quay.io/acme/acme-llm:1.0.0',
        declared: undefined,
        mergeAtStart: true,
        config: { base_url: 'http://acme.models.svc:8080' },
      }],
    });
  });

  test('models can be registered on them; the stand-in leaves no trace in the config', () => {
    const out = gen({
      external: [discovered('inference', 'acme-llm'), discovered('scoring', 'acme-scorer')],
      resources: { models: [{ name: 'acme-7b', provider: 'acme-llm' }] },
    });
    const config = yaml.load(out.yaml!) as any;
    expect(config.registered_resources.models).toContainEqual(expect.objectContaining({ model_id: 'acme-7b', provider_id: 'acme-llm' }));
    expect(JSON.stringify(config.providers)).not.toContain('acme');
    expect(out.yaml).not.toContain('pending');
    expect(config.providers).toEqual((gen({}).config as any).providers);
  });

  test('replacing a base provider is known at synth time: a warning', () => {
    const out = gen({ external: [discovered('inference', 'sentence-transformers')] });
    expect(warningLines(out.warnings)).toContain(
      "externalProviders.inference[0]: external provider 'sentence-transformers' overrides the base config's inference provider 'sentence-transformers' (inline::sentence-transformers) with the type its image declares",
    );
    expect(out.yaml).toContain('provider_type: inline::sentence-transformers');
  });

  test('with overrideConfig every provider is merged at start, declared ones too', () => {
    const out = gen({ overrideConfig: { configMapName: 'mine' }, external: [declared('inference', 'acme-llm'), discovered('safety', 'guard')] });
    expect(out.externalProviders!.mergeAtStart).toBe(true);
    expect(out.externalProviders!.entries.map((e) => e.mergeAtStart)).toEqual([true, true]);
  });
});

describe('checks', () => {
  test('two external providers with one ID: both images named, on both', () => {
    expect(problems({
      external: [declared('inference', 'dup'), { ...discovered('safety', 'dup'), image: 'quay.io/acme/other:2.0.0', path: 'externalProviders.safety[0]' }],
    })).toEqual([
      'externalProviders.inference[0].id: duplicate provider ID detected in external providers: provider ID \'dup\' is declared by multiple provider images: '
        + 'quay.io/acme/dup:1.0.0 and quay.io/acme/other:2.0.0 (externalProviders.safety[0]) (each provider must have a unique id; give the external providers distinct ids)',
      'externalProviders.safety[0].id: duplicate provider ID detected in external providers: provider ID \'dup\' is declared by multiple provider images: '
        + 'quay.io/acme/other:2.0.0 and quay.io/acme/dup:1.0.0 (externalProviders.inference[0]) (each provider must have a unique id; give the external providers distinct ids)',
    ]);
  });

  test('API placement: the declared api must be the section', () => {
    const input = { ...declared('inference', 'guard'), declared: { providerType: 'inline::guard', module: 'guard', api: 'safety', source: 'guard/lls-provider-spec.yaml' } };
    expect(problems({ external: [input] })).toEqual([
      'externalProviders.inference[0]: provider API type mismatch: provider \'guard\' (image: quay.io/acme/guard:1.0.0) declares api=safety in guard/lls-provider-spec.yaml '
        + 'but is placed under externalProviders.inference (move the provider to externalProviders.safety)',
    ]);
  });

  test('an ID a user provider of another API has', () => {
    expect(problems({
      providers: { safety: [{ id: 'acme', provider: 'llama-guard' }] },
      external: [declared('inference', 'acme')],
    })).toEqual(['externalProviders.inference[0].id: provider ID "acme" conflicts with the provider of providers.safety[0]; all provider IDs must be unique across all API types (give the external provider another id)']);
  });

  test('a disabled API', () => {
    expect(problems({ disabled: ['safety'], external: [discovered('safety', 'guard')] })).toEqual([
      'externalProviders.safety[0]: safety is disabled, so this provider would not be served (remove \'safety\' from disabled, or remove the external provider)',
    ]);
  });

  test('secrets: secretRefs become LLSD_ env vars; literal secrets and URL credentials are refused', () => {
    const out = gen({ external: [declared('inference', 'acme-llm', { secretRefs: { api_key: { name: 'acme', key: 'token' } } })] });
    expect(out.envVars).toContainEqual({ name: 'LLSD_ACME_LLM_API_KEY', secretKeyRef: { name: 'acme', key: 'token' }, source: 'externalProviders.inference[0].secretRefs.api_key' });
    expect((yaml.load(out.yaml!) as any).providers.inference.at(-1).config).toEqual({ api_key: '${env.LLSD_ACME_LLM_API_KEY}' });
    expect(problems({
      external: [declared('inference', 'acme-llm', {
        config: { api_key: 'sk-123', nested: [{ password: 'x' }], url: 'http://user:pw@acme.models.svc', max_tokens: 5, token: '${env.T}' },
        secretRefs: { url: { name: 'a', key: 'b' } },
      })],
      secretEnv: { T: { name: 't', key: 'k' } },
    })).toEqual([
      'externalProviders.inference[0].config.api_key: \'api_key\' looks like a secret; a literal value would be written to the ConfigMap (use secretRefs: { api_key: { name: \'<secret>\', key: \'<key>\' } })',
      'externalProviders.inference[0].config.nested[0].password: \'password\' looks like a secret; a literal value would be written to the ConfigMap (use secretRefs: { password: { name: \'<secret>\', key: \'<key>\' } })',
      'externalProviders.inference[0].config.url: the URL contains credentials, which would be written to the ConfigMap (remove them; pass credentials with secretRefs)',
      'externalProviders.inference[0].secretRefs.url: \'url\' is given in both config and secretRefs (remove config.url)',
    ]);
  });

  test('endpoints: literal URLs in config and endpoints become egress destinations; placeholders are warned about', () => {
    const out = gen({
      env: { ACME_URL: 'x' },
      external: [discovered('inference', 'acme-llm', {
        config: { base_url: 'http://acme.models.svc:8080/v1', other: { url: '${env.ACME_URL}' } },
        endpoints: ['https://api.acme.example'],
      })],
    });
    expect(out.endpoints).toEqual(expect.arrayContaining([
      { host: 'acme.models.svc', port: 8080, source: 'externalProviders.inference[0].config.base_url' },
      { host: 'api.acme.example', port: 443, source: 'externalProviders.inference[0].endpoints[0]' },
    ]));
    expect(warningLines(out.warnings)).toContain('externalProviders.inference[0].config.other.url: the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it (give a literal URL in endpoints)');
    expect(problems({ external: [discovered('inference', 'acme-llm', { endpoints: ['not a url'] })] })).toEqual([
      'externalProviders.inference[0].endpoints[0]: \'not a url\' is not an absolute URL with a scheme and host (write it with a scheme, e.g. http://vllm.models.svc:8000/v1)',
    ]);
  });

  test('${env.X} without default in a config merged at start must be supplied, like in the generated config', () => {
    expect(problems({ external: [discovered('inference', 'acme-llm', { config: { region: '${env.ACME_REGION}', zone: '${env.ZONE:=a}' } })] })).toEqual([
      'env.ACME_REGION: the config uses ${env.ACME_REGION} with no default (at externalProviders.inference[0].config.region), so the server would not start without ACME_REGION (set env.ACME_REGION, or give the value in config)',
    ]);
    expect(problems({ external: [declared('inference', 'acme-llm', { config: { region: '${env.ACME_REGION}' } })] })).toEqual([
      expect.stringMatching(/^env\.ACME_REGION: the config uses \$\{env\.ACME_REGION\} with no default \(at providers\.inference\[\d+\]\.config\.region\)/),
    ]);
    expect(() => gen({ env: { ACME_REGION: 'eu' }, external: [discovered('inference', 'acme-llm', { config: { region: '${env.ACME_REGION}' } })] })).not.toThrow();
  });
});
