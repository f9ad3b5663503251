// Envoy's authentication and authorization HTTP filters on one request, pure: envoy.filters.http.jwt_authn
// (tokens from their locations, issuer, expiry, audiences, the signature against the provider's local JWKS) and
// envoy.filters.http.rbac (each filter in the HCM's order; a DENY filter denies
// when a policy matches, an ALLOW filter when none does, a LOG filter and shadow rules never deny; policies are
// tried in name order, as Envoy's policy map holds them), and whether an envoy.filters.http.ext_authz filter asks its
// external service (filter_enabled_metadata against the rbac filters' shadow metadata; the service's answer is not
// predicted). It says which filter and policy decided and why, with the details string Envoy writes in the access log
// (%RESPONSE_CODE_DETAILS%).
import { constants, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { statusOfName } from './httpStatusCodes';
import { cidrContains, parseCidr, parseIp, type IpAddress } from './ip';
import {
  describeStringMatcher,
  headerMismatch,
  normaliseRequest,
  stringMatches,
  type NormalRequest,
  type RequestSpec,
} from './requestMatch';
import type { Filter, HeaderMatcher, StringMatcher } from './types';

export const RBAC_FILTER = 'envoy.filters.http.rbac';
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
export const EXT_AUTHZ_HTTP_FILTER = 'envoy.filters.http.ext_authz';

export interface AuthzRequest extends RequestSpec {
  /** The peer address Envoy sees (direct_remote_ip): the client, or whatever address kube-proxy left on the packet. */
  sourceIp?: string;
  /**
   * The client address Envoy derives (remote_ip): from X-Forwarded-For only when the gateway trusts proxies in front of
   * it (Istio's numTrustedProxies, 0 by default), else the peer address.
   */
  remoteIp?: string;
  /** The listener port (destination_port). */
  destinationPort?: number;
  /** The TLS server name (requested_server_name), for HTTPS. */
  sni?: string;
  /** Seconds since the epoch, for a token's exp and nbf; the current time when absent. */
  now?: number;
}

export interface PolicyResult {
  name: string;
  matched: boolean;
  /** Why it matched (the conditions that held) or why not (the first condition that failed). */
  why: string;
}

export interface RbacFilterResult {
  /** Index of the filter among the HCM's http_filters. */
  index: number;
  action: 'ALLOW' | 'DENY' | 'LOG' | 'none';
  /** Whether this filter lets the request on. */
  allowed: boolean;
  /** The enforced policy that decided (DENY: the first match; ALLOW: the first match), if any. */
  matchedPolicy?: string;
  policies: PolicyResult[];
  /** Dry-run (shadow) rules: evaluated, logged, never enforced. */
  shadow?: { action: string; matchedPolicy?: string; policies: PolicyResult[] };
}

export interface JwtResult {
  /** The provider whose token was verified, when one was. */
  provider?: string;
  /** The payload of a verified token (the jwt_authn filter's `payload` metadata). */
  payload?: Record<string, unknown>;
  /** Where the token was read from, when the request carried one. */
  location?: string;
  /** Envoy's reason for a 401, e.g. `Jwt issuer is not configured`. */
  failure?: string;
  notes: string[];
}

/** An ext_authz filter that runs on the request: the external service decides, which nothing here can predict. */
export interface ExternalAuthzResult {
  /** Index of the filter among the HCM's http_filters. */
  index: number;
  kind: 'http' | 'grpc';
  /** The authorization service, `host:port` (from the filter's cluster). */
  service: string;
  /** The metadata value that enabled the filter: the rbac filter's matching shadow policy (Istio's CUSTOM policy). */
  enabledBy?: string;
  /** failure_mode_allow: the request goes on when the service cannot be reached. */
  failOpen: boolean;
  /** The status sent when the service cannot be reached (403 unless status_on_error says otherwise). */
  statusOnError: number;
}

export interface HttpAuthzOutcome {
  /**
   * 200 when the request reaches the router, else 401 (jwt_authn) or 403 (rbac). With `external`, what follows if the
   * external service allows the request.
   */
  status: 200 | 401 | 403;
  /** The ext_authz filter that asks an external service (the first; later filters are evaluated as if it allowed). */
  external?: ExternalAuthzResult;
  /** What Envoy writes as %RESPONSE_CODE_DETAILS% for a denial. */
  responseCodeDetails?: string;
  /** One line: who decided and why. */
  summary: string;
  jwt?: JwtResult;
  rbac: RbacFilterResult[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : []);
/** A scalar from config JSON as text ('' for anything else). */
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

interface Ctx {
  req: NormalRequest;
  source?: IpAddress;
  remote?: IpAddress;
  destinationPort?: number;
  sni?: string;
  /** Dynamic metadata by filter name (jwt_authn's `payload`). */
  metadata: Record<string, Json>;
}

interface Eval {
  ok: boolean;
  why: string;
}

const yes = (why: string): Eval => ({ ok: true, why });
const no = (why: string): Eval => ({ ok: false, why });

function cidrOf(c: unknown): { text: string; range?: ReturnType<typeof parseCidr> } {
  const o = isObj(c) ? c : {};
  const cidr = `${text(o.addressPrefix)}/${text(o.prefixLen) || '0'}`;
  return { text: cidr, range: parseCidr(cidr) };
}

function ipLeaf(kind: string, c: unknown, ip: IpAddress | undefined, raw: string | undefined): Eval {
  const { text, range } = cidrOf(c);
  if (!ip) return no(`${kind} unknown (give the client's address)`);
  if (!range) return no(`${kind} range ${text} unreadable`);
  return cidrContains(range, ip) ? yes(`${kind} ${raw ?? ''} in ${text}`) : no(`${kind} ${raw ?? ''} not in ${text}`);
}

function headerLeaf(h: HeaderMatcher, ctx: Ctx): Eval {
  const miss = headerMismatch(h, ctx.req.headers);
  if (miss) return no(miss);
  const v = ctx.req.headers.get(h.name.toLowerCase())?.join(',');
  const name = h.name === ':authority' ? 'host' : h.name === ':method' ? 'method' : `header ${h.name}`;
  const sm = h.stringMatch;
  return yes(sm ? `${name} "${v ?? ''}" ${describeStringMatcher(sm)}` : `${name} present`);
}

/** A value matcher (envoy.type.matcher.v3.ValueMatcher) on a metadata value. */
function valueMatches(m: Json, v: unknown): boolean {
  if (isObj(m.stringMatch)) return typeof v === 'string' && stringMatches(m.stringMatch, v);
  if (isObj(m.orMatch)) return list(m.orMatch.valueMatchers).some((x) => valueMatches(x, v));
  const oneOf = isObj(m.listMatch) && isObj(m.listMatch.oneOf) ? m.listMatch.oneOf : undefined;
  if (oneOf) return Array.isArray(v) && v.some((x) => valueMatches(oneOf, x));
  if (m.presentMatch === true) return v !== undefined;
  if (typeof m.boolMatch === 'boolean') return v === m.boolMatch;
  if (m.nullMatch !== undefined) return v === null;
  return false;
}

function metadataLeaf(m: Json, ctx: Ctx): Eval {
  const filter = text(m.filter);
  const path = list(m.path).map((p) => text(p.key));
  let v: unknown = ctx.metadata[filter];
  for (const k of path) v = isObj(v) ? v[k] : undefined;
  const what =
    filter === JWT_AUTHN_FILTER && path[0] === 'payload'
      ? `JWT claim ${path.slice(1).join('.')}`
      : `metadata ${filter}:${path.join('.')}`;
  const ok = isObj(m.value) && valueMatches(m.value, v) !== (m.invert === true);
  if (v === undefined)
    return ok
      ? yes(`${what} absent`)
      : no(filter === JWT_AUTHN_FILTER && !ctx.metadata[filter] ? 'no validated JWT' : `${what} absent`);
  return ok ? yes(`${what} ${JSON.stringify(v)} matches`) : no(`${what} ${JSON.stringify(v)} does not match`);
}

/** Envoy's uri_template match: `*` one path segment, `**` the rest (any number of segments). */
function uriTemplateMatches(template: string, path: string): boolean {
  const esc = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = template
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg === '*' ? '[^/]+' : esc(seg)))
    .join('/');
  return new RegExp(`^${re}$`).test(path);
}

