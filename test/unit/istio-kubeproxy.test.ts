// kube-proxy chain names and rules: the seed article's `iptables-save` lines, and kube-proxy's hashing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  endpointChain,
  externalChain,
  iptablesPath,
  iptablesProbability,
  serviceChain,
  type KubeProxyService,
} from '../../src/istio/kubeProxy';

const gatewaySvc: KubeProxyService = {
  namespace: 'istio-system',
  name: 'istio-ingressgateway',
  clusterIP: '10.96.190.18',
  port: { name: 'http2', port: 80, nodePort: 31373, protocol: 'TCP' },
};
const pod = { ip: '10.10.1.4', port: 8080 };

test("the article's NodePort path, line for line (kube-proxy before 1.24)", () => {
  const { hops } = iptablesPath(gatewaySvc, [pod], 'nodePort', { legacy: true });
  assert.deepEqual(
    hops.map((h) => h.rule),
    [
      '-A KUBE-NODEPORTS -p tcp -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp --dport 31373 -j KUBE-SVC-G6D3V5KS3PXPUEDS',
      '-A KUBE-SVC-G6D3V5KS3PXPUEDS -m comment --comment "istio-system/istio-ingressgateway:http2" -j KUBE-SEP-LAV34IONK7IOT5SV',
      '-A KUBE-SEP-LAV34IONK7IOT5SV -p tcp -m comment --comment "istio-system/istio-ingressgateway:http2" -m tcp -j DNAT --to-destination 10.10.1.4:8080',
    ],
  );
});

test("the article's ClusterIP path, line for line", () => {
  const { hops } = iptablesPath(gatewaySvc, [pod], 'clusterIP', { legacy: true });
  assert.equal(
    hops[0]!.rule,
    '-A KUBE-SERVICES -d 10.96.190.18/32 -p tcp -m comment --comment "istio-system/istio-ingressgateway:http2 cluster IP" -m tcp --dport 80 -j KUBE-SVC-G6D3V5KS3PXPUEDS',
  );
  assert.equal(hops.at(-1)!.rule.endsWith('-j DNAT --to-destination 10.10.1.4:8080'), true);
});

test('current kube-proxy goes through KUBE-EXT for external traffic and names the endpoint', () => {
  const { hops } = iptablesPath(gatewaySvc, [pod], 'nodePort');
  assert.deepEqual(
    hops.map((h) => h.chain),
    [
      'KUBE-NODEPORTS',
      'KUBE-EXT-G6D3V5KS3PXPUEDS',
      'KUBE-EXT-G6D3V5KS3PXPUEDS',
      'KUBE-SVC-G6D3V5KS3PXPUEDS',
      'KUBE-SEP-LAV34IONK7IOT5SV',
    ],
  );
  assert.match(hops[3]!.rule, /--comment "istio-system\/istio-ingressgateway:http2 -> 10\.10\.1\.4:8080"/);
});

test('several endpoints: probabilities 1/n, 1/(n-1), ... and the last without statistic', () => {
  const { balancing } = iptablesPath(
    gatewaySvc,
    [pod, { ip: '10.10.1.5', port: 8080 }, { ip: '10.10.1.6', port: 8080 }],
    'clusterIP',
  );
  // kube-proxy writes 0.3333333333; the kernel keeps 31 bits and iptables-save prints 0.33333333349
  assert.match(balancing[0]!.rule, /--probability 0\.33333333349 /);
  assert.match(balancing[1]!.rule, /--probability 0\.50000000000 /);
  assert.doesNotMatch(balancing[2]!.rule, /statistic/);
});

test('probabilities read as iptables-save prints them (values read back from a real iptables 1.8.9)', () => {
  const seen = [2, 3, 5, 6, 7, 10, 11, 81, 4096].map(iptablesProbability);
  assert.deepEqual(seen, [
    '0.50000000000',
    '0.33333333349',
    '0.20000000019',
    '0.16666666651',
    '0.14285714272',
    '0.10000000009',
    '0.09090909082',
    '0.01234567910',
    '0.00024414062',
  ]);
});

test('endpoints are balanced in kube-proxy order: by "ip:port" string, so 10.244.0.10 comes before 10.244.0.9', () => {
  const eps = [
    { ip: '10.244.0.9', port: 80 },
    { ip: '10.244.0.10', port: 80 },
    { ip: '10.244.0.11', port: 80 },
  ];
  const { balancing, endpoint } = iptablesPath(gatewaySvc, eps, 'clusterIP');
  assert.deepEqual(
    balancing.map((b) => /-> ([\d.:]+)"/.exec(b.rule)![1]),
    ['10.244.0.10:80', '10.244.0.11:80', '10.244.0.9:80'],
  );
  assert.equal(endpoint?.ip, '10.244.0.10');
});

test("chain hashes follow kube-proxy's sha256+base32 of port name, protocol and endpoint", () => {
  // values computed by kube-proxy's servicePortPolicyClusterChain / servicePortEndpointChainName for these inputs
  assert.equal(serviceChain('istio-system/istio-ingressgateway:http2', 'tcp'), 'KUBE-SVC-G6D3V5KS3PXPUEDS');
  assert.equal(externalChain('istio-system/istio-ingressgateway:http2', 'TCP'), 'KUBE-EXT-G6D3V5KS3PXPUEDS');
  assert.equal(
    endpointChain('istio-system/istio-ingressgateway:http2', 'tcp', '10.10.1.4:8080'),
    'KUBE-SEP-LAV34IONK7IOT5SV',
  );
  // protocol and port name change the hash
  assert.notEqual(serviceChain('istio-system/istio-ingressgateway:http2', 'udp'), 'KUBE-SVC-G6D3V5KS3PXPUEDS');
  assert.notEqual(serviceChain('istio-system/istio-ingressgateway:https', 'tcp'), 'KUBE-SVC-G6D3V5KS3PXPUEDS');
});

test('externalTrafficPolicy Local keeps to local endpoints through KUBE-SVL', () => {
  const { hops } = iptablesPath(
    { ...gatewaySvc, externalTrafficPolicy: 'Local' },
    [
      { ...pod, local: false },
      { ip: '10.10.1.9', port: 8080, local: true },
    ],
    'nodePort',
  );
  assert.match(hops[1]!.rule, /-j KUBE-SVL-G6D3V5KS3PXPUEDS$/);
  assert.match(hops.at(-1)!.rule, /--to-destination 10\.10\.1\.9:8080$/);
});
