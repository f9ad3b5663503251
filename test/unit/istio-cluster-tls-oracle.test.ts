// The upstream TLS of the gateway's outbound clusters against Istio's own (the oracle's clusters) for every corpus
// case: each predicted cluster's transport socket (a DestinationRule's tls: SIMPLE, MUTUAL, ISTIO_MUTUAL; none for
// DISABLE) and transport socket matches (Istio's auto mTLS when no tls is set) equal the oracle cluster's of that name.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { predictClusters } from '../../src/istio/predictClusters';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { canonical } from './helpers/canonicalJson';

interface OracleCluster {
  name: string;
  transportSocket?: unknown;
  transportSocketMatches?: unknown;
}

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

function load(name: string) {
  const dir = `${corpus}${name}/`;
  const sets = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources);
  const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { clusters: OracleCluster[] };
  const resources = mergeResourceSets(...sets);
  // The gateway Services the oracle adds when the case lacks them (the default ingress, a Gateway API Gateway's
  // `<gw>-<class>`) select its hand-written stand-in gateway pod, which has no service account; a real install's
  // pods run as one (istio-ingressgateway-service-account, `<gw>-<class>`), as the prediction says. Their auto mTLS
  // SANs are the stand-in's, so those clusters are left out; every Service and ServiceEntry of the input is compared.
  const inputHosts = new Set([
    ...resources.services.map((s) => `${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.cluster.local`),
    ...resources.serviceEntries.flatMap((se) => se.spec.hosts ?? []),
  ]);
  const host = (c: { name: string }) => c.name.split('|')[3] ?? c.name.replace(/^outbound_\.\d+_\.[^_]*_\./, '');
  return { predicted: predictClusters(resources).filter((c) => inputHosts.has(host(c))), oracle: oracle.clusters };
}

test('the corpus has clusters with each upstream TLS mode, so the comparison below can fail', () => {
  const { oracle } = load('destinationrule-tls');
  const modes = new Set(
    oracle.map((c) => {
      const ctx = (c.transportSocket as { typedConfig?: { commonTlsContext?: Record<string, unknown> } } | undefined)
        ?.typedConfig?.commonTlsContext;
      if (!ctx) return 'none';
      const alpn = ctx.alpnProtocols as string[] | undefined;
      return alpn?.includes('istio') ? 'istio-mutual' : ctx.tlsCertificateSdsSecretConfigs ? 'mutual' : 'simple';
    }),
  );
  assert.deepEqual([...modes].sort(), ['istio-mutual', 'mutual', 'none', 'simple']);
});

for (const name of cases) {
  test(`corpus ${name}: each predicted cluster's transport socket (DestinationRule tls, auto mTLS) equals Istio's`, () => {
    const { predicted, oracle } = load(name);
    const byName = new Map(oracle.map((c) => [c.name, c]));
    const mine = new Map(predicted.map((c) => [c.name, c]));
    const lines = (of: Map<string, { transportSocket?: unknown; transportSocketMatches?: unknown }>) =>
      predicted
        .filter((c) => byName.has(c.name))
        .map((c) =>
          JSON.stringify(
            canonical([
              c.name,
              of.get(c.name)?.transportSocket ?? null,
              of.get(c.name)?.transportSocketMatches ?? null,
            ]),
          ),
        );
    assert.deepEqual(lines(mine), lines(byName));
  });
}
