import { LlamaStackConfigSpec, SecretKeyRef } from '../config/types';
import type { ClusterDns } from '../core/dns';
import { Affinity, EnvVar, Toleration, TopologySpreadConstraint } from '../core/kube-types';
import { PodSettings } from '../core/pod-settings';
import { ExternalProvider } from '../external-provider/external-provider';

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
  /**
   * Namespaces that have any of these label keys may call the server (the operator's `allowedFrom.labels`).
   * @default - none
   */
  readonly namespaceLabels?: string[];
}

/** Custom CA certificates for the server's outbound TLS calls. */
export interface CaBundleSpec {
  /** ConfigMap in the stack's namespace holding PEM certificates. */
  readonly configMapName: string;
  /**
   * Keys of the ConfigMap to use.
   * @default ['ca-bundle.crt']
   */
  readonly keys?: string[];
}

/** Server TLS and outbound CA certificates. */
export interface TlsSpec {
  /**
   * Serve HTTPS with the certificate in `secretName`.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * A `kubernetes.io/tls` Secret (keys `tls.crt`, `tls.key`); required when enabled.
   * @default - none
   */
  readonly secretName?: string;
  /**
   * Extra CA certificates trusted for outbound calls, combined with the image's system bundle and exposed
   * through `SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE`. Not client-certificate authentication.
   * @default - the image's system bundle only
   */
  readonly caBundle?: CaBundleSpec;
}

/** An Ingress in front of the Service. Giving it creates the Ingress (`expose: {}`) unless `enabled` is false. */
export interface ExposeSpec {
  /**
   * Whether to create the Ingress: `expose: {}` means yes; `{ enabled: false }` keeps the settings without one.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Host name of the Ingress rule.
   * @default - any host
   */
  readonly hostname?: string;
  /**
   * IngressClass to use.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * TLS Secret for the Ingress (needs `hostname`).
   * @default - no TLS at the Ingress
   */
  readonly tlsSecretName?: string;
  /**
   * Extra Ingress annotations.
   * @default - none (plus the backend-protocol annotation when the server serves HTTPS)
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Namespace of the ingress controller, admitted by the NetworkPolicy.
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
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
  /**
   * Allow egress to link-local addresses and cloud instance-metadata services (169.254.0.0/16, fe80::/10,
   * 100.100.100.200, metadata.google.internal, ...), which hand the node's cloud credentials to any pod that
   * reaches them. Only for a service you know lives there.
   * @default false
   */
  readonly allowLinkLocalEgress?: boolean;
  /**
   * Server TLS and custom CA certificates.
   * @default - plain HTTP, the image's system CA bundle
   */
  readonly tls?: TlsSpec;
  /**
   * An Ingress to the Service: `{}` for one with the defaults, or its settings. Created unless
   * `expose.enabled` is false.
   * @default - no Ingress
   */
  readonly expose?: ExposeSpec;
  /**
   * The cluster DNS the pods may reach (the only egress on DNS ports).
   * @default - the app's `ClusterDns.CONTEXT_KEY` preset, else `ClusterDns.kubeDns()`
   */
  readonly dns?: ClusterDns;
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
  /**
   * A HorizontalPodAutoscaler; the Deployment then has no fixed replicas.
   * @default - no autoscaling
   */
  readonly autoscaling?: AutoscalingSpec;
  /**
   * A PersistentVolumeClaim for the data directory.
   * @default - an emptyDir (state is lost with the pod unless storage is PostgreSQL/Redis)
   */
  readonly storage?: PvcStorageSpec;
  /**
   * A PodDisruptionBudget: at most one of minAvailable, maxUnavailable, minAvailablePercent and
   * maxUnavailablePercent (`{}` means the default).
   * @default - maxUnavailable 1 when more than one replica can run, else none
   */
  readonly podDisruptionBudget?: PodDisruptionBudgetSpec;
  /**
   * Topology spread constraints; replace the default.
   * @default - spread over zones and hosts (ScheduleAnyway) when more than one replica can run and no ReadWriteOnce volume pins the pods
   */
  readonly topologySpreadConstraints?: TopologySpreadConstraint[];
  /**
   * Pod and container overrides.
   * @default - none
   */
  readonly overrides?: WorkloadOverrides;
}

