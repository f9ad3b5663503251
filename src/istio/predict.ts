// Offline prediction of the HTTP route configurations Istio pushes to a gateway proxy, following
// pilot/pkg/model/gateway.go (mergeGateways) and pilot/pkg/networking/core/gateway.go
// (buildGatewayHTTPRouteConfig). Every generated route remembers the VirtualService match it came
// from, so the editor can put it on the exact YAML line; every match that yields no route says why.
import type { Route, RouteConfiguration, VirtualHost } from '../envoy/types';
import { findGatewayWorkloads, resolveListenerPort, selectorMatches, type GatewayWorkload } from './gatewayWorkloads';
import { expandHttpEntries, isDelegateEntry, type HttpEntry } from './delegation';
import { DestinationRuleIndex } from './destinationRules';
import {
  compareSpecificity,
  intersectHosts,
  namesForNamespace,
  resolveGatewayName,
  resolveShortname,
  sanitizeServerHosts,
} from './hosts';
import type {
  Destination,
  Gateway,
  GatewayServer,
  HTTPMatchRequest,
  KubeObject,
  Range,
  ResourceSet,
  ServiceSpec,
  VirtualService,
} from './model';
import type { NotOnGateway, PredictedRoute, Prediction, RouteOrigin } from './prediction';
import { downstreamTransportSocket } from './serverTls';
import { isCatchAllRoute, translateRoute } from './routeTranslation';
import { namespaceOf } from './model';
import { isGenerated, translateGatewayApi, usesGatewaySemantics, withGatewayApi } from './gatewayApi';

export interface PredictOptions {
  /** API version Istio writes into route metadata (`v1` since Istio 1.22; older gateways show `v1alpha3`). */
  metadataApiVersion?: string;
}

/** Istio's DefaultMaxDirectResponseBodySizeBytes. */
const MAX_DIRECT_RESPONSE_BODY = 1024 * 1024;

const keyOf = (o: KubeObject) => `${namespaceOf(o)}/${o.metadata.name}`;

/** Istio orders configs by creation time, then name, then namespace. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta && tb && ta !== tb) return Date.parse(ta) - Date.parse(tb);
  if (a.metadata.name !== b.metadata.name) return a.metadata.name < b.metadata.name ? -1 : 1;
  return namespaceOf(a) < namespaceOf(b) ? -1 : namespaceOf(a) > namespaceOf(b) ? 1 : 0;
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY']);
const protocolOf = (s: GatewayServer) => (s.port?.protocol ?? '').toUpperCase();
const isHTTP = (s: GatewayServer) => HTTP_PROTOCOLS.has(protocolOf(s));
const isTLSServer = (s: GatewayServer) => ['HTTPS', 'TLS'].includes(protocolOf(s));
const isPassthrough = (s: GatewayServer) =>
  ['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes((s.tls?.mode ?? '').toUpperCase());

/** A VirtualService with Istio's name resolution applied. */
interface ResolvedVS {
  obj: VirtualService;
  key: string;
  namespace: string;
  hosts: string[];
  gateways: string[];
  /** http entries as Istio translates them (short names resolved, delegates merged in). */
  entries: HttpEntry[];
}

interface BoundServer {
  server: GatewayServer;
  hosts: string[];
  gatewayName: string;
  gateway: Gateway;
}

interface RouteGroup {
  routeName: string;
  listener: string;
  /** The first server made the group; later ones with the same route name share it. */
  first: BoundServer;
  servers: BoundServer[];
}

function resolveVS(vs: VirtualService, delegates: Map<string, VirtualService>): ResolvedVS {
  const namespace = namespaceOf(vs);
  const gateways = vs.spec.gateways?.length ? vs.spec.gateways.map((g) => resolveGatewayName(g, namespace)) : ['mesh'];
  return {
    obj: vs,
    key: keyOf(vs),
    namespace,
    hosts: (vs.spec.hosts ?? []).map((h) => resolveShortname(h, namespace)),
    gateways,
    entries: expandHttpEntries(vs, delegates),
  };
}

