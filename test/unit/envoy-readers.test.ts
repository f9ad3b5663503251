// Readers and indexes on the real fixture dumps, in Envoy's snake_case and in istioctl's camelCase.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readAdminClusters } from '../../src/envoy/adminClusters';
import { ConfigDumpShapeError, readConfigDump } from '../../src/envoy/configDump';
import { AdminClustersIndex, ConfigDumpIndex, jsonEqual } from '../../src/envoy/index';
import { JsonSyntaxError, parseJsonText } from '../../src/envoy/jsonText';
import { camelKey, normalizeKeys } from '../../src/envoy/normalize';
import type { RouteConfiguration } from '../../src/envoy/types';
import { selectVirtualHost } from '../../src/envoy/virtualHost';
import { istioctlTestdata } from './helpers/istioTestdata';
import { pathToFileURL } from 'node:url';
import { at } from './helpers/at';

const FIX = pathToFileURL(`${istioctlTestdata('')}/`);
const raw = (p: string) => JSON.parse(readFileSync(new URL(p, FIX), 'utf8')) as unknown;
const BOOKINFO = 'describe/testdata/describe/http_config.json';
const ALL = 'proxyconfig/testdata/config_dump.json';
const EDS = 'writer/envoy/configdump/testdata/endpoint/configdump.json';

test('camelKey converts proto field names as protojson does', () => {
  assert.equal(camelKey('route_config'), 'routeConfig');
  assert.equal(camelKey('ignore_port_in_host_matching'), 'ignorePortInHostMatching');
  assert.equal(camelKey('http2_protocol_options'), 'http2ProtocolOptions');
  assert.equal(camelKey('caseSensitive'), 'caseSensitive');
});

test('Bookinfo dump (snake_case): route config, vhost, exact and prefix matches, metadata', () => {
  const d = readConfigDump(raw(BOOKINFO));
  assert.deepEqual([...d.sections].sort(), ['clusters', 'listeners', 'routes']);
  assert.equal(d.routeConfigs.length, 1);
  const rc = d.routeConfigs[0]?.routeConfig;
  assert.equal(rc?.name, 'http.8080');
  assert.equal(d.routeConfigs[0]?.versionInfo, '2022-03-04T10:22:24Z/54');
  assert.equal(rc?.validateClusters, false);
  const vh = rc?.virtualHosts![0];
  assert.equal(vh?.name, '*:80');
  assert.deepEqual(vh?.domains, ['*']);
  assert.deepEqual(vh?.routes![0]?.match, { path: '/productpage', caseSensitive: true });
  assert.deepEqual(vh?.routes[1]?.match, { prefix: '/static', caseSensitive: true });
  assert.equal(vh?.routes[0]?.route?.cluster, 'outbound|9080||productpage.default.svc.cluster.local');
  assert.equal((vh?.routes[0]?.route?.retryPolicy as { numRetries?: number }).numRetries, 2);
  assert.equal(
    vh?.routes[0]?.metadata?.filterMetadata?.istio?.config,
    '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/bookinfo',
  );
  assert.equal(d.clusters[0]?.cluster.name, 'outbound|9080|v1|productpage.default.svc.cluster.local');
  assert.equal(d.listeners.length, 0);
});

test('camelCase dump (normaliser output, as istioctl -o json) reads to the same objects', () => {
  for (const p of [BOOKINFO, ALL, EDS]) {
    const snake = readConfigDump(raw(p));
    const camel = readConfigDump(normalizeKeys(raw(p)));
    assert.ok(jsonEqual(snake.routeConfigs, camel.routeConfigs), p);
    assert.ok(jsonEqual(snake.listeners, camel.listeners), p);
    assert.ok(jsonEqual(snake.clusters, camel.clusters), p);
    assert.ok(jsonEqual(snake.endpoints, camel.endpoints), p);
    assert.ok(jsonEqual(snake.bootstrap, camel.bootstrap), p);
    // normalising twice changes nothing
    assert.ok(jsonEqual(normalizeKeys(normalizeKeys(raw(p))), normalizeKeys(raw(p))), p);
  }
});

