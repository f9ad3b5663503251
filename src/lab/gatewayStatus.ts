// What istiod wrote in a Gateway API object's status, said for people: whether the Gateway is Accepted
// and Programmed and at which address, whether each route is Accepted with ResolvedRefs by its parent, and
// where the Gateway API walkthrough sends its requests. Pure: takes the objects as the API returns them.
import type { GatewayApiObject, GatewayApiStatusCondition } from '../kube/index';
import type { IngressAddresses } from '../kube/ingressAddress';
import { hostPort, type ProbedAddress } from './addresses';
import type { GatewayStatusPrediction, StatusCondition } from '../istio/gatewayApiStatus';

type Condition = GatewayApiStatusCondition;

export function conditionOf(cs: readonly Condition[] | undefined, type: string): Condition | undefined {
  return cs?.find((c) => c.type === type);
}

/** `Accepted ✓`, or `Programmed ✗ AddressNotAssigned`: the mark and, when not True, the reason. */
export function conditionMark(c: Condition | undefined, type: string): string {
  if (!c) return `${type} ?`;
  if (c.status === 'True') return `${type} ✓`;
  return `${type} ✗${c.reason ? ` ${c.reason}` : ''}`;
}

/** One line per condition with its message, for tooltips and reports. */
export function conditionLines(cs: readonly Condition[] | undefined, generation?: number): string[] {
  return (cs ?? []).map((c) => {
    const stale =
      generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration < generation
        ? ` (of generation ${c.observedGeneration}; the object is at ${generation}: istiod has not caught up yet)`
        : '';
    return `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}${stale}`;
  });
}

interface Listener {
  name?: string;
  port?: number;
  protocol?: string;
  hostname?: string;
}

/** The HTTP listener the sample's requests go to (the first HTTP one, else the first). */
export function httpListener(gw: GatewayApiObject): Listener | undefined {
  const listeners = ((gw.spec as { listeners?: Listener[] } | undefined)?.listeners ?? []).filter(Boolean);
  return listeners.find((l) => l.protocol === 'HTTP') ?? listeners[0];
}

export interface GatewayReadiness {
  accepted: boolean;
  programmed: boolean;
  /** The addresses istiod wrote (status.addresses), in its order. */
  addresses: string[];
  /** `Accepted ✓ · Programmed ✓ · 10.244.254.1`. */
  summary: string;
  /** Every condition with its reason and message. */
  details: string[];
}

export function gatewayReadiness(gw: GatewayApiObject): GatewayReadiness {
  const cs = gw.status?.conditions;
  const accepted = conditionOf(cs, 'Accepted')?.status === 'True';
  const programmed = conditionOf(cs, 'Programmed')?.status === 'True';
  const addresses = (gw.status?.addresses ?? []).map((a) => a.value).filter(Boolean);
  const summary = [
    conditionMark(conditionOf(cs, 'Accepted'), 'Accepted'),
    conditionMark(conditionOf(cs, 'Programmed'), 'Programmed'),
    addresses.length ? addresses.join(', ') : 'no address',
  ].join(' · ');
  const listenerLines = (gw.status?.listeners ?? []).flatMap((l) => [
    `listener ${l.name}: ${l.attachedRoutes ?? 0} attached route${l.attachedRoutes === 1 ? '' : 's'}`,
    ...conditionLines(l.conditions, gw.metadata.generation).map((x) => `  ${x}`),
  ]);
  return {
    accepted,
    programmed,
    addresses,
    summary,
    details: [...conditionLines(cs, gw.metadata.generation), ...listenerLines],
  };
}

/**
 * Where the Gateway API sample's requests can go: the addresses istiod wrote into the Gateway's status
 * (from its deployed Service), then that Service's own (LoadBalancer, NodePort, ClusterIP) as for the
 * ingress gateway, without repeating an address.
 */
