// The access log reader on lines in Istio's default text format and its JSON encoding. The well-formed lines
// were written by a real Envoy 1.40 configured with Istio's formats (as envoy-access-log-live.test.ts does),
// copied here so these tests run without the binary; the malformed ones are cut or edited from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISTIO_JSON_FORMAT, ISTIO_TEXT_FORMAT, parseAccessLog, parseAccessLogLine } from '../../src/envoy/accessLog';

export const TEXT_LINES = {
  nc: '[2026-11-28T21:30:14.513Z] "GET /missing-subset/x HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "-" "c23dde20-f9ea-47b2-9a61-65b62901981a" "simple.baihl.io" "-" - - 127.0.0.1:40333 127.0.0.1:39372 - -',
  uf: '[2026-11-28T21:30:14.517Z] "GET / HTTP/1.1" 503 URX,UF upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused} - "delayed_connect_error:_Connection_refused" 0 121 52 - "-" "-" "fc9eb1b4-add8-4e36-8c6b-db58b3efe7e6" "simple.baihl.io" "127.0.0.1:35275" outbound|80|v2|simple.simple.svc.cluster.local - 127.0.0.1:40333 127.0.0.1:39372 - -',
  nrHost: '[2026-11-28T21:30:14.573Z] "GET / HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "-" "dc2f9ed7-3d68-4f9e-9556-70a6b0843999" "other.example.com" "-" - - 127.0.0.1:40333 127.0.0.1:39372 - -',
  uh: '[2026-11-28T21:30:14.574Z] "GET /exact/path HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "-" "abea1c37-34f6-4a48-a7ef-a5608a7a357c" "simple.baihl.io" "-" outbound|80||simple.simple.svc.cluster.local - 127.0.0.1:35169 127.0.0.1:42552 - -',
  ok: '[2026-11-28T21:30:14.576Z] "GET /prefix/a HTTP/1.1" 200 - via_upstream - "-" 0 2 4 4 "-" "-" "4479ba8d-c0c1-4c08-b4f0-c1e3a18db662" "simple.baihl.io" "127.0.0.1:44487" outbound|80||nginx.simple.svc.cluster.local 127.0.0.1:46324 127.0.0.1:35169 127.0.0.1:42552 - -',
  nrPath: '[2026-11-28T21:30:14.587Z] "GET /exact/path/more HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "-" "6a7f6e21-6a73-41ec-997b-724c892d71b2" "simple.baihl.io" "-" - - 127.0.0.1:35169 127.0.0.1:42552 - -',
};
export const JSON_UF =
  '{"authority":"simple.baihl.io","bytes_received":0,"bytes_sent":121,"connection_termination_details":null,"downstream_local_address":"127.0.0.1:40333","downstream_remote_address":"127.0.0.1:39372","duration":52,"method":"GET","path":"/","protocol":"HTTP/1.1","request_id":"fc9eb1b4-add8-4e36-8c6b-db58b3efe7e6","requested_server_name":null,"response_code":503,"response_code_details":"upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}","response_flags":"URX,UF","route_name":null,"start_time":"2026-11-28T21:30:14.517Z","upstream_cluster":"outbound|80|v2|simple.simple.svc.cluster.local","upstream_host":"127.0.0.1:35275","upstream_local_address":null,"upstream_service_time":null,"upstream_transport_failure_reason":"delayed_connect_error:_Connection_refused","user_agent":null,"x_forwarded_for":null}';
const JSON_OK =
  '{"authority":"simple.baihl.io","bytes_received":0,"bytes_sent":2,"connection_termination_details":null,"downstream_local_address":"127.0.0.1:35169","downstream_remote_address":"127.0.0.1:42552","duration":4,"method":"GET","path":"/prefix/a","protocol":"HTTP/1.1","request_id":"4479ba8d-c0c1-4c08-b4f0-c1e3a18db662","requested_server_name":null,"response_code":200,"response_code_details":"via_upstream","response_flags":"-","route_name":null,"start_time":"2026-11-28T21:30:14.576Z","upstream_cluster":"outbound|80||nginx.simple.svc.cluster.local","upstream_host":"127.0.0.1:44487","upstream_local_address":"127.0.0.1:46324","upstream_service_time":"4","upstream_transport_failure_reason":null,"user_agent":null,"x_forwarded_for":null}';

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
    details: 'upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}',
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
  ]) {
    const a = parseAccessLogLine(t);
    const b = parseAccessLogLine(j);
    assert.ok(a.ok && b.ok);
    assert.deepEqual({ ...b.entry, encoding: 'text' }, a.entry);
  }
});

test('a user agent with spaces, a route name, kubectl --timestamps prefix and CRLF', () => {
  const line = TEXT_LINES.ok.replace('"-" "-" "4479', '"10.0.0.1" "curl/8.5.0 (x86_64) libcurl" "4479').replace(/ - -$/, ' - my-route');
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
