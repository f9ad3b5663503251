// One VirtualService http entry + one of its matches -> one Envoy route, following Istio's
// pilot/pkg/networking/core/route/route.go (TranslateRoute and helpers). Output is the camelCase
// protobuf JSON Envoy's admin prints, with default values omitted as protojson omits them.
import type {
  HeaderMatcher,
  MetadataMatcher,
  QueryParameterMatcher,
  Route,
  RouteAction,
  RouteMatch,
  StringMatcher,
  WeightedCluster,
} from '../envoy/types';
import { formatProtoDuration, parseDuration } from './duration';
import { claimMatcher } from './jwtClaims';
import { parseSubsetKey, subsetKey } from './hosts';
import type {
  ConsistentHash,
  Destination,
  HTTPMatchRequest,
  HTTPRoute,
  Headers,
  ServiceSpec,
  StringMatch,
} from './model';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

const PREVIOUS_HOSTS = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
};

/** What translation needs to know about the surroundings of one VirtualService. */
export interface TranslationContext {
  vsName: string;
  vsNamespace: string;
  /** The Gateway server port (not the targetPort): Istio's `listenPort` for routes. */
  listenPort: number;
  isTLS: boolean;
  /** Services by resolved FQDN, to default the destination port. */
  lookupService(host: string): ServiceSpec | undefined;
  /** `networking.istio.io/<version>` used in route metadata; Istio >= 1.22 writes v1. */
  metadataApiVersion: string;
  /** The DestinationRule's consistent hash for a destination (sticky sessions), if any. */
  lookupHash(dest: Destination): ConsistentHash | undefined;
  /** A VirtualService Istio generated from a Gateway API route (model.UseGatewaySemantics). */
  gatewaySemantics?: boolean;
}

const PREVIOUS_PRIORITIES = {
  name: 'envoy.retry_priorities.previous_priorities',
  typedConfig: {
    '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig',
    updateFrequency: 2,
  },
};

/** A StringMatch that Istio turns into `present_match` (absent, empty, or regex `*`). */
export function isPresentMatch(m: StringMatch | undefined | null): boolean {
  if (!m || (m.exact === undefined && m.prefix === undefined && m.regex === undefined)) return true;
  return m.regex === '*';
}

function toStringMatcher(m: StringMatch): StringMatcher | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safeRegex: { regex: m.regex } };
  return undefined;
}

function headerMatcher(name: string, m: StringMatch | undefined | null): HeaderMatcher {
  if (isPresentMatch(m)) return { name, presentMatch: true };
  const sm = toStringMatcher(m!);
  return sm ? { name, stringMatch: sm } : { name };
}

function queryMatcher(name: string, m: StringMatch | undefined | null): QueryParameterMatcher {
  if (isPresentMatch(m)) return { name, presentMatch: true };
  const sm = toStringMatcher(m!);
  return sm ? { name, stringMatch: sm } : { name };
}

export function translateRouteMatch(match: HTTPMatchRequest | undefined, gatewaySemantics = false): RouteMatch {
  if (!match) return { prefix: '/' };
  const out: RouteMatch = {};
  const headers: HeaderMatcher[] = [];
  const claims: MetadataMatcher[] = [];
  // Istio ranges over Go maps here; name order is the one stable answer for several claims.
  const byName = <T>(r: Record<string, T> | undefined) =>
    Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, m] of byName(match.headers)) {
    // a JWT claim key is a dynamic metadata matcher, never an HTTP header
    const claim = claimMatcher(name, m, false);
    if (claim) claims.push(claim);
    else headers.push(headerMatcher(name, m));
  }
  for (const [name, m] of byName(match.withoutHeaders)) {
    const claim = claimMatcher(name, m, true);
    if (claim) {
      claims.push(claim);
      continue;
    }
    const h = headerMatcher(name, m);
    h.invertMatch = true;
    // treat_missing_header_as_empty conflicts with present_match
    if (!isPresentMatch(m))
      (h as HeaderMatcher & { treatMissingHeaderAsEmpty?: boolean }).treatMissingHeaderAsEmpty = true;
    headers.push(h);
  }
  headers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const uri = match.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) {
    // Ingress and Gateway API prefixes match whole path segments
    if (gatewaySemantics && uri.prefix !== '/') out.pathSeparatedPrefix = uri.prefix.replace(/\/$/, '');
    else out.prefix = uri.prefix;
  } else if (uri?.regex !== undefined) out.safeRegex = { regex: uri.regex };
  else out.prefix = '/';
  out.caseSensitive = !match.ignoreUriCase;

  if (match.method) headers.push(headerMatcher(':method', match.method));
  if (match.authority) headers.push(headerMatcher(':authority', match.authority));
  if (match.scheme) headers.push(headerMatcher(':scheme', match.scheme));
  if (headers.length) out.headers = headers;

  // Go iterates this map in random order; sorting gives the one stable answer we can predict.
  const query = Object.entries(match.queryParams ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, m]) => queryMatcher(name, m));
  if (query.length) out.queryParameters = query;
  if (claims.length) out.dynamicMetadata = claims;
  return out;
}

