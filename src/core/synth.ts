/**
 * What happens when the app is synthesized, once for the whole app: checks that need every construct to
 * exist (object names, wiring, capacity, quotas) and the warnings of every construct. One validation on
 * the app root runs them all, so every problem of the app is reported in one ValidationError, in an order
 * that does not depend on the order constructs were created in.
 */
import { IConstruct } from 'constructs';
import { formatIssue, ValidationError, ValidationIssue } from './errors';
import { duplicateObjects } from './integrity';
import { oversizedObjects } from './limits';
import { endpointHostKey, IModelServer, isModelServer, serviceHostKeys } from './model-server';
import { compareStrings, compareTuples } from './order';
import { SynthWarning } from './warnings';

/** Context key: `true` turns every warning of the library into a synth error (for CI). */
export const STRICT_CONTEXT = 'cdk8s-llama-stack/strict';
/** Context key: warning codes the app accepts; they are neither printed nor errors in strict mode. */
export const ACKNOWLEDGED_CONTEXT = 'cdk8s-llama-stack/acknowledgedWarnings';

/** What a synth-time check can ask about the whole app (computed once per synth). */
export interface SynthContext {
  /** The model server of the app whose Service is `host:port` as seen from `clientNamespace`. */
  modelServerAt(host: string, port: number, clientNamespace: string): IModelServer | undefined;
}

/** A synth-time check; its issues name their construct. */
export type SynthCheck = (ctx: SynthContext) => ValidationIssue[];

interface PendingWarning {
  readonly warning: SynthWarning;
  readonly strict: boolean;
  readonly acknowledged: readonly string[];
}

/** Where printed warnings go; tests replace it. */
export let warningSink: (line: string) => void = (line) => process.stderr.write(`${line}\n`);

/** @internal for tests: replaces the warning sink and returns the previous one. */
export function setWarningSink(sink: (line: string) => void): (line: string) => void {
  const previous = warningSink;
  warningSink = sink;
  return previous;
}

/**
 * A synth-time step that adds objects made from the whole app (the shared monitoring of the models of a
 * namespace) before the checks run: it must be idempotent, replacing what it added on an earlier run.
 */
export type SynthPrepare = (root: IConstruct) => void;

class AppSynth {
  private readonly checks: SynthCheck[] = [];
  private readonly prepares = new Map<string, SynthPrepare>();
  private readonly warnings: PendingWarning[] = [];
  private readonly printed = new Set<string>();
  /** The number of constructs at the last run that found no error. */
  private checkedAt = -1;

  constructor(private readonly root: IConstruct) {
    root.node.addValidation({ validate: () => this.run() });
    this.checks.push(() => duplicateObjects(root));
    this.checks.push(() => oversizedObjects(root));
  }

  public addCheck(check: SynthCheck): void {
    this.checks.push(check);
  }

  public addPrepare(key: string, prepare: SynthPrepare): void {
    if (!this.prepares.has(key)) this.prepares.set(key, prepare);
  }

  public addWarning(w: PendingWarning): void {
    this.warnings.push(w);
  }

  private run(): string[] {
    // cdk8s validates the whole app once per app.synth() and again for every chart it renders: the checks
    // run again only when constructs were added since the last clean run (constructs are never removed, but
    // for what the prepare steps replace, and they add back as many as they remove while nothing else changed).
    if (this.root.node.findAll().length === this.checkedAt) return [];
    for (const key of [...this.prepares.keys()].sort(compareStrings)) this.prepares.get(key)!(this.root);
    const constructs = this.root.node.findAll().length;
    const ctx = new AppContext(this.root);
    const issues: ValidationIssue[] = this.checks.flatMap((c) => c(ctx));
    const strictApp = this.root.node.tryGetContext(STRICT_CONTEXT) === true || this.root.node.tryGetContext(STRICT_CONTEXT) === 'true';
    const appAcknowledged = this.root.node.tryGetContext(ACKNOWLEDGED_CONTEXT);
    const toPrint: SynthWarning[] = [];
    for (const w of this.warnings) {
      const code = w.warning.code;
      if (w.acknowledged.includes(code) || (Array.isArray(appAcknowledged) && appAcknowledged.includes(code))) continue;
      if (w.strict || strictApp) {
        issues.push({
          construct: w.warning.construct,
          path: w.warning.path,
          message: `${w.warning.message} [warning ${code}, an error in strict mode]`,
          hint: w.warning.hint ?? `fix it, or acknowledge the warning with acknowledgedWarnings: ['${code}']`,
        });
      } else {
        toPrint.push(w.warning);
      }
    }
    if (issues.length > 0) {
      throw new ValidationError('synth', sortIssues(issues));
    }
    this.checkedAt = constructs;
    for (const w of toPrint.sort(byWarning)) {
      const line = formatWarning(w);
      if (this.printed.has(line)) continue;
      this.printed.add(line);
      warningSink(line);
    }
    return [];
  }
}

