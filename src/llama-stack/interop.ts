/**
 * Conversion between LlamaStackDistribution custom resources (llama-stack-k8s-operator: `v1alpha1` as
 * shipped, `v1alpha2` as designed in spec 002) and `LlamaStackProps`. Pure functions: no constructs.
 * Every field of a CR is either mapped or reported; nothing is dropped silently.
 */
import { ExposeSpec, ExternalProvidersSpec, LlamaStackProps, LlamaStackWorkloadProps, WorkloadOverrides } from './props';
import { pdbValues } from './workload';
import { propEnv } from '../config/env';
import { isObject } from '../config/schema';
import { ModelSpec, ProviderSpec, SecretKeyRef } from '../config/types';
import { didYouMean, IssueCollector } from '../core/errors';
import { parseYamlMapping } from '../core/yaml';
import { ExternalProvider } from '../external-provider/external-provider';

export const GROUP = 'llamastack.io';
export const KIND = 'LlamaStackDistribution';
export const V1ALPHA1 = `${GROUP}/v1alpha1`;
export const V1ALPHA2 = `${GROUP}/v1alpha2`;
const CONTAINER_NAME = 'llama-stack';

type Obj = Record<string, any>;

/**
 * Reads an object field by field; `done()` reports every field that was not read, so a CR field the
 * mapping does not know is an error naming it.
 */
class Reader {
  private readonly seen = new Set<string>();
  constructor(private readonly obj: Obj, private readonly issues: IssueCollector) {}

  public take<T = any>(key: string): T | undefined {
    this.seen.add(key);
    return this.obj[key];
  }

  /** A nested object as a Reader, or undefined (a non-object is reported). */
  public sub(key: string): Reader | undefined {
    const v = this.take(key);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.issues.add('expected an object', undefined, key);
      return undefined;
    }
    return new Reader(v, this.issues.at(key));
  }

  public at(key: string): IssueCollector {
    return this.issues.at(key);
  }

  public done(known: string[] = []): void {
    for (const key of Object.keys(this.obj)) {
      if (this.seen.has(key) || this.obj[key] === undefined) continue;
      this.issues.add(`field '${key}' cannot be mapped to LlamaStack props`, didYouMean(key, [...this.seen, ...known]) ?? 'remove it, or express it through props after the conversion', key);
    }
  }
}

export interface ConvertedDistribution {
  readonly name: string;
  readonly namespace?: string;
  readonly apiVersion: string;
  readonly props: LlamaStackProps;
}

/** Parses a CR (YAML text or object) and maps it to props; problems go to `issues` with CR field paths. */
export function propsFromDistribution(issues: IssueCollector, manifest: unknown, defaultNamespace?: string): ConvertedDistribution | undefined {
  const doc = parseYamlMapping(issues, manifest, 'a LlamaStackDistribution');
  if (!doc) return undefined;
  const root = new Reader(doc, issues);
  const apiVersion = root.take<string>('apiVersion');
  const kind = root.take<string>('kind');
  if (kind !== KIND) issues.add(`kind is '${String(kind)}', not ${KIND}`, `give a ${KIND}`, 'kind');
  if (apiVersion !== V1ALPHA1 && apiVersion !== V1ALPHA2) {
    issues.add(`unsupported apiVersion '${String(apiVersion)}'`, `use ${V1ALPHA1} or ${V1ALPHA2}`, 'apiVersion');
    return undefined;
  }
  const meta = root.sub('metadata');
  const name = meta?.take<string>('name');
  const namespace = meta?.take<string>('namespace');
  if (typeof name !== 'string') issues.add('metadata.name is required', 'give the CR a name', 'metadata.name');
  meta?.done();
  root.take('status'); // written by the operator; nothing to convert
  const spec = root.sub('spec');
  root.done();
  if (!spec) {
    issues.add('spec is required', 'give the CR a spec', 'spec');
    return undefined;
  }
  const effectiveNamespace = namespace ?? defaultNamespace;
  const props = apiVersion === V1ALPHA1 ? fromV1alpha1(spec, effectiveNamespace) : fromV1alpha2(spec, effectiveNamespace);
  return { name: name ?? '', namespace, apiVersion, props: { name, ...props } };
}

