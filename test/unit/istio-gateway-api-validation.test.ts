// What the API server refuses in Gateway API objects, checked against the CRDs of the gateway-api module Istio pins
// (experimental channel, the superset): a listener hostname that is not a lowercase DNS name or wildcard, an
// unknown field, a value off its enum, a version the CRDs do not serve. The object is reported on the value at
// fault and left out, as for Istio's kinds; every corpus case passes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readResources } from '../../src/istio/yamlModel';

const gateway = (listener: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: simple
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
${listener}`;

function read(text: string) {
  const { resources, problems } = readResources(text, 'gw.yaml', { validate: true });
  return { resources, problems: problems.map((p) => [p.range.start.line, p.message]) };
}

test('a listener hostname that is not a lowercase DNS name (or *. wildcard) is refused on that line', () => {
  for (const bad of ['Simple.baihl.io', '*', 'simple_baihl.io', 'simple.baihl.io.', '10.0.0.1:80']) {
    const { resources, problems } = read(gateway(`    hostname: "${bad}"`));
    assert.equal(resources.k8sGateways.length, 0, bad);
    assert.equal(problems.length, 1, bad);
    assert.equal(problems[0]![0], 11, bad); // the hostname line (0-based)
    assert.match(
      String(problems[0]![1]),
      /^Gateway gw: spec\.listeners\[0\]\.hostname: the string ".*" does not match the pattern \^\(\\\*\\\.\)\?\[a-z0-9\].* \(kubectl apply refuses this Gateway; fix it to see its routes\)$/,
      bad,
    );
  }
  for (const good of ['simple.baihl.io', '*.baihl.io', 'localhost']) {
    const { resources, problems } = read(gateway(`    hostname: "${good}"`));
    assert.deepEqual(problems, [], good);
    assert.equal(resources.k8sGateways.length, 1);
  }
});

test('a port off range, a misspelt field, a path type off its enum: refused with the field named', () => {
  assert.match(
    String(read(gateway('  - name: big\n    port: 70000\n    protocol: HTTP')).problems[0]?.[1]),
    /spec\.listeners\[1\]\.port: must be at most 65535, not 70000/,
  );
  assert.match(
    String(read(gateway('    hostnme: simple.baihl.io')).problems[0]?.[1]),
    /spec\.listeners\[0\]\.hostnme: unknown field "hostnme"; did you mean "hostname"\?/,
  );
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r
spec:
  parentRefs:
  - name: gw
  rules:
  - matches:
    - path: {type: Prefix, value: /}
`;
  const { resources, problems } = read(route);
  assert.equal(resources.httpRoutes.length, 0);
  assert.match(
    String(problems[0]?.[1]),
    /spec\.rules\[0\]\.matches\[0\]\.path\.type: must be one of Exact, PathPrefix, RegularExpression, not the string "Prefix"/,
  );
});

test('a version the Gateway API CRDs do not serve is refused; the versions they serve are read', () => {
  const grpc = (v: string) =>
    `apiVersion: gateway.networking.k8s.io/${v}\nkind: GRPCRoute\nmetadata:\n  name: g\nspec:\n  parentRefs:\n  - name: gw\n`;
  assert.match(
    String(read(grpc('v1alpha2')).problems[0]?.[1]),
    /gateway\.networking\.k8s\.io\/v1alpha2 GRPCRoute is not served by the Gateway API CRDs \(sigs\.k8s\.io\/gateway-api@v1\.6\.0 serves v1\)/,
  );
  assert.equal(read(grpc('v1')).resources.grpcRoutes.length, 1);
  const tcp = `apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata:\n  name: t\nspec:\n  parentRefs:\n  - name: gw\n  rules:\n  - backendRefs:\n    - name: simple\n      port: 80\n`;
  assert.deepEqual(read(tcp).problems, []);
  assert.equal(read(tcp).resources.tcpRoutes.length, 1);
});

test('every Gateway API object of the corpus is valid', () => {
  const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
  let seen = 0;
  for (const d of readdirSync(corpus).filter((x) => x.startsWith('gwapi-') && existsSync(`${corpus}${x}/oracle.json`)))
    for (const f of readdirSync(`${corpus}${d}`).filter((x) => x.endsWith('.yaml'))) {
      const { resources, problems } = readResources(readFileSync(`${corpus}${d}/${f}`, 'utf8'), f, { validate: true });
      assert.deepEqual(problems, [], `${d}/${f}`);
      seen += resources.k8sGateways.length + resources.httpRoutes.length + resources.tlsRoutes.length;
    }
  assert.ok(seen > 40, `${seen}`);
});

test("the listener rules of the Gateway CRD (its CEL validations) are refused with the CRD's message", () => {
  // each second listener breaks one rule; the messages are the CRD's own (the real API server answered the
  // repeated port/protocol/hostname with the same text in test/cluster/gateway-api.test.ts's first draft)
  const cases: [string, string][] = [
    [
      '  - {name: http-again, port: 80, protocol: HTTP}',
      'Combination of port, protocol and hostname must be unique for each listener',
    ],
    ['  - {name: http, port: 81, protocol: HTTP}', 'Listener name must be unique within the Gateway'],
    [
      '  - {name: plain, port: 81, protocol: HTTP, tls: {mode: Terminate, options: {a: b}}}',
      "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
    ],
    [
      '  - {name: https, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}',
      'tls mode must be Terminate for protocol HTTPS',
    ],
    ['  - {name: tls, port: 443, protocol: TLS}', 'tls mode must be set for protocol TLS'],
    [
      '  - {name: tcp, port: 9000, protocol: TCP, hostname: tcp.example.com}',
      "hostname must not be specified for protocols ['TCP', 'UDP']",
    ],
    [
      '  - {name: https, port: 443, protocol: HTTPS, tls: {}}',
      'certificateRefs or options must be specified when mode is Terminate',
    ],
  ];
  for (const [listener, message] of cases) {
    const { resources, problems } = read(gateway(listener));
    assert.equal(resources.k8sGateways.length, 0, listener);
    assert.ok(
      problems.some(([, m]) => String(m).includes(`: ${message}`)),
      `${listener}: ${JSON.stringify(problems)}`,
    );
  }
  // and the same listeners written correctly are read
  for (const ok of [
    '  - {name: http-other, port: 80, protocol: HTTP, hostname: other.example.com}',
    '  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}',
    '  - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}}',
    '  - {name: tcp, port: 9000, protocol: TCP}',
  ]) {
    const { resources, problems } = read(gateway(ok));
    assert.deepEqual(problems, [], ok);
    assert.equal(resources.k8sGateways.length, 1, ok);
  }
});
