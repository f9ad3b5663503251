// The prompt seam for extension tests: a scripted stand-in for VS Code's dialogs (named as such), which
// answers questions from a queue, records every message, and can say the workspace is untrusted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { LabApi } from '../../src/extension';
import type { PromptSeam } from '../../src/editor/prompts';

export const EXTENSION_ID = 'istio-ingress-lab.istio-ingress-lab';

export interface Recorded {
  kind: 'info' | 'warn' | 'error' | 'pick' | 'input';
  message: string;
  modal?: boolean;
  detail?: string;
  items: string[];
}

export class ScriptedPrompts implements PromptSeam {
  readonly shown: Recorded[] = [];
  trusted = true;
  constructor(private readonly answers: (string | undefined)[] = []) {}

  answer(...a: (string | undefined)[]): this {
    this.answers.push(...a);
    return this;
  }
  isTrusted(): boolean {
    return this.trusted;
  }
  info(message: string, ...items: string[]) {
    this.shown.push({ kind: 'info', message, items });
    return Promise.resolve(undefined);
  }
  warn(message: string, options: { modal?: boolean; detail?: string }, ...items: string[]) {
    this.shown.push({ kind: 'warn', message, modal: options.modal, detail: options.detail, items });
    return Promise.resolve(this.answers.shift());
  }
  error(message: string, ...items: string[]) {
    this.shown.push({ kind: 'error', message, items });
    return Promise.resolve(undefined);
  }
  pick<T extends vscode.QuickPickItem>(items: T[]) {
    this.shown.push({ kind: 'pick', message: '', items: items.map((i) => i.label) });
    const want = this.answers.shift();
    return Promise.resolve(items.find((i) => i.label === want));
  }
  input(options: vscode.InputBoxOptions) {
    this.shown.push({ kind: 'input', message: options.prompt ?? '', items: [] });
    return Promise.resolve(this.answers.shift());
  }
  messages(kind: Recorded['kind']): string[] {
    return this.shown.filter((s) => s.kind === kind).map((s) => s.message);
  }
}

export async function labApi(vscodeApi: typeof vscode): Promise<LabApi> {
  const ext = vscodeApi.extensions.getExtension<LabApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/**
 * Opens YAML as an untitled editor for one test and closes it again without saving, so later suites
 * (analyzers that read every open YAML editor) never see it.
 */
export async function withUntitledYaml<T>(
  vscodeApi: typeof vscode,
  content: string,
  use: (doc: vscode.TextDocument) => Promise<T>,
): Promise<T> {
  const doc = await vscodeApi.workspace.openTextDocument({ language: 'yaml', content });
  try {
    return await use(doc);
  } finally {
    await vscodeApi.window.showTextDocument(doc);
    await vscodeApi.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
}

/**
 * Points the extension at the lab's own cluster for a suite that needs one: skips the suite when
 * there is none, or fails it when LAB_REQUIRE_CLUSTER=1 (CI must not pass by skipping).
 */
export async function connectLabCluster(vscodeApi: typeof vscode, suite: Mocha.Context): Promise<LabApi> {
  const repo = vscodeApi.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const kubeconfig = process.env.LAB_KUBECONFIG ?? join(repo, '.cluster', 'kubeconfig');
  if (!existsSync(kubeconfig)) {
    if (process.env.LAB_REQUIRE_CLUSTER === '1')
      throw new Error(`no cluster: ${kubeconfig} is missing (npm run cluster:up)`);
    suite.skip();
  }
  const api = await labApi(vscodeApi);
  const config = vscodeApi.workspace.getConfiguration('istioIngressLab');
  await config.update('kubeconfig', kubeconfig, vscodeApi.ConfigurationTarget.Global);
  // Probing connects to every address, the ClusterIP included, which nothing on this machine created.
  await config.update('ingress.probeAddresses', false, vscodeApi.ConfigurationTarget.Global);
  return api;
}
