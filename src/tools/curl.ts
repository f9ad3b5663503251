// Sending a lab request: curl when it is available (what the article uses), the built-in client otherwise.
import { request as httpRequest } from 'node:http';
import { curlArgs, parseCurlInclude, requestUrl, type LabRequest, type LabResponse } from '../lab/requests';
import type { LocatedTool } from './locate';
import { runTool } from './run';

export type SendResult =
  | { ok: true; response: LabResponse; commandLine?: string }
  | { ok: false; message: string; commandLine?: string };

export async function sendWithCurl(
  curl: LocatedTool,
  req: LabRequest,
  opts: { signal?: AbortSignal; log?: (l: string) => void } = {},
): Promise<SendResult> {
  const started = Date.now();
  const r = await runTool(curl, curlArgs(req), { signal: opts.signal, log: opts.log, timeoutMs: 15_000 });
  if (r.failure) {
    const why = r.stderr.trim() || r.failure;
    return { ok: false, message: `curl ${requestUrl(req)} failed: ${why}`, commandLine: r.commandLine };
  }
  const parsed = parseCurlInclude(r.stdout);
  if (!parsed)
    return { ok: false, message: `curl printed no HTTP response for ${requestUrl(req)}.`, commandLine: r.commandLine };
  return {
    ok: true,
    response: { ...parsed, via: 'curl', elapsedMs: Date.now() - started },
    commandLine: r.commandLine,
  };
}

export function sendWithNode(
  req: LabRequest,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SendResult> {
  const started = Date.now();
  const url = new URL(requestUrl(req));
  return new Promise((resolve) => {
    const r = httpRequest(
      {
        hostname: url.hostname,
        port: url.port || 80,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { ...req.headers, Host: req.host, 'User-Agent': 'istio-ingress-lab' },
        signal: opts.signal,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            ok: true,
            response: {
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              headers,
              body: Buffer.concat(chunks).toString('utf8'),
              via: 'built-in http client',
              elapsedMs: Date.now() - started,
            },
          });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 10_000) / 1000)} s`)));
    r.on('error', (e) => resolve({ ok: false, message: `GET ${requestUrl(req)} failed: ${e.message}` }));
    r.end();
  });
}
