// The Accepted and ResolvedRefs conditions Istio writes on routes (HTTP, gRPC, TLS, TCP) and Gateways, computed
// offline by the same translation the prediction uses (src/istio/gatewayApi.ts) and placed on the value at
// fault: the parentRef, sectionName or port that names nothing, the hostnames no listener takes, the
// backendRef that does not exist or lacks a ReferenceGrant, a listener's certificateRef that is not a Secret,
// does not exist, holds no valid key pair (its facts, src/istio/secretFacts.ts) or lacks a ReferenceGrant.
import { translateGatewayApi } from '../gatewayApi';
import { namespaceOf } from '../model';
import { missingIsFinding, type AnalysisContext } from './context';
import type { Diagnostic } from './types';

/** The Gateway API reference's page for route and listener condition reasons. */
const SPEC_DOCS = 'https://gateway-api.sigs.k8s.io/reference/spec/#routeconditionreason';

export function analyzeGatewayApiStatus(ctx: AnalysisContext): Diagnostic[] {
  const inputs = new Set([
    ...ctx.subject.httpRoutes,
    ...ctx.subject.grpcRoutes,
    ...ctx.subject.tlsRoutes,
    ...ctx.subject.tcpRoutes,
    ...ctx.subject.k8sGateways,
  ]);
  if (!inputs.size) return [];
  const out: Diagnostic[] = [];
  for (const c of translateGatewayApi(ctx.world).conditions) {
    if (!inputs.has(c.object)) continue;
    if (!missingIsFinding(ctx, c.missing)) continue;
    const range = c.object.rangeAt(c.path);
    out.push({
      code: c.reason,
      name: `${c.type}=False`,
      severity: c.labOnly ? 'warning' : 'error',
      message: `${c.type}=False (${c.reason}): ${c.message}`,
      file: c.object.file,
      range,
      object: { kind: c.object.kind, name: c.object.metadata.name, namespace: namespaceOf(c.object) },
      docsUrl: SPEC_DOCS,
      source: c.labOnly ? 'ingress-lab' : 'istio',
    });
  }
  return out;
}
