// istioctl's proxy-config tables, byte for byte: the column logic of istioctl/pkg/writer/envoy/configdump
// (route.go, listener.go, cluster.go, endpoint.go) and writer/envoy/clusters/clusters.go, formatted with a
// port of Go's text/tabwriter and rows ordered with a port of Go's sort.Slice (it is not stable, and ties
// are common: listeners on one port, endpoints of one cluster).
import type { AdminClusters } from './adminClusters';
import type { ConfigDump } from './configDump';
import { goSortSlice } from './goSort';
import { GoTabwriter } from './goTabwriter';
import type {
  Address,
  Cluster,
  ClusterLoadAssignment,
  Filter,
  FilterChain,
  FilterChainMatch,
  HostStatus,
  LbEndpoint,
  Listener,
  Locality,
  Route,
  RouteConfiguration,
  RouteMatch,
  VirtualHost,
} from './types';

/** A table cannot be printed because the input has nothing of that kind (istioctl: "no routes found"). */
export class NothingToPrintError extends Error {
  override name = 'NothingToPrintError';
}

const HTTP_LISTENER = 'envoy.filters.network.http_connection_manager';
const TCP_LISTENER = 'envoy.filters.network.tcp_proxy';
const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
const HEALTH_STATUS_NAMES = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];

/** `proxy-config all` prefixes names with their kind (route/, cluster/, listener/, endpoint/). */
export interface SummaryOptions {
  withType?: boolean;
}

// ---------------------------------------------------------------- routes

export interface RouteFilter extends SummaryOptions {
  name?: string;
  /** istioctl's --verbose, default true; false prints NAME / VIRTUAL HOSTS. */
  verbose?: boolean;
}

function goAtoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** Route configurations in istioctl's order: dynamic then static, sorted by numeric name where both are numbers. */
export function sortedRouteConfigs(dump: ConfigDump): RouteConfiguration[] {
  const routes = dump.routeConfigs.map((e) => e.routeConfig);
  if (routes.length === 0) throw new NothingToPrintError('no routes found');
  return goSortSlice(routes, (a, b) => {
    const i = goAtoi(a.name ?? '');
    if (i === undefined) return false;
    const j = goAtoi(b.name ?? '');
    if (j === undefined) return false;
    return i < j;
  });
}

export function describeRouteDomains(domains: readonly string[] | undefined): string {
  if (!domains || domains.length === 0) return '';
  const [only] = domains;
  if (domains.length === 1 && only !== undefined) return only;
  const maximum = 2;
  let withoutPort: string[] = [];
  for (const d of domains) {
    if (!d.includes(':')) withoutPort.push(d);
    else if (d.split(':').length - 1 > 2 && d.endsWith(']')) withoutPort.push(d);
  }
  withoutPort = unexpandDomains(withoutPort);
  if (withoutPort.length > maximum) {
    return `${withoutPort.slice(0, maximum).join(', ')} + ${withoutPort.length - maximum} more...`;
  }
  return withoutPort.join(', ');
}

function unexpandDomains(domains: string[]): string[] {
  const unique = new Set(domains);
  const shouldDelete = new Set<string>();
  for (const h of domains) {
    const stripFull = h.endsWith('.svc.cluster.local') ? h.slice(0, -'.svc.cluster.local'.length) : h;
    if (unique.has(stripFull) && stripFull !== h) shouldDelete.add(h);
    const stripPartial = h.endsWith('.svc') ? h.slice(0, -'.svc'.length) : h;
    if (unique.has(stripPartial) && stripPartial !== h) shouldDelete.add(h);
  }
  return domains.filter((h) => !shouldDelete.has(h));
}

/** istioctl's MATCH column: `/p*` for a prefix, the path, `PathPrefix:/p`, `regex r`; headers ignored. */
export function istioctlMatchColumn(match: RouteMatch | undefined): string {
  const conds: string[] = [];
  if (!match) return '';
  if (match.prefix) conds.push(`${match.prefix}*`);
  if (match.pathSeparatedPrefix) conds.push(`PathPrefix:${match.pathSeparatedPrefix}`);
  if (match.path) conds.push(match.path);
  if (match.safeRegex) conds.push(`regex ${match.safeRegex.regex ?? ''}`);
  return conds.join(' ');
}

