// IST0145, as Istio's gateway.ConflictingGatewayAnalyzer (analyzers/gateway/conflictinggateway.go): two
// Gateways whose selectors are the same (or one contains the other and some pod matches both) with a
// server on the same port claiming the same host string with the same bind.
//
// Kept as Istio keeps it: hosts compare as written (no wildcard matching), and per Gateway and port only
// the last server counts. Left out: Istio's check mutates its host table while it iterates a Go map, so
// its answer for three or more Gateways on one port depends on map order; ours compares each pair once.
import type { Gateway } from '../model';
import { fullName, list, podLabels, selectorMatches, selectorString, objectRef, type AnalysisContext } from './context';
import { makeDiagnostic, type Diagnostic } from './types';

type HostsBind = Map<string, string>;

interface Entry {
  gateway: Gateway;
  serverIndex: number;
  hosts: HostsBind;
}

/** selector~port -> gateway full name -> the last server's hosts on that port. */
function serversBySelectorPort(gateways: readonly Gateway[]): Map<string, Map<string, Entry>> {
  const table = new Map<string, Map<string, Entry>>();
  for (const gw of gateways) {
    const sel = selectorString(gw.spec.selector);
    list(gw.spec.servers).forEach((server, i) => {
      const key = `${sel}~${server?.port?.number ?? 0}`;
      const byName = table.get(key) ?? new Map<string, Entry>();
      const hosts: HostsBind = new Map();
      for (const h of list(server?.hosts)) hosts.set(h, server?.bind ?? '');
      byName.set(fullName(gw), { gateway: gw, serverIndex: i, hosts });
      table.set(key, byName);
    });
  }
  return table;
}

export function analyzeConflictingGateways(ctx: AnalysisContext): Diagnostic[] {
  const table = ctx.indexOf(ctx.world.gateways, 'conflictingGateways', serversBySelectorPort);

  const out: Diagnostic[] = [];
  for (const gw of ctx.subject.gateways) {
    const name = fullName(gw);
    const sel = selectorString(gw.spec.selector);
    const hit: [string, Map<string, Entry>][] = [];
    for (const [key, values] of table) {
      const xSel = key.slice(0, key.lastIndexOf('~'));
      let matched = xSel === sel;
      if (!matched && (xSel.includes(sel) || sel.includes(xSel))) {
        const x = Object.fromEntries(
          xSel.split(',').flatMap((kv): [string, string][] => {
            const [k, v, ...rest] = kv.split('=');
            return k !== undefined && v !== undefined && !rest.length ? [[k, v]] : [];
          }),
        );
        matched = ctx.world.deployments.some(
          (d) => selectorMatches(gw.spec.selector, podLabels(d)) && selectorMatches(x, podLabels(d)),
        );
      }
      if (matched) hit.push([key, values]);
    }
    list(gw.spec.servers).forEach((server, i) => {
      const port = String(server?.port?.number ?? 0);
      const bind = server?.bind ?? '';
      const conflicting: Entry[] = [];
      const sharedHosts = new Set<number>();
      for (const [key, values] of hit) {
        if (key.slice(key.lastIndexOf('~') + 1) !== port) continue;
        for (const [otherName, entry] of values) {
          if (otherName === name) continue;
          const shared = list(server?.hosts).flatMap((h, k) =>
            entry.hosts.has(h) && entry.hosts.get(h) === bind ? [k] : [],
          );
          if (!shared.length) continue;
          conflicting.push(entry);
          for (const k of shared) sharedHosts.add(k);
        }
      }
      if (!conflicting.length) return;
      const names = conflicting.map((e) => fullName(e.gateway)).sort();
      out.push(
        makeDiagnostic({
          code: 'IST0145',
          args: [names.join(','), sel, port, list(server?.hosts).join(',')],
          file: gw.file,
          range: gw.rangeAt(['spec', 'servers', i, 'port', 'number']),
          // The value at fault: the host another Gateway already claims on this port (all of them when several).
          valueRange: gw.rangeAt(['spec', 'servers', i, 'hosts', ...(sharedHosts.size === 1 ? sharedHosts : [])]),
          object: objectRef(gw),
          related: conflicting
            .filter((e) => ctx.inputs.gateways.includes(e.gateway))
            .map((e) => ({
              file: e.gateway.file,
              range: e.gateway.rangeAt(['spec', 'servers', e.serverIndex, 'hosts']),
              message: `Gateway ${fullName(e.gateway)} claims the same host on port ${port}`,
            })),
        }),
      );
    });
  }
  return out;
}
