// The counters of Envoy's admin /stats?format=json that say why requests failed at the gateway:
// http.<stat_prefix>.no_route (404 NR), cluster.<name>.upstream_rq_5xx and
// cluster.<name>.upstream_cx_connect_fail (503 UF). Pure: the JSON is passed in.

/** The /stats filter that asks Envoy for just these counters (a regex, as the admin takes it). */
export const FAILURE_STATS_FILTER = '(\\.no_route$|\\.upstream_rq_5xx$|\\.upstream_cx_connect_fail$)';

export interface FailureCounter {
  /** The stat's full name, e.g. cluster.outbound|80||simple.simple.svc.cluster.local.upstream_rq_5xx */
  stat: string;
  /** no_route | upstream_rq_5xx | upstream_cx_connect_fail */
  counter: string;
  /** http.<stat_prefix> or the cluster's name. */
  scope: string;
  value: number;
}

export interface FailureStats {
  noRoute: number;
  upstream5xx: number;
  connectFail: number;
  /** The counters that are not zero, largest first. */
  nonZero: FailureCounter[];
}

const COUNTERS = ['no_route', 'upstream_rq_5xx', 'upstream_cx_connect_fail'] as const;

/** Reads Envoy's `{"stats":[{"name":..,"value":..}, {"histograms":..}]}`; anything else is "no stats". */
export function readFailureStats(json: unknown): FailureStats {
  const stats = (json as { stats?: unknown } | null)?.stats;
  const out: FailureStats = { noRoute: 0, upstream5xx: 0, connectFail: 0, nonZero: [] };
  if (!Array.isArray(stats)) return out;
  for (const s of stats as { name?: unknown; value?: unknown }[]) {
    if (typeof s?.name !== 'string' || typeof s.value !== 'number') continue;
    const counter = COUNTERS.find((c) => s.name === c || (s.name as string).endsWith(`.${c}`));
    if (!counter) continue;
    const name = s.name;
    let scope = name.slice(0, name.length - counter.length - 1);
    if (counter === 'no_route' && !scope.startsWith('http.')) continue; // vhost.*.no_route etc. are not the HCM's
    if (counter !== 'no_route') {
      if (!scope.startsWith('cluster.')) continue;
      scope = scope.slice('cluster.'.length);
    }
    if (counter === 'no_route') out.noRoute += s.value;
    else if (counter === 'upstream_rq_5xx') out.upstream5xx += s.value;
    else out.connectFail += s.value;
    if (s.value > 0) out.nonZero.push({ stat: name, counter, scope, value: s.value });
  }
  out.nonZero.sort((a, b) => b.value - a.value || a.stat.localeCompare(b.stat));
  return out;
}

/** `no_route 3 · upstream_rq_5xx 2 · upstream_cx_connect_fail 1` */
export function failureStatsLine(s: FailureStats): string {
  return `no_route ${s.noRoute} · upstream_rq_5xx ${s.upstream5xx} · upstream_cx_connect_fail ${s.connectFail}`;
}
