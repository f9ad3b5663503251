// The gateway's authorization and JWT filters as istiod builds them: which AuthorizationPolicies and
// RequestAuthentications apply to a gateway proxy (pilot/pkg/model/policyattachment.go ShouldAttachPolicy,
// authorization.go ListAuthorizationPolicies: the root namespace and the proxy's namespace, a selector that is a
// subset of the pod's labels or none; targetRefs only for a Gateway API gateway), the envoy.filters.http.rbac
// filters they become (pilot/pkg/security/authz/builder/builder.go: one filter per action, AUDIT then DENY then
// ALLOW; a policy without rules never matches; dry-run policies go to shadow rules) with each rule translated as
// pilot/pkg/security/authz/model (model.go New/Generate, generator.go, permission.go, principal.go, matcher/) does,
// and envoy.filters.http.jwt_authn (pilot/pkg/security/authn/policy_applier.go convertToEnvoyJwtConfig).
// CUSTOM policies (ext_authz, needing the mesh config's extension providers) are reported, not predicted.
import type { Filter } from '../envoy/types';
import { JWT_AUTHN_FILTER, RBAC_FILTER } from '../envoy/httpAuthz';

import { formatIp, parseCidr, parseIp } from '../envoy/ip';
import {
  namespaceOf,
  type AuthorizationPolicy,
  type AuthorizationRule,
  type PolicyTargetReference,
  type RequestAuthentication,
  type ResourceSet,
} from './model';
import { byCreation } from './predict';

/** Istio's default mesh config (rootNamespace): a policy here without a selector applies to every workload. */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The proxy a policy may apply to: its namespace and its pod's labels (a GatewayWorkload fits). */
export interface PolicyTarget {
  namespace: string;
  labels: Record<string, string>;
}

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** Whether one policy reaches the proxy, and why (or why not), in words. */
export interface PolicyAttachment<T> {
  policy: T;
  applies: boolean;
  reason: string;
}

export interface AuthzPrediction {
  /** The HTTP filters in the order the HCM holds them: jwt_authn, then rbac (AUDIT, DENY, ALLOW). */
  httpFilters: Filter[];
  authorizationPolicies: PolicyAttachment<AuthorizationPolicy>[];
  requestAuthentications: PolicyAttachment<RequestAuthentication>[];
  /** What the prediction leaves out (CUSTOM policies), one line each. */
  notPredicted: string[];
}

const actionOf = (p: AuthorizationPolicy): AuthzAction => p.spec.action ?? 'ALLOW';
const isDryRun = (p: AuthorizationPolicy) =>
  /^(1|t|T|TRUE|true|True)$/.test(p.metadata.annotations?.['istio.io/dry-run'] ?? '');

function targetRefsOf(spec: { targetRef?: PolicyTargetReference; targetRefs?: PolicyTargetReference[] }) {
  return spec.targetRefs?.length ? spec.targetRefs : spec.targetRef ? [spec.targetRef] : [];
}

