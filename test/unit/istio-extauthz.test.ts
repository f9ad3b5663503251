// CUSTOM AuthorizationPolicies around what the oracle cases (istio-authz-oracle.test.ts) hold: where the mesh config
// comes from (ConfigMap istio in istio-system, its `mesh` key, as istiod reads it), what the trace says when an
// external authorizer decides, and the provider checks istiod runs before it builds an ext_authz filter
// (extauthz.go; a provider that fails one gives deny rules, as the authz-custom-broken-provider case shows for a
// service Istio does not find).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXT_AUTHZ_HTTP_FILTER, RBAC_FILTER } from '../../src/envoy/httpAuthz';
import { BAD_CUSTOM_SUFFIX, predictGatewayAuthz } from '../../src/istio/authz';
import { DEFAULT_INGRESS } from '../../src/istio/gatewayWorkloads';
import { traceRequest } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const caseFiles = (name: string) =>
  readdirSync(`${corpus}${name}`)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ f, text: readFileSync(`${corpus}${name}/${f}`, 'utf8') }));
const load = (name: string, skip?: string) =>
  mergeResourceSets(
    ...caseFiles(name)
      .filter(({ f }) => f !== skip)
      .map(({ f, text }) => readResources(text, f).resources),
  );

const configMap = (name: string, namespace: string, mesh: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  mesh: |-\n${mesh
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

const CUSTOM_POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ext
  namespace: istio-system
spec:
  action: CUSTOM
  provider:
    name: ext-authz
  rules:
  - to:
    - operation:
        paths: ["/x*"]
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: ext-authz
  namespace: auth
spec:
  ports:
  - port: 8000
`;

/** The gateway's filters for the policy above with this provider in the mesh config of ConfigMap istio-system/istio. */
function withProvider(provider: string) {
  const mesh = `extensionProviders:\n- name: ext-authz\n${provider}`;
  const { resources, problems } = readResources(
    [configMap('istio', 'istio-system', mesh), SERVICE, CUSTOM_POLICY].join('---\n'),
    'p.yaml',
  );
  assert.deepEqual(problems, []);
  return predictGatewayAuthz(resources, DEFAULT_INGRESS);
}

test('only ConfigMap istio gives a mesh config, only from its mesh key; a mesh key that is not YAML is a warning on that line', () => {
  const other = configMap('other', 'istio-system', 'rootNamespace: x');
  const broken = configMap('istio', 'istio-system', 'extensionProviders: [');
  const { resources, problems } = readResources([other, broken].join('---\n'), 'cm.yaml');
  assert.deepEqual(
    resources.configMaps.map((c) => [c.metadata.name, 'mesh' in c.spec]),
    [
      ['other', false],
      ['istio', false],
    ],
  );
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.severity, 'warning');
  assert.match(problems[0]!.message, /^ConfigMap istio: data\.mesh is not valid YAML \(.*\): istiod would not take/);
  assert.equal(problems[0]!.range.start.line, 15, 'the line of data.mesh in the second document (0-based)');
  const noMesh = readResources('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\ndata:\n  x: y\n', 'cm.yaml');
  assert.match(noMesh.problems[0]?.message ?? '', /has no `mesh` key \(data\.mesh\)/);
});

test("the corpus case's filters need its ConfigMap: without it, the default install's mesh config has no provider", () => {
  const full = predictGatewayAuthz(load('authz-custom-http'), DEFAULT_INGRESS);
  assert.deepEqual(
    full.httpFilters.map((f) => f.name),
    [RBAC_FILTER, EXT_AUTHZ_HTTP_FILTER, RBAC_FILTER],
  );
  assert.deepEqual(full.notes, []);
  const bare = predictGatewayAuthz(load('authz-custom-http', '05-mesh-config.yaml'), DEFAULT_INGRESS);
  assert.deepEqual(
    bare.httpFilters.map((f) => f.name),
    [RBAC_FILTER, RBAC_FILTER],
  );
  const rules = bare.httpFilters[0]!.typedConfig as { rules: { action: string; policies: Record<string, unknown> } };
  assert.equal(rules.rules.action, 'DENY');
  assert.ok(Object.keys(rules.rules.policies).every((k) => k.endsWith(BAD_CUSTOM_SUFFIX)));
  assert.match(bare.notes.join('\n'), /No ConfigMap istio-system\/istio with a mesh config in the input/);
  assert.match(
    bare.notes.join('\n'),
    /provider "ext-authz-http" is not among the mesh config's ext_authz extensionProviders \(none\)/,
  );
  // a ConfigMap istio in another namespace is not istiod's
  const elsewhere = readResources(
    configMap('istio', 'default', 'extensionProviders:\n- name: ext-authz\n  envoyExtAuthzHttp: {service: x, port: 1}'),
    'cm.yaml',
  ).resources;
  const moved = predictGatewayAuthz(
    mergeResourceSets(load('authz-custom-http', '05-mesh-config.yaml'), elsewhere),
    DEFAULT_INGRESS,
  );
  assert.match(moved.notes.join('\n'), /No ConfigMap istio-system\/istio/);
});

test('the trace names the external authorizer that decides and goes on as if it allowed; without a match it is not asked', () => {
  const set = load('authz-custom-http');
  const t = traceRequest({ host: 'simple.baihl.io', path: '/simple/httpserver' }, set);
  const authz = t.steps.find((s) => s.id === 'authz')!;
  assert.equal(authz.status, 'warn');
  assert.equal(authz.value, 'decided by the external authorizer ext-authz.auth.svc.cluster.local:8000');
  assert.ok(
    authz.details.some((d) =>
      /^ext_authz sends the request \(an HTTP check\) to the external authorizer ext-authz\.auth\.svc\.cluster\.local:8000, .*its answer is not predicted; when it cannot be reached the request goes on \(failOpen\)/.test(
        d,
      ),
    ),
    authz.details.join('\n'),
  );
  assert.ok(
    authz.details.includes(
      'CUSTOM policy istio-system/ext-authz-simple rule 0 (provider ext-authz-http): matched: the request goes to the external authorizer (host "simple.baihl.io" equal to "simple.baihl.io" (ignoring case) and path /simple/httpserver starting with "/simple/" and path /simple/httpserver not starting with "/simple/public").',
    ),
  );
  assert.equal(t.outcome.status, 'forwarded');
  assert.equal(t.externalAuthorizer, 'ext-authz.auth.svc.cluster.local:8000');
  assert.match(
    t.outcome.summary,
    /^decided by the external authorizer ext-authz\.auth\.svc\.cluster\.local:8000; if it allows the request: forwarded to /,
  );
  // the DENY policy after the ext_authz filter still decides when the authorizer would allow
  const admin = traceRequest({ host: 'simple.baihl.io', path: '/admin', method: 'POST' }, set);
  assert.equal(admin.outcome.status, 403);
  assert.match(
    admin.outcome.summary,
    /^decided by the external authorizer .*; if it allows the request: 403 RBAC: access denied — DENY policy istio-system\/deny-admin/,
  );
  // no CUSTOM rule matches: the authorizer is not asked
  const open = traceRequest({ host: 'simple.baihl.io', path: '/simple/public/x' }, set);
  assert.equal(open.externalAuthorizer, undefined);
  assert.equal(open.steps.find((s) => s.id === 'authz')?.status, 'ok');
  // gRPC: the Check goes to the provider's service; not failOpen, so an unreachable one means its statusOnError
  const grpc = traceRequest(
    { host: 'simple.baihl.io', path: '/simple/httpserver', sourceIp: '203.0.113.9' },
    load('authz-custom-grpc'),
  );
  const g = grpc.steps.find((s) => s.id === 'authz')!;
  assert.equal(g.value, 'decided by the external authorizer ext-authz.auth.svc.cluster.local:9000');
  assert.ok(
    g.details.some((d) => d.includes('(a gRPC Check)') && d.includes('when it cannot be reached Envoy answers 503')),
  );
});

test('a provider istiod cannot build gives deny rules, with its error in the notes', () => {
  const ok = withProvider('  envoyExtAuthzHttp:\n    service: auth/ext-authz.auth.svc.cluster.local\n    port: 8000');
  assert.deepEqual(
    ok.httpFilters.map((f) => f.name),
    [RBAC_FILTER, EXT_AUTHZ_HTTP_FILTER],
  );
  const cases: [string, RegExp][] = [
    [
      '  envoyExtAuthzHttp:\n    service: ext-authz.auth.svc.cluster.local\n    port: 70000',
      /port must be in the range \[1, 65535\], found: 70000/,
    ],
    [
      '  envoyExtAuthzHttp:\n    service: ext-authz.auth.svc.cluster.local\n    port: 8000\n    statusOnError: "299"',
      /unsupported statusOnError value 299/,
    ],
    [
      '  envoyExtAuthzHttp:\n    service: ext-authz.auth.svc.cluster.local\n    port: 8000\n    pathPrefix: check',
      /pathPrefix should begin with `\/`/,
    ],
    [
      '  envoyExtAuthzHttp:\n    service: ext-authz.auth.svc.cluster.local\n    port: 8000\n    includeRequestHeadersInCheck: ["*"]',
      /a single wildcard \("\*"\) is not supported.*IncludeRequestHeadersInCheck/,
    ],
    [
      '  envoyExtAuthzGrpc:\n    service: other/ext-authz.auth.svc.cluster.local\n    port: 9000',
      /could not find service other\/ext-authz\.auth\.svc\.cluster\.local in Istio service registry/,
    ],
    [
      '  zipkin:\n    service: zipkin.istio-system.svc.cluster.local\n    port: 9411',
      /provider "ext-authz" is not among the mesh config's ext_authz extensionProviders \(none\)/,
    ],
  ];
  for (const [provider, error] of cases) {
    const p = withProvider(provider);
    assert.deepEqual(
      p.httpFilters.map((f) => f.name),
      [RBAC_FILTER],
      provider,
    );
    assert.deepEqual(Object.keys((p.httpFilters[0]!.typedConfig as { rules: { policies: object } }).rules.policies), [
      `istio-ext-authz-ext-authz-ns[istio-system]-policy[ext]-rule[0]${BAD_CUSTOM_SUFFIX}`,
    ]);
    assert.match(p.notes.join('\n'), error, provider);
  }
});
