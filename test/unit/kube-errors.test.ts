// Error mapping on the error objects client-node really throws: a refused connection and a missing exec
// plugin are produced by client-node itself (against 127.0.0.1:1 and a plugin that is not installed);
// HTTP failures are client-node's ApiException with the Status bodies kube-apiserver sends.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ApiException, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { createCluster } from '../../src/kube/cluster';
import { ClusterError, noneIfNotServed, toClusterError } from '../../src/kube/errors';

const call = {
  verb: 'list',
  resource: 'pods',
  namespace: 'istio-system',
  context: 'lab',
  server: 'https://127.0.0.1:1',
  user: 'nobody',
};

function kubeConfig(user: Record<string, unknown>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'lab', cluster: 'c', user: 'u' }],
    currentContext: 'lab',
  });
  return kc;
}

async function thrownBy(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

test('client-node FetchError ECONNREFUSED -> unreachable, naming the server and context', async () => {
  const err = await thrownBy(kubeConfig({ token: 't' }).makeApiClient(VersionApi).getCode());
  assert.equal((err as { code?: string }).code, 'ECONNREFUSED'); // the real object, as client-node throws it
  const e = toClusterError(err, call);
  assert.equal(e.kind, 'unreachable');
  assert.equal(e.message, 'Cannot reach the API server https://127.0.0.1:1 of context "lab" (connection refused).');
  assert.match(e.hint, /kubectl --context lab cluster-info/);
});

test('client-node exec auth with the plugin missing from PATH -> exec-plugin-missing naming the plugin and VS Code PATH', async () => {
  const err = await thrownBy(
    kubeConfig({ exec: { command: 'lab-missing-auth-plugin', apiVersion: 'client.authentication.k8s.io/v1beta1' } })
      .makeApiClient(VersionApi)
      .getCode(),
  );
  assert.match(String((err as Error).message), /spawn lab-missing-auth-plugin ENOENT/);
  const e = toClusterError(err, { ...call, user: 'eks-admin' });
  assert.equal(e.kind, 'exec-plugin-missing');
  assert.match(
    e.message,
    /user "eks-admin" gets its credentials from the exec plugin "lab-missing-auth-plugin", which was not found on PATH/,
  );
  assert.match(e.hint, /VS Code was probably started from a desktop launcher whose PATH misses it/);
});

test('ApiException 403 with the API server Status body -> forbidden naming user, verb, resource, namespace', () => {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'pods is forbidden: User "system:serviceaccount:lab:nobody" cannot list resource "pods" in API group "" in the namespace "istio-system"',
    reason: 'Forbidden',
    details: { kind: 'pods' },
    code: 403,
  });
  const e = toClusterError(new ApiException(403, 'Unsuccessful HTTP Request', body, {}), call);
  assert.equal(e.kind, 'forbidden');
  assert.equal(e.status, 403);
  assert.equal(
    e.message,
    'User "system:serviceaccount:lab:nobody" may not list pods in namespace "istio-system" (403 Forbidden).',
  );
  assert.match(e.hint, /kubectl --context lab auth can-i list pods -n istio-system/);
});

test('ApiException 401 as the generated APIs throw it (no body) -> unauthorized with the kubeconfig user', () => {
  const e = toClusterError(new ApiException(401, 'Unauthorized', undefined, {}), call);
  assert.equal(e.kind, 'unauthorized');
  assert.match(e.message, /rejected the credentials of user "nobody" \(401 Unauthorized\)/);
  assert.match(e.hint, /expired/);
});

test('ApiException 422 lists the invalid fields from the Status causes', () => {
  const body = JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    message:
      'Deployment.apps "simple" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    reason: 'Invalid',
    details: {
      name: 'simple',
      group: 'apps',
      kind: 'Deployment',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: -1: must be greater than or equal to 0',
          field: 'spec.replicas',
        },
      ],
    },
    code: 422,
  });
  const e = toClusterError(new ApiException(422, 'Unsuccessful HTTP Request', body, {}), {
    verb: 'patch',
    resource: 'deployments.apps',
    name: 'simple',
    namespace: 'simple',
  });
  assert.equal(e.kind, 'invalid');
  assert.equal(
    e.message,
    'The API server refused patch deployments.apps "simple" in namespace "simple" as invalid. spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  );
});

test('an abort becomes cancelled; a ClusterError passes through unchanged', () => {
  const abort = new DOMException('The operation was aborted', 'AbortError');
  assert.equal(toClusterError(abort, call).kind, 'cancelled');
  const original = new ClusterError('forbidden', 'x', 'y');
  assert.equal(toClusterError(original, call), original);
});

