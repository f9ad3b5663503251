// The path of one request from the client to a pod, hop by hop, with why it goes where it goes:
// ingress address -> gateway Service port -> kube-proxy iptables chains -> gateway pod -> Envoy
// listener -> route configuration -> virtual host -> route (and why each earlier one did not match)
// -> rewritten path -> cluster -> endpoint pod. Pure: the caller passes what it knows, from YAML alone
// (offline) or from the live cluster and the gateway's Envoy.
import { normalizeRequestPath, type PathNormalization } from '../envoy/pathNormalization';
import { matchRequest, rejectedBeforeRouting, type RequestMatchResult } from '../envoy/requestMatch';
import { pickFilterChain } from '../envoy/filterChainMatch';
import type { Filter, FilterChain, Listener, Route, RouteConfiguration } from '../envoy/types';
import { evaluateHttpAuthz, policyText, type HttpAuthzOutcome } from '../envoy/httpAuthz';
import { authzFiltersOf, predictGatewayAuthz, type AuthzPrediction } from './authz';
import { EXT_AUTHZ_POLICY_PREFIX } from './extAuthz';
import { parseSniDnatName, predictAutoPassthrough, sniDnatClusterName } from './autoPassthrough';
import { describeUpstreamTls } from './upstreamTls';
import { backendTlsDestinationRules, backendTlsPolicyOf } from './backendTlsPolicy';
import { predictL4Routes } from './l4Routes';
import { withGatewayApi } from './gatewayApi';
import { predictListeners } from './predictListeners';
import { DEFAULT_INGRESS, findGatewayWorkloads, selectorMatches } from './gatewayWorkloads';
import { parseSubsetKey } from './hosts';
import { iptablesPath, type EntryKind, type KubeProxyEndpoint } from './kubeProxy';
import type { Deployment, ResourceSet, Service, ServicePort } from './model';
import { DestinationRuleIndex } from './destinationRules';
import { byCreation } from './predict';
import type { Prediction } from './prediction';
import { predict } from './predict';
import { namespaceOf } from './model';
import type { PodEndpoint } from '../envoy/index';

export interface TraceRequest {
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** How the request enters; by default the LoadBalancer address when the Service has one, else a NodePort. */
  entry?: EntryKind;
  /** The address the client sends to (only used to name it). */
  address?: string;
  /** The port the client sends to: the Service port (LB, ClusterIP) or the NodePort. Default 80 (443 with TLS) / its NodePort. */
  port?: number;
  /**
   * The client's address as the gateway's Envoy sees it (AuthorizationPolicy ipBlocks / remoteIpBlocks). Istio's
   * gateway trusts no proxy in front of it by default, so X-Forwarded-For does not change it.
   */
  sourceIp?: string;
  /** The connection is TLS (HTTPS, or TLS passthrough); the client hello carries `sni`. */
  tls?: boolean;
  /** The SNI the client sends; with `tls` and no `sni`, the host (what curl and browsers send). */
  sni?: string;
  /** ALPN the client offers (Istio's AUTO_PASSTHROUGH chains want its mTLS protocols, e.g. `istio`). */
  alpn?: string[];
  /** The TLS client presents a certificate (curl --cert); MUTUAL servers refuse the handshake without one. */
  clientCertificate?: boolean;
  /**
   * `<ns>/<name>` of the Istio Gateway (a Gateway API listener's internal one included) whose route is traced:
   * offline, the request enters through the Service of the workload that Gateway selects (a Gateway API
   * Gateway's `<gw>-istio`) rather than the first gateway Service of the inputs.
   */
  gateway?: string;
}

/** What is known live; everything is optional: missing parts come from the YAML and Istio's rules. */
export interface LiveState {
  gatewayService?: Service;
  gatewayPods?: { name: string; ip: string; ready: boolean; nodeName?: string }[];
  routeConfigs?: RouteConfiguration[];
  /** The gateway's listeners (from its /config_dump); without them the filter chain is not traced live. */
  listeners?: Listener[];
  endpointsFor?: (cluster: string) => PodEndpoint[] | undefined;
  /** kube-proxy before 1.24 (the article's node) jumps straight to KUBE-SVC. */
  legacyKubeProxy?: boolean;
  /** The gateway listener's path options; Istio's default (meshConfig.pathNormalization BASE) when unknown. */
  pathNormalization?: PathNormalization;
}

const ISTIO_DEFAULT_PATH_NORMALIZATION: PathNormalization = { normalizePath: true, mergeSlashes: false };

export type StepStatus = 'ok' | 'fail' | 'warn';
export type StepSource = 'live' | 'yaml' | 'predicted' | 'default';

export interface TraceStep {
  id:
    | 'entry'
    | 'service'
    | 'iptables'
    | 'pod'
    | 'listener'
    | 'routeConfig'
    | 'authz'
    | 'virtualHost'
    | 'route'
    | 'rewrite'
    | 'cluster'
    | 'endpoint';
  title: string;
  /** The value shown on the hop, e.g. `0.0.0.0_8080` or `10.10.1.13:80`. */
  value: string;
  /** Sentences that explain the hop. */
  details: string[];
  /** Raw lines (iptables rules, route JSON) for those who want them. */
  lines?: string[];
  status: StepStatus;
  source: StepSource;
}

export interface Trace {
  request: Required<Pick<TraceRequest, 'host' | 'path' | 'method'>> & {
    /** The SNI of a TLS connection (none for plaintext, or a TLS client that sends none). */
    sni?: string;
    tls?: boolean;
    entry: EntryKind;
    address: string;
    port: number | string;
  };
  steps: TraceStep[];
  /** The answer the client gets, as far as the trace can tell. */
  outcome: { status: number | 'forwarded'; summary: string };
  /**
   * The external authorizer (`host:port`) an ext_authz filter asks about this request (a CUSTOM policy matched): its
   * answer is not predicted, and the outcome is what follows if it allows the request.
   */
  externalAuthorizer?: string;
  mode: 'live' | 'offline';
  /** The Envoy cluster the winning route sends to first (its counters are the request's), when a route won. */
  cluster?: string;
}

