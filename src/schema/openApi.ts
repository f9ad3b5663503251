// A structural OpenAPI v3 check, as the API server applies a CRD's openAPIV3Schema on `kubectl apply`:
// types (integer vs number vs string), ranges, enums, required fields, oneOf groups (Istio's proto oneofs),
// unknown fields (kubectl's strict field validation) and the few CEL rules Istio's CRDs carry.
// Its own layer because both readers use it: src/istio for Istio's CRDs, src/envoy for the admin dump's shape.

/** Where in a document: keys and list indexes from the root (the same shape as src/istio's YamlPath). */
import { goDurationNanos } from './goDuration';

export type YamlPath = readonly (string | number)[];

export interface Violation {
  path: YamlPath;
  message: string;
  /** Istio's webhook refuses it but `istioctl analyze` does not report it (its analyzer validates without metadata). */
  webhookOnly?: boolean;
}

export interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  maxLength?: number;
  minLength?: number;
  /** An RE2 pattern (the Gateway API CRDs'); each compiles as a JavaScript RegExp (checked when generated). */
  pattern?: string;
  maxProperties?: number;
  nullable?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a map'
        : typeof v === 'string'
          ? `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`
          : `${typeof v} ${JSON.stringify(v) ?? typeof v}`;

const WANT: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
};

/** Checks `value` against `schema`; violations carry the path of the offending value. */
export function checkSchema(value: unknown, schema: Schema, path: YamlPath, out: Violation[], limit = 20): void {
  // One mutable path for the walk, copied only into a violation: a path array per node was most of the garbage.
  check(value, schema, [...path], out, limit);
}

/** The field groups of a schema's proto oneofs (a oneOf of `required` groups, alone or inside allOf), computed once. */
const oneofCache = new WeakMap<Schema, string[][]>();
function oneofGroups(schema: Schema): string[][] {
  let groups = oneofCache.get(schema);
  if (!groups) {
    groups = [schema, ...(schema.allOf ?? [])]
      .filter((g) => g.oneOf)
      .map((g) => (g.oneOf ?? []).flatMap((s) => s.required ?? []));
    oneofCache.set(schema, groups);
  }
  return groups;
}

function check(value: unknown, schema: Schema, path: (string | number)[], out: Violation[], limit: number): void {
  if (out.length >= limit) return;
  if (value === null || value === undefined) {
    // A null field is dropped by the API server (and by protobuf); only a null list item or map value is wrong.
    return;
  }
  const t = schema.type;
  if (t && !typeMatches(value, t, schema.format)) {
    const extra =
      t === 'integer' && typeof value === 'number'
        ? ` (${value} has a fraction)`
        : t === 'integer' && typeof value === 'string' && /^-?\d+$/.test(value)
          ? ' (write it without quotes)'
          : '';
    out.push({ path: [...path], message: `must be ${WANT[t] ?? t}, not ${describe(value)}${extra}` });
    return;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push({ path: [...path], message: `must be one of ${schema.enum.join(', ')}, not ${describe(value)}` });
    return;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      out.push({ path: [...path], message: `must be at least ${schema.minimum}, not ${value}` });
    else if (schema.maximum !== undefined && value > schema.maximum)
      out.push({ path: [...path], message: `must be at most ${schema.maximum}, not ${value}` });
    else if (schema.format === 'int32' && (value < -2147483648 || value > 2147483647))
      out.push({ path: [...path], message: `must fit in 32 bits, not ${value}` });
  }
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) {
    out.push({
      path: [...path],
      message: `must be at most ${schema.maxLength} characters long (it has ${value.length})`,
    });
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) {
    out.push({
      path: [...path],
      message: value.length ? `must be at least ${schema.minLength} characters long` : 'must not be empty',
    });
  }
  if (typeof value === 'string' && schema.pattern !== undefined && !patternOf(schema.pattern).test(value)) {
    out.push({
      path: [...path],
      message: `${describe(value)} does not match the pattern ${schema.pattern}`,
    });
  }
  const rules = schema['x-kubernetes-validations'];
  if (rules)
    for (const rule of rules) {
      const ok = celRule(rule.rule, value);
      if (ok === false) out.push({ path: [...path], message: rule.message });
    }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push({ path: [...path], message: `must have at most ${schema.maxItems} items (it has ${value.length})` });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      out.push({
        path: [...path],
        message: `must have at least ${schema.minItems} item${schema.minItems > 1 ? 's' : ''}`,
      });
    const items = schema.items;
    if (items) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const item: unknown = value[i];
        if (item === null) out.push({ path: [...path], message: 'must not be null (an empty "-" item?)' });
        else check(item, items, path, out, limit);
        path.pop();
      }
    }
    return;
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (schema.maxProperties !== undefined && Object.keys(obj).length > schema.maxProperties)
      out.push({ path: [...path], message: `must have at most ${schema.maxProperties} entries` });
    if (schema.required)
      for (const r of schema.required)
        if (obj[r] === undefined || obj[r] === null) out.push({ path: [...path], message: `${r} is required` });
    if (schema.oneOf || schema.allOf)
      for (const group of oneofGroups(schema)) {
        const set = group.filter((k) => obj[k] !== undefined && obj[k] !== null);
        if (set.length > 1)
          out.push({ path: [...path], message: `only one of ${set.join(', ')} may be set (they are alternatives)` });
      }
    const props = schema.properties;
    const extra = schema.additionalProperties;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      const v = obj[k];
      const ps = props?.[k];
      path.push(k);
      if (ps) check(v, ps, path, out, limit);
      else if (extra && typeof extra === 'object') {
        if (v === null) out.push({ path: [...path], message: 'must not be null' });
        else check(v, extra, path, out, limit);
      } else if (props && !extra) {
        const near = Object.keys(props).find((n) => closeTo(n, k));
        out.push({
          path: [...path],
          message: `unknown field "${k.length > 40 ? k.slice(0, 40) + '…' : k}"${near ? `; did you mean "${near}"?` : ''}`,
        });
      }
      path.pop();
      if (out.length >= limit) return;
    }
  }
}

