// The lab's own cluster while `npm run lab` builds it in the background (scripts/labCluster.mjs): a progress
// notification and a status bar item that say which part is being built and about how long is left, the
// walkthrough's first step in its "being built" form, and, once ready, the step checked from the cluster.
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { buildCheckReport } from '../lab/checks';
import {
  describeLabCluster,
  labClusterStatusBarText,
  parseLabClusterStatus,
  type LabClusterStatus,
} from '../lab/labCluster';
import { EXTENSION_PREFIX } from '../lab/steps';
import { gatherCheckFacts } from './commands/checkCluster';
import type { LabContext } from './ctx';

/** Set while the lab's cluster is being built: the walkthrough then shows its "being built" first step. */
export const BUILDING_CONTEXT = `${EXTENSION_PREFIX}.labCluster.building`;
export const STATUS_ENV = 'ISTIO_INGRESS_LAB_CLUSTER_STATUS';
const POLL_MS = 1000;

export function followLabCluster(ctx: LabContext, statusFile = process.env[STATUS_ENV]): vscode.Disposable {
  if (!statusFile) {
    return vscode.commands.registerCommand('istioIngressLab.showLabClusterLog', () =>
      ctx.prompts.info(
        "Istio Ingress Lab: this window did not start the lab's own cluster (npm run lab does, when you have no kube context).",
      ),
    );
  }
  const item = vscode.window.createStatusBarItem('istioIngressLab.labCluster', vscode.StatusBarAlignment.Left, 10);
  item.name = "Istio Ingress Lab: the lab's cluster";
  item.command = 'istioIngressLab.showLabClusterLog';
  let last: LabClusterStatus | undefined;
  let progress: { report(m: { message: string }): void; done(): void } | undefined;
  let finished = false;

  const showProgress = () =>
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Istio Ingress Lab' },
      (p) => {
        return new Promise<void>((done) => {
          progress = { report: (m) => p.report(m), done };
          if (last) p.report({ message: describeLabCluster(last, new Date()) });
        });
      },
    );

  const update = async () => {
    let text: string;
    try {
      text = await fs.readFile(statusFile, 'utf8');
    } catch {
      return; // not written yet
    }
    const s = parseLabClusterStatus(text);
    if (!s || finished) return;
    last = s;
    const now = new Date();
    item.text = labClusterStatusBarText(s, now);
    item.tooltip = `${describeLabCluster(s, now)}\nClick for the build log.`;
    item.show();
    if (s.state === 'building' || s.state === 'starting') {
      void vscode.commands.executeCommand('setContext', BUILDING_CONTEXT, true);
      if (!progress) showProgress();
      progress?.report({ message: describeLabCluster(s, now) });
      return;
    }
    finished = true;
    clearInterval(timer);
    progress?.done();
    void vscode.commands.executeCommand('setContext', BUILDING_CONTEXT, false);
    if (s.state === 'failed') {
      ctx.log.error(describeLabCluster(s, now));
      const choice = await ctx.prompts.error(`Istio Ingress Lab: ${describeLabCluster(s, now)}`, 'Show Build Log');
      if (choice) await vscode.commands.executeCommand('istioIngressLab.showLabClusterLog');
      return;
    }
    await confirmReady(ctx);
    setTimeout(() => item.hide(), 30_000);
  };
  const timer = setInterval(() => void update(), POLL_MS);
  void update();

  const showLog = vscode.commands.registerCommand('istioIngressLab.showLabClusterLog', async () => {
    const log = last?.log;
    if (!log) return;
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  });
  return new vscode.Disposable(() => {
    clearInterval(timer);
    progress?.done();
    item.dispose();
    showLog.dispose();
  });
}

/** The builder says ready: the first step is checked off only when the cluster itself confirms it. */
async function confirmReady(ctx: LabContext): Promise<void> {
  ctx.changed('cluster', "the lab's cluster is ready");
  if (!ctx.prompts.isTrusted()) {
    void ctx.prompts.info("Istio Ingress Lab: the lab's cluster is ready. Trust this folder, then run Check Cluster.");
    return;
  }
  const report = buildCheckReport(await gatherCheckFacts(ctx));
  await ctx.setStep('clusterReady', report.ok);
  // The Gateway API walkthrough's first step too: the lab's cluster serves the Gateway API and istiod's class.
  const gatewayApi = buildCheckReport(await gatherCheckFacts(ctx, undefined, 'gatewayApi'));
  await ctx.setStep('clusterReady', gatewayApi.ok, 'gatewayApi');
  ctx.log.info(
    `lab cluster ready; check: ${
      report.ok
        ? 'ok'
        : report.lines
            .filter((l) => !l.ok)
            .map((l) => l.text)
            .join('; ')
    }`,
  );
  if (report.ok) void ctx.prompts.info("Istio Ingress Lab: the lab's cluster is ready. Next: Scaffold the sample.");
  else
    void ctx.prompts.error(
      `Istio Ingress Lab: the lab's cluster started, but ${report.lines.find((l) => !l.ok && !l.optional)?.text ?? 'a check failed'}`,
    );
}
