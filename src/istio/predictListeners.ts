// The gateway's listeners as far as the prediction knows them: one per `<bind>_<port>`, with a filter chain per
// HTTP route configuration (HTTP: all traffic; HTTPS: its server hosts as SNI) and per TCP/TLS route
// (l4Routes.ts). It carries what `istioctl proxy-config listeners` and `ingress-lab listeners` show
// (address, port, match, destination) and, for a TLS-terminating (SIMPLE) chain, the transport socket's SDS
// certificate resources and ALPN as Istio writes them; the rest of Istio's listener (listener filters, HCM
// settings, access logs) is not predicted.
import type { AutoPassthroughChain } from './autoPassthrough';
import type { FilterChain, Listener } from '../envoy/types';
import type { L4Route } from './l4Routes';
import type { GatewayServer } from './model';
import type { Prediction } from './prediction';

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
    sdsSecrets?: string[],
  ) =>
    listener(name).filterChains.push({
      ...(serverNames?.length
        ? { filterChainMatch: { serverNames, ...(applicationProtocols ? { applicationProtocols } : {}) } }
        : {}),
      filters: [{ name: filter, typedConfig }],
      ...(sdsSecrets?.length ? { transportSocket: terminatingTls(sdsSecrets) } : {}),
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
      c.sdsSecrets,
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
      r.sdsSecrets,
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

/** The SDS resource of the gateway's own workload certificate, served by its agent (sds-grpc), not by istiod over ADS. */
export const WORKLOAD_CERTIFICATE = 'default';

/**
 * The SDS resources a SIMPLE TLS server's chain reads its certificates from (listener.go BuildListenerTLSContext,
 * credentials.ToResourceName): a credentialName with a type (`kubernetes-gateway://ns/name`, from a Gateway API
 * listener) as it is, otherwise `kubernetes://<credentialName>`; no credentialName and no certificate files: the
 * gateway's own workload certificate, SDS `default` (what a Gateway API listener whose first certificateRef is
 * invalid gets). Other modes (MUTUAL, ISTIO_MUTUAL) and file certificates are not predicted.
 */
export function serverSdsSecrets(server: GatewayServer): string[] {
  const tls = server.tls;
  if ((tls?.mode ?? '').toUpperCase() !== 'SIMPLE') return [];
  const names = tls?.credentialNames?.length ? tls.credentialNames : tls?.credentialName ? [tls.credentialName] : [];
  if (!names.length) return tls?.serverCertificate ? [] : [WORKLOAD_CERTIFICATE];
  return names.map((n) =>
    n.startsWith('builtin://')
      ? WORKLOAD_CERTIFICATE
      : /^(kubernetes|kubernetes-gateway|configmap):\/\//.test(n)
        ? n
        : `kubernetes://${n}`,
  );
}

/** A SIMPLE server's DownstreamTlsContext (gateway.go, authentication.go): certificates by SDS over ADS, h2 and http/1.1. */
function terminatingTls(sdsSecrets: string[]) {
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: sdsSecrets.map((name) => ({
          name,
          sdsConfig:
            name === WORKLOAD_CERTIFICATE
              ? {
                  apiConfigSource: {
                    apiType: 'GRPC',
                    transportApiVersion: 'V3',
                    grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }],
                    setNodeOnFirstMessageOnly: true,
                  },
                  initialFetchTimeout: '0s',
                  resourceApiVersion: 'V3',
                }
              : { ads: {}, resourceApiVersion: 'V3' },
        })),
        alpnProtocols: ['h2', 'http/1.1'],
      },
      requireClientCertificate: false,
    },
  };
}