/** A route that matches everything, after which Istio drops the rest of the VirtualService. */
export function isCatchAllRoute(r: Route): boolean {
  const m = r.match;
  const catchall =
    m.prefix !== undefined
      ? m.prefix === '/'
      : m.pathSeparatedPrefix !== undefined
        ? m.pathSeparatedPrefix === '/'
        : m.safeRegex?.regex === '.*';
  return catchall && !m.headers?.length && !m.queryParameters?.length && !m.dynamicMetadata?.length;
}

interface HeaderOps {
  requestHeadersToAdd: Record<string, unknown>[];
  responseHeadersToAdd: Record<string, unknown>[];
  requestHeadersToRemove: string[];
  responseHeadersToRemove: string[];
  authority: string;
}

const isInternalHeader = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';
const isAuthorityHeader = (k: string) => k.toLowerCase() === ':authority' || k.toLowerCase() === 'host';

function appendHeaders(
  headers: Record<string, string> | undefined,
  append: boolean,
): [Record<string, unknown>[], string] {
  if (!headers) return [[], ''];
  let authority = '';
  const list: { key: string; opt: Record<string, unknown> }[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (isAuthorityHeader(key)) authority = value;
    if (isInternalHeader(key)) continue;
    // APPEND_IF_EXISTS_OR_ADD is the enum's zero value, so protojson leaves it out.
    const opt: Record<string, unknown> = { header: { key, value: String(value) } };
    if (!append) opt.appendAction = 'OVERWRITE_IF_EXISTS_OR_ADD';
    list.push({ key, opt });
  }
  list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return [list.map((l) => l.opt), authority];
}

function headerOperations(h: Headers): HeaderOps {
  const [reqSet, setAuthority] = appendHeaders(h.request?.set, false);
  const [reqAdd, addAuthority] = appendHeaders(h.request?.add, true);
  const [respSet] = appendHeaders(h.response?.set, false);
  const [respAdd] = appendHeaders(h.response?.add, true);
  return {
    requestHeadersToAdd: [...reqSet, ...reqAdd],
    responseHeadersToAdd: [...respSet, ...respAdd],
    requestHeadersToRemove: (h.request?.remove ?? []).filter((k) => !isInternalHeader(k)),
    responseHeadersToRemove: (h.response?.remove ?? []).filter((k) => !isInternalHeader(k)),
    authority: setAuthority || addAuthority,
  };
}

/** The cluster a destination goes to (GetDestinationCluster): port from the destination, the Service's only port, or the listen port. */
export function destinationCluster(dest: Destination, service: ServiceSpec | undefined, listenPort: number): string {
  if (!dest.host) return 'UnknownService';
  // An ExternalName Service is an alias: Istio routes to the concrete name.
  const host = service?.type === 'ExternalName' && service.externalName ? service.externalName : dest.host;
  let port = listenPort;
  if (dest.port?.number) port = dest.port.number;
  else if (service?.ports?.length === 1) port = service.ports[0]?.port ?? port;
  return subsetKey(port, dest.subset, host);
}

