/** The networking half of LlamaStack: NetworkPolicy peers, Ingress settings, egress targets, checks. */
import { checkCaBundle } from './ca-bundle';
import { ExposeSpec, LlamaStackProps } from './props';
import { GeneratedConfig } from '../config/generate';
import { IssueCollector } from '../core/errors';
import { k8s } from '../core/k8s';
import { isDns1123Label, isDnsSubdomain } from '../core/names';
import { classifyHost, EgressTarget, LINK_LOCAL_FIX, linkLocalReason, namespacePeer } from '../core/network';
import { checkAllowedFrom, checkAnnotations } from '../core/validate';

/** Who may call the server: labelled clients, allowedFrom, and the ingress controller when exposed. */
export function ingressPeers(
  clientLabels: Record<string, string>, props: LlamaStackProps, ingressNamespace: string | undefined,
): k8s.NetworkPolicyPeer[] {
  const from = props.networking?.allowedFrom;
  // '*' admits every namespace (the operator's convention); nothing narrower is needed then.
  if (from?.namespaces?.includes('*')) return [{ namespaceSelector: {} }];
  const peers: k8s.NetworkPolicyPeer[] = [{ podSelector: { matchLabels: clientLabels } }];
  if (from?.podLabels && Object.keys(from.podLabels).length > 0) peers.push({ podSelector: { matchLabels: { ...from.podLabels } } });
  const namespaces = new Set(from?.namespaces ?? []);
  if (ingressNamespace) namespaces.add(ingressNamespace);
  for (const ns of [...namespaces].sort()) peers.push(namespacePeer(ns));
  for (const key of [...(from?.namespaceLabels ?? [])].sort()) peers.push({ namespaceSelector: { matchExpressions: [{ key, operator: 'Exists' }] } });
  return peers;
}

/** `expose: {}` -> enabled with defaults; `{ enabled: false }` or absent -> none. */
export function exposeSpec(expose: ExposeSpec | undefined): (ExposeSpec & { controllerNamespace: string }) | undefined {
  if (expose === undefined || expose.enabled === false) return undefined;
  return { ...expose, controllerNamespace: expose.controllerNamespace ?? 'ingress-nginx' };
}

export type Target = Omit<EgressTarget, 'peer'> & { peer?: k8s.NetworkPolicyPeer };

/**
 * Egress the providers and storage need, derived from their endpoints: model servers the stack holds
 * (`heldServer`) are reached by their pod labels on their container port, other in-cluster Services and
 * private IPs get a rule each; anything outside the cluster needs `allowInternetEgress`, which opens TCP 443.
 */
export function egressTargets(
  issues: IssueCollector,
  config: GeneratedConfig,
  internet: boolean,
  heldServer: (host: string, port: number) => EgressTarget | undefined = () => undefined,
  linkLocal = false,
): Target[] {
  const out: Target[] = [];
  const fix = 'set networking.allowInternetEgress: true for a hosted service, or, for a Service in the cluster, write its host as <service>.<namespace>.svc';
  for (const e of config.endpoints) {
    const where = e.host === undefined ? { kind: 'external' as const } : classifyHost(e.host);
    const reason = e.host === undefined ? undefined : linkLocalReason(e.host);
    if (reason !== undefined && !linkLocal) {
      issues.add(`${reason}: egress there would hand the node's cloud credentials to the stack's pods`, LINK_LOCAL_FIX('networking.allowLinkLocalEgress'), e.source);
      continue;
    }
    // A server the stack holds (a VllmModel) is reached by its pods' labels, not by a whole namespace.
    const held = where.kind === 'service' && e.port !== undefined ? heldServer(e.host!, e.port) : undefined;
    if (held) {
      out.push(held);
    } else if (e.cidr !== undefined && e.port !== undefined) {
      out.push({ port: e.port, peer: { ipBlock: { cidr: e.cidr } } });
    } else if (where.kind === 'service') {
      out.push({ port: e.port!, peer: where.namespace ? namespacePeer(where.namespace) : { podSelector: {} } });
    } else if (where.kind === 'ip' && where.private) {
      out.push({ port: e.port!, peer: { ipBlock: { cidr: where.cidr } } });
    } else if (!internet) {
      const what = e.host === undefined ? e.note! : `'${e.host}' is outside the cluster`;
      issues.add(`${what}, and egress there is blocked by the stack's NetworkPolicy`, fix, e.source);
    } else if (e.port !== undefined && e.port !== 443) {
      issues.add(`'${e.host}' is outside the cluster on port ${e.port}; allowInternetEgress opens TCP 443 only`, 'use an https endpoint on port 443 (for a PostgreSQL database outside the cluster, give storage.<kv|sql>.cidr)', e.source);
    }
  }
  return out;
}

export function checkNetworking(issues: IssueCollector, props: LlamaStackProps): void {
  const n = props.networking ?? {};
  const at = issues.at('networking');
  for (const [field, kind] of [['allowedFrom', 'object'], ['tls', 'object'], ['allowInternetEgress', 'boolean']] as const) {
    const v = (n as Record<string, unknown>)[field];
    if (v !== undefined && (typeof v !== kind || v === null)) at.add(`expected ${kind === 'object' ? 'an object' : 'a boolean'}`, undefined, field);
  }
  if (n.expose !== undefined && (typeof n.expose !== 'object' || n.expose === null)) at.add('expected an object', 'write expose: {} for an Ingress with the defaults', 'expose');
  const from = typeof n.allowedFrom === 'object' && n.allowedFrom !== null ? n.allowedFrom : {};
  checkAllowedFrom(at.at('allowedFrom'), from);
  const tls = typeof n.tls === 'object' && n.tls !== null ? n.tls : undefined;
  if (tls) {
    if (tls.enabled && !tls.secretName) at.add('secretName is required when TLS is enabled', 'give the name of a kubernetes.io/tls Secret', 'tls.secretName');
    if (!tls.enabled && tls.secretName) at.add('secretName is given but TLS is not enabled', 'set tls.enabled: true, or remove secretName', 'tls.enabled');
    if (tls.secretName !== undefined && !isDnsSubdomain(tls.secretName)) at.add(`'${tls.secretName}' is not a valid Secret name`, 'use a DNS-1123 subdomain', 'tls.secretName');
    if (tls.caBundle) checkCaBundle(at.at('tls.caBundle'), tls.caBundle);
  }
  const e = typeof n.expose === 'object' && n.expose !== null ? exposeSpec(n.expose) : undefined;
  if (e) {
    if (e.ingressClassName !== undefined && !isDnsSubdomain(e.ingressClassName)) at.add(`'${e.ingressClassName}' is not a valid IngressClass name`, 'use a DNS-1123 subdomain', 'expose.ingressClassName');
    if (e.tlsSecretName !== undefined && !isDnsSubdomain(e.tlsSecretName)) at.add(`'${e.tlsSecretName}' is not a valid Secret name`, 'use a DNS-1123 subdomain', 'expose.tlsSecretName');
    checkAnnotations(at.at('expose.annotations'), e.annotations);
    if (e.hostname !== undefined && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(e.hostname)) at.add(`'${e.hostname}' is not a valid host name`, 'e.g. llama.example.com', 'expose.hostname');
    if (e.tlsSecretName && !e.hostname) at.add('tlsSecretName needs a hostname', 'set expose.hostname', 'expose.tlsSecretName');
    if (!isDns1123Label(e.controllerNamespace)) at.add(`'${e.controllerNamespace}' is not a valid namespace name`, 'use a DNS-1123 label', 'expose.controllerNamespace');
  }
}
