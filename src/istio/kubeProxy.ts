// kube-proxy's iptables rules for a Service, computed the way kube-proxy computes them
// (pkg/proxy/iptables/proxier.go): chain names are "KUBE-SVC-" etc. + the first 16 characters of the
// base32 SHA-256 of "<namespace>/<name>:<portName>" + protocol (+ endpoint for KUBE-SEP-).
// The lines match what `iptables-save` prints on a node, so users can grep for them.
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

const hash16 = (text: string) => base32(createHash('sha256').update(text).digest()).slice(0, 16);

/** ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port. */
export const servicePortName = (namespace: string, name: string, portName?: string) =>
  `${namespace}/${name}${portName ? `:${portName}` : ''}`;

const proto = (p?: string) => (p ?? 'TCP').toLowerCase();

export const serviceChain = (spn: string, protocol?: string) => `KUBE-SVC-${hash16(spn + proto(protocol))}`;
export const externalChain = (spn: string, protocol?: string) => `KUBE-EXT-${hash16(spn + proto(protocol))}`;
export const localChain = (spn: string, protocol?: string) => `KUBE-SVL-${hash16(spn + proto(protocol))}`;
export const firewallChain = (spn: string, protocol?: string) => `KUBE-FW-${hash16(spn + proto(protocol))}`;
export const endpointChain = (spn: string, protocol: string | undefined, endpoint: string) =>
  `KUBE-SEP-${hash16(spn + proto(protocol) + endpoint)}`;

export type EntryKind = 'loadBalancer' | 'clusterIP' | 'nodePort';

export interface KubeProxyService {
  namespace: string;
  name: string;
  clusterIP?: string;
  loadBalancerIPs?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  port: { name?: string; port: number; nodePort?: number; protocol?: string };
}

export interface KubeProxyEndpoint {
  ip: string;
  port: number;
  /** Endpoint is on the node the packet arrived at (only matters with externalTrafficPolicy Local). */
  local?: boolean;
}

export interface IptablesHop {
  chain: string;
  /** The rule as iptables-save prints it. */
  rule: string;
  /** What this hop does, for the trace. */
  explanation: string;
}

export interface IptablesPath {
  /** Rules the packet passes, in order, for the chosen endpoint. */
  hops: IptablesHop[];
  /** The endpoint of the first KUBE-SVC rule (kube-proxy's order: by "ip:port" string); others are picked by probability. */
  endpoint?: KubeProxyEndpoint;
  /** Every KUBE-SVC (or KUBE-SVL) rule, one per endpoint in kube-proxy's order, with its probability. */
  balancing: IptablesHop[];
}

export interface ChainOptions {
  /**
   * kube-proxy before 1.24 jumped from KUBE-NODEPORTS/KUBE-SERVICES straight to KUBE-SVC (the seed
   * article's node); newer ones go through KUBE-EXT-... for traffic from outside the cluster.
   */
  legacy?: boolean;
}

/**
 * The `--probability` of the rule that picks one of the `n` endpoints left, as `iptables-save` prints
 * it. kube-proxy writes 1/n with 10 decimals ("%0.10f"); the kernel's xt_statistic keeps it as a
 * 31-bit fraction (lround(p * 2^31)) and iptables-save prints that back with 11 decimals, so 1/3
 * reads 0.33333333349 on a node. Computed exactly (BigInt) so rounding matches printf's.
 */
export function iptablesProbability(n: number): string {
  const written = Number((1 / n).toFixed(10));
  const fraction = BigInt(Math.round(written * 2 ** 31)); // 0 .. 2^31, kernel units
  // fraction / 2^31 with 11 decimals, rounded to nearest (ties to even, as glibc's printf)
  const scaled = fraction * 10n ** 11n;
  const denom = 2n ** 31n;
  let digits = scaled / denom;
  const rest = scaled % denom;
  if (rest * 2n > denom || (rest * 2n === denom && digits % 2n === 1n)) digits += 1n;
  const text = digits.toString().padStart(12, '0');
  return `${text.slice(0, -11)}.${text.slice(-11)}`;
}