/** ConvertPolicy; with a consistent hash Envoy must be free to retry the same host, so no previous-hosts predicate. */
function retryPolicy(retries: HTTPRoute['retries'], consistentHash: boolean): Record<string, unknown> | undefined {
  if (retries && (retries.attempts ?? 0) <= 0) return undefined;
  const out: Record<string, unknown> = {
    retryOn: DEFAULT_RETRY_ON,
    numRetries: 2,
    retryHostPredicate: [PREVIOUS_HOSTS],
    hostSelectionRetryMaxAttempts: '5',
  };
  if (consistentHash) delete out.retryHostPredicate;
  if (!retries) return out;
  out.numRetries = retries.attempts;
  if (retries.retryOn) {
    const parts = retries.retryOn
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const codes = parts.filter((p) => /^\d+$/.test(p)).map(Number);
    let on = parts.filter((p) => !/^\d+$/.test(p)).join(',');
    if (codes.length && !on.includes('retriable-status-codes'))
      on = on ? `${on},retriable-status-codes` : 'retriable-status-codes';
    out.retryOn = on;
    if (codes.length) out.retriableStatusCodes = codes;
  }
  if (retries.perTryTimeout) {
    const ns = parseDuration(retries.perTryTimeout);
    if (ns !== undefined) out.perTryTimeout = formatProtoDuration(ns);
  }
  if (retries.retryIgnorePreviousHosts !== undefined) {
    if (retries.retryIgnorePreviousHosts) out.retryHostPredicate = [PREVIOUS_HOSTS];
    else delete out.retryHostPredicate;
  }
  if (retries.retryRemoteLocalities) out.retryPriority = PREVIOUS_PRIORITIES;
  if (retries.backoff) {
    const ns = parseDuration(retries.backoff);
    if (ns !== undefined) out.retryBackOff = { baseInterval: formatProtoDuration(ns) };
  }
  // keep protojson field order: retryOn, numRetries, perTryTimeout, ..., retryHostPredicate, hostSelectionRetryMaxAttempts, retriableStatusCodes
  const {
    retryOn,
    numRetries,
    perTryTimeout,
    retryPriority,
    retryHostPredicate,
    hostSelectionRetryMaxAttempts,
    retriableStatusCodes,
    retryBackOff,
  } = out;
  return {
    retryOn,
    numRetries,
    ...(perTryTimeout ? { perTryTimeout } : {}),
    ...(retryPriority ? { retryPriority } : {}),
    ...(retryHostPredicate ? { retryHostPredicate } : {}),
    hostSelectionRetryMaxAttempts,
    ...(retriableStatusCodes ? { retriableStatusCodes } : {}),
    ...(retryBackOff ? { retryBackOff } : {}),
  };
}

function mirrorFraction(percentage: { value: number } | undefined): Record<string, unknown> | undefined {
  if (!percentage) return { defaultValue: { numerator: 100 } };
  if (!(percentage.value > 0)) return undefined;
  return { defaultValue: { numerator: Math.round(percentage.value * 10000), denominator: 'MILLION' } };
}

