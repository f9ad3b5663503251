// CodeLens on every http[].match of a VirtualService: the Envoy route it becomes and the endpoints behind it.
// provideCodeLenses only places lenses (ranges from the engine's prediction, cached per document version);
// resolveCodeLens adds live data from the per-gateway cache, read once per refresh.
import * as vscode from 'vscode';
import { ROUTING_KIND } from '../istio/gatewayApi';
import type { Range } from '../istio/model';
import type { NotOnGateway, PredictedRoute } from '../istio/prediction';
import {
  fitLens,
  formatEndpointList,
  formatEndpoints,
  formatNotOnGateway,
  formatRoute,
  formatRouteLens,
  SEND_REQUEST_TITLE,
} from '../lab/lensText';
import { outcomesLensText } from '../lab/requestLog';
import { commandId } from '../lab/steps';
import { REQUESTS_VIEW_ID } from './requestsView';
import type { LabContext } from './ctx';
import type { GatewayRef, LiveState } from '../lab/liveRoutes';
import { resolveRoute, resolveWith, type ResolvedRoute } from '../lab/resolveRoute';
import { toVsRange } from './vsRange';

type LensKind = 'route' | 'endpoints' | 'send' | 'outcomes';

class RouteLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly kind: LensKind,
    readonly predicted: PredictedRoute,
    readonly gateway: GatewayRef | undefined,
  ) {
    super(range);
  }
}

/**
 * Where a match's action lenses (send, trace, drift) go: the match's second line, so they get a lens line of
 * their own and the route line stays short enough to sit beside the Explorer. A one-line match keeps them
 * on its line.
 */
export function actionRange(r: Range): vscode.Range {
  const line = r.end.line > r.start.line ? r.start.line + 1 : r.start.line;
  return new vscode.Range(line, 0, line, 0);
}

export class RouteLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly ctx: LabContext) {
    this.onDidChangeCodeLenses = ctx.onDidChangeLenses;
  }

  private firstLogged = false;

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // Cheap exit for YAML without VirtualServices (the engine caches the parse per document version).
    if (!ROUTING_KIND.test(doc.getText())) return [];
    const started = Date.now();
    const p = await this.ctx.engine.predictDocument(doc);
    if (!this.firstLogged) {
      this.firstLogged = true;
      this.ctx.log.info(`lenses: first prediction for ${doc.uri.fsPath} in ${Date.now() - started} ms`);
    }
    const lenses: RouteLens[] = [];
    for (const r of p.routes) {
      const range = toVsRange(r.range);
      const gw = p.gateways.get(r.gateway);
      lenses.push(
        new RouteLens(range, 'route', r, gw),
        new RouteLens(range, 'endpoints', r, gw),
        new RouteLens(actionRange(r.range), 'send', r, gw),
      );
      // What the gateway's access log says about this match, once the Requests view follows it.
      if (this.ctx.requests.following || this.ctx.requests.log.size)
        lenses.push(new RouteLens(actionRange(r.range), 'outcomes', r, gw));
    }
    // When the gateway's state is already in, or answers at once (no cluster, untrusted, cached), the lenses
    // come complete: VS Code then skips its resolve round and its debounce, so they appear in one step.
    const states = new Map<GatewayRef | undefined, LiveState | undefined>();
    for (const lens of lenses) {
      if (lens.kind === 'send') {
        sendCommand(lens);
        continue;
      }
      if (lens.kind === 'outcomes') {
        this.outcomesCommand(lens);
        continue;
      }
      if (!states.has(lens.gateway))
        states.set(lens.gateway, this.ctx.live.peek(lens.gateway) ?? (await quickly(this.ctx.live.get(lens.gateway))));
      const live = states.get(lens.gateway);
      if (live) lens.command = lensCommand(lens.kind, resolveWith(lens.predicted, live));
    }
    return [...lenses, ...p.notOnGateway.map(notOnGatewayLens)];
  }

  async resolveCodeLens(lens: vscode.CodeLens): Promise<vscode.CodeLens> {
    if (!(lens instanceof RouteLens)) return lens;
    if (lens.kind === 'send') return sendCommand(lens);
    if (lens.kind === 'outcomes') return this.outcomesCommand(lens);
    const resolved = await resolveRoute(this.ctx.live, lens.predicted, lens.gateway);
    lens.command = lensCommand(lens.kind, resolved);
    return lens;
  }

  /** The outcome lens reads the Requests view's records only: no cluster call. */
  private outcomesCommand(lens: RouteLens): RouteLens {
    const counts = this.ctx.requests.log.outcomesFor(lens.predicted.file, lens.predicted.range.start.line);
    lens.command = {
      title: outcomesLensText(counts),
      command: `${REQUESTS_VIEW_ID}.focus`,
      tooltip:
        'Requests whose access log line points at this match, from the Gateway Requests view (a 404 NR counts on the nearest route that missed)',
    };
    return lens;
  }
}

