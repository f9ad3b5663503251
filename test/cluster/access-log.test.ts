// The gateway's access log on the lab's cluster, read as a user's cluster would give it: the gateway's
// real Envoy writes Istio's default format because istiod's meshConfig turns it on (accessLogFile), and
// the test reads it through the API server (GET pods/log?follow=true). Each request provokes one cause
// (unknown Host, Host with a port, unrouted path, a Deployment scaled to 0, a subset without a
// DestinationRule, a backend that refuses connections); each explanation must name the cause and, where
// a VirtualService match is behind the route, its line in the YAML.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AdminClustersIndex, ConfigDumpIndex } from '../../src/envoy/index';
import { readAdminClusters } from '../../src/envoy/adminClusters';
import { readConfigDump } from '../../src/envoy/configDump';
import { FAILURE_STATS_FILTER, readFailureStats } from '../../src/envoy/stats';
import { explainEntry, type Explanation } from '../../src/istio/accessLogExplain';
import { predict } from '../../src/istio/predict';
import { readResources } from '../../src/istio/yamlModel';
import { parseManifests, type PodInfo } from '../../src/kube/index';
import { accessEntryOf } from '../../src/lab/requestLog';
import { curlStatus, kubectl, labCluster, metric, repo, sleep, whenCluster } from './helpers';

const ns = 'lab-log';
const fixture = path.join(repo, 'test', 'cluster', 'fixtures', 'access-log-causes.yaml');

/** 1-based line of the first line at or after `from` that contains `text`. */
function lineOf(text: string, from = 1): number {
  const lines = fs.readFileSync(fixture, 'utf8').split('\n');
  const i = lines.findIndex((l, idx) => idx + 1 >= from && l.includes(text));
  assert.ok(i >= 0, `${text} in the fixture`);
  return i + 1;
}

