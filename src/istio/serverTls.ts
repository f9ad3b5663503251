// A Gateway server's TLS settings as the gateway's Envoy holds them: the DownstreamTlsContext of a TLS-terminating
// filter chain (SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL), and what a client sees of it (whether a client
// certificate is required). One home for the server side of TLS; the upstream side (DestinationRule tls) is
// upstreamTls.ts. Follows listener.go BuildListenerTLSContext and security/model/authentication.go
// (ApplyCredentialSDSToServerCommonTLSContext, ApplyToCommonTLSContext) of the pinned Istio.
import type { GatewayServer } from './model';

type ServerTlsSettings = NonNullable<GatewayServer['tls']>;

/** A filter chain's transport socket as Envoy prints it (`envoy.transport_sockets.tls` with its typed config). */
export interface TransportSocket {
  name: string;
  typedConfig: Record<string, unknown>;
}

/** The SDS resource of the gateway's own workload certificate, served by its agent (sds-grpc), not by istiod over ADS. */
export const WORKLOAD_CERTIFICATE = 'default';
/** The SDS resource of the mesh's root certificate (ISTIO_MUTUAL client validation), served by the agent. */
export const WORKLOAD_ROOT = 'ROOTCA';
/** credentials.BuiltinGatewaySecretTypeURI: a credentialName that names the workload certificate. */
const BUILTIN = 'builtin://';
/** authentication.go SdsCaSuffix: the CA resource of a credential (its Secret's ca.crt, or the Secret `<name>-cacert`). */
export const CA_SUFFIX = '-cacert';

/** pkg/config/security ValidCipherSuites: the cipher suites Istio accepts by name. */
const VALID_CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
  'DES-CBC3-SHA',
]);

/** IsValidCipherSuite: a known name, empty or ALL, or an expression starting with an operator (`-`, `+`, `!`). */
export const isValidCipherSuite = (cs: string) =>
  cs === '' || cs === 'ALL' || !/^[\p{L}\p{N}]/u.test(cs) || VALID_CIPHER_SUITES.has(cs);

const tlsMode = (tls: ServerTlsSettings | undefined) => (tls?.mode ?? '').toUpperCase();

/** The modes whose chain terminates TLS at the gateway (the others pass it through, or the server has no TLS). */
const isTerminating = (tls: ServerTlsSettings | undefined) =>
  !!tls && ['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL', 'ISTIO_MUTUAL'].includes(tlsMode(tls));

/** MUTUAL and ISTIO_MUTUAL: a client without a certificate fails the handshake (require_client_certificate). */
const requiresClientCertificate = (tls: ServerTlsSettings | undefined) =>
  ['MUTUAL', 'ISTIO_MUTUAL'].includes(tlsMode(tls));

/** MUTUAL, OPTIONAL_MUTUAL and ISTIO_MUTUAL validate a client certificate when one is presented. */
const validatesClientCertificate = (tls: ServerTlsSettings | undefined) =>
  requiresClientCertificate(tls) || tlsMode(tls) === 'OPTIONAL_MUTUAL';

/**
 * The SDS resource of a credentialName (ConstructSdsSecretConfigForCredential, credentials.ToResourceName):
 * `builtin://` is the workload certificate (`default`, its CA `ROOTCA`), a typed name stays as it is, a plain Secret
 * name becomes `kubernetes://<name>`.
 */
export function credentialResourceName(name: string): string {
  if (name === BUILTIN) return WORKLOAD_CERTIFICATE;
  if (name === `${BUILTIN}${CA_SUFFIX}`) return WORKLOAD_ROOT;
  // a BackendTLSPolicy's CA that does not resolve (credentials.InvalidSecretTypeURI): one name, with or without -cacert
  if (name.startsWith('invalid://')) return 'invalid://';
  return /^(kubernetes|kubernetes-gateway|configmap):\/\//.test(name) ? name : `kubernetes://${name}`;
}

/**
 * The SDS resources a terminating server's chain reads its certificates from (ConstructSdsSecretConfigForCredential):
 * a credentialName with a type (`kubernetes-gateway://ns/name`, from a Gateway API listener) as it is, otherwise
 * `kubernetes://<credentialName>`; `builtin://` and ISTIO_MUTUAL: the gateway's own workload certificate (SDS
 * `default`); certificate files in the pod: `file-cert:<cert>~<key>`; neither: `default`.
 */
function serverSdsSecrets(server: GatewayServer): string[] {
  const tls = server.tls;
  if (!isTerminating(tls) || !tls) return [];
  if (tlsMode(tls) === 'ISTIO_MUTUAL') return [WORKLOAD_CERTIFICATE];
  const names = tls.credentialNames?.length ? tls.credentialNames : tls.credentialName ? [tls.credentialName] : [];
  if (names.length) return names.map(credentialResourceName);
  if (tls.tlsCertificates?.length)
    return tls.tlsCertificates.map((c) =>
      c.serverCertificate && c.privateKey ? `file-cert:${c.serverCertificate}~${c.privateKey}` : WORKLOAD_CERTIFICATE,
    );
  return tls.serverCertificate && tls.privateKey
    ? [`file-cert:${tls.serverCertificate}~${tls.privateKey}`]
    : [WORKLOAD_CERTIFICATE];
}

/**
 * The SDS resource a validating server checks client certificates against: the credential's CA
 * (`kubernetes://<first credentialName>-cacert`, which Istio's SDS serves from the Secret's ca.crt or from the Secret
 * `<name>-cacert`), caCertCredentialName when given; `builtin://` and ISTIO_MUTUAL: the mesh root (ROOTCA); files:
 * `file-root:<caCertificates>`.
 */
