import { IssueCollector } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const MAX_NAME_LENGTH = 63;

export function isDns1123Label(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && DNS1123_LABEL.test(name);
}

/**
 * Checks a base name that objects are named after. `longestSuffix` is the longest suffix any
 * derived object appends (e.g. `-config-1a2b3c4d`), so an overflow is a synth error, not a
 * surprise truncation.
 */
export function checkBaseName(issues: IssueCollector, name: string, longestSuffix: string): void {
  if (!DNS1123_LABEL.test(name)) {
    issues.add(
      `'${name}' is not a valid Kubernetes name`,
      'use lower-case letters, digits and \'-\', starting and ending with a letter or digit',
    );
    return;
  }
  const budget = MAX_NAME_LENGTH - longestSuffix.length;
  if (name.length > budget) {
    issues.add(
      `'${name}' is ${name.length} characters; with the suffix '${longestSuffix}' it would exceed ${MAX_NAME_LENGTH}`,
      `use a name of at most ${budget} characters`,
    );
  }
}

export function isEnvVarName(name: string): boolean {
  return ENV_VAR_NAME.test(name);
}

/** `LLSD_<PART>_<PART>`: upper case, every character outside [A-Z0-9] becomes `_`. */
export function llsdEnvName(...parts: string[]): string {
  return ['LLSD', ...parts].map((p) => p.toUpperCase().replace(/[^A-Z0-9]/g, '_')).join('_');
}

/** camelCase to snake_case (`vectorIo` -> `vector_io`). */
export function toSnakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** snake_case to camelCase (`vector_io` -> `vectorIo`). */
export function toCamelCase(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