/** kube-proxy orders a Service port's endpoints by their "ip:port" string (byte order) before writing the rules. */
const endpointKey = (e: KubeProxyEndpoint) => `${e.ip}:${e.port}`;
const byEndpointString = (a: KubeProxyEndpoint, b: KubeProxyEndpoint) => {
  const x = endpointKey(a);
  const y = endpointKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The iptables rules a request entering by `entry` passes through, down to the DNAT to a pod. */
export function iptablesPath(
  svc: KubeProxyService,
  endpoints: KubeProxyEndpoint[],
  entry: EntryKind,
  options: ChainOptions = {},
): IptablesPath {
  const spn = servicePortName(svc.namespace, svc.name, svc.port.name);
  const p = proto(svc.port.protocol);
  const svcChain = serviceChain(spn, p);
  const extChain = externalChain(spn, p);
  const hops: IptablesHop[] = [];
  const viaExt = !options.legacy && entry !== 'clusterIP';
  const firstTarget = viaExt ? extChain : svcChain;

  if (entry === 'clusterIP') {
    hops.push({
      chain: 'KUBE-SERVICES',
      rule: `-A KUBE-SERVICES -d ${svc.clusterIP ?? '<clusterIP>'}/32 -p ${p} -m comment --comment "${spn} cluster IP" -m ${p} --dport ${svc.port.port} -j ${svcChain}`,
      explanation: `a packet to the ClusterIP ${svc.clusterIP ?? '<clusterIP>'}:${svc.port.port} jumps to the Service's chain (only on cluster nodes and pods: the ClusterIP is virtual)`,
    });
  } else if (entry === 'loadBalancer') {
    const ip = svc.loadBalancerIPs?.[0] ?? '<loadBalancerIP>';
    hops.push({
      chain: 'KUBE-SERVICES',
      rule: `-A KUBE-SERVICES -d ${ip}/32 -p ${p} -m comment --comment "${spn} loadbalancer IP" -m ${p} --dport ${svc.port.port} -j ${firstTarget}`,
      explanation: `a packet to the LoadBalancer IP ${ip}:${svc.port.port} that reaches a node is caught before it leaves`,
    });
  } else {
    hops.push({
      chain: 'KUBE-NODEPORTS',
      rule: `-A KUBE-NODEPORTS -p ${p} -m comment --comment "${spn}" -m ${p} --dport ${svc.port.nodePort ?? '<nodePort>'} -j ${firstTarget}`,
      explanation: `any node IP on port ${svc.port.nodePort ?? '<nodePort>'} (the NodePort) jumps to the Service's chain`,
    });
  }
  const local = svc.externalTrafficPolicy === 'Local' && entry !== 'clusterIP';
  if (viaExt) {
    if (local) {
      // kube-proxy's KUBE-EXT for Local first sends pod and node-local sources to KUBE-SVC (rules that
      // need the cluster CIDR); a client from outside falls through to the last rule, without a comment.
      hops.push({
        chain: extChain,
        rule: `-A ${extChain} -j ${localChain(spn, p)}`,
        explanation: 'externalTrafficPolicy Local: only endpoints on this node, and the client IP is kept',
      });
    } else {
      hops.push({
        chain: extChain,
        rule: `-A ${extChain} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ`,
        explanation: 'traffic from outside is marked for SNAT (masquerade), so the reply comes back through this node',
      });
      hops.push({
        chain: extChain,
        rule: `-A ${extChain} -j ${svcChain}`,
        explanation: 'then on to the Service chain that picks an endpoint',
      });
    }
  }
  const pickFrom = (local ? endpoints.filter((e) => e.local) : [...endpoints]).sort(byEndpointString);
  const chainForPick = local && viaExt ? localChain(spn, p) : svcChain;
  const balancing = pickFrom.map((e, i) => {
    const n = pickFrom.length - i;
    const ep = `${e.ip}:${e.port}`;
    const stat = n > 1 ? ` -m statistic --mode random --probability ${iptablesProbability(n)}` : '';
    return {
      chain: chainForPick,
      // kube-proxy before 1.24 did not name the endpoint in the comment
      rule: `-A ${chainForPick} -m comment --comment "${options.legacy ? spn : `${spn} -> ${ep}`}"${stat} -j ${endpointChain(spn, p, ep)}`,
      explanation:
        n > 1
          ? `picked with probability ${(1 / n).toFixed(2)} among the ${n} endpoints left`
          : pickFrom.length > 1
            ? 'the last endpoint takes what the others did not'
            : 'the only endpoint',
    };
  });
  const endpoint = pickFrom[0];
  const firstPick = balancing[0];
  if (endpoint && firstPick) {
    const ep = `${endpoint.ip}:${endpoint.port}`;
    const sep = endpointChain(spn, p, ep);
    hops.push(firstPick);
    hops.push({
      chain: sep,
      rule: `-A ${sep} -p ${p} -m comment --comment "${spn}" -m ${p} -j DNAT --to-destination ${ep}`,
      explanation: `destination rewritten (DNAT) to the pod ${ep}`,
    });
  }
  return { hops, endpoint, balancing };
}
