// Reachability, context info, and the messages users get for a wrong context, an unreachable server,
// bad credentials and missing RBAC — against the lab's real kube-apiserver.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from '../../src/kube/index';
import { kubeconfigPath, labCluster, metric, ms, whenCluster } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-cluster-'));

/** The lab kubeconfig with another server or user, written as a real file. */
function variant(
  name: string,
  edit: (cfg: { server: string; ca?: string; caFile?: string }) => { server: string; user: string; noCA?: boolean },
): string {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  const ca = cluster.caData ?? (cluster.caFile ? fs.readFileSync(cluster.caFile).toString('base64') : undefined);
  const { server, user, noCA } = edit({ server: cluster.server, ca });
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: ${name}
clusters:
- name: ${name}
  cluster:
    server: ${server}
${noCA ? '    # no certificate-authority' : ca ? `    certificate-authority-data: ${ca}` : '    insecure-skip-tls-verify: true'}
users:
- name: ${name}-user
  user: ${user}
contexts:
- name: ${name}
  context: {cluster: ${name}, user: ${name}-user}
`,
  );
  return file;
}

async function failure(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ClusterError, `expected a ClusterError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

await whenCluster('reachability and error messages', () => {
  const { cluster, lines } = labCluster();
  after(() => cluster.dispose());

  test('context info names the kwok context, its 127.0.0.1 server and user, and reachability gives the version', async () => {
    const ctx = cluster.context();
    assert.equal(ctx.name, 'kwok-istio-ingress-lab');
    assert.match(ctx.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(ctx.user);
    const t0 = performance.now();
    const r = await cluster.checkReachable();
    metric('checkReachableMs', ms(t0));
    assert.match(r.version, /^v1\.36\./);
    assert.ok(r.identity, 'SelfSubjectReview names the user');
    assert.ok(
      lines.some((l) => /^get version → 200 \d+ms$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^create selfsubjectreviews\.authentication\.k8s\.io → 201 \d+ms$/.test(l)),
      lines.join('\n'),
    );
    const raw = fs.readFileSync(kubeconfigPath, 'utf8');
    for (const secret of raw.match(/(client-key-data|token): (\S+)/g) ?? []) {
      assert.ok(!lines.join('\n').includes(secret.split(': ')[1]!), 'no credential in the log');
    }
  });

  test('a context name that is not in the kubeconfig says which contexts exist', async () => {
    const { cluster: wrong } = labCluster({ context: 'kind-kind' });
    const err = await failure(wrong.checkReachable());
    assert.equal(err.kind, 'context-not-found');
    assert.match(
      err.message,
      /The context "kind-kind" is not in the kubeconfig .*Contexts there: kwok-istio-ingress-lab\./,
    );
  });

  test('a kubeconfig pointing at 127.0.0.1:1 is unreachable, and says so quickly', async () => {
    const file = variant('nowhere', () => ({ server: 'https://127.0.0.1:1', user: '{token: not-used}' }));
    const { cluster: c, lines: l } = labCluster({ kubeconfig: file });
    const t0 = performance.now();
    const err = await failure(c.checkReachable());
    assert.ok(ms(t0) < 5000);
    assert.equal(err.kind, 'unreachable');
    assert.equal(
      err.message,
      'Cannot reach the API server https://127.0.0.1:1 of context "nowhere" (connection refused).',
    );
    assert.match(err.hint, /kubectl --context nowhere cluster-info/);
    assert.match(l[0]!, /^get version → unreachable \d+ms$/);
  });

  test("a kubeconfig without the cluster's CA fails TLS verification, and says which setting to fix", async () => {
    const file = variant('noca', (c) => ({ server: c.server, user: '{token: not-used}', noCA: true }));
    const { cluster: c } = labCluster({ kubeconfig: file });
    const err = await failure(c.checkReachable());
    assert.equal(err.kind, 'tls');
    assert.match(
      err.message,
      /^The TLS connection to the API server https:\/\/127\.0\.0\.1:\d+ of context "noca" failed: /,
    );
    assert.match(err.hint, /certificate-authority/);
  });

  test('a wrong token is unauthorized (401), naming the kubeconfig user', async () => {
    const file = variant('badtoken', (c) => ({ server: c.server, user: '{token: this-is-not-a-valid-token}' }));
    const { cluster: c } = labCluster({ kubeconfig: file });
    const err = await failure(c.istioStatus());
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.status, 401);
    assert.match(err.message, /rejected the credentials of user "badtoken-user" \(401 Unauthorized\)/);
  });

  test('a ServiceAccount without RBAC is forbidden, and the message names user, verb, resource and namespace', async () => {
    // Setup through client-node directly, not through the code under test.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = 'lab-rbac-test';
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    await core
      .createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } })
      .catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'nobody',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token;
    assert.ok(token);

    const file = variant('norbac', (c) => ({ server: c.server, user: `{token: ${token}}` }));
    const { cluster: c, lines: l } = labCluster({ kubeconfig: file });
    const r = await c.checkReachable();
    assert.equal(r.identity, `system:serviceaccount:${ns}:nobody`);
    const err = await failure(c.istioStatus());
    assert.equal(err.kind, 'forbidden');
    assert.equal(
      err.message,
      `User "system:serviceaccount:${ns}:nobody" may not get namespaces "istio-system" (403 Forbidden).`,
    );
    assert.match(err.hint, /kubectl --context norbac auth can-i get namespaces/);
    const pods = await failure(c.listPods('istio-system', { labelSelector: 'istio=ingressgateway' }));
    assert.equal(
      pods.message,
      `User "system:serviceaccount:${ns}:nobody" may not list pods in namespace "istio-system" (403 Forbidden).`,
    );
    assert.match(pods.hint, /auth can-i list pods -n istio-system/);
    assert.ok(
      l.some((x) => /^list pods -n istio-system labelSelector=istio=ingressgateway → 403 \d+ms$/.test(x)),
      l.join('\n'),
    );
    assert.ok(!l.join('\n').includes(token), 'the token is never logged');
    await core.deleteNamespace({ name: ns });
  });

  test('Istio status: CRDs served (v1), istio-system with the gateway Service and a Ready gateway pod', async () => {
    const s = await cluster.istioStatus();
    assert.deepEqual(s.problems, []);
    assert.equal(s.ok, true);
    assert.equal(s.crds.installed, true);
    assert.equal(s.crds.version, 'v1');
    assert.ok(s.crds.servedVersions.includes('v1beta1') && s.crds.servedVersions.includes('v1alpha3'));
    assert.equal(s.namespace.exists, true);
    assert.equal(s.gatewayService?.metadata.name, 'istio-ingressgateway');
    assert.equal(s.gatewayService?.spec.type, 'LoadBalancer');
    assert.ok(s.readyPod?.name.startsWith('istio-ingressgateway-'));
    assert.match(s.readyPod!.ip ?? '', /^10\.244\./);
    assert.equal(s.readyPod!.node, 'lab-node-0');
    // '' lists across namespaces (kubectl -A), as the analyzer's cluster mode needs
    const all = await cluster.listPods('');
    assert.ok(all.some((p) => p.namespace === 'istio-system' && p.name === s.readyPod!.name));
    assert.ok(
      lines.some((l) => /^list pods → 200 \(\d+ items\) \d+ms$/.test(l)),
      lines.join('\n'),
    );
  });

  test('Istio status where there is no gateway: a missing namespace, then an empty one, each with what to do', async () => {
    const ns = 'lab-no-gateway';
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    for (let i = 0; i < 60; i++) {
      const gone = await core.readNamespace({ name: ns }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = await cluster.istioStatus({ namespace: ns });
    assert.equal(before.ok, false);
    assert.equal(before.namespace.exists, false);
    assert.deepEqual(
      before.problems.map((p) => p.message),
      [`The namespace "${ns}" does not exist, so there is no Istio ingress gateway.`],
    );
    assert.match(before.problems[0]!.hint, /set the gateway namespace in the settings/i);

    await core.createNamespace({ body: { metadata: { name: ns } } });
    const after = await cluster.istioStatus({ namespace: ns });
    assert.equal(after.namespace.exists, true);
    assert.deepEqual(
      after.problems.map((p) => p.message),
      [
        `No Service in "${ns}" has the labels istio=ingressgateway: the ingress gateway is not installed.`,
        `No pod in "${ns}" has the labels istio=ingressgateway.`,
      ],
    );
    await core.deleteNamespace({ name: ns });
  });

  test('ingress addresses of the real gateway Service: LoadBalancer IP, node IP + NodePort, ClusterIP', async () => {
    const s = await cluster.istioStatus();
    const a = await cluster.ingressAddresses(s.gatewayService!);
    const kinds = a.addresses.map((x) => x.kind);
    assert.equal(kinds.at(-1), 'clusterIP');
    assert.equal(a.servicePort?.port, 80);
    assert.equal(a.servicePort?.targetPort, 8080);
    // NodePort addresses follow the nodes' own addresses, read here with client-node.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
    const expected = nodes.flatMap((n) =>
      (n.status?.addresses ?? [])
        .filter((x) => x.type === 'InternalIP' || x.type === 'ExternalIP')
        .map((x) => `${n.metadata?.name} ${x.address}:${a.servicePort?.nodePort}`),
    );
    assert.deepEqual(
      a.addresses
        .filter((x) => x.kind === 'nodePort')
        .map((x) => `${x.node} ${x.host}:${x.port}`)
        .sort(),
      expected.sort(),
    );
    if (!expected.length)
      assert.ok(
        a.notes.includes('No node reports an InternalIP or ExternalIP, so no NodePort address can be shown.'),
        a.notes.join('\n'),
      );
    const lb = a.addresses.find((x) => x.kind === 'loadBalancer');
    const ingress = s.gatewayService!.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ingress) assert.equal(lb?.url, `http://${ingress}:80`);
  });
});