test('names stay names: filterMetadata keys, Struct contents, TypedStruct values, @type, node metadata', () => {
  const d = readConfigDump(raw(ALL));
  const ep = d.endpoints.find((e) => e.assignment.clusterName.startsWith('inbound-vip|8100'))!.assignment;
  const lb = ep.endpoints![0]?.lbEndpoints![0];
  assert.equal(lb?.healthStatus, 'HEALTHY');
  assert.equal(lb?.endpoint?.address?.envoyInternalAddress?.serverListenerName, 'connect_originate');
  assert.deepEqual(lb?.metadata?.filterMetadata?.['envoy.filters.listener.original_dst'], {
    local: '192.168.195.248:800',
  });
  const hcm = (at(d.listeners).listener.filterChains ?? [])
    .flatMap((fc) => fc.filters ?? [])
    .find((f) => f.name === 'envoy.filters.network.http_connection_manager');
  assert.ok(hcm, 'an HTTP connection manager on the listener');
  assert.equal(
    hcm.typedConfig?.['@type'],
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  );
  assert.equal(hcm.typedConfig?.statPrefix, 'inbound_0.0.0.0_8000');
  const filters = hcm.typedConfig?.httpFilters as { name: string; typedConfig: Record<string, unknown> }[];
  const peer = filters.find((f) => f.name === 'waypoint_upstream_peer_metadata')!;
  assert.equal(peer.typedConfig.typeUrl, 'type.googleapis.com/io.istio.http.peer_metadata.Config');
  assert.deepEqual(peer.typedConfig.value, { upstream_discovery: [{ workload_discovery: {} }] });
  const node = d.bootstrap!.node as { metadata: Record<string, unknown> };
  assert.equal(node.metadata.ISTIO_VERSION, '1.21.0-1226');
});

test('config dump order: dynamic before static, as istioctl lists them', () => {
  const d = readConfigDump(raw(ALL));
  assert.deepEqual(
    d.clusters.map((c) => [c.cluster.name, c.dynamic]),
    [
      ['inbound-vip|8000|http|httpbin.default.svc.cluster.local', true],
      ['agent', false],
      ['prometheus_stats', false],
    ],
  );
  assert.deepEqual(
    d.listeners.map((l) => [l.listener.name, l.dynamic]),
    [
      ['main_internal', true],
      [undefined, false],
    ],
  );
  assert.equal(d.endpoints.length, 2);
});

test('a bare section and istioctl -o json arrays are read too', () => {
  const routesSection = (raw(BOOKINFO) as { configs: unknown[] }).configs[0];
  assert.equal(readConfigDump(routesSection).routeConfigs[0]?.routeConfig.name, 'http.8080');
  const arrayForm = [
    normalizeKeys(
      at((routesSection as { dynamic_route_configs: { route_config: unknown }[] }).dynamic_route_configs).route_config,
    ),
  ];
  const d = readConfigDump(arrayForm);
  assert.deepEqual([...d.sections], ['routes']);
  assert.equal(at(at(d.routeConfigs).routeConfig.virtualHosts).name, '*:80');
});

test('config_dump?resource=dynamic_route_configs: one typed entry per resource', () => {
  const section = (raw(BOOKINFO) as { configs: { dynamic_route_configs?: Record<string, unknown>[] }[] }).configs[0];
  const entry = {
    '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig',
    ...section?.dynamic_route_configs![0],
  };
  const d = readConfigDump({ configs: [entry] });
  assert.deepEqual([...d.sections], ['routes']);
  assert.equal(d.routeConfigs[0]?.routeConfig.name, 'http.8080');
  assert.equal(d.routeConfigs[0]?.dynamic, true);
  assert.equal(d.routeConfigs[0]?.versionInfo, '2022-03-04T10:22:24Z/54');
  assert.equal(readConfigDump(entry).routeConfigs.length, 1, 'a lone entry too');
});

test('not a config dump: one clear message', () => {
  assert.throws(
    () => readConfigDump({ hello: 1 }),
    (e: unknown) => e instanceof ConfigDumpShapeError && /no "configs" array/.test(e.message),
  );
  assert.throws(() => readConfigDump(42), ConfigDumpShapeError);
  assert.throws(() => readConfigDump([1, 2]), ConfigDumpShapeError);
});

test('index: route config by name, vhost by host, route by (config, host, match) ignoring key order', () => {
  const idx = new ConfigDumpIndex(readConfigDump(raw(BOOKINFO)));
  assert.deepEqual(idx.routeConfigNames(), ['http.8080']);
  assert.equal(idx.virtualHost('http.8080', 'bookinfo.example.com:8080')?.virtualHost.name, '*:80');
  const found = idx.findRoute('http.8080', 'anything', { caseSensitive: true, prefix: '/api/v1/products' });
  assert.equal(found?.index, 4);
  assert.equal(found?.route.route?.cluster, 'outbound|9080||productpage.default.svc.cluster.local');
  assert.equal(idx.findRoute('http.8080', 'anything', { prefix: '/api/v1/products' }), undefined);
  assert.equal(idx.findRoute('http.9090', 'anything', { prefix: '/' }), undefined);
  assert.equal(idx.cluster('outbound|9080|v1|productpage.default.svc.cluster.local')?.type, 'EDS');
  const all = new ConfigDumpIndex(readConfigDump(raw(ALL)));
  assert.equal(all.listenersOnPort(15021).length, 1);
  assert.equal(all.listener('main_internal')?.internalListener !== undefined, true);
  const eds = new ConfigDumpIndex(readConfigDump(raw(EDS)));
  const lbs = eds
    .endpoints('outbound|53||kube-dns.kube-system.svc.cluster.local')!
    .endpoints!.flatMap((l) => l.lbEndpoints ?? []);
  assert.deepEqual(
    lbs.map((e) => e.endpoint?.address?.socketAddress?.portValue),
    [53, 53],
  );
  assert.deepEqual(
    eds
      .edsEndpoints('outbound|53||kube-dns.kube-system.svc.cluster.local')
      .map((e) => `${e.address}:${e.port} ${e.health}`),
    ['10.244.0.8:53 HEALTHY', '10.244.0.3:53 HEALTHY'],
  );
  assert.deepEqual(eds.edsEndpoints('nope'), []);
  assert.equal(idx.virtualHostByName('http.8080', '*:80')?.routes?.length, 5);
});

