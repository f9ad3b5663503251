// The DestinationRule that applies to a destination host, and the consistent hash (sticky sessions)
// it asks for, as route.go's HashForHTTPDestination picks it: subset port-level, subset, port-level,
// then the rule's own load balancer setting. The rules Istio synthesizes from BackendTLSPolicies
// (backendTlsPolicy.ts) join a user's rule for the same host under it (model/destination_rule.go mergeDestinationRule).
import type { SynthesizedDestinationRule } from './backendTlsPolicy';
import { compareSpecificity, resolveShortname, subsetOf } from './hosts';
import {
  namespaceOf,
  type ClientTlsSettings,
  type ConsistentHash,
  type Destination,
  type DestinationRule,
  type TrafficPolicy,
} from './model';

const portHash = (dest: Destination, tp: TrafficPolicy | undefined): ConsistentHash | undefined =>
  dest.port?.number
    ? tp?.portLevelSettings?.find((s) => s.port?.number === dest.port!.number)?.loadBalancer?.consistentHash
    : undefined;

export class DestinationRuleIndex {
  private readonly byHost = new Map<string, DestinationRule>();
  /** Wildcard hosts, most specific first, sorted once (a scan per route made prediction routes × rules). */
  private wildcards: string[] | undefined;
  private readonly resolved = new Map<string, DestinationRule | undefined>();

  constructor(rules: readonly DestinationRule[], backendPolicyRules: readonly SynthesizedDestinationRule[] = []) {
    // The first rule for a host wins, as Istio keeps the oldest one when rules conflict.
    for (const r of rules) {
      const host = resolveShortname(r.spec.host ?? '', namespaceOf(r));
      if (host && !this.byHost.has(host)) this.byHost.set(host, r);
    }
    for (const b of backendPolicyRules) {
      const user = this.byHost.get(b.spec.host);
      this.byHost.set(b.spec.host, user ? underUserRule(user, b) : b);
    }
  }

  /** The rule for a host: an exact host first, else the most specific wildcard that covers it. */
  ruleFor(host: string): DestinationRule | undefined {
    const exact = this.byHost.get(host);
    if (exact) return exact;
    if (this.resolved.has(host)) return this.resolved.get(host);
    this.wildcards ??= [...this.byHost.keys()].filter((h) => h.startsWith('*')).sort(compareSpecificity);
    const wild = this.wildcards.find((h) => subsetOf(host, h));
    const rule = wild ? this.byHost.get(wild) : undefined;
    this.resolved.set(host, rule);
    return rule;
  }

  consistentHash(dest: Destination): ConsistentHash | undefined {
    const rule = this.ruleFor(dest.host)?.spec;
    if (!rule) return undefined;
    const subset = rule.subsets?.find((s) => s.name === dest.subset);
    return (
      portHash(dest, subset?.trafficPolicy) ??
      subset?.trafficPolicy?.loadBalancer?.consistentHash ??
      portHash(dest, rule.trafficPolicy) ??
      rule.trafficPolicy?.loadBalancer?.consistentHash
    );
  }

  /**
   * The tls a cluster of `host` on `port` (and `subset`) gets, as util.MergeSubsetTrafficPolicy merges it: a
   * port-level setting replaces the rule's level wholesale (its tls, even when absent), then the subset's policy
   * (its own port level first) overrides tls when it sets it or has a port-level entry for the port.
   */
  clientTls(host: string, port: number, subset = ''): ClientTlsSettings | undefined {
    const rule = this.ruleFor(host)?.spec;
    if (!rule) return undefined;
    const atPort = (tp: TrafficPolicy | undefined) => {
      const level = tp?.portLevelSettings?.find((s) => s.port?.number === port);
      return level ? { tls: level.tls, portLevel: true } : { tls: tp?.tls, portLevel: false };
    };
    const original = atPort(rule.trafficPolicy);
    const subsetPolicy = subset ? rule.subsets?.find((s) => s.name === subset)?.trafficPolicy : undefined;
    if (!subsetPolicy) return original.tls;
    const sub = atPort(subsetPolicy);
    return sub.tls || sub.portLevel ? sub.tls : original.tls;
  }
}

/**
 * mergeBackendPolicyTrafficPolicy: the user's rule with the backend policy's traffic policy under it. The user's
 * top-level fields win (MergeTrafficPolicy); port-level entries for ports the user's rule lacks are added, and a
 * user entry for the same port without tls takes the policy's. The merged rule is named after the synthesized one:
 * it has no creation time, so Istio meets it first and merges the user's rule into it.
 */
function underUserRule(user: DestinationRule, backend: SynthesizedDestinationRule): SynthesizedDestinationRule {
  const u = user.spec.trafficPolicy;
  const b = backend.spec.trafficPolicy ?? {};
  const ports = (u?.portLevelSettings ?? []).map((p) => {
    const bp = b.portLevelSettings?.find((x) => x.port?.number === p.port?.number);
    return p.tls || !bp?.tls ? p : { ...p, tls: bp.tls };
  });
  for (const bp of b.portLevelSettings ?? [])
    if (!ports.some((p) => p.port?.number === bp.port?.number)) ports.push(bp);
  const tls = u?.tls ?? b.tls;
  return {
    ...backend,
    spec: {
      ...user.spec,
      host: backend.spec.host,
      trafficPolicy: {
        ...b,
        ...u,
        ...(tls ? { tls } : {}),
        ...(ports.length ? { portLevelSettings: ports } : {}),
      },
    },
  };
}
