/**
 * The oracle: Llama Stack 0.7.1's substitution and redaction rules, as upstream writes them.
 */

/** core/stack.py replace_env_vars: the pattern of its re.sub (Python's and JavaScript's syntax agree here). */
const UPSTREAM_ENV = /\$\{env\.([A-Z0-9_]+)(?::([=+])([^}]*))?\}/g;

/** Names whose values replace_env_vars writes into `s` when they are set (`${env.X}`, `${env.X:=d}`). */
export function revealed(s: string): string[] {
  return [...new Set([...s.matchAll(UPSTREAM_ENV)].filter((m) => m[2] !== '+').map((m) => m[1]))].sort();
}

/** Every name replace_env_vars matches in `s`. */
export function substituted(s: string): string[] {
  return [...new Set([...s.matchAll(UPSTREAM_ENV)].map((m) => m[1]))].sort();
}

/** core/utils/config.py redact_sensitive_fields: whether the value under `key` is hidden. */
export function upstreamRedacts(key: string): boolean {
  const k = key.toLowerCase();
  if (['chunk_size_tokens', 'max_tokens', 'default_chunk_overlap_tokens', 'max_document_tokens'].some((s) => k.includes(s))) return false;
  return ['api_key', 'api_token', 'password', 'secret', 'token'].some((s) => k.includes(s));
}
