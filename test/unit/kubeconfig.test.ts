// A multi-file KUBECONFIG must mean what kubectl says it means: the first file's current-context, the
// first definition of a name, missing files skipped, relative paths resolved against their own file.
// client-node's loadFromDefault does otherwise; the lab loads kubeconfigs itself and is checked against
// a real kubectl on two real files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from '../../src/kube/errors';
import { contextInfo, loadKubeconfig } from '../../src/kube/kubeconfig';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-kubeconfig-'));
const bDir = path.join(dir, 'b');
fs.mkdirSync(path.join(bDir, 'certs'), { recursive: true });
const aFile = path.join(dir, 'a.yaml');
const bFile = path.join(bDir, 'b.yaml');
fs.writeFileSync(
  aFile,
  `apiVersion: v1
kind: Config
current-context: a-ctx
clusters:
- name: shared
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
- name: a-only
  cluster: {server: "https://127.0.0.1:6444"}
users:
- name: shared-user
  user: {token: token-from-a}
contexts:
- name: a-ctx
  context: {cluster: shared, user: shared-user, namespace: from-a}
- name: shared-ctx
  context: {cluster: a-only, user: shared-user}
`,
);
fs.writeFileSync(
  bFile,
  `apiVersion: v1
kind: Config
current-context: b-ctx
clusters:
- name: shared
  cluster: {server: "https://127.0.0.1:7443"}
- name: b-only
  cluster: {server: "https://127.0.0.1:7444", certificate-authority: certs/ca.crt}
users:
- name: shared-user
  user: {token: token-from-b}
- name: b-user
  user: {client-certificate: certs/b.crt, client-key: certs/b.key}
contexts:
- name: b-ctx
  context: {cluster: b-only, user: b-user}
- name: shared-ctx
  context: {cluster: b-only, user: b-user}
`,
);
const missing = path.join(dir, 'missing.yaml');
const KUBECONFIG = [aFile, missing, bFile].join(path.delimiter);
const env = { KUBECONFIG, HOME: dir };

function kubectlBinary(): string | undefined {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const candidates = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'kubectl'));
  const binDir = path.join(cache, 'istio-ingress-lab', 'bin');
  if (fs.existsSync(binDir)) for (const d of fs.readdirSync(binDir)) candidates.push(path.join(binDir, d, 'kubectl'));
  return candidates.find((c) => fs.existsSync(c));
}

/** What each context resolves to: cluster server and user token. */
function resolved(kc: KubeConfig): Record<string, { server?: string; token?: string; namespace?: string }> {
  const out: Record<string, { server?: string; token?: string; namespace?: string }> = {};
  for (const c of kc.getContexts()) {
    out[c.name] = {
      server: kc.getCluster(c.cluster)?.server,
      token: kc.getUser(c.user)?.token ?? undefined,
      namespace: c.namespace,
    };
  }
  return out;
}

test('KUBECONFIG a:missing:b — first current-context, first definition of each name wins, missing file skipped', () => {
  const loaded = loadKubeconfig({ env });
  assert.deepEqual(loaded.files, [aFile, bFile]);
  assert.equal(loaded.contextName, 'a-ctx');
  const r = resolved(loaded.kc);
  assert.deepEqual(r['a-ctx'], { server: 'https://127.0.0.1:6443', token: 'token-from-a', namespace: 'from-a' });
  assert.deepEqual(r['shared-ctx'], { server: 'https://127.0.0.1:6444', token: 'token-from-a', namespace: undefined });
  assert.deepEqual(r['b-ctx'], { server: 'https://127.0.0.1:7444', token: undefined, namespace: undefined });
  // relative certificate paths resolve against the file that names them
  assert.equal(loaded.kc.getCluster('b-only')?.caFile, path.join(bDir, 'certs', 'ca.crt'));
  assert.equal(loaded.kc.getUser('b-user')?.certFile, path.join(bDir, 'certs', 'b.crt'));
});

