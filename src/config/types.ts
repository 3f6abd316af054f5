/**
 * The typed spec from which a Llama Stack `config.yaml` is generated. These structs are both the
 * `LlamaStack` construct's props and the input of the pure config engine (`generateConfig`).
 */
import type { IModelServer } from '../core/model-server';

/** A reference to one key of a Kubernetes Secret in the stack's namespace. */
export interface SecretKeyRef {
  /** Name of the Secret. */
  readonly name: string;
  /** Key within the Secret. */
  readonly key: string;
}

/** Which Llama Stack distribution (server image and base config) to run. */
export interface DistributionSpec {
  /**
   * A distribution shipped with Llama Stack 0.7.1: `starter` or `postgres-demo`. Its image is
   * `docker.io/llamastack/distribution-<name>:0.7.1` and its base config is the one that image embeds.
   * Exactly one of `name` and `image` must be given.
   * @default - none
   */
  readonly name?: string;
  /**
   * A custom server image. It needs `baseConfig` (the config its server starts from) unless the stack
   * uses `overrideConfig`.
   * @default - none
   */
  readonly image?: string;
  /**
   * The base `config.yaml` of a custom `image`, as YAML text. Generated config is merged into it.
   * @default - none; required with `image` unless `overrideConfig` is used
   */
  readonly baseConfig?: string;
}

/** One provider instance for a Llama Stack API. */
export interface ProviderSpec {
  /**
   * The provider: a name such as `vllm`, `openai`, `faiss` or `llama-guard` (mapped to `remote::<name>`,
   * or to `inline::<name>` when only an inline provider has that name), or a full provider type such as
   * `inline::sentence-transformers`. It must exist in Llama Stack 0.7.1's catalog for that API.
   */
  readonly provider: string;
  /**
   * The provider ID (`provider_id` in config.yaml). Clients address models as `<id>/<model>`.
   * @default - the text after the last `::` of the provider type (e.g. `vllm`); required when an API lists more than one provider
   */
  readonly id?: string;
  /**
   * The service URL; written to the provider's URL field from the catalog (`base_url` for vllm, `url`
   * for chromadb, ...), or to its host and port fields where it has those instead (pgvector).
   * @default - the provider's own default
   */
  readonly endpoint?: string;
  /**
   * The API key, from a Secret; written to the provider's key field (`api_token` for vllm, `api_key`
   * for openai) as `${env.LLSD_<ID>_<FIELD>}`.
   * @default - none
   */
  readonly apiKey?: SecretKeyRef;
  /**
   * Further secret config fields, by config key (e.g. `{ password: {...} }`), each from a Secret.
   * @default - none
   */
  readonly secretRefs?: { [configKey: string]: SecretKeyRef };
  /**
   * Other provider config keys, merged into `config`. Keys are checked against the provider's schema:
   * unknown keys (at any depth) are errors. `endpoint`, `apiKey` and `secretRefs` win over settings.
   * Secret fields must not be given here as literals: use `secretRefs`.
   * @default - none
   */
  readonly settings?: { [key: string]: any };
  /**
   * Models this provider serves, registered with the stack under this provider's ID (inference
   * providers only). The same as listing them in `resources.models` with `provider` set to this ID
   * (`provider` may be left out here). A model known by its ID alone is `{ name: '<id>' }`.
   * @default - none
   */
  readonly models?: ModelSpec[];
  /**
   * The model server of this app the provider calls (a `VllmModel`, or any `IModelServer`), usually set by
   * `InferenceProvider.fromModelServer(server)` or `model.asInferenceProvider()`. The stack's egress then
   * goes to exactly the server's pods on its container port, and the server's NetworkPolicy admits the
   * stack. `endpoint` defaults to the server's URL + `/v1` and, when given, must name the server's Service.
   * @default - none: `endpoint` is used as given (a Service of this app's model servers named by URL is an
   *   error at synth; pass the server)
   */
  readonly server?: IModelServer;
}

/**
 * Providers per Llama Stack API. Each API takes a list of providers (one provider is a list of one). Entries are merged into the
 * distribution's base config by provider ID: the same ID replaces the base entry, new IDs are appended,
 * other base entries are kept.
 */
