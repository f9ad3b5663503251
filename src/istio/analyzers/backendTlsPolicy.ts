// The Accepted and ResolvedRefs conditions Istio writes False on a BackendTLSPolicy (src/istio/backendTlsPolicy.ts),
// placed on the field at fault: the targetRef that names nothing (or loses to an older policy on the same target),
// the CA reference that does not resolve (Istio then blocks the traffic), an unknown wellKnownCACertificates.
import { backendTlsPolicyFindings } from '../backendTlsPolicy';
import { namespaceOf } from '../model';
import { missingIsFinding, type AnalysisContext } from './context';
import type { Diagnostic } from './types';

/** The Gateway API reference's page for policy condition reasons. */
const SPEC_DOCS = 'https://gateway-api.sigs.k8s.io/reference/spec/#policyconditionreason';

export function analyzeBackendTlsPolicies(ctx: AnalysisContext): Diagnostic[] {
  const inputs = new Set(ctx.subject.backendTlsPolicies);
  if (!inputs.size) return [];
  const out: Diagnostic[] = [];
  for (const f of backendTlsPolicyFindings(ctx.world)) {
    if (!inputs.has(f.policy)) continue;
    if (!missingIsFinding(ctx, f.missing)) continue;
    out.push({
      code: f.reason,
      name: `${f.type}=False`,
      severity: 'error',
      message: `${f.type}=False (${f.reason}): ${f.message}`,
      file: f.policy.file,
      range: f.policy.rangeAt(f.path),
      object: { kind: f.policy.kind, name: f.policy.metadata.name, namespace: namespaceOf(f.policy) },
      docsUrl: SPEC_DOCS,
      source: 'istio',
    });
  }
  return out;
}
