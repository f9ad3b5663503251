// The one interface through which the lab talks to a cluster. createCluster() reads a kubeconfig the
// way kubectl does and returns an object whose every call logs one line (verb, resource, duration,
// outcome; never credentials) and fails with a ClusterError that says what to do. Tests point it at
// any kubeconfig; nothing here imports vscode.
import { serverSideApply, type ApplyOptions, type ApplyResult } from './apply';
import { sleep, itemsCount, type CallOptions, type Core } from './core';
import { Discovery } from './discovery';
import { createEnvoyAdmin, envoyAdminPort, type EnvoyAdmin, type PodRef } from './envoyAdmin';
import { ClusterError, toClusterError } from './errors';
import { getGatewayApi, listGatewayApi, type GatewayApiKind, type GatewayApiObject } from './gatewayApi';
import { ingressAddresses, type IngressAddresses, type IngressAddressOptions } from './ingressAddress';
import {
  istioNetworkingGroup,
  istioNetworkingVersion,
  istioStatus,
  type GatewaySelector,
  type IstioStatus,
} from './istioStatus';
import { contextInfo, loadKubeconfig, type ContextInfo, type LoadedKubeconfig } from './kubeconfig';
import {
  deleteNamespace,
  describeNamespaceContents,
  type DeleteNamespaceOptions,
  type NamespaceContents,
} from './namespaceContents';
import {
  deploymentProgress,
  endpointInfos,
  podInfo,
  type Deployment,
  type DeploymentProgress,
  type EndpointInfo,
  type EndpointSlice,
  type KubeList,
  type ApiObject,
  type Node,
  type Pod,
  type PodInfo,
  type Service,
} from './objects';
import { followPodLog, readPodLog, type FollowOptions, type PodLogOptions } from './podLogs';
import { startPortForward, type PortForwardHandle } from './portForward';
import { createTransport, type Log, type Transport } from './transport';

export interface ClusterOptions {
  /** Read only this kubeconfig file; default: KUBECONFIG (all files, merged as kubectl does) or ~/.kube/config. */
  kubeconfigPath?: string;
  /** Use this context instead of the kubeconfig's current-context. */
  context?: string;
  /** Receives one line per cluster call. */
  log?: Log;
  /** Timeout of one API call, default 15 s. */
  timeoutMs?: number;
  /** Environment for KUBECONFIG/HOME (tests). */
  env?: NodeJS.ProcessEnv;
}

export interface Reachability {
  context: ContextInfo;
  /** The server's gitVersion, e.g. v1.36.3. */
  version: string;
  /** Who the server says we are (SelfSubjectReview), when it tells. */
  identity?: string;
  durationMs: number;
}

export type IstioKind = 'VirtualService' | 'Gateway' | 'DestinationRule';
const istioPlural: Record<IstioKind, string> = {
  VirtualService: 'virtualservices',
  Gateway: 'gateways',
  DestinationRule: 'destinationrules',
};

export interface WaitOptions extends CallOptions {
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (progress: DeploymentProgress[]) => void;
}

export interface Cluster {
  /** Context name, server URL, user name (never tokens or certificates). Throws the kubeconfig's ClusterError. */
  context(): ContextInfo;
  checkReachable(opts?: CallOptions): Promise<Reachability>;
  istioStatus(selector?: GatewaySelector, opts?: CallOptions): Promise<IstioStatus>;

  getService(namespace: string, name: string, opts?: CallOptions): Promise<Service | undefined>;
  /** Services of a namespace; '' lists all namespaces. */
  listServices(namespace: string, opts?: CallOptions & { labelSelector?: string }): Promise<Service[]>;
  listEndpointSlices(namespace: string, service: string, opts?: CallOptions): Promise<EndpointSlice[]>;
  /** The Service's endpoints (pod IP, ports, ready, pod name) from its EndpointSlices. */
  serviceEndpoints(namespace: string, service: string, opts?: CallOptions): Promise<EndpointInfo[]>;
  /** Pods of a namespace ('' for all) with IP, node and readiness. */
  listPods(namespace: string, opts?: CallOptions & { labelSelector?: string }): Promise<PodInfo[]>;
  listNodes(opts?: CallOptions): Promise<Node[]>;
  /** Deployments of a namespace ('' for all). */
  listDeployments(namespace: string, opts?: CallOptions): Promise<Deployment[]>;
  /** The gateway Service's addresses and from where each is reachable. */
  ingressAddresses(service: Service, opts?: CallOptions & IngressAddressOptions): Promise<IngressAddresses>;

