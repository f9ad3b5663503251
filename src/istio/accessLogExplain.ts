// Why a request in the gateway's access log got its answer, and which YAML is behind it. The cause comes
// from Envoy's response flags and details; the facts come from the route configuration (live /config_dump,
// else the offline prediction), /clusters (endpoint health), and the YAML (DestinationRule subsets,
// Service selectors and ports, Pods). Pure: everything it needs is passed in.
import type { AccessLogEntry } from '../envoy/accessLog';
import type { AdminClustersIndex, ConfigDumpIndex } from '../envoy/index';
import { jsonEqual } from '../envoy/index';
import { matchRequest, routeMatchMismatches, type RequestMatchResult } from '../envoy/requestMatch';
import type { Route, RouteConfiguration } from '../envoy/types';
import { hostForMatching, portStart } from '../envoy/virtualHost';
import { DestinationRuleIndex } from './destinationRules';
import { parseSubsetKey } from './hosts';
import { namespaceOf, type ResourceSet } from './model';
import type { Prediction } from './prediction';
import { routeClusters } from '../envoy/routeClusters';
import { describeMatch } from '../envoy/matchText';
import { evaluateHttpAuthz, policyText, type HttpAuthzOutcome } from '../envoy/httpAuthz';
import type { Filter } from '../envoy/types';
import { authzFiltersOf, predictGatewayAuthz } from './authz';
import { DEFAULT_INGRESS } from './gatewayWorkloads';

export type Cause =
  | 'no-virtual-host'
  | 'no-route'
  | 'cluster-not-found'
  | 'no-healthy-upstream'
  | 'upstream-connect-failure'
  | 'overflow'
  | 'timeout'
  | 'rate-limited'
  | 'downstream-reset'
  | 'upstream-reset'
  | 'backend-not-found'
  | 'direct-response'
  | 'rbac-denied'
  | 'jwt-denied'
  | 'ext-authz'
  | 'ok'
  | 'other';

export interface YamlLink {
  file: string;
  /** 1-based, as the CLI prints it. */
  line: number;
  /** 0-based line, for the editor. */
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** What is there, e.g. "VirtualService simple/simple http[0].match[1]". */
  what: string;
}

export interface Explanation {
  cause: Cause;
  /** One or more sentences, the first one says what happened. */
  explanation: string;
  /** Further facts, one per line (domains, nearest route, endpoints...). */
  details: string[];
  routeConfig?: string;
  virtualHost?: string;
  /** The route Envoy took (or the nearest one when none matched), as `<vhost> #<index>` or its name. */
  route?: string;
  cluster?: string;
  /** The VirtualService behind the route, `<namespace>/<name>`, from the route's istio.config metadata. */
  virtualService?: string;
  yaml?: YamlLink;
}

export interface ExplainContext {
  /** The gateway's live /config_dump; when absent the prediction's route configurations stand in. */
  dump?: ConfigDumpIndex;
  clusters?: AdminClustersIndex;
  prediction?: Prediction;
  resources?: ResourceSet;
}

/** Envoy's response flags, as its access log documentation words them. */
export const FLAG_MEANING: Readonly<Record<string, string>> = {
  NR: 'no route configured for the request',
  NC: 'upstream cluster not found',
  UH: 'no healthy upstream hosts in the upstream cluster',
  UF: 'upstream connection failure',
  URX: 'the request was rejected because the upstream retry limit or maximum connect attempts was reached',
  UO: 'upstream overflow (circuit breaking)',
  UT: 'upstream request timeout',
  UC: 'upstream connection termination',
  UR: 'upstream remote reset',
  LR: 'connection local reset',
  DC: 'downstream connection termination',
  DPE: 'the downstream request had an HTTP protocol error',
  UPE: 'the upstream response had an HTTP protocol error',
  DT: 'a request or connection exceeded max_connection_duration or max_downstream_connection_duration',
  SI: 'stream idle timeout',
  RL: 'the request was rate-limited locally by the HTTP rate limit filter',
  RLSE: 'the request was rejected because of an error in the rate limit service',
  UAEX: 'the request was denied by the external authorization service',
  FI: 'the request was aborted with a response code specified via fault injection',
  DI: 'the request was delayed via fault injection',
  LH: 'local service failed health check request',
  IH: 'the request was rejected because it set an invalid value for a strictly-checked header',
  UMSDR: 'the upstream request reached max stream duration',
  OM: 'overload manager terminated the request',
  DF: 'the request was terminated due to a DNS resolution failure',
  DO: 'the request was terminated by Envoy as it was dropped',
  NFCF: 'no filter chain found for the connection',
};