function fromV1alpha1(spec: Reader, namespace: string | undefined): LlamaStackProps {
  const workload: Record<string, any> = {};
  const networking: Record<string, any> = {};
  const overrides: Record<string, any> = {};
  let overrideConfig;
  workload.replicas = spec.take('replicas');
  const network = spec.sub('network');
  if (network) {
    const expose = network.take('exposeRoute');
    if (expose !== undefined) networking.expose = exposeOf(expose);
    const from = network.sub('allowedFrom');
    if (from) {
      networking.allowedFrom = prune({ namespaces: from.take('namespaces'), namespaceLabels: from.take('labels') });
      from.done();
    }
    network.done();
  }
  const server = spec.sub('server');
  spec.done();
  let distribution = {};
  let externalProviders: ExternalProvidersSpec | undefined;
  if (server) {
    distribution = distributionOf(server);
    const c = server.sub('containerSpec');
    if (c) {
      const cname = c.take('name');
      if (cname !== undefined && cname !== CONTAINER_NAME) c.at('name').add(`the container is always named ${CONTAINER_NAME}`, `remove containerSpec.name or set it to ${CONTAINER_NAME}`);
      networking.port = c.take('port');
      workload.resources = resourcesOf(c.take('resources'));
      overrides.env = c.take('env');
      overrides.command = c.take('command');
      overrides.args = c.take('args');
      c.done();
    }
    workload.workers = server.take('workers');
    const po = server.sub('podOverrides');
    if (po) {
      for (const f of ['serviceAccountName', 'terminationGracePeriodSeconds', 'volumes', 'volumeMounts']) overrides[f] = po.take(f);
      po.done();
    }
    Object.assign(workload, workloadCommon(server));
    const uc = server.sub('userConfig');
    if (uc) {
      overrideConfig = { configMapName: uc.take('configMapName') };
      sameNamespace(uc, 'configMapNamespace', namespace, 'the config ConfigMap');
      uc.done();
    }
    const tls = server.sub('tlsConfig');
    if (tls) {
      const ca = caBundleOf(tls, namespace);
      if (ca) networking.tls = { caBundle: ca };
      tls.done();
    }
    externalProviders = externalProvidersOf(server.sub('externalProviders'));
    server.done();
  }
  workload.overrides = prune(overrides);
  return prune({
    distribution, externalProviders, overrideConfig, networking: prune(networking), workload: normaliseReplicas(prune(workload)),
  }) as LlamaStackProps;
}

function fromV1alpha2(spec: Reader, namespace: string | undefined): LlamaStackProps {
  const distribution = spec.sub('distribution');
  const dist = distribution ? distributionFields(distribution) : {};
  distribution?.done();
  const providers = providersOf(spec);
  const resources = resourcesSpecOf(spec);
  const storage = storageOf(spec);
  const disabled = spec.take<string[]>('disabled');
  const networking: Record<string, any> = {};
  const n = spec.sub('networking');
  if (n) {
    networking.port = n.take('port');
    const tls = n.sub('tls');
    if (tls) {
      networking.tls = prune({ enabled: tls.take('enabled'), secretName: tls.take('secretName'), caBundle: caBundleOf(tls, namespace) });
      tls.done();
    }
    const expose = n.take('expose');
    if (isObject(expose)) {
      const e = new Reader(expose, n.at('expose'));
      networking.expose = prune({ enabled: e.take('enabled'), hostname: e.take('hostname') }) ?? {}; // {} means enabled
      e.done();
    } else if (expose !== undefined) {
      networking.expose = exposeOf(expose);
    }
    const from = n.sub('allowedFrom');
    if (from) {
      networking.allowedFrom = prune({ namespaces: from.take('namespaces'), namespaceLabels: from.take('labels') });
      from.done();
    }
    n.done();
  }
  let workload: Record<string, any> | undefined;
  const w = spec.sub('workload');
  if (w) {
    workload = { replicas: w.take('replicas'), workers: w.take('workers'), resources: resourcesOf(w.take('resources')), ...workloadCommon(w) };
    const o = w.sub('overrides');
    if (o) {
      const overrides: Obj = {};
      for (const f of ['serviceAccountName', 'env', 'command', 'args', 'volumes', 'volumeMounts', 'terminationGracePeriodSeconds']) overrides[f] = o.take(f);
      workload.overrides = prune(overrides);
      o.done();
    }
    w.done();
  }
  const externalProviders = externalProvidersOf(spec.sub('externalProviders'));
  const oc = spec.sub('overrideConfig');
  const overrideConfig = oc ? { configMapName: oc.take('configMapName') } : undefined;
  oc?.done();
  spec.done();
  return prune({
    distribution: dist,
    providers,
    resources,
    storage,
    disabled,
    externalProviders,
    overrideConfig,
    networking: prune(networking),
    workload: workload && normaliseReplicas(prune(workload)),
  }) as LlamaStackProps;
}

