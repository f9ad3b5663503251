// The lens and hover words on tcp[]/tls[] matches, from the prediction of a corpus case checked with Istio.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { predictL4Routes } from '../../src/istio/l4Routes';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { formatL4Hover, formatL4Lens } from '../../src/lab/l4LensText';

const dir = fileURLToPath(new URL('../corpus/tls-passthrough-tcp/', import.meta.url));
const routes = predictL4Routes(
  mergeResourceSets(
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources),
  ),
);

test('lens: listener, SNI and destination; a weighted TCP route lists its clusters', () => {
  assert.deepEqual(routes.map(formatL4Lens), [
    'predicted: 0.0.0.0_8443 SNI simple.baihl.io → outbound|80||simple.simple.svc.cluster.local',
    'predicted: 0.0.0.0_8443 SNI nginx.baihl.io → outbound|80||nginx.simple.svc.cluster.local',
    'predicted: 0.0.0.0_31400 (all connections) → outbound|80||simple.simple.svc.cluster.local (70), outbound|80||nginx.simple.svc.cluster.local (30)',
  ]);
});

test('hover: gateway, listener, match, tcp_proxy and stat prefix', () => {
  const md = formatL4Hover(routes[0]!);
  assert.match(md, /^\*\*TLS passthrough route on the gateway\*\*/);
  assert.match(md, /\| Gateway \| `simple\/edge` \|/);
  assert.match(md, /\| Filter chain match \| SNI `simple.baihl.io` \|/);
  // pipes in cluster names are escaped so the Markdown table keeps its two columns
  assert.ok(md.includes('| stat_prefix | `outbound\\|80\\|\\|simple.simple.svc.cluster.local` |'), md);
});
