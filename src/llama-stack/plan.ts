/**
 * LlamaStack props -> a checked plan: the generated config, the workload, external providers, the model
 * servers the stack holds and the NetworkPolicy egress. The construct only emits objects from it.
 */
import { COMBINED_CA_DIR, CUSTOM_CA_DIR } from './ca-bundle';
import { checkNetworking, egressTargets, exposeSpec } from './networking';
import { LlamaStackProps } from './props';
import { planTelemetry, TelemetryPlan } from './telemetry';
import { checkWorkload, planWorkload, WorkloadPlan } from './workload';
import { propEnv } from '../config/env';
import { containerEnv, GeneratedConfig, generateInto } from '../config/generate';
import { podState, PodState } from '../config/runtime';
import { ProviderSpec } from '../config/types';
import { modelDownloads } from '../config/vector-stores';
import { checkDns, ClusterDns, dnsEgressRule } from '../core/dns';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { endpointHostKey, IModelServer, isModelServer, serviceHostKeys } from '../core/model-server';
import { classifyHost, egressRules, internetEgressRule, namespacePeer, peerOf } from '../core/network';
import { isObject } from '../core/validate';
import { Finding, WarningCode } from '../core/warnings';
import { EXTERNAL_PROVIDERS_DIR, SCRIPTS_DIR_MOUNT } from '../external-provider/pod';
import { resolveExternalProviders, ResolvedExternalProviders } from '../external-provider/resolve';

export const CONFIG_DIR = '/etc/llama-stack';
export const TLS_DIR = '/etc/llama-stack-tls';
export const CACHE_DIR = '/cache';
const MAX_STACK_NAME = 48;
/** Volume names the construct uses. */
const OWN_VOLUMES = ['config', 'data', 'cache', 'tmp', 'tls', 'ca-custom', 'ca-combined', 'external-providers', 'external-provider-scripts'];

/** Names the construct sets itself, which `env` may not override, and what to use instead. */
export const RESERVED_ENV: Record<string, string> = {
  SSL_CERT_FILE: 'use networking.tls.caBundle',
  REQUESTS_CA_BUNDLE: 'use networking.tls.caBundle',
  LLAMA_STACK_PORT: 'use networking.port',
  RUN_CONFIG_PATH: 'use overrideConfig to supply your own config.yaml',
  HOME: 'it points ~/.llama at the data volume (use workload.storage.mountPath)',
  HF_HOME: 'the Hugging Face cache lives on the cache volume',
  XDG_CACHE_HOME: 'caches live on the cache volume',
};

/** Where the stack is created. */
export interface StackContext {
  readonly id: string;
  /** The chart's namespace; undefined when it has none. */
  readonly namespace?: string;
  readonly imageOverrides?: Record<string, string>;
  /** The app-wide DNS default. */
  readonly dns: ClusterDns;
}

/** An in-cluster Service endpoint given as a URL (not a held server), for the synth-time wiring check. */
export interface ServiceEndpoint {
  readonly host: string;
  readonly port: number;
  readonly source: string;
}

export interface StackPlan {
  readonly name: string;
  readonly port: number;
  readonly serverTls: boolean;
  readonly workload: WorkloadPlan;
  readonly external?: ResolvedExternalProviders;
  readonly config: GeneratedConfig;
  /** The model servers the stack's providers hold, to be asked to admit the stack. */
  readonly servers: IModelServer[];
  /** Service endpoints named by URL, checked against the app's model servers at synth. */
  readonly serviceEndpoints: ServiceEndpoint[];
  readonly egress: k8s.NetworkPolicyEgressRule[];
  readonly expose?: ReturnType<typeof exposeSpec>;
  readonly telemetry?: TelemetryPlan;
  /** Warnings of the engine and of the plan. */
  readonly warnings: Finding[];
}

