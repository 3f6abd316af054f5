import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { diffEnvironments, PlatformDifference } from './diff';
import {
  application, checkEnvironments, modelOptionsFor, quotaProblems, renameSecrets, stackPropsFor, syncMode, unknownOverrideNames, WAVES,
} from './environment';
import { EnvironmentSpec, ModelPlatformProps, PlatformStackProps } from './props';
import { ProviderSpec } from '../config/types';
import { IssueCollector, ValidationError, ValidationIssue } from '../core/errors';
import { k8s, kube } from '../core/k8s';
import { standardLabels } from '../core/labels';
import { isDns1123Label } from '../core/names';
import { compareStrings } from '../core/order';
import { checkShape, Shape } from '../core/shape';
import { onSynth } from '../core/synth';
import { sha256 } from '../core/yaml';
import { LlamaStack } from '../llama-stack/llama-stack';
import { LLAMA_STACK_PROPS_SHAPE } from '../llama-stack/shape';
import { ModelRegistry } from '../registry/model-registry';
import { ModelRegistryEntry } from '../registry/model-registry-entry';
import { REGISTRY_PROPS_SHAPE } from '../registry/validation';
import { maxReplicasOf } from '../vllm/autoscaling';
import { GpuNodePool } from '../vllm/gpu-node-pool';
import { VLLM_MODEL_PROPS_SHAPE } from '../vllm/plan';
import { VllmModelOptions } from '../vllm/props';
import { VllmModel } from '../vllm/vllm-model';

/** Options of `ModelPlatform.addModel`. */
export interface PlatformModelOptions extends VllmModelOptions {
  /**
   * Register the model in the platform's registry (when it has one).
   * @default true
   */
  readonly register?: boolean;
  /**
   * Environments where the model's registry entry is `disabled` (deployed, but the router refuses it).
   * @default - ready everywhere
   */
  readonly disabledIn?: string[];
}

/** One environment of the platform. */
interface Environment {
  readonly name: string;
  readonly spec: EnvironmentSpec;
  readonly chart: Chart;
  readonly pool?: GpuNodePool;
  readonly registry?: ModelRegistry;
  readonly models: Map<string, VllmModel>;
}

/**
 * One platform, several environments: each environment is its own chart (its own output file and
 * namespace) with the same models, stacks and registry entries, differing only in what its overrides
 * declare. Namespaces are labelled for the restricted Pod Security Standard and deny all traffic by default;
 * an optional ResourceQuota is checked against the workloads at synth time; Argo CD Applications deploy
 * each environment's file, syncing automatically or manually.
 *
 * @example
 * const platform = new ModelPlatform(app, 'llm', {
 *   environments: {
 *     staging: { namespace: 'llm-staging', overrides: { replicas: 1 } },
 *     production: { namespace: 'llm-prod', sync: 'manual' },
 *   },
 * });
 * platform.addModel('llama-8b', { model: 'meta-llama/Llama-3.1-8B-Instruct' });
 * platform.addStack('assistant', { distribution: { name: 'starter' }, models: ['llama-8b'] });
 */
export class ModelPlatform extends Construct {
  /** The charts, by environment name. */
  public readonly charts: { [environment: string]: Chart } = {};
  /** The Argo CD chart (`<id>-argocd`), when `gitops` is given. */
  public readonly argoChart?: Chart;
  private readonly envs: Environment[] = [];
  private readonly modelNames: string[] = [];
  private readonly disabledIn = new Map<string, string[]>();
  private readonly stackNames: string[] = [];

