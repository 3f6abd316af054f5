import * as fs from 'fs';
import * as path from 'path';

/** Llama Stack release the catalog and base configs come from. */
export const LLAMA_STACK_VERSION = '0.7.1';

/** Where the reference data lives: `data/` at the package root (beside `src/` and `lib/`). */
export const DATA_DIR = path.join(__dirname, '..', '..', 'data', `llama-stack-${LLAMA_STACK_VERSION}`);

export interface CatalogField {
  readonly name: string;
  readonly attribute?: string;
  readonly required: boolean;
  readonly secret: boolean;
  readonly type: string;
  readonly default?: unknown;
  readonly deprecated?: boolean;
}

export interface CatalogProvider {
  readonly api: string;
  readonly providerType: string;
  readonly acceptedKeys: string[];
  readonly apiDependencies: string[];
  readonly optionalApiDependencies: string[];
  readonly apiKeyField: string | null;
  readonly urlField: string | null;
  readonly hostField: string | null;
  readonly portField: string | null;
  readonly configSchema: JsonSchema;
  readonly deprecated: string | false;
  readonly deprecationLevel: string | null;
  readonly extraKeys: 'ignore' | 'forbid' | 'allow';
  readonly fields: CatalogField[];
  readonly sampleRunConfig: Record<string, unknown>;
  readonly toolgroupId?: string | null;
}

export interface JsonSchema {
  readonly [key: string]: any;
}

interface CatalogFile {
  readonly apis: string[];
  readonly internalApis: string[];
  readonly providers: CatalogProvider[];
}

/** APIs that 0.7.1 no longer has, and what replaced them. */
export const REMOVED_APIS: Record<string, string> = {
  telemetry: 'telemetry was removed in Llama Stack 0.4; traces and metrics are exported through OpenTelemetry (OTEL_* environment variables)',
  agents: 'agents was renamed to responses in Llama Stack 0.7 (the provider inline::meta-reference became inline::builtin)',
  post_training: 'post_training was removed in Llama Stack 0.7 and has no replacement in the server',
  memory: 'memory was replaced by vector_io in Llama Stack 0.1',
};

/** The 0.7.1 provider catalog: every built-in provider and the schema of its `config:` block. */
export class Catalog {
  /** The catalog of the pinned Llama Stack release (loaded once). */
  public static get(): Catalog {
    if (!Catalog.instance) {
      const file = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'providers.json'), 'utf8')) as CatalogFile;
      Catalog.instance = new Catalog(file);
    }
    return Catalog.instance;
  }

  private static instance: Catalog | undefined;

  /** APIs that can have providers, snake_case, sorted. */
  public readonly apis: readonly string[];
  private readonly byApi = new Map<string, Map<string, CatalogProvider>>();

  private constructor(file: CatalogFile) {
    this.apis = [...file.apis].sort();
    for (const p of file.providers) {
      if (!this.byApi.has(p.api)) this.byApi.set(p.api, new Map());
      this.byApi.get(p.api)!.set(p.providerType, p);
    }
  }

  public provider(api: string, providerType: string): CatalogProvider | undefined {
    return this.byApi.get(api)?.get(providerType);
  }

  /** Provider types of one API, sorted. */
  public providerTypes(api: string): string[] {
    return [...(this.byApi.get(api)?.keys() ?? [])].sort();
  }

  /** Short names users may write for an API's providers (`vllm`, `faiss`, ...), sorted. */
  public shortNames(api: string): string[] {
    return [...new Set(this.providerTypes(api).map((t) => t.split('::')[1]))].sort();
  }

  /**
   * `vllm` -> `remote::vllm`; a name with only an `inline::` type maps there; a value with `::` is kept.
   * Returns undefined when the API has no such provider.
   */
  public resolveType(api: string, provider: string): string | undefined {
    if (provider.includes('::')) return this.provider(api, provider) ? provider : undefined;
    for (const prefix of ['remote::', 'inline::']) {
      if (this.provider(api, prefix + provider)) return prefix + provider;
    }
    return undefined;
  }

  public isApi(snake: string): boolean {
    return this.apis.includes(snake);
  }
}
