// The trace webview's HTML: the request's hops as a left-to-right path of boxes (value, status colour,
// where the value came from), each expandable to its explanation, the kube-proxy rules in a monospace
// block, and the outcome at the end. Pure (no vscode import) so unit tests check escaping and the CSP.
// No script at all: <details> does the expanding, so the CSP allows styles from the extension only.
import { requestLine, type StepSource, type StepStatus, type Trace, type TraceStep } from '../istio/trace';

export interface TraceHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(media/trace.css) as a string */
  styleUri: string;
  /** A line under the request, e.g. why the trace is offline. */
  note?: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export const SOURCE_LABELS: Record<StepSource, string> = {
  live: 'live',
  yaml: 'yaml',
  predicted: 'predicted',
  default: 'default',
};
const SOURCE_TITLES: Record<StepSource, string> = {
  live: "read from the cluster or the gateway's Envoy",
  yaml: 'read from the YAML files of the workspace',
  predicted: "predicted from the YAML by Istio's rules",
  default: "assumed: Istio's default install",
};
const STATUS_MARKS: Record<StepStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

export function contentSecurityPolicy(cspSource: string): string {
  return `default-src 'none'; style-src ${cspSource}; img-src ${cspSource}; font-src ${cspSource};`;
}

export type OutcomeStatus = StepStatus;

/** ok when forwarded or a 2xx, warn for a redirect, fail for 404/503/connection refused. */
export function outcomeStatus(t: Trace): OutcomeStatus {
  const s = t.outcome.status;
  if (s === 'forwarded' || (s >= 200 && s < 300)) return 'ok';
  if (s >= 300 && s < 400) return 'warn';
  return 'fail';
}

export function outcomeLabel(t: Trace): string {
  const s = t.outcome.status;
  if (s === 'forwarded') return 'forwarded';
  if (s === 0) return 'connection refused';
  return String(s);
}

function stepBox(step: TraceStep, index: number): string {
  const e = escapeHtml;
  // Problems are open from the start: that is where the user needs to read.
  const open = step.status !== 'ok' ? ' open' : '';
  const details = step.details.map((d) => `<p>${e(d)}</p>`).join('');
  const lines = step.lines?.length ? `<pre class="lines">${step.lines.map(e).join('\n')}</pre>` : '';
  return `<li class="hop status-${step.status}" id="hop-${e(step.id)}" data-step="${e(step.id)}">
  <details${open}>
    <summary>
      <span class="hop-head"><span class="num">${index + 1}</span><span class="mark" title="${step.status}">${STATUS_MARKS[step.status]}</span><span class="title">${e(step.title)}</span></span>
      <code class="value">${e(step.value)}</code>
      <span class="badge source-${step.source}" title="${e(SOURCE_TITLES[step.source])}">${SOURCE_LABELS[step.source]}</span>
    </summary>
    <div class="explain">${details}${lines}</div>
  </details>
</li>`;
}

export function renderTraceHtml(t: Trace, o: TraceHtmlOptions): string {
  const e = escapeHtml;
  const r = t.request;
  const line = requestLine(r);
  const status = outcomeStatus(t);
  const hops = t.steps.map(stepBox).join('\n<li class="arrow" aria-hidden="true">→</li>\n');
  const rules = t.steps.flatMap((s) => (s.lines && s.id === 'iptables' ? s.lines : []));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(o.cspSource).replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${e(o.styleUri)}">
<title>Trace ${e(line)}</title>
</head>
<body>
<header>
  <h1><code class="request">${e(line)}</code></h1>
  <p class="sub">via <code>${e(`${r.address}:${r.port}`)}</code> (${e(r.entry)}) · <span class="mode mode-${t.mode}">${t.mode === 'live' ? "live: read from the cluster and the gateway's Envoy" : 'offline: predicted from the workspace YAML'}</span></p>
${o.note ? `  <p class="note">${e(o.note)}</p>\n` : ''}</header>
<ol class="path" aria-label="hops of the request">
${hops}
<li class="arrow" aria-hidden="true">→</li>
<li class="outcome status-${status}" id="outcome">
  <span class="title">Outcome</span>
  <strong class="value">${e(outcomeLabel(t))}</strong>
  <span class="summary">${e(t.outcome.summary)}</span>
</li>
</ol>
${rules.length ? `<section class="rules"><h2>kube-proxy rules (iptables-save)</h2><pre class="lines">${rules.map(e).join('\n')}</pre></section>` : ''}
<footer><p>Sources: ${(['live', 'yaml', 'predicted', 'default'] as StepSource[]).map((s) => `<span class="badge source-${s}">${s}</span> ${e(SOURCE_TITLES[s])}`).join(' · ')}. Click a hop for why it goes where it goes.</p></footer>
</body>
</html>
`;
}
