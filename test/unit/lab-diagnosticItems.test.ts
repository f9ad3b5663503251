// What the Problems panel gets from the analyzer (src/editor/diagnosticItems.ts), checked on the lab's sample
// workspace with the edits a user makes: items grouped by file, Istio's code and docs link, related places and
// fixes kept only inside the editor's files, one YAML error per document on the line to fix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeDocuments } from '../../src/istio/analyze';
import { emptyResourceSet, fromClusterObject } from '../../src/istio/yamlModel';
import type { Gateway } from '../../src/istio/model';
import { firstProblemPerDocument, itemKey, itemsByFile, YAML_SOURCE } from '../../src/lab/diagnosticItems';

const SAMPLE = fileURLToPath(new URL('../../samples/workspace/', import.meta.url));
const SPECS = 'file:///ws/istio-specs.yaml';

function workspace(edit: (specs: string) => string = (s) => s): Map<string, string> {
  const read = (f: string) => readFileSync(`${SAMPLE}${f}`, 'utf8');
  return new Map([
    [SPECS, edit(read('istio-specs.yaml'))],
    ['file:///ws/simple.yaml', read('simple.yaml')],
    ['file:///ws/nginx.yaml', read('nginx.yaml')],
  ]);
}

const lineOf = (text: string, needle: string): number => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `${needle} not in the text`);
  return i;
};

test('the unmodified sample: every file listed (so stale diagnostics are cleared), none with an item', () => {
  const texts = workspace();
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts);
  assert.deepEqual([...items.keys()].sort(), [...texts.keys()].sort());
  for (const [file, list] of items) assert.deepEqual(list, [], file);
});

test('a host the Gateway lacks: IST0132 on the VirtualService with its docs page, the Gateway as related place, the preferred fix edits the Gateway', () => {
  const texts = workspace((s) => s.replace('  hosts:\n    - simple.baihl.io', '  hosts:\n    - other.baihl.io'));
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(items.length, 1);
  const [d] = items;
  assert.deepEqual(d!.code, {
    value: 'IST0132',
    target: 'https://istio.io/latest/docs/reference/config/analysis/ist0132/',
  });
  assert.equal(d!.severity, 'warning');
  assert.equal(d!.unreachable, false);
  assert.equal(d!.source, 'istio');
  assert.match(
    d!.message,
    /host \[other\.baihl\.io\] defined in VirtualService simple\/simple not found in Gateway simple\/simple/,
  );
  // On the value at fault, the host (istioctl analyze names the gateway reference's line; the editor the host).
  assert.equal(d!.range.start.line, lineOf(texts.get(SPECS)!, '- other.baihl.io'));
  assert.equal(
    texts.get(SPECS)!.split('\n')[d!.range.start.line]!.slice(d!.range.start.character, d!.range.end.character),
    'other.baihl.io',
  );
  assert.ok(
    d!.related.some(
      (r) =>
        r.message === 'bound to Gateway simple/simple here' &&
        r.range.start.line === lineOf(texts.get(SPECS)!, '- simple'),
    ),
  );
  assert.ok(d!.related.length >= 1 && d!.related.every((r) => r.file === SPECS));
  const preferred = d!.fixes.filter((f) => f.isPreferred);
  assert.equal(preferred.length, 1);
  assert.match(preferred[0]!.title, /Add host other\.baihl\.io to Gateway simple\/simple/);
  assert.ok(preferred[0]!.edits[0]!.range.start.line > lineOf(texts.get(SPECS)!, 'kind: Gateway'));
});

test("related places and fixes that point outside the editor's files are dropped, the diagnostic stays", () => {
  const texts = workspace((s) => s.replace('  hosts:\n    - simple.baihl.io', '  hosts:\n    - other.baihl.io'));
  const result = analyzeDocuments(texts, { defaultNamespace: 'simple' });
  const onlySpecs = new Map([[SPECS, texts.get(SPECS)!]]);
  const moved = {
    ...result,
    diagnostics: result.diagnostics.map((d) => ({
      ...d,
      related: d.related?.map((r) => ({ ...r, file: 'cluster:Gateway' })),
      fixes: d.fixes?.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, file: 'cluster:Gateway' })) })),
    })),
  };
  const [d] = itemsByFile(moved, onlySpecs).get(SPECS)!;
  assert.equal(d!.code?.value, 'IST0132');
  assert.deepEqual(d!.related, []);
  assert.deepEqual(d!.fixes, []);
});

test('a diagnostic for a file the editor did not give (a cluster object) is not shown anywhere', () => {
  const texts = workspace();
  const result = analyzeDocuments(texts, { defaultNamespace: 'simple' });
  const extra = {
    ...result,
    diagnostics: [{ ...result.diagnostics[0], code: 'IST0101', file: 'cluster:VirtualService' } as never],
  };
  const items = itemsByFile(extra, texts);
  assert.ok(!items.has('cluster:VirtualService'));
  assert.equal([...items.values()].flat().length, 0);
});

