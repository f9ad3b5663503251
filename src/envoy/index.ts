// Lookups over a read config dump and /clusters output: route config by name, listener by port, cluster and
// endpoints by cluster name, and a live route by (route config, request host, match).
import type { ConfigDump } from './configDump';
import type { AdminClusters } from './adminClusters';
import type {
  Address,
  Cluster,
  ClusterLoadAssignment,
  ClusterStatus,
  Listener,
  Route,
  RouteConfiguration,
  RouteMatch,
  VirtualHost,
} from './types';
import { selectVirtualHost, type VirtualHostChoice } from './virtualHost';

/** Deep equality of JSON values, ignoring object key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}

/** An upstream host as the gateway sees it, with the pod behind its IP when the cluster says: the lens, hover and trace. */
export interface PodEndpoint {
  /** IP (or pipe path) without the port. */
  address: string;
  /** 0 for pipes and internal addresses. */
  port: number;
  /** HEALTHY, UNHEALTHY, DRAINING, ... as istioctl prints it. */
  health: string;
  pod?: string;
}

/** `ip:port` as istioctl prints an endpoint (`[v6]:port` is not used by istioctl either). */
export const endpointAddress = (e: Pick<PodEndpoint, 'address' | 'port'>): string =>
  e.port ? `${e.address}:${e.port}` : e.address;

/** One upstream host of a cluster, from /clusters?format=json or from EDS, in one shape. */
export interface EndpointView {
  /** IP, pipe path or envoy://listener/id (as istioctl prints it, without the port). */
  address: string;
  /** 0 for pipes and internal addresses. */
  port: number;
  /** HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED or UNKNOWN (Envoy omits UNKNOWN). */
  health: string;
  failedOutlierCheck: boolean;
  locality: string;
  weight?: number;
}

function addressText(a: Address | undefined, pipePrefix: string): string {
  if (a?.socketAddress) return a.socketAddress.address ?? '';
  if (a?.pipe) return pipePrefix + (a.pipe.path ?? '');
  if (a?.envoyInternalAddress?.serverListenerName !== undefined)
    return `envoy://${a.envoyInternalAddress.serverListenerName}/${a.envoyInternalAddress.endpointId ?? ''}`;
  return 'unknown';
}

function localityText(l: { region?: string; zone?: string; subZone?: string } | undefined): string {
  return [l?.region, l?.zone, l?.subZone].filter((x) => x).join('/');
}

export interface FoundRoute {
  routeConfig: RouteConfiguration;
  virtualHost: VirtualHost;
  choice: VirtualHostChoice;
  route: Route;
  index: number;
}

export class ConfigDumpIndex {
  private readonly routeConfigsByName = new Map<string, RouteConfiguration>();
  private readonly listenersByPort = new Map<number, Listener[]>();
  private readonly listenersByName = new Map<string, Listener>();
  private readonly clustersByName = new Map<string, Cluster>();
  private readonly assignmentsByCluster = new Map<string, ClusterLoadAssignment>();

  constructor(readonly dump: ConfigDump) {
    for (const { routeConfig } of dump.routeConfigs) {
      const name = routeConfig.name ?? '';
      if (!this.routeConfigsByName.has(name)) this.routeConfigsByName.set(name, routeConfig);
    }
    for (const { listener } of dump.listeners) {
      const port = listener.address?.socketAddress?.portValue ?? 0;
      const list = this.listenersByPort.get(port) ?? [];
      list.push(listener);
      this.listenersByPort.set(port, list);
      if (listener.name && !this.listenersByName.has(listener.name)) this.listenersByName.set(listener.name, listener);
    }
    for (const { cluster } of dump.clusters)
      if (!this.clustersByName.has(cluster.name)) this.clustersByName.set(cluster.name, cluster);
    for (const { assignment } of dump.endpoints)
      if (!this.assignmentsByCluster.has(assignment.clusterName))
        this.assignmentsByCluster.set(assignment.clusterName, assignment);
  }

