// One JSON request to the API server: credentials from client-node's KubeConfig (certificates, tokens,
// exec plugins, proxies), a timeout and caller cancellation, one log line per call, errors mapped to
// ClusterError. Failed responses are thrown as client-node's ApiException first, so the one error
// mapper sees the shape client-node's own APIs throw.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { ClusterError, toClusterError, type CallDescription } from './errors';

export type Log = (line: string) => void;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** What this call is, for the log line and error messages. */
  call: CallDescription;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Summarise a successful answer for the log line (e.g. "3 items"). */
  summarize?: (body: unknown) => string;
}

/** A long-lived GET (pods/log?follow=true): text delivered as it comes. */
export interface StreamSpec extends Omit<RequestSpec, 'method' | 'body' | 'contentType' | 'summarize'> {
  /** Until the response headers arrive (default: the transport's timeout); the body itself may last. */
  timeoutMs?: number;
  /** Called with each piece of the body as it arrives (UTF-8, possibly mid-line). */
  onData: (text: string) => void;
}

export interface Transport {
  request<T = unknown>(spec: RequestSpec): Promise<T>;
  /**
   * Resolves when the server ends the body or the caller aborts (spec.signal); rejects with a ClusterError
   * for a refused call (401, 403, 404 ...), a server that does not answer in time, or a broken connection.
   */
  stream(spec: StreamSpec): Promise<void>;
  /** Base call description (context, server, user) merged into every error. */
  readonly who: Pick<CallDescription, 'context' | 'server' | 'user'>;
  dispose(): void;
}

export const defaultTimeoutMs = 15_000;
const MAX_ATTEMPTS = 5;

/**
 * As client-go does: a 429 (the API server's "storage is (re)initializing" or priority-and-fairness
 * throttling), or a 5xx with Retry-After on a read, means "ask again shortly", not a failure. The wait is
 * the server's Retry-After, held between 0.2 and 5 s; undefined when the error is not one to retry.
 */
export function retryAfterMs(err: unknown, method: RequestSpec['method']): number | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const headers = (err.headers ?? {}) as Record<string, string | undefined>;
  const header = headers['retry-after'] ?? headers['Retry-After'];
  const retryable =
    err.code === 429 || (err.code >= 500 && err.code <= 504 && method === 'GET' && header !== undefined);
  if (!retryable) return undefined;
  const seconds = Number(header);
  return Math.min(5000, Math.max(200, Number.isFinite(seconds) ? seconds * 1000 : 1000));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

interface AuthOptions extends https.RequestOptions {
  headers?: Record<string, string>;
}

