// CodeLens on AuthorizationPolicies and RequestAuthentications (whether each reaches the gateway and why, what each
// rule matches; live: what the gateway Envoy's rbac and jwt_authn filters hold of it) and, on a VirtualService or
// HTTPRoute match, the policy that would refuse the match's example request (the one the send lens sends).
// The decisions are src/istio/authz.ts's and src/envoy/httpAuthz.ts's; the words are src/lab/authzLensText.ts's.
import * as vscode from 'vscode';
import { customProvider, predictGatewayAuthz, rootNamespaceOf, type PolicyTarget } from '../istio/authz';
import { GATEWAY_NAME_LABEL, ROUTING_KIND } from '../istio/gatewayApi';
import { DEFAULT_INGRESS } from '../istio/gatewayWorkloads';
import { namespaceOf, type AuthorizationPolicy, type RequestAuthentication, type ResourceSet } from '../istio/model';
import type { PredictedRoute } from '../istio/prediction';
import {
  attachmentLens,
  hcmHttpFilters,
  jwtRuleLens,
  liveAttachmentLens,
  liveAuthzFilters,
  refusalLens,
  providerLens,
  ruleLens,
  type NamedTarget,
} from '../lab/authzLensText';
import { parseSelector, selectsOtherPods, type GatewayRef, type LiveState } from '../lab/liveRoutes';
import { examplePathForMatch, exampleHeadersForMatch, hostForDomains } from '../lab/requests';
import type { LabContext } from './ctx';
import type { DocumentPrediction } from './engine';
import { toVsRange } from './vsRange';

const POLICY_KIND = /kind:\s*(AuthorizationPolicy|RequestAuthentication)\b/;

