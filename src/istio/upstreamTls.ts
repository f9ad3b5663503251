// The upstream side of TLS: the transport socket of the gateway's outbound cluster from a DestinationRule's tls
// (DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL), as pilot/pkg/networking/core/cluster_tls.go builds it
// (buildUpstreamTLSSettings, buildUpstreamClusterTLSContext, constructUpstreamTLS). The server side (Gateway
// servers) is serverTls.ts, which owns the SDS resource names both sides share.
import type { ClientTlsSettings } from './model';
import {
  CA_SUFFIX,
  credentialResourceName,
  exactSans,
  sdsSecretConfig,
  WORKLOAD_CERTIFICATE,
  WORKLOAD_ROOT,
} from './serverTls';
import type { TransportSocket } from './serverTls';

export interface UpstreamTlsContext {
  /** The cluster's name: ISTIO_MUTUAL's SNI when neither the rule nor the auto SNI gives one. */
  clusterName: string;
  /** Istio's mTLS SNI for the cluster (`outbound_.<port>_.<subset>_.<host>`), ISTIO_MUTUAL's default. */
  istioMtlsSni: string;
  /** The port speaks HTTP/2 (http2, grpc, grpc-web): ALPN h2. */
  http2: boolean;
  /** The service's identities (`spiffe://...`), ISTIO_MUTUAL's SANs when the rule gives none. */
  serviceAccounts: readonly string[];
  /** A MESH_EXTERNAL ServiceEntry: no auto mTLS. */
  meshExternal?: boolean;
  /** An ORIGINAL_DST cluster (headless, resolution NONE): no auto mTLS. */
  originalDst?: boolean;
}

/** Envoy's plaintext transport socket, what auto mTLS falls back to for endpoints without Istio's tlsMode label. */
const RAW_BUFFER = {
  name: 'envoy.transport_sockets.raw_buffer',
  typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' },
};

/**
 * The cluster's transport: a DestinationRule's tls as its transport socket (userSupplied), or, without one, Istio's
 * auto mTLS (buildUpstreamTLSSettings autoDetected, applyUpstreamTLSSettings): ISTIO_MUTUAL for endpoints labelled
 * `tlsMode: istio` (Istio's mTLS SNI and the service's identities), plaintext for the others, as transport socket
 * matches. No auto mTLS for MESH_EXTERNAL ServiceEntries and ORIGINAL_DST clusters. Assumes the mesh's defaults
 * (enableAutoMtls, PERMISSIVE peer authentication): PeerAuthentication is not read.
 */
export function upstreamTransport(
  tls: ClientTlsSettings | undefined,
  ctx: UpstreamTlsContext,
): { transportSocket?: TransportSocket; transportSocketMatches?: Record<string, unknown>[] } {
  if (tls) {
    const transportSocket = upstreamTransportSocket(tls, ctx);
    return transportSocket ? { transportSocket } : {};
  }
  if (ctx.meshExternal) return {};
  const mtls = upstreamTransportSocket({ mode: 'ISTIO_MUTUAL' }, ctx);
  if (!mtls || ctx.originalDst) return {};
  return {
    transportSocketMatches: [
      { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transportSocket: mtls },
      { name: 'tlsMode-disabled', match: {}, transportSocket: RAW_BUFFER },
    ],
  };
}

/** defaultUpstreamCommonTLSContext: Envoy's client defaults made explicit (TLS 1.2 to 1.3). */
const defaultTlsParams = () => ({ tlsMinimumProtocolVersion: 'TLSv1_2', tlsMaximumProtocolVersion: 'TLSv1_3' });

/**
 * The UpstreamTlsContext transport socket for a cluster whose DestinationRule sets `tls`; undefined for DISABLE,
 * for no tls (Istio's auto mTLS then writes transport socket matches, which this does not predict), and for MUTUAL
 * with neither credentialName nor client certificate files (Istio logs an error and leaves the cluster plain).
 */
