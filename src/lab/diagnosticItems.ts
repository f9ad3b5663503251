// What the Problems panel shows for each file, decided without VS Code (so it is unit-tested with node:test):
// the analyzer's diagnostics and the YAML problems of the files given, grouped by file. diagnostics.ts only
// turns these plain items into vscode.Diagnostic objects.
import type { AnalyzeDocumentsResult, Diagnostic, QuickFix } from '../istio/analyze';
import type { Range, YamlProblem } from '../istio/model';
import { splitDocuments } from '../istio/yamlModel';

export type ItemSeverity = 'error' | 'warning' | 'info';

export interface RelatedItem {
  file: string;
  range: Range;
  message: string;
}

export interface DiagnosticItem {
  range: Range;
  severity: ItemSeverity;
  message: string;
  /** Istio's code and its documentation page; YAML problems have none. */
  code?: { value: string; target: string };
  source: 'istio' | 'ingress-lab';
  /** A rule or match that can never be reached: VS Code fades it, as it does unreachable code. */
  unreachable: boolean;
  related: RelatedItem[];
  fixes: QuickFix[];
}

/** Source of the lab's own YAML messages (broken YAML, NBSP indentation, objects without a name). */
export const YAML_SOURCE = 'ingress-lab';

/**
 * Items per file for every file in `texts` (an empty list clears a file that is clean now). Related
 * locations outside `texts` (objects read from the cluster have no place in the editor) are dropped.
 */
export function itemsByFile(
  result: AnalyzeDocumentsResult,
  texts: ReadonlyMap<string, string>,
): Map<string, DiagnosticItem[]> {
  const out = new Map<string, DiagnosticItem[]>([...texts.keys()].map((f) => [f, []]));
  for (const d of result.diagnostics) out.get(d.file)?.push(fromDiagnostic(d, texts));
  for (const [file, problems] of groupByFile(result.problems)) {
    const list = out.get(file);
    if (!list || !looksLikeManifest(texts.get(file) ?? '')) continue;
    for (const p of firstProblemPerDocument(problems, texts.get(file) ?? '')) list.push(fromProblem(p));
  }
  return out;
}

/**
 * Whether the lab should report a file's broken YAML: Kubernetes manifests only. Other YAML (CI workflows,
 * compose files) is another extension's business, and Helm templates (`{{ ... }}`) are not YAML until rendered.
 */
export function looksLikeManifest(text: string): boolean {
  return /^\s*apiVersion\s*:/m.test(text) && /^\s*kind\s*:/m.test(text) && !text.includes('{{');
}

function fromDiagnostic(d: Diagnostic, texts: ReadonlyMap<string, string>): DiagnosticItem {
  return {
    range: d.valueRange ?? d.range,
    severity: d.severity,
    message: d.message,
    code: { value: d.code, target: d.docsUrl },
    source: d.source,
    unreachable: d.code === 'IST0130' || d.code === 'IST0131',
    related: (d.related ?? []).filter((r) => texts.has(r.file)),
    fixes: (d.fixes ?? []).filter((f) => f.edits.every((e) => texts.has(e.file))),
  };
}

function fromProblem(p: YamlProblem): DiagnosticItem {
  // Shown as errors, whatever the reader's level: a document that cannot be read is not analyzed at all.
  return {
    range: p.range,
    severity: 'error',
    message: p.message,
    source: YAML_SOURCE,
    unreachable: false,
    related: [],
    fixes: [],
  };
}

function groupByFile(problems: readonly YamlProblem[]): Map<string, YamlProblem[]> {
  const out = new Map<string, YamlProblem[]>();
  for (const p of problems) {
    const list = out.get(p.file) ?? [];
    list.push(p);
    out.set(p.file, list);
  }
  return out;
}

/**
 * One problem per YAML document: the parser reports the first mistake and then the confusion it causes
 * ("Nested mappings are not allowed", "Implicit keys need to be on a single line", "must end with a ]" for
 * one missing bracket); the first is the one on the line to fix.
 */
export function firstProblemPerDocument(problems: readonly YamlProblem[], text: string): YamlProblem[] {
  const starts = splitDocuments(text).map((c) => c.startLine);
  const documentOf = (line: number) => {
    let index = 0;
    starts.forEach((start, i) => {
      if (start <= line) index = i;
    });
    return index;
  };
  const byDocument = new Map<number, YamlProblem>();
  for (const p of problems) {
    const doc = documentOf(p.range.start.line);
    const kept = byDocument.get(doc);
    if (!kept || before(p.range, kept.range)) byDocument.set(doc, p);
  }
  return [...byDocument.values()].sort((a, b) => (before(a.range, b.range) ? -1 : 1));
}

const before = (a: Range, b: Range): boolean =>
  a.start.line < b.start.line || (a.start.line === b.start.line && a.start.character < b.start.character);

/** The key a diagnostic is found again by when VS Code hands it back to the code action provider. */
export const itemKey = (code: string | undefined, range: Range, message: string): string =>
  `${code ?? ''}|${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}|${message}`;
