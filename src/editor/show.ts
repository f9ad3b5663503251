// Showing a result to the user as a read-only virtual document (easy to read, search and copy, and closed
// without a "save?" question). Each kind of result has its own name, so running a step again refreshes its
// tab instead of opening another.
import * as vscode from 'vscode';

export const RESULT_SCHEME = 'istio-ingress-lab';

const contents = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

/** Registered once at activation: serves every result document's current text. */
export function registerResultDocuments(): vscode.Disposable {
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => contents.get(uri.toString()) ?? '',
    }),
  );
}

/** Opens (or refreshes) the read-only result `name`, e.g. `cluster-check.txt`; its extension gives the language. */
export async function showText(content: string, name: string): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${name}` });
  contents.set(uri.toString(), content);
  changed.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  return doc;
}

export { errorText } from '../lab/errorText';
