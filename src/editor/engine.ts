// Joins the engine's offline prediction to the workspace: every YAML file's resources, merged, predicted,
// then the routes of one document picked out. Cached per document version and workspace generation.
import * as vscode from 'vscode';
import { findWorkspaceYaml, readWorkspaceFile } from './workspaceYaml';
import { mergeResourceSets, SharedReads } from '../istio/yamlModel';
import { predict } from '../istio/predict';
import { predictL4Routes, type L4Route } from '../istio/l4Routes';
import type { ResourceSet, YamlProblem } from '../istio/model';
import type { NotOnGateway, PredictedRoute, Prediction } from '../istio/prediction';
import { gatewayRefs, type GatewayRef } from '../lab/liveRoutes';

export interface DocumentPrediction {
  routes: PredictedRoute[];
  /** The tcp[]/tls[] matches of this document that become filter chains (src/istio/l4Routes.ts). */
  l4Routes: L4Route[];
  notOnGateway: NotOnGateway[];
  problems: YamlProblem[];
  prediction: Prediction;
  /** Every object the prediction saw: this document's and, when it holds routes, the rest of the workspace's. */
  resources: ResourceSet;
  /** Namespace and selector of every Gateway the prediction saw, by `namespace/name` (for finding its pods). */
  gateways: Map<string, GatewayRef>;
}

const MAX_WORKSPACE_YAML = 500;

export class WorkspaceEngine implements vscode.Disposable {
  private readonly others = new Map<
    string,
    { mtime: number; text: string; resources: ResourceSet; namespace: string }
  >();
  private scanned: Promise<void> | undefined;
  /** Files created or changed on disk since the scan, loaded on the next prediction. */
  private readonly pending = new Map<string, vscode.Uri>();
  private generation = 0;
  // keyed by URI, valid for that very document object: an untitled document closed and opened again gets the
  // same URI and version 1, and must not see the old one's prediction
  private readonly docCache = new Map<string, { key: string; doc: vscode.TextDocument; value: DocumentPrediction }>();
  /** Predictions under way, so the providers asking for one document at once share one. */
  private readonly predicting = new Map<
    string,
    { key: string; doc: vscode.TextDocument; value: Promise<DocumentPrediction> }
  >();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** The last read of each file, shared with the diagnostics (both read the document being edited). */
  readonly reads = new SharedReads();
  /** Fires when another YAML file of the workspace changed (so lenses of open files may change too). */
  readonly onDidChange = this.changed.event;

