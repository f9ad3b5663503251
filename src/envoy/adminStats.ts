// Envoy's admin /stats?format=json: counters and gauges by name. What the lab reads from it: the
// upstream counters of one cluster (the trace panel's live counters) and whether Envoy holds its xDS
// stream to the control plane (control_plane.connected_state: 1 connected, 0 not).

export type StatsMap = ReadonlyMap<string, number>;

/** The admin path that reads only the stats named by `names` (Envoy's `filter` is an RE2 regex). */
export function statsPath(names: readonly string[]): string {
  const regex = `^(${names.map(escapeRegex).join('|')})$`;
  return `/stats?format=json&filter=${encodeURIComponent(regex)}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads `{"stats": [{"name", "value"}, {"histograms": ...}]}`; histograms and malformed entries are skipped. */
export function readStats(json: unknown): StatsMap {
  const out = new Map<string, number>();
  const stats = (json as { stats?: unknown } | null)?.stats;
  if (!Array.isArray(stats)) throw new Error('not an Envoy /stats?format=json answer (no "stats" list)');
  for (const s of stats as unknown[]) {
    const { name, value } = (s ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && typeof value === 'number') out.set(name, value);
  }
  return out;
}

/** Counters of one upstream cluster a request's outcome shows in. */
export const CLUSTER_COUNTERS = [
  'upstream_rq_2xx',
  'upstream_rq_4xx',
  'upstream_rq_5xx',
  'upstream_cx_connect_fail',
] as const;
export type ClusterCounter = (typeof CLUSTER_COUNTERS)[number];

/**
 * The name a cluster's stats go under: its alt_stat_name when the control plane set one (istiod sets
 * `outbound|80||simple.simple.svc.cluster.local;`, the trailing ';' ending the name for its stats tags),
 * else its name. Read from a /config_dump's ClustersConfigDump (snake_case or camelCase).
 */
export function clusterStatPrefix(configDump: unknown, cluster: string): string {
  const configs = (configDump as { configs?: unknown } | null)?.configs;
  for (const c of Array.isArray(configs) ? (configs as Record<string, unknown>[]) : []) {
    const lists = [c.static_clusters, c.staticClusters, c.dynamic_active_clusters, c.dynamicActiveClusters];
    for (const list of lists) {
      for (const entry of Array.isArray(list) ? (list as { cluster?: Record<string, unknown> }[]) : []) {
        const cl = entry.cluster;
        if (cl?.name !== cluster) continue;
        const alt = cl.alt_stat_name ?? cl.altStatName;
        return typeof alt === 'string' && alt ? alt : cluster;
      }
    }
  }
  return cluster;
}

/** `statPrefix`: clusterStatPrefix() of the cluster. */
export function clusterStatNames(statPrefix: string): string[] {
  return CLUSTER_COUNTERS.map((c) => `cluster.${statPrefix}.${c}`);
}

/** The cluster's counters; a counter Envoy does not list (never incremented with usedonly, or unknown cluster) is undefined. */
export function clusterCounters(stats: StatsMap, statPrefix: string): Record<ClusterCounter, number | undefined> {
  return Object.fromEntries(CLUSTER_COUNTERS.map((c) => [c, stats.get(`cluster.${statPrefix}.${c}`)])) as Record<
    ClusterCounter,
    number | undefined
  >;
}

export const CONTROL_PLANE_STAT = 'control_plane.connected_state';

/** true: Envoy holds its xDS stream; false: it does not (it serves its last config); undefined: not reported. */
export function controlPlaneConnected(stats: StatsMap): boolean | undefined {
  const v = stats.get(CONTROL_PLANE_STAT);
  return v === undefined ? undefined : v === 1;
}
