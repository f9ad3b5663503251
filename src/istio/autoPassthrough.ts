// AUTO_PASSTHROUGH servers, as Istio builds them (pilot/pkg/networking/core/gateway.go
// builtAutoPassthroughFilterChains, cluster.go buildOutboundSniDnatClusters): no VirtualService is read. For
// every mesh Service the gateway sees (not MESH_EXTERNAL), every port that is not UDP and whose host one of the
// server's hosts covers (namespace part dropped, GetSNIHostsForServer), one filter chain whose SNI is the
// SNI-DNAT cluster name `outbound_.<port>_.<subset>_.<host>` (model.BuildDNSSrvSubsetKey), one more per
// DestinationRule subset, each a tcp_proxy to that cluster (stat_prefix = the cluster). The gateway then also
// gets an SNI-DNAT cluster for every such Service port, whatever the hosts.
import { DestinationRuleIndex } from './destinationRules';
import { DEFAULT_INGRESS, findGatewayWorkloads, resolveListenerPort, selectorMatches } from './gatewayWorkloads';
import { subsetOf } from './hosts';
import { namespaceOf, type GatewayServer, type ResourceSet } from './model';
import { byCreation } from './predict';

/** Istio's mTLS ALPNs: the chain also matches on them (listener.go allIstioMtlsALPNs). */
export const ISTIO_MTLS_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];

export interface AutoPassthroughChain {
  /** `<namespace>/<name>` of the Gateway whose AUTO_PASSTHROUGH server gives the listener. */
  gateway: string;
  listener: string;
  /** One SNI: the SNI-DNAT cluster name. */
  serverNames: [string];
  applicationProtocols: string[];
  cluster: string;
  statPrefix: string;
  /** The Service (or ServiceEntry host) behind the chain. */
  host: string;
  port: number;
  subset: string;
}

export const sniDnatClusterName = (port: number, subset: string, host: string): string =>
  `outbound_.${port}_.${subset}_.${host}`;

/** `outbound_.80_.v1_.reviews.default.svc.cluster.local` -> its parts. */
export function parseSniDnatName(name: string): { port: number; subset: string; host: string } | undefined {
  const m = /^outbound_\.(\d+)_\.([^_]*)_\.(.+)$/.exec(name);
  return m ? { port: Number(m[1]), subset: m[2] ?? '', host: m[3] ?? '' } : undefined;
}

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const isAuto = (s: GatewayServer | undefined) => (s?.tls?.mode ?? '').toUpperCase() === 'AUTO_PASSTHROUGH';

/** A mesh service port as Istio's push context holds it, in its order (creation time, then host name). */
export interface MeshServicePort {
  host: string;
  port: number;
  /** Kubernetes Service or ServiceEntry, for the cluster's metadata. */
  service: { name: string; namespace: string };
  kind: 'Service' | 'ServiceEntry';
  resolution?: string;
}