function distributionOf(server: Reader): Obj {
  const d = server.sub('distribution');
  const out = d ? distributionFields(d) : {};
  d?.done();
  return out;
}

function distributionFields(d: Reader): Obj {
  return prune({ name: d.take('name'), image: d.take('image') });
}

/** autoscaling, storage, podDisruptionBudget and topologySpreadConstraints, the same in both versions. */
function workloadCommon(r: Reader): Obj {
  const out: Obj = {};
  const a = r.sub('autoscaling');
  if (a) {
    out.autoscaling = prune({
      minReplicas: a.take('minReplicas'),
      maxReplicas: a.take('maxReplicas'),
      targetCpu: a.take('targetCPUUtilizationPercentage'),
      targetMemory: a.take('targetMemoryUtilizationPercentage'),
    });
    a.done();
  }
  const s = r.sub('storage');
  if (s) {
    // `storage: {}` means a PVC with defaults, as in the operator.
    out.storage = prune({ size: quantity(s.take('size')), mountPath: s.take('mountPath') }) ?? {};
    s.done();
  }
  const pdb = r.sub('podDisruptionBudget');
  if (pdb) {
    out.podDisruptionBudget = prune({ ...budgetOf('minAvailable', pdb.take('minAvailable')), ...budgetOf('maxUnavailable', pdb.take('maxUnavailable')) }) ?? {};
    pdb.done();
  }
  out.topologySpreadConstraints = r.take('topologySpreadConstraints');
  return out;
}

/** The operator turns replicas into the HPA floor when autoscaling is on; props keep only one of them. */
function normaliseReplicas(w: Obj | undefined): LlamaStackWorkloadProps | undefined {
  if (w?.autoscaling && w.replicas !== undefined) {
    const floor = Math.max(1, w.replicas, w.autoscaling.minReplicas ?? 1);
    const { replicas, ...rest } = w;
    return { ...rest, autoscaling: { ...w.autoscaling, minReplicas: floor } };
  }
  return w;
}

function caBundleOf(tls: Reader, namespace: string | undefined): Obj | undefined {
  const ca = tls.sub('caBundle');
  if (!ca) return undefined;
  const out = prune({ configMapName: ca.take('configMapName'), keys: ca.take('configMapKeys') });
  sameNamespace(ca, 'configMapNamespace', namespace, 'the CA bundle ConfigMap');
  ca.done();
  return out;
}

/** Pods can mount only ConfigMaps of their own namespace. */
function sameNamespace(r: Reader, key: string, namespace: string | undefined, what: string): void {
  const ns = r.take<string>(key);
  if (ns !== undefined && ns !== namespace) {
    r.at(key).add(`${what} is in namespace '${ns}', but a pod can mount ConfigMaps of its own namespace only`, `copy the ConfigMap into ${namespace ? `'${namespace}'` : "the stack's namespace"} and remove ${key}`);
  }
}

function resourcesOf(r: unknown): Obj | undefined {
  if (!isObject(r)) return undefined;
  const strings = (m: unknown) => (isObject(m) ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, quantity(v)])) : undefined);
  return prune({ requests: strings(r.requests), limits: strings(r.limits) });
}

function quantity(v: unknown): string | undefined {
  return v === undefined ? undefined : String(v);
}

/** The CR's boolean (`exposeRoute`, or a v1alpha2 `expose: true`) as an ExposeSpec; anything else is left for validation. */
function exposeOf(v: unknown): unknown {
  if (v === true) return {};
  if (v === false) return { enabled: false };
  return v;
}

/** A PDB IntOrString: a count, or `'<n>%'` as the `...Percent` prop; anything else is left for validation to report. */
function budgetOf(field: 'minAvailable' | 'maxUnavailable', v: unknown): Obj {
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return { [`${field}Percent`]: Number(v.slice(0, -1)) };
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return { [field]: Number(v) };
  return { [field]: v };
}

function secretRefOf(v: unknown): SecretKeyRef | undefined {
  if (!isObject(v)) return v as SecretKeyRef | undefined; // left for validation to report
  const inner = (isObject(v.secretKeyRef) ? v.secretKeyRef : v) as Obj;
  return { name: inner.name, key: inner.key };
}

