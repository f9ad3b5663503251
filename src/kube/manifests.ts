// Multi-document YAML manifests -> plain objects for serverSideApply. Pure.
import { parseAllDocuments } from 'yaml';
import { ClusterError } from './errors';
import type { ApiObject } from './objects';

/** Parses every document of a manifest file; empty documents are skipped, List kinds are unpacked. */
export function parseManifests(text: string, file = 'the manifest'): ApiObject[] {
  const out: ApiObject[] = [];
  const docs = parseAllDocuments(text);
  for (const [i, doc] of docs.entries()) {
    const [e] = doc.errors;
    if (e) {
      const line = e.linePos?.[0]?.line;
      throw new ClusterError(
        'invalid',
        `${file}${line ? `:${line}` : ''} is not valid YAML (document ${i + 1}): ${e.message.replace(/\n[^]*$/, '')}`,
        'Fix the YAML and apply again.',
      );
    }
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    const o = value as ApiObject & { items?: ApiObject[] };
    if (typeof o === 'object' && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items))
      out.push(...o.items);
    else out.push(o);
  }
  return out;
}