/** istioctl's VIRTUAL SERVICE / DESTINATION RULE column: `<name>.<namespace>` from metadata istio.config. */
export function describeManagement(
  metadata: { filterMetadata?: Record<string, Record<string, unknown>> } | undefined,
): string {
  const istio = metadata?.filterMetadata?.istio;
  if (!istio || !('config' in istio)) return '';
  const config = typeof istio.config === 'string' ? istio.config : '';
  if (config.startsWith('/apis/networking.istio.io/')) {
    const pieces = config.split('/');
    if (pieces.length !== 8) return '';
    return `${pieces[7]}.${pieces[5]}`;
  }
  return '<unknown>';
}

function isPassthrough(r: Route): boolean {
  return r.route?.cluster === PASSTHROUGH_CLUSTER;
}

export function routesTable(dump: ConfigDump, filter: RouteFilter = {}): string {
  const routes = sortedRouteConfigs(dump);
  const verbose = filter.verbose !== false;
  const w = GoTabwriter.istioctl(5);
  w.write(verbose ? 'NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n' : 'NAME\tVIRTUAL HOSTS\n');
  for (const rc of routes) {
    if (filter.name && filter.name !== (rc.name ?? '')) continue;
    const name = filter.withType ? `route/${rc.name ?? ''}` : (rc.name ?? '');
    if (!verbose) {
      w.row([name, (rc.virtualHosts ?? []).length]);
      continue;
    }
    for (const vh of rc.virtualHosts ?? []) {
      const routesOfVh = vh.routes ?? [];
      for (const r of routesOfVh) {
        if (isPassthrough(r)) continue;
        w.row([
          name,
          vh.name ?? '',
          describeRouteDomains(vh.domains),
          istioctlMatchColumn(r.match),
          describeManagement(r.metadata),
        ]);
      }
      if (routesOfVh.length === 0) w.row([name, vh.name ?? '', describeRouteDomains(vh.domains), '/*', '404']);
    }
  }
  return w.flush();
}

// ---------------------------------------------------------------- listeners

export interface ListenerFilter extends SummaryOptions {
  address?: string;
  port?: number;
  type?: string;
  verbose?: boolean;
}

function filterChains(l: Listener): FilterChain[] {
  const res = [...(l.filterChains ?? [])];
  if (l.defaultFilterChain) res.push(l.defaultFilterChain);
  return res;
}

// istioctl searches the proto bytes of the tcp_proxy config for "BlackHoleCluster"; the JSON text has the same strings.
function mentionsBlackHole(f: Filter): boolean {
  return JSON.stringify(f.typedConfig ?? {}).includes(BLACKHOLE_CLUSTER);
}

export function listenerType(l: Listener): string {
  let nHTTP = 0;
  let nTCP = 0;
  for (const fc of filterChains(l))
    for (const f of fc.filters ?? []) {
      if (f.name === HTTP_LISTENER) nHTTP++;
      else if (f.name === TCP_LISTENER && !mentionsBlackHole(f)) nTCP++;
    }
  if (nHTTP > 0) return nTCP === 0 ? 'HTTP' : 'HTTP+TCP';
  if (nTCP > 0) return 'TCP';
  return 'UNKNOWN';
}

export function listenerAddress(l: Listener): string {
  if (l.address?.socketAddress) return l.address.socketAddress.address ?? '';
  if (l.address?.pipe) return l.address.pipe.path ?? '';
  return '';
}

function listenerAdditionalAddresses(l: Listener): string[] {
  return (l.additionalAddresses ?? []).map((a) => a.address?.socketAddress?.address ?? '');
}

export function listenerPort(l: Listener): number {
  return l.address?.socketAddress?.portValue ?? 0;
}

const PROTOCOL_DESCRIPTIONS: [string, string[]][] = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
];

/** istioctl's MATCH column for a filter chain. */
export function describeFilterChainMatch(m: FilterChainMatch | undefined): string {
  const match = m ?? {};
  const descrs: string[] = [];
  if (match.serverNames?.length) descrs.push(`SNI: ${match.serverNames.join(',')}`);
  if (match.transportProtocol) descrs.push(`Trans: ${match.transportProtocol}`);
  if (match.applicationProtocols?.length) {
    const protos = match.applicationProtocols;
    const known = PROTOCOL_DESCRIPTIONS.find(
      ([, p]) => p.length === protos.length && p.every((x, i) => x === protos[i]),
    );
    descrs.push(known ? known[0] : `App: ${protos.join(',')}`);
  }
  const port =
    match.destinationPort !== undefined && match.destinationPort !== null ? `:${Number(match.destinationPort)}` : '';
  if (match.prefixRanges?.length) {
    const pf = match.prefixRanges.map((p) => `${p.addressPrefix ?? ''}/${Number(p.prefixLen ?? 0)}`);
    descrs.push(`Addr: ${pf.join(',')}${port}`);
  } else if (port) {
    descrs.push(`Addr: *${port}`);
  }
  return descrs.length ? descrs.join('; ') : 'ALL';
}

