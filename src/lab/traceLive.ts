// What the trace needs from a connected cluster, gathered through src/kube and the shared live-gateway cache:
// the gateway Service and pods, the gateway Envoy's route configurations and endpoints, the cluster's
// VirtualServices, Gateways and the Services behind the routes, and the addresses a request can enter by.
// The workspace YAML fills in what the cluster does not say (Deployments, objects not applied yet).
import { readConfigDump } from '../envoy/configDump';
import type { EntryKind } from '../istio/kubeProxy';
import type { ResourceSet } from '../istio/model';
import type { LiveState } from '../istio/trace';
import { clusterResourceSet } from '../istio/yamlModel';
import { noneIfNotServed, type PodRef } from '../kube/index';
import { clusterNamespaces } from '../istio/hosts';
import { errorText } from './errorText';
import { labelSelector, selectsOtherPods, type GatewayRef, type LiveContext } from './liveRoutes';
import type { LiveSource } from './resolveRoute';
import { isLegacyKubeProxy, mergeClusterAndWorkspace } from './traceInputs';
import { routeClusters } from '../envoy/routeClusters';

/** One way into the gateway the user can pick: `10.244.255.253:80 (LoadBalancer)`. */
export interface EntryChoice {
  kind: EntryKind;
  address: string;
  port: number;
  label: string;
  description: string;
}

export interface LiveTraceData {
  live: LiveState;
  resources: ResourceSet;
  entries: EntryChoice[];
  gatewayPod: string;
  gatewayPodRef: PodRef;
  /** The gateway Envoy's /config_dump (the clusters' stat names). */
  configDump: unknown;
}

const ENTRY_LABELS: Record<EntryKind, string> = {
  loadBalancer: 'LoadBalancer',
  clusterIP: 'ClusterIP',
  nodePort: 'NodePort',
};

/**
 * Reads the cluster for the trace; `{ok: false}` with the reason when it cannot (the trace then runs offline).
 * `routeGateway` is the traced route's Gateway: when it selects other pods than the configured gateway's (a
 * Gateway API Gateway's `<gw>-istio`), the trace enters through that gateway's Service and reads its Envoy.
 */
export async function gatherLive(
  ctx: LiveContext & { live: LiveSource },
  workspace: ResourceSet,
  routeGateway?: GatewayRef,
): Promise<{ ok: true; data: LiveTraceData } | { ok: false; reason: string }> {
  const own = selectsOtherPods(routeGateway, ctx.settings.gateway.selector);
  const lg = await ctx.live.get(own ? routeGateway : undefined);
  if (!lg.ok) return { ok: false, reason: lg.reason };
  const g = lg.gateway;
  try {
    const cluster = ctx.getCluster();
    // The gateway's Service and pods: the configured ones, or those the route's Gateway selects (in its own
    // namespace or the configured one, as LiveRoutes finds its pod).
    const gateway = own
      ? {
          namespaces: [...new Set([routeGateway.namespace, ctx.settings.gateway.namespace])],
          selector: labelSelector(routeGateway.selector),
        }
      : { namespaces: [ctx.settings.gateway.namespace], selector: ctx.settings.gateway.selector };
    const inGatewayNamespaces = async <T>(list: (ns: string) => Promise<T[]>) =>
      (await Promise.all(gateway.namespaces.map(list))).flat();
    const dump = readConfigDump(g.configDump);
    const routeConfigs = dump.routeConfigs.map((e) => e.routeConfig);
    const listeners = dump.listeners.map((e) => e.listener);
    const clusterNames = routeConfigs.flatMap((rc) =>
      (rc.virtualHosts ?? []).flatMap((vh) => (vh.routes ?? []).flatMap(routeClusters)),
    );
    const [gatewayServices, pods, vss, gws, reach, backendServices] = await Promise.all([
      inGatewayNamespaces((ns) => cluster.listServices(ns, { labelSelector: gateway.selector })),
      inGatewayNamespaces((ns) => cluster.listPods(ns, { labelSelector: gateway.selector })),
      cluster.virtualServices().catch(noneIfNotServed),
      cluster.gateways().catch(noneIfNotServed),
      cluster.checkReachable({ timeoutMs: 5000 }),
      Promise.all(clusterNamespaces(clusterNames).map((ns) => cluster.listServices(ns))).then((x) => x.flat()),
    ]);
    const svc = gatewayServices.find((s) => s.spec.type === 'LoadBalancer') ?? gatewayServices[0];
    if (!svc)
      return { ok: false, reason: `no Service in ${gateway.namespaces.join(' or ')} matches ${gateway.selector}` };

    // The gateway Service first: the trace enters through it.
    const clusterSet = clusterResourceSet([
      { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', items: vss },
      { kind: 'Gateway', apiVersion: 'networking.istio.io/v1', items: gws },
      {
        kind: 'Service',
        apiVersion: 'v1',
        items: [
          svc,
          ...backendServices.filter(
            (s) => !(s.metadata.name === svc.metadata.name && s.metadata.namespace === svc.metadata.namespace),
          ),
        ],
      },
    ]);
    const gatewayService = clusterSet.services[0];

    const live: LiveState = {
      gatewayService,
      gatewayPods: pods.filter((p) => p.ip).map((p) => ({ name: p.name, ip: p.ip!, ready: p.ready, nodeName: p.node })),
      routeConfigs,
      // the filter chain a TLS connection takes (SNI) is traced only when the dump has listeners
      ...(listeners.length ? { listeners } : {}),
      endpointsFor: (name) => g.endpoints(name),
      legacyKubeProxy: isLegacyKubeProxy(reach?.version),
    };

    const entries: EntryChoice[] = [];
    const addresses = await cluster.ingressAddresses(svc);
    for (const a of addresses?.addresses ?? []) {
      if (a.kind === 'externalIP') continue;
      entries.push({
        kind: a.kind,
        address: a.host,
        port: a.port,
        label: `${ENTRY_LABELS[a.kind]} ${a.host}:${a.port}`,
        description: a.reachableFrom,
      });
    }
    return {
      ok: true,
      data: {
        live,
        resources: mergeClusterAndWorkspace(clusterSet, workspace),
        entries,
        gatewayPod: `${g.pod.namespace}/${g.pod.name}`,
        gatewayPodRef: { namespace: g.pod.namespace, name: g.pod.name },
        configDump: g.configDump,
      },
    };
  } catch (e) {
    const reason = errorText(e);
    ctx.log.warn(`trace: reading the cluster failed, tracing offline: ${reason}`);
    return { ok: false, reason };
  }
}
