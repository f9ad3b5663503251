// The workspace's YAML files, found and read fast. On disk (file: folders) a directory walk and node's fs
// take milliseconds where VS Code's search service (ripgrep, through code-server's remote file system)
// took a second for 200 files, and the first lens waits for this. Other schemes go through VS Code.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const SKIP_DIRS = new Set(['node_modules', '.git']);
const YAML = /\.ya?ml$/i;

/** Up to `limit` YAML files of the workspace folders, node_modules and .git left out (as findFiles was asked). */
export async function findWorkspaceYaml(limit: number): Promise<vscode.Uri[]> {
  const out: vscode.Uri[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (out.length >= limit) break;
    if (folder.uri.scheme !== 'file') {
      const found = await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, '**/*.{yaml,yml}'),
        '**/{node_modules,.git}/**',
        limit - out.length,
      );
      out.push(...found);
      continue;
    }
    await walk(folder.uri.fsPath, out, limit);
  }
  return out;
}

async function walk(dir: string, out: vscode.Uri[], limit: number): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directory: as the search service, skip it
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const subdirs: string[] = [];
  for (const e of entries) {
    if (out.length >= limit) return;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) subdirs.push(path.join(dir, e.name));
    } else if (e.isFile() && YAML.test(e.name)) out.push(vscode.Uri.file(path.join(dir, e.name)));
  }
  for (const d of subdirs) {
    if (out.length >= limit) return;
    await walk(d, out, limit);
  }
}

/** A file's modification time and text; node's fs for files on disk. */
export async function readWorkspaceFile(uri: vscode.Uri): Promise<{ mtime: number; text: string }> {
  if (uri.scheme === 'file') {
    const [stat, text] = await Promise.all([fs.stat(uri.fsPath), fs.readFile(uri.fsPath, 'utf8')]);
    return { mtime: stat.mtimeMs, text };
  }
  const stat = await vscode.workspace.fs.stat(uri);
  return { mtime: stat.mtime, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) };
}
