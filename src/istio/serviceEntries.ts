// ServiceEntry hosts as destinations, looked up as Istio's analyzers do (pkg/config/analysis/analyzers/util/
// service_lookup.go InitServiceEntryHostMap + GetDestinationHost): each host is visible in the scopes its
// exportTo names (none or `*`: everywhere; `.`: its own namespace); a VirtualService sees a host exported to
// all, or to its own namespace (or, with its own exportTo, to those namespaces); wildcard hosts (`*.x`) match
// by suffix within the VirtualService's namespace or everywhere.
import type { ServiceEntry } from './model';
import { namespaceOf } from './model';

const ALL = '*';

/** util.ConvertHostToFQDN: a bare name gets `.<ns>.svc.cluster.local`; wildcards and dotted names stay. */
const toFqdn = (namespace: string, host: string): string =>
  !host.startsWith('*') && !host.includes('.') ? `${host}.${namespace}.svc.cluster.local` : host;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** `<scope>/<fqdn>` -> the ServiceEntry (the last one written wins, as in Istio's map). */
export type ServiceEntryHosts = Map<string, ServiceEntry>;

export function serviceEntryHosts(entries: readonly ServiceEntry[]): ServiceEntryHosts {
  const out: ServiceEntryHosts = new Map();
  for (const se of entries) {
    const ns = namespaceOf(se);
    const exportTo = strings(se.spec.exportTo);
    for (const h of strings(se.spec.hosts)) {
      if (!exportTo.length || exportTo.includes(ALL)) {
        out.set(`${ALL}/${toFqdn(ns, h)}`, se);
        continue;
      }
      for (const e of exportTo) out.set(`${e === '.' ? ns : e}/${toFqdn(ns, h)}`, se);
    }
  }
  return out;
}

/** The ServiceEntry that gives `host` to a VirtualService in `vsNamespace` (with the VirtualService's exportTo). */
export function findServiceEntry(
  hosts: ServiceEntryHosts,
  vsNamespace: string,
  exportTo: readonly string[] | undefined,
  host: string,
): ServiceEntry | undefined {
  const fqdn = toFqdn(vsNamespace, host);
  const all = hosts.get(`${ALL}/${fqdn}`);
  if (all) return all;
  const scopes = exportTo?.length ? exportTo.map((e) => (e === '.' ? vsNamespace : e)) : [vsNamespace];
  for (const s of scopes) {
    const hit = hosts.get(`${s}/${fqdn}`);
    if (hit) return hit;
  }
  const bare = host.startsWith('*') ? host.slice(1) : host;
  for (const [key, se] of hosts) {
    const slash = key.indexOf('/');
    const scope = key.slice(0, slash);
    const seHost = key.slice(slash + 1);
    if (!seHost.startsWith('*')) continue;
    if (scope !== ALL && scope !== vsNamespace) continue;
    if (bare.endsWith(seHost.slice(1))) return se;
  }
  return undefined;
}
