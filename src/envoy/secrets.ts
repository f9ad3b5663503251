// istioctl's secret summary (istioctl/pkg/writer/compare/sds): one row per dynamic secret of the
// SecretsConfigDump, with the first certificate of its chain (or trusted CA) parsed for type, validity,
// serial number and dates. Uses node:crypto's X509 parser (no I/O).
import { X509Certificate } from 'node:crypto';
import type { ConfigDump } from './configDump';
import { GoTabwriter } from './goTabwriter';

export interface SecretItem {
  name: string;
  state: string;
  type: string;
  valid: boolean;
  serialNumber: string;
  notAfter: string;
  notBefore: string;
  trustDomain: string;
}

type Obj = Record<string, unknown>;
const stringOr = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function metaFromPem(pem: string, trustDomain: string, now: Date): Omit<SecretItem, 'name' | 'state'> | undefined {
  const m = /-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/.exec(pem);
  if (!m) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(m[0]);
  } catch {
    return undefined;
  }
  if (!trustDomain) {
    for (const part of (cert.subjectAltName ?? '').split(', ')) {
      const uri = /^URI:spiffe:\/\/([^/]+)/.exec(part);
      if (uri?.[1]) trustDomain = uri[1];
    }
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const serial = cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
  return {
    type: cert.ca ? 'CA' : 'Cert Chain',
    valid: now > notBefore && now < notAfter,
    serialNumber: serial.padStart(32, '0'),
    notAfter: rfc3339(notAfter),
    notBefore: rfc3339(notBefore),
    trustDomain,
  };
}

const decode = (b64: unknown) => (typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('utf8') : '');

/** Secrets as istioctl lists them: warming first, then active. `now` decides VALID CERT (istioctl: time.Now()). */
export function secretItems(dump: ConfigDump, now: Date = new Date()): SecretItem[] {
  const s = dump.secrets ?? {};
  const items: SecretItem[] = [];
  const add = (entry: Obj, state: string) => {
    const secret = obj(entry.secret);
    const base = { name: stringOr(entry.name), state };
    const chain = decode(obj(obj(secret.tlsCertificate).certificateChain).inlineBytes);
    const ca = decode(obj(obj(obj(secret.validationContext).trustedCa)).inlineBytes);
    const build = (data: string, trustDomain: string): SecretItem => {
      const meta = data ? metaFromPem(data, trustDomain, now) : undefined;
      return meta
        ? { ...base, ...meta }
        : { ...base, type: '', valid: false, serialNumber: '', notAfter: '', notBefore: '', trustDomain };
    };
    if (chain) items.push(build(chain, ''));
    else if (ca) items.push(build(ca, ''));
    else {
      const custom = obj(obj(secret.validationContext).customValidatorConfig);
      const tc = obj(custom.typedConfig);
      if (tc['@type'] === 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig') {
        for (const td of (tc.trustDomains as Obj[] | undefined) ?? [])
          items.push(build(decode(obj(td.trustBundle).inlineBytes), stringOr(td.name)));
      } else items.push(build('', ''));
    }
  };
  for (const e of (s.dynamicWarmingSecrets as Obj[] | undefined) ?? []) add(e, 'WARMING');
  for (const e of (s.dynamicActiveSecrets as Obj[] | undefined) ?? []) add(e, 'ACTIVE');
  return items;
}

/** The SECRET section of `istioctl proxy-config all` (and `proxy-config secret`). */
export function secretsTable(dump: ConfigDump, opts: { withType?: boolean; now?: Date } = {}): string {
  const s = dump.secrets ?? {};
  const active = (s.dynamicActiveSecrets as unknown[] | undefined) ?? [];
  const warming = (s.dynamicWarmingSecrets as unknown[] | undefined) ?? [];
  if (active.length === 0 && warming.length === 0) return 'No active or warming secrets found.\n';
  const items = secretItems(dump, opts.now);
  if (items.length === 0) return 'No secret items to show.\n';
  const withTrustDomain = items.every((i) => i.trustDomain !== '');
  const cols = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'];
  if (withTrustDomain) cols.push('TRUST DOMAIN');
  const w = GoTabwriter.istioctl(5);
  w.write(cols.join('\t') + '\n');
  for (const i of items) {
    const name = opts.withType ? `secret/${i.name}` : i.name;
    const row = [name, i.type, i.state, String(i.valid), i.serialNumber, i.notAfter, i.notBefore];
    if (withTrustDomain) row.push(i.trustDomain);
    w.row(row);
  }
  return w.flush();
}
