// A CodeLens on each Gateway API Gateway, HTTPRoute and GRPCRoute of a YAML file: the status istiod wrote
// on the cluster's object (Accepted, Programmed and the address on a Gateway; Accepted and ResolvedRefs per
// parent on a route), with every condition's reason and message in the tooltip; on a Gateway, said when it
// differs from what the YAML predicts. A Gateway the cluster does not hold (offline, or not applied) gets the
// status istiod will write, predicted from the workspace's YAML (src/istio/gatewayApiStatus.ts); a route's reasons
// are then in the diagnostics.
import * as vscode from 'vscode';
import type { GatewayApiKind, GatewayApiObject } from '../kube/index';
import { gatewayStatusDifferences, predictedStatusLens, statusLens } from '../lab/gatewayStatus';
import { translateGatewayApi } from '../istio/gatewayApi';
import type { GatewayStatusPrediction } from '../istio/gatewayApiStatus';
import { commandId } from '../lab/steps';
import type { StatusArgs } from './commands/gatewayApiStatus';
import type { KubeObject } from '../istio/model';
import type { LabContext } from './ctx';
import { errorText } from './show';
import { toVsRange } from './vsRange';

const GATEWAY_API_KIND = /apiVersion:\s*gateway\.networking\.k8s\.io\//;
/** While istiod has not yet written a status (just applied), the lenses ask again this often, this many times. */
const PENDING_RETRY_MS = 2000;
const PENDING_RETRIES = 30;

type Objects = Map<string, GatewayApiObject>;

export class GatewayStatusLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  /** Per `kind/namespace`: the cluster's objects, read once per refresh. */
  private readonly reads = new Map<string, Promise<Objects | undefined>>();
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: LabContext) {
    this.onDidChangeCodeLenses = ctx.onDidChangeLenses;
    ctx.invalidation.register('status.gatewayApi', () => {
      this.reads.clear();
      this.retries = 0;
    });
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!GATEWAY_API_KIND.test(doc.getText()) || !this.ctx.prompts.isTrusted()) return [];
    const resources = this.ctx.engine.documentResources(doc);
    const objects: [GatewayApiKind, KubeObject][] = [
      ...resources.k8sGateways.map((o) => ['Gateway', o] as [GatewayApiKind, KubeObject]),
      ...resources.httpRoutes.map((o) => ['HTTPRoute', o] as [GatewayApiKind, KubeObject]),
      ...resources.grpcRoutes.map((o) => ['GRPCRoute', o] as [GatewayApiKind, KubeObject]),
    ];
    const lenses: vscode.CodeLens[] = [];
    let pending = false;
    // the Gateways' statuses as istiod will compute them, from every YAML of the workspace (routes attach from other files)
    let predictions: Promise<Map<string, GatewayStatusPrediction>> | undefined;
    const predicted = (namespace: string, name: string) => {
      predictions ??= this.ctx.engine.resources().then((r) => translateGatewayApi(r).gatewayStatuses);
      return predictions.then((m) => m.get(`${namespace}/${name}`));
    };
    for (const [kind, o] of objects) {
      const namespace = o.metadata.namespace ?? this.ctx.settings.sample.namespace;
      const live = (await this.read(kind, namespace))?.get(o.metadata.name);
      const prediction = kind === 'Gateway' ? await predicted(namespace, o.metadata.name) : undefined;
      if (!live) {
        // not on the cluster (or the cluster did not answer): what istiod will write, if the lab can tell
        if (!prediction) continue;
        const p = predictedStatusLens(prediction);
        lenses.push(
          new vscode.CodeLens(toVsRange(o.rangeAt(['kind'])), {
            title: p.title,
            tooltip: `Gateway ${namespace}/${o.metadata.name}: the status istiod will write, predicted from the YAML by Istio's rules:\n${p.tooltip}`,
            command: commandId('showGatewayApiStatus'),
            arguments: [{ kind, namespace, name: o.metadata.name, predicted: true } satisfies StatusArgs],
          }),
        );
        continue;
      }
      const lens = statusLens(live);
      if (!lens) continue;
      if (lens.title.endsWith('no status yet') || / \?|no address/.test(lens.title)) pending = true;
      const differences =
        prediction && live.status?.conditions?.length ? gatewayStatusDifferences(live, prediction) : [];
      // istiod may not have caught up with an apply (a route not yet attached): read again a while
      if (differences.length) pending = true;
      const differ = differences.length
        ? `\n\nDiffers from the prediction from the YAML (is the cluster's object the one in this file?):\n${differences.map((d) => `  ${d}`).join('\n')}`
        : '';
      lenses.push(
        new vscode.CodeLens(toVsRange(o.rangeAt(['kind'])), {
          title: differences.length ? `${lens.title} · differs from the prediction` : lens.title,
          tooltip: `${kind} ${namespace}/${o.metadata.name} on the cluster, status written by istiod:\n${lens.tooltip}${differ}`,
          command: commandId('showGatewayApiStatus'),
          arguments: [{ kind, namespace, name: o.metadata.name } satisfies StatusArgs],
        }),
      );
    }
    if (pending) this.askAgainSoon();
    return lenses;
  }

  /** istiod writes the status a moment after an apply: read again until it has, a bounded number of times. */
  private askAgainSoon(): void {
    if (this.retryTimer || this.retries >= PENDING_RETRIES) return;
    this.retries++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reads.clear();
      this.ctx.refreshLenses('Gateway API status: read again');
    }, PENDING_RETRY_MS);
  }

  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private read(kind: GatewayApiKind, namespace: string): Promise<Objects | undefined> {
    const key = `${kind}/${namespace}`;
    let p = this.reads.get(key);
    if (!p) {
      // no kube context at all throws at once: the same "not read" as a cluster that does not answer
      p = Promise.resolve()
        .then(() => this.ctx.getCluster().listGatewayApi(kind, namespace, { timeoutMs: 5000 }))
        .then(
          (items) => new Map(items.map((i) => [i.metadata.name, i])),
          (e: unknown) => {
            this.ctx.log.info(`status lens: ${kind}s of ${namespace} not read: ${errorText(e)}`);
            return undefined;
          },
        );
      this.reads.set(key, p);
    }
    return p;
  }
}
