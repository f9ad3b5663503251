// IST0130 and IST0131 for tcp[] and tls[] rules, as Istio's VirtualService validation reports them
// (pkg/config/validation/validation.go analyzeUnreachableTCPRules / analyzeUnreachableTLSRules, identical
// to the HTTP rule check without the prefix-overlap part): a rule without matches before another one, a
// match equal to an earlier one, a rule whose matches all repeat earlier ones. TCP and TLS rules and
// matches have no names, so they are `#n`.
import type { VirtualService } from '../model';
import { list, objectRef } from './context';
import { makeDiagnostic, type Diagnostic } from './types';
import { matchKey } from './unreachableRules';

type Section = 'tcp' | 'tls';

function analyzeSection(vs: VirtualService, section: Section): Diagnostic[] {
  const routes = list((vs.spec as Record<string, unknown>)[section] as unknown[]);
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[]) => vs.rangeAt(['spec', section, ...path]);
  const push = (
    code: 'IST0130' | 'IST0131',
    args: string[],
    path: (string | number)[],
    related?: Diagnostic['related'],
  ) =>
    out.push(
      makeDiagnostic({
        code,
        args,
        file: vs.file,
        range: at(path),
        object: objectRef(vs),
        ...(related ? { related } : {}),
      }),
    );
  const seen = new Map<string, number>();
  let emptyMatchEncountered = -1;
  routes.forEach((route, rulen) => {
    if (!route || typeof route !== 'object') return;
    const matches = list((route as { match?: unknown[] }).match);
    const noMatches = () => [
      {
        file: vs.file,
        range: at([emptyMatchEncountered]),
        message: `${section} rule #${emptyMatchEncountered} has no matches`,
      },
    ];
    if (matches.length === 0) {
      if (emptyMatchEncountered >= 0)
        push('IST0130', [`#${rulen}`, 'only the last rule can have no matches'], [rulen], noMatches());
      emptyMatchEncountered = rulen;
      return;
    }
    let duplicates = 0;
    matches.forEach((match, matchn) => {
      if (emptyMatchEncountered >= 0) {
        push('IST0130', [`#${rulen}`, 'route without matches defined before'], [rulen, 'match', matchn], noMatches());
        return;
      }
      const key = matchKey(match as never);
      const dupn = seen.get(key);
      if (dupn !== undefined) {
        push(
          'IST0131',
          [`#${rulen}`, `#${matchn}`, `#${dupn}`],
          [rulen, 'match', matchn],
          [{ file: vs.file, range: at([dupn]), message: `the same match in ${section} rule #${dupn}` }],
        );
        duplicates++;
        return;
      }
      seen.set(key, rulen);
    });
    if (duplicates === matches.length)
      push('IST0130', [`#${rulen}`, 'all matches used by prior rules'], [rulen, 'match']);
  });
  return out;
}

export function analyzeUnreachableTcpTlsRules(vs: VirtualService): Diagnostic[] {
  return [...analyzeSection(vs, 'tcp'), ...analyzeSection(vs, 'tls')];
}
