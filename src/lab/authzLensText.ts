// What an AuthorizationPolicy or RequestAuthentication does at the ingress gateway, in the words of its lenses:
// whether it reaches the gateway and why (src/istio/authz.ts decides; this only words it), what each rule matches,
// what the gateway Envoy's own rbac and jwt_authn filters hold of it (live), and which policy refuses a route's
// example request. Pure, so the wording is tested without VS Code.
import { evaluateHttpAuthz, JWT_AUTHN_FILTER, policyText, RBAC_FILTER, type AuthzRequest } from '../envoy/httpAuthz';
import type { Filter } from '../envoy/types';
import { attachment, authzFiltersOf, type CustomProvider, type PolicyTarget } from '../istio/authz';
import {
  namespaceOf,
  type AuthorizationCondition,
  type AuthorizationPolicy,
  type AuthorizationRule,
  type JWTRule,
  type Range,
  type RequestAuthentication,
} from '../istio/model';
import { fitLens } from './lensText';

/** A gateway proxy a policy may reach, with the name the lens gives it. */
export interface NamedTarget extends PolicyTarget {
  /** `ingress gateway`, `Gateway simple/simple-gateway` */
  label: string;
}

export interface AuthzLens {
  range: Range;
  title: string;
  tooltip: string;
}

const isDryRun = (p: AuthorizationPolicy) =>
  /^(1|t|T|TRUE|true|True)$/.test(p.metadata.annotations?.['istio.io/dry-run'] ?? '');

const labelsText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * The policy's own lens: `predicted ✓ ingress gateway: its selector istio=ingressgateway matches the gateway's pods`
 * or `predicted ✗ ingress gateway: …`, the reason being attachment()'s. With several gateways, the first it reaches and
 * how many more (the tooltip names each, with its reason).
 */
export function attachmentLens(
  policy: AuthorizationPolicy | RequestAuthentication,
  targets: readonly NamedTarget[],
  rootNamespace?: string,
): { title: string; tooltip: string; applies: boolean } {
  const results = targets.map((t) => ({ t, a: attachment(policy, t, rootNamespace) }));
  const applying = results.filter((r) => r.a.applies);
  const lines = results.map(
    (r) =>
      `${r.a.applies ? 'Applies to' : 'Does not apply to'} ${r.t.label} (namespace ${r.t.namespace}, pods ${labelsText(r.t.labels) || 'without labels'}): ${r.a.reason}.`,
  );
  const tooltip = [
    `${policy.kind} ${namespaceOf(policy)}/${policy.metadata.name}, predicted by Istio's rules`,
    ...lines,
  ].join('\n');
  const shown = applying[0] ?? results[0];
  if (!shown) return { title: 'predicted: no gateway to apply to', tooltip, applies: false };
  // the title keeps the reason without its parenthesis (the labels it compared); the tooltip has all of it
  const reason = shown.a.reason.replace(/ \([^()]*\)$/, '');
  const title = shown.a.applies
    ? `predicted ✓ ${shown.t.label}${applying.length > 1 ? ` +${applying.length - 1} more` : ''}: ${reason}`
    : `predicted ✗ ${shown.t.label}: ${reason}`;
  return { title: fitLens(title), tooltip, applies: applying.length > 0 };
}

const list = (vs: readonly string[]) => vs.join(', ');

/** `from.source` in a few words: `from 10.0.0.0/8`, `from client 203.0.113.0/24`, `JWT principal a/b`. */
function sourceText(s: NonNullable<NonNullable<AuthorizationRule['from']>[number]['source']>): string {
  const parts: string[] = [];
  const pair = (label: string, values?: string[], notValues?: string[]) => {
    if (values?.length) parts.push(`${label} ${list(values)}`);
    if (notValues?.length) parts.push(`${label} not ${list(notValues)}`);
  };
  pair('from', s.ipBlocks, s.notIpBlocks);
  pair('from client', s.remoteIpBlocks, s.notRemoteIpBlocks);
  pair('JWT principal', s.requestPrincipals, s.notRequestPrincipals);
  pair('peer', s.principals, s.notPrincipals);
  pair('namespace', s.namespaces, s.notNamespaces);
  pair('service account', s.serviceAccounts, s.notServiceAccounts);
  pair('trust domain', s.trustDomains, s.notTrustDomains);
  return parts.join(' ');
}

/** `to.operation` in a few words: `GET path /admin*`, `host a.io port 8080`. */
function operationText(o: NonNullable<NonNullable<AuthorizationRule['to']>[number]['operation']>): string {
  const parts: string[] = [];
  if (o.methods?.length) parts.push(o.methods.join(','));
  if (o.notMethods?.length) parts.push(`not ${o.notMethods.join(',')}`);
  const pair = (label: string, values?: string[], notValues?: string[]) => {
    if (values?.length) parts.push(`${label} ${list(values)}`);
    if (notValues?.length) parts.push(`${label} not ${list(notValues)}`);
  };
  pair('host', o.hosts, o.notHosts);
  pair('path', o.paths, o.notPaths);
  pair('port', o.ports, o.notPorts);
  return parts.join(' ');
}