function targetPortOf(p: ServicePort): number {
  return typeof p.targetPort === 'number'
    ? p.targetPort
    : /^\d+$/.test(String(p.targetPort ?? ''))
      ? Number(p.targetPort)
      : p.port;
}

/** Traces a request through the ingress. Offline it predicts Envoy's config; with `live` it uses the real one. */
export function traceRequest(
  req: TraceRequest,
  resources: ResourceSet,
  live: LiveState = {},
  prediction: Prediction = predict(resources),
): Trace {
  const trace = traceHops(req, resources, live, prediction);
  if (trace.externalAuthorizer)
    trace.outcome = {
      ...trace.outcome,
      summary: `decided by the external authorizer ${trace.externalAuthorizer}; if it allows the request: ${trace.outcome.summary}`,
    };
  return trace;
}

function traceHops(req: TraceRequest, resources: ResourceSet, live: LiveState, prediction: Prediction): Trace {
  const steps: TraceStep[] = [];
  const isLive = !!live.routeConfigs;
  const method = req.method ?? 'GET';
  const tls = req.tls === true || req.sni !== undefined;
  const sni = tls ? (req.sni ?? req.host) : undefined;
  const defaultPort = tls ? 443 : 80;

  // 1. the gateway Service and the port the request comes in on
  // a Gateway API Gateway's deployed gateway (`<gw>-istio`) counts, as Istio deploys it
  const withApi = withGatewayApi(resources);
  // Without a named Gateway, the inputs' own Istio Gateways decide (the default ingress when they select it and
  // the files lack its Service); a Gateway API Gateway's deployed Service only when the inputs have no Istio Gateway.
  const named = req.gateway
    ? withApi.gateways.filter((g) => `${namespaceOf(g)}/${g.metadata.name}` === req.gateway)
    : [];
  const candidates = named.length ? named : resources.gateways.length ? resources.gateways : withApi.gateways;
  const workload = findGatewayWorkloads(candidates, withApi.services, withApi.deployments).find((w) => w.service);
  const svc = live.gatewayService ?? workload?.service;
  // the Service Istio's deployment controller creates for a Gateway API Gateway is predicted, not in the files
  const deployed = !!svc && !resources.services.includes(svc);
  const svcSource: StepSource = live.gatewayService ? 'live' : deployed ? 'predicted' : svc ? 'yaml' : 'default';
  const svcName = svc ? `${namespaceOf(svc)}/${svc.metadata.name}` : DEFAULT_INGRESS.id;
  const ports = svc?.spec.ports ?? DEFAULT_INGRESS.ports;
  const lbIPs = (svc?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  const clusterIP = svc?.spec.clusterIP;
  const entry: EntryKind = req.entry ?? (lbIPs.length ? 'loadBalancer' : 'nodePort');
  // A NodePort entry names the node port; the others name the Service port (80 unless told).
  const byPort =
    entry === 'nodePort' && req.port !== undefined
      ? ports.find((p) => p.nodePort === req.port)
      : ports.find((p) => p.port === (entry === 'nodePort' ? defaultPort : (req.port ?? defaultPort)));
  const port: number | string = req.port ?? (entry === 'nodePort' ? (byPort?.nodePort ?? '<NodePort>') : defaultPort);
  const address =
    req.address ??
    (entry === 'loadBalancer'
      ? (lbIPs[0] ?? '<LoadBalancer IP>')
      : entry === 'clusterIP'
        ? (clusterIP ?? '<ClusterIP>')
        : '<node IP>');
  const trace: Trace = {
    request: {
      host: req.host,
      path: req.path,
      method,
      ...(tls ? { tls, ...(sni ? { sni } : {}) } : {}),
      entry,
      address,
      port,
    },
    steps,
    outcome: { status: 'forwarded', summary: '' },
    mode: isLive ? 'live' : 'offline',
  };
  const fail = (status: number, summary: string) => {
    trace.outcome = { status, summary };
    return trace;
  };

  const entryWhere: Record<EntryKind, string> = {
    loadBalancer:
      'the LoadBalancer address: reachable from wherever the cloud routes it (needs a cloud load balancer; kind/minikube/bare metal often have none)',
    clusterIP:
      'the ClusterIP: virtual, answered only on cluster nodes and inside pods (the article curls it on the master node)',
    nodePort:
      'a node IP and the NodePort: reachable from outside the cluster wherever the node IP is (the article curls 192.168.170.137:31373 from a laptop)',
  };
  steps.push({
    id: 'entry',
    title: 'Ingress address',
    value: `${address}:${port}`,
    details: [
      `${req.method ?? 'GET'} ${tls ? 'https' : 'http'}://${req.host}${req.path} sent to ${address}:${port}, ${entryWhere[entry]}.`,
      ...(tls
        ? [
            req.sni === undefined
              ? `TLS with SNI ${sni}: the client names the host it dials, as curl and browsers do.`
              : `TLS with SNI ${sni}.`,
          ]
        : []),
    ],
    status: 'ok',
    source: svcSource,
  });

  if (!byPort) {
    steps.push({
      id: 'service',
      title: 'Gateway Service port',
      value: `${svcName}: no port ${port}`,
      details: [
        `Service ${svcName} has no ${entry === 'nodePort' ? 'nodePort' : 'port'} ${port}; it has ${ports.map((p) => `${p.port}${p.nodePort ? `/${p.nodePort}` : ''}`).join(', ')}.`,
      ],
      status: 'fail',
      source: svcSource,
    });
    return fail(0, `connection refused: nothing listens on ${address}:${port}`);
  }
  const targetPort = targetPortOf(byPort);
  steps.push({
    id: 'service',
    title: 'Gateway Service port',
    value: `${svcName} ${byPort.name ?? ''} ${byPort.port} → ${targetPort}`.replace('  ', ' '),
    details: [
      `Service ${svcName} (${svc?.spec.type ?? 'LoadBalancer'}) port ${byPort.name ? `"${byPort.name}" ` : ''}${byPort.port}${byPort.nodePort ? `, NodePort ${byPort.nodePort}` : ''}, targetPort ${targetPort}.`,
      svcSource === 'default' ? "No gateway Service in the files: assumed as Istio's default profile installs it." : '',
      svcSource === 'predicted'
        ? `Not in the files: the Service Istio deploys for the Gateway (one port per listener, targetPort = port).`
        : '',
    ].filter(Boolean),
    status: 'ok',
    source: svcSource,
  });

  // 2. kube-proxy to a gateway pod
  const pods = (live.gatewayPods ?? []).filter((p) => p.ready);
  const endpoints: KubeProxyEndpoint[] = pods.length
    ? pods.map((p) => ({ ip: p.ip, port: targetPort, local: true }))
    : [{ ip: '<gateway pod IP>', port: targetPort }];
  const ipt = iptablesPath(
    {
      namespace: svc ? namespaceOf(svc) : DEFAULT_INGRESS.namespace,
      name: svc?.metadata.name ?? 'istio-ingressgateway',
      clusterIP,
      loadBalancerIPs: lbIPs,
      externalTrafficPolicy: (svc?.spec as { externalTrafficPolicy?: 'Cluster' | 'Local' } | undefined)
        ?.externalTrafficPolicy,
      port: { name: byPort.name, port: byPort.port, nodePort: byPort.nodePort, protocol: byPort.protocol },
    },
    endpoints,
    entry,
    { legacy: live.legacyKubeProxy },
  );
  steps.push({
    id: 'iptables',
    title: 'kube-proxy (iptables)',
    value: ipt.hops
      .map((h) => h.chain)
      .filter((c, i, a) => a.indexOf(c) === i)
      .join(' → '),
    details: ipt.hops.map((h) => `${h.chain}: ${h.explanation}`),
    lines: ipt.hops.map((h) => h.rule),
    status: 'ok',
    source: pods.length ? 'live' : 'predicted',
  });
  if (live.gatewayPods && !pods.length) {
    steps.push({
      id: 'pod',
      title: 'Gateway pod',
      value: 'no Ready gateway pod',
      details: ['The gateway Service has no Ready endpoint: kube-proxy rejects the connection.'],
      status: 'fail',
      source: 'live',
    });
    return fail(0, 'connection refused: no Ready ingress gateway pod');
  }
  const podName = live.gatewayPods?.find((p) => p.ip === ipt.endpoint?.ip)?.name;
  steps.push({
    id: 'pod',
    title: 'Gateway pod',
    value: `${ipt.endpoint?.ip}:${targetPort}`,
    details: [
      `DNAT to ${podName ? `pod ${podName} at ` : 'the gateway pod at '}${ipt.endpoint?.ip}:${targetPort}, where Envoy listens.`,
    ],
    status: 'ok',
    source: pods.length ? 'live' : 'predicted',
  });

  // 3. Envoy: listener, filter chain and route configuration
  const routeConfigs = live.routeConfigs ?? prediction.routeConfigs;
  const configSource: StepSource = isLive ? 'live' : 'predicted';
  const listeners: Listener[] | undefined = isLive
    ? live.listeners
    : predictListeners(prediction.httpChains, predictL4Routes(resources), predictAutoPassthrough(resources));
  const listenerName = `0.0.0.0_${targetPort}`;
  const listener = listeners?.find(
    (l) => l.name === listenerName || l.address?.socketAddress?.portValue === targetPort,
  );
  let rcName = `http.${targetPort}`;
  let liveHttpFilters: Filter[] | undefined;
  if (listeners) {
    if (!listener) {
      steps.push({
        id: 'listener',
        title: 'Envoy listener',
        value: listenerName,
        details: [
          `No Gateway server resolves to port ${targetPort} (Gateway port ${byPort.port}), so Envoy has no listener there.`,
        ],
        status: 'fail',
        source: configSource,
      });
      return fail(
        0,
        `connection refused: Envoy does not listen on ${targetPort}; add a Gateway server on port ${byPort.port}`,
      );
    }
    const chains = listener.filterChains ?? [];
    const pick = pickFilterChain(chains, { tls, sni, alpn: req.alpn }, listener.defaultFilterChain);
    const chainText = (i: number) => `chain #${i} (${chainSummary(chains[i])})`;
    const whyNot = pick.others.map((o) => `${chainText(o.index)} not taken: ${o.reason}.`);
    if (!pick.chain) {
      steps.push({
        id: 'listener',
        title: 'Envoy listener',
        value: `${listener.name ?? listenerName}: no filter chain`,
        details: [
          `No filter chain of ${listener.name ?? listenerName} takes a ${tls ? `TLS connection with SNI ${sni ?? '(none)'}` : 'plaintext connection'}: Envoy closes it.`,
          ...whyNot,
          tls
            ? 'Send the SNI of a Gateway server host (curl --resolve HOST:PORT:ADDRESS https://HOST/...), or add the host to a server on this port.'
            : `Port ${byPort.port} serves TLS only: send HTTPS (--tls) with the server's host as SNI, or use an HTTP server's port.`,
        ],
        status: 'fail',
        source: configSource,
      });
      return fail(0, `connection closed: no filter chain on ${listener.name ?? listenerName} matches`);
    }
    const chosen = pick.index === -1 ? 'the default chain' : chainText(pick.index ?? 0);
    const clientCert = tls ? clientCertificatePolicy(pick.chain) : undefined;
    if (clientCert?.required && !req.clientCertificate) {
      steps.push({
        id: 'listener',
        title: 'Envoy listener',
        value: `${listener.name ?? listenerName}: TLS handshake fails`,
        details: [
          `${chosen} of ${listener.name ?? listenerName} takes the connection, ${pick.how}, and requires a client certificate (require_client_certificate: the server's tls.mode is MUTUAL or ISTIO_MUTUAL).`,
          `The client sent none: Envoy ends the TLS handshake with an alert, so there is no HTTP response at all (curl exits 56 "alert certificate required" over TLS 1.3, or 16 or 55 when it was already sending the request as the alert came; 35 over TLS 1.2).`,
          `Send a client certificate signed by the CA in ${clientCert.ca ?? 'the validation context'} (curl --cert CERT --key KEY; --client-cert here), or make the server OPTIONAL_MUTUAL to accept clients without one.`,
          ...whyNot,
        ],
        status: 'fail',
        source: configSource,
      });
      return fail(0, 'TLS handshake fails: the server requires a client certificate (MUTUAL) and the client sent none');
    }
    const certNote = !clientCert?.validates
      ? ''
      : req.clientCertificate
        ? ` The client's certificate must chain to ${clientCert.ca ?? 'the validation context'}${clientCert.pinned ? ' and match its pinned SANs/SPKI/hashes' : ''} (not checked offline).`
        : clientCert.required
          ? ''
          : ` Client certificate optional (OPTIONAL_MUTUAL): the handshake succeeds without one; one that is sent must chain to ${clientCert.ca ?? 'the validation context'}.`;
    const filters = pick.chain.filters ?? [];
    const hcm = filters.find((f) => f.name === 'envoy.filters.network.http_connection_manager');
    const tcpProxy = filters.find((f) => f.name === 'envoy.filters.network.tcp_proxy');
    const rds = (hcm?.typedConfig?.rds as { routeConfigName?: string } | undefined)?.routeConfigName;
    if (isLive && hcm) liveHttpFilters = (hcm.typedConfig?.httpFilters as Filter[] | undefined) ?? [];
    const listenerStep = (value: string, what: string): TraceStep => ({
      id: 'listener',
      title: 'Envoy listener',
      value,
      details: [
        `Envoy's listener ${listener.name ?? listenerName} on 0.0.0.0:${targetPort}: ${chosen} takes the connection, ${pick.how}; ${what}.${certNote}`,
        ...whyNot,
      ],
      status: 'ok',
      source: configSource,
    });
    if (tcpProxy && !hcm) {
      const tc = tcpProxy.typedConfig ?? {};
      const weighted = (tc.weightedClusters as { clusters?: { name: string; weight?: number }[] } | undefined)
        ?.clusters;
      const clusters = typeof tc.cluster === 'string' ? [{ name: tc.cluster }] : (weighted ?? []);
      steps.push(
        listenerStep(
          `${listener.name ?? listenerName} › ${sni ? `SNI ${sni}` : 'any connection'}`,
          `its tcp_proxy forwards the ${
            !tls
              ? 'TCP stream'
              : pick.chain.transportSocket
                ? "bytes it decrypted (the chain terminates TLS with the gateway's certificate)"
                : 'TLS bytes unopened (the backend terminates TLS)'
          } to ${clusters.map((c) => c.name).join(', ') || '(no cluster)'}`,
        ),
      );
      steps.push({
        id: 'cluster',
        title: 'Cluster',
        value: clusters.map((c) => (c.weight !== undefined ? `${c.name} (${c.weight})` : c.name)).join(', '),
        details: clusters.map((c) => clusterExplanation(c.name, resources)),
        status: clusters.length ? 'ok' : 'fail',
        source: configSource,
      });
      const first = clusters[0]?.name ?? '';
      return endpointHop(trace, steps, first, resources, live, `${tls ? 'TLS' : 'TCP'} connection`);
    }
    if (!rds) {
      steps.push({
        ...listenerStep(listener.name ?? listenerName, 'its filters route nowhere this trace knows'),
        status: 'fail',
      });
      return fail(0, `connection handled by ${filters.map((f) => f.name).join(', ') || 'no filter'}`);
    }
    rcName = rds;
    steps.push(
      listenerStep(
        `${listener.name ?? listenerName}${sni && chains.length > 1 ? ` › SNI ${sni}` : ''}`,
        `${tls ? 'it terminates TLS and ' : ''}hands HTTP to route configuration ${rds}`,
      ),
    );
  }
  const rc = routeConfigs.find((r) => r.name === rcName);
  if (!listeners)
    steps.push({
      id: 'listener',
      title: 'Envoy listener',
      value: listenerName,
      details: rc
        ? [`Envoy's listener on 0.0.0.0:${targetPort} hands HTTP to route configuration ${rcName}.`]
        : [
            `No Gateway server resolves to port ${targetPort} (Gateway port ${byPort.port}), so Envoy has no listener there.`,
          ],
      status: rc ? 'ok' : 'fail',
      source: configSource,
    });
  if (!rc)
    return fail(
      0,
      listeners
        ? `route configuration ${rcName} is missing: Envoy waits for it and answers nothing (404 NR once it gives up)`
        : `connection refused: Envoy does not listen on ${targetPort}; add a Gateway server on port ${byPort.port}`,
    );
  steps.push({
    id: 'routeConfig',
    title: 'Route configuration',
    value: rcName,
    details: [
      `${(rc.virtualHosts ?? []).length} virtual host(s): ${(rc.virtualHosts ?? []).map((v) => v.name).join(', ')}.`,
    ],
    status: 'ok',
    source: configSource,
  });

  // 4. virtual host and route, on the path as Envoy's connection manager hands it to the router
  const rejected = rejectedBeforeRouting({ authority: req.host, path: req.path });
  if (rejected) {
    steps.at(-1)!.details.push(rejected.reason);
    steps.at(-1)!.status = 'fail';
    return fail(rejected.status, `${rejected.status}: ${rejected.reason}`);
  }
  const routedPath = normalizeRequestPath(req.path, live.pathNormalization ?? ISTIO_DEFAULT_PATH_NORMALIZATION);
  if (routedPath !== req.path)
    steps
      .at(-1)!
      .details.push(`Envoy normalises the path to ${routedPath} before routing (Istio's default path normalization).`);
  // 4a. the HTTP filters before the router: jwt_authn (RequestAuthentication) and rbac (AuthorizationPolicy)
  const authz = authzStep(
    req,
    routedPath,
    method,
    targetPort,
    sni,
    ipt.hops.some((h) => h.rule.includes('KUBE-MARK-MASQ')),
    liveHttpFilters,
    isLive ? undefined : predictGatewayAuthz(resources, workload ?? DEFAULT_INGRESS),
    configSource,
  );
  if (authz) {
    steps.push(authz.step);
    if (authz.outcome.external) trace.externalAuthorizer = authz.outcome.external.service;
    if (authz.outcome.status !== 200) return fail(authz.outcome.status, authz.outcome.summary);
  }
  const m: RequestMatchResult = matchRequest(rc, {
    authority: req.host,
    path: routedPath,
    method,
    headers: req.headers,
    scheme: tls ? 'https' : 'http',
  });
  if (!m.virtualHost) {
    const domains = (rc.virtualHosts ?? []).flatMap((v) => v.domains);
    steps.push({
      id: 'virtualHost',
      title: 'Virtual host',
      value: `none for ${req.host}`,
      details: [
        `No virtual host of ${rcName} has a domain matching "${req.host}"; domains are ${domains.join(', ') || '(none)'}.`,
        'Envoy answers 404 (NR). Check the Host header, the Gateway server hosts and the VirtualService hosts.',
      ],
      status: 'fail',
      source: configSource,
    });
    return fail(404, `404 Not Found (NR): no virtual host for Host ${req.host}`);
  }
  const vh = m.virtualHost.virtualHost;
  steps.push({
    id: 'virtualHost',
    title: 'Virtual host',
    value: vh.name,
    details: [`Host "${req.host}" matches domain "${m.virtualHost.domain}" (${m.virtualHost.kind}).`],
    status: 'ok',
    source: configSource,
  });
  if (m.tlsRedirect) {
    // the Gateway server's tls.httpsRedirect: Istio sets require_tls ALL on its virtual hosts
    steps
      .at(-1)!
      .details.push(
        `${vh.name} requires TLS (require_tls ${String(vh.requireTls)}, the Gateway server's tls.httpsRedirect): Envoy answers a plain request 301 to ${m.tlsRedirect} before trying any route.`,
        `Send HTTPS to the gateway's HTTPS port (curl -L follows the redirect; --tls traces it).`,
      );
    return fail(301, `301 Moved Permanently to ${m.tlsRedirect}: the server redirects plain HTTP to HTTPS`);
  }
  const missLines = m.misses.map(
    (miss) =>
      `#${miss.index} ${describeRoute(miss.route)} ${originText(miss.route, prediction)}: ${miss.reasons.join('; ')}`,
  );
  if (!m.route) {
    steps.push({
      id: 'route',
      title: 'Route',
      value: 'no route matched',
      details: [
        `None of the ${(vh.routes ?? []).length} routes of ${vh.name} matches ${method} ${req.path}.`,
        ...missLines,
      ],
      status: 'fail',
      source: configSource,
    });
    return fail(404, `404 Not Found (NR): no route of ${vh.name} matches ${req.path}`);
  }
  steps.push({
    id: 'route',
    title: 'Route',
    value: describeRoute(m.route),
    details: [`Route #${m.routeIndex} wins ${originText(m.route, prediction)}: the first that matches.`, ...missLines],
    lines: [JSON.stringify(m.route.match)],
    status: 'ok',
    source: configSource,
  });
  if (m.outcome === 'redirect' || m.outcome === 'direct_response') {
    const what =
      m.outcome === 'redirect'
        ? `redirects (${m.status}) to ${JSON.stringify(m.route.redirect)}`
        : `answers ${m.status} itself`;
    return fail(m.status ?? 0, `Envoy ${what}`);
  }
  const upstream = m.upstreamPath ?? req.path;
  // A prefix rewritten to "/" keeps the slash that followed the prefix: /simple/nginx/x becomes //x.
  const doubled = upstream.startsWith('//');
  steps.push({
    id: 'rewrite',
    title: 'Path sent upstream',
    value: upstream,
    details: [
      m.rewrite ? `${m.rewrite}.` : 'No rewrite: the path goes upstream unchanged.',
      m.upstreamAuthority && m.upstreamAuthority !== req.host ? `Host rewritten to ${m.upstreamAuthority}.` : '',
      doubled
        ? `The upstream path starts with "//": the prefix was rewritten to "/" and the rest of the path kept its own "/". Match the prefix with a trailing slash ("${m.route.match.prefix ?? ''}/") or rewrite to "" if the backend minds.`
        : '',
    ].filter(Boolean),
    status: doubled ? 'warn' : 'ok',
    source: configSource,
  });

  // 5. cluster and endpoints
  const clusters = m.clusters ?? [];
  steps.push({
    id: 'cluster',
    title: 'Cluster',
    value: clusters.map((c) => (c.weight !== undefined ? `${c.name} (${c.weight})` : c.name)).join(', '),
    details: clusters.map((c) => clusterExplanation(c.name, resources)),
    status: 'ok',
    source: configSource,
  });
  return endpointHop(trace, steps, clusters[0]?.name ?? '', resources, live, `${method} ${m.upstreamPath ?? req.path}`);
}

/**
 * The authorization hop: Envoy runs ext_authz (CUSTOM policies), jwt_authn and rbac on the request before the router
 * picks a route, so a 401 or 403 comes before any 404; an external authorizer's answer is named, not predicted. Live, the filters are the chosen chain's own; offline, the ones Istio would build from
 * the AuthorizationPolicies and RequestAuthentications that reach the gateway. No step when none exist.
 */
function authzStep(
  req: TraceRequest,
  path: string,
  method: string,
  port: number,
  sni: string | undefined,
  masqueraded: boolean,
  liveFilters: Filter[] | undefined,
  predicted: AuthzPrediction | undefined,
  source: StepSource,
): { step: TraceStep; outcome: HttpAuthzOutcome } | undefined {
  const filters = authzFiltersOf(liveFilters ?? predicted?.httpFilters);
  const policies = predicted ? [...predicted.authorizationPolicies, ...predicted.requestAuthentications] : [];
  if (!filters.length && !policies.length) return undefined;
  const outcome = evaluateHttpAuthz(filters, {
    authority: req.host,
    path,
    method,
    headers: req.headers,
    sourceIp: req.sourceIp,
    destinationPort: port,
    sni,
  });
  const details: string[] = [outcome.summary + '.'];
  for (const a of policies)
    details.push(
      `${a.policy.kind} ${namespaceOf(a.policy)}/${a.policy.metadata.name} ${a.applies ? 'applies' : 'does not apply'}: ${a.reason}.`,
    );
  for (const n of predicted?.notes ?? []) details.push(`${n}.`);
  for (const n of outcome.jwt?.notes ?? []) details.push(n);
  for (const r of outcome.rbac) {
    const label = r.action === 'LOG' ? 'AUDIT' : r.action === 'none' ? 'dry-run only' : r.action;
    for (const p of r.policies)
      details.push(
        `${label} ${policyText(p.name)}: ${p.matched ? 'matched' : 'no match'}${p.why ? ` (${p.why})` : ''}.`,
      );
    for (const p of r.shadow?.policies ?? [])
      details.push(
        p.name.startsWith(EXT_AUTHZ_POLICY_PREFIX)
          ? `${policyText(p.name)}: ${p.matched ? 'matched: the request goes to the external authorizer' : 'no match'}${p.why ? ` (${p.why})` : ''}.`
          : `dry-run ${r.shadow?.action ?? ''} ${policyText(p.name)}: ${p.matched ? 'would match' : 'no match'} (not enforced).`,
      );
  }
  const ext = outcome.external;
  if (ext)
    details.push(
      `ext_authz sends the request (${ext.kind === 'grpc' ? 'a gRPC Check' : 'an HTTP check'}) to the external authorizer ${ext.service}, which allows or denies it with a status of its own: its answer is not predicted; ${ext.failOpen ? 'when it cannot be reached the request goes on (failOpen)' : `when it cannot be reached Envoy answers ${ext.statusOnError}`}. What follows assumes it allows the request.`,
    );
  const ipRules = filters.some((f) => JSON.stringify(f.typedConfig ?? {}).includes('RemoteIp'));
  if (ipRules && !req.sourceIp)
    details.push('The client address is not given (--source-ip): rules on ipBlocks/remoteIpBlocks do not match.');
  if (ipRules && masqueraded)
    details.push(
      "kube-proxy masquerades this entry's traffic (externalTrafficPolicy: Cluster): the gateway sees a node address, not the client's, unless the Service keeps the source (externalTrafficPolicy: Local).",
    );
  const status: StepStatus = outcome.status !== 200 ? 'fail' : ext ? 'warn' : 'ok';
  return {
    outcome,
    step: {
      id: 'authz',
      title: 'Authorization',
      value:
        outcome.status === 401
          ? `401 ${outcome.jwt?.failure ?? ''}`
          : outcome.status === 403
            ? '403 RBAC: access denied'
            : ext
              ? `decided by the external authorizer ${ext.service}`
              : filters.length
                ? 'allowed'
                : 'no policy on the gateway',
      details,
      ...(outcome.responseCodeDetails ? { lines: [outcome.responseCodeDetails] } : {}),
      status,
      source: liveFilters ? 'live' : source,
    },
  };
}

/** The endpoint hop and the outcome: live endpoints from the gateway's Envoy, else the Pods in the YAML. */
function endpointHop(
  trace: Trace,
  steps: TraceStep[],
  first: string,
  resources: ResourceSet,
  live: LiveState,
  what: string,
): Trace {
  if (first) trace.cluster = first;
  const eps = live.endpointsFor?.(first);
  if (eps) {
    const healthy = eps.filter((e) => e.health === 'HEALTHY');
    steps.push({
      id: 'endpoint',
      title: 'Endpoint pod',
      value: healthy.map((e) => `${e.address}:${e.port}`).join(', ') || 'no healthy endpoint',
      details: eps.length
        ? eps.map((e) => `${e.address}:${e.port} ${e.health}${e.pod ? ` (pod ${e.pod})` : ''}`)
        : [`Envoy has no endpoint for ${first}.`],
      status: healthy.length ? 'ok' : 'fail',
      source: 'live',
    });
    const [to] = healthy;
    trace.outcome = to
      ? { status: 'forwarded', summary: `forwarded to ${to.address}:${to.port} as ${what}` }
      : {
          status: 503,
          summary: `503 Service Unavailable (${eps.length ? 'UH: no healthy upstream' : 'NC/UH: no endpoints'}) for ${first}`,
        };
    return trace;
  }
  const offline = offlineEndpoints(first, resources);
  steps.push({
    id: 'endpoint',
    title: 'Endpoint pod',
    value: offline.value,
    details: offline.details,
    status: offline.status,
    source: 'yaml',
  });
  trace.outcome =
    offline.status === 'fail'
      ? { status: 503, summary: `503 Service Unavailable likely: ${offline.details[0]}` }
      : { status: 'forwarded', summary: `forwarded to ${offline.value} as ${what}` };
  return trace;
}

/** A filter chain in a few words: its SNI match and where it sends traffic. */
function chainSummary(c: FilterChain | undefined): string {
  const names = c?.filterChainMatch?.serverNames;
  const sni = names?.length ? `SNI ${names.join(', ')}` : 'any SNI';
  const dest = (c?.filters ?? [])
    .map((f) => {
      const tc = f.typedConfig ?? {};
      const rds = (tc.rds as { routeConfigName?: string } | undefined)?.routeConfigName;
      if (rds) return `→ ${rds}`;
      if (typeof tc.cluster === 'string') return `→ ${tc.cluster}`;
      if (tc.weightedClusters) return '→ weighted clusters';
      return '';
    })
    .filter(Boolean)
    .join(' ');
  return `${sni}${dest ? ` ${dest}` : ''}`;
}

function describeRoute(r: Route): string {
  const m = r.match;
  const path =
    m.path !== undefined
      ? `path ${m.path}`
      : m.prefix !== undefined
        ? `prefix ${m.prefix}`
        : m.safeRegex
          ? `regex ${m.safeRegex.regex}`
          : m.pathSeparatedPrefix !== undefined
            ? `path-prefix ${m.pathSeparatedPrefix}`
            : 'any path';
  const extras =
    (m.headers?.length ? ` + ${m.headers.length} header match(es)` : '') +
    (m.queryParameters?.length ? ` + query` : '');
  return path + extras;
}

/** Which VirtualService a route comes from: Istio's metadata, and the YAML line when the prediction knows it. */
function originText(r: Route, prediction: Prediction): string {
  const config = r.metadata?.filterMetadata?.istio?.config as string | undefined;
  const name = config?.match(/namespaces\/([^/]+)\/virtual-service\/([^/]+)$/);
  if (!name) return '';
  const [, ns, vs] = name;
  const same = prediction.routes.find(
    (p) =>
      p.virtualService.name === vs &&
      p.virtualService.namespace === ns &&
      JSON.stringify(p.route.match) === JSON.stringify(r.match),
  );
  return same ? `(VirtualService ${vs}.${ns}, ${same.file}:${same.line})` : `(VirtualService ${vs}.${ns})`;
}

/** An Istio service cluster, `outbound|port|subset|host` or an SNI-DNAT `outbound_.port_.subset_.host`. */
function clusterKey(cluster: string): { port: number; subset: string; host: string } | undefined {
  return parseSubsetKey(cluster) ?? parseSniDnatName(cluster);
}

function clusterExplanation(cluster: string, resources: ResourceSet): string {
  const key = clusterKey(cluster);
  if (!key) return `${cluster}: not an Istio service cluster.`;
  const svc = resources.services.find((s) => `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local` === key.host);
  const subset = key.subset ? ` subset ${key.subset}` : '';
  const sniDnat = cluster.startsWith('outbound_.') ? ' (SNI-DNAT: the SNI names the cluster)' : '';
  const clientTls = sniDnat
    ? undefined
    : new DestinationRuleIndex(
        [...resources.destinationRules].sort(byCreation),
        backendTlsDestinationRules(resources),
      ).clientTls(key.host, key.port, key.subset);
  const tls = describeUpstreamTls(
    clientTls,
    {
      clusterName: cluster,
      istioMtlsSni: sniDnatClusterName(key.port, key.subset, key.host),
      http2: false,
      serviceAccounts: [],
    },
    backendTlsPolicyOf(clientTls),
  );
  const upstream = tls ? ` ${tls}` : '';
  if (!svc) return `${cluster}: Service ${key.host} port ${key.port}${subset} (not in the files).${sniDnat}${upstream}`;
  return `${cluster}: Service ${svc.metadata.name}.${namespaceOf(svc)} port ${key.port}${subset}.${sniDnat}${upstream}`;
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  conditions?: { type?: string; status?: string }[];
}

/** The pod's port behind a Service's targetPort: a number, or a container port's name. */
function podPort(pod: Deployment, port: ServicePort): number | undefined {
  const t = port.targetPort;
  if (typeof t === 'number') return t;
  if (typeof t === 'string' && /^\d+$/.test(t)) return Number(t);
  if (typeof t === 'string')
    for (const c of pod.spec.template?.spec?.containers ?? []) {
      const p = c.ports?.find((cp) => cp.name === t);
      if (p) return p.containerPort;
    }
  return typeof t === 'string' ? undefined : port.port;
}

function offlineEndpoints(
  cluster: string,
  resources: ResourceSet,
): { value: string; details: string[]; status: StepStatus } {
  const key = clusterKey(cluster);
  const svc =
    key && resources.services.find((s) => `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local` === key.host);
  if (!key || !svc)
    return {
      value: 'unknown',
      details: [
        `${key?.host ?? cluster} is not a Service in the files; if it does not exist in the cluster either, Envoy answers 503 (NC).`,
      ],
      status: 'warn',
    };
  const port = svc.spec.ports?.find((p) => p.port === key.port);
  if (!port)
    return {
      value: 'none',
      details: [
        `Service ${svc.metadata.name} has no port ${key.port}: the cluster has no endpoints and Envoy answers 503 (UH).`,
      ],
      status: 'fail',
    };
  const selected = resources.deployments.filter(
    (d) =>
      namespaceOf(d) === namespaceOf(svc) &&
      Object.keys(svc.spec.selector ?? {}).length > 0 &&
      selectorMatches(svc.spec.selector, d.spec.template?.metadata?.labels ?? {}),
  );
  const sel = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  // Pods with an IP are the endpoints themselves, as the EndpointSlice controller lists them (a subset keeps the
  // pods with its labels, as Envoy's subset load balancer does).
  const subsetLabels = key.subset
    ? new DestinationRuleIndex([...resources.destinationRules].sort(byCreation))
        .ruleFor(key.host)
        ?.spec.subsets?.find((s) => s.name === key.subset)?.labels
    : undefined;
  const pods = selected.filter((d) => d.kind === 'Pod');
  const withIp = pods
    .map((d) => ({ pod: d, status: (d as Deployment & { status?: PodStatus }).status }))
    .filter(
      ({ pod, status }) =>
        !!status?.podIP &&
        status.phase !== 'Succeeded' &&
        status.phase !== 'Failed' &&
        selectorMatches(subsetLabels, pod.spec.template?.metadata?.labels ?? {}),
    );
  if (withIp.length) {
    const rows = withIp.map(({ pod, status }) => {
      const ready =
        !status?.conditions?.some((c) => c.type === 'Ready') ||
        status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      const p = podPort(pod, port);
      return { pod, ip: status?.podIP ?? '', port: p, ready };
    });
    const ready = rows.filter((r) => r.ready && r.port !== undefined);
    return {
      value: ready.map((r) => `${r.ip}:${r.port}`).join(', ') || 'no ready pod',
      details: rows.map(
        (r) =>
          `${r.ip}:${r.port ?? `<no container port named ${String(port.targetPort)}>`} pod ${r.pod.metadata.name}${r.ready ? '' : ' (not Ready: not an endpoint)'}${key.subset ? `, subset ${key.subset}` : ''}`,
      ),
      status: ready.length ? 'ok' : 'fail',
    };
  }
  if (pods.length && key.subset && subsetLabels)
    return {
      value: 'none',
      details: [
        `No pod of Service ${svc.metadata.name} carries subset ${key.subset}'s labels ${Object.entries(subsetLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}: Envoy answers 503 (UH).`,
      ],
      status: 'fail',
    };
  const deps = selected.filter((d) => d.kind !== 'Pod');
  if (!deps.length)
    return {
      value: `pods ${sel}:${targetPortOf(port)}`,
      details: [
        `Pods with ${sel} on port ${targetPortOf(port)}; no Deployment or Pod with an IP in the files. Their IPs are known only in the cluster.`,
      ],
      status: 'warn',
    };
  const replicas = deps.reduce((n, d) => n + (d.spec.replicas ?? 1), 0);
  return {
    value: `${replicas} pod(s) ${sel}:${targetPortOf(port)}`,
    details: [
      `${replicas} pod(s) of ${deps.map((d) => `Deployment ${d.metadata.name}`).join(', ')} on port ${targetPortOf(port)}. Their IPs are known only in the cluster.`,
    ],
    status: 'ok',
  };
}

/** `GET https://simple.baihl.io/ (TLS, SNI simple.baihl.io)`: the request as the text and the trace view title it. */
export function requestLine(r: Trace['request']): string {
  return `${r.method} ${r.tls ? 'https' : 'http'}://${r.host}${r.path}${r.tls ? ` (TLS, SNI ${r.sni || 'none'})` : ''}`;
}

/** The trace as text, for the CLI and the output channel. */
export function traceToText(t: Trace): string {
  const lines = [`${requestLine(t.request)} via ${t.request.address}:${t.request.port} (${t.mode})`, ''];
  t.steps.forEach((s, i) => {
    const mark = s.status === 'ok' ? '✓' : s.status === 'warn' ? '!' : '✗';
    lines.push(`${String(i + 1).padStart(2)}. ${mark} ${s.title}: ${s.value}  [${s.source}]`);
    for (const d of s.details) lines.push(`      ${d}`);
    for (const l of s.lines ?? []) lines.push(`      | ${l}`);
  });
  lines.push('', `=> ${t.outcome.summary}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What a terminating chain's DownstreamTlsContext asks of the client's certificate: required
 * (require_client_certificate), validated when sent (a validation context: OPTIONAL_MUTUAL too), against which SDS
 * CA resource, and whether SANs, SPKI or hashes are pinned.
 */
function clientCertificatePolicy(
  chain: FilterChain,
): { required: boolean; validates: boolean; ca?: string; pinned: boolean } | undefined {
  const tc = chain.transportSocket as { typedConfig?: Record<string, unknown> } | undefined;
  const ctx = tc?.typedConfig;
  const type = ctx?.['@type'];
  if (!ctx || typeof type !== 'string' || !type.endsWith('DownstreamTlsContext')) return undefined;
  const common = (ctx.commonTlsContext ?? {}) as Record<string, unknown>;
  const combined = common.combinedValidationContext as
    | { defaultValidationContext?: Record<string, unknown>; validationContextSdsSecretConfig?: { name?: string } }
    | undefined;
  const defaults = combined?.defaultValidationContext ?? {};
  const required = ctx.requireClientCertificate === true;
  return {
    required,
    validates: required || !!combined,
    ...(combined?.validationContextSdsSecretConfig?.name ? { ca: combined.validationContextSdsSecretConfig.name } : {}),
    pinned: ['matchSubjectAltNames', 'verifyCertificateSpki', 'verifyCertificateHash'].some(
      (k) => ((defaults[k] as unknown[] | undefined) ?? []).length > 0,
    ),
  };
}
