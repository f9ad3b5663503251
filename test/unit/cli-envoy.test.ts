// The ingress-lab CLI's Envoy subcommands, run in-process with captured output, and once as a real bundled
// binary to check exit codes and that errors are one line without a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { build } from 'esbuild';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/args';
import { istioctlTestdata } from './helpers/istioTestdata';
import { at } from './helpers/at';

const FIX = istioctlTestdata('');
const ROUTES_DIR = join(FIX, 'writer/envoy/configdump/testdata/routes/istio-gateway-http-route-prefix');
const EDS = join(FIX, 'writer/envoy/configdump/testdata/endpoint/configdump.json');
const BOOKINFO = join(FIX, 'describe/testdata/describe/http_config.json');

/** Runs the CLI in-process; `files` overrides the file system for the given paths. */
async function run(argv: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readFile: (p) => {
      const given = files[p];
      return given !== undefined ? Promise.resolve(given) : readFile(p, 'utf8');
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test("routes --config-dump prints istioctl's table", async () => {
  const r = await run(['routes', '--config-dump', join(ROUTES_DIR, 'configdump.json')]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, readFileSync(join(ROUTES_DIR, 'output.txt'), 'utf8'));
  assert.equal(r.stderr, '');
});

test('endpoints -f DUMP --port 8080 prints the portfilter table', async () => {
  const r = await run(['endpoints', '-f', EDS, '--port', '8080']);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    readFileSync(join(FIX, 'writer/envoy/configdump/testdata/endpoint/portfilter_output.txt'), 'utf8'),
  );
});

test('routes --name filters, --output json prints the route configurations in camelCase', async () => {
  const t = await run(['routes', '-f', BOOKINFO, '--name', 'nope']);
  assert.equal(t.stdout, 'NAME     VHOST NAME     DOMAINS     MATCH     VIRTUAL SERVICE\n');
  const j = await run(['routes', '-f', BOOKINFO, '--output=json']);
  const parsed = JSON.parse(j.stdout) as { name: string; virtualHosts: { routes: { match: unknown }[] }[] }[];
  assert.equal(parsed[0]?.name, 'http.8080');
  assert.deepEqual(at(at(at(parsed).virtualHosts).routes).match, { path: '/productpage', caseSensitive: true });
});

test('clusters and listeners subcommands', async () => {
  const c = await run(['clusters', '-f', BOOKINFO, '--fqdn', 'productpage']);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /^SERVICE FQDN {5,}PORT/);
  assert.match(c.stdout, /productpage\.default\.svc\.cluster\.local {5}9080 {5}v1 /);
  const l = await run(['listeners', '-f', join(FIX, 'proxyconfig/testdata/config_dump.json'), '--port', '15021']);
  assert.equal(l.stdout, 'ADDRESSES PORT  MATCH DESTINATION\n0.0.0.0   15021 ALL   Inline Route: /healthz/ready*\n');
  const short = await run([
    'listeners',
    '-f',
    join(FIX, 'proxyconfig/testdata/config_dump.json'),
    '--verbose=false',
    '--type',
    'http+tcp',
  ]);
  assert.equal(short.stdout, 'ADDRESSES PORT TYPE\n          0    HTTP+TCP\n');
  const rshort = await run(['routes', '-f', BOOKINFO, '--verbose=false']);
  assert.equal(rshort.stdout, 'NAME          VIRTUAL HOSTS\nhttp.8080     1\n');
});

test('endpoints --clusters reads /clusters?format=json (hand-written input in Envoy admin form)', async () => {
  const admin = JSON.stringify({
    cluster_statuses: [
      {
        name: 'outbound|80||simple.simple.svc.cluster.local',
        host_statuses: [
          {
            address: { socket_address: { address: '10.244.0.12', port_value: 80 } },
            health_status: { eds_health_status: 'HEALTHY' },
          },
          {
            address: { socket_address: { address: '10.244.0.11', port_value: 80 } },
            health_status: { eds_health_status: 'UNHEALTHY', failed_outlier_check: true },
          },
        ],
      },
      {
        name: 'sds-grpc',
        host_statuses: [
          {
            address: { pipe: { path: './var/run/secrets/workload-spiffe-uds/socket' } },
            health_status: { eds_health_status: 'HEALTHY' },
          },
        ],
      },
    ],
  });
  const r = await run(['endpoints', '--clusters', '/mem/clusters.json'], { '/mem/clusters.json': admin });
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'ENDPOINT                                                STATUS        OUTLIER CHECK     CLUSTER\n' +
      '10.244.0.11:80                                          UNHEALTHY     FAILED            outbound|80||simple.simple.svc.cluster.local\n' +
      '10.244.0.12:80                                          HEALTHY       OK                outbound|80||simple.simple.svc.cluster.local\n' +
      'unix://./var/run/secrets/workload-spiffe-uds/socket     HEALTHY       OK                sds-grpc\n',
  );
  const healthy = await run(['endpoints', '--clusters', '/mem/clusters.json', '--status', 'unhealthy'], {
    '/mem/clusters.json': admin,
  });
  assert.equal(healthy.stdout.trimEnd().split('\n').length, 2);
});

