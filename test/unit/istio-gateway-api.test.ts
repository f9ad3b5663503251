// The Gateway API offline: the status reasons Istio would write (Accepted, ResolvedRefs) as editor items on
// the value at fault, and predicted routes that point at the HTTPRoute rule (or match) they come from.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeDocuments } from '../../src/istio/analyze';
import { mayHoldL4Routes, predictL4Routes } from '../../src/istio/l4Routes';
import { predict } from '../../src/istio/predict';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { k8sGatewayOf } from '../../src/istio/gatewayApi';
import { itemsByFile } from '../../src/lab/diagnosticItems';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const ROUTES = '10-gateway-api.yaml';

function texts(name: string): Map<string, string> {
  const dir = `${corpus}${name}/`;
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, readFileSync(`${dir}${f}`, 'utf8')]),
  );
}

const underlined = (
  text: string,
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
): string => {
  const lines = text.split('\n');
  return r.start.line === r.end.line
    ? lines[r.start.line]!.slice(r.start.character, r.end.character)
    : `${lines[r.start.line]!.slice(r.start.character).trim()}…`;
};

function itemsOf(name: string, edit: (s: string) => string = (s) => s, complete = true) {
  const t = texts(name);
  t.set(ROUTES, edit(t.get(ROUTES)!));
  const items = itemsByFile(analyzeDocuments(t, { assumeComplete: complete }), t).get(ROUTES)!;
  return items.map((d) => [d.code?.value, d.severity, underlined(t.get(ROUTES)!, d.range)]).sort();
}

test('a sectionName no listener has, hostnames no listener takes: Accepted=False on each; a parentRef to no Gateway: a warning of the lab (istiod writes no status for it)', () => {
  assert.deepEqual(itemsOf('gwapi-not-accepted'), [
    ['NoMatchingListenerHostname', 'error', '["other.example.com"]'],
    ['NoMatchingParent', 'error', 'https'],
    ['NoMatchingParent', 'warning', 'nope'],
  ]);
});

test('a route from a namespace the listener does not admit: NotAllowedByListeners on its parentRef, and its missing backend still BackendNotFound', () => {
  assert.deepEqual(itemsOf('gwapi-allowed-namespaces'), [
    ['BackendNotFound', 'error', 'simple'],
    ['NotAllowedByListeners', 'error', 'name: gw…'],
  ]);
});

test('a backend that does not exist: ResolvedRefs=False BackendNotFound on its name', () => {
  assert.deepEqual(itemsOf('gwapi-missing-backend'), [['BackendNotFound', 'error', 'gone']]);
});

test('a cross-namespace backend without a ReferenceGrant: RefNotPermitted on its namespace; the granted one is clean', () => {
  assert.deepEqual(itemsOf('gwapi-reference-grant'), [['RefNotPermitted', 'error', 'simple']]);
  const withoutGrant = itemsOf('gwapi-reference-grant', (s) =>
    s.replace(/---\napiVersion: gateway.networking.k8s.io\/v1beta1\nkind: ReferenceGrant[\s\S]*$/, ''),
  );
  assert.equal(withoutGrant.length, 2);
});

test('a backend port the Service lacks: a warning of the lab (Istio writes no condition) on the port', () => {
  assert.deepEqual(itemsOf('gwapi-gatewayclass'), [['BackendPortNotOnService', 'warning', '9090']]);
});

test('offline without the whole world, a backend in a namespace the inputs show no Service of is not judged', () => {
  const only = itemsOf(
    'gwapi-missing-backend',
    (s) => s.replaceAll('name: gone', 'name: gone\n      namespace: elsewhere'),
    false,
  );
  assert.deepEqual(
    only.filter(([c]) => c === 'BackendNotFound'),
    [],
  );
});

test('a clean seed has no diagnostics', () => {
  assert.deepEqual(itemsOf('gwapi-seed'), []);
});

test('each predicted route points at the HTTPRoute rule match it comes from (file, line, rule, match)', () => {
  const t = texts('gwapi-merge-routes');
  const p = predict(mergeResourceSets(...[...t].map(([f, x]) => readResources(x, f).resources)));
  const text = t.get(ROUTES)!.split('\n');
  const got = p.routes.map((r) => [
    r.kind,
    r.virtualService.name,
    r.http,
    r.match,
    r.route.name,
    text[r.range.start.line]!.trim(),
  ]);
  assert.deepEqual(got, [
    ['HTTPRoute', 'aaa', 0, 0, 'simple.aaa.0', '- path: {type: PathPrefix, value: /short}'],
    ['HTTPRoute', 'aaa', 1, null, 'simple.aaa.1', '- backendRefs:'],
    ['HTTPRoute', 'bbb', 0, 0, 'simple.bbb.0', '- path: {type: PathPrefix, value: /much/longer}'],
    ['HTTPRoute', 'bbb', 1, 0, 'simple.bbb.1', '- path: {type: Exact, value: /short}'],
  ]);
});

