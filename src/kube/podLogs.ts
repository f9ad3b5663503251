// A pod's container log through the API server (GET pods/{name}/log), as `kubectl logs` reads it:
// once (the last lines, or those of the last N seconds) or followed, new lines as the kubelet sees
// them. Errors are ClusterErrors (401, 403, a missing pod, a server that does not answer in time);
// none is turned into "no lines".
import type { CallOptions, Core } from './core';
import type { PodRef } from './envoyAdmin';

export interface PodLogOptions extends CallOptions {
  /** Needed when the pod has more than one container (the gateway's is istio-proxy). */
  container?: string;
  /** Only lines logged in the last N seconds. */
  sinceSeconds?: number;
  /** Only the last N lines. */
  tailLines?: number;
}

export interface FollowOptions extends PodLogOptions {
  /** Each complete line, without its newline, as it arrives. */
  onLine: (line: string) => void;
}

function logQuery(opts: PodLogOptions, follow: boolean): Record<string, string | number | boolean | undefined> {
  return {
    container: opts.container,
    sinceSeconds: opts.sinceSeconds,
    tailLines: opts.tailLines,
    follow: follow || undefined,
  };
}

const logPath = (pod: PodRef) =>
  `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/log`;

/** The log's lines now (no follow). */
export async function readPodLog(core: Core, pod: PodRef, opts: PodLogOptions = {}): Promise<string[]> {
  const body = await core.transport.request<unknown>({
    method: 'GET',
    path: logPath(pod),
    query: logQuery(opts, false),
    accept: 'application/json, */*',
    call: { verb: 'get', resource: 'pods/log', namespace: pod.namespace, name: pod.name },
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    summarize: (b) => `${typeof b === 'string' ? b.split('\n').filter(Boolean).length : 0} lines`,
  });
  const text = typeof body === 'string' ? body : '';
  return text.split('\n').filter((l) => l !== '');
}

/**
 * Follows the log: resolves when the server ends it (the container stopped, the pod went away) or the
 * caller aborts opts.signal; rejects with a ClusterError otherwise. opts.timeoutMs bounds the wait for
 * the server's answer only.
 */
export async function followPodLog(core: Core, pod: PodRef, opts: FollowOptions): Promise<void> {
  let pending = '';
  await core.transport.stream({
    path: logPath(pod),
    query: logQuery(opts, true),
    accept: 'application/json, */*',
    call: { verb: 'get', resource: 'pods/log', namespace: pod.namespace, name: pod.name },
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    onData(text) {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line) opts.onLine(line);
      }
    },
  });
  if (pending) opts.onLine(pending);
}
