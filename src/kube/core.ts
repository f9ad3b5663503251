// What the cluster operations share: the transport, discovery and the context's default namespace.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Discovery } from './discovery';
import type { KubeList } from './objects';
import type { Log, Transport } from './transport';

export interface Core {
  kc: KubeConfig;
  transport: Transport;
  discovery: Discovery;
  log: Log;
  defaultNamespace: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const itemsCount = (b: unknown): string => `${(b as KubeList<unknown>).items?.length ?? 0} items`;

/** AbortSignal.reason is `any`; an abort without an Error reason still rejects with an Error. */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(typeof reason === 'string' ? reason : 'aborted');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortReason(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
