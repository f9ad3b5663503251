// The gateway's listeners as far as the prediction knows them: one per `<bind>_<port>`, with a filter chain per
// HTTP route configuration (HTTP: all traffic; HTTPS: its server hosts as SNI) and per TCP/TLS route
// (l4Routes.ts). It carries what `istioctl proxy-config listeners` and `ingress-lab listeners` show
// (address, port, match, destination) and, for a TLS-terminating chain, its transport socket (serverTls.ts); the rest of Istio's listener (listener filters, HCM
// settings, access logs) is not predicted.
import type { AutoPassthroughChain } from './autoPassthrough';
import type { FilterChain, Listener } from '../envoy/types';
import type { L4Route } from './l4Routes';
import type { Prediction } from './prediction';
import type { TransportSocket } from './serverTls';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

export interface PredictedListener extends Listener {
  '@type': string;
  name: string;
  address: { socketAddress: { address: string; portValue: number } };
  filterChains: FilterChain[];
  trafficDirection: 'OUTBOUND';
}

export function predictListeners(
  httpChains: Prediction['httpChains'],
  l4: readonly L4Route[],
  auto: readonly AutoPassthroughChain[] = [],
): PredictedListener[] {
  const byName = new Map<string, PredictedListener>();
  const listener = (name: string) => {
    let l = byName.get(name);
    if (!l) {
      const cut = name.lastIndexOf('_');
      l = {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name,
        address: { socketAddress: { address: name.slice(0, cut), portValue: Number(name.slice(cut + 1)) } },
        filterChains: [],
        trafficDirection: 'OUTBOUND',
      };
      byName.set(name, l);
    }
    return l;
  };
  // One filter chain: the SNI match (if any) and its one network filter.
  const addChain = (
    name: string,
    serverNames: string[] | undefined,
    filter: string,
    typedConfig: Record<string, unknown>,
    applicationProtocols?: string[],
    transportSocket?: TransportSocket,
  ) =>
    listener(name).filterChains.push({
      ...(serverNames?.length
        ? { filterChainMatch: { serverNames, ...(applicationProtocols ? { applicationProtocols } : {}) } }
        : {}),
      filters: [{ name: filter, typedConfig }],
      ...(transportSocket ? { transportSocket } : {}),
    });
  for (const c of httpChains) {
    addChain(
      c.listener,
      c.serverNames,
      HCM,
      {
        '@type':
          'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        statPrefix: `outbound_${c.listener}`,
        rds: { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName: c.routeConfig },
      },
      undefined,
      c.transportSocket,
    );
  }
  for (const r of l4) {
    addChain(
      r.listener,
      r.serverNames,
      TCP_PROXY,
      {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
        statPrefix: r.statPrefix,
        ...(r.cluster ? { cluster: r.cluster } : { weightedClusters: { clusters: r.weightedClusters } }),
      },
      undefined,
      r.transportSocket,
    );
  }
  for (const c of auto)
    addChain(
      c.listener,
      c.serverNames,
      TCP_PROXY,
      {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
        statPrefix: c.statPrefix,
        cluster: c.cluster,
      },
      c.applicationProtocols,
    );
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
