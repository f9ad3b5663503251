// Adapter from the envoy readers (src/envoy) to what lenses, hovers and commands ask of a live gateway.
import type { Route, RouteMatch } from '../envoy/types';
import type { EndpointView } from '../lab/lensText';
import type { GatewayPodInfo } from './cluster';

export interface LiveRouteHit {
  route: Route;
  routeConfig: string;
  virtualHost: string;
}

export interface LiveGateway {
  pod: GatewayPodInfo;
  /** The raw /config_dump text, for "Open Config Dump". */
  configDump: string;
  fetchedAt: number;
  findRoute(routeConfig: string, domains: readonly string[], match: RouteMatch): LiveRouteHit | undefined;
  /** Whether any live route carries this VirtualService's istio metadata (i.e. it is applied and pushed). */
  hasVirtualService(namespace: string, name: string): boolean;
  endpoints(cluster: string): EndpointView[];
  listenersTable(port?: number): string;
  routesTable(name?: string): string;
  endpointsTable(cluster?: string): string;
  routeConfigJson(name: string): unknown;
}

export function buildLiveGateway(
  _pod: GatewayPodInfo,
  _configDump: string,
  _clustersJson: string,
  _podsByIp: Map<string, string>,
): LiveGateway {
  throw new Error('The live Envoy view is not wired to src/envoy yet.');
}
