// The status istiod writes on a Gateway API Gateway: its Accepted/Programmed/ResolvedRefs conditions and, per
// listener, Accepted/Conflicted/Programmed/ResolvedRefs, supportedKinds and attachedRoutes. Followed from the pinned
// istio.io/istio: reportGatewayStatus and buildListener (pilot/pkg/config/kube/gateway/conversion.go),
// GatewayCollection / FinalGatewayStatusCollection (gateway_collection.go), and gatewaycommon's
// ReportListenerCondition, ReportListenerConflict, SetProgrammedCondition, GenerateGatewaySupportedKinds and
// ComputeGatewayListenerConflicts (listener_conflict.go). Messages are Istio's own text. Pure; gatewayApi.ts
// feeds it what its translation learns about each listener.
import type { K8sListener } from './gatewayApi';

const GROUP = 'gateway.networking.k8s.io';

export interface StatusCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export interface ListenerStatusPrediction {
  name: string;
  attachedRoutes: number;
  conditions: StatusCondition[];
  supportedKinds: RouteGroupKind[];
}

/**
 * What istiod writes on a Gateway, save the address: `conditions` holds Programmed as istiod writes it once the
 * deployed Service has its address (a cluster whose LoadBalancer assigns one, as the lab's does);
 * `programmedWhilePending` is what it writes before (and on a cluster that never assigns one, like the oracle's
 * fake cluster): AddressNotAssigned. The address itself comes from the Service and is not predicted.
 */
export interface GatewayStatusPrediction {
  conditions: StatusCondition[];
  programmedWhilePending: StatusCondition;
  listeners: ListenerStatusPrediction[];
  /** `<gw>-istio.<ns>.svc.cluster.local`, the deployed Service istiod assigns the Gateway to. */
  service: string;
}

/** An error Istio's ConfigError carries (reason and message), as it lands in a condition. */
export interface ConfigError {
  reason: string;
  message: string;
}

/** What the translation learned about one listener. */
export interface ListenerState {
  listener: K8sListener;
  /** HostnameConflict or ProtocolConflict: an earlier listener takes the same port (and hostname). */
  conflict?: string;
  /** buildTLS's error (InvalidCertificateRef, RefNotPermitted; messages joined as joinErrors does). */
  tlsError?: ConfigError;
  /** listenerProtocolToIstio's error text. */
  protocolError?: string;
  /** Whether Istio builds a server for it (not for HTTPS/TLS without a tls section, nor a conflicted one). */
  server: boolean;
}

/** GenerateGatewaySupportedKinds: the kinds a listener takes, and whether every kind it lists is one of them. */
export function supportedKinds(l: K8sListener): { kinds: RouteGroupKind[]; valid: boolean } {
  const byProtocol: Record<string, string[]> = {
    HTTP: ['HTTPRoute', 'GRPCRoute'],
    HTTPS: ['HTTPRoute', 'GRPCRoute'],
    TCP: ['TCPRoute'],
    TLS: ['TLSRoute', ...(l.tls?.mode === 'Terminate' ? ['TCPRoute'] : [])],
  };
  const supported = (byProtocol[l.protocol] ?? []).map((kind) => ({ group: GROUP, kind }));
  const listed = l.allowedRoutes?.kinds;
  if (!listed?.length) return { kinds: supported, valid: true };
  const kinds = supported.filter((s) => listed.some((k) => (k.group ?? GROUP) === s.group && k.kind === s.kind));
  return { kinds, valid: kinds.length === listed.length };
}

/** listenerProtocolToIstio's error for a protocol the Gateway's listener may not use, or undefined. */
export function protocolError(protocol: string): string | undefined {
  if (['HTTP', 'HTTPS', 'TLS', 'TCP'].includes(protocol)) return undefined;
  if (protocol === 'HBONE') return `protocol "${protocol}" is only supported for waypoint proxies`;
  const up = protocol.toUpperCase();
  if (['HTTP', 'HTTPS', 'TLS', 'TCP', 'HBONE'].includes(up))
    return `protocol "${protocol}" is unsupported. hint: "${up}" (uppercase) may be supported`;
  return `protocol "${protocol}" is unsupported`;
}

const isTcpUdp = (p: string) => p === 'TCP' || p === 'UDP';
const isHttpLike = (p: string) => p === 'HTTP' || p === 'HTTPS' || p === 'TLS';
const hostnameOf = (l: K8sListener) => l.hostname || '*';

/** listenersDistinct (listener_conflict.go). */
function distinct(a: K8sListener, b: K8sListener): boolean {
  if (a.port !== b.port) return true;
  if ((isTcpUdp(a.protocol) && isHttpLike(b.protocol)) || (isHttpLike(a.protocol) && isTcpUdp(b.protocol)))
    return false;
  if (isTcpUdp(a.protocol) && isTcpUdp(b.protocol)) return false;
  if (isHttpLike(a.protocol) && isHttpLike(b.protocol)) return hostnameOf(a) !== hostnameOf(b);
  return a.protocol !== b.protocol;
}

/**
 * ComputeGatewayListenerConflicts for a Gateway's own listeners: in order, a listener that is not distinct from an
 * earlier unconflicted one is conflicted (ProtocolConflict when the protocols differ or both are TCP/UDP,
 * HostnameConflict otherwise). Name → reason.
 */
export function listenerConflicts(listeners: readonly K8sListener[]): Map<string, string> {
  const out = new Map<string, string>();
  const accepted: K8sListener[] = [];
  for (const l of listeners) {
    const prior = accepted.find((p) => !distinct(l, p));
    if (!prior) {
      accepted.push(l);
      continue;
    }
    const reason =
      (isTcpUdp(l.protocol) && isTcpUdp(prior.protocol)) || l.protocol !== prior.protocol
        ? 'ProtocolConflict'
        : 'HostnameConflict';
    out.set(l.name, reason);
  }
  return out;
}

