/**
 * `${env.X}` in user strings: the check every user string that reaches config.yaml goes through.
 *
 * Llama Stack 0.7.1 substitutes `${env.NAME}`, `${env.NAME:=default}` and `${env.NAME:+value}` in every
 * string value of config.yaml before reading it (core/stack.py `replace_env_vars`, which applies
 * `re.sub(r"\${env\.([A-Z0-9_]+)(?::([=+])([^}]*))?}", ...)` to each string; dict keys are not substituted)
 * and has no escape syntax. The substituted values are then served to clients: registered models by
 * /v1/models, shields by /v1/shields, and every provider's config by /v1/providers, which hides only the
 * values under keys whose name contains `api_key`, `api_token`, `password`, `secret` or `token`
 * (core/utils/config.py `redact_sensitive_fields`, a key-name rule; headers such as `Authorization` are
 * shown as they are). So `${env.LLSD_VLLM_API_TOKEN}` in a model's metadata would hand the token to every
 * client.
 *
 * Every user string is checked against the policy of the place it lands in:
 * - `none`: no `${env.` at all (model fields and metadata, shields, storage fields, vectorStores);
 * - `plain`: variables that are not backed by a Secret (provider settings, headers, endpoints, external
 *   provider config), since the value would be shown;
 * - `secret`: any variable (a secret field of the provider that /v1/providers redacts), where the library
 *   also writes its own `${env.LLSD_*}` references (which go through the same check).
 * Provider IDs, provider types, external provider IDs, types and modules are checked by patterns that exclude
 * `$`; `tools` and `disabled` are never written.
 */
import type { GenerationContext } from './context';
import { propEnv, PropEnvSpec } from './env';
import { isObject } from './schema';
import { IssueCollector } from '../core/errors';

export type EnvRefPolicy = 'none' | 'plain' | 'secret';

/** Where a user string lands: what it may reference, and how to fix it when it may not. */
export interface Place {
  readonly policy: EnvRefPolicy;
  /** The fix shown with the error. */
  readonly fix: string;
}

/** Any mention of a variable, also inside another placeholder's operand: broader than upstream's pattern. */
const MENTION = /\$\{env\.([A-Za-z0-9_]*)/g;

/** Key-name fragments 0.7.1's `redact_sensitive_fields` hides, and the names it keeps despite "token". */
const REDACTED = ['api_key', 'api_token', 'password', 'secret', 'token'];
const NOT_REDACTED = ['chunk_size_tokens', 'max_tokens', 'default_chunk_overlap_tokens', 'max_document_tokens'];

/** Whether 0.7.1's /v1/providers hides the value under this key (`redact_sensitive_fields`). */
export function redactedKey(key: string): boolean {
  const k = key.toLowerCase();
  if (NOT_REDACTED.some((s) => k.includes(s))) return false;
  return REDACTED.some((s) => k.includes(s));
}

/**
 * Whether a value at this path of a provider's `config` may come from a Secret: /v1/providers hides it
 * (a key on the path is redacted, which replaces the whole value), or it is an AWS access key ID, which
 * identifies a key pair and is not its secret half (`aws_secret_access_key`, which is redacted).
 */
export function mayHoldSecret(path: readonly string[]): boolean {
  return path.some((key) => !/^\d+$/.test(key) && redactedKey(key)) || path[path.length - 1] === 'aws_access_key_id';
}

/** Variables of the container that come from Secrets, and why; built once per generation. */
export class SecretVariables {
  /** Env vars the construct adds from its props (`workload.overrides`), as plain objects. */
  public static of(
    spec: PropEnvSpec,
    overrides: { readonly env?: unknown; readonly envFrom?: unknown } | undefined,
  ): SecretVariables {
    const explicit = new Map<string, string | undefined>();
    const fromEnvFrom: Array<{ prefix: string; why: string }> = [];
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    list(overrides?.env).forEach((e, i) => {
      if (!isObject(e) || typeof e.name !== 'string') return;
      const secret = isObject(e.valueFrom) && e.valueFrom.secretKeyRef !== undefined;
      explicit.set(e.name, secret ? `workload.overrides.env[${i}] takes it from a Secret` : undefined);
    });
    for (const v of propEnv(spec)) explicit.set(v.name, v.secret === undefined ? undefined : `${v.path} is a Secret reference`);
    list(overrides?.envFrom).forEach((e, i) => {
      if (!isObject(e) || !isObject(e.secretRef)) return;
      const prefix = typeof e.prefix === 'string' ? e.prefix : '';
      fromEnvFrom.push({ prefix, why: `workload.overrides.envFrom[${i}] loads the keys of Secret '${String(e.secretRef.name)}' as variables` });
    });
    return new SecretVariables(explicit, fromEnvFrom);
  }

  private constructor(
    private readonly explicit: ReadonlyMap<string, string | undefined>,
    private readonly fromEnvFrom: ReadonlyArray<{ prefix: string; why: string }>,
  ) {}

  /** Why the variable comes from a Secret, or undefined when it does not. */
  public why(name: string): string | undefined {
    if (name.startsWith('LLSD_')) return 'LLSD_ variables hold the Secrets of apiKey, secretRefs and storage passwords';
    // An explicit env entry wins over envFrom in Kubernetes.
    if (this.explicit.has(name)) return this.explicit.get(name);
    return this.fromEnvFrom.find((e) => name.startsWith(e.prefix))?.why;
  }
}

/**
 * The check. Reports at `at` (the path of the value) when `value` holds a reference its place does not
 * allow; returns false then.
 */
export function checkUserString(ctx: GenerationContext, at: IssueCollector, value: string, place: Place): boolean {
  if (place.policy === 'secret' || !value.includes('${env.')) return true;
  const names = [...new Set([...value.matchAll(MENTION)].map((m) => m[1]))];
  if (place.policy === 'none') {
    const what = names.map((n) => `\${env.${n}}`).join(', ');
    at.add(`a value with \${env.X} would be substituted by the server and shown to clients: this one names ${what}`, place.fix);
    return false;
  }
  const secret = names.map((n) => [n, ctx.secretVariables.why(n)] as const).filter(([, why]) => why !== undefined);
  if (secret.length === 0) return true;
  const what = secret.map(([n, why]) => `\${env.${n}} comes from a Secret (${why})`).join('; ');
  at.add(`a value with \${env.X} would be substituted by the server and shown to clients: ${what}`, place.fix);
  return false;
}

/** Every string leaf of `value` (at any depth) through `checkUserString`, each with the place its path gives. */
export function checkUserValue(
  ctx: GenerationContext, at: IssueCollector, value: unknown, placeOf: (path: readonly string[]) => Place,
): boolean {
  const walk = (v: unknown, c: IssueCollector, path: string[]): boolean => {
    if (typeof v === 'string') return checkUserString(ctx, c, v, placeOf(path));
    let ok = true;
    if (Array.isArray(v)) v.forEach((x, i) => { ok = walk(x, c.at(i), [...path, String(i)]) && ok; });
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) ok = walk(x, c.at(k), [...path, k]) && ok;
    return ok;
  };
  return walk(value, at, []);
}

/** The place of a field that takes no variables. */
export function literalOnly(fix: string): Place {
  return { policy: 'none', fix: `${fix}; Llama Stack 0.7.1 has no escape for \${env.` };
}
