// Istio's own analyzer tests as the bar: the cases of pkg/config/analysis/analyzers/analyzers_test.go
// (testGrid: name, input files, analyzer, expected messages) and their testdata, read from the pinned
// istio.io/istio module in the Go module cache (never copied), for the analyzers whose codes the lab claims.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeAuthorizationPolicies } from '../../../src/istio/analyzers/authorizationPolicies';
import { analyzeConflictingGateways } from '../../../src/istio/analyzers/conflictingGateways';
import { createContext, type AnalysisContext } from '../../../src/istio/analyzers/context';
import { analyzeDestinationHosts } from '../../../src/istio/analyzers/destinationHosts';
import { analyzeDestinationSubsets } from '../../../src/istio/analyzers/destinationSubsets';
import { analyzeGatewayPorts } from '../../../src/istio/analyzers/gatewayPorts';
import { analyzeGatewaySecrets } from '../../../src/istio/analyzers/gatewaySecrets';
import type { Diagnostic } from '../../../src/istio/analyzers/types';
import { analyzeUnreachableRules } from '../../../src/istio/analyzers/unreachableRules';
import { analyzeUnreachableTcpTlsRules } from '../../../src/istio/analyzers/unreachableTcpTls';
import { analyzeVirtualServiceGateways } from '../../../src/istio/analyzers/vsGateways';
import { mergeResourceSets, readResources } from '../../../src/istio/yamlModel';
import { istioModuleDir } from './istioTestdata';

/** Istio message names -> the codes the lab claims. */
export const CLAIMED: Record<string, string> = {
  ReferencedResourceNotFound: 'IST0101',
  VirtualServiceDestinationPortSelectorRequired: 'IST0112',
  NoMatchingWorkloadsFound: 'IST0127',
  VirtualServiceUnreachableRule: 'IST0130',
  VirtualServiceIneffectiveMatch: 'IST0131',
  VirtualServiceHostNotFoundInGateway: 'IST0132',
  ConflictingGateways: 'IST0145',
  InvalidGatewayCredential: 'IST0161',
  GatewayPortNotDefinedOnService: 'IST0162',
  ReferencedInternalGateway: 'IST0165',
};

/** Each Istio analyzer of the grid -> the lab's check for the same thing (undefined: not built yet). */
export const LAB_ANALYZERS: Record<string, ((ctx: AnalysisContext) => Diagnostic[]) | undefined> = {
  'authz.AuthorizationPoliciesAnalyzer': analyzeAuthorizationPolicies,
  'gateway.IngressGatewayPortAnalyzer': analyzeGatewayPorts,
  'gateway.ConflictingGatewayAnalyzer': analyzeConflictingGateways,
  'gateway.SecretAnalyzer': analyzeGatewaySecrets,
  'virtualservice.DestinationHostAnalyzer': analyzeDestinationHosts,
  'virtualservice.DestinationRuleAnalyzer': analyzeDestinationSubsets,
  'virtualservice.GatewayAnalyzer': analyzeVirtualServiceGateways,
  'schemaValidation.CollectionValidationAnalyzer': (ctx) =>
    ctx.inputs.virtualServices.flatMap((vs) => [
      ...analyzeUnreachableRules(vs, ctx.sourceText(vs.file)),
      ...analyzeUnreachableTcpTlsRules(vs),
    ]),
};

export interface GridCase {
  name: string;
  analyzer: string;
  inputFiles: string[];
  /** `<code> <origin>` for each expected message of a claimed code (origin as Istio's FriendlyName). */
  expected: string[];
}

export const analyzersDir = (): string => join(istioModuleDir(), 'pkg/config/analysis/analyzers');

/** The testGrid entries of analyzers_test.go whose analyzer has a counterpart in LAB_ANALYZERS. */
export function readGrid(): GridCase[] {
  const src = readFileSync(join(analyzersDir(), 'analyzers_test.go'), 'utf8');
  const grid = /\nvar testGrid = \[\]testCase\{\n([\s\S]*?)\n\}\n/.exec(src)?.[1];
  if (!grid) throw new Error('analyzers_test.go has no testGrid: the pinned Istio version changed its test layout');
  const out: GridCase[] = [];
  for (const m of grid.matchAll(/\n?\t\{\n([\s\S]*?)\n\t\},/g)) {
    const body = m[1]!;
    const analyzer = /analyzer:\s*&?([\w.]+)/.exec(body)?.[1] ?? '';
    if (!(analyzer in LAB_ANALYZERS)) continue;
    out.push({
      name: /name:\s*"([^"]*)"/.exec(body)?.[1] ?? '?',
      analyzer,
      inputFiles: [...body.matchAll(/"(testdata\/[^"]+)"/g)].map((f) => f[1]!),
      expected: [...body.matchAll(/\{msg\.(\w+),\s*"([^"]*)"\}/g)]
        .filter((e) => CLAIMED[e[1]!])
        .map((e) => `${CLAIMED[e[1]!]} ${e[2]}`),
    });
  }
  return out;
}

/**
 * Istio's FriendlyName: `Kind namespace/name`, or `Kind name` for an object its file gives no namespace
 * (Istio's test source leaves the namespace empty).
 */
function origin(d: Diagnostic, namespaced: Set<string>): string {
  const k = `${d.object.kind}|${d.object.name}|${d.object.namespace}`;
  return namespaced.has(k)
    ? `${d.object.kind} ${d.object.namespace}/${d.object.name}`
    : `${d.object.kind} ${d.object.name}`;
}

export interface CaseResult {
  found: string[];
  missed: string[];
  /** Reported by the lab (source istio) but not expected by Istio. */
  falsePositives: string[];
}

/** Runs the lab's counterpart of the case's analyzer on its input files, as istioctl analyze offline would. */
export function runCase(c: GridCase): CaseResult {
  const texts = Object.fromEntries(c.inputFiles.map((f) => [f, readFileSync(join(analyzersDir(), f), 'utf8')]));
  const reads = Object.entries(texts).map(([f, t]) => readResources(t, f, {}));
  const resources = mergeResourceSets(...reads.map((r) => r.resources));
  const namespaced = new Set(
    Object.values(resources)
      .flat()
      .filter((o) => o.metadata.namespace)
      .map((o) => `${o.kind}|${o.metadata.name}|${o.metadata.namespace}`),
  );
  const check = LAB_ANALYZERS[c.analyzer];
  const ctx = createContext(resources, { assumeComplete: true, sourceText: (f) => texts[f] });
  const ours = (check ? check(ctx) : [])
    .filter((d) => d.source === 'istio')
    .map((d) => `${d.code} ${origin(d, namespaced)}`);
  const left = [...ours];
  const found: string[] = [];
  const missed: string[] = [];
  for (const e of c.expected) {
    const i = left.indexOf(e);
    if (i >= 0) {
      found.push(e);
      left.splice(i, 1);
    } else missed.push(e);
  }
  return { found, missed, falsePositives: left };
}
