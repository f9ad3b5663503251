// The article's step 5.2, read from a real node: `iptables-save -t nat -c` as kube-proxy wrote it,
// narrowed to the chains one Service's traffic walks (KUBE-SERVICES / KUBE-NODEPORTS entries that
// name the Service, then every KUBE-EXT / KUBE-SVC / KUBE-SVL / KUBE-FW / KUBE-SEP chain they jump
// to), each rule with its packet and byte counters. Pure text in, text and numbers out.

export interface NatRule {
  chain: string;
  /** The rule as iptables-save prints it, without the counters: "-A KUBE-SEP-... -j DNAT --to-destination 10.244.0.1:8080". */
  rule: string;
  packets: number;
  bytes: number;
  /** The chain it jumps to (-j), if any. */
  target?: string;
  /** For a DNAT rule: the address:port it rewrites the destination to. */
  dnatTo?: string;
}

const ruleLine = /^(?:\[(\d+):(\d+)\]\s+)?(-A\s+(\S+)\s.*)$/;

/** Every "-A" rule of a `iptables-save [-c]` dump (counters 0 when the dump has none). */
export function parseNatRules(dump: string): NatRule[] {
  const out: NatRule[] = [];
  for (const raw of dump.split('\n')) {
    const [, packets, bytes, rule, chain] = ruleLine.exec(raw.trim()) ?? [];
    if (rule === undefined || chain === undefined) continue;
    const target = / -j (\S+)/.exec(rule)?.[1];
    const dnatTo = / --to-destination (\S+)/.exec(rule)?.[1];
    out.push({
      chain,
      rule,
      packets: Number(packets ?? 0),
      bytes: Number(bytes ?? 0),
      ...(target ? { target } : {}),
      ...(dnatTo ? { dnatTo } : {}),
    });
  }
  return out;
}

const serviceChain = /^KUBE-(EXT|SVC|SVL|FW|SEP)-/;

/**
 * The rules on the path of Service `namespace/name`, in the dump's order: its entries in
 * KUBE-SERVICES and KUBE-NODEPORTS (matched by kube-proxy's comment "namespace/name:port…"), and
 * all rules of the per-Service chains reachable from them.
 */
export function serviceNatRules(rules: NatRule[], namespace: string, name: string): NatRule[] {
  const tag = `"${namespace}/${name}:`;
  const entries = rules.filter(
    (r) => (r.chain === 'KUBE-SERVICES' || r.chain === 'KUBE-NODEPORTS') && r.rule.includes(tag),
  );
  const chains = new Set<string>();
  const queue = entries.map((r) => r.target).filter((t): t is string => !!t && serviceChain.test(t));
  while (queue.length) {
    const c = queue.pop()!;
    if (chains.has(c)) continue;
    chains.add(c);
    for (const r of rules) if (r.chain === c && r.target && serviceChain.test(r.target)) queue.push(r.target);
  }
  return rules.filter((r) => entries.includes(r) || chains.has(r.chain));
}

/** The rules as iptables-save -c prints them ("[packets:bytes] -A ..."), one per line. */
export function formatNatRules(rules: NatRule[]): string {
  return rules.map((r) => `[${r.packets}:${r.bytes}] ${r.rule}`).join('\n');
}
