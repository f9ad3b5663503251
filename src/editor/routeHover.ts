// Hover on a VirtualService match: the same facts as its lenses, with the route JSON and the endpoint table.
import * as vscode from 'vscode';
import { ROUTING_KIND } from '../istio/gatewayApi';
import { formatHoverMarkdown, formatNotOnGateway } from '../lab/lensText';
import { commandId } from '../lab/steps';
import type { LabContext } from './ctx';
import { resolveRoute } from '../lab/resolveRoute';
import { toVsRange } from './vsRange';

export class RouteHoverProvider implements vscode.HoverProvider {
  constructor(private readonly ctx: LabContext) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!ROUTING_KIND.test(doc.getText())) return undefined;
    const p = await this.ctx.engine.predictDocument(doc);
    const routes = p.routes.filter((r) => toVsRange(r.range).contains(pos));
    const missing = p.notOnGateway.filter((n) => toVsRange(n.range).contains(pos));
    if (!routes.length && !missing.length) return undefined;
    const parts: vscode.MarkdownString[] = [];
    for (const r of routes) {
      const resolved = await resolveRoute(this.ctx.live, r, p.gateways.get(r.gateway));
      const md = new vscode.MarkdownString(
        (resolved.missing ? `**${formatNotOnGateway(resolved.missing)}**\n\n` : '') +
          formatHoverMarkdown(resolved.view, resolved.source, resolved.endpoints, resolved.gatewayPod) +
          (resolved.note ? `\n\n_${resolved.note}_` : ''),
      );
      // Trusted for the extension's own commands only.
      md.isTrusted = { enabledCommands: [commandId('refresh')] };
      md.appendMarkdown(`\n\n[Refresh](command:${commandId('refresh')})`);
      parts.push(md);
    }
    for (const n of missing) parts.push(new vscode.MarkdownString(`**${formatNotOnGateway(n.reason)}**`));
    const at = routes[0]?.range ?? missing[0]?.range;
    return new vscode.Hover(parts, at && toVsRange(at));
  }
}
