// Pure pieces of src/kube: what apply sends and reports, rollout state, pod and endpoint summaries,
// manifest parsing. Inputs are shaped as the API server returns them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOrder, changedFields, stripForApply } from '../../src/kube/applyDiff';
import { ClusterError } from '../../src/kube/errors';
import { parseManifests } from '../../src/kube/manifests';
import {
  deploymentProgress,
  endpointInfos,
  podInfo,
  type Deployment,
  type EndpointSlice,
  type ApiObject,
  type Pod,
} from '../../src/kube/objects';

const live: ApiObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'simple',
    namespace: 'simple',
    uid: 'f3c1',
    resourceVersion: '812',
    generation: 1,
    creationTimestamp: '2026-11-25T17:00:00Z',
    managedFields: [{ manager: 'istio-ingress-lab', operation: 'Apply' }],
    labels: { app: 'simple' },
  },
  spec: {
    replicas: 1,
    template: { spec: { containers: [{ name: 'simple', image: 'cncamp/httpserver:v1.0-metrics' }] } },
  },
  status: { availableReplicas: 1 },
};

test('stripForApply drops what the server owns and sets the target namespace', () => {
  const s = stripForApply(live, 'lab');
  assert.deepEqual(s.metadata, { name: 'simple', namespace: 'lab', labels: { app: 'simple' } });
  assert.equal(s.status, undefined);
  assert.equal(live.metadata.resourceVersion, '812', 'the input is not modified');
  assert.equal(
    stripForApply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'y' } }, undefined).metadata
      .namespace,
    undefined,
  );
});

test('changedFields names each changed field with before and after, ignoring server bookkeeping and status', () => {
  const after = structuredClone(live) as ApiObject & {
    spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  };
  after.metadata.resourceVersion = '900';
  after.metadata.managedFields = [];
  after.status = { availableReplicas: 0 };
  assert.deepEqual(changedFields(live, after), []);
  after.spec.replicas = 2;
  after.spec.template.spec.containers[0]!.image = 'cncamp/httpserver:v2';
  after.metadata.labels = { app: 'simple', tier: 'web' };
  assert.deepEqual(changedFields(live, after), [
    'metadata.labels.tier: (none) → "web"',
    'spec.replicas: 1 → 2',
    'spec.template.spec.containers[0].image: "cncamp/httpserver:v1.0-metrics" → "cncamp/httpserver:v2"',
  ]);
});

test("changedFields on a Secret says which values change, never the values (nor kubectl's copy of them)", () => {
  const secret = (data: Record<string, string> | undefined, note: string): ApiObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'cert',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': note, team: 'a' },
    },
    ...(data ? { data } : {}),
  });
  const before = secret({ 'tls.crt': 'T0xEQ0VSVA==', 'tls.key': 'T0xES0VZ' }, '{"data":{"tls.key":"T0xES0VZ"}}');
  const after = secret({ 'tls.crt': 'TkVXQ0VSVA==', 'ca.crt': 'Q0E=' }, '{"data":{"tls.key":"TkVXS0VZ"}}');
  const lines = changedFields(before, after);
  assert.deepEqual(lines, [
    'data.ca.crt: added (value hidden)',
    'data.tls.crt: changed (value hidden)',
    'data.tls.key: removed (value hidden)',
    'metadata.annotations.kubectl.kubernetes.io/last-applied-configuration: changed (value hidden)',
  ]);
  assert.deepEqual(changedFields(secret(undefined, ''), secret({ 'tls.key': 'T0xES0VZ' }, '')), [
    'data: added (keys tls.key; values hidden)',
  ]);
  // other objects still show their values
  assert.deepEqual(changedFields({ ...before, kind: 'ConfigMap' }, { ...after, kind: 'ConfigMap' }).slice(0, 1), [
    'data.ca.crt: (none) → "Q0E="',
  ]);
});

test('applyOrder puts Namespaces and CRDs first and keeps the file order otherwise', () => {
  const o = (kind: string, name: string): ApiObject => ({ apiVersion: 'v1', kind, metadata: { name } });
  const order = applyOrder([
    o('Deployment', 'a'),
    o('Service', 'b'),
    o('CustomResourceDefinition', 'c'),
    o('Namespace', 'd'),
    o('Gateway', 'e'),
  ]);
  assert.deepEqual(
    order.map((x) => x.metadata.name),
    ['d', 'c', 'a', 'b', 'e'],
  );
});

test('deploymentProgress follows kubectl rollout status', () => {
  const d = (status: Deployment['status'], generation = 2, replicas = 1): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', generation },
    spec: { replicas },
    status,
  });
  assert.equal(deploymentProgress('x', undefined).message, 'not created yet');
  assert.deepEqual(
    (({ done, message }) => ({ done, message }))(
      deploymentProgress('n', d({ observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 })),
    ),
    { done: true, message: '1/1 available' },
  );
  // the controller has not seen the new spec yet
  assert.equal(
    deploymentProgress('n', d({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 })).done,
    false,
  );
  // an old replica is still there
  assert.equal(
    deploymentProgress('n', d({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 })).done,
    false,
  );
  const stuck = deploymentProgress(
    'n',
    d({
      observedGeneration: 2,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    }),
  );
  assert.deepEqual([stuck.done, stuck.message], [false, '0/1 available: ProgressDeadlineExceeded']);
});

test('podInfo: IP, node, readiness and why a pod is not ready', () => {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'simple-7d4b9c6f5-x2v9k', namespace: 'simple', labels: { app: 'simple' } },
    spec: { nodeName: 'lab-node-0' },
    status: {
      phase: 'Pending',
      podIP: '10.244.0.7',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{ name: 'simple', ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } }],
    },
  };
  assert.deepEqual(podInfo(pod), {
    name: 'simple-7d4b9c6f5-x2v9k',
    namespace: 'simple',
    ip: '10.244.0.7',
    node: 'lab-node-0',
    phase: 'Pending',
    ready: false,
    labels: { app: 'simple' },
    notReadyReason: 'ImagePullBackOff',
  });
  pod.status!.conditions = [{ type: 'Ready', status: 'True' }];
  assert.equal(podInfo(pod).ready, true);
  assert.equal(podInfo(pod).notReadyReason, undefined);
});

test('endpointInfos flattens EndpointSlices; a missing ready condition means ready', () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'simple-abcde', namespace: 'simple' },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.244.0.7'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'lab-node-0',
        targetRef: { kind: 'Pod', name: 'simple-1' },
      },
      {
        addresses: ['10.244.0.8'],
        conditions: { ready: false, terminating: true },
        targetRef: { kind: 'Pod', name: 'simple-2' },
      },
      { addresses: ['10.244.0.9'] },
    ],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  };
  assert.deepEqual(
    endpointInfos([slice]).map((e) => [e.ip, e.ready, e.terminating, e.podName ?? '-']),
    [
      ['10.244.0.7', true, false, 'simple-1'],
      ['10.244.0.8', false, true, 'simple-2'],
      ['10.244.0.9', true, false, '-'],
    ],
  );
});

test('parseManifests reads every document, skips empty ones, unpacks Lists, and names the line of a YAML error', () => {
  const objs = parseManifests(
    '---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n',
  );
  assert.deepEqual(
    objs.map((o) => `${o.kind}/${o.metadata.name}`),
    ['Service/a', 'ConfigMap/b'],
  );
  assert.throws(
    () => parseManifests('apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n bad: indent\n', 'simple.yaml'),
    (e: unknown) =>
      e instanceof ClusterError && e.kind === 'invalid' && /^simple\.yaml:\d+ is not valid YAML/.test(e.message),
  );
});
