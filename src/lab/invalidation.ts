// Every cache of the extension and what makes it stale, in one table. A change (an edit, a new kubeconfig, a
// refresh) is announced once to LabContext.changed(); the caches that depend on it are cleared here, counted,
// and the lenses and diagnostics are asked to read again. No cache listens to VS Code events by itself.

/** What can change under a cache. */
export type Change =
  /** A YAML document's text (an edit, a save, a file created or deleted on disk). */
  | 'documents'
  /** The namespace namespace-less objects are read into (the sample namespace setting). */
  | 'namespace'
  /** Another cluster: kubeconfig file or setting, workspace trust granted, the lab's cluster started. */
  | 'cluster'
  /** The gateway to read (its namespace, selector or pod setting). */
  | 'gateway'
  /** The cluster's state may have moved on: the refresh command, after Deploy Sample or Clean Up. */
  | 'live'
  /** The ingress address setting. */
  | 'ingress';

/** The caches, and the changes that make each stale. The engine's document cache is keyed by document version
 *  and workspace generation, so it needs no clearing; it is listed for the whole picture. */
export const CACHE_DEPENDENCIES = {
  /** engine.ts: each document's prediction (keyed by version, workspace generation and namespace). */
  'engine.predictions': ['documents', 'namespace'],
  /** liveRoutes.ts: the gateway pod chosen and its Envoy's config dump, clusters and pods by IP. */
  'live.gateways': ['cluster', 'gateway', 'live'],
  /** diagnostics.ts: the cluster's Istio objects, Services and Deployments (also re-read after a TTL). */
  'diagnostics.clusterObjects': ['cluster', 'live'],
  /** driftLens.ts: server-side apply dry runs (keyed by document version and the live read's time). */
  'drift.dryRuns': ['cluster', 'live'],
  /** gatewayStatusLens.ts: the Gateway API objects' status as istiod wrote it on the cluster. */
  'status.gatewayApi': ['cluster', 'live'],
  /** ctx.addresses (src/lab/gatewayAddresses.ts): the address each gateway last answered at. */
  'ingress.address': ['cluster', 'gateway', 'ingress'],
  /** ctx.getCluster(): the client and its port-forwards. */
  'cluster.client': ['cluster'],
  /** The client's API discovery (which Istio versions the cluster serves), asked again after a refresh. */
  'cluster.discovery': ['live'],
  /** requestsView.ts: the gateway log followed and its explained requests (another cluster or gateway: start
   *  over). Last, so it follows again through the new client. */
  'requests.tail': ['cluster', 'gateway'],
} as const satisfies Record<string, readonly Change[]>;

export type CacheName = keyof typeof CACHE_DEPENDENCIES;

/** Clears what depends on a change, and counts it (the log and the extension API read the counts). */
export class Invalidation {
  private readonly clears = new Map<CacheName, () => void>();
  readonly counts = new Map<CacheName, number>();

  /** The one way a cache says how it is cleared; what clears it is CACHE_DEPENDENCIES's business. */
  register(name: CacheName, clear: () => void): void {
    this.clears.set(name, clear);
  }

  /** Clears every cache that depends on `change`; returns their names. */
  changed(change: Change): CacheName[] {
    const cleared: CacheName[] = [];
    for (const [name, dependsOn] of Object.entries(CACHE_DEPENDENCIES) as [CacheName, readonly Change[]][]) {
      if (!dependsOn.includes(change)) continue;
      const clear = this.clears.get(name);
      if (!clear) continue;
      clear();
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      cleared.push(name);
    }
    return cleared;
  }
}
