/**
 * `${env.X}` in user strings (src/config/env-refs.ts): no user string reaches config.yaml as a placeholder
 * the server would fill with a Secret and show to clients.
 *
 * What upstream does, Llama Stack 0.7.1 (src/llama_stack/...):
 * - core/stack.py `replace_env_vars(config, path)` walks the parsed config.yaml (dicts by value only: keys
 *   are not substituted; lists item by item) and, for every string, runs
 *   `re.sub(r"\${env\.([A-Z0-9_]+)(?::([=+])([^}]*))?}", get_env_var, s)`: `${env.X}` becomes X's value
 *   (EnvVarError when X is unset or empty), `${env.X:=d}` X's value or d, `${env.X:+v}` v when X is set, else
 *   ''. There is no escape syntax; the pass is single (a value is not substituted again), and a string that
 *   changed is type-converted (`_convert_string_to_proper_type`). The server, the `llama stack run` CLI and
 *   the library client all call it on config.yaml before anything else.
 * - core/utils/config.py `redact_sensitive_fields(data)` is the only redaction: it replaces with "********" the
 *   value of every key, at any depth, whose lower-cased name contains api_key, api_token, password, secret or
 *   token (except chunk_size_tokens, max_tokens, default_chunk_overlap_tokens, max_document_tokens).
 *   core/providers.py `ProviderImpl.list_providers` (GET /v1/providers, and inspect_provider) and core/admin.py
 *   `AdminImpl.list_providers` return every provider's `config` after it, so any other key (a header such as
 *   `Authorization`, a URL, ollama's `auth_credential`) is shown as substituted. Registered models (GET
 *   /v1/models) and shields are returned as registered, not redacted at all.
 *
 * env-oracle.ts encodes both rules; upstream-env.suite.ts checks it against the real functions (it needs the
 * upstream source, which CI cannot fetch: run `npm run test:upstream`, see CONTRIBUTING.md).
 */
import * as fs from 'fs';
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { revealed, substituted, upstreamRedacts } from './env-oracle';
import { ExternalProvider, LlamaStack, LlamaStackProps } from '../../src';
import { ConfigInput, generateConfig } from '../../src/config/generate';
import { ValidationError } from '../../src/core/errors';
import { Manifest } from '../support/manifests';

// ---------------------------------------------------------------------------------------------------------
const starter = { name: 'starter' };
const vllm = { provider: 'vllm', endpoint: 'http://v.models.svc:8000/v1' };
/** A variable from a Secret, and one with a plain value. */
const env = { TEAM: 'ml' };
const secretEnv = { OPENAI_KEY: { name: 'openai', key: 'k' } };
const SUBSTITUTED = 'a value with ${env.X} would be substituted by the server and shown to clients';

/** The engine's issues as `<path>: <message> (<hint>)`. */
function issues(input: ConfigInput): string[] {
  try {
    generateConfig(input);
  } catch (err) {
    if (!ValidationError.isValidationError(err)) throw err;
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
  }
  return [];
}

