// The filter chains of the gateway's listeners against Istio's own (the oracle's output) for every corpus case:
// the listener, the SNI server names (and ALPN), the route configuration an HCM chain reads or a tcp_proxy chain's
// cluster, and for a TLS-terminating chain its transport socket (SDS certificate resources such as
// `kubernetes-gateway://<ns>/<secret>` for a Gateway API listener, `kubernetes://<credentialName>` for an Istio
// Gateway, ALPN) are exactly what the prediction gives (predictListeners over predict's httpChains, the TCP/TLS
// routes and the AUTO_PASSTHROUGH chains).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Listener } from '../../src/envoy/types';
import { predictAutoPassthrough } from '../../src/istio/autoPassthrough';
import { predictL4Routes } from '../../src/istio/l4Routes';
import { predict } from '../../src/istio/predict';
import { predictListeners } from '../../src/istio/predictListeners';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { canonical } from './helpers/canonicalJson';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';
const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

/** One line per HCM or tcp_proxy chain: listener, SNI and ALPN, route configuration or cluster, transport socket. */
function chains(listeners: Listener[]): string[] {
  const out: string[] = [];
  for (const l of listeners)
    for (const fc of l.filterChains ?? []) {
      const hcm = fc.filters?.find((f) => f.name === HCM)?.typedConfig as
        | { rds?: { routeConfigName?: string } }
        | undefined;
      const tcp = fc.filters?.find((f) => f.name === TCP_PROXY)?.typedConfig as
        | { cluster?: string; weightedClusters?: unknown }
        | undefined;
      // the gateway's own handling of unmatched traffic is not a route
      if (!hcm && (!tcp || tcp.cluster === 'BlackHoleCluster' || tcp.cluster === 'PassthroughCluster')) continue;
      out.push(
        JSON.stringify(
          canonical([
            l.name,
            fc.filterChainMatch?.serverNames ?? null,
            fc.filterChainMatch?.applicationProtocols ?? null,
            hcm ? (hcm.rds?.routeConfigName ?? null) : (tcp?.cluster ?? tcp?.weightedClusters ?? null),
            fc.transportSocket ?? null,
          ]),
        ),
      );
    }
  return out.sort();
}

test('the corpus has Gateway API HTTPS and TLS-terminating cases whose chains read kubernetes-gateway:// certificates', () => {
  assert.match(
    readFileSync(`${corpus}gwapi-https/oracle.json`, 'utf8'),
    /"kubernetes-gateway:\/\/certs\/wildcard-cert"/,
  );
  const terminate = JSON.parse(readFileSync(`${corpus}gwapi-tls-terminate/oracle.json`, 'utf8')) as {
    listeners: Listener[];
  };
  assert.ok(chains(terminate.listeners).some((c) => c.includes('0.0.0.0_9443') && c.includes('kubernetes-gateway://')));
});

for (const name of cases) {
  test(`corpus ${name}: predicted filter chains (SNI, route configuration or cluster, certificates) equal Istio's`, () => {
    const dir = `${corpus}${name}/`;
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources);
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { listeners: Listener[] };
    const resources = mergeResourceSets(...sets);
    const p = predict(resources);
    const predicted = predictListeners(p.httpChains, predictL4Routes(resources), predictAutoPassthrough(resources));
    assert.deepEqual(chains(predicted), chains(oracle.listeners));
  });
}
