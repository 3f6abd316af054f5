/**
 * VllmModel props -> a validated plan (names, flags, sizing, env, volumes), as a pure function. The
 * construct only turns the plan into objects.
 */
import { AutoscalingPlan, maxReplicasOf, planAutoscaling, planDisruptionBudget } from './autoscaling';
import { checkExtraArgs, DEFAULT_VLLM_VERSION, flagName, KNOWN_VLLM_VERSIONS, SHORT_FLAGS } from './flags';
import { GpuMemory, gpuMemoryOf } from './gpu-products';
import { checkLora, loraArgs, loraEnv, RUNTIME_LORA_ENV } from './lora';
import { DEFAULT_GPU_MEMORY_UTILIZATION, fitProblem, weightPrecision } from './memory-fit';
import { MultiNodePlan, multiNodeFlags, multiNodeSharedMemoryGi, planMultiNode, WORKER_FLAGS } from './multi-node';
import { VllmModelProps } from './props';
import {
  defaultResources, defaultSharedMemoryGi, parametersForMemory, parametersFromModelName, parseParameters, PodResources, sizeClass, SizeClass,
  progressDeadlineSeconds, startupProbeTiming, terminationGracePeriodSeconds,
} from './sizing';
import { SecretKeyRef } from '../config/types';
import { IssueCollector } from '../core/errors';
import { imageProblem, parseImage } from '../core/images';
import { k8s } from '../core/k8s';
import { AFFINITY_SHAPE, TOLERATION_SHAPE } from '../core/kube-types';
import { isDns1123Label, isEnvVarName, isHfRepoId, looksSecret, redactUrl } from '../core/names';
import { LINK_LOCAL_FIX, linkLocalReason } from '../core/network';
import { compareStrings, sortDeep } from '../core/order';
import { POD_SETTINGS_SHAPE } from '../core/pod-settings';
import { isQuantity, quantityValue } from '../core/quantity';
import { checkSecretRef } from '../core/secret-ref';
import { Shape } from '../core/shape';
import { checkInt, checkLabels, isObject } from '../core/validate';

export const VLLM_PORT = 8000;
export const DEFAULT_VLLM_IMAGE = `docker.io/vllm/vllm-openai:${DEFAULT_VLLM_VERSION}`;
export const CACHE_DIR = '/cache';
export const HOME_DIR = '/home/vllm';
export const CONFIG_DIR = '/etc/vllm';
export const CHAT_TEMPLATE_KEY = 'chat-template.jinja';
export const GENERATION_CONFIG_KEY = 'generation_config.json';
const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany'];
const DTYPES = ['auto', 'half', 'float16', 'bfloat16', 'float', 'float32'];

const LABELS: Shape = { map: 'string' };
const SECRET_REF: Shape = { obj: { name: 'string', key: 'string' } };
export const VLLM_MODEL_PROPS_SHAPE: Shape = {
  obj: {
    model: 'string',
    environment: 'string',
    name: 'string',
    servedModelName: 'string',
    parameters: 'string',
    image: 'string',
    vllmVersion: 'string',
    replicas: 'number',
    autoscaling: {
      obj: {
        minReplicas: 'number',
        maxReplicas: 'number',
        prometheusAddress: 'string',
        waitingRequestsThreshold: 'number',
        kvCacheUsageThreshold: 'number',
        runningRequestsThreshold: 'number',
        activationQuery: 'string',
        activationThreshold: 'number',
        pollingIntervalSeconds: 'number',
        cooldownSeconds: 'number',
      },
    },
    podDisruptionBudget: { obj: { enabled: 'boolean', maxUnavailable: 'number' } },
    tensorParallelSize: 'number',
    pipelineParallelSize: 'number',
    nodes: 'number',
    maxModelLen: 'number',
    runner: 'string',
    convert: 'string',
    gpuMemoryUtilization: 'number',
    dtype: 'string',
    quantization: 'string',
    maxNumSeqs: 'number',
    enablePrefixCaching: 'boolean',
    trustRemoteCode: 'boolean',
    enforceEager: 'boolean',
    revision: 'string',
    toolCallParser: 'string',
    reasoningParser: 'string',
    chatTemplate: 'string',
    generationConfig: { map: 'any' },
    extraArgs: { arr: 'string' },
    loraAdapters: { arr: { obj: { name: 'string', source: 'any', rank: 'number' } } },
    maxLoras: 'number',
    maxLoraRank: 'number',
    loraRuntimeUpdates: 'boolean',
    env: LABELS,
    hfToken: SECRET_REF,
    apiKey: SECRET_REF,
    offline: 'boolean',
    hfEndpoint: 'string',
    cache: { obj: { size: 'string', storageClassName: 'string', accessMode: 'string', existingClaimName: 'string' } },
    nodePool: 'any',
    nodeSelector: LABELS,
    tolerations: { arr: TOLERATION_SHAPE },
    affinity: AFFINITY_SHAPE,
    gpuResource: 'string',
    runtimeClassName: 'string',
    resources: { obj: { requests: LABELS, limits: LABELS } },
    sharedMemorySize: 'string',
    startupBudgetSeconds: 'number',
    drainSeconds: 'number',
    allowSurge: 'boolean',
    allowedFrom: { obj: { namespaces: { arr: 'string' }, podLabels: LABELS, namespaceLabels: { arr: 'string' } } },
    dns: 'any',
    allowLinkLocalEgress: 'boolean',
    pod: { obj: POD_SETTINGS_SHAPE },
    monitoring: {
      obj: {
        enabled: 'boolean',
        labels: LABELS,
        prometheusNamespace: 'string',
        prometheusPodLabels: LABELS,
        scrapeInterval: 'string',
        queueAlertThreshold: 'number',
        kvCacheAlertThreshold: 'number',
        dashboard: 'boolean',
      },
    },
  },
};

