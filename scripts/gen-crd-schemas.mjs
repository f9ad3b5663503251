// Regenerates src/istio/validate/crdSchemas.gen.json: the openAPIV3Schema of the Istio CRDs the lab validates,
// taken from istio.io/api's kubernetes/customresourcedefinitions.gen.yaml at the version the oracle pins
// (test/harness/oracle/go.mod), and of the Gateway API kinds it reads, from the sigs.k8s.io/gateway-api module
// pinned there too. Run after `npm run setup` (the module is then in the Go module cache):
//   node scripts/gen-crd-schemas.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const goMod = readFileSync(new URL('../test/harness/oracle/go.mod', import.meta.url), 'utf8');
const version = /istio\.io\/api (\S+)/.exec(goMod)[1];
const modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
const file = `${modcache}/istio.io/api@${version}/kubernetes/customresourcedefinitions.gen.yaml`;
const kinds = {
  VirtualService: 'networking.istio.io',
  Gateway: 'networking.istio.io',
  DestinationRule: 'networking.istio.io',
  AuthorizationPolicy: 'security.istio.io',
  RequestAuthentication: 'security.istio.io',
};
const out = { source: `istio.io/api@${version} kubernetes/customresourcedefinitions.gen.yaml`, kinds: {} };
for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
  const crd = doc.toJS();
  if (!crd?.spec?.group || kinds[crd.spec.names?.kind] !== crd.spec.group) continue;
  const byVersion = {};
  for (const v of crd.spec.versions) byVersion[v.name] = v.schema.openAPIV3Schema.properties.spec;
  // The versions share one schema; keep one copy and name the versions that may use it.
  const names = Object.keys(byVersion);
  const first = JSON.stringify(byVersion[names[0]]);
  for (const n of names)
    if (JSON.stringify(byVersion[n]) !== first) throw new Error(`${crd.spec.names.kind} ${n} differs`);
  out.kinds[crd.spec.names.kind] = { versions: names, spec: strip(byVersion[names[0]]) };
}

// The Gateway API kinds the lab reads, from the gateway-api module Istio pins, experimental channel: a superset of
// the standard channel's fields and served versions, so nothing a cluster with either channel accepts is refused.
const gwVersion = /sigs\.k8s\.io\/gateway-api (\S+)/.exec(goMod)[1];
const gwDir = `${modcache}/sigs.k8s.io/gateway-api@${gwVersion}/config/crd/experimental`;
const gwKinds = [
  'Gateway',
  'GatewayClass',
  'HTTPRoute',
  'GRPCRoute',
  'ReferenceGrant',
  'TLSRoute',
  'TCPRoute',
  'BackendTLSPolicy',
];
out.gatewayApiSource = `sigs.k8s.io/gateway-api@${gwVersion} config/crd/experimental`;
out.gatewayApiKinds = {};
for (const f of readdirSync(gwDir).filter((n) => n.endsWith('.yaml') && n.startsWith('gateway.networking.k8s.io_'))) {
  for (const doc of parseAllDocuments(readFileSync(`${gwDir}/${f}`, 'utf8'))) {
    const crd = doc.toJS();
    const kind = crd?.spec?.names?.kind;
    if (crd?.spec?.group !== 'gateway.networking.k8s.io' || !gwKinds.includes(kind)) continue;
    const served = crd.spec.versions.filter((v) => v.served);
    const storage = served.find((v) => v.storage) ?? served[0];
    // Served versions of one kind may differ a little (older ones lack new fields): validate with the storage
    // version's schema, the newest, which every served version converts to.
    out.gatewayApiKinds[kind] = {
      versions: served.map((v) => v.name),
      spec: checkPatterns(kind, strip(storage.schema.openAPIV3Schema.properties.spec)),
    };
  }
}
writeFileSync(new URL('../src/istio/validate/crdSchemas.gen.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`wrote ${Object.keys(out.kinds).join(', ')} from ${out.source}`);
console.log(`wrote ${Object.keys(out.gatewayApiKinds).join(', ')} from ${out.gatewayApiSource}`);

/** The API server's patterns are RE2; each must compile as a JavaScript RegExp the same way (fails loudly if not). */
function checkPatterns(kind, s) {
  if (Array.isArray(s)) return s.map((x) => checkPatterns(kind, x));
  if (!s || typeof s !== 'object') return s;
  if (typeof s.pattern === 'string') new RegExp(s.pattern, 'u');
  for (const v of Object.values(s)) checkPatterns(kind, v);
  return s;
}

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
