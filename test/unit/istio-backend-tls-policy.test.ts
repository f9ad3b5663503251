// Gateway API BackendTLSPolicy: the status the lab predicts equals the one Istio's gateway controller writes (the
// oracle's `gatewayApiStatus`, for every corpus case with a policy); the API server's refusals are reported as one
// line naming the field; the trace's cluster hop names the policy, the SNI and the CA of Istio's cluster. (The
// transport sockets themselves are compared with Istio's in istio-cluster-tls-oracle.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/istio/analyze';
import { backendTlsPolicyStatuses } from '../../src/istio/backendTlsPolicy';
import { traceRequest, traceToText } from '../../src/istio/trace';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';

const corpus = fileURLToPath(new URL('../corpus/', import.meta.url));

interface OracleStatus {
  kind: string;
  namespace: string;
  name: string;
  status: { ancestors?: { conditions: { type: string; status: string; reason: string }[] }[] };
}

const oracleOf = (name: string) =>
  (JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as { gatewayApiStatus?: OracleStatus[] })
    .gatewayApiStatus ?? [];

const cases = readdirSync(corpus)
  .filter((d) => existsSync(`${corpus}${d}/oracle.json`) && oracleOf(d).some((s) => s.kind === 'BackendTLSPolicy'))
  .sort();

function load(name: string) {
  const dir = `${corpus}${name}/`;
  return mergeResourceSets(
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => readResources(readFileSync(`${dir}${f}`, 'utf8'), f, { validate: true }).resources),
  );
}

test("the corpus's policies reach each outcome Istio writes, so the comparison below can fail", () => {
  const reasons = new Set(
    cases.flatMap((c) =>
      oracleOf(c)
        .filter((s) => s.kind === 'BackendTLSPolicy')
        .flatMap((s) => s.status.ancestors ?? [])
        .flatMap((a) => a.conditions.map((x) => `${x.type}=${x.reason}`)),
    ),
  );
  for (const r of [
    'Accepted=Accepted',
    'Accepted=Conflicted',
    'Accepted=TargetNotFound',
    'Accepted=NoValidCACertificate',
    'ResolvedRefs=ResolvedRefs',
    'ResolvedRefs=InvalidCACertificateRef',
  ])
    assert.ok(reasons.has(r), `no corpus case where Istio writes ${r} (cases: ${cases.join(', ')})`);
});

for (const name of cases) {
  test(`corpus ${name}: each BackendTLSPolicy's predicted status equals Istio's`, () => {
    const written = oracleOf(name).filter((s) => s.kind === 'BackendTLSPolicy');
    const key = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;
    const predicted = backendTlsPolicyStatuses(load(name)).sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(
      predicted,
      written.sort((a, b) => key(a).localeCompare(key(b))),
    );
  });
}

