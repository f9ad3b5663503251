// The requests the lab sends through the ingress gateway, as the article writes them:
//   curl -H "Host: simple.baihl.io" $INGRESS_IP/simple/httpserver
// Pure: building the curl arguments and the command to copy, and reading curl's -i output.
import type { RouteMatch } from '../envoy/types';

export interface LabRequest {
  /** host[:port] of the ingress address the request goes to */
  address: string;
  /** Host header: what the gateway's virtual host matches on */
  host: string;
  path: string;
  headers?: Record<string, string>;
}

export interface LabResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  via: 'curl' | 'built-in http client';
  elapsedMs: number;
}

export function requestUrl(r: LabRequest): string {
  const path = r.path.startsWith('/') ? r.path : `/${r.path}`;
  return `http://${r.address}${path}`;
}

function headerArgs(r: LabRequest): string[] {
  const args = ['-H', `Host: ${r.host}`];
  for (const [k, v] of Object.entries(r.headers ?? {})) args.push('-H', `${k}: ${v}`);
  return args;
}

/** What the extension runs: silent progress, errors shown, response head included, bounded time. */
export function curlArgs(r: LabRequest, maxTimeSeconds = 10): string[] {
  return ['-sS', '-i', '--max-time', String(maxTimeSeconds), ...headerArgs(r), requestUrl(r)];
}

/** What the user copies: the article's form. */
export function curlCommandForCopy(r: LabRequest): string {
  const quoted = headerArgs(r).map((a, i) => (i % 2 === 1 ? `"${a.replace(/(["\\$`])/g, '\\$1')}"` : a));
  return ['curl', ...quoted, requestUrl(r)].join(' ');
}

/** Reads `curl -i` output; the last head wins (curl prints a 100 Continue head before the real one). */
export function parseCurlInclude(out: string): Omit<LabResponse, 'via' | 'elapsedMs'> | undefined {
  let rest = out;
  let parsed: Omit<LabResponse, 'via' | 'elapsedMs'> | undefined;
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const m = /\r?\n\r?\n/.exec(rest);
    const headEnd = m ? m.index : rest.length;
    const head = rest.slice(0, headEnd).split(/\r?\n/);
    rest = m ? rest.slice(m.index + m[0].length) : '';
    const status = /^HTTP\/[\d.]+ (\d{3})\s*(.*)$/.exec(head[0] ?? '');
    if (!status) break;
    const headers: Record<string, string> = {};
    for (const h of head.slice(1)) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    parsed = { status: Number(status[1]), statusText: status[2] ?? '', headers, body: rest };
  }
  return parsed;
}

/** A path that this Envoy match selects, or undefined when only the user can say (a regex). */
export function examplePathForMatch(m: RouteMatch): string | undefined {
  if (m.path !== undefined) return m.path;
  if (m.prefix !== undefined) return m.prefix || '/';
  if (m.pathSeparatedPrefix !== undefined) return m.pathSeparatedPrefix;
  if (!m.safeRegex) return '/';
  return undefined;
}

/** Headers that the match requires with an exact value; others are left to the user. */
export function exampleHeadersForMatch(m: RouteMatch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of m.headers ?? []) {
    if (h.invertMatch || h.name.startsWith(':')) continue;
    const v = h.stringMatch?.exact ?? h.exactMatch ?? h.stringMatch?.prefix ?? h.prefixMatch;
    if (v !== undefined) out[h.name] = v;
  }
  return out;
}

/** The Host header for a virtual host's domains: the first that is a concrete name. */
export function hostForDomains(domains: readonly string[], fallback: string): string {
  const concrete = domains.find((d) => d !== '*' && !d.startsWith('*.'));
  if (concrete) return concrete.replace(/:\*$/, '');
  const wildcard = domains.find((d) => d.startsWith('*.'));
  return wildcard ? `lab${wildcard.slice(1)}` : fallback;
}

const BODY_LIMIT = 4000;

/** One request's block in the results document: the command to copy, then what came back. */
export function formatExchange(req: LabRequest, result: { response?: LabResponse; error?: string }): string {
  const lines = [`$ ${curlCommandForCopy(req)}`];
  if (result.error) {
    lines.push(`✗ ${result.error}`);
  } else if (result.response) {
    const r = result.response;
    lines.push(`HTTP ${r.status} ${r.statusText}`.trimEnd() + `   (${r.elapsedMs} ms, via ${r.via})`);
    for (const k of ['server', 'content-type', 'x-envoy-upstream-service-time'])
      if (r.headers[k]) lines.push(`${k}: ${r.headers[k]}`);
    lines.push('');
    lines.push(
      r.body.length > BODY_LIMIT
        ? `${r.body.slice(0, BODY_LIMIT)}\n… (${r.body.length - BODY_LIMIT} more bytes)`
        : r.body,
    );
  }
  return lines.join('\n').trimEnd() + '\n';
}
