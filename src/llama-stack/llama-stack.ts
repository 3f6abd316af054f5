import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { LlamaStackProps } from './props';
import { GeneratedConfig, generateInto } from '../config/generate';
import { SecretKeyRef } from '../config/types';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { standardLabels, selectorLabels } from '../core/labels';
import { checkBaseName, isDns1123Label } from '../core/names';
import {
  classifyHost, dnsEgressRule, EgressTarget, egressRules, internetEgressRule, namespacePeer,
} from '../core/network';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';

const CONFIG_DIR = '/etc/llama-stack';
const DATA_DIR = '/.llama';
const CACHE_DIR = '/cache';
const UID = 1001;
/** Group 0: the distribution images make /.llama and /.cache group-0 writable. */
const GID = 0;
const DEFAULT_RESOURCES = {
  requests: { cpu: '250m', memory: '1Gi' },
  limits: { cpu: '2', memory: '4Gi' },
};
/** Names the construct sets itself, which `env` may not override, and what to use instead. */
const RESERVED_ENV: Record<string, string> = {
  LLAMA_STACK_PORT: 'use networking.port',
  RUN_CONFIG_PATH: 'use overrideConfig to supply your own config.yaml',
  HOME: 'the server needs HOME=/ so that ~/.llama is its data volume',
  HF_HOME: 'the Hugging Face cache lives on the cache volume',
  XDG_CACHE_HOME: 'caches live on the cache volume',
};

/**
 * A Llama Stack server: ServiceAccount, immutable hashed ConfigMap with the generated `config.yaml`,
 * Deployment, Service and NetworkPolicy. All props are validated at construction; any problem throws a
 * `ValidationError` that lists every issue with its field path, and nothing is emitted.
 */
