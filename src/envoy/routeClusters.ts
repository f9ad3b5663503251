import type { Route } from './types';

/** The clusters a route sends to: its one cluster, or each of its weighted clusters (none for a redirect). */
export function routeClusters(route: Pick<Route, 'route'>): string[] {
  const action = route.route;
  if (action?.cluster) return [action.cluster];
  return (action?.weightedClusters?.clusters ?? []).map((c) => c.name);
}
