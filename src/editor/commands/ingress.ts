// Step 4: every address of the ingress gateway, where each works, which answers from here;
// a port-forward to the gateway pod's listener port when none does. For the Gateway API sample: the
// address istiod writes into the Gateway's status once it is Programmed, then its deployed Service's.
import * as vscode from 'vscode';
import { pickHttpPort } from '../../kube/ingressAddress';
import type { GatewayApiObject, IngressAddresses, PodInfo } from '../../kube/index';
import { candidatesOf, formatAddressReport, type ProbedAddress } from '../../lab/addresses';
import {
  conditionOf,
  formatGatewayAddressReport,
  gatewayApiCandidates,
  gatewayReadiness,
  httpListener,
} from '../../lab/gatewayStatus';
import { GATEWAY_API_GATEWAY } from '../../lab/scaffold';
import type { SampleVariant } from '../../lab/steps';
import { deployedName, GATEWAY_NAME_LABEL, type K8sGatewaySpec } from '../../istio/gatewayApi';
import type { KubeObject } from '../../istio/model';
import { probeTcp } from '../../tools/probe';
import type { LabContext } from '../ctx';
import { showText } from '../show';
import type { CommandFactory } from './index';
import { INGRESS_GATEWAY, sampleGateway } from '../../lab/gatewayAddresses';

/** How long Find Ingress Address waits for istiod to program a Gateway it has just been given. */
const PROGRAMMED_TIMEOUT_MS = 60_000;
/**
 * istiod writes the address once the load balancer assigned it; the rules that route it (kube-proxy's on the
 * nodes, the cloud's) may follow a moment later. For a Gateway programmed this recently its address gets
 * JUST_PROGRAMMED_PATIENCE_MS to answer before the next address is tried.
 */
const JUST_PROGRAMMED_MS = 60_000;
const JUST_PROGRAMMED_PATIENCE_MS = 10_000;