function permission(p: Json, ctx: Ctx): Eval {
  if (p.any === true) return yes('');
  if (isObj(p.andRules)) return all(list(p.andRules.rules).map((r) => permission(r, ctx)));
  if (isObj(p.orRules)) return some(list(p.orRules.rules).map((r) => permission(r, ctx)));
  if (isObj(p.notRule)) return not(permission(p.notRule, ctx));
  if (isObj(p.header)) return headerLeaf(p.header as unknown as HeaderMatcher, ctx);
  if (isObj(p.urlPath) && isObj(p.urlPath.path)) {
    const sm = p.urlPath.path as StringMatcher;
    const path = ctx.req.pathOnly;
    return stringMatches(sm, path)
      ? yes(`path ${path} ${describeStringMatcher(sm)}`)
      : no(`path ${path} not ${describeStringMatcher(sm)}`);
  }
  if (isObj(p.uriTemplate)) {
    const t = text(isObj(p.uriTemplate.typedConfig) ? p.uriTemplate.typedConfig.pathTemplate : '');
    const path = ctx.req.pathOnly;
    return uriTemplateMatches(t, path) ? yes(`path ${path} fits ${t}`) : no(`path ${path} does not fit ${t}`);
  }
  if (typeof p.destinationPort === 'number') {
    if (ctx.destinationPort === undefined) return no(`port unknown (rule wants ${p.destinationPort})`);
    return ctx.destinationPort === p.destinationPort
      ? yes(`port ${p.destinationPort}`)
      : no(`port ${ctx.destinationPort} is not ${p.destinationPort}`);
  }
  if (isObj(p.destinationIp)) return no(`destination address not traced (rule wants ${cidrOf(p.destinationIp).text})`);
  if (isObj(p.requestedServerName)) {
    const sm = p.requestedServerName as StringMatcher;
    const sni = ctx.sni ?? '';
    return stringMatches(sm, sni)
      ? yes(`SNI ${sni} ${describeStringMatcher(sm)}`)
      : no(`SNI "${sni}" not ${describeStringMatcher(sm)}`);
  }
  if (isObj(p.metadata)) return metadataLeaf(p.metadata, ctx);
  return no(`unsupported permission ${Object.keys(p).join(',')}`);
}

