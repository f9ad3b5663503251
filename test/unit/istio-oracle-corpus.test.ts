// The offline prediction against Istio's own translation: for every case in test/corpus, the route
// configurations predict() gives equal the ones Istio's FakeDiscoveryServer generated for the ingress
// gateway (oracle.json, regenerated and checked by `npm run test:oracle` where the oracle is built).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { predict } from '../../src/istio/predict';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { canonical } from './helpers/canonicalJson';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();

test('the corpus has at least 30 cases with Istio output', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
});

test('the corpus has at least 20 Gateway API cases (gwapi-*) with Istio output', () => {
  const gwapi = cases.filter((c) => c.startsWith('gwapi-'));
  assert.ok(gwapi.length >= 20, `only ${gwapi.length} Gateway API cases`);
});

for (const name of cases) {
  test(`corpus ${name}: predicted route configurations equal Istio's`, () => {
    const dir = `${corpus}${name}/`;
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => {
        const { resources, problems } = readResources(readFileSync(`${dir}${f}`, 'utf8'), f);
        assert.deepEqual(problems, [], `${f} does not parse`);
        return resources;
      });
    const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { routes: { name: string }[] };
    const predicted = predict(mergeResourceSets(...sets)).routeConfigs;
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    assert.deepEqual(canonical([...predicted].sort(byName)), canonical([...oracle.routes].sort(byName)));
  });
}