class AppContext implements SynthContext {
  private servers?: Map<string, IModelServer>;

  constructor(private readonly root: IConstruct) {}

  public modelServerAt(host: string, port: number, clientNamespace: string): IModelServer | undefined {
    if (!this.servers) {
      this.servers = new Map();
      for (const c of this.root.node.findAll()) {
        if (!isModelServer(c)) continue;
        for (const key of serviceHostKeys(c.serviceName, c.namespace, c.port)) this.servers.set(key, c);
      }
    }
    return this.servers.get(endpointHostKey(host, port, clientNamespace));
  }
}

/**
 * The issue for a client that names a model server of the app by URL instead of holding it: its egress
 * would open the server's whole namespace and the server would not admit it, so requests are dropped.
 */
export function namedByUrl(
  ctx: SynthContext, e: { host: string; port: number; source: string }, client: IConstruct, clientNamespace: string, fix: string,
): ValidationIssue | undefined {
  const server = ctx.modelServerAt(e.host, e.port, clientNamespace);
  if (!server) return undefined;
  return {
    construct: client.node.path,
    path: e.source,
    message: `'${e.host}:${e.port}' is the Service of the model server ${server.node.path}, named by URL: the server's NetworkPolicy would not admit these pods, so their requests would be dropped`,
    hint: fix,
  };
}

const apps = new WeakMap<IConstruct, AppSynth>();

function appSynth(scope: IConstruct): AppSynth {
  const root = scope.node.root;
  let a = apps.get(root);
  if (!a) {
    a = new AppSynth(root);
    apps.set(root, a);
  }
  return a;
}

/** Runs `check` when the app is synthesized (after every construct exists). */
export function onSynth(scope: IConstruct, check: SynthCheck): void {
  appSynth(scope).addCheck(check);
}

/**
 * Runs `prepare` once per synth of the app, before the checks (registered once per `key`): it adds objects
 * that depend on the whole app, which are emitted like any other (cdk8s walks the tree again per chart).
 */
export function onPrepare(scope: IConstruct, key: string, prepare: SynthPrepare): void {
  appSynth(scope).addPrepare(key, prepare);
}

/**
 * Reports warnings of `scope`: printed once on stderr at synth, or synth errors when `strict` (or the
 * app's strict context) is set; codes in `acknowledged` (or the app's acknowledged context) are dropped.
 */
export function reportWarnings(scope: IConstruct, warnings: readonly SynthWarning[], strict = false, acknowledged: readonly string[] = []): void {
  const a = appSynth(scope);
  for (const warning of warnings) a.addWarning({ warning, strict, acknowledged });
}

/** `[warning <code>] <construct> <path>: <message> (<hint>)`: the shape of the errors, with the code. */
export function formatWarning(w: SynthWarning): string {
  return `[warning ${w.code}] ${formatIssue(w.construct, { path: w.path, message: w.message, hint: w.hint })}`;
}

function sortIssues(issues: ValidationIssue[]): ValidationIssue[] {
  return [...issues].sort((a, b) => compareTuples([a.construct ?? '', a.path, a.message], [b.construct ?? '', b.path, b.message]));
}

function byWarning(a: SynthWarning, b: SynthWarning): number {
  return compareTuples([a.construct, a.path, a.code, a.message], [b.construct, b.path, b.code, b.message]);
}
