// Showing a result to the user as a read-only-ish untitled document (easy to read, search and copy).
import * as vscode from 'vscode';

export async function showText(content: string, language = 'plaintext'): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ content, language });
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  return doc;
}

/** The error text a user should read: a ClusterError's message and hint, or any error's message, never a stack. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.name === 'ClusterError' ? e.toString() : e.message;
  return String(e);
}
