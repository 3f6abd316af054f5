/**
 * The router-side helper of the model registry (docs/model-registry.md §6). A plain TypeScript entry point,
 * not part of the jsii API (its `resolve` is async, which jsii cannot call from every language):
 * `import { ModelRouter } from 'cdk8s-llama-stack/lib/registry/router'`. Routers in other languages run
 * `LOOKUP_SQL` and `STATUS_SQL` themselves and follow the table of docs/model-registry.md §6.
 */
import { ROUTE_LOOKUP, ROUTE_STATUS } from './statements';

/**
 * A PostgreSQL client with the `query(text, values)` method of node-postgres (`pg.Client`, `pg.Pool`)
 * and PGlite, resolving to an object with `rows`.
 */
export interface IRegistryQueryClient {
  /**
   * Runs one statement with bound parameters.
   * @param text SQL with $1, $2, ... placeholders
   * @param values the parameters
   */
  query(text: string, values?: any[]): Promise<any>;
}

/** What a router should do with a request for a model in an environment. */
export interface ModelRoute {
  /** 200 (route it), 404 (not registered, or disabled) or 503 (registered but not ready). */
  readonly httpStatus: number;
  /** `ready`, `degraded`, `pending`, `disabled`, or `not-registered`. */
  readonly status: string;
  /** A message for the client. */
  readonly message: string;
  /** Base URL to send the request to (only with httpStatus 200). */
  readonly endpoint?: string;
  /** Serving engine (only with httpStatus 200). */
  readonly backend?: string;
  /** What the endpoint serves (only with httpStatus 200). */
  readonly modelId?: string;
  /** Seconds a client should wait before retrying (only with httpStatus 503). */
  readonly retryAfterSeconds?: number;
}

/**
 * The router's side of the model registry contract (docs/model-registry.md): the lookup statement, what
 * to answer for each status, and the caching rules.
 */
export class ModelRouter {
  /** The lookup: `$1` model name, `$2` environment; one row (endpoint, backend, model_id, namespace, updated_at) when ready. */
  public static readonly LOOKUP_SQL = ROUTE_LOOKUP.sql;
  /** On a miss: `$1` model name, `$2` environment; the row's status, or no row when not registered. */
  public static readonly STATUS_SQL = ROUTE_STATUS.sql;
  /** The channel of the change notifications (LISTEN model_registry_entries) that invalidate cached lookups. */
  public static readonly CHANGES_CHANNEL = 'model_registry_entries';
  /** How long a lookup may be cached, at most. */
  public static readonly CACHE_TTL_SECONDS = 120;
  /** How long a 503 asks clients to wait. */
  public static readonly RETRY_AFTER_SECONDS = 30;

  /**
   * Resolves a model name in an environment: the lookup, and on a miss the status query.
   * @param client a connected pg client, pool or PGlite
   * @param modelName the model the request names
   * @param environment the router's environment
   */
  public static async resolve(client: IRegistryQueryClient, modelName: string, environment: string): Promise<ModelRoute> {
    const found = await client.query(ROUTE_LOOKUP.sql, [modelName, environment]);
    const row = found?.rows?.[0];
    if (row) return ModelRouter.decide(modelName, environment, 'ready', row.endpoint, row.backend, row.model_id);
    const status = await client.query(ROUTE_STATUS.sql, [modelName, environment]);
    return ModelRouter.decide(modelName, environment, status?.rows?.[0]?.status);
  }

  /**
   * The answer for a status (pure; for routers that run the statements themselves).
   * @param modelName the model the request names
   * @param environment the router's environment
   * @param status the row's status; undefined when there is no row
   * @param endpoint the row's endpoint, when ready
   * @param backend the row's backend, when ready
   * @param modelId the row's model_id, when ready
   */
  public static decide(
    modelName: string, environment: string, status?: string, endpoint?: string, backend?: string, modelId?: string,
  ): ModelRoute {
    const what = `model '${modelName}'`;
    if (status === 'ready' && endpoint) return { httpStatus: 200, status, message: `${what} is ready`, endpoint, backend, modelId };
    if (status === undefined) {
      return { httpStatus: 404, status: 'not-registered', message: `${what} does not exist in environment '${environment}'` };
    }
    if (status === 'disabled') {
      return { httpStatus: 404, status, message: `${what} is disabled in environment '${environment}'` };
    }
    const why = status === 'degraded' ? 'failing its health checks' : status === 'pending' ? 'not ready yet' : `in status '${status}'`;
    return {
      httpStatus: 503,
      status,
      message: `${what} is temporarily unavailable in environment '${environment}' (${why}); retry later`,
      retryAfterSeconds: ModelRouter.RETRY_AFTER_SECONDS,
    };
  }
}
