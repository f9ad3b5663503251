// The incremental analysis (src/istio/analyzeIncremental.ts) against the whole-workspace analyzeDocuments:
// after every edit of a sequence (a document changed so that references break, removed, added back, the
// documents reordered), on the corpus's workspaces and on all of them at once, offline, offline complete and
// with cluster objects, both must give the same diagnostics and problems. And an edit of one VirtualService
// document reads and analyzes only that document.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { analyzeDocuments, type AnalyzeDocumentsOptions } from '../../src/istio/analyze';
import { IncrementalAnalysis } from '../../src/istio/analyzeIncremental';
import { mergeResourceSets, readResources, SharedReads } from '../../src/istio/yamlModel';

const CORPUS = fileURLToPath(new URL('../corpus/', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../samples/workspace/', import.meta.url));

function yamlFiles(dir: string, prefix = dir): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort())
    if (/\.ya?ml$/.test(f)) out.set(`file://${join(prefix, f)}`, readFileSync(join(dir, f), 'utf8'));
  return out;
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

/** Edits that make the analyzers find something: names and ports that no longer match, matches that overlap. */
const EDITS: [RegExp, string][] = [
  [/name: (\S+)/, 'name: $1-renamed'],
  [/number: 80\b/, 'number: 81'],
  [/prefix:/, 'exact:'],
  [/subset: (\S+)/, 'subset: $1-missing'],
  [/hosts:\n(\s+)- /, 'hosts:\n$1- other.example.com\n$1- '],
  [/\n {2}namespace: \S+/, ''],
  [/istio-injection: enabled/, 'istio-injection: disabled'],
  [/namespaces: \[/, 'namespaces: [missing, '],
];

function check(
  label: string,
  incremental: IncrementalAnalysis,
  texts: Map<string, string>,
  o: AnalyzeDocumentsOptions,
) {
  const expected = analyzeDocuments(texts, o);
  const actual = incremental.update(texts, o);
  assert.deepEqual(actual.diagnostics, expected.diagnostics, `${label}: diagnostics`);
  assert.deepEqual(actual.problems, expected.problems, `${label}: problems`);
  return expected.diagnostics.length;
}

/** Every edit of every document, each undone again; each document removed and put back; the order reversed. */
function editSequence(name: string, start: Map<string, string>, o: AnalyzeDocumentsOptions): number {
  const incremental = new IncrementalAnalysis();
  let findings = check(`${name} initial`, incremental, start, o);
  let texts = new Map(start);
  for (const [file, text] of start) {
    for (const [pattern, replacement] of EDITS) {
      if (!pattern.test(text)) continue;
      texts.set(file, text.replace(pattern, replacement));
      findings += check(`${name} ${file} ${String(pattern)}`, incremental, texts, o);
    }
    texts.set(file, text);
    texts.delete(file);
    findings += check(`${name} ${file} removed`, incremental, texts, o);
    texts.set(file, text); // back, now last
    findings += check(`${name} ${file} added`, incremental, texts, o);
  }
  texts = new Map([...texts].reverse());
  findings += check(`${name} reversed`, incremental, texts, o);
  check(`${name} unchanged`, incremental, texts, o);
  assert.equal(incremental.stats.unchanged, true);
  return findings;
}

const cluster = mergeResourceSets(
  ...[...yamlFiles(join(CORPUS, 'seed-simple'))].map(([f, t]) => readResources(t, f).resources),
);
const OPTIONS: [string, AnalyzeDocumentsOptions][] = [
  ['offline', { defaultNamespace: 'default' }],
  ['offline complete', { defaultNamespace: 'simple', assumeComplete: true }],
  ['with cluster objects', { defaultNamespace: 'default', clusterResources: cluster }],
];

describe('incremental analysis gives what analyzeDocuments gives', () => {
  for (const [label, o] of OPTIONS) {
    test(`every corpus workspace, ${label}`, () => {
      let findings = 0;
      for (const c of cases) findings += editSequence(c, yamlFiles(join(CORPUS, c)), o);
      assert.ok(findings > 100, `the edits found ${findings} problems: too few to compare`);
    });
  }

  test('the sample with AuthorizationPolicies and Namespaces (IST0127 and IST0101 namespace hang on other documents)', () => {
    const texts = yamlFiles(SAMPLE);
    texts.set(
      'file:///ws/authz.yaml',
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: app\n  namespace: simple\nspec:\n  selector:\n    matchLabels: {app: simple}\n  rules:\n  - from:\n    - source:\n        namespaces: [simple, istio-system]\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: wide\n  namespace: simple\nspec: {}\n',
    );
    texts.set(
      'file:///ws/namespaces.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: simple\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n',
    );
    let findings = 0;
    for (const [label, o] of OPTIONS) findings += editSequence(`authz ${label}`, texts, o);
    assert.ok(findings > 10, `the edits found ${findings} problems: too few to compare`);
  });

  test('all corpus workspaces as one (conflicting gateways and shared names across documents)', () => {
    const all = new Map<string, string>();
    for (const c of cases.slice(0, 24)) for (const [f, t] of yamlFiles(join(CORPUS, c))) all.set(f, t);
    const findings = editSequence('all', all, OPTIONS[0]![1]);
    assert.ok(findings > 100);
  });
});

describe('incremental analysis after one edit', () => {
  const texts = yamlFiles(SAMPLE);
  for (let i = 0; i < 50; i++)
    texts.set(
      `file:///ws/app-${i}.yaml`,
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: app-${i}\n  namespace: simple\nspec:\n  gateways: [simple]\n  hosts: [app-${i}.baihl.io]\n  http:\n  - match:\n    - uri:\n        prefix: /app-${i}\n    route:\n    - destination:\n        host: simple.simple.svc.cluster.local\n`,
    );

  test('reads and analyzes only the edited VirtualService document', () => {
    const incremental = new IncrementalAnalysis();
    incremental.update(texts);
    assert.equal(incremental.stats.read, texts.size);
    const edited = new Map(texts);
    edited.set('file:///ws/app-7.yaml', texts.get('file:///ws/app-7.yaml')!.replace('prefix: /app-7', 'prefix: /'));
    const result = incremental.update(edited);
    assert.deepEqual(incremental.stats, { read: 1, analyzed: 1, unchanged: false });
    assert.deepEqual(result, analyzeDocuments(edited));
  });

  test('a Gateway edited analyzes again every document that looks Gateways up', () => {
    const incremental = new IncrementalAnalysis();
    incremental.update(texts);
    const [gatewayFile, gatewayText] = [...texts].find(([, t]) => /kind: Gateway/.test(t))!;
    const edited = new Map(texts);
    edited.set(gatewayFile, gatewayText.replace('simple.baihl.io', 'other.baihl.io'));
    const result = incremental.update(edited);
    assert.equal(incremental.stats.read, 1);
    assert.equal(incremental.stats.analyzed, texts.size);
    assert.ok(result.diagnostics.some((d) => d.code === 'IST0132'));
    assert.deepEqual(result, analyzeDocuments(edited));
  });

  test('in slices: the same result, with pauses between the documents', async () => {
    let pauses = 0;
    const result = await new IncrementalAnalysis().updateInSlices(
      texts,
      {},
      async () => {
        pauses++;
        await Promise.resolve();
      },
      { sliceMs: 0, firstSliceMs: 0 },
    );
    assert.deepEqual(result, analyzeDocuments(texts));
    assert.ok(pauses >= texts.size, `${pauses} pauses for ${texts.size} documents`);
  });
});

describe('SharedReads', () => {
  test('the same text of the same file read again is the same result; another text or namespace is read', () => {
    const reads = new SharedReads();
    const text = readFileSync(join(SAMPLE, 'istio-specs.yaml'), 'utf8');
    const first = reads.read(text, 'file:///a.yaml', { defaultNamespace: 'simple', validate: true });
    assert.equal(reads.read(`${text}`, 'file:///a.yaml', { defaultNamespace: 'simple', validate: true }), first);
    assert.notEqual(reads.read(text, 'file:///a.yaml', { defaultNamespace: 'other', validate: true }), first);
    assert.notEqual(reads.read(`${text}\n`, 'file:///a.yaml', { defaultNamespace: 'simple', validate: true }), first);
    const json = (r: unknown) => JSON.stringify(r); // the objects' rangeAt closures differ from read to read
    assert.equal(
      json(reads.read(text, 'file:///b.yaml', { defaultNamespace: 'simple', validate: true })),
      json(readResources(text, 'file:///b.yaml', { defaultNamespace: 'simple', validate: true })),
    );
  });
});
