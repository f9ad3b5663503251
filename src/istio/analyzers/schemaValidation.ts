// IST0106 SchemaValidationError, as istioctl analyze's schema.ValidationAnalyzer reports an object that Istio's
// validation refuses: `Schema validation error: <what>`, on the object (istioctl names its first line; the
// editor underlines the field). The object itself is left out of every other analyzer and of the prediction.
import type { YamlProblem } from '../model';
import { makeDiagnostic, type Diagnostic } from './types';

export function analyzeSchemaValidation(problems: readonly YamlProblem[]): Diagnostic[] {
  return problems.flatMap((p) =>
    p.invalid
      ? [
          makeDiagnostic({
            code: 'IST0106',
            args: [p.invalid.violation],
            file: p.file,
            range: p.invalid.objectRange,
            valueRange: p.range,
            object: p.invalid.object,
            // the webhook refuses it, istioctl analyze does not say so: the lab's own finding, in the same words
            ...(p.invalid.webhookOnly ? { source: 'ingress-lab' as const } : {}),
          }),
        ]
      : [],
  );
}
