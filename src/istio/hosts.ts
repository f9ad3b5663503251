// Host name rules as Istio applies them (pkg/config/host, pilot/pkg/model/config.go).

export const CLUSTER_DOMAIN = 'cluster.local';

export const isWildcard = (h: string): boolean => h.startsWith('*');

/** `a` is covered by `b` (host.Name.SubsetOf). */
export function subsetOf(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw) {
    if (!bw) return false;
    if (a.length < b.length) return false;
    return a.slice(1).endsWith(b.slice(1));
  }
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Envoy/Istio host match in either direction (host.Name.Matches). */
export function hostsMatch(a: string, b: string): boolean {
  return subsetOf(a, b) || subsetOf(b, a);
}

/** host.Names.Intersection: the more specific side of every pair that overlaps, in `left` order. */
export function intersectHosts(left: readonly string[], right: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of left) {
    for (const r of right) {
      const pick = subsetOf(l, r) ? l : subsetOf(r, l) ? r : undefined;
      if (pick !== undefined && !out.includes(pick)) out.push(pick);
    }
  }
  return out;
}

/** Sort order of host.Names: non-wildcards first, longest first, then alphabetical. */
export function compareSpecificity(a: string, b: string): number {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw !== bw) return aw ? 1 : -1;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `simple` in namespace `simple` -> `simple.simple.svc.cluster.local`; FQDNs, IPs and `*` stay. */
export function resolveShortname(hostname: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  if (hostname === '' || hostname === '*' || IPV4.test(hostname) || hostname.includes(':')) return hostname;
  if (hostname.includes('.')) return hostname;
  return `${hostname}.${namespace}.svc.${domain}`;
}

/** A VirtualService's gateway reference as `namespace/name` (or `mesh`). */
export function resolveGatewayName(ref: string, namespace: string): string {
  if (ref === 'mesh') return ref;
  if (!ref.includes('/')) {
    if (!ref.includes('.')) return `${namespace}/${ref}`;
    // legacy name.ns[.svc.cluster.local]
    const [name, ns] = ref.split('.');
    return `${ns}/${name}`;
  }
  const [ns, name] = ref.split('/', 2) as [string, string];
  return ns === '.' ? `${namespace}/${name}` : ref;
}

/** A Gateway server host `ns/host` split in two; a host without a namespace part has none. */
function splitServerHost(h: string): { ns?: string; name: string } {
  const slash = h.indexOf('/');
  return slash < 0 ? { name: h } : { ns: h.slice(0, slash), name: h.slice(slash + 1) };
}

/** Gateway server hosts with `./h` -> `<gwns>/h`, `*\/h` -> `h`, `*\/*` -> only `*` (sanitizeServerHostNamespace). */
export function sanitizeServerHosts(hosts: readonly string[], gatewayNamespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const { ns, name } = splitServerHost(h);
    if (ns === '.') out.push(`${gatewayNamespace}/${name}`);
    else if (ns === '*') {
      if (name === '*') return ['*'];
      out.push(name);
    } else out.push(h);
  }
  return out;
}

/** The server hosts a VirtualService in `namespace` may bind to, namespace prefixes stripped. */
export function namesForNamespace(hosts: readonly string[], namespace: string): string[] {
  return hosts.flatMap((h) => {
    const { ns, name } = splitServerHost(h);
    return ns === undefined || ns === namespace || ns === '*' ? [name] : [];
  });
}

/** `outbound|80|v1|reviews.default.svc.cluster.local` -> its parts. */
export function parseSubsetKey(
  name: string,
): { direction: string; port: number; subset: string; host: string } | undefined {
  const [direction, port, subset, host, ...rest] = name.split('|');
  if (direction === undefined || subset === undefined || host === undefined || rest.length) return undefined;
  if (!/^\d+$/.test(port ?? '')) return undefined;
  return { direction, port: Number(port), subset, host };
}

export const subsetKey = (port: number, subset: string | undefined, host: string): string =>
  `outbound|${port}|${subset ?? ''}|${host}`;

/** Namespaces of the Kubernetes Services behind outbound cluster names (`outbound|80||simple.simple.svc.cluster.local`). */
export function clusterNamespaces(names: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const key = parseSubsetKey(n);
    const ns = key?.direction === 'outbound' ? /^[^.]+\.([^.]+)\.svc\./.exec(key.host)?.[1] : undefined;
    if (ns) out.add(ns);
  }
  return [...out];
}
