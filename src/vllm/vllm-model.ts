import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { scaledObjectSpec, triggersOf } from './autoscaling';
import { GpuNodePool } from './gpu-node-pool';
import { KedaScaledObject } from './keda';
import { LeaderWorkerSet } from './leader-worker-set';
import { loraDownloadContainer, servedAdapters } from './lora';
import { groupNetworkPolicySpec, leaderSelector, leaderWorkerSetName, podNamePattern } from './multi-node';
import {
  CACHE_DIR, CHAT_TEMPLATE_KEY, CONFIG_DIR, GENERATION_CONFIG_KEY, HOME_DIR, placement, planModel, VLLM_MODEL_PROPS_SHAPE, VLLM_PORT,
  VllmPlan,
} from './plan';
import { VllmModelProps } from './props';
import { DEFAULT_SCRAPE_INTERVAL, MONITORING_LABEL, monitoringGroupName, registerMonitoring } from './shared-monitoring';
import { PRE_STOP_SECONDS } from './sizing';
import { ProviderSpec, SecretKeyRef } from '../config/types';
import { checkDns, ClusterDns, dnsEgressRule } from '../core/dns';
import { IssueCollector, ValidationError } from '../core/errors';
import { k8s, kube } from '../core/k8s';
import { toK8sVolume } from '../core/kube-types';
import { selectorLabels, STANDARD_LABEL_KEYS, standardLabels } from '../core/labels';
import { IModelServer, INetworkPeer, ModelServerAdapter } from '../core/model-server';
import { isDns1123Label } from '../core/names';
import { classifyHost, egressRules, internetEgressRule, namespacePeer, peerOf } from '../core/network';
import { compareStrings } from '../core/order';
import { checkPodSettings, podFields } from '../core/pod-settings';
import { restrictedPodSecurityContext } from '../core/security';
import { checkShape } from '../core/shape';
import { onSynth } from '../core/synth';
import { checkAllowedFrom, checkClassName, checkLabels } from '../core/validate';
import { sha256 } from '../core/yaml';
import { InferenceProvider, InferenceProviderOptions } from '../llama-stack/inference-provider';

/**
 * A vLLM OpenAI-compatible server for one model on GPU nodes: Deployment, Service `<name>-<environment>`
 * on port 8000, NetworkPolicy, optional cache PVC and ConfigMap, and monitoring objects. A model larger than
 * one node (`nodes` above 1) runs as a LeaderWorkerSet instead of a Deployment.
 *
 * Hand it to a `LlamaStack` with `asInferenceProvider()` and to a `ModelRegistryEntry`; both are then
 * admitted by its NetworkPolicy.
 *
 * @example
 * const llama = new VllmModel(chart, 'llama-8b', {
 *   model: 'meta-llama/Llama-3.1-8B-Instruct',
 *   environment: 'production',
 *   hfToken: { name: 'hf-token', key: 'token' },
 * });
 * new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: [llama.asInferenceProvider()] } });
 */
export class VllmModel extends Construct implements IModelServer {
  /** The image used when `image` is not given. */
  public static readonly DEFAULT_IMAGE = 'docker.io/vllm/vllm-openai:v0.21.0';