/** istioctl's DESTINATION column for a filter chain's filters. */
export function describeFilterDestination(filters: Filter[] | undefined): string {
  for (const f of filters ?? []) {
    const tc = (f.typedConfig ?? {}) as Record<string, unknown>;
    if (f.name === HTTP_LISTENER) {
      if (tc.routeConfig && typeof tc.routeConfig === 'object')
        return describeRouteConfig(tc.routeConfig as RouteConfiguration);
      const rds = tc.rds as { routeConfigName?: string } | undefined;
      if (rds?.routeConfigName) return `Route: ${rds.routeConfigName}`;
      return 'HTTP';
    } else if (f.name === TCP_LISTENER) {
      if (!mentionsBlackHole(f)) {
        const cluster = typeof tc.cluster === 'string' ? tc.cluster : '';
        if (cluster.includes('Cluster')) return cluster;
        return `Cluster: ${cluster}`;
      }
    }
  }
  return 'Non-HTTP/Non-TCP';
}

function describeRouteConfig(rc: RouteConfiguration): string {
  const cluster = matchAllCluster(rc);
  if (cluster) return cluster;
  const vhosts = (rc.virtualHosts ?? []).map((vh) => {
    const d = describeDomains(vh);
    return d === '' ? describeRoutes(vh) : `${d} ${describeRoutes(vh)}`;
  });
  return `Inline Route: ${vhosts.join('; ')}`;
}

function matchAllCluster(rc: RouteConfiguration): string {
  const vhs = rc.virtualHosts ?? [];
  const [vh] = vhs;
  if (vhs.length !== 1 || !vh) return '';
  if (!(vh.domains?.length === 1 && vh.domains[0] === '*')) return '';
  const routes = vh.routes ?? [];
  const [r] = routes;
  if (routes.length !== 1 || !r) return '';
  if (r.match?.prefix !== '/') return '';
  const cluster = r.route?.cluster;
  if (typeof cluster !== 'string') return '';
  return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
}

function describeDomains(vh: VirtualHost): string {
  if (vh.domains?.length === 1 && vh.domains[0] === '*') return '';
  return (vh.domains ?? []).join('/');
}

function describeRoutes(vh: VirtualHost): string {
  return (vh.routes ?? []).map((r) => istioctlMatchColumn(r.match)).join(', ');
}

function listenerPasses(l: Listener, f: ListenerFilter): boolean {
  if (!f.address && !f.port && !f.type) return true;
  if (f.address) {
    const addrs = [...listenerAdditionalAddresses(l), listenerAddress(l)];
    if (!addrs.some((a) => a.toLowerCase() === f.address!.toLowerCase())) return false;
  }
  if (f.port && listenerPort(l) !== f.port) return false;
  if (f.type && listenerType(l).toLowerCase() !== f.type.toLowerCase()) return false;
  return true;
}

export function listenersTable(dump: ConfigDump, filter: ListenerFilter = {}): string {
  if (dump.listeners.length === 0) throw new NothingToPrintError('no listeners found');
  const verbose = filter.verbose !== false;
  const listeners = goSortSlice(
    dump.listeners.map((e) => e.listener).filter((l) => listenerPasses(l, filter)),
    (a, b) => {
      const ip = listenerPort(a);
      const jp = listenerPort(b);
      if (ip !== jp) return ip < jp;
      const ia = listenerAddress(a);
      const ja = listenerAddress(b);
      if (ia !== ja) return ia < ja;
      return listenerType(a) < listenerType(b);
    },
  );
  // padding 1, unlike the other tables
  const w = GoTabwriter.istioctl(1);
  let header = 'ADDRESSES\tPORT';
  if (filter.withType) header = 'NAME\t' + header;
  header += verbose ? '\tMATCH\tDESTINATION' : '\tTYPE';
  w.write(header + '\n');
  for (const l of listeners) {
    const addresses = [listenerAddress(l), ...listenerAdditionalAddresses(l)].join(',');
    const port = listenerPort(l);
    const name = `listener/${l.name ?? ''}`;
    if (verbose) {
      const matches = goSortSlice(
        filterChains(l).map((fc) => ({
          match: describeFilterChainMatch(fc.filterChainMatch),
          destination: describeFilterDestination(fc.filters),
        })),
        (a, b) => a.destination > b.destination,
      );
      for (const m of matches)
        w.row(
          filter.withType ? [name, addresses, port, m.match, m.destination] : [addresses, port, m.match, m.destination],
        );
    } else {
      const t = listenerType(l);
      w.row(filter.withType ? [name, addresses, port, t] : [addresses, port, t]);
    }
  }
  return w.flush();
}

