// Envoy's request routing, pure: the virtual host for the request's authority, then the first route whose
// match accepts the request (path, prefix, path_separated_prefix or safe_regex on the path without query
// string; case_sensitive; headers; query parameters). Every earlier route carries the reasons it did not
// match, which is what the request trace shows. The chosen route's rewrite gives the upstream path.
// A virtual host's require_tls redirects a plain request to https first.
// Not evaluated: runtime_fraction, grpc, tls_context, dynamic_metadata, filter_state, match trees.
import type {
  HeaderMatcher,
  MetadataMatcher,
  QueryParameterMatcher,
  Route,
  RouteConfiguration,
  RouteMatch,
  StringMatcher,
  VirtualHost,
} from './types';
import { selectVirtualHost, type VirtualHostChoice } from './virtualHost';
import { fullMatchRegex, re2ReplaceAll } from './re2';

export interface RequestSpec {
  /** Host header / :authority, e.g. "simple.baihl.io" or "simple.baihl.io:80". */
  authority: string;
  /** :path including any query string, e.g. "/simple/nginx?x=1". */
  path: string;
  method?: string;
  /** `https` when the request arrived over TLS (Envoy's x-forwarded-proto at an edge proxy); default `http`. */
  scheme?: string;
  /** Extra request headers; names are case-insensitive. */
  headers?: Record<string, string | string[]>;
  /** Extra query parameters, added to those in `path`. */
  query?: Record<string, string>;
}

export interface RouteMiss {
  index: number;
  route: Route;
  /** Why this route did not take the request, one sentence each, in the order Envoy checks. */
  reasons: string[];
}

export type Outcome = 'route' | 'redirect' | 'direct_response' | 'no_virtual_host' | 'no_route';

export interface RequestMatchResult {
  outcome: Outcome;
  virtualHost?: VirtualHostChoice;
  route?: Route;
  routeIndex?: number;
  /** Routes tried before the chosen one (or all routes when none matched). */
  misses: RouteMiss[];
  /** Path (with query) sent upstream after prefix_rewrite / regex_rewrite. */
  upstreamPath?: string;
  /** Authority sent upstream: host_rewrite_literal, or the original authority. */
  upstreamAuthority?: string;
  /** How the path was rewritten, for display. */
  rewrite?: string;
  /** Cluster or weighted clusters of a forwarding route. */
  clusters?: { name: string; weight?: number }[];
  /** Status Envoy answers itself: 404 without vhost/route, the direct response, or the redirect code. */
  status?: number;
  /**
   * The virtual host requires TLS (require_tls) and the request came in plain: Envoy answers 301 to this https URL
   * before any route is tried (SslRedirectRoute, Location `https://<Host><path>`).
   */
  tlsRedirect?: string;
}

export interface NormalRequest {
  pathOnly: string;
  queryString: string;
  headers: Map<string, string[]>;
  query: [string, string][];
}

export function normaliseRequest(req: RequestSpec): NormalRequest {
  const q = req.path.indexOf('?');
  let pathOnly = q >= 0 ? req.path.slice(0, q) : req.path;
  const hash = pathOnly.indexOf('#');
  if (hash >= 0) pathOnly = pathOnly.slice(0, hash);
  const queryString = q >= 0 ? req.path.slice(q + 1) : '';
  const headers = new Map<string, string[]>();
  const add = (name: string, v: string | string[]) => {
    const k = name.toLowerCase();
    const list = headers.get(k) ?? [];
    list.push(...(Array.isArray(v) ? v : [v]));
    headers.set(k, list);
  };
  add(':authority', req.authority);
  add('host', req.authority);
  add(':path', req.path);
  add(':method', req.method ?? 'GET');
  add(':scheme', req.scheme ?? 'http');
  for (const [k, v] of Object.entries(req.headers ?? {})) add(k, v);
  const query: [string, string][] = [];
  for (const part of queryString.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = eq >= 0 ? part.slice(0, eq) : part;
    const value = eq >= 0 ? part.slice(eq + 1) : '';
    // Envoy matches query parameters on the raw, undecoded text (checked live: v=%32 is not v=2).
    query.push([name, value]);
  }
  for (const [k, v] of Object.entries(req.query ?? {})) query.push([k, v]);
  return { pathOnly, queryString, headers, query };
}