const ROUTE_CONFIG_PREFIX = 'http.';

/** `/apis/networking.istio.io/v1/namespaces/NS/virtual-service/NAME` → kind, namespace, name. */
export function parseIstioConfig(config: unknown): { kind: string; namespace: string; name: string } | undefined {
  if (typeof config !== 'string') return undefined;
  const [, namespace = '', kind = '', name = ''] = /\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(config) ?? [];
  return name ? { namespace, kind, name } : undefined;
}

function portOf(address: string | undefined): number | undefined {
  const m = address ? /:(\d+)$/.exec(address) : null;
  return m ? Number(m[1]) : undefined;
}

function routeConfigs(ctx: ExplainContext): RouteConfiguration[] {
  if (ctx.dump) return ctx.dump.dump.routeConfigs.map((e) => e.routeConfig);
  return ctx.prediction?.routeConfigs ?? [];
}

/** The route configuration the request went through: the listener on the downstream local port, else the only one. */
function routeConfigFor(e: AccessLogEntry, ctx: ExplainContext): RouteConfiguration | undefined {
  const all = routeConfigs(ctx);
  if (all.length <= 1) return all[0];
  const port = portOf(e.downstreamLocalAddress);
  if (port !== undefined) {
    if (ctx.dump) {
      for (const l of ctx.dump.listenersOnPort(port)) {
        for (const fc of l.filterChains ?? []) {
          for (const f of fc.filters ?? []) {
            const hcm = f.typedConfig as
              | { rds?: { routeConfigName?: string }; routeConfig?: { name?: string } }
              | undefined;
            const rds = hcm?.rds?.routeConfigName ?? hcm?.routeConfig?.name;
            const rc = rds ? all.find((r) => r.name === rds) : undefined;
            if (rc) return rc;
          }
        }
      }
    }
    const byName = all.find((r) => r.name === `${ROUTE_CONFIG_PREFIX}${port}`);
    if (byName) return byName;
  }
  // Without a port: the configuration in which the authority finds a virtual host.
  return (
    all.find(
      (rc) =>
        e.authority && matchRequest(rc, { authority: e.authority, path: e.path ?? '/' }).outcome !== 'no_virtual_host',
    ) ?? all[0]
  );
}

function findNamedRoute(
  rc: RouteConfiguration,
  name: string,
): { vhost: string; route: Route; index: number } | undefined {
  for (const vh of rc.virtualHosts ?? []) {
    const routes = vh.routes ?? [];
    const i = routes.findIndex((r) => r.name === name);
    const route = routes[i];
    if (route) return { vhost: vh.name, route, index: i };
  }
  return undefined;
}

/** The YAML behind a route: the predicted route with the same match in the same virtual host, else the VirtualService. */
function yamlFor(ctx: ExplainContext, rcName: string, vhost: string, route: Route): YamlLink | undefined {
  const routes = ctx.prediction?.routes ?? [];
  const vs = parseIstioConfig(route.metadata?.filterMetadata?.istio?.config);
  const same = (p: (typeof routes)[number]) =>
    !vs || (p.virtualService.name === vs.name && p.virtualService.namespace === vs.namespace);
  const exact =
    routes.find(
      (p) => p.routeConfig === rcName && p.virtualHost === vhost && same(p) && jsonEqual(p.route.match, route.match),
    ) ??
    routes.find((p) => p.virtualHost === vhost && same(p) && jsonEqual(p.route.match, route.match)) ??
    routes.find((p) => same(p) && jsonEqual(p.route.match, route.match));
  const hit = exact ?? (vs ? routes.find((p) => same(p)) : undefined);
  if (hit) {
    const where = `VirtualService ${hit.virtualService.namespace}/${hit.virtualService.name} http[${hit.http}]${hit.match === null ? '' : `.match[${hit.match}]`}`;
    return {
      file: hit.file,
      line: hit.line,
      range: hit.range,
      what: exact ? where : `VirtualService ${hit.virtualService.namespace}/${hit.virtualService.name}`,
    };
  }
  if (vs && ctx.resources) {
    const obj = ctx.resources.virtualServices.find(
      (v) => v.metadata.name === vs.name && namespaceOf(v) === vs.namespace,
    );
    if (obj)
      return {
        file: obj.file,
        line: obj.range.start.line + 1,
        range: obj.range,
        what: `VirtualService ${vs.namespace}/${vs.name}`,
      };
  }
  return undefined;
}

