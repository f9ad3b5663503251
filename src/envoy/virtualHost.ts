// Envoy's virtual host selection (RouteMatcher::findVirtualHost): the Host/:authority header, lower-cased,
// with the port stripped when the route configuration sets ignore_port_in_host_matching, is looked up
//   1. among exact domains,
//   2. among suffix wildcards `*.example.com` / `*example.com`, longest suffix first,
//   3. among prefix wildcards `example.*`, longest prefix first,
//   4. the `*` virtual host.
// A wildcard never matches the empty string: `*.example.com` does not match `.example.com`.
import type { RouteConfiguration, VirtualHost } from './types';

export type DomainMatchKind = 'exact' | 'suffix' | 'prefix' | 'default';

export interface VirtualHostChoice {
  virtualHost: VirtualHost;
  index: number;
  /** The domain entry that matched, as written in the virtual host. */
  domain: string;
  kind: DomainMatchKind;
  /** The host value Envoy compared (lower-cased, port stripped when ignored). */
  host: string;
}

/** Envoy's HeaderUtility::getPortStart: index of the ':' before a numeric port, or -1. */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return -1;
  const v6End = host.lastIndexOf(']');
  if (v6End >= 0 && v6End > colon) return -1;
  const port = host.slice(colon + 1);
  if (!/^\d+$/.test(port) || Number(port) > 0xffffffff) return -1;
  return colon;
}

/** The host string Envoy matches domains against. */
export function hostForMatching(authority: string, ignorePort: boolean): string {
  let h = authority;
  if (ignorePort) {
    const p = portStart(h);
    if (p >= 0) h = h.slice(0, p);
  }
  return h.toLowerCase();
}

/** A domain as written, with the virtual host (and its index) that lists it. */
interface DomainEntry {
  index: number;
  domain: string;
  virtualHost: VirtualHost;
}

interface Compiled {
  exact: Map<string, DomainEntry>;
  suffixes: Map<number, Map<string, DomainEntry>>; // by length, longest checked first
  prefixes: Map<number, Map<string, DomainEntry>>;
  suffixLengths: number[];
  prefixLengths: number[];
  default?: DomainEntry;
}

const cache = new WeakMap<RouteConfiguration, Compiled>();

function compile(rc: RouteConfiguration): Compiled {
  let c = cache.get(rc);
  if (c) return c;
  c = { exact: new Map(), suffixes: new Map(), prefixes: new Map(), suffixLengths: [], prefixLengths: [] };
  const vhosts = rc.virtualHosts ?? [];
  for (const [i, vhost] of vhosts.entries()) {
    for (const d of vhost.domains ?? []) {
      const domain = d.toLowerCase();
      const entry: DomainEntry = { index: i, domain: d, virtualHost: vhost };
      if (domain === '*') {
        c.default ??= entry;
      } else if (domain.startsWith('*')) {
        addWildcard(c.suffixes, domain.slice(1), entry);
      } else if (domain.endsWith('*')) {
        addWildcard(c.prefixes, domain.slice(0, -1), entry);
      } else if (!c.exact.has(domain)) {
        c.exact.set(domain, entry);
      }
    }
  }
  c.suffixLengths = [...c.suffixes.keys()].sort((a, b) => b - a);
  c.prefixLengths = [...c.prefixes.keys()].sort((a, b) => b - a);
  cache.set(rc, c);
  return c;
}

function addWildcard(m: Map<number, Map<string, DomainEntry>>, part: string, entry: DomainEntry): void {
  let byLen = m.get(part.length);
  if (!byLen) m.set(part.length, (byLen = new Map<string, DomainEntry>()));
  if (!byLen.has(part)) byLen.set(part, entry);
}

/** Picks the virtual host Envoy would use for `authority` (the Host header), or undefined (Envoy answers 404 NR). */
export function selectVirtualHost(rc: RouteConfiguration, authority: string): VirtualHostChoice | undefined {
  const c = compile(rc);
  const host = hostForMatching(authority, rc.ignorePortInHostMatching === true);
  const pick = (e: DomainEntry, kind: DomainMatchKind): VirtualHostChoice => ({
    virtualHost: e.virtualHost,
    index: e.index,
    domain: e.domain,
    kind,
    host,
  });
  const exact = c.exact.get(host);
  if (exact) return pick(exact, 'exact');
  for (const len of c.suffixLengths) {
    if (len >= host.length) continue;
    const e = c.suffixes.get(len)!.get(host.slice(host.length - len));
    if (e) return pick(e, 'suffix');
  }
  for (const len of c.prefixLengths) {
    if (len >= host.length) continue;
    const e = c.prefixes.get(len)!.get(host.slice(0, len));
    if (e) return pick(e, 'prefix');
  }
  return c.default ? pick(c.default, 'default') : undefined;
}
