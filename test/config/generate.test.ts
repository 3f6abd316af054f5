import { createHash } from 'crypto';
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { ConfigInput, generateConfig } from '../../src/config/generate';
import { ValidationError } from '../../src/core/errors';
import { warningLines } from '../support/warnings';

const starter = { name: 'starter' };
const vllm = { provider: 'vllm', endpoint: 'http://llama-8b.models.svc:8000/v1' };

/** The config as parsed back by a YAML reader (what the server sees). */
function gen(input: ConfigInput): any {
  const out = generateConfig(input, 'stack');
  return { ...out, doc: yaml.load(out.yaml!) as any };
}

/** Every error line of a failing generation. */
function errors(input: ConfigInput): string[] {
  try {
    generateConfig(input, 'stack');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  throw new Error('expected a ValidationError');
}

/** postgres-demo's vLLM provider has a fixed ID, so it needs a URL (VLLMInferenceAdapter.initialize). */
const VLLM_URL = 'http://vllm.models.svc:8000/v1';

function providers(doc: any, api: string): any[] {
  return doc.providers[api];
}

/**
 * Upstream v0.7.1's distribution configs, byte for byte (data/llama-stack-0.7.1/README.md): the tests that
 * compare generated configs with these files are only as good as the files, so the files are pinned here.
 */
const UPSTREAM_CONFIG_SHA256: Record<string, string> = {
  'starter.config.yaml': '2b60084af9198b9f8c94b42c170226a6bf98d55d5035b5f2c1a6da414e456e7c',
  'postgres-demo.config.yaml': '50d91f8129c7fef1110fce85aabc7a36f5993d6f345679ef4d0a039d2a94cbcb',
};

describe('distribution', () => {
  test('the shipped base configs are upstream 0.7.1\'s files, unchanged', () => {
    const shipped = fs.readdirSync('data/llama-stack-0.7.1').filter((f) => f.endsWith('.config.yaml')).sort();
    expect(shipped).toEqual(Object.keys(UPSTREAM_CONFIG_SHA256).sort());
    for (const f of shipped) {
      expect([f, createHash('sha256').update(fs.readFileSync(`data/llama-stack-0.7.1/${f}`)).digest('hex')]).toEqual([f, UPSTREAM_CONFIG_SHA256[f]]);
    }
  });

  test('a named distribution uses the 0.7.1 image and its embedded config unchanged', () => {
    const { doc, image, warnings } = gen({ distribution: starter });
    expect(image).toBe('docker.io/llamastack/distribution-starter:0.7.1');
    const base = yaml.load(fs.readFileSync('data/llama-stack-0.7.1/starter.config.yaml', 'utf8')) as any;
    delete base.registered_resources.vector_dbs; // ignored by 0.7.1
    expect(doc).toEqual(base);
    // What starter 0.7.1 is, independently of the file: its APIs and its inference providers, in order.
    expect([doc.version, doc.distro_name, Object.keys(doc.providers).sort()]).toEqual([2, 'starter', [
      'batches', 'datasetio', 'eval', 'file_processors', 'files', 'inference', 'responses', 'safety', 'scoring', 'tool_runtime', 'vector_io',
    ]]);
    expect(doc.providers.inference.map((p: any) => p.provider_id)).toEqual([
      '${env.CEREBRAS_API_KEY:+cerebras}', '${env.OLLAMA_URL:+ollama}', '${env.VLLM_URL:+vllm}', 'fireworks', 'together', 'bedrock',
      '${env.NVIDIA_API_KEY:+nvidia}', 'openai', 'anthropic', 'gemini', '${env.VERTEX_AI_PROJECT:+vertexai}', 'groq', 'sambanova',
      '${env.AZURE_API_KEY:+azure}', 'sentence-transformers', 'transformers',
    ]);
    expect(warnings).toEqual([]); // the base's empty vector_dbs is dropped without a word
  });

  test('unknown name lists the available distributions', () => {
    expect(errors({ distribution: { name: 'strater' } })).toEqual([
      'distribution.name: unknown distribution "strater"; available distributions: postgres-demo, starter (use one of those names, or give image and baseConfig for a custom distribution)',
    ]);
  });

  test('name and image together, or neither, are errors', () => {
    expect(errors({ distribution: { name: 'starter', image: 'x/y:1' } })[0]).toMatch(/^distribution: only one of name or image can be specified/);
    expect(errors({ distribution: {} })[0]).toMatch(/^distribution: one of name or image must be specified/);
  });

  test('an image needs a base config or an override', () => {
    expect(errors({ distribution: { image: 'quay.io/acme/stack:1.0' } })).toEqual([
      'distribution.image: a custom image needs its base config (give distribution.baseConfig (the config.yaml the image starts from) or overrideConfig.configMapName)',
    ]);
    const out = generateConfig({ distribution: { image: 'quay.io/acme/stack:1.0' }, overrideConfig: { configMapName: 'mine' } });
    expect(out.yaml).toBeUndefined();
    expect(out.image).toBe('quay.io/acme/stack:1.0');
  });

  test('an image with a base config is generated from that config', () => {
    const baseConfig = 'version: 2\ndistro_name: acme\napis: [inference]\nproviders:\n  inference:\n  - provider_id: vllm\n    provider_type: remote::vllm\n    config: {base_url: "http://a.b.svc:8000/v1"}\n';
    const { doc } = gen({ distribution: { image: 'quay.io/acme/stack:1.0', baseConfig }, resources: { models: [{ name: 'm' }] } });
    expect(doc.distro_name).toBe('acme');
    expect(doc.registered_resources.models).toEqual([{ model_id: 'm', provider_id: 'vllm', model_type: 'llm', metadata: {} }]);
  });

  test('unpinned or malformed images are refused', () => {
    expect(errors({ distribution: { image: 'quay.io/acme/stack', baseConfig: 'version: 2' } })[0]).toMatch(/has no tag or digest/);
    expect(errors({ distribution: { image: 'quay.io/acme/stack:latest', baseConfig: 'version: 2' } })[0]).toMatch(/uses the tag 'latest'/);
    expect(errors({ distribution: { image: 'Not An Image', baseConfig: 'version: 2' } })[0]).toMatch(/not a valid image reference/);
  });

  test('image overrides replace the image of a named distribution', () => {
    const out = generateConfig({ distribution: starter, imageOverrides: { starter: 'mirror.local/llamastack/starter:0.7.1' } });
    expect(out.image).toBe('mirror.local/llamastack/starter:0.7.1');
  });

  test('unsupported config versions and bad YAML are reported', () => {
    expect(errors({ distribution: { image: 'a/b:1', baseConfig: 'version: 3\nproviders: {}' } })).toEqual([
      'distribution.baseConfig: Unsupported config.yaml version 3. Supported versions: 2 (use a base config written for Llama Stack 0.7 (version: 2))',
    ]);
    expect(errors({ distribution: { image: 'a/b:1', baseConfig: 'version: 2\n  bad: [' } })[0]).toMatch(/^distribution.baseConfig: invalid YAML at line 2/);
  });

  test('unknown top-level keys of a base config are errors', () => {
    const baseConfig = 'version: 2\ndistro_name: x\nproviders: {}\nservr: {port: 1}\n';
    expect(errors({ distribution: { image: 'a/b:1', baseConfig } })).toEqual([
      "distribution.baseConfig: unknown top-level key 'servr' (Llama Stack 0.7.1 would ignore it) (did you mean 'server'?)",
    ]);
  });
});

describe('providers', () => {
  test('provider names map to remote:: first, inline:: otherwise; :: is kept', () => {
    const { doc } = gen({
      distribution: starter,
      providers: {
        inference: [{ id: 'a', ...vllm }, { id: 'st', provider: 'inline::sentence-transformers' }],
        safety: [{ provider: 'llama-guard' }],
        vectorIo: [{ provider: 'faiss', id: 'faiss2' }],
      },
    });
    expect(providers(doc, 'inference').find((p) => p.provider_id === 'a').provider_type).toBe('remote::vllm');
    expect(providers(doc, 'inference').find((p) => p.provider_id === 'st').provider_type).toBe('inline::sentence-transformers');
    expect(providers(doc, 'safety').find((p) => p.provider_id === 'llama-guard').provider_type).toBe('inline::llama-guard');
    expect(providers(doc, 'vector_io').find((p) => p.provider_id === 'faiss2').provider_type).toBe('inline::faiss');
  });

  test('the id defaults to the text after the last ::', () => {
    const { doc } = gen({ distribution: starter, providers: { toolRuntime: [{ provider: 'remote::tavily-search', apiKey: { name: 't', key: 'k' } }] } });
    expect(providers(doc, 'tool_runtime').filter((p) => p.provider_id === 'tavily-search')).toHaveLength(1);
  });

  test('endpoint goes to the catalog URL field, apiKey to the key field, as env references', () => {
    const out = gen({
      distribution: starter,
      providers: {
        inference: [
          { id: 'vllm-primary', ...vllm, apiKey: { name: 'vllm-creds', key: 'token' } },
          { id: 'oai', provider: 'openai', apiKey: { name: 'oai', key: 'key' } },
        ],
      },
      env: {},
    });
    const list = providers(out.doc, 'inference');
    expect(list.find((p: any) => p.provider_id === 'vllm-primary').config).toEqual({
      base_url: 'http://llama-8b.models.svc:8000/v1',
      api_token: '${env.LLSD_VLLM_PRIMARY_API_TOKEN}',
    });
    expect(list.find((p: any) => p.provider_id === 'oai').config).toEqual({ api_key: '${env.LLSD_OAI_API_KEY}' });
    expect(out.envVars).toEqual([
      { name: 'LLSD_OAI_API_KEY', secretKeyRef: { name: 'oai', key: 'key' }, source: 'providers.inference[1].apiKey' },
      { name: 'LLSD_VLLM_PRIMARY_API_TOKEN', secretKeyRef: { name: 'vllm-creds', key: 'token' }, source: 'providers.inference[0].apiKey' },
    ]);
  });

  test('endpoint goes to host/port where the provider has those (pgvector)', () => {
    const { doc } = gen({
      distribution: starter,
      providers: { vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5433', settings: { db: 'vec', user: 'u' }, secretRefs: { password: { name: 'pg', key: 'pw' } } }] },
    });
    const pg = providers(doc, 'vector_io').find((p: any) => p.provider_id === 'pgvector');
    expect(pg.config).toMatchObject({ host: 'pg.db.svc', port: 5433, db: 'vec', user: 'u', password: '${env.LLSD_PGVECTOR_PASSWORD}' });
  });

  test('a provider without such fields given endpoint or apiKey is an error', () => {
    expect(errors({ distribution: starter, providers: { safety: [{ provider: 'llama-guard', endpoint: 'http://x.y.svc:1', apiKey: { name: 'a', key: 'b' } }] } })).toEqual([
      'providers.safety[0].endpoint: inline::llama-guard has no endpoint field (remove endpoint; this provider runs in the server or takes its location from settings)',
      'providers.safety[0].apiKey: inline::llama-guard has no API key field (remove apiKey; use secretRefs for other secret config keys)',
    ]);
  });

  test('an id is required when a list has more than one entry', () => {
    expect(errors({ distribution: starter, providers: { inference: [vllm, { id: 'b', ...vllm }] } })).toEqual([
      "providers.inference[0].id: required when an API lists more than one provider (give each provider an id, e.g. id: 'vllm-primary')",
    ]);
  });

  test('ids are unique across APIs, and env names must not collide', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ id: 'x', ...vllm }], safety: [{ id: 'x', provider: 'llama-guard' }] } })).toEqual([
      'providers.safety[0].id: provider ID "x" conflicts with provider in "inference"; all provider IDs must be unique across all API types (give each provider its own id)',
    ]);
    const lines = errors({
      distribution: starter,
      providers: { inference: [{ id: 'a-b', ...vllm, apiKey: { name: 's', key: 'k' } }, { id: 'a_b', ...vllm, apiKey: { name: 's', key: 'k' } }] },
    });
    expect(lines).toEqual([
      "providers.inference[1].apiKey: environment variable LLSD_A_B_API_TOKEN would also be used by providers.inference[0].apiKey (give the providers IDs that differ in more than '-' versus '_' or case)",
    ]);
  });

  test('unknown provider names get a did-you-mean, or the API they belong to', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'vlm' }] } })).toEqual([
      "providers.inference[0].provider: unknown inference provider 'vlm' in Llama Stack 0.7.1 (did you mean 'vllm'?)",
    ]);
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'faiss' }] } })[0]).toMatch(/'faiss' is a provider of vectorIo; move it there/);
  });

  test('APIs that 0.7.1 no longer has say what replaced them', () => {
    const lines = errors({ distribution: starter, providers: { telemetry: [vllm], agents: [vllm], postTraining: [vllm] } as any });
    expect(lines).toEqual([
      expect.stringMatching(/^providers.telemetry: telemetry is not an API of Llama Stack 0.7.1: telemetry was removed in Llama Stack 0.4; .*OpenTelemetry/),
      expect.stringMatching(/^providers.agents: agents is not an API of Llama Stack 0.7.1: agents was renamed to responses/),
      expect.stringMatching(/^providers.postTraining: postTraining is not an API of Llama Stack 0.7.1: post_training was removed/),
    ]);
    expect(errors({ distribution: starter, providers: { infrence: [vllm] } as any })[0]).toMatch(/unknown API 'infrence' \(did you mean 'inference'\?\)/);
  });

  test('settings merge into config; structured fields win with a warning', () => {
    const out = gen({ distribution: starter, providers: { inference: [{ ...vllm, settings: { max_tokens: 2048, base_url: 'http://other:1/v1' } }] } });
    const v = providers(out.doc, 'inference').find((p: any) => p.provider_id === 'vllm');
    expect(v.config).toEqual({ base_url: 'http://llama-8b.models.svc:8000/v1', max_tokens: 2048 });
    expect(warningLines(out.warnings)).toContain('providers.inference[0].endpoint: overrides settings.base_url');
  });

  test('unknown config keys are rejected, nested ones too, with did-you-mean', () => {
    const settings = { max_tokns: 1, network: { tls: { verfy: false }, timeout: { conect: 3 } } };
    expect(errors({ distribution: starter, providers: { inference: [{ ...vllm, settings }] } })).toEqual([
      "providers.inference[0].settings.max_tokns: unknown config key 'max_tokns' for remote::vllm (did you mean 'max_tokens'?)",
      "providers.inference[0].settings.network.timeout.conect: unknown config key 'conect' (did you mean 'connect'?)",
      "providers.inference[0].settings.network.tls.verfy: unknown config key 'verfy' (did you mean 'verify'?)",
    ]);
  });

  test('literal values are type-checked as pydantic (lax) would; placeholders are not', () => {
    const settings = { max_tokens: 'lots', refresh_models: 'yes', network: { tls: { min_version: 'TLSv1.1' }, timeout: { connect: '${env.T:=3}' } } };
    expect(errors({ distribution: starter, providers: { inference: [{ ...vllm, settings }] } })).toEqual([
      "providers.inference[0].settings.max_tokens: 'lots' is not an integer (give a value of that type)",
      'providers.inference[0].settings.network.tls.min_version: \'TLSv1.1\' is not one of "TLSv1.2", "TLSv1.3" or null (give a value of that type)',
    ]);
    expect(() => generateConfig({ distribution: starter, providers: { inference: [{ ...vllm, settings: { max_tokens: '4096' } }] } })).not.toThrow();
    expect(errors({ distribution: starter, providers: { vectorIo: [{ provider: 'remote::chromadb', endpoint: 'http://c.db.svc:8000', settings: { persistence: null } }] } })).toEqual([
      'providers.vectorIo[0].settings.persistence: null is not an object (give a value of that type)',
    ]);
  });

  test('extraKeys: allow providers accept any key (remote::milvus)', () => {
    const { doc } = gen({
      distribution: starter,
      providers: { vectorIo: [{ provider: 'remote::milvus', endpoint: 'http://milvus.db.svc:19530', secretRefs: { token: { name: 'm', key: 't' } }, settings: { anything_goes: 1 } }] },
    });
    expect(providers(doc, 'vector_io').find((p: any) => p.provider_id === 'milvus').config.anything_goes).toBe(1);
  });

  test('secret fields given as literal settings are refused', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ ...vllm, settings: { api_token: 'sk-123' } }] } })).toEqual([
      "providers.inference[0].settings.api_token: 'api_token' is a secret field; a literal value would be written to the ConfigMap (use secretRefs: { api_token: { name: '<secret>', key: '<key>' } } or apiKey)",
    ]);
  });

  test('missing required fields are filled from the catalog sample when it needs no variables, else errors', () => {
    const { doc } = gen({ distribution: starter, providers: { vectorIo: [{ id: 'f2', provider: 'faiss' }] } });
    expect(providers(doc, 'vector_io').find((p: any) => p.provider_id === 'f2').config).toEqual({ persistence: { backend: 'kv_default', namespace: 'vector_io::faiss' } });
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'vertexai' }] } })).toEqual([
      "providers.inference[0].settings.project: 'project' is required by remote::vertexai (set settings.project)",
    ]);
  });

  test('same ID replaces the base entry (also a conditional ${env.X:+id} one); new IDs are appended; others kept', () => {
    const out = gen({ distribution: starter, providers: { inference: [{ id: 'vllm', ...vllm }, { id: 'extra', ...vllm }] } });
    const ids = providers(out.doc, 'inference').map((p: any) => p.provider_id);
    expect(ids.filter((i: string) => i === 'vllm')).toHaveLength(1);
    expect(ids).not.toContain('${env.VLLM_URL:+vllm}');
    expect(ids[ids.length - 1]).toBe('extra');
    expect(ids).toContain('sentence-transformers');
    expect(warningLines(out.warnings)).toContain("providers.inference[0]: replaces the base config's inference provider 'vllm' (remote::vllm)");
  });

  test('a provider for an API the base lacks adds the API', () => {
    const baseConfig = 'version: 2\ndistro_name: x\napis: [inference]\nproviders:\n  inference:\n  - {provider_id: v, provider_type: "remote::vllm", config: {base_url: "http://v.models.svc:8000/v1"}}\n';
    const { doc } = gen({ distribution: { image: 'a/b:1', baseConfig }, providers: { safety: [{ provider: 'llama-guard' }] } });
    expect(doc.apis).toEqual(['inference', 'safety']);
  });
});

