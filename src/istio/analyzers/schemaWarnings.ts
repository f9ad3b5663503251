// IST0133 SchemaWarning, as istioctl analyze's schema.ValidationAnalyzer reports the warnings of Istio's validation
// (the object is accepted): `Schema validation warning: <what>`, on the object's first line as istioctl names it;
// the editor underlines the field. Gateways only: their TLS warnings (validate/istioRules.ts gatewayWarnings).
import type { Gateway } from '../model';
import { pathText } from '../validate';
import { gatewayWarnings } from '../validate/istioRules';
import { objectRef } from './context';
import { makeDiagnostic, type Diagnostic } from './types';

export function analyzeGatewaySchemaWarnings(gw: Gateway): Diagnostic[] {
  return gatewayWarnings(gw.spec as Record<string, unknown>).map((w) =>
    makeDiagnostic({
      code: 'IST0133',
      // Istio's text after the field it is about, as the IST0106 lines name theirs
      args: [`${pathText(w.path)}: ${w.message}`],
      file: gw.file,
      range: gw.rangeAt([]),
      valueRange: gw.rangeAt(w.path),
      object: objectRef(gw),
    }),
  );
}