/** policyattachment.go ShouldAttachPolicy for a gateway (never a waypoint), with the namespaces ListAuthorizationPolicies reads. */
export function attachment<T extends AuthorizationPolicy | RequestAuthentication>(
  policy: T,
  proxy: PolicyTarget,
  rootNamespace = DEFAULT_ROOT_NAMESPACE,
): PolicyAttachment<T> {
  const ns = namespaceOf(policy);
  const no = (reason: string) => ({ policy, applies: false, reason });
  if (ns !== rootNamespace && ns !== proxy.namespace)
    return no(
      `in namespace ${ns}: only the root namespace ${rootNamespace} and the gateway's namespace ${proxy.namespace} apply`,
    );
  const selector = policy.spec.selector;
  const refs = targetRefsOf(policy.spec);
  const gatewayName = proxy.labels[GATEWAY_NAME_LABEL];
  const bySelector = (): PolicyAttachment<T> => {
    if (!selector)
      return {
        policy,
        applies: true,
        reason:
          ns === rootNamespace
            ? `no selector, in the root namespace ${rootNamespace}`
            : `no selector, in the gateway's namespace ${ns}`,
      };
    const labels = selector.matchLabels ?? {};
    const missing = Object.entries(labels).filter(([k, v]) => proxy.labels[k] !== v);
    return missing.length
      ? no(
          `its selector ${Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(
              ',',
            )} does not match the gateway's pods (${missing.map(([k]) => `${k}=${proxy.labels[k] ?? '<none>'}`).join(',')})`,
        )
      : {
          policy,
          applies: true,
          reason: `its selector ${
            Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(',') || '{}'
          } matches the gateway's pods`,
        };
  };
  if (gatewayName === undefined)
    return refs.length
      ? no('it has targetRefs; a gateway not deployed for a Gateway API Gateway only takes selector policies')
      : bySelector();
  if (!refs.length) return bySelector();
  for (const r of refs) {
    if (ns !== proxy.namespace) continue;
    if (r.namespace && r.namespace !== proxy.namespace) continue;
    const group = r.group === 'gateway.networking.k8s.io';
    if (group && r.kind === 'Gateway' && r.name === gatewayName)
      return { policy, applies: true, reason: `its targetRef names Gateway ${ns}/${gatewayName}` };
  }
  return no(`its targetRefs do not name Gateway ${proxy.namespace}/${gatewayName}`);
}

// ---- matchers (pilot/pkg/security/authz/matcher) ----

type Json = Record<string, unknown>;

const exact = (v: string, ignoreCase = false): Json => ({ exact: v, ...(ignoreCase ? { ignoreCase } : {}) });
const prefix = (v: string, ignoreCase = false): Json => ({ prefix: v, ...(ignoreCase ? { ignoreCase } : {}) });
const suffix = (v: string, ignoreCase = false): Json => ({ suffix: v, ...(ignoreCase ? { ignoreCase } : {}) });
const regex = (r: string): Json => ({ safeRegex: { regex: r } });

/** Go's regexp.QuoteMeta. */
const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/** matcher.StringMatcherWithPrefix: `*` any (regex .+), `*x` suffix, `x*` prefix, else exact; the prefix is prepended. */
function stringMatcher(v: string, pre = ''): Json {
  if (v === '*') return regex('.+');
  if (v.startsWith('*')) return pre ? regex(`${pre}.*${quoteMeta(v.slice(1))}`) : suffix(v.slice(1));
  if (v.endsWith('*')) return prefix(pre + v.slice(0, -1));
  return exact(pre + v);
}

/** matcher.HeaderMatcher (ignoreCase false) and HostMatcher (ignoreCase true). */
function headerMatcher(name: string, v: string, ignoreCase = false): Json {
  if (v === '*') return { name, presentMatch: true };
  if (v.startsWith('*')) return { name, stringMatch: suffix(v.slice(1), ignoreCase) };
  if (v.endsWith('*')) return { name, stringMatch: prefix(v.slice(0, -1), ignoreCase) };
  return { name, stringMatch: exact(v, ignoreCase) };
}

const stringOr = (vs: string[]): Json => orValue(vs.map((v) => ({ stringMatch: stringMatcher(v) })));
const orValue = (ms: Json[]): Json => (ms.length === 1 ? ms[0]! : { orMatch: { valueMatchers: ms } });

/** matcher.MetadataListValueMatcher with the extended JWT form: the claim as a list containing one value, or the value. */
function jwtClaimsMatcher(claims: string[], value: Json): Json {
  return {
    filter: JWT_AUTHN_FILTER,
    path: ['payload', ...claims].map((key) => ({ key })),
    value: { orMatch: { valueMatchers: [{ listMatch: { oneOf: value } }, value] } },
  };
}