/**
 * The log carries no request headers or query, so a route that matched on them cannot be re-found by the matcher.
 * When the log names the upstream cluster, the route is the first one that sends there and whose path condition
 * the logged path meets (its header and query conditions taken as met, as Envoy found them). Envoy tries routes in
 * order, so the earliest such route is the one a request with the right headers took; explainEntry says when the
 * matcher, without headers, picks another one.
 */
function routeToCluster(
  match: RequestMatchResult,
  e: AccessLogEntry,
): { vhost: string; route: Route; index: number } | undefined {
  const vh = match.virtualHost!.virtualHost;
  const routes = vh.routes ?? [];
  for (const [i, r] of routes.entries()) {
    if (!routeClusters(r).includes(e.upstreamCluster!)) continue;
    const { headers: _h, queryParameters: _q, dynamicMetadata: _d, ...pathOnly } = r.match ?? {};
    if (routeMatchMismatches(pathOnly, { authority: e.authority ?? '', path: e.path ?? '/' }).length === 0)
      return { vhost: vh.name, route: r, index: i };
  }
  return undefined;
}

const routeLabel = (vhost: string, index: number, route: Route) =>
  route.name ? `${route.name} (${vhost} #${index})` : `${vhost} #${index}`;

/** Explains one access log entry. */
export function explainEntry(e: AccessLogEntry, ctx: ExplainContext = {}): Explanation {
  const rc = routeConfigFor(e, ctx);
  const flags = new Set(e.flags);
  const details = e.details ?? '';
  const out: Explanation = { cause: 'other', explanation: '', details: [] };
  if (rc) out.routeConfig = rc.name;

  // Where the request went (or would have gone): the named route, else the live matcher on authority and path.
  let match: RequestMatchResult | undefined;
  if (rc && e.authority) match = matchRequest(rc, { authority: e.authority, path: e.path ?? '/', method: e.method });
  let taken: { vhost: string; route: Route; index: number } | undefined;
  if (rc && e.routeName) taken = findNamedRoute(rc, e.routeName);
  if (!taken && match?.virtualHost && e.upstreamCluster) taken = routeToCluster(match, e);
  if (!taken && match?.route && match.virtualHost)
    taken = { vhost: match.virtualHost.virtualHost.name, route: match.route, index: match.routeIndex ?? 0 };
  const link = (r: { vhost: string; route: Route; index: number }) => {
    out.virtualHost = r.vhost;
    out.route = routeLabel(r.vhost, r.index, r.route);
    const vs = parseIstioConfig(r.route.metadata?.filterMetadata?.istio?.config);
    if (vs) out.virtualService = `${vs.namespace}/${vs.name}`;
    if (rc) out.yaml = yamlFor(ctx, rc.name ?? '', r.vhost, r.route);
  };
  if (taken) link(taken);
  if (taken && match?.route && match.route !== taken.route && match.virtualHost)
    out.details.push(
      `the log has no request headers: ${routeLabel(taken.vhost, taken.index, taken.route)} sends to ${e.upstreamCluster} and takes the logged path when its header/query conditions hold; without them #${match.routeIndex} would take it`,
    );
  const routeCluster = taken ? routeClusters(taken.route)[0] : undefined;
  out.cluster = e.upstreamCluster ?? routeCluster;

  const flagWords = e.flags
    .map((f) => `${f} (${FLAG_MEANING[f] ?? "see Envoy's access log documentation"})`)
    .join(', ');

  // jwt_authn and rbac run before the router: their denials carry no route
  if (RBAC_DENIED.test(details) || JWT_DENIED.test(details)) return explainAuthz(e, ctx, out, details);
  if (EXT_AUTHZ.test(details)) return explainExtAuthz(e, ctx, out, details);
  if (flags.has('NR') || details === 'route_not_found') return explainNotRouted(e, rc, match, out, link);
  if (flags.has('NC') || details === 'cluster_not_found') return explainNoCluster(e, ctx, out);
  if (flags.has('UH') || details === 'no_healthy_upstream') return explainNoHealthy(e, ctx, out);
  if (flags.has('UF') || flags.has('URX')) return explainConnectFailure(e, ctx, out, flagWords);
  if (flags.has('UO'))
    return done(
      out,
      'overflow',
      `${e.code}: the cluster's circuit breaker was open (${flagWords}); the DestinationRule's connectionPool limits were reached.`,
    );
  if (flags.has('UT') || flags.has('SI') || flags.has('UMSDR') || flags.has('DT'))
    return done(
      out,
      'timeout',
      `${e.code}: a timeout ended the request (${flagWords}); the VirtualService's timeout, or the backend took too long.`,
    );
  if (flags.has('RL') || flags.has('RLSE')) return done(out, 'rate-limited', `${e.code}: rate limited (${flagWords}).`);
  if (flags.has('DC') || flags.has('DPE') || e.code === 0)
    return done(
      out,
      'downstream-reset',
      `${e.code || 'no response'}: the client went away or broke the protocol before the answer (${flagWords || 'no response code'}).`,
    );
  if (flags.has('UC') || flags.has('UR') || flags.has('UPE') || flags.has('LR'))
    return done(
      out,
      'upstream-reset',
      `${e.code}: the backend's connection ended mid-request (${flagWords})${e.upstreamHost ? ` at ${e.upstreamHost}` : ''}.`,
    );
  if (details === 'direct_response' || taken?.route.directResponse) {
    const cfg = parseIstioConfig(taken?.route.metadata?.filterMetadata?.istio?.config);
    // Istio turns an HTTPRoute/GRPCRoute rule without a usable backend into a 500 direct response (conversion.go).
    const gatewayApi = cfg?.kind === 'httproute' || cfg?.kind === 'grpcroute';
    if (e.code === 500 && (gatewayApi || !taken))
      return done(
        out,
        'backend-not-found',
        `500: the route answers 500 itself${gatewayApi ? '' : ' (when it comes from an HTTPRoute: give the config dump or YAML to be sure)'}: Istio does so for a Gateway API rule whose backendRefs have no usable backend (a Service that does not exist, a cross-namespace ref without ReferenceGrant, or all weights 0).`,
      );
    return done(out, 'direct-response', `${e.code}: the route answers itself (directResponse), no backend was asked.`);
  }
  if (e.flags.length) return done(out, 'other', `${e.code}: ${flagWords}.`);
  const who = e.upstreamHost ? `the backend ${e.upstreamHost}` : 'the backend';
  return done(
    out,
    'ok',
    e.code >= 400
      ? `${e.code}: Envoy routed the request and ${who} answered ${e.code} itself (${details || 'via_upstream'}); look at the application, not the gateway.`
      : `${e.code}: routed and answered by ${who}.`,
  );
}

