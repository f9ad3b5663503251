// The checks Istio's validation webhook makes on security.istio.io objects beyond the CRD schema, after
// pkg/config/validation (validation.go ValidateAuthorizationPolicy, ValidateRequestAuthentication, validateJwtRule,
// validateOneOfSelectorType, validateWorkloadSelector, validatePolicyTargetReference) and pkg/config/security
// (ValidateAttribute, ValidateIPs, ValidatePorts, CheckEmptyValues, CheckServiceAccount, CheckValidPathTemplate).
// Messages are Istio's own words, each on the field at fault. Warnings (a DENY rule of HTTP attributes only) are
// not refusals and are left out.
import type { YamlPath } from '../model';
import { parseCidr, parseIp } from '../../envoy/ip';
import type { Violation } from '../../schema/openApi';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** security.ValidateIPs: each value an address or a CIDR range as Go's netip parses them (one error per bad value). */
function ipErrors(values: string[]): string[] {
  return values.flatMap((v) => {
    if (!v.includes('/')) return parseIp(v) ? [] : [`bad IP address (${v})`];
    if (parseCidr(v)) return [];
    const addr = v.slice(0, v.indexOf('/'));
    const why = parseIp(addr) ? 'prefix length out of range' : `ParseAddr("${addr}"): unable to parse IP`;
    return [`bad CIDR range (${v}): netip.ParsePrefix("${v}"): ${why}`];
  });
}

/** security.ValidatePorts: strconv.ParseUint's error, or <nil> when the number parses but exceeds 65535 (one per bad value). */
function portErrors(values: string[]): string[] {
  return values.flatMap((p) => {
    if (!/^\d+$/.test(p)) return [`bad port (${p}): strconv.ParseUint: parsing "${p}": invalid syntax`];
    if (p.length > 10 || Number(p) > 4294967295)
      return [`bad port (${p}): strconv.ParseUint: parsing "${p}": value out of range`];
    return Number(p) > 65535 ? [`bad port (${p}): <nil>`] : [];
  });
}

/** A multierror inside fmt's %v (ValidateAttribute's result), flattened to one line. */
const oneLine = (errs: string[]) => (errs.length ? errs.join('; ') : undefined);

const emptyError = (key: string, values: string[]) =>
  values.some((v) => v === '') ? `empty value not allowed, found in ${key}` : undefined;

/** security.CheckServiceAccount */
function serviceAccountError(key: string, values: string[]): string | undefined {
  if (values.length > 16) return 'may not have more than 16 values';
  for (const v of values) {
    if (v === '') return `empty value not allowed, found in ${key}`;
    if (v.includes('*')) return `wildcard not allowed, found in ${key}`;
    const slashes = v.split('/').length - 1;
    if (slashes > 1) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${v}" in ${key}`;
    if (v.length > 320) return `value cannot exceed 320 characters, found "${v}" in ${key}`;
    const [ns, sa] = v.split('/');
    if (slashes === 1 && !ns)
      return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace "${v}" in ${key}`;
    if (slashes === 1 && !sa)
      return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount "${v}" in ${key}`;
  }
  return undefined;
}

/** security.CheckWildcardValues, then no '/' (CheckTrustDomainValues). */
function trustDomainError(key: string, values: string[]): string | undefined {
  const empty = emptyError(key, values);
  if (empty) return empty;
  for (const v of values) {
    const n = v.split('*').length - 1;
    if (n > 1) return `at most one wildcard is allowed, found in ${key}: "${v}"`;
    if (n === 1 && v !== '*' && !v.startsWith('*') && !v.endsWith('*'))
      return `wildcard is only allowed at the start or end, found in ${key}: "${v}"`;
    if (v.includes('/')) return `trust domain must not contain '/', found in ${key}: "${v}"`;
  }
  return undefined;
}

/** security.CheckValidPathTemplate: `{*}` and a last `{**}` only, whole segments, literal segments around them. */
function pathTemplateError(key: string, paths: string[]): string | undefined {
  for (const raw of paths) {
    const template = raw.includes('{*}') || raw.includes('{**}');
    const path = raw.replace(/^\/+|\/+$/g, '');
    let any = false;
    for (const glob of path.split('/')) {
      if (glob === '{*}' && !any) continue;
      if (glob === '{**}' && !any) {
        any = true;
        continue;
      }
      if ((glob === '{*}' || glob === '{**}') && any)
        return `invalid or unsupported path ${path}, found in ${key}. {**} is not the last operator`;
      if (/[{}]/.test(glob))
        return `invalid or unsupported path ${path}, found in ${key}. Contains '{' or '}' beyond a supported path template`;
      if (template && !/^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/.test(glob))
        return `invalid or unsupported path ${path}, found in ${key}. Contains segment ${glob} with invalid string literal`;
    }
  }
  return undefined;
}

