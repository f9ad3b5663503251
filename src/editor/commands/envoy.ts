// Step 6 and the gateway views: istioctl proxy-config when present, else the built-in reader of the
// gateway's Envoy admin (through the Kubernetes port-forward API), printed in istioctl's table format.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatEndpoint, formatRoute } from '../../lab/lensText';
import { endpointsArgs, listenersArgs, routesArgs, type ProxyTarget } from '../../tools/istioctl';
import { labNamespaces, readPodListeningSockets, readServiceNatRules } from '../../tools/labNetwork';
import { runTool } from '../../tools/run';
import type { LabContext } from '../ctx';
import { resolveRoute } from '../../lab/resolveRoute';
import type { RouteCommandArgs } from '../routeLens';
import { showText } from '../show';
import type { CommandFactory } from './index';
import { findPredicted } from './requests';
import { routeClusters } from '../../envoy/routeClusters';
import { GATEWAY_NAME_LABEL } from '../../istio/gatewayApi';
import { GATEWAY_API_GATEWAY } from '../../lab/scaffold';
import type { SampleVariant } from '../../lab/steps';
import type { GatewayRef } from '../../lab/liveRoutes';

/** Listener port, route config names and clusters the sample's prediction puts on its gateway. */
async function sampleTargets(
  ctx: LabContext,
  variant: SampleVariant,
): Promise<{ port: number; routeConfigs: string[]; clusters: string[] }> {
  const prediction = await ctx.engine.predictWorkspace();
  const host = ctx.settings.sample.host;
  // The workspace may hold both samples: the HTTPRoute's routes are on the deployed gateway, the VirtualService's on the ingress gateway.
  const routes = prediction.routes.filter(
    (r) => r.domains.includes(host) && (variant === 'gatewayApi') === (r.kind !== undefined),
  );
  // Gateway API listeners listen on the listener port itself (80); the ingress gateway on its targetPort (8080).
  const fallback = variant === 'gatewayApi' ? 80 : 8080;
  const port = Number(/_(\d+)$/.exec(routes[0]?.listener ?? '')?.[1] ?? fallback);
  const routeConfigs = [...new Set(routes.map((r) => r.routeConfig))];
  const clusters = [...new Set(routes.flatMap((r) => routeClusters(r.route)))];
  return { port, routeConfigs: routeConfigs.length ? routeConfigs : [`http.${port}`], clusters };
}

/** Whether a listeners table sends traffic to one of these route configs ("Route: http.8080"). */
function routesIn(listenersTable: string, routeConfigs: string[]): boolean {
  return routeConfigs.some((rc) => listenersTable.includes(`Route: ${rc}`));
}

/**
 * The article's 5.2 and 5.3 where the node and the pods are network namespaces on this machine (the
 * lab's own cluster: its kubeconfig sits next to the harness's ingress.json): kube-proxy's rules for
 * the gateway Service with their packet counters, and the gateway pod's listening sockets.
 * Nothing for other clusters, whose nodes the lab cannot enter.
 */
async function labNodeSections(
  ctx: LabContext,
  pod: { namespace: string; name: string },
  service?: { namespace: string; name: string },
): Promise<string[]> {
  if (!ctx.settings.kubeconfig) return [];
  const lab = labNamespaces(dirname(ctx.settings.kubeconfig));
  if (!lab.node) return [];
  const out: string[] = [];
  const svc = service ?? (await ctx.getCluster().istioStatus()).gatewayService?.metadata;
  if (svc?.name) {
    const rules = await readServiceNatRules(lab.node, svc.namespace ?? pod.namespace, svc.name);
    out.push(
      `# 5.2 kube-proxy's rules for ${svc.namespace}/${svc.name} in the node (counters: [packets:bytes], they rise with each new connection)\n` +
        `$ ${rules.commandLine ?? ''} | grep ${svc.namespace}/${svc.name}\n${rules.ok ? rules.text : `✗ ${rules.message}`}`,
    );
  }
  const podNs = lab.pod(pod.namespace, pod.name);
  if (podNs) {
    const sockets = await readPodListeningSockets(podNs);
    out.push(
      `# 5.3 the gateway pod's listening sockets (the article's nsenter step)\n$ ${sockets.commandLine ?? ''}\n${sockets.ok ? sockets.text.trimEnd() : `✗ ${sockets.message}`}`,
    );
  }
  return out;
}

async function requirePod(ctx: LabContext, gw?: GatewayRef) {
  const pod = await ctx.live.gatewayPod(gw);
  if (typeof pod === 'string') throw new Error(`No gateway pod to inspect: ${pod}.`);
  return pod;
}

/** The Gateway API sample's gateway: the pods istiod deployed for its Gateway, and their Deployment and Service. */
function sampleGateway(ctx: LabContext): { ref: GatewayRef; deployed: { namespace: string; name: string } } {
  const namespace = ctx.settings.sample.namespace;
  return {
    ref: { namespace, selector: { [GATEWAY_NAME_LABEL]: GATEWAY_API_GATEWAY } },
    deployed: { namespace, name: `${GATEWAY_API_GATEWAY}-istio` },
  };
}

