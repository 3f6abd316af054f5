import * as fs from 'fs';
import { SecretKeyRef } from '../config/types';

/** Settings of an external provider that do not depend on how its metadata is known. */
export interface ExternalProviderSpecFileOptions {
  /**
   * The provider ID (`provider_id` in config.yaml), unique across all providers of the stack. Lower-case
   * letters, digits and `-`, at most 54 characters: the provider's init container is named `provider-<id>`.
   */
  readonly id: string;
  /**
   * The provider image: it must contain `/lls-provider/lls-provider-spec.yaml` and the provider's wheels,
   * with all their dependencies, in `/lls-provider/packages/` (see docs/provider-image.md). Pinned by tag
   * or digest.
   */
  readonly image: string;
  /**
   * The provider's `config:` block in config.yaml. `${env.X}` placeholders are allowed (X must be in the
   * stack's env); secrets go in `secretRefs`, never here.
   * @default {}
   */
  readonly config?: { [key: string]: any };
  /**
   * Secret config keys, each from a Secret: `config.<key>` becomes `${env.LLSD_<ID>_<KEY>}` and the server
   * container gets that variable through a secretKeyRef.
   * @default - none
   */
  readonly secretRefs?: { [configKey: string]: SecretKeyRef };
  /**
   * Pull policy of the provider image: `IfNotPresent`, `Always` or `Never`.
   * @default 'IfNotPresent'
   */
  readonly imagePullPolicy?: string;
  /**
   * URLs the provider calls that are not literal URLs in `config` (those are picked up automatically); each
   * gets a NetworkPolicy egress rule, like a built-in provider's endpoint.
   * @default - only the URLs in config
   */
  readonly endpoints?: string[];
}

/** Settings of an external provider given in code; with `providerType` and `module` its metadata is declared. */
export interface ExternalProviderOptions extends ExternalProviderSpecFileOptions {
  /**
   * The provider type the image declares (`spec.providerType`, e.g. `remote::acme-llm`). With `module`,
   * the provider's config entry is generated at synth time, and the install step checks the image against it.
   * @default - read from the image at pod start
   */
  readonly providerType?: string;
  /**
   * The Python package the image declares (`spec.packageName`), written as `module:` in config.yaml.
   * @default - read from the image at pod start
   */
  readonly module?: string;
  /**
   * The API the image declares (`spec.api`, snake_case). It must be the section the provider is placed under.
   * @default - the section it is placed under
   */
  readonly api?: string;
}

/**
 * A Llama Stack provider packaged as an image and installed at deploy time, without a custom distribution
 * image. Give it to `LlamaStack` under `externalProviders.<api>`.
 *
 * Its metadata (provider type, Python package, API) is either declared at synth time (`fromSpecFile`, or
 * `fromImage` with `providerType` and `module`), so the provider entry is part of the generated, hashed
 * ConfigMap; or discovered at pod start (`fromImage` with only `id`, `image` and `config`), when the install
 * step reads the image's `lls-provider-spec.yaml` and merges the entry into the config it writes.
 */
export class ExternalProvider {
  /**
   * A provider image. With `providerType` and `module` its metadata is declared at synth time; without them
   * it is read from the image's `/lls-provider/lls-provider-spec.yaml` at pod start.
   */
  public static fromImage(options: ExternalProviderOptions): ExternalProvider {
    return new ExternalProvider(options, undefined);
  }

  /**
   * A provider image whose `lls-provider-spec.yaml` you also have at synth time (e.g. in the provider's source
   * tree): it is read and validated now, the provider entry is generated from it, and the install step checks
   * that the image carries the same metadata.
   * @param specFile path of the lls-provider-spec.yaml, absolute or relative to the working directory of `cdk8s synth`
   */
  public static fromSpecFile(specFile: string, options: ExternalProviderSpecFileOptions): ExternalProvider {
    let text: string | undefined;
    let error: string | undefined;
    try {
      text = fs.readFileSync(specFile, 'utf8');
    } catch (err) {
      error = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : String((err as Error).message ?? err);
    }
    return new ExternalProvider(options, { path: specFile, text, error });
  }

  /** The provider ID. */
  public readonly id: string;
  /** The provider image. */
  public readonly image: string;
  /** The spec file the metadata was read from (fromSpecFile). */
  public readonly specFile?: string;

  /** @internal */
  public readonly _options: ExternalProviderOptions;
  /** @internal */
  public readonly _spec?: { readonly path: string; readonly text?: string; readonly error?: string };

  private constructor(options: ExternalProviderOptions, spec: { path: string; text?: string; error?: string } | undefined) {
    const o = (typeof options === 'object' && options !== null ? options : {}) as ExternalProviderOptions;
    // Read without throwing: a getter or Proxy that throws is reported with its path when the stack resolves it.
    this.id = readOption(o, 'id') as string;
    this.image = readOption(o, 'image') as string;
    this.specFile = spec?.path;
    this._options = o;
    this._spec = spec;
  }

  /** Whether the metadata is known at synth time (the provider entry is in the generated ConfigMap). */
  public get declared(): boolean {
    return this._spec !== undefined || readOption(this._options, 'providerType') !== undefined || readOption(this._options, 'module') !== undefined;
  }
}

function readOption(options: object, key: string): unknown {
  try {
    return (options as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
