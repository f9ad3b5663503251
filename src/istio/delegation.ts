// VirtualService delegation (pilot/pkg/model/virtualservice.go, MergeHTTPRoutes): a root VirtualService's
// http entry with `delegate` is replaced by the delegate's http entries, each match merged with the
// root's, and unset fields taken from the root. Every merged entry remembers where it stands in the
// delegate's YAML, so the editor can put the generated route on the delegate's own match.
import { resolveGatewayName, resolveShortname } from './hosts';
import type { HTTPMatchRequest, HTTPRoute, StringMatch, VirtualService } from './model';
import { namespaceOf } from './model';

/** One http entry as Istio translates it, with where its matches come from. */
export interface HttpEntry {
  route: HTTPRoute;
  /** The VirtualService whose YAML holds this entry (the delegate for merged entries). */
  source: VirtualService;
  sourceKey: string;
  httpIndex: number;
  /** For each match of `route`, the index of the match in the source entry (null: the entry has none). */
  matchSource: (number | null)[];
}

/** ResolveVirtualServiceShortnames for one http entry. */
export function resolveEntry(entry: HTTPRoute, namespace: string): HTTPRoute {
  return {
    ...entry,
    match: entry.match?.map((m) =>
      m.gateways ? { ...m, gateways: m.gateways.map((g) => (g === 'mesh' ? g : resolveGatewayName(g, namespace))) } : m,
    ),
    route: entry.route?.map((d) => ({
      ...d,
      destination: { ...d.destination, host: resolveShortname(d.destination?.host ?? '', namespace) },
    })),
    mirror: entry.mirror ? { ...entry.mirror, host: resolveShortname(entry.mirror.host, namespace) } : undefined,
    mirrors: entry.mirrors?.map((m) => ({
      ...m,
      destination: { ...m.destination, host: resolveShortname(m.destination.host, namespace) },
    })),
  };
}

function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  if (root.regex && (leaf.regex || leaf.prefix || leaf.exact)) return true;
  if (leaf.regex && (root.regex || root.prefix || root.exact)) return true;
  if (root.exact) return !!leaf.prefix || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}

/** hasConflict: the delegate's match must be a subset of the root's. */
export function matchesConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  const pairs: [StringMatch | undefined, StringMatch | undefined][] = [
    [root.uri, leaf.uri],
    [root.scheme, leaf.scheme],
    [root.method, leaf.method],
    [root.authority, leaf.authority],
  ];
  if (pairs.some(([r, l]) => stringMatchConflict(r, l))) return true;
  for (const [k, v] of Object.entries(leaf.headers ?? {})) if (stringMatchConflict(root.headers?.[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.withoutHeaders ?? {}))
    if (stringMatchConflict(root.withoutHeaders?.[k], v)) return true;
  for (const [k, v] of Object.entries(leaf.queryParams ?? {}))
    if (stringMatchConflict(root.queryParams?.[k], v)) return true;
  if (!!root.ignoreUriCase !== !!leaf.ignoreUriCase) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  for (const [k, v] of Object.entries(leaf.sourceLabels ?? {}))
    if (root.sourceLabels?.[k] !== undefined && root.sourceLabels[k] !== v) return true;
  if (root.gateways?.length && leaf.gateways?.length) {
    if (root.gateways.length < leaf.gateways.length) return true;
    if (leaf.gateways.some((g) => !root.gateways!.includes(g))) return true;
  }
  return false;
}

const joinName = (root?: string, leaf?: string) => (!leaf ? root : root ? `${root}-${leaf}` : leaf);

function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const name = joinName(root.name, leaf.name);
  return {
    ...leaf,
    ...(name ? { name } : {}),
    uri: leaf.uri ?? root.uri,
    scheme: leaf.scheme ?? root.scheme,
    method: leaf.method ?? root.method,
    authority: leaf.authority ?? root.authority,
    headers: { ...root.headers, ...leaf.headers },
    withoutHeaders: { ...root.withoutHeaders, ...leaf.withoutHeaders },
    queryParams: { ...root.queryParams, ...leaf.queryParams },
    port: leaf.port || root.port,
    sourceLabels: { ...root.sourceLabels, ...leaf.sourceLabels },
    sourceNamespace: leaf.sourceNamespace || root.sourceNamespace,
    gateways: leaf.gateways?.length ? leaf.gateways : root.gateways,
  };
}

