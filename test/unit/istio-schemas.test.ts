// The JSON schema contributed to Red Hat's YAML extension (package.json yamlValidation), generated from Istio's
// CRDs by scripts/gen-istio-schemas.mjs: it is current, and it accepts the corpus's Istio objects, rejects a
// wrong field type and passes documents of other kinds (validated with ajv, a real JSON schema validator).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  contributes: { yamlValidation: { fileMatch: string[]; url: string }[] };
};
const schema = JSON.parse(readFileSync(`${root}schemas/istio-networking.json`, 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

test('package.json contributes the schema for YAML files', () => {
  assert.deepEqual(pkg.contributes.yamlValidation, [
    { fileMatch: ['*.yaml', '*.yml'], url: './schemas/istio-networking.json' },
  ]);
});

test('the schema is what the generator makes from the pinned CRDs', () => {
  execFileSync('node', [`${root}scripts/gen-istio-schemas.mjs`, '--check'], { stdio: 'pipe' });
});

test('every document of the corpus is valid', () => {
  let istio = 0;
  for (const dir of readdirSync(`${root}test/corpus`, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of readdirSync(`${root}test/corpus/${dir.name}`).filter((x) => x.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(`${root}test/corpus/${dir.name}/${f}`, 'utf8'))) {
        const v = doc.toJS() as { apiVersion?: string } | null;
        if (!v) continue;
        if (v.apiVersion?.startsWith('networking.istio.io/')) istio++;
        assert.ok(validate(v), `${dir.name}/${f}: ${JSON.stringify(validate.errors)}`);
      }
    }
  }
  assert.ok(istio > 80, `only ${istio} Istio documents`);
});

test('a wrong field type is an error at its path; an unknown kind is left alone', () => {
  const bad = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'x' },
    spec: { hosts: 'a.example.com', http: [{ timeout: 5 }] },
  };
  assert.equal(validate(bad), false);
  const paths = (validate.errors ?? []).map((e) => e.instancePath);
  assert.ok(paths.includes('/spec/hosts'), JSON.stringify(paths));
  assert.ok(paths.includes('/spec/http/0/timeout'), JSON.stringify(paths));
  assert.ok(validate({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'three' } }));
});