const patterns = new Map<string, RegExp>();
function patternOf(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) {
    re = new RegExp(p, 'u');
    patterns.set(p, re);
  }
  return re;
}

function typeMatches(v: unknown, t: string, format?: string): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string' && (format !== 'byte' || /^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, '')));
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** Two field names one typo apart (a swap, an extra, missing or changed letter) or differing in case. */
function closeTo(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (Math.abs(a.length - b.length) > 1 || a.length < 3) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const ra = a.slice(i + 1);
  const rb = b.slice(i + 1);
  return (
    ra === rb ||
    a.slice(i) === b.slice(i + 1) ||
    a.slice(i + 1) === b.slice(i) ||
    (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2))
  );
}

const atMostOneCache = new Map<string, string[]>();
/** The fields of a `(has(self.a) ? 1 : 0) + ... <= 1` rule (none for another rule), parsed once per rule. */
function atMostOneFields(rule: string): string[] {
  let fields = atMostOneCache.get(rule);
  if (!fields) {
    fields = /<= 1$/.test(rule) ? [...rule.matchAll(/has\(self\.(\w+)\)/g)].flatMap((m) => m[1] ?? []) : [];
    atMostOneCache.set(rule, fields);
  }
  return fields;
}

type Listener = { name?: unknown; port?: unknown; protocol?: unknown; hostname?: unknown; tls?: { mode?: unknown } };
const listeners = (v: unknown): Listener[] | undefined =>
  Array.isArray(v) ? v.filter((l): l is Listener => !!l && typeof l === 'object') : undefined;
/** A listener's tls.mode after the API server's defaulting (Terminate). */
const tlsMode = (l: Listener) =>
  l.tls?.mode === undefined ? 'Terminate' : typeof l.tls.mode === 'string' ? l.tls.mode : '';

const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A BackendTLSPolicy's validation: whether it names CA refs and a well-known CA set. */
function backendTlsValidation(v: unknown, ok: (refs: boolean, wellKnown: boolean) => boolean): boolean | undefined {
  const o = record(v);
  if (!o) return undefined;
  return ok(Array.isArray(o.caCertificateRefs) && o.caCertificateRefs.length > 0, !!o.wellKnownCACertificates);
}

/** A subjectAltNames entry: its type and whether hostname and uri are set and non-empty. */
function sanEntry(v: unknown, ok: (type: unknown, hostname: boolean, uri: boolean) => boolean): boolean | undefined {
  const o = record(v);
  return o ? ok(o.type, !!o.hostname, !!o.uri) : undefined;
}

