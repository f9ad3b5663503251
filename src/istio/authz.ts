// The gateway's authorization and JWT filters as istiod builds them: which AuthorizationPolicies and
// RequestAuthentications apply to a gateway proxy (pilot/pkg/model/policyattachment.go ShouldAttachPolicy,
// authorization.go ListAuthorizationPolicies: the root namespace and the proxy's namespace, a selector that is a
// subset of the pod's labels or none; targetRefs only for a Gateway API gateway), the envoy.filters.http.rbac
// filters they become (pilot/pkg/security/authz/builder/builder.go: one filter per action, AUDIT then DENY then
// ALLOW; a policy without rules never matches; dry-run policies go to shadow rules) with each rule translated as
// pilot/pkg/security/authz/model (model.go New/Generate, generator.go, permission.go, principal.go, matcher/) does,
// and envoy.filters.http.jwt_authn (pilot/pkg/security/authn/policy_applier.go convertToEnvoyJwtConfig).
// CUSTOM policies come first (listener_builder.go: the CUSTOM builder's filters before jwt_authn): per provider an
// rbac filter whose shadow rules name the matching policy and the ext_authz filter that then asks the provider's
// service (builder.go buildHTTP for IsCustomBuilder, the providers from the mesh config's extensionProviders,
// src/istio/extAuthz.ts); a provider that is missing or broken, or several providers, give deny-all rbac rules.
import type { Filter } from '../envoy/types';
import { EXT_AUTHZ_HTTP_FILTER, JWT_AUTHN_FILTER, RBAC_FILTER } from '../envoy/httpAuthz';
import {
  EXT_AUTHZ_POLICY_PREFIX,
  EXT_AUTHZ_SHADOW_PREFIX,
  extAuthzFilter,
  hostRegistry,
  resolveExtAuthzProviders,
  type ResolvedProvider,
} from './extAuthz';