await whenCluster('access log on the lab cluster', () => {
  const { cluster, lines: kubeLog } = labCluster();
  let gateway: PodInfo;
  const logLines: string[] = [];
  // Where the log stood when the test's request was sent: its line is looked for after that. Envoy flushes its log
  // about once a second, so without this a line of the setup's retries (once a 503, while istiod's pushes came in
  // steps) was taken for the request's own.
  let sentAt = 0;
  const curl = (host: string, urlPath: string, headers: string[] = []) => {
    sentAt = logLines.length;
    return curlStatus(host, urlPath, headers);
  };
  const follow = new AbortController();
  let following: Promise<void>;
  const yamlText = fs.readFileSync(fixture, 'utf8');
  // The YAML as the editor reads it: the file itself, in the test's namespace.
  const resources = readResources(yamlText, fixture, { defaultNamespace: ns, validate: true }).resources;
  const prediction = predict(resources);

  before(async () => {
    kubectl('create', 'namespace', ns);
    await cluster.serverSideApply(parseManifests(yamlText), { namespace: ns });
    await cluster.waitForDeploymentsAvailable(ns, ['web', 'gone'], { timeoutMs: 60_000 });
    execFileSync('bash', [path.join(repo, 'test', 'harness', 'backends.sh'), 'up', ns], { stdio: 'ignore' });
    const ready = (await cluster.listPods('istio-system', { labelSelector: 'istio=ingressgateway' })).find(
      (p) => p.ready,
    );
    assert.ok(ready, 'a Ready gateway pod');
    gateway = ready;
    // Follow from now on, through the API server, as the Requests view does.
    following = cluster.followPodLog(
      { namespace: gateway.namespace, name: gateway.name },
      { container: 'istio-proxy', sinceSeconds: 1, signal: follow.signal, onLine: (l) => logLines.push(l) },
    );
    // istiod pushes the routes; /hello answers once they are on the gateway. Its pushes come in steps (clusters,
    // endpoints, routes) while the new pods become ready: wait for three 200s in a row, as a person retries.
    const started = performance.now();
    for (let i = 0, ok = 0, status = 0; ok < 3; i++) {
      status = curl('log.lab.io', '/hello');
      ok = status === 200 ? ok + 1 : 0;
      assert.ok(i < 120, `the VirtualService is routed within 60 s (last answer ${status})`);
      if (ok < 3) await sleep(ok ? 200 : 500);
    }
    metric('accessLog.routedAfterMs', Math.round(performance.now() - started));
  });

  after(async () => {
    // The client is disposed whatever fails here: an open port-forward would keep the test process alive.
    try {
      follow.abort();
      await following;
      // The next test files compare the gateway's routes with the seed's: leave none of ours behind.
      kubectl(
        '-n',
        ns,
        'delete',
        'virtualservices.networking.istio.io/log-vs',
        'gateways.networking.istio.io/log-gw',
        '--wait=true',
      );
      kubectl('delete', 'namespace', ns, '--wait=false');
      const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
      for (const deadline = performance.now() + 20_000; performance.now() < deadline; await sleep(250)) {
        admin.refresh();
        if (!JSON.stringify(await admin.getJson('/config_dump?resource=dynamic_route_configs')).includes('log.lab.io'))
          break;
      }
    } finally {
      await cluster.dispose();
    }
  });

  /** The explained log line of the request with that Host and path, once the gateway logged it (flush: 1 s). */
  async function explained(host: string, urlPath: string): Promise<{ code: number; flags: string[]; x: Explanation }> {
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    const t0 = performance.now();
    for (;;) {
      const line = logLines
        .slice(sentAt)
        .reverse()
        .find((l) => {
          const e = accessEntryOf(l);
          return e?.authority === host && e.path === urlPath;
        });
      if (line) {
        metric(`accessLog.lineSeenAfterMs ${host}${urlPath}`, Math.round(performance.now() - t0));
        const e = accessEntryOf(line)!;
        admin.refresh();
        const dump = new ConfigDumpIndex(readConfigDump(await admin.getConfigDump({ includeEds: true })));
        const clusters = new AdminClustersIndex(readAdminClusters(await admin.getClusters()));
        return { code: e.code, flags: e.flags, x: explainEntry(e, { dump, clusters, resources, prediction }) };
      }
      assert.ok(
        performance.now() - t0 < 15_000,
        `a log line for ${host}${urlPath} within 15 s; got:\n${logLines.slice(-5).join('\n')}`,
      );
      await sleep(250);
    }
  }

  function assertYaml(x: Explanation, lineText: string, from = 1): void {
    assert.ok(x.yaml, `a YAML link in ${JSON.stringify(x)}`);
    assert.equal(path.resolve(x.yaml.file), fixture);
    const want = lineOf(lineText, from);
    // the link is the match: its first line, or the VirtualService's http entry holding it
    assert.ok(
      x.yaml.line <= want && want - x.yaml.line <= 2,
      `yaml line ${x.yaml.line} (${x.yaml.what}) is the match at ${want} (${lineText})`,
    );
  }

  test('routed: 200 ok, linked to the /hello match', async () => {
    assert.equal(curl('log.lab.io', '/hello'), 200);
    const { code, x } = await explained('log.lab.io', '/hello');
    assert.equal(code, 200);
    assert.equal(x.cause, 'ok');
    assertYaml(x, 'prefix: /hello');
  });

  test('unknown Host: 404 NR no-virtual-host, listing the domains', async () => {
    assert.equal(curl('nope.lab.io', '/hello'), 404);
    const { code, flags, x } = await explained('nope.lab.io', '/hello');
    assert.deepEqual([code, flags], [404, ['NR']]);
    assert.equal(x.cause, 'no-virtual-host');
    assert.match([x.explanation, ...x.details].join('\n'), /log\.lab\.io/);
  });

  test("Host with a port: Istio's route config ignores the port in host matching, so the request is routed", async () => {
    // What the real istiod configures (gateway.go: IgnorePortInHostMatching): Envoy drops the port from the
    // Host before choosing the virtual host, so `Host: log.lab.io:8080` finds log.lab.io (no NR here).
    const routes = JSON.stringify(
      await cluster
        .envoyAdmin({ namespace: gateway.namespace, name: gateway.name })
        .getJson('/config_dump?resource=dynamic_route_configs'),
    );
    assert.match(routes, /"ignore_port_in_host_matching":true/);
    assert.equal(curl('log.lab.io:8080', '/hello'), 200);
    const { code, x } = await explained('log.lab.io:8080', '/hello');
    assert.equal(code, 200);
    assert.equal(x.cause, 'ok');
    assertYaml(x, 'prefix: /hello');
    // an unknown Host with a port is still no-virtual-host, and the explanation names the Host as sent
    assert.equal(curl('nope.lab.io:8080', '/hello'), 404);
    const other = await explained('nope.lab.io:8080', '/hello');
    assert.equal(other.x.cause, 'no-virtual-host');
    assert.match(other.x.explanation, /nope\.lab\.io/);
  });

  test('unrouted path: 404 NR no-route, the nearest match and its YAML line', async () => {
    assert.equal(curl('log.lab.io', '/nothing'), 404);
    const { x } = await explained('log.lab.io', '/nothing');
    assert.equal(x.cause, 'no-route');
    assert.ok(x.yaml, `the nearest route's YAML: ${JSON.stringify(x)}`);
    assert.equal(path.resolve(x.yaml.file), fixture);
  });

  test('a Deployment scaled to 0: 503 UH no-healthy-upstream, linked to the /empty match', async () => {
    kubectl('-n', ns, 'scale', 'deployment/gone', '--replicas=0');
    let status = 0;
    const t0 = performance.now();
    while ((status = curl('log.lab.io', '/empty')) !== 503) {
      assert.ok(performance.now() - t0 < 30_000, `503 after the scale to 0 within 30 s (last ${status})`);
      await sleep(500);
    }
    await sleep(1500); // the 503's line, flushed
    const { code, x } = await explained('log.lab.io', '/empty');
    assert.equal(code, 503);
    assert.equal(x.cause, 'no-healthy-upstream');
    assertYaml(x, 'prefix: /empty');
  });

  test('a subset without a DestinationRule: 503 NC cluster-not-found, naming the subset', async () => {
    assert.equal(curl('log.lab.io', '/subset'), 503);
    const { flags, x } = await explained('log.lab.io', '/subset');
    assert.deepEqual(flags, ['NC']);
    assert.equal(x.cause, 'cluster-not-found');
    assert.match(x.explanation, /v1/);
    assertYaml(x, 'prefix: /subset');
  });

  test('a backend that refuses connections: 503 UF upstream-connect-failure, the target port', async () => {
    assert.equal(curl('log.lab.io', '/refuse'), 503);
    const { flags, x } = await explained('log.lab.io', '/refuse');
    assert.ok(flags.includes('UF') || flags.includes('URX'), flags.join(','));
    assert.equal(x.cause, 'upstream-connect-failure');
    assert.match([x.explanation, ...x.details].join('\n'), /81/);
    assertYaml(x, 'prefix: /refuse');
  });

  test("Envoy's counters agree: no_route, upstream_rq_5xx and upstream_cx_connect_fail are counted", async () => {
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    const s = readFailureStats(await admin.getStats(FAILURE_STATS_FILTER));
    assert.ok(s.noRoute >= 3, `no_route ${s.noRoute}`); // nope.lab.io, nope.lab.io:8080, /nothing
    assert.ok(s.upstream5xx >= 1, `upstream_rq_5xx ${s.upstream5xx}`);
    assert.ok(s.connectFail >= 1, `upstream_cx_connect_fail ${s.connectFail}`);
  });

  test('the log was read through the API server (GET pods/log, follow)', () => {
    assert.match(kubeLog.join('\n'), /get pods\/log istio-ingressgateway-\S+ -n istio-system → 200 streaming/);
  });
});
