import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearYamlCache, readResources, splitDocuments, yamlCacheStats } from '../../src/istio/yamlModel';

const VS = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: simple
spec:
  hosts: [simple.baihl.io]
  http:
  - match:
    - uri:
        exact: /simple/httpserver
`;

test('splits a stream at --- lines and keeps each document start line', () => {
  const chunks = splitDocuments(`a: 1\n---\nb: 2\n--- # comment\nc: 3\n`);
  assert.deepEqual(
    chunks.map((c) => c.startLine),
    [0, 1, 3],
  );
});

test('non-Istio documents are skipped; Istio and core kinds are read with their namespace default', () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${VS}`;
  const { resources, problems } = readResources(text, 'f.yaml', { defaultNamespace: 'simple' });
  assert.deepEqual(problems, []);
  assert.equal(resources.virtualServices.length, 1);
  assert.equal(resources.virtualServices[0]!.metadata.namespace, 'simple');
  assert.equal(resources.virtualServices[0]!.docIndex, 1);
});

test('ranges point at the exact match entry, counted from the top of the file', () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${VS}`;
  const vs = readResources(text, 'f.yaml').resources.virtualServices[0]!;
  const r = vs.rangeAt(['spec', 'http', 0, 'match', 0]);
  assert.equal(r.start.line, 12);
  assert.equal(text.split('\n')[r.start.line]!.trim(), '- uri:');
  // a path that does not exist falls back to its deepest parent
  assert.deepEqual(vs.rangeAt(['spec', 'http', 0, 'nothing']), vs.rangeAt(['spec', 'http', 0]));
});

test('a broken document is reported with its line, and the other documents are still read', () => {
  const broken = `apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n`;
  const { resources, problems } = readResources(`${broken}---\n${VS}`, 'f.yaml');
  assert.equal(resources.virtualServices.length, 1);
  assert.equal(problems.length >= 1, true);
  assert.equal(problems[0]!.file, 'f.yaml');
  assert.ok(problems[0]!.range.start.line >= 3 && problems[0]!.range.start.line <= 4, JSON.stringify(problems[0]));
});

test('an alias bomb is refused quickly with a clear message', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(
      `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
    );
  }
  const bomb = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bomb}\nspec:\n  ${lines.join('\n  ')}\n`;
  const started = process.hrtime.bigint();
  const { resources, problems } = readResources(bomb, 'bomb.yaml');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(resources.virtualServices.length, 0);
  assert.match(problems[0]!.message, /too many YAML aliases .* alias bomb/);
  assert.ok(ms < 5000, `took ${ms} ms`); // a guard against hanging, not a benchmark
});

test('indentation with non-breaking spaces (pasted from a web page) is named as such', () => {
  const { problems } = readResources(`apiVersion: v1\nkind: Service\nmetadata:\n\u00a0 name: x\n`, 'f.yaml');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.range.start.line, 3);
  assert.match(problems[0]!.message, /non-breaking space/);
});

test('a document without metadata.name is reported, not silently dropped', () => {
  const { problems } = readResources(`apiVersion: networking.istio.io/v1\nkind: Gateway\nspec: {}\n`, 'f.yaml');
  assert.match(problems[0]!.message, /Gateway has no metadata.name/);
});

test('editing one document re-parses only that document', () => {
  clearYamlCache();
  const docs = Array.from({ length: 5 }, (_, i) => VS.replace('name: simple', `name: vs${i}`));
  readResources(docs.join('---\n'), 'f.yaml');
  assert.deepEqual(yamlCacheStats(), { parsed: 5, reused: 0 });
  docs[2] = docs[2]!.replace('simple.baihl.io', 'edited.baihl.io');
  const { resources } = readResources(docs.join('---\n'), 'f.yaml');
  assert.deepEqual(yamlCacheStats(), { parsed: 6, reused: 4 });
  assert.deepEqual(resources.virtualServices[2]!.spec.hosts, ['edited.baihl.io']);
  // positions of the cached documents still follow the file
  assert.equal(resources.virtualServices[4]!.range.start.line, 4 * 11 - 1); // its `---` line
});