/** Every check of the props (all issues collected); undefined when any was found. */
export function planStack(issues: IssueCollector, props: LlamaStackProps, ctx: StackContext): StackPlan | undefined {
  const name = props.name ?? ctx.id;
  checkStackName(issues.at('name'), name);
  const port = props.networking?.port ?? 8321;
  const serverTls = props.networking?.tls?.enabled === true;
  const workload = planWorkload(props);
  const external = resolveExternalProviders(issues.at('externalProviders'), props.externalProviders);
  const held = heldServers(issues, props, ctx.namespace);
  const extraEnv = overrideEnv(props);
  const env = containerEnv({ env: props.env, secretEnv: props.secretEnv, extraEnv });

  const generated = generateInto(issues, {
    ...props,
    providers: held.providers,
    extraEnv,
    server: {
      port,
      workers: props.workload?.workers,
      tlsCertFile: serverTls ? `${TLS_DIR}/tls.crt` : undefined,
      tlsKeyFile: serverTls ? `${TLS_DIR}/tls.key` : undefined,
    },
    imageOverrides: ctx.imageOverrides,
    dataDir: workload.dataDir,
    external: external?.providers,
  });
  checkEnvNames(issues, props);
  checkWorkload(issues, props, {
    env: RESERVED_ENV, volumes: OWN_VOLUMES, paths: [CONFIG_DIR, CACHE_DIR, '/tmp', TLS_DIR, COMBINED_CA_DIR, CUSTOM_CA_DIR, EXTERNAL_PROVIDERS_DIR, SCRIPTS_DIR_MOUNT],
  });
  if (external) checkPythonPath(issues, props);
  if (props.overrideConfig !== undefined && props.workload?.workers !== undefined) {
    issues.add('workers has no effect with overrideConfig', 'set server.workers (and server.host: 0.0.0.0) in your config.yaml, and remove workload.workers', 'workload.workers');
  }
  checkNetworking(issues, props);
  const telemetry = planTelemetry(issues, props.telemetry, { name, namespace: ctx.namespace ?? 'default' }, [
    ...propEnv(props).map((v) => ({ name: v.name, path: v.path })),
    ...(props.workload?.overrides?.env ?? []).map((e, i) => ({ name: e?.name, path: `workload.overrides.env[${i}]` })),
  ]);
  checkDns(issues.at('networking.dns'), props.networking?.dns);
  if (generated?.config) checkPodState(issues, props, workload, podState(generated.config, env));
  for (const v of generated?.plainEnv ?? []) {
    if (env.has(v.name)) {
      const path = propEnv(props).find((p) => p.name === v.name)?.path ?? `env.${v.name}`;
      issues.add(`${v.name} is set from ${v.source}`, `remove it from env, secretEnv or workload.overrides.env and keep ${v.source}`, path);
    }
  }

  // Egress: a held server by its pods and container port; other endpoints by where their host is.
  const clientNamespace = ctx.namespace ?? 'default';
  const serviceEndpoints: ServiceEndpoint[] = [];
  const knownPeer = (host: string, p: number) => {
    const server = held.byHost.get(endpointHostKey(host, p, clientNamespace));
    return server ? { peer: peerOf(server, clientNamespace), port: server.containerPort } : undefined;
  };
  const internet = props.networking?.allowInternetEgress ?? false;
  const destinations = generated && telemetry ? { ...generated, endpoints: [...generated.endpoints, telemetry.endpoint] } : generated;
  const targets = destinations ? egressTargets(issues, destinations, internet, knownPeer, props.networking?.allowLinkLocalEgress === true) : [];
  for (const e of generated?.endpoints ?? []) {
    if (e.host !== undefined && e.port !== undefined && classifyHost(e.host).kind === 'service' && !knownPeer(e.host, e.port)) {
      serviceEndpoints.push({ host: e.host, port: e.port, source: e.source });
    }
  }
  if (issues.hasIssues || !generated) return undefined;

  const dns = props.networking?.dns instanceof ClusterDns ? props.networking.dns : ctx.dns;
  return {
    name,
    port,
    serverTls,
    workload,
    external,
    config: generated,
    servers: [...new Set(held.byHost.values())],
    serviceEndpoints,
    egress: [
      dnsEgressRule(dns),
      ...egressRules(targets.map((t) => ({ port: t.port, peer: t.peer ?? namespacePeer(clientNamespace) }))),
      ...(internet ? [internetEgressRule([443])] : []),
    ],
    expose: exposeSpec(props.networking?.expose),
    telemetry,
    warnings: [
      ...generated.warnings,
      ...(generated.config && !internet ? modelDownloads(generated.config, env) : []),
      ...ingressWithoutTls(exposeSpec(props.networking?.expose)),
    ],
  };
}

