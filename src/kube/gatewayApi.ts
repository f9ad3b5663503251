// Reads of the Kubernetes Gateway API (gateway.networking.k8s.io) in the version the cluster prefers:
// the Gateway and routes as istiod's status leaves them, and the GatewayClass istiod creates.
import { ClusterError } from './errors';
import { itemsCount, type CallOptions, type Core } from './core';
import type { ApiObject, KubeList } from './objects';

export const gatewayApiGroup = 'gateway.networking.k8s.io';

export type GatewayApiKind = 'Gateway' | 'HTTPRoute' | 'GRPCRoute' | 'GatewayClass' | 'ReferenceGrant';

export interface GatewayApiCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** A Gateway API object with the status fields the lab shows (Gateway: addresses, listeners; routes: parents). */
export interface GatewayApiObject extends ApiObject {
  spec?: Record<string, unknown>;
  status?: {
    conditions?: GatewayApiCondition[];
    addresses?: { type?: string; value: string }[];
    listeners?: { name: string; attachedRoutes?: number; conditions?: GatewayApiCondition[] }[];
    parents?: {
      parentRef: { name: string; namespace?: string; sectionName?: string; kind?: string };
      controllerName?: string;
      conditions?: GatewayApiCondition[];
    }[];
  };
}

/** The version the cluster serves the group in (its preferred one), and the plural of a kind there. */
async function resourceOf(
  core: Core,
  kind: GatewayApiKind,
  signal?: AbortSignal,
): Promise<{ version: string; plural: string; namespaced: boolean }> {
  const group = await core.discovery.group(gatewayApiGroup, signal);
  const version = group?.preferredVersion?.version ?? group?.versions[0]?.version;
  const resources = version ? await core.discovery.resources(gatewayApiGroup, version, signal) : undefined;
  const r = resources?.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!version || !r) {
    throw new ClusterError(
      'not-found',
      `The cluster does not serve the Gateway API's ${kind} (${gatewayApiGroup}): its CRDs are not installed.`,
      'Install the standard channel (Istio does not install it): kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.0/standard-install.yaml',
    );
  }
  return { version, plural: r.name, namespaced: r.namespaced };
}

const nsPath = (ns: string | undefined) => (ns ? `/namespaces/${encodeURIComponent(ns)}` : '');

/** Objects of a kind, in a namespace or ('' / undefined) in all; ClusterError not-found when the kind is not served. */
export async function listGatewayApi(
  core: Core,
  kind: GatewayApiKind,
  namespace?: string,
  o: CallOptions = {},
): Promise<GatewayApiObject[]> {
  const r = await resourceOf(core, kind, o.signal);
  const list = await core.transport.request<KubeList<GatewayApiObject>>({
    method: 'GET',
    path: `/apis/${gatewayApiGroup}/${r.version}${r.namespaced ? nsPath(namespace) : ''}/${r.plural}`,
    call: { verb: 'list', resource: `${r.plural}.${gatewayApiGroup}`, namespace: namespace || undefined },
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    summarize: itemsCount,
  });
  return list.items ?? [];
}

/** One object, or undefined when it does not exist; ClusterError not-found when the kind is not served. */
export async function getGatewayApi(
  core: Core,
  kind: GatewayApiKind,
  namespace: string,
  name: string,
  o: CallOptions = {},
): Promise<GatewayApiObject | undefined> {
  const r = await resourceOf(core, kind, o.signal);
  try {
    return await core.transport.request<GatewayApiObject>({
      method: 'GET',
      path: `/apis/${gatewayApiGroup}/${r.version}${r.namespaced ? nsPath(namespace) : ''}/${r.plural}/${encodeURIComponent(name)}`,
      call: {
        verb: 'get',
        resource: `${r.plural}.${gatewayApiGroup}`,
        namespace: r.namespaced ? namespace : undefined,
        name,
      },
      signal: o.signal,
      timeoutMs: o.timeoutMs,
    });
  } catch (err) {
    if (err instanceof ClusterError && err.kind === 'not-found') return undefined;
    throw err;
  }
}
