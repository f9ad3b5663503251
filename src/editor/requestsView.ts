// The Requests view: the gateway's access log, followed through the API server (GET pods/log?follow),
// newest first. Each request shows its code and flags, why it got them (src/istio/accessLogExplain) and
// jumps to the VirtualService match behind it; a first row sums Envoy's failure counters (/stats).
// The tail runs while the view is visible (or a "send request" waits for its line); the outcome lenses
// read its records.
import * as vscode from 'vscode';
import type { AccessLogEntry } from '../envoy/accessLog';
import { FAILURE_STATS_FILTER, failureStatsLine, readFailureStats, type FailureStats } from '../envoy/stats';
import { explainEntry, type ExplainContext, type Explanation } from '../istio/accessLogExplain';
import { GATEWAY_NAME_LABEL } from '../istio/gatewayApi';
import { ClusterError, type PodRef } from '../kube';
import type { PodInfo } from '../kube/objects';
import { accessEntryOf, podChanges, podKey, requestLabel, RequestLog, type RequestRecord } from '../lab/requestLog';
import { commandId } from '../lab/steps';
import { UntrustedWorkspaceError, type LabContext } from './ctx';
import { errorText } from './show';

export const REQUESTS_VIEW_ID = 'istioIngressLab.requests';
/** The gateway pod's container that carries Envoy's stdout (Istio's proxy container). */
const PROXY_CONTAINER = 'istio-proxy';
/** How far back the view starts: the window of the outcome lenses. */
const SINCE_SECONDS = 300;
const SHOWN = 200;
/** How often the gateway pods are listed again: a new pod (a rollout, a new Gateway) is followed within this. */
const RESCAN_MS = 5000;

type Status = { kind: 'idle' } | { kind: 'following'; pods: string[] } | { kind: 'error'; message: string };

