/**
 * Llama Stack's environment substitution: `${env.X}` (required), `${env.X:=default}` and
 * `${env.X:+value}` (value only when X is set).
 */
const PLACEHOLDER = /\$\{env\.([A-Za-z0-9_]+)(?:(:=|:\+)([^}]*))?\}/g;

export interface Placeholder {
  readonly name: string;
  readonly operator?: ':=' | ':+';
  readonly operand?: string;
}

export function placeholders(text: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    out.push({ name: m[1], operator: m[2] as Placeholder['operator'], operand: m[3] });
  }
  return out;
}

export function envRef(name: string): string {
  return `\${env.${name}}`;
}

/** Every string leaf of a value, with its path. */
export function* stringLeaves(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof value === 'string') {
    yield [path, value];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringLeaves(value[i], [...path, String(i)]);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* stringLeaves(v, [...path, k]);
  }
}

/**
 * The fixed part of a provider ID. `${env.X:+id}` is "conditional": it counts as `id` for merging, but
 * the provider only exists when X is set. Returns undefined for IDs that are not a plain string.
 */
export function idOf(raw: unknown): { id: string; conditional: boolean } | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^\$\{env\.[A-Za-z0-9_]+:\+([^}]*)\}$/.exec(raw);
  if (m) return { id: m[1], conditional: true };
  if (raw.includes('${env.')) return { id: raw, conditional: true };
  return { id: raw, conditional: false };
}

/**
 * Whether a value still has content when no environment variable is set: every placeholder has a
 * non-empty `:=` default. Used to decide whether a catalog sample can fill a required field.
 */
export function resolvesWithoutEnv(value: unknown): boolean {
  for (const [, s] of stringLeaves(value)) {
    for (const p of placeholders(s)) {
      if (p.operator !== ':=' || !p.operand) return false;
    }
  }
  return true;
}
