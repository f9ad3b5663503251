// AuthorizationPolicy on the lab's cluster: with the seed sample deployed, the test applies a DENY policy selecting the
// ingress gateway (through the
// lab's own server-side apply), waits for the real istiod to push the gateway's Envoy an envoy.filters.http.rbac
// filter, and checks that it equals the engine's offline prediction for the same file (predictGatewayAuthz for the
// gateway pod's namespace and labels as the cluster reports them); then curls through the gateway's address as a
// user would: each rule gives 403, the gateway's own access log line (GET pods/log) carries
// rbac_access_denied_matched_policy[...] and its explanation names the policy, the rule and the YAML line; the trace
// of the same request says the same, live (the gateway's own filters) and offline (the YAML); a request no rule
// matches is routed to the sample's backend (200).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readConfigDump } from '../../src/envoy/configDump';
import type { Filter } from '../../src/envoy/types';
import { explainEntry } from '../../src/istio/accessLogExplain';
import { RBAC_FILTER } from '../../src/envoy/httpAuthz';
import { authzFiltersOf, predictGatewayAuthz } from '../../src/istio/authz';
import { traceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { parseManifests, type PodInfo } from '../../src/kube/index';
import { accessEntryOf } from '../../src/lab/requestLog';
import { canonical } from '../unit/helpers/canonicalJson';
import {
  curlStatus,
  deploySeed,
  kubectl,
  labCluster,
  metric,
  repo,
  seedManifestTexts,
  sleep,
  whenCluster,
} from './helpers';

const curl = (urlPath: string, headers: string[] = []) => curlStatus(HOST, urlPath, headers);

const fixture = path.join(repo, 'test', 'cluster', 'fixtures', 'authz-deny.yaml');
const ns = 'simple';
const HOST = 'simple.baihl.io';

/** The authorization filters of the gateway Envoy's 0.0.0.0_8080 HTTP connection manager. */
function liveAuthzFilters(dump: ReturnType<typeof readConfigDump>): Filter[] {
  const l = dump.listeners.map((e) => e.listener).find((x) => x.name === '0.0.0.0_8080');
  const hcm = (l?.filterChains ?? [])
    .flatMap((c) => c.filters ?? [])
    .find((f) => f.name === 'envoy.filters.network.http_connection_manager');
  return authzFiltersOf((hcm?.typedConfig as { httpFilters?: Filter[] } | undefined)?.httpFilters);
}

await whenCluster('AuthorizationPolicy on the lab cluster', () => {
  const { cluster } = labCluster();
  let gateway: PodInfo;
  const logLines: string[] = [];
  const follow = new AbortController();
  let following: Promise<void>;
  let live: Filter[] = [];
  const yamlText = fs.readFileSync(fixture, 'utf8');
  const resources = readResources(yamlText, fixture, { validate: true }).resources;
  const seed = seedManifestTexts(ns, HOST);
  // what the editor would read: the sample's files and the policy's
  const workspace = mergeResourceSets(
    resources,
    ...seed.map((f) => readResources(f.text, f.name, { defaultNamespace: ns, validate: true }).resources),
  );
  let dump: ReturnType<typeof readConfigDump>;

  before(async () => {
    // The sample deployed (idempotent), its pods served by real backends: the gateway has listener 0.0.0.0_8080.
    gateway = await deploySeed(cluster, seed, ns);
    for (let i = 0, code = 0; (code = curl('/simple/httpserver')) !== 200; i++) {
      assert.ok(i < 120, `the sample is routed within 60 s (last answer ${code})`);
      await sleep(500);
    }
    following = cluster.followPodLog(
      { namespace: gateway.namespace, name: gateway.name },
      { container: 'istio-proxy', sinceSeconds: 1, signal: follow.signal, onLine: (l) => logLines.push(l) },
    );
    const started = performance.now();
    await cluster.serverSideApply(parseManifests(yamlText), { namespace: 'istio-system' });
    const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
    for (;;) {
      admin.refresh();
      dump = readConfigDump(await admin.getConfigDump());
      live = liveAuthzFilters(dump);
      if (live.some((f) => f.name === RBAC_FILTER)) break;
      assert.ok(performance.now() - started < 30_000, 'istiod pushes the rbac filter within 30 s');
      await sleep(250);
    }
    metric('authz.rbacOnGatewayAfterMs', Math.round(performance.now() - started));
  });

  after(async () => {
    try {
      follow.abort();
      await following;
      // the next test files expect a gateway without policies
      kubectl('-n', 'istio-system', 'delete', 'authorizationpolicies.security.istio.io/lab-deny', '--wait=true');
      const admin = cluster.envoyAdmin({ namespace: gateway.namespace, name: gateway.name });
      for (const deadline = performance.now() + 20_000; performance.now() < deadline; await sleep(250)) {
        admin.refresh();
        if (!liveAuthzFilters(readConfigDump(await admin.getConfigDump())).length) break;
      }
    } finally {
      await cluster.dispose();
    }
  });

  test("istiod's rbac filter on the gateway equals the engine's prediction for the same file", () => {
    const predicted = predictGatewayAuthz(resources, { namespace: gateway.namespace, labels: gateway.labels });
    assert.equal(predicted.authorizationPolicies[0]?.applies, true, predicted.authorizationPolicies[0]?.reason);
    assert.deepEqual(canonical(predicted.httpFilters), canonical(live));
  });

  /** The explained log line of the request with that path, once the gateway logged it (flush: 1 s). */
  async function logged(urlPath: string) {
    const t0 = performance.now();
    for (;;) {
      const line = [...logLines].reverse().find((l) => {
        const e = accessEntryOf(l);
        return e?.authority === HOST && e.path === urlPath;
      });
      if (line) return accessEntryOf(line)!;
      assert.ok(performance.now() - t0 < 15_000, `a log line for ${urlPath} within 15 s`);
      await sleep(250);
    }
  }

  const lineOf = (text: string) => yamlText.split('\n').findIndex((l) => l.includes(text)) + 1;

  for (const [rule, urlPath, headers, at] of [
    [0, '/authz/denied/x', [], '- to:'],
    [1, '/simple/nginx/authz', ['x-lab-deny: yes'], '- when:'],
  ] as const) {
    test(`rule ${rule}: 403 through the gateway's address, logged and explained with the policy, the rule and its line`, async () => {
      assert.equal(curl(urlPath, [...headers]), 403);
      const e = await logged(urlPath);
      const name = `ns[istio-system]-policy[lab-deny]-rule[${rule}]`;
      assert.deepEqual([e.code, e.details], [403, `rbac_access_denied_matched_policy[${name}]`]);
      const x = explainEntry(e, { resources: workspace });
      assert.equal(x.cause, 'rbac-denied');
      assert.match(x.explanation, new RegExp(`DENY policy istio-system/lab-deny rule ${rule} matched`));
      assert.equal(x.yaml?.line, lineOf(at));
      // the trace of the same request stops at the same policy and rule: live (the gateway's filters) and offline
      const req = {
        host: HOST,
        path: urlPath,
        headers: Object.fromEntries(headers.map((h) => h.split(': ') as [string, string])),
      };
      const liveState = {
        routeConfigs: dump.routeConfigs.map((r) => r.routeConfig),
        listeners: dump.listeners.map((l) => l.listener),
      };
      for (const t of [traceRequest(req, workspace, liveState), traceRequest(req, workspace)]) {
        assert.equal(t.outcome.status, 403, `${t.mode}: ${t.outcome.summary}`);
        const step = t.steps.find((s) => s.id === 'authz');
        assert.deepEqual(step?.lines, [`rbac_access_denied_matched_policy[${name}]`]);
        assert.equal(step?.source, t.mode === 'live' ? 'live' : 'predicted');
      }
    });
  }

  test('a request no rule matches passes the rbac filter and is routed to the sample (200)', () => {
    assert.equal(curl('/simple/httpserver', ['x-lab-deny: no']), 200);
  });
});
