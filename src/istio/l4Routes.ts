// The gateway's TCP and TLS routes: what Istio puts on a listener for `tcp[]` and `tls[]` rules of
// VirtualServices (pilot/pkg/networking/core/gateway.go createGatewayTCPFilterChainOpts,
// buildGatewayNetworkFiltersFromTCPRoutes / FromTLSRoutes, networkfilter.go buildOutboundNetworkFilters):
//  - a TCP server (no tls): one filter chain, the first tcp[] rule (VirtualServices in Istio's order) whose
//    match has the server's port (or none) and names this gateway (or none);
//  - a TLS/HTTPS server in PASSTHROUGH: one filter chain per tls[].match, its SNI hosts as server names;
//    an SNI host already taken on that listener port skips the match (Istio logs "duplicate SNI host names");
//  - the chain's tcp_proxy goes to one cluster (stat_prefix = the cluster) or weighted clusters
//    (stat_prefix = `<vs name>.<vs namespace>`).
//  - a TLS server that terminates (SIMPLE): like a TCP server, its chain matching the server's hosts as SNI
//    (none for `*`) with the server's certificates (serverTls.ts);
// AUTO_PASSTHROUGH servers read no VirtualService: autoPassthrough.ts.
import { l4SourceOf, withGatewayApi } from './gatewayApi';
import { findGatewayWorkloads, resolveListenerPort, selectorMatches } from './gatewayWorkloads';
import { intersectHosts, namesForNamespace, resolveGatewayName, resolveShortname, sanitizeServerHosts } from './hosts';
import type { GatewayServer, KubeObject, Range, ResourceSet, ServiceSpec, VirtualService } from './model';
import { byCreation } from './predict';
import { downstreamTransportSocket, type TransportSocket } from './serverTls';
import { destinationCluster } from './routeTranslation';
import { namespaceOf } from './model';

export interface L4Route {
  section: 'tcp' | 'tls';
  /** `<namespace>/<name>` of the Gateway whose server gives the listener. */
  gateway: string;
  listener: string;
  /** The filter chain's server names (SNI); none for a TCP chain. */
  serverNames?: string[];
  /** A TLS-terminating chain's SDS certificate resources. */
  transportSocket?: TransportSocket;
  cluster?: string;
  weightedClusters?: { name: string; weight: number }[];
  statPrefix: string;
  virtualService: { name: string; namespace: string };
  /** For a TLSRoute or TCPRoute: the route and its rule the chain comes from (`virtualService` is Istio's internal one). */
  source?: { kind: 'TLSRoute' | 'TCPRoute'; name: string; namespace: string; rule: number };
  file: string;
  /** The match entry (or the rule when it has no match). */
  range: Range;
  line: number;
  rule: number;
  match: number | null;
}

interface L4Match {
  port?: number;
  gateways?: string[];
  sniHosts?: string[];
}
interface L4Rule {
  match?: L4Match[];
  route?: { destination?: { host?: string; port?: { number?: number }; subset?: string }; weight?: number }[];
}

const keyOf = (o: KubeObject) => `${namespaceOf(o)}/${o.metadata.name}`;
const protocolOf = (s: GatewayServer) => (s.port?.protocol ?? '').toUpperCase();
const modeOf = (s: GatewayServer) => (s.tls?.mode ?? '').toUpperCase();
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** l4SingleMatch: the match's port (0: any) is the server's and its gateways (none: any) include this one. */
function l4Match(m: L4Match, server: GatewayServer, gatewayName: string, vsNamespace: string): boolean {
  const portOk = !m.port || m.port === server.port.number;
  const gws = arr<string>(m.gateways).map((g) => resolveGatewayName(g, vsNamespace));
  return portOk && (gws.length === 0 || gws.includes(gatewayName));
}

/** VirtualServicesForGateway: bound to the gateway, visible from the proxy's namespace; private, exported, public. */
function virtualServicesFor(vss: VirtualService[], gatewayName: string, proxyNamespace: string): VirtualService[] {
  const priv: VirtualService[] = [];
  const exported: VirtualService[] = [];
  const pub: VirtualService[] = [];
  for (const vs of vss) {
    const ns = namespaceOf(vs);
    const gws = arr<string>(vs.spec.gateways).map((g) => resolveGatewayName(g, ns));
    if (!gws.includes(gatewayName)) continue;
    const exportTo = arr<string>(vs.spec.exportTo);
    if (!exportTo.length || exportTo.includes('*')) pub.push(vs);
    else if (!exportTo.includes('~') && exportTo.map((e) => (e === '.' ? ns : e)).includes(proxyNamespace))
      (ns === proxyNamespace ? priv : exported).push(vs);
  }
  return [...priv, ...exported, ...pub];
}

/** A cheap test that a YAML text may hold tcp[]/tls[] rules (lenses, hover): VirtualServices with them, TLS/TCP routes. */
export function mayHoldL4Routes(text: string): boolean {
  return (
    (/kind:\s*VirtualService/.test(text) && /^\s*(tcp|tls):/m.test(text)) || /kind:\s*(TLSRoute|TCPRoute)\b/.test(text)
  );
}

