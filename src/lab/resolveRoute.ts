// For one predicted route: what the live gateway holds for it (if anything), and what to show.
import { routeClusters, sameRouting } from '../envoy/routeClusters';
import type { PredictedRoute } from '../istio/prediction';
import type { LensSource, RouteView } from './lensText';
import { describeMatch } from '../envoy/matchText';
import type { GatewayRef, LiveState } from './liveRoutes';
import type { PodEndpoint } from '../envoy/index';

export interface ResolvedRoute {
  predicted: PredictedRoute;
  source: LensSource;
  view: RouteView;
  endpoints: PodEndpoint[];
  /** Set when the live Envoy lacks the route although it has the VirtualService: the reason, for "not on the gateway". */
  missing?: string;
  /** Why the view is only predicted, or where the live data came from. */
  note?: string;
  gatewayPod?: string;
}

/** The live state of a gateway (LiveRoutes.get). */
export interface LiveSource {
  get(gw?: GatewayRef): Promise<LiveState>;
}

/** `gw`: the route's Gateway (namespace and selector), so the right gateway's Envoy is read. */
export async function resolveRoute(live: LiveSource, p: PredictedRoute, gw?: GatewayRef): Promise<ResolvedRoute> {
  return resolveWith(p, await live.get(gw));
}

/** The route as the gateway's Envoy holds it (or the prediction, and why), from a live state already read. */
export function resolveWith(p: PredictedRoute, live: LiveState): ResolvedRoute {
  const predictedView: RouteView = { routeConfig: p.routeConfig, virtualHost: p.virtualHost, route: p.route };
  const base = { predicted: p, view: predictedView, endpoints: [] as PodEndpoint[] };
  if (!live.ok) return { ...base, source: 'predicted', note: `Predicted: ${live.reason}` };
  const g = live.gateway;
  const pod = `${g.pod.namespace}/${g.pod.name}`;
  const hit = g.findRoute(p.routeConfig, p.domains, p.route.match);
  if (hit) {
    const endpoints = routeClusters(hit.route).flatMap((c) => g.endpoints(c));
    return {
      predicted: p,
      source: 'live',
      view: { routeConfig: hit.routeConfig, virtualHost: hit.virtualHost, route: hit.route },
      endpoints,
      note:
        `Live from ${pod}'s Envoy, read at ${new Date(g.fetchedAt).toLocaleTimeString()}` +
        (sameRouting(hit.route, p.route)
          ? ''
          : '. The live route differs from what this file predicts: edited since it was applied?'),
      gatewayPod: pod,
    };
  }
  const vs = p.virtualService;
  if (g.hasVirtualService(vs.namespace, vs.name)) {
    return {
      ...base,
      source: 'predicted',
      missing: `${pod} has no route "${describeMatch(p.route.match)}" in ${p.routeConfig} for ${p.domains.join(', ')}`,
      gatewayPod: pod,
    };
  }
  return {
    ...base,
    source: 'predicted',
    note: `Predicted: VirtualService ${vs.namespace}/${vs.name} is not on ${pod} (not applied yet?)`,
    gatewayPod: pod,
  };
}