const RBAC_DENIED = /^rbac_access_denied_matched_policy\[(.*)\]$/;
const JWT_DENIED = /^jwt_authn_access_denied\{(.*)\}$/;
/** Envoy's ext_authz details: the external authorizer said no, or could not be asked (status_on_error). */
const EXT_AUTHZ = /^ext_authz_(denied|error)$/;

/** The gateway's jwt_authn and rbac filters for the logged request: the live listener's, else the predicted ones. */
function authzFiltersFor(e: AccessLogEntry, ctx: ExplainContext): { filters: Filter[]; live: boolean } {
  const port = portOf(e.downstreamLocalAddress);
  if (ctx.dump) {
    const listeners =
      port !== undefined ? ctx.dump.listenersOnPort(port) : ctx.dump.dump.listeners.map((l) => l.listener);
    for (const l of listeners)
      for (const fc of l.filterChains ?? [])
        for (const f of fc.filters ?? []) {
          const http = (f.typedConfig as { httpFilters?: Filter[] } | undefined)?.httpFilters;
          if (http) return { filters: authzFiltersOf(http), live: true };
        }
  }
  return {
    filters: ctx.resources ? predictGatewayAuthz(ctx.resources, DEFAULT_INGRESS).httpFilters : [],
    live: false,
  };
}

