// IST0130 and IST0131 for HTTP routes, as Istio's VirtualService validation reports them through
// istioctl analyze (pkg/config/validation/validation.go analyzeUnreachableHTTPRules, genMatchHTTPRoutes,
// coveredValidation; messages via analyzers/schema/validation.go):
//  - a rule without matches followed by another rule without matches: IST0130 "only the last rule can have no matches";
//  - any match after a rule without matches: IST0130 "route without matches defined before";
//  - a match equal (ignoring its name) to an earlier one: IST0131, and IST0130 "all matches used by prior rules"
//    when every match of a rule is such a duplicate;
//  - a uri *prefix* match covered by an earlier *prefix* match with the same port, method (none counts as GET),
//    authority, headers, query parameters and withoutHeaders (value equal or the earlier one a string prefix):
//    IST0131 "#m of prefix /p ... on #r".
// Istio's overlap check looks at prefix matches only, so `prefix: /simple` before `exact: /simple/nginx` is
// silent in istioctl. We report that too (same code and wording, source `ingress-lab`), with a request-level
// check: an earlier match covers a later one when every request the later one accepts, the earlier one accepts.
import type { HTTPMatchRequest, HTTPRoute, StringMatch, VirtualService } from '../model';
import { mapping, objectRef } from './context';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';

const MATCH_EXACT = 'exact:';
const MATCH_PREFIX = 'prefix:';

/** routeName: the quoted rule name, or `#n`. */
const routeName = (r: HTTPRoute | undefined, n: number) => (r?.name ? JSON.stringify(r.name) : `#${n}`);
/** requestName: the quoted match name, or `#n`. */
const requestName = (m: HTTPMatchRequest | undefined, n: number) => (m?.name ? JSON.stringify(m.name) : `#${n}`);

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

function canonical(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => canonical(x));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (key === undefined && k === 'name') continue;
      const c = canonical((v as Record<string, unknown>)[k], k);
      if (isEmpty(c) || (k === 'port' && c === 0)) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}

/** asJSON without the name: a canonical form, zero values dropped as Go's omitempty drops them. */
export function matchKey(m: HTTPMatchRequest | undefined): string {
  return JSON.stringify(canonical(m ?? null) ?? null);
}

const exactOrPrefix = (s: StringMatch | undefined | null): string =>
  s?.exact ? MATCH_EXACT + s.exact : s?.prefix ? MATCH_PREFIX + s.prefix : '';

interface PrefixMatch {
  rule: number;
  match: number;
  routeStr: string;
  matchStr: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  query: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

const toMap = (r: Record<string, StringMatch> | undefined) =>
  new Map(Object.entries(mapping(r)).map(([k, v]) => [k, exactOrPrefix(v)]));

function genMatchHTTPRoute(
  route: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  rule: number,
  n: number,
): PrefixMatch | undefined {
  const prefix = match?.uri?.prefix;
  if (!match || !prefix) return undefined;
  return {
    rule,
    match: n,
    routeStr: routeName(route, rule),
    matchStr: requestName(match, n),
    prefix,
    port: match.port ?? 0,
    method: exactOrPrefix(match.method) || MATCH_EXACT + 'GET',
    authority: exactOrPrefix(match.authority),
    headers: toMap(match.headers),
    query: toMap(match.queryParams),
    withoutHeaders: toMap(match.withoutHeaders),
  };
}

function mapsCovered(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const bv = b.get(k);
    if (bv === undefined) return false;
    if (v !== bv && !v.startsWith(bv)) return false;
  }
  return true;
}

/** coveredValidation, as Istio writes it (including its direction of the method/authority prefix test). */
function coveredValidation(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return (
    mapsCovered(a.headers, b.headers) &&
    mapsCovered(a.query, b.query) &&
    mapsCovered(a.withoutHeaders, b.withoutHeaders)
  );
}

// ---- the request-level check Istio does not do ----

const pathOf = (s: StringMatch) => s.exact ?? s.prefix;

