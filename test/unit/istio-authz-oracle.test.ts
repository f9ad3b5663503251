// The gateway's authorization filters against Istio's own (the oracle's output) for every corpus case: the
// envoy.filters.http.jwt_authn, envoy.filters.http.rbac and ext_authz HTTP filters of each HTTP connection manager
// on the gateway's listeners are exactly, and in the same order, what predictGatewayAuthz gives for the oracle's
// gateway proxy: istio-system's default ingress gateway, or for a case with a Gateway API Gateway the pod Istio deploys
// for it (its namespace and labels as the engine predicts them). Cases without policies check that nothing is
// predicted where Istio generates nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Filter, Listener } from '../../src/envoy/types';
import { authzFiltersOf, predictGatewayAuthz } from '../../src/istio/authz';
import { withGatewayApi } from '../../src/istio/gatewayApi';
import { DEFAULT_INGRESS, findGatewayWorkloads } from '../../src/istio/gatewayWorkloads';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { canonical } from './helpers/canonicalJson';

const HCM = 'envoy.filters.network.http_connection_manager';
const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

/** The authorization filters of every HCM chain, one entry per listener (all chains of a listener must agree). */
function oracleFilters(listeners: Listener[]): Map<string, Filter[]> {
  const out = new Map<string, Filter[]>();
  for (const l of listeners)
    for (const fc of l.filterChains ?? [])
      for (const f of fc.filters ?? []) {
        if (f.name !== HCM) continue;
        const mine = authzFiltersOf((f.typedConfig as { httpFilters?: Filter[] }).httpFilters);
        const seen = out.get(l.name ?? '');
        if (seen) assert.deepEqual(canonical(mine), canonical(seen), `${l.name}: chains differ`);
        out.set(l.name ?? '', mine);
      }
  return out;
}

test('the corpus has authorization cases (authz-*) whose oracle output holds rbac, jwt_authn and ext_authz filters', () => {
  const authz = cases.filter((c) => c.startsWith('authz-'));
  assert.ok(authz.length >= 8, `only ${authz.length} authz cases`);
  const text = authz.map((c) => readFileSync(`${corpus}${c}/oracle.json`, 'utf8')).join('');
  assert.match(text, /"envoy\.filters\.http\.rbac"/);
  assert.match(text, /"envoy\.filters\.http\.jwt_authn"/);
  // CUSTOM policies with the mesh config of the case's istio ConfigMap: an HTTP and a gRPC provider, and deny rules
  assert.match(text, /"httpService"/);
  assert.match(text, /"grpcService"/);
  assert.match(text, /-deny-due-to-bad-CUSTOM-action"/);
});

for (const name of cases) {
  test(`corpus ${name}: predicted ext_authz, jwt_authn and rbac filters equal Istio's on every HTTP listener`, () => {
    const dir = `${corpus}${name}/`;
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => {
        const { resources, problems } = readResources(readFileSync(`${dir}${f}`, 'utf8'), f);
        assert.deepEqual(problems, [], `${f} does not parse`);
        return resources;
      });
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { listeners: Listener[] };
    const resources = mergeResourceSets(...sets);
    const api = withGatewayApi(resources);
    const proxy =
      resources.k8sGateways.length && !resources.gateways.length
        ? findGatewayWorkloads(api.gateways, api.services, api.deployments).find((w) => w.service)
        : DEFAULT_INGRESS;
    if (!proxy && resources.k8sGateways.length) {
      // a Gateway none of whose listeners Istio programs (gwapi-gateway-not-accepted): no gateway server, and Istio
      // gives its deployed gateway no listener either
      assert.deepEqual(oracle.listeners, [], 'Istio has listeners for a Gateway the lab finds no programmed server of');
      return;
    }
    assert.ok(proxy, 'the deployed gateway of the Gateway API Gateway');
    const predicted = predictGatewayAuthz(resources, proxy);
    for (const [listener, filters] of oracleFilters(oracle.listeners))
      assert.deepEqual(canonical(predicted.httpFilters), canonical(filters), `listener ${listener}`);
  });
}