export function upstreamTransportSocket(
  tls: ClientTlsSettings | undefined,
  ctx: UpstreamTlsContext,
): TransportSocket | undefined {
  const mode = (tls?.mode ?? '').toUpperCase();
  if (!tls || !['SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'].includes(mode)) return undefined;
  const common: Record<string, unknown> = { tlsParams: defaultTlsParams() };
  let sni = tls.sni ?? '';
  if (mode === 'ISTIO_MUTUAL') {
    sni ||= ctx.istioMtlsSni || ctx.clusterName;
    const sans = tls.subjectAltNames ?? ctx.serviceAccounts;
    common.tlsCertificateSdsSecretConfigs = [sdsSecretConfig(WORKLOAD_CERTIFICATE)];
    common.combinedValidationContext = {
      defaultValidationContext: sans.length ? { matchSubjectAltNames: exactSans(sans) } : {},
      validationContextSdsSecretConfig: sdsSecretConfig(WORKLOAD_ROOT),
    };
    // util.ALPNInMeshWithMxc / ALPNInMeshH2WithMxc
    common.alpnProtocols = ctx.http2 ? ['istio-peer-exchange', 'istio', 'h2'] : ['istio-peer-exchange', 'istio'];
  } else {
    const mutual = mode === 'MUTUAL';
    if (tls.credentialName) {
      // ApplyCustomSDSToClientCommonTLSContext: the credential's key pair, its `-cacert` for validation
      const cred = credentialResourceName(tls.credentialName);
      if (mutual) common.tlsCertificateSdsSecretConfigs = [sdsSecretConfig(cred)];
      if (!tls.insecureSkipVerify)
        common.combinedValidationContext = {
          defaultValidationContext: tls.subjectAltNames?.length
            ? { matchSubjectAltNames: exactSans(tls.subjectAltNames) }
            : {},
          validationContextSdsSecretConfig: sdsSecretConfig(
            credentialResourceName(`${tls.credentialName}${CA_SUFFIX}`),
          ),
        };
    } else {
      if (mutual) {
        if (!tls.clientCertificate || !tls.privateKey) return undefined;
        common.tlsCertificateSdsSecretConfigs = [
          sdsSecretConfig(`file-cert:${tls.clientCertificate}~${tls.privateKey}`),
        ];
      }
      // no caCertificates: the system's roots (`file-root:system`); insecureSkipVerify: an empty validation context
      if (tls.insecureSkipVerify) common.validationContext = {};
      else
        common.combinedValidationContext = {
          defaultValidationContext: {
            ...(tls.subjectAltNames?.length ? { matchSubjectAltNames: exactSans(tls.subjectAltNames) } : {}),
            ...(tls.caCrl ? { crl: { filename: tls.caCrl } } : {}),
          },
          validationContextSdsSecretConfig: sdsSecretConfig(`file-root:${tls.caCertificates || 'system'}`),
        };
    }
    if (ctx.http2) common.alpnProtocols = ['h2'];
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      commonTlsContext: common,
      ...(sni ? { sni } : {}),
    },
  };
}

/**
 * kube.ConvertProtocol: a port's appProtocol, else its name (`grpc-web...`, else the prefix before `-`); a
 * ServiceEntry port's protocol is its name here. HTTP2, GRPC and GRPC-Web are HTTP/2 clusters (isHttp2Cluster).
 */
export function isHttp2Port(name: string | undefined, appProtocol?: string): boolean {
  const n = (name ?? '').toLowerCase();
  const proto = appProtocol ? appProtocol.toLowerCase() : n.startsWith('grpc-web') ? 'grpc-web' : n.split('-')[0];
  return ['http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c'].includes(proto ?? '');
}

/**
 * One sentence on how the gateway speaks to a cluster's endpoints when a DestinationRule or a BackendTLSPolicy
 * (`policy`, its `ns/name`) sets tls (the trace's cluster hop): TLS with the SNI, the CA it checks the backend's
 * certificate against and the client certificate the transport socket carries, or plaintext for DISABLE.
 */
export function describeUpstreamTls(
  tls: ClientTlsSettings | undefined,
  ctx: UpstreamTlsContext,
  policy?: string,
): string | undefined {
  const mode = (tls?.mode ?? '').toUpperCase();
  if (!tls || !mode) return undefined;
  if (mode === 'DISABLE') return 'The gateway sends plaintext to it (DestinationRule tls DISABLE).';
  const socket = upstreamTransportSocket(tls, ctx);
  if (!socket)
    return `DestinationRule tls ${mode} names neither credentialName nor clientCertificate/privateKey: Istio leaves the cluster plaintext.`;
  const tc = socket.typedConfig as {
    sni?: string;
    commonTlsContext?: { tlsCertificateSdsSecretConfigs?: { name: string }[] };
  };
  const cert = tc.commonTlsContext?.tlsCertificateSdsSecretConfigs?.[0]?.name;
  const source = policy ? `BackendTLSPolicy ${policy}` : `DestinationRule tls ${mode}`;
  const ca = policy ? `, ${caSource(tls)}` : '';
  return `The gateway opens TLS to it (${source}${tc.sni ? `, SNI ${tc.sni}` : ', no SNI'}${ca}${
    cert ? `, client certificate ${cert}` : ''
  }${tls.insecureSkipVerify ? ', server certificate not verified' : ''}).`;
}

/** Where the backend's certificate is checked against, from a credentialName a BackendTLSPolicy gives. */
function caSource(tls: ClientTlsSettings): string {
  const cred = tls.credentialName ?? '';
  if (cred.startsWith('configmap://')) return `CA from ConfigMap ${cred.slice('configmap://'.length)} (ca.crt)`;
  if (cred.startsWith('invalid://'))
    return "no usable CA: the policy's CA reference does not resolve, so Istio blocks the traffic";
  return "CA: the system's certificates";
}
