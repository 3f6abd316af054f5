import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { Catalog } from '../../src/config/catalog';
import { ConfigInput, generateConfig } from '../../src/config/generate';
import { ValidationError } from '../../src/core/errors';
import { sha256 } from '../../src/core/yaml';

const catalog = Catalog.get();
const apis = ['inference', 'safety', 'vectorIo', 'toolRuntime', 'files', 'responses', 'telemetry', 'bogus'];
const providerNames = [...new Set(catalog.apis.flatMap((a) => catalog.shortNames(a)))].concat(['vlm', 'remote::vllm', 'inline::faiss', '']);
const configKeys = ['base_url', 'max_tokens', 'api_token', 'api_key', 'url', 'persistence', 'typo_key', 'network', 'db', 'user'];
const secretRef = fc.record({ name: fc.constantFrom('s', 'creds', 'Bad Name'), key: fc.constantFrom('k', 'token', '') });
const provider = fc.record({
  id: fc.option(fc.constantFrom('a', 'b', 'vllm', 'a-b', 'a_b', 'bad id', ''), { nil: undefined }),
  provider: fc.constantFrom(...providerNames),
  endpoint: fc.option(fc.constantFrom('http://v.models.svc:8000/v1', 'not a url', 'https://api.example.com/v1', 'postgresql://pg.db.svc:5432'), { nil: undefined }),
  apiKey: fc.option(secretRef, { nil: undefined }),
  settings: fc.option(
    fc.dictionary(fc.constantFrom(...configKeys), fc.oneof(fc.integer(), fc.string(), fc.constant({ tls: { verify: true } }))),
    { nil: undefined },
  ),
}, { requiredKeys: ['provider'] });
const input: fc.Arbitrary<ConfigInput> = fc.record({
  distribution: fc.constantFrom({ name: 'starter' }, { name: 'postgres-demo' }, { name: 'nope' }, { image: 'a/b:1' }),
  providers: fc.option(fc.dictionary(fc.constantFrom(...apis), fc.array(provider, { maxLength: 3 })), { nil: undefined }),
  resources: fc.option(fc.record({
    models: fc.option(fc.array(fc.oneof(fc.record({ name: fc.constantFrom('m1', 'm2', '') }), fc.record({ name: fc.constantFrom('m', 'e'), modelType: fc.constantFrom('llm', 'embedding', 'x'), provider: fc.option(fc.constantFrom('vllm', 'a', 'nope'), { nil: undefined }) })), { maxLength: 4 }), { nil: undefined }),
    tools: fc.option(fc.array(fc.constantFrom('builtin::websearch', 'builtin::wolfram_alpha', 'x'), { maxLength: 2 }), { nil: undefined }),
    shields: fc.option(fc.array(fc.record({ id: fc.constantFrom('g', 'h') }), { maxLength: 2 }), { nil: undefined }),
  }), { nil: undefined }),
  storage: fc.option(fc.record({
    kv: fc.option(fc.record({ type: fc.constantFrom('sqlite', 'redis', 'postgres', 'x'), host: fc.option(fc.constantFrom('r.db.svc'), { nil: undefined }) }), { nil: undefined }),
    sql: fc.option(fc.record({ type: fc.constantFrom('sqlite', 'postgres'), connectionString: fc.option(fc.constantFrom('postgresql://u@pg.db.svc/db', 'postgresql://u:p@h/db', 'nope'), { nil: undefined }), password: fc.option(secretRef, { nil: undefined }) }), { nil: undefined }),
  }), { nil: undefined }),
  disabled: fc.option(fc.array(fc.constantFrom('safety', 'files', 'vectorIo', 'eval', 'agents', 'x'), { maxLength: 3 }), { nil: undefined }),
  env: fc.option(fc.dictionary(fc.constantFrom('INFERENCE_MODEL', 'X', 'API_KEY'), fc.constantFrom('v', '')), { nil: undefined }),
}, { requiredKeys: ['distribution'] });

/** Mostly-valid specs, so the success branch is exercised too. */
const validish: fc.Arbitrary<ConfigInput> = fc.record({
  distribution: fc.constant({ name: 'starter' }),
  providers: fc.record({
    inference: fc.record({ provider: fc.constantFrom('vllm', 'ollama', 'llama-cpp-server'), endpoint: fc.constantFrom('http://v.models.svc:8000/v1', 'http://10.0.0.5:8000/v1'), settings: fc.option(fc.constantFrom({ max_tokens: 10 }, { refresh_models: true }), { nil: undefined }) }, { requiredKeys: ['provider', 'endpoint'] }).map((p) => [p]),
    safety: fc.option(fc.constant([{ provider: 'llama-guard' }]), { nil: undefined }),
  }, { requiredKeys: ['inference'] }),
  resources: fc.option(fc.record({ models: fc.array(fc.constantFrom('m1', 'm2', 'm3'), { maxLength: 3 }).map((a) => [...new Set(a)].map((name) => ({ name }))) }), { nil: undefined }),
  disabled: fc.option(fc.subarray(['eval', 'scoring']), { nil: undefined }),
}, { requiredKeys: ['distribution', 'providers'] }) as fc.Arbitrary<ConfigInput>;

/** Keys a provider's config may have, from the catalog (independently of the engine's checker). */
function allowedKeys(api: string, type: string): Set<string> | undefined {
  const p = catalog.provider(api, type);
  if (!p || p.extraKeys === 'allow') return undefined;
  return new Set([...p.acceptedKeys, ...Object.keys(p.configSchema.properties ?? {})]);
}

/**
 * fast-check builds records and dictionaries without a prototype; props written in TypeScript have
 * Object.prototype (and the props shape check may insist on it), so the specs are cloned into plain objects.
 */
function plain<T>(spec: T): T {
  return structuredClone(spec);
}

test('random specs give either a ValidationError with field paths, or a valid config; never another exception', () => {
  let valid = 0;
  let refused = 0;
  let keysChecked = 0;
  fc.assert(fc.property(fc.oneof(input, validish).map(plain), (spec) => {
    let out;
    try {
      out = generateConfig(spec, 'stack');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const e = err as ValidationError;
      expect(e.issues.length).toBeGreaterThan(0);
      for (const issue of e.issues) {
        expect(typeof issue.path).toBe('string');
        expect(issue.message.length).toBeGreaterThan(0);
      }
      refused++;
      return;
    }
    expect(out.hash).toBe(sha256(out.yaml!));
    const doc = yaml.load(out.yaml!) as any;
    expect(doc.version).toBe(2);
    for (const [api, list] of Object.entries(doc.providers as Record<string, any[]>)) {
      for (const p of list) {
        const allowed = allowedKeys(api, p.provider_type);
        if (allowed) {
          for (const key of Object.keys(p.config ?? {})) expect(allowed).toContain(key);
          keysChecked += Object.keys(p.config ?? {}).length;
        }
      }
    }
    // Deterministic: the same spec again gives the same bytes.
    expect(generateConfig(spec).yaml).toBe(out.yaml);
    valid++;
  }), { numRuns: 300 });
  // Both branches must be exercised, or the property says little.
  expect(valid).toBeGreaterThan(15);
  expect(refused).toBeGreaterThan(15);
  // The catalog check above ran on real config keys (allowedKeys knows the providers the specs use).
  expect(keysChecked).toBeGreaterThan(100);
});
