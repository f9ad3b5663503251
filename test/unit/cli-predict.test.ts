// `ingress-lab predict`, run in-process through the CLI's dispatch with an in-memory file system.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { memoryIo } from './helpers/memoryIo';
import { seedManifests } from './helpers/istioYaml';

const seedFiles = () => Object.fromEntries(seedManifests().map((m) => [m.name, m.text]));

test('predict -o json: the issue shape, exactly, for the seed', async () => {
  const { io, out } = memoryIo(seedFiles());
  const code = await main(
    ['predict', '-n', 'simple', 'simple.yaml', 'nginx.yaml', 'istio-specs.yaml', '-o', 'json'],
    io,
  );
  assert.equal(code, 0, out.stderr);
  const json = JSON.parse(out.stdout);
  assert.equal(json.length, 2);
  assert.deepEqual(Object.keys(json[0]), [
    'virtualService',
    'file',
    'line',
    'http',
    'match',
    'gateway',
    'listener',
    'routeConfig',
    'virtualHost',
    'domains',
    'route',
  ]);
  assert.deepEqual(
    json.map((e: { virtualService: string; file: string; line: number; routeConfig: string; virtualHost: string }) => [
      e.virtualService,
      e.file,
      e.line,
      e.routeConfig,
      e.virtualHost,
    ]),
    [
      ['simple.simple', 'istio-specs.yaml', 13, 'http.8080', 'simple.baihl.io:80'],
      ['simple.simple', 'istio-specs.yaml', 23, 'http.8080', 'simple.baihl.io:80'],
    ],
  );
  assert.deepEqual(json[1].route.match, { prefix: '/simple/nginx', caseSensitive: true });
  assert.equal(json[1].route.route.prefixRewrite, '/');
  assert.equal(out.stderr, '');
});

test('predict table: istioctl proxy-config routes columns', async () => {
  const { io, out } = memoryIo(seedFiles());
  assert.equal(await main(['predict', '-n', 'simple', 'istio-specs.yaml'], io), 0);
  assert.equal(
    out.stdout,
    'NAME          VHOST NAME             DOMAINS             MATCH                  VIRTUAL SERVICE\n' +
      'http.8080     simple.baihl.io:80     simple.baihl.io     /simple/httpserver     simple.simple\n' +
      'http.8080     simple.baihl.io:80     simple.baihl.io     /simple/nginx*         simple.simple\n',
  );
});

test('predict says on stderr which matches are not on the gateway, and why', async () => {
  const files = seedFiles();
  files['istio-specs.yaml'] = files['istio-specs.yaml']!.replace(
    '  hosts:\n    - simple.baihl.io\n  http:',
    '  hosts:\n    - other.baihl.io\n  http:',
  );
  const { io, out } = memoryIo(files);
  assert.equal(await main(['predict', '-n', 'simple', 'istio-specs.yaml'], io), 0);
  assert.match(
    out.stderr,
    /^istio-specs\.yaml:\d+: simple\.simple is not on the gateway: no server of Gateway simple\/simple accepts other\.baihl\.io/m,
  );
});

test('predict: missing file, broken YAML and no files give one line and exit 2', async () => {
  let { io, out } = memoryIo({});
  assert.equal(await main(['predict', 'gone.yaml'], io), 2);
  assert.equal(out.stderr, 'ingress-lab: cannot read gone.yaml: no such file\n');

  ({ io, out } = memoryIo({ 'bad.yaml': 'kind: VirtualService\nspec: [oops\n' }));
  assert.equal(await main(['predict', 'bad.yaml'], io), 2);
  assert.match(out.stderr, /^ingress-lab: bad\.yaml:\d+:\d+: .+\n$/);

  ({ io, out } = memoryIo({}));
  assert.equal(await main(['predict'], io), 2);
  assert.match(out.stderr, /no YAML files given/);
  assert.doesNotMatch(out.stderr, /\n\s+at /); // never a stack trace
});
