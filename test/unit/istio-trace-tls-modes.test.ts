// What the trace says for the TLS modes of a Gateway server (corpus https-mutual-modes and gwapi-tls-options), taken
// both offline and over Istio's own listeners and route configurations (the oracle's output) as the live config:
// plain HTTP on an httpsRedirect server is answered 301 to https (the virtual host's require_tls ALL), HTTPS without a
// client certificate fails the handshake on a MUTUAL server (no HTTP response) and is accepted on OPTIONAL_MUTUAL.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli';
import type { Listener, RouteConfiguration } from '../../src/envoy/types';
import { matchRequest } from '../../src/envoy/requestMatch';
import { predict } from '../../src/istio/predict';
import { traceRequest, traceToText, type Trace, type TraceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { memoryIo } from './helpers/memoryIo';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const files = (name: string) =>
  Object.fromEntries(
    readdirSync(`${corpus}${name}/`)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [`${name}/${f}`, readFileSync(`${corpus}${name}/${f}`, 'utf8')]),
  );
function load(name: string) {
  const resources = mergeResourceSets(
    ...Object.entries(files(name)).map(([f, text]) => readResources(text, f, { validate: true }).resources),
  );
  const oracle = JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as {
    listeners: Listener[];
    routes: RouteConfiguration[];
  };
  return { resources, oracle };
}
const lb = { entry: 'loadBalancer' as const };

/** The trace offline and over Istio's config; both must say the same, and that is what the test checks on. */
function both(name: string, req: TraceRequest): Trace {
  const { resources, oracle } = load(name);
  const offline = traceRequest({ ...lb, ...req }, resources);
  const istio = traceRequest({ ...lb, ...req }, resources, {
    routeConfigs: oracle.routes,
    listeners: oracle.listeners,
  });
  const strip = (t: Trace) => ({ steps: t.steps.map(({ source: _s, ...rest }) => rest), outcome: t.outcome });
  assert.deepEqual(strip(offline), strip(istio));
  return offline;
}

test("Istio's route configuration for an httpsRedirect server requires TLS on its virtual host", () => {
  const { oracle } = load('https-mutual-modes');
  const vh = oracle.routes.find((r) => r.name === 'http.8080')?.virtualHosts?.[0];
  assert.equal(vh?.requireTls, 'ALL');
  // Envoy: a plain request gets the redirect before any route; over TLS the routes decide
  const plain = matchRequest(oracle.routes.find((r) => r.name === 'http.8080')!, {
    authority: 'www.baihl.io',
    path: '/a?b=1',
  });
  assert.deepEqual(
    [plain.outcome, plain.status, plain.tlsRedirect, plain.route],
    ['redirect', 301, 'https://www.baihl.io/a?b=1', undefined],
  );
  const secure = matchRequest(oracle.routes.find((r) => r.name === 'http.8080')!, {
    authority: 'www.baihl.io',
    path: '/a',
    scheme: 'https',
  });
  assert.equal(secure.outcome, 'route');
});

