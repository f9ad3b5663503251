// Envoy request routing on the Bookinfo gateway dump: which route takes a request, why the earlier ones did not,
// and what path goes upstream after the rewrite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readConfigDump } from '../../src/envoy/configDump';
import { fullMatchRegex, matchRequest, rewritePath } from '../../src/envoy/requestMatch';
import type { Route, RouteConfiguration } from '../../src/envoy/types';
import { istioctlTestdata } from './helpers/istioTestdata';
import { pathToFileURL } from 'node:url';
import { at } from './helpers/at';

const FIX = pathToFileURL(`${istioctlTestdata('')}/`);
const bookinfo = (): RouteConfiguration =>
  readConfigDump(JSON.parse(readFileSync(new URL('describe/testdata/describe/http_config.json', FIX), 'utf8')))
    .routeConfigs[0]?.routeConfig ?? assert.fail('the describe testdata has no route config');

test('GET /productpage with any Host takes the exact-path route', () => {
  const r = matchRequest(bookinfo(), { authority: 'whatever.example:8080', path: '/productpage' });
  assert.equal(r.outcome, 'route');
  assert.equal(r.virtualHost?.virtualHost.name, '*:80');
  assert.equal(r.virtualHost?.kind, 'default');
  assert.equal(r.routeIndex, 0);
  assert.deepEqual(r.route?.match, { path: '/productpage', caseSensitive: true });
  assert.deepEqual(r.clusters, [{ name: 'outbound|9080||productpage.default.svc.cluster.local' }]);
  assert.equal(r.upstreamPath, '/productpage');
  assert.deepEqual(r.misses, []);
});

test('/static/x takes the prefix route; the exact route before it says why not', () => {
  const r = matchRequest(bookinfo(), { authority: 'bookinfo', path: '/static/x' });
  assert.equal(r.routeIndex, 1);
  assert.deepEqual(r.route?.match, { prefix: '/static', caseSensitive: true });
  assert.deepEqual(
    r.misses.map((m) => [m.index, m.reasons]),
    [[0, ['path "/static/x" is not "/productpage"']]],
  );
});

test('/nope matches nothing: 404 with a reason for every route', () => {
  const r = matchRequest(bookinfo(), { authority: 'bookinfo', path: '/nope' });
  assert.equal(r.outcome, 'no_route');
  assert.equal(r.status, 404);
  assert.deepEqual(
    r.misses.map((m) => m.reasons[0]),
    [
      'path "/nope" is not "/productpage"',
      'path "/nope" does not start with "/static"',
      'path "/nope" is not "/login"',
      'path "/nope" is not "/logout"',
      'path "/nope" does not start with "/api/v1/products"',
    ],
  );
});

test('case sensitivity: /ProductPage misses the case-sensitive exact route and says so', () => {
  const r = matchRequest(bookinfo(), { authority: 'bookinfo', path: '/ProductPage' });
  assert.equal(r.outcome, 'no_route');
  assert.match(at(at(r.misses).reasons), /differs only in letter case/);
  const insensitive = bookinfo();
  at(at(insensitive.virtualHosts).routes).match.caseSensitive = false;
  assert.equal(matchRequest(insensitive, { authority: 'bookinfo', path: '/ProductPage' }).routeIndex, 0);
});

test('the query string is not part of the path match but goes upstream', () => {
  const r = matchRequest(bookinfo(), { authority: 'bookinfo', path: '/api/v1/products/1?u=normal' });
  assert.equal(r.routeIndex, 4);
  assert.equal(r.upstreamPath, '/api/v1/products/1?u=normal');
});

// The seed article's two routes, as Istio generates them (see the notes): exact + prefix_rewrite, prefix + prefix_rewrite.
const seedRoutes = (): RouteConfiguration => ({
  name: 'http.8080',
  ignorePortInHostMatching: true,
  virtualHosts: [
    {
      name: 'simple.baihl.io:80',
      domains: ['simple.baihl.io'],
      routes: [
        {
          match: { path: '/simple/httpserver', caseSensitive: true },
          route: { cluster: 'outbound|80||simple.simple.svc.cluster.local', prefixRewrite: '/hello' },
        },
        {
          match: { prefix: '/simple/nginx', caseSensitive: true },
          route: { cluster: 'outbound|80||nginx.simple.svc.cluster.local', prefixRewrite: '/' },
        },
      ],
    },
  ],
});

test('prefix_rewrite on an exact match replaces the whole path; on a prefix match only the prefix', () => {
  const rc = seedRoutes();
  assert.equal(matchRequest(rc, { authority: 'simple.baihl.io', path: '/simple/httpserver' }).upstreamPath, '/hello');
  assert.equal(matchRequest(rc, { authority: 'simple.baihl.io:80', path: '/simple/nginx' }).upstreamPath, '/');
  // Envoy really sends "//index.html" here: the classic trailing-slash pitfall of rewrite "/".
  assert.equal(
    matchRequest(rc, { authority: 'simple.baihl.io', path: '/simple/nginx/index.html' }).upstreamPath,
    '//index.html',
  );
  assert.equal(matchRequest(rc, { authority: 'other.host', path: '/simple/nginx' }).outcome, 'no_virtual_host');
});

