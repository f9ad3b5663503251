// One object that every command and provider hangs off (rust-analyzer's Ctx): settings, log, the prompt
// seam, the trust guard, the cluster connection, the engine and the live-route cache.
import * as vscode from 'vscode';
import { stepContextKey, type StepContext } from '../lab/steps';
import { createCluster, type Cluster, type PortForwardHandle } from '../kube/index';
import { Invalidation, type Change } from '../lab/invalidation';
import { WorkspaceEngine } from './engine';
import { GatewayLogTail } from './requestsView';
import { LiveRoutes } from '../lab/liveRoutes';
import { UntrustedWorkspaceError } from '../lab/trust';
import { vscodePrompts, type PromptSeam } from './prompts';
import { readSettings, type LabSettings } from './settings';
import { locateTool, type LocateResult, type ToolName } from '../tools/locate';

export { UNTRUSTED_MESSAGE, UntrustedWorkspaceError } from '../lab/trust';

export class LabContext implements vscode.Disposable {
  /** Replaceable by extension tests (see the returned API); every prompt and message goes through it. */
  prompts: PromptSeam = vscodePrompts;
  readonly engine: WorkspaceEngine;
  readonly live: LiveRoutes;
  /** The gateway's access log, followed while the Requests view is open or a sent request waits for its line. */
  readonly requests: GatewayLogTail;
  /** Every cache and what makes it stale (src/lab/invalidation.ts); changes are announced with changed(). */
  readonly invalidation = new Invalidation();
  private cluster: Cluster | undefined;
  private readonly forwards: PortForwardHandle[] = [];
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeLenses = this.lensesChanged.event;
  readonly steps = new Map<StepContext, boolean>();
  /** The last ingress address that answered, so later steps need not ask again. */
  ingressAddress: string | undefined;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.engine = new WorkspaceEngine(log, () => this.settings.sample.namespace);
    this.live = new LiveRoutes(this);
    this.requests = new GatewayLogTail(this);
    this.invalidation.register('requests.tail', () => this.requests.restart());
    this.invalidation.register('cluster.client', () => {
      void this.cluster?.dispose();
      this.cluster = undefined;
    });
    this.invalidation.register('cluster.discovery', () => this.cluster?.refresh());
    this.invalidation.register('ingress.address', () => (this.ingressAddress = undefined));
    this.invalidation.register('live.gateways', () => this.live.clear());
  }

  /** Announces a change: the caches that depend on it are cleared, then lenses and diagnostics read again. */
  changed(change: Change, why: string): void {
    const cleared = this.invalidation.changed(change);
    this.log.info(`changed: ${change} (${why}); cleared ${cleared.join(', ') || 'nothing'}`);
    this.refreshLenses();
  }

  get settings(): LabSettings {
    return readSettings();
  }

  /** The door to the cluster: the client, created on first use and again after the kubeconfig changes. */
  getCluster(): Cluster {
    if (!this.prompts.isTrusted()) throw new UntrustedWorkspaceError('Reading or changing the cluster');
    this.cluster ??= createCluster({
      kubeconfigPath: this.settings.kubeconfig || undefined,
      log: (line) => this.log.info(`cluster: ${line}`),
    });
    return this.cluster;
  }

  refreshLenses(): void {
    this.lensesChanged.fire();
  }

  /** The door to binaries: a tool is located (and so can be run) only in a trusted workspace. */
  tool(name: ToolName): LocateResult {
    if (!this.prompts.isTrusted()) throw new UntrustedWorkspaceError(`Running ${name}`);
    const t = this.settings.tools;
    const configured = name === 'curl' ? t.curlPath : name === 'istioctl' ? t.istioctlPath : t.kubectlPath;
    return locateTool(name, configured);
  }

  async setStep(step: StepContext, done: boolean): Promise<void> {
    this.steps.set(step, done);
    this.log.info(`step ${step}: ${done ? 'done' : 'not done'}`);
    await vscode.commands.executeCommand('setContext', stepContextKey(step), done);
  }

  keepForward(f: PortForwardHandle): void {
    this.forwards.push(f);
  }

  dispose(): void {
    this.requests.dispose();
    for (const f of this.forwards.splice(0)) void f.dispose();
    void this.cluster?.dispose();
    this.engine.dispose();
    this.lensesChanged.dispose();
  }
}
