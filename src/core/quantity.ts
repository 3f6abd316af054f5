/** Kubernetes resource quantities: syntax check and numeric value (for comparisons). */
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function isQuantity(s: unknown): boolean {
  return typeof s === 'string' && QUANTITY.test(s);
}

/** The value of a quantity ('500m' -> 0.5, '1Gi' -> 1073741824), or undefined when it is not one. */
export function quantityValue(s: string): number | undefined {
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (!suffix) return n;
  if (/^[eE]/.test(suffix)) return Number(m[1] + suffix);
  return n * SUFFIX[suffix];
}
