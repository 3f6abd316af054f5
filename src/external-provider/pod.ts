/**
 * The pod pieces external providers add to a Llama Stack Deployment (pure: no constructs): one init
 * container per provider, the install-providers init container, the shared volume, the scripts ConfigMap
 * (hash-named), and what the server container gets (a read-only mount, PYTHONPATH, maybe RUN_CONFIG_PATH).
 */
import * as path from 'path';
import { ResolvedExternalProviders } from './resolve';
import { COPY_SCRIPT, INSTALL_SCRIPT, PLAN_FILE, scriptText } from './scripts';
import { REMOVED_APIS } from '../config/catalog';
import { ExternalProviderPlan } from '../config/external-providers';
import { PROVIDER_APIS } from '../config/providers';
import { k8s } from '../core/k8s';
import { restrictedContainerSecurityContext } from '../core/security';
import { sha256 } from '../core/yaml';

/** The shared volume: staged provider files, installed packages, the merged config. */
export const EXTERNAL_PROVIDERS_DIR = '/opt/llama-stack/external-providers';
export const SCRIPTS_DIR_MOUNT = '/opt/llama-stack/external-provider-scripts';
export const PACKAGES_DIR = `${EXTERNAL_PROVIDERS_DIR}/python-packages`;
export const MERGED_CONFIG = `${EXTERNAL_PROVIDERS_DIR}/config/config.yaml`;
export const INSTALLED_PACKAGES_REPORT = `${EXTERNAL_PROVIDERS_DIR}/installed-packages.txt`;
export const PROVIDER_SOURCE_DIR = '/lls-provider';
export const VOLUME = 'external-providers';
export const SCRIPTS_VOLUME = 'external-provider-scripts';
export const INSTALL_CONTAINER = 'install-providers';
const TERMINATION_LOG = '/dev/termination-log';

/** Init container name of a provider. */
export function copyContainerName(id: string): string {
  return `provider-${id}`;
}

export interface ExternalProviderPodInput {
  /** Base name of the stack's objects. */
  readonly stackName: string;
  /** The distribution image (same Python and pip as the server). */
  readonly serverImage: string;
  readonly resolved: ResolvedExternalProviders;
  readonly plan: ExternalProviderPlan;
  /** Paths the server's PYTHONPATH has after the provider packages (env.PYTHONPATH); the install step sees them too. */
  readonly extraPythonPath?: string;
  /** The config the install step merges into, and the volume and directory it comes from. */
  readonly baseConfig: { readonly volume: string; readonly dir: string; readonly file: string };
}

export interface ExternalProviderPod {
  readonly configMapName: string;
  readonly configMapData: { [key: string]: string };
  readonly initContainers: k8s.Container[];
  readonly volumes: k8s.Volume[];
  /** Mounts of the server container. */
  readonly serverMounts: k8s.VolumeMount[];
  /** Prepended to the server's PYTHONPATH: external packages win over the image's. */
  readonly pythonPath: string;
  /** Where the server reads its config, when the install step writes it. */
  readonly runConfigPath?: string;
}

