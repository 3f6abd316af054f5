import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { caBundlePieces, COMBINED_CA_DIR, COMBINED_CA_FILE } from './ca-bundle';
import { DistributionManifest, distributionFromProps, propsFromDistribution, V1ALPHA1, V1ALPHA2 } from './interop';
import { ingressPeers } from './networking';
import { CACHE_DIR, CONFIG_DIR, planStack, StackPlan, TLS_DIR } from './plan';
import { LlamaStackProps } from './props';
import { LLAMA_STACK_PROPS_SHAPE } from './shape';
import { stackAlertRules } from './telemetry';
import { DEFAULT_DATA_DIR, defaultSpread, hpaMetrics, intOrString, mergedResources, pdbValues } from './workload';
import { propEnv } from '../config/env';
import { GeneratedConfig } from '../config/generate';
import { SecretKeyRef } from '../config/types';
import { ClusterDns } from '../core/dns';
import { IssueCollector, ValidationError } from '../core/errors';
import { parseImage } from '../core/images';
import { k8s, kube } from '../core/k8s';
import { toK8sEnvVar, toK8sVolume } from '../core/kube-types';
import { standardLabels, selectorLabels } from '../core/labels';
import { INetworkPeer } from '../core/model-server';
import { podFields } from '../core/pod-settings';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { checkShape } from '../core/shape';
import { namedByUrl, onSynth, reportWarnings } from '../core/synth';
import { SynthWarning } from '../core/warnings';
import { ExternalProviderPod, externalProviderPod } from '../external-provider/pod';

const UID = 1001;
/** Group 0: the distribution images make /.llama and /.cache group-0 writable. */
const GID = 0;

/**
 * A Llama Stack server: ServiceAccount, immutable hashed ConfigMap with the generated `config.yaml`,
 * Deployment, Service and NetworkPolicy. All props are validated at construction; any problem throws a
 * `ValidationError` that lists every issue with its field path, and nothing is emitted.
 *
 * @example
 * new LlamaStack(chart, 'stack', {
 *   distribution: { name: 'starter' },
 *   providers: {
 *     inference: [{ id: 'openai', provider: 'openai', apiKey: { name: 'openai', key: 'api-key' } }],
 *   },
 *   networking: { allowInternetEgress: true },
 * });
 */
export class LlamaStack extends Construct implements INetworkPeer {
  /**
   * Context key for a map of distribution name -> image (e.g. a mirror registry), like the operator's
   * image-overrides: `app.node.setContext(LlamaStack.IMAGE_OVERRIDES_CONTEXT, { starter: 'mirror/...:0.7.1' })`.
   */
  public static readonly IMAGE_OVERRIDES_CONTEXT = 'cdk8s-llama-stack/imageOverrides';

  /**
   * A stack from a LlamaStackDistribution custom resource of the llama-stack-k8s-operator
   * (`llamastack.io/v1alpha1` as shipped, or the `v1alpha2` design), given as YAML text (or JSON).
   * Every field is mapped to props (see docs/migrating-from-the-operator.md); a field that cannot be is
   * an error naming it. The CR's name becomes the stack's name.
   * @param manifest the CR as YAML text (one document)
   */
  public static fromDistributionManifest(scope: Construct, id: string, manifest: string): LlamaStack {
    return LlamaStack.fromConverted(scope, id, LlamaStack.convert(manifest, 'text', Chart.of(scope).namespace, `${scope.node.path}/${id}`, true));
  }

  /**
   * Like `fromDistributionManifest`, from the CR as an object (parsed YAML or JSON, or what the Kubernetes
   * API returned).
   * @param manifest the CR object (`apiVersion`, `kind`, `metadata`, `spec`)
   */
  public static fromDistributionManifestObject(scope: Construct, id: string, manifest: { [key: string]: any }): LlamaStack {
    return LlamaStack.fromConverted(scope, id, LlamaStack.convert(manifest, 'object', Chart.of(scope).namespace, `${scope.node.path}/${id}`, true));
  }