  /** Istio networking objects in the version the cluster serves (v1, else v1beta1, else v1alpha3). All namespaces when none given. */
  listIstio(kind: IstioKind, namespace?: string, opts?: CallOptions): Promise<ApiObject[]>;
  virtualServices(namespace?: string, opts?: CallOptions): Promise<ApiObject[]>;
  gateways(namespace?: string, opts?: CallOptions): Promise<ApiObject[]>;
  destinationRules(namespace?: string, opts?: CallOptions): Promise<ApiObject[]>;

  /** Gateway API objects (gateway.networking.k8s.io, the served version) with their status; '' lists all namespaces. */
  listGatewayApi(kind: GatewayApiKind, namespace?: string, opts?: CallOptions): Promise<GatewayApiObject[]>;
  /** One Gateway API object with its status, or undefined when it does not exist. */
  getGatewayApi(
    kind: GatewayApiKind,
    namespace: string,
    name: string,
    opts?: CallOptions,
  ): Promise<GatewayApiObject | undefined>;

  serverSideApply(objects: unknown[], opts?: ApplyOptions): Promise<ApplyResult[]>;
  waitForDeploymentsAvailable(namespace: string, names: string[], opts?: WaitOptions): Promise<DeploymentProgress[]>;
  describeNamespaceContents(name: string, opts?: CallOptions): Promise<NamespaceContents>;
  deleteNamespace(name: string, opts: DeleteNamespaceOptions): Promise<void>;

  /** A container's log lines now (GET pods/log), e.g. the gateway's access log of the last minutes. */
  readPodLog(pod: PodRef, opts?: PodLogOptions): Promise<string[]>;
  /** Follows a container's log (GET pods/log?follow=true): onLine per new line until the server ends it or opts.signal aborts. */
  followPodLog(pod: PodRef, opts: FollowOptions): Promise<void>;

  portForward(namespace: string, pod: string, remotePort: number): Promise<PortForwardHandle>;
  /** The gateway pod's Envoy admin through a port-forward to its port 15000; one per pod, cached per refresh. */
  envoyAdmin(gatewayPod: PodRef): EnvoyAdmin;
  /** Start a new refresh generation: the next Envoy reads and discovery go to the cluster again. */
  refresh(): void;
  dispose(): Promise<void>;
}

