// What the extension needs from the cluster, as one small interface. The adapter in clusterAdapter.ts
// implements it on src/kube; tests and the untrusted-workspace guard never reach past this seam.
import type { EndpointView } from '../lab/lensText';

export interface ClusterIdentity {
  context: string;
  server: string;
  user?: string;
  /** The kubeconfig file(s) read, for messages and for istioctl/kubectl's --kubeconfig. */
  kubeconfig: string;
}

export interface GatewayPodInfo {
  name: string;
  namespace: string;
  ready: boolean;
  phase?: string;
  ip?: string;
  node?: string;
}

export interface ServicePortInfo {
  name?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

export interface GatewayServiceInfo {
  name: string;
  namespace: string;
  type: string;
  clusterIP?: string;
  externalIPs: string[];
  ports: ServicePortInfo[];
  loadBalancer: { ip?: string; hostname?: string }[];
}

export interface NodeAddressInfo {
  node: string;
  /** InternalIP, ExternalIP, Hostname */
  type: string;
  address: string;
}

export interface ObjectSummary {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ApplyOutcome extends ObjectSummary {
  /** created, configured or unchanged, as kubectl says it */
  result: string;
}

export interface PortForwardHandle {
  localPort: number;
  close(): void;
}

export interface LabCluster {
  readonly identity: ClusterIdentity;
  /** Reachability: the API server's version, or a ClusterError. */
  serverVersion(signal?: AbortSignal): Promise<string>;
  namespaceExists(name: string): Promise<boolean>;
  gatewayServices(namespace: string, selector: Record<string, string>): Promise<GatewayServiceInfo[]>;
  gatewayPods(namespace: string, selector: Record<string, string>): Promise<GatewayPodInfo[]>;
  nodeAddresses(): Promise<NodeAddressInfo[]>;
  ensureNamespace(name: string): Promise<'created' | 'exists'>;
  apply(objects: Record<string, unknown>[], fieldManager: string, signal?: AbortSignal): Promise<ApplyOutcome[]>;
  waitForDeployments(
    namespace: string,
    names: string[],
    opts: { signal?: AbortSignal; timeoutMs?: number; onProgress?: (message: string) => void },
  ): Promise<void>;
  /** What `kubectl get pod,svc,deployment,endpoints,virtualservice,gateway -n <ns>` would print. */
  describeNamespace(namespace: string): Promise<string>;
  /** Every object the lab's cleanup would delete with the namespace. */
  listNamespaceObjects(namespace: string): Promise<ObjectSummary[]>;
  deleteNamespace(namespace: string, signal?: AbortSignal): Promise<void>;
  portForward(namespace: string, pod: string, remotePort: number): Promise<PortForwardHandle>;
  /** GET on the pod's Envoy admin (port 15000), through a port-forward. */
  envoyAdmin(namespace: string, pod: string, path: string, signal?: AbortSignal): Promise<string>;
  /** Pod names by IP, to name the endpoints Envoy reports. */
  podsByIp(): Promise<Map<string, string>>;
  dispose(): void;
}

export type { EndpointView };
