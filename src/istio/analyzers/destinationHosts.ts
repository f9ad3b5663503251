// IST0101 (host, mirror host, host:port) and IST0112, as Istio's virtualservice.DestinationHostAnalyzer
// (destinationhosts.go): each destination host must be a ServiceEntry host or a Kubernetes Service visible
// from the VirtualService's namespace; with no destination port, the Service must have a single port; with
// one, the Service must have it.
//
// ServiceEntry hosts are looked up first (src/istio/serviceEntries.ts), with their ports. Offline, a
// cluster-local host is judged only when the inputs hold some Service of its namespace, and any other host
// only with assumeComplete (the inputs may lack the ServiceEntry that defines it).
import type { Service, ServiceEntry, VirtualService } from '../model';
import { findServiceEntry, serviceEntryHosts, type ServiceEntryHosts } from '../serviceEntries';
import { list, objectRef, type AnalysisContext } from './context';
import { clusterServiceName, mirrorDestinations, routeDestinations, type AnnotatedDestination } from './destinations';
import { addMapEntryAfter, replaceRange, yamlScalar } from './textEdits';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';
import { namespaceOf } from '../model';

const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

/** getVisibleNamespacesFromExportToAnno: `*` without the annotation, `.` is the Service's own namespace. */
function serviceScopes(svc: Service): string[] {
  const anno = svc.metadata.annotations?.[EXPORT_TO_ANNOTATION];
  if (!anno) return ['*'];
  return anno.split(',').map((s) => (s.trim() === '.' ? namespaceOf(svc) : s.trim()));
}

/** GetDestinationHost's scope check for a Service host, from a VirtualService with `exportTo`. */
function visibleFrom(svc: Service, vsNamespace: string, exportTo: string[] | undefined): boolean {
  const scopes = serviceScopes(svc);
  if (scopes.includes('*')) return true;
  if (!exportTo?.length) return scopes.includes(vsNamespace);
  return exportTo.some((e) => scopes.includes(e === '.' ? vsNamespace : e));
}

function servicesByNamespace(services: readonly Service[]): Map<string, Service[]> {
  const byNamespace = new Map<string, Service[]>();
  for (const s of services) {
    const list = byNamespace.get(namespaceOf(s));
    if (list) list.push(s);
    else byNamespace.set(namespaceOf(s), [s]);
  }
  return byNamespace;
}

export function analyzeDestinationHosts(ctx: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byNamespace = ctx.indexOf(ctx.world.services, 'byNamespace', servicesByNamespace);
  const seHosts = ctx.indexOf(ctx.world.serviceEntries, 'hosts', serviceEntryHosts);
  for (const vs of ctx.subject.virtualServices) {
    for (const d of routeDestinations(vs)) check(ctx, byNamespace, seHosts, vs, d, 'host', out);
    for (const d of mirrorDestinations(vs)) check(ctx, byNamespace, seHosts, vs, d, 'mirror host', out);
  }
  return out;
}

function check(
  ctx: AnalysisContext,
  byNamespace: Map<string, Service[]>,
  seHosts: ServiceEntryHosts,
  vs: VirtualService,
  d: AnnotatedDestination,
  reftype: string,
  out: Diagnostic[],
): void {
  const host = typeof d.destination.host === 'string' ? d.destination.host : '';
  const vsNs = namespaceOf(vs);
  const notFound = (range = vs.rangeAt([...d.path, 'host'])) =>
    out.push(makeDiagnostic({ code: 'IST0101', args: [reftype, host], file: vs.file, range, object: objectRef(vs) }));
  if (host === '') {
    // a route entry without a destination: Istio looks up the empty host and reports it
    if (ctx.complete('services')) notFound(vs.rangeAt(d.path));
    return;
  }
  const se = findServiceEntry(seHosts, vsNs, list(vs.spec.exportTo), host);
  if (se) {
    checkServiceEntryPorts(vs, d, se, host, out);
    return;
  }
  const name = clusterServiceName(vsNs, host);
  if (!name) {
    if (ctx.complete('serviceEntries') || ctx.assumeComplete) notFound();
    return;
  }
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
          const replacement =
            host.includes('.') || namespaceOf(s) !== vsNs
              ? `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local`
              : s.metadata.name;
          return {
            title: `Change host to ${replacement} (Service ${namespaceOf(s)}/${s.metadata.name})`,
            edits: [replaceRange(vs.file, hostRange, yamlScalar(replacement))],
          };
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
          related: [
            {
              file: svc.file,
              range: svc.rangeAt(['spec', 'ports']),
              message: `ports of Service ${namespaceOf(svc)}/${svc.metadata.name}`,
            },
          ],
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
        fixes: ports.map((p) => ({
          title: `Change port to ${p} (a port of Service ${namespaceOf(svc)}/${svc.metadata.name})`,
          edits: [replaceRange(vs.file, numberRange, String(p))],
          isPreferred: ports.length === 1,
        })),
        related: [
          {
            file: svc.file,
            range: svc.rangeAt(['spec', 'ports']),
            message: `ports of Service ${namespaceOf(svc)}/${svc.metadata.name}`,
          },
        ],
      }),
    );
  }
}

/** checkServiceEntryPorts: a port is needed when the entry has several; a given port must be one of them. */
function checkServiceEntryPorts(
  vs: VirtualService,
  d: AnnotatedDestination,
  se: ServiceEntry,
  host: string,
  out: Diagnostic[],
): void {
  const ports = list(se.spec.ports).map((p) => p?.number ?? 0);
  const port = d.destination.port;
  const related = [
    {
      file: se.file,
      range: se.rangeAt(['spec', 'ports']),
      message: `ports of ServiceEntry ${namespaceOf(se)}/${se.metadata.name}`,
    },
  ];
  if (port === undefined || port === null) {
    if (ports.length > 1)
      out.push(
        makeDiagnostic({
          code: 'IST0112',
          args: [host, ports],
          file: vs.file,
          range: vs.rangeAt([...d.path, 'host']),
          object: objectRef(vs),
          related,
        }),
      );
    return;
  }
  const number = typeof port === 'object' ? (port.number ?? 0) : 0;
  if (!ports.includes(number)) {
    out.push(
      makeDiagnostic({
        code: 'IST0101',
        args: ['host:port', `${host}:${number}`],
        file: vs.file,
        range: vs.rangeAt([...d.path, 'port', 'number']),
        object: objectRef(vs),
        related,
      }),
    );
  }
}

function addPortFixes(ctx: AnalysisContext, vs: VirtualService, d: AnnotatedDestination, ports: number[]): QuickFix[] {
  const text = ctx.sourceText(vs.file);
  if (text === undefined) return [];
  return ports.map((p) => ({
    title: `Route to port ${p}`,
    edits: [
      addMapEntryAfter(text, vs.file, vs.rangeAt(d.path), vs.rangeAt([...d.path, 'host']), 'port', `{number: ${p}}`),
    ],
  }));
}