export class LlamaStack extends Construct {
  /**
   * Context key for a map of distribution name -> image (e.g. a mirror registry), like the operator's
   * image-overrides: `app.node.setContext(LlamaStack.IMAGE_OVERRIDES_CONTEXT, { starter: 'mirror/...:0.7.1' })`.
   */
  public static readonly IMAGE_OVERRIDES_CONTEXT = 'cdk8s-llama-stack/imageOverrides';

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
  /** Non-fatal findings, e.g. a base provider replaced by one of yours. */
  public readonly warnings: string[];
  /** Number of providers in the config. */
  public readonly providerCount: number;
  /** Number of registered resources (models, shields, ...) in the config. */
  public readonly resourceCount: number;
  /** Server port. */
  public readonly port: number;
  /** Name of the Service. */
  public readonly serviceName: string;
  /** Labels a client pod in the same namespace needs to be admitted by the NetworkPolicy. */
  public readonly clientLabels: { [key: string]: string };
  /** The Deployment (escape hatch). */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service (escape hatch). */
  public readonly service: k8s.KubeService;
  /** The NetworkPolicy (escape hatch). */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: LlamaStackProps) {
    super(scope, id);
    const issues = new IssueCollector();
    const name = props.name ?? id;
    checkBaseName(issues.at('name'), name, '-config-00000000');
    const port = props.networking?.port ?? 8321;
    const namespace = Chart.of(this).namespace;
    const imageOverrides = this.node.tryGetContext(LlamaStack.IMAGE_OVERRIDES_CONTEXT) as Record<string, string> | undefined;

    const generated = generateInto(issues, { ...props, server: { port, workers: props.workload?.workers }, imageOverrides, dataDir: DATA_DIR });
    checkEnvNames(issues, props.env);
    checkWorkload(issues, props);
    checkAllowedFrom(issues, props);
    const egress = generated ? egressTargets(issues, generated, props.networking?.allowInternetEgress ?? false) : [];
    issues.throwIfAny(this.node.path);
    const config = generated!;

    this.name = name;
    this.port = port;
    this.image = config.image;
    this.configYaml = config.yaml;
    this.configHash = config.hash;
    this.warnings = config.warnings;
    this.providerCount = config.providerCount;
    this.resourceCount = config.resourceCount;
    this.serviceName = `${name}-service`;
    this.configMapName = props.overrideConfig?.configMapName ?? `${name}-config-${config.hash.slice(0, 8)}`;
    this.clientLabels = { [`client.llamastack.io/${name}`]: 'true' };

    const version = this.image.includes(':') ? this.image.slice(this.image.lastIndexOf(':') + 1).split('@')[0] : undefined;
    const labelsFor = (component: string) => standardLabels({ name: 'llama-stack', instance: name, component, version });
    const selector = selectorLabels({ name: 'llama-stack', instance: name, component: 'server' });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels: labelsFor('server') },
      automountServiceAccountToken: false,
    });

    if (config.yaml !== undefined) {
      new k8s.KubeConfigMap(this, 'Config', {
        metadata: { name: this.configMapName, labels: labelsFor('config') },
        immutable: true,
        data: { 'config.yaml': config.yaml },
      });
    }

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, labels: labelsFor('server') },
      spec: {
        replicas: props.workload?.replicas ?? 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: {
            labels: labelsFor('server'),
            annotations: { 'llamastack.io/config-hash': config.hash },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            // Service links would inject e.g. LLAMA_STACK_PORT=tcp://... for a Service named llama-stack.
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(UID, GID),
            containers: [{
              name: 'llama-stack',
              image: config.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env: containerEnv(port, config, props.env),
              resources: containerResources(props),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'data', mountPath: DATA_DIR },
                { name: 'cache', mountPath: CACHE_DIR },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              // A cold Python start with many providers takes a while: up to 5 minutes before liveness applies.
              startupProbe: healthProbe(port, { periodSeconds: 10, failureThreshold: 30 }),
              readinessProbe: healthProbe(port, { periodSeconds: 10, failureThreshold: 3 }),
              livenessProbe: healthProbe(port, { periodSeconds: 20, failureThreshold: 3 }),
            }],
            volumes: [
              { name: 'config', configMap: { name: this.configMapName, items: [{ key: 'config.yaml', path: 'config.yaml' }] } },
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('10Gi') } },
              { name: 'cache', emptyDir: { sizeLimit: k8s.Quantity.fromString('20Gi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, labels: labelsFor('server') },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name, labels: labelsFor('server') },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{
          from: ingressPeers(this.clientLabels, props),
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }],
        }],
        egress: [
          dnsEgressRule(),
          ...egressRules(egress.map((t) => ({ ...t, peer: t.peer ?? namespacePeer(namespace ?? 'default') }))),
          ...(props.networking?.allowInternetEgress ? [internetEgressRule([443])] : []),
        ],
      },
    });
  }

  /** In-cluster URL of the server, e.g. `http://stack-service.llm.svc.cluster.local:8321`. */
  public get url(): string {
    const ns = Chart.of(this).namespace;
    return `http://${this.serviceName}${ns ? `.${ns}.svc.cluster.local` : ''}:${this.port}`;
  }
}

function healthProbe(port: number, o: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return {
    httpGet: { path: '/v1/health', port: k8s.IntOrString.fromNumber(port), scheme: 'HTTP' },
    periodSeconds: o.periodSeconds,
    failureThreshold: o.failureThreshold,
    timeoutSeconds: 5,
  };
}

function containerEnv(port: number, config: GeneratedConfig, env: LlamaStackProps['env']): k8s.EnvVar[] {
  const out: k8s.EnvVar[] = [
    { name: 'LLAMA_STACK_PORT', value: String(port) },
    { name: 'RUN_CONFIG_PATH', value: `${CONFIG_DIR}/config.yaml` },
    // The image has no user entry for our UID; HOME=/ makes ~/.llama the image's /.llama (our data volume).
    { name: 'HOME', value: '/' },
    { name: 'HF_HOME', value: `${CACHE_DIR}/huggingface` },
    { name: 'XDG_CACHE_HOME', value: CACHE_DIR },
  ];
  for (const v of config.envVars) out.push(secretEnv(v.name, v.secretKeyRef));
  for (const name of Object.keys(env ?? {}).sort()) {
    const value = env![name];
    out.push(typeof value === 'string' ? { name, value } : secretEnv(name, value));
  }
  return out;
}

