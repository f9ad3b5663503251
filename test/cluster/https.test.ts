// HTTPS through the lab cluster's real path: the test makes a CA and a server certificate (openssl), stores them as
// the kubernetes.io/tls Secret istio-system/simple-cred, and gives the sample's Gateway an HTTPS server on 443 with
// that credentialName (the sample's VirtualService stays bound to it). The real istiod serves the Secret to the
// gateway's Envoy over SDS (only to a proxy it authenticated: test/harness/README.md), and curl, as a user types it
// (--resolve to the ingress gateway's LoadBalancer address, --cacert), goes through kube-proxy's DNAT to the Envoy in
// the gateway pod. Checked: 200 from /simple/httpserver; the live listener 0.0.0.0_8443's filter chain (server
// names, route configuration, transport socket) equals the engine's prediction for the same files; the trace of the
// request, live and offline, takes the same chain. Then MUTUAL (the client CA from simple-cred-cacert): without a
// client certificate the handshake fails (curl exit 35 over TLS 1.2; over TLS 1.3 56, or 16/55 when curl was
// already sending the request), with one signed by the CA it is 200, and the trace says so live and offline; the
// port-80 server's httpsRedirect answers 301 to https.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readConfigDump, type ConfigDump } from '../../src/envoy/configDump';
import type { Listener } from '../../src/envoy/types';
import { predictAutoPassthrough } from '../../src/istio/autoPassthrough';
import { predictL4Routes } from '../../src/istio/l4Routes';
import { predict } from '../../src/istio/predict';
import { predictListeners } from '../../src/istio/predictListeners';
import { traceRequest } from '../../src/istio/trace';
import { LiveRoutes } from '../../src/lab/liveRoutes';
import { gatherLive } from '../../src/lab/traceLive';
import type { ResourceSet } from '../../src/istio/model';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { parseManifests, type PodInfo } from '../../src/kube/index';
import { canonical } from '../unit/helpers/canonicalJson';
import {
  deploySeed,
  ingressIP,
  kubectl,
  labCluster,
  metric,
  repo,
  seedManifestTexts,
  until,
  whenCluster,
} from './helpers';

