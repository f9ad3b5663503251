// Step 1, "Check your cluster": the facts gathered, turned into lines that each say what is fine or what to do.
import type { SampleVariant } from './steps';

/** What the Gateway API walkthrough needs instead of the ingress gateway: the CRDs and istiod's GatewayClass. */
export interface GatewayApiFacts {
  /** The error when the cluster does not serve gateway.networking.k8s.io (its CRDs are missing). */
  notServed?: string;
  /** GatewayClass `istio` as istiod created it; undefined when there is none. */
  gatewayClass?: {
    name: string;
    controller?: string;
    accepted?: { status: string; reason?: string; message?: string };
  };
}

export interface CheckFacts {
  /** Which walkthrough asks; the Gateway API one checks the Gateway API instead of the ingress gateway. */
  variant?: SampleVariant;
  gatewayApi?: GatewayApiFacts;
  context?: { name: string; server: string; kubeconfig: string };
  /** The error text when the kubeconfig could not be read. */
  kubeconfigError?: string;
  serverVersion?: string;
  apiError?: string;
  gatewayNamespace: string;
  gatewaySelector: string;
  namespaceExists?: boolean;
  /** What the Istio status check found wrong (missing CRDs...), each with what to do. */
  istioProblems?: string[];
  gatewayServices?: { name: string; type: string }[];
  gatewayPods?: { name: string; ready: boolean; phase?: string }[];
  /** The Ready gateway pod's Envoy on its xDS stream to istiod (control_plane.connected_state), or why it was not read. */
  controlPlane?: { pod: string; connected: boolean | undefined } | { pod: string; error: string };
  istioctl: { found: boolean; detail: string };
  curl: { found: boolean; detail: string };
}

export interface CheckLine {
  ok: boolean;
  /** Optional checks (istioctl, curl) never fail the step. */
  optional: boolean;
  text: string;
}

export interface CheckReport {
  ok: boolean;
  lines: CheckLine[];
}

export function buildCheckReport(f: CheckFacts): CheckReport {
  const lines: CheckLine[] = [];
  const must = (ok: boolean, text: string) => lines.push({ ok, optional: false, text });
  const may = (ok: boolean, text: string) => lines.push({ ok, optional: true, text });

  if (f.context) must(true, `kube context "${f.context.name}" → ${f.context.server} (from ${f.context.kubeconfig})`);
  else must(false, `No usable kube context: ${f.kubeconfigError ?? 'unknown error'}`);

  if (f.serverVersion) must(true, `API server reachable (Kubernetes ${f.serverVersion})`);
  else if (f.context) must(false, `API server not reachable: ${f.apiError ?? 'unknown error'}`);

  if (f.variant === 'gatewayApi') {
    if (f.serverVersion) gatewayApiLines(f.gatewayApi ?? {}, must);
  } else if (f.namespaceExists === false) {
    must(
      false,
      `namespace ${f.gatewayNamespace} does not exist: Istio is not installed there. Install it (\`istioctl install --set profile=demo -y\`) or set istioIngressLab.gateway.namespace.`,
    );
  } else if (f.namespaceExists) {
    must(true, `namespace ${f.gatewayNamespace} exists`);
    const svc = f.gatewayServices?.[0];
    if (svc) must(true, `ingress gateway Service ${f.gatewayNamespace}/${svc.name} (type ${svc.type})`);
    const ready = (f.gatewayPods ?? []).filter((p) => p.ready);
    if (ready.length) must(true, `gateway pod Ready: ${ready.map((p) => p.name).join(', ')}`);
    // The cluster client says what is missing (CRDs, Service, Ready pod) and what to do about it.
    for (const p of f.istioProblems ?? []) must(false, p);
    if (!svc && !f.istioProblems?.length)
      must(
        false,
        `no Service in ${f.gatewayNamespace} matches ${f.gatewaySelector}: install the ingress gateway, or set istioIngressLab.gateway.selector to its labels.`,
      );
    if (!ready.length && !f.istioProblems?.length)
      must(false, `no gateway pod is Ready in ${f.gatewayNamespace} (selector ${f.gatewaySelector}).`);
    const cp = f.controlPlane;
    if (cp && 'error' in cp) must(false, `could not read the Envoy admin of ${cp.pod}: ${cp.error}`);
    else if (cp?.connected === true) must(true, `${cp.pod}'s Envoy is connected to istiod (xDS)`);
    else if (cp?.connected === false)
      must(
        false,
        `${cp.pod}'s Envoy is not connected to istiod: it keeps serving its last config, but nothing you apply reaches it until istiod is back. Check istiod: kubectl -n istio-system get pods -l app=istiod, and its logs.`,
      );
  }

  may(
    f.istioctl.found,
    f.istioctl.found
      ? `istioctl: ${f.istioctl.detail}`
      : `istioctl not found (optional): "Look inside Envoy" uses the built-in reader through the Envoy admin instead. ${f.istioctl.detail}`,
  );
  may(
    f.curl.found,
    f.curl.found
      ? `curl: ${f.curl.detail}`
      : `curl not found (optional): requests go through the built-in HTTP client, and the curl command is shown to copy. ${f.curl.detail}`,
  );

  return { ok: lines.every((l) => l.ok || l.optional), lines };
}

function gatewayApiLines(g: GatewayApiFacts, must: (ok: boolean, text: string) => void): void {
  if (g.notServed) {
    must(false, g.notServed);
    return;
  }
  must(true, 'the Gateway API is served (gateway.networking.k8s.io: Gateway, HTTPRoute)');
  const c = g.gatewayClass;
  if (!c) {
    must(
      false,
      'no GatewayClass "istio": istiod creates it when it starts and sees the Gateway API CRDs. Install Istio (`istioctl install --set profile=minimal -y` is enough), or restart istiod if the CRDs came after it.',
    );
    return;
  }
  if (c.accepted?.status === 'True')
    must(true, `GatewayClass ${c.name} accepted by ${c.controller ?? 'its controller'}`);
  else
    must(
      false,
      `GatewayClass ${c.name} is not accepted${c.accepted ? ` (${c.accepted.reason ?? c.accepted.status}${c.accepted.message ? `: ${c.accepted.message}` : ''})` : ' (no status: is istiod running? kubectl -n istio-system get pods -l app=istiod)'}.`,
    );
}

export function formatCheckReport(r: CheckReport): string {
  const mark = (l: CheckLine) => (l.ok ? '✓' : l.optional ? '–' : '✗');
  const head = r.ok
    ? 'Cluster ready for the lab.'
    : 'The cluster is not ready for the lab yet: fix the lines marked ✗.';
  return [head, '', ...r.lines.map((l) => `${mark(l)} ${l.text}`), ''].join('\n');
}
