import { placeholders } from './placeholders';

/**
 * Whether a secret field's value would put a secret into the ConfigMap: a literal, or a placeholder with a
 * literal default (`${env.X:=sk-...}`) or a literal value (`${env.X:+sk-...}`, which the server writes when X
 * is set), or literal text around a placeholder.
 */
export function hasLiteralSecret(v: string, textAroundAllowed = false): boolean {
  const refs = placeholders(v);
  if (refs.length === 0) return v.length > 0;
  if (refs.some((p) => p.operator !== undefined && !!p.operand)) return true;
  // A header value such as `Bearer ${env.TOKEN}` wraps the secret in fixed text; a key field may not.
  return !textAroundAllowed && v.replace(/\$\{[^}]*\}/g, '').length > 0;
}
