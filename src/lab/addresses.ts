// Step 4, "Find the ingress address": every address the gateway Service can be reached at, and from where.
// The article's point: the ClusterIP works only from inside the cluster (a node or a pod); from outside,
// a node's IP with the NodePort, or the LoadBalancer's address when a cloud gives one.
export interface GatewayServiceFacts {
  name: string;
  namespace: string;
  type: string;
  clusterIP?: string;
  externalIPs: string[];
  ports: { name?: string; port: number; targetPort?: number | string; nodePort?: number }[];
  loadBalancer: { ip?: string; hostname?: string }[];
}

export type AddressKind = 'override' | 'LoadBalancer' | 'externalIP' | 'NodePort' | 'ClusterIP' | 'port-forward';

export interface AddressCandidate {
  kind: AddressKind;
  /** host:port, as curl takes it */
  address: string;
  where: string;
  reachable?: boolean;
}

function hostPort(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === 80 ? h : `${h}:${port}`;
}

/** The Service port that the HTTP server port (80 by default) goes through. */
export function httpPort(svc: GatewayServiceFacts, serverPort = 80): GatewayServiceFacts['ports'][number] | undefined {
  return svc.ports.find((p) => p.port === serverPort) ?? svc.ports.find((p) => p.name?.startsWith('http'));
}

export function addressCandidates(
  svc: GatewayServiceFacts,
  nodes: { node: string; type: string; address: string }[],
  override?: string,
  serverPort = 80,
): AddressCandidate[] {
  const out: AddressCandidate[] = [];
  if (override) out.push({ kind: 'override', address: override, where: 'set in istioIngressLab.ingress.address' });
  const port = httpPort(svc, serverPort);
  if (!port) return out;
  for (const lb of svc.loadBalancer) {
    const host = lb.ip ?? lb.hostname;
    if (host) out.push({ kind: 'LoadBalancer', address: hostPort(host, port.port), where: 'from anywhere that reaches the load balancer (usually outside the cluster too)' });
  }
  for (const ip of svc.externalIPs) {
    out.push({ kind: 'externalIP', address: hostPort(ip, port.port), where: 'from machines routed to this external IP' });
  }
  if (port.nodePort) {
    const seen = new Set<string>();
    for (const n of nodes) {
      if (n.type !== 'InternalIP' && n.type !== 'ExternalIP') continue;
      if (seen.has(n.address)) continue;
      seen.add(n.address);
      out.push({
        kind: 'NodePort',
        address: hostPort(n.address, port.nodePort),
        where: `node ${n.node} (${n.type}) + NodePort ${port.nodePort}: from outside the cluster, wherever the node's IP is reachable (kube-proxy DNATs it to the gateway pod's ${port.targetPort ?? port.port})`,
      });
    }
  }
  if (svc.clusterIP && svc.clusterIP !== 'None') {
    out.push({
      kind: 'ClusterIP',
      address: hostPort(svc.clusterIP, port.port),
      where: 'only from inside the cluster: a node or a pod (kube-proxy\'s iptables rules live there)',
    });
  }
  return out;
}

export function formatAddressReport(svc: GatewayServiceFacts, candidates: AddressCandidate[], chosen?: AddressCandidate): string {
  const lines = [`Ingress gateway Service ${svc.namespace}/${svc.name} (type ${svc.type})`, ''];
  for (const c of candidates) {
    const probe = c.reachable === undefined ? '' : c.reachable ? '  [reachable from here]' : '  [not reachable from here]';
    lines.push(`${c.kind.padEnd(13)} ${c.address}${probe}`, `              works ${c.where}`);
  }
  if (!candidates.length) lines.push('No address: the Service has no port 80.');
  lines.push('');
  lines.push(chosen ? `Using ${chosen.address} (${chosen.kind}).` : 'None of these answers from this machine.');
  return lines.join('\n');
}
