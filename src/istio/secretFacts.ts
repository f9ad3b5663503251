// A Secret reduced to what Istio checks in it, at the door where Secrets are read (src/istio/yamlModel.ts): key
// names, whether the certificate and key Istio would serve are a valid pair, and whether a CA bundle is there.
// The values themselves never leave this module: the engine, lenses, hovers, trace, diagnostics and logs see only
// these facts. The checks follow Istio's own code in the pinned module:
//   pilot/pkg/credentials/kube/secrets.go  ExtractCertInfo (which keys), ExtractRoot (the CA)
//   crypto/tls X509KeyPair                 what buildSecretReference (gateway/conversion.go) checks the pair with
//   pilot/pkg/xds/sds.go                   ValidateCertificate (what gateway.SecretAnalyzer checks, IST0161)
//   crypto/x509 CertPool.AppendCertsFromPEM what buildCaCertificateReference checks a CA bundle with
// node:crypto parses the DER (OpenSSL, not Go's parser): a certificate OpenSSL reads and Go refuses is the one
// place the verdicts can differ, and then Go's own error text is not known here (see MALFORMED_CERTIFICATE).
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';

/** What a Secret holds, without its values. */
export interface SecretFacts {
  /** The names under data and stringData, sorted (what Istio's messages list as "found: ..."). */
  keys: string[];
  /**
   * The certificate and key Istio serves from this Secret (ExtractCertInfo: `cert`/`key`, else `tls.crt`/`tls.key`)
   * as tls.X509KeyPair judges them: `missing` (ExtractCertInfo found no such pair), `malformed` (no PEM, a
   * certificate or key that does not parse), `mismatch` (the key is not the certificate's).
   */
  tlsPair: 'valid' | 'missing' | 'malformed' | 'mismatch';
  /** For a pair that is not valid: Istio's (Go's) error, e.g. `tls: private key does not match public key`. */
  tlsPairError?: string;
  /** The keys the pair was read from. */
  tlsKeys?: [string, string];
  /**
   * ValidateCertificate on the served certificate (its first PEM block parsed as certificates): the validity
   * window, for the analyzer to compare with the time it runs, or why it fails. Absent when there is no pair.
   */
  certificate?: { notBefore: string; notAfter: string } | { error: string };
  /** ExtractRoot found a non-empty `cacert` or `ca.crt`. */
  hasCaCert: boolean;
  /** ExtractRoot's error when it did not (`found secret, but didn't have expected keys cacert or ca.crt; ...`). */
  caCertError?: string;
  /** The CA bundle holds at least one certificate that parses (AppendCertsFromPEM). */
  caCertParses: boolean;
}

/**
 * Go's error text for a certificate DER that does not parse. Go names the ASN.1 part at fault ("x509: malformed
 * tbs certificate", "x509: malformed validity"...); OpenSSL does not say, so the lab gives Go's outermost text.
 */
export const MALFORMED_CERTIFICATE = 'x509: malformed certificate';

/**
 * Facts already computed, by a SHA-256 digest of the values (never the values): OpenSSL takes about a millisecond to
 * decode a private key, and the editor reads a file again on every edit. The facts do not depend on the time.
 */
const memo = new Map<string, SecretFacts>();
const MEMO_LIMIT = 1_000;

/** Reduces a Secret (as read from YAML or the API: base64 `data`, plain `stringData`) to its facts. */
export function secretFacts(raw: { data?: unknown; stringData?: unknown }): SecretFacts {
  const data = secretData(raw);
  const keys = [...data.keys()].sort();
  const digest = createHash('sha256');
  for (const k of keys) digest.update(`${k}\0${data.get(k)!.length}\0`).update(data.get(k)!);
  const id = digest.digest('base64');
  const known = memo.get(id);
  if (known) return known;
  const facts = computeFacts(data, keys);
  memo.set(id, facts);
  if (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  return facts;
}

function computeFacts(data: Map<string, Buffer>, keys: string[]): SecretFacts {
  const root = extractRoot(data);
  const facts: SecretFacts = {
    keys,
    tlsPair: 'valid',
    hasCaCert: root.cert !== undefined,
    caCertParses: root.cert !== undefined && pemBlocks(root.cert).some(parsesAsCertificate),
    ...(root.error ? { caCertError: root.error } : {}),
  };
  const pair = extractCertInfo(data, keys);
  if ('error' in pair) return { ...facts, tlsPair: 'missing', tlsPairError: pair.error };
  facts.tlsKeys = pair.keys;
  facts.certificate = validateCertificate(pair.cert);
  const err = x509KeyPairError(pair.cert, pair.key);
  if (err) {
    facts.tlsPair = /does not match/.test(err) ? 'mismatch' : 'malformed';
    facts.tlsPairError = err;
  }
  return facts;
}

/** The Secret's values as the API server stores them: data (base64) with stringData merged over it. */
function secretData(raw: { data?: unknown; stringData?: unknown }): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  for (const [k, v] of Object.entries(obj(raw.data)))
    out.set(k, typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0));
  for (const [k, v] of Object.entries(obj(raw.stringData)))
    out.set(k, Buffer.from(typeof v === 'string' ? v : '', 'utf8'));
  return out;
}