test('prefix /simple before exact /simple/nginx: IST0131 (ingress-lab) on the line of the exact match, as information', () => {
  const texts = workspace((s) =>
    s
      .replace('exact: "/simple/httpserver"', 'prefix: "/simple"')
      .replace('prefix: "/simple/nginx"', 'exact: "/simple/nginx"'),
  );
  const [d, ...rest] = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(rest.length, 0);
  assert.equal(d!.code?.value, 'IST0131');
  assert.equal(d!.source, 'ingress-lab');
  assert.equal(d!.severity, 'info');
  assert.equal(d!.unreachable, true);
  // Placed on the shadowed match (`- uri: exact: /simple/nginx`), which covers the exact line.
  const exactLine = lineOf(texts.get(SPECS)!, 'exact: "/simple/nginx"');
  assert.equal(d!.range.start.line, exactLine - 1);
  assert.ok(d!.range.end.line >= exactLine);
});

test("with the cluster's objects, a gateway that exists only in the cluster is not flagged; offline it is", () => {
  const texts = workspace((s) => s.replace('gateways:\n    - simple', 'gateways:\n    - simple\n    - shared'));
  const offline = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.ok(
    offline.some((d) => d.code?.value === 'IST0101' && /Referenced gateway not found: "shared"/.test(d.message)),
  );
  const cluster = emptyResourceSet();
  const gw = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'shared', namespace: 'simple' },
    spec: {
      selector: { istio: 'shared-gateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['simple.baihl.io'] }],
    },
  };
  cluster.gateways.push(fromClusterObject(gw, 'cluster:Gateway') as Gateway);
  // Only the gateway kind is given: the other kinds count as not fetched, so nothing else is judged.
  const connected = itemsByFile(
    analyzeDocuments(texts, { defaultNamespace: 'simple', clusterResources: cluster }),
    texts,
  ).get(SPECS)!;
  assert.deepEqual(
    connected.filter((d) => d.message.includes('shared')),
    [],
  );
});

test('broken YAML: one error for one mistake (the first the parser reports), from the lab', () => {
  // One line indented one space too far: the parser reports it twice (nested mapping, implicit key).
  const texts = workspace((s) =>
    s.replace(
      '  name: simple\n  namespace: simple\nspec:\n  gateways',
      '  name: simple\n   namespace: simple\nspec:\n  gateways',
    ),
  );
  const raw = analyzeDocuments(texts, { defaultNamespace: 'simple' }).problems.filter((p) => p.file === SPECS);
  assert.ok(raw.length > 1, 'the parser reports follow-on errors too (else this test proves nothing)');
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(items.length, 1);
  assert.equal(items[0]!.severity, 'error');
  assert.equal(items[0]!.source, YAML_SOURCE);
  assert.equal(items[0]!.code, undefined);
  assert.equal(items[0]!.message, raw[0]!.message);
  assert.deepEqual(items[0]!.range, raw[0]!.range);
});

test('a tab used for indentation: one error on that line', () => {
  const texts = workspace((s) => s.replace('  namespace: simple\nspec:', '\tnamespace: simple\nspec:'));
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(items.length, 1);
  assert.match(items[0]!.message, /Tabs/);
  assert.equal(items[0]!.range.start.line, lineOf(texts.get(SPECS)!, '\tnamespace'));
});

test('a missing closing quote: the error is on that line', () => {
  const texts = workspace((s) => s.replace('uri: "/hello"', 'uri: "/hello'));
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(items.length, 1);
  assert.match(items[0]!.message, /quote/);
  assert.equal(items[0]!.range.start.line, lineOf(texts.get(SPECS)!, 'uri: "/hello'));
});

test('NBSP indentation: the error names U+00A0 on the pasted line', () => {
  const texts = workspace((s) =>
    s.replace('  namespace: simple\nspec:\n  gateways', '\u00a0 namespace: simple\nspec:\n  gateways'),
  );
  const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple' }), texts).get(SPECS)!;
  assert.equal(items.length, 1);
  assert.match(items[0]!.message, /non-breaking space \(U\+00A0\)/);
  assert.equal(items[0]!.range.start.line, lineOf(texts.get(SPECS)!, '\u00a0 namespace'));
});

test('a mistake in each of two documents of one file: both kept, in order', () => {
  const problem = (line: number, character: number, message: string) => ({
    file: 'f',
    message,
    severity: 'error' as const,
    range: { start: { line, character }, end: { line, character: character + 1 } },
  });
  const text = 'a: 1\nb: [\nc: 2\n---\nd: {\ne: 3\n';
  const kept = firstProblemPerDocument(
    [
      problem(2, 0, 'follow-on'),
      problem(1, 3, 'first'),
      problem(5, 0, 'second doc'),
      problem(4, 3, 'second doc first'),
    ],
    text,
  );
  assert.deepEqual(
    kept.map((p) => p.message),
    ['first', 'second doc first'],
  );
});

