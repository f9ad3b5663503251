// IST0101 (selector) and IST0162, as Istio's gateway.IngressGatewayPortAnalyzer (analyzers/gateway/gateway.go):
// a Gateway's selector must match some pod; each server port must be a port, or a targetPort, of a TCP port
// of a Service in the pod's namespace that selects that pod.
//
// Pods are read from Deployments' pod templates. Offline, where the gateway runs is usually not in the
// files: the selector is judged only when the inputs hold a gateway-like Deployment (label `istio`, or an
// `app` naming a gateway), and ports only when a Service selecting the matched pods is in the inputs.
// In cluster mode with no such Service, Istio's default ingress Service (gatewayWorkloads.ts) stands in when
// the selector fits it.
import { DEFAULT_INGRESS } from '../gatewayWorkloads';
import type { Deployment, Gateway, Service, ServicePort } from '../model';
import { list, mapping, objectRef, podLabels, selectorMatches, selectorString, type AnalysisContext } from './context';
import { appendToSequence, replaceRange } from './textEdits';
import { makeDiagnostic, type Diagnostic, type QuickFix } from './types';
import { namespaceOf } from '../model';

export function isGatewayLikeWorkload(d: Deployment): boolean {
  const labels = podLabels(d);
  return (
    'istio' in labels ||
    'gateway.istio.io/managed' in labels ||
    'istio.io/gateway-name' in labels ||
    /gateway/.test(labels.app ?? '')
  );
}

/** intstr.IntValue: the number, a numeric string's value, else 0. */
function intValue(v: number | string | undefined): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return 0;
}

/** The first label key of the selector string, where Istio puts the message (ExtractLabelFromSelectorString). */
function selectorRange(gw: Gateway) {
  const first = Object.keys(gw.spec.selector ?? {}).sort()[0];
  return first === undefined ? gw.rangeAt(['spec', 'selector']) : gw.rangeAt(['spec', 'selector', first]);
}

export function analyzeGatewayPorts(ctx: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const judgeSelectors = ctx.complete('deployments') || ctx.world.deployments.some(isGatewayLikeWorkload);
  for (const gw of ctx.subject.gateways) {
    const selector = mapping(gw.spec.selector);
    const sel = selectorString(selector);
    const pods = ctx.world.deployments.filter((d) => selectorMatches(selector, podLabels(d)));
    if (!pods.length) {
      if (judgeSelectors) {
        out.push(
          makeDiagnostic({
            code: 'IST0101',
            args: ['selector', sel],
            file: gw.file,
            range: selectorRange(gw),
            object: objectRef(gw),
            fixes: selectorFixes(ctx, gw, selector),
          }),
        );
      }
      continue;
    }
    const servicePorts = new Set<number>();
    const portMapping = new Map<number, number>();
    const services: Service[] = [];
    const addPorts = (ports: ServicePort[]) => {
      for (const p of ports) {
        if (!p || typeof p.port !== 'number') continue;
        if ((p.protocol ?? 'TCP') !== 'TCP') continue; // the API server defaults protocol to TCP
        const tp = intValue(p.targetPort);
        if (tp !== 0) {
          servicePorts.add(tp);
          if (!portMapping.has(p.port)) portMapping.set(p.port, tp);
        } else servicePorts.add(p.port);
      }
    };
    for (const pod of pods) {
      for (const svc of ctx.world.services) {
        if (namespaceOf(svc) !== namespaceOf(pod) || !selectorMatches(svc.spec.selector, podLabels(pod))) continue;
        if (!services.includes(svc)) services.push(svc);
        addPorts(list(svc.spec.ports));
      }
    }
    if (!services.length) {
      if (ctx.clusterMode && selectorMatches(selector, DEFAULT_INGRESS.labels)) addPorts(DEFAULT_INGRESS.ports);
      else if (!ctx.complete('services')) continue;
    }
    list(gw.spec.servers).forEach((server, i) => {
      const n = server?.port?.number;
      if (typeof n !== 'number') return;
      if (servicePorts.has(n) || portMapping.has(n)) return;
      out.push(
        makeDiagnostic({
          code: 'IST0162',
          args: [n, sel],
          file: gw.file,
          range: gw.rangeAt(['spec', 'servers', i, 'port', 'number']),
          object: objectRef(gw),
          fixes: portFixes(ctx, gw, i, n, portMapping, services),
          related: services.map((s) => ({
            file: s.file,
            range: s.rangeAt(['spec', 'ports']),
            message: `ports of Service ${namespaceOf(s)}/${s.metadata.name}`,
          })),
        }),
      );
    });
  }
  return out;
}

function portFixes(
  ctx: AnalysisContext,
  gw: Gateway,
  i: number,
  n: number,
  portMapping: Map<number, number>,
  services: Service[],
): QuickFix[] {
  const fixes: QuickFix[] = [];
  const numberRange = gw.rangeAt(['spec', 'servers', i, 'port', 'number']);
  for (const p of [...portMapping.keys()].filter((p) => p !== 15021).slice(0, 3)) {
    fixes.push({
      title: `Change the server port to ${p} (port ${p} -> ${portMapping.get(p)} of the gateway Service)`,
      edits: [replaceRange(gw.file, numberRange, String(p))],
    });
  }
  const svc = services.find((s) => ctx.inputs.services.includes(s));
  const text = svc && ctx.sourceText(svc.file);
  const ports = list(svc?.spec.ports);
  if (svc && text !== undefined && ports.length) {
    const protocol = (gw.spec.servers?.[i]?.port?.protocol ?? 'tcp').toLowerCase();
    const edit = appendToSequence(
      text,
      svc.file,
      svc.rangeAt(['spec', 'ports']),
      svc.rangeAt(['spec', 'ports', ports.length - 1]),
      `{name: ${protocol}-${n}, port: ${n}, targetPort: ${n}, protocol: TCP}`,
    );
    if (edit) fixes.push({ title: `Add port ${n} to Service ${namespaceOf(svc)}/${svc.metadata.name}`, edits: [edit] });
  }
  return fixes;
}

/** With a one-label selector: use the value a gateway-like Deployment's pods carry for that label. */
function selectorFixes(ctx: AnalysisContext, gw: Gateway, selector: Record<string, string>): QuickFix[] {
  const keys = Object.keys(selector);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return [];
  const values = [
    ...new Set(
      ctx.world.deployments
        .filter(isGatewayLikeWorkload)
        .map((d) => podLabels(d)[key])
        .filter((v): v is string => typeof v === 'string'),
    ),
  ];
  return values.slice(0, 3).map((v) => ({
    title: `Change selector to ${key}=${v}`,
    edits: [
      replaceRange(
        gw.file,
        gw.rangeAt(['spec', 'selector', key]),
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? v : JSON.stringify(v),
      ),
    ],
    isPreferred: values.length === 1,
  }));
}