describe('destinations (for NetworkPolicy egress)', () => {
  const endpointsOf = (input: ConfigInput) => generateConfig(input).endpoints;

  test('literal endpoints, settings URLs, host fields and catalog defaults are recorded', () => {
    expect(endpointsOf({
      distribution: starter,
      providers: {
        inference: [
          { id: 'a', ...vllm },
          { id: 'b', provider: 'vllm', settings: { base_url: 'http://b.models.svc.cluster.local/v1' } },
          { id: 'o', provider: 'openai', apiKey: { name: 'o', key: 'k' } },
          { id: 'c', provider: 'anthropic', apiKey: { name: 'c', key: 'k' } },
        ],
        vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc', settings: { db: 'd', user: 'u' } }],
      },
    })).toEqual([
      { host: 'llama-8b.models.svc', port: 8000, source: 'providers.inference[0].endpoint' },
      { host: 'b.models.svc.cluster.local', port: 80, source: 'providers.inference[1].settings.base_url' },
      { host: 'api.openai.com', port: 443, source: 'providers.inference[2]' },
      { source: 'providers.inference[3]', note: 'remote::anthropic calls a hosted service outside the cluster' },
      { host: 'pg.db.svc', port: 5432, source: 'providers.vectorIo[0].endpoint' },
    ]);
  });

  test('loopback and run-time endpoints are warnings, not rules', () => {
    const out = generateConfig({ distribution: starter, providers: { inference: [{ id: 'l', provider: 'ollama' }, { id: 'v', provider: 'vllm', endpoint: '${env.MY_VLLM_URL}' }] }, env: { MY_VLLM_URL: 'x' } });
    expect(out.endpoints).toEqual([]);
    expect(warningLines(out.warnings)).toContain("providers.inference[0]: the endpoint points at localhost, which is the server's own pod (give the address of the service in the cluster)");
    expect(warningLines(out.warnings)).toContain('providers.inference[1].endpoint: the endpoint is only known at run time, so the NetworkPolicy has no egress rule for it (give a literal endpoint)');
  });

  test('base providers switched on or pointed by env get rules too; hosted ones need the opt-in', () => {
    const out = generateConfig({
      distribution: starter,
      env: { OLLAMA_URL: 'http://ollama.llm-infra.svc:11434/v1', VLLM_URL: '${env.OTHER}' },
      secretEnv: { OPENAI_API_KEY: { name: 'oai', key: 'k' } },
    });
    expect(out.endpoints).toEqual([
      { host: 'ollama.llm-infra.svc', port: 11434, source: "env.OLLAMA_URL (providers.inference[1] 'ollama' of the base config)" },
      { host: 'api.openai.com', port: 443, source: "env.OPENAI_API_KEY (providers.inference[7] 'openai' of the base config)" },
    ]);
  });

  test('base providers that stay off get no rule; host/port providers are resolved too', () => {
    // VERTEX_AI_PROJECT is unset, so the starter's vertexai provider (id ${env.VERTEX_AI_PROJECT:+vertexai}) is off.
    expect(generateConfig({ distribution: starter, env: { VERTEX_AI_LOCATION: 'europe-west4' } }).endpoints).toEqual([]);
    expect(generateConfig({ distribution: starter, env: { NVIDIA_BASE_URL: 'https://nim.example.com/v1' } }).endpoints).toEqual([]);
    const pg = generateConfig({ distribution: starter, env: { PGVECTOR_DB: 'v', PGVECTOR_HOST: 'pg.db.svc' }, secretEnv: { PGVECTOR_PASSWORD: { name: 's', key: 'k' } } });
    expect(pg.endpoints).toEqual([{ host: 'pg.db.svc', port: 5432, source: "env.PGVECTOR_DB (providers.vector_io[4] 'pgvector' of the base config)" }]);
    const qdrant = generateConfig({ distribution: starter, env: { QDRANT_URL: 'http://q.db.svc:6333' } });
    expect(warningLines(qdrant.warnings)).toContain("env.QDRANT_URL (providers.vector_io[5] 'qdrant' of the base config): the base config gives no endpoint for it, so the NetworkPolicy has no egress rule for it");
  });

  test('endpoints need a scheme and a host', () => {
    expect(errors({ distribution: starter, providers: { inference: [{ provider: 'vllm', endpoint: 'vllm:8000' }] } })).toEqual([
      "providers.inference[0].endpoint: 'vllm:8000' is not an absolute URL with a scheme and host (write it with a scheme, e.g. http://vllm.models.svc:8000/v1)",
    ]);
  });

  test('both spellings of one API are an error', () => {
    expect(errors({ distribution: starter, providers: { vectorIo: [{ provider: 'faiss' }], vector_io: [{ provider: 'faiss' }] } as any })).toEqual([
      'providers.vector_io: both vectorIo and vector_io are given (merge them into providers.vectorIo)',
    ]);
  });
});

