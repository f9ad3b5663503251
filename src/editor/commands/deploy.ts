// Step 3: create the namespace, server-side apply the three sample files, wait for the Deployments,
// then show what `kubectl get pod,svc,deployment,endpoints,virtualservice,gateway -n <ns>` would show.
import * as vscode from 'vscode';
import { readManifests } from '../../lab/manifests';
import { SAMPLE_FILES } from '../../lab/scaffold';
import { showText } from '../show';
import type { CommandFactory } from './index';
import { workspaceFolder } from './scaffold';

export const FIELD_MANAGER = 'istio-ingress-lab';

export const deploySample: CommandFactory = (ctx) => async () => {
  if (!ctx.requireTrust('Deploy Sample')) return undefined;
  const folder = workspaceFolder(ctx);
  if (!folder) return undefined;
  const files: { name: string; text: string }[] = [];
  const missing: string[] = [];
  for (const f of SAMPLE_FILES) {
    try {
      files.push({ name: f, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, f))) });
    } catch {
      missing.push(f);
    }
  }
  if (missing.length) {
    const answer = await ctx.prompts.error(`Istio Ingress Lab: ${missing.join(', ')} not found in ${folder.name}. Scaffold the sample first.`, 'Scaffold Sample');
    if (answer === 'Scaffold Sample') await vscode.commands.executeCommand('istioIngressLab.scaffoldSample');
    return undefined;
  }
  const { namespace } = ctx.settings.sample;
  const read = readManifests(files, namespace);
  if (!read.ok) throw new Error(read.message);
  const cluster = ctx.getCluster();

  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Istio Ingress Lab: deploying the sample', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: `namespace ${namespace}` });
      const ns = await cluster.ensureNamespace(namespace);
      ctx.log.info(`deploy: namespace ${namespace} ${ns}`);
      progress.report({ message: `server-side apply of ${read.manifests.length} objects` });
      const outcomes = await cluster.apply(read.manifests.map((m) => m.object), FIELD_MANAGER, abort.signal);
      for (const o of outcomes) ctx.log.info(`deploy: ${o.kind.toLowerCase()}/${o.name} ${o.result}`);
      ctx.live.clear();
      ctx.refreshLenses();
      const deployments = read.manifests.filter((m) => m.object.kind === 'Deployment').map((m) => m.object.metadata.name);
      progress.report({ message: `waiting for ${deployments.join(', ')}` });
      await cluster.waitForDeployments(namespace, deployments, {
        signal: abort.signal,
        timeoutMs: 180_000,
        onProgress: (m) => progress.report({ message: m }),
      });
      const applied = outcomes.map((o) => `${o.kind.toLowerCase()}/${o.name} ${o.result}`).join('\n');
      return `${applied}\n\n$ kubectl get pod,svc,deployment,endpoints,virtualservice,gateway -n ${namespace}\n${await cluster.describeNamespace(namespace)}`;
    },
  );
  await ctx.setStep('deployed', true);
  ctx.live.clear();
  ctx.refreshLenses();
  await showText(summary);
  void ctx.prompts.info(`Istio Ingress Lab: the sample runs in namespace ${namespace}.`);
  return summary;
};
