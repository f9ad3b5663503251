// The article's steps 5.2 and 5.3 in the lab's own cluster, where the node and every pod are network
// namespaces on this machine (test/harness/node-net.sh, backends.sh): kube-proxy's nat rules for a
// Service with their packet counters (`iptables-save -t nat -c` in the node's namespace) and the
// listening sockets of a pod (`ss -ltnp` in the pod's namespace, the article's nsenter step).
// I/O only; the parsing lives in src/istio/iptablesSave.ts and src/envoy/listeningSockets.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { formatNatRules, parseNatRules, serviceNatRules, type NatRule } from '../istio/iptablesSave';
import { parseListeningSockets, type ListeningSocket } from '../envoy/listeningSockets';
import { commandLine } from './run';

export type LabRead<T> =
  | { ok: true; value: T; text: string; commandLine: string }
  | { ok: false; message: string; commandLine?: string };

/** Network namespaces of the lab cluster whose state lives in `clusterDir` (the repo's .cluster). */
export interface LabNamespaces {
  /** The node's namespace (kube-proxy's iptables), undefined when the lab cluster is not up. */
  node?: string;
  /** The namespace of pod namespace/name, undefined when the harness runs nothing for it. */
  pod(namespace: string, name: string): string | undefined;
}

export function labNamespaces(clusterDir: string): LabNamespaces {
  let node: string | undefined;
  try {
    node =
      (JSON.parse(readFileSync(join(clusterDir, 'ingress.json'), 'utf8')) as { nodeNetns?: string }).nodeNetns ||
      undefined;
  } catch {
    node = undefined;
  }
  return {
    node,
    pod(namespace, name) {
      const file = join(clusterDir, 'backends', `${namespace}.${name}`, 'netns');
      return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
    },
  };
}

async function inNetns(
  netns: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ ok: true; stdout: string; line: string } | { ok: false; message: string; line: string }> {
  const full = ['netns', 'exec', netns, ...args];
  const line = commandLine('ip', full);
  const r = await execa('ip', full, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    timeout: 15_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  if (!r.failed) return { ok: true, stdout: String(r.stdout ?? ''), line };
  const err =
    String(r.stderr ?? '')
      .trim()
      .split('\n')[0] ?? '';
  const why = /Operation not permitted|Permission denied/.test(err)
    ? 'entering a network namespace needs root; run the lab as root'
    : /No such file|Cannot open network namespace/.test(err)
      ? `the network namespace ${netns} does not exist (is the lab cluster up?)`
      : err || `exit code ${r.exitCode}`;
  return { ok: false, message: `${line}: ${why}`, line };
}

/** 5.2: kube-proxy's nat rules for Service namespace/name in the node, with their counters. */
export async function readServiceNatRules(
  nodeNetns: string,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<LabRead<NatRule[]>> {
  const r = await inNetns(nodeNetns, ['iptables-save', '-t', 'nat', '-c'], signal);
  if (!r.ok) return { ok: false, message: r.message, commandLine: r.line };
  const rules = serviceNatRules(parseNatRules(r.stdout), namespace, name);
  if (!rules.length)
    return {
      ok: false,
      message: `kube-proxy has written no rules for ${namespace}/${name} in ${nodeNetns} (is kube-proxy running? bash test/harness/node-net.sh status)`,
      commandLine: r.line,
    };
  return { ok: true, value: rules, text: formatNatRules(rules), commandLine: r.line };
}

/** 5.3: the listening TCP sockets in a pod's network namespace. */
export async function readPodListeningSockets(
  podNetns: string,
  signal?: AbortSignal,
): Promise<LabRead<ListeningSocket[]>> {
  const r = await inNetns(podNetns, ['ss', '-ltnp'], signal);
  if (!r.ok) return { ok: false, message: r.message, commandLine: r.line };
  return { ok: true, value: parseListeningSockets(r.stdout), text: r.stdout, commandLine: r.line };
}
