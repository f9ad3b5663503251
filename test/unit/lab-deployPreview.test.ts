// Deploy to a cluster that is not the lab's own: which context, and the dry run's answer per object.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDeployPreview, isLabCluster, LAB_CONTEXT } from '../../src/lab/deployPreview';

test("only the lab's own kubeconfig and context count as the lab's cluster", () => {
  assert.equal(isLabCluster({ name: LAB_CONTEXT, files: ['/home/me/istio-ingress-lab/.cluster/kubeconfig'] }), true);
  assert.equal(
    isLabCluster({ name: LAB_CONTEXT, files: ['/home/me/.kube/config'] }),
    false,
    "a context of that name elsewhere is the user's",
  );
  assert.equal(isLabCluster({ name: 'prod', files: ['/repo/.cluster/kubeconfig'] }), false);
  assert.equal(isLabCluster({ name: LAB_CONTEXT, files: [] }), false);
});

test('the preview names the context, counts each action and lists what changes', () => {
  const p = formatDeployPreview({ name: 'prod', server: 'https://k8s.example.com' }, 'simple', [
    { ref: 'namespaces/simple', action: 'unchanged', changes: [] },
    {
      ref: 'deployments.apps/simple',
      namespace: 'simple',
      action: 'configured',
      changes: ['spec.replicas: 1 → 2', 'a: 1 → 2', 'b: 1 → 2', 'c: 1 → 2', 'd: 1 → 2', 'e: 1 → 2'],
    },
    { ref: 'services/nginx', namespace: 'simple', action: 'created', changes: [] },
  ]);
  assert.equal(
    p.message,
    'Deploy the sample to context "prod" (https://k8s.example.com), namespace simple? 1 to create, 1 to change, 1 unchanged.',
  );
  assert.equal(
    p.detail,
    [
      'Server-side apply dry run (field manager istio-ingress-lab); nothing is written until you choose Deploy:',
      '  namespaces/simple: unchanged',
      '~ deployments.apps/simple -n simple: changed',
      '    spec.replicas: 1 → 2',
      '    a: 1 → 2',
      '    b: 1 → 2',
      '    c: 1 → 2',
      '    d: 1 → 2',
      '    … 1 more',
      '+ services/nginx -n simple: created',
    ].join('\n'),
  );
});
