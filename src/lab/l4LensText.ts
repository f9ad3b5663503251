// The words of the lens and hover on a tcp[]/tls[] match: the listener and SNI it becomes, where the
// tcp_proxy sends the connection. Pure, so the wording is tested without VS Code.
import type { L4Route } from '../istio/l4Routes';

const destination = (r: L4Route) =>
  r.cluster ?? (r.weightedClusters ?? []).map((c) => `${c.name} (${c.weight})`).join(', ');

/** `predicted: 0.0.0.0_8443 SNI simple.baihl.io → outbound|80||simple.simple.svc.cluster.local` */
export function formatL4Lens(r: L4Route): string {
  const sni = r.serverNames?.length ? ` SNI ${r.serverNames.join(', ')}` : ' (all connections)';
  return `predicted: ${r.listener}${sni} → ${destination(r)}`;
}

/** Cluster names hold `|`, which ends a Markdown table cell even inside backticks. */
const cell = (s: string) => `\`${s.replace(/\|/g, '\\|')}\``;

export function formatL4Hover(r: L4Route): string {
  return [
    `**${r.section === 'tls' ? 'TLS passthrough' : 'TCP'} route on the gateway** (predicted by Istio's rules)`,
    '',
    `| | |`,
    `|---|---|`,
    ...(r.source
      ? [`| Route | ${r.source.kind} ${cell(`${r.source.namespace}/${r.source.name}`)} rules[${r.source.rule}] |`]
      : []),
    `| Gateway | ${cell(r.gateway)} |`,
    `| Listener | ${cell(r.listener)} |`,
    `| Filter chain match | ${r.serverNames?.length ? `SNI ${r.serverNames.map(cell).join(', ')}` : 'every connection'} |`,
    `| tcp_proxy | ${r.cluster ? cell(r.cluster) : (r.weightedClusters ?? []).map((c) => `${cell(c.name)} ${c.weight}`).join(', ')} |`,
    `| stat_prefix | ${cell(r.statPrefix)} |`,
  ].join('\n');
}
