// The authorization evaluator against a real Envoy (the harness's upstream binary): for every authz-* corpus case,
// Istio's own ext_authz, jwt_authn and rbac filters (the oracle's output) run in a real Envoy's HTTP connection
// manager, and for each request of a fixed set the status Envoy answers and the %RESPONSE_CODE_DETAILS% it logs equal
// what evaluateHttpAuthz says from the same filters (no external authorizer listens: where evaluateHttpAuthz says
// ext_authz asks one, Envoy fails open or answers the provider's statusOnError with ext_authz_error). The client address the rules see comes from X-Forwarded-For (one
// trusted hop), the peer address is 127.0.0.1. The same Envoy also logs in Istio's default text format, and
// explain-log's explanation of each of its real 401/403 lines names the RequestAuthentication, or the
// AuthorizationPolicy and rule Envoy logged, with its YAML. Skipped (with the reason) when Envoy is not built.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ISTIO_TEXT_FORMAT, parseAccessLog } from '../../src/envoy/accessLog';
import { evaluateHttpAuthz } from '../../src/envoy/httpAuthz';
import { explainEntry } from '../../src/istio/accessLogExplain';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import type { Filter, Listener } from '../../src/envoy/types';
import { authzFiltersOf } from '../../src/istio/authz';
import { envoySkip, freePort, get, startEnvoy } from './helpers/liveEnvoy';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const cases = readdirSync(corpus).filter((d) => d.startsWith('authz-') && existsSync(`${corpus}${d}/oracle.json`));
const jwtDir = `${corpus}authz-jwt-request-principals/`;
const token = (f: string) => readFileSync(jwtDir + f, 'utf8').trim();
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

interface Req {
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** The client address, sent as X-Forwarded-For (Envoy trusts one hop here). */
  client?: string;
}