function providersOf(spec: Reader): Obj | undefined {
  const p = spec.sub('providers');
  if (!p) return undefined;
  const out: Obj = {};
  for (const api of ['inference', 'safety', 'vectorIo', 'toolRuntime', 'files', 'fileProcessors', 'responses', 'batches', 'datasetio', 'scoring', 'eval', 'telemetry', 'agents', 'postTraining']) {
    const v = p.take(api);
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    // The CR takes one provider or a list; props take a list.
    out[api] = list.map((entry, i) => providerOf(Array.isArray(v) ? p.at(api).at(i) : p.at(api), entry));
  }
  p.done();
  return out;
}

/** The operator's external-provider sections and where they go (its `agents` and `postTraining` are gone in 0.7.1). */
const EXTERNAL_SECTIONS: Record<string, keyof ExternalProvidersSpec | { removed: string }> = {
  inference: 'inference',
  safety: 'safety',
  vectorIo: 'vectorIo',
  toolRuntime: 'toolRuntime',
  datasetIo: 'datasetio',
  scoring: 'scoring',
  eval: 'eval',
  agents: { removed: 'the agents API is responses in Llama Stack 0.7; a provider built for agents must be rebuilt for it' },
  postTraining: { removed: 'post-training was removed in Llama Stack 0.7' },
};

/** `externalProviders` of the operator (`{ providerId, image, imagePullPolicy, config }` refs) as ExternalProviders. */
function externalProvidersOf(r: Reader | undefined): ExternalProvidersSpec | undefined {
  if (!r) return undefined;
  const out: Record<string, unknown> = { volumeSizeLimit: quantity(r.take('volumeSizeLimit')) };
  for (const [section, target] of Object.entries(EXTERNAL_SECTIONS)) {
    const list = r.take<unknown[]>(section);
    if (list === undefined) continue;
    if (typeof target !== 'string') {
      r.at(section).add(target.removed, `remove externalProviders.${section}`);
    } else if (!Array.isArray(list)) {
      r.at(section).add('expected a list', undefined);
    } else {
      out[target] = list.map((entry, i) => {
        const at = r.at(section).at(i);
        if (!isObject(entry)) {
          at.add('expected { providerId, image }', undefined);
          return undefined;
        }
        const e = new Reader(entry, at);
        const provider = ExternalProvider.fromImage(prune({
          id: e.take('providerId'), image: e.take('image'), imagePullPolicy: e.take('imagePullPolicy'), config: e.take('config'),
        }) as any);
        e.done();
        return provider;
      });
    }
  }
  r.done();
  return prune(out) as ExternalProvidersSpec | undefined;
}

/** ExternalProviders as the operator's refs; metadata declared at synth time has no place there. */
function externalProvidersToCr(ext: ExternalProvidersSpec, lose: (p: string, why: string) => void): Obj | undefined {
  const back: Record<string, string> = Object.fromEntries(Object.entries(EXTERNAL_SECTIONS).filter(([, t]) => typeof t === 'string').map(([k, t]) => [t as string, k]));
  const out: Obj = { volumeSizeLimit: ext.volumeSizeLimit };
  if (ext.installResources !== undefined) lose('externalProviders.installResources', 'the operator has no resources for its install container');
  for (const [key, list] of Object.entries(ext)) {
    if (!Array.isArray(list)) continue;
    if (back[key] === undefined) {
      lose(`externalProviders.${key}`, 'the operator has no external-provider section for this API');
      continue;
    }
    out[back[key]] = (list as ExternalProvider[]).map((p, i) => {
      const o = p._options;
      if (p.declared) lose(`externalProviders.${key}[${i}]`, 'the operator reads provider metadata from the image only (declared metadata and spec files are dropped)');
      if (o.secretRefs !== undefined) lose(`externalProviders.${key}[${i}].secretRefs`, 'the operator has no secret references for external providers');
      return prune({ providerId: o.id, image: o.image, imagePullPolicy: o.imagePullPolicy, config: o.config });
    });
  }
  return prune(out);
}