  /** The model's short name. */
  public readonly name: string;
  /** The environment it belongs to. */
  public readonly environment: string;
  /** The namespace (the chart's). */
  public readonly namespace: string;
  /** Service (and Deployment) name: `<name>-<environment>`. */
  public readonly serviceName: string;
  /** The model name clients put in requests. */
  public readonly servedModelName: string;
  /** The Hugging Face ID or path the weights come from. */
  public readonly modelSource: string;
  /** Always `vllm`. */
  public readonly backend: string = 'vllm';
  /** The Service port, 8000. */
  public readonly port: number = VLLM_PORT;
  /** The port vLLM listens on, 8000. */
  public readonly containerPort: number = VLLM_PORT;
  /** The Secret with the key clients must send (`apiKey`); undefined when none is required. */
  public readonly apiKey?: SecretKeyRef;
  /** `maxModelLen`, when given. */
  public readonly contextLength?: number;
  /** The path probes and health checks call, `/health`. */
  public readonly healthPath: string = '/health';
  /** `http://<name>-<environment>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  /** Labels that select the server pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The vLLM image. */
  public readonly image: string;
  /** The `vllm serve` arguments (model first). */
  public readonly args: string[];
  /** GPUs each pod requests (with `nodes` above 1, each pod of a group). */
  public readonly gpusPerPod: number;
  /** Nodes (pods) one copy of the model spans: 1, or `nodes`. */
  public readonly nodes: number;
  /** Pods: the fixed count, or with autoscaling its `minReplicas`. */
  public readonly replicas: number;
  /** The most pods at once (before a rolling update's surge pod): `autoscaling.maxReplicas`, else `replicas`. */
  public readonly maxReplicas: number;
  /** Whether autoscaling may take the model down to no pods (`autoscaling.minReplicas: 0`). */
  public readonly scalesToZero?: boolean;
  /** Seconds a pod may take to start serving before it is restarted. */
  public readonly startupBudgetSeconds?: number;
  /** The LoRA adapters served next to the base model (`loraAdapters`), by name and source. */
  public readonly adapters?: ModelServerAdapter[];
  /** The Deployment (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined for a multi-node model, which has `leaderWorkerSet`. */
  public readonly deployment?: ApiObject;
  /** The LeaderWorkerSet of a multi-node model (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined with one node. */
  public readonly leaderWorkerSet?: ApiObject;
  /** The Service (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly service: ApiObject;
  /** The NetworkPolicy (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly networkPolicy: ApiObject;
  /** The KEDA ScaledObject (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined without `autoscaling`. */
  public readonly scaledObject?: ApiObject;
  /** The PodDisruptionBudget (escape hatch: `addJsonPatch`, applied to the emitted JSON); undefined when the model runs one pod at most. */
  public readonly podDisruptionBudget?: ApiObject;
  private readonly props: VllmModelProps;
  private readonly ingress: k8s.NetworkPolicyIngressRule[];
  private readonly peers = new Map<string, k8s.NetworkPolicyPeer>();

