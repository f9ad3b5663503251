// The analyzers on the article's manifests and on small edits of them: each code raised where Istio raises
// it, not raised where Istio is silent, on the right line, and every quick fix, once applied to the text,
// removes what it fixes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, analyzeDocuments, formatIstioctl } from '../../src/istio/analyze';
import { fromClusterObject } from '../../src/istio/yamlModel';
import { emptyResourceSet } from '../../src/istio/yamlModel';
import type { Gateway } from '../../src/istio/model';
import {
  analyzeTexts,
  applyFix,
  codes,
  fixTitled,
  ingressGatewayWorkload,
  lineOf,
  only,
  readTexts,
  type Files,
} from './helpers/analyzeYaml';
import { at } from './helpers/at';
import { predictTexts, seedManifests } from './helpers/istioYaml';

const seed = (): Files => Object.fromEntries(seedManifests().map((m) => [m.name, m.text]));
const NS = { defaultNamespace: 'simple' };
const edit = (files: Files, file: string, from: string, to: string): Files => {
  assert.ok(files[file]!.includes(from), `${file} has no ${from}`);
  return { ...files, [file]: files[file]!.replace(from, to) };
};

describe('the seed', () => {
  test('the article manifests give no diagnostics', () => {
    assert.deepEqual(analyzeTexts(seed(), NS), []);
  });

  test('with the ingress gateway Deployment and Service, every reference complete: still none', () => {
    const files: Files = { ...seed(), 'ingress.yaml': ingressGatewayWorkload() };
    assert.deepEqual(analyzeTexts(files, { ...NS, assumeComplete: true }), []);
  });

  test('assumeComplete is istioctl --use-kube=false: its default ingress pod and Service (80, 443, 31400, 15443) count', () => {
    assert.deepEqual(analyzeTexts(seed(), { ...NS, assumeComplete: true }), []);
    const files = edit(seed(), 'istio-specs.yaml', 'istio: ingressgateway', 'istio: ingress');
    const d = only(analyzeTexts(files, { ...NS, assumeComplete: true }), 'IST0101');
    assert.equal(d.message, 'Referenced selector not found: "istio=ingress"');
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'istio: ingress'));
    const port = edit(seed(), 'istio-specs.yaml', 'number: 80 #对外提供的服务端口为80', 'number: 8080');
    assert.deepEqual(codes(analyzeTexts(port, { ...NS, assumeComplete: true })), ['IST0162']);
    assert.deepEqual(
      analyzeTexts(edit(seed(), 'istio-specs.yaml', 'number: 80 #对外提供的服务端口为80', 'number: 15443'), {
        ...NS,
        assumeComplete: true,
      }),
      [],
    );
  });

  test('galley.istio.io/analyze-suppress on the object silences the codes it lists', () => {
    const broken = edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - simpel\n  hosts:');
    const annotate = (value: string) =>
      edit(
        broken,
        'istio-specs.yaml',
        'metadata:\n  name: simple\nspec:\n  gateways:',
        `metadata:\n  name: simple\n  annotations:\n    galley.istio.io/analyze-suppress: "${value}"\nspec:\n  gateways:`,
      );
    assert.deepEqual(codes(analyzeTexts(annotate('IST0132'), NS)), ['IST0101']);
    assert.deepEqual(analyzeTexts(annotate('IST0101,IST0132'), NS), []);
    assert.deepEqual(analyzeTexts(annotate('*'), NS), []);
  });
});

describe('IST0101 gateway and IST0132', () => {
  test('a misspelt gateway: ReferencedResourceNotFound on the entry, and the host is in no Gateway', () => {
    const files = edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - simpel\n  hosts:');
    const ds = analyzeTexts(files, NS);
    assert.deepEqual(codes(ds), ['IST0101', 'IST0132']);
    const [notFound, host] = ds as [(typeof ds)[0], (typeof ds)[0]];
    assert.equal(notFound.severity, 'error');
    assert.equal(notFound.name, 'ReferencedResourceNotFound');
    assert.equal(notFound.message, 'Referenced gateway not found: "simpel"');
    assert.deepEqual(notFound.object, { kind: 'VirtualService', name: 'simple', namespace: 'simple' });
    const line = lineOf(files['istio-specs.yaml']!, '- simpel');
    assert.deepEqual(notFound.range, { start: { line, character: 6 }, end: { line, character: 12 } });
    assert.equal(
      host.message,
      'one or more host [simple.baihl.io] defined in VirtualService simple/simple not found in Gateway simple/simpel.',
    );
    assert.equal(host.severity, 'warning');
    const fixed = applyFix(files, fixTitled(notFound, 'Change gateway to simple (Gateway simple/simple)'));
    assert.deepEqual(analyzeTexts(fixed, NS), []);
  });

  test('the namespace/name form and ./name resolve like Istio; a bare name looks in the VirtualService namespace', () => {
    assert.deepEqual(
      analyzeTexts(edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - simple/simple\n  hosts:'), NS),
      [],
    );
    const other = edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - other/simple\n  hosts:');
    // offline, a namespace with no Gateway in the files is not judged...
    assert.deepEqual(analyzeTexts(other, NS), []);
    // ...with every object in the files, it is
    const ds = analyzeTexts({ ...other, 'ingress.yaml': ingressGatewayWorkload() }, { ...NS, assumeComplete: true });
    assert.equal(only(ds, 'IST0101').message, 'Referenced gateway not found: "other/simple"');
    assert.equal(
      only(ds, 'IST0132').message,
      'one or more host [simple.baihl.io] defined in VirtualService simple/simple not found in Gateway other/simple.',
    );
  });

  test('a host the Gateway does not accept: fix by adding it to the Gateway, or by changing the VirtualService host', () => {
    const files = edit(
      seed(),
      'istio-specs.yaml',
      '  hosts:\n    - simple.baihl.io\n  http:',
      '  hosts:\n    - other.baihl.io\n  http:',
    );
    const ds = analyzeTexts(files, NS);
    const d = only(ds, 'IST0132');
    assert.equal(ds.length, 1);
    assert.equal(
      d.message,
      'one or more host [other.baihl.io] defined in VirtualService simple/simple not found in Gateway simple/simple.',
    );
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, '    - simple'));
    const add = fixTitled(d, 'Add host other.baihl.io to Gateway simple/simple');
    assert.equal(add.isPreferred, true);
    const added = applyFix(files, add);
    assert.match(added['istio-specs.yaml']!, / {8}- simple\.baihl\.io\n {8}- other\.baihl\.io\n/);
    assert.deepEqual(analyzeTexts(added, NS), []);
    // and the route now lands on the gateway
    assert.equal(predictTexts(added, NS).routes.length, 2);
    const changed = applyFix(
      files,
      fixTitled(d, 'Change VirtualService host to simple.baihl.io (a host of the Gateway)'),
    );
    assert.deepEqual(analyzeTexts(changed, NS), []);
  });

  test('wildcards and namespace-scoped Gateway hosts follow Istio', () => {
    const wild = edit(
      seed(),
      'istio-specs.yaml',
      'hosts:\n        - simple.baihl.io',
      'hosts:\n        - "*.baihl.io"',
    );
    assert.deepEqual(analyzeTexts(wild, NS), []);
    const dot = edit(
      seed(),
      'istio-specs.yaml',
      'hosts:\n        - simple.baihl.io',
      'hosts:\n        - ./simple.baihl.io',
    );
    assert.deepEqual(
      analyzeTexts(dot, NS),
      [],
      './host is the Gateway namespace, which is the VirtualService namespace here',
    );
    const elsewhere = edit(
      seed(),
      'istio-specs.yaml',
      'hosts:\n        - simple.baihl.io',
      'hosts:\n        - team-b/simple.baihl.io',
    );
    assert.deepEqual(codes(analyzeTexts(elsewhere, NS)), ['IST0132']);
  });

  test('a flow-style hosts list gets the host inside the brackets', () => {
    const files = edit(
      edit(seed(), 'istio-specs.yaml', 'hosts:\n        - simple.baihl.io', 'hosts: [simple.baihl.io]'),
      'istio-specs.yaml',
      '  hosts:\n    - simple.baihl.io\n  http:',
      '  hosts:\n    - "*.example.com"\n  http:',
    );
    const d = only(analyzeTexts(files, NS), 'IST0132');
    const fixed = applyFix(files, fixTitled(d, 'Add host *.example.com to Gateway simple/simple'));
    assert.match(fixed['istio-specs.yaml']!, /hosts: \[simple\.baihl\.io, "\*\.example\.com"\]/);
    assert.deepEqual(analyzeTexts(fixed, NS), []);
  });
});

