// The upstream TLS of the gateway's outbound clusters against Istio's own (the oracle's clusters) for every corpus
// case: each predicted cluster's transport socket (a DestinationRule's tls: SIMPLE, MUTUAL, ISTIO_MUTUAL; none for
// DISABLE or no tls) equals the oracle cluster's of that name. Auto mTLS's transport socket matches are not
// predicted and not compared.
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
  return { predicted: predictClusters(mergeResourceSets(...sets)), oracle: oracle.clusters };
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
  test(`corpus ${name}: each predicted cluster's transport socket (DestinationRule tls) equals Istio's`, () => {
    const { predicted, oracle } = load(name);
    const byName = new Map(oracle.map((c) => [c.name, c]));
    const lines = (pick: (n: string) => unknown) =>
      predicted
        .filter((c) => byName.has(c.name))
        .map((c) => JSON.stringify(canonical([c.name, pick(c.name) ?? null])));
    const mine = new Map(predicted.map((c) => [c.name, c.transportSocket]));
    assert.deepEqual(
      lines((n) => mine.get(n)),
      lines((n) => byName.get(n)?.transportSocket),
    );
  });
}