  /**
   * `defaultNamespace` is where objects that name no namespace land: the namespace Deploy Sample applies
   * them to, so lenses, diagnostics and the cluster agree.
   */
  constructor(
    private readonly log: vscode.LogOutputChannel,
    readonly defaultNamespace: () => string,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}');
    const invalidate = (uri: vscode.Uri, deleted: boolean) => {
      if (!this.isCandidate(uri)) return;
      this.others.delete(uri.toString());
      if (deleted) this.pending.delete(uri.toString());
      else this.pending.set(uri.toString(), uri);
      this.generation++;
      this.changed.fire();
    };
    watcher.onDidChange((u) => invalidate(u, false), undefined, this.disposables);
    watcher.onDidCreate((u) => invalidate(u, false), undefined, this.disposables);
    watcher.onDidDelete((u) => invalidate(u, true), undefined, this.disposables);
    // A workspace file opened before the watcher has reported it (a file just written; a loaded machine once took
    // more than 20 s) is read now: the editor already shows it, so its objects count for the other files' lenses.
    vscode.workspace.onDidOpenTextDocument(
      (d) => {
        const key = d.uri.toString();
        if (d.languageId !== 'yaml' || d.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(d.uri)) return;
        if (this.others.has(key) || this.pending.has(key) || !this.scanned) return;
        invalidate(d.uri, false);
      },
      undefined,
      this.disposables,
    );
    this.disposables.push(watcher, this.changed);
  }

  private isCandidate(uri: vscode.Uri): boolean {
    return !/[\\/](node_modules|\.git)[\\/]/.test(uri.path);
  }

  private async scan(): Promise<void> {
    const started = Date.now();
    const files = await findWorkspaceYaml(MAX_WORKSPACE_YAML);
    const found = Date.now();
    await Promise.all(files.map((f) => this.loadFile(f)));
    this.log.info(
      `engine: workspace scanned: ${files.length} YAML files found in ${found - started} ms, read in ${Date.now() - found} ms`,
    );
  }

  private async loadFile(uri: vscode.Uri): Promise<void> {
    try {
      const { mtime, text } = await readWorkspaceFile(uri);
      const cached = this.others.get(uri.toString());
      if (cached && cached.mtime === mtime && cached.text === text) return;
      this.others.set(uri.toString(), { mtime, text, ...this.read(text, uri.toString()) });
    } catch (e) {
      this.log.debug(`engine: skipped ${uri.fsPath}: ${(e as Error).message}`);
    }
  }

  /** An open document's objects, from the read the lenses and diagnostics share (no second parse). */
  documentResources(doc: vscode.TextDocument): ResourceSet {
    return this.read(doc.getText(), doc.uri.toString()).resources;
  }

  private read(text: string, file: string): { resources: ResourceSet; namespace: string } {
    const namespace = this.defaultNamespace();
    return {
      resources: this.reads.read(text, file, { defaultNamespace: namespace, validate: true }).resources,
      namespace,
    };
  }

  /**
   * Starts the workspace scan now (at activation), so the first file opened does not wait for it; then predicts
   * the YAML editors already open, while VS Code still waits to ask for their lenses (its CodeLens debounce).
   */
  warm(): void {
    this.loaded().then(
      () => {
        for (const editor of vscode.window.visibleTextEditors) {
          const doc = editor.document;
          if (doc.languageId !== 'yaml' || !this.isCandidate(doc.uri)) continue;
          this.predictDocument(doc).catch((e: unknown) =>
            this.log.warn(`engine: prediction of ${doc.uri.fsPath} failed: ${String(e)}`),
          );
        }
      },
      (e: unknown) => this.log.warn(`engine: workspace scan failed: ${String(e)}`),
    );
  }

  /** Scans the workspace once, then loads the files changed on disk since. */
  private async loaded(): Promise<void> {
    this.scanned ??= this.scan();
    await this.scanned;
    if (this.pending.size) {
      const uris = [...this.pending.values()];
      this.pending.clear();
      await Promise.all(uris.map((u) => this.loadFile(u)));
    }
  }

  /**
   * Text of every workspace YAML file by URI, open editors' text winning over the disk (for the analyzer), plus
   * unsaved and untitled YAML editors. A file deleted on disk drops out even while its editor is still open.
   */
  async yamlTexts(): Promise<Map<string, string>> {
    await this.loaded();
    const out = new Map<string, string>();
    for (const [key, entry] of this.others) out.set(key, entry.text);
    for (const d of vscode.workspace.textDocuments) {
      if (d.languageId !== 'yaml' || !this.isCandidate(d.uri)) continue;
      const key = d.uri.toString();
      if (out.has(key) || d.uri.scheme === 'untitled' || (d.uri.scheme === 'file' && d.isDirty))
        out.set(key, d.getText());
    }
    return out;
  }

  /** Resources of every YAML file except `skip`, open editors' unsaved text winning over the disk. */
  private async workspaceResources(skip: string): Promise<ResourceSet[]> {
    await this.loaded();
    const open = new Map(
      vscode.workspace.textDocuments.filter((d) => d.languageId === 'yaml').map((d) => [d.uri.toString(), d] as const),
    );
    const sets: ResourceSet[] = [];
    for (const [key, entry] of this.others) {
      if (key === skip) continue;
      const doc = open.get(key);
      // the parse itself is cached per YAML document, so a re-read after a namespace change is cheap
      if (doc?.isDirty) {
        sets.push(this.read(doc.getText(), key).resources);
        continue;
      }
      if (entry.namespace !== this.defaultNamespace()) Object.assign(entry, this.read(entry.text, key));
      sets.push(entry.resources);
    }
    return sets;
  }

  async predictDocument(doc: vscode.TextDocument): Promise<DocumentPrediction> {
    const file = doc.uri.toString();
    const key = `${doc.version}:${this.generation}:${this.defaultNamespace()}`;
    const cached = this.docCache.get(file);
    if (cached?.key === key && cached.doc === doc) return cached.value;
    // the lens, drift and L4 providers (and warm()) ask for the same document at once: one prediction
    const running = this.predicting.get(file);
    if (running?.key === key && running.doc === doc) return running.value;
    const value = this.computePrediction(doc, file, key).finally(() => {
      if (this.predicting.get(file)?.value === value) this.predicting.delete(file);
    });
    this.predicting.set(file, { key, doc, value });
    return value;
  }

  private async computePrediction(doc: vscode.TextDocument, file: string, key: string): Promise<DocumentPrediction> {
    const own = this.reads.read(doc.getText(), file, { defaultNamespace: this.defaultNamespace(), validate: true });
    const routing =
      own.resources.virtualServices.length +
      own.resources.httpRoutes.length +
      own.resources.grpcRoutes.length +
      own.resources.tlsRoutes.length +
      own.resources.tcpRoutes.length;
    const others = routing ? await this.workspaceResources(file) : [];
    const merged = mergeResourceSets(own.resources, ...others);
    const prediction = predict(merged);
    const l4 = predictL4Routes(merged);
    const hasL4 = (n: NotOnGateway) =>
      n.http === undefined &&
      l4.some(
        (r) =>
          r.virtualService.name === n.virtualService.name && r.virtualService.namespace === n.virtualService.namespace,
      );
    const gateways = gatewayRefs(
      [...merged.gateways, ...(prediction.generatedGateways ?? [])],
      this.defaultNamespace(),
    );
    const value: DocumentPrediction = {
      gateways,
      routes: prediction.routes.filter((r) => r.file === file),
      l4Routes: l4.filter((r) => r.file === file),
      notOnGateway: prediction.notOnGateway.filter((n) => n.file === file && !hasL4(n)),
      problems: own.problems,
      prediction,
      resources: merged,
    };
    this.docCache.set(file, { key, doc, value });
    return value;
  }

  /** Every object of the workspace, read by the same namespace rule as the lenses (for the trace). */
  async resources(): Promise<ResourceSet> {
    return mergeResourceSets(...(await this.workspaceResources('')));
  }

  /** The prediction of the whole workspace (for showRoute and the request commands). */
  async predictWorkspace(): Promise<Prediction> {
    return predict(await this.resources());
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
