/** Egress to the cluster DNS: its pods only, on their pod ports, one implementation for every construct. */
import { Chart, Testing } from 'cdk8s';
import { ClusterDns, LlamaStack, ModelRegistry, ModelRegistryEntry, ValidationError, VllmModel } from '../src';
import { withContext } from './support/app';
import { conformanceProblems, Manifest } from './support/manifests';

const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc.cluster.local' };

/** A stack, a model and a registry with an entry; every NetworkPolicy's DNS rule. */
function dnsRules(context: Record<string, unknown>, dns?: ClusterDns): Map<string, any> {
  const app = withContext(context);
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  const model = new VllmModel(chart, 'qwen', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'production', dns });
  new LlamaStack(chart, 'stack', { distribution: { name: 'starter' }, providers: { inference: [model.asInferenceProvider()] }, networking: { dns } });
  const registry = new ModelRegistry(chart, 'registry', { database, healthCheck: { schedule: '*/5 * * * *' }, dns });
  new ModelRegistryEntry(chart, 'qwen-entry', { registry, model });
  const objs = Testing.synth(chart) as Manifest[];
  expect(conformanceProblems(objs)).toEqual([]);
  const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
  // Every policy with egress: the stack, the model, the migration, registration and health-check Jobs.
  expect(policies.map((p) => p.metadata.name).sort()).toEqual(['qwen-entry-register', 'qwen-production', 'registry-health', 'registry-migrate', 'registry-reconcile', 'stack']);
  return new Map(policies.map((p) => [p.metadata.name, p.spec.egress[0]]));
}

const kubeDns = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};

test('default: kube-system pods labelled k8s-app=kube-dns (CoreDNS as kubeadm and the managed clusters run it), port 53', () => {
  for (const rule of dnsRules({}).values()) expect(rule).toEqual(kubeDns);
});

test('OpenShift (app context): openshift-dns pods on 5353, the pod port behind the Service\'s 53', () => {
  // openshift/cluster-dns-operator assets/dns/daemonset.yaml: pods labelled
  // dns.operator.openshift.io/daemonset-dns=default listen on 5353/UDP+TCP; assets/dns/namespace.yaml: openshift-dns.
  const expected = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } }, podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } } }],
    ports: [{ protocol: 'UDP', port: 5353 }, { protocol: 'TCP', port: 5353 }],
  };
  for (const rule of dnsRules({ [ClusterDns.CONTEXT_KEY]: 'openshift' }).values()) expect(rule).toEqual(expected);
});

test('custom (prop), with NodeLocal DNSCache\'s address: the prop wins over the context', () => {
  const custom = ClusterDns.custom({ namespace: 'dns', podLabels: { app: 'coredns' }, ports: [53, 1053], cidrs: ['169.254.20.10/32'] });
  for (const rule of dnsRules({ [ClusterDns.CONTEXT_KEY]: 'openshift' }, custom).values()) {
    expect(rule).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }, { ipBlock: { cidr: '169.254.20.10/32' } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 1053 }, { protocol: 'TCP', port: 1053 }],
    });
  }
});

test('a bad custom DNS is a ValidationError with field paths, on every construct', () => {
  const bad = ClusterDns.custom({ namespace: 'Not_A_Namespace', podLabels: {}, ports: [0], cidrs: ['nope'] });
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const messages = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).issues.map((i) => i.path);
    }
    return [];
  };
  expect(messages(() => new LlamaStack(chart, 's', { distribution: { name: 'starter' }, networking: { dns: bad } }))).toEqual([
    'networking.dns.namespace', 'networking.dns.podLabels', 'networking.dns.ports[0]', 'networking.dns.cidrs[0]',
  ]);
  expect(messages(() => new VllmModel(chart, 'm', { model: 'Qwen/Qwen2.5-0.5B-Instruct', environment: 'production', dns: bad }))).toContain('dns.namespace');
  expect(messages(() => new ModelRegistry(chart, 'r', { database, dns: bad }))).toContain('dns.ports[0]');
  expect(messages(() => new LlamaStack(chart, 't', { distribution: { name: 'starter' }, networking: { dns: { namespace: 'x' } as any } }))).toEqual(['networking.dns']);
});