  constructor(scope: Construct, id: string, props: VllmModelProps) {
    super(scope, id);
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give at least { model, environment }');
    else checkShape(issues, props, VLLM_MODEL_PROPS_SHAPE);
    issues.throwIfAny(this.node.path);

    if (props.nodePool !== undefined && !(props.nodePool instanceof GpuNodePool)) issues.add('expected a GpuNodePool', 'create one with new GpuNodePool(...)', 'nodePool');
    const pool = props.nodePool instanceof GpuNodePool ? props.nodePool : undefined;
    const namespace = Chart.of(this).namespace;
    if (namespace === undefined) {
      issues.add('the chart has no namespace, so the Service URL cannot be known', 'create the model in a Chart with a namespace (new Chart(app, id, { namespace }))');
    }
    const plan = planModel(issues, props, id, pool);
    const place = placement(props, pool, issues);
    const monitoring = props.monitoring ?? {};
    checkLabels(issues.at('monitoring.labels'), monitoring.labels);
    // The shared objects' own app.kubernetes.io/* labels win (the doctor finds them by these): refuse them here.
    for (const key of Object.keys(monitoring.labels ?? {}).filter((k) => STANDARD_LABEL_KEYS.includes(k)).sort(compareStrings)) {
      issues.add(`'${key}' is set by the library on the shared monitoring objects`, 'select them by a label of your own, e.g. release: prometheus', `monitoring.labels.${key}`);
    }
    checkLabels(issues.at('monitoring.prometheusPodLabels'), monitoring.prometheusPodLabels);
    checkAllowedFrom(issues.at('allowedFrom'), props.allowedFrom);
    checkDns(issues.at('dns'), props.dns);
    checkClassName(issues, 'runtimeClassName', props.runtimeClassName, 'RuntimeClass');
    checkClassName(issues.at('cache'), 'storageClassName', props.cache?.storageClassName, 'StorageClass', true);
    checkPodSettings(issues.at('pod'), props.pod, {
      volumes: ['shm', 'home', 'tmp', 'cache', 'config'],
      paths: ['/dev/shm', HOME_DIR, '/tmp', CACHE_DIR, CONFIG_DIR],
      labels: [...STANDARD_LABEL_KEYS, 'environment'],
      annotations: {},
      createsServiceAccount: true,
    });
    if (monitoring.prometheusNamespace !== undefined && !isDns1123Label(monitoring.prometheusNamespace)) {
      issues.add(`'${monitoring.prometheusNamespace}' is not a valid namespace name`, 'use a DNS-1123 label', 'monitoring.prometheusNamespace');
    }
    const kv = monitoring.kvCacheAlertThreshold;
    if (kv !== undefined && !(kv > 0 && kv <= 1)) issues.add(`expected a fraction above 0 and at most 1, got ${kv}`, 'e.g. 0.95', 'monitoring.kvCacheAlertThreshold');
    const queue = monitoring.queueAlertThreshold;
    if (queue !== undefined && !(Number.isInteger(queue) && queue >= 0)) issues.add(`expected a whole number, got ${queue}`, 'e.g. 10', 'monitoring.queueAlertThreshold');
    if (monitoring.scrapeInterval !== undefined && !/^\d+(ms|s|m|h)$/.test(monitoring.scrapeInterval)) {
      issues.add(`'${monitoring.scrapeInterval}' is not a Prometheus duration`, 'e.g. 30s', 'monitoring.scrapeInterval');
    }
    issues.throwIfAny(this.node.path);
    // The app-wide checks at synth (one object per name, object sizes) also run for an app of models only.
    onSynth(this, () => []);
    const p = plan!;
    const ns = namespace!;

    this.props = props;
    this.name = p.name;
    this.environment = p.environment;
    this.namespace = ns;
    this.serviceName = p.serviceName;
    this.servedModelName = p.servedModelName;
    this.modelSource = p.model;
    this.url = `http://${p.serviceName}.${ns}.svc.cluster.local:${VLLM_PORT}`;
    this.image = p.image;
    this.args = p.args;
    this.gpusPerPod = p.gpus;
    this.nodes = p.multiNode?.nodes ?? 1;
    this.replicas = p.autoscaling ? p.autoscaling.minReplicas : p.replicas;
    this.maxReplicas = p.maxReplicas;
    this.scalesToZero = p.autoscaling?.minReplicas === 0;
    this.startupBudgetSeconds = p.startupBudgetSeconds;
    this.adapters = props.loraAdapters ? servedAdapters(props.loraAdapters) : undefined;
    this.apiKey = props.apiKey;
    this.contextLength = props.maxModelLen;
    this.podSelectorLabels = selectorLabels({ name: 'vllm', instance: p.serviceName, component: 'model-server' });
    const labels = {
      ...standardLabels({ name: 'vllm', instance: p.serviceName, component: 'model-server', version: p.version }),
      environment: p.environment,
    };

    const pod = props.pod ?? {};
    kube(k8s.KubeServiceAccount, this, 'ServiceAccount', {
      metadata: { name: p.serviceName, labels, annotations: pod.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });

    const configMapName = Object.keys(p.configFiles).length > 0
      ? `${p.serviceName}-config-${sha256(JSON.stringify(p.configFiles)).slice(0, 8)}`
      : undefined;
    if (configMapName) {
      kube(k8s.KubeConfigMap, this, 'Config', { metadata: { name: configMapName, labels }, immutable: true, data: p.configFiles });
    }
    if (p.cache.kind === 'pvc' && p.cache.create) {
      kube(k8s.KubePersistentVolumeClaim, this, 'Cache', { metadata: { name: p.cache.claimName, labels }, spec: p.cache.create });
    }

    const template = (role: PodRole): k8s.PodTemplateSpec => ({
      metadata: { labels: { ...pod.podLabels, ...labels }, annotations: pod.podAnnotations },
      spec: {
        serviceAccountName: p.serviceName,
        ...podFields(pod),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(1001, 0),
        runtimeClassName: props.runtimeClassName,
        nodeSelector: place.nodeSelector,
        affinity: place.affinity,
        tolerations: place.tolerations,
        terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
        initContainers: this.initContainers(p),
        containers: [this.container(p, configMapName !== undefined, role)],
        volumes: [...volumes(p, configMapName), ...(pod.volumes ?? []).map(toK8sVolume)],
      },
    });
    const mn = p.multiNode;
    if (mn) {
      this.leaderWorkerSet = new LeaderWorkerSet(this, 'Resource', {
        metadata: { name: mn.name, labels },
        spec: {
          replicas: p.replicas,
          leaderWorkerTemplate: {
            size: mn.nodes,
            restartPolicy: 'RecreateGroupOnPodRestart',
            leaderTemplate: template('leader'),
            workerTemplate: template('worker'),
          },
          // Set explicitly (the webhook's defaults are the same without surge): whole groups roll, one at a time.
          rolloutStrategy: { type: 'RollingUpdate', rollingUpdateConfiguration: { maxSurge: mn.surgeGroups, maxUnavailable: 1, partition: 0 } },
          startupPolicy: 'LeaderCreated',
          networkConfig: { subdomainPolicy: 'Shared' },
        },
      });
    } else {
      this.deployment = kube(k8s.KubeDeployment, this, 'Resource', {
        metadata: { name: p.serviceName, labels },
        spec: {
          // KEDA owns the count of an autoscaled model: a replicas field here would reset it on every apply.
          replicas: p.autoscaling ? undefined : p.replicas,
          strategy: p.strategy,
          progressDeadlineSeconds: p.progressDeadlineSeconds,
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.podSelectorLabels },
          template: template('server'),
        },
      });
    }

    const monitored = monitoring.enabled !== false;
    const monitoringGroup = monitoringGroupName(monitoring.labels ?? {}, monitoring.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL);
    this.service = kube(k8s.KubeService, this, 'Service', {
      // The namespace's shared ServiceMonitor selects the Services of its models by a label of ours: Argo CD's
      // label tracking rewrites app.kubernetes.io/instance on top-level objects.
      metadata: {
        name: p.serviceName,
        labels: monitored ? { ...labels, [MONITORING_LABEL]: monitoringGroup } : labels,
      },
      spec: {
        // A multi-node model serves from its group leaders only; the workers run no API server.
        selector: mn ? leaderSelector(this.podSelectorLabels) : this.podSelectorLabels,
        ports: [{ name: 'http', port: VLLM_PORT, targetPort: k8s.IntOrString.fromString('http') }],
      },
    });

    this.ingress = [];
    this.networkPolicy = kube(k8s.KubeNetworkPolicy, this, 'NetworkPolicy', {
      metadata: { name: p.serviceName, labels },
      spec: {
        podSelector: { matchLabels: this.podSelectorLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: this.ingress,
        egress: [
          dnsEgressRule(ClusterDns.of(this, props.dns)),
          // Weights come from the Hugging Face Hub (and its CDN) over HTTPS unless offline.
          ...(p.offline ? [] : [internetEgressRule([443])]),
          ...mirrorEgress(p.mirror, ns),
        ],
      },
    });
    // The pods of one group reach each other (NCCL, torch.distributed), and nothing else reaches them that way.
    for (let g = 0; g < (mn ? p.replicas + mn.surgeGroups : 0); g++) {
      kube(k8s.KubeNetworkPolicy, this, `GroupNetworkPolicy${g}`, {
        metadata: { name: `${p.serviceName}-group-${g}`, labels },
        spec: groupNetworkPolicySpec(this.podSelectorLabels, g),
      });
    }
    const from = props.allowedFrom;
    if (from?.namespaces?.includes('*')) this.addPeer({ namespaceSelector: {} });
    for (const n of from?.namespaces?.filter((x) => x !== '*') ?? []) this.addPeer(namespacePeer(n));
    if (from?.podLabels && Object.keys(from.podLabels).length > 0) this.addPeer({ podSelector: { matchLabels: { ...from.podLabels } } });
    for (const key of from?.namespaceLabels ?? []) this.addPeer({ namespaceSelector: { matchExpressions: [{ key, operator: 'Exists' }] } });

    if (monitored) this.monitoring(p, ns);

    if (p.autoscaling) {
      // KEDA's operator queries Prometheus, not the pods: the NetworkPolicy needs no rule for it.
      const triggers = triggersOf(p.autoscaling.spec, { namespace: ns, serviceName: p.serviceName, servedModelName: p.servedModelName });
      this.scaledObject = new KedaScaledObject(this, 'ScaledObject', {
        metadata: { name: p.serviceName, labels },
        spec: scaledObjectSpec(p.autoscaling, triggers, p.serviceName),
      });
    }
    if (p.disruptionBudget) {
      this.podDisruptionBudget = kube(k8s.KubePodDisruptionBudget, this, 'DisruptionBudget', {
        metadata: { name: p.serviceName, labels },
        spec: {
          selector: { matchLabels: this.podSelectorLabels },
          maxUnavailable: k8s.IntOrString.fromNumber(p.disruptionBudget.maxUnavailable),
          // A pod that is still loading (or crash looping) is not serving: evicting it costs nothing, and
          // counting it would block a drain until it became ready.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    // Capacity counts the most pods the model can run: maxReplicas when autoscaled, plus the surge pod.
    // A multi-node model places whole groups: `nodes` pods on different nodes, with their GPUs free at once.
    pool?._place(() => (mn
      ? {
        model: this.node.path,
        pods: (p.replicas + mn.surgeGroups) * mn.nodes,
        gpusPerPod: p.gpus,
        surgePods: mn.surgeGroups * mn.nodes,
        podsPerGroup: mn.nodes,
      }
      : { model: this.node.path, pods: p.maxReplicas + p.surgePods, gpusPerPod: p.gpus, surgePods: p.surgePods }));
  }

  /**
   * Admits the peer's pods to port 8000.
   * @param peer the client pods (a LlamaStack, or `NetworkPeer.pods(...)`)
   */
  public allowFrom(peer: INetworkPeer): void {
    this.addPeer(peerOf(peer, this.namespace));
  }

  /**
   * This model as a Llama Stack inference provider: `remote::vllm` at the Service URL + `/v1`, the API key
   * from its Secret, the model registered under its served name, and this model itself, so the stack's
   * egress goes to this model's pods and this model's NetworkPolicy admits the stack.
   */
  public asInferenceProvider(options?: InferenceProviderOptions): ProviderSpec {
    const type = options?.modelType ?? 'llm';
    const runner = this.props.runner ?? 'auto';
    if ((type === 'embedding' && runner === 'generate') || (type === 'llm' && runner === 'pooling')) {
      throw new ValidationError(this.node.path, [{
        path: 'asInferenceProvider.modelType',
        message: `a ${type} model cannot be served by runner '${runner}' (vLLM serves ${runner === 'pooling' ? '/v1/embeddings, not chat completions' : 'generation, not /v1/embeddings'})`,
        hint: type === 'embedding' ? 'set runner: \'pooling\' on the model' : 'register it with modelType: \'embedding\'',
      }]);
    }
    return InferenceProvider.fromModelServer(this, { ...options, id: options?.id ?? this.name });
  }

  /** Ingress peers are kept sorted and unique, so the order clients are created in does not matter. */
  private addPeer(peer: k8s.NetworkPolicyPeer): void {
    this.peers.set(JSON.stringify(peer), peer);
    const sorted = [...this.peers.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, v]) => v);
    // An ingress rule without peers would admit everyone; with none the policy admits no one.
    this.ingress.splice(0, this.ingress.length, { from: sorted, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(VLLM_PORT) }] });
  }

  /** The `lora-download` init container of adapters pinned to a commit, if any. */
  private initContainers(p: VllmPlan): k8s.Container[] | undefined {
    const download = loraDownloadContainer(this.props, {
      image: p.image,
      env: p.env,
      securityContext: containerSecurityContext(),
      volumeMounts: [{ name: 'home', mountPath: HOME_DIR }, { name: 'tmp', mountPath: '/tmp' }, { name: 'cache', mountPath: CACHE_DIR }],
    });
    return download ? [download] : undefined;
  }

  private container(p: VllmPlan, hasConfig: boolean, role: PodRole): k8s.Container {
    const probe = (extra: Partial<k8s.Probe>): k8s.Probe => ({ httpGet: { path: this.healthPath, port: k8s.IntOrString.fromString('http') }, ...extra });
    // A headless worker runs no API server: nothing listens on 8000, so it has no port, probes or drain wait. The
    // leader's probes cover the group (its engine waits for the workers), and a worker that dies recreates the group.
    const serves = role !== 'worker';
    return {
      name: 'vllm',
      image: p.image,
      command: ['vllm', 'serve'],
      args: serves ? p.args : p.multiNode!.workerArgs,
      ports: serves ? [{ name: 'http', containerPort: VLLM_PORT }] : undefined,
      env: p.env,
      resources: p.resources,
      securityContext: containerSecurityContext(),
      // The port only listens once the model is loaded: the startup probe carries the whole load.
      startupProbe: serves ? probe(p.startupProbe) : undefined,
      // Every 10 s, unready after 3 failures (Kubernetes' defaults).
      readinessProbe: serves ? probe({ timeoutSeconds: 5 }) : undefined,
      // Lenient: a restart reloads the whole model, and /health is slow when the event loop is busy (3 failures).
      livenessProbe: serves ? probe({ periodSeconds: 30, timeoutSeconds: 10 }) : undefined,
      lifecycle: serves ? { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } } : undefined,
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [
        { name: 'shm', mountPath: '/dev/shm' },
        { name: 'home', mountPath: HOME_DIR },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'cache', mountPath: CACHE_DIR, readOnly: p.cache.kind === 'pvc' && p.cache.readOnly ? true : undefined },
        ...(hasConfig ? [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }] : []),
        ...(this.props.pod?.volumeMounts ?? []),
      ],
      envFrom: this.props.pod?.envFrom,
    };
  }

  /** Registers the model with its namespace's shared monitoring, and admits Prometheus to /metrics. */
  private monitoring(p: VllmPlan, namespace: string): void {
    const m = this.props.monitoring ?? {};
    registerMonitoring(this, {
      model: {
        namespace,
        serviceName: p.serviceName,
        // A LeaderWorkerSet's pods: `<svc>-lws-<group>` (leaders) and `<svc>-lws-<group>-<index>` (workers).
        podNameSuffix: p.multiNode ? podNamePattern(leaderWorkerSetName(p.serviceName)).slice(p.serviceName.length) : undefined,
        servedModelName: p.servedModelName,
        environment: p.environment,
        gpuResource: p.gpuResource,
        startupBudgetSeconds: p.startupBudgetSeconds,
        queueAlertThreshold: m.queueAlertThreshold ?? 10,
        kvCacheAlertThreshold: m.kvCacheAlertThreshold ?? 0.95,
      },
      labels: m.labels ?? {},
      scrapeInterval: m.scrapeInterval ?? DEFAULT_SCRAPE_INTERVAL,
      dashboard: m.dashboard !== false,
      annotations: () => annotationsOf(this.service),
    });
    this.addPeer({
      namespaceSelector: namespacePeer(m.prometheusNamespace ?? 'monitoring').namespaceSelector,
      podSelector: { matchLabels: { ...(m.prometheusPodLabels ?? { 'app.kubernetes.io/name': 'prometheus' }) } },
    });
  }
}

