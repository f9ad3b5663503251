import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  curlArgs,
  curlCommandForCopy,
  examplePathForMatch,
  exampleHeadersForMatch,
  formatExchange,
  hostForDomains,
  parseCurlInclude,
} from '../../src/lab/requests';

const req = { address: '10.96.190.18', host: 'simple.baihl.io', path: '/simple/httpserver' };

test("the command to copy is the article's", () => {
  assert.equal(curlCommandForCopy(req), 'curl -H "Host: simple.baihl.io" http://10.96.190.18/simple/httpserver');
  assert.equal(
    curlCommandForCopy({ ...req, headers: { 'x-note': 'say "hi" $HOME' } }),
    'curl -H "Host: simple.baihl.io" -H "x-note: say \\"hi\\" \\$HOME" http://10.96.190.18/simple/httpserver',
  );
});

test('curl runs with an argument array: silent, head included, bounded time', () => {
  assert.deepEqual(curlArgs({ ...req, address: '192.168.170.137:31373' }), [
    '-sS',
    '-i',
    '--max-time',
    '10',
    '-H',
    'Host: simple.baihl.io',
    'http://192.168.170.137:31373/simple/httpserver',
  ]);
});

test('curl -i output is read, the last head winning', () => {
  const out = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nserver: istio-envoy\r\ncontent-length: 0\r\n\r\n';
  const r = parseCurlInclude(out)!;
  assert.equal(r.status, 404);
  assert.equal(r.statusText, 'Not Found');
  assert.equal(r.headers.server, 'istio-envoy');
  assert.equal(r.body, '');
  assert.equal(
    parseCurlInclude('HTTP/2 200\r\ncontent-type: text/html\r\n\r\n<h1>Welcome to nginx!</h1>')!.body,
    '<h1>Welcome to nginx!</h1>',
  );
  assert.equal(parseCurlInclude('garbage'), undefined);
});

test('a request the match selects: the exact path, the prefix itself, exact headers; regex needs the user', () => {
  assert.equal(examplePathForMatch({ path: '/simple/httpserver' }), '/simple/httpserver');
  assert.equal(examplePathForMatch({ prefix: '/simple/nginx' }), '/simple/nginx');
  assert.equal(examplePathForMatch({ safeRegex: { regex: '/a.*' } }), undefined);
  assert.deepEqual(
    exampleHeadersForMatch({
      prefix: '/',
      headers: [
        { name: 'x-user', stringMatch: { exact: 'jason' } },
        { name: ':method', stringMatch: { exact: 'GET' } },
        { name: 'x-no', invertMatch: true, stringMatch: { exact: '1' } },
      ],
    }),
    { 'x-user': 'jason' },
  );
  assert.equal(hostForDomains(['simple.baihl.io'], 'x'), 'simple.baihl.io');
  assert.equal(hostForDomains(['*'], 'simple.baihl.io'), 'simple.baihl.io');
  assert.equal(hostForDomains(['*.example.com'], 'x'), 'lab.example.com');
});

test('an exchange shows the command, the status and the body', () => {
  const text = formatExchange(req, {
    response: {
      status: 200,
      statusText: 'OK',
      headers: { server: 'istio-envoy' },
      body: 'hello\n',
      via: 'curl',
      elapsedMs: 3,
    },
  });
  assert.equal(
    text,
    '$ curl -H "Host: simple.baihl.io" http://10.96.190.18/simple/httpserver\nHTTP 200 OK   (3 ms, via curl)\nserver: istio-envoy\n\nhello\n',
  );
  assert.match(formatExchange(req, { error: 'connection refused' }), /✗ connection refused/);
});