const ok = (type: string, reason: string, message: string, status: 'True' | 'False' = 'True'): StatusCondition => ({
  type,
  status,
  reason,
  message,
});
const failed = (type: string, e: ConfigError, normally: 'True' | 'False' = 'True'): StatusCondition => ({
  type,
  status: normally === 'True' ? 'False' : 'True',
  reason: e.reason,
  message: e.message,
});
const byType = (a: StatusCondition, b: StatusCondition) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

/** buildListener + ReportListenerCondition, or ReportListenerConflict; whether the listener counts as valid. */
function listenerStatus(
  s: ListenerState,
  attachedRoutes: number,
): { status: ListenerStatusPrediction; valid: boolean } {
  const { kinds, valid: kindsValid } = supportedKinds(s.listener);
  const conditions = new Map<string, StatusCondition>();
  let valid = true;
  if (s.conflict) {
    const e = {
      reason: s.conflict,
      message: 'Listener has a conflict with another listener attached to the same Gateway',
    };
    conditions.set('Accepted', failed('Accepted', e));
    conditions.set('Programmed', failed('Programmed', e));
    conditions.set('Conflicted', ok('Conflicted', e.reason, e.message));
    valid = false;
  } else {
    conditions.set('Accepted', ok('Accepted', 'Accepted', 'No errors found'));
    conditions.set('Programmed', ok('Programmed', 'Programmed', 'No errors found'));
    conditions.set('Conflicted', ok('Conflicted', 'NoConflicts', 'No errors found', 'False'));
    conditions.set('ResolvedRefs', ok('ResolvedRefs', 'ResolvedRefs', 'No errors found'));
    if (s.tlsError) {
      conditions.set('ResolvedRefs', failed('ResolvedRefs', s.tlsError));
      conditions.set('Programmed', failed('Programmed', { reason: 'Invalid', message: 'Bad TLS configuration' }));
      // Istio files a certificateRef without a ReferenceGrant under the CA certificate's reason
      if (['RefNotPermitted', 'InvalidCACertificateRef', 'InvalidCACertificateKind'].includes(s.tlsError.reason))
        conditions.set('Accepted', failed('Accepted', { reason: 'NoValidCACertificate', message: s.tlsError.message }));
      valid = false;
    }
    if (s.protocolError) {
      conditions.set('Accepted', failed('Accepted', { reason: 'UnsupportedProtocol', message: s.protocolError }));
      valid = false;
    }
  }
  if (!kindsValid)
    conditions.set('ResolvedRefs', ok('ResolvedRefs', 'InvalidRouteKinds', 'Invalid route kinds', 'False'));
  return {
    status: {
      name: s.listener.name,
      attachedRoutes,
      conditions: [...conditions.values()].sort(byType),
      supportedKinds: kinds,
    },
    valid,
  };
}

/** HumanReadableJoin */
function humanJoin(ss: string[]): string {
  if (ss.length <= 1) return ss[0] ?? '';
  if (ss.length === 2) return `${ss[0]} and ${ss[1]}`;
  return `${ss.slice(0, -1).join(', ')}, and ${ss[ss.length - 1]}`;
}

/**
 * reportGatewayStatus for a Gateway Istio deploys (class istio): Accepted from its listeners' validity, Programmed
 * from the deployed Service (see GatewayStatusPrediction), ResolvedRefs True; listeners in spec order with the
 * routes attached to each (FinalGatewayStatusCollection counts accepted parent references per listener).
 */
export function gatewayStatus(
  listeners: readonly ListenerState[],
  attached: ReadonlyMap<string, number>,
  service: string,
  insecureFrontend = false,
): GatewayStatusPrediction {
  const results = listeners.map((s) => listenerStatus(s, attached.get(s.listener.name) ?? 0));
  const validListeners = results.filter((r) => r.valid).length;
  let accepted = ok('Accepted', 'Accepted', 'Resource accepted');
  if (listeners.length > 0 && validListeners < listeners.length)
    accepted =
      validListeners === 0
        ? ok('Accepted', 'ListenersNotValid', "None of the Gateway's listeners are valid", 'False')
        : ok('Accepted', 'ListenersNotValid', "One or more of the Gateway's listeners are invalid");
  // ResolveGatewayInstances: `<service>:<port>` for each port a server listens on (sorted as strings)
  const ports = [...new Set(listeners.filter((s) => s.server).map((s) => s.listener.port))];
  const internal = ports.map((p) => `${service}:${p}`).sort();
  const programmed = internal.length
    ? ok('Programmed', 'Programmed', `Resource programmed, assigned to service(s) ${humanJoin(internal)}`)
    : ok('Programmed', 'Programmed', 'Resource programmed');
  const programmedWhilePending = internal.length
    ? ok(
        'Programmed',
        'AddressNotAssigned',
        `Assigned to service(s) ${humanJoin(internal)}, but failed to assign to all requested addresses: address pending for hostname "${service}"`,
        'False',
      )
    : programmed;
  // spec.tls.frontend with a validation mode AllowInsecureFallback (default or per port)
  const insecure = insecureFrontend
    ? [
        ok(
          'InsecureFrontendValidationMode',
          'ConfigurationChanged',
          'Gateway is operating in AllowInsecureFallback mode for frontend validation',
        ),
      ]
    : [];
  return {
    conditions: [accepted, ...insecure, programmed, ok('ResolvedRefs', 'ResolvedRefs', 'All references resolved')],
    programmedWhilePending,
    listeners: results.map((r) => r.status),
    service,
  };
}