/** Every string `b` accepts, `a` accepts. Undefined `a` accepts anything; an empty StringMatch means "present". */
function stringCovers(
  a: StringMatch | undefined | null,
  b: StringMatch | undefined | null,
  caseA = true,
  caseB = true,
): boolean {
  if (a === undefined) return true;
  if (b === undefined) return false;
  if (a !== null && typeof a !== 'object') return false; // not a StringMatch: unsure, so not covered
  const aEmpty = !a || (a.exact === undefined && a.prefix === undefined && a.regex === undefined);
  if (aEmpty) return true;
  if (!b) return false;
  if (caseA && !caseB) return false; // a case-sensitive match never covers a case-insensitive one
  const norm = (s: string) => (caseA ? s : s.toLowerCase());
  if (a.regex !== undefined) return a.regex === '.*' ? true : b.regex === a.regex;
  const bp = pathOf(b);
  if (bp === undefined) return false;
  if (a.exact !== undefined) return b.exact !== undefined && norm(b.exact) === norm(a.exact);
  return norm(bp).startsWith(norm(a.prefix!));
}

function recordCovers(a: Record<string, StringMatch> | undefined, b: Record<string, StringMatch> | undefined): boolean {
  const bm = mapping(b);
  return Object.entries(mapping(a)).every(([k, v]) => k in bm && stringCovers(v, bm[k]));
}

const sameValue = (a: unknown, b: unknown) =>
  a === undefined || matchKey({ x: a } as never) === matchKey({ x: b } as never);

/** Every request `b` accepts, `a` accepts (conservative: false when unsure). `b` undefined: a rule without matches. */
export function matchCovers(a: HTTPMatchRequest, b: HTTPMatchRequest | undefined): boolean {
  const bb: HTTPMatchRequest = b ?? {};
  if (!a || typeof a !== 'object' || (a.uri !== undefined && (typeof a.uri !== 'object' || a.uri === null)))
    return false;
  const uriA = a.uri ?? undefined;
  const uriCoversAll =
    !uriA ||
    uriA.prefix === '/' ||
    uriA.regex === '.*' ||
    (uriA.exact === undefined && uriA.prefix === undefined && uriA.regex === undefined);
  if (!uriCoversAll) {
    if (!bb.uri || !stringCovers(uriA, bb.uri, !a.ignoreUriCase, !bb.ignoreUriCase)) return false;
  }
  return (
    stringCovers(a.method, bb.method) &&
    stringCovers(a.authority, bb.authority) &&
    stringCovers(a.scheme, bb.scheme) &&
    recordCovers(a.headers, bb.headers) &&
    recordCovers(a.queryParams, bb.queryParams) &&
    Object.entries(mapping(a.withoutHeaders)).every(
      ([k, v]) =>
        k in mapping(bb.withoutHeaders) && matchKey(v as never) === matchKey(mapping(bb.withoutHeaders)[k] as never),
    ) &&
    sameValue(a.port, bb.port) &&
    sameValue(a.sourceNamespace, bb.sourceNamespace) &&
    sameValue(a.sourceLabels, bb.sourceLabels) &&
    (a.gateways === undefined || (bb.gateways !== undefined && bb.gateways.every((g) => a.gateways!.includes(g))))
  );
}

const describeUri = (m: HTTPMatchRequest | undefined) => {
  const u = m?.uri;
  if (u?.exact !== undefined) return `exact ${u.exact}`;
  if (u?.prefix !== undefined) return `prefix ${u.prefix}`;
  if (u?.regex !== undefined) return `regex ${u.regex}`;
  return 'any uri';
};

// ---- the analyzer ----

