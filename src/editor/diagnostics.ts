// Istio's analysis as editor diagnostics: every workspace YAML file (open editors' text winning over the disk,
// read through the workspace engine) analyzed together by src/istio/analyze.ts, and, when the workspace is
// trusted and the cluster answers, with the cluster's objects too, so a reference to something that exists
// only in the cluster is not flagged. Starts after the first YAML document opens, never during activation.
// After an edit only the edited document is read and analyzed again (src/istio/analyzeIncremental.ts), and
// only the files whose diagnostics changed are published.
import * as vscode from 'vscode';
import type { QuickFix } from '../istio/analyze';
import { IncrementalAnalysis } from '../istio/analyzeIncremental';
import type { Range, ResourceSet } from '../istio/model';
import { clusterResourceSet } from '../istio/yamlModel';
import { noneIfNotServed, type Cluster } from '../kube/index';
import type { LabContext } from './ctx';
import { itemKey, itemsByFile, type DiagnosticItem } from '../lab/diagnosticItems';
import { errorText } from './show';
import { toVsRange } from './vsRange';

export const COLLECTION_NAME = 'istio-ingress-lab';
/** Between edits in a burst; longer when the last analysis was slow (see debounceMs). */
const DEBOUNCE_MS = 25;
/** Cluster objects are read again after this long (or after the kubeconfig changes). */
const CLUSTER_TTL_MS = 60_000;
/** A cluster that does not answer quickly leaves the diagnostics offline rather than late. */
const CLUSTER_TIMEOUT_MS = 5_000;

const SEVERITY: Record<DiagnosticItem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

const isYaml = (d: vscode.TextDocument) => d.languageId === 'yaml';

function toVsDiagnostic(item: DiagnosticItem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(item.range), item.message, SEVERITY[item.severity]);
  d.source = item.source;
  if (item.unreachable) d.tags = [vscode.DiagnosticTag.Unnecessary];
  if (item.code) d.code = { value: item.code.value, target: vscode.Uri.parse(item.code.target) };
  if (item.related.length) {
    d.relatedInformation = item.related.map(
      (r) =>
        new vscode.DiagnosticRelatedInformation(
          new vscode.Location(vscode.Uri.parse(r.file), toVsRange(r.range)),
          r.message,
        ),
    );
  }
  return d;
}

/** The cluster's VirtualServices, Gateways, DestinationRules, Services and Deployments, read once per TTL. */
class ClusterObjects {
  private cluster: Cluster | undefined;
  private readAt = 0;
  private value: ResourceSet | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly ctx: LabContext,
    private readonly onRead: () => void,
  ) {}

  /** The last snapshot (undefined: offline); starts a new read in the background when it is stale. */
  current(): ResourceSet | undefined {
    if (!this.ctx.prompts.isTrusted()) return undefined;
    const cluster = this.ctx.getCluster();
    if (cluster !== this.cluster) {
      this.cluster = cluster;
      this.value = undefined;
      this.readAt = 0;
      this.reading = undefined; // a read of the old cluster still running is ignored when it ends
    }
    if (!this.reading && Date.now() - this.readAt > CLUSTER_TTL_MS) this.reading = this.read(cluster);
    return this.value;
  }

  forget(): void {
    this.readAt = 0;
  }

  private async read(cluster: Cluster): Promise<void> {
    const o = { timeoutMs: CLUSTER_TIMEOUT_MS };
    const before = this.value;
    try {
      // Services and Deployments must answer (else the cluster is not reachable); Istio's kinds may be absent.
      const [services, deployments, virtualServices, gateways, destinationRules] = await Promise.all([
        cluster.listServices('', o),
        cluster.listDeployments('', o),
        cluster.virtualServices(undefined, o).catch(noneIfNotServed),
        cluster.gateways(undefined, o).catch(noneIfNotServed),
        cluster.destinationRules(undefined, o).catch(noneIfNotServed),
      ]);
      if (cluster !== this.cluster) return;
      const set = clusterResourceSet([
        { kind: 'Service', apiVersion: 'v1', items: services },
        { kind: 'Deployment', apiVersion: 'apps/v1', items: deployments },
        { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', items: virtualServices },
        { kind: 'Gateway', apiVersion: 'networking.istio.io/v1', items: gateways },
        { kind: 'DestinationRule', apiVersion: 'networking.istio.io/v1', items: destinationRules },
      ]);
      this.value = set;
      this.ctx.log.info(
        `diagnostics: cluster objects read (${virtualServices.length} VirtualServices, ${gateways.length} Gateways, ${services.length} Services, ${deployments.length} Deployments)`,
      );
    } catch (e) {
      if (cluster !== this.cluster) return;
      if (before) this.ctx.log.info(`diagnostics: cluster not read, offline analysis only: ${errorText(e)}`);
      this.value = undefined;
    } finally {
      if (cluster === this.cluster) {
        this.readAt = Date.now();
        this.reading = undefined;
      }
    }
    if (before !== this.value) this.onRead();
  }
}

interface Published {
  diagnostic: vscode.Diagnostic;
  fixes: QuickFix[];
}

