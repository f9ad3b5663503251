// The article's case end to end: its three manifests predict exactly what its `istioctl pc route` shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictTexts, seedManifests } from './helpers/istioYaml';

const seed = () =>
  predictTexts(Object.fromEntries(seedManifests().map((m) => [m.name, m.text])), { defaultNamespace: 'simple' });

test('seed: both matches land on listener 0.0.0.0_8080, route config http.8080, virtual host simple.baihl.io:80', () => {
  const p = seed();
  assert.equal(p.routes.length, 2);
  for (const r of p.routes) {
    assert.equal(r.gateway, 'simple/simple');
    assert.equal(r.listener, '0.0.0.0_8080');
    assert.equal(r.routeConfig, 'http.8080');
    assert.equal(r.virtualHost, 'simple.baihl.io:80');
    assert.deepEqual(r.domains, ['simple.baihl.io']);
  }
  assert.deepEqual(p.notOnGateway, []);
});

test('seed: exact /simple/httpserver keeps its path and rewrites the prefix to /hello', () => {
  const [httpserver] = seed().routes;
  assert.equal(httpserver!.file, 'istio-specs.yaml');
  assert.equal(httpserver!.http, 0);
  assert.equal(httpserver!.match, 0);
  assert.deepEqual(httpserver!.route.match, { path: '/simple/httpserver', caseSensitive: true });
  assert.equal(httpserver!.route.route?.cluster, 'outbound|80||simple.simple.svc.cluster.local');
  assert.equal(httpserver!.route.route?.prefixRewrite, '/hello');
  assert.equal(httpserver!.route.decorator?.operation, 'simple.simple.svc.cluster.local:80/simple/httpserver');
});

test('seed: prefix /simple/nginx rewrites to / and goes to the nginx cluster, as the article prints', () => {
  const [, nginx] = seed().routes;
  assert.deepEqual(nginx!.route.match, { prefix: '/simple/nginx', caseSensitive: true });
  assert.equal(nginx!.route.route?.cluster, 'outbound|80||nginx.simple.svc.cluster.local');
  assert.equal(nginx!.route.route?.prefixRewrite, '/');
  // the article's own dump: decorator and metadata
  assert.equal(nginx!.route.decorator?.operation, 'nginx.simple.svc.cluster.local:80/simple/nginx*');
  assert.deepEqual(nginx!.route.metadata, {
    filterMetadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/simple/virtual-service/simple' } },
  });
});

test('seed: older Istio metadata version is selectable (the article shows v1alpha3)', () => {
  const p = predictTexts(Object.fromEntries(seedManifests().map((m) => [m.name, m.text])), {
    defaultNamespace: 'simple',
    metadataApiVersion: 'v1alpha3',
  });
  assert.equal(
    p.routes[1]!.route.metadata?.filterMetadata?.istio?.config,
    '/apis/networking.istio.io/v1alpha3/namespaces/simple/virtual-service/simple',
  );
});

test('seed: each prediction points at the line of its match entry', () => {
  const spec = seedManifests()
    .find((m) => m.name === 'istio-specs.yaml')!
    .text.split('\n');
  const [a, b] = seed().routes;
  assert.match(spec[a!.line - 1]!, /- uri:/);
  assert.match(spec[a!.line]!, /exact: "\/simple\/httpserver"/);
  assert.match(spec[b!.line]!, /prefix: "\/simple\/nginx"/);
});

test('seed: the route configuration holds one virtual host with both routes in order', () => {
  const [cfg] = seed().routeConfigs;
  assert.equal(cfg!.name, 'http.8080');
  assert.equal(cfg!.ignorePortInHostMatching, true);
  assert.equal(cfg!.validateClusters, false);
  assert.deepEqual(
    cfg!.virtualHosts!.map((v) => v.name),
    ['simple.baihl.io:80'],
  );
  assert.deepEqual(
    cfg!.virtualHosts![0]!.routes!.map((r) => r.match.path ?? r.match.prefix),
    ['/simple/httpserver', '/simple/nginx'],
  );
});
