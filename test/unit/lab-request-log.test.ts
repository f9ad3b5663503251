// The Requests view's model: the gateway container's log (access lines among Envoy's own), newest first,
// outcome counts per match for the lenses, the line of a request the lab sent, and Envoy's failure counters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureStatsLine, readFailureStats } from '../../src/envoy/stats';
import type { Explanation } from '../../src/istio/accessLogExplain';
import { LENS_MAX } from '../../src/lab/lensText';
import {
  accessEntryOf,
  outcomesLensText,
  podChanges,
  podKey,
  requestLabel,
  RequestLog,
} from '../../src/lab/requestLog';

const ok200 =
  '[2026-11-28T23:34:57.531Z] "GET /simple/nginx HTTP/1.1" 200 - via_upstream - "-" 0 615 0 0 "10.244.255.254" "curl/7.88.1" "2d1ef87f-50ec-414e-80f0-96aff4d87f89" "simple.baihl.io" "10.244.0.4:80" outbound|80||nginx.simple.svc.cluster.local 10.244.0.1:53930 10.244.0.1:8080 10.244.255.254:55658 - -';
const nr404 =
  '[2026-11-28T23:34:58.542Z] "GET /x HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "10.244.255.254" "curl/7.88.1" "5462a866-99d4-445f-ab43-9be9cfab963e" "nope.io" "-" - - 10.244.0.1:8080 10.244.255.254:50014 - -';
const envoyOwn =
  '[2026-11-28 23:34:53.084][20056][info][admin] [source/server/admin/admin.cc:66] admin address: 127.0.0.1:15000';

const at = (file: string, line0: number): Explanation => ({
  cause: 'ok',
  explanation: 'x',
  details: [],
  yaml: {
    file,
    line: line0 + 1,
    range: { start: { line: line0, character: 0 }, end: { line: line0 + 2, character: 0 } },
    what: 'VirtualService simple/simple http[0].match[0]',
  },
});
const none: Explanation = { cause: 'no-virtual-host', explanation: 'y', details: [] };

test("Envoy's own log lines in the container's log are not requests", () => {
  assert.equal(accessEntryOf(envoyOwn), undefined);
  assert.equal(accessEntryOf(ok200)?.code, 200);
  assert.equal(requestLabel(accessEntryOf(nr404)!), '404 NR GET nope.io/x');
});

test('newest first by start time, and the oldest records go beyond the bound', () => {
  const log = new RequestLog(2);
  log.add('istio-system/gw', nr404, accessEntryOf(nr404)!, none);
  log.add('istio-system/gw', ok200, accessEntryOf(ok200)!, none); // logged later, started earlier
  assert.deepEqual(
    log.newestFirst().map((r) => r.entry.code),
    [404, 200],
  );
  log.add('istio-system/gw', ok200, accessEntryOf(ok200)!, none);
  assert.equal(log.size, 2);
});

test('outcome counts per match within the window, and the lens text', () => {
  const log = new RequestLog();
  const now = Date.parse('2026-11-28T23:36:00Z');
  for (let i = 0; i < 12; i++) log.add('p', ok200, accessEntryOf(ok200)!, at('file:///vs.yaml', 9));
  for (let i = 0; i < 3; i++) log.add('p', nr404, accessEntryOf(nr404)!, at('file:///vs.yaml', 9));
  log.add('p', ok200, accessEntryOf(ok200)!, at('file:///vs.yaml', 20)); // another match
  log.add('p', nr404, accessEntryOf(nr404)!, none); // no match at all
  const counts = log.outcomesFor('file:///vs.yaml', 9, now);
  assert.deepEqual(
    [...counts],
    [
      ['200', 12],
      ['404 NR', 3],
    ],
  );
  assert.equal(outcomesLensText(counts), 'last 5 min: 12× 200, 3× 404 NR');
  // six minutes later they are out of the window
  assert.equal(log.outcomesFor('file:///vs.yaml', 9, now + 6 * 60_000).size, 0);
  assert.equal(outcomesLensText(new Map()), 'last 5 min: no requests');
  const many = new Map(Array.from({ length: 30 }, (_, i) => [`5${String(i).padStart(2, '0')} UF,URX`, 100 + i]));
  assert.ok(outcomesLensText(many).length <= LENS_MAX);
});

test('the line of a request the lab sent: same Host and path, logged from when it was sent', () => {
  const log = new RequestLog();
  log.add('p', ok200, accessEntryOf(ok200)!, none);
  log.add('p', nr404, accessEntryOf(nr404)!, none);
  const sentAt = Date.parse('2026-11-28T23:34:58.400Z');
  assert.equal(log.findSent({ host: 'nope.io', path: '/x', sentAt })?.entry.code, 404);
  assert.equal(log.findSent({ host: 'simple.baihl.io', path: 'simple/nginx', sentAt: sentAt + 600 }), undefined); // logged before it was sent
  assert.equal(
    log.findSent({ host: 'simple.baihl.io', path: '/simple/nginx', sentAt: sentAt - 2000 })?.entry.code,
    200,
  );
});

test("Envoy's failure counters from /stats?format=json", () => {
  const s = readFailureStats({
    stats: [
      { name: 'http.outbound_0.0.0.0_8080.no_route', value: 3 },
      { name: 'vhost.simple.baihl.io:80.vcluster.other.no_route', value: 9 },
      { name: 'cluster.outbound|80||simple.simple.svc.cluster.local.upstream_rq_5xx', value: 2 },
      { name: 'cluster.outbound|80||nginx.simple.svc.cluster.local.upstream_rq_5xx', value: 0 },
      { name: 'cluster.outbound|80||simple.simple.svc.cluster.local.upstream_cx_connect_fail', value: 1 },
      { histograms: {} },
    ],
  });
  assert.equal(failureStatsLine(s), 'no_route 3 · upstream_rq_5xx 2 · upstream_cx_connect_fail 1');
  assert.deepEqual(
    s.nonZero.map((c) => `${c.counter} ${c.scope} ${c.value}`),
    [
      'no_route http.outbound_0.0.0.0_8080 3',
      'upstream_rq_5xx outbound|80||simple.simple.svc.cluster.local 2',
      'upstream_cx_connect_fail outbound|80||simple.simple.svc.cluster.local 1',
    ],
  );
  assert.equal(
    failureStatsLine(readFailureStats('not json')),
    'no_route 0 · upstream_rq_5xx 0 · upstream_cx_connect_fail 0',
  );
});

test('a new listing of the gateway pods: new pods are followed, gone ones let go, the rest kept', () => {
  const pod = (namespace: string, name: string) => ({ namespace, name });
  const followed = ['istio-system/istio-ingressgateway-a', 'simple/simple-gateway-istio-old'];
  const listed = [
    pod('istio-system', 'istio-ingressgateway-a'),
    pod('simple', 'simple-gateway-istio-new'),
    pod('gwapi', 'other-gateway-istio-x'),
  ];
  assert.deepEqual(podChanges(followed, listed), {
    added: [pod('simple', 'simple-gateway-istio-new'), pod('gwapi', 'other-gateway-istio-x')],
    gone: ['simple/simple-gateway-istio-old'],
  });
  assert.deepEqual(podChanges(followed, []), { added: [], gone: followed });
  assert.equal(podKey(pod('simple', 'p')), 'simple/p');
});
