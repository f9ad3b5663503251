// The trace of HTTPS and TLS connections: the client's SNI picks the listener's filter chain (exact server name,
// then the longest wildcard, then a chain without server names; no chain: Envoy closes the connection), then the
// HTTPS route configuration or the passthrough tcp_proxy cluster, and the Pods in the YAML as endpoints. Checked on
// corpus cases, and against Istio's own listeners and route configurations (the oracle's output) given as the
// live config: for every SNI a chain of the oracle names, the offline trace takes the same chain to the same place.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli';
import type { Listener, RouteConfiguration } from '../../src/envoy/types';
import { withGatewayApi } from '../../src/istio/gatewayApi';
import { DEFAULT_INGRESS, findGatewayWorkloads } from '../../src/istio/gatewayWorkloads';
import type { ResourceSet } from '../../src/istio/model';
import { traceRequest, traceToText, type Trace, type TraceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { istioctlTestdata } from './helpers/istioTestdata';
import { memoryIo } from './helpers/memoryIo';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));

function corpusCase(name: string, extra = ''): ResourceSet {
  const dir = `${corpus}${name}/`;
  const sets = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f, { validate: true }).resources);
  if (extra) sets.push(readResources(extra, 'extra.yaml', { validate: true }).resources);
  return mergeResourceSets(...sets);
}

const step = (t: Trace, id: string) => {
  const s = t.steps.find((x) => x.id === id);
  assert.ok(s, `no ${id} step in:\n${traceToText(t)}`);
  return s;
};
const lb = { entry: 'loadBalancer' as const };