function clientCaSdsSecret(tls: ServerTlsSettings): string {
  if (tlsMode(tls) === 'ISTIO_MUTUAL') return WORKLOAD_ROOT;
  const first = tls.credentialNames?.[0] ?? tls.credentialName;
  if (first) {
    return credentialResourceName(tls.caCertCredentialName || `${first}${CA_SUFFIX}`);
  }
  return tls.caCertificates ? `file-root:${tls.caCertificates}` : WORKLOAD_ROOT;
}

/**
 * An SdsSecretConfig as Istio constructs it: a credential (`kubernetes://`, `kubernetes-gateway://`, `configmap://`)
 * from istiod over ADS (ConstructSdsSecretConfigForCredential); the workload certificate and root (`default`,
 * `ROOTCA`) and files in the pod (`file-cert:`, `file-root:`) from the agent's sds-grpc (pkg/model
 * ConstructSdsSecretConfig; only `default` and `ROOTCA` carry initial_fetch_timeout 0s).
 */
export function sdsSecretConfig(name: string) {
  const fromAgent = name === WORKLOAD_CERTIFICATE || name === WORKLOAD_ROOT;
  return {
    name,
    sdsConfig:
      fromAgent || name.startsWith('file-')
        ? {
            apiConfigSource: {
              apiType: 'GRPC',
              transportApiVersion: 'V3',
              grpcServices: [{ envoyGrpc: { clusterName: 'sds-grpc' } }],
              setNodeOnFirstMessageOnly: true,
            },
            ...(fromAgent ? { initialFetchTimeout: '0s' } : {}),
            resourceApiVersion: 'V3',
          }
        : { ads: {}, resourceApiVersion: 'V3' },
  };
}

/** gateway.go convertTLSProtocol: the API's TLSV1_2 is Envoy's TLSv1_2; TLS_AUTO sets nothing. */
const envoyTlsProtocol = (v: string | undefined) =>
  v && /^TLSV1_[0-3]$/i.test(v) ? `TLSv1_${v.slice(-1)}` : undefined;

export const exactSans = (sans: readonly string[] | undefined) => (sans ?? []).map((s) => ({ exact: s }));

/**
 * The transport socket of a terminating server's chain (BuildListenerTLSContext). `transport: 'tcp'` is a TCP/TLS
 * server's chain (an ISTIO_MUTUAL one speaks Istio's mTLS ALPNs); HTTPS chains offer h2 and http/1.1.
 */
export function downstreamTransportSocket(
  server: GatewayServer,
  transport: 'http' | 'tcp' = 'http',
): TransportSocket | undefined {
  const tls = server.tls;
  if (!tls || !isTerminating(tls)) return undefined;
  const mode = tlsMode(tls);
  const common: Record<string, unknown> = {};
  // applyServerTLSSettings: SIMPLE, MUTUAL and OPTIONAL_MUTUAL only (the mesh config's tlsDefaults are not read)
  if (mode !== 'ISTIO_MUTUAL') {
    const min = envoyTlsProtocol(tls.minProtocolVersion);
    const max = envoyTlsProtocol(tls.maxProtocolVersion);
    const params = {
      ...(min ? { tlsMinimumProtocolVersion: min } : {}),
      ...(tls.cipherSuites?.length ? { cipherSuites: [...tls.cipherSuites] } : {}),
      ...(max ? { tlsMaximumProtocolVersion: max } : {}),
    };
    if (Object.keys(params).length) common.tlsParams = params;
  }
  common.tlsCertificateSdsSecretConfigs = serverSdsSecrets(server).map(sdsSecretConfig);
  const credential = mode !== 'ISTIO_MUTUAL' && !!(tls.credentialNames?.length || tls.credentialName);
  const insecure = tls.insecureSkipVerify === true ? { trustChainVerification: 'ACCEPT_UNTRUSTED' } : {};
  if (validatesClientCertificate(tls)) {
    const defaultValidationContext = credential
      ? {
          ...(tls.subjectAltNames?.length ? { matchSubjectAltNames: exactSans(tls.subjectAltNames) } : {}),
          ...(tls.verifyCertificateSpki?.length ? { verifyCertificateSpki: [...tls.verifyCertificateSpki] } : {}),
          ...(tls.verifyCertificateHash?.length ? { verifyCertificateHash: [...tls.verifyCertificateHash] } : {}),
          ...insecure,
        }
      : {
          // ApplyToCommonTLSContext (ISTIO_MUTUAL, files): SANs and a CRL file; no SPKI/hash pins
          ...(tls.subjectAltNames?.length ? { matchSubjectAltNames: exactSans(tls.subjectAltNames) } : {}),
          ...(tls.caCrl ? { crl: { filename: tls.caCrl } } : {}),
          ...insecure,
        };
    common.combinedValidationContext = {
      defaultValidationContext,
      validationContextSdsSecretConfig: sdsSecretConfig(clientCaSdsSecret(tls)),
    };
  } else if (credential && tls.subjectAltNames?.length) {
    // a SIMPLE credential server still writes its SANs into a (static) validation context
    common.validationContext = { matchSubjectAltNames: exactSans(tls.subjectAltNames) };
  }
  common.alpnProtocols =
    transport === 'tcp' && mode === 'ISTIO_MUTUAL'
      ? ['istio-peer-exchange', 'h2', 'http/1.1'] // util.ALPNDownstreamWithMxc
      : ['h2', 'http/1.1'];
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      commonTlsContext: common,
      requireClientCertificate: requiresClientCertificate(tls),
    },
  };
}
