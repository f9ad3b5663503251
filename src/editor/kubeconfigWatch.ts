// Lenses follow the kube context: when the kubeconfig file changes (kubectl config use-context, a new
// login), the cluster connection and live data are dropped and the lenses re-read.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export function kubeconfigPaths(override: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (override) return [override];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(path.delimiter).filter(Boolean);
  return [path.join(env.HOME || os.homedir(), '.kube', 'config')];
}

export function watchKubeconfig(override: string, onChange: () => void): vscode.Disposable {
  const watchers = kubeconfigPaths(override).map((file) => {
    const w = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
    );
    w.onDidChange(onChange);
    w.onDidCreate(onChange);
    w.onDidDelete(onChange);
    return w;
  });
  return vscode.Disposable.from(...watchers);
}