  routeConfig(name: string): RouteConfiguration | undefined {
    return this.routeConfigsByName.get(name);
  }
  routeConfigNames(): string[] {
    return [...this.routeConfigsByName.keys()];
  }
  /** Listeners bound to `port` (several when bound to more than one address). */
  listenersOnPort(port: number): Listener[] {
    return this.listenersByPort.get(port) ?? [];
  }
  listener(name: string): Listener | undefined {
    return this.listenersByName.get(name);
  }
  cluster(name: string): Cluster | undefined {
    return this.clustersByName.get(name);
  }
  /** The EDS ClusterLoadAssignment of a cluster (needs a dump taken with include_eds). */
  endpoints(clusterName: string): ClusterLoadAssignment | undefined {
    return this.assignmentsByCluster.get(clusterName);
  }
  /** Endpoints of a cluster from the dump's EDS section ([] when absent), in the shape /clusters gives. */
  edsEndpoints(clusterName: string): EndpointView[] {
    const cla = this.endpoints(clusterName);
    return (cla?.endpoints ?? []).flatMap((llb) =>
      (llb.lbEndpoints ?? []).map((ep) => ({
        address: addressText(ep.endpoint?.address, ''),
        port: Number(ep.endpoint?.address?.socketAddress?.portValue ?? 0),
        health: typeof ep.healthStatus === 'string' && ep.healthStatus ? ep.healthStatus : 'UNKNOWN',
        failedOutlierCheck: false,
        locality: localityText(llb.locality),
        weight: ep.loadBalancingWeight,
      })),
    );
  }
  /** The route config's virtual host by name (e.g. "simple.baihl.io:80"). */
  virtualHostByName(routeConfigName: string, vhostName: string): VirtualHost | undefined {
    return this.routeConfig(routeConfigName)?.virtualHosts?.find((v) => v.name === vhostName);
  }
  /** Virtual host Envoy picks in route config `routeConfigName` for a request to `host`. */
  virtualHost(routeConfigName: string, host: string): VirtualHostChoice | undefined {
    const rc = this.routeConfig(routeConfigName);
    return rc ? selectVirtualHost(rc, host) : undefined;
  }
  /** The route with an equal match (key order ignored) in the virtual host serving `host`. */
  findRoute(routeConfigName: string, host: string, match: RouteMatch): FoundRoute | undefined {
    const rc = this.routeConfig(routeConfigName);
    if (!rc) return undefined;
    const choice = selectVirtualHost(rc, host);
    if (!choice) return undefined;
    const routes = choice.virtualHost.routes ?? [];
    const index = routes.findIndex((r) => jsonEqual(r.match, match));
    const route = routes[index];
    if (!route) return undefined;
    return { routeConfig: rc, virtualHost: choice.virtualHost, choice, route, index };
  }
}

export class AdminClustersIndex {
  private readonly byName = new Map<string, ClusterStatus>();
  constructor(readonly clusters: AdminClusters) {
    for (const c of clusters.clusterStatuses) if (!this.byName.has(c.name)) this.byName.set(c.name, c);
  }
  cluster(name: string): ClusterStatus | undefined {
    return this.byName.get(name);
  }
  /** Hosts of a cluster as EndpointView (address without port, health, outlier check, locality). */
  endpoints(name: string): EndpointView[] {
    return this.hosts(name).map((h) => ({
      address: addressText(h.address, 'unix://'),
      port: Number(h.address?.socketAddress?.portValue ?? 0),
      health: h.healthStatus?.edsHealthStatus ?? 'UNKNOWN',
      failedOutlierCheck: h.healthStatus?.failedOutlierCheck === true,
      locality: localityText(h.locality),
      weight: h.weight,
    }));
  }
  /** Hosts of a cluster with their health, or [] when the cluster is unknown. */
  hosts(name: string): NonNullable<ClusterStatus['hostStatuses']> {
    return this.byName.get(name)?.hostStatuses ?? [];
  }
}
