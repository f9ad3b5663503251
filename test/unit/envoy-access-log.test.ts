// The access log reader on lines in Istio's default text format and its JSON encoding (helpers/accessLogLines.ts:
// lines a real Envoy wrote); the malformed ones are cut or edited from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISTIO_JSON_FORMAT, ISTIO_TEXT_FORMAT, parseAccessLog, parseAccessLogLine } from '../../src/envoy/accessLog';
import { JSON_OK, JSON_UF, TEXT_LINES } from './helpers/accessLogLines';

test('the formats are those of Istio (telemetry_logging.go): 24 operators, the JSON keys the same ones', () => {
  const ops = ISTIO_TEXT_FORMAT.match(/%[A-Z_]+(\([^)]*\))?%/g)!;
  assert.equal(ops.length, 24);
  assert.deepEqual([...ops].sort(), Object.values(ISTIO_JSON_FORMAT).sort());
});

test('a text line: every field in its place, "-" absent, flags split', () => {
  const r = parseAccessLogLine(TEXT_LINES.uf);
  assert.ok(r.ok);
  assert.deepEqual(r.entry, {
    encoding: 'text',
    startTime: '2026-11-28T21:30:14.517Z',
    method: 'GET',
    path: '/',
    protocol: 'HTTP/1.1',
    code: 503,
    flags: ['URX', 'UF'],
    details:
      'upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}',
    upstreamTransportFailureReason: 'delayed_connect_error:_Connection_refused',
    bytesReceived: 0,
    bytesSent: 121,
    durationMs: 52,
    requestId: 'fc9eb1b4-add8-4e36-8c6b-db58b3efe7e6',
    authority: 'simple.baihl.io',
    upstreamHost: '127.0.0.1:35275',
    upstreamCluster: 'outbound|80|v2|simple.simple.svc.cluster.local',
    downstreamLocalAddress: '127.0.0.1:40333',
    downstreamRemoteAddress: '127.0.0.1:39372',
  });
  const ok = parseAccessLogLine(TEXT_LINES.ok);
  assert.ok(ok.ok);
  assert.deepEqual(ok.entry.flags, []);
  assert.equal(ok.entry.upstreamServiceTimeMs, 4);
  assert.equal(ok.entry.upstreamLocalAddress, '127.0.0.1:46324');
});

test('the JSON encoding reads to the same entry as the text line of the same request', () => {
  for (const [t, j] of [
    [TEXT_LINES.uf, JSON_UF],
    [TEXT_LINES.ok, JSON_OK],
  ] as const) {
    const a = parseAccessLogLine(t);
    const b = parseAccessLogLine(j);
    assert.ok(a.ok && b.ok);
    assert.deepEqual({ ...b.entry, encoding: 'text' }, a.entry);
  }
});

test('a user agent with spaces, a route name, kubectl --timestamps prefix and CRLF', () => {
  const line = TEXT_LINES.ok
    .replace('"-" "-" "4479', '"10.0.0.1" "curl/8.5.0 (x86_64) libcurl" "4479')
    .replace(/ - -$/, ' - my-route');
  const r = parseAccessLogLine(`2026-11-28T21:30:14.600000000Z ${line}\r\n`);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.entry.userAgent, 'curl/8.5.0 (x86_64) libcurl');
  assert.equal(r.entry.xForwardedFor, '10.0.0.1');
  assert.equal(r.entry.routeName, 'my-route');
});

test('malformed lines: one clear reason each, never an exception', () => {
  const cases: [string, RegExp][] = [
    ['', /empty line/],
    ['2026-11-28T21:30:14Z info envoy main starting', /neither Istio's text access log/],
    [TEXT_LINES.nc.slice(0, 60), /ends before %RESPONSE_CODE% \(expected " " after it\)/],
    [TEXT_LINES.nc.replace(' 503 NC', ' abc NC'), /%RESPONSE_CODE% "abc" is not a number/],
    [TEXT_LINES.nc.replace(' 503 NC', ' 503 nc'), /%RESPONSE_FLAGS% "nc" is not Envoy's short flags/],
    [`${TEXT_LINES.nc} extra`, /unexpected text after %ROUTE_NAME% \("extra"\)/],
    ['{"response_code": 503, "response_flags": ', /not valid JSON/],
    ['{"status": 503}', /without "response_code"/],
    ['[1,2]', /does not start with|ends before/],
    [JSON_UF.replace('"response_code":503', '"response_code":"x"'), /"response_code" "x" is not a number/],
    [JSON_UF.replace('"method":"GET"', '"method":{"a":1}'), /"method" is object/],
    [`[${'x'.repeat(300 * 1024)}`, /not one access log line/],
  ];
  for (const [line, reason] of cases) {
    const r = parseAccessLogLine(line);
    assert.equal(r.ok, false, line.slice(0, 80));
    if (!r.ok) {
      assert.match(r.reason, reason, line.slice(0, 80));
      assert.ok(!r.reason.includes('\n'), 'one line');
    }
  }
});

test('parseAccessLog numbers lines and skips blank ones', () => {
  const out = parseAccessLog(`${TEXT_LINES.nc}\n\n${JSON_UF}\nnot a log line\n`);
  assert.deepEqual(
    out.map((l) => [l.line, l.parsed.ok]),
    [
      [1, true],
      [3, true],
      [4, false],
    ],
  );
});