const jwtClaimMatcher = (claim: string, sm: Json): Json => ({
  filter: JWT_AUTHN_FILTER,
  path: [{ key: 'payload' }, { key: claim }],
  value: { stringMatch: sm },
});

function cidr(v: string): Json | undefined {
  const c = v.includes('/')
    ? parseCidr(v)
    : (() => {
        const a = parseIp(v);
        return a ? { address: a, prefixLen: a.family === 4 ? 32 : 128 } : undefined;
      })();
  return c ? { addressPrefix: formatIp(c.address), prefixLen: c.prefixLen } : undefined;
}

/** model/util.go extractNameInNestedBrackets: `[a][b]` → [a, b]; `[a.b]` → [a.b]. */
function nestedNames(s: string): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    const end = s[i] === '[' ? s.indexOf(']', i + 1) : -1;
    if (end < 0 || s.slice(i + 1, end).includes('[')) {
      return s.startsWith('[') && s.endsWith(']') ? [s.slice(1, -1)] : undefined;
    }
    out.push(s.slice(i + 1, end));
    i = end + 1;
  }
  return out;
}

// ---- one rule → one RBAC policy (model.go) ----

/** A condition of a rule: one key with values and notValues, turned into permissions or principals. */
interface Condition {
  key: string;
  values: string[];
  notValues: string[];
  /** Generates one matcher per value (OR-ed), or one for all values (extended). */
  one?: (v: string) => Json | undefined;
  all?: (vs: string[]) => Json | undefined;
}

const requestPrincipal = (vs: string[]): Json | undefined => {
  const any = regex('.+');
  const or = vs.map((value) => {
    const idx = value.lastIndexOf('/');
    const found = idx >= 0;
    const iss = found ? value.slice(0, idx) : value;
    const sub = found ? value.slice(idx + 1) : '';
    let mi: Json;
    let ms: Json;
    if (value === '*') [mi, ms] = [any, any];
    else if (value.startsWith('*')) {
      if (found) [mi, ms] = [iss === '*' ? any : suffix(iss.slice(1)), exact(sub)];
      else [mi, ms] = [any, suffix(value.slice(1))];
    } else if (value.endsWith('*')) {
      if (found) [mi, ms] = [exact(iss), sub === '*' ? any : prefix(sub.slice(0, -1))];
      else [mi, ms] = [prefix(value.slice(0, -1)), any];
    } else [mi, ms] = [exact(iss), exact(sub)];
    return { andIds: { ids: [{ metadata: jwtClaimMatcher('iss', mi) }, { metadata: jwtClaimMatcher('sub', ms) }] } };
  });
  return or.length === 1 ? or[0] : or.length ? { orIds: { ids: or } } : undefined;
};

const authenticated = (sm: Json): Json => ({ authenticated: { principalName: sm } });

function serviceAccountRegex(defaultNs: string, value: string): string {
  const slash = value.indexOf('/');
  const [ns, sa] = slash < 0 ? [defaultNs, value] : [value.slice(0, slash), value.slice(slash + 1)];
  return `spiffe://.+/ns/${quoteMeta(ns)}/(.+/|)sa/${quoteMeta(sa)}(/.+)?`;
}

function trustDomainMatcher(value: string): Json {
  if (value === '*') return prefix('spiffe://');
  if (!value.includes('*')) return prefix(`spiffe://${value}/`);
  const star = value.indexOf('*');
  return regex(`spiffe://${quoteMeta(value.slice(0, star))}[^/]*${quoteMeta(value.slice(star + 1))}/.*`);
}

