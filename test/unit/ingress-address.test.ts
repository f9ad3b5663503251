// The article's gateway Service (LoadBalancer, 80 -> 8080, nodePort 31373, clusterIP 10.96.190.18) and its
// master node 192.168.170.137: which address works from where.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingressAddresses } from '../../src/kube/ingressAddress';
import type { Node, Service } from '../../src/kube/objects';

// As `kubectl get svc istio-ingressgateway -n istio-system -o json` printed it in the article.
const articleService = (ingress: { ip?: string; hostname?: string }[] = []): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.190.18',
    ports: [
      { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021, nodePort: 30521 },
      { name: 'http2', nodePort: 31373, port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'https', nodePort: 31860, port: 443, protocol: 'TCP', targetPort: 8443 },
    ],
    selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  },
  status: { loadBalancer: { ingress } },
});

const master: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'baihl-master' },
  status: {
    addresses: [
      { type: 'InternalIP', address: '192.168.170.137' },
      { type: 'Hostname', address: 'baihl-master' },
    ],
  },
};

test('article Service without a cloud: NodePort on the node IP, ClusterIP only inside; the LoadBalancer is pending', () => {
  const r = ingressAddresses(articleService(), [master]);
  assert.equal(r.service, 'istio-system/istio-ingressgateway');
  assert.equal(r.servicePort?.name, 'http2');
  assert.deepEqual(
    r.addresses.map((a) => [a.kind, a.url]),
    [
      ['nodePort', 'http://192.168.170.137:31373'],
      ['clusterIP', 'http://10.96.190.18:80'],
    ],
  );
  const [nodePort, clusterIP] = r.addresses;
  assert.equal(nodePort!.node, 'baihl-master');
  assert.equal(nodePort!.addressType, 'InternalIP');
  assert.match(clusterIP!.reachableFrom, /only inside the cluster/);
  assert.match(clusterIP!.reachableFrom, /not from outside/);
  assert.ok(
    r.notes.some((n) => /Service port 80 \(http2\) forwards to port 8080 .*0\.0\.0\.0_8080/.test(n)),
    r.notes.join('\n'),
  );
  assert.ok(
    r.notes.some((n) => /no external address yet \(<pending>\)/.test(n)),
    r.notes.join('\n'),
  );
  assert.ok(r.notes.some((n) => /NodePort 31373 is open on every node/.test(n)));
});

test('with a cloud load balancer the LB address comes first, reachable from where the cloud routes it', () => {
  const r = ingressAddresses(articleService([{ ip: '203.0.113.7' }, { hostname: 'gw.example.com' }]), [master]);
  assert.deepEqual(
    r.addresses.map((a) => a.url),
    ['http://203.0.113.7:80', 'http://gw.example.com:80', 'http://192.168.170.137:31373', 'http://10.96.190.18:80'],
  );
  assert.match(r.addresses[0]!.reachableFrom, /cloud load balancer/);
  assert.ok(!r.notes.some((n) => /pending/.test(n)));
});

test('node ExternalIP is listed before InternalIP, each with its node', () => {
  const cloudNode: Node = {
    ...master,
    metadata: { name: 'n2' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'ExternalIP', address: '198.51.100.9' },
      ],
    },
  };
  const r = ingressAddresses(articleService(), [master, cloudNode]);
  const nodePorts = r.addresses.filter((a) => a.kind === 'nodePort');
  assert.deepEqual(
    nodePorts.map((a) => `${a.node} ${a.addressType} ${a.host}:${a.port}`),
    [
      'n2 ExternalIP 198.51.100.9:31373',
      'baihl-master InternalIP 192.168.170.137:31373',
      'n2 InternalIP 10.0.0.5:31373',
    ],
  );
  assert.match(nodePorts[0]!.reachableFrom, /outside the cluster/);
});

test('a chosen port (https 443) uses its own nodePort and targetPort', () => {
  const r = ingressAddresses(articleService(), [master], { port: 'https' });
  assert.deepEqual(
    r.addresses.map((a) => a.url),
    ['http://192.168.170.137:31860', 'http://10.96.190.18:443'],
  );
  assert.ok(r.notes.some((n) => /forwards to port 8443/.test(n)));
});

test('a ClusterIP Service offers only the in-cluster address; an unknown port says which ports exist', () => {
  const svc = articleService();
  svc.spec.type = 'ClusterIP';
  const r = ingressAddresses(svc, [master]);
  assert.deepEqual(
    r.addresses.map((a) => a.kind),
    ['clusterIP'],
  );
  const none = ingressAddresses(articleService(), [master], { port: 8080 });
  assert.deepEqual(none.addresses, []);
  assert.match(none.notes[0]!, /has no port 8080; its ports are status-port:15021, http2:80, https:443/);
});

test('IPv6 addresses are bracketed in URLs', () => {
  const svc = articleService();
  svc.spec.clusterIP = 'fd00::10';
  const r = ingressAddresses(svc, []);
  assert.equal(r.addresses.at(-1)!.url, 'http://[fd00::10]:80');
});