/**
 * ExtractRootFromString's error for a ConfigMap's data (plain strings; binaryData is not read), or undefined when it
 * holds a non-empty `cacert` or `ca.crt`. Istio does not parse the bundle here (getBackendTLSCredentialName).
 */
export function caBundleError(data: unknown): string | undefined {
  const d = new Map<string, Buffer>();
  if (data && typeof data === 'object' && !Array.isArray(data))
    for (const [k, v] of Object.entries(data)) d.set(k, Buffer.from(typeof v === 'string' ? v : '', 'utf8'));
  return extractRoot(d).error;
}

/** Go's truncatedKeysMessage: the first three sorted names, then how many more. */
function truncatedKeys(keys: string[]): string {
  return keys.length < 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')}, and ${keys.length - 3} more...`;
}

const hasValue = (d: Map<string, Buffer>, ...keys: string[]) => keys.every((k) => (d.get(k)?.length ?? 0) > 0);
const hasKeys = (d: Map<string, Buffer>, ...keys: string[]) => keys.every((k) => d.has(k));

/** ExtractCertInfo (secrets.go): the generic `cert`/`key` pair first, then the TLS Secret's `tls.crt`/`tls.key`. */
function extractCertInfo(
  d: Map<string, Buffer>,
  keys: string[],
): { cert: Buffer; key: Buffer; keys: [string, string] } | { error: string } {
  for (const [c, k] of [
    ['cert', 'key'],
    ['tls.crt', 'tls.key'],
  ] as const)
    if (hasValue(d, c, k)) return { cert: d.get(c)!, key: d.get(k)!, keys: [c, k] };
  for (const [c, k] of [
    ['cert', 'key'],
    ['tls.crt', 'tls.key'],
  ] as const)
    if (hasKeys(d, c, k)) return { error: `found keys "${c}" and "${k}", but they were empty` };
  return {
    error: `found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: ${truncatedKeys(keys)}`,
  };
}

/** ExtractRoot (secrets.go): `cacert`, else `ca.crt`. */
function extractRoot(d: Map<string, Buffer>): { cert?: Buffer; error?: string } {
  for (const k of ['cacert', 'ca.crt']) if (hasValue(d, k)) return { cert: d.get(k)! };
  for (const k of ['cacert', 'ca.crt']) if (hasKeys(d, k)) return { error: `found key "${k}", but it was empty` };
  return {
    error: `found secret, but didn't have expected keys cacert or ca.crt; found: ${truncatedKeys([...d.keys()].sort())}`,
  };
}

interface PemBlock {
  type: string;
  headers: boolean;
  bytes: Buffer;
}

/**
 * encoding/pem's Decode, block after block: `-----BEGIN TYPE-----`, optional `Name: value` headers and a blank
 * line, base64 (whitespace ignored, padding required) and `-----END TYPE-----`; a candidate that is not a valid
 * block is skipped and the search goes on after its BEGIN line, as Go does.
 */
function pemBlocks(input: Buffer): PemBlock[] {
  const text = input.toString('latin1');
  const out: PemBlock[] = [];
  let at = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', at);
    if (begin < 0) return out;
    const lineEnd = text.indexOf('\n', begin);
    const typeLine = text.slice(begin + 11, lineEnd < 0 ? text.length : lineEnd).replace(/[ \t\r]+$/, '');
    at = lineEnd < 0 ? text.length : lineEnd + 1;
    if (!typeLine.endsWith('-----')) continue;
    const type = typeLine.slice(0, -5);
    const endMarker = `-----END ${type}-----`;
    const end = text.indexOf(endMarker, at);
    if (end < 0) continue;
    let body = text.slice(at, end);
    let headers = false;
    const blank = /\r?\n\r?\n/.exec(body);
    if (blank && /^[^\n:]+:/.test(body)) {
      headers = true;
      body = body.slice(blank.index + blank[0].length);
    }
    const b64 = body.replace(/[\s]+/g, '');
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) continue;
    out.push({ type, headers, bytes: Buffer.from(b64, 'base64') });
    at = end + endMarker.length;
  }
}