/** The principal-side generators (model.go: the `from.source` fields and the `when` keys on the source). */
function principalCondition(key: string, policyNs: string): Omit<Condition, 'values' | 'notValues'> | undefined {
  switch (key) {
    case 'source.ip':
      return { key, one: (v) => (cidr(v) ? { directRemoteIp: cidr(v) } : undefined) };
    case 'remote.ip':
      return { key, one: (v) => (cidr(v) ? { remoteIp: cidr(v) } : undefined) };
    case 'source.namespace':
      return { key, one: (v) => authenticated(regex(`.*/ns/${v.split('*').map(quoteMeta).join('.*')}/.*`)) };
    case 'source.trustDomain':
      return { key, one: (v) => authenticated(trustDomainMatcher(v)) };
    case 'source.serviceAccount':
      return { key, one: (v) => authenticated(regex(serviceAccountRegex(policyNs, v))) };
    case 'source.principal':
      return { key, one: (v) => authenticated(stringMatcher(v, 'spiffe://')) };
    case 'request.auth.principal':
      return { key, all: requestPrincipal };
    case 'request.auth.audiences':
      return { key, all: (vs) => ({ metadata: jwtClaimsMatcher(['aud'], stringOr(vs)) }) };
    case 'request.auth.presenter':
      return { key, all: (vs) => ({ metadata: jwtClaimsMatcher(['azp'], stringOr(vs)) }) };
  }
  if (key.startsWith('request.headers')) {
    const inner = key.slice('request.headers'.length);
    if (!inner.startsWith('[') || !inner.endsWith(']')) return undefined;
    const name = inner.slice(1, -1);
    return { key, one: (v) => ({ header: headerMatcher(name, v) }) };
  }
  if (key.startsWith('request.auth.claims')) {
    const claims = nestedNames(key.slice('request.auth.claims'.length));
    return claims ? { key, all: (vs) => ({ metadata: jwtClaimsMatcher(claims, stringOr(vs)) }) } : undefined;
  }
  return undefined;
}

/** The permission-side generators (the `to.operation` fields and the `when` keys on the destination). */
function permissionCondition(key: string): Omit<Condition, 'values' | 'notValues'> | undefined {
  switch (key) {
    case 'destination.ip':
      return { key, one: (v) => (cidr(v) ? { destinationIp: cidr(v) } : undefined) };
    case 'destination.port':
      return { key, one: (v) => (/^\d+$/.test(v) && Number(v) <= 65535 ? { destinationPort: Number(v) } : undefined) };
    case 'connection.sni':
      return { key, one: (v) => ({ requestedServerName: stringMatcher(v) }) };
    case ':authority':
      return { key, one: (v) => ({ header: headerMatcher(':authority', v, true) }) };
    case ':method':
      return { key, one: (v) => ({ header: headerMatcher(':method', v) }) };
    case 'path-matcher':
      return {
        key,
        one: (v) =>
          v.includes('{*}') || v.includes('{**}')
            ? {
                uriTemplate: {
                  name: 'uri-template',
                  typedConfig: {
                    '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig',
                    pathTemplate: v.replaceAll('{**}', '**').replaceAll('{*}', '*'),
                  },
                },
              }
            : { urlPath: { path: stringMatcher(v) } },
      };
  }
  if (key.startsWith('experimental.envoy.filters.')) {
    const body = key.slice('experimental.'.length).replace(/\]$/, '');
    const open = body.indexOf('[');
    if (open < 0) return undefined;
    const [filter, k] = [body.slice(0, open), body.slice(open + 1)];
    return {
      key,
      all: (vs) => ({
        metadata: {
          filter,
          path: [{ key: k }],
          value: orValue(
            vs.map((v) =>
              v.startsWith('[') && v.endsWith(']')
                ? { listMatch: { oneOf: { stringMatch: stringMatcher(v.slice(1, -1)) } } }
                : { stringMatch: stringMatcher(v) },
            ),
          ),
        },
      }),
    };
  }
  return undefined;
}

