import { IConstruct } from 'constructs';
import { IssueCollector } from './errors';
import { k8s } from './k8s';
import { isDns1123Label } from './names';
import { checkLabels } from './validate';

/** A custom cluster DNS for `ClusterDns.custom`. */
export interface CustomDnsOptions {
  /** Namespace of the DNS pods. */
  readonly namespace: string;
  /** Labels that select the DNS pods. */
  readonly podLabels: { [key: string]: string };
  /**
   * Ports the DNS pods listen on (a NetworkPolicy names pod ports, not Service ports), UDP and TCP each.
   * @default [53]
   */
  readonly ports?: number[];
  /**
   * Further resolver addresses as CIDRs, e.g. `169.254.20.10/32` for NodeLocal DNSCache, on the same ports.
   * @default - none
   */
  readonly cidrs?: string[];
}

/**
 * The cluster's DNS, which every pod of the library may reach (and nothing else on the DNS ports): the
 * `dns` option of LlamaStack, VllmModel and ModelRegistry, or app-wide with the context key
 * `ClusterDns.CONTEXT_KEY` set to `kube-dns` or `openshift`.
 */
export class ClusterDns {
  /**
   * Context key for the app-wide default: `kube-dns` (the default) or `openshift`, e.g.
   * `new App({ context: { [ClusterDns.CONTEXT_KEY]: 'openshift' } })`. A construct's `dns` prop wins.
   */
  public static readonly CONTEXT_KEY = 'cdk8s-llama-stack/dns';

  /** CoreDNS/kube-dns as kubeadm, EKS, GKE, AKS and k3s run it: pods `k8s-app: kube-dns` in kube-system, port 53. */
  public static kubeDns(): ClusterDns {
    return new ClusterDns('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, [53], []);
  }

  /**
   * OpenShift's DNS operator: pods `dns.operator.openshift.io/daemonset-dns: default` in openshift-dns,
   * listening on 5353 (its Service maps 53 to 5353, and a NetworkPolicy matches the pod port).
   */
  public static openShift(): ClusterDns {
    return new ClusterDns('openshift', 'openshift-dns', { 'dns.operator.openshift.io/daemonset-dns': 'default' }, [5353], []);
  }

  /** Any other DNS deployment. */
  public static custom(options: CustomDnsOptions): ClusterDns {
    const o = options ?? ({} as CustomDnsOptions);
    return new ClusterDns('custom', o.namespace, { ...o.podLabels }, [...(o.ports ?? [53])], [...(o.cidrs ?? [])]);
  }

  /** The construct's `dns` prop if given, else the app-wide context, else kube-dns. */
  public static of(scope: IConstruct, given?: ClusterDns): ClusterDns {
    if (given instanceof ClusterDns) return given;
    const preset = scope.node.tryGetContext(ClusterDns.CONTEXT_KEY);
    return preset === 'openshift' ? ClusterDns.openShift() : ClusterDns.kubeDns();
  }

  /** `kube-dns`, `openshift` or `custom`. */
  public readonly preset: string;
  /** Namespace of the DNS pods. */
  public readonly namespace: string;
  /** Labels of the DNS pods. */
  public readonly podLabels: { [key: string]: string };
  /** Pod ports, UDP and TCP each. */
  public readonly ports: number[];
  /** Further resolver addresses. */
  public readonly cidrs: string[];

  private constructor(preset: string, namespace: string, podLabels: Record<string, string>, ports: number[], cidrs: string[]) {
    this.preset = preset;
    this.namespace = namespace;
    this.podLabels = podLabels;
    this.ports = ports;
    this.cidrs = cidrs;
  }
}

/** Problems with a `dns` prop (custom ones are user input; presets are always valid). */
export function checkDns(issues: IssueCollector, dns: unknown): void {
  if (dns === undefined) return;
  if (!(dns instanceof ClusterDns)) {
    issues.add('expected a ClusterDns', 'use ClusterDns.kubeDns(), ClusterDns.openShift() or ClusterDns.custom({...})');
    return;
  }
  if (typeof dns.namespace !== 'string' || !isDns1123Label(dns.namespace)) issues.add(`'${String(dns.namespace)}' is not a valid namespace name`, 'use a DNS-1123 label', 'namespace');
  if (typeof dns.podLabels !== 'object' || dns.podLabels === null || Object.keys(dns.podLabels).length === 0) {
    issues.add('podLabels must select the DNS pods', "e.g. { 'k8s-app': 'kube-dns' }", 'podLabels');
  } else {
    checkLabels(issues.at('podLabels'), dns.podLabels);
  }
  if (!Array.isArray(dns.ports) || dns.ports.length === 0) issues.add('at least one port is required', 'e.g. [53]', 'ports');
  else dns.ports.forEach((p, i) => { if (!Number.isInteger(p) || p < 1 || p > 65535) issues.add(`${String(p)} is not a port`, 'a whole number from 1 to 65535', `ports[${i}]`); });
  (Array.isArray(dns.cidrs) ? dns.cidrs : []).forEach((c, i) => {
    if (typeof c !== 'string' || !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c)) issues.add(`'${String(c)}' is not a CIDR`, 'e.g. 169.254.20.10/32', `cidrs[${i}]`);
  });
}

/** Egress to the cluster's DNS pods (and extra resolver addresses) on its ports, UDP and TCP. */
export function dnsEgressRule(dns: ClusterDns): k8s.NetworkPolicyEgressRule {
  const to: k8s.NetworkPolicyPeer[] = [{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dns.namespace } },
    podSelector: { matchLabels: { ...dns.podLabels } },
  }];
  for (const cidr of [...dns.cidrs].sort()) to.push({ ipBlock: { cidr } });
  const ports = [...new Set(dns.ports)].sort((a, b) => a - b);
  return {
    to,
    ports: ports.flatMap((p) => [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(p) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) },
    ]),
  };
}
