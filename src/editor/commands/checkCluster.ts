// Step 1: kube context, API reachable, Istio's ingress gateway present and Ready, optional tools.
import * as vscode from 'vscode';
import { CONTROL_PLANE_STAT, controlPlaneConnected, readStats, statsPath } from '../../envoy/adminStats';
import { ClusterError, type Cluster, type PodRef } from '../../kube/index';
import { buildCheckReport, formatCheckReport, type CheckFacts, type GatewayApiFacts } from '../../lab/checks';
import { conditionOf } from '../../lab/gatewayStatus';
import type { SampleVariant } from '../../lab/steps';
import type { LabContext } from '../ctx';
import { errorText, showText } from '../show';
import type { CommandFactory } from './index';

/** Whether the gateway's Envoy holds its xDS stream to istiod, from its own stats (fresh, not cached). */
async function readControlPlane(
  cluster: Cluster,
  pod: PodRef,
  signal?: AbortSignal,
): Promise<NonNullable<CheckFacts['controlPlane']>> {
  const name = `${pod.namespace}/${pod.name}`;
  try {
    const json = await cluster.envoyAdmin(pod).getJson(statsPath([CONTROL_PLANE_STAT]), { signal, fresh: true });
    return { pod: name, connected: controlPlaneConnected(readStats(json)) };
  } catch (e) {
    return { pod: name, error: errorText(e) };
  }
}

/** The Gateway API's CRDs and the GatewayClass istiod creates for them. */
async function readGatewayApi(cluster: Cluster, signal?: AbortSignal): Promise<GatewayApiFacts> {
  try {
    const c = await cluster.getGatewayApi('GatewayClass', '', 'istio', { signal });
    if (!c) return {};
    return {
      gatewayClass: {
        name: c.metadata.name,
        controller: (c.spec as { controllerName?: string } | undefined)?.controllerName,
        accepted: conditionOf(c.status?.conditions, 'Accepted'),
      },
    };
  } catch (e) {
    if (e instanceof ClusterError && e.kind === 'not-found') return { notServed: `${e.message} ${e.hint}`.trim() };
    throw e;
  }
}

export async function gatherCheckFacts(
  ctx: LabContext,
  signal?: AbortSignal,
  variant: SampleVariant = 'virtualService',
): Promise<CheckFacts> {
  const { gateway } = ctx.settings;
  const tool = (name: 'istioctl' | 'curl') => {
    const r = ctx.tool(name);
    return r.ok ? { found: true, detail: `${r.tool.path} (${r.tool.from})` } : { found: false, detail: r.message };
  };
  const facts: CheckFacts = {
    variant,
    gatewayNamespace: gateway.namespace,
    gatewaySelector: gateway.selector,
    istioctl: tool('istioctl'),
    curl: tool('curl'),
  };
  const cluster = ctx.getCluster();
  try {
    const c = cluster.context();
    facts.context = { name: c.name, server: c.server, kubeconfig: c.files.join(', ') };
  } catch (e) {
    facts.kubeconfigError = errorText(e);
    return facts;
  }
  try {
    facts.serverVersion = (await cluster.checkReachable({ signal })).version;
  } catch (e) {
    facts.apiError = errorText(e);
    return facts;
  }
  if (variant === 'gatewayApi') {
    facts.gatewayApi = await readGatewayApi(cluster, signal);
    return facts;
  }
  const istio = await cluster.istioStatus(
    { namespace: gateway.namespace, labelSelector: gateway.selector },
    { signal },
  );
  facts.namespaceExists = istio.namespace.exists;
  facts.istioProblems = istio.problems.map((p) => `${p.message} ${p.hint}`.trim());
  if (!istio.namespace.exists) return facts;
  facts.gatewayServices = istio.gatewayService
    ? [{ name: istio.gatewayService.metadata.name, type: istio.gatewayService.spec.type ?? 'ClusterIP' }]
    : [];
  if (istio.readyPod) facts.controlPlane = await readControlPlane(cluster, istio.readyPod, signal);
  facts.gatewayPods = istio.gatewayPods.map((p) => ({
    name: p.name,
    ready: p.ready,
    phase: p.notReadyReason ?? p.phase,
  }));
  return facts;
}

export const checkCluster: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Istio Ingress Lab: checking the cluster',
        cancellable: true,
      },
      async (_p, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return buildCheckReport(await gatherCheckFacts(ctx, abort.signal, variant));
      },
    );
    await ctx.setStep('clusterReady', report.ok, variant);
    await showText(formatCheckReport(report), 'cluster-check.txt');
    if (report.ok) void ctx.prompts.info('Istio Ingress Lab: the cluster is ready for the lab.');
    else
      void ctx.prompts.error(
        `Istio Ingress Lab: ${report.lines.find((l) => !l.ok && !l.optional)?.text ?? 'the cluster is not ready.'}`,
      );
    return report;
  };