const HOST = 'simple.baihl.io';
const ns = 'simple';
const LISTENER = '0.0.0.0_8443';
const HCM = 'envoy.filters.network.http_connection_manager';
const fixture = (name: string) => path.join(repo, 'test', 'cluster', 'fixtures', name);
const openssl = (dir: string, ...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA, a server certificate for HOST and a client certificate, all signed by the CA, in `dir`. */
function makePki(dir: string): void {
  openssl(
    dir,
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=lab-https-test-ca'],
    ...['-keyout', 'ca.key', '-out', 'ca.crt'],
  );
  for (const [name, cn, ext] of [
    ['server', HOST, `subjectAltName=DNS:${HOST}`],
    ['client', 'client.baihl.io', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(
      dir,
      ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-addext', ext],
      ...['-keyout', `${name}.key`, '-out', `${name}.csr`],
    );
    openssl(
      dir,
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-days', '1', '-copy_extensions', 'copy', '-out', `${name}.crt`],
    );
  }
}

/** curl as a user types it against the ingress gateway's address: the HTTP status and curl's exit code. */
function curl(url: string, extra: string[] = []): { status: number; exit: number } {
  const r = spawnSync(
    'curl',
    [
      ...['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10'],
      ...['--resolve', `${HOST}:443:${ingressIP()}`, '--resolve', `${HOST}:80:${ingressIP()}`],
      ...extra,
      url,
    ],
    { encoding: 'utf8' },
  );
  return { status: Number(r.stdout), exit: r.status ?? -1 };
}

/** The HCM filter chains of a listener: SNI and ALPN match, route configuration, transport socket. */
function chains(listeners: readonly Listener[]): unknown[] {
  return listeners
    .filter((l) => l.name === LISTENER)
    .flatMap((l) => l.filterChains ?? [])
    .map((fc) => {
      const hcm = fc.filters?.find((f) => f.name === HCM)?.typedConfig as { rds?: { routeConfigName?: string } };
      return canonical([
        fc.filterChainMatch?.serverNames ?? null,
        fc.filterChainMatch?.applicationProtocols ?? null,
        hcm?.rds?.routeConfigName ?? null,
        fc.transportSocket ?? null,
      ]);
    });
}

await whenCluster('HTTPS through the ingress gateway on the lab cluster', () => {
  const { cluster } = labCluster();
  const seed = seedManifestTexts(ns, HOST);
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-https-'));
  const https = (extra: string[] = []) =>
    curl(`https://${HOST}/simple/httpserver`, ['--cacert', path.join(pki, 'ca.crt'), ...extra]);
  const clientCert = ['--cert', path.join(pki, 'client.crt'), '--key', path.join(pki, 'client.key')];
  let gateway: PodInfo;

  /** What the editor reads with the Gateway file `name` open: the sample's apps and VirtualService, and that Gateway. */
  function workspace(name: string): ResourceSet {
    const sets = seed.map((f) => readResources(f.text, f.name, { defaultNamespace: ns, validate: true }).resources);
    for (const s of sets) s.gateways = []; // the sample's own Gateway is what the fixture replaces
    const file = fixture(name);
    return mergeResourceSets(...sets, readResources(fs.readFileSync(file, 'utf8'), file, { validate: true }).resources);
  }

  /** The engine's listeners for those files, as `ingress-lab predict -o config-dump` gives them. */
  function predictedChains(name: string): unknown[] {
    const ws = workspace(name);
    return chains(predictListeners(predict(ws).httpChains, predictL4Routes(ws), predictAutoPassthrough(ws)));
  }

  async function liveDump(): Promise<ConfigDump> {
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    admin.refresh();
    return readConfigDump(await admin.getConfigDump());
  }

  async function applyGateway(name: string): Promise<void> {
    await cluster.serverSideApply(parseManifests(fs.readFileSync(fixture(name), 'utf8'), name), { namespace: ns });
  }

  before(async () => {
    gateway = await deploySeed(cluster, seed, ns);
    makePki(pki);
    // the Secrets as a user creates them, from the files (no key material on a command line)
    kubectl('-n', 'istio-system', 'delete', 'secret', 'simple-cred', 'simple-cred-cacert', '--ignore-not-found');
    kubectl(
      ...['-n', 'istio-system', 'create', 'secret', 'tls', 'simple-cred'],
      ...['--cert', path.join(pki, 'server.crt'), '--key', path.join(pki, 'server.key')],
    );
    kubectl(
      ...['-n', 'istio-system', 'create', 'secret', 'generic', 'simple-cred-cacert'],
      `--from-file=ca.crt=${path.join(pki, 'ca.crt')}`,
    );
  });

  after(async () => {
    try {
      // the next test files expect the sample's own Gateway (port 80 only) and no test Secrets
      await cluster.serverSideApply(
        seed.flatMap((f) => parseManifests(f.text, f.name)),
        { namespace: ns },
      );
      kubectl('-n', 'istio-system', 'delete', 'secret', 'simple-cred', 'simple-cred-cacert', '--ignore-not-found');
      await until('the gateway drops listener 0.0.0.0_8443', 20_000, async () =>
        (await liveDump()).listeners.some((e) => e.listener.name === LISTENER) ? undefined : true,
      );
    } finally {
      fs.rmSync(pki, { recursive: true, force: true });
      await cluster.dispose();
    }
  });

  test('SIMPLE with credentialName: curl --cacert through the LoadBalancer address gets 200 from /simple/httpserver', async () => {
    const t0 = performance.now();
    await applyGateway('https-gateway.yaml');
    const r = await until('HTTPS 200 through the gateway', 30_000, () => {
      const c = https();
      return c.status === 200 ? c : undefined;
    });
    metric('https.first200AfterApplyMs', Math.round(performance.now() - t0));
    assert.deepEqual(r, { status: 200, exit: 0 });
    // the server's certificate is the Secret's: without --cacert curl trusts only the system's CAs and refuses it
    assert.deepEqual(curl(`https://${HOST}/simple/httpserver`), { status: 0, exit: 60 });
  });

  test(`istiod's live ${LISTENER} filter chain (server names, route configuration, TLS) equals the prediction`, async () => {
    const live = (await liveDump()).listeners.map((e) => e.listener);
    assert.equal(chains(live).length, 1);
    assert.deepEqual(chains(live), predictedChains('https-gateway.yaml'));
  });

  test("the editor's live trace of the HTTPS request (LoadBalancer 443) takes the same filter chain as the offline trace", async () => {
    // what the trace command reads from the cluster (src/lab/traceLive.ts, through LiveRoutes as the editor does)
    const ctx = {
      getCluster: () => cluster,
      settings: { gateway: { namespace: 'istio-system', selector: 'istio=ingressgateway', pod: '' } },
      prompts: { isTrusted: () => true },
      log: { info: () => undefined, warn: () => undefined },
    };
    const ws = workspace('https-gateway.yaml');
    const connected = await gatherLive({ ...ctx, live: new LiveRoutes(ctx) }, ws);
    assert.ok(connected.ok, connected.ok ? '' : connected.reason);
    const { data } = connected;
    const lb = data.entries.find((e) => e.kind === 'loadBalancer');
    assert.ok(lb, 'a LoadBalancer entry');
    assert.equal(lb.address, ingressIP());
    // the editor enters a TLS trace by the entry's address on the HTTPS port
    const req = { host: HOST, path: '/simple/httpserver', tls: true, entry: lb.kind, address: lb.address };
    const liveTrace = traceRequest(req, data.resources, data.live);
    const offline = traceRequest(req, ws);
    const listenerStep = (t: typeof offline) => t.steps.find((s) => s.id === 'listener');
    assert.equal(liveTrace.mode, 'live');
    assert.deepEqual([liveTrace.request.port, listenerStep(liveTrace)?.source], [443, 'live']);
    assert.equal(listenerStep(liveTrace)?.value, LISTENER);
    assert.deepEqual(listenerStep(liveTrace)?.details, listenerStep(offline)?.details);
    assert.equal(liveTrace.outcome.status, 'forwarded', liveTrace.outcome.summary);
  });

  test('MUTUAL: without a client certificate the handshake fails; with one signed by the CA in simple-cred-cacert, 200', async () => {
    const t0 = performance.now();
    await applyGateway('https-gateway-mutual.yaml');
    await until('the gateway requires a client certificate', 30_000, () => (https().status === 200 ? undefined : true));
    metric('https.mutualAfterApplyMs', Math.round(performance.now() - t0));
    // TLS 1.3: the client's side of the handshake is done when Envoy's alert comes, so curl reports it reading
    // (56 "alert certificate required") or, when it was already sending the request, writing (16, 55)
    const tls13 = https();
    assert.equal(tls13.status, 0, 'no HTTP response at all');
    assert.ok([56, 16, 55].includes(tls13.exit), `curl exit ${tls13.exit}`);
    // TLS 1.2: the handshake itself fails (35 "alert handshake failure")
    assert.deepEqual(https(['--tls-max', '1.2']), { status: 0, exit: 35 });
    assert.deepEqual(https(clientCert), { status: 200, exit: 0 });
    // the trace, live (the gateway's own listener) and offline, tells both clients apart as curl did
    const ws = workspace('https-gateway-mutual.yaml');
    const dump = await liveDump();
    const live = {
      routeConfigs: dump.routeConfigs.map((r) => r.routeConfig),
      listeners: dump.listeners.map((l) => l.listener),
    };
    for (const clientCertificate of [false, true]) {
      const req = { host: HOST, path: '/simple/httpserver', tls: true, clientCertificate };
      const [l, o] = [traceRequest(req, ws, live), traceRequest(req, ws)];
      assert.equal(l.mode, 'live');
      assert.deepEqual([l.outcome.status, l.outcome.summary], [o.outcome.status, o.outcome.summary]);
      assert.equal(l.outcome.status, clientCertificate ? 'forwarded' : 0, l.outcome.summary);
    }
    assert.deepEqual(
      chains((await liveDump()).listeners.map((e) => e.listener)),
      predictedChains('https-gateway-mutual.yaml'),
    );
  });

  test('httpsRedirect on the port-80 server: plain HTTP gets 301 to https', () => {
    const r = spawnSync(
      'curl',
      [
        ...['-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '--max-time', '10'],
        ...['-H', `Host: ${HOST}`, `http://${ingressIP()}/simple/httpserver`],
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout, `301 https://${HOST}/simple/httpserver`);
  });
});