function justProgrammed(gw: GatewayApiObject): boolean {
  const since = Date.parse(conditionOf(gw.status?.conditions, 'Programmed')?.lastTransitionTime ?? '');
  return Number.isFinite(since) && Date.now() - since < JUST_PROGRAMMED_MS;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probeAndChoose(
  ctx: LabContext,
  candidates: ProbedAddress[],
  interactive: boolean,
  pod: PodInfo | undefined,
  target: number,
  firstAnswer: { patientMs: number } | undefined = undefined,
): Promise<ProbedAddress | undefined> {
  const { ingressAddress, probeAddresses } = ctx.settings;
  // Probing connects to each address; a user can turn it off (e.g. on networks that alert on scans).
  // With firstAnswer, best first and no further once one answers (the Gateway's own address usually does);
  // the first is given patientMs to answer, since a just-assigned load balancer address takes a moment.
  if (probeAddresses && firstAnswer) {
    const [first] = candidates;
    if (first) {
      const until = Date.now() + firstAnswer.patientMs;
      while (!(first.reachable = await probeTcp(first.address)) && Date.now() < until) await sleep(500);
    }
    if (!first?.reachable) for (const c of candidates.slice(1)) if ((c.reachable = await probeTcp(c.address))) break;
  } else if (probeAddresses) await Promise.all(candidates.map(async (c) => (c.reachable = await probeTcp(c.address))));
  let chosen: ProbedAddress | undefined =
    candidates.find((c) => c.reachable) ?? (ingressAddress ? candidates[0] : undefined);
  if (!chosen && pod) {
    const answer = interactive
      ? await ctx.prompts.warn(
          `No ingress address answers from this machine. Port-forward 127.0.0.1 to ${pod.name}:${target} instead?`,
          { modal: true, detail: 'This goes straight to the gateway pod, skipping the Service and kube-proxy.' },
          'Port-forward',
        )
      : 'Port-forward';
    if (answer === 'Port-forward') {
      const fwd = await ctx.getCluster().portForward(pod.namespace, pod.name, target);
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
  return chosen;
}

async function discoverIstioIngressAddress(ctx: LabContext, interactive: boolean): Promise<string | undefined> {
  const { gateway, ingressAddress } = ctx.settings;
  const cluster = ctx.getCluster();
  const istio = await cluster.istioStatus({ namespace: gateway.namespace, labelSelector: gateway.selector });
  const svc = istio.gatewayService;
  if (!svc)
    throw new Error(
      `No ingress gateway Service in ${gateway.namespace} matches ${gateway.selector}: run "Check Cluster".`,
    );
  const found = await cluster.ingressAddresses(svc);
  const candidates = candidatesOf(found, ingressAddress || undefined);
  const port = pickHttpPort(svc.spec.ports ?? []);
  const target = typeof port?.targetPort === 'number' ? port.targetPort : 8080;
  const chosen = await probeAndChoose(ctx, candidates, interactive, istio.readyPod, target);
  if (interactive) await showText(formatAddressReport(found, candidates, chosen), 'ingress-address.txt');
  if (chosen) {
    ctx.addresses.set(INGRESS_GATEWAY, chosen.address);
    await ctx.setStep('addressFound', true);
  }
  return chosen?.address;
}

/** The sample's Gateway once istiod has programmed it, or as it stands when the wait ends. */
async function waitForProgrammed(
  ctx: LabContext,
  namespace: string,
  name: string,
  progress?: (m: string) => void,
): Promise<GatewayApiObject> {
  const cluster = ctx.getCluster();
  const deadline = Date.now() + PROGRAMMED_TIMEOUT_MS;
  for (;;) {
    const gw = await cluster.getGatewayApi('Gateway', namespace, name);
    if (!gw)
      throw new Error(
        `No Gateway ${namespace}/${name} on the cluster: run "Deploy Sample" of the Gateway API walkthrough first.`,
      );
    const r = gatewayReadiness(gw);
    if ((r.programmed && r.addresses.length) || Date.now() > deadline) return gw;
    progress?.(`waiting for istiod to program Gateway ${name}: ${r.summary}`);
    await sleep(1000);
  }
}

/**
 * The address of a Gateway API Gateway once Programmed: by default the sample's (the walkthrough's step),
 * else the Gateway of the route a lens sends through.
 */
async function discoverGatewayApiAddress(
  ctx: LabContext,
  interactive: boolean,
  progress?: (m: string) => void,
  gateway?: { namespace: string; name: string },
): Promise<string | undefined> {
  const { sample, ingressAddress } = ctx.settings;
  const target = gateway ?? { namespace: sample.namespace, name: GATEWAY_API_GATEWAY };
  const cluster = ctx.getCluster();
  const gw = await waitForProgrammed(ctx, target.namespace, target.name, progress);
  const readiness = gatewayReadiness(gw);
  const serviceName = deployedName(gw as unknown as KubeObject<K8sGatewaySpec>);
  const listenerPort = httpListener(gw)?.port ?? 80;
  const svc = await cluster.getService(target.namespace, serviceName);
  const found: IngressAddresses | undefined = svc
    ? await cluster.ingressAddresses(svc, { port: listenerPort })
    : undefined;
  const candidates = gatewayApiCandidates(gw, found, ingressAddress || undefined);
  const pods = await cluster.listPods(target.namespace, { labelSelector: `${GATEWAY_NAME_LABEL}=${gw.metadata.name}` });
  // Gateway API listeners listen on the listener's port itself in the deployed gateway's pod.
  const chosen = await probeAndChoose(
    ctx,
    candidates,
    interactive,
    pods.find((p) => p.ready),
    listenerPort,
    { patientMs: justProgrammed(gw) ? JUST_PROGRAMMED_PATIENCE_MS : 0 },
  );
  if (interactive) await showText(formatGatewayAddressReport(gw, found, candidates, chosen), 'gateway-address.txt');
  if (!readiness.programmed)
    throw new Error(
      `Gateway ${target.namespace}/${gw.metadata.name} is not Programmed after ${PROGRAMMED_TIMEOUT_MS / 1000} s (${readiness.summary}): see the report, and istiod's log.`,
    );
  if (chosen) ctx.addresses.set({ kind: 'gateway', ...target }, chosen.address);
  // Only the sample's Gateway is the walkthrough's step.
  if (chosen && !gateway) await ctx.setStep('addressFound', true, 'gatewayApi');
  return chosen?.address;
}

/** The address of the Gateway API Gateway a route is attached to: found before, or found now. */
export async function gatewayAddressFor(
  ctx: LabContext,
  gateway: { namespace: string; name: string },
): Promise<string | undefined> {
  const { sample } = ctx.settings;
  if (gateway.namespace === sample.namespace && gateway.name === GATEWAY_API_GATEWAY)
    return ingressAddressFor(ctx, 'gatewayApi');
  return (
    ctx.addresses.get({ kind: 'gateway', ...gateway }) ??
    (await discoverGatewayApiAddress(ctx, true, undefined, gateway))
  );
}

export function discoverIngressAddress(
  ctx: LabContext,
  interactive: boolean,
  variant: SampleVariant = 'virtualService',
  progress?: (m: string) => void,
): Promise<string | undefined> {
  return variant === 'gatewayApi'
    ? discoverGatewayApiAddress(ctx, interactive, progress)
    : discoverIstioIngressAddress(ctx, interactive);
}

export const findIngressAddress: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const address = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Istio Ingress Lab: finding the ingress address' },
      (p) => discoverIngressAddress(ctx, true, variant, (message) => p.report({ message })),
    );
    if (address)
      void ctx.prompts.info(
        `Istio Ingress Lab: ${variant === 'gatewayApi' ? `Gateway ${GATEWAY_API_GATEWAY}` : 'the ingress gateway'} answers at ${address}.`,
      );
    return address;
  };

/** The address for requests: the one found earlier, the setting, or found now. */
export async function ingressAddressFor(
  ctx: LabContext,
  variant: SampleVariant = 'virtualService',
): Promise<string | undefined> {
  return (
    ctx.addresses.get(sampleGateway(variant, ctx.settings.sample.namespace)) ??
    (ctx.settings.ingressAddress || (await discoverIngressAddress(ctx, true, variant)))
  );
}
