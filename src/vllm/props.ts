import type { GpuNodePool } from './gpu-node-pool';
import type { VllmLoraAdapter } from './lora-source';
import { SecretKeyRef } from '../config/types';
import type { ClusterDns } from '../core/dns';
import type { Affinity, Toleration } from '../core/kube-types';
import type { PodSettings } from '../core/pod-settings';
import { AllowedFromSpec, ContainerResourcesSpec } from '../llama-stack/props';

/** Where the Hugging Face and vLLM caches (weights, torch.compile) live. */
export interface VllmCacheSpec {
  /**
   * Size of the PersistentVolumeClaim to create.
   * @default '100Gi'
   */
  readonly size?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster default
   */
  readonly storageClassName?: string;
  /**
   * `ReadWriteOnce` (one node: at most one replica, or replicas on one node), `ReadWriteOncePod`,
   * `ReadWriteMany` (shared by all replicas) or `ReadOnlyMany` (pre-staged weights; implies offline).
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: string;
  /**
   * Use this existing claim instead of creating one (`size` and `storageClassName` must then be unset).
   * @default - a claim named `<name>-<environment>-cache` is created
   */
  readonly existingClaimName?: string;
}

/**
 * Prometheus integration. The models of a namespace share one ServiceMonitor, one PrometheusRule (alerts per
 * model) and one Grafana dashboard, made at synth; models whose `labels` or `scrapeInterval` differ get a
 * ServiceMonitor and PrometheusRule of their own (docs/vllm-models.md §12).
 */
