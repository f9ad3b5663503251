// One object that every command and provider hangs off (rust-analyzer's Ctx): settings, log, the prompt
// seam, the trust guard, the cluster connection, the engine and the live-route cache.
import * as vscode from 'vscode';
import { stepContextKey, variantArg, type SampleVariant, type StepContext } from '../lab/steps';
import { createCluster, type Cluster, type PortForwardHandle } from '../kube/index';
import { Invalidation, type Change } from '../lab/invalidation';
import { WorkspaceEngine } from './engine';
import { GatewayLogTail } from './requestsView';
import { LiveRoutes } from '../lab/liveRoutes';
import { UntrustedWorkspaceError } from '../lab/trust';
import { vscodePrompts, type PromptSeam } from './prompts';
import { readSettings, type LabSettings } from './settings';
import { locateTool, type LocateResult, type ToolName } from '../tools/locate';
import { GatewayAddresses } from '../lab/gatewayAddresses';

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
  /** What each walkthrough's steps are known to be, as their context keys say. */
  readonly stepsByVariant: Record<SampleVariant, Map<StepContext, boolean>> = {
    virtualService: new Map(),
    gatewayApi: new Map(),
  };
  /** The address each gateway last answered at (the ingress gateway, each Gateway API Gateway). */
  readonly addresses = new GatewayAddresses();

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
    this.invalidation.register('ingress.address', () => this.addresses.clear());
    this.invalidation.register('live.gateways', () => this.live.clear());
  }

  /** Announces a change: the caches that depend on it are cleared, then lenses and diagnostics read again. */
  changed(change: Change, why: string): void {
    const cleared = this.invalidation.changed(change);
    this.log.info(`changed: ${change} (${why}); cleared ${cleared.join(', ') || 'nothing'}`);
    this.refreshLenses(`${change} changed`);
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

  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly refreshReasons = new Set<string>();

  /**
   * Asks VS Code for every editor's lenses again. Calls that come together (a live read landing for several
   * providers, a batch of access log lines) make one request: each request replaces the lenses' commands, and a
   * click in the 250 ms or more before VS Code draws the new ones is lost (its "Actual command not found").
   */
  refreshLenses(why: string): void {
    this.refreshReasons.add(why);
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.log.info(`lenses: asked again (${[...this.refreshReasons].join('; ')})`);
      this.refreshReasons.clear();
      this.lensesChanged.fire();
    }, 50);
  }

  /** The door to binaries: a tool is located (and so can be run) only in a trusted workspace. */
  tool(name: ToolName): LocateResult {
    if (!this.prompts.isTrusted()) throw new UntrustedWorkspaceError(`Running ${name}`);
    const t = this.settings.tools;
    const configured = name === 'curl' ? t.curlPath : name === 'istioctl' ? t.istioctlPath : t.kubectlPath;
    return locateTool(name, configured);
  }

  /** The article's walkthrough's steps. */
  get steps(): Map<StepContext, boolean> {
    return this.stepsByVariant.virtualService;
  }

  /**
   * The sample a walkthrough command acts on: the Gateway API's when its arguments say so (the Gateway API
   * walkthrough's links pass "gatewayApi"), else the article's; never remembered, so the palette's commands
   * always mean the article's sample.
   */
  variantFor(args: readonly unknown[]): SampleVariant {
    return variantArg(args) ?? 'virtualService';
  }

  async setStep(step: StepContext, done: boolean, variant: SampleVariant = 'virtualService'): Promise<void> {
    this.stepsByVariant[variant].set(step, done);
    this.log.info(`step ${step}${variant === 'gatewayApi' ? ' (Gateway API)' : ''}: ${done ? 'done' : 'not done'}`);
    await vscode.commands.executeCommand('setContext', stepContextKey(step, variant), done);
  }

  keepForward(f: PortForwardHandle): void {
    this.forwards.push(f);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.requests.dispose();
    for (const f of this.forwards.splice(0)) void f.dispose();
    void this.cluster?.dispose();
    this.engine.dispose();
    this.lensesChanged.dispose();
  }
}
