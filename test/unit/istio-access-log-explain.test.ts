// The access log explainer offline: Envoy's lines (copied from a real Envoy, helpers/accessLogLines.ts)
// against the route configurations predicted from corpus YAML (whose oracle.json is Istio's own output for the
// same YAML, see istio-oracle-corpus.test.ts), and `ingress-lab explain-log` on them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { parseAccessLogLine, type AccessLogEntry } from '../../src/envoy/accessLog';
import { explainEntry, type ExplainContext } from '../../src/istio/accessLogExplain';
import { predict } from '../../src/istio/predict';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel';
import { JSON_UF, TEXT_LINES } from './helpers/accessLogLines';
import { memoryIo } from './helpers/memoryIo';

const corpus = new URL('../corpus/', import.meta.url).pathname;
const yamlFiles = (name: string) =>
  readdirSync(`${corpus}${name}`)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${corpus}${name}/${f}`);
function offline(name: string): ExplainContext {
  const resources = mergeResourceSets(
    ...yamlFiles(name).map((f) => readResources(readFileSync(f, 'utf8'), f).resources),
  );
  return { resources, prediction: predict(resources) };
}
function entry(line: string, edit: Partial<AccessLogEntry> = {}): AccessLogEntry {
  const r = parseAccessLogLine(line);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return { ...r.entry, ...edit };
}
const lineOf = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

test('NC: the missing subset, and the DestinationRule that lacks it, with its file and line', () => {
  const ctx = offline('subsets-destinationrule');
  const x = explainEntry(entry(TEXT_LINES.nc), ctx);
  assert.equal(x.cause, 'cluster-not-found');
  const dr = `${corpus}subsets-destinationrule/30-destinationrule.yaml`;
  assert.match(
    x.explanation,
    new RegExp(
      `subset "v3" of simple\\.simple\\.svc\\.cluster\\.local, but DestinationRule simple/simple \\(${dr}:\\d+\\) defines only v1, v2; add subset "v3" there`,
    ),
  );
  assert.equal(x.cluster, 'outbound|80|v3|simple.simple.svc.cluster.local');
  assert.equal(x.yaml?.file, `${corpus}subsets-destinationrule/20-virtualservice.yaml`);
  assert.equal(x.yaml?.line, lineOf(x.yaml.file, 'prefix: /missing-subset') - 1, 'the match entry of http[1]');
  // Without the DestinationRule at all, the explanation says to add one.
  const noDr = offline('subsets-destinationrule');
  noDr.resources = { ...noDr.resources!, destinationRules: [] };
  assert.match(
    explainEntry(entry(TEXT_LINES.nc), noDr).explanation,
    /no DestinationRule for simple\.simple\.svc\.cluster\.local defines it.*Add a DestinationRule/,
  );
});

test('UF,URX from the JSON line: the route by its upstream cluster (the log has no headers), Service port and targetPort', () => {
  const x = explainEntry(entry(JSON_UF), offline('subsets-destinationrule'));
  assert.equal(x.cause, 'upstream-connect-failure');
  assert.match(
    x.explanation,
    /could not connect to 127\.0\.0\.1:35275 .*Service port 80 \(http\) → targetPort 80; transport failure: delayed_connect_error:_Connection_refused/,
  );
  assert.match(x.yaml!.what, /VirtualService simple\/simple http\[0\]\.match\[0\]/);
  assert.ok(x.details.some((d) => /the log has no request headers/.test(d)));
});

test('NR on a path: the nearest route and why it missed, by the matcher', () => {
  const x = explainEntry(entry(TEXT_LINES.nrPath), offline('uri-exact-prefix-regex'));
  assert.equal(x.cause, 'no-route');
  assert.match(
    x.explanation,
    /nearest is #0 \(path \/exact\/path\): path "\/exact\/path\/more" is not "\/exact\/path"/,
  );
  assert.equal(x.details.length, 3, 'one line per route of the virtual host');
  assert.equal(x.yaml?.line, lineOf(x.yaml!.file, 'exact: /exact/path') - 1);
});

test('NR on a host: the domains, and the port when the route configuration does not ignore it', () => {
  const ctx = offline('uri-exact-prefix-regex');
  const x = explainEntry(entry(TEXT_LINES.nrHost), ctx);
  assert.equal(x.cause, 'no-virtual-host');
  assert.deepEqual(x.details, ['domains on http.8080: simple.baihl.io']);
  assert.equal(x.yaml, undefined);
  // Istio's gateways ignore the Host's port (ignore_port_in_host_matching): a port there is then not why.
  assert.notEqual(
    explainEntry(entry(TEXT_LINES.nrPath, { authority: 'simple.baihl.io:8080' }), ctx).cause,
    'no-virtual-host',
  );
  // Istio before 1.15 did not: the same request then finds no virtual host, and the port is named as why.
  const old: ExplainContext = {
    ...ctx,
    prediction: {
      ...ctx.prediction!,
      routeConfigs: ctx.prediction!.routeConfigs.map((rc) => ({ ...rc, ignorePortInHostMatching: false })),
    },
  };
  const p = explainEntry(entry(TEXT_LINES.nrHost, { authority: 'simple.baihl.io:8080' }), old);
  assert.equal(p.cause, 'no-virtual-host');
  assert.match(p.explanation, /carries a port \(:8080\).*without the port it would match/);
});

test('UH: no endpoints, and no workload carries the Service selector', () => {
  const x = explainEntry(entry(TEXT_LINES.uh, { path: '/simple/httpserver' }), offline('seed-no-backends-pods'));
  assert.equal(x.cause, 'no-healthy-upstream');
  assert.match(
    x.explanation,
    /no healthy host in outbound\|80\|\|simple\.simple\.svc\.cluster\.local \(give --clusters to see its endpoints\); no workload in the YAML carries the Service's selector app=simple/,
  );
});

test('the other flags and a plain answer', () => {
  const base = entry(TEXT_LINES.ok);
  const cause = (e: Partial<AccessLogEntry>) => explainEntry({ ...base, ...e }).cause;
  assert.equal(cause({ code: 503, flags: ['UO'] }), 'overflow');
  assert.equal(cause({ code: 504, flags: ['UT'] }), 'timeout');
  assert.equal(cause({ code: 429, flags: ['RL'] }), 'rate-limited');
  assert.equal(cause({ code: 0, flags: ['DC'] }), 'downstream-reset');
  assert.equal(cause({ code: 503, flags: ['UC'] }), 'upstream-reset');
  assert.equal(cause({ code: 500, flags: [], details: 'direct_response' }), 'backend-not-found');
  assert.equal(cause({ code: 410, flags: [], details: 'direct_response' }), 'direct-response');
  const app404 = explainEntry({ ...base, code: 404 });
  assert.equal(app404.cause, 'ok');
  assert.match(app404.explanation, /the backend 127\.0\.0\.1:44487 answered 404 itself/);
});

test('explain-log -o json: code, flags, cause, explanation, route, cluster, yaml per line; unreadable lines say why', async () => {
  const files = yamlFiles('subsets-destinationrule');
  const fs: Record<string, string> = { 'gw.log': `${TEXT_LINES.nc}\n${JSON_UF}\ngarbage\n` };
  for (const f of files) fs[f] = readFileSync(f, 'utf8');
  const { io, out } = memoryIo(fs);
  assert.equal(await main(['explain-log', '-o', 'json', 'gw.log', ...files], io), 0, out.stderr);
  const list = JSON.parse(out.stdout) as Record<string, unknown>[];
  assert.equal(list.length, 3);
  assert.equal(list[0]?.code, 503);
  assert.deepEqual(list[0]?.flags, ['NC']);
  assert.equal(list[0]?.cause, 'cluster-not-found');
  assert.equal(list[0]?.cluster, 'outbound|80|v3|simple.simple.svc.cluster.local');
  assert.equal(list[0]?.route, 'simple.baihl.io:80 #1');
  assert.deepEqual(Object.keys(list[0]?.yaml as object), ['file', 'line', 'what']);
  assert.equal(list[1]?.cause, 'upstream-connect-failure');
  assert.deepEqual(list[2], {
    line: 3,
    error: 'starts with "garbage": neither Istio\'s text access log ("[<time>] ...") nor its JSON encoding ("{...}")',
  });

  const text = memoryIo(fs);
  assert.equal(await main(['explain-log', 'gw.log', ...files], text.io), 0);
  assert.match(
    text.out.stdout,
    /^gw\.log:1: 503 NC cluster_not_found {2}GET simple\.baihl\.io\/missing-subset\/x\n {2}cluster-not-found: /,
  );
  assert.match(
    text.out.stdout,
    /\n {2}yaml: .*20-virtualservice\.yaml:\d+ \(VirtualService simple\/simple http\[1\]\.match\[0\]\)\n/,
  );
});

test('explain-log on bad input: one line on stderr, exit 2', async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['explain-log', 'nope.log'], {}, /^ingress-lab: cannot read nope\.log: no such file\n$/],
    [
      ['explain-log', 'gw.log'],
      { 'gw.log': 'hello\nworld\n' },
      /^ingress-lab: gw\.log:1: starts with "hello": neither/,
    ],
    [['explain-log', 'gw.log'], { 'gw.log': '\n\n' }, /^ingress-lab: gw\.log has no access log lines\n$/],
    [
      ['explain-log', 'vs.yaml'],
      { 'vs.yaml': 'a: 1' },
      /^ingress-lab: vs\.yaml looks like YAML, but the first file is the access log/,
    ],
    [
      ['explain-log', '--clusters', 'c.json', 'gw.log'],
      { 'gw.log': TEXT_LINES.ok, 'c.json': '{"configs": []}' },
      /^ingress-lab: c\.json: this is a \/config_dump/,
    ],
    [['explain-log', '-o', 'yaml', 'gw.log'], { 'gw.log': TEXT_LINES.ok }, /^ingress-lab: .*-o|output/],
    [['explain-log'], {}, /^ingress-lab: no LOG file given and standard input cannot be read here/],
  ];
  for (const [argv, fs, err] of cases) {
    const { io, out } = memoryIo(fs);
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(out.stderr, err, argv.join(' '));
    assert.equal(out.stderr.split('\n').length, 2, `one line: ${out.stderr}`);
  }
});