export const inspectEnvoy: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const gw = variant === 'gatewayApi' ? sampleGateway(ctx) : undefined;
    const pod = await requirePod(ctx, gw?.ref);
    const targets = await sampleTargets(ctx, variant);
    const sections: string[] = [];
    let listenerSeen = false;
    const istioctl = ctx.tool('istioctl');
    if (istioctl.ok) {
      const t: ProxyTarget = {
        // As Istio's docs name a deployed gateway: its Deployment (istioctl picks one of its pods).
        pod: gw ? `deploy/${gw.deployed.name}` : pod.name,
        namespace: pod.namespace,
        kubeconfig: ctx.settings.kubeconfig || undefined,
      };
      const runs = [
        listenersArgs(t, targets.port),
        ...targets.routeConfigs.map((n) => routesArgs(t, n)),
        ...targets.clusters.map((c) => endpointsArgs(t, c)),
      ];
      for (const args of runs) {
        const r = await runTool(istioctl.tool, args, { log: (l) => ctx.log.info(l) });
        sections.push(`$ ${r.commandLine}\n${r.failure ? `✗ ${r.failure}: ${r.stderr.trim()}` : r.stdout.trimEnd()}`);
        if (args[1] === 'listeners' && !r.failure && routesIn(r.stdout, targets.routeConfigs)) listenerSeen = true;
      }
    } else {
      const live = await ctx.live.get(gw?.ref);
      if (!live.ok) throw new Error(live.reason);
      const g = live.gateway;
      const pre = `# built in (${istioctl.message}), read from ${pod.name}'s Envoy admin`;
      let listeners = g.listenersTable(targets.port);
      let command = `$ istioctl proxy-config listeners ${pod.name} -n ${pod.namespace} --port ${targets.port}`;
      if (listeners.trim().split('\n').length <= 1) {
        // Bound elsewhere (a test harness remaps ports): show every listener rather than an empty table.
        listeners = g.listenersTable();
        command = `$ istioctl proxy-config listeners ${pod.name} -n ${pod.namespace}   # nothing bound to port ${targets.port}`;
      }
      listenerSeen = routesIn(listeners, targets.routeConfigs);
      sections.push(pre);
      sections.push(`${command}\n${listeners.trimEnd()}`);
      for (const n of targets.routeConfigs)
        sections.push(
          `$ istioctl proxy-config routes ${pod.name} -n ${pod.namespace} --name ${n}\n${g.routesTable(n).trimEnd()}`,
        );
      for (const c of targets.clusters)
        sections.push(
          `$ istioctl proxy-config endpoints ${pod.name} -n ${pod.namespace} --cluster "${c}"\n${g.endpointsTable(c).trimEnd()}`,
        );
    }
    sections.push(...(await labNodeSections(ctx, pod, gw?.deployed)));
    const text = sections.join('\n\n') + '\n';
    await showText(text, 'inspect-envoy.sh');
    await ctx.setStep('envoyInspected', listenerSeen, variant);
    return text;
  };

export const openConfigDump: CommandFactory = (ctx) => async () => {
  const live = await ctx.live.get();
  if (!live.ok) throw live.error ?? new Error(live.reason);
  return showText(JSON.stringify(live.gateway.configDump, null, 2), 'config_dump.json');
};

export const chooseGatewayPod: CommandFactory = (ctx) => async () => {
  const { gateway } = ctx.settings;
  const pods = await ctx.getCluster().listPods(gateway.namespace, { labelSelector: gateway.selector });
  if (!pods.length) throw new Error(`No pod in ${gateway.namespace} matches ${gateway.selector}.`);
  const picked = await ctx.prompts.pick(
    pods.map((p) => ({
      label: p.name,
      description: `${p.ready ? 'Ready' : (p.notReadyReason ?? 'not ready')}${p.ip ? ` · ${p.ip}` : ''}`,
      pod: p,
    })),
    { title: 'Gateway pod whose Envoy the lab reads' },
  );
  if (!picked) return undefined;
  await vscode.workspace
    .getConfiguration('istioIngressLab')
    .update('gateway.pod', picked.pod.name, vscode.ConfigurationTarget.Workspace);
  ctx.changed('gateway', `gateway pod ${picked.pod.name} chosen`);
  return picked.pod.name;
};

export const refresh: CommandFactory = (ctx) => () => {
  ctx.changed('live', 'the refresh command');
};

export const showRoute: CommandFactory = (ctx) => async (args?: RouteCommandArgs) => {
  if (!args) throw new Error('Use a lens above a VirtualService match to show its route.');
  const predicted = await findPredicted(ctx, args);
  const r = await resolveRoute(ctx.live, predicted, predicted.gatewayRef);
  const vs = predicted.virtualService;
  const lines = [
    `# ${vs.namespace}/${vs.name} http[${predicted.http}]${predicted.match === null ? '' : `.match[${predicted.match}]`} on gateway ${predicted.gateway}`,
    `# ${r.source === 'live' ? `live from ${r.gatewayPod}` : 'predicted'}${r.missing ? ` · NOT ON THE GATEWAY: ${r.missing}` : ''}${r.note ? ` · ${r.note}` : ''}`,
    `# ${formatRoute(r.view)}`,
    '',
    JSON.stringify(r.view.route, null, 2),
    '',
  ];
  if (r.source === 'live') {
    lines.push('ENDPOINTS', ...(r.endpoints.length ? r.endpoints.map(formatEndpoint) : ['(none)']));
    const live = await ctx.live.get(predicted.gatewayRef);
    if (live.ok) {
      for (const c of routeClusters(r.view.route)) lines.push('', live.gateway.endpointsTable(c).trimEnd());
    }
  }
  return showText(
    lines.join('\n') + '\n',
    `route-${vs.namespace}-${vs.name}-http${predicted.http}${predicted.match === null ? '' : `-match${predicted.match}`}.jsonc`,
  );
};