export interface ProvidersSpec {
  /** @default - the base config's providers */
  readonly inference?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly safety?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly vectorIo?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly toolRuntime?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly files?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly fileProcessors?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly responses?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly batches?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly datasetio?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly scoring?: ProviderSpec[];
  /** @default - the base config's providers */
  readonly eval?: ProviderSpec[];
  /**
   * Removed in Llama Stack 0.4: giving it is an error.
   * @deprecated telemetry is configured through OpenTelemetry environment variables
   * @default - none
   */
  readonly telemetry?: ProviderSpec[];
  /**
   * Renamed to `responses` in Llama Stack 0.7: giving it is an error.
   * @deprecated use `responses`
   * @default - none
   */
  readonly agents?: ProviderSpec[];
  /**
   * Removed in Llama Stack 0.7: giving it is an error.
   * @deprecated no replacement in the server
   * @default - none
   */
  readonly postTraining?: ProviderSpec[];
}

/** A model to register with the stack. */
export interface ModelSpec {
  /**
   * The model ID (`model_id`). Clients address the model as `<provider_id>/<providerModelId or name>`.
   */
  readonly name: string;
  /**
   * The inference provider ID that serves it.
   * @default - the first user inference provider, else the first base provider with a fixed ID
   */
  readonly provider?: string;
  /**
   * The model's name at the provider.
   * @default - `name`
   */
  readonly providerModelId?: string;
  /**
   * `llm`, `embedding` or `rerank`.
   * @default 'llm'
   */
  readonly modelType?: string;
  /**
   * Context length, written to `metadata.context_length`.
   * @default - none
   */
  readonly contextLength?: number;
  /**
   * Embedding dimension, written to `metadata.embedding_dimension`; required for embedding models.
   * @default - none
   */
  readonly embeddingDimension?: number;
  /**
   * Further metadata.
   * @default - none
   */
  readonly metadata?: { [key: string]: any };
}

/** Resources registered at start-up. */
export interface ResourcesSpec {
  /**
   * Models to register. A model known by its ID alone is `{ name: '<id>' }`.
   * @default - the base config's models
   */
  readonly models?: ModelSpec[];
  /**
   * Built-in tool groups (`builtin::websearch`, `builtin::file_search`, `builtin::wolfram_alpha`). Llama
   * Stack 0.7.1 registers them from the enabled tool-runtime providers, so each must be served by one.
   * @default - none
   */
  readonly tools?: string[];
  /**
   * Shields to register. `{ id }` alone registers the shield on the default safety provider, checking with
   * the model of that name. The first becomes `safety.default_shield_id`.
   * @default - the base config's shields
   */
  readonly shields?: ShieldSpec[];
}

/** A model of an inference provider, by the provider's ID and the model's ID on it. */
export interface QualifiedModelSpec {
  /** The inference provider ID. */
  readonly provider: string;
  /** The model's ID on that provider (its provider model ID). */
  readonly model: string;
  /**
   * The embedding dimension (embedding models).
   * @default - the one registered with the model
   */
  readonly dimension?: number;
}

/** The `vector_stores` block: defaults for vector stores (Llama Stack 0.7.1 VectorStoresConfig). */
export interface VectorStoresSpec {
  /**
   * The vector_io provider used when a request names none (`default_provider_id`).
   * @default - the base config's (`faiss` for the starter)
   */
  readonly defaultProvider?: string;
  /**
   * The embedding model for new vector stores (`default_embedding_model`): a registered embedding model, or a
   * model of an inline provider that downloads it (sentence-transformers).
   * @default - the base config's (the starter's sentence-transformers/nomic-ai/nomic-embed-text-v1.5, downloaded on first use)
   */
  readonly embeddingModel?: QualifiedModelSpec;
  /**
   * The reranker (`default_reranker_model`).
   * @default - the base config's (the starter's transformers/Qwen/Qwen3-Reranker-0.6B, downloaded on first use)
   */
  readonly rerankerModel?: QualifiedModelSpec;
}

/** A shield to register (`registered_resources.shields`). */
export interface ShieldSpec {
  /** The shield ID clients use (`shield_id`). */
  readonly id: string;
  /**
   * The ID of the safety provider that runs it.
   * @default - the only safety provider you declared (in `providers.safety` or `externalProviders.safety`);
   *   without one, the base config's first; several are an error
   */
  readonly provider?: string;
  /**
   * What the provider checks with (`provider_shield_id`). For `llama-guard` it is the guard model, which
   * Llama Guard calls through the inference API: the identifier of a model registered on an inference
   * provider of the stack (`<inference provider id>/<model>`), or the model's name when exactly one
   * registered model has it.
   * @default - the shield's id
   */
  readonly providerShieldId?: string;
}