/** exportTo as seen from the gateway proxy's namespace; the result keeps Istio's private, exported, public order. */
function visibleVirtualServices(all: ResolvedVS[], gatewayName: string, proxyNamespace: string): ResolvedVS[] {
  const priv: ResolvedVS[] = [];
  const exported: ResolvedVS[] = [];
  const pub: ResolvedVS[] = [];
  for (const vs of all) {
    if (!vs.gateways.includes(gatewayName)) continue;
    const exportTo = vs.obj.spec.exportTo?.length ? vs.obj.spec.exportTo : ['*'];
    if (exportTo.includes('*')) pub.push(vs);
    else if (!exportTo.includes('~')) {
      const targets = exportTo.map((e) => (e === '.' ? vs.namespace : e));
      if (targets.includes(proxyNamespace)) (vs.namespace === proxyNamespace ? priv : exported).push(vs);
    }
  }
  // Istio favours routes of the Gateway API from the proxy's own namespace ("consumer override")
  const ownGatewayApi = (vs: ResolvedVS) => usesGatewaySemantics(vs.obj) && vs.namespace === proxyNamespace;
  return [...priv, ...exported, ...pub.filter(ownGatewayApi), ...pub.filter((v) => !ownGatewayApi(v))];
}

/** mergeGateways, reduced to what the HTTP routes need: which servers feed which route configuration. */
function mergeServers(
  workload: GatewayWorkload,
  gateways: Gateway[],
  resources: ResourceSet,
  skipped: Map<string, string>,
): RouteGroup[] {
  const groups = new Map<string, RouteGroup>();
  const plainByPort = new Map<number, { protocol: string; bind: string }>();
  for (const gw of gateways) {
    const gatewayName = keyOf(gw);
    (gw.spec.servers ?? []).forEach((server, index) => {
      if (!server?.port?.number) return;
      const hosts = sanitizeServerHosts(server.hosts ?? [], namespaceOf(gw));
      const port = resolveListenerPort(workload, server.port.number, resources.deployments);
      const bind = server.bind ?? '';
      let routeName = '';
      if (isHTTP(server)) routeName = `http.${port}${bind ? `.${bind}` : ''}`;
      else if (protocolOf(server) === 'HTTPS' && !isPassthrough(server)) {
        routeName = `https.${server.port.number}.${server.port.name ?? ''}.${gw.metadata.name}.${namespaceOf(gw)}${bind ? `.${bind}` : ''}`;
      }
      const current = plainByPort.get(port);
      if (current && current.bind === bind && !isTLSServer(server)) {
        const canMerge =
          (HTTP_PROTOCOLS.has(current.protocol) || current.protocol === protocolOf(server)) && isHTTP(server);
        if (!canMerge) {
          skipped.set(
            `${gatewayName}#${index}`,
            `port ${port} already serves ${current.protocol}; Istio skips this ${protocolOf(server)} server`,
          );
          return;
        }
      } else if (!isTLSServer(server)) plainByPort.set(port, { protocol: protocolOf(server), bind });
      if (!routeName) return; // TCP/TLS passthrough servers carry no HTTP routes
      if (isTLSServer(server) && groups.has(routeName)) {
        skipped.set(`${gatewayName}#${index}`, `HTTPS route name ${routeName} is already taken by another server`);
        return;
      }
      const bound = { server, hosts, gatewayName, gateway: gw };
      const group = groups.get(routeName);
      if (group) group.servers.push(bound);
      else
        groups.set(routeName, { routeName, listener: `${bind || '0.0.0.0'}_${port}`, first: bound, servers: [bound] });
    });
  }
  return [...groups.values()];
}

interface Built {
  config: RouteConfiguration;
  gatewayOf: Map<Route, string>;
}