/** Merges one delegate entry into the root entry; undefined when its matches conflict with the root's. */
function mergeEntry(
  root: HTTPRoute,
  leaf: HTTPRoute,
  leafIndex: number,
  source: VirtualService,
  sourceKey: string,
): HttpEntry | undefined {
  let match: HTTPMatchRequest[] | undefined;
  let matchSource: (number | null)[];
  if (!root.match?.length) {
    match = leaf.match;
    matchSource = leaf.match?.length ? leaf.match.map((_, j) => j) : [null];
  } else if (!leaf.match?.length) {
    match = root.match;
    matchSource = root.match.map(() => null);
  } else {
    match = [];
    matchSource = [];
    for (const [j, leafMatch] of leaf.match.entries()) {
      const merged = root.match.filter((r) => !matchesConflict(r, leafMatch)).map((r) => mergeMatch(r, leafMatch));
      if (!merged.length) return undefined;
      match.push(...merged);
      matchSource.push(...merged.map(() => j));
    }
  }
  const o = (k: keyof HTTPRoute) => (leaf[k] === undefined ? root[k] : leaf[k]);
  const route: HTTPRoute = {
    ...leaf,
    name: joinName(root.name, leaf.name),
    match,
    rewrite: o('rewrite') as HTTPRoute['rewrite'],
    directResponse: o('directResponse') as HTTPRoute['directResponse'],
    timeout: o('timeout') as HTTPRoute['timeout'],
    retries: o('retries') as HTTPRoute['retries'],
    fault: o('fault') as HTTPRoute['fault'],
    mirror: o('mirror') as HTTPRoute['mirror'],
    mirrorPercentage: o('mirrorPercentage') as HTTPRoute['mirrorPercentage'],
    corsPolicy: o('corsPolicy') as HTTPRoute['corsPolicy'],
    mirrors: o('mirrors') as HTTPRoute['mirrors'],
    headers: o('headers') as HTTPRoute['headers'],
  };
  if (route.name === undefined) delete route.name;
  return { route, source, sourceKey, httpIndex: leafIndex, matchSource };
}

/** A VirtualService's http entries as Istio translates them: short names resolved, delegates merged in. */
export function expandHttpEntries(vs: VirtualService, delegates: Map<string, VirtualService>): HttpEntry[] {
  const ns = namespaceOf(vs);
  const key = `${ns}/${vs.metadata.name}`;
  const out: HttpEntry[] = [];
  (vs.spec.http ?? []).forEach((raw, i) => {
    const entry = resolveEntry(raw, ns);
    const ref = (raw as { delegate?: { name?: string; namespace?: string } }).delegate;
    if (!ref?.name) {
      out.push({
        route: entry,
        source: vs,
        sourceKey: key,
        httpIndex: i,
        matchSource: entry.match?.length ? entry.match.map((_, j) => j) : [null],
      });
      return;
    }
    const delegate = delegates.get(`${ref.namespace || ns}/${ref.name}`);
    if (!delegate) return; // Istio ignores this http entry; analysis reports it
    const exportTo = delegate.spec.exportTo;
    if (
      exportTo?.length &&
      !exportTo.includes('*') &&
      !exportTo.map((e) => (e === '.' ? namespaceOf(delegate) : e)).includes(ns)
    )
      return;
    const dns = namespaceOf(delegate);
    const dkey = `${dns}/${delegate.metadata.name}`;
    (delegate.spec.http ?? []).forEach((leaf, k) => {
      const merged = mergeEntry(entry, resolveEntry(leaf, dns), k, delegate, dkey);
      if (merged) out.push(merged);
    });
  });
  return out;
}

export const isDelegateEntry = (e: HTTPRoute) => !!(e as { delegate?: unknown }).delegate;
