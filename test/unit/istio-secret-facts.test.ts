// Secrets reduced to facts where they are read (src/istio/secretFacts.ts through src/istio/yamlModel.ts): each
// fact as Istio's ExtractCertInfo, tls.X509KeyPair, ValidateCertificate and ExtractRoot decide it (the Go error
// texts are the ones the translation oracle printed for the corpus case gwapi-https-bad-key-pair), and no value of
// a Secret's data or stringData left in what the engine, `predict -o json` or `analyze -o json` can see.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { secretFacts, type SecretFacts } from '../../src/istio/secretFacts';
import { fromClusterObject, readResources } from '../../src/istio/yamlModel';
import { memoryIo } from './helpers/memoryIo';

const CASE = new URL('../corpus/gwapi-https-bad-key-pair/', import.meta.url);
const SECRETS = readFileSync(new URL('05-secrets.yaml', CASE), 'utf8');

/** The base64 values of one corpus Secret, by key. */
function corpusData(name: string): Record<string, string> {
  const doc = SECRETS.split(/^---$/m).find((d) => d.includes(`name: ${name}\n`))!;
  return Object.fromEntries([...doc.matchAll(/^ {2}(tls\.(?:crt|key)): (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}
const pem = (name: string, key: string) => Buffer.from(corpusData(name)[key]!, 'base64').toString('utf8');
const factsOf = (name: string): SecretFacts => {
  const s = readResources(SECRETS, '05-secrets.yaml').resources.secrets.find((x) => x.metadata.name === name);
  assert.ok(s?.spec.facts, `${name} has facts`);
  return s.spec.facts;
};

test('a valid pair: tlsPair valid, the keys it was read from, the certificate dates; no CA', () => {
  const f = factsOf('good-cert');
  assert.equal(f.tlsPair, 'valid');
  assert.equal(f.tlsPairError, undefined);
  assert.deepEqual(f.keys, ['tls.crt', 'tls.key']);
  assert.deepEqual(f.tlsKeys, ['tls.crt', 'tls.key']);
  assert.ok(f.certificate && 'notAfter' in f.certificate && Date.parse(f.certificate.notAfter) > Date.now());
  assert.equal(f.hasCaCert, false);
  assert.equal(f.caCertParses, false);
  assert.equal(f.caCertError, "found secret, but didn't have expected keys cacert or ca.crt; found: tls.crt, tls.key");
});

test("a certificate that does not parse, a key of another pair, a key of another type: Go's tls.X509KeyPair errors", () => {
  assert.deepEqual(
    ['bad-cert', 'mismatched-key', 'rsa-key'].map((n) => [n, factsOf(n).tlsPair, factsOf(n).tlsPairError]),
    [
      ['bad-cert', 'malformed', 'x509: malformed certificate'],
      ['mismatched-key', 'mismatch', 'tls: private key does not match public key'],
      ['rsa-key', 'mismatch', 'tls: private key type does not match public key type'],
    ],
  );
  // ValidateCertificate (what the SecretAnalyzer checks) looks at the certificate only
  assert.deepEqual(factsOf('bad-cert').certificate, { error: 'x509: malformed certificate' });
  assert.ok(factsOf('mismatched-key').certificate && 'notBefore' in factsOf('mismatched-key').certificate!);
});

test("no pair: ExtractCertInfo's messages (keys missing, keys empty), the generic cert/key pair first", () => {
  assert.deepEqual(secretFacts({ data: { 'ca.crt': 'eA==', a: '', b: '', c: '' } }), {
    keys: ['a', 'b', 'c', 'ca.crt'],
    tlsPair: 'missing',
    tlsPairError:
      "found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: a, b, c, and 1 more...",
    hasCaCert: true,
    caCertParses: false,
  });
  assert.equal(
    secretFacts({ data: { 'tls.crt': '', 'tls.key': '' } }).tlsPairError,
    'found keys "tls.crt" and "tls.key", but they were empty',
  );
  const generic = secretFacts({
    stringData: { cert: pem('good-cert', 'tls.crt'), key: pem('good-cert', 'tls.key') },
    data: corpusData('mismatched-key'),
  });
  assert.deepEqual([generic.tlsPair, generic.tlsKeys], ['valid', ['cert', 'key']]);
});

test('stringData is merged over data, as the API server stores it', () => {
  const f = secretFacts({ data: corpusData('mismatched-key'), stringData: { 'tls.key': pem('good-cert', 'tls.key') } });
  assert.equal(f.tlsPair, 'valid');
});

test("PEM inputs switched, a certificate in the key, no PEM at all: Go's words", () => {
  const crt = pem('good-cert', 'tls.crt');
  const key = pem('good-cert', 'tls.key');
  const err = (c: string, k: string) => secretFacts({ stringData: { 'tls.crt': c, 'tls.key': k } }).tlsPairError;
  assert.equal(
    err(key, crt),
    'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
  );
  assert.equal(err(crt, crt), 'tls: found a certificate rather than a key in the PEM for the private key');
  assert.equal(err('not pem', key), 'tls: failed to find any PEM data in certificate input');
  assert.equal(err(crt, 'not pem'), 'tls: failed to find any PEM data in key input');
  // a PEM block whose base64 is broken is skipped, as encoding/pem skips it
  assert.equal(
    err(crt.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'), key),
    'tls: failed to find any PEM data in certificate input',
  );
  assert.equal(
    err(crt, '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n'),
    'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [EC PARAMETERS]',
  );
  assert.equal(
    err(crt, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
    'tls: failed to parse private key',
  );
});

test('a CA bundle: ca.crt or cacert that parses, one that does not, an empty key', () => {
  const crt = pem('good-cert', 'tls.crt');
  assert.deepEqual(
    [
      secretFacts({ stringData: { 'ca.crt': crt } }),
      secretFacts({ stringData: { cacert: crt } }),
      secretFacts({ stringData: { 'ca.crt': 'no certificate here' } }),
    ].map((f) => [f.hasCaCert, f.caCertParses]),
    [
      [true, true],
      [true, true],
      [true, false],
    ],
  );
  assert.equal(secretFacts({ stringData: { 'ca.crt': '' } }).caCertError, 'found key "ca.crt", but it was empty');
});

test('Secrets from the cluster get the same facts, and lose their data the same way', () => {
  const s = fromClusterObject(
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'simple' }, data: corpusData('rsa-key') },
    'cluster',
  );
  assert.equal((s?.spec as { facts?: SecretFacts }).facts?.tlsPair, 'mismatch');
  assert.ok(!JSON.stringify(s).includes(corpusData('rsa-key')['tls.key']!.slice(0, 40)));
});

/** Pieces of every Secret value in the case: the base64 of data, and lines of the PEM text inside it. */
function secretNeedles(): string[] {
  const out: string[] = [];
  for (const name of ['good-cert', 'bad-cert', 'mismatched-key', 'rsa-key'])
    for (const [key, b64] of Object.entries(corpusData(name))) {
      out.push(b64.slice(20, 80));
      const lines = pem(name, key)
        .split('\n')
        .filter((l) => !l.startsWith('-----') && l.length >= 32);
      out.push(...lines.map((l) => l.slice(0, 32)));
    }
  return out;
}

test("no Secret value in the engine's objects, nor in predict -o json, trace --tls or analyze -o json", async () => {
  const needles = secretNeedles();
  assert.ok(needles.length > 20);
  const files = Object.fromEntries(
    ['00-backends.yaml', '05-secrets.yaml', '10-gateway-api.yaml'].map((f) => [
      f,
      readFileSync(new URL(f, CASE), 'utf8'),
    ]),
  );
  // a stringData copy and kubectl's last-applied-configuration annotation carry the same values
  files['06-string-data.yaml'] =
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\n  namespace: simple\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${JSON.stringify({ data: corpusData('rsa-key') })}'\nstringData:\n  tls.crt: |\n${pem('good-cert', 'tls.crt').replace(/^/gm, '    ')}\n  tls.key: |\n${pem('rsa-key', 'tls.key').replace(/^/gm, '    ')}\n`;
  const leaks = (where: string, text: string) => {
    const found = needles.filter((n) => text.includes(n));
    assert.deepEqual(found, [], `${where} holds Secret values`);
  };
  // the ResourceSet itself, with every function's result (rangeAt) as well as its data
  for (const [f, text] of Object.entries(files)) {
    const r = readResources(text, f, { validate: true });
    leaks(`readResources(${f})`, JSON.stringify(r));
    for (const s of r.resources.secrets) leaks(`${s.metadata.name}.rangeAt`, JSON.stringify(s.rangeAt(['data'])));
  }
  const names = Object.keys(files);
  const predicted = memoryIo(files);
  assert.equal(await main(['predict', '-o', 'json', ...names], predicted.io), 0);
  assert.ok(predicted.out.stdout.includes('good.baihl.io'));
  leaks('predict -o json', predicted.out.stdout + predicted.out.stderr);
  const dump = memoryIo(files);
  assert.equal(await main(['predict', '-o', 'config-dump', ...names], dump.io), 0);
  leaks('predict -o config-dump', dump.out.stdout + dump.out.stderr);
  const traced = memoryIo(files);
  assert.equal(await main(['trace', '--host', 'good.baihl.io', '--tls', ...names], traced.io), 0);
  assert.match(traced.out.stdout, /TLS, SNI good\.baihl\.io/);
  leaks('trace --tls', traced.out.stdout + traced.out.stderr);
  const analyzed = memoryIo(files);
  await main(['analyze', '-o', 'json', '--assume-complete', ...names], analyzed.io);
  assert.match(analyzed.out.stdout, /the certificate is malformed: tls: private key does not match public key/);
  leaks('analyze -o json', analyzed.out.stdout + analyzed.out.stderr);
});

test('IST0161 on an Istio Gateway: one line with file, line, field and what to do; a -cacert Secret gives MUTUAL its CA', async () => {
  const secrets = SECRETS.replaceAll('namespace: simple', 'namespace: istio-system');
  const gateway = (servers: string) =>
    `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: tls\n  namespace: simple\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n${servers}`;
  const server = (name: string, cn: string, mode = 'SIMPLE') =>
    `  - port: {number: 443, name: ${name}, protocol: HTTPS}\n    hosts: [${name}.baihl.io]\n    tls: {mode: ${mode}, credentialName: ${cn}}\n`;
  const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: gw\n  namespace: istio-system\n  labels: {istio: ingressgateway}\nspec: {containers: [{name: istio-proxy, image: proxyv2}]}\n`;
  const run = async (files: Record<string, string>) => {
    const { io, out } = memoryIo(files);
    await main(['analyze', '--assume-complete', ...Object.keys(files)], io);
    return out.stdout.split('\n').filter((l) => l.includes('IST0161'));
  };
  const lines = await run({
    'pod.yaml': pod,
    'secrets.yaml': secrets,
    'gw.yaml': gateway(
      server('good', 'good-cert') +
        server('mismatch', 'mismatched-key') +
        server('mutual', 'good-cert', 'MUTUAL') +
        server('optional', 'good-cert', 'OPTIONAL_MUTUAL'),
    ),
  });
  assert.deepEqual(lines, [
    "Error [IST0161] (Gateway simple/tls gw.yaml:15) The credential referenced by the Gateway tls in namespace istio-system is invalid, which can cause the traffic not to work as expected: spec.servers[1].tls.credentialName mismatched-key: Secret istio-system/mismatched-key: tls.key and tls.crt are not a key pair (tls: private key does not match public key), so the gateway's Envoy cannot load this certificate; put the certificate's own key in tls.key",
    'Error [IST0161] (Gateway simple/tls gw.yaml:18) The credential referenced by the Gateway tls in namespace istio-system is invalid, which can cause the traffic not to work as expected: spec.servers[2].tls.credentialName good-cert: MUTUAL needs a CA to check client certificates with, but Secret istio-system/good-cert has no ca.crt and there is no Secret istio-system/good-cert-cacert: istiod sends the gateway no CA for this server, so clients cannot complete the handshake; add ca.crt (the CA that signs client certificates) to good-cert or create Secret good-cert-cacert',
    'Error [IST0161] (Gateway simple/tls gw.yaml:21) The credential referenced by the Gateway tls in namespace istio-system is invalid, which can cause the traffic not to work as expected: spec.servers[3].tls.credentialName good-cert: OPTIONAL_MUTUAL needs a CA to check client certificates with, but Secret istio-system/good-cert has no ca.crt and there is no Secret istio-system/good-cert-cacert: istiod sends the gateway no CA for this server, so clients cannot complete the handshake; add ca.crt (the CA that signs client certificates) to good-cert or create Secret good-cert-cacert',
  ]);
  // GetCaCert reads the Secret <name>-cacert first: one with ca.crt is the CA, one without is the finding
  const caSecret = (data: string) =>
    `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: good-cert-cacert\n  namespace: istio-system\nstringData:\n${data}`;
  const mutual = gateway(server('mutual', 'good-cert', 'MUTUAL'));
  assert.deepEqual(
    await run({
      'pod.yaml': pod,
      'secrets.yaml': secrets + caSecret(`  ca.crt: |\n${pem('good-cert', 'tls.crt').replace(/^/gm, '    ')}\n`),
      'gw.yaml': mutual,
    }),
    [],
  );
  const [noCa] = await run({
    'pod.yaml': pod,
    'secrets.yaml': secrets + caSecret('  other: x\n'),
    'gw.yaml': mutual,
  });
  assert.match(
    noCa ?? '',
    /but Secret istio-system\/good-cert-cacert has no ca\.crt \(found secret, but didn't have expected keys cacert or ca\.crt; found: other\): .* add ca\.crt .* to good-cert-cacert$/,
  );
});
