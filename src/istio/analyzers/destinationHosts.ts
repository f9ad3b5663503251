// IST0101 (host, mirror host, host:port) and IST0112, as Istio's virtualservice.DestinationHostAnalyzer
// (destinationhosts.go): each destination host must be a ServiceEntry host or a Kubernetes Service visible
// from the VirtualService's namespace; with no destination port, the Service must have a single port; with
// one, the Service must have it.
//
// Where we differ, and why: the model reads no ServiceEntries, so hosts that are not cluster-local Service
// names (`name.ns.svc.cluster.local` or a bare name) are skipped rather than reported; offline, a host is
// judged only when the inputs hold some Service of its namespace (or with assumeComplete).
import type { Service, VirtualService } from '../model';
import { list, nsOf, objectRef, type AnalysisContext } from './context';
import { clusterServiceName, mirrorDestinations, routeDestinations, type AnnotatedDestination } from './destinations';
import { addMapEntryAfter, replaceRange, yamlScalar } from './textEdits';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';

const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** getVisibleNamespacesFromExportToAnno: `*` without the annotation, `.` is the Service's own namespace. */
function serviceScopes(svc: Service): string[] {
  const anno = svc.metadata.annotations?.[EXPORT_TO_ANNOTATION];
  if (!anno) return ['*'];
  return anno.split(',').map((s) => (s.trim() === '.' ? nsOf(svc) : s.trim()));
}

/** GetDestinationHost's scope check for a Service host, from a VirtualService with `exportTo`. */
function visibleFrom(svc: Service, vsNamespace: string, exportTo: string[] | undefined): boolean {
  const scopes = serviceScopes(svc);
  if (scopes.includes('*')) return true;
  if (!exportTo?.length) return scopes.includes(vsNamespace);
  return exportTo.some((e) => scopes.includes(e === '.' ? vsNamespace : e));
}

export function analyzeDestinationHosts(ctx: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byNamespace = new Map<string, Service[]>();
  for (const s of ctx.world.services) byNamespace.set(nsOf(s), [...(byNamespace.get(nsOf(s)) ?? []), s]);
  for (const vs of ctx.inputs.virtualServices) {
    for (const d of routeDestinations(vs)) check(ctx, byNamespace, vs, d, 'host', out);
    for (const d of mirrorDestinations(vs)) check(ctx, byNamespace, vs, d, 'mirror host', out);
  }
  return out;
}

function check(ctx: AnalysisContext, byNamespace: Map<string, Service[]>, vs: VirtualService, d: AnnotatedDestination, reftype: string, out: Diagnostic[]): void {
  const host = d.destination.host;
  if (typeof host !== 'string' || host === '') return;
  const vsNs = nsOf(vs);
  const name = clusterServiceName(vsNs, host);
  if (!name) return; // ServiceEntry territory: not modelled
  const inNamespace = byNamespace.get(name.namespace) ?? [];
  if (!inNamespace.length && !ctx.complete('services')) return;
  const svc = inNamespace.find((s) => s.metadata.name === name.name && visibleFrom(s, vsNs, vs.spec.exportTo));
  if (!svc) {
    const hostRange = vs.rangeAt([...d.path, 'host']);
    out.push(
      makeDiagnostic({
        code: 'IST0101',
        args: [reftype, host],
        file: vs.file,
        range: hostRange,
        object: objectRef(vs),
        fixes: inNamespace.slice(0, 3).map((s) => {
          const replacement = host.includes('.') || nsOf(s) !== vsNs ? `${s.metadata.name}.${nsOf(s)}.svc.cluster.local` : s.metadata.name;
          return { title: `Change host to ${replacement} (Service ${nsOf(s)}/${s.metadata.name})`, edits: [replaceRange(vs.file, hostRange, yamlScalar(replacement))] };
        }),
      }),
    );
    return;
  }
  const ports = list(svc.spec.ports).map((p) => p?.port);
  const port = d.destination.port;
  if (port === undefined || port === null) {
    if (ports.length > 1) {
      out.push(
        makeDiagnostic({
          code: 'IST0112',
          args: [host, ports],
          file: vs.file,
          range: vs.rangeAt([...d.path, 'host']),
          object: objectRef(vs),
          fixes: addPortFixes(ctx, vs, d, ports),
          related: [{ file: svc.file, range: svc.rangeAt(['spec', 'ports']), message: `ports of Service ${nsOf(svc)}/${svc.metadata.name}` }],
        }),
      );
    }
    return;
  }
  const number = typeof port === 'object' ? (port.number ?? 0) : 0;
  if (!ports.includes(number)) {
    const numberRange = vs.rangeAt([...d.path, 'port', 'number']);
    out.push(
      makeDiagnostic({
        code: 'IST0101',
        args: ['host:port', `${host}:${number}`],
        file: vs.file,
        range: numberRange,
        object: objectRef(vs),
        fixes: ports.map((p) => ({ title: `Change port to ${p} (a port of Service ${nsOf(svc)}/${svc.metadata.name})`, edits: [replaceRange(vs.file, numberRange, String(p))], isPreferred: ports.length === 1 })),
        related: [{ file: svc.file, range: svc.rangeAt(['spec', 'ports']), message: `ports of Service ${nsOf(svc)}/${svc.metadata.name}` }],
      }),
    );
  }
}

function addPortFixes(ctx: AnalysisContext, vs: VirtualService, d: AnnotatedDestination, ports: number[]): QuickFix[] {
  const text = ctx.sourceText(vs.file);
  if (text === undefined) return [];
  return ports.map((p) => ({
    title: `Route to port ${p}`,
    edits: [addMapEntryAfter(text, vs.file, vs.rangeAt(d.path), vs.rangeAt([...d.path, 'host']), 'port', `{number: ${p}}`)],
  }));
}
