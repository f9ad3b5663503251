// IST0101 for a Gateway's TLS credentialName, as Istio's gateway.SecretAnalyzer (analyzers/gateway/secret.go):
// the Secret must exist in the namespace of the gateway workload the Gateway selects (not the Gateway's own
// namespace); a Gateway whose selector matches no workload gets IST0101 selector instead (the same message
// the port analyzer gives, printed once). Only Secrets' names are read (src/istio/yamlModel.ts).
// Offline, Secrets are seldom in the files: a credentialName is judged with assumeComplete, or when the
// inputs hold some Secret of the workload's namespace.
import type { Gateway } from '../model';
import { list, mapping, objectRef, podLabels, selectorMatches, selectorString, type AnalysisContext } from './context';
import { makeDiagnostic, type Diagnostic } from './types';
import { namespaceOf } from '../model';

/** getGatewayNamespace: the namespace of the first workload the selector matches. */
function workloadNamespace(ctx: AnalysisContext, gw: Gateway): string | undefined {
  const w = ctx.world.deployments.find((d) => selectorMatches(gw.spec.selector, podLabels(d)));
  return w ? namespaceOf(w) : undefined;
}

/** resource.NewShortOrFullName for a credentialName (`ns/name` or a name in the workload's namespace). */
function secretKey(credentialName: string, namespace: string): string {
  return credentialName.includes('/') ? credentialName : `${namespace}/${credentialName}`;
}

export function analyzeGatewaySecrets(ctx: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const secrets = ctx.indexOf(
    ctx.world.secrets,
    'names',
    (all) => new Set(all.map((s) => `${namespaceOf(s)}/${s.metadata.name}`)),
  );
  for (const gw of ctx.subject.gateways) {
    const ns = workloadNamespace(ctx, gw);
    if (ns === undefined) {
      if (ctx.complete('deployments')) {
        const selector = mapping(gw.spec.selector);
        const first = Object.keys(selector).sort()[0];
        const range = first === undefined ? gw.rangeAt(['spec', 'selector']) : gw.rangeAt(['spec', 'selector', first]);
        out.push(
          makeDiagnostic({
            code: 'IST0101',
            args: ['selector', selectorString(selector)],
            file: gw.file,
            range,
            object: objectRef(gw),
          }),
        );
      }
      continue;
    }
    const judge = ctx.complete('secrets') || ctx.world.secrets.some((s) => namespaceOf(s) === ns);
    if (!judge) continue;
    list(gw.spec.servers).forEach((server, i) => {
      const cn = server?.tls?.credentialName;
      if (typeof cn !== 'string' || cn === '') return;
      if (secrets.has(secretKey(cn, ns))) return;
      const elsewhere = ctx.world.secrets
        .filter((s) => s.metadata.name === cn)
        .map((s) => `${namespaceOf(s)}/${s.metadata.name}`);
      out.push(
        makeDiagnostic({
          code: 'IST0101',
          args: ['credentialName', cn],
          file: gw.file,
          range: gw.rangeAt(['spec', 'servers', i, 'tls', 'credentialName']),
          object: objectRef(gw),
          related: elsewhere.map((name) => {
            const s = ctx.world.secrets.find((x) => `${namespaceOf(x)}/${x.metadata.name}` === name)!;
            return {
              file: s.file,
              range: s.range,
              message: `Secret ${name} is in another namespace than the gateway workload (${ns})`,
            };
          }),
        }),
      );
    });
  }
  return out;
}