test('HTTPS listeners: a certificateRef without a ReferenceGrant, missing, or not a Secret: ResolvedRefs=False on it', () => {
  assert.deepEqual(itemsOf('gwapi-https-invalid-cert'), [
    ['InvalidCertificateRef', 'error', 'ConfigMap'],
    ['InvalidCertificateRef', 'error', 'no-such-cert'],
    // Istio keeps the listener (certificateRefs[1] is valid) but serves its workload certificate: the lab says so
    ['InvalidCertificateRef', 'warning', 'no-such-cert'],
    ['RefNotPermitted', 'error', 'certs'],
  ]);
  const t = texts('gwapi-https-invalid-cert');
  const all = analyzeDocuments(t, { assumeComplete: true }).diagnostics;
  assert.ok(
    all.some((d) =>
      /certificateRef other-cert\/certs not accessible to a Gateway in namespace "simple"/.test(d.message),
    ),
  );
  assert.ok(all.some((d) => /serves the gateway's own Istio workload certificate/.test(d.message)));
  // granted by a ReferenceGrant (Gateway → Secret), the same reference is clean
  const granted = itemsOf(
    'gwapi-https-invalid-cert',
    (s) =>
      s +
      '---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: g\n  namespace: certs\nspec:\n  from:\n  - group: gateway.networking.k8s.io\n    kind: Gateway\n    namespace: simple\n  to:\n  - group: ""\n    kind: Secret\n',
  );
  assert.equal(granted.filter(([c]) => c === 'RefNotPermitted').length, 0);
});

test('HTTPS listeners offline: a Secret in a namespace whose Secrets the inputs do not show is assumed to exist', () => {
  const t = texts('gwapi-https-invalid-cert');
  t.delete('05-secrets.yaml');
  const p = predict(mergeResourceSets(...[...t].map(([f, x]) => readResources(x, f).resources)));
  const names = p.routeConfigs.map((r) => r.name).sort();
  // good, missing and one-of-two and two-certs are kept; not-granted and not-a-secret are refused whatever the Secrets
  assert.deepEqual(
    names.map((n) => n.replace(/^https\.443\.default\.gw~istio-autogenerated-k8s-gateway~(.*)\.simple$/, '$1')),
    ['good', 'missing', 'one-of-two', 'two-certs'],
  );
  const items = itemsByFile(analyzeDocuments(t, { assumeComplete: false }), t).get(ROUTES)!;
  assert.deepEqual(items.map((d) => d.code?.value).sort(), ['InvalidCertificateRef', 'RefNotPermitted']);
});

test('HTTPS, TLS passthrough and TCP listeners with their routes: no diagnostics', () => {
  assert.deepEqual(itemsOf('gwapi-https'), []);
  assert.deepEqual(itemsOf('gwapi-tls-passthrough'), []);
  assert.deepEqual(itemsOf('gwapi-tcp'), []);
});

test('TLSRoute and TCPRoute rules: each filter chain points at the route rule it comes from', () => {
  for (const [name, want] of [
    [
      'gwapi-tls-passthrough',
      [
        [
          'tls',
          'simple~tls~0~istio-autogenerated-k8s-gateway',
          'simple.baihl.io',
          'outbound|80||simple.simple.svc.cluster.local',
        ],
        ['tls', 'split~tls~0~istio-autogenerated-k8s-gateway', 'split.baihl.io', 'weighted'],
      ],
    ],
    [
      'gwapi-tcp',
      [
        ['tcp', 'simple~tcp~0~istio-autogenerated-k8s-gateway', '', 'outbound|80||simple.simple.svc.cluster.local'],
        ['tcp', 'zero~tcp~0~istio-autogenerated-k8s-gateway', '', 'outbound|65535|zero-weight|internal.cluster.local'],
      ],
    ],
  ] as const) {
    const t = texts(name);
    const routes = predictL4Routes(mergeResourceSets(...[...t].map(([f, x]) => readResources(x, f).resources)));
    const text = t.get(ROUTES)!.split('\n');
    assert.deepEqual(
      routes.map((r) => [r.section, r.virtualService.name, (r.serverNames ?? []).join(','), r.cluster ?? 'weighted']),
      want,
    );
    for (const r of routes) {
      assert.equal(r.file, ROUTES);
      assert.equal(r.source?.kind, name === 'gwapi-tcp' ? 'TCPRoute' : 'TLSRoute');
      assert.equal(r.source?.rule, 0);
      assert.ok(mayHoldL4Routes(t.get(ROUTES)!));
      assert.equal(text[r.range.start.line]!.trim(), '- backendRefs:', `${name} ${r.virtualService.name}`);
    }
  }
});

test('the Gateway API Gateway behind an internal Gateway name, for the lens that sends through it', () => {
  assert.deepEqual(k8sGatewayOf('simple/simple-gateway~istio-autogenerated-k8s-gateway~http'), {
    namespace: 'simple',
    name: 'simple-gateway',
  });
  assert.equal(k8sGatewayOf('simple/simple'), undefined, 'an Istio Gateway');
  assert.equal(k8sGatewayOf('mesh'), undefined);
});

test("listeners Istio refuses for a conflict or route kinds their protocol cannot take: the reason istiod writes (the oracle's) on the listener", () => {
  for (const name of ['gwapi-listener-conflict', 'gwapi-listener-invalid']) {
    const oracle = JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as {
      gatewayApiStatus: {
        kind: string;
        status: { listeners: { name: string; conditions: { type: string; status: string; reason: string }[] }[] };
      }[];
    };
    const listeners = oracle.gatewayApiStatus.find((s) => s.kind === 'Gateway')!.status.listeners;
    // istiod's reason per troubled listener: Conflicted=True's, or ResolvedRefs=False's
    const want = listeners
      .flatMap((l) => {
        const c =
          l.conditions.find((x) => x.type === 'Conflicted' && x.status === 'True') ??
          l.conditions.find((x) => x.type === 'ResolvedRefs' && x.status === 'False');
        // on the listener for a conflict, on its allowedRoutes.kinds list for the kinds
        return c ? [[c.reason, 'error', c.type === 'Conflicted' ? `name: ${l.name}…` : '- kind:']] : [];
      })
      .sort();
    assert.ok(want.length >= 2, name);
    const got = itemsOf(name).map(([code, severity, text]) => [
      code,
      severity,
      String(text).startsWith('- kind:') ? '- kind:' : text,
    ]);
    assert.deepEqual(got, want, name);
  }
});
