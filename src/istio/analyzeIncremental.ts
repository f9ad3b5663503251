// analyzeDocuments for an editor that calls it after every edit: the same result, but a document whose text did
// not change is not read again, and an analyzer runs again on a document only when that document changed or
// when a kind of object it looks up (its `reads` in analyze.ts) changed in some document. The lists of the
// world are kept from one edit to the next for every kind no document changed, and so are the analyzers'
// indexes of them (ctx.indexOf). Pure: no I/O.
import {
  ANALYZERS,
  finishDiagnostics,
  type AnalyzeDocumentsOptions,
  type AnalyzeDocumentsResult,
  type Diagnostic,
} from './analyze';
import { analyzeSchemaValidation } from './analyzers/schemaValidation';
import { createContext, indexCache, mergeWorldKind, worldExtra, type AnalysisContext } from './analyzers/context';
import type { KubeObject, ResourceSet } from './model';
import { emptyResourceSet, SharedReads, type ReadResult } from './yamlModel';

type Kind = keyof ResourceSet;
const KINDS = Object.keys(emptyResourceSet()) as Kind[];

interface DocumentState {
  text: string;
  read: ReadResult;
  /** The kinds this document holds objects of. */
  kinds: Kind[];
  /** Per analyzer (index in ANALYZERS): its findings on this document, and the versions they were computed at. */
  findings: ({ versions: string; diagnostics: Diagnostic[] } | undefined)[];
}

/** What the last update did, for the log and the tests. */
export interface IncrementalStats {
  /** Documents read (new or changed text). */
  read: number;
  /** Documents whose findings were computed again by at least one analyzer. */
  analyzed: number;
  /** Whether nothing changed since the last update (the same result object is returned). */
  unchanged: boolean;
}

export class IncrementalAnalysis {
  private documents = new Map<string, DocumentState>();
  private order: string[] = [];
  /** Bumped for a kind whenever a document holding that kind (before or after) changes. */
  private versions = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  private inputs: ResourceSet = emptyResourceSet();
  private world: ResourceSet = emptyResourceSet();
  private indexOf = indexCache();
  private global: { versions: string; diagnostics: Diagnostic[] }[] = [];
  private optionsKey: unknown[] = [];
  private last: AnalyzeDocumentsResult | undefined;
  stats: IncrementalStats = { read: 0, analyzed: 0, unchanged: false };

  /** `reads`: shared with another reader of the same texts (the editor's lenses), so each edit is read once. */
  constructor(private readonly reads = new SharedReads()) {}

  /** The same result as analyzeDocuments(texts, options). */
  update(texts: ReadonlyMap<string, string>, options: AnalyzeDocumentsOptions = {}): AnalyzeDocumentsResult {
    const steps = this.steps(texts, options);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The same, with `pause()` awaited after `firstSliceMs` of work and then after every `sliceMs`: a first
   * analysis of a large workspace leaves the editor's thread to other work (the first lenses) in between, while
   * the analysis after an edit (one document) runs in one go. No other update may run meanwhile.
   */
  async updateInSlices(
    texts: ReadonlyMap<string, string>,
    options: AnalyzeDocumentsOptions,
    pause: () => Promise<void>,
    { sliceMs = 15, firstSliceMs = 60 }: { sliceMs?: number; firstSliceMs?: number } = {},
  ): Promise<AnalyzeDocumentsResult> {
    const steps = this.steps(texts, options);
    let sliceStart = Date.now();
    let slice = firstSliceMs;
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (Date.now() - sliceStart < slice) continue;
      await pause();
      sliceStart = Date.now();
      slice = sliceMs;
    }
  }