/** The logged request re-evaluated: the log has method, authority, path, user agent and the client address only. */
function reevaluate(e: AccessLogEntry, filters: Filter[]): HttpAuthzOutcome | undefined {
  if (!filters.length) return undefined;
  const client = e.downstreamRemoteAddress?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return evaluateHttpAuthz(filters, {
    authority: e.authority ?? '',
    path: e.path ?? '/',
    method: e.method,
    headers: e.userAgent ? { 'user-agent': e.userAgent } : {},
    sourceIp: client,
    destinationPort: portOf(e.downstreamLocalAddress),
  });
}

/** 401 from jwt_authn (RequestAuthentication) or 403 from rbac (AuthorizationPolicy), with the policy's YAML. */
function explainAuthz(e: AccessLogEntry, ctx: ExplainContext, out: Explanation, details: string): Explanation {
  const jwt = JWT_DENIED.exec(details);
  if (jwt) {
    const reason = (jwt[1] ?? '').replace(/_/g, ' ');
    const ra = ctx.resources?.requestAuthentications.find((r) => r.spec.jwtRules?.length);
    if (ra)
      out.yaml = {
        file: ra.file,
        line: ra.range.start.line + 1,
        range: ra.range,
        what: `RequestAuthentication ${namespaceOf(ra)}/${ra.metadata.name}`,
      };
    const missing = reason === 'Jwt is missing';
    return done(
      out,
      'jwt-denied',
      `${e.code}: ${reason} — the gateway's jwt_authn filter (from a RequestAuthentication) ${missing ? 'requires a token and the request has none' : 'rejected the token the request carries'}${ra ? `; RequestAuthentication ${namespaceOf(ra)}/${ra.metadata.name}` : ''}.`,
    );
  }
  const matched = RBAC_DENIED.exec(details)?.[1] ?? 'none';
  const { filters, live } = authzFiltersFor(e, ctx);
  const outcome = reevaluate(e, filters);
  const m =
    /^(?:istio-ext-authz-(?:.*?-)?)?ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[(\d+)\](-deny-due-to-bad-CUSTOM-action)?$/.exec(
      matched,
    );
  if (m) {
    const [, ns = '', name = '', rule = '0', badCustom] = m;
    const ap = ctx.resources?.authorizationPolicies.find((p) => p.metadata.name === name && namespaceOf(p) === ns);
    if (ap) {
      const range = ap.rangeAt(['spec', 'rules', Number(rule)]);
      out.yaml = {
        file: ap.file,
        line: range.start.line + 1,
        range,
        what: `AuthorizationPolicy ${ns}/${name} rules[${rule}]`,
      };
    }
    const why = outcome?.rbac.flatMap((r) => r.policies).find((p) => p.name === matched);
    if (why)
      out.details.push(
        why.matched
          ? `on the logged fields the rule matches: ${why.why}`
          : `on the logged fields alone the rule does not match (${why.why}); it matched on what the log leaves out (other headers, the token's claims)`,
      );
    return done(
      out,
      'rbac-denied',
      `${e.code}: RBAC: access denied — DENY ${policyText(matched)} matched${ap ? '' : ` (${live ? 'live config' : 'not in the YAML given'})`}${badCustom ? ": istiod could not send this CUSTOM policy's requests to its provider (not among the mesh config's extensionProviders, broken, or one of several providers), so it denies them" : ''}.`,
    );
  }
  // no policy named: an ALLOW filter that none of its policies let through
  const allow = outcome?.rbac.find((r) => r.action === 'ALLOW');
  for (const p of allow?.policies ?? [])
    out.details.push(
      `ALLOW ${policyText(p.name)}: ${p.matched ? 'matches on the logged fields' : `no match (${p.why})`}`,
    );
  const allows = (ctx.resources?.authorizationPolicies ?? []).filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  const first = allows[0];
  if (first)
    out.yaml = {
      file: first.file,
      line: first.range.start.line + 1,
      range: first.range,
      what: `AuthorizationPolicy ${namespaceOf(first)}/${first.metadata.name}`,
    };
  const names = allow?.policies.length
    ? [...new Set(allow.policies.map((p) => policyText(p.name).replace(/ rule \d+$/, '')))]
    : allows.map((p) => `policy ${namespaceOf(p)}/${p.metadata.name}`);
  return done(
    out,
    'rbac-denied',
    `${e.code}: RBAC: access denied — no ALLOW policy matched${names.length ? ` (${names.join(', ')})` : ''}: once an ALLOW policy applies to the gateway, a request that none allows is denied.`,
  );
}