/** One storage backend. */
export interface StorageBackendSpec {
  /** `sqlite` or `postgres`; for `kv` also `redis`. */
  readonly type: string;
  /**
   * `postgresql://user@host:5432/db` (no password: use `password`). Parsed at synth time; `host`,
   * `port`, `db` and `user` override its parts.
   * @default - none
   */
  readonly connectionString?: string;
  /** @default - from `connectionString` */
  readonly host?: string;
  /** @default - from `connectionString`, else 5432 (postgres) or 6379 (redis) */
  readonly port?: number;
  /** @default - from `connectionString`, else `llamastack` */
  readonly db?: string;
  /** @default - from `connectionString` */
  readonly user?: string;
  /**
   * The postgres password, from a Secret.
   * @default - none
   */
  readonly password?: SecretKeyRef;
  /**
   * PostgreSQL only: the address range the database host resolves to, for a database outside the cluster
   * (RDS, Cloud SQL): the NetworkPolicy then allows that range on the port, instead of refusing the host.
   * @default - the host must be an in-cluster Service or an IP
   */
  readonly cidr?: string;
  /**
   * PostgreSQL only: libpq's `sslmode` (`disable`, `allow`, `prefer`, `require`, `verify-ca`, `verify-full`).
   * For `kv` it is the backend's `ssl_mode`; Llama Stack 0.7.1's `sql_postgres` has no TLS setting, so for
   * `sql` it is set as `PGSSLMODE` in the container, which its driver (asyncpg) reads when no TLS is configured.
   * @default - the drivers' default (`prefer`)
   */
  readonly sslMode?: string;
  /**
   * PostgreSQL only: path of the CA certificate file in the container, for `verify-ca`/`verify-full` (for
   * example the combined bundle of `networking.tls.caBundle`, `/etc/llama-stack-ca/combined/ca-bundle.crt`). For
   * `kv` it is `ca_cert_path`; for `sql`, `PGSSLROOTCERT`.
   * @default - the drivers' default
   */
  readonly caCertPath?: string;
}

/** Where the server keeps its state. */
export interface StorageSpec {
  /**
   * The key-value backend (`storage.backends.kv_default`).
   * @default - the base config's
   */
  readonly kv?: StorageBackendSpec;
  /**
   * The SQL backend (`storage.backends.sql_default`).
   * @default - the base config's
   */
  readonly sql?: StorageBackendSpec;
}

/** Use a ConfigMap you manage as the server's config.yaml, verbatim. */
export interface OverrideConfigSpec {
  /** Name of a ConfigMap in the stack's namespace with the key `config.yaml`. */
  readonly configMapName: string;
}

/** What a Llama Stack server's config.yaml is generated from (the config engine's input). */
export interface LlamaStackConfigSpec {
  /** The distribution to run: `{ name: 'starter' }`, or `{ image, baseConfig }`. */
  readonly distribution: DistributionSpec;
  /**
   * Providers per API, merged into the distribution's base config by provider ID.
   * @default - the base config's providers
   */
  readonly providers?: ProvidersSpec;
  /**
   * Models, tool groups and shields to register.
   * @default - the base config's
   */
  readonly resources?: ResourcesSpec;
  /**
   * State storage backends.
   * @default - the base config's (SQLite files on the data volume for `starter`)
   */
  readonly storage?: StorageSpec;
  /**
   * APIs to remove (camelCase or snake_case): from `apis`, `providers`, and dependent resources; or single
   * providers of the base config as `<api>/<provider id>` (e.g. `vectorIo/sqlite-vec`), with the resources
   * registered on them.
   * @default - none
   */
  readonly disabled?: string[];
  /**
   * Use your own ConfigMap's `config.yaml` verbatim. Mutually exclusive with providers, resources,
   * storage and disabled.
   * @default - config.yaml is generated
   */
  readonly overrideConfig?: OverrideConfigSpec;
  /**
   * Defaults for vector stores: provider, embedding model and reranker (`vector_stores`).
   * @default - the base config's
   */
  readonly vectorStores?: VectorStoresSpec;
  /**
   * Extra container environment, literal values. Names used as `${env.X}` in the config (without a
   * default) must be supplied here or in `secretEnv`.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Extra container environment taken from Secrets (`valueFrom.secretKeyRef`). A name may be in `env` or
   * here, not both.
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
}
