/**
 * Test-side checks of synthesized manifests, independent of the library's code:
 * - Kubernetes OpenAPI schema validation with kubernetes-models (types, required fields, formats);
 * - unknown fields: kubernetes-models does not reject extra properties, so every object is also
 *   type-checked by the TypeScript compiler against the kubernetes-models interfaces, where an object
 *   literal's excess-property check rejects unknown fields at every depth;
 * - Pod Security Standards "restricted" on every pod template.
 * A LeaderWorkerSet (no kubernetes-models package has it) is validated against the upstream CRD's OpenAPI schema
 * (test/fixtures/lws, vendored with its source), with unknown fields refused as `kubectl apply` (strict field
 * validation) refuses them; its two pod templates are then checked as Pods like every other workload.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export type Manifest = { apiVersion: string; kind: string; metadata?: any; spec?: any; [k: string]: any };

/** Custom resources' models live in their own packages. */
const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'keda.sh': '@kubernetes-models/keda',
};

function modulePath(m: Manifest): string {
  const pkg = CRD_PACKAGES[m.apiVersion.split('/')[0]] ?? 'kubernetes-models';
  return `${pkg}/${m.apiVersion}/${m.kind}`;
}

/** The vendored schema of leaderworkerset.x-k8s.io/v1 (test/fixtures/lws/leaderworkerset-v1.schema.json). */
export const LWS_SCHEMA_FILE = path.join(__dirname, '../fixtures/lws/leaderworkerset-v1.schema.json');

/**
 * Every object schema with properties and no `additionalProperties` or `x-kubernetes-preserve-unknown-fields`
 * gets `additionalProperties: false`: the API server prunes unknown fields, and `kubectl apply` (field
 * validation Strict, its default) refuses them.
 */
function closeObjects(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([f, s]) => [f, closeObjects(s)])) : closeObjects(v);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

let lwsValidate: any;
/**
 * ajv 8 with Kubernetes' formats (int32, int64, quantity, ...): the copies kubernetes-models validates with,
 * resolved from it (no new dependency).
 */
function lwsValidator(): any {
  if (!lwsValidate) {
    const validatePackage = require.resolve('@kubernetes-models/validate', { paths: [path.dirname(require.resolve('kubernetes-models/v1/Pod'))] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require(require.resolve('ajv', { paths: [path.dirname(validatePackage)] })).default;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formats } = require(validatePackage);
    const ajv = new Ajv({ strict: false, allErrors: true, formats });
    const schema = JSON.parse(fs.readFileSync(LWS_SCHEMA_FILE, 'utf8')).openAPIV3Schema;
    lwsValidate = ajv.compile(closeObjects(schema));
  }
  return lwsValidate;
}

/** A LeaderWorkerSet against the CRD's schema: each error as `<path> <message>`. */
export function lwsSchemaErrors(m: Manifest): string[] {
  const validate = lwsValidator();
  if (validate(m)) return [];
  return (validate.errors as any[]).map((e) => {
    const extra = e.params?.additionalProperty !== undefined ? ` '${e.params.additionalProperty}'` : '';
    return `${m.kind} ${m.metadata?.name}: ${e.instancePath || '/'} ${e.message}${extra}`;
  });
}

/** A LeaderWorkerSet's leader and worker templates as Pods (named `<lws> leader` / `<lws> worker`); other objects as they are. */
export function expandLeaderWorkerSets(manifests: Manifest[]): Manifest[] {
  return manifests.flatMap((m) => {
    if (m.kind !== 'LeaderWorkerSet') return [m];
    const t = m.spec?.leaderWorkerTemplate ?? {};
    const pod = (role: string, tpl: any): Manifest => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...tpl?.metadata, name: `${m.metadata?.name} ${role}`, namespace: m.metadata?.namespace },
      spec: tpl?.spec,
    });
    return [pod('leader', t.leaderTemplate ?? t.workerTemplate), pod('worker', t.workerTemplate)];
  });
}

