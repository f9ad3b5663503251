// Pure pieces of the live trace's inputs (no vscode import, unit-tested): cluster objects as the engine's
// model, the cluster's objects merged with the workspace's, endpoints as the trace wants them, and whether
// the cluster's kube-proxy writes the pre-1.24 chains.
import { namespaceOf, type KubeObject as ModelObject, type ResourceSet } from '../istio/model';
import type { EndpointInfo } from '../istio/trace';
import { fromClusterObject } from '../istio/yamlModel';
import type { KubeObject } from '../kube/index';
import type { EndpointView } from './lensText';

const keyOf = (o: ModelObject) => `${o.kind}/${namespaceOf(o)}/${o.metadata.name}`;

/** The cluster's objects win; workspace objects the cluster lacks (not applied yet) and Deployments are added. */
export function mergeClusterAndWorkspace(cluster: ResourceSet, workspace: ResourceSet): ResourceSet {
  const seen = new Set(
    [
      ...cluster.virtualServices,
      ...cluster.gateways,
      ...cluster.services,
      ...cluster.destinationRules,
      ...cluster.serviceEntries,
    ].map(keyOf),
  );
  const fresh = <T extends ModelObject>(xs: T[]) => xs.filter((x) => !seen.has(keyOf(x)));
  return {
    virtualServices: [...cluster.virtualServices, ...fresh(workspace.virtualServices)],
    gateways: [...cluster.gateways, ...fresh(workspace.gateways)],
    destinationRules: [...cluster.destinationRules, ...fresh(workspace.destinationRules)],
    services: [...cluster.services, ...fresh(workspace.services)],
    deployments: [...cluster.deployments, ...workspace.deployments],
    serviceEntries: [...cluster.serviceEntries, ...fresh(workspace.serviceEntries)],
    secrets: [...cluster.secrets, ...fresh(workspace.secrets)],
  };
}

/** Objects as the API lists them (built-in lists leave kind and apiVersion off their items) in the engine's model. */
export function toModel(objects: KubeObject[], kind: string, apiVersion: string): ModelObject[] {
  return objects
    .map((o) =>
      fromClusterObject(
        { ...o, kind: o.kind ?? kind, apiVersion: o.apiVersion ?? apiVersion },
        `cluster:${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      ),
    )
    .filter((o): o is ModelObject => !!o);
}

/** kube-proxy before 1.24 (no KUBE-EXT chains), told by the API server's version. */
export function isLegacyKubeProxy(gitVersion: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion ?? '');
  return !!m && Number(m[1]) === 1 && Number(m[2]) < 24;
}

/** `10.244.0.1:80` (or `fd00::1:80`) as Envoy's /clusters reports it, split for the trace. */
export function endpointFromView(e: EndpointView): EndpointInfo {
  const i = e.address.lastIndexOf(':');
  const port = i > 0 ? Number(e.address.slice(i + 1)) : NaN;
  return Number.isInteger(port)
    ? { address: e.address.slice(0, i), port, health: e.health, pod: e.pod }
    : { address: e.address, port: 0, health: e.health, pod: e.pod };
}
