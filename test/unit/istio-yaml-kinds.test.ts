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
  assert.deepEqual(
    resources.gateways.map((g) => g.metadata.name),
    ['gw'],
  );
  assert.deepEqual(
    resources.services.map((s) => s.metadata.name),
    ['custom-gw'],
  );
  const gw = resources.gateways[0]!;
  assert.equal(gw.range.start.line, 3, 'the Gateway item starts on line 4');
  assert.equal(gw.rangeAt(['spec', 'selector', 'istio']).start.line, 7);
});

test('a Pod is a gateway workload: its labels satisfy the Gateway selector (no IST0101), its Service ports are checked (no IST0162)', () => {
  const { resources } = readResources(LIST, 'l.yaml');
  const pod = resources.deployments.find((d) => d.kind === 'Pod');
  assert.equal(pod?.metadata.name, 'custom-gw-7d9');
  const codes = analyze(resources, { assumeComplete: true }).map((d) => `${d.code} ${d.object.kind} ${d.object.name}`);
  assert.deepEqual(
    codes.filter((c) => c.includes('Gateway gw')),
    [],
  );
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
  assert.deepEqual(
    resources.services.map((s) => s.metadata.name),
    ['s'],
  );
});

test("a Secret is read by name only: its data, stringData and kubectl's last-applied annotation never enter the model", () => {
  const text = `apiVersion: v1
kind: Secret
metadata:
  name: web-cert
  namespace: istio-system
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"tls.key":"TOP-SECRET-KEY-IN-ANNOTATION"}}'
type: kubernetes.io/tls
data:
  tls.crt: VE9QLVNFQ1JFVC1DRVJU
  tls.key: VE9QLVNFQ1JFVC1LRVk=
stringData:
  password: TOP-SECRET-PASSWORD
`;
  const { resources, problems } = readResources(text, 's.yaml');
  assert.deepEqual(problems, []);
  const [secret] = resources.secrets;
  assert.equal(secret?.metadata.name, 'web-cert');
  assert.equal(secret?.spec.type, 'kubernetes.io/tls');
  const seen = JSON.stringify(resources, (_k, v: unknown) => (typeof v === 'function' ? String(v) : v));
  for (const value of [
    'VE9QLVNFQ1JFVC1DRVJU',
    'VE9QLVNFQ1JFVC1LRVk=',
    'TOP-SECRET-PASSWORD',
    'TOP-SECRET-KEY-IN-ANNOTATION',
  ]) {
    assert.ok(!seen.includes(value), `${value} reached the model`);
  }
  // the secret's ranges do not need its values either
  assert.equal(secret?.rangeAt(['metadata', 'name']).start.line, 3);
  assert.equal(secret?.rangeAt(['data', 'tls.key']).start.line, 0, 'anything but the name is the whole document');
});

test("credentialName: the Secret must be in the gateway workload's namespace (IST0101), as Istio's SecretAnalyzer says", () => {
  const files = (secretNs: string) =>
    readResources(
      `${LIST}---
apiVersion: v1
kind: Secret
metadata: {name: app-cert, namespace: ${secretNs}}
type: kubernetes.io/tls
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tls-gw, namespace: web}
spec:
  selector: {istio: custom-gw}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [app.example.com]
    tls: {mode: SIMPLE, credentialName: app-cert}
`,
      'g.yaml',
    ).resources;
  const messages = (ns: string) =>
    analyze(files(ns), { assumeComplete: true })
      .filter((d) => d.object.name === 'tls-gw' && d.code === 'IST0101')
      .map((d) => `${d.code} ${d.message} ${d.range.start.line + 1}`);
  assert.deepEqual(messages('web'), []);
  assert.deepEqual(messages('istio-system'), ['IST0101 Referenced credentialName not found: "app-cert" 42']);
});
