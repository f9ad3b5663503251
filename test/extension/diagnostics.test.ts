// Istio diagnostics and their quick fixes in the real extension host, as a user meets them: the sample's
// istio-specs.yaml edited in the editor (unsaved), the Problems entry appearing on the right line with Istio's
// code and docs link, the quick fix VS Code offers for it applied, the entry gone. The file is put back after
// each test. The offline tests run in an untrusted workspace (the prompt seam says so), so the cluster is not
// read; the last suite reads the harness cluster when .cluster/kubeconfig exists.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import type { PromptSeam } from '../../src/editor/prompts';
import { EXTENSION_ID, labApi, ScriptedPrompts } from './seam';

const config = () => vscode.workspace.getConfiguration('istioIngressLab');
const workspaceFile = (name: string) => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, name);
const ours = (d: vscode.Diagnostic) => d.source === 'istio' || d.source === 'ingress-lab';
const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? ''));
const describe = (list: readonly vscode.Diagnostic[]) =>
  JSON.stringify(
    list.map(
      (d) => `${d.range.start.line}: [${codeOf(d)}] ${d.source} ${vscode.DiagnosticSeverity[d.severity]} ${d.message}`,
    ),
  );

/** Polls the Problems data of `uri` (all collections, ours kept) until `ok` holds; fails saying what it saw. */
async function diagnosticsUntil(
  uri: vscode.Uri,
  ok: (list: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<vscode.Diagnostic[]> {
  const until = Date.now() + timeoutMs;
  let list: vscode.Diagnostic[] = [];
  while (Date.now() < until) {
    list = vscode.languages.getDiagnostics(uri).filter(ours);
    if (ok(list)) return list;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: after ${timeoutMs} ms ${vscode.workspace.asRelativePath(uri)} shows ${describe(list)}`);
}

const lineOf = (doc: vscode.TextDocument, needle: string, after = 0): number => {
  for (let i = after; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
  assert.fail(`"${needle}" is not in ${doc.uri.path} after line ${after}`);
};

/** Replaces the first `from` (after `afterText`, when given) in the open document, unsaved, as typing would. */
async function edit(doc: vscode.TextDocument, from: string, to: string, afterText = ''): Promise<void> {
  await editAll(doc, [[from, to]], afterText);
}

/** Several replacements as one edit: the analysis never sees the text between them. */
async function editAll(doc: vscode.TextDocument, pairs: [from: string, to: string][], afterText = ''): Promise<void> {
  const text = doc.getText();
  const e = new vscode.WorkspaceEdit();
  for (const [from, to] of pairs) {
    const at = text.indexOf(from, afterText ? text.indexOf(afterText) : 0);
    assert.ok(at >= 0, `"${from}" is not in ${doc.uri.path}`);
    e.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
  }
  assert.ok(await vscode.workspace.applyEdit(e));
}

/** The quick fixes VS Code offers for a diagnostic's range (what the light bulb lists). */
async function quickFixes(uri: vscode.Uri, d: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const all =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      uri,
      d.range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  return all.filter((a): a is vscode.CodeAction => 'edit' in a && a.edit !== undefined);
}

suite('diagnostics while editing', function () {
  let api: LabApi;
  let before: PromptSeam;
  let doc: vscode.TextDocument;
  let original: string;
  const specs = () => workspaceFile('istio-specs.yaml');

  /** The sample's text back in the editor and on disk. */
  async function restore(): Promise<void> {
    if (doc.getText() !== original) {
      const e = new vscode.WorkspaceEdit();
      e.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
      assert.ok(await vscode.workspace.applyEdit(e));
    }
    if (doc.isDirty) assert.ok(await doc.save());
    assert.equal(doc.getText(), original);
    // The next test starts from a clean Problems list, not from this test's leftovers.
    await diagnosticsUntil(doc.uri, (l) => l.length === 0, 'the sample is clean again');
  }

  suiteSetup(async () => {
    api = await labApi(vscode);
    before = api.ctx.prompts;
    const untrusted = new ScriptedPrompts();
    untrusted.trusted = false;
    api.setPrompts(untrusted);
    doc = await vscode.workspace.openTextDocument(specs());
    await vscode.window.showTextDocument(doc);
    original = doc.getText();
  });
  teardown(restore);
  suiteTeardown(() => {
    if (api) api.setPrompts(before);
  });

  test('the unmodified sample: no diagnostics on any of its files', async () => {
    // A settings change makes the analysis run again now that the seam says "untrusted" (offline).
    await config().update('sample.namespace', 'simple', vscode.ConfigurationTarget.Global);
    try {
      for (const name of ['istio-specs.yaml', 'simple.yaml', 'nginx.yaml']) {
        const uri = workspaceFile(name);
        await vscode.workspace.openTextDocument(uri);
        // Give the analysis time to run on the opened files before believing "none".
        await new Promise((r) => setTimeout(r, 700));
        await diagnosticsUntil(uri, (l) => l.length === 0, `${name} should be clean`);
      }
    } finally {
      await config().update('sample.namespace', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a VirtualService host the Gateway lacks: IST0132 with its docs page; the preferred fix adds the host to the Gateway', async () => {
    await edit(doc, '    - simple.baihl.io', '    - shop.baihl.io', 'kind: VirtualService');
    const list = await diagnosticsUntil(doc.uri, (l) => l.some((x) => codeOf(x) === 'IST0132'), 'IST0132 expected');
    const found = list.filter((x) => codeOf(x) === 'IST0132');
    assert.equal(found.length, 1, describe(found));
    const diag = found[0]!;
    assert.equal(diag.source, 'istio');
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(
      diag.message,
      /host \[shop\.baihl\.io\] defined in VirtualService simple\/simple not found in Gateway simple\/simple/,
    );
    assert.equal(
      typeof diag.code === 'object' && diag.code.target.toString(),
      'https://istio.io/latest/docs/reference/config/analysis/ist0132/',
    );
    // On the value at fault, the host the Gateway does not accept (istioctl analyze names the gateway reference).
    assert.equal(diag.range.start.line, lineOf(doc, '- shop.baihl.io', lineOf(doc, 'kind: VirtualService')));
    assert.equal(doc.getText(diag.range), 'shop.baihl.io');
    assert.ok(
      diag.relatedInformation?.some(
        (r) =>
          r.location.uri.toString() === doc.uri.toString() &&
          r.location.range.start.line > lineOf(doc, 'kind: Gateway'),
      ),
      'the Gateway is shown as a related place',
    );

    const fixes = await quickFixes(doc.uri, diag);
    const preferred = fixes.filter((f) => f.isPreferred);
    assert.deepEqual(
      preferred.map((f) => f.title),
      ['Add host shop.baihl.io to Gateway simple/simple'],
      JSON.stringify(fixes.map((f) => f.title)),
    );
    assert.ok(fixes.some((f) => !f.isPreferred && /Change VirtualService host to simple\.baihl\.io/.test(f.title)));
    assert.ok(await vscode.workspace.applyEdit(preferred[0]!.edit!));
    assert.ok(lineOf(doc, '- shop.baihl.io', lineOf(doc, 'kind: Gateway')) > 0, 'the Gateway lists the host now');
    await diagnosticsUntil(doc.uri, (l) => l.length === 0, 'no diagnostic once the Gateway has the host');
  });

  test('a typo in the gateway name: IST0101 (error) on that line; the fix names the Gateway and clears it', async () => {
    await edit(doc, 'gateways:\n    - simple', 'gateways:\n    - simpel');
    const list = await diagnosticsUntil(doc.uri, (l) => l.some((x) => codeOf(x) === 'IST0101'), 'IST0101 expected');
    const diag = list.find((x) => codeOf(x) === 'IST0101')!;
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.message, 'Referenced gateway not found: "simpel"');
    assert.equal(diag.range.start.line, lineOf(doc, '- simpel'));
    assert.equal(doc.getText(diag.range), 'simpel');

    const fixes = await quickFixes(doc.uri, diag);
    // The analyzer offers one fix here; it marks none preferred, so the only one is what a user picks.
    const fix = fixes.find((f) => f.isPreferred) ?? (fixes.length === 1 ? fixes[0] : undefined);
    assert.ok(fix, JSON.stringify(fixes.map((f) => f.title)));
    assert.equal(fix.title, 'Change gateway to simple (Gateway simple/simple)');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.equal(doc.getText(), original, 'the file is the sample again');
    await diagnosticsUntil(doc.uri, (l) => l.length === 0, 'no diagnostic once the gateway name is right');
  });

  test('prefix /simple before exact /simple/nginx: IST0131 on the exact match; the preferred fix moves it first', async () => {
    // One edit: in between (prefix /simple before prefix /simple/nginx) Istio's own IST0131 would show.
    await editAll(doc, [
      ['exact: "/simple/httpserver"', 'prefix: "/simple"'],
      ['prefix: "/simple/nginx"', 'exact: "/simple/nginx"'],
    ]);
    const list = await diagnosticsUntil(doc.uri, (l) => l.some((x) => codeOf(x) === 'IST0131'), 'IST0131 expected');
    assert.equal(list.length, 1, describe(list));
    const diag = list[0]!;
    assert.equal(diag.source, 'ingress-lab');
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Information);
    assert.deepEqual(diag.tags, [vscode.DiagnosticTag.Unnecessary], 'the match that never wins is faded');
    const exactLine = lineOf(doc, 'exact: "/simple/nginx"');
    assert.ok(
      diag.range.start.line <= exactLine && exactLine <= diag.range.end.line,
      `range ${diag.range.start.line}-${diag.range.end.line}, exact on ${exactLine}`,
    );
    assert.equal(diag.range.start.line, exactLine - 1, 'it starts at the match entry (- uri:)');
    assert.match(diag.message, /exact \/simple\/nginx is not used .*prefix \/simple/);

    const preferred = (await quickFixes(doc.uri, diag)).filter((f) => f.isPreferred);
    assert.equal(preferred.length, 1);
    assert.match(preferred[0]!.title, /^Move rule #1 above rule #0/);
    // Applied the way a user does from the keyboard: Auto Fix (Shift+Alt+.) at the diagnostic runs the preferred fix.
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(diag.range.start, diag.range.start);
    await vscode.commands.executeCommand('editor.action.autoFix');
    for (
      const until = Date.now() + 10_000;
      Date.now() < until && lineOf(doc, 'exact: "/simple/nginx"') > lineOf(doc, 'prefix: "/simple"');
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      lineOf(doc, 'exact: "/simple/nginx"') < lineOf(doc, 'prefix: "/simple"'),
      'the exact match comes first now',
    );
    await diagnosticsUntil(doc.uri, (l) => l.length === 0, 'no diagnostic once the exact match is first');
  });

  test('broken YAML: one error on its line; fixed, it goes away', async () => {
    await edit(doc, 'uri: "/hello"', 'uri: "/hello');
    const list = await diagnosticsUntil(doc.uri, (l) => l.length > 0, 'a YAML error expected');
    assert.equal(list.length, 1, describe(list));
    assert.equal(list[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(list[0]!.source, 'ingress-lab');
    assert.equal(list[0]!.range.start.line, lineOf(doc, 'uri: "/hello'));
    assert.match(list[0]!.message, /quote/i);
    await edit(doc, 'uri: "/hello', 'uri: "/hello"');
    await diagnosticsUntil(doc.uri, (l) => l.length === 0, 'no diagnostic once the quote is closed');
  });

  test('a line indented with a non-breaking space: the error says so on that line', async () => {
    await edit(doc, '  namespace: simple\nspec:\n  gateways', '\u00a0 namespace: simple\nspec:\n  gateways');
    const list = await diagnosticsUntil(doc.uri, (l) => l.length > 0, 'an NBSP error expected');
    assert.equal(list.length, 1, describe(list));
    assert.equal(list[0]!.range.start.line, lineOf(doc, '\u00a0 namespace'));
    assert.match(list[0]!.message, /non-breaking space \(U\+00A0\)/);
  });

  test('an HTTPRoute: Accepted=False and ResolvedRefs=False reasons as Istio writes them, on the value at fault', async () => {
    const file = workspaceFile('diagnostics-httproute.yaml');
    writeFileSync(
      file.fsPath,
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: Gateway',
        'metadata: {name: lab-gw, namespace: simple}',
        'spec:',
        '  gatewayClassName: istio',
        '  listeners:',
        '  - {name: http, port: 80, protocol: HTTP, hostname: simple.baihl.io}',
        '---',
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: HTTPRoute',
        'metadata: {name: lab-route, namespace: simple}',
        'spec:',
        '  parentRefs:',
        '  - name: lab-gw',
        '  - name: lab-gw',
        '    sectionName: https',
        '  - name: no-such-gw',
        '  rules:',
        '  - backendRefs:',
        '    - name: nginz',
        '      port: 80',
        '',
      ].join('\n'),
    );
    try {
      const opened = await vscode.workspace.openTextDocument(file);
      const list = await diagnosticsUntil(file, (l) => l.length === 3, 'three Gateway API conditions');
      const got = list.map((d) => [codeOf(d), vscode.DiagnosticSeverity[d.severity], opened.getText(d.range)]).sort();
      assert.deepEqual(got, [
        ['BackendNotFound', 'Error', 'nginz'],
        ['NoMatchingParent', 'Error', 'https'],
        ['NoMatchingParent', 'Warning', 'no-such-gw'],
      ]);
      assert.ok(
        list.every((d) => /^(Accepted|ResolvedRefs)=False \(/.test(d.message)),
        describe(list),
      );
    } finally {
      rmSync(file.fsPath, { force: true });
    }
    await diagnosticsUntil(file, (l) => l.length === 0, 'no diagnostics for the deleted file');
  });

  test('a second file: the host fix edits the Gateway in istio-specs.yaml; diagnostics follow a rename and go with a delete', async () => {
    const other = workspaceFile('diagnostics-shop.yaml');
    const renamed = workspaceFile('diagnostics-shop-renamed.yaml');
    writeFileSync(
      other.fsPath,
      'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: shop\n  namespace: simple\nspec:\n  gateways:\n    - simple\n  hosts:\n    - shop.baihl.io\n  http:\n  - route:\n      - destination:\n          host: nginx.simple.svc.cluster.local\n          port:\n            number: 80\n',
    );
    try {
      await vscode.workspace.openTextDocument(other);
      const [diag] = await diagnosticsUntil(
        other,
        (l) => l.some((x) => codeOf(x) === 'IST0132'),
        'IST0132 on the new file',
      );
      const preferred = (await quickFixes(other, diag!)).filter((f) => f.isPreferred);
      assert.equal(preferred.length, 1);
      assert.deepEqual(
        preferred[0]!.edit!.entries().map(([u]) => u.toString()),
        [doc.uri.toString()],
        "the edit touches the Gateway's file",
      );
      assert.ok(await vscode.workspace.applyEdit(preferred[0]!.edit!));
      assert.ok(lineOf(doc, '- shop.baihl.io', lineOf(doc, 'kind: Gateway')) > 0);
      await diagnosticsUntil(other, (l) => l.length === 0, 'the new file is clean once the Gateway has its host');
      await restore();
      await diagnosticsUntil(other, (l) => l.length === 1, 'IST0132 again once the Gateway lost the host');
      // Renamed in the explorer: the diagnostics move with the file.
      const rename = new vscode.WorkspaceEdit();
      rename.renameFile(other, renamed);
      assert.ok(await vscode.workspace.applyEdit(rename));
      await diagnosticsUntil(
        renamed,
        (l) => l.length === 1 && codeOf(l[0]!) === 'IST0132',
        'IST0132 on the renamed file',
      );
      await diagnosticsUntil(other, (l) => l.length === 0, 'none left on the old name');
      rmSync(renamed.fsPath);
      await diagnosticsUntil(renamed, (l) => l.length === 0, 'no diagnostics for a deleted file');
    } finally {
      rmSync(other.fsPath, { force: true });
      rmSync(renamed.fsPath, { force: true });
    }
  });
});

suite('diagnostics with the cluster', function () {
  const NS = 'ilab-diag';
  let api: LabApi;
  let before: PromptSeam;
  let prompts: ScriptedPrompts;
  const file = workspaceFile('diagnostics-cluster.yaml');

  suiteSetup(async function () {
    const kubeconfig =
      process.env.LAB_KUBECONFIG ??
      join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, '.cluster', 'kubeconfig');
    if (!existsSync(kubeconfig)) {
      if (process.env.LAB_REQUIRE_CLUSTER === '1')
        throw new Error(`no cluster: ${kubeconfig} is missing (npm run cluster:up)`);
      this.skip();
    }
    api = await labApi(vscode);
    before = api.ctx.prompts;
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
    await config().update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    // A Gateway that exists only in the cluster (its own selector, so it conflicts with nothing), applied while
    // trusted: the workspace becomes untrusted after, as the offline tests need.
    await api.ctx.getCluster().serverSideApply([
      {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'Gateway',
        metadata: { name: 'remote', namespace: NS },
        spec: {
          selector: { istio: 'diag-remote' },
          servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['diag.baihl.io'] }],
        },
      },
    ]);
    prompts.trusted = false;
  });
  suiteTeardown(async () => {
    if (!api) return;
    rmSync(file.fsPath, { force: true });
    prompts.trusted = true;
    const cluster = api.ctx.getCluster();
    const contents = await cluster.describeNamespaceContents(NS).catch(() => undefined);
    if (contents?.exists) await cluster.deleteNamespace(NS, { confirmed: contents, wait: true }).catch(() => undefined);
    await config().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    api.setPrompts(before);
  });

  test('a VirtualService using a Gateway that only the cluster has: IST0101 offline, none once the cluster is read', async () => {
    writeFileSync(
      file.fsPath,
      `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: local
  namespace: ${NS}
spec:
  selector:
    istio: ingressgateway
  servers:
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: [diag.baihl.io]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: diag
  namespace: ${NS}
spec:
  gateways: [local, remote]
  hosts: [diag.baihl.io]
  http:
  - route:
      - destination:
          host: nginx.simple.svc.cluster.local
          port: {number: 80}
`,
    );
    const doc = await vscode.workspace.openTextDocument(file);
    const offline = await diagnosticsUntil(
      file,
      (l) => l.some((d) => d.message === 'Referenced gateway not found: "remote"'),
      'offline, "remote" is unknown',
    );
    assert.equal(
      offline.find((d) => d.message.includes('"remote"'))!.range.start.line,
      lineOf(doc, 'gateways: [local, remote]'),
    );

    // Trust the folder (through the seam) and announce it as the extension does on VS Code's
    // onDidGrantWorkspaceTrust: another cluster view, so the cluster's objects are read and analysis runs again.
    prompts.trusted = true;
    api.ctx.changed('cluster', 'workspace trusted (test seam)');
    try {
      const connected = await diagnosticsUntil(
        file,
        (l) => !l.some((d) => d.message.includes('"remote"')),
        'connected, "remote" is in the cluster',
        20_000,
      );
      assert.deepEqual(
        connected.filter((d) => d.message.includes('remote')),
        [],
      );
      // The sample's own references all resolve with the cluster's objects too. (Other tests share this cluster:
      // a Gateway of theirs for the sample's host is a real IST0145 conflict, so that code is not counted.)
      for (const name of ['istio-specs.yaml', 'simple.yaml', 'nginx.yaml']) {
        await diagnosticsUntil(
          workspaceFile(name),
          (l) => l.every((d) => codeOf(d) === 'IST0145'),
          `${name} with the cluster's objects`,
        );
      }
    } finally {
      await config().update('sample.namespace', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