describe('resources', () => {
  test('models: string or object, defaults, metadata mapping, default provider', () => {
    const { doc } = gen({
      distribution: starter,
      providers: { inference: [{ id: 'main', ...vllm }] },
      resources: {
        models: [
          { name: 'meta-llama/Llama-3.1-8B-Instruct' },
          { name: 'embed', modelType: 'embedding', embeddingDimension: 768, provider: 'sentence-transformers', providerModelId: 'nomic-ai/nomic-embed-text-v1.5' },
          { name: 'long', contextLength: 131072, metadata: { b: 1, a: 2 } },
        ],
      },
    });
    expect(doc.registered_resources.models).toEqual([
      { model_id: 'meta-llama/Llama-3.1-8B-Instruct', provider_id: 'main', model_type: 'llm', metadata: {} },
      { model_id: 'embed', provider_id: 'sentence-transformers', provider_model_id: 'nomic-ai/nomic-embed-text-v1.5', model_type: 'embedding', metadata: { embedding_dimension: 768 } },
      { model_id: 'long', provider_id: 'main', model_type: 'llm', metadata: { a: 2, b: 1, context_length: 131072 } },
    ]);
  });

  test('without a user inference provider, models go to the first fixed-ID base provider', () => {
    const { doc } = gen({ distribution: starter, resources: { models: [{ name: 'm' }] } });
    expect(doc.registered_resources.models[0].provider_id).toBe('fireworks');
  });

  test('model errors: unknown provider, embedding without dimension, bad type, no provider at all', () => {
    const lines = errors({
      distribution: starter,
      resources: { models: [{ name: 'a', provider: 'nope' }, { name: 'b', modelType: 'embedding' }, { name: 'c', modelType: 'chat' }] },
    });
    expect(lines[0]).toMatch(/^resources.models\[0\].provider: references unknown provider ID "nope"; available: \[.*fireworks.*\]/);
    expect(lines).toContain('resources.models[1].embeddingDimension: an embedding model needs embeddingDimension (set embeddingDimension, e.g. 768)');
    expect(lines).toContain("resources.models[2].modelType: unknown modelType 'chat' (use one of: llm, embedding, rerank)");
    const baseConfig = 'version: 2\ndistro_name: x\nproviders: {}\n';
    expect(errors({ distribution: { image: 'a/b:1', baseConfig }, resources: { models: [{ name: 'm' }] } })).toEqual([
      'resources.models[0]: no provider given for model "m" and no inference provider is configured (add providers.inference, or set provider to an inference provider ID)',
    ]);
  });

  test('models listed on a provider register under its ID, before resources.models', () => {
    const { doc } = gen({
      distribution: starter,
      providers: { inference: [{ id: 'a', ...vllm, models: [{ name: 'm1' }, { name: 'm2', providerModelId: 'served' }] }, { id: 'b', ...vllm, models: [{ name: 'm1' }] }] },
      resources: { models: [{ name: 'm3' }] },
    });
    expect(doc.registered_resources.models).toEqual([
      { model_id: 'm1', provider_id: 'a', model_type: 'llm', metadata: {} },
      { model_id: 'm2', provider_id: 'a', provider_model_id: 'served', model_type: 'llm', metadata: {} },
      { model_id: 'm1', provider_id: 'b', model_type: 'llm', metadata: {} },
      { model_id: 'm3', provider_id: 'a', model_type: 'llm', metadata: {} },
    ]);
  });

  test('provider models: wrong API, a different provider, duplicates with resources.models', () => {
    expect(errors({
      distribution: starter,
      providers: {
        inference: [{ id: 'a', ...vllm, models: [{ name: 'x', provider: 'b' }, { name: 'dup' }] }],
        safety: [{ id: 'guard', provider: 'llama-guard', models: [{ name: 'y' }] }],
      },
      resources: { models: [{ name: 'dup', provider: 'a' }] },
    })).toEqual([
      'providers.safety[0].models: only inference providers serve models; this is a safety provider (list the models on an inference provider, or in resources.models)',
      'providers.inference[0].models[0].provider: provider "b" differs from the provider the model is listed on ("a") (remove provider, or move the model to resources.models)',
      'resources.models[0]: model "dup" on provider "a" is listed twice (remove the duplicate)',
    ]);
  });

  test('tools are checked against tool-runtime providers and never written to tool_groups', () => {
    const { doc } = gen({ distribution: starter, resources: { tools: ['builtin::websearch', 'builtin::file_search'] } });
    expect(doc.registered_resources.tool_groups).toBeUndefined();
    expect(errors({ distribution: starter, resources: { tools: ['builtin::wolfram_alpha', 'builtin::websarch'] } })).toEqual([
      'resources.tools[0]: resources.tools requires a toolRuntime provider serving builtin::wolfram_alpha; none is configured (add providers.toolRuntime with one of: wolfram-alpha)',
      "resources.tools[1]: unknown tool group 'builtin::websarch' (did you mean 'builtin::websearch' or 'builtin::file_search'?)",
    ]);
  });

  test('shields go to the safety provider you declared, check with a registered guard model, and set default_shield_id', () => {
    const { doc } = gen({
      distribution: starter,
      providers: { safety: [{ id: 'guard', provider: 'llama-guard' }], inference: [{ id: 'lg', provider: 'vllm', endpoint: 'http://lg.m.svc:8000/v1', models: [{ name: 'meta-llama/Llama-Guard-3-8B' }] }] },
      resources: { shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }, { id: 'strict', providerShieldId: 'lg/meta-llama/Llama-Guard-3-8B' }, { id: 'code', provider: 'code-scanner' }] },
    });
    expect(doc.registered_resources.shields.slice(-3)).toEqual([
      // The guard model's name becomes the identifier the inference router resolves.
      { shield_id: 'meta-llama/Llama-Guard-3-8B', provider_id: 'guard', provider_shield_id: 'lg/meta-llama/Llama-Guard-3-8B' },
      { shield_id: 'strict', provider_id: 'guard', provider_shield_id: 'lg/meta-llama/Llama-Guard-3-8B' },
      { shield_id: 'code', provider_id: 'code-scanner', provider_shield_id: 'code' },
    ]);
    expect(doc.safety.default_shield_id).toBe('meta-llama/Llama-Guard-3-8B');
  });

  test('a llama-guard shield whose guard model is not registered is an error', () => {
    // 0.7.1 inline/safety/llama_guard/llama_guard.py run_shield: model_id = shield.provider_resource_id, sent as
    // `model` to inference_api.openai_chat_completion; core/routers/inference.py _get_model_provider looks it up
    // by identifier (`<provider_id>/<provider_model_id>`, routing_tables/models.py register_model), and its
    // fallback splits '<provider>/<resource>' and raises ModelNotFoundError when no such provider exists.
    expect(errors({ distribution: starter, providers: { safety: [{ id: 'guard', provider: 'llama-guard' }] }, resources: { shields: [{ id: 'meta-llama/Llama-Guard-3-8B' }] } })).toEqual([
      "resources.shields[0]: the guard model 'meta-llama/Llama-Guard-3-8B' of llama-guard shield \"meta-llama/Llama-Guard-3-8B\" is not registered on any inference provider of the stack, so every safety check would fail with \"model not found\" (Llama Guard sends it to the inference API) (register it (resources.models, or a VllmModel serving it through asInferenceProvider()), or set providerShieldId to one of: (no models are registered))",
    ]);
  });

  test('with several safety providers declared, a shield must name its provider', () => {
    const external = { safety: [{ id: 'acme-guard', provider: 'llama-guard' }, { id: 'other', provider: 'llama-guard' }] };
    expect(errors({ distribution: starter, providers: external, resources: { shields: [{ id: 'acme-guard-default' }] } })).toEqual([
      "resources.shields[0]: several safety providers could run shield \"acme-guard-default\" (acme-guard, other) (give { id: 'acme-guard-default', provider: '<one of them>' })",
    ]);
    expect(errors({ distribution: starter, providers: external, resources: { shields: [{ id: 'x', provider: 'nope' }] } })).toEqual([
      'resources.shields[0].provider: references unknown safety provider "nope"; available: [llama-guard, code-scanner, acme-guard, other] (use the id of a safety provider)',
    ]);
  });

  test('shields without any safety provider fail with the seed message', () => {
    expect(errors({ distribution: starter, disabled: ['safety'], resources: { shields: [{ id: 'x' }] } })).toEqual([
      "resources.shields: resources.shields requires at least one safety provider to be configured (add providers.safety, e.g. { provider: 'llama-guard' })",
    ]);
  });
});