const policy = (validation: string, extra = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: p
  namespace: simple
spec:
  targetRefs:
  - group: ""
    kind: Service
    name: simple
${extra}  validation:
${validation}`;

test('a policy the API server refuses is one line naming the field, and nothing is predicted from it', () => {
  const refused: [string, string][] = [
    [policy('    wellKnownCACertificates: System\n'), 'BackendTLSPolicy p: spec.validation: hostname is required'],
    [
      policy(
        '    hostname: a.example\n    wellKnownCACertificates: System\n    caCertificateRefs:\n    - {group: "", kind: ConfigMap, name: ca}\n',
      ),
      'BackendTLSPolicy p: spec.validation: must not contain both CACertificateRefs and WellKnownCACertificates',
    ],
    [
      policy('    hostname: a.example\n'),
      'BackendTLSPolicy p: spec.validation: must specify either CACertificateRefs or WellKnownCACertificates',
    ],
    [
      policy('    hostname: a.example\n    wellKnownCACertificates: System\n    subjectAltNames:\n    - type: URI\n'),
      'BackendTLSPolicy p: spec.validation.subjectAltNames[0]: SubjectAltName element must contain URI, if Type is set to URI',
    ],
    [
      policy(
        '    hostname: a.example\n    wellKnownCACertificates: System\n',
        '  - group: ""\n    kind: Service\n    name: simple\n',
      ),
      'BackendTLSPolicy p: spec.targetRefs: sectionName must be unique when targetRefs includes 2 or more references to the same target',
    ],
  ];
  for (const [yaml, line] of refused) {
    const { resources, problems } = readResources(yaml, 'p.yaml', { validate: true });
    assert.equal(resources.backendTlsPolicies.length, 0, yaml);
    assert.deepEqual(
      problems.map((p) => p.message.replace(/ \(kubectl apply refuses.*$/, '')),
      [line],
      yaml,
    );
  }
  const ok = readResources(policy('    hostname: a.example\n    wellKnownCACertificates: System\n'), 'p.yaml', {
    validate: true,
  });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.resources.backendTlsPolicies.length, 1);
});

test("the trace's hop to the backend names the policy, the SNI and the CA of Istio's cluster", () => {
  const hop = (name: string, host: string, path = '/') => {
    const t = traceRequest({ host, path, entry: 'loadBalancer' }, load(name));
    const step = t.steps.find((s) => s.id === 'cluster');
    assert.ok(step, traceToText(t));
    return { value: step.value, text: step.details.join(' ') };
  };
  const clusters = (name: string) =>
    (
      JSON.parse(readFileSync(`${corpus}${name}/oracle.json`, 'utf8')) as {
        clusters: { name: string; transportSocket?: { typedConfig?: { sni?: string } } }[];
      }
    ).clusters;
  const sniOf = (name: string, cluster: string) =>
    clusters(name).find((c) => c.name === cluster)?.transportSocket?.typedConfig?.sni;

  const cm = hop('gwapi-backend-tls-configmap', 'secure.baihl.io');
  assert.equal(cm.value, 'outbound|443||secure.simple.svc.cluster.local');
  assert.equal(sniOf('gwapi-backend-tls-configmap', cm.value), 'secure.internal.baihl.io');
  assert.ok(
    cm.text.includes(
      'BackendTLSPolicy simple/secure-tls, SNI secure.internal.baihl.io, CA from ConfigMap simple/backend-ca (ca.crt)',
    ),
    cm.text,
  );
  const system = hop('gwapi-backend-tls-system', 'nginx.baihl.io');
  assert.equal(sniOf('gwapi-backend-tls-system', system.value), 'nginx.baihl.io');
  assert.ok(
    system.text.includes("BackendTLSPolicy simple/nginx-tls, SNI nginx.baihl.io, CA: the system's certificates"),
    system.text,
  );
  const missing = hop('gwapi-backend-tls-missing', 'apps.baihl.io', '/nginx');
  assert.match(missing.text, /BackendTLSPolicy simple\/nginx-tls, SNI nginx\.baihl\.io, no usable CA/);
  // the port without a policy keeps the trace's plain words
  assert.doesNotMatch(hop('gwapi-backend-tls-missing', 'apps.baihl.io', '/simple').text, /no usable CA/);
});

test('the analysis reports each condition Istio writes False on a policy, on the field at fault', () => {
  const dir = `${corpus}gwapi-backend-tls-missing/`;
  const text = readFileSync(`${dir}10-gateway-api.yaml`, 'utf8');
  const lines = text.split('\n');
  const found = analyze(load('gwapi-backend-tls-missing')).filter((d) => d.object.kind === 'BackendTLSPolicy');
  const seen = found.map((d) => `${d.object.name} ${lines[d.range.start.line]!.trim()} ${d.message}`).sort();
  assert.deepEqual(seen, [
    'ghost-tls - group: "" Accepted=False (TargetNotFound): targetRefs invalid: reference simple/ghost (of kind Service) not found',
    'nginx-tls - group: "" Accepted=False (NoValidCACertificate): Certificate reference invalid: reference simple/no-such-ca (of kind ConfigMap) not found',
    'nginx-tls - group: "" ResolvedRefs=False (InvalidCACertificateRef): Certificate reference not found: reference simple/no-such-ca (of kind ConfigMap) not found',
    'web-tls - group: "" Accepted=False (NoValidCACertificate): Certificate reference invalid: found secret, but didn\'t have expected keys cacert or ca.crt; found: tls.crt',
    'web-tls - group: "" ResolvedRefs=False (InvalidCACertificateRef): Certificate invalid: found secret, but didn\'t have expected keys cacert or ca.crt; found: tls.crt',
  ]);
  // and what Istio writes agrees: every False condition of the policies' Service ancestors is among them
  const written = oracleOf('gwapi-backend-tls-missing')
    .filter((s) => s.kind === 'BackendTLSPolicy')
    .flatMap((s) =>
      (s.status.ancestors ?? []).flatMap((a) =>
        a.conditions.filter((c) => c.status === 'False').map((c) => `${s.name} ${c.type}=False (${c.reason})`),
      ),
    );
  for (const w of written)
    assert.ok(
      found.some((d) => `${d.object.name} ${d.message}`.startsWith(w)),
      `${w} not reported`,
    );
  // a policy whose target Service is merely not in the files (no Service of that namespace at all) is not a finding
  assert.deepEqual(
    analyze(
      readResources(policy('    hostname: a.example\n    wellKnownCACertificates: System\n'), 'p.yaml').resources,
    ).filter((d) => d.object.kind === 'BackendTLSPolicy'),
    [],
  );
});