const mapKeyError = (key: string) => {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2
    ? undefined
    : `bad key (${key}): should have format a[b]`;
};

/** security.ValidateAttribute: what a `when` key may be and what its values must look like. */
function attributeError(key: string, values: string[]): string | undefined {
  const empty = emptyError(key, values);
  if (empty) return empty;
  if (key.startsWith('request.headers')) return mapKeyError(key);
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      return oneLine(ipErrors(values));
    case 'source.serviceAccount':
      return serviceAccountError(key, values);
    case 'source.trustDomain':
      return trustDomainError(key, values);
    case 'destination.port':
      return oneLine(portErrors(values));
    case 'source.namespace':
    case 'source.principal':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
    case 'connection.sni':
      return undefined;
    case 'destination.namespace':
      return `attribute ${key} is replaced by the metadata.namespace`;
    case 'destination.name':
    case 'destination.user':
      return `deprecated attribute ${key}: only supported in v1alpha1`;
  }
  if (key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) return mapKeyError(key);
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  return `unknown attribute: ${key}`;
}

const ALLOWED_TARGETS = [
  'core/Service',
  'networking.istio.io/ServiceEntry',
  'gateway.networking.k8s.io/Gateway',
  'gateway.networking.k8s.io/GatewayClass',
];

/** validateOneOfSelectorType, validateWorkloadSelector, validatePolicyTargetReference(s): shared by both kinds. */
function selectionErrors(spec: Obj, out: Violation[]) {
  const set = [
    spec.selector !== undefined,
    spec.targetRef !== undefined,
    Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0,
  ];
  if (set.filter(Boolean).length > 1)
    out.push({ path: ['spec', 'targetRefs'], message: 'only one of targetRefs or workloadSelector can be set' });
  const labels = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  for (const [k, v] of Object.entries(labels)) {
    const at: YamlPath = ['spec', 'selector', 'matchLabels', k];
    if (k === '') out.push({ path: at, message: `empty key is not supported in selector: "${k}=${String(v)}"` });
    if (k.includes('*') || String(v).includes('*'))
      out.push({ path: at, message: `wildcard is not supported in selector: "${k}=${String(v)}"` });
  }
  const refs: [YamlPath, unknown][] = [
    ...(spec.targetRef !== undefined ? [[['spec', 'targetRef'], spec.targetRef] as [YamlPath, unknown]] : []),
    ...(Array.isArray(spec.targetRefs)
      ? spec.targetRefs.map((r, i) => [['spec', 'targetRefs', i], r] as [YamlPath, unknown])
      : []),
  ];
  for (const [at, r] of refs) {
    if (!isObj(r)) continue;
    if (!r.name) out.push({ path: [...at, 'name'], message: 'targetRef name must be set' });
    if (r.namespace)
      out.push({
        path: [...at, 'namespace'],
        message: 'targetRef namespace must not be set; cross namespace referencing is not supported',
      });
    const rawGroup = typeof r.group === 'string' ? r.group : '';
    const kind = typeof r.kind === 'string' ? r.kind : '';
    if (!ALLOWED_TARGETS.includes(`${rawGroup || 'core'}/${kind}`))
      out.push({
        path: [...at, 'kind'],
        message: `targetRef must be to one of Service, ServiceEntry, Gateway (gateway.networking.k8s.io), GatewayClass but was ${rawGroup}/${kind}`,
      });
  }
}

