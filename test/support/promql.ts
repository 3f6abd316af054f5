/**
 * PromQL checked with the parser Prometheus' own UI uses (@prometheus-io/lezer-promql; its types are
 * ESM-only, so it is loaded through its CommonJS build).
 */
import { createRequire } from 'module';

interface SyntaxNode {
  type: { isError: boolean; name: string };
  from: number;
  to: number;
}
export const promqlParser = createRequire(__filename)('@prometheus-io/lezer-promql').parser as {
  parse(text: string): { iterate(spec: { enter(node: SyntaxNode): void }): void };
};

/** The syntax errors of an expression (empty when it parses), each with its position. */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  promqlParser.parse(expr).iterate({ enter: (n) => void (n.type.isError ? errors.push(`${expr} @${n.from}`) : undefined) });
  return errors;
}

/** The metric names an expression reads (VectorSelector identifiers). */
export function promqlMetricNames(expr: string): string[] {
  const names: string[] = [];
  promqlParser.parse(expr).iterate({ enter: (n) => void (n.type.name === 'Identifier' ? names.push(expr.slice(n.from, n.to)) : undefined) });
  return names;
}
