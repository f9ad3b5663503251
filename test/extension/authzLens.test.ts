// The AuthorizationPolicy / RequestAuthentication lenses in the real extension host, offline (untrusted through the
// prompt seam, so the cluster is not read): a user adds a policy file next to the sample and sees, on each policy,
// whether it reaches the ingress gateway and why, on each rule what it matches, and on the sample VirtualService the
// match whose request a DENY policy refuses. The selectors are those of the corpus case authz-other-selector, where
// Istio's own generator (test/corpus/authz-other-selector/oracle.json) puts the istio=ingressgateway policy's rule in
// the gateway's DENY rbac filter and leaves the app=simple one out; test/unit/lab-authz-lens-text.test.ts holds the
// lens words to Istio's output on every authz-* case.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import type { PromptSeam } from '../../src/editor/prompts';
import { labApi, ScriptedPrompts } from './seam';

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
    assert.deepEqual(seen, [
      [1, "predicted ✗ ingress gateway: its selector app=simple does not match the gateway's pods"],
      [line('- {}'), 'DENY: every request'],
      [second, "predicted ✓ ingress gateway: its selector istio=ingressgateway matches the gateway's pods"],
      [line('- to:'), 'DENY: path /simple/nginx*'],
      [third, 'predicted ✓ ingress gateway: no selector, in the root namespace istio-system'],
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
