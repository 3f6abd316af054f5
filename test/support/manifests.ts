/**
 * Test-side checks of synthesized manifests, independent of the library's code:
 * - Kubernetes OpenAPI schema validation with kubernetes-models (types, required fields, formats);
 * - unknown fields: kubernetes-models does not reject extra properties, so every object is also
 *   type-checked by the TypeScript compiler against the kubernetes-models interfaces, where an object
 *   literal's excess-property check rejects unknown fields at every depth;
 * - Pod Security Standards "restricted" on every pod template.
 */
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

/** kubernetes-models' own validate(): schema errors per object. */
export function openApiErrors(manifests: Manifest[]): string[] {
  const errors: string[] = [];
  for (const m of manifests) {
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
export function unknownFieldErrors(manifests: Manifest[]): string[] {
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
export function uncoveredWorkloads(manifests: Manifest[]): string[] {
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  return manifests
    .filter((m) => podSpecOf(m) !== undefined)
    .filter((w) => {
      const labels = (w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template.metadata?.labels : w.spec.template.metadata?.labels) ?? {};
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