export class AuthzLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly ctx: LabContext) {
    this.onDidChangeCodeLenses = ctx.onDidChangeLenses;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const text = doc.getText();
    const policies = POLICY_KIND.test(text);
    const routing = ROUTING_KIND.test(text);
    if (!policies && !routing) return [];
    const lenses: vscode.CodeLens[] = [];
    if (policies) lenses.push(...(await this.policyLenses(doc, await this.ctx.engine.resources())));
    if (routing) {
      // the route lenses' prediction has merged the workspace already (cached per document version): no second merge
      const p = await this.ctx.engine.predictDocument(doc);
      if (p.resources.authorizationPolicies.length || p.resources.requestAuthentications.length)
        lenses.push(...(await this.refusalLenses(p)));
    }
    return lenses;
  }

  /** The gateways a policy may reach: the configured ingress gateway, and the pods Istio deploys per Gateway API Gateway. */
  private targets(workspace: ResourceSet): NamedTarget[] {
    const { gateway } = this.ctx.settings;
    return [
      {
        label: 'ingress gateway',
        namespace: gateway.namespace,
        labels: { ...DEFAULT_INGRESS.labels, ...parseSelector(gateway.selector) },
      },
      ...workspace.k8sGateways
        .filter((g) => (g.spec as { gatewayClassName?: string }).gatewayClassName === 'istio')
        .map((g) => ({
          label: `Gateway ${namespaceOf(g)}/${g.metadata.name}`,
          namespace: namespaceOf(g),
          labels: { [GATEWAY_NAME_LABEL]: g.metadata.name },
        })),
    ];
  }

  private async policyLenses(doc: vscode.TextDocument, workspace: ResourceSet): Promise<vscode.CodeLens[]> {
    const own = this.ctx.engine.reads.read(doc.getText(), doc.uri.toString(), {
      defaultNamespace: this.ctx.engine.defaultNamespace(),
      validate: true,
    }).resources;
    const targets = this.targets(workspace);
    const live = await this.liveState(undefined);
    const liveFilters =
      live?.ok === true
        ? liveAuthzFilters(live.gateway.dumpIndex.dump.listeners.flatMap((l) => hcmHttpFilters(l.listener)))
        : undefined;
    const lenses: vscode.CodeLens[] = [];
    const at = (range: vscode.Range, title: string, tooltip: string) =>
      lenses.push(new vscode.CodeLens(range, { title, tooltip, command: '' }));
    const policyLens = (p: AuthorizationPolicy | RequestAuthentication) => {
      // on the kind's line, as the Gateway API status lens (a document's range starts at its `---`)
      const first = toVsRange(p.rangeAt(['kind']));
      const a = attachmentLens(p, targets, rootNamespaceOf(workspace));
      at(first, a.title, a.tooltip);
      if (live?.ok === true && liveFilters)
        at(
          first,
          liveAttachmentLens(p, liveFilters, live.gateway.pod.name),
          `What the Envoy of ${live.gateway.pod.namespace}/${live.gateway.pod.name} holds of this policy (its config dump)`,
        );
    };
    for (const p of own.authorizationPolicies) {
      policyLens(p);
      if (p.spec.action === 'CUSTOM' && p.spec.provider?.name) {
        const provider = providerLens(customProvider(workspace, p.spec.provider.name, targets[0]));
        at(toVsRange(p.rangeAt(['spec', 'provider'])), provider.title, provider.tooltip);
      }
      for (const [i] of (p.spec.rules ?? []).entries())
        at(
          toVsRange(p.rangeAt(['spec', 'rules', i])),
          ruleLens(p, i),
          `rules[${i}] of AuthorizationPolicy ${namespaceOf(p)}/${p.metadata.name}`,
        );
    }
    for (const p of own.requestAuthentications) {
      policyLens(p);
      for (const [i, r] of (p.spec.jwtRules ?? []).entries())
        at(
          toVsRange(p.rangeAt(['spec', 'jwtRules', i])),
          jwtRuleLens(r),
          `jwtRules[${i}] of RequestAuthentication ${namespaceOf(p)}/${p.metadata.name}: a token that is sent must verify (401 otherwise); a request without one passes jwt_authn`,
        );
    }
    return lenses;
  }

  /** On each match whose example request the gateway's filters refuse: who refuses it. */
  private async refusalLenses(p: DocumentPrediction): Promise<vscode.CodeLens[]> {
    const workspace = p.resources;
    const lenses: vscode.CodeLens[] = [];
    const predicted = new Map<string, ReturnType<typeof predictGatewayAuthz>>();
    for (const r of p.routes) {
      const gw = p.gateways.get(r.gateway);
      const request = exampleRequest(r, this.ctx.settings.sample.host);
      if (!request) continue;
      const live = await this.liveState(gw);
      const liveListener =
        live?.ok === true
          ? live.gateway.dumpIndex.dump.listeners.find((l) => l.listener.name === `0.0.0.0_${request.destinationPort}`)
          : undefined;
      const liveFilters = liveListener ? hcmHttpFilters(liveListener.listener)[0] : undefined;
      const target = this.podsOf(gw);
      const key = `${target.namespace}|${JSON.stringify(target.labels)}`;
      if (!predicted.has(key)) predicted.set(key, predictGatewayAuthz(workspace, target));
      const lens = refusalLens(
        liveFilters ?? predicted.get(key)!.httpFilters,
        request,
        liveFilters ? 'live' : 'predicted',
      );
      if (lens) lenses.push(new vscode.CodeLens(toVsRange(r.range), { ...lens, command: '' }));
    }
    return lenses;
  }

  /** The pods behind a route's Gateway: its own (a Gateway API Gateway's) or the configured ingress gateway's. */
  private podsOf(gw: GatewayRef | undefined): PolicyTarget {
    const { gateway } = this.ctx.settings;
    return selectsOtherPods(gw, gateway.selector)
      ? { namespace: gw.namespace, labels: gw.selector }
      : { namespace: gateway.namespace, labels: { ...DEFAULT_INGRESS.labels, ...parseSelector(gateway.selector) } };
  }

  private refreshing = false;

  /** The gateway's live state if it is in (or comes at once); a slow read refreshes the lenses when it lands. */
  private async liveState(gw: GatewayRef | undefined): Promise<LiveState | undefined> {
    const known = this.ctx.live.peek(gw);
    if (known) return known;
    // a failed read is no lens error: the lenses stay predicted (the route lens shows why the cluster is not read)
    const pending = this.ctx.live.get(gw).catch(() => undefined);
    const soon = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (soon === undefined && !this.refreshing) {
      this.refreshing = true;
      void pending
        .then((s) => {
          if (s?.ok) this.ctx.refreshLenses('policies: the gateway answered');
        })
        .finally(() => (this.refreshing = false));
    }
    return soon;
  }
}

/** The request the send lens sends for a match (src/editor/commands/requests.ts), or undefined for a regex path. */
function exampleRequest(r: PredictedRoute, fallbackHost: string) {
  const path = examplePathForMatch(r.route.match);
  if (path === undefined) return undefined;
  const port = Number(/^https?\.(\d+)/.exec(r.routeConfig)?.[1] ?? 80);
  return {
    authority: hostForDomains(r.domains, fallbackHost),
    path,
    method: 'GET',
    headers: exampleHeadersForMatch(r.route.match),
    destinationPort: port,
  };
}
