// The Gateway status predicted offline against the one Istio's gateway controller computes: for every gwapi-*
// corpus case, each Gateway's conditions and listeners (conditions, supportedKinds, attachedRoutes) equal the
// oracle's `gatewayApiStatus` (printed by test/harness/oracle from the same inputs, without lastTransitionTime
// and observedGeneration). The address part: the oracle's fake cluster never gives the deployed LoadBalancer
// Service an address, so its Programmed is AddressNotAssigned and it writes no status.addresses; the prediction's
// `programmedWhilePending` is compared with it (`conditions` holds Programmed once the address is assigned, which
// test/cluster/gateway-api.test.ts checks against the real istiod). And each route's parents: the conditions
// that are not True are the ones the lab reports offline for that route (its own lab-only findings aside).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { translateGatewayApi } from '../../src/istio/gatewayApi';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
// the gwapi-* cases, and any other case with Gateway API objects (the oracle then prints their statuses)
const cases = readdirSync(corpus)
  .filter(
    (d) =>
      existsSync(`${corpus}${d}/oracle.json`) &&
      (d.startsWith('gwapi-') || readFileSync(`${corpus}${d}/oracle.json`, 'utf8').includes('"gatewayApiStatus"')),
  )
  .sort();

interface OracleStatus {
  kind: string;
  namespace: string;
  name: string;
  status: {
    conditions?: unknown[];
    listeners?: unknown[];
    addresses?: unknown[];
    parents?: { conditions?: { type: string; status: string; reason: string; message: string }[] }[];
  };
}

function load(dir: string) {
  return mergeResourceSets(
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources),
  );
}

test('every gwapi case has the Gateway status Istio computes', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  for (const name of cases.filter((c) => c.startsWith('gwapi-'))) {
    const oracle = JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as {
      gatewayApiStatus?: OracleStatus[];
    };
    assert.ok(
      oracle.gatewayApiStatus?.some((s) => s.kind === 'Gateway'),
      `${name}: no Gateway status in oracle.json (regenerate with test/harness/oracle/regen-corpus.sh)`,
    );
  }
});

for (const name of cases) {
  test(`corpus ${name}: predicted Gateway status equals Istio's`, () => {
    const dir = `${corpus}${name}/`;
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { gatewayApiStatus?: OracleStatus[] };
    const predicted = translateGatewayApi(load(dir)).gatewayStatuses;
    const gateways = (oracle.gatewayApiStatus ?? []).filter((s) => s.kind === 'Gateway');
    assert.deepEqual([...predicted.keys()].sort(), gateways.map((g) => `${g.namespace}/${g.name}`).sort());
    for (const gw of gateways) {
      const p = predicted.get(`${gw.namespace}/${gw.name}`)!;
      const conditions = p.conditions.map((c) => (c.type === 'Programmed' ? p.programmedWhilePending : c));
      assert.deepEqual(
        { conditions, listeners: p.listeners },
        {
          conditions: gw.status.conditions,
          listeners: gw.status.listeners,
        },
      );
      // no address while the LoadBalancer's is pending: the oracle's cluster assigns none
      assert.equal(gw.status.addresses, undefined);
    }
  });
}

for (const name of cases) {
  test(`corpus ${name}: the route conditions Istio writes False are the ones the lab gives offline`, () => {
    const dir = `${corpus}${name}/`;
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { gatewayApiStatus?: OracleStatus[] };
    const conditions = translateGatewayApi(load(dir)).conditions.filter(
      (c) => !c.labOnly && c.object.kind !== 'Gateway',
    );
    const routes = (oracle.gatewayApiStatus ?? []).filter((s) => s.kind.endsWith('Route'));
    const key = (kind: string, namespace: string, n: string) => `${kind} ${namespace}/${n}`;
    const written = routes.map((s) => ({
      route: key(s.kind, s.namespace, s.name),
      conditions: (s.status.parents ?? [])
        .flatMap((p) => (p.conditions ?? []).filter((c) => c.status !== 'True'))
        .map((c) => `${c.type}=False ${c.reason}: ${c.message}`)
        .sort(),
    }));
    const offline = routes.map((s) => ({
      route: key(s.kind, s.namespace, s.name),
      conditions: conditions
        .filter(
          (c) =>
            key(c.object.kind, c.object.metadata.namespace ?? '', c.object.metadata.name) ===
            key(s.kind, s.namespace, s.name),
        )
        .map((c) => `${c.type}=False ${c.reason}: ${c.message}`)
        .sort(),
    }));
    assert.deepEqual(offline, written);
    // and no offline condition on a route Istio writes no status for
    const known = new Set(written.map((w) => w.route));
    assert.deepEqual(
      conditions
        .map((c) => key(c.object.kind, c.object.metadata.namespace ?? '', c.object.metadata.name))
        .filter((k) => !known.has(k)),
      [],
    );
  });
}
