// Every istioctl table in the shared fixtures, reproduced byte for byte from the dump beside it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readConfigDump } from '../../src/envoy/configDump';
import { goSortSlice } from '../../src/envoy/goSort';
import { GoTabwriter, goTable } from '../../src/envoy/goTabwriter';
import { normalizeKeys } from '../../src/envoy/normalize';
import { secretsTable } from '../../src/envoy/secrets';
import {
  allSummary,
  bootstrapSummary,
  clustersTable,
  describeRouteDomains,
  edsEndpointsTable,
  listenersTable,
  NothingToPrintError,
  parseSubsetKey,
  routesTable,
} from '../../src/envoy/tables';
import { istioctlTestdata } from './helpers/istioTestdata';
import { pathToFileURL } from 'node:url';

const FIX = pathToFileURL(`${istioctlTestdata('')}/`);
const text = (p: string) => readFileSync(new URL(p, FIX), 'utf8');
const dumpOf = (p: string) => readConfigDump(JSON.parse(text(p)));
// The same dump as istioctl -o json would have it: camelCase keys, produced by the normaliser.
const camelDumpOf = (p: string) => readConfigDump(normalizeKeys(JSON.parse(text(p))));

const ROUTE_CASES = ['empty-gateway', 'istio-gateway-http-route-prefix', 'k8s-gateway-http-route-path-prefix'];

for (const name of ROUTE_CASES) {
  const dir = `writer/envoy/configdump/testdata/routes/${name}/`;
  test(`routes table equals istioctl's output.txt for ${name} (snake_case dump)`, () => {
    assert.equal(routesTable(dumpOf(dir + 'configdump.json')), text(dir + 'output.txt'));
  });
  test(`routes table equals istioctl's output.txt for ${name} (camelCase dump)`, () => {
    assert.equal(routesTable(camelDumpOf(dir + 'configdump.json')), text(dir + 'output.txt'));
  });
}

const EP = 'writer/envoy/configdump/testdata/endpoint/';
test('EDS endpoints table without filter equals emptyfilter_output.txt', () => {
  assert.equal(edsEndpointsTable(dumpOf(EP + 'configdump.json')), text(EP + 'emptyfilter_output.txt'));
});
test('EDS endpoints table with --port 8080 equals portfilter_output.txt', () => {
  assert.equal(edsEndpointsTable(dumpOf(EP + 'configdump.json'), { port: 8080 }), text(EP + 'portfilter_output.txt'));
  assert.equal(
    edsEndpointsTable(camelDumpOf(EP + 'configdump.json'), { port: 8080 }),
    text(EP + 'portfilter_output.txt'),
  );
});
test('EDS endpoints filters: --cluster, --status, --address', () => {
  const d = dumpOf(EP + 'configdump.json');
  const rows = (t: string) => t.trimEnd().split('\n').slice(1);
  const kubeDns = rows(edsEndpointsTable(d, { cluster: 'outbound|53||kube-dns.kube-system.svc.cluster.local' }));
  assert.deepEqual(
    kubeDns.map((r) => r.split(/\s+/)[0]),
    ['10.244.0.8:53', '10.244.0.3:53'],
  );
  assert.equal(rows(edsEndpointsTable(d, { status: 'unhealthy' })).length, 0);
  assert.deepEqual(
    rows(edsEndpointsTable(d, { address: '10.244.0.176:8443' })).map((r) => r.split(/\s+/).at(-1)),
    ['outbound|443||istio-ingressgateway.istio-system.svc.cluster.local'],
  );
});

// `istioctl proxy-config all` prints the sections separated by blank lines; compare those we produce.
const SUMMARY = 'proxyconfig/testdata/';
const summarySections = () => text(SUMMARY + 'config_dump_summary.txt').split('\n\n');
test('proxy-config all: bootstrap section', () => {
  assert.equal(bootstrapSummary(dumpOf(SUMMARY + 'config_dump.json')), summarySections()[0] + '\n');
});
test('proxy-config all: cluster section (NAME column, padding 5, empty DESTINATION RULE)', () => {
  assert.equal(clustersTable(dumpOf(SUMMARY + 'config_dump.json'), { withType: true }), summarySections()[1] + '\n');
});
test('proxy-config all: listener section (padding 1, internal listener, inline route, tcp_proxy clusters)', () => {
  assert.equal(listenersTable(dumpOf(SUMMARY + 'config_dump.json'), { withType: true }), summarySections()[2] + '\n');
  assert.equal(
    listenersTable(camelDumpOf(SUMMARY + 'config_dump.json'), { withType: true }),
    summarySections()[2] + '\n',
  );
});
test('proxy-config all: route section', () => {
  assert.equal(routesTable(dumpOf(SUMMARY + 'config_dump.json'), { withType: true }), summarySections()[3] + '\n');
});
test('proxy-config all: endpoint section (internal address, static endpoint)', () => {
  const s = summarySections();
  assert.equal(edsEndpointsTable(dumpOf(SUMMARY + 'config_dump.json'), { withType: true }), s[s.length - 1]);
});

