// The HTTP filter chains of the gateway's listeners against Istio's own (the oracle's output) for every corpus case:
// the listener, the SNI server names, the route configuration the chain's HCM reads and, for a TLS-terminating
// chain, its transport socket (SDS certificate resources such as `kubernetes-gateway://<ns>/<secret>` for a
// Gateway API listener, `kubernetes://<credentialName>` for an Istio Gateway, ALPN) are exactly what the
// prediction gives (predictListeners over predict's httpChains).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Listener } from '../../src/envoy/types';
import { predict } from '../../src/istio/predict';
import { predictListeners } from '../../src/istio/predictListeners';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const HCM = 'envoy.filters.network.http_connection_manager';
const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, canonical(x)]),
    );
  return v;
}

/** One line per HCM chain: listener, server names, route configuration, transport socket. */
function hcmChains(listeners: Listener[]): string[] {
  const out: string[] = [];
  for (const l of listeners)
    for (const fc of l.filterChains ?? []) {
      const hcm = fc.filters?.find((f) => f.name === HCM)?.typedConfig as
        | { rds?: { routeConfigName?: string } }
        | undefined;
      if (!hcm) continue;
      out.push(
        JSON.stringify(
          canonical([
            l.name,
            fc.filterChainMatch?.serverNames ?? null,
            hcm.rds?.routeConfigName ?? null,
            fc.transportSocket ?? null,
          ]),
        ),
      );
    }
  return out.sort();
}

test('the corpus has Gateway API HTTPS cases whose chains read kubernetes-gateway:// certificates', () => {
  const oracle = readFileSync(`${corpus}gwapi-https/oracle.json`, 'utf8');
  assert.match(oracle, /"kubernetes-gateway:\/\/certs\/wildcard-cert"/);
});

for (const name of cases) {
  test(`corpus ${name}: predicted HTTP filter chains (SNI, route configuration, certificates) equal Istio's`, () => {
    const dir = `${corpus}${name}/`;
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources);
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { listeners: Listener[] };
    const p = predict(mergeResourceSets(...sets));
    assert.deepEqual(hcmChains(predictListeners(p.httpChains, [])), hcmChains(oracle.listeners));
  });
}
