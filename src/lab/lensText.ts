// How a VirtualService match is shown above it in the editor (CodeLens) and in its hover.
// Pure and exported so unit tests and the UI test assert the same strings users read. A lens line must fit
// beside the Explorer (about 90 characters), so the lenses are short and separate; the hover has every fact:
//   predicted http.8080 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80 | endpoints after deploy | $(play) send
//   hover: http.8080 › simple.baihl.io:80 › path /simple/httpserver → /hello › outbound|80||simple.simple.svc.cluster.local
import type { Route, RouteMatch } from '../envoy/types';
import { endpointAddress, type PodEndpoint } from '../envoy/index';
import { describeHeader, describeMatch } from '../envoy/matchText';

export type LensSource = 'live' | 'predicted';

export const SEP = ' › ';
export const ARROW = ' → ';
export const PREDICTED_MARK = 'predicted';
/** The longest lens title: what fits beside the Explorer at 1280 pixels. */
export const LENS_MAX = 90;
export const LIVE_MARK = 'live';

export interface RouteView {
  routeConfig: string;
  virtualHost: string;
  route: Route;
}

/**
 * The path rewrite as the user wrote it: `/hello` for a prefix rewrite, and also for the two regexes Istio
 * makes of the Gateway API's URLRewrite (ReplaceFullPath: `/.*` to a literal path; ReplacePrefixMatch `/`:
 * `^<prefix>(/?)(.*)` to `/\2`); any other regex as `s/pattern/substitution/`. Empty without a rewrite.
 */
export function describeRewrite(a: Route['route']): string {
  const re = a?.regexRewrite;
  if (re) {
    const { regex } = re.pattern;
    if (regex === '/.*' && !re.substitution.includes('\\')) return re.substitution;
    if (/^\^.*\(\/\?\)\(\.\*\)$/.test(regex) && re.substitution === '/\\2') return '/';
    return `s/${regex}/${re.substitution}/`;
  }
  return a?.prefixRewrite ?? '';
}

/** What happens to a matched request: rewrite, then where it goes. */
export function describeAction(r: Route): string {
  const parts: string[] = [];
  const a = r.route;
  if (a) {
    const rewrite = describeRewrite(a);
    if (a.regexRewrite || a.prefixRewrite !== undefined) parts.push(`${ARROW.trim()} ${rewrite}`);
    if (a.hostRewriteLiteral) parts.push(`host ${a.hostRewriteLiteral}`);
  }
  const head = parts.join(' ');
  const target = describeTarget(r);
  return head ? `${head}${SEP}${target}` : target;
}

function describeTarget(r: Route): string {
  if (r.route?.cluster) return r.route.cluster;
  const weighted = r.route?.weightedClusters?.clusters;
  if (weighted?.length) return weighted.map((c) => `${c.name} ${c.weight}%`).join(' + ');
  if (r.redirect) {
    const to = ['schemeRedirect', 'hostRedirect', 'portRedirect', 'pathRedirect', 'prefixRewrite']
      .map((k) => r.redirect?.[k])
      .filter((v) => v !== undefined && v !== '')
      .join(' ');
    return `redirect ${to}`.trim();
  }
  if (r.directResponse) return `direct response ${r.directResponse.status}`;
  return 'no action';
}

/** `http.8080 › simple.baihl.io:80 › path /simple/httpserver → /hello › outbound|80||simple...` */
export function formatRoute(v: RouteView): string {
  const match = describeMatch(v.route.match);
  const action = describeAction(v.route);
  // A rewrite reads as part of the match ("path /a → /b"), so it joins with a space, not a separator.
  const joined = action.startsWith(ARROW.trim()) ? `${match} ${action}` : `${match}${SEP}${action}`;
  return [v.routeConfig, v.virtualHost, joined].join(SEP);
}

/** `predicted http.8080 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80`, at most LENS_MAX long. */
export function formatRouteLens(v: RouteView, source: LensSource): string {
  const a = v.route.route;
  const rewrite = a?.regexRewrite || a?.prefixRewrite !== undefined ? `${ARROW}${describeRewrite(a)}` : '';
  const line = [
    `${source === 'live' ? LIVE_MARK : PREDICTED_MARK} ${v.routeConfig}`,
    v.virtualHost,
    `${shortMatch(v.route.match)}${rewrite}`,
    shortTarget(v.route),
  ].join(SEP);
  return fitLens(line);
}

