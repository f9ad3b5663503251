// IP addresses and CIDR ranges as Go's net/netip reads them (Istio parses policy IPs with netip.ParseAddr and
// netip.ParsePrefix) and as Envoy compares them (an RBAC CidrRange matches an address in the same family whose
// first prefixLen bits equal the range's).

export interface IpAddress {
  family: 4 | 6;
  /** The address as a number: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

export interface CidrRange {
  address: IpAddress;
  prefixLen: number;
}

/** netip.ParseAddr: dotted IPv4 without leading zeros, or IPv6 (`::` once, an IPv4 tail allowed); no zone. */
export function parseIp(s: string): IpAddress | undefined {
  if (!s.includes(':')) {
    const v4 = parseIpv4(s);
    return v4 === undefined ? undefined : { family: 4, value: v4 };
  }
  return parseIpv6(s);
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseIpv6(s: string): IpAddress | undefined {
  if (s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    const parts = h.split(':');
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(BigInt(`0x${p}`));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<bigint>(missing).fill(0n), ...tail]) v = (v << 16n) | g;
  return { family: 6, value: v };
}

/** netip.ParsePrefix: an address, `/`, and a prefix length within its family's bits (decimal, no leading zero). */
export function parseCidr(s: string): CidrRange | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (!address || !/^(0|[1-9]\d*)$/.test(len)) return undefined;
  const prefixLen = Number(len);
  return prefixLen <= bits(address) ? { address, prefixLen } : undefined;
}

const bits = (a: IpAddress) => (a.family === 4 ? 32 : 128);

/** True when the address lies in the range (same family, equal leading prefixLen bits), as Envoy's CidrRange matches. */
export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.address.family !== ip.family) return false;
  const shift = BigInt(bits(ip) - range.prefixLen);
  return range.address.value >> shift === ip.value >> shift;
}

/** netip.Addr.String: dotted IPv4; IPv6 in RFC 5952 form (lower case, the longest run of zero groups as `::`). */
export function formatIp(a: IpAddress): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((a.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
