// The Gateway's status lens before istiod has written anything (the Gateway is not on a cluster): what istiod will
// write, predicted from the workspace's YAML. The file is the corpus case gwapi-gateway-not-accepted (its only
// listener names a Secret the namespace lacks, then a ConfigMap); the reasons the lens must show are read from that
// case's oracle.json, the status Istio's own gateway controller computed from the same YAML.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './seam';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

suite('the Gateway status lens, offline', function () {
  const caseDir = () =>
    join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test/corpus/gwapi-gateway-not-accepted');
  const file = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'status-prediction.yaml');

  teardown(() => rmSync(file().fsPath, { force: true }));

  test('a Gateway not on the cluster: the lens says what istiod will write, the refused listener and why', async () => {
    const dir = caseDir();
    writeFileSync(
      file().fsPath,
      `${readFileSync(join(dir, '05-secrets.yaml'), 'utf8')}---\n${readFileSync(join(dir, '10-gateway-api.yaml'), 'utf8')}`,
    );
    const oracle = JSON.parse(readFileSync(join(dir, 'oracle.json'), 'utf8')) as {
      gatewayApiStatus: {
        kind: string;
        status: { conditions: Condition[]; listeners: { conditions: Condition[] }[] };
      }[];
    };
    const gw = oracle.gatewayApiStatus.find((s) => s.kind === 'Gateway')!.status;
    const accepted = gw.conditions.find((c) => c.type === 'Accepted')!;
    const refs = gw.listeners[0]!.conditions.find((c) => c.type === 'ResolvedRefs')!;
    assert.equal(accepted.status, 'False');
    // Programmed ✓: istiod's once the deployed Service has its address (the oracle's fake cluster never assigns one;
    // test/cluster/gateway-api.test.ts sees Programmed=True from the real istiod for a Gateway like this)
    const want = `predicted: Accepted ✗ ${accepted.reason} · Programmed ✓ · listener https: ${refs.reason} (${refs.message.split(', ').at(-1)})`;

    const doc = await vscode.workspace.openTextDocument(file());
    const deadline = Date.now() + 20_000;
    let titles: string[] = [];
    let lens: vscode.CodeLens | undefined;
    while (Date.now() < deadline) {
      const lenses =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ?? [];
      titles = lenses.map((l) => l.command?.title ?? '');
      lens = lenses.find((l) => l.command?.title.startsWith('predicted: Accepted'));
      if (lens) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(lens, `no predicted status lens; lenses: ${titles.join(' | ')}`);
    assert.equal(lens.command!.title, want);
    assert.equal(doc.lineAt(lens.range.start.line).text, 'kind: Gateway');
    assert.match(
      lens.command!.tooltip ?? '',
      new RegExp(`ResolvedRefs=False ${refs.reason}: ${refs.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );

    // its click shows the whole predicted status, read-only, as istiod will write it (less the address)
    const shown = await vscode.commands.executeCommand<vscode.TextDocument>(
      lens.command!.command,
      ...(lens.command!.arguments ?? []),
    );
    const json = shown.getText().replace(/^#.*\n/gm, '');
    const status = JSON.parse(json) as { conditions: Condition[]; listeners: { conditions: Condition[] }[] };
    assert.deepEqual(status.listeners[0]!.conditions, gw.listeners[0]!.conditions);
    assert.deepEqual(
      status.conditions.filter((c) => c.type !== 'Programmed'),
      gw.conditions.filter((c) => c.type !== 'Programmed'),
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
