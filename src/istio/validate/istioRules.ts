// The checks Istio's validation webhook makes beyond the CRD schema, after pkg/config/validation
// (validation.go ValidateGateway / ValidateDestinationRule, virtualservice.go validateHTTPRoute) and
// pkg/config/validation/agent (ValidatePort, ValidateWildcardDomain). Messages are Istio's own words.
// They run only on objects whose shape the schema check passed, so fields have their declared types.
import type { YamlPath } from '../model';
import { re2SyntaxError } from '../../envoy/re2';
import { goDurationNanos } from '../../schema/goDuration';
import type { Violation } from '../../schema/openApi';
import { isValidCipherSuite } from '../serverTls';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// Istio's labels package (pkg/config/labels/instance.go) accepts upper case, unlike Kubernetes' own names.
const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
export const isDns1123Label = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const isWildcardLabel = (s: string) => s.length <= 63 && WILDCARD_LABEL.test(s);

function isIP(s: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s)) return true;
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && s.split('::').length <= 2;
}

function dnsLabelsError(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts.at(-1) ?? '';
  if (/^\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (const [i, label] of parts.entries()) {
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDns1123Label(label)) return `domain name "${domain}" invalid (label "${label}" invalid)`;
  }
  return undefined;
}

/** agent.ValidateWildcardDomain */
export function wildcardDomainError(domain: string): string | undefined {
  if (domain.length > 255) return `domain name "${domain.slice(0, 40)}…" too long (max 255)`;
  if (domain.length === 0) return 'empty domain name not allowed';
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardLabel(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? undefined : dnsLabelsError(domain.slice(dot + 1));
}

const portError = (n: unknown): string | undefined =>
  typeof n === 'number' && n >= 1 && n <= 65535 ? undefined : `port number ${String(n)} must be in the range 1..65535`;

/** A Go duration Istio accepts (ValidateDuration): at least 1ms, whole milliseconds. */
function durationError(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const nanos = goDurationNanos(v);
  const ms = nanos === undefined ? undefined : nanos / 1e6;
  if (ms === undefined) return `"${v}" is not a duration (write e.g. 10s, 500ms or 1m30s)`;
  if (ms < 1) return 'duration must be greater than 1ms';
  if (Math.abs(ms - Math.round(ms)) > 1e-9) return 'only durations to ms precision are supported';
  return undefined;
}

function regexError(re: string, where: string): string | undefined {
  if (re.length > 1024) return `"${where}": regex is too large, max length allowed is 1024`;
  const err = re2SyntaxError(re);
  return err
    ? `"${where}": error parsing regexp: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`
    : undefined;
}

function stringMatchErrors(sm: unknown, where: string, allowEmptyPrefix: boolean): string | undefined {
  if (!isObj(sm)) return undefined;
  if (sm.prefix !== undefined && sm.prefix === '' && !allowEmptyPrefix)
    return `"${where}": prefix string match should not be empty`;
  if (typeof sm.regex === 'string') {
    if (sm.regex === '') return `"${where}": regex string match should not be empty`;
    return regexError(sm.regex, where);
  }
  return undefined;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function gatewayNameErrors(names: unknown[], at: YamlPath, out: Violation[]) {
  names.forEach((g, i) => {
    if (typeof g !== 'string') return;
    const parts = g.split('/');
    if (parts.length < 2) {
      if (g !== 'mesh') {
        const e = dnsLabelsError(g);
        if (e || g.length === 0) out.push({ path: [...at, i], message: e ?? 'empty gateway name not allowed' });
      }
      return;
    }
    const [ns, name] = [parts[0], parts.slice(1).join('/')];
    if (!ns || !name) out.push({ path: [...at, i], message: 'config namespace and gateway name cannot be empty' });
    else if (!isDns1123Label(ns)) out.push({ path: [...at, i], message: `invalid value for namespace: "${ns}"` });
    else if (!isDns1123Label(name))
      out.push({ path: [...at, i], message: `invalid value for gateway name: "${name}"` });
  });
}

function destinationErrors(d: unknown, at: YamlPath, out: Violation[]) {
  if (!isObj(d)) return;
  const host = str(d.host);
  if (host === undefined || host === '') out.push({ path: at, message: 'destination.host is required' });
  else if (host === '*') out.push({ path: [...at, 'host'], message: `invalid destination host ${host}` });
  else {
    const e = wildcardDomainError(host);
    if (e) out.push({ path: [...at, 'host'], message: e });
  }
  if (typeof d.subset === 'string' && !isDns1123Label(d.subset))
    out.push({
      path: [...at, 'subset'],
      message: d.subset === '' ? 'subset name cannot be empty' : `subset name is invalid: ${d.subset}`,
    });
  if (isObj(d.port) && d.port.number !== undefined) {
    const e = portError(d.port.number);
    if (e) out.push({ path: [...at, 'port', 'number'], message: e });
  }
}

function httpRouteErrors(h: Obj, at: YamlPath, isDelegateVS: boolean, out: Violation[]) {
  const route = list(h.route);
  const has = (k: string) => h[k] !== undefined && h[k] !== null;
  if (has('delegate') && !isDelegateVS) {
    if (has('redirect'))
      out.push({ path: at, message: `root HTTP route ${str(h.name) ?? ''} must not specify redirect` });
    if (has('route')) out.push({ path: at, message: `root HTTP route ${str(h.name) ?? ''} must not specify route` });
  } else {
    if (isDelegateVS && has('delegate'))
      out.push({ path: [...at, 'delegate'], message: 'delegate HTTP route cannot contain delegate' });
    if (has('redirect')) {
      if (route.length) out.push({ path: at, message: 'HTTP route cannot contain both route and redirect' });
      if (has('fault')) out.push({ path: at, message: 'HTTP route cannot contain both fault and redirect' });
      if (has('rewrite')) out.push({ path: at, message: 'HTTP route rule cannot contain both rewrite and redirect' });
      if (has('directResponse'))
        out.push({ path: at, message: 'HTTP route rule cannot contain both direct_response and redirect' });
    } else if (has('directResponse')) {
      if (route.length) out.push({ path: at, message: 'HTTP route cannot contain both route and direct_response' });
      if (has('fault')) out.push({ path: at, message: 'HTTP route cannot contain both fault and direct_response' });
      if (has('rewrite'))
        out.push({ path: at, message: 'HTTP route rule cannot contain both rewrite and direct_response' });
    } else if (!route.length) out.push({ path: at, message: 'HTTP route, redirect or direct_response is required' });
  }
  if (has('mirror') && list(h.mirrors).length)
    out.push({ path: at, message: 'HTTP route cannot contain both mirror and mirrors' });

  list(h.match).forEach((m, j) => {
    if (!isObj(m)) return;
    const mp = [...at, 'match', j];
    for (const key of ['headers', 'withoutHeaders'] as const) {
      if (!isObj(m[key])) continue;
      for (const [name, sm] of Object.entries(m[key])) {
        if (!HEADER_NAME.test(name) && !name.startsWith('@request.auth.claims'))
          out.push({ path: [...mp, key, name], message: `invalid header name "${name.slice(0, 60)}"` });
        if (key === 'withoutHeaders' && isObj(sm) && sm.regex === '*') continue;
        const e = stringMatchErrors(sm, key, false);
        if (e) out.push({ path: [...mp, key, name], message: e });
      }
    }
    const uriErr = isObj(m.uri) && typeof m.uri.regex === 'string' ? stringMatchErrors(m.uri, 'uri', true) : undefined;
    if (uriErr) out.push({ path: [...mp, 'uri'], message: uriErr });
    for (const key of ['scheme', 'method', 'authority'] as const) {
      const e = stringMatchErrors(m[key], key, false);
      if (e) out.push({ path: [...mp, key], message: e });
    }
    if (isObj(m.queryParams)) {
      for (const [name, sm] of Object.entries(m.queryParams)) {
        const e = stringMatchErrors(sm, 'queryParams', false);
        if (e) out.push({ path: [...mp, 'queryParams', name], message: e });
      }
    }
    if (m.port !== undefined && m.port !== 0) {
      const e = portError(m.port);
      if (e) out.push({ path: [...mp, 'port'], message: e });
    }
    if (Array.isArray(m.gateways)) gatewayNameErrors(m.gateways, [...mp, 'gateways'], out);
    if (typeof m.sourceNamespace === 'string' && m.sourceNamespace !== '' && !isDns1123Label(m.sourceNamespace)) {
      out.push({ path: [...mp, 'sourceNamespace'], message: `sourceNamespace match ${m.sourceNamespace} is invalid` });
    }
  });

  let total = 0;
  route.forEach((r, k) => {
    if (!isObj(r)) return;
    const rp = [...at, 'route', k];
    if (!isObj(r.destination)) out.push({ path: rp, message: 'destination is required' });
    else destinationErrors(r.destination, [...rp, 'destination'], out);
    const w = typeof r.weight === 'number' ? r.weight : 0;
    if (w < 0) out.push({ path: [...rp, 'weight'], message: `weight ${w} < 0` });
    total += w;
  });
  if (route.length > 1 && total === 0) out.push({ path: [...at, 'route'], message: 'total destination weight = 0' });

  if (has('mirror')) destinationErrors(h.mirror, [...at, 'mirror'], out);
  list(h.mirrors).forEach(
    (mi, k) => isObj(mi) && destinationErrors(mi.destination, [...at, 'mirrors', k, 'destination'], out),
  );
  if (isObj(h.mirrorPercentage) && typeof h.mirrorPercentage.value === 'number') {
    const v = h.mirrorPercentage.value;
    if (v > 100)
      out.push({
        path: [...at, 'mirrorPercentage', 'value'],
        message: `mirror_percentage must have a max value of 100 (it has ${v})`,
      });
    if (v < 0)
      out.push({
        path: [...at, 'mirrorPercentage', 'value'],
        message: `mirror_percentage must have a min value of 0 (it has ${v})`,
      });
  }
  if (isObj(h.redirect)) {
    const r = h.redirect;
    const rp = [...at, 'redirect'];
    if (r.uri && r.prefixRewrite)
      out.push({ path: rp, message: 'redirect may only specify one of uri or prefix_rewrite' });
    if (!r.uri && !r.prefixRewrite && !r.authority && r.port === undefined && r.derivePort === undefined && !r.scheme)
      out.push({ path: rp, message: 'redirect must specify URI, authority, scheme, or port' });
    if (typeof r.redirectCode === 'number' && r.redirectCode !== 0 && (r.redirectCode < 300 || r.redirectCode > 399))
      out.push({
        path: [...rp, 'redirectCode'],
        message: `${r.redirectCode} is not a valid redirect code, must be 3xx`,
      });
    if (typeof r.scheme === 'string' && r.scheme !== '' && r.scheme !== 'http' && r.scheme !== 'https')
      out.push({ path: [...rp, 'scheme'], message: 'invalid redirect scheme, must be "http" or "https"' });
    if (typeof r.port === 'number' && r.port > 0 && portError(r.port))
      out.push({ path: [...rp, 'port'], message: portError(r.port)! });
  }
  if (isObj(h.directResponse) && typeof h.directResponse.status === 'number') {
    const s = h.directResponse.status;
    if (s < 200 || s > 599)
      out.push({ path: [...at, 'directResponse', 'status'], message: `status ${s} must be in the range 200-599` });
  }
  if (isObj(h.retries)) {
    const r = h.retries;
    if (typeof r.attempts === 'number' && r.attempts < 0)
      out.push({ path: [...at, 'retries', 'attempts'], message: 'attempts cannot be negative' });
    for (const k of ['perTryTimeout', 'backoff'] as const) {
      const e = durationError(r[k]);
      if (e) out.push({ path: [...at, 'retries', k], message: e });
    }
  }
  if (isObj(h.rewrite)) {
    const rw = h.rewrite;
    if (rw.uri && isObj(rw.uriRegexRewrite))
      out.push({ path: [...at, 'rewrite'], message: 'rewrite may only contain one of URI or UriRegexRewrite' });
    if (!rw.uri && !isObj(rw.uriRegexRewrite) && !rw.authority)
      out.push({
        path: [...at, 'rewrite'],
        message:
          'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified',
      });
    if (isObj(rw.uriRegexRewrite)) {
      const { match, rewrite } = rw.uriRegexRewrite;
      if (!match || !rewrite)
        out.push({
          path: [...at, 'rewrite', 'uriRegexRewrite'],
          message: 'UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified',
        });
      else if (typeof match === 'string') {
        const e = regexError(match, 'HTTPRewrite.UriRegexRewrite.Match');
        if (e)
          out.push({
            path: [...at, 'rewrite', 'uriRegexRewrite', 'match'],
            message: `UriRegexRewrite has errors: ${e}`,
          });
      }
    }
  }
  const te = durationError(h.timeout);
  if (te) out.push({ path: [...at, 'timeout'], message: te });
}

export function virtualServiceRules(spec: Obj, namespace: string, out: Violation[]) {
  const hosts = list(spec.hosts).filter((h): h is string => typeof h === 'string');
  const gateways = list(spec.gateways);
  const isDelegate = hosts.length === 0;
  if (isDelegate && gateways.length)
    out.push({ path: ['spec', 'gateways'], message: 'delegate virtual service must have no gateways specified' });
  if (gateways.length) gatewayNameErrors(gateways, ['spec', 'gateways'], out);
  const appliesToMesh = gateways.length === 0 || gateways.includes('mesh');
  let allValid = true;
  hosts.forEach((h, i) => {
    const e = wildcardDomainError(h);
    if (e && !isIP(h)) {
      out.push({ path: ['spec', 'hosts', i], message: e });
      allValid = false;
    } else if (!e && appliesToMesh && h === '*') {
      out.push({
        path: ['spec', 'hosts', i],
        message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway',
      });
      allValid = false;
    }
  });
  if (allValid) {
    const norm = hosts.map((h) => h.toLowerCase());
    for (const [i, a] of norm.entries()) {
      for (const [j, b] of norm.entries()) {
        if (j > i && hostMatches(a, b))
          out.push({
            path: ['spec', 'hosts', j],
            message: `duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`,
          });
      }
    }
  }
  if (!list(spec.http).length && !list(spec.tcp).length && !list(spec.tls).length)
    out.push({ path: ['spec'], message: 'http, tcp or tls must be provided in virtual service' });
  list(spec.http).forEach((h, i) => {
    if (!isObj(h)) out.push({ path: ['spec', 'http', i], message: 'http route may not be null' });
    else httpRouteErrors(h, ['spec', 'http', i], isDelegate, out);
  });
  for (const key of ['tcp', 'tls'] as const) {
    list(spec[key]).forEach((r, i) => {
      if (!isObj(r)) return;
      if (key === 'tls' && !list(r.match).length)
        out.push({ path: ['spec', key, i], message: 'TLS route must have at least one match condition' });
      if (!list(r.route).length)
        out.push({ path: ['spec', key, i], message: `${key.toUpperCase()} route is required` });
      let total = 0;
      list(r.route).forEach((d, k) => {
        if (!isObj(d)) return;
        destinationErrors(d.destination, ['spec', key, i, 'route', k, 'destination'], out);
        const w = typeof d.weight === 'number' ? d.weight : 0;
        if (w < 0) out.push({ path: ['spec', key, i, 'route', k, 'weight'], message: `weight ${w} < 0` });
        total += w;
      });
      if (list(r.route).length > 1 && total === 0)
        out.push({ path: ['spec', key, i, 'route'], message: 'total destination weight = 0' });
      list(r.match).forEach((m, j) => {
        if (isObj(m) && m.port !== undefined && m.port !== 0 && portError(m.port))
          out.push({ path: ['spec', key, i, 'match', j, 'port'], message: portError(m.port)! });
      });
    });
  }
  exportToErrors(spec.exportTo, namespace, out);
}

/** host.Name.Matches: equal, or one wildcard covers the other. */
function hostMatches(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string) => w === '*' || (w.startsWith('*') && h.endsWith(w.slice(1)));
  return covers(a, b) || covers(b, a);
}

function exportToErrors(exportTo: unknown, namespace: string, out: Violation[]) {
  const seen = new Set<string>();
  list(exportTo).forEach((e, i) => {
    if (typeof e !== 'string') return;
    const key = e === '.' ? namespace : e;
    if (seen.has(key))
      out.push({
        path: ['spec', 'exportTo', i],
        message:
          e === '.' || e === namespace
            ? `duplicate entries in exportTo: . and current namespace ${namespace}`
            : `duplicate entries in exportTo for entry ${e}`,
      });
    seen.add(key);
    if (e !== '*' && e !== '.' && e !== '~' && !isDns1123Label(e))
      out.push({ path: ['spec', 'exportTo', i], message: `invalid namespace in exportTo: ${e}` });
  });
  if (seen.size > 1 && (seen.has('*') || seen.has('~')))
    out.push({
      path: ['spec', 'exportTo'],
      message: 'cannot have both public (*) or private (~) and specific namespaces in exportTo',
    });
}

const PROTOCOLS = new Set([
  'HTTP',
  'HTTPS',
  'GRPC',
  'GRPC-WEB',
  'HTTP2',
  'MONGO',
  'REDIS',
  'MYSQL',
  'TCP',
  'TLS',
  'UDP',
  'THRIFT',
  'HTTP_PROXY',
]);

export function gatewayRules(spec: Obj, name: string, out: Violation[]) {
  if (!isDns1123Label(name)) out.push({ path: ['metadata', 'name'], message: `invalid gateway name: "${name}"` });
  const servers = list(spec.servers);
  if (!servers.length) out.push({ path: ['spec'], message: 'gateway must have at least one server' });
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const at: YamlPath = ['spec', 'servers', i];
    if (!isObj(s)) {
      out.push({ path: at, message: 'server may not be null' });
      return;
    }
    const hosts = list(s.hosts);
    if (!hosts.length) out.push({ path: at, message: 'server config must contain at least one host' });
    hosts.forEach((h, k) => {
      if (typeof h !== 'string') return;
      const slash = h.indexOf('/');
      const ns = slash < 0 ? undefined : h.slice(0, slash);
      const dns = slash < 0 ? h : h.slice(slash + 1);
      if (ns !== undefined && (!ns || !dns))
        out.push({ path: [...at, 'hosts', k], message: 'config namespace and dnsName in host entry cannot be empty' });
      else if (ns !== undefined && ns !== '*' && ns !== '.' && !isDns1123Label(ns))
        out.push({ path: [...at, 'hosts', k], message: `invalid namespace value "${ns}" in gateway` });
      else if (dns !== '*') {
        const e = wildcardDomainError(dns);
        if (e && !isIP(dns)) out.push({ path: [...at, 'hosts', k], message: e });
      }
    });
    const port = s.port;
    if (!isObj(port)) {
      out.push({ path: at, message: 'port is required' });
      return;
    }
    const proto = str(port.protocol)?.toUpperCase() ?? '';
    if (!PROTOCOLS.has(proto))
      out.push({
        path: [...at, 'port', 'protocol'],
        message: `invalid protocol "${str(port.protocol) ?? ''}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
      });
    const bind = str(s.bind) ?? '';
    if ((typeof port.number === 'number' && port.number > 0) || !bind.startsWith('unix://')) {
      const e = portError(port.number);
      if (e) out.push({ path: [...at, 'port', 'number'], message: e });
    }
    if (typeof port.targetPort === 'number' && port.targetPort > 0)
      out.push({ path: [...at, 'port', 'targetPort'], message: 'targetPort has no impact on Gateways' });
    const pname = str(port.name) ?? '';
    if (pname === '') out.push({ path: [...at, 'port', 'name'], message: 'port name must be set' });
    else if (portNames.has(pname))
      out.push({
        path: [...at, 'port', 'name'],
        message: `port names in servers must be unique: duplicate name ${pname}`,
      });
    portNames.add(pname);
    if (bind && !bind.startsWith('unix://') && !isIP(bind))
      out.push({ path: [...at, 'bind'], message: `${bind} is not a valid IP` });
    const tls = s.tls;
    const isTLSProto = proto === 'HTTPS' || proto === 'TLS';
    if (PROTOCOLS.has(proto)) {
      if (isTLSProto && !isObj(tls))
        out.push({ path: at, message: 'server must have TLS settings for HTTPS/TLS protocols' });
      else if (!isTLSProto && isObj(tls)) {
        const isHttp = ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(proto);
        // only an https redirect is allowed on an HTTP server: a passthrough mode (the default) and no certificates
        const passthrough = ['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(str(tls.mode) ?? 'PASSTHROUGH');
        if (!isHttp)
          out.push({ path: [...at, 'tls'], message: 'server cannot have TLS settings for non HTTPS/TLS ports' });
        else if (!passthrough || tls.caCertificates || tls.privateKey || tls.serverCertificate)
          out.push({ path: [...at, 'tls'], message: 'server cannot have TLS settings for plain text HTTP ports' });
      }
    }
    if (isObj(tls)) serverTlsErrors(tls, [...at, 'tls'], out);
  });
}

/**
 * validateTLSOptions's errors (its warnings, e.g. unknown cipher suites or httpsRedirect on a non-HTTP server, do not
 * refuse the object): ISTIO_MUTUAL takes no certificates of its own; one certificate source at most; without a
 * credentialName, SIMPLE needs a server certificate and key, MUTUAL and OPTIONAL_MUTUAL also caCertificates; a CRL
 * neither with SIMPLE nor with a credential.
 */
function serverTlsErrors(tls: Obj, at: YamlPath, out: Violation[]) {
  const mode = str(tls.mode) ?? 'PASSTHROUGH';
  const set = (k: string) => (Array.isArray(tls[k]) ? list(tls[k]).length > 0 : !!tls[k]);
  if (mode === 'ISTIO_MUTUAL') {
    const fields: [string, string][] = [
      ['serverCertificate', 'server certificate'],
      ['privateKey', 'private key'],
      ['caCertificates', 'CA bundle'],
      ['tlsCertificates', 'tlsCertificates'],
      ['credentialName', 'credentialName'],
      ['credentialNames', 'credentialNames'],
    ];
    for (const [k, what] of fields)
      if (set(k)) out.push({ path: [...at, k], message: `ISTIO_MUTUAL TLS cannot have associated ${what}` });
    return;
  }
  const sources =
    Number(set('serverCertificate') && set('privateKey')) +
    Number(set('credentialName')) +
    Number(set('credentialNames')) +
    Number(set('tlsCertificates'));
  if (sources > 1)
    out.push({
      path: at,
      message:
        'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified',
    });
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // with a credentialName the certificates (and the client CA) come from the Secret
  if (terminating && (set('credentialName') || set('credentialNames'))) return;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && !set('caCertificates'))
      out.push({ path: [...at, 'caCertificates'], message: `${prefix} requires a client CA bundle` });
    const certs = set('tlsCertificates')
      ? list(tls.tlsCertificates).map((c, i) => ({ c: isObj(c) ? c : {}, path: [...at, 'tlsCertificates', i] }))
      : [{ c: tls, path: at }];
    for (const { c, path } of certs) {
      if (!str(c.serverCertificate))
        out.push({ path: [...path, 'serverCertificate'], message: `${prefix} requires a server certificate` });
      if (!str(c.privateKey)) out.push({ path: [...path, 'privateKey'], message: `${prefix} requires a private key` });
    }
  }
  if (set('caCrl')) {
    if (set('credentialName'))
      out.push({
        path: [...at, 'caCrl'],
        message: 'CRL is not supported with credentialName. CRL has to be specified in the credential',
      });
    if (mode === 'SIMPLE') out.push({ path: [...at, 'caCrl'], message: 'CRL is not supported with SIMPLE TLS' });
  }
}

export function destinationRuleRules(spec: Obj, namespace: string, out: Violation[]) {
  const host = str(spec.host);
  if (!host) out.push({ path: ['spec'], message: 'host is required' });
  else {
    const e = wildcardDomainError(host);
    if (e) out.push({ path: ['spec', 'host'], message: e });
  }
  const names = new Set<string>();
  list(spec.subsets).forEach((s, i) => {
    if (!isObj(s)) return;
    const n = str(s.name) ?? '';
    if (!n) out.push({ path: ['spec', 'subsets', i], message: 'subset name cannot be empty' });
    else if (!isDns1123Label(n))
      out.push({ path: ['spec', 'subsets', i, 'name'], message: `subset name is invalid: ${n}` });
    if (n && names.has(n)) out.push({ path: ['spec', 'subsets', i, 'name'], message: `duplicate subset names: ${n}` });
    names.add(n);
  });
  const pls = (tp: unknown, at: YamlPath) => {
    if (!isObj(tp)) return;
    if (isObj(tp.tls)) clientTlsErrors(tp.tls, [...at, 'tls'], out);
    list(tp.portLevelSettings).forEach((p, i) => {
      if (!isObj(p)) return;
      if (isObj(p.tls)) clientTlsErrors(p.tls, [...at, 'portLevelSettings', i, 'tls'], out);
      if (!isObj(p.port))
        out.push({ path: [...at, 'portLevelSettings', i], message: 'portTrafficPolicy must have valid port' });
      else if (portError(p.port.number))
        out.push({ path: [...at, 'portLevelSettings', i, 'port', 'number'], message: portError(p.port.number)! });
    });
  };
  pls(spec.trafficPolicy, ['spec', 'trafficPolicy']);
  list(spec.subsets).forEach((s, i) => isObj(s) && pls(s.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy']));
  exportToErrors(spec.exportTo, namespace, out);
}

/**
 * agent.ValidateTLS for a DestinationRule's tls: insecureSkipVerify excludes a CA (and SANs); a credentialName
 * excludes certificate files; MUTUAL without a credentialName needs clientCertificate and privateKey.
 */
function clientTlsErrors(tls: Obj, at: YamlPath, out: Violation[]) {
  const mode = str(tls.mode) ?? 'DISABLE';
  const set = (k: string) => (Array.isArray(tls[k]) ? true : !!tls[k]);
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (set('caCertificates') || set('credentialName') || set('subjectAltNames')))
      out.push({
        path: [...at, 'insecureSkipVerify'],
        message:
          'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
      });
    if (mode === 'MUTUAL' && (set('caCertificates') || set('subjectAltNames')))
      out.push({
        path: [...at, 'insecureSkipVerify'],
        message: 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true',
      });
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && set('credentialName')) {
    if (set('clientCertificate') || set('caCertificates') || set('privateKey') || set('caCrl'))
      out.push({
        path: [...at, 'credentialName'],
        message: 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
      });
    return;
  }
  if (mode === 'MUTUAL') {
    if (!set('clientCertificate'))
      out.push({ path: [...at, 'clientCertificate'], message: 'client certificate required for mutual tls' });
    if (!set('privateKey')) out.push({ path: [...at, 'privateKey'], message: 'private key required for mutual tls' });
  }
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY']);

/**
 * The warnings Istio's Gateway validation gives without refusing the object (istioctl analyze: IST0133
 * SchemaValidationWarning), in its words: ValidateGateway's httpsRedirect on a server that is not HTTP, and
 * validateTLSOptions's TLS versions below 1.2 without cipher suites, unknown or repeated cipher suites, certificates
 * on a passthrough server, more than two tlsCertificates. Each names the field it is about.
 */
export function gatewayWarnings(spec: Obj): Violation[] {
  const out: Violation[] = [];
  list(spec.servers).forEach((s, i) => {
    if (!isObj(s)) return;
    const at: YamlPath = ['spec', 'servers', i];
    const tls = isObj(s.tls) ? s.tls : undefined;
    if (!tls) return;
    const mode = str(tls.mode) ?? 'PASSTHROUGH';
    const ciphers = list(tls.cipherSuites).filter((c): c is string => typeof c === 'string');
    if ((tls.minProtocolVersion === 'TLSV1_0' || tls.minProtocolVersion === 'TLSV1_1') && !ciphers.length)
      out.push({
        path: [...at, 'tls', 'minProtocolVersion'],
        message:
          'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.',
      });
    const valid = new Set<string>();
    const invalid = new Set<string>();
    const duplicate = new Set<string>();
    for (const c of ciphers)
      if (!isValidCipherSuite(c)) invalid.add(c);
      else if (valid.has(c)) duplicate.add(c);
      else valid.add(c);
    const sorted = (x: Set<string>) => `[${[...x].sort().join(' ')}]`;
    if (invalid.size)
      out.push({ path: [...at, 'tls', 'cipherSuites'], message: `ignoring invalid cipher suites: ${sorted(invalid)}` });
    if (duplicate.size)
      out.push({
        path: [...at, 'tls', 'cipherSuites'],
        message: `ignoring duplicate cipher suites: ${sorted(duplicate)}`,
      });
    const has = (k: string) => (Array.isArray(tls[k]) ? list(tls[k]).length > 0 : !!tls[k]);
    if (
      mode !== 'ISTIO_MUTUAL' &&
      (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') &&
      [
        'caCrl',
        'serverCertificate',
        'privateKey',
        'caCertificates',
        'tlsCertificates',
        'credentialName',
        'credentialNames',
      ].some(has)
    )
      out.push({ path: [...at, 'tls'], message: `${mode} mode does not use certificates, they will be ignored` });
    if (
      (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') &&
      !has('credentialName') &&
      !has('credentialNames') &&
      list(tls.tlsCertificates).length > 2
    )
      out.push({
        path: [...at, 'tls', 'tlsCertificates'],
        message: `${mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS'} can support up to 2 server certificates`,
      });
    const proto = isObj(s.port) ? (str(s.port.protocol)?.toUpperCase() ?? '') : '';
    if (isObj(s.port) && !HTTP_PROTOCOLS.has(proto) && tls.httpsRedirect === true)
      out.push({
        path: [...at, 'tls', 'httpsRedirect'],
        message: 'tls.httpsRedirect should only be used with http servers',
      });
  });
  return out;
}
