// The text of the step reports: cluster check, ingress addresses, the namespace listing, manifests to apply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingressAddresses } from '../../src/kube/ingressAddress';
import type { Service } from '../../src/kube/objects';
import { candidatesOf, formatAddressReport } from '../../src/lab/addresses';
import { buildCheckReport, formatCheckReport } from '../../src/lab/checks';
import { formatNamespaceView } from '../../src/lab/getTable';
import { readManifests } from '../../src/lab/manifests';

const base = {
  gatewayNamespace: 'istio-system',
  gatewaySelector: 'istio=ingressgateway',
  istioctl: { found: false, detail: 'not on PATH' },
  curl: { found: true, detail: '/usr/bin/curl (PATH)' },
};

test('a ready cluster passes, with optional tools marked but not failing', () => {
  const r = buildCheckReport({
    ...base,
    context: { name: 'kind-lab', server: 'https://127.0.0.1:6443', kubeconfig: '/home/u/.kube/config' },
    serverVersion: 'v1.36.3',
    namespaceExists: true,
    gatewayServices: [{ name: 'istio-ingressgateway', type: 'LoadBalancer' }],
    gatewayPods: [{ name: 'istio-ingressgateway-576c469c96-spndl', ready: true }],
    istioProblems: [],
  });
  assert.equal(r.ok, true);
  const text = formatCheckReport(r);
  assert.match(text, /^Cluster ready for the lab\./);
  assert.match(text, /✓ gateway pod Ready: istio-ingressgateway-576c469c96-spndl/);
  assert.match(text, /– istioctl not found \(optional\): "Look inside Envoy" uses the built-in reader/);
});

test('each failure says what to do, and stops at the first thing that cannot be checked', () => {
  const noApi = buildCheckReport({
    ...base,
    context: { name: 'c', server: 'https://127.0.0.1:1', kubeconfig: 'k' },
    apiError: 'Cannot reach the API server https://127.0.0.1:1 (connection refused).',
  });
  assert.equal(noApi.ok, false);
  assert.match(formatCheckReport(noApi), /✗ API server not reachable: Cannot reach/);
  const noIstio = buildCheckReport({
    ...base,
    context: { name: 'c', server: 's', kubeconfig: 'k' },
    serverVersion: 'v1.36.3',
    namespaceExists: false,
  });
  assert.match(formatCheckReport(noIstio), /✗ namespace istio-system does not exist: .*istioctl install/);
  const notReady = buildCheckReport({
    ...base,
    context: { name: 'c', server: 's', kubeconfig: 'k' },
    serverVersion: 'v1',
    namespaceExists: true,
    gatewayServices: [{ name: 'istio-ingressgateway', type: 'LoadBalancer' }],
    gatewayPods: [{ name: 'gw-1', ready: false }],
    istioProblems: ['No Ready gateway pod: gw-1 is ImagePullBackOff. Check the pod events.'],
  });
  assert.equal(notReady.ok, false);
  assert.match(formatCheckReport(notReady), /✗ No Ready gateway pod: gw-1 is ImagePullBackOff/);
});

test("the address report gives every address with where it works, the article's Service", () => {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.190.18',
      ports: [{ name: 'http2', port: 80, targetPort: 8080, nodePort: 31373 }],
    },
  };
  const nodes = [
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'baihl-master' },
      status: { addresses: [{ type: 'InternalIP', address: '192.168.170.137' }] },
    },
  ];
  const found = ingressAddresses(svc, nodes);
  const candidates = candidatesOf(found);
  assert.deepEqual(
    candidates.map((c) => `${c.kind} ${c.address}`),
    ['nodePort 192.168.170.137:31373', 'clusterIP 10.96.190.18'],
  );
  candidates[0]!.reachable = true;
  const text = formatAddressReport(found, candidates, candidates[0]);
  assert.match(text, /nodePort +192\.168\.170\.137:31373 +\[answers from here\]/);
  assert.match(text, /Using 192\.168\.170\.137:31373 \(nodePort\)\./);
  assert.match(text, /<pending>/, 'says why there is no LoadBalancer address');
  // A ClusterIP that answers does not contradict its own "only inside the cluster": it says why it can.
  candidates[1]!.reachable = true;
  const inside = formatAddressReport(found, candidates, candidates[0]);
  assert.match(
    inside,
    /clusterIP +10\.96\.190\.18 +\[answers from here: this machine is inside the cluster network \(a node, or routed into it\)\]\n +works: only inside the cluster/,
  );
});

test('the namespace listing reads like kubectl get', () => {
  const text = formatNamespaceView({
    pods: [{ name: 'simple-fb6498fdb-rmdg2', namespace: 'simple', ready: true, ip: '10.10.1.13', labels: {} }],
    services: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'simple' },
        spec: { type: 'ClusterIP', clusterIP: '10.96.12.3', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    ],
    deployments: [
      { name: 'simple', found: true, desired: 1, updated: 1, ready: 1, available: 1, done: true, message: '' },
    ],
    endpoints: [
      {
        service: 'simple',
        endpoints: [
          {
            ip: '10.10.1.13',
            ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
            ready: true,
            serving: true,
            terminating: false,
            slice: 's',
          },
        ],
      },
    ],
    virtualServices: [{ name: 'simple', gateways: ['simple'], hosts: ['simple.baihl.io'] }],
    gateways: [{ name: 'simple' }],
  });
  assert.match(text, /^NAME +READY +STATUS +IP\npod\/simple-fb6498fdb-rmdg2 +1\/1 +Running +10\.10\.1\.13\n/);
  assert.match(text, /service\/simple +ClusterIP +10\.96\.12\.3 +80\/TCP/);
  assert.match(text, /endpoints\/simple +10\.10\.1\.13:80/);
  assert.match(text, /virtualservice\.networking\.istio\.io\/simple +\["simple"\] +\["simple\.baihl\.io"\]/);
  assert.match(text, /gateway\.networking\.istio\.io\/simple/);
});

test('manifests get the lab namespace; a different one or a broken document is refused with one message', () => {
  const ok = readManifests(
    [{ name: 'a.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n' }],
    'simple',
  );
  assert.ok(ok.ok);
  assert.equal(ok.manifests[0]!.object.metadata.namespace, 'simple');
  const other = readManifests(
    [{ name: 'a.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: prod}\n' }],
    'simple',
  );
  assert.ok(!other.ok && /namespace "prod".*"simple"/.test(other.message));
  const broken = readManifests([{ name: 'b.yaml', text: 'kind: [\n' }], 'simple');
  assert.ok(!broken.ok && /^b\.yaml.*not valid YAML/.test(broken.message));
  const noName = readManifests([{ name: 'c.yaml', text: 'apiVersion: v1\nkind: Service\n' }], 'simple');
  assert.ok(!noName.ok && /metadata\.name/.test(noName.message));
});