/** HorizontalPodAutoscaler settings. */
export interface AutoscalingSpec {
  /**
   * @default 1
   */
  readonly minReplicas?: number;
  /** Upper bound of replicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, percent of requests.
   * @default 80 when no target is given
   */
  readonly targetCpu?: number;
  /**
   * Target average memory utilization, percent of requests.
   * @default - none
   */
  readonly targetMemory?: number;
}

/** A PersistentVolumeClaim for the server's data. */
export interface PvcStorageSpec {
  /**
   * Requested size.
   * @default '10Gi'
   */
  readonly size?: string;
  /**
   * Where it is mounted; SQLite backends from `storage` are written there.
   * @default '/.llama'
   */
  readonly mountPath?: string;
  /**
   * StorageClass.
   * @default - the cluster default
   */
  readonly storageClassName?: string;
  /**
   * `ReadWriteOnce`, `ReadWriteOncePod` or `ReadWriteMany`. A ReadWriteOnce volume can serve one replica.
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: string;
}

/**
 * PodDisruptionBudget settings: at most one field (`{}` means the default, maxUnavailable 1). Counts are pods;
 * the `...Percent` fields are percentages of the replicas (0-100), written as `'<n>%'`.
 */
export interface PodDisruptionBudgetSpec {
  /**
   * Pods that must stay available, a count.
   * @default - none
   */
  readonly minAvailable?: number;
  /**
   * Pods that may be unavailable, a count.
   * @default - none
   */
  readonly maxUnavailable?: number;
  /**
   * Pods that must stay available, in percent of the replicas (0-100; `50` is the PDB's `'50%'`).
   * @default - none
   */
  readonly minAvailablePercent?: number;
  /**
   * Pods that may be unavailable, in percent of the replicas (0-100; `50` is the PDB's `'50%'`).
   * @default - none
   */
  readonly maxUnavailablePercent?: number;
}

/**
 * Pod and container overrides (the operator's podOverrides and containerSpec fields, and more). The pod
 * settings every construct shares (pull Secrets, labels, annotations, priority, ServiceAccount annotations,
 * volumes, mounts, envFrom) come from `PodSettings`.
 */
export interface WorkloadOverrides extends PodSettings {
  /**
   * Use this ServiceAccount instead of the one the construct creates (which is then not emitted).
   * @default - a ServiceAccount named after the stack
   */
  readonly serviceAccountName?: string;
  /**
   * Extra container env vars (any EnvVar form, e.g. fieldRef). Names count as supplied for `${env.X}`.
   * @default - none
   */
  readonly env?: EnvVar[];
  /**
   * Container command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container args.
   * @default - none
   */
  readonly args?: string[];
  /**
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Node and pod affinity of the server pods (e.g. keep them off GPU nodes, or near their model servers).
   * @default - none
   */
  readonly affinity?: Affinity;
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
  /**
   * Providers packaged as images, installed into the pod by init containers at deploy time and merged into
   * the server config (see docs/external-providers.md).
   * @default - none
   */
  readonly externalProviders?: ExternalProvidersSpec;
  /**
   * The server's own metrics (and traces) over OTLP to a collector, and optional alerts on them (see
   * docs/telemetry.md). The NetworkPolicy allows egress to the collector.
   * @default - no telemetry
   */
  readonly telemetry?: TelemetrySpec;
  /**
   * Turn this stack's warnings into synth errors (for CI). The context key `cdk8s-llama-stack/strict` does
   * the same for the whole app.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Warning codes (`WarningCode`) this stack accepts on purpose: they are neither printed nor errors in
   * strict mode. The context key `cdk8s-llama-stack/acknowledgedWarnings` does the same for the whole app.
   * @default - none
   */
  readonly acknowledgedWarnings?: string[];
}

/**
 * External providers per Llama Stack API, and the settings of their installation. Init containers run in
 * the order of the APIs below, then list order.
 */
export interface ExternalProvidersSpec {
  /** @default - none */
  readonly inference?: ExternalProvider[];
  /** @default - none */
  readonly safety?: ExternalProvider[];
  /** @default - none */
  readonly vectorIo?: ExternalProvider[];
  /** @default - none */
  readonly toolRuntime?: ExternalProvider[];
  /** @default - none */
  readonly files?: ExternalProvider[];
  /** @default - none */
  readonly fileProcessors?: ExternalProvider[];
  /** @default - none */
  readonly responses?: ExternalProvider[];
  /** @default - none */
  readonly batches?: ExternalProvider[];
  /** @default - none */
  readonly datasetio?: ExternalProvider[];
  /** @default - none */
  readonly scoring?: ExternalProvider[];
  /** @default - none */
  readonly eval?: ExternalProvider[];
  /**
   * Size limit of the emptyDir that holds the staged wheels and the installed packages (the staged wheels
   * are removed after the install).
   * @default '2Gi'
   */
  readonly volumeSizeLimit?: string;
  /**
   * Resources of the install-providers init container (given keys replace the defaults key by key).
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly installResources?: ContainerResourcesSpec;
}

/** The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export enum OtlpProtocol {
  /** OTLP over HTTP with protobuf bodies, usually port 4318; what Llama Stack's own exporter uses. */
  HTTP_PROTOBUF = 'http/protobuf',
  /** OTLP over gRPC, usually port 4317. */
  GRPC = 'grpc',
}

/**
 * Llama Stack's telemetry: with an endpoint set, the server exports its request metrics (requests, their
 * duration, requests in flight, by API and method) and, under the image's OpenTelemetry auto-instrumentation,
 * traces, over OTLP.
 */
export interface TelemetrySpec {
  /**
   * The OTLP collector's base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`), e.g.
   * `http://otel-collector.monitoring.svc:4318`. An in-cluster Service gets an egress rule to its namespace and
   * port; a host outside the cluster needs `networking.allowInternetEgress` and port 443.
   */
  readonly endpoint: string;
  /**
   * The OTLP transport.
   * @default OtlpProtocol.HTTP_PROTOBUF
   */
  readonly protocol?: OtlpProtocol;
  /**
   * `service.name` of the telemetry; with the namespace it makes Prometheus' `job` label
   * (`<namespace>/<serviceName>`).
   * @default - the stack's name
   */
  readonly serviceName?: string;
  /**
   * Seconds between metric exports (`OTEL_METRIC_EXPORT_INTERVAL`).
   * @default 60
   */
  readonly exportIntervalSeconds?: number;
  /**
   * A Secret key with the headers sent to the collector (`OTEL_EXPORTER_OTLP_HEADERS`, `key=value,...`),
   * e.g. an authorization token.
   * @default - none
   */
  readonly headers?: SecretKeyRef;
  /**
   * Export traces too (`OTEL_TRACES_EXPORTER`).
   * @default true
   */
  readonly traces?: boolean;
  /**
   * The prefix the metrics carry in Prometheus: the `namespace` of an OpenTelemetry collector's Prometheus
   * exporter followed by `_` (Llama Stack's sample collector uses `llama_stack`, giving `llama_stack_`).
   * @default '' (Prometheus' OTLP receiver, or an exporter without a namespace)
   */
  readonly prometheusMetricPrefix?: string;
  /**
   * A PrometheusRule with the stack's alerts (error ratio, latency, saturation).
   * @default - no alerts
   */
  readonly alerts?: StackAlertsSpec;
}

/** Thresholds of a stack's alerts; each alert waits for some traffic, so an idle stack never pages. */
export interface StackAlertsSpec {
  /**
   * Share of failing requests (HTTP 4xx/5xx) over 5 minutes above which `LlamaStackErrorRatioHigh` fires.
   * @default 0.05
   */
  readonly errorRatio?: number;
  /**
   * 95th percentile of request duration, in seconds, above which `LlamaStackLatencyHigh` fires.
   * @default 30
   */
  readonly latencyP95Seconds?: number;
  /**
   * Requests in flight across the stack's pods above which `LlamaStackSaturated` fires; 0 for no such alert.
   * @default 0
   */
  readonly concurrentRequests?: number;
}
