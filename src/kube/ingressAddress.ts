// Where the ingress gateway can be reached, and from where: the article's point is that the Service's
// ClusterIP only answers inside the cluster (kube-proxy's rules live on the nodes), a NodePort answers
// from outside on any node's IP, and a LoadBalancer address from wherever the cloud routes it.
// Pure: takes the gateway Service and the Nodes as the API returns them.
import type { Node, Service, ServicePort } from './objects';

export type IngressAddressKind = 'loadBalancer' | 'externalIP' | 'nodePort' | 'clusterIP';

export interface IngressAddress {
  kind: IngressAddressKind;
  /** IP or host name to put in the URL. */
  host: string;
  port: number;
  /** http://host:port (IPv6 in brackets). */
  url: string;
  /** Where a client must be for this address to work. */
  reachableFrom: string;
  /** For node addresses: the node and which of its addresses this is. */
  node?: string;
  addressType?: string;
}

export interface IngressAddresses {
  service: string;
  type: string;
  /** The Service port used (the gateway's HTTP port, 80 in a default install). */
  servicePort?: ServicePort;
  /** Best first: load balancer, external IPs, node ports (ExternalIP before InternalIP), cluster IP. */
  addresses: IngressAddress[];
  /** Plain-language notes: the path a request takes and why some address is missing. */
  notes: string[];
}

export interface IngressAddressOptions {
  /** Port name or number to use; default: the port named http2 or http, else port 80, else the first port. */
  port?: string | number;
}

export function pickHttpPort(ports: ServicePort[], wanted?: string | number): ServicePort | undefined {
  if (wanted !== undefined) {
    return ports.find((p) => p.name === wanted || p.port === Number(wanted));
  }
  return (
    ports.find((p) => p.name === 'http2') ??
    ports.find((p) => p.name === 'http') ??
    ports.find((p) => p.port === 80) ??
    ports[0]
  );
}

function urlOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export function ingressAddresses(service: Service, nodes: Node[], opts: IngressAddressOptions = {}): IngressAddresses {
  const name = `${service.metadata.namespace ?? ''}/${service.metadata.name}`.replace(/^\//, '');
  const type = service.spec.type ?? 'ClusterIP';
  const ports = service.spec.ports ?? [];
  const sp = pickHttpPort(ports, opts.port);
  const notes: string[] = [];
  const addresses: IngressAddress[] = [];

  if (!sp) {
    notes.push(
      opts.port !== undefined
        ? `The Service ${name} has no port ${opts.port}; its ports are ${ports.map((p) => `${p.name ?? ''}:${p.port}`).join(', ') || 'none'}.`
        : `The Service ${name} has no ports.`,
    );
    return { service: name, type, servicePort: undefined, addresses, notes };
  }

  const target = sp.targetPort ?? sp.port;
  notes.push(
    `Service port ${sp.port}${sp.name ? ` (${sp.name})` : ''} forwards to port ${target} of the gateway pod, where Envoy listens (listener 0.0.0.0_${target}).`,
  );

  if (type === 'LoadBalancer') {
    const ingress = service.status?.loadBalancer?.ingress ?? [];
    for (const ing of ingress) {
      const host = ing.ip ?? ing.hostname;
      if (!host) continue;
      addresses.push({
        kind: 'loadBalancer',
        host,
        port: sp.port,
        url: urlOf(host, sp.port),
        reachableFrom: 'anywhere the cloud load balancer is routed from (often the internet)',
      });
    }
    if (!ingress.length) {
      notes.push(
        'The LoadBalancer has no external address yet (<pending>): nothing on this cluster provides one (usual on kind, minikube, bare metal). Use a node IP with the NodePort, or a port-forward.',
      );
    }
  }

  for (const ip of service.spec.externalIPs ?? []) {
    addresses.push({
      kind: 'externalIP',
      host: ip,
      port: sp.port,
      url: urlOf(ip, sp.port),
      reachableFrom: 'wherever the network routes this external IP to a node',
    });
  }

  if (sp.nodePort && (type === 'NodePort' || type === 'LoadBalancer')) {
    const nodeAddrs: IngressAddress[] = [];
    for (const node of nodes) {
      for (const a of node.status?.addresses ?? []) {
        if (a.type !== 'ExternalIP' && a.type !== 'InternalIP') continue;
        nodeAddrs.push({
          kind: 'nodePort',
          host: a.address,
          port: sp.nodePort,
          url: urlOf(a.address, sp.nodePort),
          reachableFrom:
            a.type === 'ExternalIP'
              ? `outside the cluster, via node ${node.metadata.name}'s external IP (if firewalls allow port ${sp.nodePort})`
              : `any machine on node ${node.metadata.name}'s network (e.g. your laptop on the same LAN), via its internal IP`,
          node: node.metadata.name,
          addressType: a.type,
        });
      }
    }
    nodeAddrs.sort((x, y) => (x.addressType === y.addressType ? 0 : x.addressType === 'ExternalIP' ? -1 : 1));
    addresses.push(...nodeAddrs);
    notes.push(
      `NodePort ${sp.nodePort} is open on every node: kube-proxy's rules there send it to the gateway pod's port ${target}.`,
    );
    if (!nodeAddrs.length)
      notes.push('No node reports an InternalIP or ExternalIP, so no NodePort address can be shown.');
  }

  const clusterIP = service.spec.clusterIP;
  if (clusterIP && clusterIP !== 'None') {
    addresses.push({
      kind: 'clusterIP',
      host: clusterIP,
      port: sp.port,
      url: urlOf(clusterIP, sp.port),
      reachableFrom:
        'only inside the cluster: on a node or from a pod (kube-proxy translates it there); not from outside',
    });
  }
  return { service: name, type, servicePort: sp, addresses, notes };
}
