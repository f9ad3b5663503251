// The Kubernetes objects the lab reads, as the API server's JSON has them (only the fields used),
// and pure summaries of them: pod readiness, deployment rollout, endpoint lists.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: unknown[];
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  [k: string]: unknown;
}

export interface ApiObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface Service extends ApiObject {
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    ports?: ServicePort[];
    selector?: Record<string, string>;
    externalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface NodeAddress {
  /** InternalIP, ExternalIP, Hostname, InternalDNS or ExternalDNS (the API allows others). */
  type: string;
  address: string;
}

export interface Node extends ApiObject {
  status?: { addresses?: NodeAddress[]; conditions?: { type: string; status: string }[] };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string } };
}

export interface Pod extends ApiObject {
  spec?: { nodeName?: string; containers?: { name: string; ports?: { containerPort: number; name?: string }[] }[] };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Deployment extends ApiObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface EndpointSlice extends ApiObject {
  addressType: string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    nodeName?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

/** A pod as the lab shows it. */
export interface PodInfo {
  name: string;
  namespace: string;
  ip?: string;
  node?: string;
  phase?: string;
  ready: boolean;
  labels: Record<string, string>;
  /** Why a pod is not ready, e.g. "ImagePullBackOff" or "Pending", when known. */
  notReadyReason?: string;
}

export function podInfo(pod: Pod): PodInfo {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  const notReadyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True')?.reason;
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? '',
    ip: pod.status?.podIP,
    node: pod.spec?.nodeName,
    phase: pod.status?.phase,
    ready,
    labels: pod.metadata.labels ?? {},
    notReadyReason: ready ? undefined : (waiting ?? notReadyCondition ?? pod.status?.phase),
  };
}

/** One address behind a Service, from its EndpointSlices. */
export interface EndpointInfo {
  ip: string;
  /** Port numbers by port name ("" for an unnamed port). */
  ports: { name: string; port: number; protocol: string }[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  podName?: string;
  nodeName?: string;
  slice: string;
}

export function endpointInfos(slices: EndpointSlice[]): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const slice of slices) {
    const ports = (slice.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: p.port ?? 0,
      protocol: p.protocol ?? 'TCP',
    }));
    for (const ep of slice.endpoints ?? []) {
      // The API says a nil ready condition means ready (unknown state is treated as ready).
      const ready = ep.conditions?.ready ?? true;
      for (const ip of ep.addresses) {
        out.push({
          ip,
          ports,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          podName: ep.targetRef?.kind === 'Pod' ? ep.targetRef.name : undefined,
          nodeName: ep.nodeName,
          slice: slice.metadata.name,
        });
      }
    }
  }
  return out;
}

/** Rollout state of a Deployment, with kubectl rollout status's notion of "done". */
export interface DeploymentProgress {
  name: string;
  found: boolean;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  done: boolean;
  /** Short human status: "1/1 available", "0/1 available: ProgressDeadlineExceeded", "not created yet". */
  message: string;
}

export function deploymentProgress(name: string, d: Deployment | undefined): DeploymentProgress {
  if (!d)
    return {
      name,
      found: false,
      desired: 0,
      updated: 0,
      ready: 0,
      available: 0,
      done: false,
      message: 'not created yet',
    };
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const observed = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  const total = s.replicas ?? 0;
  // kubectl rollout status: observed the latest spec, all replicas updated, no old ones left, all available.
  const done = observed && updated >= desired && total <= updated && available >= updated;
  const failing = s.conditions?.find(
    (c) => c.status === 'False' && (c.type === 'Progressing' || c.type === 'Available') && c.reason,
  );
  const message = done
    ? `${available}/${desired} available`
    : `${available}/${desired} available${failing?.reason ? `: ${failing.reason}` : !observed ? ': waiting for the controller' : ''}`;
  return { name, found: true, desired, updated, ready: s.readyReplicas ?? 0, available, done, message };
}