function requests(): Req[] {
  const demo = token('demo.jwt');
  const groups = token('groups-scope.jwt');
  const [h, , s] = demo.split('.');
  const otherIssuer = `${h}.${b64({ iss: 'someone-else', sub: 'x', exp: 4685989700 })}.${s}`;
  // the demo token's claims changed under its signature, and signed by a key id the JWKS lacks
  const forged = `${h}.${b64({ iss: 'testing@secure.istio.io', sub: 'admin', exp: 4685989700 })}.${s}`;
  const otherKid = `${b64({ alg: 'RS256', kid: 'nope', typ: 'JWT' })}.${demo.split('.')[1]}.${s}`;
  const expired = `${h}.${b64({ iss: 'testing@secure.istio.io', sub: 'x', exp: 1000 })}.${s}`;
  const host = 'simple.baihl.io';
  return [
    { host, path: '/simple/httpserver' },
    { host, path: '/simple/nginx/x' },
    { host, path: '/simple/httpserver', method: 'POST' },
    { host: 'SIMPLE.baihl.io', path: '/simple/nginx' },
    { host: 'admin.baihl.io', path: '/admin/x' },
    { host: 'admin.baihl.io', path: '/', method: 'DELETE' },
    { host, path: '/metrics' },
    { host, path: '/stats/prometheus', method: 'PUT' },
    { host, path: '/style.css' },
    { host, path: '/simple/nginx/private/x' },
    { host, path: '/simple/httpserver', headers: { 'user-agent': 'curl/8.5.0' } },
    { host, path: '/simple/nginx', headers: { 'user-agent': 'googlebot' } },
    { host, path: '/simple/httpserver', headers: { 'x-debug': '1' } },
    { host, path: '/simple/httpserver', headers: { 'x-tenant': 'blue' } },
    { host, path: '/simple/httpserver', headers: { 'x-tenant': 'green' } },
    { host, path: '/simple/httpserver', client: '203.0.113.9' },
    { host, path: '/simple/nginx', client: '198.51.100.7' },
    { host, path: '/simple/nginx', client: '192.168.7.1' },
    { host, path: '/simple/nginx', client: '10.1.2.3' },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${demo}` } },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${groups}` } },
    { host, path: '/simple/httpserver', headers: { authorization: 'Bearer not-a-token' } },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${otherIssuer}` } },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${forged}` } },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${otherKid}` } },
    { host, path: '/simple/httpserver', headers: { authorization: `Bearer ${expired}` } },
    { host, path: '/simple/nginx', headers: { 'x-token': `Bearer ${demo}` } },
  ];
}

function bootstrap(filters: Filter[], listenPort: number, adminPort: number, logPath: string, istioLogPath: string) {
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
                    stat_prefix: 'authz',
                    use_remote_address: true,
                    xff_num_trusted_hops: 1,
                    route_config: {
                      name: 'http.8080',
                      virtual_hosts: [
                        {
                          name: 'all',
                          domains: ['*'],
                          routes: [{ match: { prefix: '/' }, direct_response: { status: 200 } }],
                        },
                      ],
                    },
                    http_filters: [
                      ...filters,
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                    access_log: [
                      {
                        name: 'envoy.access_loggers.file',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
                          path: logPath,
                          log_format: {
                            text_format_source: {
                              inline_string: '%REQ(X-N)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS%\n',
                            },
                          },
                        },
                      },
                      {
                        name: 'envoy.access_loggers.file',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
                          path: istioLogPath,
                          log_format: { text_format_source: { inline_string: `${ISTIO_TEXT_FORMAT}\n` } },
                        },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

const HCM = 'envoy.filters.network.http_connection_manager';

for (const name of cases) {
  test(
    `corpus ${name}: a real Envoy with Istio's filters answers each request as evaluateHttpAuthz says`,
    { skip: envoySkip },
    async () => {
      const listeners = (JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as { listeners: Listener[] })
        .listeners;
      const hcm = listeners
        .flatMap((l) => l.filterChains ?? [])
        .flatMap((c) => c.filters ?? [])
        .find((f) => f.name === HCM);
      const filters = authzFiltersOf((hcm?.typedConfig as { httpFilters?: Filter[] } | undefined)?.httpFilters);
      assert.ok(filters.length, `${name}: the oracle has no authorization filter`);
      const dir = mkdtempSync(join(tmpdir(), 'authz-live-'));
      const [listenPort, adminPort] = [await freePort(), await freePort()];
      const logPath = join(dir, 'access.log');
      let envoy: ChildProcess | undefined;
      try {
        // Envoy flushes access log files every 10 s by default
        envoy = await startEnvoy(
          bootstrap(filters, listenPort, adminPort, logPath, join(dir, 'istio.log')),
          join(dir, 'envoy.json'),
          adminPort,
          ['--file-flush-interval-msec', '100'],
        );
        const reqs = requests();
        const got: string[] = [];
        for (const [i, r] of reqs.entries()) {
          const headers = {
            host: r.host,
            'x-n': String(i),
            ...(r.client ? { 'x-forwarded-for': r.client } : {}),
            ...r.headers,
          };
          got.push(String((await get(listenPort, r.path, headers, r.method)).status));
        }
        // the access log is written asynchronously: wait for every line
        let log: string[] = [];
        for (let t = 0; t < 100 && log.length < reqs.length; t++) {
          await new Promise((res) => setTimeout(res, 50));
          log = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').filter(Boolean) : [];
        }
        const actual = reqs.map((_, i) => {
          const line = log.find((l) => l.startsWith(`${i} `)) ?? '';
          const details = line.split(' ')[2] ?? '';
          return `${i} ${got[i]} ${got[i] === '200' ? '' : details}`.trim();
        });
        const predicted = reqs.map((r, i) => {
          const o = evaluateHttpAuthz(filters, {
            authority: r.host,
            path: r.path,
            method: r.method,
            headers: r.headers,
            sourceIp: '127.0.0.1',
            remoteIp: r.client ?? '127.0.0.1',
          });
          // no authorizer listens here: Envoy calls it, gets no answer, and fails open or answers status_on_error
          if (o.external && !o.external.failOpen) return `${i} ${o.external.statusOnError} ext_authz_error`;
          return `${i} ${o.status} ${o.responseCodeDetails ?? ''}`.trim();
        });
        assert.deepEqual(predicted, actual);
        assert.ok(
          actual.some((a) => / 40[13] /.test(a) || a.endsWith(' ext_authz_error')),
          `${name}: no request was denied; the case shows nothing`,
        );
        // explain-log on Envoy's own lines in Istio's format: the cause and the YAML behind each denial
        const dirOf = `${corpus}${name}/`;
        const resources = mergeResourceSets(
          ...readdirSync(dirOf)
            .filter((f) => f.endsWith('.yaml'))
            .sort()
            .map((f) => readResources(readFileSync(dirOf + f, 'utf8'), f).resources),
        );
        let istioLog = '';
        for (let t = 0; t < 100 && istioLog.trim().split('\n').length < reqs.length; t++) {
          await new Promise((res) => setTimeout(res, 50));
          istioLog = existsSync(join(dir, 'istio.log')) ? readFileSync(join(dir, 'istio.log'), 'utf8') : '';
        }
        const entries = parseAccessLog(istioLog).flatMap((l) => (l.parsed.ok ? [l.parsed.entry] : []));
        assert.equal(entries.length, reqs.length, istioLog);
        for (const entry of entries.filter(
          (x) => x.code === 401 || x.code === 403 || x.details === 'ext_authz_error',
        )) {
          const ex = explainEntry(entry, { resources });
          const policy =
            /^rbac_access_denied_matched_policy\[(istio-ext-authz-.*?-)?ns\[(.*)\]-policy\[(.*)\]-rule\[(\d+)\](-deny-due-to-bad-CUSTOM-action)?\]$/.exec(
              entry.details ?? '',
            );
          if (entry.details === 'ext_authz_error') {
            assert.equal(ex.cause, 'ext-authz', ex.explanation);
            assert.match(
              ex.explanation,
              /could not get an answer from the external authorizer [^ ]+:\d+ \(CUSTOM policy /,
            );
            assert.match(ex.yaml?.what ?? '', /^AuthorizationPolicy .* rules\[\d+\]$/);
          } else if (entry.code === 401) {
            assert.equal(ex.cause, 'jwt-denied', ex.explanation);
            assert.match(ex.yaml?.what ?? '', /^RequestAuthentication /);
          } else if (policy) {
            assert.equal(ex.cause, 'rbac-denied', ex.explanation);
            assert.equal(ex.yaml?.what, `AuthorizationPolicy ${policy[2]}/${policy[3]} rules[${policy[4]}]`);
            assert.match(
              ex.explanation,
              new RegExp(`DENY ${policy[1] ? 'CUSTOM ' : ''}policy ${policy[2]}/${policy[3]} rule ${policy[4]} `),
            );
            if (policy[5]) assert.match(ex.explanation, /could not send this CUSTOM policy's requests to its provider/);
          } else {
            assert.equal(ex.cause, 'rbac-denied', ex.explanation);
            assert.match(ex.explanation, /no ALLOW policy matched/);
          }
        }
      } finally {
        envoy?.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
