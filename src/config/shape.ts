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
const MODEL: Shape = {
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

const PROVIDER: Shape = {
  obj: {
    id: 'string',
    provider: 'string',
    endpoint: 'string',
    apiKey: SECRET_REF,
    secretRefs: { map: SECRET_REF },
    settings: { map: 'any' },
    models: { arr: { oneOf: ['string', MODEL] } },
    // An IModelServer; the construct checks it (the engine never reads it).
    server: 'any',
  },
};

/** The shape of `LlamaStackConfigSpec` (the engine's input and the config part of the construct's props). */
export const CONFIG_SPEC_FIELDS: Record<string, Shape> = {
  distribution: { obj: { name: 'string', image: 'string', baseConfig: 'string' } },
  // API names are checked by the engine, which knows which exist and which were removed.
  providers: { map: { oneOf: [PROVIDER, { arr: PROVIDER }] } },
  resources: {
    obj: {
      models: { arr: { oneOf: ['string', MODEL] } },
      tools: { arr: 'string' },
      shields: { arr: { oneOf: ['string', { obj: { id: 'string', provider: 'string', providerShieldId: 'string' } }] } },
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
  env: { map: { oneOf: ['string', SECRET_REF] } },
};
