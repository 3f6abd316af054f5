/** Orders that reach output; they must not depend on the machine (locale, ICU data). */

/** UTF-16 code-unit order, as Array.prototype.sort's default: unlike localeCompare, the same under every locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with object keys sorted at every depth, so the order keys were written in does not reach output. */
export function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(obj).sort(compareStrings).map((k) => [k, sortDeep(obj[k])]));
}

/** Compares lists of strings element by element with `compareStrings` (a shorter prefix first). */
export function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareStrings(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}