/** Where the caches live. */
export type CachePlan =
  | { readonly kind: 'emptyDir' }
  | { readonly kind: 'pvc'; readonly claimName: string; readonly readOnly: boolean; readonly create?: k8s.PersistentVolumeClaimSpec };

/** Everything the construct needs, validated. */
export interface VllmPlan {
  readonly name: string;
  readonly environment: string;
  /** `<name>-<environment>`: Service, Deployment and the base of every other name. */
  readonly serviceName: string;
  readonly servedModelName: string;
  readonly model: string;
  readonly image: string;
  readonly version: string;
  /** Fixed replicas; with autoscaling, the Deployment leaves the count to KEDA. */
  readonly replicas: number;
  /** The most pods at once before a surge pod: autoscaling.maxReplicas, else replicas. */
  readonly maxReplicas: number;
  readonly autoscaling?: AutoscalingPlan;
  /** The PodDisruptionBudget's maxUnavailable; undefined: no budget. */
  readonly disruptionBudget?: { maxUnavailable: number };
  readonly gpus: number;
  readonly gpuResource: string;
  readonly billions: number;
  readonly size: SizeClass;
  readonly startupBudgetSeconds: number;
  readonly drainSeconds: number;
  readonly args: string[];
  readonly env: k8s.EnvVar[];
  readonly resources: { requests: Record<string, k8s.Quantity>; limits: Record<string, k8s.Quantity> };
  readonly sharedMemorySize: string;
  readonly cache: CachePlan;
  readonly offline: boolean;
  /** ConfigMap data (chat template, generation config); empty when there is none. */
  readonly configFiles: Record<string, string>;
  readonly strategy: k8s.DeploymentStrategy;
  /** Pods that exist only during a rolling update. */
  readonly surgePods: number;
  readonly startupProbe: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number };
  /** The Hugging Face mirror's host and port, when one is given. */
  readonly mirror?: { host: string; port: number };
  readonly progressDeadlineSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  /** A model larger than one node (`nodes` above 1): a LeaderWorkerSet, and the workers' arguments. */
  readonly multiNode?: MultiNodePlan & { readonly workerArgs: string[] };
}

/** Env vars the construct sets; `env` may not override them. */
export const RESERVED_ENV = [
  'HOME', 'HF_HOME', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HUB_OFFLINE', 'VLLM_API_KEY', 'VLLM_CACHE_ROOT', 'VLLM_CONFIG_ROOT',
  'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TRITON_CACHE_DIR', 'TORCHINDUCTOR_CACHE_DIR', 'NUMBA_CACHE_DIR', 'OUTLINES_CACHE_DIR',
  'VLLM_NO_USAGE_STATS', 'DO_NOT_TRACK', 'VLLM_ENGINE_READY_TIMEOUT_S', 'VLLM_PORT', 'VLLM_HOST_IP', 'HF_ENDPOINT',
  RUNTIME_LORA_ENV,
];

