// `istioctl analyze`, offline, for the objects the lab reads: each of Istio's analyzers that concern an
// ingress route (one small module each under ./analyzers), with Istio's codes, levels and wording, placed on
// the exact YAML range, with quick fixes where the fix is clear. Pure: no I/O.
import { namespaceOf, type KubeObject, type ResourceSet, type YamlProblem } from './model';
import { mergeResourceSets, readResources } from './yamlModel';
import { analyzeConflictingGateways } from './analyzers/conflictingGateways';
import { createContext, type AnalyzeOptions } from './analyzers/context';
import { analyzeDestinationHosts } from './analyzers/destinationHosts';
import { analyzeDestinationSubsets } from './analyzers/destinationSubsets';
import { analyzeGatewayPorts } from './analyzers/gatewayPorts';
import { analyzeGatewaySecrets } from './analyzers/gatewaySecrets';
import { analyzeSchemaValidation } from './analyzers/schemaValidation';
import type { Diagnostic, Severity } from './analyzers/types';
import { analyzeUnreachableRules } from './analyzers/unreachableRules';
import { analyzeUnreachableTcpTlsRules } from './analyzers/unreachableTcpTls';
import { analyzeVirtualServiceGateways } from './analyzers/vsGateways';

export type { AnalyzeOptions } from './analyzers/context';
export type {
  Diagnostic,
  IstioCode,
  ObjectRef,
  QuickFix,
  RelatedLocation,
  Severity,
  TextEdit,
} from './analyzers/types';
export { MESSAGE_TYPES } from './analyzers/types';
export { applyTextEdits } from './analyzers/textEdits';

const LEVEL_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const LEVEL_NAME: Record<Severity, string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** Analyzes `resources` (the objects to report on); references are also looked up in `clusterResources`. */
export function analyze(resources: ResourceSet, options: AnalyzeOptions = {}): Diagnostic[] {
  const ctx = createContext(resources, options);
  const all: Diagnostic[] = [
    ...analyzeSchemaValidation(options.readProblems ?? []),
    ...analyzeConflictingGateways(ctx),
    ...analyzeGatewayPorts(ctx),
    ...analyzeGatewaySecrets(ctx),
    ...analyzeVirtualServiceGateways(ctx),
    ...analyzeDestinationHosts(ctx),
    ...analyzeDestinationSubsets(ctx),
    ...resources.virtualServices.flatMap((vs) => analyzeUnreachableRules(vs, ctx.sourceText(vs.file))),
    ...resources.virtualServices.flatMap((vs) => analyzeUnreachableTcpTlsRules(vs)),
  ];
  return sortAndDedupe(all.filter((d) => !suppressed(resources, d)));
}

/** Istio's per-object opt-out: `galley.istio.io/analyze-suppress: "IST0101,IST0132"` (or `*`). */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

function suppressed(resources: ResourceSet, d: Diagnostic): boolean {
  const all: KubeObject[] = [...resources.virtualServices, ...resources.gateways];
  const o = all.find(
    (x) => x.kind === d.object.kind && x.metadata.name === d.object.name && namespaceOf(x) === d.object.namespace,
  );
  const value = o?.metadata.annotations?.[SUPPRESS_ANNOTATION];
  if (typeof value !== 'string' || value === '') return false;
  return value.split(',').some((c) => c === '*' || c === d.code);
}

export interface AnalyzeDocumentsOptions extends Omit<AnalyzeOptions, 'sourceText'> {
  /** Namespace for objects that name none (kubectl apply -n); default `default`. */
  defaultNamespace?: string;
}

export interface AnalyzeDocumentsResult {
  diagnostics: Diagnostic[];
  /** YAML that could not be read (the rest of each file still is). */
  problems: YamlProblem[];
}

/**
 * For an editor: reads every open/workspace YAML text (file name -> text) and analyzes them together, with
 * quick fixes computed from the same texts. Diagnostics land only on these files.
 */
export function analyzeDocuments(
  texts: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  options: AnalyzeDocumentsOptions = {},
): AnalyzeDocumentsResult {
  const entries: [string, string][] =
    texts instanceof Map
      ? [...(texts as ReadonlyMap<string, string>).entries()]
      : Object.entries(texts as Readonly<Record<string, string>>);
  const byFile = new Map(entries);
  const { defaultNamespace = 'default', ...rest } = options;
  const read = entries.map(([file, text]) => readResources(text, file, { defaultNamespace, validate: true }));
  const resources = mergeResourceSets(...read.map((r) => r.resources));
  return {
    diagnostics: analyze(resources, { ...rest, sourceText: (f) => byFile.get(f) }),
    problems: read.flatMap((r) => r.problems),
  };
}

/** The object as istioctl names it: `VirtualService simple/simple`. */
export const friendlyName = (d: Diagnostic): string => `${d.object.kind} ${d.object.namespace}/${d.object.name}`;

/** One line as `istioctl analyze` prints it (diag.Message.String), with our 1-based line. */
export function formatIstioctl(d: Diagnostic): string {
  return `${LEVEL_NAME[d.severity]} [${d.code}] (${friendlyName(d)} ${d.file}:${d.range.start.line + 1}) ${d.message}`;
}

/**
 * istioctl's order (Messages.Sort: level, code, kind/name/namespace, then the printed line) and its dedupe.
 * IST0130/IST0131 come from schema validation, which gives no line: istioctl prints one per message text.
 */
function sortAndDedupe(list: Diagnostic[]): Diagnostic[] {
  const comparator = (d: Diagnostic) => `${d.object.kind}/${d.object.name}/${d.object.namespace}`;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...list].sort(
    (a, b) =>
      LEVEL_ORDER[a.severity] - LEVEL_ORDER[b.severity] ||
      cmp(a.code, b.code) ||
      cmp(comparator(a), comparator(b)) ||
      cmp(formatIstioctl(a), formatIstioctl(b)),
  );
  const seen = new Set<string>();
  return sorted.filter((d) => {
    const lineless = d.code === 'IST0130' || d.code === 'IST0131';
    const key = `${d.code}|${comparator(d)}|${d.file}|${lineless ? '' : d.range.start.line}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
