// Envoy's admin prints proto JSON with the proto field names (snake_case); istioctl -o json prints
// lowerCamelCase. Both are normalised to camelCase here so the rest of the code sees one shape.
// Keys are left alone where they are data rather than field names: map-valued fields keyed by filter or
// extension names (filterMetadata, typedPerFilterConfig, ...), google.protobuf.Struct contents
// (metadata values, the bootstrap node's metadata, TypedStruct values) and Any's "@type".

/** snake_case proto field name to the lowerCamelCase JSON name protojson uses. */
export function camelKey(key: string): string {
  if (key.indexOf('_') < 0) return key;
  let c = camelCache.get(key);
  if (c === undefined) {
    c = key.replace(/_([^_])/g, (_m, ch: string) => ch.toUpperCase());
    // field names repeat endlessly in a dump; the cache is bounded because names are few
    if (camelCache.size < 10000) camelCache.set(key, c);
  }
  return c;
}
const camelCache = new Map<string, string>();

// Fields whose value is a map: the map's keys are names, its values are messages (converted).
const MAP_OF_MESSAGES = new Set([
  'typedPerFilterConfig',
  'typedFilterMetadata',
  'typedExtensionProtocolOptions',
  'perFilterConfig',
  'typedConfigMap',
  'clusterStatsSinkConfigs',
  // RBAC policies by name (`ns[simple]-policy[deny-admin]-rule[0]`), jwt_authn providers by name
  'policies',
  'providers',
]);
// Fields whose whole value is user data (google.protobuf.Struct or a map of Structs): copied verbatim.
const VERBATIM = new Set(['filterMetadata', 'fields']);
// Struct-valued fields only under particular parents.
const VERBATIM_UNDER: Record<string, Set<string>> = {
  node: new Set(['metadata']),
  userAgentBuildVersion: new Set(['metadata']),
  version: new Set(['metadata']),
};
const STRUCT_TYPES = new Set([
  'type.googleapis.com/google.protobuf.Struct',
  'type.googleapis.com/google.protobuf.Value',
]);
const TYPED_STRUCT_TYPES = new Set([
  'type.googleapis.com/udpa.type.v1.TypedStruct',
  'type.googleapis.com/xds.type.v3.TypedStruct',
]);

/** Returns a deep copy of an Envoy JSON value with field names in camelCase. */
export function normalizeKeys(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = normalizeKeys(value[i], parentKey);
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const type = typeof obj['@type'] === 'string' ? obj['@type'] : undefined;
  if (type && STRUCT_TYPES.has(type)) return obj;
  const out: Record<string, unknown> = {};
  for (const rawKey in obj) {
    const v = obj[rawKey];
    if (rawKey === '@type') {
      out[rawKey] = v;
      continue;
    }
    const key = camelKey(rawKey);
    if (v === null || typeof v !== 'object') {
      out[key] = v;
    } else if (
      VERBATIM.has(key) ||
      VERBATIM_UNDER[parentKey]?.has(key) ||
      (type && TYPED_STRUCT_TYPES.has(type) && key === 'value')
    ) {
      out[key] = v;
    } else if (MAP_OF_MESSAGES.has(key) && v && typeof v === 'object' && !Array.isArray(v)) {
      const m: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(v as Record<string, unknown>)) m[name] = normalizeKeys(inner, key);
      out[key] = m;
    } else {
      out[key] = normalizeKeys(v, key);
    }
  }
  return out;
}