describe('required variables', () => {
  test('a base placeholder without default must be supplied, replaced or removed', () => {
    const files = { files: [{ provider: 'localfs' }] };
    expect(errors({ distribution: { name: 'postgres-demo' }, providers: files, env: { VLLM_URL: VLLM_URL } })).toEqual([
      'env.INFERENCE_MODEL: the config uses ${env.INFERENCE_MODEL} with no default (at registered_resources.models[0].model_id), so the server would not start without INFERENCE_MODEL (set env.INFERENCE_MODEL, or replace or remove the entry that uses it)',
    ]);
    const supplied = gen({ distribution: { name: 'postgres-demo' }, providers: files, env: { INFERENCE_MODEL: 'meta-llama/Llama-3.1-8B-Instruct', VLLM_URL } });
    expect(supplied.requiredEnv).toEqual(['INFERENCE_MODEL']);
    const replaced = gen({ distribution: { name: 'postgres-demo' }, providers: files, resources: { models: [{ name: 'my-model' }] }, env: { VLLM_URL } });
    expect(replaced.doc.registered_resources.models.map((m: any) => m.model_id)).toEqual(['nomic-embed-text-v1.5', 'Qwen/Qwen3-Reranker-0.6B', 'my-model']);
    expect(replaced.requiredEnv).toEqual([]);
  });

  test('env values: valid names, secret-looking literals refused', () => {
    expect(errors({ distribution: starter, env: { 'BAD-NAME': 'x', 'OPENAI_API_KEY': 'sk-live', 'LLSD_X': 'y' } })).toEqual([
      "env.BAD-NAME: 'BAD-NAME' is not a valid environment variable name (use letters, digits and '_', not starting with a digit)",
      'env.LLSD_X: names starting with LLSD_ are reserved for generated secret variables (use another name)',
      "env.OPENAI_API_KEY: looks like a secret but is a literal value (take it from a Secret: move it to secretEnv: { OPENAI_API_KEY: { name: '<secret>', key: '<key>' } })",
    ]);
  });
});