const REDIRECT_CODES: Record<number, string | undefined> = {
  0: undefined,
  301: undefined,
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

function redirectAction(
  r: NonNullable<HTTPRoute['redirect']>,
  port: number,
  isTLS: boolean,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (r.authority) out.hostRedirect = r.authority;
  const prefixRewrite = (r as { prefixRewrite?: string }).prefixRewrite;
  // a oneof: protojson prints the chosen member even when empty
  if (prefixRewrite) out.prefixRewrite = prefixRewrite;
  else out.pathRedirect = r.uri ?? '';
  if (r.scheme) out.schemeRedirect = r.scheme;
  if (r.port !== undefined || r.derivePort !== undefined) {
    let p = r.port ?? (r.derivePort === 'FROM_REQUEST_PORT' ? port : 0);
    const scheme = r.scheme || (isTLS ? 'https' : 'http');
    if ((p === 80 && scheme === 'http') || (p === 443 && scheme === 'https')) p = 0;
    if (p) out.portRedirect = p;
  }
  const code = r.redirectCode ?? 0;
  if (!(code in REDIRECT_CODES)) return undefined;
  const rc = REDIRECT_CODES[code];
  if (rc) out.responseCode = rc;
  return out;
}

/** Istio's decorator: `<fqdn>:<port><path>` for one cluster, else `<vsName>:<listenPort><path>`. */
export function routeOperation(r: Route, vsName: string, listenPort: number): string {
  const m = r.match;
  let path = '/*';
  if (m.prefix !== undefined) path = `${m.prefix}*`;
  else if (m.path !== undefined) path = m.path;
  else if (m.safeRegex) path = m.safeRegex.regex;
  const key = r.route?.cluster ? parseSubsetKey(r.route.cluster) : undefined;
  if (key) return `${key.host}:${key.port}${path}`;
  return `${vsName}:${listenPort}${path}`;
}

/** TranslateRoute for a gateway: the http entry `http` with one of its matches (or none). */
export function translateRoute(http: HTTPRoute, match: HTTPMatchRequest | undefined, ctx: TranslationContext): Route {
  let name = http.name ?? '';
  if (match?.name) name = `${name}.${match.name}`;
  const out: Route = { match: translateRouteMatch(match, ctx.gatewaySemantics) };
  if (name) out.name = name;
  if (match?.statPrefix) out.statPrefix = match.statPrefix;

  let authority = '';
  let ops: HeaderOps | undefined;
  if (http.headers) {
    ops = headerOperations(http.headers);
    authority = ops.authority;
  }
  const extra: Partial<HeaderOps> = { ...ops };

  if (http.redirect) {
    const redirect = redirectAction(http.redirect, ctx.listenPort, ctx.isTLS);
    if (redirect) out.redirect = redirect;
  } else if (http.directResponse) {
    const dr: Route['directResponse'] = { status: http.directResponse.status };
    if (http.directResponse.body?.string !== undefined) dr.body = { inlineString: http.directResponse.body.string };
    else if (http.directResponse.body?.bytes !== undefined)
      (dr as Record<string, unknown>).body = { inlineBytes: http.directResponse.body.bytes };
    out.directResponse = dr;
  } else {
    out.route = routeAction(http, ctx, authority, extra, out.match);
  }

  out.metadata = {
    filterMetadata: {
      istio: {
        config: `/apis/networking.istio.io/${ctx.metadataApiVersion}/namespaces/${ctx.vsNamespace}/virtual-service/${ctx.vsName}`,
      },
    },
  };
  out.decorator = { operation: routeOperation(out, ctx.vsName, ctx.listenPort) };
  const perFilter: Record<string, unknown> = {};
  const fault = http.fault ? translateFault(http.fault) : undefined;
  if (fault)
    perFilter['envoy.filters.http.fault'] = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      ...fault,
    };
  if (http.corsPolicy)
    perFilter['envoy.filters.http.cors'] = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      ...translateCors(http.corsPolicy),
    };
  if (Object.keys(perFilter).length) out.typedPerFilterConfig = perFilter;
  if (extra.requestHeadersToAdd?.length) out.requestHeadersToAdd = extra.requestHeadersToAdd;
  if (extra.responseHeadersToAdd?.length) out.responseHeadersToAdd = extra.responseHeadersToAdd;
  if (extra.requestHeadersToRemove?.length) out.requestHeadersToRemove = extra.requestHeadersToRemove;
  if (extra.responseHeadersToRemove?.length) out.responseHeadersToRemove = extra.responseHeadersToRemove;
  return out;
}

