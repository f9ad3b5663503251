import * as vscode from 'vscode';
import type { Range } from '../istio/model';

/** The engine's zero-based range as VS Code's. */
export function toVsRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
