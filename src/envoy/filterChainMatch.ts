// Which filter chain of a listener takes a connection, as Envoy picks it (FilterChainMatch, listener_components.proto):
// the most specific server name among the chains that name one (the exact SNI, then the longest wildcard
// `*.suffix`, then the chains without server_names), then within that group the transport protocol (`tls` or
// `raw_buffer`), then the application protocols (ALPN). Envoy does not fall back to a less specific group when
// a later criterion fails: the connection gets no chain (the default chain if the listener has one, else closed).
import type { FilterChain } from './types';

export interface ConnectionFacts {
  /** The TLS client hello's SNI; undefined for a plaintext connection or a client that sends none. */
  sni?: string;
  /** TLS at all (Envoy's tls_inspector says `tls`, else `raw_buffer`). */
  tls: boolean;
  /** ALPN the client offers. */
  alpn?: string[];
}

export interface ChainVerdict {
  index: number;
  /** Why this chain did not take the connection, or how it matched. */
  reason: string;
}

export interface FilterChainPick {
  /** Index into the listener's filterChains; -1 for the default filter chain; undefined when none. */
  index?: number;
  chain?: FilterChain;
  /** How the winner matched (`SNI simple.baihl.io exactly`, `no server_names: every connection`). */
  how?: string;
  /** One line per other chain: why it did not take the connection. */
  others: ChainVerdict[];
}

/** `*.example.com` covers `a.example.com` and `a.b.example.com` (one or more labels), not `example.com`. */
function wildcardCovers(pattern: string, name: string): boolean {
  return pattern.startsWith('*.') && name.length > pattern.length - 1 && name.endsWith(pattern.slice(1));
}

/** How specific `serverNames` is for this SNI: exact = Infinity, a wildcard its suffix length, none 0; -1 no match. */
function serverNameRank(names: readonly string[] | undefined, sni: string | undefined): number {
  if (!names?.length) return 0;
  if (sni === undefined) return -1;
  const lower = sni.toLowerCase();
  let best = -1;
  for (const n of names) {
    const p = n.toLowerCase();
    if (p === lower) return Number.POSITIVE_INFINITY;
    if (wildcardCovers(p, lower)) best = Math.max(best, p.length - 1);
  }
  return best;
}

const rankText = (rank: number, names: readonly string[] | undefined, sni: string | undefined) =>
  rank === Number.POSITIVE_INFINITY
    ? `SNI ${sni} is one of its server names`
    : rank > 0
      ? `SNI ${sni} is covered by its wildcard server name ${names?.find((n) => wildcardCovers(n.toLowerCase(), (sni ?? '').toLowerCase()))}`
      : 'it names no server: it takes any SNI, and connections without one';

export function pickFilterChain(
  chains: readonly FilterChain[],
  conn: ConnectionFacts,
  defaultChain?: FilterChain,
): FilterChainPick {
  const ranks = chains.map((c) => serverNameRank(c.filterChainMatch?.serverNames, conn.sni));
  const top = Math.max(-1, ...ranks);
  const transport = conn.tls ? 'tls' : 'raw_buffer';
  const fits = (c: FilterChain): string | undefined => {
    const m = c.filterChainMatch ?? {};
    if (m.transportProtocol && m.transportProtocol !== transport)
      return `it wants transport ${m.transportProtocol}, the connection is ${transport}`;
    if (m.applicationProtocols?.length && !m.applicationProtocols.some((p) => conn.alpn?.includes(p)))
      return `it wants ALPN ${m.applicationProtocols.join(' or ')} (Istio's mTLS), the client offers ${conn.alpn?.length ? conn.alpn.join(', ') : 'none'}`;
    return undefined;
  };
  let index: number | undefined;
  const others: ChainVerdict[] = [];
  chains.forEach((c, i) => {
    const names = c.filterChainMatch?.serverNames;
    const rank = ranks[i] ?? -1;
    if (rank < 0) {
      others.push({
        index: i,
        reason:
          conn.sni === undefined
            ? `it matches SNI ${names?.join(', ')}, and the connection has no SNI${conn.tls ? '' : ' (plaintext)'}`
            : `SNI ${conn.sni} is not among its server names ${names?.join(', ')}`,
      });
      return;
    }
    if (rank < top) {
      others.push({
        index: i,
        reason: `${rankText(rank, names, conn.sni)}, but a more specific server name on another chain wins`,
      });
      return;
    }
    const miss = fits(c);
    if (miss || index !== undefined) {
      others.push({ index: i, reason: miss ?? 'an earlier chain with the same match came first' });
      return;
    }
    index = i;
  });
  if (index !== undefined) {
    const chain = chains[index];
    const how = rankText(ranks[index] ?? 0, chain?.filterChainMatch?.serverNames, conn.sni);
    return { index, chain, how, others };
  }
  if (defaultChain)
    return { index: -1, chain: defaultChain, how: "no chain matches: the listener's default chain", others };
  return { others };
}
