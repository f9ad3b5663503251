// The AuthorizationPolicy / RequestAuthentication lenses in the real extension host, offline (untrusted through the
// prompt seam, so the cluster is not read): a user adds a policy file next to the sample and sees, on each policy,
// whether it reaches the ingress gateway and why, on each rule what it matches, and on the sample VirtualService the
// match whose request a DENY policy refuses. The selectors are those of the corpus case authz-other-selector, where
// Istio's own generator (test/corpus/authz-other-selector/oracle.json) puts the istio=ingressgateway policy's rule in
// the gateway's DENY rbac filter and leaves the app=simple one out; test/unit/lab-authz-lens-text.test.ts holds the
// lens words to Istio's output on every authz-* case.
// The live suite (when .cluster/kubeconfig answers; failed with LAB_REQUIRE_CLUSTER=1) applies a DENY policy to the
// lab's cluster: the policy's lens reads the real istiod's rbac filter from the gateway Envoy, the match's lens says
// 403 from those filters, and the match's send lens gets 403 from the real gateway. The policy is deleted after.
// (The file is named so that it runs after cluster.test.ts, whose first tests meet the sample undeployed.)
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import type { PromptSeam } from '../../src/editor/prompts';
import { connectLabCluster, EXTENSION_ID, labApi, ScriptedPrompts } from './seam';

const workspaceFile = (name: string) => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, name);

const POLICIES = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-simple-pods
  namespace: istio-system