// ---------------------------------------------------------------- clusters

export interface ClusterFilter extends SummaryOptions {
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
}

/** Istio's model.ParseSubsetKey: `direction|port|subset|hostname` (or the DNS SRV form `outbound_.80_.v1_.host`). */
export function parseSubsetKey(s: string): { direction: string; subset: string; hostname: string; port: number } {
  const res = { direction: '', subset: '', hostname: '', port: 0 };
  const sep = s.startsWith('outbound_') || s.startsWith('inbound_') ? '_.' : '|';
  const cut = (x: string): [string, string, boolean] => {
    const i = x.indexOf(sep);
    return i < 0 ? [x, '', false] : [x.slice(0, i), x.slice(i + sep.length), true];
  };
  let [dir, rest, ok] = cut(s);
  if (!ok) return res;
  res.direction = dir;
  let p: string;
  [p, rest, ok] = cut(rest);
  if (!ok) return res;
  res.port = goAtoi(p) ?? 0;
  let ss: string;
  [ss, rest, ok] = cut(rest);
  if (!ok) return res;
  res.subset = ss;
  if (rest.includes(sep)) return res;
  res.hostname = rest;
  return res;
}

function safelyParseSubsetKey(key: string): { direction: string; subset: string; hostname: string; port: number } {
  if (key.split('|').length > 3) return parseSubsetKey(key);
  return { direction: '', subset: '', hostname: key, port: 0 };
}

function subsetKeyLess(a: string, b: string): boolean {
  const i = safelyParseSubsetKey(a);
  const j = safelyParseSubsetKey(b);
  if (i.hostname === j.hostname) {
    if (i.subset === j.subset) {
      if (i.port === j.port) return i.direction < j.direction;
      return i.port < j.port;
    }
    return i.subset < j.subset;
  }
  return i.hostname < j.hostname;
}

/** Go's Cluster.GetType(): the `type` enum, STATIC when the cluster uses cluster_type or sets nothing. */
export function clusterTypeName(c: Cluster): string {
  return typeof c.type === 'string' ? c.type : 'STATIC';
}

function clusterPasses(c: Cluster, f: ClusterFilter): boolean {
  const name = c.name ?? '';
  if (!f.fqdn && !f.port && !f.subset && !f.direction) return true;
  if (f.fqdn && !name.includes(f.fqdn)) return false;
  if (f.direction && !name.includes(f.direction)) return false;
  if (f.subset && !name.includes(f.subset)) return false;
  if (f.port && !name.includes(`|${f.port}|`)) return false;
  return true;
}

export function clustersTable(dump: ConfigDump, filter: ClusterFilter = {}): string {
  if (dump.clusters.length === 0) throw new NothingToPrintError('no clusters found');
  const clusters = goSortSlice(
    dump.clusters.map((e) => e.cluster),
    (a, b) => subsetKeyLess(a.name ?? '', b.name ?? ''),
  );
  const w = GoTabwriter.istioctl(5);
  w.write(
    filter.withType
      ? 'NAME\tSERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n'
      : 'SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n',
  );
  for (const c of clusters) {
    if (!clusterPasses(c, filter)) continue;
    const name = c.name ?? '';
    const dr = describeManagement(c.metadata);
    const type = clusterTypeName(c);
    if (name.split('|').length > 3) {
      const k = parseSubsetKey(name);
      const subset = k.subset === '' ? '-' : k.subset;
      const cells = [k.hostname, k.port, subset, k.direction, type, dr];
      w.row(filter.withType ? [`cluster/${name}`, ...cells] : cells);
    } else if (filter.withType && name.length > 0) {
      w.row([`cluster/${name}`, `cluster/${name}`, '-', '-', '-', type, dr]);
    } else {
      w.row([name, '-', '-', '-', type, dr]);
    }
  }
  return w.flush();
}

