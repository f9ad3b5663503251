// Envoy xDS objects in the camelCase JSON form that Envoy's admin and `istioctl -o json` print.
// Readers normalise snake_case dumps into this form, so everything downstream sees one shape.
// Only the fields the lab reads are typed; the rest pass through untouched.

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: { regex: string };
  ignoreCase?: boolean;
}

export interface HeaderMatcher {
  name: string;
  stringMatch?: StringMatcher;
  presentMatch?: boolean;
  invertMatch?: boolean;
  // older Envoy fields still seen in dumps
  exactMatch?: string;
  prefixMatch?: string;
  safeRegexMatch?: { regex: string };
}

export interface QueryParameterMatcher {
  name: string;
  stringMatch?: StringMatcher;
  presentMatch?: boolean;
}

export interface RouteMatch {
  path?: string;
  prefix?: string;
  pathSeparatedPrefix?: string;
  safeRegex?: { regex: string };
  caseSensitive?: boolean;
  headers?: HeaderMatcher[];
  queryParameters?: QueryParameterMatcher[];
  /** Istio's JWT claim matches (envoy.filters.http.jwt_authn payload); see src/istio/jwtClaims.ts. */
  dynamicMetadata?: MetadataMatcher[];
}

export interface MetadataMatcher {
  filter: string;
  path: { key: string }[];
  value?: Record<string, unknown>;
  invert?: boolean;
}

export interface WeightedCluster {
  name: string;
  weight: number;
  requestHeadersToAdd?: Record<string, unknown>[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: Record<string, unknown>[];
  responseHeadersToRemove?: string[];
  hostRewriteLiteral?: string;
}

export interface RouteAction {
  cluster?: string;
  weightedClusters?: { clusters: WeightedCluster[]; totalWeight?: number };
  prefixRewrite?: string;
  regexRewrite?: { pattern: { regex: string }; substitution: string };
  hostRewriteLiteral?: string;
  timeout?: string;
  retryPolicy?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Route {
  name?: string;
  match: RouteMatch;
  route?: RouteAction;
  redirect?: Record<string, unknown>;
  directResponse?: { status: number; body?: { inlineString?: string } };
  metadata?: { filterMetadata?: Record<string, Record<string, unknown>> };
  decorator?: { operation: string };
  [k: string]: unknown;
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes?: Route[];
  /** ALL (or EXTERNAL_ONLY): a request that did not arrive over TLS gets a 301 to https instead of a route. */
  requireTls?: string;
  [k: string]: unknown;
}

export interface RouteConfiguration {
  name: string;
  virtualHosts?: VirtualHost[];
  validateClusters?: boolean;
  ignorePortInHostMatching?: boolean;
  [k: string]: unknown;
}

// ---- Listeners, clusters, endpoints (camelCase, as normalised by ./normalize) ----

export interface SocketAddress {
  address?: string;
  portValue?: number;
  protocol?: string;
  [k: string]: unknown;
}

export interface Address {
  socketAddress?: SocketAddress;
  pipe?: { path?: string };
  envoyInternalAddress?: { serverListenerName?: string; endpointId?: string };
}

export interface Filter {
  name: string;
  typedConfig?: { '@type'?: string; [k: string]: unknown };
}

export interface FilterChainMatch {
  serverNames?: string[];
  transportProtocol?: string;
  applicationProtocols?: string[];
  destinationPort?: number;
  prefixRanges?: { addressPrefix?: string; prefixLen?: number }[];
  [k: string]: unknown;
}

export interface FilterChain {
  name?: string;
  filterChainMatch?: FilterChainMatch;
  filters?: Filter[];
  [k: string]: unknown;
}

export interface Listener {
  name?: string;
  address?: Address;
  additionalAddresses?: { address?: Address }[];
  filterChains?: FilterChain[];
  defaultFilterChain?: FilterChain;
  internalListener?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Cluster {
  name: string;
  type?: string;
  clusterType?: { name?: string };
  metadata?: { filterMetadata?: Record<string, Record<string, unknown>> };
  [k: string]: unknown;
}

export interface Locality {
  region?: string;
  zone?: string;
  subZone?: string;
}

export interface LbEndpoint {
  endpoint?: { address?: Address; additionalAddresses?: { address?: Address }[]; hostname?: string };
  healthStatus?: string;
  loadBalancingWeight?: number;
  metadata?: { filterMetadata?: Record<string, Record<string, unknown>> };
  [k: string]: unknown;
}

export interface LocalityLbEndpoints {
  locality?: Locality;
  lbEndpoints?: LbEndpoint[];
  loadBalancingWeight?: number;
  priority?: number;
}

export interface ClusterLoadAssignment {
  clusterName: string;
  endpoints?: LocalityLbEndpoints[];
  [k: string]: unknown;
}

/** One host of `/clusters?format=json`. */
export interface HostStatus {
  address?: Address;
  healthStatus?: {
    edsHealthStatus?: string;
    failedOutlierCheck?: boolean;
    failedActiveHealthCheck?: boolean;
    [k: string]: unknown;
  };
  weight?: number;
  locality?: Locality;
  hostname?: string;
  stats?: { name: string; value?: string | number; type?: string }[];
  [k: string]: unknown;
}

export interface ClusterStatus {
  name: string;
  addedViaApi?: boolean;
  hostStatuses?: HostStatus[];
  [k: string]: unknown;
}