/** rule.permission / rule.principal: the OR of the values, then NOT(OR of the notValues). */
function conditionMatchers(c: Condition, kind: 'perm' | 'princ'): Json[] {
  const [or, not, set] = kind === 'perm' ? ['orRules', 'notRule', 'rules'] : ['orIds', 'notId', 'ids'];
  const out: Json[] = [];
  if (c.all) {
    const p = c.values.length ? c.all(c.values) : undefined;
    if (p) out.push(p);
    const n = c.notValues.length ? c.all(c.notValues) : undefined;
    if (n) out.push({ [not]: n });
    return out;
  }
  const gen = (vs: string[]) => vs.flatMap((v) => c.one?.(v) ?? []);
  const ps = gen(c.values);
  if (ps.length) out.push({ [or]: { [set]: ps } });
  const ns = gen(c.notValues);
  if (ns.length) out.push({ [not]: { [or]: { [set]: ns } } });
  return out;
}

/** model.New + Generate for an HTTP filter chain: the RBAC policy of one rule, or why it was skipped. */
export function rulePolicy(rule: AuthorizationRule, policyNs: string): { policy?: Json; error?: string } {
  const basePrincipals: Condition[] = [];
  const basePermissions: Condition[] = [];
  for (const w of rule.when ?? []) {
    const values = w.values ?? [];
    const notValues = w.notValues ?? [];
    if (!values.length && !notValues.length) continue;
    const perm = permissionCondition(w.key);
    const princ = perm ? undefined : principalCondition(w.key, policyNs);
    if (perm) basePermissions.push({ ...perm, values, notValues });
    else if (princ) basePrincipals.push({ ...princ, values, notValues });
    else return { error: `unknown attribute ${w.key}` };
  }
  const cond = (c: Omit<Condition, 'values' | 'notValues'> | undefined, values?: string[], notValues?: string[]) =>
    c && (values?.length || notValues?.length) ? [{ ...c, values: values ?? [], notValues: notValues ?? [] }] : [];
  const principals = (rule.from?.length ? rule.from : [undefined]).map((f) => {
    const s = f?.source;
    const p = (k: string) => principalCondition(k, policyNs);
    // insertFront in model.go's order leaves principals first, ipBlocks last, then the `when` conditions
    return s
      ? [
          ...cond(p('source.principal'), s.principals, s.notPrincipals),
          ...cond(p('request.auth.principal'), s.requestPrincipals, s.notRequestPrincipals),
          ...cond(p('source.serviceAccount'), s.serviceAccounts, s.notServiceAccounts),
          ...cond(p('source.trustDomain'), s.trustDomains, s.notTrustDomains),
          ...cond(p('source.namespace'), s.namespaces, s.notNamespaces),
          ...cond(p('remote.ip'), s.remoteIpBlocks, s.notRemoteIpBlocks),
          ...cond(p('source.ip'), s.ipBlocks, s.notIpBlocks),
          ...basePrincipals,
        ]
      : basePrincipals;
  });
  const permissions = (rule.to?.length ? rule.to : [undefined]).map((t) => {
    const o = t?.operation;
    return o
      ? [
          ...cond(permissionCondition(':authority'), o.hosts, o.notHosts),
          ...cond(permissionCondition(':method'), o.methods, o.notMethods),
          ...cond(permissionCondition('path-matcher'), o.paths, o.notPaths),
          ...cond(permissionCondition('destination.port'), o.ports, o.notPorts),
          ...basePermissions,
        ]
      : basePermissions;
  });
  const and = (conds: Condition[], kind: 'perm' | 'princ') => {
    const ms = conds.flatMap((c) => conditionMatchers(c, kind));
    return kind === 'perm'
      ? { andRules: { rules: ms.length ? ms : [{ any: true }] } }
      : { andIds: { ids: ms.length ? ms : [{ any: true }] } };
  };
  return {
    policy: {
      permissions: permissions.map((p) => and(p, 'perm')),
      principals: principals.map((p) => and(p, 'princ')),
    },
  };
}

/** builder.go's policy name: the key Envoy reports in `rbac_access_denied_matched_policy[...]`. */
export const rbacPolicyName = (namespace: string, name: string, rule: number) =>
  `ns[${namespace}]-policy[${name}]-rule[${rule}]`;

