// The prompt seam: every question and message to the user, and the workspace-trust check, go through
// this one object so extension tests can answer modals and fake trust without clicking.
import * as vscode from 'vscode';

export interface PromptSeam {
  isTrusted(): boolean;
  info(message: string, ...items: string[]): Thenable<string | undefined>;
  warn(
    message: string,
    options: { modal?: boolean; detail?: string },
    ...items: string[]
  ): Thenable<string | undefined>;
  error(message: string, ...items: string[]): Thenable<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
}

export const vscodePrompts: PromptSeam = {
  isTrusted: () => vscode.workspace.isTrusted,
  info: (message, ...items) => vscode.window.showInformationMessage(message, ...items),
  warn: (message, options, ...items) => vscode.window.showWarningMessage(message, options, ...items),
  error: (message, ...items) => vscode.window.showErrorMessage(message, ...items),
  pick: (items, options) => vscode.window.showQuickPick(items, options),
  input: (options) => vscode.window.showInputBox(options),
};
