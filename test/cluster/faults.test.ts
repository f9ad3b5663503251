// Faults a user's cluster goes through, on the lab's own (real API server, real istiod, Envoy in the
// gateway pod): the API server killed while the lab reads the gateway's live state, then started
// again; istiod stopped and started. What the lab shows: one clear error while a part is down, the
// gateway serving its last config without istiod (as Envoy does), and reads working again after.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CONTROL_PLANE_STAT, controlPlaneConnected, readStats, statsPath } from '../../src/envoy/adminStats';
import { ClusterError, parseManifests, type PodInfo } from '../../src/kube/index';
import { buildCheckReport, type CheckFacts } from '../../src/lab/checks';
import { sendWithNode } from '../../src/tools/curl';
import { ingressIP, labCluster, metric, ms, repo, seedManifestTexts, whenCluster, sleep, until } from './helpers';

const ns = 'simple';
const host = 'simple.baihl.io';
const harness = path.join(repo, 'test', 'harness');
const apiserver = (what: 'kill' | 'start') =>
  execFileSync('bash', [path.join(harness, 'apiserver.sh'), what], { stdio: 'inherit' });
const istiod = (what: 'stop-istiod' | 'start') =>
  execFileSync(process.execPath, [path.join(harness, 'istiod.mjs'), what], { stdio: 'inherit' });

/** What a user reads: one line, the kind the lab maps it to, no stack. */
function assertOneClearError(err: unknown, kind: ClusterError['kind'], message: RegExp): void {
  assert.ok(err instanceof ClusterError, `not a ClusterError: ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.match(err.message, message);
  assert.doesNotMatch(String(err), /\n|\bat .+:\d+:\d+|internal error/i);
}

await whenCluster('faults: the API server and istiod stopped and back', () => {
  const { cluster } = labCluster();
  after(() => cluster.dispose());
  let gateway: PodInfo;

  before(async () => {
    await cluster.serverSideApply(
      seedManifestTexts(ns, host).flatMap((f) => parseManifests(f.text, f.name)),
      { namespace: ns },
    );
    await cluster.waitForDeploymentsAvailable(ns, ['simple', 'nginx-deployment'], { timeoutMs: 90_000, pollMs: 500 });
    const status = await cluster.istioStatus();
    assert.ok(status.readyPod, status.problems.map((p) => p.message).join('; '));
    gateway = status.readyPod;
    await until('the seed answers 200 through the LoadBalancer IP', 60_000, async () => {
      const r = await sendWithNode({ address: `${ingressIP()}:80`, host, path: '/simple/httpserver' });
      return r.ok && r.response.status === 200 ? true : undefined;
    });
  });

  test('the API server killed mid-read: the read ends with one clear error, reads while it is down say so, and the same client reads again once it is back', async () => {
    const admin = cluster.envoyAdmin(gateway);
    const pf = await cluster.portForward(gateway.namespace, gateway.name, 15000);
    const sock = net.connect(pf.localPort, '127.0.0.1');
    let errorCode: string | undefined;
    sock.on('error', (e: NodeJS.ErrnoException) => (errorCode = e.code));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    // The request's headers are not finished: the forward stays open, mid-read, until the cut.
    sock.write('GET /config_dump HTTP/1.1\r\nHost: x\r\n');
    const ended = new Promise<string>((r) => sock.once('close', () => r('closed')));
    await until('the forward open through the API server', 10_000, async () =>
      pf.openConnections() === 1 ? sleep(500).then(() => true) : undefined,
    );
    const t0 = performance.now();
    apiserver('kill');
    let back = false;
    try {
      const outcome = await Promise.race([ended, sleep(30_000).then(() => 'hung')]);
      assert.equal(outcome, 'closed', 'the reader was left waiting');
      assert.equal(errorCode, 'ECONNRESET', 'a cut is a reset, not an end that looks like a complete answer');
      assertOneClearError(
        pf.lastError(),
        'unreachable',
        /^Lost the connection to the API server https:\/\/127\.0\.0\.1:\d+ while forwarding to istio-system\/\S+:15000: the stream was cut \(WebSocket 1006\)\.$/,
      );
      metric('faultApiServerKilledReaderEndedMs', ms(t0));

      // While it is down: the lab's reads fail at once with the same kind of line.
      const down =
        /^Cannot reach (the API server )?https:\/\/127\.0\.0\.1:\d+( of context "[^"]+")? \(connection refused\)\.$/;
      const status = await cluster.istioStatus().then(
        () => undefined,
        (e: unknown) => e,
      );
      assertOneClearError(status, 'unreachable', down);
      const read = await admin.getJson('/server_info', { fresh: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertOneClearError(read, 'unreachable', down);
    } finally {
      apiserver('start');
      back = true;
      sock.destroy();
      await pf.dispose();
    }
    assert.ok(back);
    const t1 = performance.now();
    const pod = await until(
      'the lab reads the cluster again',
      60_000,
      async () => (await cluster.istioStatus()).readyPod,
    );
    const info = await until(
      'the gateway Envoy read again through the API server',
      30_000,
      async () => (await admin.getJson('/server_info', { fresh: true })) as { state: string },
    );
    metric('faultApiServerBackToReadsMs', ms(t1));
    assert.equal(pod.name, gateway.name, 'the gateway pod survived the API server restart');
    assert.equal(info.state, 'LIVE');
  });

  test('istiod stopped: the gateway serves its last config, the lab reports istiod down; started: connected again', async () => {
    const admin = cluster.envoyAdmin(gateway);
    const connected = async () =>
      controlPlaneConnected(readStats(await admin.getJson(statsPath([CONTROL_PLANE_STAT]), { fresh: true })));
    const check = async () => {
      const facts: CheckFacts = {
        gatewayNamespace: 'istio-system',
        gatewaySelector: 'istio=ingressgateway',
        namespaceExists: true,
        context: { name: 'lab', server: 'https://127.0.0.1:6443', kubeconfig: 'kubeconfig' },
        serverVersion: 'v1.36.3',
        gatewayServices: [{ name: 'istio-ingressgateway', type: 'LoadBalancer' }],
        gatewayPods: [{ name: gateway.name, ready: true }],
        controlPlane: { pod: `istio-system/${gateway.name}`, connected: await connected() },
        istioctl: { found: true, detail: '' },
        curl: { found: true, detail: '' },
      };
      return buildCheckReport(facts);
    };
    assert.equal(await connected(), true, 'connected to istiod before the fault');
    assert.ok((await check()).ok);

    istiod('stop-istiod');
    const t0 = performance.now();
    try {
      await until('Envoy reports its xDS stream down', 30_000, async () =>
        (await connected()) === false ? true : undefined,
      );
      metric('faultIstiodStoppedToReportedMs', ms(t0));
      // Still not connected a few seconds on (no flapping back to "connected" while istiod is away).
      await sleep(3000);
      assert.equal(await connected(), false);
      const report = await check();
      assert.equal(report.ok, false);
      assert.ok(
        report.lines.some(
          (l) => !l.ok && /Envoy is not connected to istiod: it keeps serving its last config/.test(l.text),
        ),
        report.lines.map((l) => l.text).join('\n'),
      );
      const still = await sendWithNode({ address: `${ingressIP()}:80`, host, path: '/simple/httpserver' });
      assert.ok(still.ok && still.response.status === 200, 'the gateway keeps its routes while istiod is away');
    } finally {
      istiod('start');
    }
    const t1 = performance.now();
    await until('Envoy connected to istiod again', 60_000, async () => ((await connected()) ? true : undefined));
    metric('faultIstiodBackToConnectedMs', ms(t1));
    assert.ok((await check()).ok);
  });
});
