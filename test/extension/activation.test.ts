// Activation and registration, checked against package.json as the extension host loaded it, so the suite
// follows every command the extension adds without being edited.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'istio-ingress-lab.istio-ingress-lab';

interface ContributedCommand {
  command: string;
  title: string;
}

suite('activation', () => {
  let extension: vscode.Extension<unknown>;

  suiteSetup(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded in this VS Code`);
    extension = found;
    await extension.activate();
  });

  test('the extension activates', () => {
    assert.equal(extension.isActive, true);
  });

  test('it activates on YAML files, never on every window start', () => {
    const events: string[] = extension.packageJSON.activationEvents ?? [];
    const eager = events.filter((e) => e === '*' || e === 'onStartupFinished');
    assert.deepEqual(eager, [], 'activation on every window start slows VS Code for users who never open the lab');
    assert.ok(events.includes('onLanguage:yaml'), `activationEvents: ${JSON.stringify(events)}`);
  });

  test('it contributes commands', () => {
    const contributed: ContributedCommand[] = extension.packageJSON.contributes?.commands ?? [];
    assert.ok(contributed.length > 0, 'package.json contributes.commands is empty');
  });

  test('every contributed command is registered', async () => {
    const contributed: ContributedCommand[] = extension.packageJSON.contributes?.commands ?? [];
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => `${c.command} (${c.title})`);
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('every command the walkthrough steps run is contributed', () => {
    const pkg = extension.packageJSON;
    const contributed = new Set<string>((pkg.contributes?.commands ?? []).map((c: ContributedCommand) => c.command));
    const ours = (id: string) => id.startsWith('istioIngressLab.');
    const used = new Set<string>();
    for (const w of pkg.contributes?.walkthroughs ?? []) {
      for (const step of w.steps ?? []) {
        const text = `${step.description ?? ''} ${JSON.stringify(step.completionEvents ?? [])}`;
        for (const [, id = ''] of text.matchAll(/command:([\w.]+)/g)) if (ours(id)) used.add(id);
      }
    }
    assert.ok(used.size > 0, 'no walkthrough step has a command button (command:istioIngressLab.… link)');
    const unknown = [...used].filter((c) => !contributed.has(c));
    assert.deepEqual(
      unknown,
      [],
      `walkthrough steps run commands that package.json does not contribute: ${unknown.join(', ')}`,
    );
  });
});
