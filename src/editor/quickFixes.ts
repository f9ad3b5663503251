// Quick fixes for the Istio diagnostics: each fix the analyzer computed becomes one CodeAction whose
// WorkspaceEdit may touch other files too (adding a VirtualService's host to the Gateway in another file).
import * as vscode from 'vscode';
import type { QuickFix } from '../istio/analyze';
import type { LabContext } from './ctx';
import { IstioDiagnostics } from './diagnostics';
import { YAML_SOURCE } from '../lab/diagnosticItems';
import { toVsRange } from './vsRange';

const OUR_SOURCES = new Set<string | undefined>(['istio', YAML_SOURCE]);

export class IstioQuickFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(private readonly diagnostics: IstioDiagnostics) {}

  provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (!OUR_SOURCES.has(d.source)) continue;
      for (const fix of this.diagnostics.fixesFor(doc.uri, d)) actions.push(toCodeAction(fix, d));
    }
    return actions;
  }
}

export function toCodeAction(fix: QuickFix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(vscode.Uri.parse(e.file), toVsRange(e.range), e.newText);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  if (fix.isPreferred) action.isPreferred = true;
  return action;
}

/** The diagnostics and their quick fixes on YAML files, for activate(). */
export function registerIstioDiagnostics(ctx: LabContext): vscode.Disposable {
  const diagnostics = new IstioDiagnostics(ctx);
  const provider = vscode.languages.registerCodeActionsProvider(
    [{ language: 'yaml' }],
    new IstioQuickFixProvider(diagnostics),
    IstioQuickFixProvider.metadata,
  );
  return vscode.Disposable.from(diagnostics, provider);
}
