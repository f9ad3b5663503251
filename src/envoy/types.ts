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
}

export interface WeightedCluster {
  name: string;
  weight: number;
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
  [k: string]: unknown;
}

export interface RouteConfiguration {
  name: string;
  virtualHosts?: VirtualHost[];
  validateClusters?: boolean;
  ignorePortInHostMatching?: boolean;
  [k: string]: unknown;
}
