/** What Prometheus reads from us: PromQL string literals, alert rules and their annotation templates. */

/** A PromQL string literal (double-quoted, Go escapes): names that reach a query may hold `"` or `\`. */
export function promqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * Text for an alert annotation, which Prometheus renders as a Go template: every `{{` and `}}` of it is
 * printed by a string-constant action, so a user string can never run template functions.
 */
export function templateLiteral(text: string): string {
  return text.replace(/\{\{|\}\}/g, (d) => `{{ "${d}" }}`);
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * What keeps `url` from being an http(s) base URL of a server we point a client at: not a URL, another
 * scheme, credentials (`credentials` says where they would end up), a query or a fragment (`query` may add why).
 */
export function httpBaseUrlProblems(url: string, why: { credentials: string; query?: string }): { url?: URL; problems: string[] } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { problems: ['is not a URL'] };
  }
  const problems: string[] = [];
  if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`has scheme '${u.protocol.replace(/:$/, '')}', not http or https`);
  if (u.username !== '' || u.password !== '') problems.push(`contains credentials, which would ${why.credentials}`);
  if (u.search !== '' || u.hash !== '') problems.push(`has a query or fragment${why.query ? `; ${why.query}` : ''}`);
  return { url: problems.length === 0 ? u : undefined, problems };
}
