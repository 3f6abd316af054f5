/**
 * The library's own Kubernetes structs (src/core/kube-types.ts): every field reaches the output under its
 * Kubernetes name, unknown keys are errors with their path, and the escape hatches (`ApiObject`) take JSON
 * patches that reach the output as written.
 */
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import { Affinity, EnvFromSource, EnvVar, GpuNodePool, LlamaStack, Toleration, TopologySpreadConstraint, ValidationError, Volume, VolumeMount, VllmModel } from '../../src';
import { IssueCollector } from '../../src/core/errors';
import { k8s, kube } from '../../src/core/k8s';
import { AFFINITY_SHAPE, ENV_VAR_SHAPE, TOLERATION_SHAPE, toK8sEnvVar, toK8sVolume, TOPOLOGY_SPREAD_SHAPE, VOLUME_SHAPE } from '../../src/core/kube-types';
import { checkShape, Shape } from '../../src/core/shape';

// Every field of every struct, written as a Kubernetes manifest writes it (core/v1 PodSpec field names:
// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/).
const tolerations: Toleration[] = [
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Equal', value: 'x', effect: 'NoExecute', tolerationSeconds: 30 },
];
const selector = { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] };
const term = { matchExpressions: [{ key: 'gpu', operator: 'Exists' }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] };
const podTerm = { topologyKey: 'kubernetes.io/hostname', labelSelector: selector, namespaces: ['llm'], namespaceSelector: { matchLabels: { team: 'ai' } } };
const affinity: Affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] },
    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: term }],
  },
  podAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [podTerm],
    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: podTerm }],
  },
  podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: podTerm }] },
};
const spread: TopologySpreadConstraint[] = [{
  maxSkew: 1,
  topologyKey: 'topology.kubernetes.io/zone',
  whenUnsatisfiable: 'ScheduleAnyway',
  labelSelector: selector,
  matchLabelKeys: ['pod-template-hash'],
  minDomains: 2,
  nodeAffinityPolicy: 'Honor',
  nodeTaintsPolicy: 'Ignore',
}];
const env: EnvVar[] = [
  { name: 'A', value: 'a' },
  { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: true } } },
  { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k', optional: false } } },
  { name: 'D', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } },
  { name: 'E', valueFrom: { resourceFieldRef: { resource: 'limits.memory', containerName: 'main', divisor: '1Mi' } } },
];
const envFrom: EnvFromSource[] = [{ configMapRef: { name: 'c', optional: true }, prefix: 'C_' }, { secretRef: { name: 's' } }];
const mounts: VolumeMount[] = [{ name: 'v', mountPath: '/v', readOnly: true, subPath: 'a', mountPropagation: 'None' }, { name: 'w', mountPath: '/w', subPathExpr: '$(POD)' }];
const items = [{ key: 'k', path: 'p', mode: 0o440 }];
const downward = [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o444 }, { path: 'mem', resourceFieldRef: { resource: 'limits.memory', containerName: 'main', divisor: '1Mi' } }];
const volumes: Volume[] = [
  { name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
  { name: 'c', configMap: { name: 'c', items, defaultMode: 0o444, optional: true } },
  { name: 's', secret: { secretName: 's', items, defaultMode: 0o400, optional: false } },
  { name: 'p', persistentVolumeClaim: { claimName: 'claim', readOnly: true } },
  {
    name: 'j',
    projected: {
      defaultMode: 0o440,
      sources: [
        { configMap: { name: 'c', items, optional: true } },
        { secret: { name: 's', items } },
        { serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } },
        { downwardAPI: { items: downward } },
      ],
    },
  },
  { name: 'd', downwardAPI: { items: downward, defaultMode: 0o444 } },
  { name: 'x', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, fsType: 'ext4', volumeAttributes: { secretProviderClass: 'vault' }, nodePublishSecretRef: { name: 'creds' } } },
];

describe('conversion to the cdk8s-plus bindings', () => {
  test('every field of every struct reaches the JSON under its Kubernetes name (downwardAPI, quantities as strings)', () => {
    const spec: k8s.PodSpec = {
      containers: [{ name: 'main', env: env.map(toK8sEnvVar), envFrom, volumeMounts: mounts }],
      volumes: volumes.map(toK8sVolume),
      tolerations,
      affinity,
      topologySpreadConstraints: spread,
    };
    // The bindings' own mapping to JSON, which drops fields they do not know and quantities given as strings.
    const json = JSON.parse(JSON.stringify(k8s.toJson_PodSpec(spec)));
    expect(json).toEqual({ containers: [{ name: 'main', env, envFrom, volumeMounts: mounts }], volumes, tolerations, affinity, topologySpreadConstraints: spread });
  });
});

