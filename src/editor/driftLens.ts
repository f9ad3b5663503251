// Two more lenses on each VirtualService match, next to the route lenses of routeLens.ts:
//   "trace"  runs Trace a Request for a request the match selects;
//   "drift: …" says whether the editor's YAML, the applied object (server-side apply dry run) and the
//   gateway Envoy's route agree (src/lab/drift.ts decides; this file gathers the inputs).
// Drift lenses appear only when the gateway's Envoy can be read (trusted workspace, cluster answering).
import * as vscode from 'vscode';
import type { NotOnGateway, PredictedRoute } from '../istio/prediction';
import { noneIfNotServed, parseManifests } from '../kube/index';
import {
  appliedForHttp,
  editorVirtualService,
  compareLiveRoute,
  computeDrift,
  driftIcon,
  driftTitle,
  lastAppliedAt,
  type AppliedComparison,
  type Drift,
  type LiveRoute,
  type PredictedPlacement,
} from '../lab/drift';
import { ROUTING_KIND } from '../istio/gatewayApi';
import { TRACE_LENS_TITLE } from '../lab/lensText';
import { examplePathForMatch, exampleHeadersForMatch, hostForDomains } from '../lab/requests';
import { commandId } from '../lab/steps';
import type { LabContext } from './ctx';
import type { LiveGateway } from '../lab/liveRoutes';
import { actionRange } from './routeLens';
import { errorText } from './show';
import type { DriftCommandArgs } from './commands/drift';
import type { TraceArgs } from './traceCommand';
import { toVsRange } from './vsRange';

interface VsRef {
  name: string;
  namespace: string;
}

class DriftLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly doc: vscode.TextDocument,
    readonly vs: VsRef,
    readonly placement: { predicted: PredictedRoute } | { missing: NotOnGateway },
  ) {
    super(range);
  }
}

/** The request a match selects, for the trace lens. */
export function traceArgsFor(p: PredictedRoute, fallbackHost: string): TraceArgs {
  const method = p.route.match.headers?.find((h) => h.name === ':method' && !h.invertMatch);
  const m = method?.stringMatch?.exact ?? method?.exactMatch;
  return {
    host: hostForDomains(p.domains, fallbackHost),
    path: examplePathForMatch(p.route.match),
    headers: exampleHeadersForMatch(p.route.match),
    method: m ?? 'GET',
    // a route of an HTTPS server is reached over TLS (its SNI the host); through that Gateway's workload
    ...(p.routeConfig.startsWith('https.') ? { tls: true } : {}),
    gateway: p.gateway,
  };
}

const DRIFT_LENS_MAX = 70;