function principal(p: Json, ctx: Ctx): Eval {
  if (p.any === true) return yes('');
  if (isObj(p.andIds)) return all(list(p.andIds.ids).map((r) => principal(r, ctx)));
  if (isObj(p.orIds)) return some(list(p.orIds.ids).map((r) => principal(r, ctx)));
  if (isObj(p.notId)) return not(principal(p.notId, ctx));
  if (isObj(p.header)) return headerLeaf(p.header as unknown as HeaderMatcher, ctx);
  if (isObj(p.directRemoteIp))
    return ipLeaf('peer address', p.directRemoteIp, ctx.source, ctx.source && formatted(ctx.source));
  if (isObj(p.remoteIp)) return ipLeaf('client address', p.remoteIp, ctx.remote, ctx.remote && formatted(ctx.remote));
  if (isObj(p.sourceIp)) return ipLeaf('peer address', p.sourceIp, ctx.source, ctx.source && formatted(ctx.source));
  if (isObj(p.metadata)) return metadataLeaf(p.metadata, ctx);
  if (isObj(p.authenticated) || isObj(p.filterState))
    return no('no peer identity: a client outside the mesh presents no Istio certificate to the gateway');
  return no(`unsupported principal ${Object.keys(p).join(',')}`);
}

const formatted = (ip: IpAddress) => ipText.get(ip) ?? '';
const ipText = new WeakMap<IpAddress, string>();

function all(es: Eval[]): Eval {
  const bad = es.find((e) => !e.ok);
  if (bad) return bad;
  return yes(
    es
      .map((e) => e.why)
      .filter(Boolean)
      .join(' and '),
  );
}

