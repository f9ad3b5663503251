// JWT claim matches in a VirtualService: a `headers`/`withoutHeaders` key `@request.auth.claims.<a>.<b>`
// or `@request.auth.claims[a][b]` is not an HTTP header. Istio (pilot route.go translateMetadataMatch,
// pkg/jwt/routing.go ToRoutingClaim, authz matcher.MetadataListMatcher with the extended JWT form)
// turns it into a dynamic metadata matcher on the jwt_authn filter's `payload`: the claim is a string
// equal to the value, or a list holding it. Only a gateway (or sidecar) with a RequestAuthentication
// fills that metadata; without it the match never succeeds.
import type { MetadataMatcher, StringMatcher } from '../envoy/types';
import type { StringMatch } from './model';
import { JWT_AUTHN_FILTER } from '../envoy/httpAuthz';

export const JWT_FILTER = JWT_AUTHN_FILTER;
const CLAIM_PREFIX = '@request.auth.claims';

/** The claim path of a routing claim key, or undefined when the key is an ordinary header. */
export function routingClaim(key: string): string[] | undefined {
  if (!key.toLowerCase().startsWith(CLAIM_PREFIX)) return undefined;
  const name = key.slice(CLAIM_PREFIX.length);
  if (name.startsWith('.') && name.length > 1) return name.slice(1).split('.');
  if (name.startsWith('[') && name.endsWith(']') && name.length > 2) return name.slice(1, -1).split('][');
  return undefined;
}

/** ConvertToEnvoyMatch: exact/prefix/regex; an empty match has no matcher. */
function envoyStringMatch(m: StringMatch | undefined | null): StringMatcher | undefined {
  if (!m) return undefined;
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safeRegex: { regex: m.regex } };
  return undefined;
}

/** The dynamic metadata matcher for one claim key, or undefined when the key is not a routing claim. */
export function claimMatcher(
  key: string,
  m: StringMatch | undefined | null,
  invert: boolean,
): MetadataMatcher | undefined {
  const claims = routingClaim(key);
  if (!claims) return undefined;
  const sm = envoyStringMatch(m);
  // protojson prints a oneof member holding a nil message as an empty object
  const value = sm ?? {};
  const out: MetadataMatcher = {
    filter: JWT_FILTER,
    path: ['payload', ...claims].map((k) => ({ key: k })),
    value: { orMatch: { valueMatchers: [{ listMatch: { oneOf: { stringMatch: value } } }, { stringMatch: value }] } },
  };
  if (invert) out.invert = true;
  return out;
}