export function predictL4Routes(input: ResourceSet): L4Route[] {
  // TLSRoutes and TCPRoutes become Istio's internal tls[]/tcp[] VirtualServices on the listeners' internal Gateways
  const resources = withGatewayApi(input);
  const vss = [...resources.virtualServices].filter((v) => arr(v.spec.hosts).length).sort(byCreation);
  const gateways = [...resources.gateways].sort(byCreation);
  const services = new Map<string, ServiceSpec>();
  for (const s of resources.services) services.set(`${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`, s.spec);
  const out: L4Route[] = [];

  for (const workload of findGatewayWorkloads(gateways, resources.services, resources.deployments)) {
    const selected = gateways.filter(
      (g) => Object.keys(g.spec.selector ?? {}).length > 0 && selectorMatches(g.spec.selector, workload.labels),
    );
    const sniTaken = new Map<string, Set<string>>(); // listener -> SNI hosts
    for (const gw of selected) {
      const gatewayName = keyOf(gw);
      for (const server of arr<GatewayServer>(gw.spec.servers)) {
        if (!server?.port?.number) continue;
        const protocol = protocolOf(server);
        const passthrough = (protocol === 'TLS' || protocol === 'HTTPS') && modeOf(server) === 'PASSTHROUGH';
        const plainTcp = (protocol === 'TCP' || protocol === 'TLS' || protocol === 'MONGO') && !server.tls;
        const terminating = protocol === 'TLS' && !!server.tls && !passthrough && modeOf(server) !== 'AUTO_PASSTHROUGH';
        if (!passthrough && !plainTcp && !terminating) continue;
        const port = resolveListenerPort(workload, server.port.number, resources.deployments);
        const listener = `${server.bind || '0.0.0.0'}_${port}`;
        const serverHosts = sanitizeServerHosts(arr<string>(server.hosts), namespaceOf(gw));
        const bound = virtualServicesFor(vss, gatewayName, workload.namespace).filter(
          (vs) =>
            intersectHosts(
              namesForNamespace(serverHosts, namespaceOf(vs)),
              arr<string>(vs.spec.hosts).map((h) => resolveShortname(h, namespaceOf(vs))),
            ).length,
        );
        const base = (vs: VirtualService, section: 'tcp' | 'tls', rule: number, match: number | null) => {
          const range = vs.rangeAt(match === null ? ['spec', section, rule] : ['spec', section, rule, 'match', match]);
          const from = l4SourceOf(vs);
          const sourceRule = from?.rules[rule];
          return {
            section,
            gateway: gatewayName,
            listener,
            virtualService: { name: vs.metadata.name, namespace: namespaceOf(vs) },
            ...(from && sourceRule !== undefined
              ? { source: { kind: from.kind, name: from.name, namespace: namespaceOf(vs), rule: sourceRule } }
              : {}),
            file: vs.file,
            range,
            line: range.start.line + 1,
            rule,
            match,
          };
        };
        if (plainTcp || terminating) {
          // a terminating chain matches the server's hosts as SNI (namespace prefixes dropped; `*`: any)
          const sni = [...new Set(serverHosts.map((h) => h.slice(h.indexOf('/') + 1)))];
          const tlsChain = terminating
            ? {
                ...(sni.length && !sni.includes('*') ? { serverNames: sni } : {}),
                transportSocket: downstreamTransportSocket(server, 'tcp'),
              }
            : {};
          found: for (const vs of bound) {
            for (const [i, rule] of arr<L4Rule>((vs.spec as Record<string, unknown>).tcp).entries()) {
              const matches = arr<L4Match>(rule?.match);
              const hit = matches.findIndex((m) => l4Match(m, server, gatewayName, namespaceOf(vs)));
              if (matches.length && hit < 0) continue;
              if (!arr(rule.route).length) continue;
              out.push({
                ...base(vs, 'tcp', i, matches.length ? hit : null),
                ...tlsChain,
                ...tcpProxy(rule, vs, server.port.number, services),
              });
              break found;
            }
          }
          continue;
        }
        const taken = sniTaken.get(listener) ?? new Set<string>();
        sniTaken.set(listener, taken);
        for (const vs of bound) {
          for (const [i, rule] of arr<L4Rule>((vs.spec as Record<string, unknown>).tls).entries()) {
            if (!arr(rule?.route).length) continue;
            for (const [j, m] of arr<L4Match>(rule.match).entries()) {
              if (!l4Match(m, server, gatewayName, namespaceOf(vs))) continue;
              const sni = arr<string>(m.sniHosts);
              if (sni.some((h) => taken.has(h))) continue;
              sni.forEach((h) => taken.add(h));
              out.push({
                ...base(vs, 'tls', i, j),
                serverNames: sni,
                ...tcpProxy(rule, vs, server.port.number, services),
              });
            }
          }
        }
      }
    }
  }
  return out;
}

function tcpProxy(
  rule: L4Rule,
  vs: VirtualService,
  serverPort: number,
  services: Map<string, ServiceSpec>,
): Pick<L4Route, 'cluster' | 'weightedClusters' | 'statPrefix'> {
  const ns = namespaceOf(vs);
  const clusterOf = (d: NonNullable<L4Rule['route']>[number]) => {
    const host = resolveShortname(d.destination?.host ?? '', ns);
    return destinationCluster({ ...d.destination, host }, services.get(host), serverPort);
  };
  const routes = arr<NonNullable<L4Rule['route']>[number]>(rule.route);
  const [only] = routes;
  if (routes.length === 1 && only) {
    const cluster = clusterOf(only);
    return { cluster, statPrefix: cluster };
  }
  return {
    weightedClusters: routes
      .filter((d) => (d.weight ?? 0) !== 0)
      .map((d) => ({ name: clusterOf(d), weight: d.weight ?? 0 })),
    statPrefix: `${vs.metadata.name}.${ns}`,
  };
}
