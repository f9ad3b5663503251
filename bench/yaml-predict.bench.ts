// Reading a large multi-document YAML file, cold and after a one-document edit, and predicting its
// routes, each as a ratio against a baseline measured in the same run: the `yaml` package parsing
// the whole stream at once (what an editor would redo on every keystroke without the cache).
// Run: npm run bench:yaml   (node --import tsx bench/yaml-predict.bench.ts [virtualServices])
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { predict } from '../src/istio/predict';
import { clearYamlCache, readResources } from '../src/istio/yamlModel';

const count = Number(process.argv[2] ?? 4000);
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
const docs = [gateway, ...Array.from({ length: count }, (_, i) => vs(i))];
const text = docs.join('---\n');
const edited = docs.map((d, i) => (i === Math.floor(count / 2) ? d.replace('/api', '/api/v2') : d)).join('---\n');
const lines = text.split('\n').length;

function median(fn: () => void, runs: number): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const runs = 5;
const baseline = median(() => void parseAllDocuments(text).map((d) => d.toJS()), runs);
const cold = median(() => {
  clearYamlCache();
  readResources(text, 'bench.yaml');
}, runs);
clearYamlCache();
readResources(text, 'bench.yaml');
let flip = false;
const afterEdit = median(() => {
  flip = !flip;
  readResources(flip ? edited : text, 'bench.yaml');
}, runs);
const { resources } = readResources(text, 'bench.yaml');
let routes = 0;
const prediction = median(() => void (routes = predict(resources).routes.length), runs);

const heap = process.memoryUsage().heapUsed / 2 ** 20;
console.log(`YAML: ${count} VirtualServices, ${lines} lines; ${routes} predicted routes`);
console.log(`baseline  yaml.parseAllDocuments whole file  ${baseline.toFixed(1)} ms  1.00x`);
console.log(`readResources, cold (split + parse each)     ${cold.toFixed(1)} ms  ${(cold / baseline).toFixed(2)}x`);
console.log(`readResources after a one-document edit      ${afterEdit.toFixed(1)} ms  ${(afterEdit / baseline).toFixed(3)}x`);
console.log(`predict (all routes)                         ${prediction.toFixed(1)} ms  ${(prediction / baseline).toFixed(3)}x`);
console.log(`heap used after the run: ${heap.toFixed(0)} MiB`);