test('regex match is a full match; regex_rewrite substitutes groups', () => {
  const route: Route = {
    match: { safeRegex: { regex: '/api/v[0-9]+/.*' } },
    route: {
      cluster: 'c',
      regexRewrite: { pattern: { regex: '^/api/(v[0-9]+)/(.*)$' }, substitution: '/\\2?version=\\1' },
    },
  };
  const rc: RouteConfiguration = { name: 'r', virtualHosts: [{ name: 'v', domains: ['*'], routes: [route] }] };
  const ok = matchRequest(rc, { authority: 'h', path: '/api/v2/books' });
  assert.equal(ok.upstreamPath, '/books?version=v2');
  const miss = matchRequest(rc, { authority: 'h', path: '/xapi/v2/books' });
  assert.deepEqual(miss.misses[0]?.reasons, ['path "/xapi/v2/books" does not fully match regex /api/v[0-9]+/.*']);
  assert.equal(
    rewritePath(
      { match: { safeRegex: { regex: '.*' } }, route: { prefixRewrite: '/x' } },
      { authority: 'h', path: '/a/b?q' },
    ).path,
    '/x?q',
  );
});

test('header matchers: missing, different, inverted, present, and :method', () => {
  const rc: RouteConfiguration = {
    name: 'r',
    virtualHosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/', headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }] },
            route: { cluster: 'jason' },
          },
          {
            match: { prefix: '/', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }] },
            route: { cluster: 'post' },
          },
          { match: { prefix: '/', headers: [{ name: 'x-canary', presentMatch: true }] }, route: { cluster: 'canary' } },
          {
            match: { prefix: '/', headers: [{ name: 'x-env', stringMatch: { prefix: 'prod' }, invertMatch: true }] },
            route: { cluster: 'not-prod' },
          },
          { match: { prefix: '/' }, route: { cluster: 'rest' } },
        ],
      },
    ],
  };
  const go = (headers: Record<string, string>, method = 'GET') =>
    matchRequest(rc, { authority: 'h', path: '/', method, headers });
  assert.equal(go({ 'End-User': 'jason' }).clusters?.[0]?.name, 'jason');
  const r = go({ 'end-user': 'mike', 'x-env': 'production' });
  assert.equal(r.clusters?.[0]?.name, 'rest');
  assert.deepEqual(
    r.misses.map((m) => m.reasons),
    [
      ['header end-user is "mike", not equal to "jason"'],
      ['header :method is "GET", not equal to "POST"'],
      ['header x-canary is missing'],
      ['header x-env is "production", which must not be starting with "prod"'],
    ],
  );
  assert.equal(go({}, 'POST').clusters?.[0]?.name, 'post');
  assert.equal(go({ 'x-canary': '' }).clusters?.[0]?.name, 'canary');
  // Envoy 1.40 does not match a missing header with an inverted value matcher (see envoy-live-oracle.test.ts)
  assert.equal(go({}).clusters?.[0]?.name, 'rest');
  assert.equal(
    go({}).misses[3]?.reasons[0],
    'header x-env is missing (an inverted matcher still needs the header to be present)',
  );
  assert.deepEqual(go({}).misses[0]?.reasons, ['header end-user is missing (must be equal to "jason")']);
});

test('query parameter matchers, direct responses and redirects', () => {
  const rc: RouteConfiguration = {
    name: 'r',
    virtualHosts: [
      {
        name: 'v',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/', queryParameters: [{ name: 'debug', stringMatch: { exact: '1' } }] },
            directResponse: { status: 418 },
          },
          { match: { path: '/old' }, redirect: { pathRedirect: '/new' } },
        ],
      },
    ],
  };
  const dr = matchRequest(rc, { authority: 'h', path: '/x?debug=1' });
  assert.equal(dr.outcome, 'direct_response');
  assert.equal(dr.status, 418);
  const rd = matchRequest(rc, { authority: 'h', path: '/old?debug=0' });
  assert.equal(rd.outcome, 'redirect');
  assert.equal(rd.status, 301);
  assert.deepEqual(rd.misses[0]?.reasons, ['query parameter debug is "0", not equal to "1"']);
});

test('RE2 spellings: (?i) prefix, named groups (?P<n>), \\A and \\z anchors', () => {
  assert.equal(fullMatchRegex('(?i)/Books/.*')?.test('/books/1'), true);
  assert.equal(fullMatchRegex('/books/(?P<id>[0-9]+)')?.test('/books/12'), true);
  assert.equal(fullMatchRegex('\\A/x\\z')?.test('/x'), true);
  assert.equal(fullMatchRegex('/books/[0-9]+')?.test('/books/12/reviews'), false, 'full match, not search');
});

test('HCM path normalisation (normalize_path, merge_slashes) before routing', async () => {
  const { normalizeRequestPath, pathNormalizationOf } = await import('../../src/envoy/pathNormalization');
  const both = { normalizePath: true, mergeSlashes: true };
  assert.equal(normalizeRequestPath('/simple/nginx/../httpserver?a=/../', both), '/simple/httpserver?a=/../');
  assert.equal(normalizeRequestPath('/%73imple//nginx/./x', both), '/simple/nginx/x');
  assert.equal(normalizeRequestPath('/a%2Fb', both), '/a%2Fb', 'an encoded slash stays encoded');
  assert.equal(normalizeRequestPath('/a//b/../c', { normalizePath: false, mergeSlashes: false }), '/a//b/../c');
  const listener = {
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: { normalizePath: true, mergeSlashes: false },
          },
        ],
      },
    ],
  };
  assert.deepEqual(pathNormalizationOf(listener), { normalizePath: true, mergeSlashes: false });
  assert.deepEqual(pathNormalizationOf(undefined), { normalizePath: false, mergeSlashes: false });
});
