import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  checkSampleParams,
  DEFAULT_SAMPLE_PARAMS,
  planScaffold,
  renderSample,
  SAMPLE_FILES,
} from '../../src/lab/scaffold';

const template = (f: string) => readFileSync(new URL(`../../samples/${f}`, import.meta.url), 'utf8');
const workspaceFile = (f: string) => readFileSync(new URL(`../../samples/workspace/${f}`, import.meta.url), 'utf8');

test('the bundled sample workspace is exactly the templates rendered with the default settings', () => {
  for (const f of SAMPLE_FILES) assert.equal(workspaceFile(f), renderSample(template(f), DEFAULT_SAMPLE_PARAMS), f);
});

test('rendering fills namespace and host everywhere and leaves no placeholder', () => {
  const out = renderSample(template('istio-specs.yaml'), { namespace: 'lab2', host: 'shop.example.com' });
  assert.doesNotMatch(out, /\{\{/);
  assert.match(out, /^ {4}- shop\.example\.com$/m);
  assert.match(out, /host: simple\.lab2\.svc\.cluster\.local/);
  assert.match(out, /host: nginx\.lab2\.svc\.cluster\.local/);
  assert.equal(out.match(/namespace: lab2/g)?.length, 2);
});

test("the templates keep the article's objects", () => {
  const all = SAMPLE_FILES.map(template).join('\n');
  for (const s of [
    'image: cncamp/httpserver:v1.0-metrics',
    'name: nginx-deployment',
    'exact: "/simple/httpserver"',
    'prefix: "/simple/nginx"',
    'uri: "/hello"',
    'istio: ingressgateway',
    'name: http-simple',
  ]) {
    assert.ok(all.includes(s), s);
  }
});

test('bad namespace and host settings each get one message naming the setting', () => {
  assert.deepEqual(checkSampleParams(DEFAULT_SAMPLE_PARAMS), []);
  const problems = checkSampleParams({ namespace: 'Simple_NS', host: 'not a host' });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /istioIngressLab\.sample\.namespace/);
  assert.match(problems[1]!, /istioIngressLab\.sample\.host/);
});

test('planning: missing files are written, equal ones left alone, different ones are conflicts', () => {
  const rendered = { 'simple.yaml': 'a\n', 'nginx.yaml': 'b\n', 'istio-specs.yaml': 'c\n' };
  const plan = planScaffold(rendered, { 'nginx.yaml': 'b\r\n', 'istio-specs.yaml': 'mine\n' });
  assert.deepEqual(
    plan.map((p) => [p.file, p.action]),
    [
      ['simple.yaml', 'write'],
      ['nginx.yaml', 'unchanged'],
      ['istio-specs.yaml', 'conflict'],
    ],
  );
});