describe('IST0101 destination host, host:port and IST0112', () => {
  test('a misspelt Service host: error on the host, fix to an existing Service', () => {
    const files = edit(
      seed(),
      'istio-specs.yaml',
      'host: nginx.simple.svc.cluster.local',
      'host: ngnix.simple.svc.cluster.local',
    );
    const d = only(analyzeTexts(files, NS), 'IST0101');
    assert.equal(d.message, 'Referenced host not found: "ngnix.simple.svc.cluster.local"');
    const line = lineOf(files['istio-specs.yaml']!, 'ngnix');
    assert.deepEqual(d.range.start, { line, character: 16 });
    const fixed = applyFix(files, fixTitled(d, 'Change host to nginx.simple.svc.cluster.local (Service simple/nginx)'));
    assert.deepEqual(analyzeTexts(fixed, NS), []);
  });

  test('short names resolve in the VirtualService namespace; hosts outside the cluster domain are left to ServiceEntries', () => {
    assert.deepEqual(
      analyzeTexts(edit(seed(), 'istio-specs.yaml', 'host: nginx.simple.svc.cluster.local', 'host: nginx'), NS),
      [],
    );
    assert.deepEqual(
      analyzeTexts(edit(seed(), 'istio-specs.yaml', 'host: nginx.simple.svc.cluster.local', 'host: httpbin.org'), NS),
      [],
    );
    // a namespace with no Service in the files is not judged offline, but is with assumeComplete
    const elsewhere = edit(
      seed(),
      'istio-specs.yaml',
      'host: nginx.simple.svc.cluster.local',
      'host: nginx.web.svc.cluster.local',
    );
    assert.deepEqual(analyzeTexts(elsewhere, NS), []);
    const ds = analyzeTexts(
      { ...elsewhere, 'ingress.yaml': ingressGatewayWorkload() },
      { ...NS, assumeComplete: true },
    );
    assert.equal(only(ds, 'IST0101').message, 'Referenced host not found: "nginx.web.svc.cluster.local"');
  });

  test('a Service with several ports and no destination port: IST0112, fixed by choosing a port', () => {
    const files = edit(
      edit(
        seed(),
        'nginx.yaml',
        '      targetPort: 80\n',
        '      targetPort: 80\n    - name: metrics\n      port: 9113\n      protocol: TCP\n',
      ),
      'istio-specs.yaml',
      '          host: nginx.simple.svc.cluster.local\n          port:\n            number: 80\n',
      '          host: nginx.simple.svc.cluster.local\n',
    );
    const d = only(analyzeTexts(files, NS), 'IST0112');
    assert.equal(d.severity, 'error');
    assert.equal(
      d.message,
      'This VirtualService routes to a service "nginx.simple.svc.cluster.local" that exposes multiple ports [80 9113]. Specifying a port in the destination is required to disambiguate.',
    );
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'host: nginx.simple'));
    assert.deepEqual(
      d.fixes!.map((f) => f.title),
      ['Route to port 80', 'Route to port 9113'],
    );
    const fixed = applyFix(files, fixTitled(d, 'Route to port 80'));
    assert.match(fixed['istio-specs.yaml']!, /host: nginx\.simple\.svc\.cluster\.local\n {10}port: \{number: 80\}\n/);
    assert.deepEqual(analyzeTexts(fixed, NS), []);
    // a single-port Service needs no port
    assert.deepEqual(
      analyzeTexts(
        edit(
          seed(),
          'istio-specs.yaml',
          '          host: nginx.simple.svc.cluster.local\n          port:\n            number: 80\n',
          '          host: nginx.simple.svc.cluster.local\n',
        ),
        NS,
      ),
      [],
    );
  });

  test('a flow-style destination gets `, port: {number: N}`', () => {
    const files = edit(
      edit(seed(), 'nginx.yaml', '      targetPort: 80\n', '      targetPort: 80\n    - {name: metrics, port: 9113}\n'),
      'istio-specs.yaml',
      '      - destination:\n          host: nginx.simple.svc.cluster.local\n          port:\n            number: 80\n',
      '      - destination: {host: nginx.simple.svc.cluster.local}\n',
    );
    const d = only(analyzeTexts(files, NS), 'IST0112');
    const fixed = applyFix(files, fixTitled(d, 'Route to port 9113'));
    assert.match(
      fixed['istio-specs.yaml']!,
      /destination: \{host: nginx\.simple\.svc\.cluster\.local, port: \{number: 9113\}\}/,
    );
    assert.deepEqual(analyzeTexts(fixed, NS), []);
  });

  test('a destination port the Service does not have: host:port not found, on the number', () => {
    const files = edit(
      seed(),
      'istio-specs.yaml',
      '          host: nginx.simple.svc.cluster.local\n          port:\n            number: 80',
      '          host: nginx.simple.svc.cluster.local\n          port:\n            number: 8080',
    );
    const d = only(analyzeTexts(files, NS), 'IST0101');
    assert.equal(d.message, 'Referenced host:port not found: "nginx.simple.svc.cluster.local:8080"');
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'number: 8080'));
    const fix = fixTitled(d, 'Change port to 80 (a port of Service simple/nginx)');
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(analyzeTexts(applyFix(files, fix), NS), []);
  });
});

