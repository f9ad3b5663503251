// An exec credential plugin without an expiry runs once per minute, not once per request (client-node
// alone would run it on every call; `aws eks get-token` takes about a second each time).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createCluster } from '../../src/kube/cluster';

test('exec plugin credentials are reused across calls; the token never reaches the log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-exec-'));
  const counter = path.join(dir, 'runs');
  const plugin = path.join(dir, 'token-plugin.sh');
  fs.writeFileSync(
    plugin,
    `#!/bin/sh\necho run >> "${counter}"\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-s3cret"}}'\n`,
    { mode: 0o755 },
  );
  const kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: lab
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}}}}]
contexts: [{name: lab, context: {cluster: c, user: u}}]
`,
  );
  const lines: string[] = [];
  const cluster = createCluster({ kubeconfigPath: kubeconfig, log: (l) => lines.push(l) });
  for (let i = 0; i < 3; i++) await cluster.checkReachable().catch(() => undefined);
  assert.equal(fs.readFileSync(counter, 'utf8').trim().split('\n').length, 1, 'the plugin ran once for three calls');
  assert.equal(lines.length, 3);
  assert.ok(!lines.join('\n').includes('exec-s3cret'));
  await cluster.dispose();
});
