// The live trace's pure inputs: cluster objects (as the API lists them) in the engine's model, merged with the
// workspace's, endpoints split for the trace, kube-proxy generation from the server version; and a trace built
// from them answers with the cluster's values, not the workspace's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { endpointAddress } from '../../src/envoy/index';
import { isLegacyKubeProxy, mergeClusterAndWorkspace } from '../../src/lab/traceInputs';
import type { ResourceSet } from '../../src/istio/model';
import { traceRequest } from '../../src/istio/trace';
import { clusterResourceSet, emptyResourceSet, mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import type { ApiObject } from '../../src/kube/index';

const workspace = () =>
  mergeResourceSets(
    ...['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'].map(
      (f) => readResources(readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8'), f).resources,
    ),
  );

// A gateway Service as `GET /api/v1/namespaces/istio-system/services` lists it: no kind or apiVersion on the item.
const listedGatewayService = {
  metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { istio: 'ingressgateway' } },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.0.0.18',
    selector: { istio: 'ingressgateway' },
    ports: [{ name: 'http2', port: 80, targetPort: 8080, nodePort: 30395, protocol: 'TCP' }],
  },
  status: { loadBalancer: { ingress: [{ ip: '10.244.255.253' }] } },
} as unknown as ApiObject;

test('clusterResourceSet: listed items get the kind and apiVersion the list left off, and keep their status', () => {
  const [svc] = clusterResourceSet([{ kind: 'Service', apiVersion: 'v1', items: [listedGatewayService] }]).services;
  assert.equal(svc!.kind, 'Service');
  assert.equal(svc!.apiVersion, 'v1');
  assert.equal(svc!.file, 'cluster:Service/istio-system/istio-ingressgateway');
  assert.deepEqual((svc as { status?: unknown }).status, { loadBalancer: { ingress: [{ ip: '10.244.255.253' }] } });
});

test("mergeClusterAndWorkspace: the cluster's object wins over the workspace's of the same name; the rest is added", () => {
  const ws = workspace();
  const cluster = emptyResourceSet();
  const edited = readResources(
    readFileSync(new URL('../../samples/workspace/istio-specs.yaml', import.meta.url), 'utf8').replace(
      '/simple/nginx',
      '/simple/applied',
    ),
    'cluster',
  ).resources;
  cluster.virtualServices.push(...edited.virtualServices);
  const merged: ResourceSet = mergeClusterAndWorkspace(cluster, ws);
  assert.equal(merged.virtualServices.length, 1, "one VirtualService simple/simple, the cluster's");
  assert.equal(merged.virtualServices[0]!.file, 'cluster');
  assert.equal(merged.gateways.length, 1, "the workspace's Gateway, not applied in this cluster");
  assert.equal(merged.deployments.length, ws.deployments.length);
  assert.equal(merged.services.length, ws.services.length);
});

test("a trace on the merged set uses the cluster's gateway Service: its LoadBalancer IP and NodePort", () => {
  const cluster = clusterResourceSet([{ kind: 'Service', apiVersion: 'v1', items: [listedGatewayService] }]);
  const merged = mergeClusterAndWorkspace(cluster, workspace());
  const lb = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx' }, merged);
  assert.equal(lb.steps[0]!.value, '10.244.255.253:80');
  assert.equal(lb.steps[1]!.source, 'yaml');
  const np = traceRequest({ host: 'simple.baihl.io', path: '/simple/nginx', entry: 'nodePort' }, merged);
  assert.equal(np.request.port, 30395);
});

test('an endpoint is printed ip:port as istioctl prints it, a pipe without a port', () => {
  assert.equal(endpointAddress({ address: '10.244.0.1', port: 80 }), '10.244.0.1:80');
  assert.equal(endpointAddress({ address: 'fd00::1', port: 8080 }), 'fd00::1:8080');
  assert.equal(endpointAddress({ address: '/var/run/pipe', port: 0 }), '/var/run/pipe');
});

test('isLegacyKubeProxy: before 1.24 only', () => {
  assert.equal(isLegacyKubeProxy('v1.23.17'), true);
  assert.equal(isLegacyKubeProxy('v1.24.0'), false);
  assert.equal(isLegacyKubeProxy('v1.36.3'), false);
  assert.equal(isLegacyKubeProxy(undefined), false);
});
