/**
 * `externalProviders` props -> the config engine's input: every check that needs only the props (IDs,
 * images, pull policies, declared metadata and spec files, volume size, install resources). Placement,
 * duplicate IDs, secrets and merging are the engine's (src/config/external-providers.ts).
 */
import { ExternalProvider } from './external-provider';
import { formatMetadataProblem, PACKAGE_NAME, parseProviderMetadata, PROVIDER_TYPE } from './metadata';
import { REMOVED_APIS } from '../config/catalog';
import { DeclaredMetadata, ExternalProviderInput } from '../config/external-providers';
import { PROVIDER_APIS } from '../config/providers';
import { didYouMean, IssueCollector } from '../core/errors';
import { imageProblem } from '../core/images';
import { toCamelCase, toSnakeCase } from '../core/names';
import { isQuantity, quantityValue } from '../core/quantity';
import { checkShape, Shape } from '../core/shape';
import { checkedResources, isObject } from '../core/validate';

/** Longest ID: the init container `provider-<id>` must be a DNS-1123 label (63 characters). */
export const MAX_PROVIDER_ID = 63 - 'provider-'.length;
const PROVIDER_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const PULL_POLICIES: readonly string[] = ['IfNotPresent', 'Always', 'Never'];
export const DEFAULT_VOLUME_SIZE = '2Gi';
export const DEFAULT_INSTALL_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' } as Record<string, string>,
  limits: { cpu: '1', memory: '1Gi' } as Record<string, string>,
};
/** Keys of the `externalProviders` prop that are settings, not API sections. */
export const SETTINGS_KEYS: readonly string[] = ['volumeSizeLimit', 'installResources'];
/** API sections of the prop, in the fixed order init containers are generated in. */
export const SECTIONS: readonly string[] = PROVIDER_APIS.map(toCamelCase);

/** An external provider ready for the engine and the pod builder. */
export interface ResolvedProvider extends ExternalProviderInput {
  readonly imagePullPolicy: string;
}

export interface ResolvedExternalProviders {
  /** In init-container order: API sections in a fixed order, then list order. */
  readonly providers: ResolvedProvider[];
  readonly volumeSizeLimit: string;
  readonly installResources: { requests: Record<string, string>; limits: Record<string, string> };
}

/** Reads the `externalProviders` prop (`issues` is at `externalProviders`); undefined when none are given. */
export function resolveExternalProviders(issues: IssueCollector, spec: unknown): ResolvedExternalProviders | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isObject(spec)) {
    issues.add('expected an object of API sections', 'e.g. externalProviders: { inference: [ExternalProvider.fromImage({ id, image })] }');
    return undefined;
  }
  for (const key of Object.keys(spec)) {
    if (spec[key] === undefined || SETTINGS_KEYS.includes(key) || SECTIONS.includes(key)) continue;
    const api = toSnakeCase(key);
    if (REMOVED_APIS[api]) issues.add(`${key} is not an API of Llama Stack 0.7.1: ${REMOVED_APIS[api]}`, `remove externalProviders.${key}`, key);
    else issues.add(`unknown API '${key}'`, didYouMean(key, SECTIONS as string[]) ?? `APIs: ${SECTIONS.join(', ')}`, key);
  }
  const providers: ResolvedProvider[] = [];
  for (const section of SECTIONS) {
    const list = spec[section];
    if (list === undefined) continue;
    const at = issues.at(section);
    if (!Array.isArray(list)) {
      at.add('expected a list of ExternalProvider', `e.g. ${section}: [ExternalProvider.fromImage({ id: 'x', image: 'registry/x:1.0' })]`);
      continue;
    }
    list.forEach((item, i) => {
      const resolved = resolveOne(at.at(i), toSnakeCase(section), item);
      if (resolved) providers.push(resolved);
    });
  }
  const volumeSizeLimit = spec.volumeSizeLimit ?? DEFAULT_VOLUME_SIZE;
  if (!isQuantity(volumeSizeLimit) || !(quantityValue(volumeSizeLimit)! > 0)) {
    issues.add(`'${String(volumeSizeLimit)}' is not a positive Kubernetes quantity`, 'e.g. 4Gi: room for every provider\'s wheels twice (staged and installed)', 'volumeSizeLimit');
  }
  const installResources = resolveResources(issues.at('installResources'), spec.installResources);
  if (providers.length === 0) return undefined;
  return { providers, volumeSizeLimit, installResources };
}

/** The shape of ExternalProviderSpecFileOptions and ExternalProviderOptions. */
const SPEC_FILE_OPTIONS: Record<string, Shape> = {
  id: 'string',
  image: 'string',
  config: { map: 'any' },
  secretRefs: { map: { obj: { name: 'string', key: 'string' } } },
  imagePullPolicy: 'string',
  endpoints: { arr: 'string' },
};
const IMAGE_OPTIONS: Record<string, Shape> = { ...SPEC_FILE_OPTIONS, providerType: 'string', module: 'string', api: 'string' };

