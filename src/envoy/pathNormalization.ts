// What the HTTP connection manager does to :path before routing, when configured to: normalize_path
// (RFC 3986 dot-segment removal, backslash to slash, percent-decoding of unreserved characters, as
// Envoy's PathUtil::canonicalPath via Chromium's URL canonicaliser does) and merge_slashes. Istio sets
// normalize_path on gateways by default (meshConfig.pathNormalization BASE), so "/a/../b" routes as "/b".
// The route then sees, and the upstream receives, the normalised path. Checked live against Envoy 1.40.
import type { Listener } from './types';

export interface PathNormalization {
  normalizePath: boolean;
  mergeSlashes: boolean;
}

const HCM = 'envoy.filters.network.http_connection_manager';

/** The path options of the HTTP connection manager in a listener (first filter chain that has one). */
export function pathNormalizationOf(listener: Listener | undefined): PathNormalization {
  for (const fc of [
    ...(listener?.filterChains ?? []),
    ...(listener?.defaultFilterChain ? [listener.defaultFilterChain] : []),
  ]) {
    for (const f of fc.filters ?? []) {
      if (f.name !== HCM) continue;
      const tc = (f.typedConfig ?? {}) as { normalizePath?: boolean | { value?: boolean }; mergeSlashes?: boolean };
      const np = typeof tc.normalizePath === 'object' ? tc.normalizePath?.value === true : tc.normalizePath === true;
      return { normalizePath: np, mergeSlashes: tc.mergeSlashes === true };
    }
  }
  return { normalizePath: false, mergeSlashes: false };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function canonicalPath(path: string): string {
  // backslashes are path separators for the canonicaliser
  let p = path.replace(/\\/g, '/');
  // decode %XX of unreserved characters; keep other escapes as they are
  p = p.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : m;
  });
  const segments = p.split('/').slice(1);
  const out: string[] = [];
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      out.pop();
      if (last) out.push('');
    } else out.push(seg);
  }
  return '/' + out.join('/');
}

/** :path (with query) as the route sees it after the HCM's normalisation. */
export function normalizeRequestPath(path: string, opts: PathNormalization): string {
  const q = path.indexOf('?');
  let p = q >= 0 ? path.slice(0, q) : path;
  const query = q >= 0 ? path.slice(q) : '';
  if (opts.normalizePath) p = canonicalPath(p);
  if (opts.mergeSlashes) p = p.replace(/\/{2,}/g, '/');
  return p + query;
}
