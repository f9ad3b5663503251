// Typed views of the Kubernetes/Istio objects the lab reads, each tied to where it stands in its file.
// Positions are 0-based (line, character), like VS Code's; the CLI prints 1-based lines.
import type { SecretFacts } from './secretFacts';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A path into a document's value, e.g. ['spec', 'http', 0, 'match', 1]. */
export type YamlPath = readonly (string | number)[];

/** Where an object without `metadata.namespace` lives, as kubectl and the API server place it. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * The one namespace rule: an object's own namespace, else the namespace it is read into (the lab's sample
 * namespace for the editor's files, as Deploy Sample applies them), else Kubernetes' default.
 */
export function namespaceOf(o: { metadata?: { namespace?: string } }, readInto: string = DEFAULT_NAMESPACE): string {
  return o.metadata?.namespace || readInto;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}

/** One Kubernetes object read from YAML (or from the cluster, where `file` is the object's API path). */
export interface KubeObject<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  /** The file (or document URI) the object was read from, as given. */
  file: string;
  /** Index of the YAML document within the file. */
  docIndex: number;
  /** Range of the whole document. */
  range: Range;
  /** Range of the value at `path` within this document (falls back to the nearest parent that exists). */
  rangeAt(path: YamlPath): Range;
}

// ---- networking.istio.io ----

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HTTPMatchRequest {
  name?: string;
  /** Envoy's per-route stats prefix (route stat_prefix). */
  statPrefix?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  port?: number;
  gateways?: string[];
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
}

export interface PortSelector {
  number?: number;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
}

export interface HTTPRewrite {
  uri?: string;
  authority?: string;
  uriRegexRewrite?: { match: string; rewrite: string };
}

export interface HTTPRedirect {
  uri?: string;
  authority?: string;
  port?: number;
  derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  scheme?: string;
  redirectCode?: number;
}

export interface HTTPDirectResponse {
  status: number;
  body?: { string?: string; bytes?: string };
}

export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
  retryIgnorePreviousHosts?: boolean;
  backoff?: string;
}

export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: HTTPRedirect;
  directResponse?: HTTPDirectResponse;
  rewrite?: HTTPRewrite;
  timeout?: string;
  retries?: HTTPRetry;
  headers?: Headers;
  mirror?: Destination;
  mirrors?: { destination: Destination; percentage?: { value: number } }[];
  mirrorPercentage?: { value: number };
  fault?: Record<string, unknown>;
  corsPolicy?: Record<string, unknown>;
}

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HTTPRoute[];
  exportTo?: string[];
}

export interface ServerPort {
  number: number;
  name?: string;
  protocol?: string;
  targetPort?: number;
}

export interface GatewayServer {
  port: ServerPort;
  hosts?: string[];
  bind?: string;
  name?: string;
  tls?: {
    mode?: string;
    credentialName?: string;
    credentialNames?: string[];
    /** A certificate file in the gateway pod (instead of credentialName). */
    serverCertificate?: string;
    privateKey?: string;
    caCertificates?: string;
    caCrl?: string;
    tlsCertificates?: { serverCertificate?: string; privateKey?: string }[];
    /** The Secret holding the CA for client validation (default: the credential's ca.crt or `<name>-cacert`). */
    caCertCredentialName?: string;
    subjectAltNames?: string[];
    verifyCertificateSpki?: string[];
    verifyCertificateHash?: string[];
    minProtocolVersion?: string;
    maxProtocolVersion?: string;
    cipherSuites?: string[];
    insecureSkipVerify?: boolean;
    httpsRedirect?: boolean;
  };
}

export interface GatewaySpec {
  selector?: Record<string, string>;
  servers?: GatewayServer[];
}

export interface ConsistentHash {
  httpHeaderName?: string;
  httpCookie?: { name: string; path?: string; ttl?: string; attributes?: { name: string; value?: string }[] };
  useSourceIp?: boolean;
  httpQueryParameterName?: string;
}

/** A DestinationRule's tls (ClientTLSSettings): how the gateway speaks to the upstream. */
export interface ClientTlsSettings {
  mode?: string;
  credentialName?: string;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  caCrl?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
}

