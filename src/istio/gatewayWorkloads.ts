// Which gateway proxies the inputs describe, and how a Gateway server port becomes a listener port.
// Istio resolves a server port through the gateway Service (port -> targetPort); with no Service at
// hand we assume the Service that Istio's default profile installs for istio-ingressgateway.
import { namespaceOf, type Deployment, type Gateway, type Service, type ServicePort } from './model';

export interface GatewayWorkload {
  /** `namespace/name` of the gateway Service (or of the assumed default). */
  id: string;
  namespace: string;
  /** Labels the gateway pods carry, as far as the inputs tell. */
  labels: Record<string, string>;
  ports: ServicePort[];
  service?: Service;
  /** True when nothing in the inputs describes this gateway and Istio's default was assumed. */
  assumed: boolean;
}

export const DEFAULT_INGRESS: GatewayWorkload = {
  id: 'istio-system/istio-ingressgateway',
  namespace: 'istio-system',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  ports: [
    { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP' },
    { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' },
    { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
  ],
  assumed: true,
};

export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function podLabels(svc: Service, deployments: Deployment[]): Record<string, string> {
  const selector = svc.spec.selector ?? {};
  const dep = deployments.find(
    (d) =>
      namespaceOf(d) === namespaceOf(svc) &&
      Object.keys(selector).length > 0 &&
      selectorMatches(selector, d.spec.template?.metadata?.labels ?? {}),
  );
  return { ...(dep?.spec.template?.metadata?.labels ?? {}), ...selector };
}

/**
 * The gateway proxies that the Gateways select: Services in the inputs whose pods a Gateway selector
 * matches, else Istio's default ingress gateway when a selector fits it, else a proxy with no Service
 * (ports used as they are, as Istio does when no Service port matches).
 */
export function findGatewayWorkloads(
  gateways: Gateway[],
  services: Service[],
  deployments: Deployment[],
): GatewayWorkload[] {
  const candidates: GatewayWorkload[] = services
    .filter((s) => Object.keys(s.spec.selector ?? {}).length > 0)
    .map((s) => ({
      id: `${namespaceOf(s)}/${s.metadata.name}`,
      namespace: namespaceOf(s),
      labels: podLabels(s, deployments),
      ports: s.spec.ports ?? [],
      service: s,
      assumed: false,
    }));
  const out: GatewayWorkload[] = [];
  const add = (w: GatewayWorkload) => {
    if (!out.some((o) => o.id === w.id)) out.push(w);
  };
  for (const gw of gateways) {
    const sel = gw.spec.selector ?? {};
    const matched = candidates.filter((c) => Object.keys(sel).length > 0 && selectorMatches(sel, c.labels));
    if (matched.length) matched.forEach(add);
    else if (selectorMatches(sel, DEFAULT_INGRESS.labels)) add(DEFAULT_INGRESS);
    else
      add({
        id: `${namespaceOf(gw)}/<pods with ${
          Object.entries(sel)
            .map(([k, v]) => `${k}=${v}`)
            .join(',') || 'no selector'
        }>`,
        namespace: namespaceOf(gw),
        labels: { ...sel },
        ports: [],
        assumed: true,
      });
  }
  return out;
}

/** Container port number behind a named targetPort, from the Deployment behind the Service. */
function namedTargetPort(w: GatewayWorkload, name: string, deployments: Deployment[]): number | undefined {
  for (const d of deployments) {
    if (
      namespaceOf(d) !== w.namespace ||
      !selectorMatches(w.service?.spec.selector, d.spec.template?.metadata?.labels ?? {})
    )
      continue;
    for (const c of d.spec.template?.spec?.containers ?? []) {
      const p = c.ports?.find((cp) => cp.name === name);
      if (p) return p.containerPort;
    }
  }
  return undefined;
}

/** resolvePorts with the legacy selector: the first Service port equal to the server port gives its targetPort. */
export function resolveListenerPort(w: GatewayWorkload, serverPort: number, deployments: Deployment[]): number {
  const sp = w.ports.find((p) => p.port === serverPort);
  if (!sp) return serverPort;
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  if (typeof sp.targetPort === 'string' && /^\d+$/.test(sp.targetPort)) return Number(sp.targetPort);
  if (typeof sp.targetPort === 'string') return namedTargetPort(w, sp.targetPort, deployments) ?? serverPort;
  return sp.port;
}