spec:
  selector:
    matchLabels:
      app: simple
  action: DENY
  rules:
  - {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-nginx
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/simple/nginx*"]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt
  namespace: istio-system
spec:
  jwtRules:
  - issuer: testing@secure.istio.io
    jwksUri: https://example.com/jwks.json
`;

/** Every lens title of a document with its line, top to bottom, once `ok` holds (lenses come after the scan). */
async function lensesUntil(
  uri: vscode.Uri,
  ok: (ls: [number, string][]) => boolean,
  timeoutMs = 20_000,
  between: () => Thenable<unknown> = () => Promise.resolve(),
): Promise<[number, string][]> {
  await vscode.workspace.openTextDocument(uri);
  const until = Date.now() + timeoutMs;
  let seen: [number, string][] = [];
  while (Date.now() < until) {
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    seen = lenses
      .filter((l) => l.command?.title)
      .map((l): [number, string] => [l.range.start.line, l.command!.title])
      .sort((a, b) => a[0] - b[0]);
    if (ok(seen)) return seen;
    await new Promise((r) => setTimeout(r, 300));
    await between();
  }
  assert.fail(`after ${timeoutMs} ms ${vscode.workspace.asRelativePath(uri)} shows ${JSON.stringify(seen)}`);
}

suite('authorization lenses', function () {
  let api: LabApi;
  let before: PromptSeam;
  const file = () => workspaceFile('authz-policies.yaml');

  suiteSetup(async () => {
    api = await labApi(vscode);
    before = api.ctx.prompts;
    const untrusted = new ScriptedPrompts();
    untrusted.trusted = false;
    api.setPrompts(untrusted);
    writeFileSync(file().fsPath, POLICIES);
  });
  suiteTeardown(() => {
    rmSync(file().fsPath, { force: true });
    if (api) api.setPrompts(before);
  });

  test('each policy says on its kind line whether it reaches the ingress gateway and why; each rule what it matches', async () => {
    const doc = await vscode.workspace.openTextDocument(file());
    await vscode.window.showTextDocument(doc);
    const line = (needle: string, after = 0) => {
      for (let i = after; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
      assert.fail(`${needle} not in the file`);
    };
    const seen = await lensesUntil(doc.uri, (ls) => ls.some(([, t]) => t.startsWith('predicted')));
    const second = line('kind: AuthorizationPolicy', 2);
    const third = line('kind: RequestAuthentication');
    // selectorless in the root namespace, it also reaches the pods of any Gateway API Gateway of class istio that
    // other suites left in the workspace (gateway-api.yaml): the tooltip names them
    const rootTitle = seen.find(([l]) => l === third)?.[1] ?? '';
    assert.match(
      rootTitle,
      /^predicted ✓ ingress gateway( \+\d+ more)?: no selector, in the root namespace istio-system$/,
    );
    assert.deepEqual(seen, [
      [1, "predicted ✗ ingress gateway: its selector app=simple does not match the gateway's pods"],
      [line('- {}'), 'DENY: every request'],
      [second, "predicted ✓ ingress gateway: its selector istio=ingressgateway matches the gateway's pods"],
      [line('- to:'), 'DENY: path /simple/nginx*'],
      [third, rootTitle],
      [line('- issuer:'), 'JWT issuer testing@secure.istio.io (keys from https://example.com/jwks.json)'],
    ]);
  });

  test("the sample's /simple/nginx match shows the DENY policy that refuses its request; /simple/httpserver shows none", async () => {
    const specs = workspaceFile('istio-specs.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(specs));
    const seen = await lensesUntil(specs, (ls) => ls.some(([, t]) => t.includes('403')));
    const refusals = seen.filter(([, t]) => t.includes('403') || t.includes('401'));
    // on the line of the match's route lens (the one the send lens's request is built from)
    const nginxRoute = seen.find(([, t]) => t.startsWith('predicted http.8080') && t.includes('/simple/nginx*'));
    assert.ok(nginxRoute, JSON.stringify(seen));
    assert.deepEqual(refusals, [[nginxRoute[0], 'predicted: 403 by DENY istio-system/deny-nginx rule 0']]);
  });
});

const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
const harnessVar = (name: string) =>
  execFileSync('bash', ['-c', `source "$1" && echo "$${name}"`, 'bash', join(repo(), 'test/harness/versions.sh')], {
    encoding: 'utf8',
  }).trim();

/**
 * Refresh, as a user who applied with kubectl presses it, then wait until the gateways' Envoys have been read again.
 * Asking for lenses right after a refresh gets the predicted ones while the read is under way, and a refresh on
 * every try would drop each read before it lands (a read that starts before a refresh is not remembered); under
 * load a read through the port-forward takes longer than the pause between tries.
 */
async function refreshAndRead(api: LabApi, uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('istioIngressLab.refresh');
  const p = await api.ctx.engine.predictDocument(await vscode.workspace.openTextDocument(uri));
  await Promise.all([api.ctx.live.get(), ...[...p.gateways.values()].map((g) => api.ctx.live.get(g))]);
}

const LIVE_POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: lens-deny-nginx
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  action: DENY
  rules:
  - to:
    - operation:
        paths: ["/simple/nginx*"]
`;

suite('authorization lenses, live on the harness cluster', function () {
  this.timeout(180_000);
  let api: LabApi;
  let kubectl: (...args: string[]) => string;
  let prompts: ScriptedPrompts;
  const file = () => workspaceFile('authz-live.yaml');

  suiteSetup(async function () {
    api = await connectLabCluster(vscode, this);
    const bin = join(harnessVar('K8S_BIN'), 'kubectl');
    const kubeconfig = join(repo(), '.cluster', 'kubeconfig');
    kubectl = (...args: string[]) =>
      execFileSync(bin, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    assert.ok(await vscode.commands.executeCommand('istioIngressLab.deploySample'), JSON.stringify(prompts.shown));
    writeFileSync(file().fsPath, LIVE_POLICY);
    kubectl('apply', '-f', file().fsPath);
    await vscode.commands.executeCommand('istioIngressLab.refresh');
  });
  suiteTeardown(async () => {
    if (!api) return;
    rmSync(file().fsPath, { force: true });
    try {
      kubectl('-n', 'istio-system', 'delete', 'authorizationpolicies.security.istio.io/lens-deny-nginx', '--wait=true');
    } finally {
      await vscode.commands.executeCommand('istioIngressLab.refresh');
      await vscode.workspace
        .getConfiguration('istioIngressLab')
        .update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("the policy's lens reads the gateway Envoy's rbac filter; the match's 403 lens and the real gateway agree", async () => {
    const pod = kubectl(
      '-n',
      'istio-system',
      'get',
      'pods',
      '-l',
      'istio=ingressgateway',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    );
    assert.ok(pod);
    const liveOn = `live: on ${pod}'s DENY rbac filter (rule 0)`;
    // istiod pushes the filter within a second or so; between tries the lab reads the gateway again (Refresh, then the read)
    const policyLenses = await lensesUntil(
      file(),
      (ls) => ls.some(([, t]) => t === liveOn),
      60_000,
      () => refreshAndRead(api, file()),
    );
    assert.deepEqual(
      policyLenses
        .filter(([l]) => l === 1)
        .map(([, t]) => t)
        .sort(),
      ["predicted ✓ ingress gateway: its selector istio=ingressgateway matches the gateway's pods", liveOn].sort(),
    );
    const specs = workspaceFile('istio-specs.yaml');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(specs));
    const seen = await lensesUntil(
      specs,
      (ls) => ls.some(([, t]) => t === 'live: 403 by DENY istio-system/lens-deny-nginx rule 0'),
      60_000,
      () => refreshAndRead(api, specs),
    );
    const nginxRoute = seen.find(([, t]) => t.startsWith('live http.8080') && t.includes('/simple/nginx*'));
    assert.ok(nginxRoute, JSON.stringify(seen));
    assert.deepEqual(
      seen.filter(([, t]) => t.includes('403') || t.includes('401')),
      [[nginxRoute[0], 'live: 403 by DENY istio-system/lens-deny-nginx rule 0']],
    );
    // the send lens of that match: the real gateway answers what the lens said
    // (addresses are not probed here: the lab offers a port-forward to the gateway pod, as a user accepts it)
    prompts.answer('Port-forward');
    const address = await vscode.commands.executeCommand<string>('istioIngressLab.findIngressAddress');
    assert.ok(address, JSON.stringify(prompts.shown));
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', specs, 100)) ?? [];
    const send = lenses.filter((l) => l.command?.command === 'istioIngressLab.sendRequestForMatch');
    assert.equal(send.length, 2);
    const text = await vscode.commands.executeCommand<string>(
      send[1]!.command!.command,
      ...(send[1]!.command!.arguments ?? []),
    );
    assert.match(text ?? JSON.stringify(prompts.shown), /\/simple\/nginx\nHTTP 403/);
  });
});