export function analyzeUnreachableRules(vs: VirtualService, sourceText?: string): Diagnostic[] {
  const routes = Array.isArray(vs.spec.http) ? vs.spec.http : [];
  const out: Diagnostic[] = [];
  const flagged = new Set<string>(); // `${rule}` or `${rule}.${match}` that Istio's own rules already report
  const at = (path: (string | number)[]) => vs.rangeAt(['spec', 'http', ...path]);
  const push = (
    code: 'IST0130' | 'IST0131',
    args: string[],
    path: (string | number)[],
    extra: Partial<Parameters<typeof makeDiagnostic>[0]> = {},
  ) => out.push(makeDiagnostic({ code, args, file: vs.file, range: at(path), object: objectRef(vs), ...extra }));

  const seen = new Map<string, number>();
  let emptyMatchEncountered = -1;
  const prefixMatches: PrefixMatch[] = [];
  routes.forEach((route, rulen) => {
    if (!route || typeof route !== 'object') return;
    const matches = Array.isArray(route.match) ? route.match : [];
    if (matches.length === 0) {
      if (emptyMatchEncountered >= 0) {
        push('IST0130', [routeName(route, rulen), 'only the last rule can have no matches'], [rulen], {
          related: [
            {
              file: vs.file,
              range: at([emptyMatchEncountered]),
              message: `rule ${routeName(routes[emptyMatchEncountered], emptyMatchEncountered)} has no matches`,
            },
          ],
        });
        flagged.add(`${rulen}`);
      }
      emptyMatchEncountered = rulen;
      return;
    }
    let duplicates = 0;
    matches.forEach((match, matchn) => {
      if (emptyMatchEncountered >= 0) {
        push('IST0130', [routeName(route, rulen), 'route without matches defined before'], [rulen, 'match', matchn], {
          related: [
            {
              file: vs.file,
              range: at([emptyMatchEncountered]),
              message: `rule ${routeName(routes[emptyMatchEncountered], emptyMatchEncountered)} has no matches`,
            },
          ],
          fixes: moveRuleToEndFix(vs, sourceText, emptyMatchEncountered),
        });
        flagged.add(`${rulen}`);
        return;
      }
      const key = matchKey(match);
      const dupn = seen.get(key);
      if (dupn !== undefined) {
        push(
          'IST0131',
          [routeName(route, rulen), requestName(match, matchn), routeName(routes[dupn], dupn)],
          [rulen, 'match', matchn],
          {
            related: [
              { file: vs.file, range: at([dupn]), message: `the same match in rule ${routeName(routes[dupn], dupn)}` },
            ],
            // a rule keeps at least one match: with none it would take every request
            fixes:
              matches.length > 1
                ? removeItemFix(
                    vs,
                    sourceText,
                    [rulen, 'match', matchn],
                    `Remove the duplicate match ${requestName(match, matchn)} of rule ${routeName(route, rulen)}`,
                  )
                : undefined,
          },
        );
        flagged.add(`${rulen}.${matchn}`);
        duplicates++;
        return;
      }
      seen.set(key, rulen);
      const pm = genMatchHTTPRoute(route, match, rulen, matchn);
      if (pm) prefixMatches.push(pm);
    });
    if (duplicates === matches.length) {
      push('IST0130', [routeName(route, rulen), 'all matches used by prior rules'], [rulen, 'match'], {
        fixes: removeItemFix(vs, sourceText, [rulen], `Remove rule ${routeName(route, rulen)} (never used)`),
      });
      flagged.add(`${rulen}`);
    }
  });

  for (const [i, a] of prefixMatches.entries()) {
    for (const b of prefixMatches.slice(i + 1)) {
      if (b.prefix === a.prefix) continue;
      if (!coveredValidation(a, b)) continue;
      push(
        'IST0131',
        [b.routeStr, `${b.matchStr} of prefix ${b.prefix}`, `${a.matchStr} of prefix ${a.prefix} on ${a.routeStr}`],
        [b.rule, 'match', b.match],
        {
          related: [
            { file: vs.file, range: at([a.rule, 'match', a.match]), message: `the earlier prefix ${a.prefix}` },
          ],
          fixes: moveRuleFix(vs, sourceText, b.rule, a.rule),
        },
      );
      flagged.add(`${b.rule}.${b.match}`);
    }
  }

  shadowedBeyondIstio(vs, routes, flagged, sourceText, out);
  return out;
}