/**
 * Providers that hold a model server: each must be one, its endpoint defaults to the server's URL + `/v1`
 * and, when given, must name the server's Service. Returns the providers for the engine (endpoints filled
 * in, one-or-list form kept so paths stay the same) and the held servers by Service host.
 */
function heldServers(
  issues: IssueCollector, props: LlamaStackProps, namespace: string | undefined,
): { providers: LlamaStackProps['providers']; byHost: Map<string, IModelServer> } {
  const byHost = new Map<string, IModelServer>();
  const given = props.providers;
  if (given === undefined || given === null || typeof given !== 'object') return { providers: given, byHost };
  const withServer = (spec: ProviderSpec, path: string): ProviderSpec => {
    if (spec === null || typeof spec !== 'object' || spec.server === undefined) return spec;
    const server = spec.server;
    if (!isModelServer(server)) {
      issues.add('expected a model server', 'pass a VllmModel or another IModelServer (or build the provider with InferenceProvider.fromModelServer)', `${path}.server`);
      return spec;
    }
    if (namespace === undefined) {
      issues.add(
        `the chart has no namespace, so the model server ${server.node.path} cannot admit this stack`,
        'create the stack in a Chart with a namespace (new Chart(app, id, { namespace }))',
        `${path}.server`,
      );
    }
    const keys = serviceHostKeys(server.serviceName, server.namespace, server.port);
    for (const key of keys) byHost.set(key, server);
    if (spec.endpoint === undefined) return { ...spec, endpoint: `${server.url}/v1` };
    let url: URL | undefined;
    try {
      url = new URL(spec.endpoint);
    } catch {
      return spec; // the engine reports the malformed URL
    }
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (!keys.includes(endpointHostKey(url.hostname, port, namespace ?? 'default'))) {
      issues.add(
        `the endpoint does not name the Service of its server ${server.node.path} (${server.serviceName}.${server.namespace}.svc:${server.port})`,
        'leave endpoint out (it defaults to the server\'s URL + /v1), or remove server',
        `${path}.endpoint`,
      );
    }
    return spec;
  };
  const providers: Record<string, ProviderSpec | ProviderSpec[]> = {};
  for (const [api, value] of Object.entries(given)) {
    providers[api] = Array.isArray(value)
      ? value.map((spec, i) => withServer(spec, `providers.${api}[${i}]`))
      : withServer(value as ProviderSpec, `providers.${api}`);
  }
  return { providers, byHost };
}

/**
 * State kept per pod must not be served by several pods (each would answer from its own copy, so users see
 * conversations, files and vector stores come and go), nor SQLite be opened by two pods on a shared volume.
 */
