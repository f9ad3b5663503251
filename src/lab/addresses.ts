// Step 4's report: every address of the ingress gateway (from src/kube's ingressAddresses), where each
// works, and which answered from this machine.
import type { IngressAddresses, IngressAddress } from '../kube/ingressAddress';

export interface ProbedAddress {
  kind: IngressAddress['kind'] | 'override' | 'port-forward' | 'gatewayStatus';
  /** host:port, as curl takes it */
  address: string;
  where: string;
  reachable?: boolean;
}

export function hostPort(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === 80 ? h : `${h}:${port}`;
}

export function candidatesOf(found: IngressAddresses, override?: string): ProbedAddress[] {
  const out: ProbedAddress[] = [];
  if (override) out.push({ kind: 'override', address: override, where: 'set in istioIngressLab.ingress.address' });
  for (const a of found.addresses)
    out.push({ kind: a.kind, address: hostPort(a.host, a.port), where: a.reachableFrom });
  return out;
}

// A ClusterIP works only inside the cluster: when it answers, this machine is inside (a node, or routed into
// the cluster network), which the report says rather than contradict its own "only inside the cluster".
const ONSIDE = ': this machine is inside the cluster network (a node, or routed into it)';

export function formatAddressReport(
  found: IngressAddresses,
  candidates: ProbedAddress[],
  chosen?: ProbedAddress,
): string {
  const lines = [`Ingress gateway Service ${found.service} (type ${found.type})`, ''];
  for (const c of candidates) {
    const probe =
      c.reachable === undefined
        ? ''
        : c.reachable
          ? `  [answers from here${c.kind === 'clusterIP' ? ONSIDE : ''}]`
          : '  [no answer from here]';
    lines.push(`${c.kind.padEnd(13)} ${c.address}${probe}`, `              works: ${c.where}`);
  }
  if (!candidates.length) lines.push('No address found.');
  if (found.notes.length) lines.push('', ...found.notes.map((n) => `• ${n}`));
  lines.push('', chosen ? `Using ${chosen.address} (${chosen.kind}).` : 'None of these answers from this machine.');
  return lines.join('\n') + '\n';
}