/** Cuts a title to LENS_MAX with an ellipsis; the hover and the tooltip keep the whole text. */
export function fitLens(text: string, max = LENS_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The match as istioctl's MATCH column writes it: `/p` exact, `/p*` prefix, `~re` regex, then headers. */
export function shortMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.path !== undefined) parts.push(m.path);
  else if (m.prefix !== undefined) parts.push(`${m.prefix}*`);
  else if (m.pathSeparatedPrefix !== undefined) parts.push(`${m.pathSeparatedPrefix}/*`);
  else if (m.safeRegex) parts.push(`~${m.safeRegex.regex}`);
  else parts.push('/*');
  for (const h of m.headers ?? []) parts.push(describeHeader(h));
  for (const q of m.queryParameters ?? []) parts.push(`?${q.name}`);
  return parts.join(' ');
}

/** `outbound|80|v1|simple.simple.svc.cluster.local` → `simple:80 v1`; other hosts (ServiceEntries) stay whole. */
export function shortCluster(name: string): string {
  const [direction, port, subset, host] = name.split('|');
  if (direction !== 'outbound' || port === undefined || host === undefined) return name;
  const service = host.endsWith('.svc.cluster.local') ? host.split('.')[0] : host;
  return `${service}:${port}${subset ? ` ${subset}` : ''}`;
}

function shortTarget(r: Route): string {
  if (r.route?.cluster) return shortCluster(r.route.cluster);
  const weighted = r.route?.weightedClusters?.clusters;
  if (weighted?.length) return weighted.map((c) => `${shortCluster(c.name)} ${c.weight}%`).join(' + ');
  return describeTarget(r);
}

/** The endpoints lens: a count with health, e.g. `2 endpoints ✓`, `1/2 healthy`, `no endpoints → 503`. */
export function formatEndpoints(endpoints: readonly PodEndpoint[], source: LensSource): string {
  if (source === 'predicted') return 'endpoints after deploy';
  if (!endpoints.length) return 'no endpoints → 503';
  const healthy = endpoints.filter((e) => e.health === 'HEALTHY').length;
  const n = endpoints.length;
  return healthy === n ? `${n} endpoint${n === 1 ? '' : 's'} ✓` : `${healthy}/${n} healthy`;
}

/** The endpoints in full, for the lens's tooltip: `10.10.1.13:80 HEALTHY (simple-fb6498fdb-rmdg2), ...`. */
export function formatEndpointList(endpoints: readonly PodEndpoint[], source: LensSource): string {
  if (source === 'predicted') return 'Endpoints are known once the sample is deployed and the gateway reads them.';
  if (!endpoints.length)
    return 'No endpoints: the cluster has no ready pod behind this route, so Envoy answers 503 (UH).';
  return endpoints.map(formatEndpoint).join(', ');
}

/** `10.10.1.13:80 HEALTHY (simple-fb6498fdb-rmdg2)` */
export function formatEndpoint(e: PodEndpoint): string {
  return `${endpointAddress(e)} ${e.health}${e.pod ? ` (${e.pod})` : ''}`;
}

export function formatNotOnGateway(reason: string): string {
  return `not on the gateway: ${reason}`;
}

export const SEND_REQUEST_TITLE = '$(play) send';
export const TRACE_LENS_TITLE = '$(debug-start) trace';

/** Markdown for the hover: the same facts as the lenses, plus the Envoy route as JSON. */
export function formatHoverMarkdown(
  v: RouteView,
  source: LensSource,
  endpoints: readonly PodEndpoint[] | undefined,
  gatewayPod?: string,
): string {
  const lines = [
    `**${source === 'live' ? `Live on ${gatewayPod ?? 'the gateway'}` : 'Predicted (not read from a cluster)'}**`,
    '',
    `\`${formatRoute(v).replace(/`/g, "'")}\``,
    '',
  ];
  if (source === 'live') {
    lines.push('| ENDPOINT | STATUS | POD |', '|---|---|---|');
    for (const e of endpoints ?? []) lines.push(`| ${endpointAddress(e)} | ${e.health} | ${e.pod ?? ''} |`);
    if (!endpoints?.length) lines.push('| (none) | | |');
    lines.push('');
  }
  lines.push('```json', JSON.stringify(v.route, null, 2), '```');
  return lines.join('\n');
}
