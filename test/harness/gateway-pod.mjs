#!/usr/bin/env node
// The ingress gateway pod's Envoy: the bootstrap istio-proxy would start with, for the upstream
// Envoy that backends.sh runs inside the gateway pod's own network namespace (at the pod's IP).
// Its only config source is ADS from istiod, through the xds-relay STAND-IN (istiod.mjs): the
// node identity is the pod's (router~<pod IP>~<pod>.<ns>~<ns>.svc.cluster.local, metadata as
// pilot-agent sends it), so istiod finds the pod, its Service and the Gateways that select it.
// Admin on 127.0.0.1:15000 inside the pod (reached by kubectl port-forward, as on a real cluster),
// the readiness listener on 0.0.0.0:15021 and Prometheus stats on 0.0.0.0:15090, as in istio-proxy's
// bootstrap; listeners 0.0.0.0:8080/8443 come from istiod.
//
// The same bootstrap serves a Gateway API Gateway's deployed pod (`<gw>-istio-…`): its workload,
// service account and labels come from the pod, and istiod gives it listeners on the Gateway's ports.
//
//   node test/harness/gateway-pod.mjs bootstrap --pod NAME --namespace NS --ip IP [--labels JSON]
//        [--workload DEPLOYMENT] [--service-account NAME] --out FILE
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versionVars } from './versions.mjs';

export const ADMIN_PORT = 15000;
export const STATUS_PORT = 15021;
export const PROMETHEUS_PORT = 15090;
/** Istio's version of the pinned module, as pilot-agent would put it in ISTIO_VERSION. */
export const ISTIO_VERSION = '1.31-dev';

function relayAddress() {
  const out = versionVars('XDS_RELAY_ADDR').XDS_RELAY_ADDR;
  const i = out.lastIndexOf(':');
  return { address: out.slice(0, i), port: Number(out.slice(i + 1)) };
}

const hcm = (statPrefix, routeConfig) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: statPrefix,
    route_config: routeConfig,
    http_filters: [
      {
        name: 'envoy.filters.http.router',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
      },
    ],
  },
});

const staticCluster = (name, address, port, http2) => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  ...(http2
    ? {
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
      }
    : {}),
  load_assignment: {
    cluster_name: name,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: port } } } }] }],
  },
});

/**
 * The gateway pod's bootstrap.
 * @param {{podName: string, namespace?: string, podIP: string, labels?: Record<string,string>, workload?: string,
 *   serviceAccount?: string, relay?: {address: string, port: number}}} p
 */
export function gatewayBootstrap({
  podName,
  namespace = 'istio-system',
  podIP,
  labels = {},
  workload = labels.app ?? 'istio-ingressgateway',
  serviceAccount = 'istio-ingressgateway-service-account',
  relay = relayAddress(),
}) {
  return {
    node: {
      id: `router~${podIP}~${podName}.${namespace}~${namespace}.svc.cluster.local`,
      cluster: `${workload}.${namespace}`,
      metadata: {
        NAME: podName,
        NAMESPACE: namespace,
        LABELS: labels,
        INSTANCE_IPS: podIP,
        ISTIO_VERSION,
        CLUSTER_ID: 'Kubernetes',
        MESH_ID: 'cluster.local',
        WORKLOAD_NAME: workload,
        OWNER: `kubernetes://apis/apps/v1/namespaces/${namespace}/deployments/${workload}`,
        SERVICE_ACCOUNT: serviceAccount,
        ENVOY_STATUS_PORT: STATUS_PORT,
        ENVOY_PROMETHEUS_PORT: PROMETHEUS_PORT,
        // pilot-agent sends the mesh's defaultConfig merged with the pod's; istiod lists a proxy in
        // `istioctl proxy-status` only when it is there.
        PROXY_CONFIG: {
          configPath: './etc/istio/proxy',
          binaryPath: '/usr/local/bin/envoy',
          serviceCluster: 'istio-proxy',
          drainDuration: '45s',
          discoveryAddress: 'istiod.istio-system.svc:15012',
          proxyAdminPort: ADMIN_PORT,
          controlPlaneAuthPolicy: 'MUTUAL_TLS',
          statNameLength: 189,
          statusPort: 15020,
        },
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ADMIN_PORT } } },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
      cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        staticCluster('xds-grpc', relay.address, relay.port, true),
        staticCluster('prometheus_stats', '127.0.0.1', ADMIN_PORT, false),
      ],
      listeners: [
        {
          name: 'status',
          address: { socket_address: { address: '0.0.0.0', port_value: STATUS_PORT } },
          filter_chains: [
            {
              filters: [
                hcm('agent', {
                  virtual_hosts: [
                    {
                      name: 'status',
                      domains: ['*'],
                      routes: [
                        {
                          match: { prefix: '/healthz/ready' },
                          direct_response: { status: 200, body: { inline_string: 'ok\n' } },
                        },
                      ],
                    },
                  ],
                }),
              ],
            },
          ],
        },
        {
          name: 'prometheus',
          address: { socket_address: { address: '0.0.0.0', port_value: PROMETHEUS_PORT } },
          filter_chains: [
            {
              filters: [
                hcm('stats', {
                  virtual_hosts: [
                    {
                      name: 'prometheus',
                      domains: ['*'],
                      routes: [{ match: { prefix: '/stats/prometheus' }, route: { cluster: 'prometheus_stats' } }],
                    },
                  ],
                }),
              ],
            },
          ],
        },
      ],
    },
  };
}

function main(argv) {
  if (argv[0] !== 'bootstrap') {
    console.error(
      'usage: node test/harness/gateway-pod.mjs bootstrap --pod NAME --namespace NS --ip IP [--labels JSON] [--workload DEPLOYMENT] [--service-account NAME] --out FILE',
    );
    process.exitCode = 2;
    return;
  }
  const a = {};
  for (let i = 1; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!a.pod || !a.ip || !a.out) throw new Error('bootstrap needs --pod, --ip and --out');
  const labels = a.labels ? JSON.parse(a.labels) : {};
  writeFileSync(
    a.out,
    JSON.stringify(
      gatewayBootstrap({
        podName: a.pod,
        namespace: a.namespace ?? 'istio-system',
        podIP: a.ip,
        labels,
        ...(a.workload ? { workload: a.workload } : {}),
        ...(a['service-account'] ? { serviceAccount: a['service-account'] } : {}),
      }),
      null,
      2,
    ),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`gateway-pod: ${e.message}`);
    process.exit(1);
  }
}