describe('storage', () => {
  test('postgres from a connection string, password from a Secret', () => {
    const out = gen({
      distribution: starter,
      storage: { sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: { name: 'pg', key: 'password' } } },
    });
    expect(out.doc.storage.backends.sql_default).toEqual({
      type: 'sql_postgres', host: 'pg.db.svc', port: 5432, db: 'llama', user: 'llama', password: '${env.LLSD_STORAGE_SQL_PASSWORD}',
    });
    expect(out.doc.storage.backends.kv_default.type).toBe('kv_sqlite');
    expect(out.envVars.map((e: any) => e.name)).toEqual(['LLSD_STORAGE_SQL_PASSWORD']);
    expect(out.doc.storage.stores.inference.backend).toBe('sql_default');
  });

  test('kv: sqlite on the data volume, redis, postgres with table name', () => {
    const { doc } = gen({ distribution: starter, storage: { kv: { type: 'sqlite' }, sql: { type: 'sqlite' } } });
    expect(doc.storage.backends).toEqual({
      kv_default: { type: 'kv_sqlite', db_path: '/.llama/kvstore.db' },
      sql_default: { type: 'sql_sqlite', db_path: '/.llama/sql_store.db' },
    });
    expect(gen({ distribution: starter, storage: { kv: { type: 'redis', host: 'redis.db.svc' } } }).doc.storage.backends.kv_default).toEqual({ type: 'kv_redis', host: 'redis.db.svc', port: 6379 });
    expect(gen({ distribution: starter, storage: { kv: { type: 'postgres', host: 'pg', user: 'u', port: 6543, db: 'd' } } }).doc.storage.backends.kv_default).toEqual({
      type: 'kv_postgres', host: 'pg', port: 6543, db: 'd', user: 'u', table_name: 'llamastack_kvstore',
    });
  });

  test('a base without backends gets the SQLite default for the backend not given', () => {
    const baseConfig = 'version: 2\ndistro_name: x\nproviders: {}\n';
    const { doc } = gen({ distribution: { image: 'a/b:1', baseConfig }, storage: { sql: { type: 'postgres', host: 'pg', user: 'u' } } });
    expect(doc.storage.backends.kv_default).toEqual({ type: 'kv_sqlite', db_path: '/.llama/kvstore.db' });
    expect(doc.storage.stores.metadata.backend).toBe('kv_default');
  });

  test('storage errors', () => {
    expect(errors({ distribution: starter, storage: { sql: { type: 'postgres', connectionString: 'postgresql://u:hunter2@pg:5432/db' } } })).toEqual([
      "storage.sql.connectionString: the connection string contains a password (remove it from the URL and give password: { name: '<secret>', key: '<key>' })",
    ]);
    expect(errors({ distribution: starter, storage: { kv: { type: 'redis', host: 'r', password: { name: 'r', key: 'p' } } } })[0]).toMatch(/^storage.kv.password: the redis backend of Llama Stack 0.7.1 has no password setting/);
    expect(errors({ distribution: starter, storage: { sql: { type: 'redis' } } })).toEqual(["storage.sql.type: unknown sql storage type 'redis' (use one of: sqlite, postgres)"]);
    expect(errors({ distribution: starter, storage: { kv: { type: 'redis' } } })).toEqual(["storage.kv.host: host is required when type is redis (e.g. host: 'redis.db.svc')"]);
    expect(errors({ distribution: starter, storage: { sql: { type: 'postgres' } } })).toEqual([
      "storage.sql.host: host is required when type is postgres (give host, or connectionString: 'postgresql://user@host:5432/db')",
      "storage.sql.user: user is required when type is postgres (give user, or connectionString: 'postgresql://user@host:5432/db')",
    ]);
  });

  test('a password never appears in an error message', () => {
    const lines = errors({ distribution: starter, storage: { sql: { type: 'postgres', connectionString: 'mysql://u:hunter2@pg/db' } } });
    expect(lines.join('\n')).not.toMatch(/hunter2/);
  });
});