/** 403 (or status_on_error) from ext_authz: the external authorizer of a CUSTOM policy denied, or could not be asked. */
function explainExtAuthz(e: AccessLogEntry, ctx: ExplainContext, out: Explanation, details: string): Explanation {
  const { filters, live } = authzFiltersFor(e, ctx);
  const ext = reevaluate(e, filters)?.external;
  const policy = ext?.enabledBy
    ? /^istio-ext-authz-(?:.*?-)?ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[(\d+)\]$/.exec(ext.enabledBy)
    : null;
  const ap = policy
    ? ctx.resources?.authorizationPolicies.find((p) => p.metadata.name === policy[2] && namespaceOf(p) === policy[1])
    : undefined;
  if (ap && policy) {
    const range = ap.rangeAt(['spec', 'rules', Number(policy[3])]);
    out.yaml = {
      file: ap.file,
      line: range.start.line + 1,
      range,
      what: `AuthorizationPolicy ${policy[1]}/${policy[2]} rules[${policy[3]}]`,
    };
  }
  const who = ext ? `the external authorizer ${ext.service}` : 'the external authorizer';
  const why = ext?.enabledBy
    ? ` (${policyText(ext.enabledBy)} sent the request there${live ? ', live config' : ''})`
    : '';
  return done(
    out,
    'ext-authz',
    details === 'ext_authz_denied'
      ? `${e.code}: ${who} denied the request${why}; its reasons are in its own logs.`
      : `${e.code}: the gateway could not get an answer from ${who}${why}: unreachable, timed out or failing; the provider is not failOpen, so Envoy answers its statusOnError.`,
  );
}

function done(out: Explanation, cause: Cause, text: string): Explanation {
  out.cause = cause;
  out.explanation = text;
  return out;
}