  /**
   * The props a LlamaStackDistribution CR maps to, without creating a stack: to adjust them (say, add
   * `networking.allowInternetEgress`) before `new LlamaStack(...)`. Unmappable fields throw a ValidationError.
   * @param manifest the CR as YAML text (one document)
   * @param namespace the namespace the stack will be in (for CR fields that name ConfigMap namespaces)
   */
  public static propsFromDistributionManifest(manifest: string, namespace?: string): LlamaStackProps {
    return LlamaStack.convert(manifest, 'text', namespace, 'LlamaStackDistribution', namespace !== undefined).props;
  }

  /**
   * Like `propsFromDistributionManifest`, from the CR as an object (parsed YAML or JSON).
   * @param manifest the CR object (`apiVersion`, `kind`, `metadata`, `spec`)
   * @param namespace the namespace the stack will be in (for CR fields that name ConfigMap namespaces)
   */
  public static propsFromDistributionManifestObject(manifest: { [key: string]: any }, namespace?: string): LlamaStackProps {
    return LlamaStack.convert(manifest, 'object', namespace, 'LlamaStackDistribution', namespace !== undefined).props;
  }

  private static fromConverted(scope: Construct, id: string, converted: { props: LlamaStackProps; apiVersion: string }): LlamaStack {
    let stack: LlamaStack;
    try {
      stack = new LlamaStack(scope, id, converted.props);
    } catch (err) {
      // Say that the paths are props paths, which docs/migrating-from-the-operator.md maps to CR fields.
      if (err instanceof ValidationError) throw new ValidationError(`${err.scope} (from a ${converted.apiVersion} CR; paths are LlamaStack props)`, err.issues);
      throw err;
    }
    stack.sourceApiVersion = converted.apiVersion;
    return stack;
  }

  private static convert(
    manifest: unknown, form: 'text' | 'object', namespace: string | undefined, scope: string, checkNamespace: boolean,
  ): { props: LlamaStackProps; apiVersion: string } {
    const issues = new IssueCollector();
    // One form per method (jsii has no unions): say which method takes the other form.
    if (form === 'text' && typeof manifest !== 'string') {
      issues.add('expected the CR as YAML text', 'pass a parsed object to fromDistributionManifestObject / propsFromDistributionManifestObject', 'manifest');
      issues.throwIfAny(scope);
    }
    if (form === 'object' && typeof manifest === 'string') {
      issues.add('expected the CR as an object, got text', 'pass YAML text to fromDistributionManifest / propsFromDistributionManifest', 'manifest');
      issues.throwIfAny(scope);
    }
    const converted = propsFromDistribution(issues, manifest, namespace);
    if (checkNamespace && converted?.namespace !== undefined && converted.namespace !== namespace) {
      issues.add(
        `the CR is in namespace '${converted.namespace}' but the chart's namespace is '${namespace ?? '(none)'}'`,
        'create the stack in a Chart with that namespace, or remove metadata.namespace',
        'metadata.namespace',
      );
    }
    issues.throwIfAny(`${scope} (${converted?.apiVersion ?? 'LlamaStackDistribution'})`);
    return { props: converted!.props, apiVersion: converted!.apiVersion };
  }