/**
 * The containers' part of Pod Security Standards "restricted": no privilege escalation, every capability
 * dropped. The pod's security context sets runAsNonRoot and the RuntimeDefault seccomp profile for all of
 * them, and the root file system stays writable (Kubernetes' default: vLLM's image writes under it).
 * Image pulls are left to Kubernetes' default too, IfNotPresent, as every image is pinned (never `latest`).
 */
function containerSecurityContext(): k8s.SecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}

/**
 * An object's annotations as they are now. ApiObjectMetadata has no getter for them and its toJson resolves
 * every field (a tenth of a 1000-model synth), so the map it keeps is read when it is there.
 */
function annotationsOf(obj: ApiObject): Record<string, string> | undefined {
  const kept = (obj.metadata as unknown as { annotations?: unknown }).annotations;
  return kept !== null && typeof kept === 'object' ? kept as Record<string, string> : obj.metadata.toJson().annotations;
}

/** `server`: a Deployment's pod; `leader` and `worker`: the pods of a multi-node group. */
type PodRole = 'server' | 'leader' | 'worker';

/** A mirror in the cluster or on a private address gets its own rule; a public one is covered by 443. */
function mirrorEgress(mirror: VllmPlan['mirror'], namespace: string): k8s.NetworkPolicyEgressRule[] {
  if (mirror === undefined) return [];
  const where = classifyHost(mirror.host);
  if (where.kind === 'service') return egressRules([{ peer: namespacePeer(where.namespace ?? namespace), port: mirror.port }]);
  if (where.kind === 'ip' && where.private) return egressRules([{ peer: { ipBlock: { cidr: where.cidr } }, port: mirror.port }]);
  return mirror.port === 443 ? [] : [internetEgressRule([mirror.port])];
}

function volumes(p: VllmPlan, configMapName: string | undefined): k8s.Volume[] {
  const out: k8s.Volume[] = [
    // NCCL and PyTorch need more shared memory than the runtime's 64Mi; it counts against the memory limit.
    { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(p.sharedMemorySize) } },
    { name: 'home', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
    p.cache.kind === 'pvc'
      ? { name: 'cache', persistentVolumeClaim: { claimName: p.cache.claimName, readOnly: p.cache.readOnly ? true : undefined } }
      : { name: 'cache', emptyDir: {} },
  ];
  if (configMapName) {
    const items = [];
    if (p.configFiles[CHAT_TEMPLATE_KEY] !== undefined) items.push({ key: CHAT_TEMPLATE_KEY, path: CHAT_TEMPLATE_KEY });
    if (p.configFiles[GENERATION_CONFIG_KEY] !== undefined) items.push({ key: GENERATION_CONFIG_KEY, path: `generation/${GENERATION_CONFIG_KEY}` });
    out.push({ name: 'config', configMap: { name: configMapName, items } });
  }
  return out;
}