export interface TrafficPolicy {
  loadBalancer?: { consistentHash?: ConsistentHash; simple?: string };
  tls?: ClientTlsSettings;
  portLevelSettings?: {
    port?: { number?: number };
    loadBalancer?: { consistentHash?: ConsistentHash };
    tls?: ClientTlsSettings;
  }[];
}

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: { name: string; labels?: Record<string, string>; trafficPolicy?: TrafficPolicy }[];
  exportTo?: string[];
}

// ---- core/v1, apps/v1 ----

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: string;
  /** For type ExternalName: the DNS name the Service aliases. */
  externalName?: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: {
      serviceAccountName?: string;
      containers?: { name: string; image?: string; ports?: { containerPort: number; name?: string }[] }[];
      initContainers?: { name: string; image?: string }[];
    };
  };
}

/** networking.istio.io ServiceEntry: hosts outside (or added to) the registry, as destinations. */
export interface ServiceEntrySpec {
  hosts?: string[];
  addresses?: string[];
  ports?: { number: number; name?: string; protocol?: string; targetPort?: number }[];
  location?: string;
  resolution?: string;
  exportTo?: string[];
  endpoints?: { address?: string; ports?: Record<string, number>; labels?: Record<string, string> }[];
}

// ---- security.istio.io ----

/** A policy's target: a Gateway API Gateway (or Service, ServiceEntry, GatewayClass for waypoints). */
export interface PolicyTargetReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface AuthorizationSource {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  trustDomains?: string[];
  notTrustDomains?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

export interface AuthorizationOperation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

export interface AuthorizationCondition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface AuthorizationRule {
  from?: { source?: AuthorizationSource }[];
  to?: { operation?: AuthorizationOperation }[];
  when?: AuthorizationCondition[];
}

export interface AuthorizationPolicySpec {
  selector?: { matchLabels?: Record<string, string> };
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  /** ALLOW when absent. */
  action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  provider?: { name?: string };
  rules?: AuthorizationRule[];
}

export interface JWTRule {
  issuer?: string;
  audiences?: string[];
  jwksUri?: string;
  jwks?: string;
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
  fromCookies?: string[];
  outputPayloadToHeader?: string;
  outputClaimToHeaders?: { header: string; claim: string }[];
  forwardOriginalToken?: boolean;
  spaceDelimitedClaims?: string[];
  timeout?: string;
}

export interface RequestAuthenticationSpec {
  selector?: { matchLabels?: Record<string, string> };
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  jwtRules?: JWTRule[];
}

export type AuthorizationPolicy = KubeObject<AuthorizationPolicySpec>;
export type RequestAuthentication = KubeObject<RequestAuthenticationSpec>;
export type VirtualService = KubeObject<VirtualServiceSpec>;
export type ServiceEntry = KubeObject<ServiceEntrySpec>;
/**
 * A Secret as the engine knows it: name, namespace, labels, its `type` and the facts Istio checks in its values
 * (src/istio/secretFacts.ts; absent when the values were not read). Its data, stringData and annotations
 * (kubectl's last-applied-configuration holds the data) never enter the engine.
 */
export type SecretRef = KubeObject<{ type?: string; facts?: SecretFacts }>;
/**
 * A ConfigMap as the engine knows it, reduced to what Istio reads of it; the data itself does not enter the engine:
 * - `caCertError`: what Istio finds wrong in it as a CA when a BackendTLSPolicy names it (ExtractRootFromString: a
 *   non-empty `cacert` or `ca.crt`);
 * - `mesh`: for ConfigMap `istio` (MESH_CONFIGMAP), where istiod reads its mesh config, the YAML of its `mesh` key,
 *   parsed (absent when the key is missing or is not a YAML mapping).
 */
export type ConfigMapRef = KubeObject<{ caCertError?: string; mesh?: MeshConfig }>;
/** The ConfigMap istiod reads its mesh config from, in its own namespace. */
export const MESH_CONFIGMAP = 'istio';
export type Gateway = KubeObject<GatewaySpec>;
export type DestinationRule = KubeObject<DestinationRuleSpec>;
export type Service = KubeObject<ServiceSpec> & {
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
};
export type Deployment = KubeObject<DeploymentSpec>;

/** meshconfig.MeshConfig.ExtensionProvider's ext_authz kinds (mesh/v1alpha1/config.proto), as the mesh YAML spells them. */
export interface ExtAuthzRequestBody {
  maxRequestBytes?: number;
  allowPartialMessage?: boolean;
  packAsBytes?: boolean;
}
export interface ExtAuthzGrpcProvider {
  service?: string;
  port?: number;
  /** A protobuf duration ("10s", "0.5s"); 600s when absent. */
  timeout?: string;
  failOpen?: boolean;
  statusOnError?: string;
  includeRequestBodyInCheck?: ExtAuthzRequestBody;
}
export interface ExtAuthzHttpProvider extends ExtAuthzGrpcProvider {
  pathPrefix?: string;
  includeRequestHeadersInCheck?: string[];
  /** Deprecated: read only when includeRequestHeadersInCheck is empty. */
  includeHeadersInCheck?: string[];
  includeAdditionalHeadersInCheck?: Record<string, string>;
  headersToUpstreamOnAllow?: string[];
  headersToDownstreamOnDeny?: string[];
  headersToDownstreamOnAllow?: string[];
}
export interface ExtensionProvider {
  name?: string;
  envoyExtAuthzHttp?: ExtAuthzHttpProvider;
  envoyExtAuthzGrpc?: ExtAuthzGrpcProvider;
  /** Other kinds (tracing, logging, metrics...) have other keys: the engine does not read them. */
  [kind: string]: unknown;
}
/** The parts of meshconfig.MeshConfig the engine reads. */
export interface MeshConfig {
  rootNamespace?: string;
  extensionProviders?: ExtensionProvider[];
}

/** Everything the engine reads, grouped by kind, in input order. */
export interface ResourceSet {
  virtualServices: VirtualService[];
  gateways: Gateway[];
  destinationRules: DestinationRule[];
  services: Service[];
  /** The workloads: Deployments, and Pods read as one-replica pod templates (kind stays Pod). */
  deployments: Deployment[];
  serviceEntries: ServiceEntry[];
  /** Secrets, metadata only (Gateways name them by credentialName). */
  secrets: SecretRef[];
  /** ConfigMaps, reduced to their CA bundle's validity (BackendTLSPolicy's caCertificateRefs) and the mesh config. */
  configMaps: ConfigMapRef[];
  /** gateway.networking.k8s.io objects (src/istio/gatewayApi.ts turns them into Istio's internal config). */
  k8sGateways: KubeObject[];
  httpRoutes: KubeObject[];
  grpcRoutes: KubeObject[];
  /** TLSRoute and TCPRoute (v1 in the standard channel; v1alpha2 in the experimental one). */
  tlsRoutes: KubeObject[];
  tcpRoutes: KubeObject[];
  referenceGrants: KubeObject[];
  gatewayClasses: KubeObject[];
  /** BackendTLSPolicy: the upstream TLS of a Service's clusters (src/istio/upstreamTls.ts). */
  backendTlsPolicies: KubeObject[];
  /** security.istio.io: what the gateway's RBAC and jwt_authn filters are built from (src/istio/authz.ts). */
  authorizationPolicies: AuthorizationPolicy[];
  requestAuthentications: RequestAuthentication[];
  /**
   * Namespace objects (cluster-scoped: no metadata.namespace), for their names and labels: Istio's authz analyzer
   * looks up the namespaces a policy names, and a namespace's `istio-injection` label puts its pods in the mesh.
   */
  namespaces: KubeObject[];
}

/** A YAML document that could not be read; the rest of the file still is. */
export interface YamlProblem {
  file: string;
  range: Range;
  message: string;
  severity: 'error' | 'warning';
  /** Set when the problem is an object the API server or Istio's webhook refuses (it was left out). */
  invalid?: {
    object: { kind: string; name: string; namespace: string };
    /** Where the object starts (istioctl analyze names this line). */
    objectRange: Range;
    /** `spec.http[0].route[1].weight: weight -50 < 0` */
    violation: string;
    /** Refused by Istio's webhook (kubectl apply) but not reported by `istioctl analyze`. */
    webhookOnly?: boolean;
  };
}