  /** Base name of the emitted objects. */
  public readonly name: string;
  /** The generated config.yaml; undefined with `overrideConfig`. */
  public readonly configYaml?: string;
  /** sha256 of the config (first 8 characters are in the ConfigMap name). */
  public readonly configHash: string;
  /** Name of the ConfigMap holding config.yaml. */
  public readonly configMapName: string;
  /** The server image. */
  public readonly image: string;
  /**
   * Non-fatal findings (e.g. a base provider replaced by one of yours), printed at synth on stderr, or
   * synth errors with `strict`. The codes are listed in `WarningCode` and docs/warnings.md.
   */
  public readonly warnings: SynthWarning[];
  /** Number of providers in the config. */
  public readonly providerCount: number;
  /** Number of registered resources (models, shields, ...) in the config. */
  public readonly resourceCount: number;
  /** Server port. */
  public readonly port: number;
  /** Name of the Service. */
  public readonly serviceName: string;
  /** The namespace the stack runs in: the chart's, or `default` when the chart has none. */
  public readonly namespace: string;
  /** Labels that select the server pods (a stack is an `INetworkPeer`: model servers admit it by these). */
  public readonly podSelectorLabels: { [key: string]: string };
  /** Labels a client pod in the same namespace needs to be admitted by the NetworkPolicy. */
  public readonly clientLabels: { [key: string]: string };
  /** The Deployment (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly deployment: ApiObject;
  /** The Service (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly service: ApiObject;
  /** The NetworkPolicy (escape hatch: `addJsonPatch`, applied to the emitted JSON). */
  public readonly networkPolicy: ApiObject;
  /** The props this stack was built from (for toDistributionManifest). */
  private readonly props: LlamaStackProps;
  /** The CR version this stack came from (fromDistributionManifest), which toDistributionManifest keeps. */
  private sourceApiVersion?: string;

