/**
 * This library's objects beside a user's cdk8s-plus-33 objects in one chart (what `cdk8s init typescript-app`
 * installs): no cdk8s-plus-28 type and no cast is needed to wire them. A kplus Secret and ServiceAccount are
 * used by name, a kplus Deployment is a client the stack's NetworkPolicy admits (by `stack.clientLabels`),
 * and a kplus NetworkPolicy names the stack's pods (`kplus.Pods.select` with `stack.podSelectorLabels`).
 */
import { Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { LlamaStack, VllmModel } from '../../src';

type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

function build() {
  const chart = new Chart(Testing.app(), 'app', { namespace: 'llm' });
  // The user's cdk8s-plus-33 objects.
  const hf = new kplus.Secret(chart, 'HfToken');
  hf.addStringData('token', 'from-a-sealed-secret-in-real-life');
  const sa = new kplus.ServiceAccount(chart, 'StackIdentity', { automountToken: false });

  // This library's objects, taking the kplus objects by name.
  const model = new VllmModel(chart, 'qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'dev', hfToken: { name: hf.name, key: 'token' } });
  const stack = new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: { inference: [model.asInferenceProvider()] },
    workload: { overrides: { serviceAccountName: sa.name, envFrom: [{ secretRef: { name: hf.name } }] } },
  });

  // A kplus Deployment as a client of the stack: it carries the labels the stack admits.
  const client = new kplus.Deployment(chart, 'Client', {
    podMetadata: { labels: stack.clientLabels },
    containers: [{ image: 'ghcr.io/example/chat-ui:1.0.0', portNumber: 3000, envVariables: { LLAMA_STACK_URL: kplus.EnvValue.fromValue(stack.url) } }],
  });
  // The client's own egress policy names the stack's pods and port, with kplus types only.
  new kplus.NetworkPolicy(chart, 'ClientEgress', {
    selector: client,
    egress: {
      default: kplus.NetworkPolicyTrafficDefault.DENY,
      rules: [{ peer: kplus.Pods.select(chart, 'StackPods', { labels: stack.podSelectorLabels }), ports: [kplus.NetworkPolicyPort.tcp(stack.port)] }],
    },
  });
  // And the escape hatch, typed ApiObject (cdk8s core): a patch reaches the output.
  stack.deployment.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations/example.com~1owner', 'ai-team'));
  return { objs: Testing.synth(chart) as Obj[], stack };
}

const { objs, stack } = build();
const one = (kind: string, name?: string) => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};
const subset = (small: Record<string, string>, big: Record<string, string> | undefined) => Object.entries(small).every(([k, v]) => big?.[k] === v);

test('the kplus Secret is what the model and the stack reference', () => {
  const secret = one('Secret');
  const vllm = one('Deployment', 'qwen-dev'); // <model>-<environment>
  const hfEnv = vllm.spec.template.spec.containers[0].env.find((e: any) => e.name === 'HF_TOKEN');
  expect(hfEnv.valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'token' });
  const server = one('Deployment', stack.name).spec.template.spec;
  expect(server.containers[0].envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
});

test('the kplus ServiceAccount runs the stack, which then emits none of its own', () => {
  const sa = one('ServiceAccount', objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name.startsWith('app-stackidentity'))!.metadata.name);
  expect(one('Deployment', stack.name).spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
  expect(objs.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).not.toContain(stack.name);
});

test('the kplus Deployment is admitted by the stack\'s NetworkPolicy on the server port', () => {
  const client = objs.find((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('app-client'))!;
  const clientPodLabels = client.spec.template.metadata.labels;
  const policy = one('NetworkPolicy', stack.name);
  const sameNamespacePeer = (peer: any) => peer.namespaceSelector === undefined && subset(peer.podSelector.matchLabels, clientPodLabels);
  const admitting = policy.spec.ingress.filter((rule: any) => rule.from.some(sameNamespacePeer));
  expect(admitting).toHaveLength(1);
  expect(admitting[0].ports).toEqual([{ protocol: 'TCP', port: stack.port }]);
  expect(subset(policy.spec.podSelector.matchLabels, clientPodLabels)).toBe(false); // the client is not a stack pod
});

test('the kplus NetworkPolicy names the stack\'s pods and port without casts', () => {
  const egress = objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('app-clientegress'))!;
  const stackPods = one('Deployment', stack.name).spec.template.metadata.labels;
  const rule = egress.spec.egress.find((r: any) => r.to?.some((peer: any) => peer.podSelector && subset(peer.podSelector.matchLabels, stackPods)));
  expect(rule.ports).toEqual([{ port: stack.port, protocol: 'TCP' }]);
  // It selects exactly the stack's pods: the selector is the stack's own.
  expect(rule.to.find((peer: any) => peer.podSelector).podSelector.matchLabels).toEqual(stack.podSelectorLabels);
  expect(one('Deployment', stack.name).spec.selector.matchLabels).toEqual(stack.podSelectorLabels);
});

test('a patch through the ApiObject escape hatch reaches the output', () => {
  expect(one('Deployment', stack.name).spec.template.metadata.annotations['example.com/owner']).toBe('ai-team');
});
