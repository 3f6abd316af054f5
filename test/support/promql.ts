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

/** A label matcher of a vector selector, its value unescaped as PromQL does. */
export interface LabelMatcher { readonly label: string; readonly op: string; readonly value: string }

/** The label matchers of every vector selector in `expr`, read from the parse tree. */
export function selectorMatchers(expr: string): LabelMatcher[][] {
  const selectors: LabelMatcher[][] = [];
  let current: LabelMatcher[] | undefined;
  let pending: { label?: string; op?: string } = {};
  promqlParser.parse(expr).iterate({
    enter: (n) => {
      const text = expr.slice(n.from, n.to);
      const kind = n.type.name;
      if (kind === 'VectorSelector') {
        selectors.push((current = []));
      } else if (kind === 'LabelName' && current) {
        pending = { label: text };
      } else if (['EqlSingle', 'Neq', 'EqlRegex', 'NeqRegex'].includes(kind)) {
        pending.op = text;
      } else if (kind === 'StringLiteral' && current && pending.label) {
        current.push({ label: pending.label, op: pending.op ?? '=', value: JSON.parse(text) });
        pending = {};
      }
    },
  });
  return selectors;
}

/** Whether a selector's matchers select a series, as Prometheus matches (regular expressions anchored at both ends). */
export function selectsSeries(sel: readonly LabelMatcher[], series: Record<string, string>): boolean {
  return sel.every((m) => {
    const v = series[m.label] ?? '';
    if (m.op === '=') return v === m.value;
    if (m.op === '!=') return v !== m.value;
    const re = new RegExp(`^(?:${m.value})$`);
    return m.op === '=~' ? re.test(v) : !re.test(v);
  });
}

/** The string arguments of every `label_replace` call in `expr`, unescaped: [dst, replacement, src, regex]. */
export function labelReplaceArgs(expr: string): string[][] {
  const calls: string[][] = [];
  const re = /label_replace\(/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) {
    // The four string literals after the first argument (the series), at the call's own depth.
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < expr.length && depth > 0; i++) {
      if (expr[i] === '"') {
        i++;
        while (expr[i] !== '"') i += expr[i] === '\\' ? 2 : 1;
      } else if (expr[i] === '(' || expr[i] === '{') {depth++;} else if (expr[i] === ')' || expr[i] === '}') {depth--;}
      if (depth === 1 && expr[i] === ',') break;
    }
    const rest = expr.slice(i + 1);
    const strings = [...rest.matchAll(/\s*("(?:[^"\\]|\\.)*")\s*[,)]/gy)].slice(0, 4).map((s) => JSON.parse(s[1]) as string);
    calls.push(strings);
  }
  return calls;
}

/** What `label_replace(v, dst, replacement, src, regex)` writes into `dst` for a source value (Go's Expand of `${n}`), or undefined when the regex does not match. */
export function labelReplaceValue(replacement: string, regex: string, value: string): string | undefined {
  const m = new RegExp(`^(?:${regex})$`).exec(value);
  if (!m) return undefined;
  return replacement.replace(/\$\{(\d+)\}/g, (_, n) => m[Number(n)] ?? '');
}