function routeAction(
  http: HTTPRoute,
  ctx: TranslationContext,
  authorityIn: string,
  extra: Partial<HeaderOps>,
  match: RouteMatch,
): RouteAction {
  const action: RouteAction = {};
  // the Gateway API answers 500 for a backend that does not exist
  if (ctx.gatewaySemantics) action.clusterNotFoundResponseCode = 'INTERNAL_SERVER_ERROR';
  let authority = authorityIn;
  const timeout = http.timeout !== undefined ? parseDuration(http.timeout) : undefined;
  const timeoutText = formatProtoDuration(timeout ?? 0);

  const dests = http.route ?? [];
  const hashPolicy: Record<string, unknown>[] = [];
  const addHash = (d: { destination: Destination }) => {
    const h = hashPolicyOf(ctx.lookupHash(d.destination));
    if (h) hashPolicy.push(h);
    return !!h;
  };
  let consistentHash = false;
  const [d] = dests;
  if (dests.length === 1 && d) {
    action.cluster = destinationCluster(d.destination, ctx.lookupService(d.destination.host), ctx.listenPort);
    consistentHash = addHash(d);
    if (d.headers) {
      const o = headerOperations(d.headers);
      extra.requestHeadersToAdd = [...(extra.requestHeadersToAdd ?? []), ...o.requestHeadersToAdd];
      extra.requestHeadersToRemove = [...(extra.requestHeadersToRemove ?? []), ...o.requestHeadersToRemove];
      extra.responseHeadersToAdd = [...(extra.responseHeadersToAdd ?? []), ...o.responseHeadersToAdd];
      extra.responseHeadersToRemove = [...(extra.responseHeadersToRemove ?? []), ...o.responseHeadersToRemove];
      if (o.authority && !authority && !http.rewrite?.authority) authority = o.authority;
    }
  } else {
    const kept = dests.filter((d) => (d.weight ?? 0) !== 0);
    const clusters = kept.map((d) => {
      const c: WeightedCluster = {
        name: destinationCluster(d.destination, ctx.lookupService(d.destination.host), ctx.listenPort),
        weight: d.weight ?? 0,
      };
      // processWeightedDestination: a destination's header operations stay on its own cluster weight
      if (d.headers) {
        const o = headerOperations(d.headers);
        if (o.requestHeadersToAdd.length) c.requestHeadersToAdd = o.requestHeadersToAdd;
        if (o.requestHeadersToRemove.length) c.requestHeadersToRemove = o.requestHeadersToRemove;
        if (o.responseHeadersToAdd.length) c.responseHeadersToAdd = o.responseHeadersToAdd;
        if (o.responseHeadersToRemove.length) c.responseHeadersToRemove = o.responseHeadersToRemove;
        if (o.authority) c.hostRewriteLiteral = o.authority;
      }
      return c;
    });
    kept.forEach(addHash);
    action.weightedClusters = { clusters };
  }

  if (http.rewrite) {
    if (http.rewrite.uriRegexRewrite) {
      action.regexRewrite = {
        pattern: { regex: http.rewrite.uriRegexRewrite.match },
        substitution: http.rewrite.uriRegexRewrite.rewrite,
      };
    } else if (http.rewrite.uri) {
      if (ctx.gatewaySemantics && http.rewrite.uri === '/') {
        // ReplacePrefixMatch `/`: remove the prefix, keeping a `/` when the whole path goes
        action.regexRewrite = {
          pattern: { regex: `^${quoteMeta(match.pathSeparatedPrefix ?? '')}(/?)(.*)` },
          substitution: '/\\2',
        };
      } else action.prefixRewrite = http.rewrite.uri;
    }
    if (http.rewrite.authority) authority = http.rewrite.authority;
  }
  if (authority) action.hostRewriteLiteral = authority;
  action.timeout = timeoutText;
  if (hashPolicy.length) action.hashPolicy = hashPolicy;

  const mirrors: Record<string, unknown>[] = [];
  if (http.mirror) {
    const frac = mirrorFraction(http.mirrorPercentage);
    if (frac)
      mirrors.push({
        cluster: destinationCluster(http.mirror, ctx.lookupService(http.mirror.host), ctx.listenPort),
        runtimeFraction: frac,
        traceSampled: false,
        disableShadowHostSuffixAppend: true,
      });
  }
  for (const m of http.mirrors ?? []) {
    const frac = mirrorFraction(m.percentage);
    if (frac && m.destination) {
      mirrors.push({
        cluster: destinationCluster(m.destination, ctx.lookupService(m.destination.host), ctx.listenPort),
        runtimeFraction: frac,
        traceSampled: false,
        // Istio's DISABLE_SHADOW_HOST_SUFFIX feature flag, on by default since 1.22
        disableShadowHostSuffixAppend: true,
      });
    }
  }
  if (mirrors.length) action.requestMirrorPolicies = mirrors;

  const retry = retryPolicy(http.retries, consistentHash);
  if (retry) action.retryPolicy = retry;
  action.maxGrpcTimeout = timeoutText;
  return action;
}

