// The mesh config's ext_authz extension providers as istiod turns them into envoy.filters.http.ext_authz configs
// (pilot/pkg/security/authz/builder/extauthz.go processExtensionProvider, buildExtAuthzHTTP/GRPC, generateHTTPConfig,
// generateGRPCConfig; pkg/config/validation/agent/extensionprovider.go for the checks it runs first). A provider that
// fails a check, or whose service Istio's registry does not hold (model.LookupCluster), carries its error instead:
// a CUSTOM policy naming it gets a deny-all rbac filter (src/istio/authz.ts).
import type { Filter } from '../envoy/types';
import { EXT_AUTHZ_HTTP_FILTER, RBAC_FILTER } from '../envoy/httpAuthz';
import { STATUS_CODES } from '../envoy/httpStatusCodes';
import { formatProtoDuration } from './duration';
import {
  namespaceOf,
  type ExtAuthzGrpcProvider,
  type ExtAuthzHttpProvider,
  type MeshConfig,
  type ResourceSet,
} from './model';

/** authzmodel.RBACExtAuthzShadowRulesStatPrefix: the CUSTOM rbac filter's shadow rules stat prefix. */
export const EXT_AUTHZ_SHADOW_PREFIX = 'istio_ext_authz_';
/** extAuthzMatchPrefix: CUSTOM policies' names start with `istio-ext-authz-<provider>-`. */
export const EXT_AUTHZ_POLICY_PREFIX = 'istio-ext-authz';
const DOMAIN_SUFFIX = 'svc.cluster.local';

type Json = Record<string, unknown>;

/** One extension provider of the mesh config, resolved: the ext_authz filter and its service, or what is wrong. */
export interface ResolvedProvider {
  kind: 'http' | 'grpc';
  /** The ext_authz filter without its filterEnabledMetadata (builder.go sets it per provider). */
  typedConfig?: Json;
  /** The authorizer: `host:port`. */
  service?: string;
  error?: string;
}

/** Istio's service registry by hostname (ServiceIndex.HostnameAndNamespace): Kubernetes Services and ServiceEntry hosts. */
export type HostRegistry = Map<string, Set<string>>;

export function hostRegistry(resources: Partial<Pick<ResourceSet, 'services' | 'serviceEntries'>>): HostRegistry {
  const out: HostRegistry = new Map();
  const add = (host: string, ns: string) => out.set(host, (out.get(host) ?? new Set()).add(ns));
  for (const s of resources.services ?? [])
    add(`${s.metadata.name}.${namespaceOf(s)}.${DOMAIN_SUFFIX}`, namespaceOf(s));
  for (const se of resources.serviceEntries ?? [])
    for (const h of Array.isArray(se.spec.hosts) ? se.spec.hosts : [])
      if (typeof h === 'string') add(h, namespaceOf(se));
  return out;
}

/** model.LookupCluster: `<namespace>/<hostname>`, or a hostname only one namespace has. */
function lookupCluster(
  registry: HostRegistry,
  service: string,
  port: number,
): { host?: string; cluster?: string; error?: string } {
  if (!service) return { error: 'service must not be empty' };
  const parts = service.split('/');
  const found = (host: string) => ({ host, cluster: `outbound|${port}||${host}` });
  if (parts.length === 2) {
    if (registry.get(parts[1]!)?.has(parts[0]!)) return found(parts[1]!);
  } else {
    const namespaces = [...(registry.get(service) ?? [])];
    if (namespaces.length === 1) return found(service);
    if (namespaces.length > 1)
      return {
        error: `found ${service} in multiple namespaces [${namespaces.join(' ')}], specify the namespace explicitly in the format of <Namespace>/<Hostname>`,
      };
  }
  return { error: `could not find service ${service} in Istio service registry` };
}