/** kubernetes-models' own validate(): schema errors per object (a LeaderWorkerSet: the CRD's schema, then its pods). */
export function openApiErrors(manifests: Manifest[]): string[] {
  const errors: string[] = manifests.filter((m) => m.kind === 'LeaderWorkerSet').flatMap(lwsSchemaErrors);
  for (const m of expandLeaderWorkerSets(manifests)) {
    let Model: any;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Model = require(modulePath(m))[m.kind];
    } catch {
      errors.push(`${m.kind} ${m.metadata?.name}: no schema for ${m.apiVersion}/${m.kind}`);
      continue;
    }
    try {
      new Model(m).validate();
    } catch (err) {
      errors.push(`${m.kind} ${m.metadata?.name}: ${String(err)}`);
    }
  }
  return errors;
}

/** Unknown fields, found by type-checking each object literal against its kubernetes-models interface. */
export function unknownFieldErrors(all: Manifest[]): string[] {
  // A LeaderWorkerSet's own fields are checked against its schema (openApiErrors); its pods here.
  const manifests = expandLeaderWorkerSets(all);
  const file = path.join(__dirname, '__manifests_check__.ts');
  const lines: string[] = [];
  manifests.forEach((m, i) => {
    lines.push(`import { I${m.kind} as T${i} } from '${modulePath(m)}';`);
  });
  manifests.forEach((m, i) => {
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(m)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    types: [],
    skipLibCheck: true,
    ignoreDeprecations: '6.0',
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError) =>
    name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, onError);
  const program = ts.createProgram([file], options, host);
  const out: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== file || d.start === undefined) {
      out.push(text);
      continue;
    }
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const m = manifests[line - manifests.length] ?? manifests[0];
    out.push(`${m.kind} ${m.metadata?.name}: ${text.split('\n').slice(-1)[0]}`);
  }
  return out;
}

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

export function podSpecOf(m: Manifest): any | undefined {
  if (m.kind === 'Pod') return m.spec;
  if (m.kind === 'CronJob') return m.spec?.jobTemplate?.spec?.template?.spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind)) return m.spec?.template?.spec;
  return undefined;
}

/** Pod Security Standards, restricted profile (the controls of k8s.io/pod-security-admission). */
export function pssViolations(m: Manifest): string[] {
  if (m.kind === 'LeaderWorkerSet') return expandLeaderWorkerSets([m]).flatMap((p) => pssViolations(p).map((v) => `${p.metadata.name.split(' ')[1]}: ${v}`));
  const pod = podSpecOf(m);
  if (!pod) return [];
  const v: string[] = [];
  const psc = pod.securityContext ?? {};
  const containers: any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push('host namespaces');
  for (const vol of pod.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.includes(type)) v.push(`volume ${vol.name} has type ${type}`);
  }
  if (psc.runAsUser === 0) v.push('pod runAsUser 0');
  for (const s of psc.sysctls ?? []) v.push(`sysctl ${s.name}`);
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${c.name}: adds capability ${cap}`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) v.push(`${c.name}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${c.name}: procMount`);
  }
  return v;
}

/** Deployments whose pods no NetworkPolicy in the same namespace selects. */
export function uncoveredWorkloads(all: Manifest[]): string[] {
  const manifests = expandLeaderWorkerSets(all);
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  return manifests
    .filter((m) => podSpecOf(m) !== undefined)
    .filter((w) => {
      const template = w.kind === 'Pod' ? w : w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template;
      const labels = template.metadata?.labels ?? {};
      return !policies.some((p) => p.metadata?.namespace === w.metadata?.namespace
        && Object.entries(p.spec.podSelector?.matchLabels ?? {}).every(([k, val]) => labels[k] === val));
    })
    .map((w) => `${w.kind} ${w.metadata?.name}`);
}

/** Everything at once: [] when the manifests are schema-valid, restricted and covered. */
export function conformanceProblems(manifests: Manifest[]): string[] {
  return [
    ...openApiErrors(manifests),
    ...unknownFieldErrors(manifests),
    ...manifests.flatMap((m) => pssViolations(m).map((v) => `${m.kind} ${m.metadata?.name}: PSS restricted: ${v}`)),
    ...uncoveredWorkloads(manifests).map((w) => `${w}: not selected by any NetworkPolicy`),
  ];
}
