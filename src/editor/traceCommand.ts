// "Istio Ingress Lab: Trace a Request": asks Host, path, method (and, when connected, the address to enter by),
// traces the request from the ingress address to the pod, shows the path in a webview and logs it as text.
// Offline it uses the workspace YAML and the prediction; connected, the cluster and the gateway's Envoy.
import * as vscode from 'vscode';
import { ROUTING_KIND } from '../istio/gatewayApi';
import type { EntryKind } from '../istio/kubeProxy';
import { predict } from '../istio/predict';
import { traceRequest as runTrace, traceToText, type Trace, type TraceRequest } from '../istio/trace';
import { renameFiles } from '../istio/yamlModel';
import { examplePathForMatch, exampleHeadersForMatch, hostForDomains } from '../lab/requests';
import type { CommandFactory } from './commands/index';
import type { LabContext } from './ctx';

import { gatherLive } from '../lab/traceLive';
import { gatewayRefs } from '../lab/liveRoutes';
import { clusterStatNames, clusterStatPrefix, readStats, statsPath } from '../envoy/adminStats';
import type { PodRef } from '../kube/index';
import { countersMessage } from '../lab/traceHtml';
import { errorText } from './show';
import { COUNTERS_REFRESH_MS, showTracePanel, type LiveCounters } from './traceView';
import { toVsRange } from './vsRange';

/** What a lens (or a test) passes to skip the questions it already knows the answer to. */
export interface TraceArgs {
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  entry?: EntryKind;
  /** A TLS connection (HTTPS or TLS passthrough), with this SNI (default: the host). */
  tls?: boolean;
  sni?: string;
  /** The TLS client presents a certificate (a MUTUAL server refuses the handshake without one). */
  clientCertificate?: boolean;
  /** Trace with the workspace YAML only, even when a cluster answers. */
  offline?: boolean;
  /** `<ns>/<name>` of the Gateway whose route is traced (offline: the request enters through its workload's Service). */
  gateway?: string;
}

/** What the command returns (extension tests read it). */
export interface TraceResult {
  trace: Trace;
  text: string;
  html: string;
  note?: string;
}