export function gatewayApiCandidates(
  gw: GatewayApiObject,
  service: IngressAddresses | undefined,
  override?: string,
): ProbedAddress[] {
  const out: ProbedAddress[] = [];
  if (override) out.push({ kind: 'override', address: override, where: 'set in istioIngressLab.ingress.address' });
  const port = httpListener(gw)?.port ?? 80;
  for (const a of gatewayReadiness(gw).addresses)
    out.push({
      kind: 'gatewayStatus',
      address: hostPort(a, port),
      where: `the Gateway's status.addresses, written by istiod from its Service${service ? ` ${service.service}` : ''}`,
    });
  for (const a of service?.addresses ?? []) {
    const address = hostPort(a.host, a.port);
    if (!out.some((c) => c.address === address)) out.push({ kind: a.kind, address, where: a.reachableFrom });
  }
  return out;
}

export function formatGatewayAddressReport(
  gw: GatewayApiObject,
  service: IngressAddresses | undefined,
  candidates: ProbedAddress[],
  chosen?: ProbedAddress,
): string {
  const r = gatewayReadiness(gw);
  const ref = `${gw.metadata.namespace ?? ''}/${gw.metadata.name}`;
  const lines = [`Gateway ${ref}: ${r.summary}`, ...r.details.map((d) => `  ${d}`), ''];
  lines.push(
    service
      ? `Deployed by istiod: Service ${service.service} (type ${service.type})`
      : 'istiod has not deployed its Service yet.',
    '',
  );
  for (const c of candidates) {
    const probe = c.reachable === undefined ? '' : c.reachable ? '  [answers from here]' : '  [no answer from here]';
    lines.push(`${c.kind.padEnd(13)} ${c.address}${probe}`, `              works: ${c.where}`);
  }
  if (!candidates.length) lines.push('No address found.');
  if (service?.notes.length) lines.push('', ...service.notes.map((n) => `• ${n}`));
  lines.push('', chosen ? `Using ${chosen.address} (${chosen.kind}).` : 'None of these answers from this machine.');
  return lines.join('\n') + '\n';
}

export interface StatusLens {
  title: string;
  tooltip: string;
}

/**
 * The status lens on a Gateway or a route, from the object the cluster holds: `istiod: Accepted ✓ ·
 * Programmed ✓ · 10.244.254.1` on a Gateway, `istiod: Accepted ✓ · ResolvedRefs ✓ (simple-gateway)` per
 * parent on a route. Undefined for other kinds.
 */
export function statusLens(obj: GatewayApiObject): StatusLens | undefined {
  const gen = obj.metadata.generation;
  if (obj.kind === 'Gateway') {
    const r = gatewayReadiness(obj);
    if (!obj.status?.conditions?.length)
      return {
        title: 'istiod: no status yet',
        tooltip:
          "No controller has written this Gateway's status: is its gatewayClassName one istiod serves (istio), and istiod running?",
      };
    return { title: `istiod: ${r.summary}`, tooltip: r.details.join('\n') };
  }
  if (obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute') {
    const parents = obj.status?.parents ?? [];
    if (!parents.length)
      return {
        title: 'istiod: no status yet',
        tooltip: "No controller has written this route's status: do its parentRefs name a Gateway istiod serves?",
      };
    const parts = parents.map((p) => {
      const ref = `${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''}`;
      const marks = ['Accepted', 'ResolvedRefs'].map((t) => conditionMark(conditionOf(p.conditions, t), t)).join(' · ');
      return { ref, marks, lines: conditionLines(p.conditions, gen) };
    });
    return {
      title: `istiod: ${parts.map((p) => (parts.length > 1 ? `${p.ref}: ${p.marks}` : `${p.marks} (${p.ref})`)).join('; ')}`,
      tooltip: parts.flatMap((p) => [`parent ${p.ref}`, ...p.lines.map((l) => `  ${l}`)]).join('\n'),
    };
  }
  return undefined;
}

/** The listener's trouble in a few words: a conflict, a refused certificate (with what Istio says), invalid kinds. */
function listenerTrouble(cs: readonly StatusCondition[]): string | undefined {
  const conflicted = cs.find((c) => c.type === 'Conflicted' && c.status === 'True');
  if (conflicted) return conflicted.reason;
  const refs = cs.find((c) => c.type === 'ResolvedRefs' && c.status === 'False');
  if (refs) {
    // Istio's certificate messages end with what is wrong: "invalid certificate reference //x., secret ns/x not found"
    const what = refs.reason === 'InvalidRouteKinds' ? '' : (refs.message.split(', ').at(-1) ?? '');
    return `${refs.reason}${what ? ` (${what})` : ''}`;
  }
  const other = cs.find((c) => c.type !== 'Conflicted' && c.status === 'False');
  return other ? `${other.type} ✗ ${other.reason}` : undefined;
}