interface Percent {
  value?: number;
}
interface FaultInjection {
  delay?: { fixedDelay?: string; exponentialDelay?: string; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; grpcStatus?: string; percentage?: Percent };
}
interface CorsPolicy {
  allowOrigins?: StringMatch[];
  allowOrigin?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
  unmatchedPreflights?: string;
}

/** networking.Percent -> FractionalPercent per million; the legacy integer percent stays per hundred (the default, omitted). */
const perMillion = (p: Percent) => ({ numerator: Math.round((p.value ?? 0) * 10000), denominator: 'MILLION' });

const GRPC_CODES: Record<string, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** TranslateFault: fixed delays and HTTP/gRPC aborts; exponential delays are not supported by Istio either. */
function translateFault(f: FaultInjection): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (f.delay?.fixedDelay !== undefined) {
    const ns = parseDuration(f.delay.fixedDelay);
    const percentage = f.delay.percentage
      ? perMillion(f.delay.percentage)
      : f.delay.percent
        ? { numerator: f.delay.percent }
        : {};
    if (ns !== undefined) out.delay = { fixedDelay: formatProtoDuration(ns), percentage };
  }
  if (f.abort && (f.abort.httpStatus !== undefined || f.abort.grpcStatus !== undefined)) {
    const abort: Record<string, unknown> = {};
    if (f.abort.httpStatus !== undefined) abort.httpStatus = f.abort.httpStatus;
    else abort.grpcStatus = GRPC_CODES[f.abort.grpcStatus!] ?? 0;
    if (f.abort.percentage) abort.percentage = perMillion(f.abort.percentage);
    out.abort = abort;
  }
  return Object.keys(out).length ? out : undefined;
}

/** TranslateCORSPolicy for the Envoy CORS filter's per-route config. */
function translateCors(c: CorsPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.allowCredentials !== undefined) out.allowCredentials = c.allowCredentials;
  if (c.allowHeaders?.length) out.allowHeaders = c.allowHeaders.join(',');
  if (c.allowMethods?.length) out.allowMethods = c.allowMethods.join(',');
  const origins = c.allowOrigins
    ? c.allowOrigins.map(toStringMatcher).filter(Boolean)
    : c.allowOrigin?.map((o) => ({ exact: o }));
  if (origins?.length) out.allowOriginStringMatch = origins;
  if (c.exposeHeaders?.length) out.exposeHeaders = c.exposeHeaders.join(',');
  out.filterEnabled = { defaultValue: { numerator: 100 } };
  out.forwardNotMatchingPreflights = c.unmatchedPreflights !== 'IGNORE';
  if (c.maxAge) {
    const ns = parseDuration(c.maxAge);
    if (ns !== undefined) out.maxAge = String(Math.trunc(ns / 1e9));
  }
  return out;
}

/** ConsistentHashToHashPolicy: what Envoy hashes on to keep a client on one endpoint. */
function hashPolicyOf(h: ConsistentHash | undefined): Record<string, unknown> | undefined {
  if (!h) return undefined;
  if (h.httpHeaderName !== undefined) return { header: { headerName: h.httpHeaderName } };
  if (h.httpCookie) {
    const cookie: Record<string, unknown> = { name: h.httpCookie.name };
    const ttl = h.httpCookie.ttl !== undefined ? parseDuration(h.httpCookie.ttl) : undefined;
    if (ttl !== undefined) cookie.ttl = formatProtoDuration(ttl);
    if (h.httpCookie.path) cookie.path = h.httpCookie.path;
    if (h.httpCookie.attributes?.length)
      cookie.attributes = h.httpCookie.attributes.map((a) => ({
        name: a.name,
        ...(a.value ? { value: a.value } : {}),
      }));
    return { cookie };
  }
  if (h.useSourceIp !== undefined) return { connectionProperties: { sourceIp: h.useSourceIp } };
  if (h.httpQueryParameterName !== undefined) return { queryParameter: { name: h.httpQueryParameterName } };
  return undefined;
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