  constructor(scope: App, id: string, props: ModelPlatformProps) {
    super(scope, id);
    const issues = new IssueCollector();
    // Plain data throughout (the environments' fields are checked below, the registry's as ModelRegistry's).
    checkShape(issues, props, { obj: { environments: { map: 'json' }, gitops: 'json', registry: REGISTRY_PROPS_SHAPE } });
    issues.throwIfAny(this.node.path);
    if (!isDns1123Label(id) || id.length > 40) issues.add(`'${id}' is not a usable platform id`, 'a DNS label of at most 40 characters: it prefixes chart, file and Application names');
    checkEnvironments(issues, props?.environments);
    if (props?.gitops !== undefined && (typeof props.gitops.repoURL !== 'string' || props.gitops.repoURL.length === 0)) {
      issues.add('repoURL is required', 'the Git repository Argo CD reads the synthesized output from', 'gitops.repoURL');
    }
    issues.throwIfAny(this.node.path);

    for (const [name, spec] of Object.entries(props.environments).sort(([a], [b]) => compareStrings(a, b))) {
      const chart = new Chart(scope, `${id}-${name}`, { namespace: spec.namespace, labels: { environment: name } });
      this.charts[name] = chart;
      this.namespaceObjects(chart, name, spec);
      const pool = spec.gpuPool ? new GpuNodePool(chart, 'gpu-pool', spec.gpuPool) : undefined;
      const registry = props.registry
        ? new ModelRegistry(chart, 'registry', renameSecrets({
          ...props.registry,
          environments: Object.keys(props.environments).sort(),
          // Each environment's registry reconciles its own environment, also once its last model is gone.
          reconcile: props.registry.reconcile?.enabled === false ? props.registry.reconcile : { ...props.registry.reconcile, environments: [name] },
        }, spec.overrides?.secretNames))
        : undefined;
      if (registry) stamp(registry, undefined, name);
      this.envs.push({ name, spec, chart, pool, registry, models: new Map() });
    }

    if (props.gitops) {
      const argo = new Chart(scope, `${id}-argocd`, { namespace: props.gitops.argoNamespace ?? 'argocd' });
      this.argoChart = argo;
      for (const env of this.envs) {
        const app = application({
          platform: id,
          environment: env.name,
          namespace: env.spec.namespace,
          sync: syncMode(env.name, env.spec),
          file: `${id}-${env.name}.k8s.yaml`,
          gitops: { ...props.gitops, targetRevision: env.spec.targetRevision ?? props.gitops.targetRevision },
        });
        new ApiObject(argo, env.name, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...app });
      }
    }
    onSynth(this, () => this.validatePlatform());
  }

  /**
   * Adds a model to every environment: a `VllmModel` named `<name>-<environment>`, on the environment's
   * GPU pool, with its overrides, and its registry entry.
   * @returns the model of each environment
   */
  public addModel(modelName: string, options: PlatformModelOptions): { [environment: string]: VllmModel } {
    const name = modelName;
    this.checkName(name, this.modelNames, 'model');
    // The rest is read here, then checked by VllmModel.
    this.checkOptions(name, options, { register: 'boolean', disabledIn: { arr: 'string' } }, VLLM_MODEL_PROPS_SHAPE);
    const { register, disabledIn, ...model } = options;
    for (const env of disabledIn ?? []) {
      if (!this.envs.some((e) => e.name === env)) throw new ValidationError(this.node.path, [{ path: `models.${name}.disabledIn`, message: `no environment named '${env}'`, hint: `environments: ${this.envs.map((e) => e.name).join(', ')}` }]);
    }
    if (model.autoscaling !== undefined) {
      const overridden = this.envs.filter((e) => e.spec.overrides?.modelReplicas?.[name] !== undefined);
      if (overridden.length > 0) {
        throw new ValidationError(this.node.path, overridden.map((e) => ({
          path: `environments.${e.name}.overrides.modelReplicas.${name}`,
          message: `model '${name}' is autoscaled: KEDA owns its replica count`,
          hint: 'remove the override (autoscaling.minReplicas and maxReplicas bound the count), or remove autoscaling from the model',
        })));
      }
    }
    this.modelNames.push(name);
    // A model that can have no pods in an environment (at most 0 replicas; not one that autoscales from
    // zero, which wakes on demand) is registered disabled there: its registration would wait for a
    // /health that never answers.
    const optionsIn = (env: Environment) => modelOptionsFor(name, model, env.spec.overrides);
    const disabled = this.envs.filter((e) => disabledIn?.includes(e.name) || maxReplicasOf(optionsIn(e)) === 0).map((e) => e.name);
    this.disabledIn.set(name, disabled);
    const out: { [environment: string]: VllmModel } = {};
    for (const env of this.envs) {
      const m = new VllmModel(env.chart, name, { ...optionsIn(env), name, environment: env.name, nodePool: env.pool });
      stamp(m, WAVES.model, env.name);
      env.models.set(name, m);
      out[env.name] = m;
      if (env.registry && register !== false) {
        const status = disabled.includes(env.name) ? 'disabled' : 'ready';
        stamp(new ModelRegistryEntry(env.chart, `${name}-entry`, { registry: env.registry, model: m, status }), undefined, env.name);
        // Each LoRA adapter is routed by its own name to the same server: a row of its own.
        for (const a of m.adapters ?? []) {
          const entryName = adapterEntryName(name, a.name);
          const props = { name: entryName, registry: env.registry, model: m, adapter: a.name, status };
          stamp(new ModelRegistryEntry(env.chart, entryName, props), undefined, env.name);
        }
      }
    }
    return out;
  }

  /**
   * Adds a Llama Stack to every environment; the platform models it names in `models` become its
   * inference providers (URL, key, model registration and NetworkPolicy follow).
   * @returns the stack of each environment
   */
  public addStack(stackName: string, props: PlatformStackProps): { [environment: string]: LlamaStack } {
    const name = stackName;
    this.checkName(name, this.stackNames, 'stack');
    // The rest is read here, then checked by LlamaStack.
    this.checkOptions(name, props, { models: { arr: 'string' } }, LLAMA_STACK_PROPS_SHAPE);
    const hostnameEnvs = this.envs.filter((e) => e.spec.overrides?.hostnames?.[name] !== undefined).map((e) => e.name);
    if (hostnameEnvs.length > 0 && (props.networking?.expose === undefined || props.networking.expose.enabled === false)) {
      throw new ValidationError(`${this.node.path}/${name}`, hostnameEnvs.map((env) => ({
        path: `environments.${env}.overrides.hostnames.${name}`,
        message: 'the stack has no Ingress for a host name to go to',
        hint: 'set networking.expose on the stack (the same in every environment), then override its hostname',
      })));
    }
    const unknown = (props.models ?? []).filter((m) => !this.modelNames.includes(m));
    if (unknown.length > 0) {
      throw new ValidationError(`${this.node.path}/${name}`, unknown.map((m) => ({
        path: 'models', message: `no platform model named '${m}'`, hint: this.modelNames.length > 0 ? `models: ${this.modelNames.join(', ')}` : 'add it with addModel first',
      })));
    }
    this.stackNames.push(name);
    const out: { [environment: string]: LlamaStack } = {};
    for (const env of this.envs) {
      const stack = stackPropsFor(name, props, env.spec.overrides);
      const given = stack.providers?.inference;
      const fromModels: ProviderSpec[] = (props.models ?? []).map((m) => env.models.get(m)!.asInferenceProvider());
      const inference = [...(given === undefined ? [] : Array.isArray(given) ? given : [given]), ...fromModels];
      const s = new LlamaStack(env.chart, name, {
        ...stack,
        name,
        providers: inference.length > 0 ? { ...stack.providers, inference } : stack.providers,
      });
      stamp(s, WAVES.stack, env.name);
      out[env.name] = s;
    }
    return out;
  }

  /**
   * Every difference between two environments other than what their overrides declare (and the
   * namespace, environment name, content hashes, node pools and quotas). Empty means `to` runs the same
   * spec as `from`: promotion is safe.
   */
  public diff(from: string, to: string): PlatformDifference[] {
    const side = (name: string) => {
      const env = this.envs.find((e) => e.name === name);
      if (!env) throw new ValidationError(this.node.path, [{ path: 'diff', message: `no environment named '${name}'`, hint: `environments: ${this.envs.map((e) => e.name).join(', ')}` }]);
      return { environment: name, spec: env.spec, manifests: env.chart.toJson() };
    };
    const statusDiffers = this.modelNames.filter((m) => this.disabledIn.get(m)!.includes(from) !== this.disabledIn.get(m)!.includes(to));
    return diffEnvironments(side(from), side(to), this.modelNames, this.stackNames, statusDiffers);
  }

  /** Throws when `diff(from, to)` finds anything, listing every difference (for tests and CI). */
  public assertPromotable(from: string, to: string): void {
    const d = this.diff(from, to);
    if (d.length > 0) {
      throw new Error(`${to} differs from ${from} beyond its declared overrides:\n  ${d.map((x) => `${x.object} ${x.path}: ${x.from} -> ${x.to}`).join('\n  ')}`);
    }
  }

  /** The platform's own fields of addModel/addStack options; the others are only read (getters that throw are issues). */
  private checkOptions(name: string, options: unknown, own: Record<string, Shape>, construct: Shape): void {
    const issues = new IssueCollector();
    if (!options || typeof options !== 'object') issues.add('options are required');
    // The whole shape of what the platform reads and copies (overrides, Secret renames) before the construct does.
    else checkShape(issues, options, { obj: { ...(construct as { obj: Record<string, Shape> }).obj, ...own } });
    issues.throwIfAny(`${this.node.path}/${name}`);
  }

  private checkName(name: string, taken: string[], kind: string): void {
    const problems = [];
    if (!isDns1123Label(name)) problems.push({ path: 'name', message: `'${name}' is not a valid ${kind} name`, hint: 'a DNS label such as llama-8b' });
    if (taken.includes(name)) problems.push({ path: 'name', message: `a ${kind} named '${name}' was already added`, hint: 'give each its own name' });
    if (problems.length > 0) throw new ValidationError(`${this.node.path}/${name}`, problems);
  }

  /** The namespace (restricted Pod Security admission), default-deny policy and quota. */
  private namespaceObjects(chart: Chart, name: string, spec: EnvironmentSpec): void {
    const objects: ApiObject[] = [
      kube(k8s.KubeNamespace, chart, 'Namespace', {
        metadata: {
          name: spec.namespace,
          labels: {
            'environment': name,
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      }),
      // Nothing talks to or from a pod unless a policy of its own (derived from composition) says so.
      kube(k8s.KubeNetworkPolicy, chart, 'DefaultDeny', {
        metadata: { name: 'default-deny' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      }),
    ];
    const q = spec.quota;
    if (q && (q.gpus !== undefined || q.cpu !== undefined || q.memory !== undefined)) {
      const hard: Record<string, k8s.Quantity> = {};
      if (q.gpus !== undefined) hard[`requests.${spec.gpuPool?.gpuResource ?? 'nvidia.com/gpu'}`] = k8s.Quantity.fromString(String(q.gpus));
      if (q.cpu !== undefined) hard['requests.cpu'] = k8s.Quantity.fromString(q.cpu);
      if (q.memory !== undefined) hard['requests.memory'] = k8s.Quantity.fromString(q.memory);
      objects.push(kube(k8s.KubeResourceQuota, chart, 'Quota', { metadata: { name: 'llm-platform' }, spec: { hard } }));
    }
    for (const o of objects) {
      o.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(WAVES.namespace));
      for (const [k, v] of Object.entries(standardLabels({ name: 'model-platform', instance: this.node.id, component: 'environment' }))) o.metadata.addLabel(k, v);
    }
  }

  private validatePlatform(): ValidationIssue[] {
    const issues = new IssueCollector();
    for (const env of this.envs) {
      unknownOverrideNames(issues, env.name, env.spec.overrides, this.modelNames, this.stackNames);
      const q = env.spec.quota;
      if (q) {
        for (const p of quotaProblems(manifestsOf(env.chart), q, env.spec.gpuPool?.gpuResource ?? 'nvidia.com/gpu')) issues.add(p, 'raise the quota, or lower replicas or resources', `environments.${env.name}.quota`);
      }
    }
    return issues.issues.map((i) => ({ ...i, construct: this.node.path }));
  }
}

/** The chart's objects as JSON, without running the app's validations (which this is part of). */
function manifestsOf(chart: Chart): any[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
}

/**
 * Sets the Argo CD sync wave on every object of a construct that has none of its own, and the environment
 * label on its pod templates (chart labels reach only the objects' own metadata).
 */
function stamp(scope: IConstruct, syncWave: number | undefined, environment: string): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    if (syncWave !== undefined && c.metadata.toJson().annotations?.['argocd.argoproj.io/sync-wave'] === undefined) {
      c.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(syncWave));
    }
    const template = c.kind === 'CronJob' ? '/spec/jobTemplate/spec/template' : ['Deployment', 'StatefulSet', 'Job'].includes(c.kind) ? '/spec/template' : undefined;
    if (template) c.addJsonPatch(JsonPatch.add(`${template}/metadata/labels/environment`, environment));
  }
}

/**
 * The registry entry name of a model's LoRA adapter: `<model>-<adapter>` when the adapter's name is already a
 * DNS label that fits in 40 characters, else a lower-cased, shortened form with a hash of the name (adapter
 * names may hold upper case, `/`, `:` or `.`).
 */
export function adapterEntryName(model: string, adapter: string): string {
  const plain = `${model}-${adapter}`;
  if (/^[a-z0-9-]+$/.test(adapter) && plain.length <= 40) return plain;
  const slug = adapter.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${`${model}-${slug}`.slice(0, 33).replace(/-+$/, '')}-${sha256(adapter).slice(0, 6)}`;
}