const asCondition = (c: StatusCondition): Condition => ({ ...c });

/**
 * The status lens on a Gateway before istiod has written one (offline, or not applied yet): what istiod will write,
 * predicted from the YAML (src/istio/gatewayApiStatus.ts). `predicted: Accepted ✓ · Programmed ✓ · listener https:
 * InvalidCertificateRef (secret simple/cert not found)`; Programmed as once the deployed Service has its address.
 */
export function predictedStatusLens(p: GatewayStatusPrediction): StatusLens {
  const cs = p.conditions.map(asCondition);
  const troubles = p.listeners.flatMap((l) => {
    const t = listenerTrouble(l.conditions);
    return t ? [`listener ${l.name}: ${t}`] : [];
  });
  const title = [
    conditionMark(conditionOf(cs, 'Accepted'), 'Accepted'),
    conditionMark(conditionOf(cs, 'Programmed'), 'Programmed'),
    ...(troubles.length ? [troubles[0] + (troubles.length > 1 ? ` (+${troubles.length - 1} more)` : '')] : []),
  ].join(' · ');
  const listenerLines = p.listeners.flatMap((l) => [
    `listener ${l.name}: ${l.attachedRoutes} attached route${l.attachedRoutes === 1 ? '' : 's'}, kinds ${l.supportedKinds.map((k) => k.kind).join(', ') || 'none'}`,
    ...conditionLines(l.conditions.map(asCondition)).map((x) => `  ${x}`),
  ]);
  return {
    title: `predicted: ${title}`,
    tooltip: [
      ...conditionLines(cs),
      `(until Service ${p.service} has an address istiod writes ${p.programmedWhilePending.status === 'True' ? 'Programmed=True' : `Programmed=False ${p.programmedWhilePending.reason}`})`,
      ...listenerLines,
    ].join('\n'),
  };
}

/**
 * Where the status istiod wrote on a Gateway differs from the prediction: each condition's status and reason, on the
 * Gateway and on each listener, and each listener's attachedRoutes. Programmed on the Gateway matches either of its
 * predicted forms (address assigned or still pending); messages, times and generations are not compared.
 */
export function gatewayStatusDifferences(live: GatewayApiObject, p: GatewayStatusPrediction): string[] {
  const out: string[] = [];
  const key = (c: { status: string; reason?: string } | undefined) =>
    c ? `${c.status} ${c.reason ?? ''}`.trim() : 'none';
  const compare = (
    where: string,
    got: readonly Condition[] | undefined,
    want: readonly StatusCondition[],
    alt?: StatusCondition,
  ) => {
    const types = new Set([...(got ?? []).map((c) => c.type), ...want.map((c) => c.type)]);
    for (const t of [...types].sort()) {
      const g = conditionOf(got, t);
      const w = want.find((c) => c.type === t);
      if (key(g) === key(w) || (alt && t === alt.type && key(g) === key(alt))) continue;
      out.push(`${where}${t}: istiod wrote ${key(g)}, predicted ${key(w)}`);
    }
  };
  compare('', live.status?.conditions, p.conditions, p.programmedWhilePending);
  const liveListeners = live.status?.listeners ?? [];
  for (const l of p.listeners) {
    const g = liveListeners.find((x) => x.name === l.name);
    if (!g) {
      out.push(`listener ${l.name}: istiod wrote no status for it`);
      continue;
    }
    compare(`listener ${l.name} `, g.conditions, l.conditions);
    if ((g.attachedRoutes ?? 0) !== l.attachedRoutes)
      out.push(
        `listener ${l.name} attachedRoutes: istiod wrote ${g.attachedRoutes ?? 0}, predicted ${l.attachedRoutes}`,
      );
  }
  return out;
}
