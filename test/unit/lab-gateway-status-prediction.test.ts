// The Gateway status lens offline and its comparison with what istiod wrote: the predicted lens names the
// listener Istio refuses and why (the facts come from the oracle's gatewayApiStatus of the same case), and a status
// Istio computed (the oracle's) shows no difference from the prediction, while a changed one does.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { translateGatewayApi } from '../../src/istio/gatewayApi';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import type { GatewayApiObject } from '../../src/kube/index';
import { gatewayStatusDifferences, predictedStatusLens } from '../../src/lab/gatewayStatus';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));

function caseOf(name: string) {
  const dir = `${corpus}${name}/`;
  const resources = mergeResourceSets(
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f).resources),
  );
  const oracle = JSON.parse(readFileSync(`${dir}oracle.json`, 'utf8')) as {
    gatewayApiStatus: { kind: string; namespace: string; name: string; status: GatewayApiObject['status'] }[];
  };
  const gw = oracle.gatewayApiStatus.find((s) => s.kind === 'Gateway')!;
  const live: GatewayApiObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: gw.name, namespace: gw.namespace },
    status: gw.status,
  };
  return { prediction: translateGatewayApi(resources).gatewayStatuses.get(`${gw.namespace}/${gw.name}`)!, live };
}

test('offline, the lens says which listener istiod will refuse and why', () => {
  const { prediction, live } = caseOf('gwapi-gateway-not-accepted');
  const listener = live.status!.listeners![0]!;
  const refs = listener.conditions!.find((c) => c.type === 'ResolvedRefs')!;
  assert.equal(refs.reason, 'InvalidCertificateRef');
  const lens = predictedStatusLens(prediction);
  assert.equal(
    lens.title,
    `predicted: Accepted ✗ ListenersNotValid · Programmed ✓ · listener https: InvalidCertificateRef (${refs.message!.split(', ').at(-1)})`,
  );
  assert.match(
    lens.tooltip,
    /ResolvedRefs=False InvalidCertificateRef: invalid certificate reference \/Secret\/no-such-cert\./,
  );
  assert.match(
    lens.tooltip,
    /until Service gw-istio\.simple\.svc\.cluster\.local has an address istiod writes Programmed=False AddressNotAssigned/,
  );
});

test('offline, conflicting listeners are named with their reason', () => {
  const lens = predictedStatusLens(caseOf('gwapi-listener-conflict').prediction);
  assert.equal(lens.title, 'predicted: Accepted ✓ · Programmed ✓ · listener tls-on-80: ProtocolConflict (+1 more)');
  assert.match(
    lens.tooltip,
    /listener tcp-on-80: 0 attached routes, kinds TCPRoute\n {2}Accepted=False ProtocolConflict/,
  );
});

test('the status Istio computed from the same YAML does not differ from the prediction; a changed one does', () => {
  for (const name of ['gwapi-https-invalid-cert', 'gwapi-listener-conflict', 'gwapi-listener-invalid', 'gwapi-seed']) {
    const { prediction, live } = caseOf(name);
    assert.deepEqual(gatewayStatusDifferences(live, prediction), [], name);
  }
  const { prediction, live } = caseOf('gwapi-listener-invalid');
  const changed = structuredClone(live);
  changed.status!.listeners![1]!.attachedRoutes = 3;
  changed.status!.listeners![2]!.conditions = changed.status!.listeners![2]!.conditions!.filter(
    (c) => c.type !== 'ResolvedRefs',
  );
  assert.deepEqual(gatewayStatusDifferences(changed, prediction), [
    'listener only-tcp-routes attachedRoutes: istiod wrote 3, predicted 0',
    'listener http-and-tls-routes ResolvedRefs: istiod wrote none, predicted False InvalidRouteKinds',
  ]);
});
