// One object that every command and provider hangs off (rust-analyzer's Ctx): settings, log, the prompt
// seam, the trust guard, the cluster connection, the engine and the live-route cache.
import * as vscode from 'vscode';
import { stepContextKey, type StepContext } from '../lab/steps';
import { createCluster, type Cluster, type PortForwardHandle } from '../kube/index';
import { WorkspaceEngine } from './engine';
import { LiveRoutes } from './liveRoutes';
import { vscodePrompts, type PromptSeam } from './prompts';
import { readSettings, type LabSettings } from './settings';
import { locateTool, type LocateResult, type ToolName } from '../tools/locate';

export const UNTRUSTED_MESSAGE =
  'is disabled in an untrusted workspace: the lab runs no binary and writes nothing to a cluster until you trust this folder ' +
  '(command "Workspaces: Manage Workspace Trust"). Route predictions in the editor still work.';

export class LabContext implements vscode.Disposable {
  /** Replaceable by extension tests (see the returned API); every prompt and message goes through it. */
  prompts: PromptSeam = vscodePrompts;
  readonly engine: WorkspaceEngine;
  readonly live: LiveRoutes;
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
  }

  get settings(): LabSettings {
    return readSettings();
  }

  /** The single trust guard: false (after telling the user why) when nothing may run or be written. */
  requireTrust(what: string): boolean {
    if (this.prompts.isTrusted()) return true;
    this.log.warn(`refused in untrusted workspace: ${what}`);
    void this.prompts.error(`Istio Ingress Lab: ${what} ${UNTRUSTED_MESSAGE}`);
    return false;
  }

  /** The cluster client, created on first use and again after the kubeconfig or its setting changes. */
  getCluster(): Cluster {
    this.cluster ??= createCluster({
      kubeconfigPath: this.settings.kubeconfig || undefined,
      log: (line) => this.log.info(`cluster: ${line}`),
    });
    return this.cluster;
  }

  /** Forgets the cluster connection and live data (kubeconfig changed, refresh). */
  resetCluster(): void {
    void this.cluster?.dispose();
    this.cluster = undefined;
    this.live.clear();
    this.refreshLenses();
  }

  /** Next lens/hover reads go to the cluster and the gateway's Envoy again (the refresh command, after apply). */
  refreshLive(): void {
    this.cluster?.refresh();
    this.live.clear();
    this.refreshLenses();
  }

  refreshLenses(): void {
    this.lensesChanged.fire();
  }

  tool(name: ToolName): LocateResult {
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
    for (const f of this.forwards.splice(0)) void f.dispose();
    void this.cluster?.dispose();
    this.engine.dispose();
    this.lensesChanged.dispose();
  }
}