function resolveOne(at: IssueCollector, api: string, item: unknown): ResolvedProvider | undefined {
  if (!(item instanceof ExternalProvider)) {
    at.add('expected an ExternalProvider', 'create it with ExternalProvider.fromImage({ id, image }) or ExternalProvider.fromSpecFile(path, { id, image })');
    return undefined;
  }
  const o = item._options;
  const before = at.issues.length;
  // The options' types and keys first (a typo'd option would otherwise be ignored, a getter that throws escape).
  checkShape(at, o, { obj: item._spec ? SPEC_FILE_OPTIONS : IMAGE_OPTIONS });
  if (at.issues.length > before) return undefined;
  if (typeof o.id !== 'string' || !PROVIDER_ID.test(o.id) || o.id.length > MAX_PROVIDER_ID) {
    at.add(
      `'${String(o.id)}' is not a valid external provider ID`,
      `use lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${MAX_PROVIDER_ID} characters (the init container is named provider-<id>)`,
      'id',
    );
  }
  if (typeof o.image !== 'string') {
    at.add('image is required', 'give the provider image, e.g. quay.io/acme/my-provider:1.0.0', 'image');
  } else {
    const problem = imageProblem(o.image);
    if (problem) at.add(problem.message, problem.hint, 'image');
  }
  const pullPolicy = o.imagePullPolicy ?? 'IfNotPresent';
  if (!PULL_POLICIES.includes(pullPolicy)) at.add(`unknown imagePullPolicy '${String(pullPolicy)}'`, `use one of: ${PULL_POLICIES.join(', ')}`, 'imagePullPolicy');
  if (o.config !== undefined && !isObject(o.config)) at.add('expected an object of config keys', 'e.g. config: { base_url: \'http://my-llm.models.svc:8080\' }', 'config');
  else checkShape(at.at('config'), o.config, { map: 'any' }); // plain data: written to the config as given
  if (o.secretRefs !== undefined && !isObject(o.secretRefs)) at.add('expected an object of config keys to Secret references', 'e.g. secretRefs: { api_key: { name: \'acme\', key: \'token\' } }', 'secretRefs');
  else checkShape(at.at('secretRefs'), o.secretRefs, { map: { obj: { name: 'string', key: 'string' } } });
  if (o.endpoints !== undefined && (!Array.isArray(o.endpoints) || o.endpoints.some((e) => typeof e !== 'string'))) {
    at.add('expected a list of URLs', 'e.g. endpoints: [\'https://api.acme.example\']', 'endpoints');
  }
  const declared = item._spec ? fromSpecFile(at, item._spec) : fromProps(at, o, api);
  if (at.issues.length > before) return undefined;
  return {
    path: at.path(),
    api,
    id: o.id,
    image: o.image,
    imagePullPolicy: pullPolicy,
    declared,
    config: o.config,
    secretRefs: o.secretRefs,
    endpoints: o.endpoints,
  };
}

function fromSpecFile(at: IssueCollector, spec: NonNullable<ExternalProvider['_spec']>): DeclaredMetadata | undefined {
  if (spec.text === undefined) {
    at.add(`cannot read the spec file '${spec.path}': ${spec.error}`, 'give the path of the provider\'s lls-provider-spec.yaml, absolute or relative to where cdk8s synth runs');
    return undefined;
  }
  const parsed = parseProviderMetadata(spec.text);
  for (const p of parsed.problems) {
    at.add(`${spec.path}: ${formatMetadataProblem(p)}`, 'fix the file; the install step applies the same rules to the copy in the image (see docs/provider-image.md)');
  }
  const m = parsed.metadata;
  return m && { providerType: m.providerType, module: m.packageName, api: m.api, source: spec.path };
}

function fromProps(at: IssueCollector, o: ExternalProvider['_options'], section: string): DeclaredMetadata | undefined {
  const { providerType, module, api } = o;
  if (providerType === undefined && module === undefined && api === undefined) return undefined;
  if (providerType === undefined || module === undefined) {
    const missing = providerType === undefined ? 'providerType' : 'module';
    at.add(
      `${missing} is missing: the metadata is declared only with both providerType and module`,
      `give ${missing} as in the image's lls-provider-spec.yaml, or leave out providerType, module and api to read them from the image at pod start`,
      missing,
    );
    return undefined;
  }
  const before = at.issues.length;
  if (typeof providerType !== 'string' || !PROVIDER_TYPE.test(providerType)) {
    at.add(`'${String(providerType)}' is not a provider type`, 'use remote::<name> or inline::<name> (lower-case letters, digits and \'-\')', 'providerType');
  }
  if (typeof module !== 'string' || !PACKAGE_NAME.test(module)) {
    at.add(`'${String(module)}' is not a Python package name`, 'use the dotted module name of spec.packageName, e.g. acme_provider', 'module');
  }
  const declaredApi = api === undefined ? section : typeof api === 'string' ? toSnakeCase(api) : '';
  if (api !== undefined && !PROVIDER_APIS.includes(declaredApi)) {
    const hint = REMOVED_APIS[declaredApi] ?? didYouMean(String(api), PROVIDER_APIS as string[]) ?? `APIs: ${PROVIDER_APIS.join(', ')}`;
    at.add(`'${String(api)}' is not an API of Llama Stack 0.7.1`, hint, 'api');
  }
  if (at.issues.length > before) return undefined;
  return { providerType, module, api: declaredApi, source: 'its api prop' };
}

function resolveResources(at: IssueCollector, given: unknown): ResolvedExternalProviders['installResources'] {
  return checkedResources(at, given, DEFAULT_INSTALL_RESOURCES);
}