function checkPodState(issues: IssueCollector, props: LlamaStackProps, workload: WorkloadPlan, state: PodState[]): void {
  const w = props.workload ?? {};
  const shared = w.storage !== undefined && !workload.pinnedToOneNode; // ReadWriteMany
  const workers = w.workers ?? 1;
  const why = w.autoscaling ? `autoscaling allows up to ${workload.maxPods} pods` : `replicas is ${workload.maxPods}`;
  const path = w.autoscaling ? 'workload.autoscaling.maxReplicas' : 'workload.replicas';
  for (const s of state) {
    if (workload.maxPods > 1 && (s.kind === 'memory' || (s.kind === 'directory' && !shared) || (s.kind === 'sqlite' && !shared))) {
      issues.add(`${why}, but ${s.what} (${s.where}) is kept in each pod: every pod would answer from its own copy`, `${s.fix}, or run one replica`, path);
    } else if (s.kind === 'sqlite' && shared) {
      // A rolling update surges a second pod onto the same ReadWriteMany volume.
      issues.add(
        `${s.what} (${s.where}) would be opened by several pods on the ReadWriteMany volume (${workload.maxPods > 1 ? why : 'a rolling update starts a second pod'}); SQLite's locks do not work on network file systems`,
        `${s.fix}, or use accessMode ReadWriteOnce (one pod, replaced with Recreate)`,
        'workload.storage.accessMode',
      );
    } else if (s.kind === 'memory' && workers > 1) {
      issues.add(`workers is ${workers}, but ${s.what} (${s.where}) is kept in each worker process: each would answer from its own copy`, `${s.fix}, or run one worker`, 'workload.workers');
    }
  }
}

/** An Ingress without a TLS Secret serves the API (and the keys clients send) in clear text. */
function ingressWithoutTls(expose: ReturnType<typeof exposeSpec>): Finding[] {
  if (!expose || expose.tlsSecretName !== undefined) return [];
  return [{
    code: WarningCode.INGRESS_WITHOUT_TLS,
    path: 'networking.expose',
    message: 'the Ingress has no TLS: requests, answers and the API keys clients send cross the network in clear text',
    hint: 'give expose.hostname and expose.tlsSecretName (e.g. a cert-manager Certificate\'s Secret), or acknowledge it if TLS ends in front of the Ingress',
  }];
}

/** Names (and literal values) of the override env vars; malformed entries are reported by checkWorkload. */
function overrideEnv(props: LlamaStackProps): Record<string, string | undefined> {
  const list = props.workload?.overrides?.env;
  if (!Array.isArray(list)) return {};
  return Object.fromEntries(list.filter((e) => e && typeof e.name === 'string').map((e) => [e.name, typeof e.value === 'string' ? e.value : undefined]));
}

/**
 * 48 characters at most, as in the operator (so names move between both); a letter first, since the
 * Service name `<name>-service` must be a DNS-1035 label.
 */
function checkStackName(issues: IssueCollector, name: unknown): void {
  if (typeof name !== 'string' || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    issues.add(`'${String(name)}' is not a valid name`, 'use lower-case letters, digits and \'-\', starting with a letter and ending with a letter or digit');
  } else if (name.length > MAX_STACK_NAME) {
    issues.add(`'${name}' is ${name.length} characters; at most ${MAX_STACK_NAME} are allowed`, `use a name of at most ${MAX_STACK_NAME} characters`);
  }
}

/**
 * With external providers PYTHONPATH starts with their packages: env.PYTHONPATH (a literal) is appended to
 * it; an override or Secret would replace it, so those are errors.
 */
function checkPythonPath(issues: IssueCollector, props: LlamaStackProps): void {
  if (isObject(props.secretEnv) && props.secretEnv.PYTHONPATH !== undefined) {
    issues.add('PYTHONPATH must be a literal value when external providers are used', 'give the extra paths as a string in env.PYTHONPATH; they follow the provider packages', 'secretEnv.PYTHONPATH');
  }
  const list = props.workload?.overrides?.env;
  (Array.isArray(list) ? list : []).forEach((e, i) => {
    if (e?.name === 'PYTHONPATH') {
      issues.add(
        'PYTHONPATH is set by the construct when external providers are used (their packages come first)',
        'set env.PYTHONPATH instead; its paths follow the provider packages',
        `workload.overrides.env[${i}].name`,
      );
    }
  });
}

function checkEnvNames(issues: IssueCollector, props: LlamaStackProps): void {
  for (const v of propEnv(props)) {
    if (Object.prototype.hasOwnProperty.call(RESERVED_ENV, v.name)) issues.add(`${v.name} is set by the construct`, `remove ${v.path}; ${RESERVED_ENV[v.name]}`, v.path);
  }
}