// ---------------------------------------------------------------- endpoints

export interface EndpointFilter extends SummaryOptions {
  address?: string;
  port?: number;
  cluster?: string;
  status?: string;
}

function healthName(s: unknown): string {
  if (typeof s === 'number') return HEALTH_STATUS_NAMES[s] ?? String(s);
  if (typeof s === 'string' && s) return s;
  return 'UNKNOWN';
}

function endpointAddresses(ep: LbEndpoint): string[] {
  const addrs: (Address | undefined)[] = [
    ep.endpoint?.address,
    ...(ep.endpoint?.additionalAddresses ?? []).map((a) => a.address),
  ];
  return addrs.map((a) => {
    if (a?.socketAddress) return `${a.socketAddress.address ?? ''}:${Number(a.socketAddress.portValue ?? 0)}`;
    if (a?.pipe) return a.pipe.path ?? '';
    if (a?.envoyInternalAddress?.serverListenerName !== undefined)
      return `envoy://${a.envoyInternalAddress.serverListenerName}/${a.envoyInternalAddress.endpointId ?? ''}`;
    return 'unknown';
  });
}

function localityToString(l: Locality | undefined): string {
  if (!l) return '';
  let resp = l.region ?? '';
  if (!l.zone) return resp;
  resp += '/' + l.zone;
  if (!l.subZone) return resp;
  return resp + '/' + l.subZone;
}

function edsEndpointPasses(ep: LbEndpoint, cluster: string, f: EndpointFilter): boolean {
  if (!f.address && !f.port && !f.cluster && !f.status) return true;
  if (f.address && !endpointAddresses(ep).some((a) => a.toLowerCase() === f.address!.toLowerCase())) return false;
  if (f.port && (ep.endpoint?.address?.socketAddress?.portValue ?? 0) !== f.port) return false;
  if (f.cluster && cluster.toLowerCase() !== f.cluster.toLowerCase()) return false;
  if (f.status && healthName(ep.healthStatus).toLowerCase() !== f.status.toLowerCase()) return false;
  return true;
}

/** `istioctl proxy-config endpoints --file <config_dump?include_eds>`: NAME STATUS LOCALITY CLUSTER. */
export function edsEndpointsTable(dump: ConfigDump, filter: EndpointFilter = {}): string {
  const kept: ClusterLoadAssignment[] = [];
  for (const { assignment } of dump.endpoints) {
    let count = 0;
    const filtered = (assignment.endpoints ?? []).map((llb) => {
      const lbEndpoints = (llb.lbEndpoints ?? []).filter((ep) =>
        edsEndpointPasses(ep, assignment.clusterName ?? '', filter),
      );
      count += lbEndpoints.length;
      return { ...llb, lbEndpoints };
    });
    if (count !== 0) kept.push({ ...assignment, endpoints: filtered });
  }
  goSortSlice(kept, (a, b) => subsetKeyLess(a.clusterName ?? '', b.clusterName ?? ''));
  const w = GoTabwriter.istioctl(5);
  w.write('NAME\tSTATUS\tLOCALITY\tCLUSTER\n');
  for (const cla of kept)
    for (const llb of cla.endpoints ?? [])
      for (const ep of llb.lbEndpoints ?? []) {
        let addr = endpointAddresses(ep).join(',');
        if (filter.withType) addr = `endpoint/${addr}`;
        w.row([addr, healthName(ep.healthStatus), localityToString(llb.locality), cla.clusterName ?? '']);
      }
  return w.flush();
}

function hostAddress(h: HostStatus): string {
  const a = h.address;
  if (a?.socketAddress) return a.socketAddress.address ?? '';
  if (a?.pipe) return 'unix://' + (a.pipe.path ?? '');
  if (a?.envoyInternalAddress?.serverListenerName !== undefined)
    return `envoy://${a.envoyInternalAddress.serverListenerName}/${a.envoyInternalAddress.endpointId ?? ''}`;
  return 'unknown';
}

function hostPort(h: HostStatus): number {
  return Number(h.address?.socketAddress?.portValue ?? 0);
}

