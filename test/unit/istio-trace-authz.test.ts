// The trace's authorization hop: Envoy runs jwt_authn and rbac before the router, so a request a policy denies
// stops there with 401/403 and the policy that decided (the names are the corpus cases' own policies; the
// decisions are the ones a real Envoy makes with Istio's filters, envoy-http-authz-live.test.ts). A gateway
// without policies keeps its trace as before: no authorization hop.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli';
import { traceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { memoryIo } from './helpers/memoryIo';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const load = (name: string) =>
  mergeResourceSets(
    ...readdirSync(`${corpus}${name}`)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${corpus}${name}/${f}`, 'utf8'), f).resources),
  );

test('a DENY policy on the client address stops the request before the route: 403 naming policy and rule', () => {
  const t = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/nginx/x', sourceIp: '198.51.100.7' },
    load('authz-deny-ip-blocks'),
  );
  const authz = t.steps.find((s) => s.id === 'authz');
  assert.equal(t.outcome.status, 403);
  assert.match(t.outcome.summary, /^403 RBAC: access denied — DENY policy istio-system\/deny-lab-net rule 0 matched /);
  assert.deepEqual(authz?.lines, ['rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-lab-net]-rule[0]]']);
  assert.equal(t.steps.at(-1)?.id, 'authz', 'no route is chosen after a denial');
  // another client goes on to the route
  const ok = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/nginx/x', sourceIp: '198.51.100.8' },
    load('authz-deny-ip-blocks'),
  );
  assert.equal(ok.outcome.status, 'forwarded');
  assert.equal(ok.steps.find((s) => s.id === 'authz')?.status, 'ok');
});

test('an ALLOW policy without rules denies every request, before a host without a virtual host would get 404', () => {
  const t = traceRequest({ host: 'unknown.example', path: '/' }, load('authz-allow-nothing'));
  assert.equal(t.outcome.status, 403);
  assert.deepEqual(t.steps.find((s) => s.id === 'authz')?.lines, ['rbac_access_denied_matched_policy[none]']);
  assert.equal(
    t.steps.some((s) => s.id === 'virtualHost'),
    false,
  );
});

test('RequestAuthentication: a malformed token is 401, none is a 403 from the DENY on notRequestPrincipals, a valid one passes', () => {
  const set = load('authz-jwt-request-principals');
  const demo = readFileSync(`${corpus}authz-jwt-request-principals/demo.jwt`, 'utf8').trim();
  const bad = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/httpserver', headers: { authorization: 'Bearer x' } },
    set,
  );
  assert.equal(bad.outcome.status, 401);
  assert.match(
    bad.steps.find((s) => s.id === 'authz')?.lines?.[0] ?? '',
    /^jwt_authn_access_denied\{Jwt_is_not_in_the_form/,
  );
  const none = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver' }, set);
  assert.equal(none.outcome.status, 403);
  assert.match(none.outcome.summary, /require-jwt rule 0/);
  const good = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/httpserver', headers: { authorization: `Bearer ${demo}` } },
    set,
  );
  assert.equal(good.outcome.status, 'forwarded');
});

test('policies that do not reach the gateway are listed with the reason; a gateway without policies has no authorization hop', () => {
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver' }, load('authz-other-selector'));
  const details = t.steps.find((s) => s.id === 'authz')?.details.join('\n') ?? '';
  assert.match(details, /AuthorizationPolicy istio-system\/deny-simple-pods does not apply: its selector app=simple/);
  assert.match(details, /AuthorizationPolicy simple\/deny-from-app-namespace does not apply: in namespace simple/);
  assert.match(details, /AuthorizationPolicy istio-system\/deny-k8s-gateway does not apply: it has targetRefs/);
  assert.equal(t.outcome.status, 'forwarded');
  const plain = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver' }, load('seed-simple'));
  assert.equal(
    plain.steps.some((s) => s.id === 'authz'),
    false,
  );
});

test('trace --source-ip: a bad address is one line (exit 2); a good one reaches the policy', async () => {
  const dir = `${corpus}authz-deny-ip-blocks/`;
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(dir + f, 'utf8')]),
  );
  const bad = memoryIo(files);
  assert.equal(
    await main(
      ['trace', '--host', 'simple.baihl.io', '--path', '/', '--source-ip', '1.2.3', ...Object.keys(files)],
      bad.io,
    ),
    2,
  );
  assert.match(bad.out.stderr, /^ingress-lab: --source-ip takes an IPv4 or IPv6 address, not "1\.2\.3"\n$/);
  const good = memoryIo(files);
  await main(
    [
      'trace',
      '--host',
      'simple.baihl.io',
      '--path',
      '/simple/nginx',
      '--source-ip',
      '203.0.113.7',
      ...Object.keys(files),
    ],
    good.io,
  );
  assert.match(
    good.out.stdout,
    /=> 403 RBAC: access denied — DENY policy istio-system\/deny-clients rule 0 matched client address 203\.0\.113\.7 in 203\.0\.113\.0\/24/,
  );
});
