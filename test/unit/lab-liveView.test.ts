// The live gateway adapter on a real ingress gateway dump (Istio's Bookinfo test data) and a /clusters answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildLiveGateway } from '../../src/lab/liveView';
import { istioctlTestdata } from './helpers/istioTestdata';

const dump = JSON.parse(readFileSync(istioctlTestdata('describe/testdata/describe/http_config.json'), 'utf8'));
const pod = { name: 'istio-ingressgateway-576c469c96-spndl', namespace: 'istio-system', ready: true, labels: {} };
const clusters = {
  cluster_statuses: [
    {
      name: 'outbound|9080||productpage.default.svc.cluster.local',
      host_statuses: [
        {
          address: { socket_address: { address: '10.10.1.13', port_value: 9080 } },
          health_status: { eds_health_status: 'HEALTHY' },
        },
      ],
    },
  ],
};

test('finds the live route by route config, host and match, with its endpoints named by pod', () => {
  const g = buildLiveGateway(pod, dump, clusters, new Map([['10.10.1.13', 'productpage-v1-abc']]));
  const hit = g.findRoute('http.8080', ['bookinfo.example.com'], { path: '/productpage', caseSensitive: true });
  assert.ok(hit, 'route found');
  assert.equal(hit.virtualHost, '*:80');
  assert.equal(hit.route.route?.cluster, 'outbound|9080||productpage.default.svc.cluster.local');
  assert.deepEqual(g.endpoints('outbound|9080||productpage.default.svc.cluster.local'), [
    { address: '10.10.1.13', port: 9080, health: 'HEALTHY', pod: 'productpage-v1-abc' },
  ]);
  assert.deepEqual(g.endpoints('outbound|80||nope.default.svc.cluster.local'), []);
});

test('a match the gateway lacks is not found; the VirtualService is known by its istio metadata', () => {
  const g = buildLiveGateway(pod, dump, clusters, new Map());
  assert.equal(g.findRoute('http.8080', ['x'], { path: '/not-there', caseSensitive: true }), undefined);
  assert.equal(g.findRoute('http.9999', ['x'], { path: '/productpage', caseSensitive: true }), undefined);
  const configs = JSON.stringify(dump).match(/namespaces\/([^/"]+)\/virtual-service\/([^"]+)"/);
  assert.ok(configs, 'the fixture carries istio metadata');
  assert.equal(g.hasVirtualService(configs[1]!, configs[2]!), true);
  assert.equal(g.hasVirtualService('simple', 'simple'), false);
});

test("tables come out in istioctl's format", () => {
  const g = buildLiveGateway(pod, dump, clusters, new Map());
  assert.match(g.routesTable('http.8080'), /^NAME\s+VHOST NAME\s+DOMAINS\s+MATCH\s+VIRTUAL SERVICE\n/);
  assert.match(
    g.endpointsTable('outbound|9080||productpage.default.svc.cluster.local'),
    /^ENDPOINT\s+STATUS\s+OUTLIER CHECK\s+CLUSTER\n10\.10\.1\.13:9080\s+HEALTHY\s+OK\s+outbound\|9080\|\|productpage/,
  );
});
