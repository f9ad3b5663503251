// The words of the AuthorizationPolicy / RequestAuthentication lenses, held to Istio's output: on every authz-*
// corpus case the policy lens says "applies" exactly for the policies whose rules Istio put in the gateway's rbac
// filter (or whose issuer is in its jwt_authn filter), the live lens read from Istio's own listeners says the same,
// and a match's refusal lens names the same policy whether it evaluates the predicted filters or Istio's.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Filter, Listener } from '../../src/envoy/types';
import { customProvider, predictGatewayAuthz } from '../../src/istio/authz';
import { withGatewayApi } from '../../src/istio/gatewayApi';
import { DEFAULT_INGRESS, findGatewayWorkloads } from '../../src/istio/gatewayWorkloads';
import { namespaceOf, type ResourceSet } from '../../src/istio/model';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import {
  attachmentLens,
  hcmHttpFilters,
  jwtRuleLens,
  liveAttachmentLens,
  liveAuthzFilters,
  refusalLens,
  providerLens,
  ruleLens,
} from '../../src/lab/authzLensText';
import { LENS_MAX } from '../../src/lab/lensText';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));
const authzCases = readdirSync(corpus)
  .filter((d) => d.startsWith('authz-') && existsSync(`${corpus}${d}/oracle.json`))
  .sort();

function load(name: string): { resources: ResourceSet; listeners: Listener[] } {
  const dir = `${corpus}${name}/`;
  const sets = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources);
  const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as { listeners: Listener[] };
  return { resources: mergeResourceSets(...sets), listeners: oracle.listeners };
}

/** The gateway proxy the oracle generated for: the default ingress gateway, or the pod deployed for a Gateway API Gateway. */
function proxyOf(resources: ResourceSet) {
  if (!resources.k8sGateways.length || resources.gateways.length)
    return { ...DEFAULT_INGRESS, label: 'ingress gateway' };
  const api = withGatewayApi(resources);
  const w = findGatewayWorkloads(api.gateways, api.services, api.deployments).find((x) => x.service);
  assert.ok(w);
  return { ...w, label: `gateway ${w.id}` };
}

const oracleHttpFilters = (listeners: Listener[]): Filter[][] => listeners.flatMap((l) => hcmHttpFilters(l));

test('there are authz corpus cases to check the lenses on', () => assert.ok(authzCases.length >= 8));

for (const name of authzCases)
  test(`corpus ${name}: the policy lens says "applies" exactly for what Istio put in the gateway's filters`, () => {
    const { resources, listeners } = load(name);
    const proxy = proxyOf(resources);
    const live = liveAuthzFilters(oracleHttpFilters(listeners));
    const oracleText = JSON.stringify(listeners);
    for (const p of resources.authorizationPolicies) {
      const inIstio = oracleText.includes(`ns[${namespaceOf(p)}]-policy[${p.metadata.name}]-rule[`);
      const lens = attachmentLens(p, [proxy]);
      assert.equal(lens.applies, inIstio, `${p.metadata.name}: ${lens.title}`);
      assert.ok(lens.title.startsWith(`predicted ${inIstio ? '✓' : '✗'} ${proxy.label}: `), lens.title);
      assert.ok(lens.title.length <= LENS_MAX, lens.title);
      const liveTitle = liveAttachmentLens(p, live, 'gw-pod');
      assert.ok(liveTitle.startsWith(inIstio ? "live: on gw-pod's " : 'live: not on gw-pod'), liveTitle);
      // a CUSTOM policy's rules: in the shadow rules that trigger ext_authz, or deny rules when Istio cannot use its provider
      if (inIstio && p.spec.action === 'CUSTOM')
        assert.match(
          liveTitle,
          oracleText.includes(`policy[${p.metadata.name}]-rule[0]-deny-due-to-bad-CUSTOM-action`)
            ? /^live: on gw-pod's DENY rbac filter: Istio could not use its CUSTOM provider \(rule \d/
            : /^live: on gw-pod's CUSTOM rbac filter, sending its matches to ext_authz \(rule \d/,
        );
    }
    for (const ra of resources.requestAuthentications) {
      const issuers = (ra.spec.jwtRules ?? []).map((r) => r.issuer ?? '');
      const inIstio = issuers.every((i) => oracleText.includes(`"issuer":"${i}"`));
      assert.equal(attachmentLens(ra, [proxy]).applies, inIstio, ra.metadata.name);
      assert.ok(liveAttachmentLens(ra, live, 'gw-pod').startsWith(inIstio ? 'live: gw-pod' : 'live: not on'));
    }
  });

test("a CUSTOM policy's provider lens names the authorizer exactly where Istio built an ext_authz filter for it", () => {
  const custom = authzCases.filter((c) => c.startsWith('authz-custom-'));
  assert.ok(custom.length >= 3);
  for (const name of custom) {
    const { resources, listeners } = load(name);
    const ext = hcmHttpFilters(listeners.find((l) => l.name === '0.0.0.0_8080'))
      .flat()
      .filter((f) => f.name === 'envoy.filters.http.ext_authz');
    for (const p of resources.authorizationPolicies.filter((x) => x.spec.action === 'CUSTOM')) {
      const provider = p.spec.provider?.name ?? '';
      const built = ext.find((f) => JSON.stringify(f).includes(`"prefix":"istio-ext-authz-${provider}"`));
      const lens = providerLens(customProvider(resources, provider, DEFAULT_INGRESS));
      assert.ok(lens.title.length <= LENS_MAX, lens.title);
      if (built) {
        const cluster = /"(?:cluster|clusterName)":"outbound\|(\d+)\|\|([^"]+)"/.exec(JSON.stringify(built))!;
        assert.match(
          lens.title,
          new RegExp(`^ext_authz → ${cluster[2]!.replace(/\./g, '\\.')}:${cluster[1]} \\((HTTP check|gRPC Check)`),
        );
      } else
        assert.match(lens.title, new RegExp(`^provider ${provider} unusable: Istio denies what the rules match`), name);
    }
  }
});

