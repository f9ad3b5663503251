// Is Istio there, as the walkthrough's first step needs it: the istio-system namespace, the Istio
// networking CRDs, the ingress gateway Service and a Ready gateway pod. Each missing piece comes with
// what to do about it.
import { ClusterError } from './errors';
import { itemsCount, type CallOptions, type Core } from './core';
import { podInfo, type KubeList, type Pod, type PodInfo, type Service } from './objects';

export interface GatewaySelector {
  /** Namespace of the ingress gateway; default istio-system. */
  namespace?: string;
  /** Label selector of the gateway Service and pods; default istio=ingressgateway. */
  labelSelector?: string;
}

export const defaultGatewaySelector = { namespace: 'istio-system', labelSelector: 'istio=ingressgateway' } as const;

/** Istio networking API versions, best first; the first one the cluster serves is used. */
export const istioNetworkingVersions = ['v1', 'v1beta1', 'v1alpha3'] as const;
export const istioNetworkingGroup = 'networking.istio.io';

export interface IstioProblem {
  message: string;
  hint: string;
}

export interface IstioStatus {
  /** Everything the lab needs is there: CRDs, gateway Service, a Ready gateway pod. */
  ok: boolean;
  namespace: { name: string; exists: boolean };
  crds: { installed: boolean; servedVersions: string[]; version?: string; missingKinds: string[] };
  /** The gateway Service (istio-ingressgateway preferred when several match). */
  gatewayService?: Service;
  gatewayPods: PodInfo[];
  /** A Ready gateway pod to port-forward to. */
  readyPod?: PodInfo;
  selector: { namespace: string; labelSelector: string };
  problems: IstioProblem[];
}

/** The networking.istio.io version this cluster serves (v1 preferred), or undefined without Istio's CRDs. */
export async function istioNetworkingVersion(
  core: Core,
  signal?: AbortSignal,
): Promise<{ version?: string; served: string[] }> {
  const group = await core.discovery.group(istioNetworkingGroup, signal);
  const served = group?.versions.map((v) => v.version) ?? [];
  return { version: istioNetworkingVersions.find((v) => served.includes(v)), served };
}

export async function istioStatus(core: Core, sel: GatewaySelector = {}, opts: CallOptions = {}): Promise<IstioStatus> {
  const namespace = sel.namespace || defaultGatewaySelector.namespace;
  const labelSelector = sel.labelSelector || defaultGatewaySelector.labelSelector;
  const { signal } = opts;
  const problems: IstioProblem[] = [];

  const { version, served } = await istioNetworkingVersion(core, signal);
  const missingKinds: string[] = [];
  if (version) {
    const resources = (await core.discovery.resources(istioNetworkingGroup, version, signal)) ?? [];
    for (const kind of ['VirtualService', 'Gateway', 'DestinationRule']) {
      if (!resources.some((r) => r.kind === kind)) missingKinds.push(kind);
    }
  } else {
    missingKinds.push('VirtualService', 'Gateway', 'DestinationRule');
    problems.push({
      message: `Istio's CRDs are not installed: the cluster does not serve ${istioNetworkingGroup}.`,
      hint: 'Install Istio, e.g. `istioctl install --set profile=demo -y` (https://istio.io/latest/docs/setup/getting-started/).',
    });
  }
  if (version && missingKinds.length) {
    problems.push({
      message: `The cluster serves ${istioNetworkingGroup}/${version} but not ${missingKinds.join(', ')}.`,
      hint: "Reinstall Istio's CRDs (istioctl install) so all networking kinds are present.",
    });
  }

  let nsExists = true;
  try {
    await core.transport.request({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      call: { verb: 'get', resource: 'namespaces', name: namespace },
      signal,
    });
  } catch (err) {
    if (!(err instanceof ClusterError && err.kind === 'not-found')) throw err;
    nsExists = false;
    problems.push({
      message: `The namespace "${namespace}" does not exist, so there is no Istio ingress gateway.`,
      hint:
        namespace === defaultGatewaySelector.namespace
          ? 'Install Istio with its ingress gateway (`istioctl install --set profile=demo -y`), or set the gateway namespace in the settings if yours lives elsewhere.'
          : `Set the gateway namespace in the settings to where your ingress gateway runs (Istio's default is istio-system).`,
    });
  }

  let gatewayService: Service | undefined;
  let gatewayPods: PodInfo[] = [];
  if (nsExists) {
    const [services, pods] = await Promise.all([
      core.transport.request<KubeList<Service>>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/services`,
        query: { labelSelector },
        call: { verb: 'list', resource: 'services', namespace },
        signal,
        summarize: itemsCount,
      }),
      core.transport.request<KubeList<Pod>>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        query: { labelSelector },
        call: { verb: 'list', resource: 'pods', namespace },
        signal,
        summarize: itemsCount,
      }),
    ]);
    gatewayService = services.items.find((s) => s.metadata.name === 'istio-ingressgateway') ?? services.items[0];
    gatewayPods = pods.items.map(podInfo);
    if (!gatewayService) {
      problems.push({
        message: `No Service in "${namespace}" has the labels ${labelSelector}: the ingress gateway is not installed.`,
        hint: 'Install Istio with the ingress gateway (the default and demo profiles include it), or set the gateway selector in the settings.',
      });
    }
    if (!gatewayPods.length) {
      problems.push({
        message: `No pod in "${namespace}" has the labels ${labelSelector}.`,
        hint: `Check the gateway Deployment: \`kubectl -n ${namespace} get deploy,pods -l ${labelSelector}\`.`,
      });
    } else if (!gatewayPods.some((p) => p.ready)) {
      const why = gatewayPods.map((p) => `${p.name}: ${p.notReadyReason ?? 'not ready'}`).join(', ');
      problems.push({
        message: `No gateway pod is Ready (${why}).`,
        hint: `See why with \`kubectl -n ${namespace} describe pod -l ${labelSelector}\`.`,
      });
    }
  }
  const readyPod = gatewayPods.find((p) => p.ready);
  return {
    ok: problems.length === 0,
    namespace: { name: namespace, exists: nsExists },
    crds: { installed: !!version && missingKinds.length === 0, servedVersions: served, version, missingKinds },
    gatewayService,
    gatewayPods,
    readyPod,
    selector: { namespace, labelSelector },
    problems,
  };
}