function buildRouteConfig(
  group: RouteGroup,
  workload: GatewayWorkload,
  vss: ResolvedVS[],
  services: Map<string, ServiceSpec>,
  destinationRules: DestinationRuleIndex,
  origins: Map<Route, RouteOrigin>,
  filtered: Map<string, string>,
  options: Required<PredictOptions>,
): Built {
  const vhosts = new Map<string, VirtualHost & { routes: Route[] }>();
  const routeCache = new Map<string, Route[] | null>();
  const gatewayOf = new Map<Route, string>();
  for (const bs of group.servers) {
    const port = bs.server.port.number;
    const isTLS = !!bs.server.tls;
    for (const vs of visibleVirtualServices(vss, bs.gatewayName, workload.namespace)) {
      const serverHosts = namesForNamespace(bs.hosts, vs.namespace);
      const hosts = intersectHosts(serverHosts, vs.hosts);
      if (!hosts.length) continue;
      const cacheKey = `${bs.gatewayName}|${vs.key}`;
      let routes = routeCache.get(cacheKey);
      if (routes === undefined) {
        routes = buildRoutesForVirtualService(
          vs,
          port,
          isTLS,
          bs.gatewayName,
          workload,
          services,
          destinationRules,
          origins,
          filtered,
          options,
        );
        routeCache.set(cacheKey, routes);
        for (const r of routes ?? []) gatewayOf.set(r, bs.gatewayName);
      }
      if (!routes) continue;
      for (const h of hosts) {
        const hostname = h.toLowerCase();
        const existing = vhosts.get(hostname);
        if (existing) {
          existing.routes.push(...routes);
          if (bs.server.tls?.httpsRedirect) existing.requireTls = 'ALL';
        } else {
          const vh: VirtualHost & { routes: Route[] } = {
            name: `${hostname}:${port}`,
            domains: [hostname],
            routes: [...routes],
            includeRequestAttemptCount: true,
          };
          if (bs.server.tls?.httpsRedirect) vh.requireTls = 'ALL';
          vhosts.set(hostname, vh);
        }
      }
    }
    if (bs.server.tls?.httpsRedirect) {
      for (const h of bs.hosts) {
        const hostname = h.toLowerCase();
        const existing = vhosts.get(hostname);
        if (existing) existing.requireTls = 'ALL';
        else
          vhosts.set(hostname, {
            name: `${hostname}:${port}`,
            domains: [hostname],
            routes: [],
            includeRequestAttemptCount: true,
            requireTls: 'ALL',
          });
      }
    }
  }

  let virtualHosts: VirtualHost[];
  if (vhosts.size === 0) {
    virtualHosts = [{ name: `blackhole:${group.first.server.port.number}`, domains: ['*'] }];
  } else {
    virtualHosts = collapseDuplicateRoutes(vhosts).map((v) => ({ ...v, routes: sortVHostRoutes(v.routes) }));
  }
  virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const v of virtualHosts) if (v.routes && v.routes.length === 0) delete v.routes;
  return {
    config: {
      name: group.routeName,
      virtualHosts,
      validateClusters: false,
      maxDirectResponseBodySizeBytes: MAX_DIRECT_RESPONSE_BODY,
      ignorePortInHostMatching: true,
    },
    gatewayOf,
  };
}