  constructor(scope: Construct, id: string, props: LlamaStackProps) {
    super(scope, id);
    const issues = new IssueCollector();
    if (!props || typeof props !== 'object') issues.add('props are required', 'give at least { distribution: { name: \'starter\' } }');
    else checkShape(issues, props, LLAMA_STACK_PROPS_SHAPE);
    // Everything below reads the props, so wrong types stop here.
    issues.throwIfAny(this.node.path);
    const chartNamespace = Chart.of(this).namespace;
    const planned = planStack(issues, props, {
      id,
      namespace: chartNamespace,
      imageOverrides: this.node.tryGetContext(LlamaStack.IMAGE_OVERRIDES_CONTEXT) as Record<string, string> | undefined,
      dns: ClusterDns.of(this),
    });
    issues.throwIfAny(this.node.path);
    const plan: StackPlan = planned!;
    const { name, port, serverTls, config, external } = plan;
    const workload = plan.workload;
    const tls = props.networking?.tls;
    const namespace = chartNamespace ?? 'default';

    this.name = name;
    this.port = port;
    this.namespace = namespace;
    this.image = config.image;
    this.configYaml = config.yaml;
    this.configHash = config.hash;
    this.warnings = plan.warnings.map((f) => ({ ...f, construct: this.node.path }));
    this.providerCount = config.providerCount;
    this.resourceCount = config.resourceCount;
    this.serviceName = `${name}-service`;
    this.configMapName = props.overrideConfig?.configMapName ?? `${name}-config-${config.hash.slice(0, 8)}`;
    this.clientLabels = { [`client.llamastack.io/${name}`]: 'true' };
    this.props = props;

    const version = parseImage(this.image)?.tag;
    const labelsFor = (component: string) => standardLabels({ name: 'llama-stack', instance: name, component, version });
    const selector = selectorLabels({ name: 'llama-stack', instance: name, component: 'server' });
    this.podSelectorLabels = selector;
    // The model servers the stack holds admit its pods; a server of the app named by URL is an error at synth.
    for (const server of plan.servers) server.allowFrom(this);
    onSynth(this, (ctx) => plan.serviceEndpoints.flatMap((e) => namedByUrl(ctx, e, this, namespace,
      'pass the server object: providers: { inference: [model.asInferenceProvider()] } (any IModelServer: InferenceProvider.fromModelServer(server)), and remove the URL') ?? []));
    reportWarnings(this, this.warnings, props.strict === true, props.acknowledgedWarnings ?? []);
    const w = props.workload ?? {};
    const o = w.overrides ?? {};
    const scheme = serverTls ? 'HTTPS' : 'HTTP';

    if (o.serviceAccountName === undefined) {
      kube(k8s.KubeServiceAccount, this, 'ServiceAccount', {
        metadata: { name, labels: labelsFor('server'), annotations: o.serviceAccountAnnotations },
        automountServiceAccountToken: false,
      });
    }

    if (config.yaml !== undefined) {
      kube(k8s.KubeConfigMap, this, 'Config', {
        metadata: { name: this.configMapName, labels: labelsFor('config') },
        immutable: true,
        data: { 'config.yaml': config.yaml },
      });
    }

    let providerPod: ExternalProviderPod | undefined;
    if (external && config.externalProviders) {
      providerPod = externalProviderPod({
        stackName: name,
        serverImage: config.image,
        resolved: external,
        plan: config.externalProviders,
        extraPythonPath: props.env?.PYTHONPATH,
        baseConfig: { volume: 'config', dir: CONFIG_DIR, file: `${CONFIG_DIR}/config.yaml` },
      });
      kube(k8s.KubeConfigMap, this, 'ExternalProviderScripts', {
        metadata: { name: providerPod.configMapName, labels: labelsFor('external-providers') },
        immutable: true,
        data: providerPod.configMapData,
      });
    }

    const pvcName = `${name}-pvc`;
    if (w.storage) {
      kube(k8s.KubePersistentVolumeClaim, this, 'Storage', {
        metadata: { name: pvcName, labels: labelsFor('storage') },
        spec: {
          accessModes: [w.storage.accessMode ?? 'ReadWriteOnce'],
          storageClassName: w.storage.storageClassName,
          resources: { requests: { storage: k8s.Quantity.fromString(w.storage.size ?? '10Gi') } },
        },
      });
    }

    const ca = tls?.caBundle ? caBundlePieces(tls.caBundle, config.image) : undefined;
    const env = containerEnv(port, workload.dataDir, config, props);
    if (ca) env.push({ name: 'SSL_CERT_FILE', value: COMBINED_CA_FILE }, { name: 'REQUESTS_CA_BUNDLE', value: COMBINED_CA_FILE });
    if (providerPod) withExternalProviders(env, providerPod);
    if (plan.telemetry) env.push(...plan.telemetry.env);
    env.push(...(o.env ?? []).map(toK8sEnvVar));

    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: this.configMapName, items: [{ key: 'config.yaml', path: 'config.yaml' }] } },
      w.storage
        ? { name: 'data', persistentVolumeClaim: { claimName: pvcName } }
        : { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } },
      { name: 'cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('20Gi') } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'data', mountPath: workload.dataDir },
      { name: 'cache', mountPath: CACHE_DIR },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    if (serverTls) {
      volumes.push({ name: 'tls', secret: { secretName: tls!.secretName!, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } });
      mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
    }
    if (ca) {
      volumes.push(...ca.volumes);
      mounts.push({ name: 'ca-combined', mountPath: COMBINED_CA_DIR, readOnly: true });
    }
    if (providerPod) {
      volumes.push(...providerPod.volumes);
      mounts.push(...providerPod.serverMounts);
    }
    volumes.push(...(o.volumes ?? []).map(toK8sVolume));
    mounts.push(...(o.volumeMounts ?? []));

    const spreads = w.topologySpreadConstraints ?? (workload.maxPods > 1 && !workload.pinnedToOneNode ? defaultSpread(selector) : undefined);
    this.deployment = kube(k8s.KubeDeployment, this, 'Resource', {
      metadata: { name, labels: labelsFor('server') },
      spec: {
        replicas: workload.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        strategy: workload.pinnedToOneNode
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels: { ...o.podLabels, ...labelsFor('server') },
            annotations: { ...o.podAnnotations, 'llamastack.io/config-hash': config.hash },
          },
          spec: {
            serviceAccountName: o.serviceAccountName ?? name,
            automountServiceAccountToken: false,
            // Service links would inject e.g. LLAMA_STACK_PORT=tcp://... for a Service named llama-stack.
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(UID, GID),
            terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
            nodeSelector: o.nodeSelector,
            tolerations: o.tolerations,
            affinity: o.affinity,
            ...podFields(o),
            topologySpreadConstraints: spreads,
            initContainers: ca || providerPod ? [...(ca ? [ca.init] : []), ...(providerPod?.initContainers ?? [])] : undefined,
            containers: [{
              name: 'llama-stack',
              image: config.image,
              imagePullPolicy: 'IfNotPresent',
              command: o.command,
              args: o.args,
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env,
              envFrom: o.envFrom,
              resources: containerResources(props),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: mounts,
              // A cold Python start with many providers takes a while: up to 5 minutes before liveness applies.
              startupProbe: healthProbe(port, scheme, { periodSeconds: 10, failureThreshold: 30 }),
              readinessProbe: healthProbe(port, scheme, { periodSeconds: 10, failureThreshold: 3 }),
              livenessProbe: healthProbe(port, scheme, { periodSeconds: 20, failureThreshold: 3 }),
            }],
            volumes,
          },
        },
      },
    });

    this.service = kube(k8s.KubeService, this, 'Service', {
      metadata: { name: this.serviceName, labels: labelsFor('server') },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: serverTls ? 'https' : 'http' }],
      },
    });

    if (w.autoscaling) {
      kube(k8s.KubeHorizontalPodAutoscalerV2, this, 'Autoscaler', {
        metadata: { name, labels: labelsFor('server') },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: w.autoscaling.minReplicas ?? 1,
          maxReplicas: w.autoscaling.maxReplicas,
          metrics: hpaMetrics(w.autoscaling),
        },
      });
    }

    const given = w.podDisruptionBudget && pdbValues(w.podDisruptionBudget);
    const pdb = given && (given.minAvailable !== undefined || given.maxUnavailable !== undefined) ? given
      : given || workload.maxPods > 1 ? { maxUnavailable: 1 } : undefined;
    if (pdb) {
      kube(k8s.KubePodDisruptionBudget, this, 'DisruptionBudget', {
        metadata: { name, labels: labelsFor('server') },
        spec: {
          selector: { matchLabels: selector },
          minAvailable: pdb.minAvailable !== undefined ? intOrString(pdb.minAvailable) : undefined,
          maxUnavailable: pdb.maxUnavailable !== undefined ? intOrString(pdb.maxUnavailable) : undefined,
        },
      });
    }

    const expose = plan.expose;
    if (expose) {
      kube(k8s.KubeIngress, this, 'Ingress', {
        metadata: {
          name: `${name}-ingress`,
          labels: labelsFor('server'),
          annotations: {
            ...expose.annotations,
            ...(serverTls ? { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' } : {}),
          },
        },
        spec: {
          ingressClassName: expose.ingressClassName,
          tls: expose.tlsSecretName ? [{ hosts: [expose.hostname!], secretName: expose.tlsSecretName }] : undefined,
          rules: [{
            host: expose.hostname,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: this.serviceName, port: { number: port } } } }] },
          }],
        },
      });
    }

    this.networkPolicy = kube(k8s.KubeNetworkPolicy, this, 'NetworkPolicy', {
      metadata: { name, labels: labelsFor('server') },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{
          from: ingressPeers(this.clientLabels, props, expose?.controllerNamespace),
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }],
        }],
        egress: plan.egress,
      },
    });

    if (plan.telemetry?.alerts) {
      new ApiObject(this, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name, labels: labelsFor('server') },
        spec: { groups: [{ name: `llama-stack-${name}`, rules: stackAlertRules(plan.telemetry, namespace, name) }] },
      });
    }
  }

  /**
   * The equivalent LlamaStackDistribution CR, for clusters that run the operator: `v1alpha1` when every
   * prop fits there, else `v1alpha2`. Props neither version can express are listed in `losses`.
   * @param apiVersion the version to emit
   * @default - the version the stack was converted from, if any; else v1alpha1 when representable
   */
  public toDistributionManifest(apiVersion?: string): DistributionManifest {
    const target = apiVersion ?? this.sourceApiVersion;
    if (target !== undefined && target !== V1ALPHA1 && target !== V1ALPHA2) {
      throw new ValidationError(this.node.path, [{ path: 'apiVersion', message: `unsupported apiVersion '${target}'`, hint: `use ${V1ALPHA1} or ${V1ALPHA2}` }]);
    }
    const out = distributionFromProps(this.name, Chart.of(this).namespace, this.props, target);
    if (apiVersion === V1ALPHA1 && out.apiVersion !== V1ALPHA1) {
      throw new ValidationError(this.node.path, [{
        path: 'apiVersion',
        message: 'these props need llamastack.io/v1alpha2 (providers, resources, storage, disabled, server TLS or an Ingress host)',
        hint: 'ask for llamastack.io/v1alpha2, or leave apiVersion out',
      }]);
    }
    return out;
  }

  /** In-cluster URL of the server, e.g. `http://stack-service.llm.svc.cluster.local:8321`. */
  public get url(): string {
    const ns = Chart.of(this).namespace;
    const scheme = this.props.networking?.tls?.enabled ? 'https' : 'http';
    return `${scheme}://${this.serviceName}${ns ? `.${ns}.svc.cluster.local` : ''}:${this.port}`;
  }
}

