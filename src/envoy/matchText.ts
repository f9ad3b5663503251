// A route match in words, for lenses, hovers, drift and the access log explainer (istioctl's own MATCH
// column is tables.ts's istioctlMatchColumn, which omits headers as istioctl does).
import type { RouteMatch } from './types';

/** `path /x`, `prefix /x`, `prefix /x/` (path-separated), `regex r`, then headers and query conditions. */
export function describeMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.path !== undefined) parts.push(`path ${m.path}`);
  else if (m.prefix !== undefined) parts.push(`prefix ${m.prefix}`);
  else if (m.pathSeparatedPrefix !== undefined) parts.push(`prefix ${m.pathSeparatedPrefix}/`);
  else if (m.safeRegex) parts.push(`regex ${m.safeRegex.regex}`);
  for (const h of m.headers ?? []) parts.push(describeHeader(h));
  for (const q of m.queryParameters ?? []) {
    const v = q.stringMatch?.exact ?? q.stringMatch?.prefix ?? q.stringMatch?.safeRegex?.regex;
    parts.push(v === undefined ? `?${q.name}` : `?${q.name}=${v}`);
  }
  if (m.caseSensitive === false) parts.push('(any case)');
  return parts.join(' ') || 'any path';
}

export function describeHeader(h: NonNullable<RouteMatch['headers']>[number]): string {
  const not = h.invertMatch ? '!' : '';
  const sm = h.stringMatch;
  const exact = sm?.exact ?? h.exactMatch;
  const prefix = sm?.prefix ?? h.prefixMatch;
  const regex = sm?.safeRegex?.regex ?? h.safeRegexMatch?.regex;
  if (exact !== undefined) return `${not}${h.name}=${exact}`;
  if (prefix !== undefined) return `${not}${h.name}=${prefix}*`;
  if (regex !== undefined) return `${not}${h.name}~${regex}`;
  return `${not}${h.name}`;
}