describe('disabled', () => {
  test('removes the API, its providers, resources pointing at them, and blocks that need it', () => {
    const out = gen({ distribution: starter, disabled: ['safety', 'scoring', 'eval'] });
    expect(out.doc.apis).not.toContain('safety');
    expect(out.doc.providers.safety).toBeUndefined();
    expect(out.doc.safety).toBeUndefined();
    expect(out.doc.registered_resources.shields).toEqual([]);
  });

  test('camelCase and snake_case both work', () => {
    const a = gen({ distribution: starter, disabled: ['fileProcessors'] });
    const b = gen({ distribution: starter, disabled: ['file_processors'] });
    expect(a.yaml).toBe(b.yaml);
    expect(a.doc.apis).not.toContain('file_processors');
  });

  test('configured and disabled is an error; a dependency of a remaining provider cannot be disabled', () => {
    expect(errors({ distribution: starter, providers: { safety: [{ provider: 'llama-guard' }] }, disabled: ['safety'] })).toEqual([
      'disabled[0]: safety cannot be both in providers and disabled (remove providers.safety or remove it from disabled)',
    ]);
    expect(errors({ distribution: starter, disabled: ['files'] })).toEqual([
      "disabled[0]: cannot disable files: it is needed by file_processors provider 'pypdf' (inline::pypdf), responses provider 'builtin' (inline::builtin), tool_runtime provider 'file-search' (inline::file-search), batches provider 'reference' (inline::reference) (keep files, or disable the APIs of those providers too)",
    ]);
  });

  test('disabling an API the base does not have is a warning', () => {
    const out = gen({ distribution: { name: 'postgres-demo' }, providers: { files: [{ provider: 'localfs' }] }, disabled: ['scoring'], env: { INFERENCE_MODEL: 'm', VLLM_URL } });
    expect(warningLines(out.warnings)).toContain('disabled[0]: the base config has no scoring API; nothing to disable');
  });

  test('postgres-demo as shipped lacks files, which its responses provider needs, and a URL for its vLLM provider', () => {
    expect(errors({ distribution: { name: 'postgres-demo' }, env: { INFERENCE_MODEL: 'm' } })).toEqual([
      "providers: the files API is needed by responses provider 'builtin' (inline::builtin), tool_runtime provider 'file-search' (inline::file-search), but this config has no files provider (Llama Stack would fail to start) (add providers.files, e.g. { provider: 'localfs' }, or disable the APIs that need it)",
      expect.stringMatching(/^distribution \(providers.inference\[0\] 'vllm-inference' of the base config\): remote::vllm provider 'vllm-inference' is enabled but has no URL/),
    ]);
    const fixed = gen({ distribution: { name: 'postgres-demo' }, providers: { files: [{ provider: 'localfs' }] }, env: { INFERENCE_MODEL: 'm', VLLM_URL } });
    expect(fixed.doc.apis).toContain('files');
    expect(providers(fixed.doc, 'files')[0].config).toEqual({
      metadata_store: { backend: 'sql_default', table_name: 'files_metadata' },
      storage_dir: '${env.FILES_STORAGE_DIR:=~/.llama/distributions/postgres-demo/files}',
    });
  });
});

