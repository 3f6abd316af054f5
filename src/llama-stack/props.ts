import { LlamaStackConfigSpec } from '../config/types';

/** Who may call the server (NetworkPolicy ingress). */
export interface AllowedFromSpec {
  /**
   * Namespaces whose pods may call the server.
   * @default - none
   */
  readonly namespaces?: string[];
  /**
   * Pods in the stack's namespace with all these labels may call the server.
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
}

/** Network settings of a `LlamaStack`. */
export interface LlamaStackNetworkingProps {
  /**
   * Server port: container, Service, probes, `server.port` and `LLAMA_STACK_PORT` all use it.
   * @default 8321
   */
  readonly port?: number;
  /**
   * Extra clients admitted by the NetworkPolicy. Pods in the stack's namespace labelled
   * `client.llamastack.io/<name>: "true"` (see `LlamaStack.clientLabels`) are always admitted.
   * @default - only labelled client pods in the same namespace
   */
  readonly allowedFrom?: AllowedFromSpec;
  /**
   * Allow egress to public internet addresses on TCP 443 (hosted inference APIs such as OpenAI, model
   * downloads from Hugging Face). Without it, egress is limited to DNS and the in-cluster endpoints the
   * providers and storage name, and a provider endpoint outside the cluster is a synth error.
   * @default false
   */
  readonly allowInternetEgress?: boolean;
}

/** CPU/memory requests and limits (Kubernetes quantities). */
export interface ContainerResourcesSpec {
  /** @default - see `LlamaStackWorkloadProps.resources` */
  readonly requests?: { [resource: string]: string };
  /** @default - see `LlamaStackWorkloadProps.resources` */
  readonly limits?: { [resource: string]: string };
}

/** Workload settings of a `LlamaStack`. */
export interface LlamaStackWorkloadProps {
  /**
   * Number of server pods.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Server worker processes per pod (`server.workers`; with more than one, `server.host: 0.0.0.0`,
   * since 0.7.1 would otherwise bind IPv6 only).
   * @default 1
   */
  readonly workers?: number;
  /**
   * Container resources. Given maps replace the default ones whole.
   * @default - requests cpu 250m / memory 1Gi, limits cpu 2 / memory 4Gi
   */
  readonly resources?: ContainerResourcesSpec;
}

/** Props of `LlamaStack`. */
export interface LlamaStackProps extends LlamaStackConfigSpec {
  /**
   * Base name of the objects (Deployment `<name>`, Service `<name>-service`, ConfigMap
   * `<name>-config-<hash8>`). At most 47 characters, so every derived name fits in 63.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Port and network access.
   * @default - port 8321, labelled same-namespace clients only, no internet egress
   */
  readonly networking?: LlamaStackNetworkingProps;
  /**
   * Replicas and resources.
   * @default - 1 replica, default resources
   */
  readonly workload?: LlamaStackWorkloadProps;
}