describe('places that take no variables', () => {
  const token = '${env.LLSD_VLLM_API_TOKEN}';
  const withKey = { ...vllm, apiKey: { name: 'vllm', key: 'token' } };
  test.each<[string, Omit<ConfigInput, 'distribution'>, string]>([
    ['a model name', { resources: { models: [{ name: `m-${token}` }] } }, 'resources.models[0].name'],
    ['providerModelId', { resources: { models: [{ name: 'm', providerModelId: token }] } }, 'resources.models[0].providerModelId'],
    ['a model\'s provider', { resources: { models: [{ name: 'm', provider: token }] } }, 'resources.models[0].provider'],
    ['modelType', { resources: { models: [{ name: 'm', modelType: token }] } }, 'resources.models[0].modelType'],
    ['metadata', { resources: { models: [{ name: 'm', metadata: { description: `see ${token}` } }] } }, 'resources.models[0].metadata.description'],
    ['nested metadata', { resources: { models: [{ name: 'm', metadata: { a: { b: ['x', token] } } }] } }, 'resources.models[0].metadata.a.b[1]'],
    ['a model declared on its provider', { providers: { inference: [{ ...withKey, models: [{ name: 'm', metadata: { k: token } }] }] } }, 'providers.inference[0].models[0].metadata.k'],
    ['a shield ID', { providers: { safety: [{ provider: 'code-scanner' }] }, resources: { shields: [{ id: token }] } }, 'resources.shields[0].id'],
    ['a shield\'s provider', { providers: { safety: [{ provider: 'code-scanner' }] }, resources: { shields: [{ id: 's', provider: token }] } }, 'resources.shields[0].provider'],
    ['providerShieldId', { providers: { safety: [{ provider: 'code-scanner' }] }, resources: { shields: [{ id: 's', providerShieldId: token }] } }, 'resources.shields[0].providerShieldId'],
    ['a storage host', { storage: { sql: { type: 'postgres', host: token, user: 'u' } } }, 'storage.sql.host'],
    ['a storage user', { storage: { sql: { type: 'postgres', host: 'pg.db.svc', user: token } } }, 'storage.sql.user'],
    ['a storage db', { storage: { kv: { type: 'postgres', host: 'pg.db.svc', user: 'u', db: token } } }, 'storage.kv.db'],
    ['a CA path', { storage: { kv: { type: 'postgres', host: 'pg.db.svc', user: 'u', caCertPath: `/etc/${token}` } } }, 'storage.kv.caCertPath'],
    ['a connection string', { storage: { sql: { type: 'postgres', connectionString: `postgresql://${token}@pg.db.svc/db` } } }, 'storage.sql.connectionString'],
    ['a percent-encoded connection string', { storage: { sql: { type: 'postgres', connectionString: 'postgresql://u@pg.db.svc/%24%7Benv.LLSD_VLLM_API_TOKEN%7D' } } }, 'storage.sql.connectionString'],
    ['the default vector store provider', { vectorStores: { defaultProvider: token } }, 'vectorStores.defaultProvider'],
    ['the embedding model', { vectorStores: { embeddingModel: { provider: 'sentence-transformers', model: token } } }, 'vectorStores.embeddingModel.model'],
    ['the reranker\'s provider', { vectorStores: { rerankerModel: { provider: token, model: 'r' } } }, 'vectorStores.rerankerModel.provider'],
  ])('%s', (_what, spec, at) => {
    const lines = issues({ distribution: starter, providers: { inference: [withKey] }, ...spec });
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${at.replace(/[.[\]]/g, '\\$&')}: ${SUBSTITUTED.replace(/[${}.]/g, '\\$&')}: this one names \\$\\{env\\.LLSD_VLLM_API_TOKEN\\} \\(`))]);
  });

  test('the message names the variables, and the fix; a plain variable is refused too', () => {
    expect(issues({ distribution: starter, providers: { inference: [vllm] }, env, secretEnv, resources: { models: [{ name: 'm', metadata: { owner: '${env.TEAM} ${env.lower:=x}' } }] } })).toEqual([
      `resources.models[0].metadata.owner: ${SUBSTITUTED}: this one names \${env.TEAM}, \${env.lower} (write the metadata value itself: /v1/models returns metadata to every client; Llama Stack 0.7.1 has no escape for \${env.)`,
    ]);
  });

  test('without ${env. the same values are written as they are', () => {
    const out = generateConfig({
      distribution: starter,
      providers: { inference: [vllm], safety: [{ provider: 'code-scanner' }] },
      resources: { models: [{ name: 'm', providerModelId: '$HOME {env.X}', metadata: { note: '${ENV.X} $env.X {env.X}' } }], shields: [{ id: 's', providerShieldId: '${envX}' }] },
    });
    const doc = yaml.load(out.yaml!) as any;
    expect(doc.registered_resources.models.at(-1)).toMatchObject({ provider_model_id: '$HOME {env.X}', metadata: { note: '${ENV.X} $env.X {env.X}' } });
    expect(doc.registered_resources.shields.at(-1)).toMatchObject({ provider_shield_id: '${envX}' });
  });
});

describe('places that take variables that are not from Secrets', () => {
  test('settings: a plain variable is kept; a Secret-backed one is refused with the fix', () => {
    const out = generateConfig({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { network: { headers: { 'X-Team': '${env.TEAM}' }, timeout: { connect: '${env.T:=3}' } } } }] } });
    expect((yaml.load(out.yaml!) as any).providers.inference.find((p: any) => p.provider_id === 'vllm').config.network).toEqual({ headers: { 'X-Team': '${env.TEAM}' }, timeout: { connect: '${env.T:=3}' } });
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { allowed_models: ['${env.OPENAI_KEY}'] } }] } })).toEqual([
      `providers.inference[0].settings.allowed_models[0]: ${SUBSTITUTED}: \${env.OPENAI_KEY} comes from a Secret (secretEnv.OPENAI_KEY is a Secret reference) `
      + '(give a secret through apiKey, or secretRefs: { api_token: ... }, which /v1/providers redacts; use a variable that is not from a Secret here)',
    ]);
  });

  test('headers: a credential from a Secret is refused (/v1/providers shows headers), a plain variable is kept', () => {
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { network: { headers: { Authorization: 'Bearer ${env.OPENAI_KEY}' } } } }] } })).toEqual([
      `providers.inference[0].settings.network.headers.Authorization: ${SUBSTITUTED}: \${env.OPENAI_KEY} comes from a Secret (secretEnv.OPENAI_KEY is a Secret reference) `
      + '(pass the credential with apiKey, which the provider sends as its bearer token: /v1/providers shows headers unredacted)',
    ]);
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { network: { headers: { 'X-Team': 'team ${env.TEAM}' } } } }] } })).toEqual([]);
  });

  test('endpoints', () => {
    expect(issues({ distribution: starter, secretEnv: { VLLM_HOST: { name: 'v', key: 'url' } }, providers: { inference: [{ provider: 'vllm', endpoint: '${env.VLLM_HOST}' }] } })).toEqual([
      `providers.inference[0].endpoint: ${SUBSTITUTED}: \${env.VLLM_HOST} comes from a Secret (secretEnv.VLLM_HOST is a Secret reference) `
      + '(give the URL itself, or a variable that is not from a Secret: /v1/providers shows the provider\'s URL field unredacted)',
    ]);
    expect(issues({ distribution: starter, env: { VLLM_HOST: 'http://v.models.svc:8000/v1' }, providers: { inference: [{ provider: 'vllm', endpoint: '${env.VLLM_HOST}' }] } })).toEqual([]);
  });

  test('LLSD_ variables are Secrets even when another provider made them', () => {
    expect(issues({
      distribution: starter,
      providers: { inference: [{ ...vllm, id: 'a', apiKey: { name: 'v', key: 't' } }, { ...vllm, id: 'b', settings: { max_tokens: '${env.LLSD_A_API_TOKEN:=10}' } }] },
    })).toEqual([
      `providers.inference[1].settings.max_tokens: ${SUBSTITUTED}: \${env.LLSD_A_API_TOKEN} comes from a Secret (LLSD_ variables hold the Secrets of apiKey, secretRefs and storage passwords) `
      + '(give a secret through apiKey, or secretRefs: { api_token: ... }, which /v1/providers redacts; use a variable that is not from a Secret here)',
    ]);
  });

  test('a Secret-backed variable mentioned inside another placeholder\'s default is refused too', () => {
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { network: { headers: { 'X-A': '${env.NOPE:=${env.OPENAI_KEY}}' } } } }] } })[0])
      .toMatch(/settings\.network\.headers\.X-A: .*\$\{env\.OPENAI_KEY\} comes from a Secret/);
  });

  test('external provider config', () => {
    const declared = { providerType: 'remote::acme', module: 'acme', api: 'inference', source: 'props' };
    const external = (config: Record<string, unknown>, secretRefs?: any) => [
      { path: 'externalProviders.inference[0]', api: 'inference', id: 'acme', image: 'quay.io/acme/p:1.0', declared, config, secretRefs },
    ];
    expect(issues({ distribution: starter, env, secretEnv, external: external({ region: '${env.OPENAI_KEY}' }) })).toEqual([
      `externalProviders.inference[0].config.region: ${SUBSTITUTED}: \${env.OPENAI_KEY} comes from a Secret (secretEnv.OPENAI_KEY is a Secret reference) `
      + '(0.7.1\'s /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so \'region\' would be shown: give the secret through secretRefs under such a key, or use a variable that is not from a Secret here)',
    ]);
    expect(issues({ distribution: starter, env, secretEnv, external: external({ region: '${env.TEAM}', api_key: '${env.OPENAI_KEY}' }) })).toEqual([]);
    // secretRefs writes ${env.LLSD_*}: under a key the server shows, that is the same leak.
    expect(issues({ distribution: starter, external: external({}, { credential: { name: 'a', key: 'b' } }) })).toEqual([
      expect.stringMatching(/^externalProviders\.inference\[0\]\.secretRefs\.credential: .*\$\{env\.LLSD_ACME_CREDENTIAL\} comes from a Secret/),
    ]);
  });
});

describe('secret fields: only where /v1/providers redacts', () => {
  test('a Secret-backed variable in a secret field is what it is for', () => {
    const out = generateConfig({ distribution: starter, env, secretEnv, providers: { inference: [{ provider: 'openai', id: 'oai', settings: { api_key: '${env.OPENAI_KEY}' } }] } });
    expect((yaml.load(out.yaml!) as any).providers.inference.find((p: any) => p.provider_id === 'oai').config.api_key).toBe('${env.OPENAI_KEY}');
  });

  test('a secret field may not hold a literal through ${env.X:+value} either (the server writes the value when X is set)', () => {
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...vllm, settings: { api_token: '${env.OPENAI_KEY:+sk-live-123}' } }] } })).toEqual([
      'providers.inference[0].settings.api_token: \'api_token\' is a secret field; a literal value would be written to the ConfigMap (use secretRefs: { api_token: { name: \'<secret>\', key: \'<key>\' } } or apiKey)',
    ]);
  });

  test('a secret field under a name the server shows (vertexai auth_credential = access_token) is refused, with the name it redacts', () => {
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ provider: 'vertexai', settings: { project: 'p', auth_credential: '${env.OPENAI_KEY}' } }] } })).toEqual([
      `providers.inference[0].settings.auth_credential: ${SUBSTITUTED}: \${env.OPENAI_KEY} comes from a Secret (secretEnv.OPENAI_KEY is a Secret reference) `
      + '(0.7.1\'s /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so \'auth_credential\' would be shown; write it as access_token (apiKey))',
    ]);
  });

  test('ollama\'s auth_credential is shown by 0.7.1 whichever way it is given', () => {
    const ollama = { provider: 'ollama', endpoint: 'http://ollama.llm.svc:11434/v1' };
    const fix = '0.7.1\'s /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so \'auth_credential\' would be shown; '
      + 'remote::ollama cannot hold this credential without showing it in 0.7.1, so reach the service without one (e.g. through an authenticating proxy)';
    expect(issues({ distribution: starter, env, secretEnv, providers: { inference: [{ ...ollama, settings: { auth_credential: '${env.OPENAI_KEY}' } }] } })).toEqual([
      `providers.inference[0].settings.auth_credential: ${SUBSTITUTED}: \${env.OPENAI_KEY} comes from a Secret (secretEnv.OPENAI_KEY is a Secret reference) (${fix})`,
    ]);
    expect(issues({ distribution: starter, providers: { inference: [{ ...ollama, secretRefs: { auth_credential: { name: 'o', key: 't' } } }] } })).toEqual([
      `providers.inference[0].secretRefs.auth_credential: ${SUBSTITUTED}: \${env.LLSD_OLLAMA_AUTH_CREDENTIAL} comes from a Secret (LLSD_ variables hold the Secrets of apiKey, secretRefs and storage passwords) (${fix})`,
    ]);
  });

  test('secretRefs to a key the server shows is refused; an AWS access key ID is an identifier and may come from a Secret', () => {
    expect(issues({ distribution: starter, providers: { vectorIo: [{ provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', secretRefs: { user: { name: 'pg', key: 'user' } } }] } })).toEqual([
      `providers.vectorIo[0].secretRefs.user: ${SUBSTITUTED}: \${env.LLSD_PGVECTOR_USER} comes from a Secret (LLSD_ variables hold the Secrets of apiKey, secretRefs and storage passwords) `
      + '(0.7.1\'s /v1/providers redacts only keys containing api_key, api_token, password, secret or token, so \'user\' would be shown; give user in settings, since the server shows it to clients anyway)',
    ]);
    const s3 = { provider: 's3', endpoint: 'http://minio.storage.svc:9000', settings: { bucket_name: 'b' } };
    const secretRefs = { aws_access_key_id: { name: 's3', key: 'id' }, aws_secret_access_key: { name: 's3', key: 'secret' } };
    expect(issues({ distribution: starter, providers: { files: [{ ...s3, secretRefs }] } })).toEqual([]);
  });

  test('every apiKey field of the catalog is one the server redacts', () => {
    const catalog = JSON.parse(fs.readFileSync('data/llama-stack-0.7.1/providers.json', 'utf8')) as { providers: Array<{ apiKeyField: string | null }> };
    const fields = catalog.providers.map((p) => p.apiKeyField).filter((f): f is string => !!f);
    expect(fields.length).toBeGreaterThan(20);
    expect(fields.filter((f) => !upstreamRedacts(f))).toEqual([]);
  });
});

describe('which variables come from Secrets', () => {
  const header = (value: string) => ({ inference: [{ ...vllm, settings: { network: { headers: { 'X-A': value } } } }] });

  test('workload.overrides.env with valueFrom.secretKeyRef', () => {
    const workload = { overrides: { env: [{ name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] } };
    expect(issues({ distribution: starter, workload, extraEnv: { FROM_CM: undefined, FROM_SECRET: undefined }, providers: header('${env.FROM_CM}') })).toEqual([]);
    expect(issues({ distribution: starter, workload, extraEnv: { FROM_CM: undefined, FROM_SECRET: undefined }, providers: header('${env.FROM_SECRET}') })).toEqual([
      expect.stringContaining('${env.FROM_SECRET} comes from a Secret (workload.overrides.env[1] takes it from a Secret)'),
    ]);
  });

  test('workload.overrides.envFrom with a Secret: any variable it may load (by prefix), unless env names it', () => {
    const workload = { overrides: { envFrom: [{ configMapRef: { name: 'c' } }, { secretRef: { name: 'creds' }, prefix: 'CREDS_' }] } };
    expect(issues({ distribution: starter, workload, providers: header('${env.CREDS_X:=a}') })).toEqual([
      expect.stringContaining('${env.CREDS_X} comes from a Secret (workload.overrides.envFrom[1] loads the keys of Secret \'creds\' as variables)'),
    ]);
    expect(issues({ distribution: starter, workload, providers: header('${env.OTHER:=a}') })).toEqual([]);
    expect(issues({ distribution: starter, workload, env: { CREDS_X: 'plain' }, providers: header('${env.CREDS_X}') })).toEqual([]);
  });
});

describe('through the construct, and from a LlamaStackDistribution CR', () => {
  function attempt(make: (chart: Chart) => void): string[] {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    try {
      make(chart);
      Testing.synth(chart);
      return [];
    } catch (err) {
      if (!ValidationError.isValidationError(err)) throw err;
      return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  }

  test('containerSpec.env from a Secret, named in a v1alpha1 external provider\'s config', () => {
    const cr = {
      apiVersion: 'llamastack.io/v1alpha1',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'x' },
      spec: {
        server: {
          distribution: { name: 'starter' },
          containerSpec: { env: [{ name: 'ACME_TOKEN', valueFrom: { secretKeyRef: { name: 'acme', key: 't' } } }] },
          externalProviders: { inference: [{ providerId: 'acme', image: 'quay.io/acme/p:1.0', config: { region: '${env.ACME_TOKEN}' } }] },
        },
      },
    };
    expect(attempt((chart) => LlamaStack.fromDistributionManifestObject(chart, 's', cr))).toEqual([
      `externalProviders.inference[0].config.region: ${SUBSTITUTED}: \${env.ACME_TOKEN} comes from a Secret (workload.overrides.env[0] takes it from a Secret)`,
    ]);
  });

  test('v1alpha2: model metadata (quantization), provider settings and shields', () => {
    const cr = {
      apiVersion: 'llamastack.io/v1alpha2',
      kind: 'LlamaStackDistribution',
      metadata: { name: 'x' },
      spec: {
        distribution: { name: 'starter' },
        providers: {
          inference: [{ provider: 'vllm', endpoint: 'http://v.models.svc:8000/v1', apiKey: { name: 'vllm', key: 'token' }, settings: { network: { headers: { 'X-Key': '${env.LLSD_VLLM_API_TOKEN}' } } } }],
          safety: [{ provider: 'code-scanner' }],
        },
        resources: { models: [{ name: 'm', quantization: '${env.LLSD_VLLM_API_TOKEN}' }], shields: [{ id: '${env.LLSD_VLLM_API_TOKEN}' }] },
      },
    };
    expect(attempt((chart) => LlamaStack.fromDistributionManifestObject(chart, 's', cr))).toEqual([
      `providers.inference[0].settings.network.headers.X-Key: ${SUBSTITUTED}: \${env.LLSD_VLLM_API_TOKEN} comes from a Secret (LLSD_ variables hold the Secrets of apiKey, secretRefs and storage passwords)`,
      `resources.models[0].metadata.quantization: ${SUBSTITUTED}: this one names \${env.LLSD_VLLM_API_TOKEN}`,
      `resources.shields[0].id: ${SUBSTITUTED}: this one names \${env.LLSD_VLLM_API_TOKEN}`,
    ]);
  });

  test('ExternalProvider config in props, and overrides.env from a Secret', () => {
    expect(attempt((chart) => new LlamaStack(chart, 's', {
      distribution: starter,
      workload: { overrides: { env: [{ name: 'ACME_KEY', valueFrom: { secretKeyRef: { name: 'acme', key: 'k' } } }] } },
      externalProviders: { inference: [ExternalProvider.fromImage({ id: 'acme', image: 'quay.io/acme/p:1.0', providerType: 'remote::acme', module: 'acme', config: { url: 'http://acme.llm.svc/v1?k=${env.ACME_KEY}' } })] },
    }))).toEqual([
      `externalProviders.inference[0].config.url: ${SUBSTITUTED}: \${env.ACME_KEY} comes from a Secret (workload.overrides.env[0] takes it from a Secret)`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The property: whatever strings land wherever, config.yaml holds no `${env.` placeholder the server would
// substitute that the user did not declare (the base config's own, or one in a provider's settings that names
// no Secret), every Secret-backed reference is a bare `${env.NAME}` in a field the server redacts (or the
// storage password), and every Secret-sourced variable reaches the pod only as valueFrom.secretKeyRef.

const SECRET_NAMES = ['SECRET_ENV', 'OVR_SECRET', 'LLSD_VLLM_API_TOKEN', 'LLSD_STORAGE_KV_PASSWORD'];
const PLAIN_NAMES = ['PLAIN_VAR', 'OVR_PLAIN'];
const isSecretName = (n: string) => SECRET_NAMES.includes(n) || n.startsWith('LLSD_');
const BASE_STRINGS = new Set<string>();
(function collect(v: unknown): void {
  if (typeof v === 'string') BASE_STRINGS.add(v);
  else if (Array.isArray(v)) v.forEach(collect);
  else if (v && typeof v === 'object') Object.values(v).forEach(collect);
})(yaml.load(fs.readFileSync('data/llama-stack-0.7.1/starter.config.yaml', 'utf8')));

const placeholder = fc.tuple(
  fc.constantFrom(...SECRET_NAMES, ...PLAIN_NAMES, 'lower_name'),
  fc.constantFrom('', ':=d', ':+v', ':='),
).map(([n, op]) => `\${env.${n}${op}}`);
const userString = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('llama', 'meta-llama/Llama-3.1-8B-Instruct', 'x y', '/etc/ca.crt') },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('', 'Bearer ', 'a-', '${env.NOPE:='), placeholder, fc.constantFrom('', '/v1', '}')).map((p) => p.join('')) },
);

type Spec = Record<string, any>;
/** Where a string can be put; each returns the props with it there. */
const PLACES: Array<[string, (p: Spec, s: string) => void]> = [
  ['model name', (p, s) => p.resources.models.push(s)],
  ['model providerModelId', (p, s) => p.resources.models.push({ name: 'pm', providerModelId: s })],
  ['model metadata', (p, s) => p.resources.models.push({ name: 'md', metadata: { note: s, nested: { list: [s] } } })],
  ['provider model', (p, s) => { p.providers.inference.models = [{ name: 'own', metadata: { note: s } }]; }],
  ['shield', (p, s) => { p.resources.shields = [{ id: 'guard', providerShieldId: s }]; }],
  ['header', (p, s) => { p.providers.inference.settings = { network: { headers: { 'X-Team': s } } }; }],
  ['credential header', (p, s) => { p.providers.inference.settings = { network: { headers: { Authorization: s } } }; }],
  ['secret field', (p, s) => { delete p.providers.inference.apiKey; p.providers.inference.settings = { api_token: s }; }],
  ['endpoint', (p, s) => { p.providers.inference.endpoint = s; }],
  ['storage host', (p, s) => { p.storage.kv.host = s; }],
  ['storage user', (p, s) => { p.storage.kv.user = s; }],
  ['vector store model', (p, s) => { p.vectorStores = { embeddingModel: { provider: 'sentence-transformers', model: s } }; }],
  ['external config', (p, s) => { p.external.config.region = s; }],
  ['external secret key', (p, s) => { p.external.config.api_key = s; }],
  ['external credential key', (p, s) => { p.external.config.credential = s; }],
  ['secretRefs key', (p, s) => {
    const key = s.length % 2 === 0 ? 'password' : 'user';
    p.providers.vectorIo = { provider: 'pgvector', endpoint: 'postgresql://pg.db.svc:5432', settings: { db: 'v' }, secretRefs: { [key]: { name: 'sec-pgv', key: 'k-pgv' } } };
  }],
];

function build(chart: Chart, injections: Array<[number, string]>): LlamaStack {
  const p: Spec = {
    distribution: starter,
    providers: { inference: [{ ...vllm, apiKey: { name: 'sec-api', key: 'k-api' } }], safety: [{ provider: 'code-scanner' }] },
    resources: { models: [{ name: 'm0' }] },
    storage: { kv: { type: 'postgres', host: 'pg.db.svc', user: 'llama', password: { name: 'sec-pg', key: 'k-pg' } } },
    env: { PLAIN_VAR: 'plain' },
    secretEnv: { SECRET_ENV: { name: 'sec-env', key: 'k-env' } },
    workload: { overrides: { env: [{ name: 'OVR_SECRET', valueFrom: { secretKeyRef: { name: 'sec-ovr', key: 'k-ovr' } } }, { name: 'OVR_PLAIN', value: 'p' }] } },
    external: { config: {} },
  };
  for (const [i, s] of injections) PLACES[i][1](p, s);
  const { external, ...props } = p;
  const acme = ExternalProvider.fromImage({ id: 'acme', image: 'quay.io/acme/p:1.0', providerType: 'remote::acme', module: 'acme', config: external.config });
  return new LlamaStack(chart, 's', { ...props, externalProviders: { inference: [acme] } } as LlamaStackProps);
}

/** `registered_resources.models[0].model_id` -> ['registered_resources', 'models', '0', 'model_id'] with the values. */
function leaves(v: unknown, at: string[] = []): Array<[string[], string]> {
  if (typeof v === 'string') return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, String(i)]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [];
}

test('property: no undeclared placeholder reaches config.yaml; Secrets reach the pod only as secretKeyRef', () => {
  let generated = 0;
  let refused = 0;
  let secretPlaceholders = 0;
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(PLACES.length - 1), userString), { maxLength: 3 }), (injections) => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    let objects: Manifest[];
    try {
      build(chart, injections);
      objects = Testing.synth(chart) as Manifest[];
    } catch (err) {
      if (!ValidationError.isValidationError(err)) throw err;
      expect((err as ValidationError).issues.length).toBeGreaterThan(0);
      refused++;
      return;
    }
    generated++;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'])!;
    const text = configMap.data['config.yaml'] as string;
    for (const [at, value] of leaves(yaml.load(text))) {
      if (BASE_STRINGS.has(value) || substituted(value).length === 0) continue;
      const inProviderConfig = at[0] === 'providers' && at[3] === 'config';
      for (const name of substituted(value)) {
        if (isSecretName(name)) {
          secretPlaceholders++;
          // Only as the whole value (bare, or with an empty default), and only where the server redacts (or keeps
          // to itself: storage).
          expect([`\${env.${name}}`, `\${env.${name}:=}`]).toContain(value);
          const redacted = inProviderConfig && at.length === 5 && (upstreamRedacts(at[4]) || at[4] === 'aws_access_key_id');
          expect(redacted || (at[0] === 'storage' && at[at.length - 1] === 'password')).toBe(true);
        } else {
          expect(inProviderConfig).toBe(true);
        }
      }
      // What the server would show outside redacted keys never carries a Secret's value.
      // (storage is not served to clients: /v1/providers lists providers only).
      if (at[0] !== 'storage' && !(inProviderConfig && at.slice(4).some(upstreamRedacts))) expect(revealed(value).filter(isSecretName)).toEqual([]);
    }
    // Secret references stay out of the ConfigMap; in the pod they are secretKeyRef only.
    expect(text).not.toMatch(/sec-(api|pg|pgv|env|ovr)|k-(api|pg|pgv|env|ovr)/);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const container = deployment.spec.template.spec.containers.find((c: any) => c.name === 'llama-stack');
    for (const e of container.env) {
      if (isSecretName(e.name)) {
        expect(e.value).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef).toBeDefined();
      }
    }
    for (const name of substituted(text)) {
      if (name.startsWith('LLSD_') && !BASE_STRINGS.has(`\${env.${name}}`)) expect(container.env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef).toBeDefined();
    }
  }), { numRuns: 300 });
  // Both outcomes must be common, or the property says little.
  expect(generated).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(30);
  // The Secret-placeholder checks above ran (the generated configs do hold Secret-backed values).
  expect(secretPlaceholders).toBeGreaterThan(30);
});

test('the engine\'s own test for ${env. is at least as broad as the server\'s pattern', () => {
  const text = fc.array(fc.constantFrom('${env.', '${ENV.', '$', '{', '}', 'env.', 'A', 'a', '_', '0', ':', '=', '+', '-', ' '), { maxLength: 12 }).map((a) => a.join(''));
  fc.assert(fc.property(text, (s) => {
    if (substituted(s).length > 0) {
      // Every model field refuses it...
      expect(s.includes('${env.')).toBe(true);
      // ...and every name the server would substitute is one the engine sees (so it can ask where it comes from).
      const seen = [...s.matchAll(/\$\{env\.([A-Za-z0-9_]*)/g)].map((m) => m[1]);
      for (const n of substituted(s)) expect(seen).toContain(n);
    }
  }), { numRuns: 500 });
});
