// Reading a large multi-document YAML file, cold and after a one-document edit, and predicting its
// routes, each as a ratio against baselines measured in the same run: js-yaml's loadAll of the same text
// (the plain parse issue 11 sets the target against: predict at 10k VirtualServices within 3x; each run is paired
// with a baseline run just before it, and the ratio is the median of the pairs') and the
// `yaml` package parsing the whole stream at once (what an editor would redo on every keystroke).
// Run: npm run bench:yaml   (node --import tsx bench/yaml-predict.bench.ts [count,count,...], default 1000,10000,50000)
import { loadAll } from 'js-yaml';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { predict } from '../src/istio/predict';
import { clearYamlCache, readResources } from '../src/istio/yamlModel';

const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: bench}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
`;
const vs = (i: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: app-${i}
  namespace: bench
spec:
  hosts: [app-${i}.example.com]
  gateways: [gw]
  http:
  - match:
    - uri:
        exact: /app-${i}/api
    rewrite:
      uri: /api
    route:
    - destination:
        host: app-${i}
        port:
          number: 80
  - match:
    - uri:
        prefix: /app-${i}
    route:
    - destination: {host: app-${i}, subset: v1}
      weight: 90
    - destination: {host: app-${i}, subset: v2}
      weight: 10
`;
const counts = (process.argv[2] ?? '1000,10000,50000').split(',').map(Number);

function median(fn: () => void, runs: number): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The ratio to the baseline with each run paired with a baseline run just before it, and the median of the
 * pairs' ratios: on a shared machine the load changes between runs, and a pair sees about the same load.
 */
function paired(base: () => void, fn: () => void, runs: number): { ms: number; ratio: number } {
  const ms: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    base();
    const t1 = performance.now();
    fn();
    const t2 = performance.now();
    ms.push(t2 - t1);
    ratios.push((t2 - t1) / (t1 - t0));
  }
  return { ms: mid(ms), ratio: mid(ratios) };
}

for (const count of counts) {
  const docs = [gateway, ...Array.from({ length: count }, (_, i) => vs(i))];
  const text = docs.join('---\n');
  const edited = docs.map((d, i) => (i === Math.floor(count / 2) ? d.replace('/api', '/api/v2') : d)).join('---\n');
  const lines = text.split('\n').length;
  const runs = count >= 50_000 ? 1 : count >= 10_000 ? 3 : 5;
  const base = () => void loadAll(text);
  const jsYaml = median(base, runs);
  // The yaml package's whole-file parse takes about 7x js-yaml; past 10k documents it only slows the run.
  const yamlPkg =
    count <= 10_000 ? paired(base, () => void parseAllDocuments(text).map((d) => d.toJS()), runs) : undefined;
  const cold = paired(
    base,
    () => {
      clearYamlCache();
      readResources(text, 'bench.yaml', { validate: true });
    },
    runs,
  );
  clearYamlCache();
  readResources(text, 'bench.yaml', { validate: true });
  let flip = false;
  const afterEdit = paired(
    base,
    () => {
      flip = !flip;
      readResources(flip ? edited : text, 'bench.yaml', { validate: true });
    },
    runs,
  );
  const { resources } = readResources(text, 'bench.yaml', { validate: true });
  let routes = 0;
  const prediction = paired(base, () => void (routes = predict(resources).routes.length), runs);
  // What `ingress-lab predict FILE` does: read cold (with validation) and predict.
  const endToEnd = paired(
    base,
    () => {
      clearYamlCache();
      routes = predict(readResources(text, 'bench.yaml', { validate: true }).resources).routes.length;
    },
    runs,
  );
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  const r = (t: { ms: number; ratio: number }) => `${t.ms.toFixed(1)} ms  ${t.ratio.toFixed(2)}x`;
  console.log(
    `\nYAML: ${count} VirtualServices, ${lines} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB; ${routes} predicted routes`,
  );
  console.log(`baseline  js-yaml loadAll, whole file            ${jsYaml.toFixed(1)} ms  1.00x`);
  if (yamlPkg !== undefined) console.log(`yaml.parseAllDocuments whole file (old reader)   ${r(yamlPkg)}`);
  console.log(`readResources cold, validated                    ${r(cold)}`);
  console.log(`readResources after a one-document edit          ${r(afterEdit)}`);
  console.log(`predict (all routes)                             ${r(prediction)}`);
  console.log(`read cold + predict (ingress-lab predict)        ${r(endToEnd)}`);
  console.log(`heap used after this size: ${heap.toFixed(0)} MiB`);
  clearYamlCache();
}