/** `istioctl proxy-config endpoints` on a live proxy (from /clusters?format=json): ENDPOINT STATUS OUTLIER CHECK CLUSTER. */
export function adminEndpointsTable(clusters: AdminClusters, filter: EndpointFilter = {}): string {
  const rows: { address: string; port: number; cluster: string; status: string; failed: boolean }[] = [];
  const any = filter.address || filter.port || filter.cluster || filter.status;
  for (const c of clusters.clusterStatuses)
    for (const h of c.hostStatuses ?? []) {
      const status = healthName(h.healthStatus?.edsHealthStatus);
      if (any) {
        if (filter.address && hostAddress(h).toLowerCase() !== filter.address.toLowerCase()) continue;
        if (filter.port && hostPort(h) !== filter.port) continue;
        if (filter.cluster && (c.name ?? '').toLowerCase() !== filter.cluster.toLowerCase()) continue;
        if (filter.status && status.toLowerCase() !== filter.status.toLowerCase()) continue;
      }
      rows.push({
        address: hostAddress(h),
        port: hostPort(h),
        cluster: c.name ?? '',
        status,
        failed: h.healthStatus?.failedOutlierCheck === true,
      });
    }
  goSortSlice(rows, (a, b) => {
    if (a.address === b.address) {
      if (a.port === b.port) return a.cluster < b.cluster;
      return a.port < b.port;
    }
    return a.address < b.address;
  });
  const w = GoTabwriter.istioctl(5);
  w.write('ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER\n');
  for (const r of rows) {
    const endpoint = r.port !== 0 ? `${r.address}:${r.port}` : r.address;
    w.row([endpoint, r.status, r.failed ? 'FAILED' : 'OK', r.cluster]);
  }
  return w.flush();
}

// ---------------------------------------------------------------- bootstrap and `proxy-config all`

/** `Istio Version:` / `Istio Proxy Version:` / `Envoy Version:` lines of `istioctl proxy-config all`. */
export function bootstrapSummary(dump: ConfigDump): string {
  const b = dump.bootstrap;
  if (!b) throw new NothingToPrintError('no bootstrap found');
  const node = (b.node ?? {}) as Record<string, unknown>;
  const md = (node.metadata ?? {}) as Record<string, unknown>;
  const istioVersion = typeof md.ISTIO_VERSION === 'string' ? md.ISTIO_VERSION : '';
  let sha = typeof md.ISTIO_PROXY_SHA === 'string' ? md.ISTIO_PROXY_SHA : '';
  const [, afterColon] = sha.split(':');
  if (afterColon !== undefined) sha = afterColon;
  const ua = (node.userAgentBuildVersion ?? {}) as {
    version?: Record<string, unknown>;
    metadata?: Record<string, unknown>;
  };
  const v = ua.version ?? {};
  const uaMd = ua.metadata ?? {};
  let envoy = `${Number(v.majorNumber ?? 0)}.${Number(v.minorNumber ?? 0)}.${Number(v.patch ?? 0)}`;
  if ('build.label' in uaMd) envoy += `-${String(uaMd['build.label'])}`;
  if ('revision.status' in uaMd) envoy += `/${String(uaMd['revision.status'])}`;
  if ('build.type' in uaMd) envoy += `/${String(uaMd['build.type'])}`;
  if ('ssl.version' in uaMd) envoy += `/${String(uaMd['ssl.version'])}`;
  const w = GoTabwriter.istioctl(1);
  if (istioVersion) w.row(['Istio Version:', istioVersion]);
  if (sha) w.row(['Istio Proxy Version:', sha]);
  if (envoy) w.row(['Envoy Version:', envoy]);
  return w.flush();
}

/**
 * `istioctl proxy-config all` (summary form): bootstrap, clusters, listeners, routes, secrets, endpoints,
 * each section followed by a blank line, names prefixed by their kind. `secrets` renders the SECRET section
 * (see ./secrets); it is passed in so this module stays free of the X509 parser.
 */
export function allSummary(dump: ConfigDump, secrets: (dump: ConfigDump) => string): string {
  const t = { withType: true };
  return [
    bootstrapSummary(dump),
    clustersTable(dump, t),
    listenersTable(dump, t),
    routesTable(dump, t),
    secrets(dump),
    edsEndpointsTable(dump, t),
  ].join('\n');
}