/** A protobuf JSON duration ("10s", "0.5s"), as the mesh config's parser takes it; 600s when absent. */
function timeoutOf(t: unknown): { value?: string; error?: string } {
  if (t === undefined || t === null) return { value: '600s' };
  const m = typeof t === 'string' ? /^(\d+)(?:\.(\d{1,9}))?s$/.exec(t) : null;
  if (!m) return { error: `timeout ${JSON.stringify(t)} is not a protobuf duration (e.g. "10s", "0.5s")` };
  return { value: formatProtoDuration(Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'))) };
}

function statusOnError(status: unknown): { value?: Json; error?: string } {
  if (status === undefined || status === '') return {};
  const s = typeof status === 'string' || typeof status === 'number' ? String(status) : JSON.stringify(status);
  const code = /^[-+]?\d+$/.test(s) ? Number(s) : NaN;
  if (Number.isNaN(code)) return { error: `invalid statusOnError value ${s}` };
  const name = STATUS_CODES[code];
  if (name === undefined) return { error: `unsupported statusOnError value ${s}` };
  // the enum's zero value (Empty) is left out of protojson
  return { value: code === 0 ? {} : { code: name } };
}

/** generateHeaders: `*x` suffix, `x*` prefix, else exact; always ignoring case. */
function headerPatterns(headers: unknown): Json | undefined {
  const hs = Array.isArray(headers) ? headers.map(String) : [];
  if (!hs.length) return undefined;
  return {
    patterns: hs.map((h) =>
      h.startsWith('*')
        ? { suffix: h.slice(1), ignoreCase: true }
        : h.endsWith('*')
          ? { prefix: h.slice(0, -1), ignoreCase: true }
          : { exact: h, ignoreCase: true },
    ),
  };
}

function requestBody(b: ExtAuthzGrpcProvider['includeRequestBodyInCheck']): Json | undefined {
  if (!b || typeof b !== 'object') return undefined;
  return {
    ...(b.maxRequestBytes ? { maxRequestBytes: b.maxRequestBytes } : {}),
    ...(b.allowPartialMessage ? { allowPartialMessage: true } : {}),
    ...(b.packAsBytes ? { packAsBytes: true } : {}),
  };
}

/** The checks agent.ValidateExtensionProviderEnvoyExtAuthz* and buildExtAuthz* share: port, service, statusOnError. */
function commonErrors(p: ExtAuthzGrpcProvider): string[] {
  const errors: string[] = [];
  const port = Number(p.port ?? 0);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535))
    errors.push(`port must be in the range [1, 65535], found: ${String(p.port ?? 0)}`);
  if (!p.service) errors.push('service must not be empty');
  return errors;
}

function build(p: ExtAuthzHttpProvider, kind: 'http' | 'grpc', registry: HostRegistry): ResolvedProvider {
  const errors = commonErrors(p);
  const port = Number(p.port ?? 0);
  const status = statusOnError(p.statusOnError);
  if (status.error) errors.push(status.error);
  const timeout = timeoutOf(p.timeout);
  if (timeout.error) errors.push(timeout.error);
  if (kind === 'http') {
    if (p.pathPrefix && !p.pathPrefix.startsWith('/'))
      errors.push(`pathPrefix should begin with \`/\` but found ${JSON.stringify(p.pathPrefix)}`);
    for (const [field, values] of [
      ['IncludeRequestHeadersInCheck', p.includeRequestHeadersInCheck],
      ['IncludeHeadersInCheck', p.includeHeadersInCheck],
      ['HeadersToDownstreamOnDeny', p.headersToDownstreamOnDeny],
      ['HeadersToDownstreamOnAllow', p.headersToDownstreamOnAllow],
      ['HeadersToUpstreamOnAllow', p.headersToUpstreamOnAllow],
    ] as const)
      if (Array.isArray(values) && values.includes('*'))
        errors.push(`a single wildcard ("*") is not supported, change it to either prefix or suffix match: ${field}`);
  }
  const looked = errors.length ? {} : lookupCluster(registry, p.service ?? '', port);
  if (looked.error) errors.push(looked.error);
  if (errors.length || !looked.host) return { kind, error: errors.join('; ') };
  const common = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
    transportApiVersion: 'V3',
    ...(p.failOpen ? { failureModeAllow: true } : {}),
    ...(status.value ? { statusOnError: status.value } : {}),
    ...(requestBody(p.includeRequestBodyInCheck) ? { withRequestBody: requestBody(p.includeRequestBodyInCheck) } : {}),
  };
  const service = `${looked.host}:${port}`;
  if (kind === 'grpc')
    return {
      kind,
      service,
      typedConfig: {
        ...common,
        grpcService: {
          envoyGrpc: { clusterName: looked.cluster, authority: looked.host },
          timeout: timeout.value,
        },
      },
    };
  const additional = Object.keys(p.includeAdditionalHeadersInCheck ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const upstream = headerPatterns(p.headersToUpstreamOnAllow);
  const onDeny = headerPatterns(p.headersToDownstreamOnDeny);
  const onAllow = headerPatterns(p.headersToDownstreamOnAllow);
  const allowed = headerPatterns(p.includeRequestHeadersInCheck) ?? headerPatterns(p.includeHeadersInCheck);
  return {
    kind,
    service,
    typedConfig: {
      ...common,
      httpService: {
        serverUri: { uri: `http://${looked.host}`, cluster: looked.cluster, timeout: timeout.value },
        ...(p.pathPrefix ? { pathPrefix: p.pathPrefix } : {}),
        ...(additional.length
          ? {
              authorizationRequest: {
                headersToAdd: additional.map((key) => ({
                  key,
                  ...(p.includeAdditionalHeadersInCheck![key]
                    ? { value: p.includeAdditionalHeadersInCheck![key] }
                    : {}),
                })),
              },
            }
          : {}),
        ...(upstream || onDeny || onAllow
          ? {
              authorizationResponse: {
                ...(upstream ? { allowedUpstreamHeaders: upstream } : {}),
                ...(onDeny ? { allowedClientHeaders: onDeny } : {}),
                ...(onAllow ? { allowedClientHeadersOnSuccess: onAllow } : {}),
              },
            }
          : {}),
      },
      ...(allowed ? { allowedHeaders: allowed } : {}),
    },
  };
}