/** A DNS-1035 label: what a Service name must be (starts with a letter). */
function isServiceName(s: string): boolean {
  return s.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

function versionAtLeast(version: string, min: string): boolean {
  const parse = (v: string) => v.replace(/^v/, '').split(/[.+-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [parse(version), parse(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** `1073741824` bytes -> `1Gi`; otherwise whole Mi, rounded up. */
function formatBytes(bytes: number): string {
  const gi = 2 ** 30;
  return bytes % gi === 0 ? `${bytes / gi}Gi` : `${Math.ceil(bytes / 2 ** 20)}Mi`;
}

function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** What the plan needs of the pool a model is placed on (a `GpuNodePool`). */
export interface PoolForPlan {
  readonly gpuResource: string;
  readonly gpusPerNode?: number;
  /** The memory of one of its GPUs, when known. */
  readonly _gpuMemory?: GpuMemory;
}

/** Validates `props` (all problems into `issues`) and plans the workload; undefined when invalid. */
export function planModel(issues: IssueCollector, props: VllmModelProps, id: string, pool?: PoolForPlan): VllmPlan | undefined {
  const name = props.name ?? id;
  const environment = props.environment;
  if (!isDns1123Label(name) || !/^[a-z]/.test(name)) {
    issues.add(`'${name}' is not a valid model name`, 'lower-case letters, digits and \'-\', starting with a letter', props.name === undefined ? undefined : 'name');
  }
  if (typeof environment !== 'string' || !isDns1123Label(environment)) {
    issues.add(`'${String(environment)}' is not a valid environment`, 'e.g. development, staging or production', 'environment');
  }
  const serviceName = `${name}-${environment}`;
  if (isDns1123Label(name) && /^[a-z]/.test(name) && isDns1123Label(environment) && !isServiceName(serviceName)) {
    issues.add(
      `the Service name '${serviceName}' ${serviceName.length > 63 ? `is ${serviceName.length} characters; at most 63 fit` : 'must start with a letter'}`,
      'shorten name or environment (the Service is named <name>-<environment>)',
      props.name === undefined ? undefined : 'name',
    );
  }

  if (typeof props.model !== 'string' || props.model.trim() === '') {
    issues.add('model is required', 'a Hugging Face ID such as meta-llama/Llama-3.1-8B-Instruct, or a path under /cache', 'model');
    return undefined;
  }
  const model = props.model;
  if (model.startsWith('/')) {
    if (!model.startsWith(`${CACHE_DIR}/`) || model.split('/').includes('..')) {
      issues.add(`'${model}' is not on the cache volume`, `weights given as a path must be under ${CACHE_DIR}/ (the cache volume), e.g. ${CACHE_DIR}/models/llama-8b`, 'model');
    } else if (props.cache === undefined) {
      issues.add('a model path needs a persistent cache volume that holds the weights', 'set cache (e.g. { existingClaimName: \'models\', accessMode: \'ReadOnlyMany\' })', 'cache');
    }
  } else if (!isHfRepoId(model)) {
    issues.add(`'${model}' is neither a Hugging Face repository ID nor an absolute path`, 'e.g. meta-llama/Llama-3.1-8B-Instruct', 'model');
  }
  const servedModelName = props.servedModelName ?? model;
  if (props.servedModelName !== undefined && (servedModelName.trim() === '' || /\s/.test(servedModelName))) {
    issues.add(`'${servedModelName}' is not a usable model name`, 'a non-empty name without spaces, e.g. llama-3.1-8b', 'servedModelName');
  }

  // Image and vLLM release (selects the flag list).
  const image = props.image ?? DEFAULT_VLLM_IMAGE;
  const problem = imageProblem(image);
  if (problem) issues.add(problem.message, problem.hint, 'image');
  const tag = parseImage(image)?.tag;
  const version = props.vllmVersion ?? (tag && KNOWN_VLLM_VERSIONS.includes(tag) ? tag : undefined);
  if (version === undefined) {
    issues.add(
      `no vLLM flag list is known for image '${image}'`,
      `set vllmVersion to the release the image is built from (flag lists ship for: ${KNOWN_VLLM_VERSIONS.join(', ')})`,
      'vllmVersion',
    );
  } else if (!KNOWN_VLLM_VERSIONS.includes(version)) {
    issues.add(`no flag list ships for vLLM ${version}`, `use one of: ${KNOWN_VLLM_VERSIONS.join(', ')}, or pin an image of that release`, 'vllmVersion');
  }

  // Parallelism and GPUs.
  checkInt(issues, 'replicas', props.replicas, 0, 1000);
  checkInt(issues, 'tensorParallelSize', props.tensorParallelSize, 1, 64);
  checkInt(issues, 'pipelineParallelSize', props.pipelineParallelSize, 1, 64);
  const tp = props.tensorParallelSize ?? 1;
  const pp = props.pipelineParallelSize ?? 1;
  const replicas = props.replicas ?? 1;
  // Every check that counts pods (cache access, strategy, budget, capacity) uses the most there can be.
  const maxPods = isObject(props.autoscaling) && Number.isInteger(props.autoscaling.maxReplicas) ? maxReplicasOf(props) : replicas;
  // Above one node, `replicas` counts groups and each pod of a group holds its share of the GPUs.
  const multiNode = planMultiNode(issues, props, serviceName, tp, pp, maxPods);
  const gpus = multiNode?.gpusPerPod ?? tp * pp;
  const gpuResource = props.gpuResource ?? pool?.gpuResource ?? 'nvidia.com/gpu';
  if (props.gpuResource !== undefined && pool !== undefined && props.gpuResource !== pool.gpuResource) {
    issues.add(`gpuResource '${props.gpuResource}' differs from the pool's '${pool.gpuResource}'`, 'remove gpuResource; the pool decides', 'gpuResource');
  }

  // Typed flags.
  checkInt(issues, 'maxModelLen', props.maxModelLen, 1, 100_000_000);
  // vllm/config/model.py RunnerOption and ConvertOption (v0.21.0).
  if (props.runner !== undefined && !['auto', 'generate', 'pooling', 'draft'].includes(props.runner)) {
    issues.add(`unknown runner '${props.runner}'`, 'use generate or pooling (auto, the default, lets vLLM decide)', 'runner');
  }
  if (props.convert !== undefined && !['auto', 'none', 'embed', 'classify'].includes(props.convert)) {
    issues.add(`unknown convert '${props.convert}'`, 'use embed or classify', 'convert');
  }
  if (props.convert !== undefined && props.convert !== 'none' && props.runner === 'generate') {
    issues.add(`convert '${props.convert}' adapts a model to the pooling runner, but runner is generate`, 'set runner: \'pooling\', or remove convert', 'convert');
  }
  checkInt(issues, 'maxNumSeqs', props.maxNumSeqs, 1, 1_000_000);
  const util = props.gpuMemoryUtilization;
  if (util !== undefined && !(typeof util === 'number' && util > 0 && util <= 1)) {
    issues.add(`gpuMemoryUtilization must be a fraction above 0 and at most 1, got ${String(util)}`, 'e.g. 0.9', 'gpuMemoryUtilization');
  }
  if (props.dtype !== undefined && !DTYPES.includes(props.dtype)) issues.add(`unknown dtype '${props.dtype}'`, `one of: ${DTYPES.join(', ')}`, 'dtype');
  for (const field of ['quantization', 'revision', 'toolCallParser', 'reasoningParser'] as const) {
    const v = props[field];
    if (v !== undefined && !/^[\w.:/+-]+$/.test(v)) issues.add(`'${v}' is not a valid ${field}`, 'letters, digits, \'-\', \'_\', \'.\'', field);
  }
  if (props.generationConfig !== undefined && !isObject(props.generationConfig)) issues.add('expected an object', 'e.g. { temperature: 0.6 }', 'generationConfig');
  if (props.extraArgs !== undefined && version !== undefined && KNOWN_VLLM_VERSIONS.includes(version)) {
    checkExtraArgs(issues.at('extraArgs'), props.extraArgs, version);
  }

  // Sizing.
  const billions = props.parameters !== undefined ? parseParameters(props.parameters) : parametersFromModelName(model);
  if (props.parameters !== undefined && billions === undefined) {
    issues.add(`'${props.parameters}' is not a parameter count`, 'e.g. 8B, 70B, 0.5B or 8x7B', 'parameters');
  } else if (billions === undefined) {
    issues.add(`the parameter count cannot be read from '${model}'`, 'set parameters (e.g. \'8B\'); it sizes the startup budget and memory, and checks GPU memory', 'parameters');
  }
  const size = sizeClass(billions ?? 8);
  checkMemoryFit(issues, props, model, tp, pp, version, pool);
  checkInt(issues, 'startupBudgetSeconds', props.startupBudgetSeconds, 60, 86400);
  checkInt(issues, 'drainSeconds', props.drainSeconds, 0, 3600);
  const startupBudgetSeconds = props.startupBudgetSeconds ?? size.startupBudgetSeconds;
  const autoscaling = planAutoscaling(issues, props, startupBudgetSeconds, props.monitoring?.enabled !== false);
  const disruptionBudget = planDisruptionBudget(issues, props, maxPods);
  const drainSeconds = props.drainSeconds ?? 30;

  // Resources: CPU by GPUs, memory by GPUs and size, unless given; /dev/shm on top of memory; GPUs derived.
  const shm = props.sharedMemorySize ?? `${multiNode ? multiNodeSharedMemoryGi(gpus) : defaultSharedMemoryGi(gpus)}Gi`;
  if (!isQuantity(shm) || !(quantityValue(shm)! > 0)) issues.add(`'${shm}' is not a memory size`, 'e.g. 2Gi', 'sharedMemorySize');
  const resources = planResources(issues.at('resources'), props, defaultResources((billions ?? 8) / (multiNode?.nodes ?? 1), gpus), shm, gpuResource, gpus);

  // Cache.
  const cache = planCache(issues.at('cache'), props, serviceName, maxPods);
  const offline = props.offline ?? (cache.kind === 'pvc' && cache.readOnly);
  if (props.offline === true && cache.kind === 'emptyDir') {
    issues.add('offline with no cache volume: the weights could never arrive', 'give cache.existingClaimName of a volume that holds them, or remove offline', 'offline');
  }
  if (props.offline === false && cache.kind === 'pvc' && cache.readOnly) {
    issues.add('a ReadOnlyMany cache cannot receive downloads', 'remove offline: false, or use a writable access mode', 'offline');
  }

  const mirror = props.hfEndpoint === undefined ? undefined : parseMirror(props.hfEndpoint);
  if (props.hfEndpoint !== undefined && mirror === undefined) {
    issues.add(`'${redactUrl(props.hfEndpoint)}' is not an http(s) URL`, 'e.g. http://hf-mirror.models.svc.cluster.local:8080', 'hfEndpoint');
  } else if (mirror?.credentials) {
    // HF_ENDPOINT is an env value in the pod spec: credentials there are readable by anyone who reads the Deployment.
    issues.add('the URL contains credentials, which would be written into the pod spec', 'remove them; give a token with hfToken (a Secret)', 'hfEndpoint');
  } else if (mirror !== undefined && linkLocalReason(mirror.host) !== undefined && props.allowLinkLocalEgress !== true) {
    issues.add(`${linkLocalReason(mirror.host)}: egress there would hand the node's cloud credentials to the model's pods`, LINK_LOCAL_FIX('allowLinkLocalEgress'), 'hfEndpoint');
  } else if (mirror !== undefined && offline) {
    issues.add('a mirror is never contacted offline', 'remove hfEndpoint or offline', 'hfEndpoint');
  }

  // Env.
  for (const field of ['hfToken', 'apiKey'] as const) {
    if (props[field] !== undefined) checkSecretRef(issues.at(field), props[field]);
  }
  const env = planEnv(issues.at('env'), props, cache, offline, startupBudgetSeconds);
  checkLora(issues, props, { servedModelName, offline, persistentCache: cache.kind === 'pvc', cacheDir: CACHE_DIR });

  const configFiles: Record<string, string> = {};
  if (props.chatTemplate !== undefined) {
    if (props.chatTemplate.trim() === '') issues.add('the chat template is empty', 'give the Jinja template text, or remove chatTemplate', 'chatTemplate');
    configFiles[CHAT_TEMPLATE_KEY] = props.chatTemplate;
  }
  if (isObject(props.generationConfig)) configFiles[GENERATION_CONFIG_KEY] = `${JSON.stringify(sortDeep(props.generationConfig), null, 2)}\n`;

  if (issues.hasIssues) return undefined;

  const surge = props.allowSurge === true;
  const strategy: k8s.DeploymentStrategy = surge
    ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } }
    : maxPods <= 1
      ? { type: 'Recreate' }
      : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) } };

  return {
    name,
    environment,
    serviceName,
    servedModelName,
    model,
    image,
    version: version!,
    replicas,
    maxReplicas: maxPods,
    autoscaling,
    disruptionBudget,
    gpus,
    gpuResource,
    billions: billions ?? 8,
    size,
    startupBudgetSeconds,
    drainSeconds,
    args: buildArgs(props, model, servedModelName, tp, pp, drainSeconds, version!, multiNode ? multiNodeFlags(multiNode.nodes) : []),
    env,
    resources,
    sharedMemorySize: shm,
    cache,
    offline,
    configFiles,
    strategy,
    surgePods: surge ? 1 : 0,
    mirror,
    startupProbe: startupProbeTiming(startupBudgetSeconds),
    progressDeadlineSeconds: progressDeadlineSeconds(startupBudgetSeconds),
    terminationGracePeriodSeconds: terminationGracePeriodSeconds(drainSeconds),
    multiNode: multiNode && {
      ...multiNode,
      workerArgs: buildArgs(props, model, servedModelName, tp, pp, drainSeconds, version!, [...multiNodeFlags(multiNode.nodes), ...WORKER_FLAGS]),
    },
  };
}

/** Typed props -> `vllm serve` arguments, in a fixed order; the multi-node flags, then `extraArgs` last. */
export function buildArgs(
  props: VllmModelProps, model: string, served: string, tp: number, pp: number, drainSeconds: number, version: string,
  distributed: readonly string[] = [],
): string[] {
  const args = [model, '--served-model-name', served, '--port', String(VLLM_PORT)];
  const add = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) args.push(flag, String(v));
  };
  const flag = (f: string, on: boolean | undefined) => {
    if (on) args.push(f);
  };
  if (tp > 1) add('--tensor-parallel-size', tp);
  if (pp > 1) add('--pipeline-parallel-size', pp);
  add('--max-model-len', props.maxModelLen);
  add('--runner', props.runner);
  add('--convert', props.convert);
  add('--gpu-memory-utilization', props.gpuMemoryUtilization);
  add('--dtype', props.dtype);
  add('--quantization', props.quantization);
  add('--max-num-seqs', props.maxNumSeqs);
  if (props.enablePrefixCaching !== undefined) args.push(props.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  flag('--trust-remote-code', props.trustRemoteCode);
  flag('--enforce-eager', props.enforceEager);
  add('--revision', props.revision);
  if (props.toolCallParser !== undefined) args.push('--enable-auto-tool-choice', '--tool-call-parser', props.toolCallParser);
  add('--reasoning-parser', props.reasoningParser);
  if (props.chatTemplate !== undefined) add('--chat-template', `${CONFIG_DIR}/${CHAT_TEMPLATE_KEY}`);
  if (props.generationConfig !== undefined) add('--generation-config', `${CONFIG_DIR}/generation`);
  args.push(...loraArgs(props, served, CACHE_DIR));
  if (versionAtLeast(version, '0.16.0')) add('--disable-access-log-for-endpoints', '/health,/metrics');
  if (versionAtLeast(version, '0.18.0')) add('--shutdown-timeout', drainSeconds);
  return [...args, ...distributed, ...(props.extraArgs ?? [])];
}