export class IstioDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(COLLECTION_NAME);
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly cluster: ClusterObjects;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly analysis: IncrementalAnalysis;
  /** How long the last analysis after an edit of one document took (the first, whole-workspace one is no guide). */
  private lastEditMs = 0;
  private lastRunEnded = 0;
  private readonly published = new Map<string, { key: string; entries: Map<string, Published> }>();

  constructor(private readonly ctx: LabContext) {
    this.analysis = new IncrementalAnalysis(ctx.engine.reads);
    this.cluster = new ClusterObjects(ctx, () => this.schedule(0));
    ctx.invalidation.register('diagnostics.clusterObjects', () => this.cluster.forget());
    const schedule = () => this.schedule();
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => isYaml(d) && this.schedule()),
      vscode.workspace.onDidChangeTextDocument(
        (e) => isYaml(e.document) && e.contentChanges.length > 0 && this.schedule(),
      ),
      vscode.workspace.onDidSaveTextDocument((d) => isYaml(d) && this.schedule()),
      vscode.workspace.onDidCloseTextDocument((d) => isYaml(d) && this.schedule()),
      vscode.workspace.onDidCreateFiles(schedule),
      vscode.workspace.onDidDeleteFiles(schedule),
      vscode.workspace.onDidRenameFiles(schedule),
      // Files changed on disk (saved elsewhere, created, deleted, renamed): the engine's watcher sees them.
      ctx.engine.onDidChange(schedule),
      // Every announced change (ctx.changed: another cluster, trust, settings, refresh) asks lenses to re-read.
      ctx.onDidChangeLenses(schedule),
    );
    // Off the activation path: the first analysis runs after the first YAML document is open.
    if (vscode.workspace.textDocuments.some(isYaml)) this.schedule();
  }

  /** The quick fixes of a diagnostic this collection published (found by code, range and message). */
  fixesFor(uri: vscode.Uri, d: vscode.Diagnostic): QuickFix[] {
    const code = typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
    return this.published.get(uri.toString())?.entries.get(itemKey(code, fromVsRange(d.range), d.message))?.fixes ?? [];
  }

  /**
   * How long to wait before analyzing: an edit after a pause is analyzed at once (the next turn of the event
   * loop, so the events of one change run one analysis), edits in a burst wait as long as the last analysis
   * took (at least 25 ms), so typing never keeps the extension host's thread busy.
   */
  private get debounceMs(): number {
    const wait = Math.max(DEBOUNCE_MS, this.lastEditMs);
    return !this.running && Date.now() - this.lastRunEnded > wait ? 0 : wait;
  }

  private schedule(delay = this.debounceMs): void {
    if (!this.started && !vscode.workspace.textDocuments.some(isYaml)) return;
    this.started = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.again = true;
        return;
      }
      this.running = this.run().finally(() => {
        this.running = undefined;
        this.lastRunEnded = Date.now();
        if (this.again) {
          this.again = false;
          this.schedule(0);
        }
      });
    }, delay);
  }

  private async run(): Promise<void> {
    try {
      const texts = await this.ctx.engine.yamlTexts();
      const clusterResources = this.cluster.current();
      const defaultNamespace = this.ctx.engine.defaultNamespace();
      const started = Date.now();
      // in slices after 60 ms: the first analysis of a large workspace must not hold back the first lenses
      const result = await this.analysis.updateInSlices(
        texts,
        { defaultNamespace, ...(clusterResources ? { clusterResources } : {}) },
        () => new Promise((resolve) => setImmediate(resolve)),
      );
      const { read, analyzed, unchanged } = this.analysis.stats;
      if (unchanged) return;
      const published = this.publish(itemsByFile(result, texts));
      const ms = Date.now() - started;
      if (read <= 1) this.lastEditMs = ms;
      this.ctx.log.debug(
        `diagnostics: ${texts.size} files ${clusterResources ? 'with' : 'without'} the cluster's objects in ${ms} ms ` +
          `(${read} read, ${analyzed} analyzed, ${published} published): ` +
          `${result.diagnostics.length} findings, ${result.problems.length} YAML problems`,
      );
    } catch (e) {
      this.ctx.log.error(`diagnostics: analysis failed: ${errorText(e)}`);
    }
  }

  /** Sets the diagnostics of the files whose items changed (VS Code redraws each file set); how many. */
  private publish(items: Map<string, DiagnosticItem[]>): number {
    let count = 0;
    for (const key of this.published.keys()) {
      if (!items.has(key)) {
        this.collection.delete(vscode.Uri.parse(key));
        this.published.delete(key);
        count++;
      }
    }
    for (const [file, list] of items) {
      const key = JSON.stringify(list);
      const before = this.published.get(file);
      // nothing to clear on a file never published: 200 clean files are not 200 messages to the window
      if (before?.key === key || (!before && !list.length)) continue;
      const entries = new Map<string, Published>();
      for (const item of list)
        entries.set(itemKey(item.code?.value, item.range, item.message), {
          diagnostic: toVsDiagnostic(item),
          fixes: item.fixes,
        });
      this.published.set(file, { key, entries });
      this.collection.set(
        vscode.Uri.parse(file),
        [...entries.values()].map((e) => e.diagnostic),
      );
      count++;
    }
    return count;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

const fromVsRange = (r: vscode.Range): Range => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});