function explainNotRouted(
  e: AccessLogEntry,
  rc: RouteConfiguration | undefined,
  match: RequestMatchResult | undefined,
  out: Explanation,
  link: (r: { vhost: string; route: Route; index: number }) => void,
): Explanation {
  const authority = e.authority ?? '';
  if (!rc)
    return done(
      out,
      'no-route',
      `${e.code} NR: no route for ${authority}${e.path ?? ''}; give the gateway's --config-dump or the YAML to see why.`,
    );
  if (!match || match.outcome === 'no_virtual_host') {
    const domains = (rc.virtualHosts ?? []).flatMap((v) => v.domains ?? []);
    out.details.push(`domains on ${rc.name}: ${domains.length ? domains.join(', ') : '(none)'}`);
    const ignorePort = rc.ignorePortInHostMatching === true;
    const host = hostForMatching(authority, ignorePort);
    let why = '';
    const p = portStart(authority);
    if (!ignorePort && p >= 0) {
      const bare = authority.slice(0, p).toLowerCase();
      if (
        domains.some((d) => d.toLowerCase() === bare || (d.startsWith('*') && bare.endsWith(d.slice(1).toLowerCase())))
      )
        why = ` The Host header carries a port (${authority.slice(p)}) and ${rc.name} does not ignore ports in host matching: without the port it would match; add "${bare}${authority.slice(p)}" to the Gateway's hosts or send the Host without the port.`;
    }
    if (!why && authority !== authority.toLowerCase() && domains.includes(host))
      why = ` (Envoy compares hosts case-insensitively, so the case of "${authority}" is not why.)`;
    return done(
      out,
      'no-virtual-host',
      `${e.code} NR: the Host "${authority}" matched no domain of route configuration ${rc.name}, so no virtual host took the request.${why}`,
    );
  }
  const vh = match.virtualHost!;
  out.virtualHost = vh.virtualHost.name;
  const misses = match.misses;
  if (!misses.length)
    return done(
      out,
      'no-route',
      `${e.code} NR: the virtual host ${vh.virtualHost.name} matched "${authority}" but has no routes.`,
    );
  // The nearest route: the one with the fewest unmet conditions, the earlier one on a tie.
  const nearest = misses.reduce((a, b) => (b.reasons.length < a.reasons.length ? b : a));
  link({ vhost: vh.virtualHost.name, route: nearest.route, index: nearest.index });
  for (const m of misses)
    out.details.push(`#${m.index} ${describeMatch(m.route.match ?? {})}: ${m.reasons.join('; ')}`);
  return done(
    out,
    'no-route',
    `${e.code} NR: the virtual host ${vh.virtualHost.name} matched "${authority}", but none of its ${misses.length} route(s) matched ${e.method ?? 'GET'} ${e.path ?? '/'}; nearest is #${nearest.index} (${describeMatch(nearest.route.match ?? {})}): ${nearest.reasons.join('; ')}.`,
  );
}

function explainNoCluster(e: AccessLogEntry, ctx: ExplainContext, out: Explanation): Explanation {
  const name = out.cluster;
  if (!name) return done(out, 'cluster-not-found', `${e.code} NC: the route's cluster does not exist on the gateway.`);
  const parts = parseSubsetKey(name);
  if (parts?.subset) {
    const rules = new DestinationRuleIndex(ctx.resources?.destinationRules ?? []);
    const rule = rules.ruleFor(parts.host);
    if (!rule)
      return done(
        out,
        'cluster-not-found',
        `${e.code} NC: the route sends to subset "${parts.subset}" of ${parts.host}, and no DestinationRule for ${parts.host} defines it, so Istio made no cluster ${name}. Add a DestinationRule with host ${parts.host} and subsets: [{name: ${parts.subset}, labels: ...}].`,
      );
    const has = rule.spec.subsets?.some((s) => s.name === parts.subset);
    const where = `DestinationRule ${namespaceOf(rule)}/${rule.metadata.name} (${rule.file}:${rule.range.start.line + 1})`;
    return done(
      out,
      'cluster-not-found',
      has
        ? `${e.code} NC: ${where} defines subset "${parts.subset}" but the gateway has no cluster ${name} yet (not pushed, or the rule's exportTo hides it from the gateway's namespace).`
        : `${e.code} NC: the route sends to subset "${parts.subset}" of ${parts.host}, but ${where} defines only ${(rule.spec.subsets ?? []).map((s) => s.name).join(', ') || 'no subsets'}; add subset "${parts.subset}" there.`,
    );
  }
  return done(
    out,
    'cluster-not-found',
    `${e.code} NC: the route's cluster ${name} does not exist on the gateway (no Service or ServiceEntry for ${parts?.host ?? name}${parts ? ` port ${parts.port}` : ''}).`,
  );
}

function serviceFor(ctx: ExplainContext, host: string) {
  const m = /^([^.]+)\.([^.]+)\.svc\./.exec(host);
  if (!m) return undefined;
  return ctx.resources?.services.find((s) => s.metadata.name === m[1] && namespaceOf(s) === m[2]);
}