test('the same two files through a real kubectl give the same contexts, servers, tokens and current context', (t) => {
  const kubectl = kubectlBinary();
  if (!kubectl) {
    t.skip('no kubectl on PATH or in the harness cache (npm run harness:build builds one)');
    return;
  }
  const run = (...args: string[]) =>
    execFileSync(kubectl, args, { env: { ...process.env, KUBECONFIG }, encoding: 'utf8' });
  const view = JSON.parse(run('config', 'view', '--raw', '-o', 'json')) as {
    'current-context': string;
    clusters: { name: string; cluster: { server: string } }[];
    users: { name: string; user: { token?: string } }[];
    contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  };
  const kubectlResolved: ReturnType<typeof resolved> = {};
  for (const c of view.contexts) {
    kubectlResolved[c.name] = {
      server: view.clusters.find((x) => x.name === c.context.cluster)?.cluster.server,
      token: view.users.find((x) => x.name === c.context.user)?.user.token,
      namespace: c.context.namespace,
    };
  }
  const ours = loadKubeconfig({ env });
  assert.equal(run('config', 'current-context').trim(), ours.contextName);
  assert.deepEqual(resolved(ours.kc), kubectlResolved);
});

test('client-node loadFromDefault reads the same files differently (why the lab merges itself)', () => {
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = [aFile, bFile].join(path.delimiter);
  try {
    const kc = new KubeConfig();
    // client-node throws on a name defined twice, where kubectl keeps the first definition
    assert.throws(() => kc.loadFromDefault(), /Duplicate cluster: shared/);
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});

test('an explicit context is used, and contextInfo shows names and server but no token', () => {
  const loaded = loadKubeconfig({ env, context: 'b-ctx' });
  const info = contextInfo(loaded);
  assert.deepEqual(
    { name: info.name, cluster: info.cluster, server: info.server, user: info.user },
    { name: 'b-ctx', cluster: 'b-only', server: 'https://127.0.0.1:7444', user: 'b-user' },
  );
  assert.ok(!JSON.stringify(info).includes('token-from'), 'context info must never carry a token');
});

function expectClusterError(fn: () => unknown, kind: string, message: RegExp, hint: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ClusterError, `expected ClusterError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.match(err.message, message);
    assert.match(err.hint, hint);
    return;
  }
  assert.fail('expected an error');
}

test('a context that is not there names the ones that are', () => {
  expectClusterError(
    () => loadKubeconfig({ env, context: 'prod' }),
    'context-not-found',
    /The context "prod" is not in the kubeconfig .* Contexts there: a-ctx, shared-ctx, b-ctx\./,
    /Choose one of those contexts/,
  );
});

test('no kubeconfig at all: KUBECONFIG unset and no ~/.kube/config', () => {
  expectClusterError(
    () => loadKubeconfig({ env: { HOME: path.join(dir, 'nohome') } }),
    'no-kubeconfig',
    /No kubeconfig found \(looked at .*nohome\/\.kube\/config\)/,
    /set KUBECONFIG/,
  );
  expectClusterError(
    () => loadKubeconfig({ kubeconfigPath: missing }),
    'no-kubeconfig',
    /The kubeconfig file .*missing\.yaml does not exist/,
    /Fix the kubeconfig path in the settings/,
  );
});

test('a kubeconfig without current-context says how to pick one', () => {
  const file = path.join(dir, 'nocurrent.yaml');
  fs.writeFileSync(file, fs.readFileSync(aFile, 'utf8').replace('current-context: a-ctx\n', ''));
  expectClusterError(
    () => loadKubeconfig({ kubeconfigPath: file }),
    'no-current-context',
    /has no current context\. Contexts there: a-ctx, shared-ctx\./,
    /kubectl config use-context a-ctx/,
  );
});

test('a broken kubeconfig names the file and the problem', () => {
  const file = path.join(dir, 'broken.yaml');
  fs.writeFileSync(file, 'apiVersion: v1\nclusters:\n- name: x\n  cluster: {}\n');
  expectClusterError(
    () => loadKubeconfig({ kubeconfigPath: file }),
    'bad-kubeconfig',
    /broken\.yaml cannot be read: clusters\[0\]\.cluster\.server is missing/,
    /Fix the file/,
  );
});
