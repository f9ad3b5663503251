// Activation: build the LabContext, register providers and commands, wire the refresh triggers. Nothing else.
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as lensText from './lab/lensText';
import { traceCounters } from './editor/traceView';
import { SAMPLE_VARIANTS, STEPS, stepContextKey } from './lab/steps';
import { checkCluster } from './editor/commands/checkCluster';
import { cleanUp } from './editor/commands/cleanUp';
import { deploySample } from './editor/commands/deploy';
import { showDrift } from './editor/commands/drift';
import { chooseGatewayPod, inspectEnvoy, openConfigDump, refresh, showRoute } from './editor/commands/envoy';
import { commandTitles, registerCommands } from './editor/commands/index';
import type { Change } from './lab/invalidation';
import { findIngressAddress } from './editor/commands/ingress';
import { sendRequestForMatch, sendRequests } from './editor/commands/requests';
import { SAMPLE_SCHEME, sampleContentProvider, scaffoldSample } from './editor/commands/scaffold';
import { openWalkthrough, showLog } from './editor/commands/walkthrough';
import { LabContext } from './editor/ctx';
import { watchKubeconfig } from './editor/kubeconfigWatch';
import { followLabCluster } from './editor/labClusterProgress';
import { registerResultDocuments } from './editor/show';
import { followGatewayLog, stopGatewayLog } from './editor/commands/requestsLog';
import { onNewRequests, registerRequestsView } from './editor/requestsView';
import type { PromptSeam } from './editor/prompts';
import { registerIstioDiagnostics } from './editor/quickFixes';
import { L4LensProvider } from './editor/l4Lens';
import { AuthzLensProvider } from './editor/authzLens';
import { RouteHoverProvider } from './editor/routeHover';
import { RouteLensProvider } from './editor/routeLens';
import { SECTION } from './editor/settings';
import { DriftLensProvider } from './editor/driftLens';
import { GatewayStatusLensProvider } from './editor/gatewayStatusLens';
import { showGatewayApiStatus } from './editor/commands/gatewayApiStatus';
import { traceRequest } from './editor/traceCommand';
import { LAB_BIN_ENV } from './tools/locate';

/** What extension tests reach through `extension.exports`. */
export interface LabApi {
  ctx: LabContext;
  /** The prompt seam: tests answer modals and fake workspace trust through it. */
  setPrompts(seam: PromptSeam): void;
  lensText: typeof lensText;
  /** The Envoy counters the open trace panel shows (tests compare them with Envoy's). */
  traceCounters: typeof traceCounters;
}

const YAML: vscode.DocumentSelector = [{ language: 'yaml' }];

export function activate(context: vscode.ExtensionContext): LabApi {
  const started = Date.now();
  const log = vscode.window.createOutputChannel('Istio Ingress Lab', { log: true });
  const ctx = new LabContext(context.extensionUri, log);
  const l4Lenses = new L4LensProvider(ctx);
  const statusLenses = new GatewayStatusLensProvider(ctx);
  const kubeconfigChanged = () => ctx.changed('cluster', 'the kubeconfig file changed');
  let kubeWatch = watchKubeconfig(ctx.settings.kubeconfig, kubeconfigChanged);

  context.subscriptions.push(
    log,
    ctx,
    {
      dispose() {
        kubeWatch.dispose();
      },
    },
    ...registerCommands(
      ctx,
      {
        checkCluster,
        scaffoldSample,
        deploySample,
        findIngressAddress,
        sendRequests,
        inspectEnvoy,
        cleanUp,
        refresh,
        chooseGatewayPod,
        openConfigDump,
        showRoute,
        sendRequestForMatch,
        openWalkthrough,
        showLog,
        traceRequest,
        showDrift,
        showGatewayApiStatus,
        followGatewayLog,
        stopGatewayLog,
      },
      commandTitles(context.extension.packageJSON),
    ),
    // Registered first so VS Code shows its lenses after the route lenses (later providers come first).
    vscode.languages.registerCodeLensProvider(YAML, new DriftLensProvider(ctx)),
    vscode.languages.registerCodeLensProvider(YAML, new RouteLensProvider(ctx)),
    vscode.languages.registerHoverProvider(YAML, new RouteHoverProvider(ctx)),
    vscode.languages.registerCodeLensProvider(YAML, l4Lenses),
    vscode.languages.registerCodeLensProvider(YAML, statusLenses),
    vscode.languages.registerCodeLensProvider(YAML, new AuthzLensProvider(ctx)),
    statusLenses,
    vscode.languages.registerHoverProvider(YAML, l4Lenses),
    registerIstioDiagnostics(ctx),
    followLabCluster(ctx),
    registerResultDocuments(),
    ...registerRequestsView(ctx.requests),
    onNewRequests(ctx),
    vscode.workspace.registerTextDocumentContentProvider(SAMPLE_SCHEME, sampleContentProvider(ctx)),
    ctx.engine.onDidChange(() => ctx.refreshLenses('a workspace YAML file changed on disk')),
    // An edit can change the lenses of other YAML editors (a Gateway's hosts, a Service's ports). VS Code asks
    // the edited editor again by itself; the event would only restart its CodeLens debounce, so it fires only
    // when another YAML document is on screen.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId !== 'yaml' || !e.contentChanges.length) return;
      const others = vscode.window.visibleTextEditors.some(
        (v) => v.document !== e.document && v.document.languageId === 'yaml',
      );
      if (others) ctx.refreshLenses('another YAML editor was edited');
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => ctx.changed('cluster', 'workspace trusted')),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const affects = (key: string) => e.affectsConfiguration(`${SECTION}.${key}`);
      log.info('settings changed');
      if (affects('kubeconfig')) {
        kubeWatch.dispose();
        kubeWatch = watchKubeconfig(ctx.settings.kubeconfig, kubeconfigChanged);
      }
      // Each setting names what it changes; src/lab/invalidation.ts says which caches that clears.
      const changes: [string, Change][] = [
        ['kubeconfig', 'cluster'],
        ['gateway', 'gateway'],
        ['ingress', 'ingress'],
        ['sample', 'namespace'],
      ];
      const hit = changes.filter(([key]) => affects(key));
      for (const [key, change] of hit) ctx.changed(change, `setting ${SECTION}.${key}`);
      if (!hit.length) ctx.refreshLenses('settings changed'); // a tool path or display setting: nothing cached depends on it
    }),
  );
  // The lab's own tools (the real istioctl) in the terminals too, as the article types them.
  const labBin = process.env[LAB_BIN_ENV];
  if (labBin) context.environmentVariableCollection.prepend('PATH', `${labBin}${path.delimiter}`);
  // Steps start unchecked in every window; the cluster has to confirm them again.
  for (const v of SAMPLE_VARIANTS)
    for (const s of STEPS) void vscode.commands.executeCommand('setContext', stepContextKey(s.context, v), false);
  // (the log's own timestamps can be late: the channel opens asynchronously, so the time is in the text)
  log.info(
    `activated in ${Date.now() - started} ms at ${new Date().toISOString()} (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: predictions only'})`,
  );
  ctx.engine.warm();

  return { ctx, setPrompts: (seam) => (ctx.prompts = seam), lensText, traceCounters };
}

export function deactivate(): void {}