/**
 * extraArgs that change what the GPUs hold (weights offloaded to the CPU, a fixed KV-cache size, an
 * online quantization config, a loader that quantizes or reads GGUF): the fit check then cannot know.
 */
const MEMORY_FLAGS = [
  '--cpu-offload-gb', '--cpu-offload-params', '--offload-backend', '--offload-group-size', '--offload-num-in-group', '--offload-params',
  '--offload-prefetch-step', '--kv-cache-memory-bytes', '--quantization-config',
];

function memoryFlagGiven(args: readonly string[]): boolean {
  return args.some((arg, i) => {
    if (typeof arg !== 'string') return false;
    const name = SHORT_FLAGS[flagName(arg)] ?? flagName(arg);
    if (MEMORY_FLAGS.includes(name)) return true;
    if (name !== '--load-format') return false;
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
    return value === 'gguf' || value === 'bitsandbytes';
  });
}

/**
 * GPU memory at synth time (src/vllm/memory-fit.ts): only when the GPU's memory, the parameter count and
 * the weights' width are all known, and no extraArgs change what the GPUs hold. Otherwise nothing is said.
 */
function checkMemoryFit(
  issues: IssueCollector, props: VllmModelProps, model: string, tp: number, pp: number, version: string | undefined, pool: PoolForPlan | undefined,
): void {
  // Inputs reported elsewhere when wrong are not second-guessed here.
  const count = (n: number) => Number.isInteger(n) && n >= 1 && n <= 64;
  const util = props.gpuMemoryUtilization;
  if (!count(tp) || !count(pp) || (util !== undefined && !(typeof util === 'number' && util > 0 && util <= 1))) return;
  if (props.dtype !== undefined && !DTYPES.includes(props.dtype)) return;
  const gpu = pool !== undefined ? pool._gpuMemory : gpuMemoryOf({ gpuResource: props.gpuResource });
  if (gpu === undefined || memoryFlagGiven(props.extraArgs ?? [])) return;
  const billions = parametersForMemory(model, props.parameters);
  const precision = weightPrecision(model, props.dtype, props.quantization);
  if (billions === undefined || precision === undefined) return;
  const problem = fitProblem({
    model,
    billions,
    precision,
    tensorParallelSize: tp,
    pipelineParallelSize: pp,
    utilization: util ?? DEFAULT_GPU_MEMORY_UTILIZATION[version ?? DEFAULT_VLLM_VERSION] ?? DEFAULT_GPU_MEMORY_UTILIZATION[DEFAULT_VLLM_VERSION],
    utilizationGiven: props.gpuMemoryUtilization !== undefined,
    gpu,
    // A multi-node model may spread tensorParallelSize over its nodes' GPUs.
    gpusPerNode: gpu.mig || pool?.gpusPerNode === undefined ? undefined : pool.gpusPerNode * (Number.isInteger(props.nodes) ? props.nodes! : 1),
  });
  if (problem) issues.add(problem.message, problem.hint, problem.path);
}