test('broken YAML that is no Kubernetes manifest (a CI workflow, a Helm template) is left to other tools', () => {
  const texts = new Map([
    ['file:///ws/.github/workflows/ci.yaml', 'on: [push\njobs:\n  build: {}\n'],
    [
      'file:///ws/chart/templates/vs.yaml',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: {{ .Values.name }}\n  labels:\n{{ include "labels" . | indent 4 }}\n',
    ],
    ['file:///ws/broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "x\n'],
  ]);
  const result = analyzeDocuments(texts);
  for (const f of ['ci.yaml', 'templates/vs.yaml'])
    assert.ok(
      result.problems.some((p) => p.file.endsWith(f)),
      `the reader does see ${f} as broken`,
    );
  const items = itemsByFile(result, texts);
  assert.deepEqual(items.get('file:///ws/.github/workflows/ci.yaml'), []);
  assert.deepEqual(items.get('file:///ws/chart/templates/vs.yaml'), []);
  assert.equal(items.get('file:///ws/broken.yaml')!.length, 1);
});

test('itemKey tells diagnostics apart by code, range and message', () => {
  const r = { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } };
  assert.notEqual(itemKey('IST0101', r, 'm'), itemKey('IST0132', r, 'm'));
  assert.notEqual(itemKey('IST0101', r, 'm'), itemKey('IST0101', { ...r, end: { line: 1, character: 6 } }, 'm'));
  assert.equal(itemKey(undefined, r, 'm'), itemKey(undefined, { start: { ...r.start }, end: { ...r.end } }, 'm'));
});

// Each diagnostic underlines the value a person has to change, whatever line `istioctl analyze` names.
const underlined = (
  text: string,
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
): string => {
  const lines = text.split('\n');
  return r.start.line === r.end.line
    ? lines[r.start.line]!.slice(r.start.character, r.end.character)
    : `${lines[r.start.line]!.slice(r.start.character)}…`;
};
const OTHER_GATEWAY =
  '---\napiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: other\n  namespace: simple\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n    - hosts:\n        - simple.baihl.io\n      port:\n        name: http-other\n        number: 80\n        protocol: HTTP\n';
const NGINX_RULE =
  '---\napiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: nginx\n  namespace: simple\nspec:\n  host: nginx.simple.svc.cluster.local\n  subsets:\n  - name: v1\n    labels: {version: v1}\n';
const AT_FAULT: { what: string; edit: (s: string) => string; expect: [code: string, text: string][] }[] = [
  {
    what: 'a VirtualService host the Gateway does not accept',
    edit: (s) => s.replace('  hosts:\n    - simple.baihl.io', '  hosts:\n    - other.baihl.io'),
    expect: [['IST0132', 'other.baihl.io']],
  },
  // The Gateway is missing: the reference is at fault for both messages, not the host.
  {
    what: 'a gateway reference to no Gateway',
    edit: (s) => s.replace('gateways:\n    - simple', 'gateways:\n    - simpel'),
    expect: [
      ['IST0101', 'simpel'],
      ['IST0132', 'simpel'],
    ],
  },
  {
    what: 'a destination host no Service has',
    edit: (s) => s.replace('host: nginx.simple', 'host: nginz.simple'),
    expect: [['IST0101', 'nginz.simple.svc.cluster.local']],
  },
  {
    what: 'a subset the DestinationRule lacks',
    edit: (s) =>
      `${s.replace('host: nginx.simple.svc.cluster.local', 'host: nginx.simple.svc.cluster.local\n          subset: v9')}${NGINX_RULE}`,
    expect: [['IST0101', 'v9']],
  },
  {
    what: 'a Gateway port the gateway Service lacks',
    edit: (s) => s.replace('number: 80 # the port', 'number: 81 # the port'),
    expect: [['IST0162', '81']],
  },
  {
    what: 'a Gateway selector no workload has',
    edit: (s) => s.replace('    istio: ingressgateway\n  servers', '    istio: nosuchgateway\n  servers'),
    expect: [['IST0101', 'nosuchgateway']],
  },
  {
    what: 'a credentialName no Secret has',
    edit: (s) =>
      s.replace(
        '        protocol: HTTP',
        '        protocol: HTTPS\n      tls:\n        mode: SIMPLE\n        credentialName: nosuch-cert',
      ),
    expect: [['IST0101', 'nosuch-cert']],
  },
  {
    what: 'a host two Gateways claim on one port',
    edit: (s) => `${s}${OTHER_GATEWAY}`,
    expect: [
      ['IST0145', 'simple.baihl.io'],
      ['IST0145', 'simple.baihl.io'],
    ],
  },
  {
    what: 'a match an earlier rule already takes',
    edit: (s) => s.replace('        prefix: "/simple/nginx"', '        exact: "/simple/httpserver"'),
    expect: [
      ['IST0130', '- uri:…'],
      ['IST0131', 'uri:…'],
    ],
  },
];
for (const c of AT_FAULT) {
  test(`on the value at fault: ${c.what}`, () => {
    const texts = workspace(c.edit);
    const items = itemsByFile(analyzeDocuments(texts, { defaultNamespace: 'simple', assumeComplete: true }), texts).get(
      SPECS,
    )!;
    const got = items
      .map((d) => [d.code?.value ?? d.source, underlined(texts.get(SPECS)!, d.range)] as [string, string])
      .sort();
    assert.deepEqual(got, [...c.expect].sort(), JSON.stringify(items.map((d) => d.message)));
  });
}