/** The answer if it comes within a moment; a slow one (a port-forward to Envoy) is left to resolveCodeLens. */
function quickly<T>(p: Promise<T>, ms = 50): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  // A late failure is not lost: resolveCodeLens asks again and shows it; here it must not go unhandled.
  p.catch(() => undefined);
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The send lens needs no cluster data: the request follows from the match itself. */
function sendCommand(lens: RouteLens): RouteLens {
  lens.command = {
    title: SEND_REQUEST_TITLE,
    command: commandId('sendRequestForMatch'),
    arguments: [routeArgs(lens.predicted)],
    tooltip: SEND_TOOLTIP,
  };
  return lens;
}

function lensCommand(kind: LensKind, r: ResolvedRoute): vscode.Command {
  const args = [routeArgs(r.predicted)];
  // The lens is short; the tooltip (and the hover) carry the whole route and every endpoint.
  const full = formatRoute(r.view);
  if (r.missing) {
    return kind === 'route'
      ? {
          title: fitLens(formatNotOnGateway(r.missing)),
          command: commandId('showRoute'),
          arguments: args,
          tooltip: `${formatNotOnGateway(r.missing)}\nShow the predicted route and what the gateway holds`,
        }
      : {
          title: formatRouteLens(r.view, 'predicted'),
          command: commandId('showRoute'),
          arguments: args,
          tooltip: `What the prediction expected on the gateway: ${full}`,
        };
  }
  if (kind === 'route') {
    return {
      title: formatRouteLens(r.view, r.source),
      command: commandId('showRoute'),
      arguments: args,
      tooltip: `${full}\n${r.note ?? 'Open the Envoy route JSON and its endpoints'}`,
    };
  }
  // kind === 'endpoints'
  return {
    title: formatEndpoints(r.endpoints, r.source),
    command: commandId('showRoute'),
    arguments: args,
    tooltip: `${formatEndpointList(r.endpoints, r.source)}${r.note ? `\n${r.note}` : ''}`,
  };
}

/** What the showRoute / sendRequestForMatch commands receive from a lens (plain data, JSON-serialisable). */
export interface RouteCommandArgs {
  file: string;
  http: number;
  match: number | null;
  gateway: string;
  routeConfig: string;
  virtualHost: string;
  domains: string[];
}

const SEND_TOOLTIP = 'Send a request that this match selects, through the ingress gateway';

function routeArgs(p: PredictedRoute): RouteCommandArgs {
  return {
    file: p.file,
    http: p.http,
    match: p.match,
    gateway: p.gateway,
    routeConfig: p.routeConfig,
    virtualHost: p.virtualHost,
    domains: p.domains,
  };
}

function notOnGatewayLens(n: NotOnGateway): vscode.CodeLens {
  return new vscode.CodeLens(toVsRange(n.range), {
    title: fitLens(formatNotOnGateway(n.reason)),
    command: '',
    tooltip: `VirtualService ${n.virtualService.namespace}/${n.virtualService.name} puts no route on any gateway: ${n.reason}`,
  });
}