test('a missing file: one line naming it, exit 2', async () => {
  const r = await run(['routes', '--config-dump', '/nonexistent/dump.json']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'ingress-lab: cannot read /nonexistent/dump.json: no such file\n');
});

test('a directory instead of a file: one line, exit 2', async () => {
  const r = await run(['clusters', '-f', FIX]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `ingress-lab: cannot read ${FIX}: it is a directory\n`);
});

test('broken JSON: file, line and column, exit 2', async () => {
  const r = await run(['routes', '-f', '/mem/broken.json'], {
    '/mem/broken.json': '{\n  "configs": [\n    {"@type": "x",}\n  ]\n}\n',
  });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'ingress-lab: /mem/broken.json:3:19: invalid JSON: Expected double-quoted property name\n');
});

test('a dump without the needed section says which section, exit 2', async () => {
  const r = await run(['routes', '-f', EDS]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `ingress-lab: ${EDS} has no route configurations (RoutesConfigDump)\n`);
  const e = await run(['endpoints', '-f', BOOKINFO]);
  assert.equal(e.code, 2);
  assert.equal(
    e.stderr,
    `ingress-lab: ${BOOKINFO} has no endpoints (EndpointsConfigDump; take the dump with /config_dump?include_eds)\n`,
  );
  const notDump = await run(['clusters', '-f', '/mem/x.json'], { '/mem/x.json': '{"kind": "Pod"}' });
  assert.equal(notDump.code, 2);
  assert.match(notDump.stderr, /^ingress-lab: \/mem\/x\.json: not an Envoy config dump: no "configs" array/);
});

test('usage errors: no command, unknown command, unknown option, bad number, missing --config-dump', async () => {
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: ingress-lab <command>/);
  const unknown = await run(['rutes']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^ingress-lab: unknown command "rutes"; commands: [a-z, -]*routes, listeners, clusters, endpoints[a-z, -]* \(see ingress-lab --help\)\n$/,
  );
  assert.equal(
    (await run(['routes', '--porrt', '1'])).stderr,
    'ingress-lab: unknown option --porrt for "routes" (see ingress-lab routes --help)\n',
  );
  assert.equal(
    (await run(['listeners', '-f', BOOKINFO, '--port', 'eighty'])).stderr,
    'ingress-lab: --port takes a number, not "eighty"\n',
  );
  assert.equal(
    (await run(['clusters'])).stderr,
    "ingress-lab: clusters needs --config-dump FILE (the JSON of Envoy's /config_dump)\n",
  );
  assert.equal(
    (await run(['routes', '-f', BOOKINFO, '-o', 'yaml'])).stderr,
    'ingress-lab: --output must be one of table|json, not "yaml"\n',
  );
});

test('--help lists commands; <command> --help shows its options', async () => {
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  for (const c of ['routes', 'listeners', 'clusters', 'endpoints']) assert.match(h.stdout, new RegExp(`^  ${c} `, 'm'));
  const rh = await run(['endpoints', '--help']);
  assert.equal(rh.code, 0);
  assert.match(rh.stdout, /--clusters FILE/);
});

test('the bundled binary: table on stdout, exit 0; a bad file gives one stderr line and exit 2, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingress-lab-cli-'));
  const out = join(dir, 'cli.cjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../src/cli.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'silent',
  });
  const ok = spawnSync(process.execPath, [out, 'routes', '-f', join(ROUTES_DIR, 'configdump.json')], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0);
  assert.equal(ok.stdout, readFileSync(join(ROUTES_DIR, 'output.txt'), 'utf8'));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"configs": [}');
  const bad = spawnSync(process.execPath, [out, 'routes', '-f', broken], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, `ingress-lab: ${broken}:1:14: invalid JSON: Unexpected token '}'\n`);
});

test('all prints the proxy-config all summary; a dump missing a section says which', async () => {
  const r = await run(['all', '-f', join(FIX, 'proxyconfig/testdata/config_dump.json')]);
  assert.equal(r.code, 0);
  const want = readFileSync(join(FIX, 'proxyconfig/testdata/config_dump_summary.txt'), 'utf8');
  // VALID CERT follows the clock, as in istioctl; everything else is fixed
  assert.equal(r.stdout.replace(/ (true|false) /g, ' X '), want.replace(/ (true|false) /g, ' X '));
  const partial = await run(['all', '-f', BOOKINFO]);
  assert.equal(partial.code, 2);
  assert.equal(partial.stderr, `ingress-lab: ${BOOKINFO} has no bootstrap (BootstrapConfigDump)\n`);
});
