// The trace panel's live Envoy counters: what is read from /stats (Envoy's own JSON shape), how the
// cells show it, and a CSP that stays strict with them: one script, allowed by its nonce only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CONTROL_PLANE_STAT,
  clusterStatNames,
  clusterStatPrefix,
  controlPlaneConnected,
  readStats,
  statsPath,
} from '../../src/envoy/adminStats';
import { traceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { buildCheckReport } from '../../src/lab/checks';
import { contentSecurityPolicy, countersMessage, renderTraceHtml } from '../../src/lab/traceHtml';

const sample = () =>
  mergeResourceSets(
    ...['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'].map(
      (f) => readResources(readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8'), f).resources,
    ),
  );
const cluster = 'outbound|80||simple.simple.svc.cluster.local';
// istiod names the stats of its clusters by alt_stat_name, ending in ';' (its stats tags' delimiter),
// as the gateway's Envoy in the lab's cluster lists them.
const statPrefix = `${cluster};`;
// A /config_dump's clusters section as Envoy prints it, with istiod's cluster.
const configDump = {
  configs: [
    { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [] },
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      static_clusters: [{ cluster: { name: 'prometheus_stats' } }],
      dynamic_active_clusters: [
        { version_info: '2026-11-29T00:07:32Z/4', cluster: { name: cluster, alt_stat_name: statPrefix, type: 'EDS' } },
      ],
    },
  ],
};
// As Envoy 1.40 answers /stats?format=json (a string stat and a histograms entry included).
const envoyStats = {
  stats: [
    { name: `cluster.${statPrefix}.version_text`, value: '2026-11-29T00:07:32Z/4' },
    { name: `cluster.${statPrefix}.upstream_cx_connect_fail`, value: 1 },
    { name: `cluster.${statPrefix}.upstream_rq_2xx`, value: 7 },
    { name: `cluster.${statPrefix}.upstream_rq_5xx`, value: 2 },
    { name: CONTROL_PLANE_STAT, value: 0 },
    { histograms: { supported_quantiles: [0, 50], details: [] } },
  ],
};

test("a cluster's stats go under istiod's alt_stat_name, else its name", () => {
  assert.equal(clusterStatPrefix(configDump, cluster), statPrefix);
  assert.equal(clusterStatPrefix(configDump, 'prometheus_stats'), 'prometheus_stats');
  assert.equal(
    clusterStatPrefix(configDump, 'outbound|80||gone.simple.svc.cluster.local'),
    'outbound|80||gone.simple.svc.cluster.local',
  );
  const camel = { configs: [{ dynamicActiveClusters: [{ cluster: { name: cluster, altStatName: statPrefix } }] }] };
  assert.equal(clusterStatPrefix(camel, cluster), statPrefix);
});

test("the stats path asks Envoy for exactly the cluster's counters (RE2 filter, names escaped)", () => {
  const p = statsPath(clusterStatNames(statPrefix));
  assert.ok(p.startsWith('/stats?format=json&filter='));
  const regex = new RegExp(decodeURIComponent(p.split('filter=')[1]!));
  assert.ok(regex.test(`cluster.${statPrefix}.upstream_rq_2xx`));
  assert.ok(!regex.test(`cluster.${statPrefix}.upstream_rq_200`));
  assert.ok(!regex.test(`cluster.outbound|80||simpleXsimple.svc.cluster.local;.upstream_rq_2xx`), 'dots are literal');
});

test('the counters of the cluster, a dash for one Envoy does not list, and the control plane state', () => {
  const stats = readStats(envoyStats);
  const m = countersMessage({ stats }, statPrefix, 'read now');
  assert.deepEqual(m.values, {
    upstream_rq_2xx: 7,
    upstream_rq_4xx: null,
    upstream_rq_5xx: 2,
    upstream_cx_connect_fail: 1,
  });
  assert.equal(controlPlaneConnected(stats), false);
  assert.equal(controlPlaneConnected(readStats({ stats: [{ name: CONTROL_PLANE_STAT, value: 1 }] })), true);
  assert.equal(controlPlaneConnected(readStats({ stats: [] })), undefined);
  assert.throws(() => readStats({ configs: [] }), /not an Envoy \/stats\?format=json answer/);
  const failed = countersMessage({ error: 'Cannot reach the API server.' }, statPrefix, '');
  assert.equal(failed.note, 'not refreshed: Cannot reach the API server.');
  assert.ok(Object.values(failed.values).every((v) => v === null));
});

test('a live trace shows the counters under their names; the CSP allows only the nonce-d script, still nothing remote', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver' }, sample());
  assert.equal(t.cluster, cluster);
  const message = countersMessage({ stats: readStats(envoyStats) }, statPrefix, 'read 12:00:00 from the Envoy /stats');
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const html = renderTraceHtml(t, {
    cspSource,
    styleUri: `${cspSource}/ext/media/trace.css`,
    counters: { cluster, message, nonce: 'bm9uY2Ux<"' },
  });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.equal(csp, contentSecurityPolicy(cspSource, 'bm9uY2Ux<"').replace(/</g, '&lt;').replace(/"/g, '&quot;'));
  assert.match(csp, /^default-src 'none'; style-src \S+; img-src \S+; font-src \S+; script-src 'nonce-[^']+';$/);
  assert.doesNotMatch(csp, /unsafe|\*|https?:\/\/(?!file\+\.vscode-resource)/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, ['<script nonce="bm9uY2Ux&lt;&quot;">']);
  assert.doesNotMatch(html, /\son[a-z]+=|innerHTML|eval\(|style="/);
  assert.match(html, /Envoy counters of <code>outbound\|80\|\|simple\.simple\.svc\.cluster\.local<\/code>/);
  for (const [k, v] of [
    ['upstream_rq_2xx', '7'],
    ['upstream_rq_4xx', '–'],
    ['upstream_rq_5xx', '2'],
    ['upstream_cx_connect_fail', '1'],
  ])
    assert.match(html, new RegExp(`<td data-counter="${k}">${v}</td>`));
  // An offline trace: no counters, no script, the CSP of before.
  const offline = renderTraceHtml(t, { cspSource, styleUri: `${cspSource}/ext/media/trace.css` });
  assert.doesNotMatch(offline, /<script|script-src|data-counter/);
});

test("the cluster check reports istiod down from the gateway Envoy's control_plane.connected_state", () => {
  const base = {
    gatewayNamespace: 'istio-system',
    gatewaySelector: 'istio=ingressgateway',
    namespaceExists: true,
    context: { name: 'lab', server: 'https://127.0.0.1:6443', kubeconfig: 'kubeconfig' },
    serverVersion: 'v1.36.3',
    gatewayServices: [{ name: 'istio-ingressgateway', type: 'LoadBalancer' }],
    gatewayPods: [{ name: 'gw-1', ready: true }],
    istioctl: { found: true, detail: '' },
    curl: { found: true, detail: '' },
  };
  const down = buildCheckReport({ ...base, controlPlane: { pod: 'istio-system/gw-1', connected: false } });
  assert.equal(down.ok, false);
  assert.ok(
    down.lines.some(
      (l) =>
        !l.ok &&
        /^istio-system\/gw-1's Envoy is not connected to istiod: it keeps serving its last config/.test(l.text),
    ),
  );
  const up = buildCheckReport({ ...base, controlPlane: { pod: 'istio-system/gw-1', connected: true } });
  assert.equal(up.ok, true);
  assert.ok(up.lines.some((l) => l.ok && l.text === "istio-system/gw-1's Envoy is connected to istiod (xDS)"));
  const unread = buildCheckReport({
    ...base,
    controlPlane: { pod: 'istio-system/gw-1', error: 'Cannot reach the API server.' },
  });
  assert.equal(unread.ok, false);
});