function providerOf(issues: IssueCollector, entry: unknown): ProviderSpec {
  if (!isObject(entry)) return entry as ProviderSpec;
  const r = new Reader(entry, issues);
  const secretRefs = r.take('secretRefs');
  const out = prune({
    id: r.take('id'),
    provider: r.take('provider'),
    endpoint: r.take('endpoint'),
    apiKey: secretRefOf(r.take('apiKey')),
    secretRefs: isObject(secretRefs) ? Object.fromEntries(Object.entries(secretRefs).map(([k, v]) => [k, secretRefOf(v)])) : undefined,
    settings: r.take('settings'),
  });
  r.done();
  return out as ProviderSpec;
}

function resourcesSpecOf(spec: Reader): Obj | undefined {
  const r = spec.sub('resources');
  if (!r) return undefined;
  const models = r.take<unknown[]>('models');
  const shields = r.take<unknown[]>('shields');
  const out = prune({
    models: Array.isArray(models) ? models.map((m, i) => modelOf(r.at('models').at(i), m)) : models,
    tools: r.take('tools'),
    // The CR names a shield by its ID alone, or gives { id, provider, providerShieldId } as props do.
    shields: Array.isArray(shields) ? shields.map((s) => (typeof s === 'string' ? { id: s } : s)) : shields,
  });
  r.done();
  return out;
}

/** A CR model: its name alone (a string), or an object. */
function modelOf(issues: IssueCollector, m: unknown): ModelSpec {
  if (typeof m === 'string') return { name: m };
  if (!isObject(m)) return m as ModelSpec; // left for validation to report
  const r = new Reader(m, issues);
  const quantization = r.take('quantization');
  const out = prune({
    name: r.take('name'),
    provider: r.take('provider'),
    contextLength: r.take('contextLength'),
    modelType: r.take('modelType'),
    metadata: quantization !== undefined ? { quantization } : undefined,
  });
  r.done();
  return out as ModelSpec;
}