/** Matches (and rules without matches) that an earlier match always wins over, which Istio's checks miss. */
function shadowedBeyondIstio(
  vs: VirtualService,
  routes: HTTPRoute[],
  flagged: Set<string>,
  sourceText: string | undefined,
  out: Diagnostic[],
) {
  const earlier = new EarlierMatches();
  const at = (path: (string | number)[]) => vs.rangeAt(['spec', 'http', ...path]);
  routes.forEach((route, rulen) => {
    if (!route || typeof route !== 'object' || flagged.has(`${rulen}`)) return;
    const matches = Array.isArray(route.match) ? route.match : [];
    if (matches.length === 0) {
      const a = earlier.firstCovering(undefined);
      if (a) {
        out.push(
          makeDiagnostic({
            code: 'IST0130',
            args: [
              routeName(route, rulen),
              `every request is matched before, by rule ${routeName(routes[a.rule], a.rule)} match ${requestName(a.m, a.match)} of ${describeUri(a.m)}`,
            ],
            file: vs.file,
            range: at([rulen]),
            object: objectRef(vs),
            source: 'ingress-lab',
            related: [
              {
                file: vs.file,
                range: at([a.rule, 'match', a.match]),
                message: 'the earlier match that takes every request',
              },
            ],
            fixes: removeItemFix(vs, sourceText, [rulen], `Remove rule ${routeName(route, rulen)} (never used)`),
          }),
        );
      }
      return;
    }
    matches.forEach((m, matchn) => {
      if (!m || typeof m !== 'object') return;
      if (!flagged.has(`${rulen}.${matchn}`)) {
        const a = earlier.firstCovering(m);
        if (a) {
          out.push(
            makeDiagnostic({
              code: 'IST0131',
              args: [
                routeName(route, rulen),
                `${requestName(m, matchn)} of ${describeUri(m)}`,
                `${requestName(a.m, a.match)} of ${describeUri(a.m)} on ${routeName(routes[a.rule], a.rule)}`,
              ],
              file: vs.file,
              range: at([rulen, 'match', matchn]),
              object: objectRef(vs),
              source: 'ingress-lab',
              related: [
                {
                  file: vs.file,
                  range: at([a.rule, 'match', a.match]),
                  message: `the earlier ${describeUri(a.m)}, which every request of this match also matches`,
                },
              ],
              fixes:
                a.rule !== rulen
                  ? moveRuleFix(vs, sourceText, rulen, a.rule)
                  : matches.length > 1
                    ? removeItemFix(
                        vs,
                        sourceText,
                        [rulen, 'match', matchn],
                        `Remove match ${requestName(m, matchn)} of rule ${routeName(route, rulen)} (never used)`,
                      )
                    : undefined,
            }),
          );
        }
      }
      earlier.add({ rule: rulen, match: matchn, m });
    });
  });
}

interface EarlierMatch {
  rule: number;
  match: number;
  m: HTTPMatchRequest;
  /** Position among all earlier matches: the first covering one is reported. */
  order?: number;
}

/**
 * The matches seen so far, indexed by what their uri can cover, so finding the first one that covers a later
 * match looks only at candidates (same exact path, a prefix of its path, the same regex, or any uri) instead
 * of every earlier match: a VirtualService with n matches is checked in O(n · path length), not O(n²).
 * Each candidate is still confirmed by matchCovers, which stays the one definition of "covers".
 */
class EarlierMatches {
  private count = 0;
  /** Matches whose uri takes every path (none, prefix "/", regex ".*", or an empty StringMatch). */
  private readonly anyUri: EarlierMatch[] = [];
  /** exact and prefix by value; case-insensitive ones (ignoreUriCase) by lower-cased value. */
  private readonly exact = new Map<string, EarlierMatch[]>();
  private readonly prefix = new Map<string, EarlierMatch[]>();
  private readonly regex = new Map<string, EarlierMatch[]>();

  add(e: EarlierMatch): void {
    e.order = this.count++;
    const uri: unknown = e.m.uri;
    if (uri !== undefined && (typeof uri !== 'object' || uri === null)) return; // never covers (matchCovers)
    const u = e.m.uri;
    const fold = (s: string) => (e.m.ignoreUriCase ? `i:${s.toLowerCase()}` : `s:${s}`);
    // Anything not plainly indexable (no uri, "/", ".*", or values of odd types) is a candidate for every match.
    if (u && typeof u.regex === 'string' && u.regex !== '.*') push(this.regex, u.regex, e);
    else if (u && u.regex === undefined && typeof u.exact === 'string') push(this.exact, fold(u.exact), e);
    else if (u && u.regex === undefined && u.exact === undefined && typeof u.prefix === 'string' && u.prefix !== '/')
      push(this.prefix, fold(u.prefix), e);
    else this.anyUri.push(e);
  }