export { fullMatchRegex } from './re2';

export function stringMatches(m: StringMatcher, value: string): boolean {
  const ic = m.ignoreCase === true;
  const v = ic ? value.toLowerCase() : value;
  const lower = (s: string) => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === lower(m.exact);
  if (m.prefix !== undefined) return v.startsWith(lower(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(lower(m.suffix));
  if (m.contains !== undefined) return v.includes(lower(m.contains));
  if (m.safeRegex) return fullMatchRegex(m.safeRegex.regex)?.test(value) ?? false;
  return false;
}

export function describeStringMatcher(m: StringMatcher): string {
  const ic = m.ignoreCase ? ' (ignoring case)' : '';
  if (m.exact !== undefined) return `equal to "${m.exact}"${ic}`;
  if (m.prefix !== undefined) return `starting with "${m.prefix}"${ic}`;
  if (m.suffix !== undefined) return `ending with "${m.suffix}"${ic}`;
  if (m.contains !== undefined) return `containing "${m.contains}"${ic}`;
  if (m.safeRegex) return `fully matching regex ${m.safeRegex.regex}`;
  return 'matching an unsupported matcher';
}

function headerStringMatcher(h: HeaderMatcher): StringMatcher | undefined {
  if (h.stringMatch) return h.stringMatch;
  if (h.exactMatch !== undefined) return { exact: h.exactMatch };
  if (h.prefixMatch !== undefined) return { prefix: h.prefixMatch };
  if (h.safeRegexMatch) return { safeRegex: h.safeRegexMatch };
  const legacy = h as unknown as Record<string, unknown>;
  if (typeof legacy.suffixMatch === 'string') return { suffix: legacy.suffixMatch };
  if (typeof legacy.containsMatch === 'string') return { contains: legacy.containsMatch };
  return undefined;
}

/** Why a header matcher rejects the request, or undefined when it accepts it. */
export function headerMismatch(h: HeaderMatcher, headers: Map<string, string[]>): string | undefined {
  const name = h.name.toLowerCase();
  const values = headers.get(name);
  const invert = h.invertMatch === true;
  const present = values !== undefined;
  if (h.presentMatch !== undefined || !headerStringMatcher(h)) {
    const want = h.presentMatch !== false;
    const ok = (present === want) !== invert;
    if (ok) return undefined;
    return want !== invert ? `header ${h.name} is missing` : `header ${h.name} is present but must be absent`;
  }
  const sm = headerStringMatcher(h)!;
  if (!present) {
    // Envoy (HeaderUtility::matchHeaders): a missing header fails every value matcher, inverted or not,
    // unless treat_missing_header_as_empty is set. Checked against Envoy 1.40 in envoy-live-oracle.test.ts.
    if ((h as { treatMissingHeaderAsEmpty?: boolean }).treatMissingHeaderAsEmpty === true) {
      return stringMatches(sm, '') !== invert ? undefined : `header ${h.name} is missing (treated as empty)`;
    }
    return invert
      ? `header ${h.name} is missing (an inverted matcher still needs the header to be present)`
      : `header ${h.name} is missing (must be ${describeStringMatcher(sm)})`;
  }
  // A header sent several times: Envoy 1.40 accepts it when any single value (or the comma-joined value)
  // matches; checked live in envoy-live-oracle.test.ts.
  const joined = values.join(',');
  const ok = (values.some((v) => stringMatches(sm, v)) || stringMatches(sm, joined)) !== invert;
  if (ok) return undefined;
  return invert
    ? `header ${h.name} is "${joined}", which must not be ${describeStringMatcher(sm)}`
    : `header ${h.name} is "${joined}", not ${describeStringMatcher(sm)}`;
}

function queryMismatch(q: QueryParameterMatcher, query: [string, string][]): string | undefined {
  const found = query.find(([k]) => k === q.name);
  if (q.presentMatch !== undefined || !q.stringMatch) {
    if (found) return undefined;
    return `query parameter ${q.name} is missing`;
  }
  if (!found) return `query parameter ${q.name} is missing (must be ${describeStringMatcher(q.stringMatch)})`;
  if (stringMatches(q.stringMatch, found[1])) return undefined;
  return `query parameter ${q.name} is "${found[1]}", not ${describeStringMatcher(q.stringMatch)}`;
}

const claimPath = (d: MetadataMatcher) => {
  const keys = d.path.map((p) => p.key);
  return keys[0] === 'payload' ? keys.slice(1).join('.') : `${d.filter}:${keys.join('.')}`;
};

/** Why `match` rejects the request (empty when it matches). Path checks come first, as in Envoy. */
export function routeMatchMismatches(match: RouteMatch, req: RequestSpec | NormalRequest): string[] {
  const r = 'pathOnly' in req ? req : normaliseRequest(req);
  const reasons: string[] = [];
  const cs = match.caseSensitive !== false;
  const path = r.pathOnly;
  const cmp = (s: string) => (cs ? s : s.toLowerCase());
  const caseNote = (a: string, b: string) =>
    cs && a.toLowerCase() === b.toLowerCase()
      ? ' (it differs only in letter case, and the match is case sensitive)'
      : '';
  if (match.path !== undefined) {
    if (cmp(path) !== cmp(match.path))
      reasons.push(`path "${path}" is not "${match.path}"${caseNote(path, match.path)}`);
  } else if (match.prefix !== undefined) {
    if (!cmp(path).startsWith(cmp(match.prefix))) {
      const head = path.slice(0, match.prefix.length);
      reasons.push(`path "${path}" does not start with "${match.prefix}"${caseNote(head, match.prefix)}`);
    }
  } else if (match.pathSeparatedPrefix !== undefined) {
    const p = match.pathSeparatedPrefix;
    const cp = cmp(path);
    const ok = cp === cmp(p) || cp.startsWith(cmp(p) + '/');
    if (!ok) reasons.push(`path "${path}" is neither "${p}" nor below "${p}/"`);
  } else if (match.safeRegex) {
    const re = fullMatchRegex(match.safeRegex.regex);
    if (!re) reasons.push(`regex ${match.safeRegex.regex} cannot be evaluated here (RE2 refuses this pattern)`);
    else if (!re.test(path)) reasons.push(`path "${path}" does not fully match regex ${match.safeRegex.regex}`);
  } else {
    const m = match as Record<string, unknown>;
    if ('connectMatcher' in m) reasons.push('only CONNECT requests match a connect_matcher');
    else reasons.push('route match kind not supported by this evaluator');
  }
  for (const h of match.headers ?? []) {
    const why = headerMismatch(h, r.headers);
    if (why) reasons.push(why);
  }
  for (const q of match.queryParameters ?? []) {
    const why = queryMismatch(q, r.query);
    if (why) reasons.push(why);
  }
  // JWT claim matches read the jwt_authn filter's metadata; a traced request carries no validated token,
  // so a claim is absent: a positive claim match fails, an inverted one (withoutHeaders) holds.
  for (const d of match.dynamicMetadata ?? []) {
    if (!d.invert)
      reasons.push(
        `needs JWT claim ${claimPath(d)} from a validated token (jwt_authn metadata); the request carries none`,
      );
  }
  return reasons;
}

/** The upstream path after the route's rewrite (Envoy's finalizeRequestHeaders path rewriting). */
export function rewritePath(route: Route, req: RequestSpec): { path: string; rewrite?: string } {
  const r = normaliseRequest(req);
  const action = route.route;
  const query = req.path.includes('?') ? '?' + r.queryString : '';
  if (!action) return { path: req.path };
  if (action.regexRewrite) {
    const rewritten = re2ReplaceAll(action.regexRewrite.pattern.regex, r.pathOnly, action.regexRewrite.substitution);
    if (rewritten === undefined)
      return {
        path: req.path,
        rewrite: `regex_rewrite ${action.regexRewrite.pattern.regex} (RE2 refuses this pattern)`,
      };
    return {
      path: rewritten + query,
      rewrite: `regex_rewrite ${action.regexRewrite.pattern.regex} -> ${action.regexRewrite.substitution}`,
    };
  }
  if (action.prefixRewrite !== undefined) {
    const m = route.match;
    const matchedLength =
      m.prefix !== undefined
        ? m.prefix.length
        : m.pathSeparatedPrefix !== undefined
          ? m.pathSeparatedPrefix.length
          : r.pathOnly.length;
    const how =
      m.prefix !== undefined || m.pathSeparatedPrefix !== undefined
        ? `prefix_rewrite replaces the matched prefix "${m.prefix ?? m.pathSeparatedPrefix}" with "${action.prefixRewrite}"`
        : `prefix_rewrite replaces the whole path with "${action.prefixRewrite}"`;
    return { path: action.prefixRewrite + r.pathOnly.slice(matchedLength) + query, rewrite: how };
  }
  return { path: req.path };
}

/**
 * What Envoy's HTTP connection manager rejects before any routing (400), or undefined. Only the
 * case seen in practice is modelled: a fragment in :path (http_reject_path_with_fragment, on by default).
 */
export function rejectedBeforeRouting(req: RequestSpec): { status: number; reason: string } | undefined {
  if (req.path.includes('#'))
    return {
      status: 400,
      reason: 'Envoy rejects a request whose :path contains a fragment (#...) with 400 before routing',
    };
  return undefined;
}

/** Routes a request through a route configuration as Envoy would (see rejectedBeforeRouting for what never gets here). */
export function matchRequest(rc: RouteConfiguration, req: RequestSpec): RequestMatchResult {
  const choice = selectVirtualHost(rc, req.authority);
  if (!choice) return { outcome: 'no_virtual_host', misses: [], status: 404 };
  return matchInVirtualHost(choice, req);
}

export function matchInVirtualHost(choice: VirtualHostChoice, req: RequestSpec): RequestMatchResult {
  const vh: VirtualHost = choice.virtualHost;
  // an edge proxy's requests are external, so EXTERNAL_ONLY redirects them as ALL does
  if ((vh.requireTls === 'ALL' || vh.requireTls === 'EXTERNAL_ONLY') && (req.scheme ?? 'http') !== 'https')
    return {
      outcome: 'redirect',
      virtualHost: choice,
      misses: [],
      status: 301,
      tlsRedirect: `https://${req.authority}${req.path}`,
    };
  const r = normaliseRequest(req);
  const misses: RouteMiss[] = [];
  const routes = vh.routes ?? [];
  for (const [i, route] of routes.entries()) {
    const reasons = routeMatchMismatches(route.match ?? {}, r);
    if (reasons.length) {
      misses.push({ index: i, route, reasons });
      continue;
    }
    const base = { virtualHost: choice, route, routeIndex: i, misses };
    if (route.directResponse) return { ...base, outcome: 'direct_response', status: route.directResponse.status };
    if (route.redirect) {
      const code = redirectStatus(route.redirect.responseCode);
      return { ...base, outcome: 'redirect', status: code };
    }
    const action = route.route ?? {};
    const { path, rewrite } = rewritePath(route, req);
    const clusters = action.cluster
      ? [{ name: action.cluster }]
      : (action.weightedClusters?.clusters ?? []).map((c) => ({ name: c.name, weight: c.weight }));
    return {
      ...base,
      outcome: 'route',
      upstreamPath: path,
      rewrite,
      upstreamAuthority: action.hostRewriteLiteral ?? req.authority,
      clusters,
    };
  }
  return { outcome: 'no_route', virtualHost: choice, misses, status: 404 };
}

function redirectStatus(code: unknown): number {
  switch (code) {
    case 'FOUND':
      return 302;
    case 'SEE_OTHER':
      return 303;
    case 'TEMPORARY_REDIRECT':
      return 307;
    case 'PERMANENT_REDIRECT':
      return 308;
    default:
      return 301; // MOVED_PERMANENTLY, Envoy's default
  }
}
