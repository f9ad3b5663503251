// The address each gateway last answered at, so later steps, send lenses and traces need not find it again:
// one cache for the istio ingress gateway (the article's sample) and every Gateway API Gateway, keyed by
// the gateway. Cleared when the cluster, the gateway setting or the ingress setting changes
// (src/lab/invalidation.ts, 'ingress.address').
import { GATEWAY_API_GATEWAY } from './scaffold';
import type { SampleVariant } from './steps';

/** The istio ingress gateway the settings select, or one Gateway API Gateway. */
export type GatewayKey = { kind: 'ingress' } | { kind: 'gateway'; namespace: string; name: string };

export const INGRESS_GATEWAY: GatewayKey = { kind: 'ingress' };

/** The gateway a walkthrough's requests go through: the ingress gateway, or the sample's own Gateway. */
export function sampleGateway(variant: SampleVariant, sampleNamespace: string): GatewayKey {
  return variant === 'gatewayApi'
    ? { kind: 'gateway', namespace: sampleNamespace, name: GATEWAY_API_GATEWAY }
    : INGRESS_GATEWAY;
}

const keyOf = (k: GatewayKey) => (k.kind === 'ingress' ? 'ingress' : `gateway:${k.namespace}/${k.name}`);

export class GatewayAddresses {
  private readonly byGateway = new Map<string, string>();

  get(gateway: GatewayKey): string | undefined {
    return this.byGateway.get(keyOf(gateway));
  }

  set(gateway: GatewayKey, address: string): void {
    this.byGateway.set(keyOf(gateway), address);
  }

  /** After a namespace is deleted: its Gateways (and their Services' addresses) are gone. */
  forgetNamespace(namespace: string): void {
    for (const key of this.byGateway.keys()) if (key.startsWith(`gateway:${namespace}/`)) this.byGateway.delete(key);
  }

  forget(gateway: GatewayKey): void {
    this.byGateway.delete(keyOf(gateway));
  }

  clear(): void {
    this.byGateway.clear();
  }
}
