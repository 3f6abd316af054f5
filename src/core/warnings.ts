/**
 * Warnings: findings that do not stop a synth because the user may mean them, printed once at synth on
 * stderr in the shape of the errors, and errors in strict mode. docs/warnings.md lists every code.
 */

/** The codes of the library's warnings (docs/warnings.md explains each and how to act on it). */
export enum WarningCode {
  /** A provider of `providers` replaces the base config's provider with the same ID. */
  BASE_PROVIDER_REPLACED = 'base-provider-replaced',
  /** An external provider replaces a provider of the base config or of `providers` with the same ID. */
  EXTERNAL_PROVIDER_OVERRIDE = 'external-provider-override',
  /** A model of `resources` replaces a model (or model slot) of the base config. */
  BASE_MODEL_REPLACED = 'base-model-replaced',
  /** A registered resource of the base config was dropped (its provider or API is gone). */
  BASE_RESOURCE_DROPPED = 'base-resource-dropped',
  /** `endpoint`, `apiKey` or `secretRefs` overrides the same key given in `settings`. */
  SETTING_OVERRIDDEN = 'setting-overridden',
  /** The provider is deprecated in Llama Stack 0.7.1. */
  PROVIDER_DEPRECATED = 'provider-deprecated',
  /** A model is registered on a base provider that is on only when its environment variable is set. */
  PROVIDER_ENABLED_BY_ENV = 'provider-enabled-by-env',
  /** `disabled` names an API the config does not have. */
  NOTHING_TO_DISABLE = 'nothing-to-disable',
  /** An endpoint is only known at run time, so no egress rule could be derived for it. */
  EGRESS_NOT_DERIVED = 'egress-not-derived',
  /** A remote provider has no endpoint. */
  PROVIDER_WITHOUT_ENDPOINT = 'provider-without-endpoint',
  /** An endpoint points at the server's own pod (localhost). */
  ENDPOINT_IS_LOCAL = 'endpoint-is-local',
  /** A default model is downloaded on first use, but the NetworkPolicy blocks the internet. */
  DOWNLOAD_BLOCKED = 'download-blocked',
  /** `expose` creates an Ingress without TLS: requests and API keys cross the network in clear text. */
  INGRESS_WITHOUT_TLS = 'ingress-without-tls',
}

/** A warning of one construct. */
export interface SynthWarning {
  /** The warning's code (see `WarningCode`). */
  readonly code: string;
  /** Path of the construct that reported it. */
  readonly construct: string;
  /** Field path in the construct's props. */
  readonly path: string;
  /** What was found. */
  readonly message: string;
  /**
   * What to do about it.
   * @default - none
   */
  readonly hint?: string;
}

/** A warning of the pure engine, before it is tied to a construct. */
export interface Finding {
  readonly code: WarningCode;
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}