test("Envoy domain matching: exact, longest *suffix, longest prefix*, then '*'; port ignored only when configured", () => {
  const rc: RouteConfiguration = {
    name: 'http.8080',
    virtualHosts: [
      { name: 'default', domains: ['*'] },
      { name: 'wild', domains: ['*.example.com'] },
      { name: 'wilder', domains: ['*.api.example.com'] },
      { name: 'prefix', domains: ['api.*'] },
      { name: 'exact', domains: ['Simple.Baihl.io', 'simple.baihl.io:80'] },
    ],
  };
  const pick = (host: string, r = rc) => selectVirtualHost(r, host)?.virtualHost.name;
  assert.equal(pick('simple.baihl.io'), 'exact');
  assert.equal(pick('SIMPLE.baihl.io'), 'exact');
  assert.equal(pick('simple.baihl.io:80'), 'exact');
  assert.equal(pick('simple.baihl.io:8080'), 'default');
  assert.equal(pick('a.example.com'), 'wild');
  assert.equal(pick('v1.api.example.com'), 'wilder');
  assert.equal(pick('.example.com'), 'default', 'a wildcard never matches the empty string');
  assert.equal(pick('api.other.org'), 'prefix');
  assert.equal(pick('nothing.org'), 'default');
  const ignoring = { ...rc, ignorePortInHostMatching: true };
  assert.equal(pick('simple.baihl.io:8080', ignoring), 'exact');
  assert.equal(selectVirtualHost({ name: 'x', virtualHosts: [{ name: 'only', domains: ['a.b'] }] }, 'c.d'), undefined);
});

test('JSON syntax errors carry line and column', () => {
  assert.throws(
    () => parseJsonText('{\n  "configs": [\n    {"a": 1,}\n  ]\n}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.line === 3 && e.column === 13,
  );
  assert.throws(
    () => parseJsonText('[1,2,,3]'),
    (e: unknown) => e instanceof JsonSyntaxError && e.line === 1 && e.column === 6,
  );
  assert.throws(
    () => parseJsonText('{"a":'),
    (e: unknown) => e instanceof JsonSyntaxError && /end of JSON/.test(e.detail),
  );
});

test('/clusters?format=json reader normalises keys (hand-written input in Envoy admin form)', () => {
  const input = {
    cluster_statuses: [
      {
        name: 'outbound|80||simple.simple.svc.cluster.local',
        added_via_api: true,
        host_statuses: [
          {
            address: { socket_address: { address: '10.244.0.12', port_value: 80 } },
            health_status: { eds_health_status: 'HEALTHY', failed_outlier_check: true },
            weight: 1,
            locality: { region: 'r1', zone: 'z1' },
          },
        ],
      },
    ],
  };
  const a = readAdminClusters(input);
  assert.deepEqual(new AdminClustersIndex(a).endpoints('outbound|80||simple.simple.svc.cluster.local'), [
    { address: '10.244.0.12', port: 80, health: 'HEALTHY', failedOutlierCheck: true, locality: 'r1/z1', weight: 1 },
  ]);
  const h = a.clusterStatuses[0]?.hostStatuses![0];
  assert.equal(h?.address?.socketAddress?.portValue, 80);
  assert.equal(h?.healthStatus?.edsHealthStatus, 'HEALTHY');
  assert.equal(h?.healthStatus?.failedOutlierCheck, true);
  assert.equal(h?.locality?.zone, 'z1');
  assert.throws(() => readAdminClusters({ stats: [] }), /no "cluster_statuses"/);
  assert.deepEqual(readAdminClusters({}).clusterStatuses, []);
  // istioctl proxy-config endpoints -o json: a bare camelCase array
  assert.equal(
    at(at(readAdminClusters(normalizeKeys(input.cluster_statuses)).clusterStatuses).hostStatuses).healthStatus
      ?.edsHealthStatus,
    'HEALTHY',
  );
  assert.throws(() => readAdminClusters(raw(BOOKINFO)), /this is a \/config_dump/);
  assert.throws(() => readConfigDump(input), /this is \/clusters\?format=json output/);
});
