import { jsonEqual } from './index';
import type { Route } from './types';

/** The clusters a route sends to: its one cluster, or each of its weighted clusters (none for a redirect). */
export function routeClusters(route: Pick<Route, 'route'>): string[] {
  const action = route.route;
  if (action?.cluster) return [action.cluster];
  return (action?.weightedClusters?.clusters ?? []).map((c) => c.name);
}

/**
 * Whether two routes do the same to a request: the same match, redirect or direct response, and the same
 * forwarding (clusters and weights, rewrites). Fields Istio adds that change nothing users read of the route
 * (metadata, decorator, timeouts and retries it fills in) are not compared.
 */
export function sameRouting(a: Route, b: Route): boolean {
  return jsonEqual(routingOf(a), routingOf(b));
}

function routingOf(r: Route): unknown {
  const action = r.route;
  return {
    match: r.match,
    redirect: r.redirect,
    directResponse: r.directResponse,
    route: action && {
      cluster: action.cluster,
      weightedClusters: action.weightedClusters?.clusters.map((c) => ({ name: c.name, weight: c.weight })),
      prefixRewrite: action.prefixRewrite,
      regexRewrite: action.regexRewrite,
      hostRewriteLiteral: action.hostRewriteLiteral,
    },
  };
}
