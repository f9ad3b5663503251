// Reading + indexing a large /config_dump vs plain JSON.parse of the same text, in the same run.
// The dump is the Bookinfo gateway dump with its virtual host replicated 1000 times (distinct domains).
// Run: npm run bench:envoy   (node --import tsx bench/envoy-tables.bench.ts [copies])
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readConfigDump } from '../src/envoy/configDump';
import { ConfigDumpIndex } from '../src/envoy/index';
import { parseJsonText } from '../src/envoy/jsonText';
import { matchRequest } from '../src/envoy/requestMatch';
import { routesTable } from '../src/envoy/tables';
import { istioctlTestdata } from '../test/unit/helpers/istioTestdata';

const copies = Number(process.argv[2] ?? 1000);
const fixture = istioctlTestdata('describe/testdata/describe/http_config.json');
const base = JSON.parse(readFileSync(fixture, 'utf8')) as {
  configs: {
    '@type': string;
    dynamic_route_configs?: { route_config: { virtual_hosts: { name: string; domains: string[] }[] } }[];
  }[];
};
const routes = base.configs.find((c) => c['@type'].endsWith('RoutesConfigDump'))!;
const routeConfig = routes.dynamic_route_configs?.[0]?.route_config;
if (!routeConfig) throw new Error('the bench input has no dynamic route config');
const vh = routeConfig.virtual_hosts[0];
routeConfig.virtual_hosts = Array.from({ length: copies }, (_, i) => ({
  ...structuredClone(vh),
  name: `bookinfo-${i}.example.com:80`,
  domains: [`bookinfo-${i}.example.com`],
}));
const text = JSON.stringify(base, null, 2); // Envoy's admin pretty-prints too

function median(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

const runs = 15;
// warm up both paths
for (let i = 0; i < 3; i++) {
  JSON.parse(text);
  new ConfigDumpIndex(readConfigDump(parseJsonText(text)));
}
const baseline = median(() => void JSON.parse(text), runs);
let index!: ConfigDumpIndex;
const readIndex = median(() => {
  index = new ConfigDumpIndex(readConfigDump(parseJsonText(text)));
  // force the per-route-config domain index to be built, as the first lookup would
  index.virtualHost('http.8080', 'bookinfo-0.example.com');
}, runs);
const rc = index.routeConfig('http.8080')!;
const lookup = median(() => {
  for (let i = 0; i < 1000; i++)
    index.findRoute('http.8080', `bookinfo-${i % copies}.example.com`, { path: '/login', caseSensitive: true });
}, runs);
const matching = median(() => {
  for (let i = 0; i < 1000; i++)
    matchRequest(rc, { authority: `bookinfo-${i % copies}.example.com`, path: '/api/v1/products/7' });
}, runs);
const dump = index.dump;
const table = median(() => void routesTable(dump), 5);

const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
console.log(`dump: ${copies} virtual hosts x 5 routes, ${mb} MB of JSON; median of ${runs} runs`);
console.log(`JSON.parse (baseline)            ${baseline.toFixed(1)} ms`);
console.log(
  `read + normalise + index         ${readIndex.toFixed(1)} ms   ratio ${(readIndex / baseline).toFixed(2)}x baseline`,
);
console.log(`1000 findRoute lookups           ${lookup.toFixed(2)} ms`);
console.log(`1000 matchRequest calls          ${matching.toFixed(2)} ms`);
console.log(
  `routes table (${copies * 5} rows)        ${table.toFixed(1)} ms   ratio ${(table / baseline).toFixed(2)}x baseline`,
);