function some(es: Eval[]): Eval {
  const good = es.find((e) => e.ok);
  if (good) return good;
  const whys = [...new Set(es.map((e) => e.why))];
  return no(whys.length > 1 ? `${whys.join(', ')}` : (whys[0] ?? 'no alternative'));
}

function not(e: Eval): Eval {
  // a condition that fails is itself the reason its negation holds ("path /x not starting with /admin")
  return e.ok ? no(`excluded: ${e.why || 'any request'}`) : yes(e.why);
}

/** One RBAC policy: some permission and some principal match. */
function policyResult(name: string, pol: Json, ctx: Ctx): PolicyResult {
  const perm = some(list(pol.permissions).map((p) => permission(p, ctx)));
  if (!perm.ok) return { name, matched: false, why: perm.why };
  const princ = some(list(pol.principals).map((p) => principal(p, ctx)));
  if (!princ.ok) return { name, matched: false, why: princ.why };
  return { name, matched: true, why: [perm.why, princ.why].filter(Boolean).join(' and ') || 'matches every request' };
}

function evalRules(rules: Json, ctx: Ctx): { action: string; matchedPolicy?: string; policies: PolicyResult[] } {
  const action = typeof rules.action === 'string' ? rules.action : 'ALLOW';
  const pols = isObj(rules.policies) ? rules.policies : {};
  // Envoy keeps the policies in a name-ordered map and reports the first that matches
  const policies = Object.keys(pols)
    .sort()
    .map((name) => policyResult(name, isObj(pols[name]) ? pols[name] : {}, ctx));
  return { action, matchedPolicy: policies.find((p) => p.matched)?.name, policies };
}

// ---- jwt_authn ----