/** The install plan as the install script reads it: deterministic JSON. */
export function planJson(input: Pick<ExternalProviderPodInput, 'plan'>): string {
  const plan = {
    version: 1,
    apis: PROVIDER_APIS,
    removedApis: REMOVED_APIS,
    mergeConfig: input.plan.mergeAtStart,
    providers: input.plan.entries.map((e) => ({
      id: e.id,
      api: e.api,
      image: e.image,
      initContainer: copyContainerName(e.id),
      merge: e.mergeAtStart,
      // A spec file by base name only: a path would make the hashed ConfigMap depend on where the app is checked out.
      ...(e.declared ? {
        declared: { providerType: e.declared.providerType, module: e.declared.module, api: e.declared.api, source: path.basename(e.declared.source) },
      } : {}),
      ...(e.mergeAtStart ? { config: e.config } : {}),
    })),
  };
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export function externalProviderPod(input: ExternalProviderPodInput): ExternalProviderPod {
  const data: Record<string, string> = {
    [COPY_SCRIPT]: scriptText(COPY_SCRIPT),
    [INSTALL_SCRIPT]: scriptText(INSTALL_SCRIPT),
    [PLAN_FILE]: planJson(input),
  };
  const hash = sha256(Object.keys(data).sort().map((k) => `${k}\n${data[k]}`).join('\0'));
  const configMapName = `${input.stackName}-providers-${hash.slice(0, 8)}`;
  const merge = input.plan.mergeAtStart;
  const shared: k8s.VolumeMount = { name: VOLUME, mountPath: EXTERNAL_PROVIDERS_DIR };
  const scripts: k8s.VolumeMount = { name: SCRIPTS_VOLUME, mountPath: SCRIPTS_DIR_MOUNT, readOnly: true };
  const common = {
    securityContext: restrictedContainerSecurityContext(),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const copies: k8s.Container[] = input.resolved.providers.map((p) => ({
    name: copyContainerName(p.id),
    image: p.image,
    imagePullPolicy: p.imagePullPolicy,
    command: ['/bin/sh', `${SCRIPTS_DIR_MOUNT}/${COPY_SCRIPT}`],
    env: [
      { name: 'PROVIDER_ID', value: p.id },
      { name: 'PROVIDER_IMAGE', value: p.image },
      { name: 'PROVIDER_SOURCE_DIR', value: PROVIDER_SOURCE_DIR },
      { name: 'PROVIDER_STAGING_DIR', value: `${EXTERNAL_PROVIDERS_DIR}/provider-${p.id}` },
      { name: 'INIT_CONTAINER_NAME', value: copyContainerName(p.id) },
      { name: 'TERMINATION_LOG', value: TERMINATION_LOG },
    ],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
      limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
    },
    ...common,
    volumeMounts: [shared, scripts],
  }));

  const quantities = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, k8s.Quantity.fromString(m[k])]));
  const install: k8s.Container = {
    name: INSTALL_CONTAINER,
    image: input.serverImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['python3', `${SCRIPTS_DIR_MOUNT}/${INSTALL_SCRIPT}`],
    env: [
      { name: 'INSTALL_PLAN', value: `${SCRIPTS_DIR_MOUNT}/${PLAN_FILE}` },
      { name: 'INSTALL_STAGING_DIR', value: EXTERNAL_PROVIDERS_DIR },
      { name: 'INSTALL_PACKAGES_DIR', value: PACKAGES_DIR },
      { name: 'INSTALL_WORK_DIR', value: `${EXTERNAL_PROVIDERS_DIR}/.work` },
      { name: 'INSTALL_REPORT', value: INSTALLED_PACKAGES_REPORT },
      ...(merge ? [
        { name: 'INSTALL_BASE_CONFIG', value: input.baseConfig.file },
        { name: 'INSTALL_OUTPUT_CONFIG', value: MERGED_CONFIG },
      ] : []),
      { name: 'INIT_CONTAINER_NAME', value: INSTALL_CONTAINER },
      { name: 'TERMINATION_LOG', value: TERMINATION_LOG },
      { name: 'PYTHONUNBUFFERED', value: '1' },
      ...(input.extraPythonPath ? [{ name: 'PYTHONPATH', value: input.extraPythonPath }] : []),
    ],
    resources: { requests: quantities(input.resolved.installResources.requests), limits: quantities(input.resolved.installResources.limits) },
    ...common,
    volumeMounts: [
      shared,
      scripts,
      ...(merge ? [{ name: input.baseConfig.volume, mountPath: input.baseConfig.dir, readOnly: true }] : []),
    ],
  };

  return {
    configMapName,
    configMapData: data,
    initContainers: [...copies, install],
    volumes: [
      { name: VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString(input.resolved.volumeSizeLimit) } },
      { name: SCRIPTS_VOLUME, configMap: { name: configMapName, defaultMode: 0o444 } },
    ],
    serverMounts: [{ name: VOLUME, mountPath: EXTERNAL_PROVIDERS_DIR, readOnly: true }],
    pythonPath: PACKAGES_DIR,
    runConfigPath: merge ? MERGED_CONFIG : undefined,
  };
}