export function createTransport(
  kc: KubeConfig,
  who: Transport['who'],
  log: Log,
  timeoutMs = defaultTimeoutMs,
): Transport {
  // Keep-alive agents, reused while the TLS material stays the same (an exec plugin may rotate it).
  const agents = new Map<string, http.Agent>();

  function agentFor(server: URL, opts: AuthOptions): http.Agent | undefined {
    if (kc.getCurrentCluster()?.proxyUrl) return opts.agent as http.Agent | undefined; // client-node's proxy agent
    const material = [opts.ca, opts.cert, opts.key, String(opts.rejectUnauthorized), opts.servername ?? '']
      .map((x) =>
        x
          ? crypto
              .createHash('sha256')
              .update(x as crypto.BinaryLike)
              .digest('hex')
          : '-',
      )
      .join(':');
    let agent = agents.get(material);
    if (!agent) {
      agent =
        server.protocol === 'https:'
          ? new https.Agent({
              keepAlive: true,
              ca: opts.ca,
              cert: opts.cert,
              key: opts.key,
              rejectUnauthorized: opts.rejectUnauthorized,
              servername: opts.servername,
            })
          : new http.Agent({ keepAlive: true });
      agents.set(material, agent);
    }
    return agent;
  }

  async function request<T>(spec: RequestSpec): Promise<T> {
    const call: CallDescription = { ...who, ...spec.call };
    const started = Date.now();
    const what = describe(call, spec.query);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await send(spec, call);
        log(
          `${what} → ${result.status}${spec.summarize ? ` (${spec.summarize(result.body)})` : ''} ${Date.now() - started}ms`,
        );
        return result.body as T;
      } catch (err) {
        const wait = attempt < MAX_ATTEMPTS ? retryAfterMs(err, spec.method) : undefined;
        if (wait !== undefined && !spec.signal?.aborted) {
          log(`${what} → ${(err as ApiException<unknown>).code}, retrying in ${wait}ms (the server asked to)`);
          await sleep(wait, spec.signal);
          continue;
        }
        const mapped = err instanceof ClusterError ? err : toClusterError(err, call);
        log(`${what} → ${mapped.status ?? mapped.kind} ${Date.now() - started}ms`);
        throw mapped;
      }
    }
  }

  // client-node runs an exec credential plugin on every request unless the plugin states an expiry;
  // plugins like `aws eks get-token` take a second each. Reuse credentials briefly, as client-go does.
  let cached: { opts: AuthOptions; at: number } | undefined;
  const execUser = !!kc.getCurrentUser()?.exec || !!kc.getCurrentUser()?.authProvider;
  const credentialTtlMs = 60_000;

  async function credentials(call: CallDescription): Promise<AuthOptions> {
    if (execUser && cached && Date.now() - cached.at < credentialTtlMs)
      return { ...cached.opts, headers: { ...cached.opts.headers } };
    const opts: AuthOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (err) {
      const mapped = toClusterError(err, call);
      // Anything else failing while getting credentials is the exec/auth plugin's failure.
      if (mapped.kind === 'unknown') throw toClusterError(err, { ...call, verb: 'authenticate' });
      throw mapped;
    }
    if (execUser) cached = { opts: { ...opts, headers: { ...opts.headers } }, at: Date.now() };
    return opts;
  }

  /** The request's URL on the current context's server, and the credentials to send with it. */
  async function target(
    spec: Pick<RequestSpec, 'path' | 'query'>,
    call: CallDescription,
  ): Promise<{ url: URL; opts: AuthOptions }> {
    const cluster = kc.getCurrentCluster();
    if (!cluster)
      throw new ClusterError('bad-kubeconfig', 'The current context has no cluster.', 'Choose another context.');
    const opts = await credentials(call);
    const url = new URL(cluster.server.replace(/\/$/, '') + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return { url, opts };
  }

  async function send(spec: RequestSpec, call: CallDescription): Promise<{ status: number; body: unknown }> {
    const { url, opts } = await target(spec, call);

    const timeout = AbortSignal.timeout(spec.timeoutMs ?? timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = { ...(opts.headers ?? {}), Accept: spec.accept ?? 'application/json' };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }

    try {
      return await new Promise((resolve, reject) => {
        const lib = url.protocol === 'https:' ? https : http;
        const req = lib.request(
          url,
          { method: spec.method, headers, agent: agentFor(url, opts), auth: opts.auth ?? undefined, signal },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status === 401) cached = undefined; // expired credentials: ask the plugin again next time
              if (status < 200 || status > 299) {
                // Same shape as client-node's generated APIs: code + body text + headers.
                reject(
                  new ApiException(status, 'Unsuccessful HTTP Request', text, res.headers as Record<string, string>),
                );
                return;
              }
              const json = (res.headers['content-type'] ?? '').includes('json');
              try {
                resolve({ status, body: json && text ? JSON.parse(text) : text });
              } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
              }
            });
          },
        );
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    } catch (err) {
      if (timeout.aborted && !spec.signal?.aborted) {
        const e = new Error('timeout');
        e.name = 'TimeoutError';
        throw toClusterError(e, call);
      }
      throw err;
    }
  }

  async function stream(spec: StreamSpec): Promise<void> {
    const call: CallDescription = { ...who, ...spec.call };
    const what = describe(call, spec.query);
    const started = Date.now();
    const { url, opts } = await target(spec, call);
    const headers: Record<string, string> = { ...(opts.headers ?? {}), Accept: spec.accept ?? '*/*' };
    // The timeout covers only the wait for the response headers: a followed log may rightly stay open
    // for hours. One controller so the timer can be cleared once the server has answered.
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, spec.timeoutMs ?? timeoutMs);
    const onCallerAbort = () => ac.abort();
    spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const lib = url.protocol === 'https:' ? https : http;
        // No keep-alive agent's socket reuse for a stream that may never end: a fresh connection.
        const agentOpts = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized };
        const agent = kc.getCurrentCluster()?.proxyUrl
          ? (opts.agent as http.Agent | undefined)
          : url.protocol === 'https:'
            ? new https.Agent({ ...agentOpts, servername: opts.servername })
            : undefined;
        const req = lib.request(
          url,
          { method: 'GET', headers, agent, auth: opts.auth ?? undefined, signal: ac.signal },
          (res) => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            res.setEncoding('utf8');
            if (status < 200 || status > 299) {
              if (status === 401) cached = undefined;
              let text = '';
              res.on('data', (c: string) => (text += c));
              res.on('error', reject);
              res.on('end', () =>
                reject(
                  new ApiException(status, 'Unsuccessful HTTP Request', text, res.headers as Record<string, string>),
                ),
              );
              return;
            }
            log(`${what} → ${status} streaming ${Date.now() - started}ms`);
            res.on('data', (c: string) => spec.onData(c));
            res.on('error', reject);
            res.on('end', () => resolve());
            res.on('aborted', () => reject(new Error('the server closed the stream')));
          },
        );
        req.on('error', reject);
        req.end();
      });
      log(`${what} → ended ${Date.now() - started}ms`);
    } catch (err) {
      if (spec.signal?.aborted) {
        log(`${what} → stopped ${Date.now() - started}ms`);
        return;
      }
      let mapped: ClusterError;
      if (timedOut) {
        const e = new Error('timeout');
        e.name = 'TimeoutError';
        mapped = toClusterError(e, call);
      } else mapped = err instanceof ClusterError ? err : toClusterError(err, call);
      log(`${what} → ${mapped.status ?? mapped.kind} ${Date.now() - started}ms`);
      throw mapped;
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  return {
    request,
    stream,
    who,
    dispose() {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    },
  };
}

/** "list pods -n istio-system labelSelector=istio=ingressgateway" — never headers, never bodies. */
function describe(call: CallDescription, query: RequestSpec['query']): string {
  const parts = [call.verb, call.resource];
  if (call.name) parts.push(call.name);
  if (call.namespace) parts.push(`-n ${call.namespace}`);
  for (const key of ['labelSelector', 'fieldSelector', 'dryRun', 'fieldManager']) {
    const v = query?.[key];
    if (v !== undefined) parts.push(`${key}=${v}`);
  }
  return parts.join(' ');
}