test('listeners table without NAME column, and --port filter', () => {
  const d = dumpOf(SUMMARY + 'config_dump.json');
  assert.equal(
    listenersTable(d, { port: 15021 }),
    'ADDRESSES PORT  MATCH DESTINATION\n0.0.0.0   15021 ALL   Inline Route: /healthz/ready*\n',
  );
  assert.equal(listenersTable(d, { verbose: false, port: 15021 }), 'ADDRESSES PORT  TYPE\n0.0.0.0   15021 HTTP\n');
});

test('clusters table of the Bookinfo dump names the DestinationRule', () => {
  assert.equal(
    clustersTable(dumpOf('describe/testdata/describe/http_config.json')),
    'SERVICE FQDN                              PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE\n' +
      'productpage.default.svc.cluster.local     9080     v1         outbound      EDS      productpage.default\n',
  );
});

test('a dump without route configurations: istioctl says "no routes found"', () => {
  assert.throws(
    () => routesTable(dumpOf(EP + 'configdump.json')),
    (e: unknown) => e instanceof NothingToPrintError && e.message === 'no routes found',
  );
});

test('describeRouteDomains follows istioctl (ports dropped, .svc.cluster.local collapsed, + N more)', () => {
  assert.equal(describeRouteDomains([]), '');
  assert.equal(describeRouteDomains(['example.com']), 'example.com');
  assert.equal(describeRouteDomains(['example.com', 'example.com:8080']), 'example.com');
  assert.equal(
    describeRouteDomains(['example.com', 'example.com:8080', '1.2.3.4', '1.2.3.4:8080']),
    'example.com, 1.2.3.4',
  );
  assert.equal(
    describeRouteDomains(['example.com', 'example.com:8080', '[fd00:10:96::7fc7]', '[fd00:10:96::7fc7]:8080']),
    'example.com, [fd00:10:96::7fc7]',
  );
  assert.equal(
    describeRouteDomains([
      'example.com',
      'example.com:8080',
      'www.example.com',
      'www.example.com:8080',
      '[fd00:10:96::7fc7]',
      '[fd00:10:96::7fc7]:8080',
    ]),
    'example.com, www.example.com + 1 more...',
  );
  assert.equal(
    describeRouteDomains([
      'reviews',
      'reviews:9080',
      'reviews.default',
      'reviews.default.svc',
      'reviews.default.svc.cluster.local',
    ]),
    'reviews, reviews.default',
  );
});

test('parseSubsetKey reads direction|port|subset|host and the SRV form', () => {
  assert.deepEqual(parseSubsetKey('outbound|80|v1|reviews.default.svc.cluster.local'), {
    direction: 'outbound',
    port: 80,
    subset: 'v1',
    hostname: 'reviews.default.svc.cluster.local',
  });
  assert.deepEqual(parseSubsetKey('outbound_.9080_.v2_.reviews.default.svc.cluster.local'), {
    direction: 'outbound',
    port: 9080,
    subset: 'v2',
    hostname: 'reviews.default.svc.cluster.local',
  });
});

test('Go tabwriter: trailing cell unpadded, empty tab-terminated cell padded, single-cell line splits blocks', () => {
  assert.equal(
    goTable(
      [
        ['a', 'bb', ''],
        ['ccc', '', 'x'],
      ],
      2,
    ),
    'a    bb  \nccc      x\n',
  );
  const w = GoTabwriter.istioctl(1);
  w.write('aaaa\tb\n').write('no tabs here\n').write('c\td\n');
  assert.equal(w.flush(), 'aaaa b\nno tabs here\nc d\n');
  // widths count code points, like Go counts runes
  assert.equal(
    goTable(
      [
        ['é', 'x'],
        ['ab', 'y'],
      ],
      1,
    ),
    'é  x\nab y\n',
  );
});

test('Go sort.Slice port: insertion sort below 13 elements, pdqsort above, same result as a stable sort on distinct keys', () => {
  const xs = Array.from({ length: 300 }, (_, i) => (i * 7919) % 1009);
  const sorted = goSortSlice([...xs], (a, b) => a < b);
  assert.deepEqual(
    sorted,
    [...xs].sort((a, b) => a - b),
  );
  // ties on > 12 elements are reordered by pdqsort exactly as Go does; insertion sort keeps them.
  const small = goSortSlice(['b1', 'a1', 'b2', 'a2'], (a, b) => a.charAt(0) < b.charAt(0));
  assert.deepEqual(small, ['a1', 'a2', 'b1', 'b2']);
});

test('proxy-config all: the whole config_dump_summary.txt, secrets section included', () => {
  // VALID CERT depends on the clock (istioctl uses time.Now()): the fixture was taken while "default" had
  // expired (2023-05-16) and ROOTCA was valid (until 2033), so any date in between reproduces it.
  const now = new Date('2026-01-01T00:00:00Z');
  for (const d of [dumpOf(SUMMARY + 'config_dump.json'), camelDumpOf(SUMMARY + 'config_dump.json')]) {
    assert.equal(
      allSummary(d, (x) => secretsTable(x, { withType: true, now })),
      text(SUMMARY + 'config_dump_summary.txt'),
    );
  }
  const later = secretsTable(dumpOf(SUMMARY + 'config_dump.json'), { now: new Date('2034-01-01T00:00:00Z') });
  assert.match(later, /^ROOTCA +CA +ACTIVE +false +0193a543fe2b0d9cd4847675394dfc54 /m);
});
