// GET pods/log through the lab's transport: lines as they come (split across chunks), follow and
// sinceSeconds on the wire, and every failure a ClusterError (401 and a silent server are not "no lines").
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { Core } from '../../src/kube/core';
import { ClusterError } from '../../src/kube/errors';
import { followPodLog, readPodLog } from '../../src/kube/podLogs';
import { createTransport } from '../../src/kube/transport';

async function apiServer(handler: http.RequestListener) {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    handler(req, res);
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
  const core = { kc, transport, log: (l: string) => log.push(l), defaultNamespace: 'default' } as unknown as Core;
  return {
    core,
    seen,
    log,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(r);
      }),
  };
}

const pod = { namespace: 'istio-system', name: 'istio-ingressgateway-abc' };

test('follow: lines split across chunks arrive whole, in order; follow and sinceSeconds are sent', async () => {
  const s = await apiServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('[2026-11-28T23:34:57.531Z] "GET /a HTTP/1.1" 200');
    setTimeout(() => res.write(' - via_upstream\nsecond line\nthi'), 20);
    setTimeout(() => res.end('rd\n'), 40);
  });
  try {
    const lines: string[] = [];
    await followPodLog(s.core, pod, { container: 'istio-proxy', sinceSeconds: 300, onLine: (l) => lines.push(l) });
    assert.deepEqual(lines, [
      '[2026-11-28T23:34:57.531Z] "GET /a HTTP/1.1" 200 - via_upstream',
      'second line',
      'third',
    ]);
    assert.equal(
      s.seen[0],
      '/api/v1/namespaces/istio-system/pods/istio-ingressgateway-abc/log?container=istio-proxy&sinceSeconds=300&follow=true',
    );
  } finally {
    await s.close();
  }
});

test('follow: the caller stops it with its signal; the call resolves', async () => {
  const s = await apiServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('one\n'); // and never ends
  });
  try {
    const ac = new AbortController();
    const lines: string[] = [];
    await followPodLog(s.core, pod, {
      signal: ac.signal,
      onLine: (l) => {
        lines.push(l);
        ac.abort();
      },
    });
    assert.deepEqual(lines, ['one']);
    assert.match(s.log.join('\n'), /get pods\/log istio-ingressgateway-abc -n istio-system → stopped/);
  } finally {
    await s.close();
  }
});

test('follow: a 401 is a ClusterError "unauthorized", not an empty log', async () => {
  const s = await apiServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
  });
  try {
    const err = await followPodLog(s.core, pod, { onLine: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.status, 401);
  } finally {
    await s.close();
  }
});

test('follow: a server that never answers is a ClusterError "timeout" after timeoutMs', async () => {
  const s = await apiServer(() => undefined /* no answer */);
  try {
    const err = await followPodLog(s.core, pod, { timeoutMs: 200, onLine: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.kind, 'timeout');
  } finally {
    await s.close();
  }
});

test('follow: a stream that stays open longer than timeoutMs is not cut (the timeout is for the answer only)', async () => {
  const s = await apiServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('early\n');
    setTimeout(() => res.end('late\n'), 400);
  });
  try {
    const lines: string[] = [];
    await followPodLog(s.core, pod, { timeoutMs: 150, onLine: (l) => lines.push(l) });
    assert.deepEqual(lines, ['early', 'late']);
  } finally {
    await s.close();
  }
});

test('read once: the lines; a missing pod is a ClusterError "not-found" naming it', async () => {
  const s = await apiServer((req, res) => {
    if (req.url?.includes('/pods/gone/')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        '{"kind":"Status","status":"Failure","message":"pods \\"gone\\" not found","reason":"NotFound","code":404}',
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('a\nb\n');
  });
  try {
    assert.deepEqual(await readPodLog(s.core, pod, { tailLines: 2 }), ['a', 'b']);
    assert.match(s.seen[0] ?? '', /tailLines=2/);
    assert.doesNotMatch(s.seen[0] ?? '', /follow/);
    const err = await readPodLog(s.core, { namespace: 'istio-system', name: 'gone' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError);
    assert.equal(err.kind, 'not-found');
    assert.match(err.message, /gone/);
  } finally {
    await s.close();
  }
});
