// IST0101 (host+subset, mirror+subset), as Istio's virtualservice.DestinationRuleAnalyzer
// (destinationrules.go): a destination's subset must be defined by a DestinationRule for the same
// `namespace/name` (hosts resolved with GetResourceNameFromHost on both sides).
//
// Offline, a subset is judged only when the inputs hold a DestinationRule for that host (or with
// assumeComplete): with none, the rule may simply live in the cluster.
import type { DestinationRule, VirtualService } from '../model';
import { list, objectRef, type AnalysisContext } from './context';
import { mirrorDestinations, resourceNameFromHost, routeDestinations, type AnnotatedDestination } from './destinations';
import { replaceRange, yamlScalar } from './textEdits';
import { makeDiagnostic, type Diagnostic } from './types';
import { namespaceOf } from '../model';

const key = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`;

function destinationRulesByHost(rules: readonly DestinationRule[]): Map<string, DestinationRule[]> {
  const byHost = new Map<string, DestinationRule[]>();
  for (const dr of rules) {
    if (typeof dr.spec.host !== 'string') continue;
    const k = key(resourceNameFromHost(namespaceOf(dr), dr.spec.host));
    const list = byHost.get(k);
    if (list) list.push(dr);
    else byHost.set(k, [dr]);
  }
  return byHost;
}

export function analyzeDestinationSubsets(ctx: AnalysisContext): Diagnostic[] {
  const rulesByHost = ctx.indexOf(ctx.world.destinationRules, 'byHost', destinationRulesByHost);
  const out: Diagnostic[] = [];
  for (const vs of ctx.subject.virtualServices) {
    for (const d of routeDestinations(vs)) check(ctx, vs, d, 'host+subset in destinationrule', rulesByHost, out);
    for (const d of mirrorDestinations(vs)) check(ctx, vs, d, 'mirror+subset in destinationrule', rulesByHost, out);
  }
  return out;
}

function check(
  ctx: AnalysisContext,
  vs: VirtualService,
  d: AnnotatedDestination,
  reftype: string,
  rulesByHost: Map<string, DestinationRule[]>,
  out: Diagnostic[],
) {
  const subset = d.destination.subset;
  if (typeof subset !== 'string' || subset === '' || typeof d.destination.host !== 'string') return;
  const rules = rulesByHost.get(key(resourceNameFromHost(namespaceOf(vs), d.destination.host))) ?? [];
  if (!rules.length && !ctx.complete('destinationRules')) return;
  const names = rules.flatMap((r) =>
    list(r.spec.subsets)
      .map((s) => s?.name)
      .filter((n): n is string => typeof n === 'string'),
  );
  if (names.includes(subset)) return;
  const range = vs.rangeAt([...d.path, 'subset']);
  out.push(
    makeDiagnostic({
      code: 'IST0101',
      args: [reftype, `${d.destination.host}+${subset}`],
      file: vs.file,
      range,
      object: objectRef(vs),
      fixes: [...new Set(names)].slice(0, 5).map((n) => ({
        title: `Change subset to ${n}`,
        edits: [replaceRange(vs.file, range, yamlScalar(n))],
        isPreferred: names.length === 1,
      })),
      related: rules.map((r) => ({
        file: r.file,
        range: r.rangeAt(['spec', 'subsets']),
        message: `subsets of DestinationRule ${namespaceOf(r)}/${r.metadata.name}`,
      })),
    }),
  );
}
