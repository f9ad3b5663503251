// Step 3: create the namespace, server-side apply the three sample files, wait for the Deployments (for the
// Gateway API sample also the gateway istiod deploys), then show what the article's
// `kubectl get pod,svc,deployment,endpoints,virtualservice,gateway -n <ns>` shows (or the Gateway API's kinds).
// The lab names Istio's kinds in full: where the Gateway API's CRDs are installed (the lab's own cluster,
// most new clusters), kubectl takes `gateway` for gateways.gateway.networking.k8s.io.
import * as vscode from 'vscode';
import { formatNamespaceView, type NamespaceView } from '../../lab/getTable';
import { deploymentsToWaitFor, readManifests } from '../../lab/manifests';
import { commandLine, runTool } from '../../tools/run';
import type { LabContext } from '../ctx';
import { sampleFiles } from '../../lab/scaffold';
import type { SampleVariant } from '../../lab/steps';
import { conditionOf } from '../../lab/gatewayStatus';
import { deploymentProgress, type ApiObject } from '../../kube/objects';
import { formatDeployPreview, isLabCluster } from '../../lab/deployPreview';
import { showText } from '../show';
import type { CommandFactory } from './index';
import { folderArg, workspaceFolder } from './scaffold';
import { noneIfNotServed } from '../../kube/index';

export const FIELD_MANAGER = 'istio-ingress-lab';

/** What the article's `kubectl get` lists: the Istio kinds, or the Gateway API's (in full: both have a Gateway). */
function listedKinds(variant: SampleVariant): string {
  return variant === 'gatewayApi'
    ? 'pod,svc,deployment,endpoints,gateways.gateway.networking.k8s.io,httproutes.gateway.networking.k8s.io'
    : 'pod,svc,deployment,endpoints,virtualservices.networking.istio.io,gateways.networking.istio.io';
}

/** The article's `kubectl get ...`: run by kubectl when it is installed, else built from the API's answers. */
export async function namespaceListing(
  ctx: LabContext,
  namespace: string,
  signal?: AbortSignal,
  variant: SampleVariant = 'virtualService',
): Promise<string> {
  const kubectl = ctx.tool('kubectl');
  const args = ['get', listedKinds(variant), '-n', namespace];
  if (kubectl.ok) {
    const kubeconfig = ctx.settings.kubeconfig;
    const r = await runTool(kubectl.tool, kubeconfig ? [...args, '--kubeconfig', kubeconfig] : args, {
      signal,
      log: (l) => ctx.log.info(l),
    });
    if (!r.failure) return `$ ${commandLine('kubectl', args)}\n${r.stdout}`;
    ctx.log.warn(`kubectl failed (${r.failure}: ${r.stderr.trim()}); listing through the API instead`);
  }
  return `$ ${commandLine('kubectl', args)}   # built in${kubectl.ok ? '' : `: ${kubectl.message}`}\n${formatNamespaceView(await namespaceView(ctx, namespace, signal, variant))}`;
}

/** The objects the listing's `kubectl get` shows (listedKinds). */
export async function namespaceView(
  ctx: LabContext,
  namespace: string,
  signal?: AbortSignal,
  variant: SampleVariant = 'virtualService',
): Promise<NamespaceView> {
  const cluster = ctx.getCluster();
  const o = { signal };
  const api = variant === 'gatewayApi';
  const [pods, services, deployments, virtualServices, gateways, k8sGateways, httpRoutes] = await Promise.all([
    cluster.listPods(namespace, o),
    cluster.listServices(namespace, o),
    cluster.listDeployments(namespace, o),
    api ? [] : cluster.virtualServices(namespace, o).catch(noneIfNotServed),
    api ? [] : cluster.gateways(namespace, o).catch(noneIfNotServed),
    api ? cluster.listGatewayApi('Gateway', namespace, o).catch(noneIfNotServed) : [],
    api ? cluster.listGatewayApi('HTTPRoute', namespace, o).catch(noneIfNotServed) : [],
  ]);
  const endpoints = await Promise.all(
    services.map(async (s) => ({
      service: s.metadata.name,
      endpoints: await cluster.serviceEndpoints(namespace, s.metadata.name, o),
    })),
  );
  return {
    pods,
    services,
    deployments: deployments.map((d) => deploymentProgress(d.metadata.name, d)),
    endpoints,
    virtualServices: virtualServices.map((v) => {
      const spec = (v as { spec?: { gateways?: string[]; hosts?: string[] } }).spec ?? {};
      return { name: v.metadata.name, gateways: spec.gateways ?? [], hosts: spec.hosts ?? [] };
    }),
    gateways: gateways.map((g) => ({ name: g.metadata.name })),
    k8sGateways: k8sGateways.map((g) => ({
      name: g.metadata.name,
      className: (g.spec as { gatewayClassName?: string } | undefined)?.gatewayClassName ?? '',
      address: g.status?.addresses?.[0]?.value,
      programmed: conditionOf(g.status?.conditions, 'Programmed')?.status,
    })),
    httpRoutes: httpRoutes.map((r) => ({
      name: r.metadata.name,
      hostnames: (r.spec as { hostnames?: string[] } | undefined)?.hostnames ?? [],
    })),
  };
}