export class DriftLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  /** Dry runs per document version, VirtualService and gateway read: one API call per VirtualService per refresh. */
  private readonly applied = new Map<string, Promise<AppliedComparison>>();
  private readonly settled = new Map<string, AppliedComparison>();

  constructor(private readonly ctx: LabContext) {
    this.onDidChangeCodeLenses = ctx.onDidChangeLenses;
    ctx.invalidation.register('drift.dryRuns', () => {
      this.applied.clear();
      this.settled.clear();
    });
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // trace lenses on VirtualService, HTTPRoute and GRPCRoute matches; drift lenses on VirtualServices only
    if (!ROUTING_KIND.test(doc.getText())) return [];
    const p = await this.ctx.engine.predictDocument(doc);
    const host = this.ctx.settings.sample.host;
    const lenses: vscode.CodeLens[] = p.routes.map(
      (r) =>
        new vscode.CodeLens(actionRange(r.range), {
          title: TRACE_LENS_TITLE,
          command: commandId('traceRequest'),
          arguments: [traceArgsFor(r, host)],
          tooltip: 'Trace a request this match selects: ingress address, kube-proxy, Envoy, the pod',
        }),
    );
    // Drift needs the cluster: without it there is nothing to compare, and no lens says so.
    if (!this.ctx.prompts.isTrusted()) return lenses;
    // A slow or dead cluster must not hold back the trace lenses: show them now, the drift lenses once the
    // gateway has answered (or failed), by asking VS Code for the lenses again.
    const pending = this.ctx.live.get();
    const live = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (!live) {
      void pending.then((l) => l.ok && this.ctx.refreshLenses('drift: the gateway answered'));
      return lenses;
    }
    if (!live.ok) return lenses;
    const seen = new Set<string>();
    for (const r of p.routes) {
      if (r.kind) continue; // an HTTPRoute/GRPCRoute rule: Istio's VirtualService for it is internal, nothing applied
      const key = `${r.http}/${r.match}`;
      if (seen.has(key)) continue; // one drift lens per match, even when several gateways get it
      seen.add(key);
      lenses.push(new DriftLens(actionRange(r.range), doc, r.virtualService, { predicted: r }));
    }
    for (const n of p.notOnGateway)
      lenses.push(new DriftLens(toVsRange(n.range), doc, n.virtualService, { missing: n }));
    // A drift whose dry run is in comes complete: VS Code then has nothing to resolve on the match's action line,
    // whose lenses (send, trace) it redraws only once every lens of the line is resolved. Until it does, a click
    // on them runs a command of the lenses it replaced, which is gone (microsoft/vscode#226936).
    for (const lens of lenses)
      if (lens instanceof DriftLens) {
        const applied = this.appliedNow(lens, live.gateway);
        if (applied) this.setCommand(lens, this.driftWith(lens, live.gateway, applied));
      }
    return lenses;
  }

  async resolveCodeLens(lens: vscode.CodeLens): Promise<vscode.CodeLens> {
    if (!(lens instanceof DriftLens)) return lens;
    return this.setCommand(lens, await this.drift(lens));
  }

  private setCommand(lens: DriftLens, d: Drift): DriftLens {
    const refresh = d.state === 'applied-pending' || d.state === 'unknown';
    // A long reason would push the line past the Explorer: the lens keeps the state, the tooltip the reason.
    const title = d.title.length > DRIFT_LENS_MAX ? driftTitle(d.state) : d.title;
    const args: DriftCommandArgs = { state: d.state, title: d.title, detail: d.detail };
    lens.command = {
      title: `${driftIcon(d.state)} ${title}`,
      // A state that will change by itself reads the gateway again; the others say in full what the lens says.
      command: refresh ? commandId('refresh') : commandId('showDrift'),
      arguments: refresh ? [] : [args],
      tooltip: d.detail,
    };
    return lens;
  }

  private async drift(lens: DriftLens): Promise<Drift> {
    const lg = await this.ctx.live.get();
    if (!lg.ok)
      return computeDrift({
        applied: { kind: 'unknown', reason: lg.reason },
        predicted: { onGateway: true },
        live: { kind: 'unknown', reason: lg.reason },
        now: Date.now(),
      });
    return this.driftWith(lens, lg.gateway, await this.appliedComparison(lens.doc, lens.vs, lg.gateway));
  }

  private driftWith(lens: DriftLens, gateway: LiveGateway, comparison: AppliedComparison): Drift {
    const http = 'predicted' in lens.placement ? lens.placement.predicted.http : lens.placement.missing.http;
    const applied = appliedForHttp(comparison, http);
    let predicted: PredictedPlacement;
    let live: LiveRoute;
    if ('predicted' in lens.placement) {
      const p = lens.placement.predicted;
      predicted = { onGateway: true };
      live = compareLiveRoute(
        p.route,
        gateway.findRoute(p.routeConfig, p.domains, p.route.match)?.route,
        gateway.hasVirtualService(lens.vs.namespace, lens.vs.name),
      );
    } else {
      predicted = { onGateway: false, reason: lens.placement.missing.reason };
      live = { kind: 'missing', virtualServiceSeen: gateway.hasVirtualService(lens.vs.namespace, lens.vs.name) };
    }
    return computeDrift({ applied, predicted, live, now: Date.now() });
  }

  private appliedKey(doc: vscode.TextDocument, vs: VsRef, g: LiveGateway): string {
    return `${doc.uri.toString()}#${doc.version}#${vs.namespace}/${vs.name}#${g.fetchedAt}`;
  }

  private appliedComparison(doc: vscode.TextDocument, vs: VsRef, g: LiveGateway): Promise<AppliedComparison> {
    const key = this.appliedKey(doc, vs, g);
    let result = this.applied.get(key);
    if (!result) {
      if (this.applied.size > 200) {
        this.applied.clear();
        this.settled.clear();
      }
      result = this.dryRun(doc, vs);
      this.applied.set(key, result);
      void result.then((r) => {
        if (this.applied.get(key) === result) this.settled.set(key, r);
      });
    }
    return result;
  }

  /** The dry run's answer for this lens if it is in (same document version, object and gateway read). */
  private appliedNow(lens: DriftLens, g: LiveGateway): AppliedComparison | undefined {
    return this.settled.get(this.appliedKey(lens.doc, lens.vs, g));
  }

  /** Server-side apply dry run of the editor's VirtualService: what would change in the cluster. */
  private async dryRun(doc: vscode.TextDocument, vs: VsRef): Promise<AppliedComparison> {
    try {
      const obj = editorVirtualService(
        parseManifests(doc.getText(), doc.uri.fsPath),
        vs,
        this.ctx.engine.defaultNamespace(),
      );
      if (!obj)
        return { kind: 'unknown', reason: `VirtualService ${vs.namespace}/${vs.name} not found in the editor's text` };
      const cluster = this.ctx.getCluster();
      const [results, inCluster] = await Promise.all([
        cluster.serverSideApply([obj], { dryRun: true, namespace: vs.namespace }),
        cluster.virtualServices(vs.namespace).catch(noneIfNotServed),
      ]);
      const r = results.find((x) => x.kind === 'VirtualService');
      if (!r || r.action === 'created') return { kind: 'absent' };
      // The dry run's own answer carries a fresh managedFields time: the live object says when it was applied.
      const appliedAt = lastAppliedAt(
        inCluster.find((o) => o.metadata.name === vs.name) as Parameters<typeof lastAppliedAt>[0],
      );
      if (r.action === 'configured') return { kind: 'changed', fields: r.changes, appliedAt };
      return { kind: 'same', appliedAt };
    } catch (e) {
      const reason = errorText(e);
      this.ctx.log.warn(`drift: dry run of ${vs.namespace}/${vs.name} failed: ${reason}`);
      return { kind: 'unknown', reason };
    }
  }
}
