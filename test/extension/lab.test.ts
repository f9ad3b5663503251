// What a user sees without a cluster: scaffolding (also over existing files), lenses and hovers on the
// sample files in predicted mode, settings, and the untrusted-workspace guard. Runs in the real extension host.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import { labApi, ScriptedPrompts, withUntitledYaml } from './seam';

const PREDICTED_HTTPSERVER = 'predicted http.8080 › simple.baihl.io:80 › /simple/httpserver → /hello › simple:80';
const PREDICTED_NGINX = 'predicted http.8080 › simple.baihl.io:80 › /simple/nginx* → / › nginx:80';

const config = () => vscode.workspace.getConfiguration('istioIngressLab');

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run in the sample workspace');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function lensTitles(uri: vscode.Uri): Promise<{ line: number; title: string }[]> {
  // The second argument makes VS Code resolve the lenses, as the editor does when it shows them.
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.filter((l) => l.command?.title).map((l) => ({ line: l.range.start.line, title: l.command!.title }));
}

function tempFolder(): vscode.Uri {
  return vscode.Uri.file(mkdtempSync(join(tmpdir(), 'ilab-scaffold-')));
}

suite('lab without a cluster', () => {
  let api: LabApi;
  let prompts: ScriptedPrompts;

  suiteSetup(async () => {
    api = await labApi(vscode);
    // No cluster: a kubeconfig that does not exist, so everything the lenses show is the prediction.
    await config().update('kubeconfig', join(tmpdir(), 'ilab-no-such-kubeconfig'), vscode.ConfigurationTarget.Global);
  });
  setup(() => {
    prompts = new ScriptedPrompts();
    api.setPrompts(prompts);
  });
  suiteTeardown(async () => {
    for (const key of ['kubeconfig', 'sample.host', 'sample.namespace'])
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
  });

  test('lenses on istio-specs.yaml show both predicted routes, on their match lines', async () => {
    const uri = workspaceFile('istio-specs.yaml');
    await vscode.window.showTextDocument(uri);
    const titles = await lensTitles(uri);
    const route = titles.filter((t) => t.title.startsWith('predicted '));
    assert.deepEqual(
      route.map((t) => t.title),
      [PREDICTED_HTTPSERVER, PREDICTED_NGINX],
    );
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.match(doc.lineAt(route[0]!.line).text, /- uri:/);
    assert.match(doc.lineAt(route[0]!.line + 1).text, /exact: "\/simple\/httpserver"/);
    assert.match(doc.lineAt(route[1]!.line + 1).text, /prefix: "\/simple\/nginx"/);
    // Each match also gets the endpoints line (unknown until applied) and the send-request action.
    assert.equal(titles.filter((t) => t.title === 'endpoints after deploy').length, 2);
    assert.equal(titles.filter((t) => t.title === '$(play) send').length, 2);
  });

  test('the lens text is the exported format', () => {
    const r = {
      routeConfig: 'http.8080',
      virtualHost: 'simple.baihl.io:80',
      route: {
        match: { path: '/simple/httpserver' },
        route: { cluster: 'outbound|80||simple.simple.svc.cluster.local', prefixRewrite: '/hello' },
      },
    };
    assert.equal(api.lensText.formatRouteLens(r, 'predicted'), PREDICTED_HTTPSERVER);
  });

  test("a lens's result opens read-only, in a tab that closes without asking to save, and is reused", async () => {
    const uri = workspaceFile('istio-specs.yaml');
    await vscode.workspace.openTextDocument(uri);
    const lenses =
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
    const route = lenses.find(
      (l) => l.command?.command === 'istioIngressLab.showRoute' && l.command.title.startsWith('predicted '),
    );
    assert.ok(route?.command, 'a route lens with its command');
    const untitledBefore = vscode.workspace.textDocuments.filter((d) => d.isUntitled).length;
    const first = await vscode.commands.executeCommand<vscode.TextDocument>(
      route.command.command,
      ...(route.command.arguments ?? []),
    );
    const again = await vscode.commands.executeCommand<vscode.TextDocument>(
      route.command.command,
      ...(route.command.arguments ?? []),
    );
    assert.equal(first.uri.scheme, 'istio-ingress-lab');
    assert.equal(first.isUntitled, false);
    assert.equal(again.uri.toString(), first.uri.toString(), 'the same result tab, refreshed');
    assert.match(first.getText(), /outbound\|80\|\|simple\.simple\.svc\.cluster\.local/);
    assert.equal(
      vscode.workspace.textDocuments.filter((d) => d.isUntitled).length,
      untitledBefore,
      'no Untitled buffer',
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('files without a VirtualService get no lenses', async () => {
    const uri = workspaceFile('simple.yaml');
    await vscode.workspace.openTextDocument(uri);
    assert.deepEqual(await lensTitles(uri), []);
  });

  test('hover on a match shows the predicted route, why it is predicted, and the Envoy route JSON', async () => {
    const uri = workspaceFile('istio-specs.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('prefix: "/simple/nginx"'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(line, 10),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Predicted \(not read from a cluster\)/);
    assert.ok(
      text.includes(
        'http.8080 › simple.baihl.io:80 › prefix /simple/nginx → / › outbound|80||nginx.simple.svc.cluster.local',
      ),
      text,
    );
    assert.match(text, /"prefixRewrite": "\/"/);
    assert.match(text, /ilab-no-such-kubeconfig/, 'says why there is no live data');
  });

  test('a VirtualService bound to a Gateway that exists nowhere says it is not on the gateway', async () => {
    const content = [
      'apiVersion: networking.istio.io/v1beta1',
      'kind: VirtualService',
      'metadata: {name: orphan, namespace: simple}',
      'spec:',
      '  gateways: [missing-gw]',
      '  hosts: [orphan.example.com]',
      '  http:',
      '  - match:',
      '    - uri: {prefix: /}',
      '    route:',
      '    - destination: {host: nginx.simple.svc.cluster.local}',
      '',
    ].join('\n');
    await withUntitledYaml(vscode, content, async (doc) => {
      const titles = await lensTitles(doc.uri);
      assert.ok(titles.length > 0, 'a lens is shown');
      assert.ok(
        titles.every((t) => t.title.startsWith('not on the gateway: ')),
        JSON.stringify(titles),
      );
      assert.match(titles[0]!.title, /missing-gw/);
    });
  });

  test('lenses and hover on every HTTPRoute rules[].matches[] entry, and on a rule without matches', async () => {
    const content = [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: {name: lab-gw, namespace: simple}',
      'spec:',
      '  gatewayClassName: istio',
      '  listeners:',
      '  - {name: http, port: 80, protocol: HTTP}',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata: {name: lab-route, namespace: simple}',
      'spec:',
      '  parentRefs:',
      '  - name: lab-gw',
      '  hostnames: [gwapi.baihl.io]',
      '  rules:',
      '  - matches:',
      '    - path: {type: Exact, value: /simple/httpserver}',
      '    - path: {type: PathPrefix, value: /api}',
      '    backendRefs:',
      '    - {name: simple, port: 80}',
      '  - backendRefs:',
      '    - {name: nginx, port: 80}',
      '',
    ].join('\n');
    await withUntitledYaml(vscode, content, async (doc) => {
      const lines = doc.getText().split('\n');
      const at = (text: string) => lines.findIndex((l) => l.includes(text));
      const titles = (await lensTitles(doc.uri)).filter((t) => t.title.startsWith('predicted '));
      assert.deepEqual(titles, [
        {
          line: at('value: /simple/httpserver'),
          title: 'predicted http.80 › gwapi.baihl.io:80 › /simple/httpserver › simple:80',
        },
        { line: at('value: /api'), title: 'predicted http.80 › gwapi.baihl.io:80 › /api/* › simple:80' },
        { line: at('- backendRefs:'), title: 'predicted http.80 › gwapi.baihl.io:80 › /* › nginx:80' },
      ]);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        new vscode.Position(at('value: /api'), 10),
      );
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.ok(
        text.includes('http.80 › gwapi.baihl.io:80 › prefix /api/ › outbound|80||simple.simple.svc.cluster.local'),
        text,
      );
      assert.match(text, /"pathSeparatedPrefix": "\/api"/);
      assert.match(text, /"name": "simple\.lab-route\.0"/);
    });
  });

  test('lenses on TLSRoute and TCPRoute rules: the listener, the SNI and the tcp_proxy destination', async () => {
    const content = [
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: Gateway',
      'metadata: {name: l4-gw, namespace: simple}',
      'spec:',
      '  gatewayClassName: istio',
      '  listeners:',
      '  - {name: tls, port: 443, protocol: TLS, hostname: "*.baihl.io", tls: {mode: Passthrough}}',
      '  - {name: tcp, port: 9000, protocol: TCP}',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: TLSRoute',
      'metadata: {name: l4-tls, namespace: simple}',
      'spec:',
      '  parentRefs:',
      '  - name: l4-gw',
      '  hostnames: [tls.baihl.io]',
      '  rules:',
      '  - backendRefs:',
      '    - {name: simple, port: 80}',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: TCPRoute',
      'metadata: {name: l4-tcp, namespace: simple}',
      'spec:',
      '  parentRefs:',
      '  - {name: l4-gw, sectionName: tcp}',
      '  rules:',
      '  - backendRefs:',
      '    - {name: nginx, port: 80}',
      '',
    ].join('\n');
    await withUntitledYaml(vscode, content, async (doc) => {
      const lines = doc.getText().split('\n');
      const rules = lines.map((l, i) => (l === '  - backendRefs:' ? i : -1)).filter((i) => i >= 0);
      const titles = (await lensTitles(doc.uri)).filter((t) => t.title.startsWith('predicted: '));
      assert.deepEqual(titles, [
        {
          line: rules[0],
          title: 'predicted: 0.0.0.0_443 SNI tls.baihl.io → outbound|80||simple.simple.svc.cluster.local',
        },
        {
          line: rules[1],
          title: 'predicted: 0.0.0.0_9000 (all connections) → outbound|80||nginx.simple.svc.cluster.local',
        },
      ]);
    });
  });

  test('lenses follow edits of the document', async () => {
    await withUntitledYaml(vscode, readFileSync(workspaceFile('istio-specs.yaml').fsPath, 'utf8'), async (doc) => {
      const edit = new vscode.WorkspaceEdit();
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('exact: "/simple/httpserver"'));
      edit.replace(doc.uri, doc.lineAt(line).range, '        exact: "/simple/v2"');
      assert.ok(await vscode.workspace.applyEdit(edit));
      const titles = (await lensTitles(doc.uri)).map((t) => t.title);
      assert.ok(
        titles.includes('predicted http.8080 › simple.baihl.io:80 › /simple/v2 → /hello › simple:80'),
        titles.join('\n'),
      );
    });
  });

  test("an edit asks other YAML editors on screen for their lenses again, and leaves the edited one to VS Code's own refresh", async () => {
    // YAML files outside the workspace: an untitled text's language is VS Code's guess, and twice its language
    // detection made these plaintext after the edit (the edit was then no YAML editor's); a .yaml file stays YAML.
    const dir = mkdtempSync(join(tmpdir(), 'ilab-edit-'));
    const yamlFile = async (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return vscode.workspace.openTextDocument(vscode.Uri.file(join(dir, name)));
    };
    const gateway = await yamlFile('gateway.yaml', readFileSync(workspaceFile('istio-specs.yaml').fsPath, 'utf8'));
    const other = await yamlFile('other.yaml', 'apiVersion: v1\nkind: Service\n');
    const firedOnEdit = async (doc: vscode.TextDocument) => {
      let fired = false;
      const sub = api.ctx.onDidChangeLenses(() => (fired = true));
      try {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(doc.uri, new vscode.Position(0, 0), '# edited\n');
        assert.ok(await vscode.workspace.applyEdit(edit));
        await new Promise((r) => setTimeout(r, 200));
        return fired;
      } finally {
        sub.dispose();
      }
    };
    try {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.window.showTextDocument(gateway);
      assert.equal(await firedOnEdit(gateway), false, 'alone on screen: VS Code re-asks the edited editor itself');
      await vscode.window.showTextDocument(other, vscode.ViewColumn.Beside);
      // the extension host learns of the new editor shortly after showTextDocument resolves
      for (let i = 0; i < 40 && vscode.window.visibleTextEditors.length < 2; i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(
        await firedOnEdit(gateway),
        true,
        `another YAML editor on screen may depend on the edit (${vscode.window.visibleTextEditors.map((e) => e.document.uri.toString() + ' ' + e.document.languageId).join(', ')})`,
      );
    } finally {
      for (const d of [other, gateway]) {
        await vscode.window.showTextDocument(d);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lenses refresh when a setting changes and when the kubeconfig file changes (a context switch)', async () => {
    const fired = () =>
      new Promise<boolean>((resolve) => {
        const sub = api.ctx.onDidChangeLenses(() => {
          sub.dispose();
          resolve(true);
        });
        setTimeout(() => {
          sub.dispose();
          resolve(false);
        }, 5000);
      });
    let event = fired();
    await config().update('gateway.selector', 'app=other-gateway', vscode.ConfigurationTarget.Global);
    assert.equal(await event, true, 'a settings change refreshes the lenses');
    await config().update('gateway.selector', undefined, vscode.ConfigurationTarget.Global);

    const dir = mkdtempSync(join(tmpdir(), 'ilab-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: a\n');
    await config().update('kubeconfig', file, vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 1000)); // the watcher starts
    event = fired();
    writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: b\n');
    assert.equal(await event, true, 'kubectl config use-context (a kubeconfig write) refreshes the lenses');
    await config().update('kubeconfig', join(tmpdir(), 'ilab-no-such-kubeconfig'), vscode.ConfigurationTarget.Global);
  });

  test('scaffolding into an empty folder writes the three files from the settings', async () => {
    const folder = tempFolder();
    const outcome = await vscode.commands.executeCommand<{ written: string[] }>(
      'istioIngressLab.scaffoldSample',
      folder,
    );
    assert.deepEqual(outcome.written, ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml']);
    const specs = readFileSync(join(folder.fsPath, 'istio-specs.yaml'), 'utf8');
    assert.equal(
      specs,
      readFileSync(workspaceFile('istio-specs.yaml').fsPath, 'utf8'),
      'the defaults give the bundled sample',
    );
    assert.equal(prompts.shown.filter((s) => s.modal).length, 0, 'nothing asked when nothing exists');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, join(folder.fsPath, 'istio-specs.yaml'));
  });

  test('an existing file that differs is kept when the user answers Skip', async () => {
    const folder = tempFolder();
    const mine = '# my own istio-specs\n';
    writeFileSync(join(folder.fsPath, 'istio-specs.yaml'), mine);
    prompts.answer('Skip');
    const outcome = await vscode.commands.executeCommand<{ written: string[]; skipped: string[] }>(
      'istioIngressLab.scaffoldSample',
      folder,
    );
    assert.deepEqual(outcome.skipped, ['istio-specs.yaml']);
    assert.deepEqual(outcome.written, ['simple.yaml', 'nginx.yaml']);
    assert.equal(readFileSync(join(folder.fsPath, 'istio-specs.yaml'), 'utf8'), mine);
    const asked = prompts.shown.find((s) => s.modal)!;
    assert.match(asked.message, /istio-specs\.yaml already exists/);
    assert.deepEqual(asked.items, ['Show Diff', 'Overwrite', 'Skip']);
  });

  test("Show Diff opens a diff of the user's file against the sample, then Overwrite replaces it", async () => {
    const folder = tempFolder();
    writeFileSync(join(folder.fsPath, 'nginx.yaml'), '# old nginx\n');
    prompts.answer('Show Diff', 'Overwrite');
    const outcome = await vscode.commands.executeCommand<{ written: string[] }>(
      'istioIngressLab.scaffoldSample',
      folder,
    );
    assert.ok(outcome.written.includes('nginx.yaml'));
    assert.equal(prompts.shown.filter((s) => s.modal).length, 2, 'asked again after the diff');
    const diffTab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputTextDiff && t.label.startsWith('nginx.yaml'));
    assert.ok(diffTab, 'a diff editor for nginx.yaml is open');
    const input = diffTab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.fsPath, join(folder.fsPath, 'nginx.yaml'));
    assert.equal(input.modified.scheme, 'istio-ingress-lab-sample');
    assert.match(readFileSync(join(folder.fsPath, 'nginx.yaml'), 'utf8'), /name: nginx-deployment/);
  });

  test('scaffolding uses the namespace and host settings', async () => {
    await config().update('sample.host', 'shop.example.com', vscode.ConfigurationTarget.Global);
    await config().update('sample.namespace', 'lab2', vscode.ConfigurationTarget.Global);
    const folder = tempFolder();
    await vscode.commands.executeCommand('istioIngressLab.scaffoldSample', folder);
    const specs = readFileSync(join(folder.fsPath, 'istio-specs.yaml'), 'utf8');
    assert.match(specs, /- shop\.example\.com/);
    assert.match(specs, /host: simple\.lab2\.svc\.cluster\.local/);
    assert.match(readFileSync(join(folder.fsPath, 'simple.yaml'), 'utf8'), /namespace: lab2/);
    await config().update('sample.host', undefined, vscode.ConfigurationTarget.Global);
    await config().update('sample.namespace', undefined, vscode.ConfigurationTarget.Global);
  });

  test('a bad namespace setting gets one clear message and writes nothing', async () => {
    await config().update('sample.namespace', 'Not_Valid', vscode.ConfigurationTarget.Global);
    const folder = tempFolder();
    await vscode.commands.executeCommand('istioIngressLab.scaffoldSample', folder);
    await config().update('sample.namespace', undefined, vscode.ConfigurationTarget.Global);
    assert.equal(existsSync(join(folder.fsPath, 'simple.yaml')), false);
    const errors = prompts.messages('error');
    assert.equal(errors.length, 1);
    assert.match(
      errors[0]!,
      /"Not_Valid" is not a valid Kubernetes namespace name.*istioIngressLab\.sample\.namespace/,
    );
    assert.doesNotMatch(errors[0]!, /at .*\.cjs/, 'no stack trace');
  });

  test('without a cluster, a cluster command says what is wrong in one message', async () => {
    await vscode.commands.executeCommand('istioIngressLab.cleanUp');
    const errors = prompts.messages('error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /ilab-no-such-kubeconfig/);
  });

  test('in an untrusted workspace no command runs a binary or touches the cluster, and says why', async () => {
    prompts.trusted = false;
    for (const id of [
      'checkCluster',
      'deploySample',
      'findIngressAddress',
      'sendRequests',
      'inspectEnvoy',
      'cleanUp',
      'chooseGatewayPod',
      'openConfigDump',
    ]) {
      prompts.shown.length = 0;
      const result = await vscode.commands.executeCommand(`istioIngressLab.${id}`);
      assert.equal(result, undefined, id);
      const errors = prompts.messages('error');
      assert.equal(errors.length, 1, id);
      assert.match(
        errors[0]!,
        /disabled in an untrusted workspace: the lab runs no binary and writes nothing to a cluster/,
        id,
      );
      assert.equal(prompts.shown.filter((s) => s.modal).length, 0, `${id} asked nothing`);
    }
  });

  test('in an untrusted workspace the lenses still show the prediction', async () => {
    prompts.trusted = false;
    const titles = (await lensTitles(workspaceFile('istio-specs.yaml'))).map((t) => t.title);
    assert.ok(titles.includes(PREDICTED_HTTPSERVER));
    assert.ok(titles.includes(PREDICTED_NGINX));
  });
});