describe('IST0101 subset', () => {
  const dr = (subsets: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: nginx
  namespace: simple
spec:
  host: nginx
  subsets:
${subsets}`;
  const withSubset = (s: string) =>
    edit(
      seed(),
      'istio-specs.yaml',
      '          host: nginx.simple.svc.cluster.local\n',
      `          host: nginx.simple.svc.cluster.local\n          subset: ${s}\n`,
    );

  test('a subset no DestinationRule of the host defines: on the subset, fixed to an existing one', () => {
    const files: Files = { ...withSubset('v2'), 'dr.yaml': dr('  - name: v1\n    labels: {version: v1}\n') };
    const d = only(analyzeTexts(files, NS), 'IST0101');
    assert.equal(d.message, 'Referenced host+subset in destinationrule not found: "nginx.simple.svc.cluster.local+v2"');
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'subset: v2'));
    assert.equal(d.related?.[0]?.file, 'dr.yaml');
    assert.deepEqual(analyzeTexts(applyFix(files, fixTitled(d, 'Change subset to v1')), NS), []);
  });

  test('a defined subset, or (offline) no DestinationRule for the host in the files: nothing', () => {
    assert.deepEqual(analyzeTexts({ ...withSubset('v1'), 'dr.yaml': dr('  - name: v1\n') }, NS), []);
    assert.deepEqual(analyzeTexts(withSubset('v1'), NS), []);
    assert.deepEqual(
      codes(
        analyzeTexts(
          { ...withSubset('v1'), 'ingress.yaml': ingressGatewayWorkload() },
          { ...NS, assumeComplete: true },
        ),
      ),
      ['IST0101'],
    );
  });
});

describe('IST0130 and IST0131', () => {
  const vs = (http: string, name = 'rules') => ({
    'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts:
  - sample.baz.svc.cluster.local
  http:
${http}`,
  });
  const route = (host = 'sample.foo.svc.cluster.local') => `    route:\n    - destination:\n        host: ${host}\n`;

  test('the seed order (exact /simple/httpserver, prefix /simple/nginx) is fine', () => {
    assert.deepEqual(
      analyzeTexts(seed(), NS).filter((d) => d.code === 'IST0130' || d.code === 'IST0131'),
      [],
    );
  });

  test("prefix /simple before prefix /simple/nginx: Istio's overlapping-prefix IST0131", () => {
    const files = edit(seed(), 'istio-specs.yaml', 'exact: "/simple/httpserver"', 'prefix: "/simple"');
    const d = only(analyzeTexts(files, NS), 'IST0131');
    assert.equal(d.source, 'istio');
    assert.equal(d.severity, 'info');
    assert.equal(
      d.message,
      'VirtualService rule #1 match #0 of prefix /simple/nginx is not used (duplicate/overlapping match in rule #0 of prefix /simple on #0).',
    );
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'prefix: "/simple/nginx"') - 1);
    assert.equal(d.related?.[0]?.range.start.line, lineOf(files['istio-specs.yaml']!, 'prefix: "/simple"') - 1);
  });

  test('prefix /simple before exact /simple/nginx: Istio is silent, the lab reports it (source ingress-lab); reversed: nothing', () => {
    const files = edit(
      edit(seed(), 'istio-specs.yaml', 'exact: "/simple/httpserver"', 'prefix: "/simple"'),
      'istio-specs.yaml',
      'prefix: "/simple/nginx"',
      'exact: "/simple/nginx"',
    );
    const d = only(analyzeTexts(files, NS), 'IST0131');
    assert.equal(d.source, 'ingress-lab');
    assert.equal(
      d.message,
      'VirtualService rule #1 match #0 of exact /simple/nginx is not used (duplicate/overlapping match in rule #0 of prefix /simple on #0).',
    );
    // the move fix puts the exact rule first; then nothing is shadowed and the prediction shows it first
    const fixed = applyFix(files, fixTitled(d, 'Move rule #1 above rule #0'));
    assert.deepEqual(analyzeTexts(fixed, NS), []);
    assert.deepEqual(
      predictTexts(fixed, NS).routes.map((r) => r.route.match.path ?? r.route.match.prefix),
      ['/simple/nginx', '/simple'],
    );
    const reversed = readTexts(fixed, 'simple');
    assert.equal(reversed.virtualServices[0]!.spec.http!.length, 2);
  });

  test("Istio's own cases: a method defaults to GET, different methods do not overlap, exact is not a prefix", () => {
    // Cases of Istio's testdata virtualservice_overlappingmatches.yaml, rewritten here.
    const nonMethodGet = analyzeTexts(
      vs(`  - name: "send product to sample.foo"
    match:
    - uri:
        prefix: "/api/v1/product"
    - uri:
        prefix: "/api/v1/products"
      method:
        exact: GET
${route()}`),
    );
    assert.deepEqual(
      nonMethodGet.map((d) => [d.code, d.source, d.message]),
      [
        [
          'IST0131',
          'istio',
          'VirtualService rule "send product to sample.foo" match #1 of prefix /api/v1/products is not used (duplicate/overlapping match in rule #0 of prefix /api/v1/product on "send product to sample.foo").',
        ],
      ],
    );
    const differentMethods = analyzeTexts(
      vs(`  - name: a
    match:
    - uri: {prefix: /api/v1/prod}
      method: {exact: GET}
${route()}  - name: b
    match:
    - uri: {prefix: /api/v1/product}
      method: {exact: GET}
    - uri: {prefix: /api/v1/products}
      method: {exact: POST}
${route('sample.bar.svc.cluster.local')}`),
    );
    assert.deepEqual(
      differentMethods.map((d) => d.message),
      [
        'VirtualService rule "b" match #0 of prefix /api/v1/product is not used (duplicate/overlapping match in rule #0 of prefix /api/v1/prod on "a").',
      ],
    );
    const prefixThenExact = analyzeTexts(
      vs(`  - match:
    - uri: {prefix: /}
    - uri: {exact: /}
      method: {exact: GET}
${route()}`),
    );
    assert.deepEqual(
      prefixThenExact.filter((d) => d.source === 'istio'),
      [],
    );
    assert.deepEqual(codes(prefixThenExact), ['IST0131']);
  });

  test("Istio's duplicate and empty-match cases", () => {
    // Cases of Istio's testdata virtualservice_dupmatches.yaml, rewritten here.
    const dup = analyzeTexts(
      vs(`  - name: send /api/v1/products to sample.foo
    match:
    - name: prefix /api/v1/products
      uri:
        prefix: /api/v1/products
${route()}  - name: send /api/v1/products to sample.bar
    match:
    - uri:
        prefix: /api/v1/products
${route('sample.bar.svc.cluster.local')}`),
    );
    assert.deepEqual(
      dup.map((d) => [d.code, d.severity, d.message]),
      [
        [
          'IST0130',
          'warning',
          'VirtualService rule "send /api/v1/products to sample.bar" not used (all matches used by prior rules).',
        ],
        [
          'IST0131',
          'info',
          'VirtualService rule "send /api/v1/products to sample.bar" match #0 is not used (duplicate/overlapping match in rule "send /api/v1/products to sample.foo").',
        ],
      ],
    );
    const twoEmpty = analyzeTexts(
      vs(
        `  - fault: {delay: {fixedDelay: 5s, percentage: {value: 100}}}\n${route()}  - mirror: {host: sample.bar.svc.cluster.local}\n${route('sample.bar.svc.cluster.local')}`,
      ),
    );
    assert.deepEqual(
      twoEmpty.map((d) => d.message),
      ['VirtualService rule #1 not used (only the last rule can have no matches).'],
    );
    const afterEmpty = analyzeTexts(
      vs(
        `${route().replace('    route:', '  - route:')}  - match:\n    - uri: {exact: /a}\n    - uri: {exact: /b}\n${route()}`,
      ),
    );
    // istioctl prints the message once though both matches raise it
    assert.deepEqual(
      afterEmpty.map((d) => d.message),
      ['VirtualService rule #1 not used (route without matches defined before).'],
    );
    const almost = analyzeTexts(
      vs(`  - match:
    - uri: {prefix: /api/v1/products}
${route()}  - name: bar
    match:
    - name: prefix /api/v1/products
      uri: {prefix: /api/v1/products}
    - name: prefix /potato
      uri: {prefix: /potato}
${route()}`),
    );
    assert.deepEqual(
      almost.map((d) => [d.code, d.message]),
      [
        [
          'IST0131',
          'VirtualService rule "bar" match "prefix /api/v1/products" is not used (duplicate/overlapping match in rule #0).',
        ],
      ],
    );
  });

  test('the lab check: a catch-all prefix / before a rule without matches, headers narrowing, case', () => {
    const catchAll = analyzeTexts(
      vs(
        `  - match:\n    - uri: {prefix: /}\n${route()}  - name: fallback\n${route().replace('    route:', '    route:')}`,
      ),
    );
    assert.deepEqual(
      catchAll.map((d) => [d.code, d.source, d.message]),
      [
        [
          'IST0130',
          'ingress-lab',
          'VirtualService rule "fallback" not used (every request is matched before, by rule #0 match #0 of prefix /).',
        ],
      ],
    );
    // an earlier match with a header condition does not cover a later one without it
    const narrower = analyzeTexts(
      vs(
        `  - match:\n    - uri: {prefix: /a}\n      headers: {x-canary: {exact: "1"}}\n${route()}  - match:\n    - uri: {exact: /a/b}\n${route()}`,
      ),
    );
    assert.deepEqual(narrower, []);
    // the later match has the same header and more: covered
    const covered = analyzeTexts(
      vs(
        `  - match:\n    - uri: {prefix: /a}\n      headers: {x-canary: {exact: "1"}}\n${route()}  - match:\n    - uri: {exact: /a/b}\n      headers: {x-canary: {exact: "1"}, x-more: {prefix: y}}\n${route()}`,
      ),
    );
    assert.deepEqual(codes(covered), ['IST0131']);
    // case-sensitive /A does not cover a case-insensitive /a/b; ignoreUriCase /A does cover /a/b
    assert.deepEqual(
      analyzeTexts(
        vs(
          `  - match:\n    - uri: {prefix: /A}\n${route()}  - match:\n    - uri: {exact: /a/b}\n      ignoreUriCase: true\n${route()}`,
        ),
      ),
      [],
    );
    assert.deepEqual(
      codes(
        analyzeTexts(
          vs(
            `  - match:\n    - uri: {prefix: /A}\n      ignoreUriCase: true\n${route()}  - match:\n    - uri: {exact: /a/b}\n${route()}`,
          ),
        ),
      ),
      ['IST0131'],
    );
  });
});

