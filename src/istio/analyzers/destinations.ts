// The destinations of a VirtualService, in the order Istio's analyzers walk them
// (pkg/config/analysis/analyzers/virtualservice/util.go: tcp, tls, http routes; then http mirrors), each
// with the YAML path of its `host`, so a message lands on the line Istio's ErrorLine would give.
import type { Destination, VirtualService, YamlPath } from '../model';

export interface AnnotatedDestination {
  /** `http`, `tcp`, `tls`, `http.mirror` or `http.mirrors`. */
  routeRule: string;
  serviceIndex: number;
  destinationIndex: number;
  destination: Destination;
  /** Path of the destination object (the map holding host, subset, port). */
  path: YamlPath;
}

type RouteList = { route?: { destination?: Destination }[] }[] | undefined;

export function routeDestinations(vs: VirtualService): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  const spec = vs.spec as Record<string, unknown>;
  for (const rule of ['tcp', 'tls', 'http'] as const) {
    const routes = (Array.isArray(spec[rule]) ? spec[rule] : []) as RouteList;
    routes?.forEach((r, i) => {
      (Array.isArray(r?.route) ? r.route : []).forEach((rd, j) => {
        // a route entry without a destination still counts: Istio looks up its empty host
        if (!rd || typeof rd !== 'object') return;
        const hasDestination = !!rd.destination && typeof rd.destination === 'object';
        const destination = hasDestination ? rd.destination! : { host: '' };
        out.push({
          routeRule: rule,
          serviceIndex: i,
          destinationIndex: j,
          destination,
          path: hasDestination ? ['spec', rule, i, 'route', j, 'destination'] : ['spec', rule, i, 'route', j],
        });
      });
    });
  }
  return out;
}

export function mirrorDestinations(vs: VirtualService): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  (Array.isArray(vs.spec.http) ? vs.spec.http : []).forEach((r, i) => {
    if (r?.mirror && typeof r.mirror === 'object') {
      out.push({
        routeRule: 'http.mirror',
        serviceIndex: i,
        destinationIndex: 0,
        destination: r.mirror,
        path: ['spec', 'http', i, 'mirror'],
      });
    }
    (Array.isArray(r?.mirrors) ? r.mirrors : []).forEach((m, j) => {
      if (!m?.destination || typeof m.destination !== 'object') return;
      out.push({
        routeRule: 'http.mirrors',
        serviceIndex: i,
        destinationIndex: j,
        destination: m.destination,
        path: ['spec', 'http', i, 'mirrors', j, 'destination'],
      });
    });
  });
  return out;
}

const FQDN = /^(.+)\.(.+)\.svc\.cluster\.local$/;

/** util.ConvertHostToFQDN: a bare name gets `.<ns>.svc.cluster.local`; wildcards and dotted names stay. */
export function convertHostToFQDN(namespace: string, host: string): string {
  return !host.startsWith('*') && !host.includes('.') ? `${host}.${namespace}.svc.cluster.local` : host;
}

/** util.GetResourceNameFromHost: `namespace/name` of the Service a host names (FQDN or short name). */
export function resourceNameFromHost(defaultNamespace: string, host: string): { namespace: string; name: string } {
  const [, name, namespace] = FQDN.exec(host) ?? [];
  if (name && namespace) return { namespace, name };
  return { namespace: defaultNamespace, name: host };
}

/** The Kubernetes Service a host names, if the host is a cluster-local Service name at all. */
export function clusterServiceName(
  vsNamespace: string,
  host: string,
): { namespace: string; name: string; fqdn: string } | undefined {
  const fqdn = convertHostToFQDN(vsNamespace, host);
  const [, name, namespace] = FQDN.exec(fqdn) ?? [];
  return name && namespace ? { namespace, name, fqdn } : undefined;
}
