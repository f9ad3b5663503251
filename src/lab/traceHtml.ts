// The trace webview's HTML: the request's hops as a left-to-right path of boxes (value, status colour,
// where the value came from), each expandable to its explanation, the kube-proxy rules in a monospace
// block, and the outcome at the end. Pure (no vscode import) so unit tests check escaping and the CSP.
// No script for the trace itself: <details> does the expanding, so the CSP allows styles from the extension
// only. A live trace adds the Envoy counters of the request's cluster; one small script with a per-render
// nonce (no inline handlers, no eval, nothing remote) writes the refreshed numbers into their cells.
import { CLUSTER_COUNTERS, clusterCounters, type ClusterCounter, type StatsMap } from '../envoy/adminStats';
import { requestLine, type StepSource, type StepStatus, type Trace, type TraceStep } from '../istio/trace';

export interface TraceHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** webview.asWebviewUri(media/trace.css) as a string */
  styleUri: string;
  /** A line under the request, e.g. why the trace is offline. */
  note?: string;
  /** Live counters of the request's cluster from the gateway Envoy's /stats, refreshed by messages. */
  counters?: { cluster: string; message: CountersMessage; nonce: string };
}

/** What the editor posts to the page on each refresh (and what the page first shows). */
export interface CountersMessage {
  type: 'counters';
  values: Record<ClusterCounter, number | null>;
  /** "read 12:00:01 from istio-system/gw's Envoy /stats, every 2 s" or why the read failed. */
  note: string;
}

/** The counters of a cluster (by its stat prefix, clusterStatPrefix) in a /stats read, or dashes and why the read failed. */
export function countersMessage(
  read: { stats: StatsMap } | { error: string },
  statPrefix: string,
  note: string,
): CountersMessage {
  const values = Object.fromEntries(CLUSTER_COUNTERS.map((k) => [k, null])) as Record<ClusterCounter, number | null>;
  if ('error' in read) return { type: 'counters', values, note: `not refreshed: ${read.error}` };
  const counters = clusterCounters(read.stats, statPrefix);
  for (const k of CLUSTER_COUNTERS) values[k] = counters[k] ?? null;
  return { type: 'counters', values, note };
}

const COUNTER_TITLES: Record<ClusterCounter, string> = {
  upstream_rq_2xx: 'answers 2xx from the upstream',
  upstream_rq_4xx: 'answers 4xx from the upstream',
  upstream_rq_5xx: 'answers 5xx from the upstream (Envoy-generated 503s count here too)',
  upstream_cx_connect_fail: 'connections to an endpoint that failed',
};

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

export function contentSecurityPolicy(cspSource: string, scriptNonce?: string): string {
  const script = scriptNonce ? ` script-src 'nonce-${scriptNonce}';` : '';
  return `default-src 'none'; style-src ${cspSource}; img-src ${cspSource}; font-src ${cspSource};${script}`;
}

/** The page's only script: counters in, text out (textContent, never HTML). */
const COUNTERS_SCRIPT = `window.addEventListener('message', (event) => {
  const m = event.data;
  if (!m || m.type !== 'counters') return;
  for (const cell of document.querySelectorAll('[data-counter]')) {
    const v = m.values[cell.getAttribute('data-counter')];
    cell.textContent = typeof v === 'number' ? String(v) : '–';
  }
  const note = document.getElementById('counters-note');
  if (note) note.textContent = String(m.note);
});`;

function countersSection(c: NonNullable<TraceHtmlOptions['counters']>): string {
  const e = escapeHtml;
  const head = CLUSTER_COUNTERS.map(
    (k) => `<th scope="col" title="${e(COUNTER_TITLES[k])}"><code>${k}</code></th>`,
  ).join('');
  const cells = CLUSTER_COUNTERS.map((k) => {
    const v = c.message.values[k];
    return `<td data-counter="${k}">${typeof v === 'number' ? v : '–'}</td>`;
  }).join('');
  return `<section class="counters" id="counters" aria-live="polite">
<h2>Envoy counters of <code>${e(c.cluster)}</code></h2>
<table><tr>${head}</tr><tr>${cells}</tr></table>
<p class="note" id="counters-note">${e(c.message.note)}</p>
<script nonce="${e(c.nonce)}">${COUNTERS_SCRIPT}</script>
</section>`;
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
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(o.cspSource, o.counters?.nonce).replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c)}">
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
${o.counters ? countersSection(o.counters) : ''}
${rules.length ? `<section class="rules"><h2>kube-proxy rules (iptables-save)</h2><pre class="lines">${rules.map(e).join('\n')}</pre></section>` : ''}
<footer><p>Sources: ${(['live', 'yaml', 'predicted', 'default'] as StepSource[]).map((s) => `<span class="badge source-${s}">${s}</span> ${e(SOURCE_TITLES[s])}`).join(' · ')}. Click a hop for why it goes where it goes.</p></footer>
</body>
</html>
`;
}