/** Hosts whose route lists are the very same routes merge into the alphabetically first (most specific) host. */
function collapseDuplicateRoutes(
  vhosts: Map<string, VirtualHost & { routes: Route[] }>,
): (VirtualHost & { routes: Route[] })[] {
  // Istio compares route pointers; an id per route object gives the same identity as a hashable key.
  const ids = new Map<Route, number>();
  const idOf = (r: Route) => ids.get(r) ?? (ids.set(r, ids.size), ids.size - 1);
  const byKey = new Map<string, VirtualHost & { routes: Route[] }>();
  const out: (VirtualHost & { routes: Route[] })[] = [];
  for (const k of [...vhosts.keys()].sort(compareSpecificity)) {
    const vh = vhosts.get(k)!;
    const key = JSON.stringify([vh.requireTls, vh.includeRequestAttemptCount, vh.routes.map(idOf)]);
    const same = byKey.get(key);
    if (same) same.domains.push(...vh.domains);
    else {
      const copy = { ...vh, domains: [...vh.domains] };
      byKey.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

function sortVHostRoutes(routes: Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter(isCatchAllRoute)];
}

const matchKey = (vsKey: string, http: number, match: number | null) => `${vsKey}|${http}|${match ?? '-'}`;

/** The Istio check of a match against this gateway (port, gateways, source labels); a reason when it fails. */
function matchFilteredOut(
  match: HTTPMatchRequest | undefined,
  listenPort: number,
  gatewayName: string,
  workload: GatewayWorkload,
  vs: ResolvedVS,
): string | undefined {
  if (!match) return undefined;
  if (match.port && match.port !== listenPort)
    return `match.port ${match.port} is not the Gateway server port ${listenPort}`;
  if (match.gateways?.length) {
    const resolved = match.gateways.map((g) => resolveGatewayName(g, vs.namespace));
    if (!resolved.includes(gatewayName)) return `match.gateways [${resolved.join(', ')}] does not name ${gatewayName}`;
    return undefined;
  }
  if (!selectorMatches(match.sourceLabels, workload.labels)) return `match.sourceLabels do not select the gateway pods`;
  if (match.sourceNamespace && match.sourceNamespace !== workload.namespace)
    return `match.sourceNamespace ${match.sourceNamespace} is not the gateway's namespace ${workload.namespace}`;
  return undefined;
}

function buildRoutesForVirtualService(
  vs: ResolvedVS,
  listenPort: number,
  isTLS: boolean,
  gatewayName: string,
  workload: GatewayWorkload,
  services: Map<string, ServiceSpec>,
  destinationRules: DestinationRuleIndex,
  origins: Map<Route, RouteOrigin>,
  filtered: Map<string, string>,
  options: Required<PredictOptions>,
): Route[] | null {
  const out: Route[] = [];
  const ctx = {
    vsName: vs.obj.metadata.name,
    vsNamespace: vs.namespace,
    listenPort,
    isTLS,
    lookupService: (h: string) => services.get(resolveShortname(h, vs.namespace)) ?? services.get(h),
    lookupHash: (d: Destination) => destinationRules.consistentHash(d),
    metadataApiVersion: options.metadataApiVersion,
    gatewaySemantics: usesGatewaySemantics(vs.obj),
  };
  const origin = (e: HttpEntry, j: number | null): RouteOrigin => {
    if (isGenerated(e.source)) {
      // a route of the Gateway API: the rule (or its match) in the HTTPRoute/GRPCRoute it comes from
      const o = e.source.origins[e.httpIndex];
      if (o) {
        const range = o.route.rangeAt(
          o.match === null ? ['spec', 'rules', o.rule] : ['spec', 'rules', o.rule, 'matches', o.match],
        );
        return {
          virtualService: { name: o.route.metadata.name, namespace: namespaceOf(o.route) },
          kind: o.route.kind,
          file: o.route.file,
          range,
          line: range.start.line + 1,
          http: o.rule,
          match: o.match,
        };
      }
    }
    const range: Range = e.source.rangeAt(
      j === null ? ['spec', 'http', e.httpIndex] : ['spec', 'http', e.httpIndex, 'match', j],
    );
    return {
      virtualService: { name: e.source.metadata.name, namespace: namespaceOf(e.source) },
      file: e.source.file,
      range,
      line: range.start.line + 1,
      http: e.httpIndex,
      match: j,
    };
  };
  const entries = vs.entries;
  let catchall: string | undefined;
  for (const [i, e] of entries.entries()) {
    if (catchall) break;
    const entry = e.route;
    if (!entry.match?.length) {
      const r = translateRoute(entry, undefined, ctx);
      origins.set(r, origin(e, null));
      out.push(r);
      catchall = where(e, null);
      continue;
    }
    for (const [j, m] of entry.match.entries()) {
      const why = matchFilteredOut(m, listenPort, gatewayName, workload, vs);
      if (why) {
        const k = matchKey(e.sourceKey, e.httpIndex, e.matchSource[j] ?? null);
        if (!filtered.has(k)) filtered.set(k, why);
        continue;
      }
      const r = translateRoute(entry, m, ctx);
      origins.set(r, origin(e, e.matchSource[j] ?? null));
      out.push(r);
      if (isCatchAllRoute(r)) {
        catchall = where(e, e.matchSource[j] ?? null);
        // later matches of this same entry are dropped too
        for (const k of entry.match.keys()) if (k > j) markUnreachable(e, e.matchSource[k] ?? null);
        break;
      }
    }
    if (catchall) for (const later of entries.slice(i + 1)) later.matchSource.forEach((j) => markUnreachable(later, j));
  }
  return out.length ? out : null;

  function where(e: HttpEntry, j: number | null) {
    const inOther = e.sourceKey !== vs.key ? ` of ${e.sourceKey}` : '';
    return j === null ? `http[${e.httpIndex}]${inOther}` : `http[${e.httpIndex}].match[${j}]${inOther}`;
  }
  function markUnreachable(e: HttpEntry, j: number | null) {
    const k = matchKey(e.sourceKey, e.httpIndex, j);
    if (!filtered.has(k))
      filtered.set(
        k,
        `unreachable: ${catchall} before it catches every request, so Istio drops the rest of this VirtualService`,
      );
  }
}

/** Predicts every HTTP route configuration the gateways get, and where each route comes from. */
export function predict(input: ResourceSet, options: PredictOptions = {}): Prediction {
  // The Gateway API's objects become Istio's internal Gateways and VirtualServices (and the deployed gateway)
  const api = translateGatewayApi(input);
  const resources = withGatewayApi(input, api);
  const opts: Required<PredictOptions> = { metadataApiVersion: options.metadataApiVersion ?? 'v1' };
  // VirtualServices without hosts are delegates: they route only through a root's http[].delegate.
  const delegates = new Map(resources.virtualServices.filter((v) => !v.spec.hosts?.length).map((v) => [keyOf(v), v]));
  const vss = [...resources.virtualServices]
    .filter((v) => v.spec.hosts?.length)
    .sort(byCreation)
    .map((v) => resolveVS(v, delegates));
  const gateways = [...resources.gateways].sort(byCreation);
  const services = new Map<string, ServiceSpec>();
  for (const s of resources.services) services.set(`${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`, s.spec);
  const destinationRules = new DestinationRuleIndex([...resources.destinationRules].sort(byCreation));

  const origins = new Map<Route, RouteOrigin>();
  const filtered = new Map<string, string>();
  const skippedServers = new Map<string, string>();
  const routes: PredictedRoute[] = [];
  const routeConfigs: RouteConfiguration[] = [];
  const httpChains: Prediction['httpChains'] = [];
  const produced = new Set<string>();

  for (const workload of findGatewayWorkloads(gateways, resources.services, resources.deployments)) {
    const selected = gateways.filter(
      (g) => Object.keys(g.spec.selector ?? {}).length > 0 && selectorMatches(g.spec.selector, workload.labels),
    );
    for (const group of mergeServers(workload, selected, resources, skippedServers)) {
      const { config, gatewayOf } = buildRouteConfig(
        group,
        workload,
        vss,
        services,
        destinationRules,
        origins,
        filtered,
        opts,
      );
      routeConfigs.push(config);
      const tlsServer = group.servers.find((bs) => isTLSServer(bs.server));
      // an HTTPS server's chain matches its hosts by SNI (namespace prefixes dropped; `*` matches any)
      const sni = tlsServer ? [...new Set(tlsServer.hosts.map((h) => h.slice(h.indexOf('/') + 1)))] : [];
      const transportSocket = tlsServer ? downstreamTransportSocket(tlsServer.server) : undefined;
      httpChains.push({
        listener: group.listener,
        routeConfig: config.name,
        ...(sni.length && !sni.includes('*') ? { serverNames: sni } : {}),
        ...(transportSocket ? { transportSocket } : {}),
      });
      for (const vh of config.virtualHosts ?? []) {
        for (const r of vh.routes ?? []) {
          const o = origins.get(r);
          if (!o) continue;
          produced.add(matchKey(`${o.virtualService.namespace}/${o.virtualService.name}`, o.http, o.match));
          routes.push({
            ...o,
            gateway: gatewayOf.get(r) ?? group.first.gatewayName,
            listener: group.listener,
            routeConfig: config.name,
            virtualHost: vh.name,
            domains: vh.domains,
            route: r,
          });
        }
      }
    }
  }
  routes.sort((a, b) => (a.file === b.file ? a.range.start.line - b.range.start.line : a.file < b.file ? -1 : 1));
  return {
    routes,
    routeConfigs,
    httpChains,
    notOnGateway: explainMissing(input.virtualServices, vss, gateways, produced, filtered),
    gatewayApiConditions: api.conditions,
    generatedGateways: api.gateways,
  };
}

/** Why each VirtualService (or match) that produced no route is not on any gateway. */
function explainMissing(
  allVirtualServices: VirtualService[],
  vss: ResolvedVS[],
  gateways: Gateway[],
  produced: Set<string>,
  filtered: Map<string, string>,
): NotOnGateway[] {
  const out: NotOnGateway[] = [];
  const gwByName = new Map(gateways.map((g) => [keyOf(g), g]));
  const roots = new Map(vss.map((v) => [v.key, v]));
  const entryKeys = (e: HttpEntry) => e.matchSource.map((j) => matchKey(e.sourceKey, e.httpIndex, j));
  for (const obj of allVirtualServices) {
    const key = keyOf(obj);
    const ref = { name: obj.metadata.name, namespace: namespaceOf(obj) };
    const root = roots.get(key);
    const http = obj.spec.http ?? [];
    const own = http.flatMap((e, i) =>
      isDelegateEntry(e) ? [] : (e.match?.length ? e.match.map((_, j) => j) : [null]).map((j) => matchKey(key, i, j)),
    );
    const anyProduced =
      own.some((k) => produced.has(k)) || (root?.entries.flatMap(entryKeys).some((k) => produced.has(k)) ?? false);
    if (!anyProduced) {
      const reason = root
        ? vsReason(root, gwByName, http.length)
        : vss.some((r) => r.entries.some((e) => e.sourceKey === key))
          ? 'a delegate VirtualService whose root produces no route on the gateway'
          : 'no hosts: a delegate VirtualService, used only through a root VirtualService http[].delegate, and none here delegates to it';
      out.push({ virtualService: ref, file: obj.file, range: obj.rangeAt(['spec']), reason });
      continue;
    }
    http.forEach((e, i) => {
      if (isDelegateEntry(e)) return;
      for (const j of e.match?.length ? e.match.map((_, j) => j) : [null]) {
        const k = matchKey(key, i, j);
        if (produced.has(k)) continue;
        out.push({
          virtualService: ref,
          file: obj.file,
          range: obj.rangeAt(j === null ? ['spec', 'http', i] : ['spec', 'http', i, 'match', j]),
          http: i,
          match: j,
          reason:
            filtered.get(k) ??
            (root
              ? 'no route generated for it'
              : 'its match conflicts with the root VirtualService match, so Istio ignores it'),
        });
      }
    });
  }
  return out;
}

function vsReason(vs: ResolvedVS, gwByName: Map<string, Gateway>, httpCount: number): string {
  if (httpCount === 0)
    return 'no http routes, and none of its tcp/tls rules reaches a TCP or TLS passthrough server of its gateways';
  const gws = vs.gateways.filter((g) => g !== 'mesh');
  if (!gws.length) return 'bound to the mesh only (no `gateways`), so the ingress gateway gets no route from it';
  const reasons: string[] = [];
  for (const g of gws) {
    const gw = gwByName.get(g);
    if (!gw) {
      reasons.push(`Gateway ${g} not found`);
      continue;
    }
    const serverHosts = (gw.spec.servers ?? []).flatMap((s) =>
      namesForNamespace(sanitizeServerHosts(s.hosts ?? [], namespaceOf(gw)), vs.namespace),
    );
    if (!intersectHosts(serverHosts, vs.hosts).length) {
      reasons.push(
        `no server of Gateway ${g} accepts ${vs.hosts.join(', ') || '(no hosts)'} (servers take ${serverHosts.join(', ') || 'nothing from this namespace'})`,
      );
      continue;
    }
    const exportTo = vs.obj.spec.exportTo;
    if (exportTo?.length && !exportTo.includes('*')) {
      reasons.push(`exportTo [${exportTo.join(', ')}] hides it from the gateway's namespace`);
      continue;
    }
    reasons.push(`every match is filtered out for Gateway ${g}`);
  }
  return reasons.join('; ');
}