const conditionText = (c: AuthorizationCondition) =>
  [
    c.values?.length ? `${c.key} in ${list(c.values)}` : '',
    c.notValues?.length ? `${c.key} not ${list(c.notValues)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');

/** One rule in a few words: `path /admin* from 10.0.0.0/8`; a rule with no field matches every request. */
export function ruleText(rule: AuthorizationRule): string {
  const to = (rule.to ?? []).map((t) => (t.operation ? operationText(t.operation) : '')).filter(Boolean);
  const from = (rule.from ?? []).map((f) => (f.source ? sourceText(f.source) : '')).filter(Boolean);
  const when = (rule.when ?? []).map(conditionText).filter(Boolean);
  const parts = [to.join(' or '), from.join(' or '), when.length ? `when ${when.join(' and ')}` : ''].filter(Boolean);
  return parts.join(' ') || 'every request';
}

/** The action as the lens names it: `DENY`, `ALLOW`, `AUDIT`, `DENY (dry-run)`, `CUSTOM (ext_authz provider x)`. */
export function actionText(p: AuthorizationPolicy): string {
  const action = p.spec.action ?? 'ALLOW';
  const suffix =
    action === 'CUSTOM' ? ` (ext_authz provider ${p.spec.provider?.name ?? '?'})` : isDryRun(p) ? ' (dry-run)' : '';
  return `${action}${suffix}`;
}

/** `rules[i]`: `DENY: path /admin* from 10.0.0.0/8`. */
export function ruleLens(p: AuthorizationPolicy, i: number): string {
  const rule = p.spec.rules?.[i] ?? {};
  return fitLens(`${actionText(p)}: ${ruleText(rule)}`);
}

/**
 * A CUSTOM policy's `provider`: `ext_authz → ext-authz.auth.svc.cluster.local:8000 (HTTP check, failOpen)`, or
 * `provider x unusable: Istio denies what the rules match` with the reason in the tooltip.
 */
export function providerLens(p: CustomProvider): { title: string; tooltip: string } {
  if (p.error)
    return {
      title: fitLens(`provider ${p.name} unusable: Istio denies what the rules match (403)`),
      tooltip: `ext_authz provider ${p.name}: ${p.error}. istiod then turns the policy's rules into DENY rules.`,
    };
  const how = `${p.kind === 'grpc' ? 'gRPC Check' : 'HTTP check'}${p.failOpen ? ', failOpen' : ''}`;
  return {
    title: fitLens(`ext_authz → ${p.service ?? '?'} (${how})`),
    tooltip: `Requests the rules match are sent to the external authorizer ${p.service ?? '?'} (${how}), which allows or denies them; its answer is not predicted.`,
  };
}

/** `jwtRules[i]`: `JWT issuer https://a.io (inline JWKS) from header x-token "Bearer "` (no `from` for the default places). */
export function jwtRuleLens(r: JWTRule): string {
  const keys = r.jwks ? 'inline JWKS' : r.jwksUri ? `keys from ${r.jwksUri}` : 'keys from the issuer';
  const where = [
    ...(r.fromHeaders ?? []).map((h) => `header ${h.name}${h.prefix ? ` "${h.prefix}"` : ''}`),
    ...(r.fromParams ?? []).map((q) => `?${q}`),
    ...(r.fromCookies ?? []).map((c) => `cookie ${c}`),
  ];
  // the default locations (Authorization: Bearer, ?access_token) go unsaid: the lens has room for the issuer
  const from = where.length ? ` from ${where.join(', ')}` : '';
  const aud = r.audiences?.length ? `, audiences ${list(r.audiences)}` : '';
  return fitLens(`JWT issuer ${r.issuer ?? '(any)'} (${keys}${aud})${from}`);
}

// ---- live: what the gateway Envoy's own filters hold ----

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The rbac policy names and jwt_authn issuers of a gateway's HTTP filters (each HCM's, as read from its config dump). */
export interface LiveAuthzFilters {
  /** Envoy policy name → the filter's action (`DENY`, `ALLOW`, `LOG`) and whether it is a shadow (dry-run) rule. */
  rbac: Map<string, { action: string; shadow: boolean }>;
  issuers: Set<string>;
}

/** Reads the rbac policy names and jwt_authn issuers out of the gateway's HTTP filter lists. */
export function liveAuthzFilters(httpFilterLists: readonly (readonly Filter[])[]): LiveAuthzFilters {
  const out: LiveAuthzFilters = { rbac: new Map(), issuers: new Set() };
  for (const filters of httpFilterLists)
    for (const f of authzFiltersOf(filters)) {
      const tc = f.typedConfig ?? {};
      if (f.name === RBAC_FILTER)
        for (const [key, shadow] of [
          ['rules', false],
          ['shadowRules', true],
        ] as const) {
          const rules = tc[key];
          if (!isObj(rules)) continue;
          const action = typeof rules.action === 'string' ? rules.action : 'ALLOW';
          for (const name of Object.keys(isObj(rules.policies) ? rules.policies : {}))
            out.rbac.set(name, { action, shadow });
        }
      if (f.name === JWT_AUTHN_FILTER && isObj(tc.providers))
        for (const p of Object.values(tc.providers))
          if (isObj(p) && typeof p.issuer === 'string') out.issuers.add(p.issuer);
    }
  return out;
}

