// Regenerates src/istio/validate/crdSchemas.gen.json: the openAPIV3Schema of the Istio CRDs the lab validates,
// taken from istio.io/api's kubernetes/customresourcedefinitions.gen.yaml at the version the oracle pins
// (test/harness/oracle/go.mod). Run after `npm run setup` (the module is then in the Go module cache):
//   node scripts/gen-crd-schemas.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const goMod = readFileSync(new URL('../test/harness/oracle/go.mod', import.meta.url), 'utf8');
const version = /istio\.io\/api (\S+)/.exec(goMod)[1];
const modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
const file = `${modcache}/istio.io/api@${version}/kubernetes/customresourcedefinitions.gen.yaml`;
const kinds = ['VirtualService', 'Gateway', 'DestinationRule'];
const out = { source: `istio.io/api@${version} kubernetes/customresourcedefinitions.gen.yaml`, kinds: {} };
for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
  const crd = doc.toJS();
  if (crd?.spec?.group !== 'networking.istio.io' || !kinds.includes(crd.spec.names.kind)) continue;
  const byVersion = {};
  for (const v of crd.spec.versions) byVersion[v.name] = v.schema.openAPIV3Schema.properties.spec;
  // The versions share one schema; keep one copy and name the versions that may use it.
  const names = Object.keys(byVersion);
  const first = JSON.stringify(byVersion[names[0]]);
  for (const n of names)
    if (JSON.stringify(byVersion[n]) !== first) throw new Error(`${crd.spec.names.kind} ${n} differs`);
  out.kinds[crd.spec.names.kind] = { versions: names, spec: strip(byVersion[names[0]]) };
}
writeFileSync(new URL('../src/istio/validate/crdSchemas.gen.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`wrote ${Object.keys(out.kinds).join(', ')} from ${out.source}`);

/** Drops descriptions (most of the bytes); keeps everything that validates. */
function strip(s) {
  if (Array.isArray(s)) return s.map(strip);
  if (!s || typeof s !== 'object') return s;
  const o = {};
  for (const [k, v] of Object.entries(s))
    if (k !== 'description')
      o[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, q]) => [p, strip(q)])) : strip(v);
  return o;
}
