#!/usr/bin/env node
// The kubelet's part, done by the harness: watches the cluster's Pods, and when one comes, goes or
// changes its IP, starts/stops the process in its network namespace (backends.sh up, which prunes
// gone pods): the backends, and for a new gateway pod a new Envoy. It pushes no config: the
// gateway's Envoy gets routes, clusters and endpoints from istiod alone (istiod.mjs).
// So applying the sample is enough for requests through the gateway to work, as on a real cluster.
// It also plays the cloud's LoadBalancer controller (lb-ips.mjs): a new LoadBalancer Service, such as
// the `<gw>-istio` istiod deploys for a Gateway, gets an address of LB_POOL.
// Started by cluster-up.sh (LAB_SYNC=0 disables it), stopped by cluster-down.sh.
//   node test/harness/sync.mjs start|stop|status|once
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assignLoadBalancerIPs } from './lb-ips.mjs';
import { versionVars } from './versions.mjs';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const CLUSTER_DIR = join(REPO, '.cluster');
const KUBECONFIG = join(CLUSTER_DIR, 'kubeconfig');
const PID_FILE = join(CLUSTER_DIR, 'sync.pid');
const LOG = join(CLUSTER_DIR, 'logs', 'sync.log');
const INTERVAL_MS = Number(process.env.LAB_SYNC_INTERVAL_MS ?? 1500);
const KINDS = 'pods';

function harnessVars() {
  const { K8S_BIN, LB_POOL } = versionVars('K8S_BIN', 'LB_POOL');
  return { kubectl: join(K8S_BIN, 'kubectl'), pool: LB_POOL };
}

/** A hash of every pod's uid, resourceVersion and IP: changes when any pod does. */
async function fingerprint(kubectl) {
  const { stdout } = await run(
    kubectl,
    [
      '--kubeconfig',
      KUBECONFIG,
      'get',
      KINDS,
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.metadata.uid}:{.metadata.resourceVersion}:{.status.podIP} {end}',
    ],
    { maxBuffer: 64 << 20 },
  );
  return createHash('sha256').update(stdout.split(' ').sort().join(' ')).digest('hex');
}

async function syncOnce() {
  const { stdout, stderr } = await run('bash', [join(HERE, 'backends.sh'), 'up'], { maxBuffer: 16 << 20 });
  return `${stdout}${stderr}`;
}

async function loop() {
  const { kubectl, pool } = harnessVars();
  let last = '';
  for (;;) {
    try {
      for (const line of await assignLoadBalancerIPs(kubectl, KUBECONFIG, pool)) {
        console.log(`${new Date().toISOString()} ${line}`);
      }
      const fp = await fingerprint(kubectl);
      if (fp !== last) {
        const out = await syncOnce();
        console.log(`${new Date().toISOString()} change seen; synced\n${out.trim()}`);
        last = fp;
      }
    } catch (e) {
      console.log(
        `${new Date().toISOString()} sync failed (retrying): ${String(e.message).split('\n').slice(0, 5).join(' | ')}`,
      );
      last = '';
    }
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
}

function runningPid() {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function main() {
  const cmd = process.argv[2];
  if (cmd === 'loop') return loop();
  if (cmd === 'once') return console.log(await syncOnce());
  if (cmd === 'start') {
    const pid = runningPid();
    if (pid) return console.log(`[sync] already running, pid ${pid}`);
    if (!existsSync(KUBECONFIG)) throw new Error(`no cluster (${KUBECONFIG} missing); run npm run cluster:up`);
    mkdirSync(dirname(LOG), { recursive: true });
    const log = openSync(LOG, 'a');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'loop'], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    writeFileSync(PID_FILE, String(child.pid));
    child.unref();
    return console.log(`[sync] watching the cluster, pid ${child.pid}; log ${LOG}`);
  }
  if (cmd === 'stop') {
    const pid = runningPid();
    // The loop runs in its own process group (detached); stop it with a backends.sh it may be running.
    if (pid) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        process.kill(pid, 'SIGTERM');
      }
    }
    rmSync(PID_FILE, { force: true });
    return console.log(pid ? `[sync] stopped pid ${pid}` : '[sync] not running');
  }
  if (cmd === 'status') {
    const pid = runningPid();
    console.log(pid ? `running pid ${pid}` : 'not running');
    process.exitCode = pid ? 0 : 1;
    return;
  }
  console.error('usage: sync.mjs start|stop|status|once');
  process.exitCode = 2;
}

main().catch((e) => {
  console.error(`sync: ${e.message}`);
  process.exit(1);
});