function healthProbe(port: number, scheme: string, o: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return {
    httpGet: { path: '/v1/health', port: k8s.IntOrString.fromNumber(port), scheme },
    periodSeconds: o.periodSeconds,
    failureThreshold: o.failureThreshold,
    timeoutSeconds: 5,
  };
}

function containerEnv(port: number, dataDir: string, config: GeneratedConfig, props: LlamaStackProps): k8s.EnvVar[] {
  const out: k8s.EnvVar[] = [
    { name: 'LLAMA_STACK_PORT', value: String(port) },
    { name: 'RUN_CONFIG_PATH', value: `${CONFIG_DIR}/config.yaml` },
    // The image has no user entry for our UID. HOME puts ~/.llama, where the base config keeps its SQLite
    // files, on the data volume: HOME=/ for the image's /.llama, else the PVC's mount path.
    { name: 'HOME', value: dataDir === DEFAULT_DATA_DIR ? '/' : dataDir },
    { name: 'HF_HOME', value: `${CACHE_DIR}/huggingface` },
    { name: 'XDG_CACHE_HOME', value: CACHE_DIR },
  ];
  for (const v of config.envVars) out.push(secretEnv(v.name, v.secretKeyRef));
  for (const v of config.plainEnv) out.push({ name: v.name, value: v.value });
  for (const v of propEnv(props)) out.push(v.secret ? secretEnv(v.name, v.secret) : { name: v.name, value: v.value });
  return out;
}

function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

function containerResources(props: LlamaStackProps): k8s.ResourceRequirements {
  const r = mergedResources(props.workload?.resources);
  const q = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, k8s.Quantity.fromString(m[k])]));
  return { requests: q(r.requests), limits: q(r.limits) };
}

/** The server reads the config the install step wrote (if it writes one) and imports external packages first. */
function withExternalProviders(env: k8s.EnvVar[], pod: ExternalProviderPod): void {
  const runConfig = env.findIndex((e) => e.name === 'RUN_CONFIG_PATH');
  if (runConfig >= 0 && pod.runConfigPath) env[runConfig] = { name: 'RUN_CONFIG_PATH', value: pod.runConfigPath };
  const pythonPath = env.findIndex((e) => e.name === 'PYTHONPATH');
  if (pythonPath >= 0) env[pythonPath] = { name: 'PYTHONPATH', value: [pod.pythonPath, env[pythonPath].value].filter((v) => v).join(':') };
  else env.push({ name: 'PYTHONPATH', value: pod.pythonPath });
}

