// Pure helpers of server-side apply: what to send, and what changed between the live object and the
// server's answer (real or dry-run), as the short "path: before → after" lines users read.
import type { ApiObject } from './objects';

/** The object as sent to apply: server-owned metadata removed (apply rejects managedFields, and a stale
 *  resourceVersion would turn apply into a conflicting update). */
export function stripForApply(obj: ApiObject, namespace: string | undefined): ApiObject {
  const copy = structuredClone<ApiObject>(obj);
  const m = { ...copy.metadata };
  for (const k of [
    'managedFields',
    'resourceVersion',
    'uid',
    'creationTimestamp',
    'generation',
    'selfLink',
    'deletionTimestamp',
  ])
    delete m[k];
  if (namespace) m.namespace = namespace;
  else delete m.namespace;
  copy.metadata = m;
  delete copy.status;
  return copy;
}

/** Fields the server or controllers set, which say nothing about what the user changed. */
function comparable(obj: ApiObject): unknown {
  const copy = structuredClone<ApiObject>(obj);
  const m = { ...copy.metadata };
  for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'])
    delete m[k];
  copy.metadata = m;
  delete copy.status;
  return copy;
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * A Secret's values and kubectl's copy of them (last-applied-configuration): the preview and the log say that they
 * change, never what they are (no secrets in logs).
 */
const HIDDEN = /^(data|stringData)\.|^metadata\.annotations\.kubectl\.kubernetes\.io\/last-applied-configuration$/;

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number, secret = false): void {
  if (out.length >= limit) return;
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (secret && HIDDEN.test(path)) {
    out.push(`${path}: ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'} (value hidden)`);
    return;
  }
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    // a whole data map added or removed: its keys only
    if (secret && (path === 'data' || path === 'stringData')) {
      const keys = Object.keys(((a ?? b) as Record<string, unknown> | null) ?? {}).sort();
      out.push(`${path}: ${a === undefined ? 'added' : 'removed'} (keys ${keys.join(', ')}; values hidden)`);
      return;
    }
    out.push(`${path || '(object)'}: ${show(a)} → ${show(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}: ${a.length} → ${b.length} items`);
      return;
    }
    a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`, out, limit, secret));
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  for (const k of keys) walk(ao[k], bo[k], path ? `${path}.${k}` : k, out, limit, secret);
}

/** Changed fields between the live object and the applied (or dry-run) result. Empty: nothing changes. */
export function changedFields(live: ApiObject, applied: ApiObject, limit = 20): string[] {
  const out: string[] = [];
  walk(comparable(live), comparable(applied), '', out, limit, live.kind === 'Secret' || applied.kind === 'Secret');
  return out;
}

/** Apply order: namespaces and CRDs first, so the objects that live in them can be applied. */
export function applyOrder(objects: ApiObject[]): ApiObject[] {
  const rank = (o: ApiObject) => (o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);
  return objects
    .map((o, i) => ({ o, i }))
    .sort((x, y) => rank(x.o) - rank(y.o) || x.i - y.i)
    .map((x) => x.o);
}

/** apiVersion "apps/v1" -> group "apps", version "v1"; "v1" -> core group "". */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
