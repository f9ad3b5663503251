// The trace webview's HTML, from real traces of the sample: every hop is drawn, user input is escaped,
// the CSP allows no script and nothing remote, and the outcome is at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { contentSecurityPolicy, escapeHtml, renderTraceHtml } from '../../src/lab/traceHtml';
import { traceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const sample = () =>
  mergeResourceSets(
    ...['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'].map(
      (f) => readResources(readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8'), f).resources,
    ),
  );
const opts = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/trace.css',
};

/** The visible text of an element with that id (tags dropped, entities decoded), for assertions on what users read. */
function textOf(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  assert.ok(start > 0, `no element #${id}`);
  const end = html.indexOf('</li>', start);
  return html
    .slice(start, end)
    .replace(/^[^>]*>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

test("every hop of the sample's trace is a box with its value and source, in order, then the outcome", () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver', entry: 'nodePort' }, sample());
  const html = renderTraceHtml(t, opts);
  const ids = [...html.matchAll(/<li class="hop [^"]*" id="hop-([a-zA-Z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(
    ids,
    t.steps.map((s) => s.id),
  );
  assert.deepEqual(ids, [
    'entry',
    'service',
    'iptables',
    'pod',
    'listener',
    'routeConfig',
    'virtualHost',
    'route',
    'rewrite',
    'cluster',
    'endpoint',
  ]);
  assert.match(textOf(html, 'hop-listener'), /Envoy listener 0\.0\.0\.0_8080 predicted/);
  assert.match(textOf(html, 'hop-virtualHost'), /Virtual host simple\.baihl\.io:80 predicted/);
  assert.match(textOf(html, 'hop-rewrite'), /Path sent upstream \/hello/);
  assert.match(textOf(html, 'hop-cluster'), /outbound\|80\|\|simple\.simple\.svc\.cluster\.local/);
  assert.match(
    textOf(html, 'hop-service'),
    /istio-system\/istio-ingressgateway http2 80 → 8080 default .*assumed as Istio's default profile/,
  );
  assert.ok(html.indexOf('id="outcome"') > html.indexOf('id="hop-endpoint"'));
  assert.match(textOf(html, 'outcome'), /^Outcome forwarded forwarded to 1 pod\(s\) app=simple:80 as GET \/hello$/);
  // the kube-proxy rules as iptables-save prints them, in a monospace block
  assert.match(
    html,
    /<pre class="lines">-A KUBE-NODEPORTS -p tcp -m comment --comment &quot;istio-system\/istio-ingressgateway:http2&quot;/,
  );
});

test('a Host header with markup is escaped everywhere it appears', () => {
  const host = '<script>alert(1)</script>"onmouseover="x';
  const t = traceRequest({ host, path: '/simple/<img src=x onerror=alert(1)>' }, sample());
  const html = renderTraceHtml(t, opts);
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes('<img'), 'no img element');
  assert.ok(!/"onmouseover=/.test(html), 'no attribute injected');
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;onmouseover=&quot;x/);
  assert.equal(t.outcome.status, 404);
  assert.match(textOf(html, 'outcome'), /^Outcome 404 404 Not Found \(NR\): no virtual host for Host <script>/);
});

test("the CSP is the first thing in <head>: nothing but the extension's styles, no script, nothing remote", () => {
  const html = renderTraceHtml(traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx' }, sample()), opts);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(csp, 'CSP meta present');
  assert.equal(csp[1], contentSecurityPolicy(opts.cspSource));
  assert.match(csp[1], /^default-src 'none'; style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net;/);
  assert.doesNotMatch(csp[1], /unsafe|script-src|\*/);
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link rel="stylesheet"'));
  assert.doesNotMatch(html, /<script|style="|https?:\/\/(?!file\+\.vscode-resource|simple\.baihl\.io)/);
});

test('failing and warning hops are open, passing ones closed; status classes colour them', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx/x' }, sample());
  const html = renderTraceHtml(t, opts);
  // prefix /simple/nginx rewritten to "/" leaves //x upstream: a warning
  assert.match(html, /<li class="hop status-warn" id="hop-rewrite" data-step="rewrite">\s*<details open>/);
  assert.match(html, /<li class="hop status-ok" id="hop-route" data-step="route">\s*<details>/);
  const missing = renderTraceHtml(traceRequest({ host: 'nope.example', path: '/' }, sample()), opts);
  assert.match(missing, /<li class="hop status-fail" id="hop-virtualHost"[^>]*>\s*<details open>/);
  assert.match(missing, /<li class="outcome status-fail" id="outcome">/);
});

test('escapeHtml covers the five characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('the stylesheet uses theme variables only, no fixed colours', () => {
  const css = readFileSync(new URL('../../media/trace.css', import.meta.url), 'utf8');
  assert.match(css, /var\(--vscode-testing-iconPassed\)/);
  assert.match(css, /var\(--vscode-errorForeground\)/);
  assert.match(css, /var\(--vscode-editor-foreground\)/);
  assert.doesNotMatch(css, /#[0-9a-fA-F]{3,6}\b|rgb\(|url\(/);
});