describe('shapes: unknown keys are errors with their path', () => {
  const check = (shape: Shape, value: unknown) => {
    const issues = new IssueCollector('x');
    checkShape(issues, value, shape);
    return issues.issues.map((i) => `${i.path}: ${i.message}`);
  };
  test.each<[string, Shape, unknown, string]>([
    ['a toleration', TOLERATION_SHAPE, { key: 'a', operater: 'Exists' }, "x.operater: unknown field 'operater'"],
    ['an affinity term', AFFINITY_SHAPE, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpression: [] }] } } },
      "x.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpression: unknown field 'matchExpression'"],
    ['a spread constraint', TOPOLOGY_SPREAD_SHAPE, { maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabel: {} } }, "x.labelSelector.matchLabel: unknown field 'matchLabel'"],
    ['an env var source', ENV_VAR_SHAPE, { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', namespace: 'other' } } }, "x.valueFrom.secretKeyRef.namespace: unknown field 'namespace'"],
    ['a volume source', VOLUME_SHAPE, { name: 'v', emptyDir: { size: '1Gi' } }, "x.emptyDir.size: unknown field 'size'"],
    ['a quantity object where a string goes', VOLUME_SHAPE, { name: 'v', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } }, 'x.emptyDir.sizeLimit: expected a string, got an instance of Quantity'],
  ])('%s', (_what, shape, value, issue) => {
    expect(check(shape, value)).toEqual([issue]);
  });

  const error = (build: (chart: Chart) => void): string => {
    try {
      build(new Chart(Testing.app(), 'c', { namespace: 'llm' }));
    } catch (e) {
      if (ValidationError.isValidationError(e)) return (e as ValidationError).message;
      throw e;
    }
    return 'no error';
  };
  test('through each construct that takes tolerations (an unknown key used to be emitted nowhere, silently)', () => {
    const bad = [{ key: 'dedicated', operator: 'Equal', value: 'llm', efect: 'NoSchedule' }] as unknown as Toleration[];
    expect(error((c) => new GpuNodePool(c, 'pool', { gpusPerNode: 8, nodes: 1, tolerations: bad }))).toBe("c/pool tolerations[0].efect: unknown field 'efect' (did you mean 'effect'?)");
    expect(error((c) => new VllmModel(c, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'dev', tolerations: bad }))).toBe("c/m tolerations[0].efect: unknown field 'efect' (did you mean 'effect'?)");
    expect(error((c) => new LlamaStack(c, 's', { distribution: { name: 'starter' }, workload: { overrides: { tolerations: bad } } })))
      .toBe("c/s workload.overrides.tolerations[0].efect: unknown field 'efect' (did you mean 'effect'?)");
  });
  test('an ephemeral volume (restricted allows it; Volume does not take it) names the escape hatch', () => {
    expect(error((c) => new VllmModel(c, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'dev', pod: { volumes: [{ name: 'scratch', ephemeral: {} } as any] } })))
      .toMatch(/^c\/m pod\.volumes\[0\]\.ephemeral: volume type 'ephemeral' is not one this library's Volume takes \(add the volume with a JSON patch through the construct's escape hatch/);
  });
});

describe('escape hatches: ApiObject, and JSON patches reach the output as written', () => {
  const stackChart = () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    return { chart, stack: new LlamaStack(chart, 'stack', { distribution: { name: 'starter' } }) };
  };
  const find = (chart: Chart, kind: string) => Testing.synth(chart).find((o: any) => o.kind === kind);

  test('a plain number in an IntOrString field (a NetworkPolicy port) is kept', () => {
    const { chart, stack } = stackChart();
    expect(stack.networkPolicy).toBeInstanceOf(ApiObject);
    stack.networkPolicy.addJsonPatch(JsonPatch.add('/spec/egress/-', { to: [{ podSelector: { matchLabels: { app: 'vllm' } } }], ports: [{ protocol: 'TCP', port: 8000 }] }));
    expect(find(chart, 'NetworkPolicy').spec.egress.at(-1)).toEqual({ to: [{ podSelector: { matchLabels: { app: 'vllm' } } }], ports: [{ protocol: 'TCP', port: 8000 }] });
  });

  test('a field newer than the bindings\' Kubernetes 1.28 (appArmorProfile, 1.30) is kept', () => {
    const { chart, stack } = stackChart();
    stack.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/appArmorProfile', { type: 'RuntimeDefault' }));
    expect(find(chart, 'Deployment').spec.template.spec.securityContext.appArmorProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('an object made by kube() is the binding\'s object, byte for byte, with the same name', () => {
    const props: k8s.KubeServiceProps = { spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } };
    const chart = new Chart(Testing.app(), 'c');
    const binding = new k8s.KubeService(chart, 'Binding', props);
    const ours = kube(k8s.KubeService, chart, 'Ours', props);
    expect(JSON.stringify(ours.toJson()).replace(/c-ours-c8[0-9a-f]+/, 'NAME')).toBe(JSON.stringify(binding.toJson()).replace(/c-binding-c8[0-9a-f]+/, 'NAME'));
    expect(ours.name).toMatch(/^c-ours-c8/);
  });
});