function base64UrlJson(s: string): Json | undefined {
  try {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const v: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The token a provider reads: its from_headers (value prefix stripped) and from_params, or Authorization Bearer / access_token. */
function extractToken(provider: Json, ctx: Ctx): { token: string; location: string } | undefined {
  const headers = list(provider.fromHeaders);
  const params = Array.isArray(provider.fromParams) ? provider.fromParams.map(String) : [];
  const cookies = Array.isArray(provider.fromCookies) ? provider.fromCookies.map(String) : [];
  const useDefault = !headers.length && !params.length && !cookies.length;
  const hs = useDefault ? [{ name: 'Authorization', valuePrefix: 'Bearer ' }] : headers;
  for (const h of hs) {
    const name = text(h.name);
    const v = ctx.req.headers.get(name.toLowerCase())?.[0];
    if (v === undefined) continue;
    const prefix = typeof h.valuePrefix === 'string' ? h.valuePrefix : '';
    if (prefix && !v.startsWith(prefix)) continue;
    return { token: v.slice(prefix.length).trim(), location: `header ${name}` };
  }
  for (const p of useDefault ? ['access_token'] : params) {
    const q = ctx.req.query.find(([k]) => k === p);
    if (q) return { token: decodeURIComponent(q[1]), location: `query parameter ${p}` };
  }
  const cookie = ctx.req.headers.get('cookie')?.join('; ') ?? '';
  for (const c of cookies) {
    const m = new RegExp(`(?:^|;\\s*)${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=([^;]*)`).exec(cookie);
    if (m) return { token: m[1] ?? '', location: `cookie ${c}` };
  }
  return undefined;
}

/** The jwt_authn filter as Istio configures it (each provider optional: allow_missing; a presented token must verify). */
function evalJwt(f: Filter, ctx: Ctx, now: number): JwtResult {
  const tc = f.typedConfig ?? {};
  const providers = isObj(tc.providers) ? tc.providers : {};
  const notes: string[] = [];
  const names = Object.keys(providers).sort();
  const found = names
    .map((n) => ({ n, p: isObj(providers[n]) ? providers[n] : {} }))
    .map((x) => ({ ...x, t: extractToken(x.p, ctx) }))
    .filter((x) => x.t);
  if (!found.length)
    return {
      notes: ['The request carries no token; RequestAuthentication lets it through without one (allow_missing).'],
    };
  const { t } = found[0]!;
  const parts = t!.token.split('.');
  if (parts.length !== 3)
    return {
      location: t!.location,
      failure: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
      notes,
    };
  const header = base64UrlJson(parts[0]!);
  const payload = base64UrlJson(parts[1]!);
  if (!header) return { location: t!.location, failure: 'Jwt header is an invalid Base64url encoded', notes };
  if (!payload) return { location: t!.location, failure: 'Jwt payload is an invalid Base64url encoded', notes };
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  const match = found.find((x) => x.p.issuer === undefined || x.p.issuer === iss);
  if (!match)
    return {
      location: t!.location,
      failure: 'Jwt issuer is not configured',
      notes: [
        `The token's issuer "${iss}" is none of ${names.map((n) => String(providers[n] && (providers[n] as Json).issuer)).join(', ')}.`,
      ],
    };
  const p = match.p;
  if (typeof payload.exp === 'number' && payload.exp < now)
    return { provider: match.n, location: t!.location, failure: 'Jwt is expired', notes };
  if (typeof payload.nbf === 'number' && payload.nbf > now)
    return { provider: match.n, location: t!.location, failure: 'Jwt not yet valid', notes };
  const auds = Array.isArray(p.audiences) ? p.audiences.map(String) : [];
  const tokAud = Array.isArray(payload.aud)
    ? payload.aud.map(String)
    : typeof payload.aud === 'string'
      ? [payload.aud]
      : [];
  if (auds.length && !tokAud.some((a) => auds.includes(a)))
    return { provider: match.n, location: t!.location, failure: 'Audiences in Jwt are not allowed', notes };
  const jwks =
    isObj(p.localJwks) && typeof p.localJwks.inlineString === 'string'
      ? base64Safe(p.localJwks.inlineString)
      : undefined;
  const keys = jwks && Array.isArray(jwks.keys) ? jwks.keys.filter(isObj) : undefined;
  if (!keys) {
    notes.push(
      `Token from ${t!.location}, issuer ${iss}, subject ${text(payload.sub)} (provider ${match.n}); its signature is not checked here: the keys are not in the config (istiod fetches them from the jwksUri and inlines them, which the live gateway's config shows).`,
    );
    return { provider: match.n, payload, location: t!.location, notes };
  }
  const alg = text(header.alg);
  const candidates = keys.filter(
    (k) => (header.kid === undefined || k.kid === undefined || k.kid === header.kid) && keyFitsAlg(k, alg),
  );
  if (!candidates.length)
    return {
      provider: match.n,
      location: t!.location,
      failure: "Jwks doesn't have key to match kid or alg from Jwt",
      notes: [`No key of the provider's JWKS has kid ${text(header.kid)} and algorithm ${alg}.`],
    };
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  const signature = base64UrlBytes(parts[2]!);
  if (!signature || !candidates.some((k) => signatureValid(k, alg, signed, signature)))
    return {
      provider: match.n,
      location: t!.location,
      failure: 'Jwt verification fails',
      notes: [`The token's ${alg} signature does not verify with the provider's JWKS.`],
    };
  notes.push(
    `Token from ${t!.location}, issuer ${iss}, subject ${text(payload.sub)} (provider ${match.n}); its ${alg} signature verifies with the provider's JWKS.`,
  );
  return { provider: match.n, payload, location: t!.location, notes };
}

function base64UrlBytes(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The JWS algorithms jwt_verify_lib accepts, by key type. */
const ALG_KEY: Record<string, string> = {
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'EC',
  ES384: 'EC',
  ES512: 'EC',
  EdDSA: 'OKP',
};

const keyFitsAlg = (k: Json, alg: string) =>
  ALG_KEY[alg] !== undefined && k.kty === ALG_KEY[alg] && (k.alg === undefined || k.alg === alg);

/** A JWS signature checked with the JWK (RSA PKCS#1 v1.5 or PSS, ECDSA with JOSE's r||s form, Ed25519). */
function signatureValid(jwk: Json, alg: string, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (alg === 'EdDSA') return cryptoVerify(null, data, key, sig);
    const hash = `sha${alg.slice(2)}`;
    if (alg.startsWith('PS'))
      return cryptoVerify(
        hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 },
        sig,
      );
    if (alg.startsWith('ES')) return cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    return cryptoVerify(hash, data, key, sig);
  } catch {
    return false;
  }
}

function base64Safe(s: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The jwt_authn and rbac filters among `httpFilters`, run on the request in order, as Envoy runs them. */
export function evaluateHttpAuthz(httpFilters: readonly Filter[], request: AuthzRequest): HttpAuthzOutcome {
  const ip = (s: string | undefined) => {
    const a = s ? parseIp(s) : undefined;
    if (a && s) ipText.set(a, s);
    return a;
  };
  const source = ip(request.sourceIp);
  const ctx: Ctx = {
    req: normaliseRequest(request),
    source,
    remote: request.remoteIp ? ip(request.remoteIp) : source,
    destinationPort: request.destinationPort,
    sni: request.sni,
    metadata: {},
  };
  const now = request.now ?? Math.floor(Date.now() / 1000);
  const rbac: RbacFilterResult[] = [];
  let jwt: JwtResult | undefined;
  let external: ExternalAuthzResult | undefined;
  for (const [index, f] of httpFilters.entries()) {
    if (f.name === JWT_AUTHN_FILTER) {
      jwt = evalJwt(f, ctx, now);
      if (jwt.failure)
        return {
          status: 401,
          responseCodeDetails: `jwt_authn_access_denied{${jwt.failure.replace(/ /g, '_')}}`,
          summary: `401 ${jwt.failure} — RequestAuthentication rejects the token in ${jwt.location ?? 'the request'}`,
          ...(external ? { external } : {}),
          jwt,
          rbac,
        };
      if (jwt.payload) ctx.metadata[JWT_AUTHN_FILTER] = { payload: jwt.payload };
      continue;
    }
    if (f.name === EXT_AUTHZ_HTTP_FILTER) {
      external ??= extAuthzRuns(f, index, ctx);
      continue;
    }
    if (f.name !== RBAC_FILTER) continue;
    const tc = f.typedConfig ?? {};
    const enforced = isObj(tc.rules) ? evalRules(tc.rules, ctx) : undefined;
    const shadow = isObj(tc.shadowRules) ? evalRules(tc.shadowRules, ctx) : undefined;
    const action = (enforced?.action ?? 'none') as RbacFilterResult['action'];
    const allowed =
      !enforced || action === 'LOG' ? true : action === 'DENY' ? !enforced.matchedPolicy : !!enforced.matchedPolicy;
    const r: RbacFilterResult = {
      index,
      action,
      allowed,
      ...(enforced?.matchedPolicy ? { matchedPolicy: enforced.matchedPolicy } : {}),
      policies: enforced?.policies ?? [],
      ...(shadow ? { shadow } : {}),
    };
    rbac.push(r);
    // Envoy's rbac filter writes the shadow rules' matching policy as dynamic metadata (what ext_authz may look for)
    if (shadow?.matchedPolicy) {
      const prefix = typeof tc.shadowRulesStatPrefix === 'string' ? tc.shadowRulesStatPrefix : '';
      ctx.metadata[RBAC_FILTER] = {
        ...ctx.metadata[RBAC_FILTER],
        [`${prefix}shadow_effective_policy_id`]: shadow.matchedPolicy,
      };
    }
    if (!allowed) {
      const why =
        action === 'DENY'
          ? `DENY ${policyText(r.matchedPolicy!)} matched ${r.policies.find((p) => p.name === r.matchedPolicy)?.why ?? ''}`
          : `no ALLOW policy matched (${r.policies.map((p) => `${policyText(p.name)}: ${p.why}`).join('; ') || 'none'})`;
      return {
        status: 403,
        responseCodeDetails: `rbac_access_denied_matched_policy[${r.matchedPolicy ?? 'none'}]`,
        summary: `403 RBAC: access denied — ${why}`,
        ...(external ? { external } : {}),
        ...(jwt ? { jwt } : {}),
        rbac,
      };
    }
  }
  const allowedBy = rbac.filter((r) => r.action === 'ALLOW' && r.matchedPolicy);
  const summary = allowedBy.length
    ? `allowed: ALLOW ${policyText(allowedBy[0]!.matchedPolicy!)} matched${whyOf(allowedBy[0]!)}`
    : rbac.length
      ? 'allowed: no DENY policy matched'
      : 'no authorization filter';
  return {
    status: 200,
    summary: external
      ? `decided by the external authorizer ${external.service}${external.enabledBy ? ` (${policyText(external.enabledBy)} matched)` : ''}; if it allows: ${summary.replace(/^allowed: /, '')}`
      : summary,
    ...(external ? { external } : {}),
    ...(jwt ? { jwt } : {}),
    rbac,
  };
}

/** `outbound|8000||ext-authz.auth.svc.cluster.local` → `ext-authz.auth.svc.cluster.local:8000`. */
function clusterService(cluster: string, fallbackHost: string): string {
  const parts = cluster.split('|');
  return parts.length === 4 && parts[1] ? `${parts[3]}:${parts[1]}` : cluster || fallbackHost;
}

/**
 * Whether an ext_authz filter calls its service for this request: always, or when filter_enabled_metadata matches the
 * dynamic metadata earlier filters wrote (Istio's CUSTOM policies: the rbac filter's matching shadow policy).
 */
function extAuthzRuns(f: Filter, index: number, ctx: Ctx): ExternalAuthzResult | undefined {
  const tc = f.typedConfig ?? {};
  const enabled = isObj(tc.filterEnabledMetadata) ? tc.filterEnabledMetadata : undefined;
  let enabledBy: string | undefined;
  if (enabled) {
    const keys = list(enabled.path).map((p) => text(p.key));
    let v: unknown = ctx.metadata[text(enabled.filter)];
    for (const k of keys) v = isObj(v) ? v[k] : undefined;
    const sm = isObj(enabled.value) && isObj(enabled.value.stringMatch) ? enabled.value.stringMatch : undefined;
    if (typeof v !== 'string' || !sm || !stringMatches(sm, v)) return undefined;
    enabledBy = v;
  }
  const http = isObj(tc.httpService) ? tc.httpService : undefined;
  const grpc = isObj(tc.grpcService) ? tc.grpcService : undefined;
  const uri = http && isObj(http.serverUri) ? http.serverUri : {};
  const envoyGrpc = grpc && isObj(grpc.envoyGrpc) ? grpc.envoyGrpc : {};
  const service = http
    ? clusterService(text(uri.cluster), text(uri.uri).replace(/^https?:\/\//, ''))
    : clusterService(text(envoyGrpc.clusterName), text(envoyGrpc.authority));
  const code = isObj(tc.statusOnError) ? tc.statusOnError.code : undefined;
  return {
    index,
    kind: http ? 'http' : 'grpc',
    service,
    ...(enabledBy ? { enabledBy } : {}),
    failOpen: tc.failureModeAllow === true,
    statusOnError: typeof code === 'number' ? code : typeof code === 'string' ? (statusOfName(code) ?? 403) : 403,
  };
}

const whyOf = (r: RbacFilterResult) => {
  const why = r.policies.find((p) => p.name === r.matchedPolicy)?.why;
  return why ? ` (${why})` : '';
};

/** `ns[simple]-policy[deny-admin]-rule[0]` in words: `policy simple/deny-admin rule 0` (other names as they are). */
export function policyText(envoyName: string): string {
  const m =
    /^(istio-ext-authz-(?:(.*?)-)?)?ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[(\d+)\](-deny-due-to-bad-CUSTOM-action)?$/.exec(
      envoyName,
    );
  if (!m) return envoyName;
  const base = `policy ${m[3]}/${m[4]} rule ${m[5]}`;
  if (!m[1]) return base;
  return `CUSTOM ${base} (provider ${m[2] ?? '?'}${m[6] ? ', which Istio could not use: denied' : ''})`;
}