describe('server and override', () => {
  test('port and TLS paths', () => {
    const { doc } = gen({ distribution: starter, server: { port: 9000, tlsCertFile: '/tls/tls.crt', tlsKeyFile: '/tls/tls.key' } });
    expect(doc.server).toEqual({ port: 9000, tls_certfile: '/tls/tls.crt', tls_keyfile: '/tls/tls.key' });
    expect(errors({ distribution: starter, server: { port: 80 } })[0]).toMatch(/^networking.port: port must be an integer from 1024 to 65535/);
  });

  test('workers > 1 binds 0.0.0.0', () => {
    expect(gen({ distribution: starter, server: { workers: 4 } }).doc.server).toEqual({ port: 8321, workers: 4, host: '0.0.0.0' });
  });

  test('overrideConfig is exclusive with providers, resources, storage and disabled', () => {
    expect(errors({
      distribution: starter, overrideConfig: { configMapName: 'mine' }, providers: {}, resources: {}, storage: {}, disabled: [],
    })).toEqual(['providers', 'resources', 'storage', 'disabled'].map((f) =>
      `${f}: overrideConfig and ${f} are mutually exclusive (remove ${f}: the override ConfigMap is used verbatim, or remove overrideConfig to generate the config)`));
  });
});

describe('output', () => {
  test('deterministic: same input, same bytes; settings key order does not matter', () => {
    const a = generateConfig({ distribution: starter, providers: { inference: [{ ...vllm, settings: { max_tokens: 1, refresh_models: true } }] } });
    const b = generateConfig({ distribution: starter, providers: { inference: [{ ...vllm, settings: { refresh_models: true, max_tokens: 1 } }] } });
    expect(a.yaml).toBe(b.yaml);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('counts providers and resources', () => {
    const out = gen({ distribution: starter, resources: { models: [{ name: 'a' }, { name: 'b' }] } });
    expect(out.providerCount).toBe(Object.values(out.doc.providers).flat().length);
    expect(out.resourceCount).toBe(4); // 2 models + the starter's 2 shields
  });

  test('YAML 1.1 readers (PyYAML) read strings back as strings', () => {
    const { yaml: text } = generateConfig({ distribution: starter, resources: { models: [{ name: 'yes', metadata: { on: 'off', n: '0123' } }] } });
    expect(text).toMatch(/model_id: "yes"/);
    expect(text).toMatch(/"on": "off"/);
    expect(text).toMatch(/"n": "0123"/);
  });

  test('checks of the final config run even when other steps failed', () => {
    const lines = errors({ distribution: starter, disabled: ['safety', 'foo', 'datasetio'] });
    expect(lines[0]).toMatch(/^disabled\[1\]: unknown API 'foo'/);
    expect(lines[1]).toMatch(/^disabled\[2\]: cannot disable datasetio: it is needed by/);
  });

  test('collects every problem at once', () => {
    const lines = errors({
      distribution: starter,
      providers: { inference: [{ provider: 'vlm' }, { provider: 'vllm', settings: { x: 1 } }] },
      resources: { models: [{ name: 'e', modelType: 'embedding' }] },
      storage: { sql: { type: 'mysql' } },
      disabled: ['nope'],
    });
    expect(lines.length).toBeGreaterThanOrEqual(5);
  });
});
