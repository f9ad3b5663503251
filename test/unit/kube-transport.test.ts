// The API server's "ask again shortly" answers (429 with Retry-After, as it sends while a resource's storage is
// (re)initializing) are retried as client-go retries them; anything else fails at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from '../../src/kube/errors';
import { createTransport, retryAfterMs } from '../../src/kube/transport';

async function server(answers: { status: number; headers?: Record<string, string>; body: string }[]) {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'lab', cluster: 'c', user: 'u' }],
    currentContext: 'lab',
  });
  const log: string[] = [];
  const transport = createTransport(kc, { context: 'lab', server: kc.getCurrentCluster()!.server, user: 'u' }, (l) =>
    log.push(l),
  );
  return { seen, log, transport, close: () => new Promise((r) => s.close(r)) };
}

const reinitializing = {
  status: 429,
  headers: { 'retry-after': '1' },
  body: '{"kind":"Status","message":"storage is (re)initializing","code":429}',
};
const list = { verb: 'list', resource: 'wasmplugins.extensions.istio.io', namespace: 'lab' };

test('a 429 with Retry-After is asked again, and the answer that follows is returned', async () => {
  const s = await server([reinitializing, { status: 200, body: '{"items":[]}' }]);
  try {
    const body = await s.transport.request<{ items: unknown[] }>({
      method: 'GET',
      path: '/apis/extensions.istio.io/v1alpha1/namespaces/lab/wasmplugins',
      call: list,
    });
    assert.deepEqual(body, { items: [] });
    assert.equal(s.seen.length, 2);
    assert.match(s.log.join('\n'), /429, retrying in 1000ms/);
  } finally {
    await s.close();
  }
});

test("a server that keeps answering 429 fails after five attempts, with the server's words", async () => {
  const s = await server([{ ...reinitializing, headers: { 'retry-after': '0' } }]);
  try {
    const err = await s.transport.request({ method: 'GET', path: '/api/v1/namespaces/lab/pods', call: list }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError);
    assert.equal(s.seen.length, 5);
    assert.match(err.message, /storage is \(re\)initializing/);
  } finally {
    await s.close();
  }
});

test('only the answers that mean "ask again" are retried', () => {
  const e = (code: number, headers: Record<string, string> = {}) => new ApiException(code, 'x', '', headers);
  assert.equal(retryAfterMs(e(429, { 'retry-after': '2' }), 'PATCH'), 2000);
  assert.equal(retryAfterMs(e(429), 'GET'), 1000);
  assert.equal(retryAfterMs(e(429, { 'retry-after': '3600' }), 'GET'), 5000);
  assert.equal(retryAfterMs(e(503, { 'retry-after': '1' }), 'GET'), 1000);
  assert.equal(retryAfterMs(e(503, { 'retry-after': '1' }), 'POST'), undefined);
  assert.equal(retryAfterMs(e(503), 'GET'), undefined);
  assert.equal(retryAfterMs(e(404), 'GET'), undefined);
  assert.equal(retryAfterMs(new Error('ECONNREFUSED'), 'GET'), undefined);
});
