// The trace webview panel: one panel, reused for each new trace, no scripts, styles from media/ only.
import * as vscode from 'vscode';
import type { Trace } from '../istio/trace';
import { renderTraceHtml } from '../lab/traceHtml';

export const TRACE_VIEW_TYPE = 'istioIngressLab.trace';

let current: vscode.WebviewPanel | undefined;

/** Shows the trace (in a new panel, or the open one) and returns the HTML it set. */
export function showTracePanel(extensionUri: vscode.Uri, trace: Trace, note?: string): string {
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const title = `Trace ${trace.request.host}${trace.request.path}`;
  if (current) {
    current.title = title;
    current.reveal(vscode.ViewColumn.Beside, true);
  } else {
    current = vscode.window.createWebviewPanel(
      TRACE_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: false,
        localResourceRoots: [media],
      },
    );
    current.onDidDispose(() => (current = undefined));
  }
  const webview = current.webview;
  const html = renderTraceHtml(trace, {
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'trace.css')).toString(),
    note,
  });
  webview.html = html;
  return html;
}

/** The open trace panel, if any (tests check it is visible). */
export function tracePanel(): vscode.WebviewPanel | undefined {
  return current;
}
