import { Shape } from '../core/shape';

const SECRET_REF: Shape = { obj: { name: 'string', key: 'string' } };
const BACKEND: Shape = {
  obj: {
    type: 'string',
    connectionString: 'string',
    host: 'string',
    port: 'number',
    db: 'string',
    user: 'string',
    password: SECRET_REF,
    cidr: 'string',
    sslMode: 'string',
    caCertPath: 'string',
  },
};
/** What to write instead of a bare string where a struct goes now (the string form of earlier releases). */
const instead = (field: string) => (v: unknown): string | undefined =>
  typeof v === 'string' ? `write { ${field}: '${v.length > 60 ? `${v.slice(0, 60)}...` : v}' }` : undefined;

const MODEL_FIELDS: Shape = {
  obj: {
    name: 'string',
    provider: 'string',
    providerModelId: 'string',
    modelType: 'string',
    contextLength: 'number',
    embeddingDimension: 'number',
    metadata: { map: 'any' },
  },
};
/** A model; a bare model ID was accepted before the API took one form per prop (jsii languages). */
const MODEL: Shape = { shape: MODEL_FIELDS, hint: instead('name') };
const SHIELD: Shape = { shape: { obj: { id: 'string', provider: 'string', providerShieldId: 'string' } }, hint: instead('id') };

const PROVIDER: Shape = {
  obj: {
    id: 'string',
    provider: 'string',
    endpoint: 'string',
    apiKey: SECRET_REF,
    secretRefs: { map: SECRET_REF },
    settings: { map: 'any' },
    models: { arr: MODEL },
    // An IModelServer; the construct checks it (the engine never reads it).
    server: 'any',
  },
};

/** The shape of `LlamaStackConfigSpec` (the engine's input and the config part of the construct's props). */
export const CONFIG_SPEC_FIELDS: Record<string, Shape> = {
  distribution: { obj: { name: 'string', image: 'string', baseConfig: 'string' } },
  // API names are checked by the engine, which knows which exist and which were removed.
  providers: {
    map: {
      shape: { arr: PROVIDER },
      hint: (v) => (typeof v === 'object' && v !== null ? 'wrap it in a list: [ { provider: ..., ... } ] (each API takes a list of providers)' : undefined),
    },
  },
  resources: {
    obj: {
      models: { arr: MODEL },
      tools: { arr: 'string' },
      shields: { arr: SHIELD },
    },
  },
  storage: { obj: { kv: BACKEND, sql: BACKEND } },
  disabled: { arr: 'string' },
  overrideConfig: { obj: { configMapName: 'string' } },
  vectorStores: {
    obj: {
      defaultProvider: 'string',
      embeddingModel: { obj: { provider: 'string', model: 'string', dimension: 'number' } },
      rerankerModel: { obj: { provider: 'string', model: 'string' } },
    },
  },
  env: {
    map: {
      shape: 'string',
      hint: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v)
        ? 'a Secret reference goes in secretEnv: move it to secretEnv with the same name'
        : typeof v === 'number' || typeof v === 'boolean' ? `quote it: '${String(v)}' (environment values are strings)` : undefined),
    },
  },
  secretEnv: {
    map: {
      shape: SECRET_REF,
      hint: (v) => (typeof v === 'string' ? 'a literal value goes in env: move it to env with the same name' : undefined),
    },
  },
};
