// `istioctl analyze`, offline, for the objects the lab reads: each of Istio's analyzers that concern an
// ingress route (one small module each under ./analyzers), with Istio's codes, levels and wording, placed on
// the exact YAML range, with quick fixes where the fix is clear. Pure: no I/O.
import { namespaceOf, type KubeObject, type ResourceSet, type YamlProblem } from './model';
import { mergeResourceSets, readResources } from './yamlModel';
import { analyzeAuthorizationPolicies } from './analyzers/authorizationPolicies';
import { analyzeConflictingGateways } from './analyzers/conflictingGateways';
import { createContext, type AnalysisContext, type AnalyzeOptions } from './analyzers/context';
import { analyzeDestinationHosts } from './analyzers/destinationHosts';
import { analyzeDestinationSubsets } from './analyzers/destinationSubsets';
import { analyzeGatewayPorts } from './analyzers/gatewayPorts';
import { analyzeGatewaySecrets } from './analyzers/gatewaySecrets';
import { analyzeSchemaValidation } from './analyzers/schemaValidation';
import type { Diagnostic, Severity } from './analyzers/types';
import { analyzeUnreachableRules } from './analyzers/unreachableRules';
import { analyzeGatewaySchemaWarnings } from './analyzers/schemaWarnings';
import { analyzeUnreachableTcpTlsRules } from './analyzers/unreachableTcpTls';
import { analyzeVirtualServiceGateways } from './analyzers/vsGateways';
import { analyzeBackendTlsPolicies } from './analyzers/backendTlsPolicy';
import { analyzeGatewayApiStatus } from './analyzers/gatewayApiStatus';

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

/**
 * One analyzer, and what its findings on one document's objects depend on besides that document: the kinds
 * of the world it looks up (`all`: the whole world at once, run on every input together). The incremental
 * analysis (analyzeIncremental.ts) runs an analyzer again for a document only when one of these changed.
 */
export interface Analyzer {
  run(ctx: AnalysisContext): Diagnostic[];
  reads: readonly (keyof ResourceSet)[] | 'all';
}

/** In istioctl's order; the result is sorted anyway, the order only decides which of two equal findings stays. */
export const ANALYZERS: readonly Analyzer[] = [
  { run: analyzeConflictingGateways, reads: ['gateways', 'deployments'] },
  { run: analyzeGatewayPorts, reads: ['deployments', 'services'] },
  { run: analyzeGatewaySecrets, reads: ['deployments', 'secrets'] },
  { run: analyzeVirtualServiceGateways, reads: ['gateways'] },
  { run: analyzeDestinationHosts, reads: ['services', 'serviceEntries'] },
  { run: analyzeDestinationSubsets, reads: ['destinationRules'] },
  { run: analyzeGatewayApiStatus, reads: 'all' },
  { run: analyzeAuthorizationPolicies, reads: ['deployments', 'namespaces'] },
  {
    run: analyzeBackendTlsPolicies,
    reads: [
      'services',
      'serviceEntries',
      'configMaps',
      'secrets',
      'backendTlsPolicies',
      'httpRoutes',
      'grpcRoutes',
      'tlsRoutes',
      'tcpRoutes',
    ],
  },
  {
    run: (ctx) => ctx.subject.virtualServices.flatMap((vs) => analyzeUnreachableRules(vs, ctx.sourceText(vs.file))),
    reads: [],
  },
  { run: (ctx) => ctx.subject.virtualServices.flatMap((vs) => analyzeUnreachableTcpTlsRules(vs)), reads: [] },
  { run: (ctx) => ctx.subject.gateways.flatMap((gw) => analyzeGatewaySchemaWarnings(gw)), reads: [] },
];

/** Analyzes `resources` (the objects to report on); references are also looked up in `clusterResources`. */
export function analyze(resources: ResourceSet, options: AnalyzeOptions = {}): Diagnostic[] {
  const ctx = createContext(resources, options);
  const all: Diagnostic[] = [
    ...analyzeSchemaValidation(options.readProblems ?? []),
    ...ANALYZERS.flatMap((a) => a.run(ctx)),
  ];
  return finishDiagnostics(resources, all);
}

/** Istio's per-object opt-out applied, then istioctl's order and dedupe. */
export function finishDiagnostics(resources: ResourceSet, all: readonly Diagnostic[]): Diagnostic[] {
  const suppress = suppressions(resources);
  return sortAndDedupe(all.filter((d) => !suppressed(suppress, d)));
}

/** Istio's per-object opt-out: `galley.istio.io/analyze-suppress: "IST0101,IST0132"` (or `*`). */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

const objectKey = (kind: string, namespace: string, name: string) => `${kind}|${namespace}|${name}`;

/** The annotation of the first object of each kind/namespace/name (the kinds diagnostics are put on). */
function suppressions(resources: ResourceSet): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const o of [
    ...resources.virtualServices,
    ...resources.gateways,
    ...resources.authorizationPolicies,
  ] as KubeObject[]) {
    const key = objectKey(o.kind, namespaceOf(o), o.metadata.name);
    if (!out.has(key)) out.set(key, o.metadata.annotations?.[SUPPRESS_ANNOTATION]);
  }
  return out;
}

function suppressed(suppress: Map<string, unknown>, d: Diagnostic): boolean {
  const value = suppress.get(objectKey(d.object.kind, d.object.namespace, d.object.name));
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

/** The object as istioctl names it: `VirtualService simple/simple`, a cluster-scoped one `Namespace simple`. */
export const friendlyName = (d: Diagnostic): string =>
  d.object.namespace ? `${d.object.kind} ${d.object.namespace}/${d.object.name}` : `${d.object.kind} ${d.object.name}`;

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