/** validateProviderName: a DNS-1123 label (lowercase letters, digits, hyphens; at most 63). */
function providerNameError(name: string): string | undefined {
  if (name.length > 63) return `provider name too long (max 63 characters): ${name.length}`;
  const bad = /[^a-z0-9-]/.exec(name);
  if (bad)
    return /[A-Z]/.test(bad[0])
      ? `uppercase letters not allowed (use lowercase): character '${bad[0]}' at position ${bad.index}`
      : `invalid character '${bad[0]}' at position ${bad.index} (only lowercase letters, digits, and hyphens allowed)`;
  if (name.startsWith('-') || name.endsWith('-')) return 'provider name cannot start or end with hyphen';
  return undefined;
}

/** processExtensionProvider: the ext_authz providers by name (other kinds of provider are not listed). */
export function resolveExtAuthzProviders(
  mesh: MeshConfig | undefined,
  registry: HostRegistry,
): Map<string, ResolvedProvider> {
  const out = new Map<string, ResolvedProvider>();
  for (const [i, p] of (Array.isArray(mesh?.extensionProviders) ? mesh.extensionProviders : []).entries()) {
    if (!p || typeof p !== 'object') continue;
    const name = typeof p.name === 'string' ? p.name : '';
    const errors: string[] = [];
    if (!name) errors.push(`extension provider name must not be empty, found empty at index: ${i}`);
    else if (out.has(name)) errors.push(`extension provider name must be unique, found duplicate: ${name}`);
    const nameError = name ? providerNameError(name) : undefined;
    if (nameError) errors.push(`invalid provider name "${name}": ${nameError}`);
    const kind = p.envoyExtAuthzHttp ? 'http' : p.envoyExtAuthzGrpc ? 'grpc' : undefined;
    if (!kind) continue;
    const built = build((p.envoyExtAuthzHttp ?? p.envoyExtAuthzGrpc)!, kind, registry);
    if (built.error) errors.push(`failed to parse extension provider "${name}": ${built.error}`);
    out.set(name, errors.length ? { kind, error: errors.join('; ') } : built);
  }
  return out;
}

/** generateFilterMatcherForProvider: ext_authz runs when the CUSTOM rbac filter's shadow rules matched this provider's policy. */
export function extAuthzFilter(provider: string, resolved: ResolvedProvider): Filter {
  return {
    name: EXT_AUTHZ_HTTP_FILTER,
    typedConfig: {
      ...resolved.typedConfig,
      filterEnabledMetadata: {
        filter: RBAC_FILTER,
        path: [{ key: `${EXT_AUTHZ_SHADOW_PREFIX}shadow_effective_policy_id` }],
        value: { stringMatch: { prefix: `${EXT_AUTHZ_POLICY_PREFIX}-${provider}` } },
      },
    },
  };
}
