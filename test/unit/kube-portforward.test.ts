// A port-forward whose WebSocket is cut mid-answer (the API server killed) or goes silent (the API
// server stopped) ends the reader with one clear error instead of a truncated answer or a hang, and
// the next read works once the API server is back. The API server is a separate process
// (helpers/cuttingApiServer.mjs) speaking v4.channel.k8s.io, killed and stopped with real signals.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { createEnvoyAdmin } from '../../src/kube/envoyAdmin';
import { ClusterError } from '../../src/kube/errors';
import { startPortForward, type PortForwardOptions } from '../../src/kube/portForward';

const helper = fileURLToPath(new URL('./helpers/cuttingApiServer.mjs', import.meta.url));

// The "pod": an Envoy-like admin answering /config_dump with a large JSON body of known length.
const body = JSON.stringify({ configs: Array.from({ length: 4000 }, (_, i) => ({ name: `route-${i}`, n: i })) });
const pod = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
await new Promise<void>((r) => pod.listen(0, '127.0.0.1', () => r()));
const podPort = (pod.address() as AddressInfo).port;
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  pod.close();
});

/** Starts the API server stand-in; resolves with its port and a promise of its "cut" line. */
async function apiServer(port: number, cutAfter?: number) {
  const args = [helper, String(port), String(podPort), ...(cutAfter ? ['--cut-after', String(cutAfter)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let onCut: () => void = () => undefined;
  const cut = new Promise<void>((r) => (onCut = r));
  const listening = new Promise<number>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`API server stand-in exited (${code}) before listening`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      if (out.includes('cut\n')) onCut();
    });
  });
  return { child, port: await listening, cut };
}

function kubeconfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'lab', cluster: 'c', user: 'u' }],
    currentContext: 'lab',
  });
  return kc;
}

function forwardOpts(port: number, extra: Partial<PortForwardOptions> = {}): PortForwardOptions {
  return {
    namespace: 'istio-system',
    pod: 'istio-ingressgateway-0',
    remotePort: 15000,
    who: { context: 'lab', server: `http://127.0.0.1:${port}`, user: 'u' },
    log: () => undefined,
    ...extra,
  };
}

function admin(kc: KubeConfig, opts: PortForwardOptions) {
  // A reader that would wait a minute: the port-forward, not this timeout, must end a dead read.
  return createEnvoyAdmin({
    pod: { namespace: opts.namespace, name: opts.pod },
    openPortForward: () => startPortForward(kc, opts),
    log: () => undefined,
    timeoutMs: 60_000,
    generation: () => 0,
  });
}

test('a whole answer through the port-forward is read, and a normal end is no error', async () => {
  const api = await apiServer(0);
  const opts = forwardOpts(api.port);
  const pf = await startPortForward(kubeconfig(api.port), opts);
  const a = admin(kubeconfig(api.port), opts);
  try {
    assert.deepEqual(await a.getConfigDump(), JSON.parse(body));
    assert.equal(pf.lastError(), undefined);
  } finally {
    await a.dispose();
    await pf.dispose();
    api.child.kill('SIGKILL');
  }
});

test('the API server killed mid-answer: one clear error naming the API server, then reads work once it is back', async () => {
  const api = await apiServer(0, 60_000);
  const opts = forwardOpts(api.port);
  const a = admin(kubeconfig(api.port), opts);
  try {
    const read = a.getConfigDump();
    await api.cut;
    api.child.kill('SIGKILL');
    const err = await read.then(
      () => assert.fail('a cut answer was taken as complete'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError, `not a ClusterError: ${String(err)}`);
    assert.equal(err.kind, 'unreachable', err.message);
    assert.match(
      err.message,
      /^Lost the connection to the API server http:\/\/127\.0\.0\.1:\d+ while forwarding to istio-system\/istio-ingressgateway-0:15000: the stream was cut \(WebSocket 1006\)\.$/,
    );
    assert.match(err.hint, /Is the API server up/);

    // The API server comes back on the same address: the same admin reads again, whole.
    const again = await apiServer(api.port);
    try {
      assert.deepEqual(await a.getConfigDump(), JSON.parse(body));
    } finally {
      again.child.kill('SIGKILL');
    }
  } finally {
    await a.dispose();
    api.child.kill('SIGKILL');
  }
});

test(
  'the API server stopped mid-answer (SIGSTOP): the read ends with a clear error, no hang',
  { timeout: 30_000 },
  async () => {
    const api = await apiServer(0, 60_000);
    const opts = forwardOpts(api.port, { heartbeatMs: 100, heartbeatMisses: 3 });
    const a = admin(kubeconfig(api.port), opts);
    try {
      const read = a.getConfigDump();
      await api.cut;
      api.child.kill('SIGSTOP');
      const err = await read.then(
        () => assert.fail('a cut answer was taken as complete'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ClusterError, `not a ClusterError: ${String(err)}`);
      assert.equal(err.kind, 'unreachable');
      assert.match(
        err.message,
        /while forwarding to istio-system\/istio-ingressgateway-0:15000: no answer to 3 pings in 0\.3 s\.$/,
      );
    } finally {
      await a.dispose();
      api.child.kill('SIGCONT');
      api.child.kill('SIGKILL');
    }
  },
);
