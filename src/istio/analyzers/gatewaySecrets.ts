// IST0101 for a Gateway's TLS credentialName, as Istio's gateway.SecretAnalyzer (analyzers/gateway/secret.go):
// the Secret must exist in the namespace of the gateway workload the Gateway selects (not the Gateway's own
// namespace); a Gateway whose selector matches no workload gets IST0101 selector instead (the same message
// the port analyzer gives, printed once). A Secret that exists but whose certificate Istio cannot read
// (isValidSecret: ExtractCertInfo, then ValidateCertificate: the first PEM block parses and is valid now) gets
// IST0161. Beyond Istio's analyzer, from the same Secret facts (src/istio/secretFacts.ts; the values never reach
// the engine): a key that is not the certificate's (Envoy refuses the pair), and a MUTUAL or OPTIONAL_MUTUAL
// server whose CA istiod's SDS cannot find (GetCaCert: the Secret `<name>-cacert`, else the credential's own
// ca.crt or cacert) get IST0161 from the lab, saying what is wrong and what to do.
// Offline, Secrets are seldom in the files: a credentialName is judged with assumeComplete, or when the
// inputs hold some Secret of the workload's namespace.
import type { Gateway, GatewayServer, SecretRef } from '../model';
import { list, mapping, objectRef, podLabels, selectorMatches, selectorString, type AnalysisContext } from './context';
import { makeDiagnostic, type Diagnostic } from './types';
import { namespaceOf } from '../model';
import { CA_SUFFIX } from '../serverTls';

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
      if (secrets.has(secretKey(cn, ns))) {
        const problem = credentialProblem(ctx, server, cn, ns);
        if (problem) {
          const secret = findSecret(ctx, secretKey(cn, ns))!;
          const d = makeDiagnostic({
            code: 'IST0161',
            args: [gw.metadata.name, ns],
            file: gw.file,
            range: gw.rangeAt(['spec', 'servers', i, 'tls', 'credentialName']),
            object: objectRef(gw),
            ...(problem.labOnly ? { source: 'ingress-lab' as const } : {}),
            related: [{ file: secret.file, range: secret.range, message: problem.why }],
          });
          // Istio's own message stays as istioctl prints it; the lab's findings say what is wrong and what to do
          if (problem.labOnly)
            d.message = `${d.message.replace(/\.$/, '')}: spec.servers[${i}].tls.credentialName ${cn}: ${problem.why}`;
          out.push(d);
        }
        return;
      }
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

function findSecret(ctx: AnalysisContext, key: string): SecretRef | undefined {
  return ctx.world.secrets.find((s) => `${namespaceOf(s)}/${s.metadata.name}` === key);
}

/**
 * What is wrong with a credential that exists, from its Secret's facts: Istio's isValidSecret (ExtractCertInfo and
 * ValidateCertificate at the time of analysis), then, found by the lab only, a key that does not match the
 * certificate and a missing CA for a server that validates client certificates.
 */
function credentialProblem(
  ctx: AnalysisContext,
  server: GatewayServer,
  cn: string,
  ns: string,
): { why: string; labOnly: boolean } | undefined {
  const secret = findSecret(ctx, secretKey(cn, ns));
  const facts = secret?.spec.facts;
  if (!secret || !facts) return undefined;
  const name = `Secret ${namespaceOf(secret)}/${secret.metadata.name}`;
  if (facts.tlsPair === 'missing')
    return {
      why: `${name}: ${facts.tlsPairError ?? 'no certificate and key'}; add tls.crt and tls.key`,
      labOnly: false,
    };
  const cert = facts.certificate;
  if (cert && 'error' in cert)
    return {
      why: `${name}: ${facts.tlsKeys?.[0] ?? 'tls.crt'}: ${cert.error}; put a PEM certificate there`,
      labOnly: false,
    };
  if (cert) {
    const now = Date.now();
    if (now < Date.parse(cert.notBefore) || now > Date.parse(cert.notAfter))
      return {
        why: `${name}: certificate is expired or not yet valid (valid ${cert.notBefore} to ${cert.notAfter}); renew it`,
        labOnly: false,
      };
  }
  if (facts.tlsPair !== 'valid') {
    const [c, k] = facts.tlsKeys ?? ['tls.crt', 'tls.key'];
    return {
      why: `${name}: ${k} and ${c} are not a key pair (${facts.tlsPairError ?? facts.tlsPair}), so the gateway's Envoy cannot load this certificate; put the certificate's own key in ${k}`,
      labOnly: true,
    };
  }
  const mode = (server.tls?.mode ?? '').toUpperCase();
  if ((mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && !server.tls?.caCertCredentialName && !cn.includes('://')) {
    // GetCaCert: the Secret `<name>-cacert` when it exists, else the credential's own Secret
    const caSecret = findSecret(ctx, secretKey(`${cn}${CA_SUFFIX}`, ns));
    const ca = (caSecret ?? secret).spec.facts;
    if (ca && !ca.hasCaCert) {
      const where = caSecret
        ? `Secret ${ns}/${cn}${CA_SUFFIX} has no ca.crt (${ca.caCertError ?? 'empty'})`
        : `${name} has no ca.crt and there is no Secret ${ns}/${cn}${CA_SUFFIX}`;
      return {
        why: `${mode} needs a CA to check client certificates with, but ${where}: istiod sends the gateway no CA for this server, so clients cannot complete the handshake; add ca.crt (the CA that signs client certificates) to ${caSecret ? `${cn}${CA_SUFFIX}` : `${cn} or create Secret ${cn}${CA_SUFFIX}`}`,
        labOnly: true,
      };
    }
  }
  return undefined;
}
