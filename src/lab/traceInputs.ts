// Pure pieces of the live trace's inputs (no vscode import, unit-tested): the cluster's objects merged with
// the workspace's, and whether the cluster's kube-proxy writes the pre-1.24 chains.
import { namespaceOf, type KubeObject, type ResourceSet } from '../istio/model';

const keyOf = (o: KubeObject) => `${o.kind}/${namespaceOf(o)}/${o.metadata.name}`;

/** The cluster's objects win; workspace objects the cluster lacks (not applied yet) and Deployments are added. */
export function mergeClusterAndWorkspace(cluster: ResourceSet, workspace: ResourceSet): ResourceSet {
  const seen = new Set(
    [
      ...cluster.virtualServices,
      ...cluster.gateways,
      ...cluster.services,
      ...cluster.destinationRules,
      ...cluster.serviceEntries,
      ...cluster.authorizationPolicies,
      ...cluster.requestAuthentications,
      ...cluster.namespaces,
    ].map(keyOf),
  );
  const fresh = <T extends KubeObject>(xs: T[]) => xs.filter((x) => !seen.has(keyOf(x)));
  return {
    virtualServices: [...cluster.virtualServices, ...fresh(workspace.virtualServices)],
    gateways: [...cluster.gateways, ...fresh(workspace.gateways)],
    destinationRules: [...cluster.destinationRules, ...fresh(workspace.destinationRules)],
    services: [...cluster.services, ...fresh(workspace.services)],
    deployments: [...cluster.deployments, ...workspace.deployments],
    serviceEntries: [...cluster.serviceEntries, ...fresh(workspace.serviceEntries)],
    secrets: [...cluster.secrets, ...fresh(workspace.secrets)],
    configMaps: [...cluster.configMaps, ...fresh(workspace.configMaps)],
    k8sGateways: [...cluster.k8sGateways, ...fresh(workspace.k8sGateways)],
    httpRoutes: [...cluster.httpRoutes, ...fresh(workspace.httpRoutes)],
    grpcRoutes: [...cluster.grpcRoutes, ...fresh(workspace.grpcRoutes)],
    tlsRoutes: [...cluster.tlsRoutes, ...fresh(workspace.tlsRoutes)],
    tcpRoutes: [...cluster.tcpRoutes, ...fresh(workspace.tcpRoutes)],
    referenceGrants: [...cluster.referenceGrants, ...fresh(workspace.referenceGrants)],
    gatewayClasses: [...cluster.gatewayClasses, ...fresh(workspace.gatewayClasses)],
    backendTlsPolicies: [...cluster.backendTlsPolicies, ...fresh(workspace.backendTlsPolicies)],
    authorizationPolicies: [...cluster.authorizationPolicies, ...fresh(workspace.authorizationPolicies)],
    requestAuthentications: [...cluster.requestAuthentications, ...fresh(workspace.requestAuthentications)],
    namespaces: [...cluster.namespaces, ...fresh(workspace.namespaces)],
  };
}

/** kube-proxy before 1.24 (no KUBE-EXT chains), told by the API server's version. */
export function isLegacyKubeProxy(gitVersion: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion ?? '');
  return !!m && Number(m[1]) === 1 && Number(m[2]) < 24;
}
