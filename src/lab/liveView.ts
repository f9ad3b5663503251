// Adapter from the envoy readers (src/envoy) to what lenses, hovers and commands ask of a live gateway.
import { readAdminClusters } from '../envoy/adminClusters';
import { readConfigDump } from '../envoy/configDump';
import { AdminClustersIndex, ConfigDumpIndex, type PodEndpoint } from '../envoy/index';
import { adminEndpointsTable, listenersTable, NothingToPrintError, routesTable } from '../envoy/tables';
import type { Route, RouteMatch } from '../envoy/types';
import type { PodInfo } from '../kube/objects';

export interface LiveRouteHit {
  route: Route;
  routeConfig: string;
  virtualHost: string;
}

export interface LiveGateway {
  pod: PodInfo;
  /** The /config_dump JSON as Envoy printed it, for "Open Config Dump". */
  configDump: unknown;
  /** The same, indexed (the access log explanations read routes and clusters from it). */
  dumpIndex: ConfigDumpIndex;
  /** /clusters?format=json indexed: endpoint health. */
  clustersIndex: AdminClustersIndex;
  fetchedAt: number;
  findRoute(routeConfig: string, domains: readonly string[], match: RouteMatch): LiveRouteHit | undefined;
  /** Whether any live route carries this VirtualService's istio metadata (it is applied and pushed). */
  hasVirtualService(namespace: string, name: string): boolean;
  endpoints(cluster: string): PodEndpoint[];
  listenersTable(port?: number): string;
  routesTable(name?: string): string;
  endpointsTable(cluster?: string): string;
}

function tableOrNote(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof NothingToPrintError) return `(${e.message})\n`;
    throw e;
  }
}

export function buildLiveGateway(
  pod: PodInfo,
  configDumpJson: unknown,
  clustersJson: unknown,
  podsByIp: Map<string, string>,
): LiveGateway {
  const dump = readConfigDump(configDumpJson);
  const index = new ConfigDumpIndex(dump);
  const adminClusters = readAdminClusters(clustersJson);
  const clusters = new AdminClustersIndex(adminClusters);
  const vsConfigs = new Set<string>();
  for (const { routeConfig } of dump.routeConfigs)
    for (const vh of routeConfig.virtualHosts ?? [])
      for (const r of vh.routes ?? []) {
        const config = r.metadata?.filterMetadata?.istio?.config;
        if (typeof config === 'string') vsConfigs.add(config);
      }
  return {
    pod,
    configDump: configDumpJson,
    dumpIndex: index,
    clustersIndex: clusters,
    fetchedAt: Date.now(),
    findRoute(routeConfig, domains, match) {
      // Envoy picks the virtual host by the request's Host; any of the predicted domains stands for it.
      for (const host of domains.length ? domains : ['*']) {
        const found = index.findRoute(routeConfig, host.replace(/^\*\./, 'lab.'), match);
        if (found)
          return {
            route: found.route,
            routeConfig: found.routeConfig.name ?? routeConfig,
            virtualHost: found.virtualHost.name,
          };
      }
      return undefined;
    },
    hasVirtualService(namespace, name) {
      return [...vsConfigs].some((c) => c.endsWith(`/namespaces/${namespace}/virtual-service/${name}`));
    },
    endpoints(cluster) {
      return clusters.hosts(cluster).map((h) => {
        const ip = h.address?.socketAddress?.address ?? '';
        return {
          address: ip,
          port: h.address?.socketAddress?.portValue ?? 0,
          health: h.healthStatus?.edsHealthStatus ?? 'UNKNOWN',
          pod: podsByIp.get(ip),
        };
      });
    },
    listenersTable: (port) => tableOrNote(() => listenersTable(dump, port ? { port } : {})),
    routesTable: (name) => tableOrNote(() => routesTable(dump, name ? { name } : {})),
    endpointsTable: (cluster) => tableOrNote(() => adminEndpointsTable(adminClusters, cluster ? { cluster } : {})),
  };
}