/** The gateway Envoy's counters of `cluster`, read fresh from /stats each time (never cached). */
function liveCounters(ctx: LabContext, pod: PodRef, cluster: string, statPrefix: string): LiveCounters {
  const path = statsPath(clusterStatNames(statPrefix));
  const from = `${pod.namespace}/${pod.name}'s Envoy /stats, every ${COUNTERS_REFRESH_MS / 1000} s`;
  return {
    cluster,
    async read() {
      try {
        const stats = readStats(await ctx.getCluster().envoyAdmin(pod).getJson(path, { fresh: true }));
        return countersMessage({ stats }, statPrefix, `read ${new Date().toLocaleTimeString()} from ${from}`);
      } catch (e) {
        return countersMessage({ error: errorText(e) }, statPrefix, '');
      }
    },
  };
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Host, path and headers of the VirtualService match under the cursor, else the sample's host. */
async function defaultsFromCursor(
  ctx: LabContext,
): Promise<{ host: string; path: string; headers: Record<string, string> }> {
  const fallback = { host: ctx.settings.sample.host, path: '/', headers: {} };
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  if (!editor || !doc || doc.languageId !== 'yaml' || !ROUTING_KIND.test(doc.getText())) return fallback;
  const { routes } = await ctx.engine.predictDocument(doc);
  const at = routes.find((r) => toVsRange(r.range).contains(editor.selection.active));
  const r = at ?? routes[0];
  if (!r) return fallback;
  return {
    host: hostForDomains(r.domains, fallback.host),
    path: at ? (examplePathForMatch(r.route.match) ?? '/') : '/',
    headers: at ? exampleHeadersForMatch(r.route.match) : {},
  };
}

export const traceRequest: CommandFactory =
  (ctx) =>
  async (args: TraceArgs = {}): Promise<TraceResult | undefined> => {
    const d = await defaultsFromCursor(ctx);
    const host =
      args.host ??
      (await ctx.prompts.input({
        title: 'Trace a Request (1/3)',
        prompt: 'Host header of the request',
        value: d.host,
        validateInput: (v) => (v.trim() ? undefined : 'A host name, e.g. simple.baihl.io'),
      }));
    if (host === undefined) return undefined;
    const path =
      args.path ??
      (await ctx.prompts.input({
        title: 'Trace a Request (2/3)',
        prompt: 'Path of the request',
        value: d.path,
        validateInput: (v) => (v.startsWith('/') ? undefined : 'The path starts with "/", e.g. /simple/nginx'),
      }));
    if (path === undefined) return undefined;
    if (!path.startsWith('/')) throw new Error(`The path must start with "/", not "${path}".`);
    let method = args.method;
    if (!method) {
      const picked = await ctx.prompts.pick(
        METHODS.map((m) => ({ label: m })),
        { title: 'Trace a Request (3/3)', placeHolder: 'HTTP method' },
      );
      if (!picked) return undefined;
      method = picked.label;
    }

    // Relative names read better in the trace ("istio-specs.yaml:26") than URIs.
    const workspace = renameFiles(await ctx.engine.resources(), (f) =>
      vscode.workspace.asRelativePath(vscode.Uri.parse(f)),
    );
    // The prediction from the workspace names the file and line each route comes from.
    const prediction = predict(workspace);
    const req: TraceRequest = {
      host: host.trim(),
      path,
      method,
      headers: args.headers ?? (args.path === undefined && path === d.path ? d.headers : {}),
      ...(args.tls || args.sni ? { tls: true, ...(args.sni ? { sni: args.sni } : {}) } : {}),
      ...(args.gateway ? { gateway: args.gateway } : {}),
      ...(args.clientCertificate ? { clientCertificate: true } : {}),
    };

    let note: string | undefined;
    let trace: Trace;
    const connected =
      args.offline || !ctx.prompts.isTrusted()
        ? ({
            ok: false,
            reason: args.offline ? 'offline requested' : 'untrusted workspace, so the cluster is not read',
          } as const)
        : await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: 'Istio Ingress Lab: reading the gateway for the trace' },
            () =>
              gatherLive(
                ctx,
                workspace,
                req.gateway
                  ? gatewayRefs(
                      [...workspace.gateways, ...(prediction.generatedGateways ?? [])],
                      ctx.settings.sample.namespace,
                    ).get(req.gateway)
                  : undefined,
              ),
          );
    if (connected.ok) {
      const { data } = connected;
      let entry = args.entry ? data.entries.find((e) => e.kind === args.entry) : undefined;
      if (!entry && !args.entry && data.entries.length) {
        const picked = await ctx.prompts.pick(
          data.entries.map((e) => ({ label: e.label, description: e.description, entry: e })),
          { title: 'Enter the gateway by', placeHolder: 'The address the client sends to' },
        );
        if (!picked) return undefined;
        entry = picked.entry;
      }
      // The entries name the HTTP port; a TLS trace enters by the same address on the HTTPS port (443 or its NodePort).
      if (entry)
        Object.assign(req, { entry: entry.kind, address: entry.address, ...(req.tls ? {} : { port: entry.port }) });
      else if (args.entry) req.entry = args.entry;
      trace = runTrace(req, data.resources, data.live, prediction);
      note = `Live from ${data.gatewayPod}'s Envoy and the cluster's objects.`;
    } else {
      if (args.entry) req.entry = args.entry;
      trace = runTrace(req, workspace, {}, prediction);
      note = `Offline (${connected.reason}): predicted from the workspace YAML.`;
    }

    const text = traceToText(trace);
    ctx.log.info(`trace (${trace.mode}):\n${text}`);
    const counters =
      connected.ok && trace.cluster
        ? liveCounters(
            ctx,
            connected.data.gatewayPodRef,
            trace.cluster,
            clusterStatPrefix(connected.data.configDump, trace.cluster),
          )
        : undefined;
    const html = await showTracePanel(ctx.extensionUri, trace, note, counters);
    return { trace, text, html, note };
  };
