import { isIP } from 'net';
import { k8s } from './k8s';
import type { INetworkPeer } from './model-server';
import { compareStrings } from './order';

/** Where an endpoint host lives, as far as a NetworkPolicy can tell. */
export type HostKind =
  | { readonly kind: 'service'; readonly namespace?: string }
  | { readonly kind: 'ip'; readonly cidr: string; readonly private: boolean }
  | { readonly kind: 'external' };

/** Never "the internet": private, carrier-grade NAT, loopback and link-local (cloud metadata) ranges. */
const NOT_INTERNET_V4 = ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * `svc` (same namespace), `svc.ns.svc` and `svc.ns.svc.cluster.local` are in-cluster Services; IP
 * literals become /32 (or /128) blocks; anything else, including the short form `svc.ns`, is treated
 * as outside the cluster (it cannot be told apart from a public domain).
 */
export function classifyHost(host: string, clusterDomain = 'cluster.local'): HostKind {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const ip = isIP(h);
  if (ip === 4) return { kind: 'ip', cidr: `${h}/32`, private: isPrivateV4(h) };
  if (ip === 6) return { kind: 'ip', cidr: `${h}/128`, private: /^(fc|fd|fe80)/.test(h) };
  const parts = h.split('.');
  if (parts.length === 1) return { kind: 'service' };
  const suffix = `.svc.${clusterDomain}`;
  if (h.endsWith(suffix) && parts.length === 2 + suffix.split('.').length - 1) return { kind: 'service', namespace: parts[1] };
  if (h.endsWith('.svc') && parts.length === 3) return { kind: 'service', namespace: parts[1] };
  return { kind: 'external' };
}

function isPrivateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 127 || (a === 100 && b >= 64 && b <= 127)
    || (a === 169 && b === 254);
}

/** Public internet on the given TCP ports, excluding private ranges. */
export function internetEgressRule(ports: number[]): k8s.NetworkPolicyEgressRule {
  return {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: NOT_INTERNET_V4 } }, { ipBlock: { cidr: '::/0', except: ['::1/128', 'fc00::/7', 'fe80::/10'] } }],
    ports: ports.map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) })),
  };
}

export interface EgressTarget {
  readonly peer: k8s.NetworkPolicyPeer;
  readonly port: number;
}

/** Groups targets by peer so each peer appears once with all its ports, in a stable order. */
export function egressRules(targets: EgressTarget[]): k8s.NetworkPolicyEgressRule[] {
  const byPeer = new Map<string, { peer: k8s.NetworkPolicyPeer; ports: Set<number> }>();
  for (const t of targets) {
    const key = JSON.stringify(t.peer);
    const entry = byPeer.get(key) ?? { peer: t.peer, ports: new Set<number>() };
    entry.ports.add(t.port);
    byPeer.set(key, entry);
  }
  return [...byPeer.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([, e]) => ({
      to: [e.peer],
      ports: [...e.ports].sort((a, b) => a - b).map((p) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) })),
    }));
}

export function namespacePeer(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

/**
 * The NetworkPolicy peer for `peer`'s pods as seen from a policy in `policyNamespace`: a pod selector, with
 * a namespace selector when the pods run elsewhere.
 */
export function peerOf(peer: INetworkPeer, policyNamespace: string): k8s.NetworkPolicyPeer {
  const podSelector = { matchLabels: { ...peer.podSelectorLabels } };
  return peer.namespace === policyNamespace ? { podSelector } : { podSelector, namespaceSelector: namespacePeer(peer.namespace).namespaceSelector };
}

/** An IPv4 or IPv6 CIDR block: a valid address (as Node parses it) and a prefix length in range. */
export function isCidr(text: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return false;
  const family = isIP(m[1]);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/** The fix for a refused link-local destination, naming the construct's opt-in prop. */
export const LINK_LOCAL_FIX = (prop: string): string => `use the service's address in the cluster; if you mean this address, set ${prop}: true`;

/** Host names of cloud instance-metadata services (GCE, Azure's and others' well-known names). */
const METADATA_NAMES = ['metadata', 'metadata.google.internal', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal'];

/**
 * Why `host` is a cloud metadata service or another link-local address, which hands out the node's cloud
 * credentials to any pod that reaches it; undefined for anything else. Egress there needs an explicit opt-in.
 */
export function linkLocalReason(host: string): string | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_NAMES.includes(h)) return `'${host}' is a cloud instance-metadata service`;
  const family = isIP(h);
  if (family === 4) {
    if (h === '100.100.100.200') return `'${host}' is Alibaba Cloud's instance-metadata service`;
    if (h.startsWith('169.254.')) return `'${host}' is link-local (169.254.0.0/16: AWS, GCP, Azure and OpenStack serve instance metadata and credentials at 169.254.169.254)`;
  } else if (family === 6) {
    if (/^fe[89ab]/.test(h)) return `'${host}' is link-local (fe80::/10)`;
    if (h === 'fd00:ec2::254') return `'${host}' is AWS's IPv6 instance-metadata service`;
  }
  return undefined;
}