export interface VllmMonitoringSpec {
  /**
   * Include the model in its namespace's prometheus-operator objects and dashboard, and admit Prometheus.
   * Turn off on clusters without the CRDs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Labels added to the ServiceMonitor and PrometheusRule, for Prometheus' selectors (e.g. `{ release: 'kube-prometheus-stack' }`).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Namespace Prometheus runs in: its pods are admitted to port 8000 for `/metrics`.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
  /**
   * Labels of the Prometheus pods in that namespace.
   * @default { 'app.kubernetes.io/name': 'prometheus' }
   */
  readonly prometheusPodLabels?: { [key: string]: string };
  /**
   * Scrape interval.
   * @default '30s'
   */
  readonly scrapeInterval?: string;
  /**
   * Requests waiting in the queue, sustained for 5 minutes, that raise the queue alert.
   * @default 10
   */
  readonly queueAlertThreshold?: number;
  /**
   * KV-cache usage (0-1), sustained for 10 minutes, that raises the saturation alert.
   * @default 0.95
   */
  readonly kvCacheAlertThreshold?: number;
  /**
   * List the model on its namespace's Grafana dashboard (a ConfigMap labelled `grafana_dashboard: "1"`,
   * found by Grafana's sidecar), which exists while one model of the namespace is on it.
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * Autoscaling on vLLM's own signals through a KEDA `ScaledObject` (keda.sh/v1alpha1): KEDA must be installed
 * in the cluster and reach Prometheus. Queue depth is always a trigger; KV-cache usage and running requests
 * are optional ones. No CPU-based autoscaling is offered: a GPU server's CPU says nothing about its load.
 * GPU pool capacity and quota checks count `maxReplicas` (plus the surge pod of a rolling update).
 */
export interface VllmAutoscalingSpec {
  /**
   * The fewest pods. `0` (scale to zero) needs `activationQuery` and `activationThreshold`; a woken model
   * answers only after its startup budget, and requests sent meanwhile fail (vLLM has no activator that
   * holds them). See docs/scaling.md.
   * @default 1
   */
  readonly minReplicas?: number;
  /** The most pods. GPU pool capacity and namespace quotas are checked for this many (plus a surge pod). */
  readonly maxReplicas: number;
  /**
   * Base URL of the Prometheus server that scrapes the model (through its ServiceMonitor), queried by KEDA's
   * operator, e.g. `http://prometheus-operated.monitoring.svc:9090`.
   */
  readonly prometheusAddress: string;
  /**
   * Requests waiting in vLLM's queue (`vllm:num_requests_waiting`) per pod above which pods are added.
   * @default 5
   */
  readonly waitingRequestsThreshold?: number;
  /**
   * KV-cache usage per pod (`vllm:kv_cache_usage_perc`, a fraction above 0 and at most 1) above which pods
   * are added, e.g. 0.8.
   * @default - not a trigger
   */
  readonly kvCacheUsageThreshold?: number;
  /**
   * Requests running per pod (`vllm:num_requests_running`) above which pods are added, e.g. 64 (at most
   * `maxNumSeqs` run at once).
   * @default - not a trigger
   */
  readonly runningRequestsThreshold?: number;
  /**
   * With `minReplicas: 0`: a PromQL query over a series that exists while the model has no pods (requests
   * counted by a gateway, ingress controller or router in front of it). vLLM's own series vanish with its
   * last pod, so they can never wake it.
   * @default - none; required with minReplicas 0
   */
  readonly activationQuery?: string;
  /**
   * With `minReplicas: 0`: the value of `activationQuery` above which KEDA wakes the model (0: any).
   * @default - none; required with minReplicas 0
   */
  readonly activationThreshold?: number;
  /**
   * Seconds between KEDA's queries.
   * @default 30
   */
  readonly pollingIntervalSeconds?: number;
  /**
   * With `minReplicas: 0`: seconds without any request before the model is scaled to zero (KEDA's
   * `cooldownPeriod`). At least the startup budget, so a pod woken by a short burst is not removed while it
   * loads.
   * @default - the startup budget + 600 s (scheduling and image pull)
   */
  readonly cooldownSeconds?: number;
}

/** The PodDisruptionBudget of a model that can run more than one pod. */
export interface VllmPodDisruptionBudgetSpec {
  /**
   * Emit the budget. A model that runs one pod at most never gets one: it would either protect nothing or
   * block every drain of its node.
   * @default - true when the model can run more than one pod (replicas or autoscaling.maxReplicas above 1)
   */
  readonly enabled?: boolean;
  /**
   * Pods an eviction (node drain, cluster upgrade) may take down at once.
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/**
 * What to serve and how: everything about a vLLM model except where it is placed (environment, name,
 * node pool), so one definition can be deployed to several environments (see `ModelPlatform`).
 */
export interface VllmModelOptions {
  /** The model to serve: a Hugging Face repository ID (`meta-llama/Llama-3.1-8B-Instruct`) or a path on the cache volume. */
  readonly model: string;
  /**
   * The name clients put in requests (`--served-model-name`).
   * @default - `model`
   */
  readonly servedModelName?: string;
  /**
   * Total parameter count (`8B`, `70B`, `0.5B`, `8x7B`); sizes the startup budget and memory, and with a
   * node pool whose GPU memory is known, checks that the weights fit (`8x7B` is not checked: it overstates
   * the total; give it as e.g. `47B`).
   * @default - read from the model name (`Llama-3.1-8B-Instruct` -> 8B); required when the name does not say
   * (or names only active parameters, like `17B-16E`)
   */
  readonly parameters?: string;
  /**
   * The vLLM image, pinned by tag or digest. Flags are checked against the list of `vllmVersion`.
   * @default 'docker.io/vllm/vllm-openai:v0.21.0'
   */
  readonly image?: string;
  /**
   * The vLLM release the image contains, which selects the flag list `extraArgs` are checked against.
   * @default - the image tag when a flag list ships for it; else required
   */
  readonly vllmVersion?: string;
  /**
   * Number of pods (fixed). Not with `autoscaling`, which then owns the count.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Autoscaling on queue depth (and optionally KV-cache usage and running requests) with a KEDA
   * ScaledObject; the Deployment then has no `replicas`.
   * @default - fixed `replicas`
   */
  readonly autoscaling?: VllmAutoscalingSpec;
  /**
   * The PodDisruptionBudget, emitted when the model can run more than one pod.
   * @default - maxUnavailable 1 when more than one pod can run, else none
   */
  readonly podDisruptionBudget?: VllmPodDisruptionBudgetSpec;
  /**
   * `--tensor-parallel-size`: GPUs one copy of the model is split over.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * `--pipeline-parallel-size`; GPUs per pod are tensorParallelSize x pipelineParallelSize.
   * @default 1
   */
  readonly pipelineParallelSize?: number;
  /**
   * Nodes one copy of the model spans, for models larger than one node. Above 1 the model runs vLLM's native
   * multi-node mode as a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1; the LWS controller must be installed)
   * instead of a Deployment: `replicas` groups of `nodes` pods, each pod on its own node with
   * tensorParallelSize x pipelineParallelSize / nodes GPUs (vLLM recommends tensorParallelSize = the GPUs of a
   * node and pipelineParallelSize = nodes). The Service selects the group leaders; not with `autoscaling`.
   * See docs/scaling.md.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * `--max-model-len`: context length in tokens.
   * @default - the model's own
   */
  readonly maxModelLen?: number;
  /**
   * `--runner`: `generate` (text generation) or `pooling` (embedding, classification and reward models,
   * served on /v1/embeddings). Register a pooling model with a stack as an embedding model:
   * `asInferenceProvider({ modelType: 'embedding', embeddingDimension })`.
   * @default - vLLM detects it from the model's architecture (`auto`)
   */
  readonly runner?: string;
  /**
   * `--convert`: how vLLM adapts a model to the pooling runner (`embed`, `classify`), e.g. a generative
   * checkpoint used for embeddings.
   * @default - vLLM decides from the architecture
   */
  readonly convert?: string;
  /**
   * `--gpu-memory-utilization`: fraction of GPU memory vLLM may use (0 < x <= 1).
   * @default - vLLM's default (0.92 in v0.21)
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * `--dtype`: `auto`, `half`, `float16`, `bfloat16`, `float` or `float32`.
   * @default - vLLM's (`auto`)
   */
  readonly dtype?: string;
  /**
   * `--quantization`, e.g. `fp8`, `awq`, `gptq`.
   * @default - none
   */
  readonly quantization?: string;
  /**
   * `--max-num-seqs`: concurrent sequences per pod.
   * @default - vLLM's
   */
  readonly maxNumSeqs?: number;
  /**
   * `--enable-prefix-caching` / `--no-enable-prefix-caching`.
   * @default - vLLM's (on)
   */
  readonly enablePrefixCaching?: boolean;
  /**
   * `--trust-remote-code`: run the model repository's own Python code.
   * @default false
   */
  readonly trustRemoteCode?: boolean;
  /**
   * `--enforce-eager`: skip CUDA-graph capture (faster start, lower throughput).
   * @default false
   */
  readonly enforceEager?: boolean;
  /**
   * `--revision`: a Hub branch, tag or commit to pin the weights to.
   * @default - the default branch
   */
  readonly revision?: string;
  /**
   * `--tool-call-parser` (with `--enable-auto-tool-choice`), e.g. `llama3_json`, `hermes`.
   * @default - no tool calling
   */
  readonly toolCallParser?: string;
  /**
   * `--reasoning-parser`, e.g. `deepseek_r1`.
   * @default - none
   */
  readonly reasoningParser?: string;
  /**
   * A Jinja chat template, shipped in the model's ConfigMap and passed as `--chat-template`.
   * @default - the model's own
   */
  readonly chatTemplate?: string;
  /**
   * Default sampling parameters (`generation_config.json` content, e.g. `{ temperature: 0.6 }`), shipped
   * in the ConfigMap and passed as `--generation-config`.
   * @default - the model's own (`--generation-config auto`)
   */
  readonly generationConfig?: { [key: string]: any };
  /**
   * LoRA adapters served on top of the model (`--enable-lora`, `--lora-modules`): clients request each by
   * its name, a stack registers each as a model (`asInferenceProvider()`), and a registry entry can name
   * one (`adapter`). See docs/scaling.md.
   * @default - none
   */
  readonly loraAdapters?: VllmLoraAdapter[];
  /**
   * `--max-loras`: adapters one batch can hold (vLLM also keeps this many in CPU memory). At least the
   * number of adapters.
   * @default - the number of adapters
   */
  readonly maxLoras?: number;
  /**
   * `--max-lora-rank`: the highest adapter rank (1, 8, 16, 32, 64, 128, 256, 320 or 512).
   * @default - from the adapters' `rank` (the smallest allowed value that holds the highest), else vLLM's (16)
   */
  readonly maxLoraRank?: number;
  /**
   * Let clients load and unload adapters at run time (`VLLM_ALLOW_RUNTIME_LORA_UPDATING`: the
   * `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` endpoints, guarded by `apiKey` like every `/v1`
   * path). Anyone who can call the model can then make it load any adapter it can reach.
   * @default false
   */
  readonly loraRuntimeUpdates?: boolean;
  /**
   * Further `vllm serve` flags and their values, checked against the flag list of `vllmVersion`.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Further environment variables (plain values; secrets go through `hfToken` and `apiKey`).
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Hugging Face token for gated models, from a Secret (`HF_TOKEN`).
   * @default - none
   */
  readonly hfToken?: SecretKeyRef;
  /**
   * API key clients must send, from a Secret (`VLLM_API_KEY`). `/health` and `/metrics` stay open.
   * @default - no key
   */
  readonly apiKey?: SecretKeyRef;
  /**
   * Never contact the Hugging Face Hub (`HF_HUB_OFFLINE=1`): weights must be on the cache volume.
   * The NetworkPolicy then allows no internet egress.
   * @default - false; true with a ReadOnlyMany cache
   */
  readonly offline?: boolean;
  /**
   * A Hugging Face mirror or proxy to download from (`HF_ENDPOINT`), e.g.
   * `http://hf-mirror.models.svc.cluster.local:8080`; the NetworkPolicy lets the pods reach it.
   * @default - huggingface.co
   */
  readonly hfEndpoint?: string;
  /**
   * A persistent cache for weights and compiled kernels. Without it they live in an emptyDir and are
   * downloaded again whenever a pod starts.
   * @default - an emptyDir
   */
  readonly cache?: VllmCacheSpec;
  /**
   * Node labels the pods require (added to the pool's), e.g. the seed's `{ 'node-type': 'gpu' }`.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Tolerations added to the default ones (`nvidia.com/gpu` and, if different, the GPU resource; Exists,
   * NoSchedule) and the pool's.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Pod affinity rules. A pool's GPU products are added to every required node-selector term.
   * @default - the pool's GPU-product node affinity, if any
   */
  readonly affinity?: Affinity;
  /**
   * The extended resource GPUs are requested as.
   * @default - the pool's, else 'nvidia.com/gpu'
   */
  readonly gpuResource?: string;
  /**
   * RuntimeClass, for clusters where the NVIDIA runtime is not containerd's default.
   * @default - none (the cluster default)
   */
  readonly runtimeClassName?: string;
  /**
   * CPU and memory; GPUs are always tensorParallelSize x pipelineParallelSize. /dev/shm is added to
   * the memory request and limit.
   * @default - CPU from the GPU count N (request 2 + N, limit twice that: vLLM's API server, engine core
   * and one worker per GPU); memory request 6Gi + 2Gi x N + 0.25Gi per billion parameters (rounded up),
   * limit twice that
   */
  readonly resources?: ContainerResourcesSpec;
  /**
   * Size of the memory-backed /dev/shm (NCCL and PyTorch need more than the runtime's 64Mi).
   * @default '2Gi' for one GPU, '8Gi' for more
   */
  readonly sharedMemorySize?: string;
  /**
   * Seconds a pod may take from start to serving (download, load, compile) before it is restarted.
   * @default - by model size: 600 s up to 3B, 900 s up to 9B, 1500 s up to 34B, 2400 s up to 110B, 5400 s up to 400B, else 7200 s
   */
  readonly startupBudgetSeconds?: number;
  /**
   * Seconds in-flight requests get to finish on shutdown (`--shutdown-timeout`).
   * @default 30
   */
  readonly drainSeconds?: number;
  /**
   * Let a rolling update start a new pod before an old one stops (needs spare GPUs; counted in the
   * pool's capacity). Otherwise one replica uses `Recreate` and several roll one at a time with no surge.
   * @default false
   */
  readonly allowSurge?: boolean;
  /**
   * Further callers admitted to port 8000 (an API router, say). LlamaStacks and registry Jobs that use
   * the model are admitted automatically.
   * @default - none
   */
  readonly allowedFrom?: AllowedFromSpec;
  /**
   * Allow egress to link-local addresses and cloud instance-metadata services (169.254.0.0/16, fe80::/10,
   * 100.100.100.200, metadata.google.internal, ...), which hand the node's cloud credentials to any pod that
   * reaches them. Only for a service you know lives there.
   * @default false
   */
  readonly allowLinkLocalEgress?: boolean;
  /**
   * The cluster DNS the pods may reach (the only egress on DNS ports).
   * @default - the app's `ClusterDns.CONTEXT_KEY` preset, else `ClusterDns.kubeDns()`
   */
  readonly dns?: ClusterDns;
  /**
   * Monitoring objects.
   * @default - enabled
   */
  readonly monitoring?: VllmMonitoringSpec;
  /**
   * Pod settings: pull Secrets, labels, annotations, priority, ServiceAccount annotations, extra volumes,
   * mounts and envFrom.
   * @default - none
   */
  readonly pod?: PodSettings;
}

/** Props of `VllmModel`. */
export interface VllmModelProps extends VllmModelOptions {
  /**
   * The environment (`development`, `staging`, `production` or your own); part of the Service name
   * `<name>-<environment>` and of the labels.
   */
  readonly environment: string;
  /**
   * The model's short name, the first part of the Service name. A DNS label.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The GPU node pool to run on: its node selector, affinity and tolerations are used, its capacity
   * is checked against every model placed on it, and when its GPU memory is known (`gpuMemoryGiB`, a
   * known GPU product or a MIG resource) the model must fit in it.
   * @default - any node with the GPU resource
   */
  readonly nodePool?: GpuNodePool;
}
