import { didYouMean, IssueCollector } from './errors';
import { isObject } from './validate';

/**
 * A small declarative description of a props structure, checked before anything reads the props, so that
 * wrong types (a string where a list goes, null, a typo'd key from JavaScript or Python) become validation
 * errors with paths instead of exceptions deep inside.
 */
export type Shape =
  | 'string' | 'number' | 'boolean' | 'any'
  | { readonly obj: Record<string, Shape>; readonly open?: boolean }
  | { readonly arr: Shape }
  | { readonly map: Shape }
  | { readonly oneOf: Shape[] };

export function checkShape(issues: IssueCollector, value: unknown, shape: Shape): void {
  if (value === undefined || shape === 'any') return;
  if (typeof shape === 'string') {
    if (typeof value !== shape || (shape === 'number' && !Number.isFinite(value))) issues.add(`expected a ${shape}, got ${describe(value)}`);
    return;
  }
  if ('oneOf' in shape) {
    // The alternative of the value's kind (object, list, string...) gives the detailed problems.
    const sameKind = shape.oneOf.filter((alt) => kindOf(alt) === kindOfValue(value));
    if (sameKind.length === 1) return checkShape(issues, value, sameKind[0]);
    for (const alt of shape.oneOf) {
      const trial = new IssueCollector(issues.path());
      checkShape(trial, value, alt);
      if (!trial.hasIssues) return;
    }
    issues.add(`expected ${shape.oneOf.map(name).join(' or ')}, got ${describe(value)}`);
    return;
  }
  if ('arr' in shape) {
    if (!Array.isArray(value)) return issues.add(`expected a list, got ${describe(value)}`);
    value.forEach((v, i) => (v === undefined ? issues.add('expected a value, got undefined', undefined, i) : checkShape(issues.at(i), v, shape.arr)));
    return;
  }
  if (!isObject(value)) return issues.add(`expected ${name(shape)}, got ${describe(value)}`);
  if ('map' in shape) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) checkShape(issues.at(k), v, shape.map);
    return;
  }
  const known = Object.keys(shape.obj);
  for (const [k, v] of Object.entries(value)) {
    if (k in shape.obj) checkShape(issues.at(k), v, shape.obj[k]);
    else if (!shape.open && v !== undefined) issues.add(`unknown field '${k}'`, didYouMean(k, known) ?? `fields: ${known.join(', ')}`, k);
  }
}

function kindOf(shape: Shape): string {
  if (typeof shape === 'string') return shape;
  if ('arr' in shape) return 'list';
  if ('oneOf' in shape) return 'oneOf';
  return 'object';
}

function kindOfValue(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v;
}

function name(shape: Shape): string {
  if (typeof shape === 'string') return `a ${shape}`;
  if ('arr' in shape) return 'a list';
  if ('map' in shape) return 'a map';
  if ('oneOf' in shape) return shape.oneOf.map(name).join(' or ');
  return 'an object';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  return String(v);
}