function planResources(
  issues: IssueCollector, props: VllmModelProps, size: PodResources, shm: string, gpuResource: string, gpus: number,
): VllmPlan['resources'] {
  const given = props.resources ?? {};
  for (const kind of ['requests', 'limits'] as const) {
    for (const [key, value] of Object.entries(given[kind] ?? {})) {
      if (key.includes('/')) issues.add(`${key} is set by the construct (tensorParallelSize x pipelineParallelSize)`, `remove resources.${kind}.${key}`, `${kind}.${key}`);
      else if (!isQuantity(value)) issues.add(`'${value}' is not a quantity`, 'e.g. 8 or 500m for cpu, 32Gi for memory', `${kind}.${key}`);
    }
  }
  const shmBytes = quantityValue(shm) ?? 0;
  const memory = (v: string | undefined, defaultGi: number) => {
    const bytes = v !== undefined && isQuantity(v) ? quantityValue(v)! : defaultGi * 2 ** 30;
    return formatBytes(bytes + shmBytes);
  };
  const requests: Record<string, string> = {
    ...given.requests,
    cpu: given.requests?.cpu ?? size.cpuRequest,
    memory: memory(given.requests?.memory, size.memoryRequestGi),
    [gpuResource]: String(gpus),
  };
  const limits: Record<string, string> = {
    ...given.limits,
    cpu: given.limits?.cpu ?? size.cpuLimit,
    memory: memory(given.limits?.memory, size.memoryLimitGi),
    [gpuResource]: String(gpus),
  };
  for (const key of ['cpu', 'memory']) {
    const [r, l] = [quantityValue(requests[key]), quantityValue(limits[key])];
    if (r !== undefined && l !== undefined && r > l) issues.add(`the ${key} request ${requests[key]} is above the limit ${limits[key]}`, 'raise the limit or lower the request', `requests.${key}`);
  }
  const q = (m: Record<string, string>) => Object.fromEntries(sortedEntries(m).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
  return { requests: q(requests), limits: q(limits) };
}

function planCache(issues: IssueCollector, props: VllmModelProps, serviceName: string, replicas: number): CachePlan {
  const c = props.cache;
  if (c === undefined) return { kind: 'emptyDir' };
  const mode = c.accessMode ?? 'ReadWriteOnce';
  if (!ACCESS_MODES.includes(mode)) issues.add(`unknown access mode '${mode}'`, `one of: ${ACCESS_MODES.join(', ')}`, 'accessMode');
  if ((mode === 'ReadWriteOnce' || mode === 'ReadWriteOncePod') && (replicas > 1 || props.allowSurge)) {
    issues.add(
      `a ${mode} volume can be used by one pod${mode === 'ReadWriteOnce' ? ' (or pods on one node)' : ''}, but ${replicas > 1 ? `${props.autoscaling ? 'up to ' : ''}${replicas} replicas` : 'a surging rollout'} would share it`,
      'use ReadWriteMany (or ReadOnlyMany with pre-staged weights), or one replica without allowSurge',
      'accessMode',
    );
  }
  const readOnly = mode === 'ReadOnlyMany';
  if (c.existingClaimName !== undefined) {
    if (!isDns1123Label(c.existingClaimName) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(c.existingClaimName)) {
      issues.add(`'${c.existingClaimName}' is not a valid claim name`, 'a DNS subdomain', 'existingClaimName');
    }
    if (c.size !== undefined || c.storageClassName !== undefined) {
      issues.add('size and storageClassName describe a claim to create, but existingClaimName uses one that exists', 'remove size and storageClassName', 'existingClaimName');
    }
    return { kind: 'pvc', claimName: c.existingClaimName, readOnly };
  }
  if (readOnly) issues.add('a ReadOnlyMany claim created empty can never hold weights', 'give existingClaimName of a pre-staged volume, or use ReadWriteMany', 'accessMode');
  const size = c.size ?? '100Gi';
  if (!isQuantity(size) || !(quantityValue(size)! > 0)) issues.add(`'${size}' is not a storage size`, 'e.g. 100Gi', 'size');
  return {
    kind: 'pvc',
    claimName: `${serviceName}-cache`,
    readOnly,
    create: {
      accessModes: [mode],
      storageClassName: c.storageClassName,
      resources: { requests: { storage: k8s.Quantity.fromString(size) } },
    },
  };
}

function planEnv(issues: IssueCollector, props: VllmModelProps, cache: CachePlan, offline: boolean, budget: number): k8s.EnvVar[] {
  // Writable caches for a non-root user: the image assumes root and would write under / otherwise.
  // Compiled kernels go to the cache volume (warm restarts) unless it is read-only.
  const kernels = cache.kind === 'pvc' && cache.readOnly ? `${HOME_DIR}/.cache` : CACHE_DIR;
  const env: k8s.EnvVar[] = [
    { name: 'HOME', value: HOME_DIR },
    { name: 'HF_HOME', value: `${CACHE_DIR}/huggingface` },
    { name: 'VLLM_CACHE_ROOT', value: `${kernels}/vllm` },
    // XDG_CACHE_HOME, XDG_CONFIG_HOME and VLLM_CONFIG_ROOT default to $HOME/.cache, $HOME/.config and
    // $HOME/.config/vllm (the XDG base directories; vllm/envs.py get_default_config_root): HOME is enough.
    { name: 'TRITON_CACHE_DIR', value: `${kernels}/triton` },
    { name: 'TORCHINDUCTOR_CACHE_DIR', value: `${kernels}/torchinductor` },
    { name: 'NUMBA_CACHE_DIR', value: '/tmp/numba' },
    { name: 'OUTLINES_CACHE_DIR', value: '/tmp/outlines' },
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
    { name: 'DO_NOT_TRACK', value: '1' },
    // vLLM's own wait for its engine processes must not end before the startup probe does.
    { name: 'VLLM_ENGINE_READY_TIMEOUT_S', value: String(budget) },
  ];
  if (offline) env.push({ name: 'HF_HUB_OFFLINE', value: '1' });
  if (props.hfEndpoint !== undefined) env.push({ name: 'HF_ENDPOINT', value: props.hfEndpoint });
  if (props.hfToken) env.push(secretEnv('HF_TOKEN', props.hfToken));
  if (props.apiKey) env.push(secretEnv('VLLM_API_KEY', props.apiKey));
  env.push(...loraEnv(props));
  for (const [name, value] of sortedEntries(props.env ?? {})) {
    if (!isEnvVarName(name)) issues.add(`'${name}' is not a valid environment variable name`, 'letters, digits and \'_\', not starting with a digit', name);
    else if (RESERVED_ENV.includes(name)) issues.add(`${name} is reserved: the construct sets it or it breaks vLLM in a pod`, 'remove it; see docs/vllm-models.md for the prop that controls it', name);
    else if (looksSecret(name)) issues.add(`${name} looks like a secret, and env values are written into the pod spec`, 'use hfToken or apiKey, or set it from a Secret in your own patch', name);
    else env.push({ name, value });
  }
  return env;
}

function parseMirror(url: string): { host: string; port: number; credentials: boolean } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return { host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80, credentials: u.username !== '' || u.password !== '' };
  } catch {
    return undefined;
  }
}

