// Kinds that decide a gateway's config beyond the Istio ones: Pods (gateway workloads) and `kind: List`
// documents, as `kubectl get ... -o yaml` writes them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../src/istio/analyze';
import { readResources } from '../../src/istio/yamlModel';

const LIST = `apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1
  kind: Gateway
  metadata: {name: gw, namespace: web}
  spec:
    selector: {istio: custom-gw}
    servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: [app.example.com]
- apiVersion: v1
  kind: Pod
  metadata:
    name: custom-gw-7d9
    namespace: web
    labels: {istio: custom-gw}
  spec:
    containers:
    - name: istio-proxy
      ports: [{containerPort: 8080}]
- apiVersion: v1
  kind: Service
  metadata: {name: custom-gw, namespace: web}
  spec:
    selector: {istio: custom-gw}
    ports: [{name: http, port: 80, targetPort: 8080}]
`;

test('a List document gives its items, each with its own YAML range', () => {
  const { resources, problems } = readResources(LIST, 'l.yaml');
  assert.deepEqual(problems, []);
  assert.deepEqual(resources.gateways.map((g) => g.metadata.name), ['gw']);
  assert.deepEqual(resources.services.map((s) => s.metadata.name), ['custom-gw']);
  const gw = resources.gateways[0]!;
  assert.equal(gw.range.start.line, 3, 'the Gateway item starts on line 4');
  assert.equal(gw.rangeAt(['spec', 'selector', 'istio']).start.line, 7);
});

test('a Pod is a gateway workload: its labels satisfy the Gateway selector (no IST0101), its Service ports are checked (no IST0162)', () => {
  const { resources } = readResources(LIST, 'l.yaml');
  const pod = resources.deployments.find((d) => d.kind === 'Pod');
  assert.equal(pod?.metadata.name, 'custom-gw-7d9');
  const codes = analyze(resources, { assumeComplete: true }).map((d) => `${d.code} ${d.object.kind} ${d.object.name}`);
  assert.deepEqual(codes.filter((c) => c.includes('Gateway gw')), []);
});

test('an item without a name is named as a problem on its own lines; the other items are read', () => {
  const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {namespace: web}
- apiVersion: v1
  kind: Service
  metadata: {name: s}
`;
  const { resources, problems } = readResources(text, 'l.yaml');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /Pod has no metadata\.name/);
  assert.equal(problems[0]!.range.start.line, 3);
  assert.deepEqual(resources.services.map((s) => s.metadata.name), ['s']);
});
