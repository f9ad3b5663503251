// The trace webview panel: one panel, reused for each new trace, styles from media/ only. A live trace
// shows the Envoy counters of its cluster, read again every 2 s while the panel is visible and posted to
// the page's one nonce'd script; an offline trace has no script at all.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Trace } from '../istio/trace';
import { renderTraceHtml, type CountersMessage } from '../lab/traceHtml';

export const TRACE_VIEW_TYPE = 'istioIngressLab.trace';
export const COUNTERS_REFRESH_MS = 2000;

let current: vscode.WebviewPanel | undefined;
let refresher: ReturnType<typeof setInterval> | undefined;
let lastCounters: CountersMessage | undefined;

/** Live counters for the panel: the cluster they belong to and a reader of fresh values. */
export interface LiveCounters {
  cluster: string;
  read(): Promise<CountersMessage>;
}

function stopRefresh(): void {
  if (refresher) clearInterval(refresher);
  refresher = undefined;
}

/** Shows the trace (in a new panel, or the open one) and returns the HTML it set. */
export async function showTracePanel(
  extensionUri: vscode.Uri,
  trace: Trace,
  note?: string,
  counters?: LiveCounters,
): Promise<string> {
  stopRefresh();
  lastCounters = undefined;
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const title = `Trace ${trace.request.host}${trace.request.path}`;
  const options = { enableScripts: !!counters, localResourceRoots: [media] };
  if (current) {
    current.title = title;
    current.webview.options = options;
    current.reveal(vscode.ViewColumn.Beside, true);
  } else {
    current = vscode.window.createWebviewPanel(
      TRACE_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      options,
    );
    current.onDidDispose(() => {
      stopRefresh();
      current = undefined;
    });
  }
  const webview = current.webview;
  const first = counters ? await counters.read() : undefined;
  lastCounters = first;
  const html = renderTraceHtml(trace, {
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'trace.css')).toString(),
    note,
    counters: counters &&
      first && { cluster: counters.cluster, message: first, nonce: randomBytes(16).toString('base64') },
  });
  webview.html = html;
  if (counters) {
    let reading = false;
    refresher = setInterval(() => {
      if (reading || !current?.visible) return;
      reading = true;
      counters
        .read()
        .then(async (m) => {
          lastCounters = m;
          await current?.webview.postMessage(m);
        })
        .catch(() => undefined) // read() reports its failures in the message itself
        .finally(() => (reading = false));
    }, COUNTERS_REFRESH_MS);
  }
  return html;
}

/** The open trace panel, if any (tests check it is visible). */
export function tracePanel(): vscode.WebviewPanel | undefined {
  return current;
}

/** The counters last read for the open panel (tests compare them with Envoy's). */
export function traceCounters(): CountersMessage | undefined {
  return lastCounters;
}