export class GatewayLogTail implements vscode.Disposable {
  readonly log = new RequestLog();
  private abort: AbortController | undefined;
  private status: Status = { kind: 'idle' };
  private stats: FailureStats | undefined;
  private statsError: string | undefined;
  private pending: { pod: PodInfo; line: string; entry: AccessLogEntry }[] = [];
  /** The pods followed now, by namespace/name, each with its own stop. */
  private readonly followers = new Map<string, { pod: PodInfo; abort: AbortController }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  /** Fires when the view has something new to show (records, counters, the tail's state). */
  readonly onDidChange = this.changedEmitter.event;
  private readonly recordsEmitter = new vscode.EventEmitter<void>();
  /** Fires after new records that point at a match in the YAML are explained (the outcome lenses read again). */
  readonly onDidAddRecords = this.recordsEmitter.event;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly ctx: LabContext) {}

  get following(): boolean {
    return this.abort !== undefined;
  }

  get state(): Status {
    return this.status;
  }

  get failureStats(): { stats?: FailureStats; error?: string } {
    return { stats: this.stats, error: this.statsError };
  }

  /** Starts following every gateway pod's log (the settings' namespace and selector); idempotent. */
  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.followers.clear();
    if (this.status.kind === 'following') this.setStatus({ kind: 'idle' });
  }

  /** Forget everything and follow again (e.g. another cluster). */
  restart(): void {
    const was = this.following;
    this.stop();
    this.log.clear();
    this.seen.clear();
    this.stats = undefined;
    this.statsError = undefined;
    this.changedEmitter.fire();
    if (was) this.start();
  }

  private setStatus(s: Status): void {
    this.status = s;
    this.changedEmitter.fire();
  }

  /**
   * The gateway pods whose logs are followed: the configured gateway's (namespace, selector, or the chosen
   * pod), and every pod Istio deployed for a Gateway API Gateway (labelled with its name), in any namespace.
   */
  private async gatewayPods(signal: AbortSignal): Promise<PodInfo[]> {
    const { gateway } = this.ctx.settings;
    const cluster = this.ctx.getCluster();
    const [configured, deployed] = await Promise.all([
      cluster.listPods(gateway.namespace, { labelSelector: gateway.selector, signal }),
      gateway.pod ? [] : cluster.listPods('', { labelSelector: GATEWAY_NAME_LABEL, signal }),
    ]);
    const mine = gateway.pod ? configured.filter((p) => p.name === gateway.pod) : configured;
    const byKey = new Map([...mine, ...deployed].map((p) => [podKey(p), p]));
    return [...byKey.values()];
  }

  /** Lists the gateway pods now and every RESCAN_MS: follows the new ones, lets go of the gone ones. */
  private async run(signal: AbortSignal): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      let pods: PodInfo[];
      try {
        pods = await this.gatewayPods(signal);
        if (first && !pods.length) {
          const { gateway } = this.ctx.settings;
          throw new Error(`no gateway pod in ${gateway.namespace} matches ${gateway.pod || gateway.selector}`);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.fail(e);
        return;
      }
      const { added, gone } = podChanges([...this.followers.keys()], pods);
      for (const key of gone) {
        this.followers.get(key)?.abort.abort();
        this.followers.delete(key);
        this.ctx.log.info(`requests: ${key} is gone; its log is no longer followed`);
      }
      for (const pod of added) {
        const abort = new AbortController();
        signal.addEventListener('abort', () => abort.abort(), { once: true });
        this.followers.set(podKey(pod), { pod, abort });
        void this.follow(pod, abort.signal);
      }
      if (first || added.length || gone.length) {
        this.setStatus({ kind: 'following', pods: [...this.followers.keys()] });
        this.statsPods = [...this.followers.values()].map(({ pod }) => ({ namespace: pod.namespace, name: pod.name }));
        void this.readStatsNow();
      }
      first = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RESCAN_MS);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  /** Follows one pod; when the server ends the stream (kwok, a kubelet restart) it follows again from a bit back. */
  private async follow(pod: PodInfo, signal: AbortSignal): Promise<void> {
    const key = podKey(pod);
    let since = SINCE_SECONDS;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await this.ctx.getCluster().followPodLog(pod, {
          container: PROXY_CONTAINER,
          sinceSeconds: since,
          signal,
          onLine: (line) => this.onLine(pod, line),
        });
      } catch (e) {
        if (signal.aborted) return;
        // A pod deleted while followed (a rollout) is let go at the next listing; nothing is wrong.
        if (e instanceof ClusterError && e.kind === 'not-found') {
          this.ctx.log.info(`requests: ${key} answered 404 (deleted?); waiting for the next listing`);
          return;
        }
        // 401, 403, a silent API server: shown in the view, not retried in a loop
        this.fail(e);
        return;
      }
      if (signal.aborted) return;
      this.ctx.log.info(`requests: the log of ${key} ended after ${Date.now() - started} ms; following again`);
      since = 10; // lines already seen are dropped by their text
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private fail(e: unknown): void {
    if (e instanceof UntrustedWorkspaceError) {
      this.setStatus({ kind: 'error', message: e.message });
      this.stop();
      return;
    }
    const message = errorText(e);
    this.ctx.log.warn(`requests: ${message}`);
    this.abort?.abort();
    this.abort = undefined;
    this.setStatus({ kind: 'error', message });
  }

  private onLine(pod: PodInfo, line: string): void {
    const entry = accessEntryOf(line);
    if (!entry) {
      this.log.otherLines++;
      return;
    }
    if (this.seen.has(line)) return;
    this.seen.add(line);
    if (this.seen.size > 5000) this.seen.clear();
    this.pending.push({ pod, line, entry });
    // Explained in batches: a burst of lines reads the live config and the workspace once.
    this.flushTimer ??= setTimeout(() => void this.flush(), 300);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    // Each line is explained by its own gateway's config: a Gateway API gateway's routes are not the ingress
    // gateway's. The workspace is read once per batch, each pod's Envoy once.
    const workspace = await this.workspaceContext();
    const contexts = new Map<string, Promise<ExplainContext>>();
    let atMatch = false;
    for (const { pod, line, entry } of batch) {
      const key = podKey(pod);
      let ctx = contexts.get(key);
      if (!ctx) contexts.set(key, (ctx = this.liveContext(pod, workspace)));
      let x: Explanation;
      try {
        x = explainEntry(entry, await ctx);
      } catch (e) {
        x = { cause: 'other', explanation: `Not explained: ${errorText(e)}`, details: [] };
      }
      this.log.add(key, line, entry, x);
      atMatch ||= x.yaml !== undefined;
    }
    this.changedEmitter.fire();
    // only these change an outcome lens; asking for the lenses again costs the user a click (see refreshLenses)
    if (atMatch) this.recordsEmitter.fire();
    for (const w of [...this.waiters]) w();
    if (this.abort) void this.readStatsNow();
  }

  private async workspaceContext(): Promise<ExplainContext> {
    try {
      return { resources: await this.ctx.engine.resources(), prediction: await this.ctx.engine.predictWorkspace() };
    } catch (e) {
      this.ctx.log.warn(`requests: the workspace YAML could not be read: ${errorText(e)}`);
      return {};
    }
  }

  /** The workspace's context plus the live config of the pod that logged the line. */
  private async liveContext(pod: PodInfo, workspace: ExplainContext): Promise<ExplainContext> {
    const live = await this.ctx.live.ofPod(pod).catch((e: unknown) => ({ ok: false as const, reason: errorText(e) }));
    if (live.ok) return { ...workspace, dump: live.gateway.dumpIndex, clusters: live.gateway.clustersIndex };
    this.ctx.log.info(`requests: explained from the prediction (no live config: ${live.reason})`);
    return workspace;
  }

  private statsPods: PodRef[] = [];

  /** Envoy's counters, summed over the followed gateway pods. */
  private async readStatsNow(): Promise<void> {
    try {
      const all = await Promise.all(
        this.statsPods.map((p) => this.ctx.getCluster().envoyAdmin(p).getStats(FAILURE_STATS_FILTER)),
      );
      const read = all.map(readFailureStats);
      this.stats = {
        noRoute: read.reduce((n, s) => n + s.noRoute, 0),
        upstream5xx: read.reduce((n, s) => n + s.upstream5xx, 0),
        connectFail: read.reduce((n, s) => n + s.connectFail, 0),
        nonZero: read.flatMap((s) => s.nonZero),
      };
      this.statsError = undefined;
    } catch (e) {
      this.statsError = errorText(e);
    }
    this.changedEmitter.fire();
  }

  /** The line of a request the lab just sent, once the gateway has logged it (Envoy flushes every second). */
  async waitForSent(
    sent: { host: string; path: string; sentAt: number },
    timeoutMs = 8000,
  ): Promise<RequestRecord | undefined> {
    this.start();
    const found = () => this.log.findSent(sent);
    const now = found();
    if (now) return now;
    return new Promise((resolve) => {
      const done = (r: RequestRecord | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(r);
      };
      const check = () => {
        const r = found();
        if (r) done(r);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiters.add(check);
    });
  }

  dispose(): void {
    this.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.changedEmitter.dispose();
    this.recordsEmitter.dispose();
  }
}

