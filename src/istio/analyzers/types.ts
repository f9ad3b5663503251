// What the analyzers report: Istio's own message types (code, name, level and template copied from
// istio/istio pkg/config/analysis/msg/messages.yaml) placed on an exact YAML range, with quick fixes.
import type { Range } from '../model';
import type { GatewayApiReason } from '../gatewayApi';
import type { BackendTlsPolicyReason } from '../backendTlsPolicy';

export type Severity = 'error' | 'warning' | 'info';

export type IstioCode =
  | 'IST0101'
  | 'IST0106'
  | 'IST0112'
  | 'IST0127'
  | 'IST0130'
  | 'IST0131'
  | 'IST0132'
  | 'IST0133'
  | 'IST0145'
  | 'IST0161'
  | 'IST0162'
  | 'IST0165';

interface MessageType {
  name: string;
  severity: Severity;
  /** Go fmt template, as in messages.yaml. */
  template: string;
}

export const MESSAGE_TYPES: Record<IstioCode, MessageType> = {
  IST0101: { name: 'ReferencedResourceNotFound', severity: 'error', template: 'Referenced %s not found: %q' },
  IST0106: { name: 'SchemaValidationError', severity: 'error', template: 'Schema validation error: %v' },
  IST0112: {
    name: 'VirtualServiceDestinationPortSelectorRequired',
    severity: 'error',
    template:
      'This VirtualService routes to a service %q that exposes multiple ports %v. Specifying a port in the destination is required to disambiguate.',
  },
  IST0127: {
    name: 'NoMatchingWorkloadsFound',
    severity: 'warning',
    template: 'No matching workloads for this resource with the following labels: %s',
  },
  IST0130: {
    name: 'VirtualServiceUnreachableRule',
    severity: 'warning',
    template: 'VirtualService rule %v not used (%s).',
  },
  IST0131: {
    name: 'VirtualServiceIneffectiveMatch',
    severity: 'info',
    template: 'VirtualService rule %v match %v is not used (duplicate/overlapping match in rule %v).',
  },
  IST0132: {
    name: 'VirtualServiceHostNotFoundInGateway',
    severity: 'warning',
    template: 'one or more host %v defined in VirtualService %s not found in Gateway %s.',
  },
  IST0133: { name: 'SchemaWarning', severity: 'warning', template: 'Schema validation warning: %v' },
  IST0145: {
    name: 'ConflictingGateways',
    severity: 'error',
    template: 'Conflict with gateways %s (workload selector %s, port %s, hosts %v).',
  },
  IST0161: {
    name: 'InvalidGatewayCredential',
    severity: 'error',
    template:
      'The credential referenced by the Gateway %s in namespace %s is invalid, which can cause the traffic not to work as expected.',
  },
  IST0162: {
    name: 'GatewayPortNotDefinedOnService',
    severity: 'warning',
    template:
      'The gateway is listening on a target port (port %d) that is not defined in the Service associated with its workload instances (Pod selector %s). If you need to access the gateway port through the gateway Service, it will not be available.',
  },
  IST0165: {
    name: 'ReferencedInternalGateway',
    severity: 'warning',
    template: 'Gateway reference in VirtualService %s is to an implementation-generated internal Gateway: %s.',
  },
};

/** The object a diagnostic is about, as istioctl names it (`VirtualService simple/simple`). */
export interface ObjectRef {
  kind: string;
  name: string;
  namespace: string;
}

/** Replace `range` of `file` with `newText` (an empty range inserts). */
export interface TextEdit {
  file: string;
  range: Range;
  newText: string;
}

/** A machine-applicable fix: apply all edits together. */
export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor may apply as "auto fix" (at most one per diagnostic). */
  isPreferred?: boolean;
}

export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

export interface Diagnostic {
  /** Istio's analyzer code, or for the Gateway API the condition reason Istio writes in the object's status. */
  code: IstioCode | GatewayApiReason | BackendTlsPolicyReason;
  /** Istio's message name, e.g. ReferencedResourceNotFound. */
  name: string;
  /** Istio's level for the code. */
  severity: Severity;
  /** Istio's template, filled in as Go's fmt would. */
  message: string;
  file: string;
  /** Exact 0-based range in `file`: where `istioctl analyze` reports it (its line is the CLI's line). */
  range: Range;
  /**
   * The value at fault, when it is not where Istio reports the message (IST0132: Istio names the gateway
   * reference's line, the fault is the host the Gateway does not accept). The editor underlines this one.
   */
  valueRange?: Range;
  object: ObjectRef;
  /** Istio's documentation page for the code. */
  docsUrl: string;
  /**
   * `istio`: `istioctl analyze` reports the same message. `ingress-lab`: the same kind of problem found by a
   * check that goes beyond Istio's rule (e.g. an exact match shadowed by an earlier prefix, which Istio's
   * overlap check does not look at).
   */
  source: 'istio' | 'ingress-lab';
  fixes?: QuickFix[];
  related?: RelatedLocation[];
}

/** Go's %q for the strings the analyzers quote (JSON quoting agrees with Go's on printable text). */
export const goQuote = (s: string): string => JSON.stringify(s);

/** Go's %v for a slice: `[a b c]`. */
export const goList = (items: readonly (string | number)[]): string => `[${items.join(' ')}]`;

/** Fills a Go fmt template with %s, %v, %q and %d verbs, in order. */
export function goSprintf(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%([svqd%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return goQuote(String(a));
    if (Array.isArray(a)) return goList(a as (string | number)[]);
    return String(a);
  });
}

export function docsUrl(code: IstioCode): string {
  return `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/`;
}

export interface DiagnosticInput {
  code: IstioCode;
  args: readonly unknown[];
  file: string;
  range: Range;
  valueRange?: Range;
  object: ObjectRef;
  source?: Diagnostic['source'];
  fixes?: QuickFix[];
  related?: RelatedLocation[];
}

export function makeDiagnostic(d: DiagnosticInput): Diagnostic {
  const t = MESSAGE_TYPES[d.code];
  const out: Diagnostic = {
    code: d.code,
    name: t.name,
    severity: t.severity,
    message: goSprintf(t.template, d.args),
    file: d.file,
    range: d.range,
    object: d.object,
    docsUrl: docsUrl(d.code),
    source: d.source ?? 'istio',
  };
  if (d.valueRange) out.valueRange = d.valueRange;
  if (d.fixes?.length) out.fixes = d.fixes;
  if (d.related?.length) out.related = d.related;
  return out;
}