/**
 * On a cluster that is not the lab's own, says which context and what a server-side apply dry run would
 * change, and writes only on "Deploy". The lab's own cluster exists for this, so it is not asked about.
 */
async function confirmOutsideTheLab(ctx: LabContext, objects: ApiObject[], namespace: string): Promise<boolean> {
  const cluster = ctx.getCluster();
  const context = cluster.context();
  if (isLabCluster(context)) return true;
  const results = await cluster.serverSideApply(objects, { dryRun: true, fieldManager: FIELD_MANAGER, namespace });
  const preview = formatDeployPreview(context, namespace, results);
  ctx.log.info(`deploy preview for ${context.name}:\n${preview.detail}`);
  return (await ctx.prompts.warn(preview.message, { modal: true, detail: preview.detail }, 'Deploy')) === 'Deploy';
}

/** Deploys the sample files of the first workspace folder, or of the folder a caller names; the variant says which. */
export const deploySample: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const target = folderArg(args);
    const folder = target ? { uri: target, name: target.fsPath } : workspaceFolder(ctx);
    if (!folder) return undefined;
    const files: { name: string; text: string }[] = [];
    const missing: string[] = [];
    for (const f of sampleFiles(variant)) {
      try {
        files.push({
          name: f,
          text: new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, f))),
        });
      } catch {
        missing.push(f);
      }
    }
    if (missing.length) {
      const answer = await ctx.prompts.error(
        `Istio Ingress Lab: ${missing.join(', ')} not found in ${folder.name}. Scaffold the sample first.`,
        'Scaffold Sample',
      );
      if (answer === 'Scaffold Sample') await vscode.commands.executeCommand('istioIngressLab.scaffoldSample', variant);
      return undefined;
    }
    const { namespace } = ctx.settings.sample;
    const read = readManifests(files, namespace);
    if (!read.ok) throw new Error(read.message);
    const cluster = ctx.getCluster();
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      ...read.manifests.map((m) => m.object),
    ];
    if (!(await confirmOutsideTheLab(ctx, objects, namespace))) return undefined;

    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Istio Ingress Lab: deploying the sample',
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        progress.report({
          message: `server-side apply of namespace ${namespace} and ${read.manifests.length} objects`,
        });
        const results = await cluster.serverSideApply(objects, {
          fieldManager: FIELD_MANAGER,
          namespace,
          signal: abort.signal,
        });
        for (const r of results)
          ctx.log.info(`deploy: ${r.ref} ${r.action}${r.changes.length ? ` (${r.changes.join('; ')})` : ''}`);
        ctx.changed('live', 'applied');
        const deployments = deploymentsToWaitFor(read.manifests);
        progress.report({ message: `waiting for ${deployments.join(', ')}` });
        await cluster.waitForDeploymentsAvailable(namespace, deployments, {
          signal: abort.signal,
          timeoutMs: 180_000,
          onProgress: (ps) => progress.report({ message: ps.map((p) => `${p.name} ${p.message}`).join(', ') }),
        });
        const applied = results.map((r) => `${r.ref} ${r.action}`).join('\n');
        return `${applied}\n\n${await namespaceListing(ctx, namespace, abort.signal, variant)}`;
      },
    );
    await ctx.setStep('deployed', true, variant);
    ctx.changed('live', 'Deploy Sample done');
    await showText(summary, 'deploy.txt');
    void ctx.prompts.info(`Istio Ingress Lab: the sample runs in namespace ${namespace}.`);
    return summary;
  };