const MATCH_NEVER: Json = {
  permissions: [{ notRule: { any: true } }],
  principals: [{ notId: { any: true } }],
};

const ENVOY_ACTION: Record<Exclude<AuthzAction, 'CUSTOM'>, string | undefined> = {
  ALLOW: undefined, // RBAC_ALLOW is the enum's zero value: protojson leaves it out
  DENY: 'DENY',
  AUDIT: 'LOG',
};

/** builder.build + buildHTTP for one action: one rbac filter with the enforced and the dry-run (shadow) rules. */
function rbacFilter(policies: AuthorizationPolicy[], action: Exclude<AuthzAction, 'CUSTOM'>): Filter | undefined {
  if (!policies.length) return undefined;
  const envoyAction = ENVOY_ACTION[action];
  const rules = (): Json => ({ ...(envoyAction ? { action: envoyAction } : {}), policies: {} });
  let enforce: Json | undefined;
  let shadow: Json | undefined;
  for (const p of policies) {
    const target = isDryRun(p) ? (shadow ??= rules()) : (enforce ??= rules());
    const into = target.policies as Record<string, Json>;
    const ns = namespaceOf(p);
    for (const [i, rule] of (p.spec.rules ?? []).entries()) {
      const { policy } = rulePolicy(rule ?? {}, ns);
      if (policy) into[rbacPolicyName(ns, p.metadata.name, i)] = policy;
    }
    if (!p.spec.rules?.length) into[rbacPolicyName(ns, p.metadata.name, 0)] = MATCH_NEVER;
  }
  const strip = (r: Json | undefined) =>
    r && Object.keys(r.policies as Json).length === 0 ? (({ policies: _p, ...rest }) => rest)(r) : r;
  // shadowRuleStatPrefix reads the shadow rules' action; without shadow rules GetAction() is ALLOW's zero value
  const statPrefix =
    !shadow || action === 'ALLOW' ? 'istio_dry_run_allow_' : action === 'DENY' ? 'istio_dry_run_deny_' : '';
  return {
    name: RBAC_FILTER,
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      ...(enforce ? { rules: strip(enforce) } : {}),
      ...(shadow ? { shadowRules: strip(shadow) } : {}),
      ...(statPrefix ? { shadowRulesStatPrefix: statPrefix } : {}),
    },
  };
}

/**
 * convertToEnvoyJwtConfig: a provider `origins-<i>` per JWT rule (rules sorted by issuer), a token optional for each
 * (requires_any of the provider or allow_missing); with several rules, any one provider or all of them optional.
 * A rule with only jwksUri gets its keys from istiod's fetch (inlined there): `keysFetchedByIstiod` names them.
 */
