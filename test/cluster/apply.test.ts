// The walkthrough's deploy and clean-up steps against the real API server: the seed's three manifests
// server-side applied with the lab's field manager (dry run first), the rollout awaited, the Services'
// EndpointSlices read back as the pods' IPs; namespace deletion only after listing its contents.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { ClusterError, createCluster, parseManifests, type ApplyResult } from '../../src/kube/index';
import { kubeconfigPath, labCluster, metric, ms, seedManifestTexts, whenCluster } from './helpers';

// Another namespace can be given so the test does not disturb a lab in progress on the same cluster.
const ns = process.env.LAB_SAMPLE_NAMESPACE ?? 'simple';
const seedObjects = () => seedManifestTexts(ns).flatMap((f) => parseManifests(f.text, f.name));
const summary = (rs: ApplyResult[]) => rs.map((r) => `${r.ref} ${r.action}${r.dryRun ? ' (dry run)' : ''}`);

async function failure(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ClusterError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

await whenCluster('apply, rollout, endpoints, namespace clean-up', () => {
  const { cluster, lines } = labCluster();
  after(() => cluster.dispose());
  let appliedAt = 0;

  test('deleting a namespace needs its listed contents; protected namespaces are refused', async () => {
    const tns = 'lab-delete-test';
    await cluster.serverSideApply(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1' } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'svc1' },
          spec: { ports: [{ port: 80 }], selector: { app: 'x' } },
        },
      ],
      { namespace: tns },
    );
    const contents = await cluster.describeNamespaceContents(tns);
    assert.equal(contents.exists, true);
    for (const line of ['configmaps/cm1', 'services/svc1', 'serviceaccounts/default', 'configmaps/kube-root-ca.crt']) {
      assert.ok(contents.lines.includes(line), `${line} in ${contents.lines.join(', ')}`);
    }
    assert.deepEqual(contents.unlisted, []);

    const refused = await failure(cluster.deleteNamespace(tns, { confirmed: undefined as never }));
    assert.equal(refused.kind, 'refused');
    const other = await failure(cluster.deleteNamespace(tns, { confirmed: { ...contents, namespace: 'other' } }));
    assert.equal(other.kind, 'refused');
    const system = await failure(
      cluster.deleteNamespace('istio-system', { confirmed: { ...contents, namespace: 'istio-system' } }),
    );
    assert.match(system.message, /does not delete the namespace "istio-system"/);

    const t0 = performance.now();
    await cluster.deleteNamespace(tns, { confirmed: contents, wait: true, timeoutMs: 60_000 });
    metric('deleteNamespaceWaitMs', ms(t0));
    assert.equal((await cluster.describeNamespaceContents(tns)).exists, false);
  });

  test('cancelling an apply stops it and says what was already applied', async () => {
    const cns = 'lab-cancel-test';
    const abort = new AbortController();
    const c = createCluster({
      kubeconfigPath,
      // Cancel as soon as the first Deployment is written, like a user pressing Cancel on the progress.
      log: (l) => l.startsWith('patch deployments.apps simple') && l.includes(' → 201 ') && abort.abort(),
    });
    try {
      const objects = seedManifestTexts(cns).flatMap((f) => parseManifests(f.text, f.name));
      const err = await failure(c.serverSideApply(objects, { namespace: cns, signal: abort.signal }));
      assert.equal(err.kind, 'cancelled');
      assert.equal(
        err.message,
        `Apply cancelled; already applied: namespaces/${cns} created, deployments.apps/simple created.`,
      );
      assert.match(err.hint, /Apply again to finish/);
      const contents = await c.describeNamespaceContents(cns);
      assert.ok(!contents.lines.includes('services/simple'), 'nothing after the cancel was written');
      await c.deleteNamespace(cns, { confirmed: contents, wait: true, timeoutMs: 60_000 });
    } finally {
      await c.dispose();
    }
  });

  test("a fresh start: an earlier run's sample namespace is deleted after listing it", async () => {
    const contents = await cluster.describeNamespaceContents(ns);
    if (contents.exists) await cluster.deleteNamespace(ns, { confirmed: contents, wait: true, timeoutMs: 90_000 });
    assert.equal((await cluster.describeNamespaceContents(ns)).exists, false);
  });

  test('dry run on an empty cluster: the namespace and all six objects would be created, nothing is written', async () => {
    const rs = await cluster.serverSideApply(seedObjects(), { dryRun: true, namespace: ns });
    assert.deepEqual(summary(rs), [
      `namespaces/${ns} created (dry run)`,
      'deployments.apps/simple created (dry run)',
      'services/simple created (dry run)',
      'deployments.apps/nginx-deployment created (dry run)',
      'services/nginx created (dry run)',
      'virtualservices.networking.istio.io/simple created (dry run)',
      'gateways.networking.istio.io/simple created (dry run)',
    ]);
    assert.match(rs[1]!.note ?? '', new RegExp(`namespace "${ns}" does not exist yet`));
    assert.equal((await cluster.describeNamespaceContents(ns)).exists, false, 'a dry run writes nothing');
  });

  test('server-side apply creates the namespace first, then the six objects, owned by field manager istio-ingress-lab', async () => {
    const t0 = performance.now();
    appliedAt = t0;
    const rs = await cluster.serverSideApply(seedObjects(), { namespace: ns });
    metric('applySeedMs', ms(t0));
    assert.deepEqual(summary(rs), [
      `namespaces/${ns} created`,
      'deployments.apps/simple created',
      'services/simple created',
      'deployments.apps/nginx-deployment created',
      'services/nginx created',
      'virtualservices.networking.istio.io/simple created',
      'gateways.networking.istio.io/simple created',
    ]);
    // Read back with client-node itself: the lab's field manager owns the fields it applied.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'simple' });
    const managers = (d.metadata?.managedFields ?? []).filter((m) => m.operation === 'Apply').map((m) => m.manager);
    assert.deepEqual(managers, ['istio-ingress-lab']);
    assert.ok(
      lines.some((l) =>
        new RegExp(`^patch deployments\\.apps simple -n ${ns} fieldManager=istio-ingress-lab → 201 \\d+ms$`).test(l),
      ),
      lines.join('\n'),
    );
  });

  test('waits for both Deployments to be available, reporting progress', async () => {
    const seen: string[] = [];
    const t0 = performance.now();
    const done = await cluster.waitForDeploymentsAvailable(ns, ['simple', 'nginx-deployment'], {
      timeoutMs: 90_000,
      pollMs: 500,
      onProgress: (p) => seen.push(p.map((x) => `${x.name} ${x.message}`).join(', ')),
    });
    metric('rolloutWaitMs', ms(t0));
    metric('applyToAvailableMs', ms(appliedAt));
    assert.deepEqual(
      done.map((p) => [p.name, p.done, p.message]),
      [
        ['simple', true, '1/1 available'],
        ['nginx-deployment', true, '1/1 available'],
      ],
    );
    assert.ok(seen.length >= 1);
  });

  test('dry run of a changed manifest reports exactly the changed field; re-applying the same is unchanged', async () => {
    const changed = seedObjects();
    const dep = changed.find((o) => o.kind === 'Deployment' && o.metadata.name === 'simple')! as unknown as {
      spec: { replicas: number };
    };
    dep.spec.replicas = 2;
    const dry = await cluster.serverSideApply(changed, { dryRun: true, namespace: ns });
    assert.deepEqual(
      dry.filter((r) => r.action !== 'unchanged').map((r) => [r.ref, r.action, r.changes]),
      [['deployments.apps/simple', 'configured', ['spec.replicas: 1 → 2']]],
    );
    const d = (await cluster.listDeployments(ns)).find((x) => x.metadata.name === 'simple');
    assert.equal(d?.spec?.replicas, 1, 'the dry run changed nothing');

    const again = await cluster.serverSideApply(seedObjects(), { namespace: ns });
    assert.deepEqual(new Set(again.map((r) => r.action)), new Set(['unchanged']));
  });

  test('waiting for a Deployment that never becomes available times out with the reason', async () => {
    const err = await failure(
      cluster.waitForDeploymentsAvailable(ns, ['no-such-deployment'], { timeoutMs: 1500, pollMs: 500 }),
    );
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /Not available after 2 s: Deployment no-such-deployment not created yet\./);
  });

  test("EndpointSlices of both Services hold the pods' IPs, ready, with the pod names", async () => {
    for (const [svc, app] of [
      ['simple', 'simple'],
      ['nginx', 'nginx'],
    ] as const) {
      const pods = await cluster.listPods(ns, { labelSelector: `app=${app}` });
      assert.equal(pods.length, 1);
      assert.ok(pods[0]!.ready && pods[0]!.ip, `pod ${pods[0]!.name} ready with an IP`);
      let eps = await cluster.serviceEndpoints(ns, svc);
      for (let i = 0; i < 20 && !eps.length; i++) {
        await new Promise((r) => setTimeout(r, 250)); // the EndpointSlice controller follows the pods shortly
        eps = await cluster.serviceEndpoints(ns, svc);
      }
      assert.deepEqual(
        eps.map((e) => ({ ip: e.ip, ready: e.ready, pod: e.podName, node: e.nodeName, ports: e.ports })),
        [
          {
            ip: pods[0]!.ip,
            ready: true,
            pod: pods[0]!.name,
            node: 'lab-node-0',
            ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
          },
        ],
      );
    }
  });

  test('the clean-up step lists exactly what deleting the sample namespace deletes', async () => {
    const contents = await cluster.describeNamespaceContents(ns);
    const pods = (await cluster.listPods(ns)).map((p) => p.name).sort();
    const expected = [
      // istiod (real in the lab's cluster) writes its CA's CRL and root certificate into every namespace
      /^configmaps\/istio-ca-crl$/,
      /^configmaps\/istio-ca-root-cert$/,
      /^configmaps\/kube-root-ca\.crt$/,
      /^deployments\.apps\/nginx-deployment$/,
      /^deployments\.apps\/simple$/,
      /^endpoints\/nginx$/,
      /^endpoints\/simple$/,
      /^endpointslices\.discovery\.k8s\.io\/nginx-\w+$/,
      /^endpointslices\.discovery\.k8s\.io\/simple-\w+$/,
      /^gateways\.networking\.istio\.io\/simple$/,
      new RegExp(`^pods/${pods[0]}$`),
      new RegExp(`^pods/${pods[1]}$`),
      /^replicasets\.apps\/nginx-deployment-\w+$/,
      /^replicasets\.apps\/simple-\w+$/,
      /^serviceaccounts\/default$/,
      /^services\/nginx$/,
      /^services\/simple$/,
      /^virtualservices\.networking\.istio\.io\/simple$/,
    ];
    const events = contents.lines.filter((l) => l.startsWith('events'));
    const rest = contents.lines.filter((l) => !l.startsWith('events'));
    assert.equal(rest.length, expected.length, rest.join('\n'));
    rest.forEach((line, i) => assert.match(line, expected[i]!));
    assert.ok(events.length <= 1 && (events.length === 0 || /^events \(\d+\)$/.test(events[0]!)), String(events));
    assert.ok(!contents.items.some((i) => i.resource === 'events.events.k8s.io'), 'events listed once');
  });

  test("a kind the cluster serves at another version: one line naming the version to write (a tutorial's v1alpha2 TCPRoute, the standard channel serving v1)", async () => {
    const [route] = parseManifests(
      [
        'apiVersion: gateway.networking.k8s.io/v1alpha2',
        'kind: TCPRoute',
        'metadata: {name: tcp, namespace: default}',
        'spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: simple, port: 80}]}]}',
      ].join('\n'),
      'tcp-route.yaml',
    );
    const err = await failure(cluster.serverSideApply([route!], { dryRun: true, namespace: 'default' }));
    assert.equal(err.kind, 'not-found');
    assert.equal(
      err.message,
      'The cluster serves TCPRoute as gateway.networking.k8s.io/v1, not gateway.networking.k8s.io/v1alpha2.',
    );
    assert.match(err.hint ?? '', /^Write apiVersion: gateway\.networking\.k8s\.io\/v1 \(v1alpha2 is served only where/);
  });

  test('Istio objects read back in the served version (networking.istio.io/v1)', async () => {
    const vs = await cluster.virtualServices(ns);
    const gw = await cluster.gateways(ns);
    assert.deepEqual(
      vs.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`),
      ['networking.istio.io/v1 VirtualService simple'],
    );
    assert.deepEqual(
      gw.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`),
      ['networking.istio.io/v1 Gateway simple'],
    );
    assert.equal((vs[0]!.spec as { http: unknown[] }).http.length, 2);
    assert.deepEqual(await cluster.destinationRules(ns), []);
  });
});
