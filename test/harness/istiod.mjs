#!/usr/bin/env node
// The lab's control plane for the gateway: the REAL istiod (pilot-discovery built from the pinned
// istio.io/istio module by istio-build/build.sh) on the host's loopback, watching the lab's API
// server, and the xds-relay STAND-IN (istio-build/xds-relay) on the host end of the node link,
// which the gateway pod's upstream Envoy dials for ADS (see xds-relay/main.go for why it exists
// and what it removes). istiod is the only source of the gateway's configuration.
//
//   node test/harness/istiod.mjs start     start both (idempotent), wait until istiod is ready
//   node test/harness/istiod.mjs stop      stop both (by their pid files only)
//   node test/harness/istiod.mjs stop-istiod | restart-istiod   istiod only (the relay stays)
//   node test/harness/istiod.mjs status
// Logs: .cluster/logs/istiod.log, .cluster/logs/xds-relay.log. No webhook is registered
// (VALIDATION_WEBHOOK_CONFIG_NAME and INJECTION_WEBHOOK_CONFIG_NAME empty): the API server never dials out.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versionVars } from './versions.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const CLUSTER_DIR = join(REPO, '.cluster');
const STATE = join(CLUSTER_DIR, 'istiod');
const LOGS = join(CLUSTER_DIR, 'logs');

/** Where the gateway's Envoy writes its access log: its stdout, which the harness (playing the container
 * runtime) keeps as the container's log, so `kubectl logs` returns it. */
export const ACCESS_LOG_FILE = '/dev/stdout';

/**
 * The mesh config istiod runs with: the default profile's (oracle/mesh-default-install.yaml, also the
 * oracle's) plus `accessLogFile`, as the demo profile or `--set meshConfig.accessLogFile=/dev/stdout`
 * turns access logging on. istiod then generates the gateway's access log config itself (Istio's
 * default text format); nothing in the harness writes it.
 */
function labMeshConfig() {
  const base = readFileSync(join(HERE, 'oracle', 'mesh-default-install.yaml'), 'utf8');
  const out = join(STATE, 'mesh.yaml');
  mkdirSync(STATE, { recursive: true });
  writeFileSync(
    out,
    `${base}\n# added by istiod.mjs: access logging on, as the demo profile has it\naccessLogFile: ${ACCESS_LOG_FILE}\n`,
  );
  return out;
}
export const ISTIOD_LOG = join(LOGS, 'istiod.log');
export const RELAY_LOG = join(LOGS, 'xds-relay.log');

/** Paths and ports from versions.sh, the single place they are pinned. */
export function istioVars() {
  const names = [
    'ISTIO_BIN',
    'K8S_BIN',
    'KUBECONFIG_PATH',
    'ISTIOD_GRPC_PORT',
    'ISTIOD_SECURE_PORT',
    'ISTIOD_MONITOR_PORT',
    'ISTIOD_HTTP_PORT',
    'ISTIOD_HTTPS_PORT',
    'XDS_RELAY_ADDR',
  ];
  const v = versionVars(...names);
  return {
    bin: v.ISTIO_BIN,
    pilotDiscovery: join(v.ISTIO_BIN, 'pilot-discovery'),
    istioctl: join(v.ISTIO_BIN, 'istioctl'),
    relay: join(v.ISTIO_BIN, 'xds-relay'),
    kubeconfig: v.KUBECONFIG_PATH,
    kubectl: join(v.K8S_BIN, 'kubectl'),
    grpcPort: Number(v.ISTIOD_GRPC_PORT),
    securePort: Number(v.ISTIOD_SECURE_PORT),
    monitorPort: Number(v.ISTIOD_MONITOR_PORT),
    httpPort: Number(v.ISTIOD_HTTP_PORT),
    httpsPort: Number(v.ISTIOD_HTTPS_PORT),
    relayAddr: v.XDS_RELAY_ADDR,
  };
}

const pidFile = (name) => join(STATE, `${name}.pid`);

/** The pid recorded for `name` when that process still runs our binary; never guesses by name. */
function runningPid(name, binary) {
  try {
    const pid = Number(readFileSync(pidFile(name), 'utf8'));
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.startsWith(binary) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function launch(name, binary, args, env, log) {
  mkdirSync(STATE, { recursive: true });
  mkdirSync(LOGS, { recursive: true });
  const fd = openSync(log, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  writeFileSync(pidFile(name), String(child.pid));
  child.unref();
  return child.pid;
}

async function stopPid(name, binary) {
  const pid = runningPid(name, binary);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && runningPid(name, binary); i++) await new Promise((r) => setTimeout(r, 100));
    if (runningPid(name, binary)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile(name), { force: true });
  return pid;
}

const tail = (file, n = 15) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
};

/** What is missing to run istiod here, as one sentence saying what to do; undefined when ready. */
export function istiodProblem(v = istioVars()) {
  for (const b of [v.pilotDiscovery, v.relay]) {
    if (!existsSync(b)) return `no ${b}; run npm run setup (or bash test/harness/istio-build/build.sh)`;
  }
  if (!existsSync(v.kubeconfig)) return `no ${v.kubeconfig}; start the cluster with npm run cluster:up`;
  return undefined;
}

async function waitReady(v, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!runningPid('istiod', v.pilotDiscovery))
      throw new Error(`istiod exited; last lines of ${ISTIOD_LOG}:\n${tail(ISTIOD_LOG)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${v.httpPort}/ready`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`istiod not ready within ${timeoutMs / 1000} s; last lines of ${ISTIOD_LOG}:\n${tail(ISTIOD_LOG)}`);
}