function jwtFilter(policies: RequestAuthentication[]): Filter | undefined {
  const rules = policies.flatMap((p) => p.spec.jwtRules ?? []);
  if (!rules.length) return undefined;
  const sorted = rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) =>
      (a.r.issuer ?? '') < (b.r.issuer ?? '') ? -1 : (a.r.issuer ?? '') > (b.r.issuer ?? '') ? 1 : a.i - b.i,
    )
    .map((x) => x.r);
  const providers: Record<string, Json> = {};
  const inner: Json[] = [];
  const outer: Json[] = [];
  for (const [i, r] of sorted.entries()) {
    const name = `origins-${i}`;
    const claims = new Set(['permission', 'scope', ...(r.spaceDelimitedClaims ?? [])]);
    providers[name] = {
      ...(r.issuer ? { issuer: r.issuer } : {}),
      ...(r.audiences?.length ? { audiences: r.audiences } : {}),
      ...(r.forwardOriginalToken ? { forward: true } : {}),
      ...(r.fromHeaders?.length
        ? { fromHeaders: r.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { valuePrefix: h.prefix } : {}) })) }
        : {}),
      ...(r.fromParams?.length ? { fromParams: r.fromParams } : {}),
      ...(r.outputPayloadToHeader ? { forwardPayloadHeader: r.outputPayloadToHeader } : {}),
      localJwks: { inlineString: r.jwks ?? `<keys istiod fetches from ${r.jwksUri ?? 'nowhere'}>` },
      payloadInMetadata: 'payload',
      ...(r.outputClaimToHeaders?.length
        ? { claimToHeaders: r.outputClaimToHeaders.map((c) => ({ headerName: c.header, claimName: c.claim })) }
        : {}),
      normalizePayloadInMetadata: {
        spaceDelimitedClaims: r.spaceDelimitedClaims ? [...claims].sort() : ['permission', 'scope'],
      },
      ...(r.fromCookies?.length ? { fromCookies: r.fromCookies } : {}),
      clearRouteCache: true,
    };
    inner.push({ requiresAny: { requirements: [{ providerName: name }, { allowMissing: {} }] } });
    outer.push({ providerName: name });
  }
  const requires =
    inner.length === 1
      ? inner[0]!
      : { requiresAny: { requirements: [...outer, { requiresAll: { requirements: inner } }] } };
  return {
    name: JWT_AUTHN_FILTER,
    typedConfig: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
      providers,
      rules: [{ match: { prefix: '/' }, requires }],
      bypassCorsPreflight: true,
    },
  };
}

/** Policies in the order istiod lists them: the root namespace's, then the proxy's namespace's, each by creation. */
function inLookupOrder<T extends AuthorizationPolicy | RequestAuthentication>(
  all: readonly T[],
  proxy: PolicyTarget,
  root: string,
): T[] {
  const sorted = [...all].sort(byCreation);
  const namespaces = [...new Set([root, proxy.namespace])];
  return namespaces.flatMap((ns) => sorted.filter((p) => namespaceOf(p) === ns));
}

/** The jwt_authn and rbac HTTP filters istiod gives the gateway proxy, and which policies reach it. */
export function predictGatewayAuthz(
  resources: Pick<ResourceSet, 'authorizationPolicies' | 'requestAuthentications'>,
  proxy: PolicyTarget,
  rootNamespace = DEFAULT_ROOT_NAMESPACE,
): AuthzPrediction {
  const aps = resources.authorizationPolicies.map((p) => attachment(p, proxy, rootNamespace));
  const ras = resources.requestAuthentications.map((p) => attachment(p, proxy, rootNamespace));
  const applied = inLookupOrder(
    aps.filter((a) => a.applies).map((a) => a.policy),
    proxy,
    rootNamespace,
  );
  const notPredicted = applied
    .filter((p) => actionOf(p) === 'CUSTOM')
    .map(
      (p) =>
        `CUSTOM policy ${namespaceOf(p)}/${p.metadata.name} (ext_authz provider ${p.spec.provider?.name ?? '?'}) is not predicted`,
    );
  const filters = [
    jwtFilter(
      inLookupOrder(
        ras.filter((a) => a.applies).map((a) => a.policy),
        proxy,
        rootNamespace,
      ),
    ),
    ...(['AUDIT', 'DENY', 'ALLOW'] as const).map((a) =>
      rbacFilter(
        applied.filter((p) => actionOf(p) === a),
        a,
      ),
    ),
  ].filter((f): f is Filter => !!f);
  return { httpFilters: filters, authorizationPolicies: aps, requestAuthentications: ras, notPredicted };
}

/** The jwt_authn, rbac and ext_authz filters of an HCM's http_filters, in order (what the prediction covers). */
export function authzFiltersOf(httpFilters: readonly Filter[] | undefined): Filter[] {
  return (httpFilters ?? []).filter(
    (f) => f.name === RBAC_FILTER || f.name === JWT_AUTHN_FILTER || f.name === 'envoy.filters.http.ext_authz',
  );
}