function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

function containerResources(props: LlamaStackProps): k8s.ResourceRequirements {
  const r = props.workload?.resources;
  const q = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, k8s.Quantity.fromString(m[k])]));
  return {
    requests: q(r?.requests ?? DEFAULT_RESOURCES.requests),
    limits: q(r?.limits ?? DEFAULT_RESOURCES.limits),
  };
}

function ingressPeers(clientLabels: Record<string, string>, props: LlamaStackProps): k8s.NetworkPolicyPeer[] {
  const peers: k8s.NetworkPolicyPeer[] = [{ podSelector: { matchLabels: clientLabels } }];
  const from = props.networking?.allowedFrom;
  if (from?.podLabels && Object.keys(from.podLabels).length > 0) peers.push({ podSelector: { matchLabels: { ...from.podLabels } } });
  for (const ns of [...(from?.namespaces ?? [])].sort()) peers.push(namespacePeer(ns));
  return peers;
}

type Target = Omit<EgressTarget, 'peer'> & { peer?: k8s.NetworkPolicyPeer };

/**
 * Egress the providers and storage need, derived from their endpoints: in-cluster Services and private
 * IPs get a rule each; anything outside the cluster needs `allowInternetEgress`, which opens TCP 443.
 */
function egressTargets(issues: IssueCollector, config: GeneratedConfig, internet: boolean): Target[] {
  const out: Target[] = [];
  const fix = 'set networking.allowInternetEgress: true for a hosted service, or, for a Service in the cluster, write its host as <service>.<namespace>.svc';
  for (const e of config.endpoints) {
    const where = e.host === undefined ? { kind: 'external' as const } : classifyHost(e.host);
    if (where.kind === 'service') {
      out.push({ port: e.port!, peer: where.namespace ? namespacePeer(where.namespace) : { podSelector: {} } });
    } else if (where.kind === 'ip' && where.private) {
      out.push({ port: e.port!, peer: { ipBlock: { cidr: where.cidr } } });
    } else if (!internet) {
      const what = e.host === undefined ? e.note! : `'${e.host}' is outside the cluster`;
      issues.add(`${what}, and egress there is blocked by the stack's NetworkPolicy`, fix, e.source);
    } else if (e.port !== undefined && e.port !== 443) {
      issues.add(`'${e.host}' is outside the cluster on port ${e.port}; allowInternetEgress opens TCP 443 only`, 'use an https endpoint on port 443', e.source);
    }
  }
  return out;
}

function checkEnvNames(issues: IssueCollector, env: LlamaStackProps['env']): void {
  for (const name of Object.keys(env ?? {})) {
    if (name in RESERVED_ENV) issues.add(`${name} is set by the construct`, `remove it from env; ${RESERVED_ENV[name]}`, `env.${name}`);
  }
}

function checkWorkload(issues: IssueCollector, props: LlamaStackProps): void {
  const at = issues.at('workload');
  const replicas = props.workload?.replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) at.add(`replicas must be an integer >= 0, got ${replicas}`, 'e.g. 2', 'replicas');
  const r = props.workload?.resources;
  for (const kind of ['requests', 'limits'] as const) {
    for (const [res, value] of Object.entries(r?.[kind] ?? {})) {
      if (!/^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/.test(String(value))) {
        at.add(`'${value}' is not a Kubernetes quantity`, 'e.g. 500m, 2, 1Gi', `resources.${kind}.${res}`);
      }
    }
  }
}

function checkAllowedFrom(issues: IssueCollector, props: LlamaStackProps): void {
  const at = issues.at('networking.allowedFrom');
  (props.networking?.allowedFrom?.namespaces ?? []).forEach((ns, i) => {
    if (!isDns1123Label(ns)) at.add(`'${ns}' is not a valid namespace name`, 'use a DNS-1123 label', `namespaces[${i}]`);
  });
}