describe('IST0130 and IST0131 quick fixes', () => {
  const vs = (http: string): Files => ({
    'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: rules
spec:
  hosts:
  - sample.baz.svc.cluster.local
  http:
${http}`,
  });
  const route = (host = 'sample.foo.svc.cluster.local') => `    route:\n    - destination:\n        host: ${host}\n`;
  const fixAndCheck = (files: Files, code: string, title: string | RegExp) => {
    const d = analyzeTexts(files).find((x) => x.code === code)!;
    assert.ok(d, `no ${code}`);
    const fixed = applyFix(files, fixTitled(d, title));
    assert.deepEqual(analyzeTexts(fixed), []);
    return fixed['vs.yaml']!;
  };

  test('a rule whose every match came before: remove it', () => {
    const text = fixAndCheck(
      vs(
        `  - name: foo\n    match:\n    - uri: {prefix: /api}\n${route()}  - name: bar\n    match:\n    - uri: {prefix: /api}\n${route('sample.bar.svc.cluster.local')}`,
      ),
      'IST0130',
      'Remove rule "bar" (never used)',
    );
    assert.ok(!text.includes('sample.bar'));
  });

  test('a duplicate match in a rule that keeps other matches: remove the match', () => {
    const text = fixAndCheck(
      vs(
        `  - match:\n    - uri: {prefix: /api}\n${route()}  - name: bar\n    match:\n    - uri: {prefix: /api}\n    - uri: {prefix: /potato}\n${route()}`,
      ),
      'IST0131',
      'Remove the duplicate match #0 of rule "bar"',
    );
    assert.match(text, /name: bar\n {4}match:\n {4}- uri: \{prefix: \/potato\}\n/);
  });

  test('a rule without matches before others: move it to the end (also when it is the last document line)', () => {
    const text = fixAndCheck(
      vs(
        `  - route:\n    - destination:\n        host: sample.foo.svc.cluster.local\n  - match:\n    - uri: {exact: /a}\n${route()}`,
      ),
      'IST0130',
      'Move rule #0 (no matches) to the end',
    );
    assert.match(text, /http:\n {2}- match:/);
    const noNewline = vs(
      `  - route:\n    - destination:\n        host: sample.foo.svc.cluster.local\n  - match:\n    - uri: {exact: /a}\n${route().trimEnd()}`,
    );
    fixAndCheck(noNewline, 'IST0130', 'Move rule #0 (no matches) to the end');
  });

  test('the lab checks: remove a rule after a catch-all, or a match its own rule shadows', () => {
    fixAndCheck(
      vs(`  - match:\n    - uri: {prefix: /}\n${route()}  - name: fallback\n${route()}`),
      'IST0130',
      'Remove rule "fallback" (never used)',
    );
    fixAndCheck(
      vs(`  - match:\n    - uri: {prefix: /}\n    - uri: {exact: /}\n      method: {exact: GET}\n${route()}`),
      'IST0131',
      'Remove match #1 of rule #0 (never used)',
    );
  });
});

describe('IST0162 and IST0101 selector', () => {
  const withPort = (port: string) =>
    edit(seed(), 'istio-specs.yaml', 'number: 80 #对外提供的服务端口为80', `number: ${port}`);

  test('a server port the gateway Service lacks: on the port number; fixes change the port or add it to the Service', () => {
    const files: Files = { ...withPort('8000'), 'ingress.yaml': ingressGatewayWorkload() };
    const d = only(analyzeTexts(files, NS), 'IST0162');
    assert.equal(d.severity, 'warning');
    assert.equal(
      d.message,
      'The gateway is listening on a target port (port 8000) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.',
    );
    assert.equal(d.range.start.line, lineOf(files['istio-specs.yaml']!, 'number: 8000'));
    assert.deepEqual(
      d.fixes!.map((f) => f.title),
      [
        'Change the server port to 80 (port 80 -> 8080 of the gateway Service)',
        'Change the server port to 443 (port 443 -> 8443 of the gateway Service)',
        'Add port 8000 to Service istio-system/istio-ingressgateway',
      ],
    );
    assert.deepEqual(analyzeTexts(applyFix(files, d.fixes![0]!), NS), []);
    const added = applyFix(files, d.fixes![2]!);
    assert.match(added['ingress.yaml']!, / {2}- \{name: http-8000, port: 8000, targetPort: 8000, protocol: TCP\}\n$/);
    assert.deepEqual(analyzeTexts(added, NS), []);
  });

  test('a Service port or a targetPort is accepted (Istio checks both); offline with no gateway Service: not judged', () => {
    assert.deepEqual(analyzeTexts({ ...withPort('8080'), 'ingress.yaml': ingressGatewayWorkload() }, NS), []);
    assert.deepEqual(analyzeTexts({ ...withPort('443'), 'ingress.yaml': ingressGatewayWorkload() }, NS), []);
    const deploymentOnly = ingressGatewayWorkload().split('---')[0]!;
    assert.deepEqual(analyzeTexts({ ...withPort('8000'), 'ingress.yaml': deploymentOnly }, NS), []);
    assert.deepEqual(
      codes(analyzeTexts({ ...withPort('8000'), 'ingress.yaml': deploymentOnly }, { ...NS, assumeComplete: true })),
      ['IST0162'],
    );
  });

  test('a UDP Service port does not count; a block-style ports list gets a flow item appended', () => {
    const ports =
      '  - name: http2\n    port: 80\n    targetPort: 8080\n  - name: dns\n    port: 8000\n    protocol: UDP\n';
    const files: Files = { ...withPort('8000'), 'ingress.yaml': ingressGatewayWorkload(ports) };
    const d = only(analyzeTexts(files, NS), 'IST0162');
    const added = applyFix(files, fixTitled(d, 'Add port 8000 to Service istio-system/istio-ingressgateway'));
    assert.ok(
      added['ingress.yaml']!.endsWith(
        '    protocol: UDP\n  - {name: http-8000, port: 8000, targetPort: 8000, protocol: TCP}\n',
      ),
    );
    assert.deepEqual(analyzeTexts(added, NS), []);
  });

  test('a selector that matches no gateway pod: on the selector label, fixed to the label the gateway pods carry', () => {
    const files: Files = {
      ...edit(seed(), 'istio-specs.yaml', 'istio: ingressgateway', 'istio: ingress'),
      'ingress.yaml': ingressGatewayWorkload(),
    };
    const d = only(analyzeTexts(files, NS), 'IST0101');
    assert.equal(d.message, 'Referenced selector not found: "istio=ingress"');
    assert.deepEqual(d.object, { kind: 'Gateway', name: 'simple', namespace: 'simple' });
    const line = lineOf(files['istio-specs.yaml']!, 'istio: ingress');
    assert.deepEqual(d.range, { start: { line, character: 11 }, end: { line, character: 18 } });
    assert.deepEqual(analyzeTexts(applyFix(files, fixTitled(d, 'Change selector to istio=ingressgateway')), NS), []);
    // with no gateway-like workload in the files, offline does not judge the selector
    assert.deepEqual(analyzeTexts(edit(seed(), 'istio-specs.yaml', 'istio: ingressgateway', 'istio: ingress'), NS), []);
  });
});

describe('IST0145', () => {
  const second = (hosts: string, port = 80, bind = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: other
  namespace: team-b
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: ${port}, name: http, protocol: HTTP}
    hosts: [${hosts}]
${bind ? `    bind: ${bind}\n` : ''}`;

  test('two Gateways with the same selector claim the same host on the same port: an error on each server port number', () => {
    const files: Files = { ...seed(), 'other.yaml': second('simple.baihl.io, other.baihl.io') };
    const ds = analyzeTexts(files, NS).filter((d) => d.code === 'IST0145');
    assert.deepEqual(
      ds.map((d) => [d.object.name, d.severity, d.message]),
      [
        [
          'other',
          'error',
          'Conflict with gateways simple/simple (workload selector istio=ingressgateway, port 80, hosts simple.baihl.io,other.baihl.io).',
        ],
        [
          'simple',
          'error',
          'Conflict with gateways team-b/other (workload selector istio=ingressgateway, port 80, hosts simple.baihl.io).',
        ],
      ],
    );
    const onSimple = ds.find((d) => d.object.name === 'simple')!;
    assert.equal(onSimple.range.start.line, lineOf(files['istio-specs.yaml']!, 'number: 80 #'));
    assert.equal(onSimple.related?.[0]?.file, 'other.yaml');
  });

  test('another port, another host, another bind, or a wildcard (compared as written): no conflict', () => {
    assert.deepEqual(analyzeTexts({ ...seed(), 'other.yaml': second('simple.baihl.io', 8081) }, NS), []);
    assert.deepEqual(analyzeTexts({ ...seed(), 'other.yaml': second('other.baihl.io') }, NS), []);
    assert.deepEqual(analyzeTexts({ ...seed(), 'other.yaml': second('simple.baihl.io', 80, '10.0.0.1') }, NS), []);
    assert.deepEqual(analyzeTexts({ ...seed(), 'other.yaml': second('"*.baihl.io"') }, NS), []);
  });
});

describe('IST0127 and IST0101 namespace (AuthorizationPolicy)', () => {
  const policy = (name: string, ns: string, spec: string, annotations = '') =>
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${annotations}spec:\n${spec}`;
  const injected = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: simple\n  labels: {istio-injection: enabled}\n';
  const typo = policy('typo', 'simple', '  selector:\n    matchLabels:\n      app: simpel\n');
  const sources = policy(
    'sources',
    'simple',
    '  selector:\n    matchLabels: {app: simple}\n  rules:\n  - from:\n    - source:\n        namespaces: [simple]\n        notNamespaces: [istio-system, other]\n',
  );

  test("a selector no pod in the mesh matches: a warning on the object's line, the editor underlines the selector", () => {
    const files = { ...seed(), 'authz.yaml': typo, 'ns.yaml': injected };
    const d = only(analyzeTexts(files, { ...NS, assumeComplete: true }), 'IST0127');
    assert.equal(d.severity, 'warning');
    assert.equal(d.message, 'No matching workloads for this resource with the following labels: app=simpel');
    assert.deepEqual(d.object, { kind: 'AuthorizationPolicy', name: 'typo', namespace: 'simple' });
    assert.equal(d.range.start.line, 0, 'istioctl names the first line of the object');
    assert.equal(d.valueRange?.start.line, lineOf(typo, 'app: simpel'));
    assert.equal(d.docsUrl, 'https://istio.io/latest/docs/reference/config/analysis/ist0127/');
    // the namespace is injected: the seed's pods are in the mesh and app=simple matches
    const fixed = edit(files, 'authz.yaml', 'app: simpel', 'app: simple');
    assert.deepEqual(analyzeTexts(fixed, { ...NS, assumeComplete: true }), []);
    // not injected (no label, no sidecar): no pod of the namespace is in the mesh
    const plain = { ...fixed, 'ns.yaml': injected.replace('enabled', 'disabled') };
    assert.deepEqual(codes(analyzeTexts(plain, { ...NS, assumeComplete: true })), ['IST0127']);
  });

  test('offline without the whole cluster: a policy is judged where the files show workloads of its namespace, mesh membership unknown counts in', () => {
    const root = policy('gateway', 'istio-system', '  selector:\n    matchLabels: {istio: ingressgateway}\n');
    const elsewhere = policy('elsewhere', 'other', '  selector:\n    matchLabels: {app: x}\n');
    const files = { ...seed(), 'authz.yaml': [typo, root, elsewhere, sources].join('---\n') };
    const ds = analyzeTexts(files, NS);
    assert.deepEqual(
      ds.map((d) => `${d.code} ${d.object.name}`),
      ['IST0127 typo'],
    );
    // with assumeComplete, istioctl's view: the dummy gateway pod is not in the mesh, no Namespace exists
    assert.deepEqual(
      analyzeTexts(files, { ...NS, assumeComplete: true }).map((d) => `${d.code} ${d.object.name} ${d.message}`),
      [
        'IST0101 sources Referenced namespace not found: "other"',
        'IST0101 sources Referenced namespace not found: "istio-system"',
        'IST0101 sources Referenced namespace not found: "simple"',
        'IST0127 elsewhere No matching workloads for this resource with the following labels: app=x',
        'IST0127 gateway No matching workloads for this resource with the following labels: istio=ingressgateway',
        'IST0127 sources No matching workloads for this resource with the following labels: app=simple',
        'IST0127 typo No matching workloads for this resource with the following labels: app=simpel',
      ],
    );
  });

  test('a namespace no Namespace matches: an error on the entry; a notNamespaces entry on the namespaces line of its index (as Istio), underlined where it is', () => {
    const ns = (n: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n  labels: {istio-injection: enabled}\n`;
    const files = { ...seed(), 'authz.yaml': sources, 'ns.yaml': [ns('simple'), ns('istio-system')].join('---\n') };
    const d = only(analyzeTexts(files, { ...NS, assumeComplete: true }), 'IST0101');
    assert.equal(d.message, 'Referenced namespace not found: "other"');
    assert.equal(d.severity, 'error');
    // notNamespaces[1] has no namespaces[1]: Istio names the object's line
    assert.equal(d.range.start.line, 0);
    const v = d.valueRange ?? assert.fail('no valueRange');
    assert.equal(v.start.line, lineOf(sources, 'notNamespaces'));
    assert.equal(at(sources.split('\n'), v.start.line).slice(v.start.character, v.end.character), 'other');
    const first = edit(files, 'authz.yaml', '[istio-system, other]', '[missing, istio-system]');
    const d0 = only(analyzeTexts(first, { ...NS, assumeComplete: true }), 'IST0101');
    assert.equal(d0.range.start.line, lineOf(sources, 'namespaces: [simple]'));
    // offline without the whole cluster, namespaces are not judged
    assert.deepEqual(analyzeTexts(first, NS), []);
  });

  test('quick fixes: the selector to the labels of a pod in the mesh, a namespace to the nearest Namespace', () => {
    const files = { ...seed(), 'authz.yaml': typo, 'ns.yaml': injected };
    const o = { ...NS, assumeComplete: true };
    const d = only(analyzeTexts(files, o), 'IST0127');
    const fix = fixTitled(d, 'Change selector to app=simple (the labels of Deployment simple/simple)');
    assert.equal(fix.isPreferred, true);
    const fixed = applyFix(files, fix);
    assert.match(fixed['authz.yaml']!, /matchLabels:\n {6}app: simple\n/);
    assert.deepEqual(analyzeTexts(fixed, o), []);

    const typoNs = {
      ...files,
      'authz.yaml': sources,
      'ns.yaml': `${injected}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n`,
    };
    const wrong = edit(typoNs, 'authz.yaml', 'namespaces: [simple]', 'namespaces: [simpel]');
    const n = only(analyzeTexts(wrong, o), 'IST0101');
    assert.equal(n.message, 'Referenced namespace not found: "simpel"');
    assert.deepEqual(
      n.fixes?.map((f) => [f.title, f.isPreferred === true]),
      [
        ['Change namespace to simple', true],
        ['Change namespace to other', false],
        ['Change namespace to istio-system', false],
      ],
    );
    assert.deepEqual(analyzeTexts(applyFix(wrong, fixTitled(n, 'Change namespace to simple')), o), []);
  });

  test('a Namespace is cluster-scoped: read without a namespace, named `Namespace <name>` when refused', () => {
    const ns = readTexts({ 'ns.yaml': injected }, 'simple').namespaces;
    assert.deepEqual(
      ns.map((n) => [n.metadata.name, n.metadata.namespace]),
      [['simple', undefined]],
    );
    const { problems } = analyzeDocuments({ 'ns.yaml': injected.replace('name: simple', 'name: Simple') }, NS);
    assert.deepEqual(analyze(emptyResourceSet(), { readProblems: problems }).map(formatIstioctl), [
      `Error [IST0106] (Namespace Simple ns.yaml:1) Schema validation error: metadata.name: invalid name "Simple": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    ]);
  });

  test('the suppress annotation; cluster mode without Namespaces judges workloads only', () => {
    const suppressed = policy(
      'typo',
      'simple',
      '  selector:\n    matchLabels:\n      app: simpel\n',
      '  annotations:\n    galley.istio.io/analyze-suppress: IST0127\n',
    );
    assert.deepEqual(analyzeTexts({ ...seed(), 'authz.yaml': suppressed }, { ...NS, assumeComplete: true }), []);
    const cluster = emptyResourceSet();
    cluster.deployments.push(...readTexts(seed(), 'simple').deployments);
    const inputs = readTexts({ 'authz.yaml': [typo, sources].join('---\n') }, 'simple');
    assert.deepEqual(
      analyze(inputs, { clusterResources: cluster }).map((d) => `${d.code} ${d.object.name}`),
      ['IST0127 typo'],
    );
  });
});

describe('cluster mode', () => {
  const clusterGateway = (name: string, namespace: string) =>
    fromClusterObject(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name, namespace },
        spec: {
          selector: { istio: 'ingressgateway' },
          servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
        },
      },
      `/apis/networking.istio.io/v1/namespaces/${namespace}/gateways/${name}`,
    ) as Gateway;

  test('a reference found only in the cluster is fine; references are judged as complete; the cluster objects get no diagnostics', () => {
    const vsOnly = {
      'vs.yaml': at(
        (seed()['istio-specs.yaml'] ?? assert.fail('no istio-specs.yaml in the seed')).split('---'),
      ).replace('    - simple\n  hosts:', '    - istio-system/public\n  hosts:'),
    };
    const cluster = emptyResourceSet();
    cluster.gateways.push(clusterGateway('public', 'istio-system'));
    const clusterServices = readTexts(
      { 'svc.yaml': seed()['simple.yaml']! + '\n---\n' + seed()['nginx.yaml']! },
      'simple',
    );
    cluster.services.push(...clusterServices.services);
    cluster.deployments.push(...readTexts({ 'ingress.yaml': ingressGatewayWorkload() }).deployments);
    const inputs = readTexts(vsOnly, 'simple');
    assert.deepEqual(analyze(inputs, { clusterResources: cluster }), []);
    cluster.gateways.splice(0, 1, clusterGateway('private', 'istio-system'));
    const ds = analyze(inputs, { clusterResources: cluster });
    assert.deepEqual(
      ds.map((d) => [d.code, d.message]),
      [
        ['IST0101', 'Referenced gateway not found: "istio-system/public"'],
        [
          'IST0132',
          'one or more host [simple.baihl.io] defined in VirtualService simple/simple not found in Gateway istio-system/public.',
        ],
      ],
    );
  });

  test('a kind the cluster snapshot holds nothing of counts as not fetched: not judged', () => {
    const inputs = readTexts(
      edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - istio-system/public\n  hosts:'),
      'simple',
    );
    assert.deepEqual(analyze(inputs, { clusterResources: emptyResourceSet() }), []);
    const selectorOff = readTexts(
      edit(seed(), 'istio-specs.yaml', 'istio: ingressgateway', 'istio: ingress'),
      'simple',
    );
    assert.deepEqual(analyze(selectorOff, { clusterResources: emptyResourceSet() }), []);
    const cluster = emptyResourceSet();
    cluster.deployments.push(...readTexts({ 'ingress.yaml': ingressGatewayWorkload() }).deployments);
    assert.deepEqual(codes(analyze(selectorOff, { clusterResources: cluster })), ['IST0101']);
  });

  test("with the gateway pods in the cluster but not their Service, Istio's default ingress Service stands in", () => {
    const cluster = emptyResourceSet();
    cluster.deployments.push(...readTexts({ 'ingress.yaml': ingressGatewayWorkload() }).deployments);
    const files = edit(seed(), 'istio-specs.yaml', 'number: 80 #对外提供的服务端口为80', 'number: 8000');
    const inputs = readTexts(files, 'simple');
    assert.deepEqual(codes(analyze(inputs, { clusterResources: cluster })), ['IST0162']);
    assert.deepEqual(analyze(readTexts(seed(), 'simple'), { clusterResources: cluster }), []);
  });
});

describe('hand-written YAML of any shape', () => {
  test('every value of the seed, the gateway workload and a DestinationRule replaced by a string, null, list, map or nested list: no throw', async () => {
    const { parseAllDocuments, stringify } = await import('yaml');
    const base = [
      ...seedManifests().map((m) => m.text),
      ingressGatewayWorkload(),
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: nginx, namespace: simple}\nspec:\n  host: nginx\n  subsets: [{name: v1, labels: {version: v1}}]\n',
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap, namespace: simple}\nspec:\n  selector: {matchLabels: {app: simple}}\n  rules:\n  - from:\n    - source: {namespaces: [simple, "x-*"], notNamespaces: [other]}\n',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: simple, labels: {istio-injection: enabled}}\n',
    ]
      .join('\n---\n')
      .split(/^---$/m)
      .flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as unknown))
      .filter((v) => v && typeof v === 'object');
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (path.length > 1 && path[1] !== 'metadata') paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) if (k !== 'kind' && k !== 'apiVersion') walk(x, [...path, k]);
    };
    base.forEach((doc, i) => walk(doc, [i]));
    let runs = 0;
    for (const path of paths) {
      for (const replacement of ['x', null, [], {}, [['a']]]) {
        const docs = structuredClone(base) as Record<string | number, unknown>[];
        let parent: Record<string | number, unknown> = docs as never;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        parent[path[path.length - 1]!] = replacement;
        const text = docs.map((d) => stringify(d)).join('---\n');
        const ds = [
          ...analyzeTexts({ 'all.yaml': text }, NS),
          ...analyzeTexts({ 'all.yaml': text }, { ...NS, assumeComplete: true }),
        ];
        assert.ok(Array.isArray(ds), path.join('.'));
        for (const d of ds) assert.ok(d.range.start.line >= 0 && d.message.length > 0);
        runs++;
      }
    }
    assert.ok(runs > 500, `only ${runs} variants`);
  });
});

describe('analyzeDocuments (the editor entry point)', () => {
  test('texts in, diagnostics with fixes and YAML problems out', () => {
    const files = new Map(
      Object.entries(edit(seed(), 'istio-specs.yaml', '    - simple\n  hosts:', '    - simpel\n  hosts:')),
    );
    files.set('broken.yaml', 'kind: Gateway\nspec: [\n');
    const { diagnostics, problems } = analyzeDocuments(files, { defaultNamespace: 'simple' });
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['IST0101', 'IST0132'],
    );
    assert.equal(diagnostics[0]!.fixes?.[0]?.title, 'Change gateway to simple (Gateway simple/simple)');
    assert.deepEqual(
      problems.map((p) => p.file),
      ['broken.yaml'],
    );
    // without a namespace the seed objects are in `default`, where the VirtualService still finds its Gateway
    assert.deepEqual(analyzeDocuments(seed()).diagnostics, []);
  });
});

test('a gateway name typo gets one preferred fix, so Auto Fix can apply it', () => {
  const texts = Object.fromEntries(
    seedManifests().map((m) => [
      m.name,
      m.name === 'istio-specs.yaml' ? m.text.replace('gateways:\n    - simple', 'gateways:\n    - simpel') : m.text,
    ]),
  );
  const { diagnostics } = analyzeDocuments(texts, { defaultNamespace: 'simple' });
  const d = diagnostics.find((x) => x.code === 'IST0101')!;
  assert.ok(d, JSON.stringify(diagnostics.map((x) => x.message)));
  assert.deepEqual(
    d.fixes?.filter((f) => f.isPreferred).map((f) => f.title),
    ['Change gateway to simple (Gateway simple/simple)'],
  );
});
