// `ingress-lab analyze`, run in-process through the CLI's dispatch with an in-memory file system.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { memoryIo } from './helpers/memoryIo';
import { ingressGatewayWorkload, lineOf } from './helpers/analyzeYaml';
import { seedManifests } from './helpers/istioYaml';

const seedFiles = () => Object.fromEntries(seedManifests().map((m) => [m.name, m.text]));
const SEED = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'];

test("clean input: istioctl's success line on stderr, nothing on stdout, exit 0", async () => {
  const { io, out } = memoryIo(seedFiles());
  assert.equal(await main(['analyze', '-n', 'simple', ...SEED], io), 0);
  assert.equal(out.stdout, '');
  assert.equal(
    out.stderr,
    '\u2714 No validation issues found when analyzing:\n  - simple.yaml\n  - nginx.yaml\n  - istio-specs.yaml\n',
  );
  const one = memoryIo(seedFiles());
  assert.equal(await main(['analyze', '-n', 'simple', 'istio-specs.yaml'], one.io), 0);
  assert.equal(one.out.stderr, '\u2714 No validation issues found when analyzing istio-specs.yaml.\n');
});

test('an error: istioctl analyze lines on stdout (level, code, object, file:line, message), exit 1', async () => {
  const files = seedFiles();
  files['istio-specs.yaml'] = files['istio-specs.yaml']!.replace('    - simple\n  hosts:', '    - simpel\n  hosts:');
  const { io, out } = memoryIo(files);
  assert.equal(await main(['analyze', '--namespace', 'simple', ...SEED], io), 1);
  const line = lineOf(files['istio-specs.yaml'], '- simpel') + 1;
  assert.equal(
    out.stdout,
    `Error [IST0101] (VirtualService simple/simple istio-specs.yaml:${line}) Referenced gateway not found: "simpel"\n` +
      `Warning [IST0132] (VirtualService simple/simple istio-specs.yaml:${line}) one or more host [simple.baihl.io] defined in VirtualService simple/simple not found in Gateway simple/simpel.\n`,
  );
  assert.match(out.stderr, /^Error: Analyzers found issues when analyzing the files\.\n/);
});

test('warnings and infos only: printed, exit 0', async () => {
  const files = seedFiles();
  files['istio-specs.yaml'] = files['istio-specs.yaml']!.replace('exact: "/simple/httpserver"', 'prefix: "/simple"');
  const { io, out } = memoryIo(files);
  assert.equal(await main(['analyze', '-n', 'simple', 'istio-specs.yaml'], io), 0);
  assert.match(
    out.stdout,
    /^Info \[IST0131\] \(VirtualService simple\/simple istio-specs\.yaml:\d+\) VirtualService rule #1 match #0 of prefix \/simple\/nginx is not used/,
  );
  assert.equal(out.stderr, '');
});

test('-o json: code, level, message, file, 1-based line and column, object', async () => {
  const files: Record<string, string> = { ...seedFiles(), 'ingress.yaml': ingressGatewayWorkload() };
  files['istio-specs.yaml'] = files['istio-specs.yaml']!.replace('number: 80 #对外提供的服务端口为80', 'number: 8000');
  const { io, out } = memoryIo(files);
  assert.equal(await main(['analyze', '-n', 'simple', 'istio-specs.yaml', 'ingress.yaml', '-o', 'json'], io), 0);
  const json = JSON.parse(out.stdout);
  assert.equal(json.length, 1);
  const line = lineOf(files['istio-specs.yaml'], 'number: 8000') + 1;
  assert.deepEqual(
    { ...json[0], message: undefined, fixes: undefined },
    {
      code: 'IST0162',
      name: 'GatewayPortNotDefinedOnService',
      level: 'Warning',
      message: undefined,
      file: 'istio-specs.yaml',
      line,
      column: 17,
      object: { kind: 'Gateway', name: 'simple', namespace: 'simple' },
      origin: 'Gateway simple/simple',
      reference: `istio-specs.yaml:${line}`,
      documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0162/',
      source: 'istio',
      fixes: undefined,
    },
  );
  assert.match(json[0].message, /^The gateway is listening on a target port \(port 8000\)/);
  assert.equal(json[0].fixes.length, 3);
  const clean = memoryIo(seedFiles());
  assert.equal(await main(['analyze', '-n', 'simple', ...SEED, '-o', 'json'], clean.io), 0);
  assert.equal(clean.out.stdout, '[]\n');
});

test('--istio-only leaves out the lab checks; --assume-complete judges every reference', async () => {
  const files = seedFiles();
  files['istio-specs.yaml'] = files['istio-specs.yaml']!.replace(
    'exact: "/simple/httpserver"',
    'prefix: "/simple"',
  ).replace('prefix: "/simple/nginx"', 'exact: "/simple/nginx"');
  const lab = memoryIo(files);
  assert.equal(await main(['analyze', '-n', 'simple', 'istio-specs.yaml'], lab.io), 0);
  assert.match(lab.out.stdout, /^Info \[IST0131\] .* of exact \/simple\/nginx is not used/);
  const istio = memoryIo(files);
  assert.equal(await main(['analyze', '-n', 'simple', 'istio-specs.yaml', '--istio-only'], istio.io), 0);
  assert.equal(istio.out.stdout, '');
  const seedFilesElsewhere = seedFiles();
  seedFilesElsewhere['istio-specs.yaml'] = seedFilesElsewhere['istio-specs.yaml']!.replace(
    'host: nginx.simple.svc.cluster.local',
    'host: nginx.web.svc.cluster.local',
  );
  const offline = memoryIo(seedFilesElsewhere);
  assert.equal(await main(['analyze', '-n', 'simple', ...SEED], offline.io), 0);
  const complete = memoryIo(seedFilesElsewhere);
  assert.equal(await main(['analyze', '-n', 'simple', ...SEED, '--assume-complete'], complete.io), 1);
  assert.match(
    complete.out.stdout,
    /^Error \[IST0101\] \(VirtualService simple\/simple istio-specs\.yaml:\d+\) Referenced host not found: "nginx\.web\.svc\.cluster\.local"\n$/,
  );
});

test('bad input: one line, exit 2', async () => {
  const none = memoryIo({});
  assert.equal(await main(['analyze'], none.io), 2);
  assert.equal(none.out.stderr, 'ingress-lab: no YAML files given (see ingress-lab analyze --help)\n');
  const missing = memoryIo({});
  assert.equal(await main(['analyze', 'nope.yaml'], missing.io), 2);
  assert.equal(missing.out.stderr, 'ingress-lab: cannot read nope.yaml: no such file\n');
  const broken = memoryIo({ 'bad.yaml': 'kind: VirtualService\nspec: [\n' });
  assert.equal(await main(['analyze', 'bad.yaml'], broken.io), 2);
  assert.match(broken.out.stderr, /^ingress-lab: bad\.yaml:\d+:\d+: .+\n$/);
  const opt = memoryIo(seedFiles());
  assert.equal(await main(['analyze', 'istio-specs.yaml', '-o', 'yaml'], opt.io), 2);
  assert.equal(opt.out.stderr, 'ingress-lab: --output must be one of log|json, not "yaml"\n');
});

test('--help and the command list', async () => {
  const { io, out } = memoryIo({});
  assert.equal(await main(['analyze', '--help'], io), 0);
  assert.match(out.stdout, /^Usage: ingress-lab analyze FILE\.\.\./);
  const list = memoryIo({});
  assert.equal(await main(['--help'], list.io), 0);
  assert.match(list.out.stdout, /^ {2}analyze +check YAML with Istio's analyzers/m);
});
