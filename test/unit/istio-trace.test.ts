// The request trace, offline on the seed and with a real gateway's config dump.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readConfigDump } from '../../src/envoy/configDump';
import { traceRequest, traceToText } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { seedManifests } from './helpers/istioYaml';
import { istioctlTestdata } from './helpers/istioTestdata';

const seed = () =>
  mergeResourceSets(
    ...seedManifests().map((m) => readResources(m.text, m.name, { defaultNamespace: 'simple' }).resources),
  );
const gatewayService = readResources(
  `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  clusterIP: 10.96.190.18
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
  - {name: http2, nodePort: 31373, port: 80, protocol: TCP, targetPort: 8080}
  - {name: https, nodePort: 31860, port: 443, protocol: TCP, targetPort: 8443}
`,
  'gw-svc.yaml',
).resources.services[0]!;

test("offline, NodePort 31373 as in the article: the article's chains, listener, route and cluster", () => {
  const t = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/httpserver', entry: 'nodePort', port: 31373 },
    seed(),
    {
      gatewayService,
      gatewayPods: [{ name: 'istio-ingressgateway-576c469c96-spndl', ip: '10.10.1.4', ready: true }],
      legacyKubeProxy: true,
    },
  );
  const byId = Object.fromEntries(t.steps.map((s) => [s.id, s]));
  assert.equal(byId.service!.value, 'istio-system/istio-ingressgateway http2 80 → 8080');
  assert.deepEqual(byId.iptables!.lines, [
    '-A KUBE-NODEPORTS -p tcp -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp --dport 31373 -j KUBE-SVC-G6D3V5KS3PXPUEDS',
    '-A KUBE-SVC-G6D3V5KS3PXPUEDS -m comment --comment "istio-system/istio-ingressgateway:http2" -j KUBE-SEP-LAV34IONK7IOT5SV',
    '-A KUBE-SEP-LAV34IONK7IOT5SV -p tcp -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp -j DNAT --to-destination 10.10.1.4:8080',
  ]);
  assert.equal(byId.pod!.value, '10.10.1.4:8080');
  assert.equal(byId.listener!.value, '0.0.0.0_8080');
  assert.equal(byId.routeConfig!.value, 'http.8080');
  assert.equal(byId.virtualHost!.value, 'simple.baihl.io:80');
  assert.equal(byId.route!.value, 'path /simple/httpserver');
  assert.equal(byId.rewrite!.value, '/hello');
  assert.equal(byId.cluster!.value, 'outbound|80||simple.simple.svc.cluster.local');
  assert.equal(t.outcome.status, 'forwarded');
});

test('offline: a path no route takes is a 404, and each route says why it did not match', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/other' }, seed());
  assert.equal(t.outcome.status, 404);
  const route = t.steps.find((s) => s.id === 'route')!;
  assert.equal(route.status, 'fail');
  assert.match(
    route.details.join('\n'),
    /#0 path \/simple\/httpserver \(VirtualService simple\.simple, istio-specs\.yaml:13\): path "\/simple\/other" is not "\/simple\/httpserver"/,
  );
  assert.match(route.details.join('\n'), /#1 prefix \/simple\/nginx .*does not start with "\/simple\/nginx"/);
});

test('offline: a wrong Host is a 404 with the domains the gateway has', () => {
  const t = traceRequest({ host: 'simple.example.com', path: '/simple/nginx' }, seed());
  assert.equal(t.outcome.status, 404);
  assert.match(
    traceToText(t),
    /No virtual host of http\.8080 has a domain matching "simple\.example\.com"; domains are simple\.baihl\.io/,
  );
});

test('prefix rewritten to "/" warns about the double slash upstream', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx/index.html' }, seed());
  const rw = t.steps.find((s) => s.id === 'rewrite')!;
  assert.equal(rw.value, '//index.html');
  assert.equal(rw.status, 'warn');
});

test('a Service port the gateway lacks: connection refused, said plainly', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/', entry: 'clusterIP', port: 8081 }, seed(), {
    gatewayService,
  });
  assert.equal(t.steps.at(-1)!.status, 'fail');
  assert.match(t.outcome.summary, /connection refused/);
});

test('live endpoints: none healthy is a 503 naming the cluster', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx' }, seed(), {
    routeConfigs: undefined,
    endpointsFor: () => [{ address: '10.10.1.14', port: 80, health: 'UNHEALTHY' }],
  });
  assert.equal(t.outcome.status, 503);
  assert.match(t.outcome.summary, /outbound\|80\|\|nginx\.simple\.svc\.cluster\.local/);
});

test("with a real gateway's config dump (Bookinfo): /productpage takes the exact route", () => {
  const dump = readConfigDump(
    JSON.parse(readFileSync(istioctlTestdata('describe/testdata/describe/http_config.json'), 'utf8')),
  );
  const t = traceRequest({ host: 'anything.example.com', path: '/productpage' }, mergeResourceSets(), {
    routeConfigs: dump.routeConfigs.map((e) => e.routeConfig),
  });
  assert.equal(t.mode, 'live');
  const route = t.steps.find((s) => s.id === 'route')!;
  assert.equal(route.value, 'path /productpage');
  assert.equal(t.steps.find((s) => s.id === 'cluster')!.value, 'outbound|9080||productpage.default.svc.cluster.local');
});

test("Envoy's path normalization happens before routing: /simple/x/../nginx takes the nginx route", () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/x/../nginx' }, seed());
  assert.equal(t.steps.find((s) => s.id === 'route')!.value, 'prefix /simple/nginx');
  assert.match(
    t.steps.find((s) => s.id === 'routeConfig')!.details.join(' '),
    /normalises the path to \/simple\/nginx/,
  );
});

test('a fragment in the path is a 400 before any route', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx#top' }, seed());
  assert.equal(t.outcome.status, 400);
});
