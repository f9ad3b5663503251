// Runs the REAL kube-proxy (iptables mode, built by build.sh) against the lab cluster, inside a
// network namespace of its own, so the rules it programs exist only there and can be read back with
// `iptables-save -t nat` for test/cluster/kube-proxy.test.ts. The host's own iptables are never
// touched: every iptables call (ours and kube-proxy's) runs under `ip netns exec lab-kp`.
//
//   host                                         netns lab-kp
//   127.0.0.1:<apiserver>  <- relay on 10.244.255.9:<port> (lab-kp0) <-veth-> (lab-kp1) 10.244.255.10  kube-proxy
//
// The apiserver binds 127.0.0.1 only, which the namespace cannot reach, so a TCP relay (in this
// process) listens on the host end of the veth. kube-proxy gets a copy of the lab kubeconfig whose
// server is the relay and whose tls-server-name is the original host, so the CA check still holds.
//
//   node test/harness/kube-proxy.mjs run     start, wait for the gateway's chains, print them, keep running (Ctrl-C stops)
//   node test/harness/kube-proxy.mjs save    iptables-save -t nat inside the namespace
//   node test/harness/kube-proxy.mjs down    stop a kube-proxy left by an earlier run, delete the namespace
//
// From Node: `const kp = await startKubeProxy(); await kp.waitForNat((nat) => ...); kp.saveNat(); await kp.stop();`
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { versionVars } from './versions.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const STATE_DIR = join(REPO, '.cluster', 'kube-proxy');
const PID_FILE = join(STATE_DIR, 'kube-proxy.pid');

/** Names and addresses this script creates, and nothing else. 10.244.255.8/30 is unused by the harness (it uses .253 and .254). */
export const NETNS = 'lab-kp';
const HOST_VETH = 'lab-kp0';
const NS_VETH = 'lab-kp1';
const HOST_ADDR = process.env.LAB_KP_HOST_ADDR ?? '10.244.255.9';
export const NS_ADDR = process.env.LAB_KP_NS_ADDR ?? '10.244.255.10';
const PREFIX = 30;

/** Versions and paths come from versions.sh, the single place they are pinned. */
export function harnessVars() {
  const {
    K8S_BIN: k8sBin,
    NODE_NAME: nodeName,
    KUBECONFIG_PATH: kubeconfig,
  } = versionVars('K8S_BIN', 'NODE_NAME', 'KUBECONFIG_PATH');
  return { kubeProxyBin: join(k8sBin, 'kube-proxy'), kubectlBin: join(k8sBin, 'kubectl'), nodeName, kubeconfig };
}

const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNetns = (cmd, args) =>
  execFileSync('ip', ['netns', 'exec', NETNS, cmd, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });

/** What is missing to run kube-proxy here, as one sentence saying what to do; undefined when all is present. */
export function kubeProxyProblem() {
  if (process.platform !== 'linux') return 'the kube-proxy check needs Linux (network namespaces and iptables)';
  if (process.getuid?.() !== 0)
    return 'the kube-proxy check needs root (it creates the network namespace lab-kp); rerun as root';
  const { kubeProxyBin, kubeconfig } = harnessVars();
  if (!existsSync(kubeProxyBin)) return `no kube-proxy binary at ${kubeProxyBin}; run npm run harness:build`;
  for (const tool of ['ip', 'iptables-save']) {
    try {
      execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed; run npm run harness:build (it installs iproute2 and iptables)`;
    }
  }
  if (!existsSync(kubeconfig)) return `no ${kubeconfig}; start the cluster with npm run cluster:up`;
  return undefined;
}

/** Stops a kube-proxy an earlier run left behind (only the pid this script recorded) and deletes the namespace. Safe twice. */
export function cleanupKubeProxy({ log = () => undefined } = {}) {
  if (existsSync(PID_FILE)) {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      /* already gone */
    }
    if (pid > 0 && cmdline.includes('kube-proxy')) {
      process.kill(pid, 'SIGKILL');
      log(`stopped leftover kube-proxy pid ${pid}`);
    }
    rmSync(PID_FILE, { force: true });
  }
  const namespaces = ip('netns', 'list');
  if (namespaces.split('\n').some((l) => l.split(' ')[0] === NETNS)) {
    ip('netns', 'del', NETNS); // deleting the namespace destroys lab-kp1 and with it its peer lab-kp0
    log(`deleted network namespace ${NETNS}`);
  }
  try {
    ip('link', 'del', HOST_VETH);
  } catch {
    /* not there */
  }
}

function createNetns() {
  ip('netns', 'add', NETNS);
  ip('link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', NS_VETH);
  ip('link', 'set', NS_VETH, 'netns', NETNS);
  ip('addr', 'add', `${HOST_ADDR}/${PREFIX}`, 'dev', HOST_VETH);
  ip('link', 'set', HOST_VETH, 'up');
  ip('-n', NETNS, 'link', 'set', 'lo', 'up');
  ip('-n', NETNS, 'addr', 'add', `${NS_ADDR}/${PREFIX}`, 'dev', NS_VETH);
  ip('-n', NETNS, 'link', 'set', NS_VETH, 'up');
}

/** TCP relay host-veth:ephemeral -> 127.0.0.1:<apiserver port>; only the namespace's address may connect. */
function startRelay(target) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    if (client.remoteAddress !== NS_ADDR && client.remoteAddress !== `::ffff:${NS_ADDR}`) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, HOST_ADDR, () =>
      resolvePromise({
        port: server.address().port,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}

/** The lab kubeconfig with the server moved to the relay; tls-server-name keeps the certificate check against the original host. */
function relayKubeconfig(source, relayPort) {
  const text = readFileSync(source, 'utf8');
  const m = /^(\s*)server:\s*https:\/\/([^:/\s]+):(\d+)\s*$/m.exec(text);
  if (!m)
    throw new Error(
      `${source}: no "server: https://host:port" line; is it the lab kubeconfig from npm run cluster:up?`,
    );
  const [line, indent, host, port] = m;
  const rewritten = text.replace(
    line,
    `${indent}server: https://${HOST_ADDR}:${relayPort}\n${indent}tls-server-name: ${host}`,
  );
  return { text: rewritten, apiserver: { host, port: Number(port) } };
}

/**
 * Starts kube-proxy in its own network namespace. Returns a handle; `stop()` kills it, closes the
 * relay and deletes the namespace (always call it, also on failure).
 */
export async function startKubeProxy({ log = () => undefined, verbosity = 2 } = {}) {
  const problem = kubeProxyProblem();
  if (problem) throw new Error(problem);
  const { kubeProxyBin, nodeName, kubeconfig } = harnessVars();
  cleanupKubeProxy({ log });
  mkdirSync(STATE_DIR, { recursive: true });

  let relay;
  let child;
  let exited;
  const stop = async () => {
    if (child && exited === undefined) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
      if (exited === undefined) child.kill('SIGKILL');
    }
    rmSync(PID_FILE, { force: true });
    await relay?.close();
    cleanupKubeProxy({ log });
  };

  try {
    createNetns();
    const probe = relayKubeconfig(kubeconfig, 0);
    relay = await startRelay(probe.apiserver);
    const kpKubeconfig = join(STATE_DIR, 'kubeconfig');
    writeFileSync(kpKubeconfig, relayKubeconfig(kubeconfig, relay.port).text, { mode: 0o600 });
    const logFile = join(STATE_DIR, 'kube-proxy.log');
    const fd = openSync(logFile, 'w');
    const args = [
      'netns',
      'exec',
      NETNS,
      kubeProxyBin,
      `--kubeconfig=${kpKubeconfig}`,
      '--proxy-mode=iptables',
      `--hostname-override=${nodeName}`,
      '--cluster-cidr=10.244.0.0/16',
      // Both servers inside the namespace (its own loopback), so nothing listens on the host.
      '--healthz-bind-address=127.0.0.1:10256',
      '--metrics-bind-address=127.0.0.1:10249',
      // No conntrack tuning: 0 leaves the kernel's values as they are.
      '--conntrack-max-per-core=0',
      '--conntrack-tcp-timeout-established=0',
      '--conntrack-tcp-timeout-close-wait=0',
      `--v=${verbosity}`,
    ];
    const t0 = performance.now();
    child = spawn('ip', args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('exit', (code, signal) => {
      exited = code ?? signal;
    });
    writeFileSync(PID_FILE, String(child.pid));
    log(
      `kube-proxy pid ${child.pid} in netns ${NETNS}, apiserver via relay ${HOST_ADDR}:${relay.port}; log ${logFile}`,
    );

    const saveNat = () => inNetns('iptables-save', ['-t', 'nat']);
    /** Polls iptables-save until `ready(nat)` holds; returns the dump and the ms since kube-proxy started. */
    const waitForNat = async (ready, { timeoutMs = 60000, intervalMs = 200 } = {}) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (exited !== undefined)
          throw new Error(`kube-proxy exited (${exited}); last lines of ${logFile}:\n${tail(logFile)}`);
        const nat = saveNat();
        if (ready(nat)) return { nat, ms: Math.round(performance.now() - t0) };
        if (performance.now() > deadline)
          throw new Error(
            `kube-proxy did not program the expected rules within ${timeoutMs} ms; last lines of ${logFile}:\n${tail(logFile)}`,
          );
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    };
    return {
      netns: NETNS,
      pid: child.pid,
      logFile,
      saveNat,
      waitForNat,
      stop,
      version: execFileSync(kubeProxyBin, ['--version'], { encoding: 'utf8' }).trim(),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** True once kube-proxy has written a KUBE-SVC chain jump for the gateway Service. */
export const hasGatewayChains = (nat) =>
  /--comment "istio-system\/istio-ingressgateway:[^"]*" .*-j KUBE-SVC-/.test(nat);

async function main() {
  const cmd = process.argv[2];
  const log = (l) => console.error(`kube-proxy.mjs: ${l}`);
  if (cmd === 'down') {
    cleanupKubeProxy({ log });
    return;
  }
  if (cmd === 'save') {
    process.stdout.write(inNetns('iptables-save', ['-t', 'nat']));
    return;
  }
  if (cmd !== 'run') {
    console.error('usage: node test/harness/kube-proxy.mjs run|save|down');
    process.exitCode = 2;
    return;
  }
  const problem = kubeProxyProblem();
  if (problem) {
    console.error(`kube-proxy.mjs: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const kp = await startKubeProxy({ log });
  const stopAndExit = async () => {
    await kp.stop();
    process.exit(0);
  };
  process.on('SIGINT', stopAndExit);
  process.on('SIGTERM', stopAndExit);
  try {
    const { nat, ms } = await kp.waitForNat(hasGatewayChains);
    process.stdout.write(
      nat
        .split('\n')
        .filter((l) => l.includes('istio-system/istio-ingressgateway'))
        .join('\n') + '\n',
    );
    log(`${kp.version}: first gateway rules after ${ms} ms; running (Ctrl-C stops and deletes ${NETNS})`);
  } catch (err) {
    console.error(`kube-proxy.mjs: ${err.message}`);
    await kp.stop();
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`kube-proxy.mjs: ${err.message}`);
    process.exitCode = 1;
  });
}