/** The gateway's non-UDP mesh service ports (MESH_EXTERNAL ServiceEntries and ExternalName Services left out). */
export function meshServicePorts(resources: ResourceSet): MeshServicePort[] {
  // Istio sorts services by creation time, then host name. A Service without a timestamp counts as created at
  // time zero; a ServiceEntry without one as applied after them, in input order (the corpus and oracle convention).
  const entries: { created: number; seq: number; host: string; ports: MeshServicePort[] }[] = [];
  const time = (ts: string | undefined, late: boolean) => (ts ? Date.parse(ts) : late ? Number.MAX_VALUE : 0);
  const services = [...resources.services];
  const hasIngress = services.some(
    (s) => s.metadata.name === 'istio-ingressgateway' && namespaceOf(s) === 'istio-system',
  );
  for (const s of services) {
    if (s.spec.type === 'ExternalName') continue;
    const host = `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`;
    const service = { name: s.metadata.name, namespace: namespaceOf(s) };
    const ports = arr<{ port?: number; protocol?: string }>(s.spec.ports)
      .filter((p) => p.port && (p.protocol ?? 'TCP').toUpperCase() !== 'UDP')
      .map((p): MeshServicePort => ({ host, port: p.port!, service, kind: 'Service' }));
    entries.push({ created: time(s.metadata.creationTimestamp, false), seq: 0, host, ports });
  }
  if (!hasIngress) {
    const host = 'istio-ingressgateway.istio-system.svc.cluster.local';
    const service = { name: 'istio-ingressgateway', namespace: 'istio-system' };
    entries.push({
      created: 0,
      seq: 0,
      host,
      ports: DEFAULT_INGRESS.ports.map((p) => ({ host, port: p.port, service, kind: 'Service' as const })),
    });
  }
  for (const [seq, se] of [...resources.serviceEntries].sort(byCreation).entries()) {
    if (String(se.spec.location ?? 'MESH_EXTERNAL').toUpperCase() !== 'MESH_INTERNAL') continue;
    const ports = arr<{ number?: number; protocol?: string }>(se.spec.ports).filter(
      (p) => p.number && (p.protocol ?? '').toUpperCase() !== 'UDP',
    );
    for (const host of arr<string>(se.spec.hosts))
      entries.push({
        created: time(se.metadata.creationTimestamp, true),
        seq,
        host,
        ports: ports.map((p) => ({
          host,
          port: p.number!,
          service: { name: host, namespace: namespaceOf(se) },
          kind: 'ServiceEntry' as const,
          resolution: String(se.spec.resolution ?? 'NONE').toUpperCase(),
        })),
      });
  }
  entries.sort((a, b) =>
    a.created !== b.created
      ? a.created < b.created
        ? -1
        : 1
      : a.seq !== b.seq
        ? a.seq - b.seq
        : a.host < b.host
          ? -1
          : a.host > b.host
            ? 1
            : 0,
  );
  return entries.flatMap((e) => e.ports);
}

/** Whether a gateway proxy in the inputs has an AUTO_PASSTHROUGH server (then it gets SNI-DNAT clusters). */
export function hasAutoPassthrough(resources: ResourceSet): boolean {
  return resources.gateways.some((g) => arr<GatewayServer>(g.spec.servers).some(isAuto));
}

export function predictAutoPassthrough(resources: ResourceSet): AutoPassthroughChain[] {
  if (!hasAutoPassthrough(resources)) return [];
  const gateways = [...resources.gateways].sort(byCreation);
  const rules = new DestinationRuleIndex([...resources.destinationRules].sort(byCreation));
  const servicePorts = meshServicePorts(resources);
  const out: AutoPassthroughChain[] = [];
  for (const workload of findGatewayWorkloads(gateways, resources.services, resources.deployments)) {
    for (const gw of gateways) {
      if (!Object.keys(gw.spec.selector ?? {}).length || !selectorMatches(gw.spec.selector, workload.labels)) continue;
      for (const server of arr<GatewayServer>(gw.spec.servers)) {
        if (!isAuto(server) || !server.port?.number) continue;
        const listener = `${server.bind || '0.0.0.0'}_${resolveListenerPort(workload, server.port.number, resources.deployments)}`;
        const hosts = arr<string>(server.hosts).map((h) => (h.includes('/') ? (h.split('/')[1] ?? '') : h));
        for (const sp of servicePorts) {
          if (!hosts.some((h) => subsetOf(sp.host, h))) continue;
          const subsets = arr<{ name?: string }>(rules.ruleFor(sp.host)?.spec.subsets).map((s) => s.name ?? '');
          for (const subset of ['', ...subsets]) {
            const cluster = sniDnatClusterName(sp.port, subset, sp.host);
            out.push({
              gateway: `${namespaceOf(gw)}/${gw.metadata.name}`,
              listener,
              serverNames: [cluster],
              applicationProtocols: ISTIO_MTLS_ALPNS,
              cluster,
              statPrefix: cluster,
              host: sp.host,
              port: sp.port,
              subset,
            });
          }
        }
      }
    }
  }
  return out;
}
