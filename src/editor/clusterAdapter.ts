// LabCluster on top of src/kube. Kept apart so the rest of the editor code only knows the seam.
import type * as vscode from 'vscode';
import type { LabCluster } from './cluster';

export function connectCluster(kubeconfigOverride: string, log: vscode.LogOutputChannel): LabCluster {
  const notYet = async (): Promise<never> => {
    throw new Error('The cluster client (src/kube) is not wired into the extension yet.');
  };
  log.debug(`cluster: kubeconfig ${kubeconfigOverride || '(default)'}`);
  return {
    identity: { context: '', server: '', kubeconfig: kubeconfigOverride },
    serverVersion: notYet,
    namespaceExists: notYet,
    gatewayServices: notYet,
    gatewayPods: notYet,
    nodeAddresses: notYet,
    ensureNamespace: notYet,
    apply: notYet,
    waitForDeployments: notYet,
    describeNamespace: notYet,
    listNamespaceObjects: notYet,
    deleteNamespace: notYet,
    portForward: notYet,
    envoyAdmin: notYet,
    podsByIp: notYet,
    dispose: () => undefined,
  };
}