function sortedEntries<T>(m: Record<string, T>): Array<[string, T]> {
  return Object.entries(m).sort(([a], [b]) => compareStrings(a, b));
}

/** `affinity` with the GPU products required: ANDed into every required term (terms are ORed). */
function withProducts(affinity: k8s.Affinity | undefined, products: string[]): k8s.Affinity | undefined {
  if (products.length === 0) return affinity;
  const product: k8s.NodeSelectorRequirement = { key: 'nvidia.com/gpu.product', operator: 'In', values: [...products] };
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required?.nodeSelectorTerms?.length ? required.nodeSelectorTerms : [{}];
  return {
    ...affinity,
    nodeAffinity: {
      ...affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({ ...t, matchExpressions: [...(t.matchExpressions ?? []), product] })),
      },
    },
  };
}

/** What a GpuNodePool contributes to placement. */
export interface PoolPlacement {
  readonly nodeSelector: Record<string, string>;
  readonly gpuProducts: string[];
  readonly tolerations: k8s.Toleration[];
  readonly gpuResource: string;
}

/** Node placement: the pool's selector and products, the props' selector, and GPU tolerations. */
export function placement(
  props: VllmModelProps, pool: PoolPlacement | undefined,
  issues: IssueCollector,
): { nodeSelector?: Record<string, string>; affinity?: k8s.Affinity; tolerations: k8s.Toleration[] } {
  checkLabels(issues.at('nodeSelector'), props.nodeSelector);
  const nodeSelector = { ...pool?.nodeSelector, ...props.nodeSelector };
  for (const [k, v] of Object.entries(props.nodeSelector ?? {})) {
    if (pool?.nodeSelector[k] !== undefined && pool.nodeSelector[k] !== v) {
      issues.add(`node label ${k}=${v} contradicts the pool's ${k}=${pool.nodeSelector[k]}`, 'remove it from nodeSelector', `nodeSelector.${k}`);
    }
  }
  const products = pool?.gpuProducts ?? [];
  const gpuResource = pool?.gpuResource ?? props.gpuResource ?? 'nvidia.com/gpu';
  const tolerations: k8s.Toleration[] = [
    // GPU nodes are tainted nvidia.com/gpu, also when they offer MIG slices or another resource name.
    { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ...(gpuResource !== 'nvidia.com/gpu' ? [{ key: gpuResource, operator: 'Exists', effect: 'NoSchedule' }] : []),
    ...(pool?.tolerations ?? []),
    ...(props.tolerations ?? []),
  ];
  const seen = new Set<string>();
  return {
    nodeSelector: Object.keys(nodeSelector).length > 0 ? Object.fromEntries(sortedEntries(nodeSelector)) : undefined,
    affinity: withProducts(props.affinity, products),
    tolerations: tolerations.filter((t) => {
      const key = JSON.stringify(t);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  };
}
