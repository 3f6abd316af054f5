import { SecretVariables } from './env-refs';
import { SecretKeyRef } from './types';
import { IssueCollector } from '../core/errors';
import { compareStrings } from '../core/order';
import { checkSecretRef } from '../core/secret-ref';
import { Finding, WarningCode } from '../core/warnings';

/** A provider entry in config.yaml. */
export interface ProviderEntry {
  provider_id: unknown;
  provider_type: string;
  module?: string;
  config?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A provider the user declared, with where it came from. */
export interface UserProvider {
  readonly api: string;
  readonly id: string;
  readonly providerType: string;
  readonly path: string;
  /** Models declared on the provider itself (`models`), registered under its ID. */
  readonly models?: unknown;
}

/** An environment variable the container gets from a Secret. */
export interface SecretEnvVar {
  readonly name: string;
  readonly secretKeyRef: SecretKeyRef;
  /** The prop path it comes from. */
  readonly source: string;
}

/**
 * A network destination the server needs, derived from the spec (for NetworkPolicy egress). Without a
 * host it is a hosted service whose address is not known (outside the cluster, HTTPS).
 */
export interface Endpoint {
  readonly host?: string;
  readonly port?: number;
  /** The prop path it comes from. */
  readonly source: string;
  /** Why it is needed, when there is no host. */
  readonly note?: string;
  /** The address range the host resolves to, when the user gave it (a database outside the cluster). */
  readonly cidr?: string;
}

/** A literal env var the container needs for the config to work (e.g. PGSSLMODE for sql_postgres). */
export interface PlainEnvVar {
  readonly name: string;
  readonly value: string;
  /** The prop path it comes from. */
  readonly source: string;
}

/** State shared by the generation steps. */
export class GenerationContext {
  public readonly warnings: Finding[] = [];
  public readonly userProviders: UserProvider[] = [];
  public readonly endpoints: Endpoint[] = [];
  public readonly plainEnv: PlainEnvVar[] = [];
  private readonly secretEnv = new Map<string, SecretEnvVar>();
  /** The container's variables that come from Secrets (what `${env.X}` in a user string may not name). */
  public secretVariables: SecretVariables = SecretVariables.of({}, undefined);

  constructor(
    public readonly issues: IssueCollector,
    public readonly config: Record<string, any>,
    public readonly distroName: string,
    public readonly dataDir: string,
  ) {}

  /** Registers a Secret-backed env var; two sources that sanitise to one name are an error. */
  /** Registers the env var; false (with the problem reported) when it cannot be used. */
  public addSecretEnv(issues: IssueCollector, name: string, ref: SecretKeyRef, source: string): boolean {
    if (!checkSecretRef(issues, ref)) return false;
    const existing = this.secretEnv.get(name);
    if (existing && existing.source !== source) {
      issues.add(
        `environment variable ${name} would also be used by ${existing.source}`,
        'give the providers IDs that differ in more than \'-\' versus \'_\' or case',
      );
      return false;
    }
    this.secretEnv.set(name, { name, secretKeyRef: { name: ref.name, key: ref.key }, source });
    return true;
  }

  public get secretEnvVars(): SecretEnvVar[] {
    return [...this.secretEnv.values()].sort((a, b) => compareStrings(a.name, b.name));
  }

  public hasSecretEnv(name: string): boolean {
    return this.secretEnv.has(name);
  }

  public warn(code: WarningCode, path: string, message: string, hint?: string): void {
    this.warnings.push({ code, path, message, hint });
  }
}