  /** The earliest match that takes every request `m` takes (`m` undefined: a rule without matches). */
  firstCovering(m: HTTPMatchRequest | undefined): EarlierMatch | undefined {
    const candidates: EarlierMatch[] = [...this.anyUri];
    const u = m?.uri;
    if (u && typeof u === 'object') {
      if (typeof u.regex === 'string') candidates.push(...(this.regex.get(u.regex) ?? []));
      const path = u.exact ?? u.prefix;
      if (typeof path === 'string') {
        const keys = (s: string) => [`s:${s}`, `i:${s.toLowerCase()}`];
        if (u.exact !== undefined) for (const k of keys(path)) candidates.push(...(this.exact.get(k) ?? []));
        for (let n = 0; n <= path.length; n++)
          for (const k of keys(path.slice(0, n))) candidates.push(...(this.prefix.get(k) ?? []));
      }
    }
    candidates.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    return candidates.find((e) => matchCovers(e.m, m));
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Whole lines of a block sequence item at `spec.http...path`: [first line, line after the last]. */
function itemLines(vs: VirtualService, text: string, path: (string | number)[]): [number, number] | undefined {
  const r = vs.rangeAt(['spec', 'http', ...path]);
  const lines = text.split('\n');
  const first = lines[r.start.line] ?? '';
  if (!/^\s*-\s+$/.test(first.slice(0, r.start.character))) return undefined;
  const endLine = r.end.character === 0 ? r.end.line : r.end.line + 1;
  return [r.start.line, Math.min(endLine, lines.length)];
}

const pos = (line: number) => ({ line, character: 0 });
const endOf = (lines: string[]) => ({ line: lines.length - 1, character: lines.at(-1)?.length ?? 0 });

/** The edit that deletes whole lines [from, to) (to may be past the last line). */
function deleteLines(file: string, lines: string[], [from, to]: [number, number]) {
  const end = to >= lines.length ? endOf(lines) : pos(to);
  return { file, range: { start: pos(from), end }, newText: '' };
}

/** "Move rule #b above rule #a": cuts the later rule's lines and puts them before the earlier rule's. */
function moveRuleFix(
  vs: VirtualService,
  text: string | undefined,
  later: number,
  before: number,
): QuickFix[] | undefined {
  if (text === undefined) return undefined;
  const b = itemLines(vs, text, [later]);
  const a = itemLines(vs, text, [before]);
  if (!a || !b || b[0] <= a[0]) return undefined;
  const lines = text.split('\n');
  const block = `${lines.slice(b[0], b[1]).join('\n')}\n`;
  const routes = vs.spec.http ?? [];
  return [
    {
      title: `Move rule ${routeName(routes[later], later)} above rule ${routeName(routes[before], before)}`,
      edits: [
        { file: vs.file, range: { start: pos(a[0]), end: pos(a[0]) }, newText: block },
        deleteLines(vs.file, lines, b),
      ],
      isPreferred: true,
    },
  ];
}

/** "Move rule #r to the end": a rule without matches takes every request, so it belongs last. */
function moveRuleToEndFix(vs: VirtualService, text: string | undefined, rule: number): QuickFix[] | undefined {
  const routes = vs.spec.http ?? [];
  if (text === undefined || rule >= routes.length - 1) return undefined;
  const r = itemLines(vs, text, [rule]);
  const last = itemLines(vs, text, [routes.length - 1]);
  if (!r || !last) return undefined;
  const lines = text.split('\n');
  const block = lines.slice(r[0], r[1]).join('\n');
  const insert =
    last[1] >= lines.length
      ? {
          file: vs.file,
          range: { start: endOf(lines), end: endOf(lines) },
          newText: `\n${block}`,
        }
      : { file: vs.file, range: { start: pos(last[1]), end: pos(last[1]) }, newText: `${block}\n` };
  return [
    {
      title: `Move rule ${routeName(routes[rule], rule)} (no matches) to the end`,
      edits: [insert, deleteLines(vs.file, lines, r)],
      isPreferred: true,
    },
  ];
}

/** Deletes a block sequence item that can never take a request (a whole rule, or one match of a rule that keeps others). */
function removeItemFix(
  vs: VirtualService,
  text: string | undefined,
  path: (string | number)[],
  title: string,
): QuickFix[] | undefined {
  if (text === undefined) return undefined;
  const r = itemLines(vs, text, path);
  if (!r) return undefined;
  return [{ title, edits: [deleteLines(vs.file, text.split('\n'), r)] }];
}