test('plain HTTP on an httpsRedirect server: 301 to https, no route tried', () => {
  const t = both('https-mutual-modes', { host: 'www.baihl.io', path: '/x' });
  assert.equal(t.outcome.status, 301);
  assert.match(t.outcome.summary, /301 Moved Permanently to https:\/\/www\.baihl\.io\/x/);
  assert.equal(
    t.steps.some((s) => s.id === 'route'),
    false,
  );
  assert.match(traceToText(t), /requires TLS \(require_tls ALL, the Gateway server's tls\.httpsRedirect\)/);
});

test('HTTPS without a client certificate: MUTUAL fails the handshake (no HTTP response), OPTIONAL_MUTUAL accepts', () => {
  const mutual = both('https-mutual-modes', { host: 'mutual.baihl.io', path: '/', tls: true });
  assert.equal(mutual.outcome.status, 0);
  assert.match(mutual.outcome.summary, /^TLS handshake fails/);
  const listener = mutual.steps.find((s) => s.id === 'listener')!;
  assert.equal(listener.status, 'fail');
  assert.match(listener.details.join('\n'), /curl exits 56 .* 35 over TLS 1\.2/);
  assert.match(listener.details.join('\n'), /kubernetes:\/\/mutual-credential-cacert/);
  assert.equal(
    mutual.steps.some((s) => s.id === 'routeConfig'),
    false,
  );

  const withCert = both('https-mutual-modes', {
    host: 'mutual.baihl.io',
    path: '/',
    tls: true,
    clientCertificate: true,
  });
  assert.equal(withCert.outcome.status, 'forwarded');

  const optional = both('https-mutual-modes', { host: 'optional.baihl.io', path: '/', tls: true });
  assert.equal(optional.outcome.status, 'forwarded');
  assert.match(optional.steps.find((s) => s.id === 'listener')!.details[0]!, /Client certificate optional/);

  // a Gateway API listener made MUTUAL by the Gateway's frontend validation, and one in AllowInsecureFallback
  assert.match(
    both('gwapi-tls-options', { host: 'mutual.baihl.io', path: '/', tls: true }).outcome.summary,
    /^TLS handshake fails/,
  );
  assert.equal(
    both('gwapi-tls-options', { host: 'fallback.baihl.io', path: '/', tls: true, port: 8443 }).outcome.status,
    'forwarded',
  );
});

test('CLI: trace --client-cert', async () => {
  const f = files('https-mutual-modes');
  const without = memoryIo(f);
  assert.equal(
    await main(['trace', '--host', 'mutual.baihl.io', '--tls', '--path', '/', ...Object.keys(f)], without.io),
    0,
  );
  assert.match(without.out.stdout, /=> TLS handshake fails/);
  const withCert = memoryIo(f);
  assert.equal(
    await main(
      ['trace', '--host', 'mutual.baihl.io', '--tls', '--client-cert', '--path', '/', ...Object.keys(f)],
      withCert.io,
    ),
    0,
  );
  assert.match(withCert.out.stdout, /=> forwarded to 10\.244\.1\.10:80/);
});

test('a frontend CA Secret that does not exist: InvalidCACertificateRef on the listeners it validates, which Istio does not program', () => {
  const { resources, oracle } = load('gwapi-tls-frontend-missing-ca');
  const conditions = (predict(resources).gatewayApiConditions ?? []).map((c) => [c.type, c.reason, c.message]);
  const refused = ['https-mutual', 'https-optional', 'https-fallback'];
  // the message is buildCaCertificateReference's (conversion.go), after the listener's name
  assert.deepEqual(
    conditions,
    refused.map((l) => [
      'ResolvedRefs',
      'InvalidCACertificateRef',
      `listener ${l}: invalid CA certificate reference /Secret/missing-ca., secret simple/missing-ca not found; Istio programs no server for this listener`,
    ]),
  );
  // Istio's own listeners: no chain for those hosts, the others kept
  const served = oracle.listeners.flatMap((l) =>
    (l.filterChains ?? []).flatMap((c) => c.filterChainMatch?.serverNames ?? []),
  );
  assert.deepEqual(served.sort(), ['builtin.baihl.io', 'mesh.baihl.io', 'options.baihl.io']);
  assert.match(
    both('gwapi-tls-frontend-missing-ca', { host: 'mutual.baihl.io', path: '/', tls: true, clientCertificate: true })
      .outcome.summary,
    /no filter chain/,
  );
});

test("the cluster hop says how the gateway speaks to the upstream: the SNI and client certificate of Istio's cluster", () => {
  const { oracle } = load('destinationrule-tls');
  const clusters = (
    oracle as unknown as { clusters: { name: string; transportSocket?: { typedConfig?: Record<string, unknown> } }[] }
  ).clusters;
  const tlsOf = (name: string) => {
    const tc = clusters.find((c) => c.name === name)?.transportSocket?.typedConfig as
      | { sni?: string; commonTlsContext?: { tlsCertificateSdsSecretConfigs?: { name: string }[] } }
      | undefined;
    return { sni: tc?.sni, cert: tc?.commonTlsContext?.tlsCertificateSdsSecretConfigs?.[0]?.name };
  };
  const hop = (path: string) => {
    const t = both('destinationrule-tls', { host: 'simple.baihl.io', path });
    const cluster = t.steps.find((s) => s.id === 'cluster')!;
    return { value: cluster.value, text: cluster.details.join(' ') };
  };
  const simple = hop('/tls');
  const simpleTls = tlsOf(simple.value);
  assert.ok(simpleTls.sni);
  assert.ok(simple.text.includes(`DestinationRule tls SIMPLE, SNI ${simpleTls.sni})`), simple.text);
  const mutual = hop('/mtls');
  const mutualTls = tlsOf(mutual.value);
  assert.ok(mutualTls.cert);
  assert.ok(
    mutual.text.includes(`tls MUTUAL, SNI ${mutualTls.sni}, client certificate ${mutualTls.cert}`),
    mutual.text,
  );
  // the simple Service's rule: SIMPLE with insecureSkipVerify, an empty validation context in Istio's cluster
  const insecure = hop('/');
  assert.deepEqual(
    (
      clusters.find((c) => c.name === insecure.value)?.transportSocket?.typedConfig as {
        commonTlsContext?: Record<string, unknown>;
      }
    ).commonTlsContext?.validationContext,
    {},
  );
  assert.match(insecure.text, /tls SIMPLE, no SNI, server certificate not verified\)/);
});

test("a frontend CA Secret without a bundle: InvalidCACertificateRef in ExtractRoot's words, the same listeners refused", () => {
  const { resources, oracle } = load('gwapi-tls-frontend-bad-ca');
  const conditions = (predict(resources).gatewayApiConditions ?? []).map((c) => [c.type, c.reason, c.message]);
  assert.deepEqual(
    conditions,
    ['https-mutual', 'https-optional', 'https-fallback'].map((l) => [
      'ResolvedRefs',
      'InvalidCACertificateRef',
      `listener ${l}: invalid CA certificate reference /Secret/no-bundle., found secret, but didn't have expected keys cacert or ca.crt; found: tls.crt; Istio programs no server for this listener`,
    ]),
  );
  const served = oracle.listeners.flatMap((l) =>
    (l.filterChains ?? []).flatMap((c) => c.filterChainMatch?.serverNames ?? []),
  );
  assert.deepEqual(served.sort(), ['builtin.baihl.io', 'mesh.baihl.io', 'options.baihl.io']);
  // the bundle that parses (gwapi-tls-options' client-ca) is accepted
  const good = load('gwapi-tls-options');
  assert.deepEqual(predict(good.resources).gatewayApiConditions ?? [], []);
});