import { formatIp, parseCidr, parseIp } from '../envoy/ip';
import {
  MESH_CONFIGMAP,
  namespaceOf,
  type AuthorizationPolicy,
  type AuthorizationRule,
  type MeshConfig,
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
  /** The HTTP filters in the order the HCM holds them: CUSTOM's rbac and ext_authz, jwt_authn, rbac (AUDIT, DENY, ALLOW). */
  httpFilters: Filter[];
  authorizationPolicies: PolicyAttachment<AuthorizationPolicy>[];
  requestAuthentications: PolicyAttachment<RequestAuthentication>[];
  /** Why a CUSTOM policy became deny rules, and where the mesh config came from, one line each. */
  notes: string[];
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

/** builder.go policyName for a CUSTOM policy: the provider's prefix, which its ext_authz filter looks for. */
const customPolicyName = (provider: string, namespace: string, name: string, rule: number) =>
  `${EXT_AUTHZ_POLICY_PREFIX}-${provider ? `${provider}-` : ''}${rbacPolicyName(namespace, name, rule)}`;

/** badCustomActionSuffix: a CUSTOM policy Istio cannot send to its provider denies what it matches. */
export const BAD_CUSTOM_SUFFIX = '-deny-due-to-bad-CUSTOM-action';

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
    policiesOf(p, (i) => rbacPolicyName(namespaceOf(p), p.metadata.name, i), target.policies as Record<string, Json>);
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

/** The rules of one action's policies, by name (builder.go build: a policy without rules never matches). */
function policiesOf(p: AuthorizationPolicy, name: (rule: number) => string, into: Record<string, Json>) {
  const ns = namespaceOf(p);
  for (const [i, rule] of (p.spec.rules ?? []).entries()) {
    const { policy } = rulePolicy(rule ?? {}, ns);
    if (policy) into[name(i)] = policy;
  }
  if (!p.spec.rules?.length) into[name(0)] = MATCH_NEVER;
}

const rbacTyped = (config: Json): Filter => ({
  name: RBAC_FILTER,
  typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC', ...config },
});
const withPolicies = (policies: Record<string, Json>): Json => ({
  action: 'DENY',
  ...(Object.keys(policies).length ? { policies } : {}),
});

/**
 * builder.go build + buildHTTP with IsCustomBuilder: the policies grouped by provider (dry-run ones apart), then per
 * provider in name order an rbac filter in shadow mode (stat prefix istio_ext_authz_) and the provider's ext_authz
 * filter; a provider the mesh config lacks or cannot build, or more than one provider (PILOT_ENABLE_MULTIPLE_CUSTOM_
 * AUTHZ_PROVIDERS is off by default), gives an rbac filter that denies what the enforced policies match.
 */
function customFilters(
  policies: AuthorizationPolicy[],
  providers: Map<string, ResolvedProvider>,
  notes: string[],
): Filter[] {
  const enforce = new Map<string, Record<string, Json>>();
  const shadow = new Map<string, Record<string, Json>>();
  const policyNames = new Map<string, string[]>();
  for (const p of policies) {
    const provider = p.spec.provider?.name ?? '';
    if (!enforce.has(provider)) {
      enforce.set(provider, {});
      shadow.set(provider, {});
    }
    policyNames.set(provider, [...(policyNames.get(provider) ?? []), `${namespaceOf(p)}/${p.metadata.name}`]);
    const into = (isDryRun(p) ? shadow : enforce).get(provider)!;
    policiesOf(p, (i) => customPolicyName(provider, namespaceOf(p), p.metadata.name, i), into);
  }
  const names = [...enforce.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const badDeny = (provider: string) => {
    const rules: Record<string, Json> = {};
    for (const [k, v] of Object.entries(enforce.get(provider)!)) rules[k + BAD_CUSTOM_SUFFIX] = v;
    return rbacTyped({ rules: withPolicies(rules) });
  };
  const who = (provider: string) => `CUSTOM ${policyNames.get(provider)!.join(', ')}`;
  if (names.length > 1) {
    notes.push(
      `${names.length} CUSTOM providers on one gateway (${names.join(', ')}) need istiod's PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS (off by default): Istio turns every CUSTOM policy into DENY rules instead`,
    );
    return names.map(badDeny);
  }
  const out: Filter[] = [];
  for (const provider of names) {
    const resolved = providers.get(provider);
    if (!resolved || resolved.error) {
      notes.push(
        `${who(provider)}: ${
          resolved
            ? `the mesh config's provider ${provider} is broken (${resolved.error})`
            : `provider ${JSON.stringify(provider)} is not among the mesh config's ext_authz extensionProviders (${[...providers.keys()].join(', ') || 'none'})`
        }: Istio denies the requests its rules match (403)`,
      );
      out.push(badDeny(provider));
      continue;
    }
    const dry = shadow.get(provider)!;
    out.push(
      rbacTyped({
        ...(Object.keys(dry).length ? { rules: withPolicies(dry) } : {}),
        shadowRules: withPolicies(enforce.get(provider)!),
        shadowRulesStatPrefix: EXT_AUTHZ_SHADOW_PREFIX,
      }),
      extAuthzFilter(provider, resolved),
    );
  }
  return out;
}

/** The mesh config istiod reads: ConfigMap istio in its namespace (istio-system), when the input holds it. */
export function meshConfigOf(resources: Partial<Pick<ResourceSet, 'configMaps'>>): MeshConfig | undefined {
  return resources.configMaps?.find((c) => c.metadata.name === MESH_CONFIGMAP && namespaceOf(c) === ISTIOD_NAMESPACE)
    ?.spec.mesh;
}
const ISTIOD_NAMESPACE = 'istio-system';

/** The mesh config's rootNamespace (policies there without a selector apply to every workload), else istio-system. */
export function rootNamespaceOf(resources: Partial<Pick<ResourceSet, 'configMaps'>>): string {
  const root = meshConfigOf(resources)?.rootNamespace;
  return typeof root === 'string' && root ? root : DEFAULT_ROOT_NAMESPACE;
}

/** Where a CUSTOM policy's requests go: its provider's external authorizer, or why istiod denies them instead. */
export interface CustomProvider {
  name: string;
  kind?: 'http' | 'grpc';
  /** `host:port` of the authorizer. */
  service?: string;
  failOpen?: boolean;
  /** Why istiod cannot use the provider (its rules then deny). */
  error?: string;
}

/** The provider a CUSTOM policy names, resolved against the mesh config as istiod resolves it (extauthz.go). */
export function customProvider(
  resources: Pick<ResourceSet, 'authorizationPolicies'> &
    Partial<Pick<ResourceSet, 'configMaps' | 'services' | 'serviceEntries'>>,
  name: string,
  proxy?: PolicyTarget,
): CustomProvider {
  const mesh = meshConfigOf(resources);
  if (proxy) {
    const root = rootNamespaceOf(resources);
    const onGateway = new Set(
      resources.authorizationPolicies
        .filter((p) => actionOf(p) === 'CUSTOM' && attachment(p, proxy, root).applies)
        .map((p) => p.spec.provider?.name ?? ''),
    );
    if (onGateway.size > 1 && onGateway.has(name))
      return {
        name,
        error: `one of ${onGateway.size} CUSTOM providers on the gateway (${[...onGateway].sort().join(', ')}), which needs istiod's PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS (off by default)`,
      };
  }
  const providers = resolveExtAuthzProviders(mesh, hostRegistry(resources));
  const p = providers.get(name);
  if (!p)
    return {
      name,
      error: `not among the ext_authz extensionProviders of ${mesh ? `ConfigMap ${ISTIOD_NAMESPACE}/istio` : "the default install's mesh config (no ConfigMap istio-system/istio here)"} (${[...providers.keys()].join(', ') || 'none'})`,
    };
  if (p.error) return { name, kind: p.kind, error: p.error };
  return {
    name,
    kind: p.kind,
    ...(p.service ? { service: p.service } : {}),
    failOpen: p.typedConfig?.failureModeAllow === true,
  };
}

/** The CUSTOM, jwt_authn and rbac HTTP filters istiod gives the gateway proxy, and which policies reach it. */
export function predictGatewayAuthz(
  resources: Pick<ResourceSet, 'authorizationPolicies' | 'requestAuthentications'> &
    Partial<Pick<ResourceSet, 'configMaps' | 'services' | 'serviceEntries'>>,
  proxy: PolicyTarget,
  root?: string,
): AuthzPrediction {
  const mesh = meshConfigOf(resources);
  const rootNamespace = root ?? rootNamespaceOf(resources);
  const aps = resources.authorizationPolicies.map((p) => attachment(p, proxy, rootNamespace));
  const ras = resources.requestAuthentications.map((p) => attachment(p, proxy, rootNamespace));
  const applied = inLookupOrder(
    aps.filter((a) => a.applies).map((a) => a.policy),
    proxy,
    rootNamespace,
  );
  const notes: string[] = [];
  const custom = applied.filter((p) => actionOf(p) === 'CUSTOM');
  if (custom.length && !mesh)
    notes.push(
      `No ConfigMap ${ISTIOD_NAMESPACE}/istio with a mesh config in the input: the CUSTOM policies are predicted with the default install's mesh config, which defines no extensionProviders`,
    );
  const filters = [
    ...(custom.length ? customFilters(custom, resolveExtAuthzProviders(mesh, hostRegistry(resources)), notes) : []),
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
  return { httpFilters: filters, authorizationPolicies: aps, requestAuthentications: ras, notes };
}

/** The jwt_authn, rbac and ext_authz filters of an HCM's http_filters, in order (what the prediction covers). */
export function authzFiltersOf(httpFilters: readonly Filter[] | undefined): Filter[] {
  return (httpFilters ?? []).filter(
    (f) => f.name === RBAC_FILTER || f.name === JWT_AUTHN_FILTER || f.name === EXT_AUTHZ_HTTP_FILTER,
  );
}