function parseCertificate(der: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

const parsesAsCertificate = (b: PemBlock) => b.type === 'CERTIFICATE' && !b.headers && !!parseCertificate(b.bytes);

/** ValidateCertificate (sds.go): the first PEM block, whatever its type, parsed as certificates; their dates. */
function validateCertificate(pem: Buffer): SecretFacts['certificate'] {
  const first = pemBlocks(pem)[0];
  if (!first) return { error: 'pem decode failed' };
  const cert = parseCertificate(first.bytes);
  if (!cert) return { error: MALFORMED_CERTIFICATE };
  return { notBefore: new Date(cert.validFrom).toISOString(), notAfter: new Date(cert.validTo).toISOString() };
}

/** The EC curves Go's crypto/x509 reads (P-224, P-256, P-384, P-521), by OpenSSL's names. */
const GO_CURVES = new Set(['secp224r1', 'prime256v1', 'secp384r1', 'secp521r1']);

/** tls.X509KeyPair's parsePrivateKey: PKCS #1, then PKCS #8 (RSA, ECDSA, Ed25519 only), then SEC 1. */
function parsePrivateKey(der: Buffer): KeyObject | string {
  const tryParse = (type: 'pkcs1' | 'pkcs8' | 'sec1') => {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      return undefined;
    }
  };
  const goReads = (k: KeyObject) =>
    k.asymmetricKeyType === 'rsa' ||
    k.asymmetricKeyType === 'ed25519' ||
    k.asymmetricKeyType === 'x25519' ||
    (k.asymmetricKeyType === 'ec' && GO_CURVES.has(k.asymmetricKeyDetails?.namedCurve ?? ''));
  const pkcs1 = tryParse('pkcs1');
  if (pkcs1?.asymmetricKeyType === 'rsa') return pkcs1;
  const pkcs8 = tryParse('pkcs8');
  if (pkcs8 && goReads(pkcs8))
    return pkcs8.asymmetricKeyType === 'x25519' ? 'tls: found unknown private key type in PKCS#8 wrapping' : pkcs8;
  const sec1 = tryParse('sec1');
  if (sec1 && goReads(sec1)) return sec1;
  return 'tls: failed to parse private key';
}

/** tls.X509KeyPair's error for this certificate and key, in Go's words, or undefined when they are a pair. */
function x509KeyPairError(certPem: Buffer, keyPem: Buffer): string | undefined {
  const certBlocks = pemBlocks(certPem);
  const certs = certBlocks.filter((b) => b.type === 'CERTIFICATE');
  if (!certs.length) {
    const skipped = certBlocks.map((b) => b.type);
    if (!skipped.length) return 'tls: failed to find any PEM data in certificate input';
    if (skipped.length === 1 && skipped[0]!.endsWith('PRIVATE KEY'))
      return 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched';
    return `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`;
  }
  const skipped: string[] = [];
  let keyBlock: PemBlock | undefined;
  for (const b of pemBlocks(keyPem)) {
    if (b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY')) {
      keyBlock = b;
      break;
    }
    skipped.push(b.type);
  }
  if (!keyBlock) {
    if (!skipped.length) return 'tls: failed to find any PEM data in key input';
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE')
      return 'tls: found a certificate rather than a key in the PEM for the private key';
    return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`;
  }
  const cert = parseCertificate(certs[0]!.bytes);
  if (!cert) return MALFORMED_CERTIFICATE;
  const key = parsePrivateKey(keyBlock.bytes);
  if (typeof key === 'string') return key;
  const pub = cert.publicKey;
  const pubType = pub.asymmetricKeyType;
  if (pubType !== 'rsa' && pubType !== 'ec' && pubType !== 'ed25519') return 'tls: unknown public key algorithm';
  if (key.asymmetricKeyType !== pubType) return 'tls: private key type does not match public key type';
  if (!cert.checkPrivateKey(key)) return 'tls: private key does not match public key';
  return undefined;
}
