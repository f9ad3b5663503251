// TCP and TLS routes against Istio's own translation: for every corpus case, the tcp_proxy filter chains of
// the oracle's listeners (listener, SNI server names, cluster or weighted clusters, stat prefix) are exactly
// the ones predictL4Routes and predictAutoPassthrough give (AUTO_PASSTHROUGH: SNI-DNAT names and Istio's mTLS ALPNs).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { predictAutoPassthrough } from '../../src/istio/autoPassthrough';
import { predictL4Routes } from '../../src/istio/l4Routes';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

interface Chain {
  filterChainMatch?: { serverNames?: string[]; applicationProtocols?: string[] };
  filters?: {
    name: string;
    typedConfig?: {
      cluster?: string;
      weightedClusters?: { clusters: { name: string; weight: number }[] };
      statPrefix?: string;
    };
  }[];
}

function oracleChains(listeners: { name: string; filterChains?: Chain[] }[]): string[] {
  const out: string[] = [];
  for (const l of listeners) {
    for (const fc of l.filterChains ?? []) {
      const tcp = fc.filters?.find((f) => f.name === 'envoy.filters.network.tcp_proxy')?.typedConfig;
      if (!tcp) continue;
      // the gateway's own passthrough of unmatched traffic (BlackHoleCluster) is not a route
      if (tcp.cluster === 'BlackHoleCluster' || tcp.cluster === 'PassthroughCluster') continue;
      out.push(
        JSON.stringify([
          l.name,
          fc.filterChainMatch?.serverNames ?? null,
          tcp.cluster ?? tcp.weightedClusters?.clusters ?? null,
          tcp.statPrefix,
          fc.filterChainMatch?.applicationProtocols ?? null,
        ]),
      );
    }
  }
  return out.sort();
}

test('the corpus has TCP/TLS cases, AUTO_PASSTHROUGH among them', () => {
  assert.ok(cases.includes('tls-passthrough-tcp'));
  assert.ok(cases.includes('tls-auto-passthrough'));
});

for (const name of cases) {
  test(`corpus ${name}: predicted TCP/TLS filter chains equal Istio's`, () => {
    const dir = `${corpus}${name}/`;
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources);
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as {
      listeners: { name: string; filterChains?: Chain[] }[];
    };
    const resources = mergeResourceSets(...sets);
    const predicted = [
      ...predictL4Routes(resources).map((r) =>
        JSON.stringify([
          r.listener,
          r.serverNames ?? null,
          r.cluster ?? r.weightedClusters ?? null,
          r.statPrefix,
          null,
        ]),
      ),
      ...predictAutoPassthrough(resources).map((c) =>
        JSON.stringify([c.listener, c.serverNames, c.cluster, c.statPrefix, c.applicationProtocols]),
      ),
    ].sort();
    assert.deepEqual(predicted, oracleChains(oracle.listeners));
  });
}
