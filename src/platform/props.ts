import { ContainerResourcesSpec, LlamaStackProps } from '../llama-stack/props';
import { ModelRegistryProps } from '../registry/props';
import { GpuNodePoolProps } from '../vllm/gpu-node-pool';

/**
 * What may differ between environments. Everything else is the same spec in every environment, which
 * `ModelPlatform.diff` verifies.
 */
export interface EnvironmentOverrides {
  /**
   * Replicas of every model and stack in the environment (per-name maps below win).
   * @default - as defined
   */
  readonly replicas?: number;
  /**
   * Replicas per model name.
   * @default - as defined
   */
  readonly modelReplicas?: { [model: string]: number };
  /**
   * CPU/memory per model name (GPUs always follow the model's parallelism).
   * @default - as defined
   */
  readonly modelResources?: { [model: string]: ContainerResourcesSpec };
  /**
   * Replicas per stack name.
   * @default - as defined
   */
  readonly stackReplicas?: { [stack: string]: number };
  /**
   * Ingress host name per stack name (the stack must expose an Ingress).
   * @default - as defined
   */
  readonly hostnames?: { [stack: string]: string };
  /**
   * Secret names to use instead of the defined ones (`{ hf: 'hf-prod' }`), in every `{ name, key }` Secret
   * key reference of the environment's models, stacks and registry (not in Secret names given as plain
   * strings, such as a TLS `secretName`).
   * @default - as defined
   */
  readonly secretNames?: { [name: string]: string };
}

/** A ResourceQuota for an environment's namespace. */
export interface EnvironmentQuota {
  /**
   * GPUs the namespace may request (`requests.<gpu resource>`).
   * @default - no GPU quota
   */
  readonly gpus?: number;
  /**
   * CPU the namespace may request (`requests.cpu`), e.g. `64`.
   * @default - no CPU quota
   */
  readonly cpu?: string;
  /**
   * Memory the namespace may request (`requests.memory`), e.g. `512Gi`.
   * @default - no memory quota
   */
  readonly memory?: string;
}

/** One environment: a namespace, its sync policy and what differs there. */
export interface EnvironmentSpec {
  /** The namespace the environment's objects go to. */
  readonly namespace: string;
  /**
   * `auto` (Argo CD syncs every commit, pruning and self-healing) or `manual` (someone presses Sync).
   * @default - 'manual' for an environment named production, else 'auto'
   */
  readonly sync?: string;
  /**
   * What differs in this environment.
   * @default - nothing
   */
  readonly overrides?: EnvironmentOverrides;
  /**
   * The GPU node pool the environment's models run on (its capacity is checked at synth time).
   * @default - no pool: models run on any node with GPUs
   */
  readonly gpuPool?: GpuNodePoolProps;
  /**
   * The branch, tag or commit this environment's Application follows, e.g. the tag staging validated.
   * @default - gitops.targetRevision
   */
  readonly targetRevision?: string;
  /**
   * A ResourceQuota for the namespace; the models' and stacks' requests are checked against it at synth time.
   * @default - no quota
   */
  readonly quota?: EnvironmentQuota;
}

/** Where Argo CD finds the synthesized manifests. */
export interface GitOpsSpec {
  /** The Git repository holding the synthesized output. */
  readonly repoURL: string;
  /**
   * The directory of the output in the repository (cdk8s' `outdir`).
   * @default 'dist'
   */
  readonly path?: string;
  /**
   * The branch, tag or commit Argo CD follows.
   * @default 'main'
   */
  readonly targetRevision?: string;
  /**
   * The Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * The namespace Argo CD runs in (where the Applications go).
   * @default 'argocd'
   */
  readonly argoNamespace?: string;
  /**
   * The cluster the environments deploy to.
   * @default 'https://kubernetes.default.svc'
   */
  readonly destinationServer?: string;
}

/** Props of `ModelPlatform`. */
export interface ModelPlatformProps {
  /** The environments, by name (`development`, `staging`, `production`, ...). Each gets its own chart and namespace. */
  readonly environments: { [name: string]: EnvironmentSpec };
  /**
   * Argo CD Applications, one per environment.
   * @default - no Applications
   */
  readonly gitops?: GitOpsSpec;
  /**
   * A model registry in every environment (its `environments` are the platform's), with an entry per
   * model. Secret names follow each environment's `secretNames` override.
   * @default - no registry
   */
  readonly registry?: ModelRegistryProps;
}

/** A stack on the platform: LlamaStack props plus the platform models it uses. */
export interface PlatformStackProps extends LlamaStackProps {
  /**
   * Names of platform models (`addModel`) the stack uses as inference providers, in this order, after
   * any `providers.inference` given.
   * @default - none
   */
  readonly models?: string[];
}