/** Policy targetRefs as a target key (group, kind, name) and the sectionName ('' when unset). */
function targetRefs(v: unknown): { target: string; section: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((r) => {
    const o = record(r) ?? {};
    return {
      target: JSON.stringify([o.group ?? null, o.kind ?? null, o.name ?? null]),
      section: typeof o.sectionName === 'string' ? o.sectionName : '',
    };
  });
}

/** The CEL rules Istio's and the Gateway API's CRDs use; undefined for a rule this checker does not know (then it is not judged). */
function celRule(rule: string, v: unknown): boolean | undefined {
  switch (rule) {
    case "duration(self) >= duration('1ms')": {
      if (typeof v !== 'string') return undefined;
      const nanos = goDurationNanos(v);
      return nanos !== undefined && nanos >= 1e6;
    }
    case '!self.contains("*")':
      return typeof v === 'string' ? !v.includes('*') : undefined;
    case 'self.all(key, !key.contains("*"))':
      return v && typeof v === 'object' ? Object.keys(v).every((k) => !k.includes('*')) : undefined;
    case 'self.all(key, key.size() != 0)':
      return v && typeof v === 'object' ? Object.keys(v).every((k) => k.length !== 0) : undefined;
    // the Gateway API's listener rules (its CRD); the API server checks them after defaulting tls.mode to Terminate
    case "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)":
      return listeners(v)?.every((l) => !['HTTP', 'TCP', 'UDP'].includes(String(l.protocol)) || l.tls === undefined);
    case "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)":
      return listeners(v)?.every((l) => l.protocol !== 'HTTPS' || l.tls === undefined || tlsMode(l) === 'Terminate');
    case "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))":
      return listeners(v)?.every((l) => l.protocol !== 'TLS' || (l.tls !== undefined && tlsMode(l) !== ''));
    case "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)":
      return listeners(v)?.every((l) => !['TCP', 'UDP'].includes(String(l.protocol)) || !l.hostname);
    case 'self.all(l1, self.exists_one(l2, l1.name == l2.name))': {
      const names = listeners(v)?.map((l) => l.name);
      return names && new Set(names).size === names.length;
    }
    case 'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))': {
      const keys = listeners(v)?.map((l) => JSON.stringify([l.port, l.protocol, l.hostname ?? null]));
      return keys && new Set(keys).size === keys.length;
    }
    case "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true": {
      if (!v || typeof v !== 'object') return undefined;
      const tls = v as { mode?: unknown; certificateRefs?: unknown[]; options?: Record<string, unknown> };
      if ((tls.mode ?? 'Terminate') !== 'Terminate') return true;
      return (tls.certificateRefs?.length ?? 0) > 0 || Object.keys(tls.options ?? {}).length > 0;
    }
    // BackendTLSPolicy's rules (its CRD): one CA source, SAN entries whose value matches their type, and targetRefs
    // to one target either all with or all without a distinct sectionName
    case '!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")':
      return backendTlsValidation(v, (refs, wk) => !(refs && wk));
    case '(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")':
      return backendTlsValidation(v, (refs, wk) => refs || wk);
    case '!(self.type == "Hostname" && (!has(self.hostname) || self.hostname == ""))':
      return sanEntry(v, (type, hostname) => !(type === 'Hostname' && !hostname));
    case '!(self.type != "Hostname" && has(self.hostname) && self.hostname != "")':
      return sanEntry(v, (type, hostname) => !(type !== 'Hostname' && hostname));
    case '!(self.type == "URI" && (!has(self.uri) || self.uri == ""))':
      return sanEntry(v, (type, _h, uri) => !(type === 'URI' && !uri));
    case '!(self.type != "URI" && has(self.uri) && self.uri != "")':
      return sanEntry(v, (type, _h, uri) => !(type !== 'URI' && uri));
    case "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))": {
      const refs = targetRefs(v);
      return refs?.every((a) => refs.every((b) => a.target !== b.target || !a.section === !b.section));
    }
    case "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))": {
      const keys = targetRefs(v)?.map((r) => JSON.stringify([r.target, r.section]));
      return keys && new Set(keys).size === keys.length;
    }
    default: {
      // "(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1": at most one of a, b.
      const fields = atMostOneFields(rule);
      if (fields.length && v && typeof v === 'object') {
        return fields.filter((f) => (v as Record<string, unknown>)[f] !== undefined).length <= 1;
      }
      return undefined;
    }
  }
}