  /** The update, one document (read, or analyzed by one analyzer) per step. */
  private *steps(
    texts: ReadonlyMap<string, string>,
    options: AnalyzeDocumentsOptions,
  ): Generator<void, AnalyzeDocumentsResult> {
    const { defaultNamespace = 'default', ...rest } = options;
    const optionsKey = [defaultNamespace, rest.assumeComplete, rest.clusterResources, rest.readProblems];
    if (optionsKey.some((v, i) => v !== this.optionsKey[i])) this.reset(optionsKey);

    // after a reset every kind is new (the world holds the cluster's objects of kinds no document has)
    const changed = new Set<Kind>(this.last ? [] : KINDS);
    let read = 0;
    for (const [file, text] of texts) {
      const before = this.documents.get(file);
      if (before?.text === text) continue;
      const r = this.reads.read(text, file, { defaultNamespace, validate: true });
      const kinds = KINDS.filter((k) => r.resources[k].length > 0);
      for (const k of [...(before?.kinds ?? []), ...kinds]) changed.add(k);
      this.documents.set(file, { text, read: r, kinds, findings: [] });
      read++;
      yield;
    }
    for (const [file, state] of this.documents) {
      if (texts.has(file)) continue;
      for (const k of state.kinds) changed.add(k);
      this.documents.delete(file);
    }
    const order = [...texts.keys()];
    const sameOrder = order.length === this.order.length && order.every((f, i) => f === this.order[i]);
    if (!sameOrder) {
      // The world's order decides the order of related locations and fixes: documents that swapped places
      // change every kind. (Documents added or removed changed the kinds they hold, above.)
      const before = new Set(this.order);
      const kept = order.filter((f) => before.has(f));
      const previous = this.order.filter((f) => texts.has(f));
      if (kept.some((f, i) => f !== previous[i])) for (const k of KINDS) changed.add(k);
    }
    this.order = order;
    if (this.last && sameOrder && read === 0 && !changed.size) {
      this.stats = { read: 0, analyzed: 0, unchanged: true };
      return this.last;
    }
    // Offline, istioctl's default ingress (a Service and its Deployment) comes and goes with the inputs' Services.
    if (changed.has('services') && !rest.clusterResources) changed.add('deployments');
    for (const k of changed) this.versions.set(k, (this.versions.get(k) ?? 0) + 1);
    this.rebuild(changed, rest);

    const sourceText = (f: string) => texts.get(f);
    const base = createContext(this.inputs, { ...rest, sourceText }, { world: this.world, indexOf: this.indexOf });
    const all: Diagnostic[] = [...analyzeSchemaValidation(rest.readProblems ?? [])];
    const analyzed = new Set<string>();
    for (const [i, analyzer] of ANALYZERS.entries()) {
      if (analyzer.reads === 'all') {
        const versions = this.versionsKey(KINDS);
        if (this.global[i]?.versions !== versions) this.global[i] = { versions, diagnostics: analyzer.run(base) };
        all.push(...(this.global[i]?.diagnostics ?? []));
        continue;
      }
      const versions = this.versionsKey(analyzer.reads);
      for (const file of order) {
        const doc = this.documents.get(file);
        if (!doc) continue;
        let found = doc.findings[i];
        if (found?.versions !== versions) {
          const ctx: AnalysisContext = { ...base, subject: doc.read.resources };
          found = doc.findings[i] = { versions, diagnostics: analyzer.run(ctx) };
          analyzed.add(file);
          yield;
        }
        all.push(...found.diagnostics);
      }
    }
    this.stats = { read, analyzed: analyzed.size, unchanged: false };
    this.last = {
      diagnostics: finishDiagnostics(this.inputs, all),
      problems: order.flatMap((f) => this.documents.get(f)?.read.problems ?? []),
    };
    return this.last;
  }

  private reset(optionsKey: unknown[]): void {
    this.documents.clear();
    this.order = [];
    this.global = [];
    this.indexOf = indexCache();
    this.optionsKey = optionsKey;
    this.last = undefined;
  }

  private versionsKey(kinds: readonly Kind[]): string {
    return kinds.map((k) => this.versions.get(k)).join(',');
  }

  /** New lists for the kinds that changed, in document order; the others (and their indexes) stay. */
  private rebuild(changed: ReadonlySet<Kind>, options: Omit<AnalyzeDocumentsOptions, 'defaultNamespace'>): void {
    const inputs = { ...this.inputs };
    for (const k of changed)
      (inputs[k] as KubeObject[]) = this.order.flatMap(
        (f): KubeObject[] => this.documents.get(f)?.read.resources[k] ?? [],
      );
    this.inputs = inputs;
    const extra = worldExtra(inputs, options);
    const world = { ...this.world };
    for (const k of changed) {
      (world[k] as KubeObject[]) = extra
        ? mergeWorldKind(inputs[k] as KubeObject[], extra[k] as KubeObject[])
        : (inputs[k] as KubeObject[]);
    }
    this.world = world;
  }
}