function storageOf(spec: Reader): Obj | undefined {
  const s = spec.sub('storage');
  if (!s) return undefined;
  const out: Obj = {};
  const kv = s.sub('kv');
  if (kv) {
    const type = kv.take<string>('type') ?? 'sqlite';
    const endpoint = kv.take<string>('endpoint');
    const password = kv.take('password');
    const [host, port] = typeof endpoint === 'string' ? splitHostPort(endpoint.replace(/^redis:\/\//, '')) : [undefined, undefined];
    out.kv = prune({ type, host, port, password: secretRefOf(password) });
    kv.done();
  }
  const sql = s.sub('sql');
  if (sql) {
    const type = sql.take<string>('type') ?? 'sqlite';
    if (sql.take('connectionString') !== undefined) {
      sql.at('connectionString').add(
        'a connection string held in a Secret cannot be used: Llama Stack 0.7.1 takes host, port, db, user and password separately',
        'after the conversion, give storage.sql { type: \'postgres\', host, db, user, password: { name, key } } in props',
      );
    }
    out.sql = { type };
    sql.done();
  }
  s.done();
  return out;
}

function splitHostPort(hp: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(hp);
  return m ? [m[1], Number(m[2])] : [hp, undefined];
}

/** Drops undefined members (and returns undefined for an object left empty). */
function prune<T extends Obj>(o: T): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return (Object.keys(out).length > 0 ? out : undefined) as T;
}

/* ------------------------------------------------------------------------------------------------ */

/** A CR for clusters that run the operator, and what it cannot carry. */
export interface DistributionManifest {
  /** `llamastack.io/v1alpha1` when everything fits there, else `llamastack.io/v1alpha2`. */
  readonly apiVersion: string;
  /** The LlamaStackDistribution object. */
  readonly manifest: { [key: string]: any };
  /** Props the CR cannot express, as `<prop path>: <why>`. */
  readonly losses: string[];
}

const V1ALPHA1_OVERRIDES = ['serviceAccountName', 'terminationGracePeriodSeconds', 'volumes', 'volumeMounts', 'env', 'command', 'args'];
const V1ALPHA2_OVERRIDES = V1ALPHA1_OVERRIDES;

/**
 * The props -> CR direction: `apiVersion` when given (v1alpha1 only if representable), else v1alpha1 when
 * representable, else v1alpha2; losses are listed.
 */
export function distributionFromProps(
  name: string, namespace: string | undefined, props: LlamaStackProps, apiVersion?: string,
): DistributionManifest {
  const generated = [props.providers, props.resources, props.storage, props.disabled, props.externalProviders].some((v) => v !== undefined);
  const needsV2 = apiVersion === V1ALPHA2 || generated
    || props.networking?.tls?.enabled !== undefined || props.networking?.tls?.secretName !== undefined
    || props.networking?.expose?.hostname !== undefined;
  const losses: string[] = [];
  const lose = (path: string, why: string) => losses.push(`${path}: ${why}`);
  const metadata = prune({ name, namespace });
  if (props.distribution?.baseConfig !== undefined) lose('distribution.baseConfig', 'the operator has no base-config field (use overrideConfig with a ConfigMap)');
  const n = props.networking ?? {};
  if (n.allowInternetEgress) lose('networking.allowInternetEgress', 'the operator emits no egress policy');
  if (props.telemetry !== undefined) lose('telemetry', 'the operator has no telemetry field (set the OTEL_* variables in env; it emits no alerts)');
  if (n.allowedFrom?.podLabels) lose('networking.allowedFrom.podLabels', 'the operator admits whole namespaces only');
  if (isObject(n.expose)) {
    for (const k of ['ingressClassName', 'tlsSecretName', 'annotations', 'controllerNamespace'] as const) {
      if ((n.expose as Obj)[k] !== undefined) lose(`networking.expose.${k}`, 'the operator\'s Ingress has no such setting');
    }
  }
  const w = props.workload ?? {};
  for (const k of ['storageClassName', 'accessMode'] as const) if (w.storage?.[k] !== undefined) lose(`workload.storage.${k}`, 'the operator\'s PVC has no such setting');
  const o: WorkloadOverrides = w.overrides ?? {};
  const allowed = needsV2 ? V1ALPHA2_OVERRIDES : V1ALPHA1_OVERRIDES;
  for (const k of Object.keys(o)) if ((o as Obj)[k] !== undefined && !allowed.includes(k)) lose(`workload.overrides.${k}`, 'the operator has no such pod override');
  const env = [...(o.env ?? []), ...propEnv(props).map((v) => (
    v.secret ? { name: v.name, valueFrom: { secretKeyRef: { name: v.secret.name, key: v.secret.key } } } : { name: v.name, value: v.value }))];
  const autoscaling = w.autoscaling && prune({
    minReplicas: w.autoscaling.minReplicas,
    maxReplicas: w.autoscaling.maxReplicas,
    targetCPUUtilizationPercentage: w.autoscaling.targetCpu,
    targetMemoryUtilizationPercentage: w.autoscaling.targetMemory,
  });
  const storage = w.storage && (prune({ size: w.storage.size, mountPath: w.storage.mountPath }) ?? {});
  const caBundle = n.tls?.caBundle && prune({ configMapName: n.tls.caBundle.configMapName, configMapKeys: n.tls.caBundle.keys });
  const allowedFrom = n.allowedFrom && prune({ namespaces: n.allowedFrom.namespaces, labels: n.allowedFrom.namespaceLabels });

  if (!needsV2) {
    const spec = prune({
      replicas: w.replicas,
      network: prune({ exposeRoute: exposeEnabled(n.expose), allowedFrom }),
      server: prune({
        distribution: prune({ name: props.distribution?.name, image: props.distribution?.image }),
        containerSpec: prune({
          port: n.port, resources: w.resources, env: env.length > 0 ? env : undefined, command: o.command, args: o.args,
        }),
        workers: w.workers,
        podOverrides: prune({
          serviceAccountName: o.serviceAccountName,
          terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
          volumes: o.volumes,
          volumeMounts: o.volumeMounts,
        }),
        podDisruptionBudget: w.podDisruptionBudget && (prune(pdbValues(w.podDisruptionBudget)) ?? {}),
        topologySpreadConstraints: w.topologySpreadConstraints,
        autoscaling,
        storage,
        userConfig: props.overrideConfig && { configMapName: props.overrideConfig.configMapName },
        tlsConfig: caBundle && { caBundle },
      }),
    });
    return { apiVersion: V1ALPHA1, manifest: { apiVersion: V1ALPHA1, kind: KIND, metadata, spec }, losses };
  }

  const providers = props.providers && Object.fromEntries(Object.entries(props.providers).filter(([, v]) => v !== undefined).map(([api, v]) => [
    api, (v as ProviderSpec[]).map(providerToCr),
  ]));
  const models = [
    ...providerModelsToCr(props.providers, lose),
    ...(props.resources?.models ?? []).map((m, i) => modelToCr(m, `resources.models[${i}]`, lose)),
  ];
  const resources = props.resources === undefined && models.length === 0 ? undefined : prune({
    models: models.length > 0 ? models : undefined,
    tools: props.resources?.tools,
    shields: props.resources?.shields,
  });
  const spec = prune({
    distribution: prune({ name: props.distribution?.name, image: props.distribution?.image }),
    providers,
    resources,
    storage: props.storage && storageToCr(props.storage, lose),
    disabled: props.disabled,
    externalProviders: props.externalProviders && externalProvidersToCr(props.externalProviders, lose),
    networking: prune({
      port: n.port,
      tls: n.tls && prune({ enabled: n.tls.enabled, secretName: n.tls.secretName, caBundle }),
      expose: n.expose && (prune({ enabled: n.expose.enabled, hostname: n.expose.hostname }) ?? {}),
      allowedFrom,
    }),
    workload: prune({
      replicas: w.replicas,
      workers: w.workers,
      resources: w.resources,
      autoscaling,
      storage,
      podDisruptionBudget: w.podDisruptionBudget && (prune(pdbValues(w.podDisruptionBudget)) ?? {}),
      topologySpreadConstraints: w.topologySpreadConstraints,
      overrides: prune({
        serviceAccountName: o.serviceAccountName,
        env: env.length > 0 ? env : undefined,
        command: o.command,
        args: o.args,
        volumes: o.volumes,
        volumeMounts: o.volumeMounts,
        terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
      }),
    }),
    overrideConfig: props.overrideConfig && { configMapName: props.overrideConfig.configMapName },
  });
  return { apiVersion: V1ALPHA2, manifest: { apiVersion: V1ALPHA2, kind: KIND, metadata, spec }, losses };
}

function exposeEnabled(expose: ExposeSpec | undefined): boolean | undefined {
  if (expose === undefined) return undefined;
  return expose.enabled !== false;
}

/** A held server becomes its endpoint: the CR has no notion of the object (nor of the wiring it gives). */
function providerToCr(p: ProviderSpec): Obj {
  const endpoint = p.endpoint ?? (p.server ? `${p.server.url}/v1` : undefined);
  return prune({ id: p.id, provider: p.provider, endpoint, apiKey: p.apiKey, secretRefs: p.secretRefs, settings: p.settings });
}

/** The CR has no per-provider models: they become resources.models naming their provider. */
function providerModelsToCr(providers: LlamaStackProps['providers'], lose: (p: string, why: string) => void): Obj[] {
  const out: Obj[] = [];
  for (const [api, v] of Object.entries(providers ?? {})) {
    const list: ProviderSpec[] = v ?? [];
    list.forEach((p, i) => (p.models ?? []).forEach((m, j) => {
      const provider = p.id ?? p.provider.split('::').pop()!;
      const path = `providers.${api}[${i}].models[${j}]`;
      const model = modelToCr({ ...m, provider }, path, lose);
      out.push(model);
    }));
  }
  return out;
}

function modelToCr(m: ModelSpec, path: string, lose: (p: string, why: string) => void): Obj {
  const { quantization, ...rest } = m.metadata ?? {};
  if (m.providerModelId !== undefined) lose(`${path}.providerModelId`, 'v1alpha2 models have no provider model ID');
  if (m.embeddingDimension !== undefined) lose(`${path}.embeddingDimension`, 'v1alpha2 models have no embedding dimension');
  if (Object.keys(rest).length > 0) lose(`${path}.metadata`, 'v1alpha2 models carry only quantization');
  return prune({ name: m.name, provider: m.provider, contextLength: m.contextLength, modelType: m.modelType, quantization });
}

function storageToCr(s: NonNullable<LlamaStackProps['storage']>, lose: (p: string, why: string) => void): Obj | undefined {
  const out: Obj = {};
  if (s.kv) {
    if (s.kv.type === 'postgres') lose('storage.kv', 'v1alpha2 kv storage is sqlite or redis only');
    else out.kv = prune({ type: s.kv.type, endpoint: s.kv.host ? `${s.kv.host}${s.kv.port ? `:${s.kv.port}` : ''}` : undefined });
  }
  if (s.sql) {
    if (s.sql.type === 'postgres') lose('storage.sql', 'v1alpha2 holds a postgres connection string in a Secret, which Llama Stack 0.7.1 cannot use');
    else out.sql = { type: s.sql.type };
  }
  return prune(out);
}