function explainNoHealthy(e: AccessLogEntry, ctx: ExplainContext, out: Explanation): Explanation {
  const name = out.cluster ?? '';
  const eps = ctx.clusters?.cluster(name)
    ? ctx.clusters.endpoints(name)
    : ctx.dump?.endpoints(name)
      ? ctx.dump.edsEndpoints(name)
      : undefined;
  if (eps) {
    out.details.push(
      eps.length
        ? `endpoints of ${name}: ${eps.map((p) => `${p.address}:${p.port} ${p.health}${p.failedOutlierCheck ? ' (ejected by outlier detection)' : ''}`).join(', ')}`
        : `${name} has no endpoints`,
    );
  }
  const parts = parseSubsetKey(name);
  const svc = parts ? serviceFor(ctx, parts.host) : undefined;
  let why =
    eps === undefined
      ? ' (give --clusters to see its endpoints)'
      : eps.length === 0
        ? ': it has no endpoints at all'
        : ': none of its endpoints is healthy';
  if (svc) {
    const sel = svc.spec.selector ?? {};
    const selText = Object.entries(sel)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const ns = namespaceOf(svc);
    const workloads = (ctx.resources?.deployments ?? []).filter(
      (d) =>
        namespaceOf(d) === ns &&
        Object.keys(sel).length > 0 &&
        Object.entries(sel).every(([k, v]) => d.spec.template?.metadata?.labels?.[k] === v),
    );
    out.details.push(
      `Service ${ns}/${svc.metadata.name} selects ${selText || '(no selector)'}; workloads with those labels: ${workloads.map((d) => `${d.kind} ${d.metadata.name}${d.kind === 'Deployment' ? ` (replicas ${d.spec.replicas ?? 1})` : ''}`).join(', ') || 'none'}`,
    );
    if (!workloads.length) why += `; no workload in the YAML carries the Service's selector ${selText}`;
    else if (workloads.every((d) => d.kind === 'Deployment' && d.spec.replicas === 0))
      why += `; its Deployment is scaled to 0`;
  }
  return done(out, 'no-healthy-upstream', `${e.code} UH: Envoy had no healthy host in ${name || 'the cluster'}${why}.`);
}

function explainConnectFailure(
  e: AccessLogEntry,
  ctx: ExplainContext,
  out: Explanation,
  flagWords: string,
): Explanation {
  const name = out.cluster ?? '';
  const parts = parseSubsetKey(name);
  const facts: string[] = [];
  if (parts) {
    const svc = serviceFor(ctx, parts.host);
    const port = svc?.spec.ports?.find((p) => p.port === parts.port);
    if (port)
      facts.push(
        `Service port ${port.port}${port.name ? ` (${port.name})` : ''} → targetPort ${port.targetPort ?? port.port}${port.appProtocol ? `, appProtocol ${port.appProtocol}` : ''}`,
      );
    else facts.push(`cluster port ${parts.port}`);
    const rule = new DestinationRuleIndex(ctx.resources?.destinationRules ?? []).ruleFor(parts.host);
    const tls = rule?.spec.trafficPolicy?.tls?.mode;
    if (tls && rule) facts.push(`DestinationRule ${rule.metadata.name} sets tls.mode ${tls}`);
    const live = ctx.dump?.cluster(name) as
      | { transportSocket?: { name?: string }; transportSocketMatches?: unknown[] }
      | undefined;
    if (live)
      facts.push(
        live.transportSocket || live.transportSocketMatches
          ? 'the live cluster uses TLS (mTLS when the endpoint has a sidecar)'
          : 'the live cluster sends plaintext',
      );
  }
  if (e.upstreamTransportFailureReason) facts.push(`transport failure: ${e.upstreamTransportFailureReason}`);
  out.details.push(...facts);
  const at = e.upstreamHost ? ` to ${e.upstreamHost}` : '';
  return done(
    out,
    'upstream-connect-failure',
    `${e.code} ${e.flags.join(',')}: Envoy could not connect${at} (${flagWords}); ${facts.length ? facts.join('; ') : 'the backend refused or did not answer'}. Check that the pod listens on the target port and that the protocol and TLS mode agree.`,
  );
}