/** `live: on istio-ingressgateway-abc's DENY rbac filter (rules 0, 1)` or `live: not on …'s filters`. */
export function liveAttachmentLens(
  policy: AuthorizationPolicy | RequestAuthentication,
  live: LiveAuthzFilters,
  pod: string,
): string {
  if (policy.kind === 'RequestAuthentication') {
    const issuers = ((policy as RequestAuthentication).spec.jwtRules ?? []).map((r) => r.issuer ?? '');
    const on = issuers.filter((i) => live.issuers.has(i));
    return fitLens(
      on.length
        ? `live: ${pod}'s jwt_authn filter checks ${on.join(', ')}`
        : `live: not on ${pod}: its jwt_authn filter has no provider for ${issuers.join(', ') || 'these rules'}`,
    );
  }
  const key = `ns[${namespaceOf(policy)}]-policy[${policy.metadata.name}]-rule[`;
  // a CUSTOM policy's rules carry its provider's prefix (istio-ext-authz-<provider>-), and a suffix when denied instead
  const custom = (name: string) => name.startsWith('istio-ext-authz-') && name.includes(`-${key}`);
  const held = [...live.rbac].filter(([name]) => name.startsWith(key) || custom(name));
  if (!held.length) return fitLens(`live: not on ${pod}: its rbac filters hold no rule of this policy`);
  const [firstName, first] = held[0]!;
  const action = first.action === 'LOG' ? 'AUDIT' : first.action;
  const rules = held
    .map(([name]) => /^(\d+)\]/.exec(name.slice(name.indexOf(key) + key.length))?.[1] ?? '?')
    .join(', ');
  if (custom(firstName))
    return fitLens(
      first.shadow
        ? `live: on ${pod}'s CUSTOM rbac filter, sending its matches to ext_authz (rule ${rules})`
        : `live: on ${pod}'s DENY rbac filter: Istio could not use its CUSTOM provider (rule ${rules})`,
    );
  return fitLens(`live: on ${pod}'s ${action} rbac filter${first.shadow ? ' (shadow)' : ''} (rule ${rules})`);
}

// ---- a route's example request against the gateway's filters ----

/**
 * What the gateway's jwt_authn and rbac filters answer a match's example request, as a lens title when they refuse
 * it (`403 by DENY simple/deny-admin rule 0`), else undefined. `source` is `predicted` or `live`.
 */
export function refusalLens(
  filters: readonly Filter[],
  request: AuthzRequest,
  source: 'predicted' | 'live',
): { title: string; tooltip: string } | undefined {
  const authz = authzFiltersOf(filters);
  if (!authz.length) return undefined;
  const outcome = evaluateHttpAuthz(authz, request);
  if (outcome.status === 200) return undefined;
  const denying = outcome.rbac.at(-1);
  const who =
    outcome.status === 401
      ? `401 by RequestAuthentication: ${outcome.jwt?.failure ?? 'token refused'}`
      : denying?.action === 'DENY' && denying.matchedPolicy
        ? `403 by DENY ${policyText(denying.matchedPolicy).replace(/^policy /, '')}`
        : `403: no ALLOW policy matches (${
            [
              ...new Set(
                denying?.policies.map((p) =>
                  policyText(p.name)
                    .replace(/^policy /, '')
                    .replace(/ rule \d+$/, ''),
                ),
              ),
            ].join(', ') || 'none'
          })`;
  const reqText = `${request.method ?? 'GET'} ${request.authority}${request.path}${Object.entries(request.headers ?? {})
    .map(([k, v]) => ` ${k}: ${String(v)}`)
    .join('')}`;
  return {
    title: fitLens(`${source === 'live' ? 'live' : 'predicted'}: ${who}`),
    tooltip: `The example request of this match (${reqText}, no client address or token given), evaluated against the gateway's ${source === 'live' ? 'live' : 'predicted'} jwt_authn and rbac filters:\n${outcome.summary}`,
  };
}

/** The HTTP filter lists of a listener's HTTP connection managers, one per filter chain that has one. */
export function hcmHttpFilters(listener: { filterChains?: { filters?: Filter[] }[] } | undefined): Filter[][] {
  return (listener?.filterChains ?? []).flatMap((c) =>
    (c.filters ?? [])
      .filter((f) => f.name === 'envoy.filters.network.http_connection_manager')
      .map((f) => (Array.isArray(f.typedConfig?.httpFilters) ? (f.typedConfig.httpFilters as Filter[]) : [])),
  );
}