export function createCluster(opts: ClusterOptions = {}): Cluster {
  const log: Log = opts.log ?? (() => undefined);
  let loaded: LoadedKubeconfig | undefined;
  let loadError: ClusterError | undefined;
  try {
    loaded = loadKubeconfig({ kubeconfigPath: opts.kubeconfigPath, context: opts.context, env: opts.env });
  } catch (err) {
    loadError = err instanceof ClusterError ? err : toClusterError(err, { verb: 'load', resource: 'kubeconfig' });
    log(`load kubeconfig → ${loadError.kind}: ${loadError.message}`);
  }

  let core: Core | undefined;
  const info = loaded ? contextInfo(loaded) : undefined;
  if (loaded && info) {
    const transport: Transport = createTransport(
      loaded.kc,
      { context: info.name, server: info.server, user: info.user },
      log,
      opts.timeoutMs,
    );
    core = {
      kc: loaded.kc,
      transport,
      discovery: new Discovery(transport),
      log,
      defaultNamespace: info.namespace || 'default',
    };
  }
  const need = (): Core => {
    if (!core) throw loadError ?? new ClusterError('no-kubeconfig', 'No kubeconfig loaded.', '');
    return core;
  };

  let generation = 0;
  const admins = new Map<string, EnvoyAdmin>();
  const forwards = new Set<PortForwardHandle>();

  const list = async <T>(
    path: string,
    call: { resource: string; namespace?: string },
    o: CallOptions & { labelSelector?: string } = {},
  ) =>
    (
      await need().transport.request<KubeList<T>>({
        method: 'GET',
        path,
        query: { labelSelector: o.labelSelector },
        call: { verb: 'list', ...call },
        signal: o.signal,
        timeoutMs: o.timeoutMs,
        summarize: itemsCount,
      })
    ).items ?? [];
  // An empty namespace lists across all namespaces (kubectl -A).
  const nsPath = (ns: string | undefined) => (ns ? `/namespaces/${encodeURIComponent(ns)}` : '');

  const cluster: Cluster = {
    context() {
      if (!info) throw loadError!;
      return info;
    },

    async checkReachable(o = {}) {
      const c = need();
      const started = Date.now();
      const v = await c.transport.request<{ gitVersion: string }>({
        method: 'GET',
        path: '/version',
        call: { verb: 'get', resource: 'version' },
        signal: o.signal,
        timeoutMs: o.timeoutMs ?? 10_000,
      });
      // /version answers anonymous callers too; SelfSubjectReview proves the credentials work and says who we are.
      let identity: string | undefined;
      try {
        const review = await c.transport.request<{ status?: { userInfo?: { username?: string } } }>({
          method: 'POST',
          path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
          call: { verb: 'create', resource: 'selfsubjectreviews.authentication.k8s.io' },
          signal: o.signal,
          timeoutMs: o.timeoutMs ?? 10_000,
        });
        identity = review.status?.userInfo?.username;
      } catch (err) {
        if (
          err instanceof ClusterError &&
          (err.kind === 'unauthorized' ||
            err.kind === 'unreachable' ||
            err.kind === 'timeout' ||
            err.kind === 'cancelled')
        )
          throw err;
        // older servers (no SelfSubjectReview) or RBAC that forbids it: reachability stands.
      }
      return { context: info!, version: v.gitVersion, identity, durationMs: Date.now() - started };
    },

    istioStatus: (selector, o) => istioStatus(need(), selector, o),

    async getService(ns, name, o = {}) {
      try {
        return await need().transport.request<Service>({
          method: 'GET',
          path: `/api/v1${nsPath(ns)}/services/${encodeURIComponent(name)}`,
          call: { verb: 'get', resource: 'services', namespace: ns, name },
          signal: o.signal,
          timeoutMs: o.timeoutMs,
        });
      } catch (err) {
        if (err instanceof ClusterError && err.kind === 'not-found') return undefined;
        throw err;
      }
    },
    listServices: (ns, o) =>
      list<Service>(`/api/v1${nsPath(ns)}/services`, { resource: 'services', namespace: ns || undefined }, o),
    listEndpointSlices: (ns, service, o = {}) =>
      list<EndpointSlice>(
        `/apis/discovery.k8s.io/v1${nsPath(ns)}/endpointslices`,
        { resource: 'endpointslices.discovery.k8s.io', namespace: ns },
        { ...o, labelSelector: `kubernetes.io/service-name=${service}` },
      ),
    async serviceEndpoints(ns, service, o) {
      return endpointInfos(await cluster.listEndpointSlices(ns, service, o));
    },
    async listPods(ns, o) {
      return (await list<Pod>(`/api/v1${nsPath(ns)}/pods`, { resource: 'pods', namespace: ns || undefined }, o)).map(
        podInfo,
      );
    },
    listNodes: (o) => list<Node>('/api/v1/nodes', { resource: 'nodes' }, o),
    listDeployments: (ns, o) =>
      list<Deployment>(
        `/apis/apps/v1${nsPath(ns)}/deployments`,
        { resource: 'deployments.apps', namespace: ns || undefined },
        o,
      ),
    async ingressAddresses(service, o = {}) {
      let nodes: Node[] = [];
      const needsNodes = service.spec.type === 'NodePort' || service.spec.type === 'LoadBalancer';
      if (needsNodes) {
        try {
          nodes = await cluster.listNodes(o);
        } catch (err) {
          // Listing nodes is cluster-scoped and often forbidden to namespace users: show the other addresses.
          if (!(err instanceof ClusterError && err.kind === 'forbidden')) throw err;
          const result = ingressAddresses(service, [], o);
          result.notes.push(`${err.message} So node IPs for the NodePort cannot be shown.`);
          return result;
        }
      }
      return ingressAddresses(service, nodes, o);
    },

    async listIstio(kind, ns, o = {}) {
      const c = need();
      const { version } = await istioNetworkingVersion(c, o.signal);
      if (!version) {
        throw new ClusterError(
          'not-found',
          `The cluster does not serve ${istioNetworkingGroup}: Istio's CRDs are not installed, so there are no ${kind}s.`,
          'Install Istio first (`istioctl install --set profile=demo -y`).',
        );
      }
      const plural = istioPlural[kind];
      const path = `/apis/${istioNetworkingGroup}/${version}${nsPath(ns)}/${plural}`;
      return list<ApiObject>(path, { resource: `${plural}.${istioNetworkingGroup}`, namespace: ns }, o);
    },
    virtualServices: (ns, o) => cluster.listIstio('VirtualService', ns, o),
    gateways: (ns, o) => cluster.listIstio('Gateway', ns, o),
    destinationRules: (ns, o) => cluster.listIstio('DestinationRule', ns, o),

    listGatewayApi: (kind, ns, o) => listGatewayApi(need(), kind, ns, o),
    getGatewayApi: (kind, ns, name, o) => getGatewayApi(need(), kind, ns, name, o),

    async serverSideApply(objects, o = {}) {
      const c = need();
      const results = await serverSideApply(c, objects, o);
      // New CRDs change what the server serves.
      if (!o.dryRun && results.some((r) => r.kind === 'CustomResourceDefinition')) c.discovery.forget();
      return results;
    },

    async waitForDeploymentsAvailable(ns, names, o = {}) {
      const timeoutMs = o.timeoutMs ?? 120_000;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const deployments = await cluster.listDeployments(ns, { signal: o.signal });
        const progress = names.map((n) =>
          deploymentProgress(
            n,
            deployments.find((d) => d.metadata.name === n),
          ),
        );
        o.onProgress?.(progress);
        if (progress.every((p) => p.done)) return progress;
        if (Date.now() >= deadline) {
          const pending = progress.filter((p) => !p.done);
          const reasons = await podReasons(ns, pending, deployments, o.signal);
          throw new ClusterError(
            'timeout',
            `Not available after ${Math.round(timeoutMs / 1000)} s: ${pending.map((p) => `Deployment ${p.name} ${p.message}`).join('; ')}.${reasons}`,
            `See why with \`kubectl -n ${ns} describe deployment ${pending.map((p) => p.name).join(' ')}\` and \`kubectl -n ${ns} get pods\`.`,
          );
        }
        try {
          await sleep(o.pollMs ?? 1000, o.signal);
        } catch {
          throw new ClusterError('cancelled', `Cancelled while waiting for ${names.join(', ')} in "${ns}".`, '');
        }
      }
    },

    describeNamespaceContents: (name, o) => describeNamespaceContents(need(), name, o),
    deleteNamespace: (name, o) => deleteNamespace(need(), name, o),

    readPodLog: (pod, o) => readPodLog(need(), pod, o),
    followPodLog: (pod, o) => followPodLog(need(), pod, o),

    async portForward(ns, pod, remotePort) {
      const c = need();
      const handle = await startPortForward(c.kc, { namespace: ns, pod, remotePort, who: c.transport.who, log });
      forwards.add(handle);
      return {
        ...handle,
        dispose: async () => {
          forwards.delete(handle);
          await handle.dispose();
        },
      };
    },

    envoyAdmin(pod) {
      const key = `${pod.namespace}/${pod.name}`;
      let admin = admins.get(key);
      if (!admin) {
        admin = createEnvoyAdmin({
          pod,
          log,
          generation: () => generation,
          openPortForward: () => cluster.portForward(pod.namespace, pod.name, envoyAdminPort),
        });
        admins.set(key, admin);
      }
      return admin;
    },

    refresh() {
      generation++;
      core?.discovery.forget();
    },

    async dispose() {
      await Promise.all([...admins.values()].map((a) => a.dispose()));
      admins.clear();
      await Promise.all([...forwards].map((f) => f.dispose()));
      forwards.clear();
      core?.transport.dispose();
    },
  };

  async function podReasons(
    ns: string,
    pending: DeploymentProgress[],
    deployments: Deployment[],
    signal?: AbortSignal,
  ): Promise<string> {
    const parts: string[] = [];
    for (const p of pending) {
      const labels = deployments.find((d) => d.metadata.name === p.name)?.spec?.selector?.matchLabels;
      if (!labels) continue;
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      try {
        const pods = await cluster.listPods(ns, { labelSelector: selector, signal });
        const why = pods.filter((x) => !x.ready).map((x) => `${x.name}: ${x.notReadyReason ?? 'not ready'}`);
        if (why.length) parts.push(` Pods of ${p.name}: ${why.join(', ')}.`);
      } catch {
        // the timeout message stands without the pod details
      }
    }
    return parts.join('');
  }

  return cluster;
}
