// Istio's validation of TLS settings (pkg/config/validation validateTLSOptions for Gateway servers, agent.ValidateTLS
// for DestinationRules): an object Istio refuses is refused here, one line naming the field. Held against Istio's own
// analyzers (test/harness/analyze-oracle, its IST0106 lines) when built; the valid TLS corpus cases pass.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../src/cli';
import { readResources } from '../../src/istio/yamlModel';
import { ANALYZE_ORACLE, analyzeOracleMissing } from './helpers/analyzeOracle';
import { memoryIo } from './helpers/memoryIo';

const gateway = (name: string, server: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: simple
spec:
  selector: {istio: ingressgateway}
  servers:
  - hosts: [${name}.baihl.io]
${server}
---
`;
const rule = (name: string, tls: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: simple
spec:
  host: ${name}.simple.svc.cluster.local
  trafficPolicy:
    tls: ${tls}
---
`;
const https = '    port: {number: 443, name: https, protocol: HTTPS}\n';

/** One refused object per rule, and the field our line names (the webhook's checks: what istioctl analyze runs). */
const BAD: [string, string][] = [
  [
    gateway('mutual-no-ca', `${https}    tls: {mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}`),
    'spec.servers[0].tls.caCertificates: MUTUAL TLS requires a client CA bundle',
  ],
  [
    gateway('simple-no-cert', `${https}    tls: {mode: SIMPLE, privateKey: /k.pem}`),
    'spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate',
  ],
  [
    gateway('istio-mutual-cred', `${https}    tls: {mode: ISTIO_MUTUAL, credentialName: cert-a}`),
    'spec.servers[0].tls.credentialName: ISTIO_MUTUAL TLS cannot have associated credentialName',
  ],
  [
    gateway(
      'file-and-cred',
      `${https}    tls: {mode: SIMPLE, credentialName: cert-a, serverCertificate: /c.pem, privateKey: /k.pem}`,
    ),
    'spec.servers[0].tls: only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified',
  ],
  [
    gateway(
      'http-mutual',
      `    port: {number: 80, name: http, protocol: HTTP}\n    tls: {httpsRedirect: true, mode: MUTUAL, credentialName: cert-a}`,
    ),
    'spec.servers[0].tls: server cannot have TLS settings for plain text HTTP ports',
  ],
  [
    gateway('tcp-redirect', `    port: {number: 31400, name: tcp, protocol: TCP}\n    tls: {httpsRedirect: true}`),
    'spec.servers[0].tls: server cannot have TLS settings for non HTTPS/TLS ports',
  ],
  [
    rule('mutual-files', '{mode: MUTUAL, privateKey: /k.pem}'),
    'spec.trafficPolicy.tls.clientCertificate: client certificate required for mutual tls',
  ],
  [
    rule('cred-and-ca', '{mode: SIMPLE, credentialName: cert-a, caCertificates: /ca.pem}'),
    'spec.trafficPolicy.tls.credentialName: cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
  ],
  [
    rule('insecure-ca', '{mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}'),
    'spec.trafficPolicy.tls.insecureSkipVerify: cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
  ],
];

/** Accepted by Istio: the redirect-only HTTP server, OPTIONAL_MUTUAL by credential, ISTIO_MUTUAL with SANs. */
const GOOD =
  gateway('redirect', `    port: {number: 80, name: http, protocol: HTTP}\n    tls: {httpsRedirect: true}`) +
  gateway('optional', `${https}    tls: {mode: OPTIONAL_MUTUAL, credentialName: cert-a}`) +
  gateway('mesh', `${https}    tls: {mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://cluster.local/ns/a/sa/b]}`) +
  rule('mutual-cred', '{mode: MUTUAL, credentialName: cert-a, sni: a.example.com}');

/** The CRD's own rule (CEL oneof), which the API server applies before the webhook; istioctl analyze does not. */
const CRD_RULE: [string, string] = [
  gateway('two-sources', `${https}    tls: {mode: SIMPLE, credentialName: cert-a, credentialNames: [cert-b]}`),
  'spec.servers[0].tls: only one of credentialName or credentialNames can be set',
];

test('each TLS setting Istio refuses is refused with one line naming the field; the accepted ones pass', () => {
  for (const [yaml, message] of [...BAD, CRD_RULE]) {
    const errors = readResources(yaml, 'bad.yaml', { validate: true }).problems.filter((p) => p.severity === 'error');
    assert.equal(errors.length, 1, `${message}\n${JSON.stringify(errors)}`);
    assert.ok(errors[0]!.message.includes(message), `${errors[0]!.message}\n  wanted: ${message}`);
  }
  const good = readResources(GOOD, 'good.yaml', { validate: true });
  assert.deepEqual(good.problems, []);
});

test(
  "the IST0106 lines are Istio's own (object, line, text), with the field named first",
  {
    skip: analyzeOracleMissing(),
  },
  async () => {
    const text = BAD.map(([y]) => y).join('') + GOOD;
    const dir = mkdtempSync(join(tmpdir(), 'validate-tls-'));
    try {
      writeFileSync(join(dir, 'tls.yaml'), text);
      const { stdout } = await promisify(execFile)(ANALYZE_ORACLE, ['--namespace=', 'tls.yaml'], { cwd: dir });
      const istio = (JSON.parse(stdout) as { code: string; string: string }[])
        .filter((m) => m.code === 'IST0106')
        .map((m) => m.string)
        .sort();
      const { io, out } = memoryIo({ 'tls.yaml': text });
      await main(['analyze', 'tls.yaml'], io);
      const ours = out.stdout
        .split('\n')
        .filter((l) => l.includes('IST0106'))
        .map((l) => l.replace(/error: spec\.[\w.[\]]+: /, 'error: '))
        .sort();
      assert.deepEqual(ours, istio);
      assert.equal(ours.length, BAD.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Accepted with warnings (IST0133): one per rule of Istio's, and the field it names. */
const WARNED: [string, string][] = [
  [
    gateway('https-redirect', `${https}    tls: {mode: SIMPLE, credentialName: cert-a, httpsRedirect: true}`),
    'spec.servers[0].tls.httpsRedirect: tls.httpsRedirect should only be used with http servers',
  ],
  [
    gateway(
      'ciphers',
      `${https}    tls: {mode: SIMPLE, credentialName: cert-a, cipherSuites: [NOT-A-CIPHER, AES128-SHA, AES128-SHA]}`,
    ),
    'spec.servers[0].tls.cipherSuites: ignoring invalid cipher suites: [NOT-A-CIPHER]',
  ],
  [
    gateway('old-tls', `${https}    tls: {mode: SIMPLE, credentialName: cert-a, minProtocolVersion: TLSV1_0}`),
    'spec.servers[0].tls.minProtocolVersion: TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.',
  ],
  [
    gateway('passthrough-cert', `${https}    tls: {mode: PASSTHROUGH, credentialName: cert-a}`),
    'spec.servers[0].tls: PASSTHROUGH mode does not use certificates, they will be ignored',
  ],
];

test('TLS settings Istio accepts with a warning: IST0133 naming the field, and the object is still predicted', async () => {
  for (const [yaml, message] of WARNED) {
    assert.deepEqual(readResources(yaml, 'w.yaml', { validate: true }).problems, [], message);
    const { io, out } = memoryIo({ 'w.yaml': yaml });
    await main(['analyze', 'w.yaml'], io);
    const lines = out.stdout.split('\n').filter((l) => l.includes('IST0133'));
    assert.ok(
      lines.some((l) => l.endsWith(`Schema validation warning: ${message}`)),
      `${message}\n${out.stdout}`,
    );
  }
});

test(
  "the IST0133 lines are Istio's own (object, line, text), with the field named first",
  { skip: analyzeOracleMissing() },
  async () => {
    const text = WARNED.map(([y]) => y).join('') + GOOD;
    const dir = mkdtempSync(join(tmpdir(), 'validate-tls-warn-'));
    try {
      writeFileSync(join(dir, 'tls.yaml'), text);
      const { stdout } = await promisify(execFile)(ANALYZE_ORACLE, ['--namespace=', 'tls.yaml'], { cwd: dir });
      const istio = (JSON.parse(stdout) as { code: string; string: string }[])
        .filter((m) => m.code === 'IST0133')
        .map((m) => m.string)
        .sort();
      const { io, out } = memoryIo({ 'tls.yaml': text });
      await main(['analyze', 'tls.yaml'], io);
      const ours = out.stdout
        .split('\n')
        .filter((l) => l.includes('IST0133'))
        .map((l) => l.replace(/warning: spec\.[\w.[\]]+: /, 'warning: '))
        .sort();
      assert.deepEqual(ours, istio);
      assert.ok(ours.length >= WARNED.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
