// Reads the gateway pod's Envoy admin (port 15000) through a port-forward: /config_dump and
// /clusters?format=json. Answers are cached per refresh generation, so lenses and hovers that ask
// for the same gateway in one refresh cause one read.
import http from 'node:http';
import { ClusterError } from './errors';
import type { PortForwardHandle } from './portForward';
import type { Log } from './transport';

export const envoyAdminPort = 15000;

export interface PodRef {
  namespace: string;
  name: string;
}

export interface EnvoyAdmin {
  readonly pod: PodRef;
  /** GET /config_dump (with ?include_eds when asked): the parsed JSON, as Envoy prints it. */
  getConfigDump(opts?: { includeEds?: boolean; signal?: AbortSignal }): Promise<unknown>;
  /** GET /clusters?format=json: the parsed JSON. */
  getClusters(opts?: { signal?: AbortSignal }): Promise<unknown>;
  /** Any other JSON admin path, e.g. /config_dump?resource=dynamic_route_configs or /server_info (cached the
   * same way, unless `fresh`: counters that move, read again each time and not cached). */
  getJson(path: string, opts?: { signal?: AbortSignal; fresh?: boolean }): Promise<unknown>;
  /** GET /stats?format=json&filter=<regex>: getJson fresh, for the counters a view sums. */
  getStats(filter: string, opts?: { signal?: AbortSignal }): Promise<unknown>;
  /** Forget cached answers (the next read goes to Envoy again). */
  refresh(): void;
  dispose(): Promise<void>;
}

export interface EnvoyAdminDeps {
  pod: PodRef;
  /** Opens the port-forward to the pod's admin port (called lazily, once, reopened after a failure). */
  openPortForward(): Promise<PortForwardHandle>;
  log: Log;
  timeoutMs?: number;
  /** Current refresh generation of the owning cluster; a change invalidates the cache. */
  generation(): number;
}

/** GET a JSON path from 127.0.0.1:port with a timeout; the first byte time is logged for the benchmarks. */
export function getJson(
  port: number,
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ body: unknown; firstByteMs: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const all = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: { Accept: 'application/json', Connection: 'close' },
        signal: all,
      },
      (res) => {
        let firstByteMs = -1;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (firstByteMs < 0) firstByteMs = Date.now() - started;
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            reject(new Error(`HTTP ${status}: ${text.slice(0, 200).trim()}`));
            return;
          }
          try {
            resolve({ body: JSON.parse(text), firstByteMs, bytes: text.length, status });
          } catch {
            reject(new Error(`the answer is not JSON (${text.slice(0, 80).trim()}...)`));
          }
        });
      },
    );
    req.on('error', (err) =>
      reject(
        timeout.aborted && !signal?.aborted
          ? Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })
          : err,
      ),
    );
  });
}

export function createEnvoyAdmin(deps: EnvoyAdminDeps): EnvoyAdmin {
  const { pod, log } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  let forward: Promise<PortForwardHandle> | undefined;
  const cache = new Map<string, Promise<unknown>>();
  let cachedGeneration = deps.generation();

  async function read(path: string, signal?: AbortSignal, fresh = false): Promise<unknown> {
    if (fresh) return fetchOnce(path, signal);
    if (deps.generation() !== cachedGeneration) {
      cache.clear();
      cachedGeneration = deps.generation();
    }
    let p = cache.get(path);
    if (!p) {
      p = fetchOnce(path, signal);
      cache.set(path, p);
      p.catch(() => cache.delete(path));
    }
    return p;
  }

  async function fetchOnce(path: string, signal?: AbortSignal): Promise<unknown> {
    forward ??= deps.openPortForward();
    let pf: PortForwardHandle;
    try {
      pf = await forward;
    } catch (err) {
      forward = undefined;
      throw err;
    }
    const started = Date.now();
    try {
      const r = await getJson(pf.localPort, path, timeoutMs, signal);
      log(
        `envoy-admin GET ${path} ${pod.namespace}/${pod.name} → 200 (${r.bytes} bytes, first byte ${r.firstByteMs}ms) ${Date.now() - started}ms`,
      );
      return r.body;
    } catch (err) {
      const cause = pf.lastError();
      const reason = err instanceof Error ? err.message : String(err);
      log(
        `envoy-admin GET ${path} ${pod.namespace}/${pod.name} → failed ${Date.now() - started}ms: ${cause?.message ?? reason}`,
      );
      if ((err as Error).name === 'AbortError' && signal?.aborted)
        throw new ClusterError('cancelled', `Cancelled: reading ${path} from Envoy.`, '');
      if (cause && cause.kind !== 'port-forward') throw cause; // forbidden, unauthorized, unreachable...
      throw new ClusterError(
        'envoy-admin',
        `Could not read ${path} from the Envoy admin of ${pod.namespace}/${pod.name} (port ${envoyAdminPort}): ${cause?.message ?? reason}`,
        'Check that the gateway pod is Running and Ready (its Envoy serves the admin on port 15000), then refresh.',
      );
    }
  }

  return {
    pod,
    getConfigDump: (opts = {}) => read(opts.includeEds ? '/config_dump?include_eds' : '/config_dump', opts.signal),
    getClusters: (opts = {}) => read('/clusters?format=json', opts.signal),
    getJson: (path, opts = {}) => read(path.startsWith('/') ? path : `/${path}`, opts.signal, opts.fresh),
    getStats: (filter, opts = {}) => read(`/stats?format=json&filter=${encodeURIComponent(filter)}`, opts.signal, true),
    refresh: () => cache.clear(),
    async dispose() {
      const f = forward;
      forward = undefined;
      cache.clear();
      if (f) await f.then((pf) => pf.dispose()).catch(() => undefined);
    },
  };
}
