/**
 * Path-carrying validation errors. Every check in the library reports into an `IssueCollector`
 * so that all problems are found in one pass; nothing is emitted while any are present.
 */
import { compareStrings } from './order';

/** One problem found in the user's input. */
export interface ValidationIssue {
  /** Field path relative to the construct's props, e.g. `providers.inference[1].id`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
  /**
   * The path of the construct the issue belongs to, when it differs from the error's scope (synth-time
   * checks that span the app report issues of several constructs in one error).
   * @default - the error's scope
   */
  readonly construct?: string;
}

/** Formats one issue as `<construct path> <field path>: <message> (<hint>)`. */
export function formatIssue(scope: string, issue: ValidationIssue): string {
  const where = [issue.construct ?? scope, issue.path].filter((s) => s.length > 0).join(' ');
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${where}: ${issue.message}${hint}`;
}

const VALIDATION_ERROR = Symbol.for('cdk8s-llama-stack.ValidationError');

/**
 * Thrown when props are invalid, at construction or when the app is synthesized; lists every problem
 * found, never just the first, each as `<construct path> <field path>: <what> (<how to fix>)`.
 *
 * It is an `Error` at run time (`instanceof Error`, a stack trace). jsii cannot declare a subclass of
 * `Error` for other languages, so the prototype is linked below instead of with `extends`; check for it
 * with `ValidationError.isValidationError(x)`, which also works across copies of the library.
 */
export class ValidationError {
  /** Whether `x` is a ValidationError of this library (also across copies of the library). */
  public static isValidationError(x: any): boolean {
    return x !== null && typeof x === 'object' && VALIDATION_ERROR in x;
  }

  /** Always `ValidationError`. */
  public readonly name: string;
  /** Every problem, one per line. */
  public readonly message: string;
  /** Where it was thrown. */
  public readonly stack?: string;
  /** Every problem found. */
  public readonly issues: ValidationIssue[];
  /** The construct path the issues' field paths are relative to (`synth` for app-wide checks). */
  public readonly scope: string;

  constructor(scope: string, issues: ValidationIssue[]) {
    const lines = issues.map((i) => formatIssue(scope, i));
    const head = issues.length === 1 ? '' : `${issues.length} problems found:\n  `;
    this.name = 'ValidationError';
    this.message = head + lines.join('\n  ');
    this.scope = scope;
    this.issues = issues;
    Object.defineProperty(this, VALIDATION_ERROR, { value: true });
    Error.captureStackTrace?.(this, ValidationError);
  }
}
Object.setPrototypeOf(ValidationError.prototype, Error.prototype);

/** Collects issues under a path prefix. Children share the parent's list. */
export class IssueCollector {
  private readonly sink: ValidationIssue[];
  private readonly prefix: string;

  constructor(prefix = '', sink: ValidationIssue[] = []) {
    this.prefix = prefix;
    this.sink = sink;
  }

  /** A collector whose paths are prefixed with `segment` (`.name` or `[i]` joining is handled here). */
  public at(segment: string | number): IssueCollector {
    return new IssueCollector(joinPath(this.prefix, segment), this.sink);
  }

  /** The path of this collector, or of a child segment. */
  public path(segment?: string | number): string {
    return segment === undefined ? this.prefix : joinPath(this.prefix, segment);
  }

  public add(message: string, hint?: string, segment?: string | number): void {
    this.sink.push({ path: this.path(segment), message, hint });
  }

  public get issues(): readonly ValidationIssue[] {
    return this.sink;
  }

  /** Whether any issue was reported at `path` or below it. */
  public hasIssuesAt(path: string): boolean {
    return this.sink.some((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
  }

  public get hasIssues(): boolean {
    return this.sink.length > 0;
  }

  /** Throws a `ValidationError` for `scope` if anything was collected. */
  public throwIfAny(scope: string): void {
    if (this.sink.length > 0) {
      throw new ValidationError(scope, [...this.sink]);
    }
  }
}

export function joinPath(prefix: string, segment: string | number): string {
  if (typeof segment === 'number') return `${prefix}[${segment}]`;
  if (segment === '') return prefix;
  if (segment.startsWith('[')) return `${prefix}${segment}`;
  return prefix ? `${prefix}.${segment}` : segment;
}

/** Closest candidates to `word` (Levenshtein distance), for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const scored = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(word.length / 3)))
    .sort((a, b) => a.d - b.d || compareStrings(a.c, b.c));
  return scored.slice(0, max).map((x) => x.c);
}

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const near = closest(word, candidates);
  return near.length > 0 ? `did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
