import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { predict } from '../../src/istio/predict';
import {
  fitLens,
  formatEndpointList,
  formatEndpoints,
  formatHoverMarkdown,
  formatNotOnGateway,
  describeRewrite,
  formatRoute,
  formatRouteLens,
  LENS_MAX,
  shortCluster,
} from '../../src/lab/lensText';
import type { Route } from '../../src/envoy/types';

function samplePrediction() {
  const sets = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'].map(
    (f) => readResources(readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8'), f).resources,
  );
  return predict(mergeResourceSets(...sets));
}

test("the sample's two matches read as the article describes them, short enough to sit beside the Explorer", () => {
  const lenses = samplePrediction().routes.map((r) => formatRouteLens(r, 'predicted'));
  assert.deepEqual(lenses, [
    'predicted http.8080 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80',
    'predicted http.8080 › simple.baihl.io:80 › /simple/nginx* → / › nginx:80',
  ]);
  for (const l of lenses) assert.ok(l.length <= LENS_MAX, `${l.length}: ${l}`);
  // The hover keeps the whole route, cluster name included.
  assert.equal(
    formatRoute(samplePrediction().routes[0]!),
    'http.8080 › simple.baihl.io:80 › path /simple/httpserver → /hello › outbound|80||simple.simple.svc.cluster.local',
  );
});

