// AuthorizationPolicy and RequestAuthentication are refused as Istio's validation webhook refuses them
// (pkg/config/validation ValidateAuthorizationPolicy / ValidateRequestAuthentication): the object is left out, with
// one line naming the field at fault. Held against Istio itself when its analyzer oracle is built: the IST0106 lines
// of `analyze --istio-only` are Istio's (object, line, text), ours naming the field before Istio's text. The
// istio.io/dry-run annotation is refused by the webhook only (Istio's analyzer validates the spec without metadata,
// and the translation oracle, which runs the webhook's validation, refuses a dry-run CUSTOM policy).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../src/cli';
import { readResources } from '../../src/istio/yamlModel';
import { memoryIo } from './helpers/memoryIo';
import { prerequisite } from './helpers/prerequisite';

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: security.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: istio-system\nspec:\n${spec}`;
const ap = (name: string, spec: string) => doc('AuthorizationPolicy', name, spec);
/** An object with the istio.io/dry-run annotation (Istio's webhook checks it before the spec). */
const dryRun = (kind: string, name: string, value: string, spec: string) =>
  doc(kind, name, spec).replace(
    '  namespace: istio-system\n',
    `  namespace: istio-system\n  annotations:\n    istio.io/dry-run: "${value}"\n`,
  );

/** Each invalid object and the fields our refusal names (Istio's text is checked against Istio below). */
const INVALID: { yaml: string; fields: string[] }[] = [
  { yaml: ap('deny-no-rules', '  action: DENY\n'), fields: ['spec.rules'] },
  { yaml: ap('deny-empty-rules', '  action: DENY\n  rules: []\n'), fields: ['spec.rules'] },
  {
    yaml: ap('custom-empty-rules', '  action: CUSTOM\n  provider:\n    name: ext\n  rules: []\n'),
    fields: ['spec.rules'],
  },
  {
    yaml: ap(
      'bad-ip',
      '  action: DENY\n  rules:\n  - from:\n    - source:\n        ipBlocks: ["10.0.0.300"]\n        remoteIpBlocks: ["10.0.0.0/33"]\n',
    ),
    fields: ['spec.rules[0].from[0].source.ipBlocks', 'spec.rules[0].from[0].source.remoteIpBlocks'],
  },
  {
    yaml: ap(
      'bad-when',
      '  rules:\n  - when:\n    - key: request.header[x]\n      values: ["a"]\n    - key: request.headers[x-a]\n    - key: source.ip\n      values: ["1.2.3.4/40"]\n',
    ),
    fields: [
      'spec.rules[0].when[0].values',
      'spec.rules[0].when[0].notValues',
      'spec.rules[0].when[1]',
      'spec.rules[0].when[2].values',
    ],
  },
  {
    yaml: ap(
      'bad-operation',
      '  rules:\n  - to:\n    - operation: {}\n    - operation:\n        ports: ["99999", "http"]\n        methods: [""]\n        paths: ["/a/{**}/b/{*}"]\n',
    ),
    fields: [
      'spec.rules[0].to[0].operation',
      'spec.rules[0].to[1].operation.ports',
      'spec.rules[0].to[1].operation.ports',
      'spec.rules[0].to[1].operation.methods',
      'spec.rules[0].to[1].operation.paths',
    ],
  },
  {
    yaml: ap(
      'bad-source',
      '  rules:\n  - from:\n    - source: {}\n    - source:\n        serviceAccounts: ["a/b/c"]\n        namespaces: ["x"]\n',
    ),
    fields: [
      'spec.rules[0].from[0].source',
      'spec.rules[0].from[1].source.serviceAccounts',
      'spec.rules[0].from[1].source.serviceAccounts',
    ],
  },
  {
    yaml: ap('bad-provider', '  provider:\n    name: ext\n  rules:\n  - {}\n'),
    fields: ['spec.provider'],
  },
  {
    yaml: ap(
      'bad-custom',
      '  action: CUSTOM\n  provider:\n    name: ext\n  rules:\n  - from:\n    - source:\n        requestPrincipals: ["*"]\n',
    ),
    fields: ['spec.rules[0].from[0].source.requestPrincipals'],
  },
  {
    yaml: dryRun(
      'AuthorizationPolicy',
      'dry-run-custom',
      'true',
      '  action: CUSTOM\n  provider:\n    name: ext\n  rules:\n  - {}\n',
    ),
    fields: ['metadata.annotations["istio.io/dry-run"]'],
  },
  {
    yaml: dryRun('AuthorizationPolicy', 'dry-run-audit', 'true', '  action: AUDIT\n  rules:\n  - {}\n'),
    fields: ['metadata.annotations["istio.io/dry-run"]'],
  },
  {
    yaml: dryRun('AuthorizationPolicy', 'dry-run-yes', 'yes', '  action: DENY\n  rules:\n  - {}\n'),
    fields: ['metadata.annotations["istio.io/dry-run"]'],
  },
  {
    yaml: dryRun(
      'RequestAuthentication',
      'dry-run-jwt',
      'true',
      '  jwtRules:\n  - issuer: foo\n    jwksUri: "https://example.com/keys"\n',
    ),
    fields: ['metadata.annotations["istio.io/dry-run"]'],
  },
  {
    yaml: doc(
      'RequestAuthentication',
      'bad-jwt',
      '  jwtRules:\n  - audiences: ["a"]\n  - issuer: foo\n    jwksUri: "ftp://example.com/keys"\n',
    ),
    fields: ['spec.jwtRules[0].issuer', 'spec.jwtRules[1].jwksUri'],
  },
];

const VALID = [
  ap('allow-nothing', '  {}\n'),
  dryRun('AuthorizationPolicy', 'dry-run-deny', 'True', '  action: DENY\n  rules:\n  - {}\n'),
  ap(
    'custom',
    '  action: CUSTOM\n  provider:\n    name: ext-authz\n  rules:\n  - to:\n    - operation:\n        paths: ["/x"]\n',
  ),
  ap(
    'ok',
    '  action: DENY\n  rules:\n  - from:\n    - source:\n        remoteIpBlocks: ["2001:db8::/32", "10.1.2.3"]\n    when:\n    - key: request.headers[User-Agent]\n      values: ["curl/*"]\n',
  ),
  doc('RequestAuthentication', 'ok-jwt', '  jwtRules:\n  - issuer: foo\n    jwksUri: "https://example.com/keys"\n'),
];

test('every invalid AuthorizationPolicy/RequestAuthentication is left out with one line per refusal, naming the field', () => {
  for (const { yaml, fields } of INVALID) {
    const { resources, problems } = readResources(yaml, 'p.yaml', { validate: true });
    assert.equal(resources.authorizationPolicies.length + resources.requestAuthentications.length, 0, yaml);
    const violations = problems.map((p) => p.invalid?.violation ?? '');
    assert.deepEqual(
      violations.map((v) => v.slice(0, v.indexOf(': '))).sort(),
      [...fields].sort(),
      violations.join('\n'),
    );
    for (const v of violations) assert.doesNotMatch(v, /\n/, 'one line');
  }
  for (const yaml of VALID) {
    const { resources, problems } = readResources(yaml, 'p.yaml', { validate: true });
    assert.deepEqual(problems, [], yaml);
    assert.equal(resources.authorizationPolicies.length + resources.requestAuthentications.length, 1);
  }
});

const ORACLE_DIR = fileURLToPath(new URL('../harness/analyze-oracle/', import.meta.url));
const istioVersion = /^\s*istio\.io\/istio (\S+)/m.exec(readFileSync(join(ORACLE_DIR, 'go.mod'), 'utf8'))![1]!;
const ORACLE = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'istio-ingress-lab',
  'analyze-oracle',
  istioVersion,
  'analyze-oracle',
);

test(
  "the refusals are Istio's own IST0106 lines (object, line, text), with the field named first",
  {
    skip: prerequisite(
      existsSync(ORACLE),
      'the Istio analyzer oracle is not built: run bash test/harness/analyze-oracle/build.sh',
    ),
  },
  async () => {
    const text = [...INVALID.map((i) => i.yaml), ...VALID].join('---\n');
    const dir = mkdtempSync(join(tmpdir(), 'authz-invalid-'));
    try {
      writeFileSync(join(dir, 'p.yaml'), text);
      const { stdout } = await promisify(execFile)(ORACLE, ['--namespace=', 'p.yaml'], { cwd: dir });
      // Istio's multierror of one error prints as "1 error occurred:\n\t* X\n\n": the one line is X
      const istio = (JSON.parse(stdout) as { code: string; string: string }[])
        .filter((m) => m.code === 'IST0106')
        .map((m) => m.string.replace(/1 error occurred:\n\t\* (.*)\n\n$/s, '$1'))
        .sort();
      const { io, out } = memoryIo({ 'p.yaml': text });
      await main(['analyze', '--istio-only', 'p.yaml'], io);
      const ours = out.stdout
        .split('\n')
        .filter((l) => l.includes('IST0106'))
        .map((l) => l.replace(/error: (spec|metadata)(\.[\w]+|\[[^\]]*\])*: /, 'error: '))
        .sort();
      // the webhook's dry-run refusals (Istio's analyzer validates without the metadata) are the lab's own IST0106
      const webhookOnly = INVALID.filter((i) => i.fields.every((f) => f.startsWith('metadata.annotations')));
      assert.ok(istio.length >= INVALID.length - webhookOnly.length, `Istio refused only ${istio.length}`);
      assert.deepEqual(ours, istio);
      const all = memoryIo({ 'p.yaml': text });
      await main(['analyze', 'p.yaml'], all.io);
      const lab = all.out.stdout.split('\n').filter((l) => l.includes('IST0106') && l.includes('istio.io/dry-run'));
      assert.equal(lab.length, webhookOnly.length, all.out.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
