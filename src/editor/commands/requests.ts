// Step 5 and the lens's "send request": curl (argument arrays) when present, the built-in client otherwise;
// the exact curl command is always shown for copying.
import * as vscode from 'vscode';
import type { PredictedRoute } from '../../istio/prediction';
import {
  examplePathForMatch,
  exampleHeadersForMatch,
  formatExchange,
  hostForDomains,
  type LabRequest,
  type LabResponse,
} from '../../lab/requests';
import { formatLoggedLine } from '../../lab/requestLog';
import { sendWithCurl, sendWithNode, type SendResult } from '../../tools/curl';
import type { LabContext } from '../ctx';
import type { GatewayRef } from '../../lab/liveRoutes';
import type { RouteCommandArgs } from '../routeLens';
import { errorText, showText } from '../show';
import type { CommandFactory } from './index';
import { gatewayAddressFor, ingressAddressFor } from './ingress';
import { k8sGatewayOf } from '../../istio/gatewayApi';

export const ARTICLE_PATHS = ['/simple/httpserver', '/simple/nginx'];

export async function send(ctx: LabContext, req: LabRequest, signal?: AbortSignal): Promise<SendResult> {
  const curl = ctx.tool('curl');
  if (curl.ok) return sendWithCurl(curl.tool, req, { signal, log: (l) => ctx.log.info(l) });
  ctx.log.info(`request (built-in client, ${curl.message}): GET http://${req.address}${req.path} Host: ${req.host}`);
  return sendWithNode(req, { signal });
}

async function sendAll(
  ctx: LabContext,
  reqs: LabRequest[],
): Promise<{ text: string; responses: (LabResponse | undefined)[] }> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Istio Ingress Lab: sending requests', cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const blocks: string[] = [];
      const responses: (LabResponse | undefined)[] = [];
      for (const req of reqs) {
        const r = await send(ctx, req, abort.signal);
        responses.push(r.ok ? r.response : undefined);
        blocks.push(formatExchange(req, r.ok ? { response: r.response } : { error: r.message }));
      }
      return { text: blocks.join('\n'), responses };
    },
  );
}

export const sendRequests: CommandFactory =
  (ctx) =>
  async (...args: unknown[]) => {
    const variant = ctx.variantFor(args);
    const address = await ingressAddressFor(ctx, variant);
    if (!address)
      throw new Error(
        'No ingress address to send to: run "Find Ingress Address", or set istioIngressLab.ingress.address.',
      );
    const host = ctx.settings.sample.host;
    const { text, responses } = await sendAll(
      ctx,
      ARTICLE_PATHS.map((path) => ({ address, host, path })),
    );
    await showText(text, 'requests.sh');
    const ok = responses.every((r) => r && r.status < 400);
    await ctx.setStep('requestsSent', ok, variant);
    if (!ok)
      void ctx.prompts.error(
        'Istio Ingress Lab: not every request succeeded; see the results (a 404 means no route matched, a 503 no healthy endpoint).',
      );
    else offerCopy(ctx, text);
    return text;
  };

/** The predicted route a lens stood for (found again in the current text), with its Gateway's pods selector. */
/** The curl commands, ready to paste into a terminal. */
function offerCopy(ctx: LabContext, results: string): void {
  const commands = results
    .split('\n')
    .filter((l) => l.startsWith('$ curl '))
    .map((l) => l.slice(2));
  void ctx.prompts
    .info(`Istio Ingress Lab: ${commands.length} requests answered through the ingress gateway.`, 'Copy curl Commands')
    .then(async (answer) => {
      if (answer === 'Copy curl Commands') await vscode.env.clipboard.writeText(commands.join('\n') + '\n');
    });
}

export async function findPredicted(
  ctx: LabContext,
  args: RouteCommandArgs,
): Promise<PredictedRoute & { gatewayRef?: GatewayRef }> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(args.file));
  const p = await ctx.engine.predictDocument(doc);
  const r = p.routes.find(
    (x) =>
      x.http === args.http &&
      x.match === args.match &&
      x.routeConfig === args.routeConfig &&
      x.virtualHost === args.virtualHost,
  );
  if (!r) throw new Error('That route is no longer in the file (it was edited): hover the match again.');
  return { ...r, gatewayRef: p.gateways.get(r.gateway) };
}

export const sendRequestForMatch: CommandFactory = (ctx) => async (args?: RouteCommandArgs) => {
  if (!args) throw new Error('Use the "send request" lens above a VirtualService match.');
  const predicted = await findPredicted(ctx, args);
  let path = examplePathForMatch(predicted.route.match);
  if (path === undefined) {
    path = await ctx.prompts.input({
      prompt: `A path that matches the regex ${predicted.route.match.safeRegex?.regex}`,
      value: '/',
    });
    if (!path) return undefined;
  }
  // An HTTPRoute's rule is served by its own Gateway's deployed gateway, not by the ingress gateway.
  const k8sGateway = predicted.kind ? k8sGatewayOf(predicted.gateway) : undefined;
  const address = k8sGateway ? await gatewayAddressFor(ctx, k8sGateway) : await ingressAddressFor(ctx);
  if (!address)
    throw new Error(
      'No ingress address to send to: run "Find Ingress Address", or set istioIngressLab.ingress.address.',
    );
  const req: LabRequest = {
    address,
    host: hostForDomains(args.domains, ctx.settings.sample.host),
    path,
    headers: exampleHeadersForMatch(predicted.route.match),
  };
  const sentAt = Date.now();
  const { text } = await sendAll(ctx, [req]);
  const logged = await loggedLine(ctx, req, sentAt);
  const shown = `${text}\n${logged}`;
  await showText(shown, 'request.sh');
  return shown;
};

/** The gateway's access log line of a request just sent (Envoy flushes its log every second or so). */
async function loggedLine(ctx: LabContext, req: LabRequest, sentAt: number): Promise<string> {
  const waitMs = 8000;
  try {
    const rec = await ctx.requests.waitForSent({ host: req.host, path: req.path, sentAt }, waitMs);
    const state = ctx.requests.state;
    return formatLoggedLine(rec, waitMs, state.kind === 'error' ? state.message : undefined);
  } catch (e) {
    return formatLoggedLine(undefined, waitMs, errorText(e));
  }
}