// The same failures through createCluster, with real kubeconfig files and one log line per call.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-errors-'));
function kubeconfigFile(name: string, user: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: lab
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: lab-user
  user: ${user}
contexts:
- name: lab
  context: {cluster: nowhere, user: lab-user}
`,
  );
  return file;
}

test('createCluster on a kubeconfig pointing at 127.0.0.1:1: checkReachable fails as unreachable, logged without the token', async () => {
  const lines: string[] = [];
  const cluster = createCluster({
    kubeconfigPath: kubeconfigFile('refused', '{token: s3cr3t-token}'),
    log: (l) => lines.push(l),
  });
  assert.deepEqual(
    { ...cluster.context(), files: undefined },
    {
      name: 'lab',
      cluster: 'nowhere',
      server: 'https://127.0.0.1:1',
      user: 'lab-user',
      namespace: undefined,
      execPlugin: undefined,
      files: undefined,
    },
  );
  const err = await thrownBy(cluster.checkReachable());
  assert.ok(err instanceof ClusterError);
  assert.equal(err.kind, 'unreachable');
  assert.equal(err.message, 'Cannot reach the API server https://127.0.0.1:1 of context "lab" (connection refused).');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^get version → unreachable \d+ms$/);
  assert.ok(!lines.join('\n').includes('s3cr3t'));
  await cluster.dispose();
});

test('createCluster with an exec plugin that is not installed: the error names the plugin', async () => {
  const cluster = createCluster({
    kubeconfigPath: kubeconfigFile(
      'exec',
      '{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws-lab-missing, args: [eks, get-token]}}',
    ),
  });
  assert.equal(cluster.context().execPlugin, 'aws-lab-missing');
  const err = await thrownBy(cluster.checkReachable());
  assert.ok(err instanceof ClusterError);
  assert.equal(err.kind, 'exec-plugin-missing');
  assert.match(err.message, /user "lab-user" gets its credentials from the exec plugin "aws-lab-missing"/);
  await cluster.dispose();
});

test('createCluster with an exec plugin that fails: exec-plugin-failed with its output', async () => {
  const plugin = path.join(dir, 'failing-plugin.sh');
  fs.writeFileSync(plugin, '#!/bin/sh\necho "error: your SSO session has expired" >&2\nexit 1\n', { mode: 0o755 });
  const cluster = createCluster({
    kubeconfigPath: kubeconfigFile(
      'execfail',
      `{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}}}`,
    ),
  });
  const err = await thrownBy(cluster.checkReachable());
  assert.ok(err instanceof ClusterError);
  assert.equal(err.kind, 'exec-plugin-failed');
  assert.match(err.message, /failed: error: your SSO session has expired/);
  await cluster.dispose();
});

test('createCluster with a context that does not exist: every call fails with the same clear error', async () => {
  const cluster = createCluster({ kubeconfigPath: kubeconfigFile('ctx', '{token: t}'), context: 'staging' });
  assert.throws(
    () => cluster.context(),
    (e: unknown) =>
      e instanceof ClusterError && e.kind === 'context-not-found' && /Contexts there: lab\./.test(e.message),
  );
  const err = await thrownBy(cluster.checkReachable());
  assert.ok(err instanceof ClusterError && err.kind === 'context-not-found');
});

test('a server that accepts the connection but never answers: timeout after timeoutMs, not a hang', async () => {
  const net = await import('node:net');
  const sockets: import('node:net').Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s)); // accepts, never speaks TLS or HTTP
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const file = path.join(dir, 'silent.yaml');
  fs.writeFileSync(
    file,
    fs
      .readFileSync(kubeconfigFile('silent-base', '{token: t}'), 'utf8')
      .replace('https://127.0.0.1:1', `https://127.0.0.1:${port}`),
  );
  const cluster = createCluster({ kubeconfigPath: file });
  const t0 = Date.now();
  const err = await thrownBy(cluster.checkReachable({ timeoutMs: 400 }));
  const took = Date.now() - t0;
  assert.ok(err instanceof ClusterError);
  assert.equal(err.kind, 'timeout');
  assert.match(
    err.message,
    new RegExp(
      `^The API server https://127\\.0\\.0\\.1:${port} of context "lab" did not answer in time \\(get version\\)\\.$`,
    ),
  );
  assert.ok(took >= 350 && took < 3000, `took ${took} ms`);
  const aborted = new AbortController();
  setTimeout(() => aborted.abort(), 100);
  const cancelled = await thrownBy(cluster.checkReachable({ signal: aborted.signal, timeoutMs: 5000 }));
  assert.equal((cancelled as ClusterError).kind, 'cancelled');
  await cluster.dispose();
  for (const s of sockets) s.destroy();
  silent.close();
});

test('a list of a kind the cluster does not serve is empty; a 401 or a timeout stands', () => {
  assert.deepEqual(noneIfNotServed(new ClusterError('not-found', 'no networking.istio.io', '')), []);
  for (const kind of ['unauthorized', 'timeout', 'forbidden'] as const)
    assert.throws(
      () => noneIfNotServed(new ClusterError(kind, kind, '')),
      (e: unknown) => e instanceof ClusterError && e.kind === kind,
    );
  assert.throws(() => noneIfNotServed(new Error('boom')), /boom/);
});
