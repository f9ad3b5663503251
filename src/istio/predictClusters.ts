// The gateway's outbound clusters as far as the prediction knows them: Istio's gateway gets a cluster per
// port of every Service it can see (Kubernetes Services, Istio's default ingress Service when the inputs do not
// define one, ServiceEntry hosts), one more per DestinationRule subset, and BlackHoleCluster
// (pilot/pkg/networking/core/cluster.go buildOutboundClusters). It carries what `istioctl proxy-config clusters`
// shows (name, type, the DestinationRule in the metadata) and the transport socket a DestinationRule's tls, a
// BackendTLSPolicy (backendTlsPolicy.ts) or Istio's auto mTLS gives (upstreamTls.ts); the clusters' other settings (timeouts, circuit breakers, load
// balancing) are not predicted. ExternalName Services get no cluster of their own name. A gateway
// with an AUTO_PASSTHROUGH server also gets the SNI-DNAT clusters `outbound_.<port>_.<subset>_.<host>` of every
// mesh service port (autoPassthrough.ts).
import { hasAutoPassthrough, meshServicePorts, sniDnatClusterName } from './autoPassthrough';
import { backendTlsDestinationRules } from './backendTlsPolicy';
import { DestinationRuleIndex } from './destinationRules';
import { DEFAULT_INGRESS } from './gatewayWorkloads';
import { translateGatewayApi } from './gatewayApi';
import type { Deployment, ResourceSet } from './model';
import { byCreation } from './predict';
import { namespaceOf } from './model';
import type { TransportSocket } from './serverTls';
import { isHttp2Port, upstreamTransport } from './upstreamTls';

export interface PredictedCluster {
  '@type': string;
  name: string;
  type: string;
  metadata?: { filterMetadata: { istio: Record<string, unknown> } };
  transportSocket?: TransportSocket;
  transportSocketMatches?: Record<string, unknown>[];
}

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

/** ServiceEntry resolution -> Envoy cluster discovery type, as Istio's conversion maps it. */
const SE_TYPE: Record<string, string> = {
  DNS: 'STRICT_DNS',
  DNS_ROUND_ROBIN: 'LOGICAL_DNS',
  NONE: 'ORIGINAL_DST',
  STATIC: 'EDS',
};

