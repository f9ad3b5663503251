// IST0101 (gateway) and IST0132, as Istio's virtualservice.GatewayAnalyzer
// (pkg/config/analysis/analyzers/virtualservice/gateways.go): each gateway a VirtualService names must
// exist, and at least one VirtualService host must match a host of that Gateway's servers (as seen from the
// VirtualService's namespace). Istio reports both when the Gateway is missing; so do we.
import { hostsMatch, namesForNamespace, sanitizeServerHosts } from '../hosts';
import type { Gateway, VirtualService } from '../model';
import { fullName, list, nsOf, objectRef, type AnalysisContext } from './context';
import { appendToSequence, replaceRange, yamlScalar } from './textEdits';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';

/** resource.NewShortOrFullName: `ns/name`, or the VirtualService's namespace for a bare name. */
export function gatewayFullName(ref: string, vsNamespace: string): string {
  const slash = ref.indexOf('/');
  return slash < 0 ? `${vsNamespace}/${ref}` : ref;
}

const HTTP_LIKE = new Set(['HTTP', 'HTTP2', 'HTTPS', 'GRPC', 'GRPC-WEB']);

export function analyzeVirtualServiceGateways(ctx: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vs of ctx.inputs.virtualServices) {
    const vsNs = nsOf(vs);
    list(vs.spec.gateways).forEach((ref, i) => {
      if (typeof ref !== 'string' || ref === 'mesh') return;
      const gwFull = gatewayFullName(ref, vsNs);
      const gwNs = gwFull.slice(0, gwFull.indexOf('/'));
      const matching = ctx.world.gateways.filter((g) => fullName(g) === gwFull);
      // Offline, a namespace with no Gateway in the inputs may well have it in the cluster: not judged.
      if (!matching.length && !ctx.complete('gateways') && !ctx.world.gateways.some((g) => nsOf(g) === gwNs)) return;
      const refRange = () => vs.rangeAt(['spec', 'gateways', i]);
      if (!matching.length) {
        out.push(
          makeDiagnostic({
            code: 'IST0101',
            args: ['gateway', ref],
            file: vs.file,
            range: refRange(),
            object: objectRef(vs),
            fixes: renameGatewayFixes(vs, i, ctx.world.gateways),
          }),
        );
      }
      const vsHosts = list(vs.spec.hosts).filter((h): h is string => typeof h === 'string');
      if (!vsHostInGateway(matching, vsHosts, vsNs)) {
        out.push(
          makeDiagnostic({
            code: 'IST0132',
            args: [vsHosts, fullName(vs), gwFull],
            file: vs.file,
            range: refRange(),
            // The value at fault: the host the Gateway does not accept (all of them, when there are several).
            valueRange: vs.rangeAt(list(vs.spec.hosts).length === 1 ? ['spec', 'hosts', 0] : ['spec', 'hosts']),
            object: objectRef(vs),
            fixes: [...addHostFixes(ctx, vs, matching, vsHosts), ...changeVsHostFixes(vs, matching, vsNs)],
            related: [
              { file: vs.file, range: refRange(), message: `bound to Gateway ${gwFull} here` },
              ...matching.map((g) => ({ file: g.file, range: g.rangeAt(['spec', 'servers']), message: `servers of Gateway ${gwFull}` })),
            ],
          }),
        );
      }
    });
  }
  return out;
}

/** Gateway server hosts visible to a VirtualService in `vsNamespace`, namespace prefixes resolved. */
export function gatewayHostsFor(gateways: Gateway[], vsNamespace: string): string[] {
  const hosts: string[] = [];
  for (const g of gateways) for (const s of list(g.spec.servers)) hosts.push(...sanitizeServerHosts(list(s?.hosts).filter((h) => typeof h === 'string'), nsOf(g)));
  return namesForNamespace(hosts, vsNamespace);
}

function vsHostInGateway(gateways: Gateway[], vsHosts: string[], vsNamespace: string): boolean {
  const gh = gatewayHostsFor(gateways, vsNamespace);
  return gh.some((g) => vsHosts.some((v) => hostsMatch(g, v)));
}

function renameGatewayFixes(vs: VirtualService, index: number, gateways: Gateway[]): QuickFix[] {
  const vsNs = nsOf(vs);
  const candidates = [...gateways].sort((a, b) => Number(nsOf(b) === vsNs) - Number(nsOf(a) === vsNs)).slice(0, 3);
  // A typo ("simpel") has one obvious fix: prefer the only candidate, or the one clearly closest in spelling,
  // so Auto Fix applies it.
  const typed = String(vs.spec.gateways?.[index] ?? '');
  const distances = candidates.map((g) => editDistance(typed, nsOf(g) === vsNs ? g.metadata.name : fullName(g)));
  const best = Math.min(...distances);
  const preferred = candidates.length === 1 ? 0 : best <= 2 && distances.filter((d) => d === best).length === 1 ? distances.indexOf(best) : -1;
  return candidates.map((g, i) => {
    const ref = nsOf(g) === vsNs ? g.metadata.name : fullName(g);
    return {
      title: `Change gateway to ${ref} (Gateway ${fullName(g)})`,
      edits: [replaceRange(vs.file, vs.rangeAt(['spec', 'gateways', index]), yamlScalar(ref))],
      ...(i === preferred ? { isPreferred: true } : {}),
    };
  });
}

/** Levenshtein distance, for telling a typo from a different name. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** "Add host h to Gateway ns/name": appended to the hosts of its first HTTP(S) server. */
function addHostFixes(ctx: AnalysisContext, vs: VirtualService, gateways: Gateway[], vsHosts: string[]): QuickFix[] {
  const gw = gateways.find((g) => ctx.inputs.gateways.includes(g));
  const text = gw && ctx.sourceText(gw.file);
  if (!gw || text === undefined) return [];
  const servers = list(gw.spec.servers);
  let k = servers.findIndex((s) => Array.isArray(s?.hosts) && s.hosts.length > 0 && HTTP_LIKE.has((s.port?.protocol ?? '').toUpperCase()));
  if (k < 0) k = servers.findIndex((s) => Array.isArray(s?.hosts) && s.hosts.length > 0);
  if (k < 0) return [];
  const n = servers[k]!.hosts!.length;
  const fixes: QuickFix[] = [];
  for (const h of vsHosts) {
    const edit = appendToSequence(text, gw.file, gw.rangeAt(['spec', 'servers', k, 'hosts']), gw.rangeAt(['spec', 'servers', k, 'hosts', n - 1]), yamlScalar(h));
    if (edit) fixes.push({ title: `Add host ${h} to Gateway ${fullName(gw)}`, edits: [edit], isPreferred: fixes.length === 0 });
  }
  return fixes;
}

/** With a single VirtualService host: "Change host to g" for each plain host the Gateway accepts. */
function changeVsHostFixes(vs: VirtualService, gateways: Gateway[], vsNs: string): QuickFix[] {
  if (list(vs.spec.hosts).length !== 1) return [];
  const hosts = [...new Set(gatewayHostsFor(gateways, vsNs).filter((h) => !h.startsWith('*')))].slice(0, 3);
  return hosts.map((h) => ({
    title: `Change VirtualService host to ${h} (a host of the Gateway)`,
    edits: [replaceRange(vs.file, vs.rangeAt(['spec', 'hosts', 0]), yamlScalar(h))],
  }));
}