const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
] as const;
const OPERATION_FIELDS = [
  'ports',
  'methods',
  'paths',
  'hosts',
  'notPorts',
  'notMethods',
  'notPaths',
  'notHosts',
] as const;
/** A sink that prefixes each message. */
const prefixed = (sink: Violation[], prefix: string): Violation[] =>
  ({
    push: (...vs: Violation[]) => sink.push(...vs.map((v) => ({ ...v, message: prefix + v.message }))),
  }) as Violation[];
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** ValidateAuthorizationPolicy: every refusal, each on the field it is about. */
export function authorizationPolicyRules(spec: Obj, name: string, namespace: string, sink: Violation[]) {
  // Istio prefixes every refusal with the policy (multierror.Prefix in ValidateAuthorizationPolicy)
  const out = prefixed(sink, `invalid policy ${name}.${namespace}: `);
  selectionErrors(spec, out);
  const action = typeof spec.action === 'string' ? spec.action : 'ALLOW';
  // Go reads `rules: []` as a nil list: refused like no rules at all
  const rules = Array.isArray(spec.rules) && spec.rules.length ? spec.rules : undefined;
  const provider = isObj(spec.provider) ? spec.provider : undefined;
  if (action === 'CUSTOM') {
    if (!rules)
      out.push({
        path: ['spec', 'rules'],
        message:
          'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
      });
    else if (!provider || !provider.name)
      out.push({ path: ['spec', 'provider'], message: '`provider.name` must not be empty' });
    for (const [i, rule] of (rules ?? []).entries()) {
      if (!isObj(rule)) continue;
      for (const [j, from] of (Array.isArray(rule.from) ? rule.from : []).entries()) {
        const src = isObj(from) && isObj(from.source) ? from.source : undefined;
        for (const f of [
          'namespaces',
          'notNamespaces',
          'serviceAccounts',
          'notServiceAccounts',
          'trustDomains',
          'notTrustDomains',
          'principals',
          'notPrincipals',
          'requestPrincipals',
          'notRequestPrincipals',
        ])
          if (src && strings(src[f]).length)
            out.push({
              path: ['spec', 'rules', i, 'from', j, 'source', f],
              message: `From.${cap(f)} is currently not supported with CUSTOM action`,
            });
      }
      for (const [j, when] of (Array.isArray(rule.when) ? rule.when : []).entries()) {
        const key = isObj(when) && typeof when.key === 'string' ? when.key : '';
        if (
          ['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal'].includes(key) ||
          key.startsWith('request.auth.')
        )
          out.push({
            path: ['spec', 'rules', i, 'when', j, 'key'],
            message: `${key} is currently not supported with CUSTOM action`,
          });
      }
    }
  }
  if (provider && action !== 'CUSTOM')
    out.push({
      path: ['spec', 'provider'],
      message: `\`provider\` must not be with non CUSTOM action, found ${action}`,
    });
  if (action === 'DENY' && !rules)
    out.push({
      path: ['spec', 'rules'],
      message:
        'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    });
  for (const [i, rule] of (rules ?? []).entries()) {
    const at: YamlPath = ['spec', 'rules', i];
    if (!isObj(rule)) {
      out.push({ path: at, message: `\`rule\` must not be nil, found at rule ${i}` });
      continue;
    }
    if (Array.isArray(rule.from) && rule.from.length === 0)
      out.push({ path: [...at, 'from'], message: `\`from\` must not be empty, found at rule ${i}` });
    for (const [j, from] of (Array.isArray(rule.from) ? rule.from : []).entries()) {
      const fat: YamlPath = [...at, 'from', j];
      if (!isObj(from)) {
        out.push({ path: fat, message: `\`from\` must not be nil, found at rule ${i}` });
        continue;
      }
      if (!isObj(from.source)) {
        out.push({ path: [...fat, 'source'], message: `\`from.source\` must not be nil, found at rule ${i}` });
        continue;
      }
      const src = from.source;
      const sat: YamlPath = [...fat, 'source'];
      const n = (f: string) => strings(src[f]).length;
      if (
        n('principals') + n('notPrincipals') + n('namespaces') + n('notNamespaces') > 0 &&
        n('serviceAccounts') + n('notServiceAccounts') > 0
      )
        out.push({
          path: [...sat, 'serviceAccounts'],
          message: `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`,
        });
      if (SOURCE_FIELDS.every((f) => n(f) === 0))
        out.push({ path: sat, message: `\`from.source\` must not be empty, found at rule ${i}` });
      for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) {
        for (const e of [...ipErrors(strings(src[f])), emptyError(cap(f), strings(src[f])) ?? []].flat())
          out.push({ path: [...sat, f], message: e });
      }
      for (const f of [
        'principals',
        'requestPrincipals',
        'namespaces',
        'notPrincipals',
        'notRequestPrincipals',
        'notNamespaces',
      ]) {
        const e = emptyError(cap(f), strings(src[f]));
        if (e) out.push({ path: [...sat, f], message: e });
      }
      for (const f of ['serviceAccounts', 'notServiceAccounts']) {
        const e = src[f] !== undefined ? serviceAccountError(cap(f), strings(src[f])) : undefined;
        if (e) out.push({ path: [...sat, f], message: e });
      }
      for (const f of ['trustDomains', 'notTrustDomains']) {
        const e = trustDomainError(cap(f), strings(src[f]));
        if (e) out.push({ path: [...sat, f], message: e });
      }
    }
    if (Array.isArray(rule.to) && rule.to.length === 0)
      out.push({ path: [...at, 'to'], message: `\`to\` must not be empty, found at rule ${i}` });
    for (const [j, to] of (Array.isArray(rule.to) ? rule.to : []).entries()) {
      const tat: YamlPath = [...at, 'to', j];
      if (!isObj(to)) {
        out.push({ path: tat, message: `\`to\` must not be nil, found at rule ${i}` });
        continue;
      }
      if (!isObj(to.operation)) {
        out.push({ path: [...tat, 'operation'], message: `\`to.operation\` must not be nil, found at rule ${i}` });
        continue;
      }
      const op = to.operation;
      const oat: YamlPath = [...tat, 'operation'];
      if (OPERATION_FIELDS.every((f) => strings(op[f]).length === 0))
        out.push({ path: oat, message: `\`to.operation\` must not be empty, found at rule ${i}` });
      for (const f of OPERATION_FIELDS) {
        const vals = strings(op[f]);
        const errs = [
          ...(f === 'ports' || f === 'notPorts' ? portErrors(vals) : []),
          emptyError(cap(f), vals),
          f === 'paths' || f === 'notPaths' ? pathTemplateError(cap(f), vals) : undefined,
        ];
        for (const e of errs) if (e) out.push({ path: [...oat, f], message: e });
      }
    }
    for (const [j, when] of (Array.isArray(rule.when) ? rule.when : []).entries()) {
      const wat: YamlPath = [...at, 'when', j];
      const key = isObj(when) && typeof when.key === 'string' ? when.key : '';
      if (!isObj(when)) continue;
      if (key === '') {
        out.push({ path: [...wat, 'key'], message: '`key` must not be empty' });
        continue;
      }
      const values = strings(when.values);
      const notValues = strings(when.notValues);
      if (!values.length && !notValues.length) {
        out.push({ path: wat, message: `at least one of \`values\` or \`notValues\` must be set for key ${key}` });
        continue;
      }
      const ev = attributeError(key, values);
      if (ev) out.push({ path: [...wat, 'values'], message: `invalid \`value\` for \`key\` ${key}: ${ev}` });
      const en = attributeError(key, notValues);
      if (en) out.push({ path: [...wat, 'notValues'], message: `invalid \`notValue\` for \`key\` ${key}: ${en}` });
    }
  }
}

/** security.ParseJwksURI: an http(s) URL with a host (the port defaults by scheme). */
function jwksUriError(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `invalid jwks uri: parse "${uri}": not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return `URI scheme "${u.protocol.replace(/:$/, '')}" is not supported`;
  return undefined;
}

/** ValidateRequestAuthentication and validateJwtRule (the JWKS is checked to be JSON with keys, not each key's maths). */
export function requestAuthenticationRules(spec: Obj, out: Violation[]) {
  selectionErrors(spec, out);
  for (const [i, rule] of (Array.isArray(spec.jwtRules) ? spec.jwtRules : []).entries()) {
    if (!isObj(rule)) continue;
    const at: YamlPath = ['spec', 'jwtRules', i];
    for (const [j, a] of strings(rule.audiences).entries())
      if (a === '') out.push({ path: [...at, 'audiences', j], message: 'audience must be non-empty string' });
    if (!rule.issuer && !rule.jwksUri)
      out.push({ path: [...at, 'issuer'], message: 'issuer or jwksUri must be non-empty string' });
    if (typeof rule.jwksUri === 'string' && rule.jwksUri) {
      const e = jwksUriError(rule.jwksUri);
      if (e) out.push({ path: [...at, 'jwksUri'], message: e });
    }
    if (typeof rule.jwks === 'string' && rule.jwks) {
      let keys: unknown;
      try {
        keys = (JSON.parse(rule.jwks) as { keys?: unknown }).keys;
      } catch (e) {
        out.push({ path: [...at, 'jwks'], message: `jwks parse error: ${(e as Error).message}` });
        continue;
      }
      if (!Array.isArray(keys)) out.push({ path: [...at, 'jwks'], message: 'jwks parse error: no "keys" array' });
    }
    for (const [j, h] of (Array.isArray(rule.fromHeaders) ? rule.fromHeaders : []).entries())
      if (!isObj(h) || !h.name)
        out.push({ path: [...at, 'fromHeaders', j, 'name'], message: 'location header name must be non-empty string' });
  }
}