test('HTTPS: the SNI picks the server chain, its route configuration https.443.<portName>.<gw>.<ns>, and the pod', () => {
  const t = traceRequest(
    { ...lb, host: 'simple.baihl.io', path: '/hello', tls: true },
    corpusCase('https-simple-credential'),
  );
  assert.equal(t.request.sni, 'simple.baihl.io');
  assert.equal(t.request.port, 443);
  const listener = step(t, 'listener');
  assert.equal(listener.status, 'ok');
  assert.match(listener.details[0]!, /chain #0 .* SNI simple\.baihl\.io is one of its server names; it terminates TLS/);
  assert.equal(step(t, 'routeConfig').value, 'https.443.https-simple.simple.simple');
  assert.equal(step(t, 'virtualHost').value, 'simple.baihl.io:443');
  assert.equal(step(t, 'cluster').value, 'outbound|80||simple.simple.svc.cluster.local');
  // the corpus's Pod (with its IP) is the endpoint, as the EndpointSlice controller would list it
  assert.equal(step(t, 'endpoint').value, '10.244.1.10:80');
  assert.match(step(t, 'endpoint').details[0]!, /pod simple-6b9f7c8d5d-x7k2p/);
  assert.deepEqual(t.outcome, { status: 'forwarded', summary: 'forwarded to 10.244.1.10:80 as GET /hello' });
  assert.match(traceToText(t), /^GET https:\/\/simple\.baihl\.io\/hello \(TLS, SNI simple\.baihl\.io\)/);
});

test('HTTPS port without TLS, or with an SNI no server names: no filter chain, Envoy closes the connection', () => {
  const resources = corpusCase('https-simple-credential');
  const plain = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/', port: 443 }, resources);
  assert.equal(plain.outcome.status, 0);
  assert.match(plain.outcome.summary, /connection closed: no filter chain on 0\.0\.0\.0_8443/);
  const l = step(plain, 'listener');
  assert.equal(l.status, 'fail');
  assert.ok(l.details.some((d) => /chain #0 .* not taken: .*the connection has no SNI \(plaintext\)/.test(d)));
  assert.ok(l.details.some((d) => /serves TLS only/.test(d)));
  assert.equal(
    plain.steps.some((s) => s.id === 'routeConfig'),
    false,
  );

  const other = traceRequest({ ...lb, host: 'other.baihl.io', path: '/', tls: true }, resources);
  assert.match(
    step(other, 'listener').details.join('\n'),
    /SNI other\.baihl\.io is not among its server names simple\.baihl\.io/,
  );
  // a client that sends no SNI at all
  const none = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/', tls: true, sni: '' }, resources);
  assert.equal(step(none, 'listener').status, 'fail');
});

test('the exact server name wins over the wildcard; another subdomain takes the wildcard chain', () => {
  const resources = corpusCase('https-sni-wildcard');
  const exact = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/', tls: true }, resources);
  assert.equal(step(exact, 'routeConfig').value, 'https.443.https-simple.edge.simple');
  assert.ok(
    step(exact, 'listener').details.some((d) =>
      /chain #1 \(SNI \*\.baihl\.io .*\) not taken: SNI simple\.baihl\.io is covered by its wildcard server name \*\.baihl\.io, but a more specific server name on another chain wins/.test(
        d,
      ),
    ),
  );
  assert.equal(step(exact, 'cluster').value, 'outbound|80||simple.simple.svc.cluster.local');

  const wild = traceRequest({ ...lb, host: 'www.baihl.io', path: '/', tls: true }, resources);
  assert.equal(step(wild, 'routeConfig').value, 'https.443.https-wildcard.edge.simple');
  assert.match(step(wild, 'listener').details[0]!, /covered by its wildcard server name \*\.baihl\.io/);
  assert.equal(step(wild, 'cluster').value, 'outbound|80||nginx.simple.svc.cluster.local');
  // the SNI picks the chain, the Host header the virtual host: SNI www, Host simple → the wildcard's config
  const mixed = traceRequest({ ...lb, host: 'simple.baihl.io', sni: 'www.baihl.io', path: '/' }, resources);
  assert.equal(step(mixed, 'routeConfig').value, 'https.443.https-wildcard.edge.simple');
  assert.equal(step(mixed, 'virtualHost').value, 'simple.baihl.io:443');
});

test('TLS PASSTHROUGH: the SNI picks the tls[] chain, whose tcp_proxy cluster gets the TLS bytes unopened', () => {
  const resources = corpusCase('tls-tcp-rules');
  const t = traceRequest({ ...lb, host: 'www.baihl.io', path: '/', tls: true }, resources);
  const l = step(t, 'listener');
  assert.equal(l.value, '0.0.0.0_8443 › SNI www.baihl.io');
  assert.match(l.details[0]!, /chain #1 .* tcp_proxy forwards the TLS bytes unopened/);
  assert.ok(l.details.some((d) => /chain #0 .* not taken: SNI www\.baihl\.io is not among its server names/.test(d)));
  for (const id of ['routeConfig', 'virtualHost', 'route', 'rewrite'])
    assert.equal(
      t.steps.some((s) => s.id === id),
      false,
      id,
    );
  assert.equal(step(t, 'cluster').value, 'outbound|80||nginx.simple.svc.cluster.local');
  assert.equal(step(t, 'endpoint').value, '10.244.1.11:80');
  assert.equal(t.outcome.summary, 'forwarded to 10.244.1.11:80 as TLS connection');
});

const withAutoPort = `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
  - {name: tls, port: 15443, targetPort: 15443}
`;

test('AUTO_PASSTHROUGH: the SNI-DNAT name picks the chain, with an Istio mTLS ALPN only; subset pods as endpoints', () => {
  const resources = corpusCase('tls-auto-passthrough', withAutoPort);
  const sni = 'outbound_.80_.v1_.simple.simple.svc.cluster.local';
  const req: TraceRequest = { ...lb, host: 'simple', path: '/', sni, port: 15443 };
  const noAlpn = traceRequest(req, resources);
  assert.equal(step(noAlpn, 'listener').status, 'fail');
  assert.ok(
    step(noAlpn, 'listener').details.some((d) =>
      /SNI outbound_\.80_\.v1_\.simple\.simple\.svc\.cluster\.local is one of its server names.*|it wants ALPN istio or/.test(
        d,
      ),
    ),
  );
  const t = traceRequest({ ...req, alpn: ['istio'] }, resources);
  assert.equal(step(t, 'listener').status, 'ok');
  assert.equal(step(t, 'cluster').value, sni);
  assert.match(step(t, 'cluster').details[0]!, /Service simple\.simple port 80 subset v1\. \(SNI-DNAT/);
  assert.equal(step(t, 'endpoint').value, '10.244.1.10:80');
  // a Service outside the server's hosts has no chain
  const elsewhere = traceRequest(
    { ...req, sni: 'outbound_.8080_._.elsewhere.other.svc.cluster.local', alpn: ['istio'] },
    resources,
  );
  assert.equal(step(elsewhere, 'listener').status, 'fail');
});

test('plain HTTP still goes through the listener without SNI chains to http.<port>', () => {
  const t = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/simple/nginx' }, corpusCase('seed-simple'));
  assert.match(step(t, 'listener').details[0]!, /chain #0 .* it names no server/);
  assert.equal(step(t, 'routeConfig').value, 'http.8080');
});

// Istio's own listeners and route configurations as the live config: the offline trace must take every chain
// the same way (same steps, same outcome) for every SNI the oracle's chains name.
const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`))
  .sort();
for (const name of cases) {
  const oracle = JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as {
    listeners: Listener[];
    routes: RouteConfiguration[];
  };
  const tlsChains = oracle.listeners.flatMap((l) =>
    (l.filterChains ?? []).flatMap((c) =>
      (c.filterChainMatch?.serverNames ?? []).map((n) => ({
        listener: l,
        sni: n.replace(/^\*\./, 'lab.'),
        alpn: c.filterChainMatch?.applicationProtocols,
        requiresClientCertificate:
          (c.transportSocket as { typedConfig?: { requireClientCertificate?: boolean } } | undefined)?.typedConfig
            ?.requireClientCertificate === true,
      })),
    ),
  );
  if (!tlsChains.length) continue;
  test(`corpus ${name}: the offline trace takes the filter chain Istio's own listeners take, for each SNI`, () => {
    const resources = corpusCase(name, name === 'tls-auto-passthrough' ? withAutoPort : '');
    // a Gateway API Gateway's deployed gateway Service (`<gw>-istio`) included
    const all = withGatewayApi(resources);
    const ports =
      findGatewayWorkloads(all.gateways, all.services, all.deployments).find((w) => w.service)?.ports ??
      DEFAULT_INGRESS.ports;
    let compared = 0;
    for (const c of tlsChains) {
      const listenerPort = c.listener.address?.socketAddress?.portValue;
      const sp = ports.find((p) => (p.targetPort ?? p.port) === listenerPort);
      if (!sp) continue;
      const strip = (t: Trace) => ({
        steps: t.steps.map(({ source: _s, ...rest }) => rest),
        outcome: t.outcome,
      });
      // with a client certificate every chain takes the connection; without one, exactly the chains whose
      // DownstreamTlsContext (Istio's) requires a certificate (MUTUAL, ISTIO_MUTUAL) fail the handshake
      for (const clientCertificate of [true, false]) {
        const req: TraceRequest = {
          ...lb,
          host: c.sni,
          path: '/',
          sni: c.sni,
          port: sp.port,
          alpn: c.alpn,
          clientCertificate,
        };
        const offline = traceRequest(req, resources);
        const onIstios = traceRequest(req, resources, { routeConfigs: oracle.routes, listeners: oracle.listeners });
        assert.deepEqual(strip(offline), strip(onIstios), `SNI ${c.sni}`);
        const refuses = !clientCertificate && c.requiresClientCertificate;
        assert.equal(step(offline, 'listener').status, refuses ? 'fail' : 'ok', traceToText(offline));
        if (refuses) assert.equal(offline.outcome.status, 0);
      }
      compared++;
    }
    assert.ok(compared > 0, 'no chain reachable through the gateway Service');
  });
}

test('CLI: trace --sni / --tls / --alpn, and --path optional for a TLS trace', async () => {
  const dir = `${corpus}tls-tcp-rules/`;
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(`${dir}${f}`, 'utf8')]),
  );
  const { io, out } = memoryIo(files);
  const code = await main(
    ['trace', '--host', 'x', '--sni', 'nginx.baihl.io', '--entry', 'loadBalancer', ...Object.keys(files).sort()],
    io,
  );
  assert.equal(code, 0, out.stderr);
  assert.match(out.stdout, /^GET https:\/\/x\/ \(TLS, SNI nginx\.baihl\.io\) via <LoadBalancer IP>:443 \(offline\)/);
  assert.match(out.stdout, /Envoy listener: 0\.0\.0\.0_8443 › SNI nginx\.baihl\.io/);
  assert.match(out.stdout, /=> forwarded to 10\.244\.1\.11:80 as TLS connection/);
  const plain = memoryIo(files);
  assert.equal(await main(['trace', '--host', 'x', ...Object.keys(files)], plain.io), 2);
  assert.match(plain.out.stderr, /trace needs --host and --path/);
});

test('CLI: a dump whose listener section is empty (a trimmed dump) still traces by its route configurations', async () => {
  const dump = readFileSync(istioctlTestdata('describe/testdata/describe/http_config.json'), 'utf8');
  const { io, out } = memoryIo({ 'dump.json': dump, 'none.yaml': '' });
  const code = await main(
    ['trace', '--host', 'anything.example.com', '--path', '/productpage', '--config-dump', 'dump.json', 'none.yaml'],
    io,
  );
  assert.equal(code, 0, out.stderr);
  assert.match(out.stdout, /Route: path \/productpage/);
});

test('Gateway API: the trace enters through the deployed <gw>-istio Service (predicted), and a TLS listener that terminates decrypts before its tcp_proxy', () => {
  const resources = corpusCase('gwapi-tls-terminate');
  const t = traceRequest({ entry: 'clusterIP', host: 'x.baihl.io', path: '/', tls: true, port: 9443 }, resources);
  const svc = step(t, 'service');
  assert.equal(svc.value, 'simple/gw-istio tls-term 9443 → 9443');
  assert.equal(svc.source, 'predicted');
  assert.match(svc.details.join('\n'), /the Service Istio deploys for the Gateway/);
  assert.doesNotMatch(traceToText(t), /undefined/);
  const listener = step(t, 'listener');
  assert.match(listener.details[0]!, /forwards the bytes it decrypted \(the chain terminates TLS/);
  assert.equal(step(t, 'cluster').value, 'outbound|80||nginx.simple.svc.cluster.local');
  // an HTTPS listener without hostname takes the SNIs the named one does not
  const other = traceRequest({ ...lb, host: 'other.baihl.io', path: '/', tls: true }, resources);
  assert.equal(
    step(other, 'routeConfig').value,
    'https.443.default.gw~istio-autogenerated-k8s-gateway~https-any.simple',
  );
  assert.equal(step(other, 'virtualHost').value, 'other.baihl.io:443');
});

test('a trace of a given Gateway enters through the Service of the workload it selects, not the first gateway Service', () => {
  const ingress = `apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
spec:
  type: LoadBalancer
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: other
  namespace: istio-system
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`;
  const resources = corpusCase('gwapi-https', ingress);
  const req = { ...lb, host: 'simple.baihl.io', path: '/simple', tls: true };
  assert.equal(
    step(traceRequest(req, resources), 'service').value,
    'istio-system/istio-ingressgateway https 443 → 8443',
  );
  const t = traceRequest({ ...req, gateway: 'simple/gw~istio-autogenerated-k8s-gateway~https' }, resources);
  assert.equal(step(t, 'service').value, 'simple/gw-istio https 443 → 443');
  assert.equal(step(t, 'routeConfig').value, 'https.443.default.gw~istio-autogenerated-k8s-gateway~https.simple');
  assert.equal(t.outcome.status, 'forwarded');
});

test('without a named Gateway, the inputs own Istio Gateways decide: the default ingress even beside a Gateway API Gateway', () => {
  const istioGateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ingress
  namespace: simple
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`;
  const t = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/simple' }, corpusCase('gwapi-https', istioGateway));
  assert.equal(step(t, 'service').value, 'istio-system/istio-ingressgateway http2 80 → 8080');
  // only Gateway API objects: their deployed gateway
  const api = traceRequest({ ...lb, host: 'simple.baihl.io', path: '/simple' }, corpusCase('gwapi-https'));
  assert.equal(step(api, 'service').value, 'simple/gw-istio http 80 → 80');
});
