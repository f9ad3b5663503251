// Loads kubeconfig files the way kubectl does, into a client-node KubeConfig.
// client-node's own loadFromDefault differs from kubectl on a multi-file KUBECONFIG: it takes
// current-context from the LAST file that sets one and throws on a name defined in two files,
// where kubectl takes the first file's current-context and lets the first definition of a name win.
// Users with split kubeconfigs would see another cluster than kubectl shows them, so we merge ourselves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { ClusterError } from './errors';

export interface KubeconfigSource {
  /** An explicit file (a setting or --kubeconfig): only this file is read, as kubectl does. */
  kubeconfigPath?: string;
  /** Use this context instead of the file's current-context. */
  context?: string;
  /** Environment to read KUBECONFIG and HOME from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedKubeconfig {
  kc: KubeConfig;
  /** Files that were read, in precedence order. */
  files: string[];
  contextName: string;
}

/** What the user sees about the context. Never holds tokens, keys or certificates. */
export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  /** Name of the exec credential plugin, when the user authenticates through one. */
  execPlugin?: string;
  files: string[];
}

/** Which files kubectl would read, in precedence order (missing KUBECONFIG entries are skipped, like kubectl). */
export function kubeconfigFiles(source: KubeconfigSource): { files: string[]; described: string } {
  const env = source.env ?? process.env;
  if (source.kubeconfigPath) {
    return { files: [source.kubeconfigPath], described: source.kubeconfigPath };
  }
  if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    return { files: listed.filter((f) => fs.existsSync(f)), described: `KUBECONFIG=${env.KUBECONFIG}` };
  }
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const file = path.join(home, '.kube', 'config');
  return { files: fs.existsSync(file) ? [file] : [], described: file };
}

export function loadKubeconfig(source: KubeconfigSource): LoadedKubeconfig {
  const { files, described } = kubeconfigFiles(source);
  if (source.kubeconfigPath && !fs.existsSync(source.kubeconfigPath)) {
    throw new ClusterError(
      'no-kubeconfig',
      `The kubeconfig file ${source.kubeconfigPath} does not exist.`,
      'Fix the kubeconfig path in the settings, or clear it to use KUBECONFIG / ~/.kube/config.',
    );
  }
  if (files.length === 0) {
    throw new ClusterError(
      'no-kubeconfig',
      `No kubeconfig found (looked at ${described}).`,
      'Create a cluster or get its credentials (which writes ~/.kube/config), set KUBECONFIG, or set the kubeconfig path in the settings.',
    );
  }

  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  let currentContext = '';
  for (const file of files) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file); // also makes certificate paths absolute relative to the file
    } catch (err) {
      throw new ClusterError(
        'bad-kubeconfig',
        `The kubeconfig ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}.`,
        'Fix the file (kubectl config view shows how kubectl reads it) or point the settings at another kubeconfig.',
      );
    }
    // First definition of a name wins, and the first file that sets current-context wins (kubectl's rules).
    for (const c of one.getClusters()) if (!clusters.some((x) => x.name === c.name)) clusters.push(c);
    for (const u of one.getUsers()) if (!users.some((x) => x.name === u.name)) users.push(u);
    for (const c of one.getContexts()) if (!contexts.some((x) => x.name === c.name)) contexts.push(c);
    if (!currentContext && one.getCurrentContext()) currentContext = one.getCurrentContext();
  }

  const available = contexts.map((c) => c.name);
  const list = available.length ? available.join(', ') : 'none';
  let contextName = currentContext;
  if (source.context) {
    if (!available.includes(source.context)) {
      throw new ClusterError(
        'context-not-found',
        `The context "${source.context}" is not in the kubeconfig (${files.join(', ')}). Contexts there: ${list}.`,
        'Choose one of those contexts in the settings, or clear the setting to use the current context.',
      );
    }
    contextName = source.context;
  } else if (!contextName) {
    throw new ClusterError(
      'no-current-context',
      `The kubeconfig (${files.join(', ')}) has no current context. Contexts there: ${list}.`,
      available.length
        ? `Run \`kubectl config use-context ${available[0]}\` (or another), or choose a context in the settings.`
        : "Add a cluster to it first (your cluster tool's get-credentials command does that).",
    );
  } else if (!available.includes(contextName)) {
    throw new ClusterError(
      'context-not-found',
      `The current context "${contextName}" is not defined in the kubeconfig (${files.join(', ')}). Contexts there: ${list}.`,
      'Run `kubectl config use-context <name>` with one of those contexts, or choose one in the settings.',
    );
  }

  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters, users, contexts, currentContext: contextName });
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!kc.getCurrentCluster()) {
    throw new ClusterError(
      'bad-kubeconfig',
      `The context "${contextName}" names the cluster "${ctx?.cluster}", which the kubeconfig does not define.`,
      'Fix the context in the kubeconfig (kubectl config view) or choose another context.',
    );
  }
  return { kc, files, contextName };
}

export function contextInfo(loaded: LoadedKubeconfig): ContextInfo {
  const { kc } = loaded;
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const exec = (user?.exec ??
    (user?.authProvider as { config?: { exec?: { command?: string } } } | undefined)?.config?.exec) as
    | { command?: string }
    | undefined;
  return {
    name: loaded.contextName,
    cluster: ctx?.cluster ?? '',
    server: cluster?.server ?? '',
    user: ctx?.user ?? '',
    namespace: ctx?.namespace,
    execPlugin: exec?.command ? path.basename(exec.command) : undefined,
    files: loaded.files,
  };
}
