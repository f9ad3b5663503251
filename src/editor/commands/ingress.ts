// Step 4: every address of the ingress gateway, where each works, which answers from here;
// a port-forward to the gateway pod's 8080 when none does.
import * as vscode from 'vscode';
import { pickHttpPort } from '../../kube/ingressAddress';
import { candidatesOf, formatAddressReport, type ProbedAddress } from '../../lab/addresses';
import { probeTcp } from '../../tools/probe';
import type { LabContext } from '../ctx';
import { showText } from '../show';
import type { CommandFactory } from './index';

export async function discoverIngressAddress(ctx: LabContext, interactive: boolean): Promise<string | undefined> {
  const { gateway, ingressAddress, probeAddresses } = ctx.settings;
  const cluster = ctx.getCluster();
  const istio = await cluster.istioStatus({ namespace: gateway.namespace, labelSelector: gateway.selector });
  const svc = istio.gatewayService;
  if (!svc)
    throw new Error(
      `No ingress gateway Service in ${gateway.namespace} matches ${gateway.selector}: run "Check Cluster".`,
    );
  const found = await cluster.ingressAddresses(svc);
  const candidates = candidatesOf(found, ingressAddress || undefined);
  // Probing connects to each address; a user can turn it off (e.g. on networks that alert on scans).
  if (probeAddresses) await Promise.all(candidates.map(async (c) => (c.reachable = await probeTcp(c.address))));
  let chosen: ProbedAddress | undefined =
    candidates.find((c) => c.reachable) ?? (ingressAddress ? candidates[0] : undefined);
  if (!chosen) {
    const port = pickHttpPort(svc.spec.ports ?? []);
    const target = typeof port?.targetPort === 'number' ? port.targetPort : 8080;
    const pod = istio.readyPod;
    if (pod) {
      const answer = interactive
        ? await ctx.prompts.warn(
            `No ingress address answers from this machine. Port-forward 127.0.0.1 to ${pod.name}:${target} instead?`,
            { modal: true, detail: 'This goes straight to the gateway pod, skipping the Service and kube-proxy.' },
            'Port-forward',
          )
        : 'Port-forward';
      if (answer === 'Port-forward') {
        const fwd = await cluster.portForward(pod.namespace, pod.name, target);
        ctx.keepForward(fwd);
        chosen = {
          kind: 'port-forward',
          address: `127.0.0.1:${fwd.localPort}`,
          where: `this machine only, straight to ${pod.name}:${target}`,
          reachable: true,
        };
        candidates.push(chosen);
      }
    }
  }
  if (interactive) await showText(formatAddressReport(found, candidates, chosen), 'ingress-address.txt');
  if (chosen) {
    ctx.ingressAddress = chosen.address;
    await ctx.setStep('addressFound', true);
  }
  return chosen?.address;
}

export const findIngressAddress: CommandFactory = (ctx) => async () => {
  const address = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Istio Ingress Lab: finding the ingress address' },
    () => discoverIngressAddress(ctx, true),
  );
  if (address) void ctx.prompts.info(`Istio Ingress Lab: the ingress gateway answers at ${address}.`);
  return address;
};

/** The address for requests: the one found earlier, the setting, or found now. */
export async function ingressAddressFor(ctx: LabContext): Promise<string | undefined> {
  return ctx.ingressAddress ?? (ctx.settings.ingressAddress || (await discoverIngressAddress(ctx, true)));
}
