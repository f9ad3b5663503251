// CodeLens and hover on tcp[].match and tls[].match (or the rule when it has none): the listener, SNI and
// tcp_proxy destination Istio gives it on the gateway, predicted offline (src/istio/l4Routes.ts).
import * as vscode from 'vscode';
import { mayHoldL4Routes } from '../istio/l4Routes';
import { formatL4Hover, formatL4Lens } from '../lab/l4LensText';
import { hostForDomains } from '../lab/requests';
import { commandId } from '../lab/steps';
import type { TraceArgs } from './traceCommand';
import type { LabContext } from './ctx';
import { toVsRange } from './vsRange';

export class L4LensProvider implements vscode.CodeLensProvider, vscode.HoverProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly ctx: LabContext) {
    this.onDidChangeCodeLenses = ctx.onDidChangeLenses;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!mayHoldL4Routes(doc.getText())) return [];
    const p = await this.ctx.engine.predictDocument(doc);
    return p.l4Routes.map(
      (r) =>
        new vscode.CodeLens(toVsRange(r.range), {
          title: formatL4Lens(r),
          tooltip: `${r.source ? `rules[${r.source.rule}] of ${r.source.kind} ${r.source.namespace}/${r.source.name}` : `${r.section}[${r.rule}] of VirtualService ${r.virtualService.namespace}/${r.virtualService.name}`} on Gateway ${r.gateway}${r.serverNames?.length ? ': click to trace a TLS connection with this SNI' : ''}`,
          // a tls[] match is reached by its SNI: the lens traces a TLS connection that sends it
          ...(r.serverNames?.length
            ? (() => {
                const sni = hostForDomains(r.serverNames, this.ctx.settings.sample.host);
                const args: TraceArgs = { host: sni, path: '/', method: 'GET', tls: true, sni };
                return { command: commandId('traceRequest'), arguments: [args] };
              })()
            : { command: '' }),
        }),
    );
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!mayHoldL4Routes(doc.getText())) return undefined;
    const p = await this.ctx.engine.predictDocument(doc);
    const hits = p.l4Routes.filter((r) => toVsRange(r.range).contains(pos));
    const [first] = hits;
    if (!first) return undefined;
    return new vscode.Hover(
      hits.map((r) => new vscode.MarkdownString(formatL4Hover(r))),
      toVsRange(first.range),
    );
  }
}