test('the attachment lens gives the engine reason for a selector that misses the gateway and for the root namespace', () => {
  const { resources } = load('authz-other-selector');
  const byName = (n: string) => resources.authorizationPolicies.find((p) => p.metadata.name === n)!;
  const ingress = { ...DEFAULT_INGRESS, label: 'ingress gateway' };
  assert.equal(
    attachmentLens(byName('deny-simple-pods'), [ingress]).title,
    "predicted ✗ ingress gateway: its selector app=simple does not match the gateway's pods",
  );
  assert.equal(
    attachmentLens(byName('deny-admin'), [ingress]).title,
    "predicted ✓ ingress gateway: its selector istio=ingressgateway matches the gateway's pods",
  );
  assert.match(
    attachmentLens(byName('deny-simple-pods'), [ingress]).tooltip,
    /Does not apply to ingress gateway \(namespace istio-system, pods app=istio-ingressgateway,istio=ingressgateway\)/,
  );
  const root = load('authz-root-namespace').resources.authorizationPolicies[0]!;
  const gw = {
    namespace: 'simple',
    labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' },
    label: 'Gateway simple/gw',
  };
  const both = attachmentLens(root, [ingress, gw]);
  assert.equal(both.title, 'predicted ✓ ingress gateway +1 more: no selector, in the root namespace istio-system');
  assert.match(
    both.tooltip,
    /Applies to Gateway simple\/gw \(namespace simple, pods gateway\.networking\.k8s\.io\/gateway-name=gw\): no selector, in the root namespace istio-system\./,
  );
  assert.equal(
    attachmentLens(root, [ingress]).title,
    'predicted ✓ ingress gateway: no selector, in the root namespace istio-system',
  );
});

test('rule lenses say the action and what each rule matches', () => {
  const deny = load('authz-deny-ip-blocks').resources.authorizationPolicies;
  assert.equal(ruleLens(deny[0]!, 0), 'DENY: from client 203.0.113.0/24, 2001:db8::1');
  assert.equal(ruleLens(deny[0]!, 1), 'DENY: from 10.244.0.99, 192.168.0.0/16 from client not 192.168.7.0/24');
  assert.equal(ruleLens(deny[1]!, 0), 'DENY: path /simple/nginx* from client 198.51.100.7');
  const root = load('authz-root-namespace').resources.authorizationPolicies;
  assert.deepEqual(
    root.map((p) => ruleLens(p, 0)),
    ['DENY (dry-run): every request', 'AUDIT: POST,PUT,DELETE', 'DENY: path /metrics, /stats/*'],
  );
  const allow = load('authz-allow-operation').resources.authorizationPolicies[0]!;
  assert.equal(ruleLens(allow, 1), 'ALLOW: POST path /simple/httpserver port 8080 or not DELETE host admin.baihl.io');
  assert.ok(ruleLens(allow, 0).length <= LENS_MAX);
  const ra = load('authz-jwt-request-principals').resources.requestAuthentications[0]!;
  assert.deepEqual(ra.spec.jwtRules!.map(jwtRuleLens), [
    'JWT issuer testing@secure.istio.io (inline JWKS)',
    'JWT issuer auth.example.com (inline JWKS, audiences simple) from header x-token "Bearer "',
  ]);
});

test("a refusal lens names the policy Envoy's filters refuse with, the same on the prediction and on Istio's filters", () => {
  for (const [name, path, expected] of [
    ['authz-other-selector', '/admin/x', '403 by DENY istio-system/deny-admin rule 0'],
    ['authz-root-namespace', '/metrics', '403 by DENY istio-system/deny-metrics rule 0'],
    ['authz-jwt-request-principals', '/simple/httpserver', '403 by DENY istio-system/require-jwt rule 0'],
    ['authz-allow-operation', '/other', '403: no ALLOW policy matches (istio-system/allow-simple)'],
  ] as const) {
    const { resources, listeners } = load(name);
    const request = {
      authority: 'simple.baihl.io',
      path,
      method: 'GET',
      headers: {},
      destinationPort: 8080,
    };
    const predicted = refusalLens(predictGatewayAuthz(resources, DEFAULT_INGRESS).httpFilters, request, 'predicted');
    const http8080 = listeners.find((l) => l.name === '0.0.0.0_8080');
    const istio = refusalLens(hcmHttpFilters(http8080)[0] ?? [], request, 'live');
    assert.equal(predicted?.title, `predicted: ${expected}`, name);
    assert.equal(istio?.title, `live: ${expected}`, name);
    assert.match(predicted.tooltip, /^The example request of this match \(GET simple\.baihl\.io/);
  }
  const { resources } = load('authz-other-selector');
  const ok = { authority: 'simple.baihl.io', path: '/simple/httpserver', method: 'GET', destinationPort: 8080 };
  assert.equal(refusalLens(predictGatewayAuthz(resources, DEFAULT_INGRESS).httpFilters, ok, 'predicted'), undefined);
});