/** New requests change the outcome lenses: at most one lens refresh a second. */
export function onNewRequests(ctx: LabContext): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const sub = ctx.requests.onDidAddRecords(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      ctx.refreshLenses('new access log lines');
    }, 1000);
  });
  return {
    dispose() {
      sub.dispose();
      if (timer) clearTimeout(timer);
    },
  };
}

/** One request, a detail line, the counters, or the tail's state. */
type Node =
  | { kind: 'request'; record: RequestRecord }
  | { kind: 'fact'; text: string; record: RequestRecord }
  | { kind: 'stats' }
  | { kind: 'status' };

export class RequestsTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly tail: GatewayLogTail) {
    tail.onDidChange(() => this.emitter.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const head: Node[] = [{ kind: 'status' }, { kind: 'stats' }];
      return [
        ...head,
        ...this.tail.log
          .newestFirst()
          .slice(0, SHOWN)
          .map((record) => ({ kind: 'request' as const, record })),
      ];
    }
    if (node.kind !== 'request') return [];
    const x = node.record.explanation;
    return [
      ...x.details.map((text) => ({ kind: 'fact' as const, text, record: node.record })),
      { kind: 'fact' as const, text: node.record.raw, record: node.record },
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'status') {
      const s = this.tail.state;
      const item = new vscode.TreeItem(
        s.kind === 'following'
          ? `following ${s.pods.join(', ')}`
          : s.kind === 'error'
            ? `⚠ ${s.message}`
            : 'not following the gateway log',
      );
      item.description = `${this.tail.log.size} requests, ${this.tail.log.otherLines} other lines`;
      item.tooltip =
        s.kind === 'error' ? s.message : 'GET pods/log?follow=true on the gateway pods (container istio-proxy)';
      item.iconPath = new vscode.ThemeIcon(
        s.kind === 'error' ? 'warning' : s.kind === 'following' ? 'pulse' : 'debug-pause',
      );
      if (s.kind !== 'following') item.command = { title: 'Follow', command: commandId('followGatewayLog') };
      return item;
    }
    if (node.kind === 'stats') {
      const { stats, error } = this.tail.failureStats;
      const item = new vscode.TreeItem(stats ? `Envoy: ${failureStatsLine(stats)}` : 'Envoy: counters not read yet');
      if (error) item.description = `⚠ ${error}`;
      item.tooltip = stats?.nonZero.map((c) => `${c.stat} ${c.value}`).join('\n') || error || '/stats';
      item.iconPath = new vscode.ThemeIcon('graph');
      return item;
    }
    if (node.kind === 'fact') {
      const item = new vscode.TreeItem(node.text);
      item.tooltip = node.text;
      return item;
    }
    const { entry, explanation: x } = node.record;
    const item = new vscode.TreeItem(requestLabel(entry), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `request-${node.record.seq}`;
    item.description = `${x.cause}: ${x.explanation}`;
    const where = x.yaml
      ? `\n${x.yaml.what} (${vscode.workspace.asRelativePath(vscode.Uri.parse(x.yaml.file))}:${x.yaml.line})`
      : '';
    item.tooltip = `${entry.startTime ?? ''} ${node.record.pod}\n${x.cause}: ${x.explanation}${where}\n${x.details.join('\n')}`;
    item.iconPath = new vscode.ThemeIcon(
      entry.code >= 500 || entry.code === 0 ? 'error' : entry.code >= 400 ? 'warning' : 'pass',
    );
    if (x.yaml) {
      const r = x.yaml.range;
      item.command = {
        title: 'Open the YAML',
        command: 'vscode.open',
        arguments: [
          vscode.Uri.parse(x.yaml.file),
          {
            selection: r
              ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character)
              : new vscode.Range(x.yaml.line - 1, 0, x.yaml.line - 1, 0),
          },
        ],
      };
    }
    return item;
  }
}

/** The view, shown in the Explorer; it follows the log while visible. */
export function registerRequestsView(tail: GatewayLogTail): vscode.Disposable[] {
  const view = vscode.window.createTreeView(REQUESTS_VIEW_ID, { treeDataProvider: new RequestsTreeProvider(tail) });
  return [
    view,
    view.onDidChangeVisibility((e) => {
      if (e.visible) tail.start();
    }),
  ];
}