export function predictClusters(resources: ResourceSet, metadataApiVersion = 'v1'): PredictedCluster[] {
  const rules = new DestinationRuleIndex(
    [...resources.destinationRules].sort(byCreation),
    backendTlsDestinationRules(resources),
  );
  const out: PredictedCluster[] = [{ '@type': TYPE, name: 'BlackHoleCluster', type: 'STATIC' }];
  const add = (
    host: string,
    ports: { port: number; http2?: boolean }[],
    type: string,
    service: { name: string; namespace: string },
    serviceAccounts: readonly string[] = [],
    sniDnat = false,
    meshExternal = false,
  ) => {
    const name = (port: number, subset: string) =>
      sniDnat ? sniDnatClusterName(port, subset, host) : `outbound|${port}|${subset}|${host}`;
    const rule = rules.ruleFor(host);
    const istio: Record<string, unknown> = {};
    if (rule)
      istio.config = `/apis/networking.istio.io/${metadataApiVersion}/namespaces/${namespaceOf(rule)}/destination-rule/${rule.metadata.name}`;
    istio.services = [{ host, name: service.name, namespace: service.namespace }];
    for (const { port, http2 } of ports) {
      for (const subset of ['', ...arr<{ name?: string }>(rule?.spec.subsets).map((s) => s.name ?? '')]) {
        // SNI-DNAT clusters pass TLS through: no transport socket of their own (cluster_traffic_policy.go)
        const transport = sniDnat
          ? {}
          : upstreamTransport(rules.clientTls(host, port, subset), {
              clusterName: name(port, subset),
              istioMtlsSni: sniDnatClusterName(port, subset, host),
              http2: !!http2,
              serviceAccounts,
              meshExternal,
              originalDst: type === 'ORIGINAL_DST',
            });
        out.push({
          '@type': TYPE,
          name: name(port, subset),
          type,
          metadata: { filterMetadata: { istio: subset ? { ...istio, subset } : { ...istio } } },
          ...transport,
        });
      }
    }
  };
  // a Gateway of an Istio class is served by its deployed gateway (`<gw>-istio`), not the default ingress
  const deployed = translateGatewayApi(resources);
  const services = [...resources.services, ...deployed.services];
  const hasIngress =
    deployed.deployments.length > 0 ||
    services.some((s) => s.metadata.name === 'istio-ingressgateway' && namespaceOf(s) === 'istio-system');
  for (const s of services) {
    if (s.spec.type === 'ExternalName') continue;
    const ports = arr<{ port?: number; protocol?: string; name?: string; appProtocol?: string }>(s.spec.ports)
      .filter((p) => p.port && (p.protocol ?? 'TCP') !== 'UDP')
      .map((p) => ({ port: p.port!, http2: isHttp2Port(p.name, p.appProtocol) }));
    add(
      `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`,
      ports,
      'EDS',
      { name: s.metadata.name, namespace: namespaceOf(s) },
      serviceAccountsOf(s, [...resources.deployments, ...deployed.deployments]),
    );
  }
  if (!hasIngress)
    add(
      'istio-ingressgateway.istio-system.svc.cluster.local',
      DEFAULT_INGRESS.ports.map((p) => ({ port: p.port, http2: isHttp2Port(p.name) })),
      'EDS',
      { name: 'istio-ingressgateway', namespace: 'istio-system' },
      // the default profile's gateway pods run as this ServiceAccount
      ['spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'],
    );
  for (const se of resources.serviceEntries) {
    const type = SE_TYPE[String(se.spec.resolution ?? 'NONE').toUpperCase()] ?? 'ORIGINAL_DST';
    const ports = arr<{ number?: number; protocol?: string }>(se.spec.ports)
      .filter((p) => p.number)
      .map((p) => ({ port: p.number!, http2: isHttp2Port(p.protocol) }));
    const external = String(se.spec.location ?? 'MESH_EXTERNAL').toUpperCase() !== 'MESH_INTERNAL';
    const sans = arr<string>((se.spec as { subjectAltNames?: unknown }).subjectAltNames);
    for (const h of arr<string>(se.spec.hosts))
      add(h, ports, type, { name: h, namespace: namespaceOf(se) }, sans, false, external);
  }
  if (hasAutoPassthrough(resources))
    for (const sp of meshServicePorts(resources))
      add(
        sp.host,
        [{ port: sp.port }],
        sp.kind === 'ServiceEntry' ? (SE_TYPE[sp.resolution ?? 'NONE'] ?? 'ORIGINAL_DST') : 'EDS',
        sp.service,
        [],
        true,
      );
  const seen = new Set<string>();
  return out
    .filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The identities of a Service's workloads (the kube registry's service accounts): `spiffe://cluster.local/ns/<ns>/sa/<sa>`
 * of each selected pod (a Pod without serviceAccountName: empty, as the pod spec says; a Deployment's pods: `default`,
 * as the API server defaults it), sorted. ISTIO_MUTUAL checks an upstream's certificate against them.
 */
function serviceAccountsOf(s: ResourceSet['services'][number], workloads: readonly Deployment[]): string[] {
  const selector = s.spec.selector;
  if (!selector || !Object.keys(selector).length) return [];
  const out = new Set<string>();
  for (const d of workloads) {
    if (namespaceOf(d) !== namespaceOf(s)) continue;
    const labels = d.spec.template?.metadata?.labels ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === String(v))) continue;
    const sa = d.spec.template?.spec?.serviceAccountName;
    out.add(`spiffe://cluster.local/ns/${namespaceOf(d)}/sa/${sa ?? (d.kind === 'Pod' ? '' : 'default')}`);
  }
  return [...out].sort();
}
