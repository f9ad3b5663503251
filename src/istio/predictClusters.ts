// The gateway's outbound clusters as far as the prediction knows them: Istio's gateway gets a cluster per
// port of every Service it can see (Kubernetes Services, Istio's default ingress Service when the inputs do not
// define one, ServiceEntry hosts), one more per DestinationRule subset, and BlackHoleCluster
// (pilot/pkg/networking/core/cluster.go buildOutboundClusters). It carries what `istioctl proxy-config clusters`
// shows (name, type, the DestinationRule in the metadata); the clusters' settings (timeouts, TLS, circuit
// breakers, load balancing) are not predicted. ExternalName Services get no cluster of their own name. A gateway
// with an AUTO_PASSTHROUGH server also gets the SNI-DNAT clusters `outbound_.<port>_.<subset>_.<host>` of every
// mesh service port (autoPassthrough.ts).
import { hasAutoPassthrough, meshServicePorts, sniDnatClusterName } from './autoPassthrough';
import { DestinationRuleIndex } from './destinationRules';
import { DEFAULT_INGRESS } from './gatewayWorkloads';
import type { ResourceSet } from './model';
import { byCreation } from './predict';
import { namespaceOf } from './model';

export interface PredictedCluster {
  '@type': string;
  name: string;
  type: string;
  metadata?: { filterMetadata: { istio: Record<string, unknown> } };
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
  const rules = new DestinationRuleIndex([...resources.destinationRules].sort(byCreation));
  const out: PredictedCluster[] = [{ '@type': TYPE, name: 'BlackHoleCluster', type: 'STATIC' }];
  const add = (
    host: string,
    ports: number[],
    type: string,
    service: { name: string; namespace: string },
    name = (port: number, subset: string) => `outbound|${port}|${subset}|${host}`,
  ) => {
    const rule = rules.ruleFor(host);
    const istio: Record<string, unknown> = {};
    if (rule)
      istio.config = `/apis/networking.istio.io/${metadataApiVersion}/namespaces/${namespaceOf(rule)}/destination-rule/${rule.metadata.name}`;
    istio.services = [{ host, name: service.name, namespace: service.namespace }];
    for (const port of ports) {
      for (const subset of ['', ...arr<{ name?: string }>(rule?.spec.subsets).map((s) => s.name ?? '')]) {
        out.push({
          '@type': TYPE,
          name: name(port, subset),
          type,
          metadata: { filterMetadata: { istio: subset ? { ...istio, subset } : { ...istio } } },
        });
      }
    }
  };
  const services = [...resources.services];
  const hasIngress = services.some(
    (s) => s.metadata.name === 'istio-ingressgateway' && namespaceOf(s) === 'istio-system',
  );
  for (const s of services) {
    if (s.spec.type === 'ExternalName') continue;
    const ports = arr<{ port?: number; protocol?: string }>(s.spec.ports)
      .filter((p) => p.port && (p.protocol ?? 'TCP') !== 'UDP')
      .map((p) => p.port!);
    add(`${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`, ports, 'EDS', {
      name: s.metadata.name,
      namespace: namespaceOf(s),
    });
  }
  if (!hasIngress)
    add(
      'istio-ingressgateway.istio-system.svc.cluster.local',
      DEFAULT_INGRESS.ports.map((p) => p.port),
      'EDS',
      { name: 'istio-ingressgateway', namespace: 'istio-system' },
    );
  for (const se of resources.serviceEntries) {
    const type = SE_TYPE[String(se.spec.resolution ?? 'NONE').toUpperCase()] ?? 'ORIGINAL_DST';
    const ports = arr<{ number?: number }>(se.spec.ports)
      .map((p) => p.number ?? 0)
      .filter(Boolean);
    for (const h of arr<string>(se.spec.hosts)) add(h, ports, type, { name: h, namespace: namespaceOf(se) });
  }
  if (hasAutoPassthrough(resources))
    for (const sp of meshServicePorts(resources))
      add(
        sp.host,
        [sp.port],
        sp.kind === 'ServiceEntry' ? (SE_TYPE[sp.resolution ?? 'NONE'] ?? 'ORIGINAL_DST') : 'EDS',
        sp.service,
        (port, subset) => sniDnatClusterName(port, subset, sp.host),
      );
  const seen = new Set<string>();
  return out
    .filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