/** Starts istiod (if not running) and waits for /ready. */
export async function startIstiod({ timeoutMs = 90000 } = {}) {
  const v = istioVars();
  const problem = istiodProblem(v);
  if (problem) throw new Error(problem);
  let pid = runningPid('istiod', v.pilotDiscovery);
  if (!pid) {
    // istiod's own pod name (leader election identity); the pod is kwok's, the process is ours.
    let podName = 'istiod';
    try {
      podName =
        execFileSync(
          v.kubectl,
          [
            '--kubeconfig',
            v.kubeconfig,
            '-n',
            'istio-system',
            'get',
            'pods',
            '-l',
            'app=istiod',
            '-o',
            'jsonpath={.items[0].metadata.name}',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        ).trim() || podName;
    } catch {
      /* no pod yet */
    }
    pid = launch(
      'istiod',
      v.pilotDiscovery,
      [
        'discovery',
        '--kubeconfig',
        v.kubeconfig,
        '--meshConfig',
        labMeshConfig(),
        '--httpAddr',
        `127.0.0.1:${v.httpPort}`,
        '--httpsAddr',
        `127.0.0.1:${v.httpsPort}`,
        '--grpcAddr',
        `127.0.0.1:${v.grpcPort}`,
        '--secureGRPCAddr',
        `127.0.0.1:${v.securePort}`,
        '--monitoringAddr',
        `127.0.0.1:${v.monitorPort}`,
        '--domain',
        'cluster.local',
        '--log_output_level',
        'default:info',
      ],
      {
        POD_NAMESPACE: 'istio-system',
        POD_NAME: podName,
        REVISION: 'default',
        CLUSTER_ID: 'Kubernetes',
        // No webhooks: the API server must not dial a pod or Service IP here.
        VALIDATION_WEBHOOK_CONFIG_NAME: '',
        INJECTION_WEBHOOK_CONFIG_NAME: '',
        PILOT_ENABLE_ANALYSIS: 'false',
        // The relay speaks state-of-the-world ADS; Envoy's bootstrap asks for it.
        ISTIO_DELTA_XDS: 'false',
        KUBECONFIG: v.kubeconfig,
      },
      ISTIOD_LOG,
    );
  }
  await waitReady(v, timeoutMs);
  return pid;
}

/** Starts the relay (if not running). It needs the node link's host address (cluster-up.sh makes it). */
export async function startRelay() {
  const v = istioVars();
  let pid = runningPid('xds-relay', v.relay);
  if (pid) return pid;
  // Each gateway Envoy's stream goes to istiod's TLS port as its own pod, with the token and root certificate
  // backends.sh (the kubelet's part) wrote for that pod, as pilot-agent connects; istiod serves credentialName
  // secrets only to a proxy it authenticated (xds-relay/auth.go).
  pid = launch(
    'xds-relay',
    v.relay,
    [
      '--listen',
      v.relayAddr,
      '--upstream',
      `127.0.0.1:${v.grpcPort}`,
      '--secure-upstream',
      `127.0.0.1:${v.securePort}`,
      '--pod-dir',
      join(CLUSTER_DIR, 'backends'),
    ],
    {},
    RELAY_LOG,
  );
  const [host, port] = [v.relayAddr.slice(0, v.relayAddr.lastIndexOf(':')), Number(v.relayAddr.split(':').pop())];
  const { connect } = await import('node:net');
  for (let i = 0; i < 50; i++) {
    if (!runningPid('xds-relay', v.relay))
      throw new Error(`xds-relay exited; last lines of ${RELAY_LOG}:\n${tail(RELAY_LOG)}`);
    const ok = await new Promise((r) => {
      const s = connect(port, host, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`xds-relay did not listen on ${v.relayAddr}; see ${RELAY_LOG}`);
}

export async function stopIstiod() {
  return stopPid('istiod', istioVars().pilotDiscovery);
}

export async function stopRelay() {
  return stopPid('xds-relay', istioVars().relay);
}

export function istiodStatus() {
  const v = istioVars();
  return { istiod: runningPid('istiod', v.pilotDiscovery), relay: runningPid('xds-relay', v.relay) };
}

async function main() {
  const cmd = process.argv[2];
  const v = istioVars();
  if (cmd === 'start') {
    const t0 = performance.now();
    const pid = await startIstiod();
    const rpid = await startRelay();
    console.log(
      `[istiod] istiod pid ${pid} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (xDS 127.0.0.1:${v.grpcPort}, TLS ${v.securePort}, http ${v.httpPort}); log ${ISTIOD_LOG}`,
    );
    console.log(
      `[istiod] xds-relay (STAND-IN for istio-proxy's own extensions) pid ${rpid} on ${v.relayAddr}; log ${RELAY_LOG}`,
    );
  } else if (cmd === 'stop') {
    const r = await stopRelay();
    const i = await stopIstiod();
    console.log(
      `[istiod] ${i ? `stopped istiod pid ${i}` : 'istiod not running'}; ${r ? `stopped xds-relay pid ${r}` : 'xds-relay not running'}`,
    );
  } else if (cmd === 'stop-istiod') {
    const i = await stopIstiod();
    console.log(`[istiod] ${i ? `stopped istiod pid ${i}` : 'istiod not running'}; the xds-relay stays`);
  } else if (cmd === 'restart-istiod') {
    await stopIstiod();
    const pid = await startIstiod();
    console.log(`[istiod] istiod restarted, pid ${pid}`);
  } else if (cmd === 'status') {
    const s = istiodStatus();
    console.log(
      `istiod ${s.istiod ? `running pid ${s.istiod}` : 'not running'}; xds-relay ${s.relay ? `running pid ${s.relay}` : 'not running'}`,
    );
    process.exitCode = s.istiod && s.relay ? 0 : 1;
  } else {
    console.error('usage: node test/harness/istiod.mjs start|stop|stop-istiod|restart-istiod|status');
    process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`istiod: ${e.message}`);
    process.exit(1);
  });
}