test("the Gateway API sample's two rules read as the user wrote their URLRewrites, not as Istio's regexes", () => {
  const text = readFileSync(new URL('../../samples/gateway-api.yaml', import.meta.url), 'utf8')
    .replaceAll('{{namespace}}', 'simple')
    .replaceAll('{{host}}', 'simple.baihl.io');
  const sets = [
    ...['simple.yaml', 'nginx.yaml'].map(
      (f) => readResources(readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8'), f).resources,
    ),
    readResources(text, 'gateway-api.yaml').resources,
  ];
  const routes = predict(mergeResourceSets(...sets)).routes;
  // What Istio generates stays visible in the route itself (and the hover's JSON)...
  assert.deepEqual(
    routes.map((r) => r.route.route?.regexRewrite),
    [
      { pattern: { regex: '/.*' }, substitution: '/hello' },
      { pattern: { regex: '^/simple/nginx(/?)(.*)' }, substitution: '/\\2' },
    ],
  );
  // ...while the lens and the hover's one line say what the user asked for.
  assert.deepEqual(
    routes.map((r) => formatRouteLens(r, 'predicted')),
    [
      'predicted http.80 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80',
      'predicted http.80 › simple.baihl.io:80 › /simple/nginx/* → / › nginx:80',
    ],
  );
  assert.match(
    formatRoute(routes[1]!),
    /› prefix \/simple\/nginx\/ → \/ › outbound\|80\|\|nginx\.simple\.svc\.cluster\.local$/,
  );
  // Any other regex is shown as the substitution it is.
  assert.equal(
    describeRewrite({ cluster: 'c', regexRewrite: { pattern: { regex: '^/v1/(.*)' }, substitution: '/v2/\\1' } }),
    's/^/v1/(.*)//v2/\\1/',
  );
});

test('live lenses are marked live', () => {
  const r = samplePrediction().routes[0]!;
  assert.match(formatRouteLens(r, 'live'), /^live http\.8080 › /);
});

test('clusters read as service:port, with the subset; weighted ones with their weights; other hosts stay whole', () => {
  assert.equal(shortCluster('outbound|80||simple.simple.svc.cluster.local'), 'simple:80');
  assert.equal(shortCluster('outbound|9080|v1|reviews.bookinfo.svc.cluster.local'), 'reviews:9080 v1');
  assert.equal(shortCluster('outbound|443||api.example.com'), 'api.example.com:443');
  assert.equal(shortCluster('BlackHoleCluster'), 'BlackHoleCluster');
  const weighted: Route = {
    match: { prefix: '/' },
    route: {
      weightedClusters: {
        clusters: [
          { name: 'outbound|80|v1|r.default.svc.cluster.local', weight: 90 },
          { name: 'outbound|80|v2|r.default.svc.cluster.local', weight: 10 },
        ],
      },
    },
  };
  assert.equal(
    formatRouteLens({ routeConfig: 'http.8080', virtualHost: 'r.example.com:80', route: weighted }, 'live'),
    'live http.8080 › r.example.com:80 › /* › r:80 v1 90% + r:80 v2 10%',
  );
});

test('a lens longer than the Explorer leaves room for is cut with an ellipsis', () => {
  const host = `${'a'.repeat(70)}.example.com:80`;
  const lens = formatRouteLens(
    {
      routeConfig: 'http.8080',
      virtualHost: host,
      route: { match: { path: '/x' }, route: { cluster: 'outbound|80||x.default.svc.cluster.local' } },
    },
    'predicted',
  );
  assert.equal(lens.length, LENS_MAX);
  assert.ok(lens.endsWith('…'));
  assert.equal(fitLens('short'), 'short');
});

test('endpoints: a count with health on the lens, every address and pod in its tooltip', () => {
  const two = [
    { address: '10.10.1.13', port: 80, health: 'HEALTHY', pod: 'simple-fb6498fdb-rmdg2' },
    { address: '10.10.1.14', port: 80, health: 'UNHEALTHY' },
  ];
  assert.equal(formatEndpoints(two, 'live'), '1/2 healthy');
  assert.equal(formatEndpoints([two[0]!], 'live'), '1 endpoint ✓');
  assert.equal(formatEndpoints([two[0]!, { ...two[0]!, address: '10.10.1.15', port: 80 }], 'live'), '2 endpoints ✓');
  assert.equal(
    formatEndpointList(two, 'live'),
    '10.10.1.13:80 HEALTHY (simple-fb6498fdb-rmdg2), 10.10.1.14:80 UNHEALTHY',
  );
  assert.equal(formatEndpoints([], 'live'), 'no endpoints → 503');
  assert.match(formatEndpointList([], 'live'), /no ready pod.*503/);
  assert.equal(formatEndpoints([], 'predicted'), 'endpoints after deploy');
});

test('headers, regex, weighted clusters, redirects and direct responses are spelled out', () => {
  const route: Route = {
    match: {
      safeRegex: { regex: '/api/v[0-9]+' },
      headers: [
        { name: 'x-user', stringMatch: { exact: 'jason' } },
        { name: 'x-debug', presentMatch: true, invertMatch: true },
      ],
    },
    route: {
      weightedClusters: {
        clusters: [
          { name: 'outbound|80|v1|r.default.svc.cluster.local', weight: 90 },
          { name: 'outbound|80|v2|r.default.svc.cluster.local', weight: 10 },
        ],
      },
    },
  };
  assert.equal(
    formatRoute({ routeConfig: 'http.8080', virtualHost: 'r.example.com:80', route }),
    'http.8080 › r.example.com:80 › regex /api/v[0-9]+ x-user=jason !x-debug › outbound|80|v1|r.default.svc.cluster.local 90% + outbound|80|v2|r.default.svc.cluster.local 10%',
  );
  assert.match(
    formatRoute({
      routeConfig: 'http.80',
      virtualHost: 'a:80',
      route: { match: { prefix: '/' }, redirect: { hostRedirect: 'b.example.com' } },
    }),
    /› redirect b\.example\.com$/,
  );
  assert.match(
    formatRoute({
      routeConfig: 'http.80',
      virtualHost: 'a:80',
      route: { match: { prefix: '/' }, directResponse: { status: 418 } },
    }),
    /› direct response 418$/,
  );
});

test('not on the gateway names the reason', () => {
  assert.equal(
    formatNotOnGateway('Gateway simple/missing does not exist'),
    'not on the gateway: Gateway simple/missing does not exist',
  );
});

test('the hover holds the route line, the endpoint table when live, and the route JSON', () => {
  const r = samplePrediction().routes[1]!;
  const md = formatHoverMarkdown(
    r,
    'live',
    [{ address: '10.10.1.14', port: 80, health: 'HEALTHY', pod: 'nginx-deployment-85b98978db-9rhvd' }],
    'istio-system/gw',
  );
  assert.match(md, /Live on istio-system\/gw/);
  assert.match(md, /\| 10\.10\.1\.14:80 \| HEALTHY \| nginx-deployment-85b98978db-9rhvd \|/);
  assert.match(md, /"prefixRewrite": "\/"/);
  assert.doesNotMatch(formatHoverMarkdown(r, 'predicted', undefined), /ENDPOINT/);
});
