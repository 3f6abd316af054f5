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

/**
 * The largest quantity accepted: Kubernetes reads quantities as 64-bit integers (of bytes, or of
 * milli-units for CPU), so anything near 2^63 overflows; no resource comes close.
 */
export const MAX_QUANTITY = 2 ** 63 / 1000;

/**
 * Whether `s` is a usable quantity: Kubernetes syntax, not negative, finite and at most MAX_QUANTITY.
 * (A negative request or size, or one of 1e30 bytes, is never meant; the API server refuses or wraps them.)
 */
export function isQuantity(s: unknown): boolean {
  return quantityProblem(s) === undefined;
}

/** What is wrong with `s` as a quantity (syntax, sign, finiteness, size), or undefined. */
export function quantityProblem(s: unknown): string | undefined {
  if (typeof s !== 'string') return `expected a quantity string, got ${s === null ? 'null' : typeof s}`;
  const m = QUANTITY.exec(s);
  if (!m) return `'${s.length > 40 ? `${s.slice(0, 40)}...` : s}' is not a Kubernetes quantity`;
  const v = rawValue(m);
  if (!Number.isFinite(v)) return `'${s}' is not a finite quantity`;
  if (v < 0) return `'${s}' is negative; quantities here are amounts and cannot be`;
  if (v > MAX_QUANTITY) return `'${s}' is larger than Kubernetes can hold (at most about ${MAX_QUANTITY.toExponential(1)})`;
  return undefined;
}

/** The value of a quantity ('500m' -> 0.5, '1Gi' -> 1073741824), or undefined when it is not one. */
export function quantityValue(s: string): number | undefined {
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  return rawValue(m);
}

function rawValue(m: RegExpExecArray): number {
  const n = Number(m[1]);
  const suffix = m[2];
  if (!suffix) return n;
  // An exponent (1e3), not the exa suffixes E and Ei.
  if (/^[eE][-+]?[0-9]+$/.test(suffix)) return Number(m[1] + suffix);
  return n * SUFFIX[suffix];
}
