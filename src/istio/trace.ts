// The path of one request from the client to a pod, hop by hop, with why it goes where it goes:
// ingress address -> gateway Service port -> kube-proxy iptables chains -> gateway pod -> Envoy
// listener -> route configuration -> virtual host -> route (and why each earlier one did not match)
// -> rewritten path -> cluster -> endpoint pod. Pure: the caller passes what it knows, from YAML alone
// (offline) or from the live cluster and the gateway's Envoy.
import { normalizeRequestPath, type PathNormalization } from '../envoy/pathNormalization';
import { matchRequest, rejectedBeforeRouting, type RequestMatchResult } from '../envoy/requestMatch';
import type { Route, RouteConfiguration } from '../envoy/types';
import { DEFAULT_INGRESS, findGatewayWorkloads, selectorMatches } from './gatewayWorkloads';
import { parseSubsetKey } from './hosts';
import { iptablesPath, type EntryKind, type KubeProxyEndpoint } from './kubeProxy';
import type { ResourceSet, Service, ServicePort } from './model';
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
  /** The port the client sends to: the Service port (LB, ClusterIP) or the NodePort. Default 80 / the NodePort of 80. */
  port?: number;
}

/** What is known live; everything is optional: missing parts come from the YAML and Istio's rules. */
export interface LiveState {
  gatewayService?: Service;
  gatewayPods?: { name: string; ip: string; ready: boolean; nodeName?: string }[];
  routeConfigs?: RouteConfiguration[];
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
    entry: EntryKind;
    address: string;
    port: number | string;
  };
  steps: TraceStep[];
  /** The answer the client gets, as far as the trace can tell. */
  outcome: { status: number | 'forwarded'; summary: string };
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
  const steps: TraceStep[] = [];
  const isLive = !!live.routeConfigs;
  const method = req.method ?? 'GET';

  // 1. the gateway Service and the port the request comes in on
  const svc =
    live.gatewayService ??
    findGatewayWorkloads(resources.gateways, resources.services, resources.deployments).find((w) => w.service)?.service;
  const svcSource: StepSource = live.gatewayService ? 'live' : svc ? 'yaml' : 'default';
  const svcName = svc ? `${namespaceOf(svc)}/${svc.metadata.name}` : DEFAULT_INGRESS.id;
  const ports = svc?.spec.ports ?? DEFAULT_INGRESS.ports;
  const lbIPs = (svc?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  const clusterIP = svc?.spec.clusterIP;
  const entry: EntryKind = req.entry ?? (lbIPs.length ? 'loadBalancer' : 'nodePort');
  // A NodePort entry names the node port; the others name the Service port (80 unless told).
  const byPort =
    entry === 'nodePort' && req.port !== undefined
      ? ports.find((p) => p.nodePort === req.port)
      : ports.find((p) => p.port === (entry === 'nodePort' ? 80 : (req.port ?? 80)));
  const port: number | string = req.port ?? (entry === 'nodePort' ? (byPort?.nodePort ?? '<NodePort>') : 80);
  const address =
    req.address ??
    (entry === 'loadBalancer'
      ? (lbIPs[0] ?? '<LoadBalancer IP>')
      : entry === 'clusterIP'
        ? (clusterIP ?? '<ClusterIP>')
        : '<node IP>');
  const trace: Trace = {
    request: { host: req.host, path: req.path, method, entry, address, port },
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
    details: [`${req.method ?? 'GET'} http://${req.host}${req.path} sent to ${address}:${port}, ${entryWhere[entry]}.`],
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

  // 3. Envoy: listener and route configuration
  const routeConfigs = live.routeConfigs ?? prediction.routeConfigs;
  const configSource: StepSource = isLive ? 'live' : 'predicted';
  const rcName = `http.${targetPort}`;
  const rc = routeConfigs.find((r) => r.name === rcName);
  steps.push({
    id: 'listener',
    title: 'Envoy listener',
    value: `0.0.0.0_${targetPort}`,
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
      `connection refused: Envoy does not listen on ${targetPort}; add a Gateway server on port ${byPort.port}`,
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
  const m: RequestMatchResult = matchRequest(rc, {
    authority: req.host,
    path: routedPath,
    method,
    headers: req.headers,
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
  const first = clusters[0]?.name ?? '';
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
    if (!to)
      return fail(
        503,
        `503 Service Unavailable (${eps.length ? 'UH: no healthy upstream' : 'NC/UH: no endpoints'}) for ${first}`,
      );
    trace.outcome = {
      status: 'forwarded',
      summary: `forwarded to ${to.address}:${to.port} as ${method} ${m.upstreamPath}`,
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
      : { status: 'forwarded', summary: `forwarded to ${offline.value} as ${method} ${m.upstreamPath}` };
  return trace;
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

function clusterExplanation(cluster: string, resources: ResourceSet): string {
  const key = parseSubsetKey(cluster);
  if (!key) return `${cluster}: not an Istio service cluster.`;
  const svc = resources.services.find((s) => `${s.metadata.name}.${namespaceOf(s)}.svc.cluster.local` === key.host);
  const subset = key.subset ? ` subset ${key.subset}` : '';
  if (!svc) return `${cluster}: Service ${key.host} port ${key.port}${subset} (not in the files).`;
  return `${cluster}: Service ${svc.metadata.name}.${namespaceOf(svc)} port ${key.port}${subset}.`;
}

function offlineEndpoints(
  cluster: string,
  resources: ResourceSet,
): { value: string; details: string[]; status: StepStatus } {
  const key = parseSubsetKey(cluster);
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
  const deps = resources.deployments.filter(
    (d) =>
      namespaceOf(d) === namespaceOf(svc) &&
      selectorMatches(svc.spec.selector, d.spec.template?.metadata?.labels ?? {}),
  );
  const sel = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!deps.length)
    return {
      value: `pods ${sel}:${targetPortOf(port)}`,
      details: [
        `Pods with ${sel} on port ${targetPortOf(port)}; no Deployment in the files selects them. Their IPs are known only in the cluster.`,
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

/** The trace as text, for the CLI and the output channel. */
export function traceToText(t: Trace): string {
  const lines = [
    `${t.request.method} http://${t.request.host}${t.request.path} via ${t.request.address}:${t.request.port} (${t.mode})`,
    '',
  ];
  t.steps.forEach((s, i) => {
    const mark = s.status === 'ok' ? '✓' : s.status === 'warn' ? '!' : '✗';
    lines.push(`${String(i + 1).padStart(2)}. ${mark} ${s.title}: ${s.value}  [${s.source}]`);
    for (const d of s.details) lines.push(`      ${d}`);
    for (const l of s.lines ?? []) lines.push(`      | ${l}`);
  });
  lines.push('', `=> ${t.outcome.summary}`);
  return `${lines.join('\n')}\n`;
}
