// Node entry points to the cluster harness, for test/cluster/* and .ci/run.
// Each function runs the harness's own script (argument arrays, no shell strings) and returns
// what the tests need: paths, addresses, ports.
//
//   import { clusterUp, backendsUp, clusterDown, harnessInfo } from '../harness/harness.mjs';
//   const info = await clusterUp();          // idempotent; info.kubeconfig, info.ingressIP, ...
//   ... apply the sample with the kube client, wait for rollout ...
//   await backendsUp(['simple']);             // servers at the pods' IPs, Envoy endpoints refreshed
//   await applyGatewayConfig('/tmp/oracle.json');  // optional: Istio's own config from the oracle
//   await clusterDown();
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const CLUSTER_DIR = join(REPO, '.cluster');

function run(cmd, args, { quiet = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      if (!quiet) process.stderr.write(d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`))));
  });
}

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {});

/** Paths, addresses and ports of the running harness (no I/O beyond reading .cluster/). */
export function harnessInfo() {
  const ingress = readJson(join(CLUSTER_DIR, 'ingress.json'));
  const metrics = readJson(join(CLUSTER_DIR, 'up-metrics.json'));
  return {
    kubeconfig: join(CLUSTER_DIR, 'kubeconfig'),
    context: 'kwok-istio-ingress-lab',
    ingressIP: ingress.ingressIP || undefined,          // Service istio-ingressgateway status.loadBalancer IP (port 80)
    nodeIP: ingress.nodeIP || undefined,
    nodePortHttp: ingress.nodePortHttp ? Number(ingress.nodePortHttp) : undefined,
    envoyAdmin: `http://127.0.0.1:${process.env.LAB_ENVOY_ADMIN_PORT ?? 19000}`,
    envoyHttp: `http://127.0.0.1:${process.env.LAB_ENVOY_HTTP_PORT ?? 18080}`,
    logs: join(CLUSTER_DIR, 'logs'),
    startSeconds: metrics.startSeconds,
    controlPlaneRssMiB: metrics.controlPlaneRssMiB,
  };
}

/** Builds binaries if needed and starts the cluster + gateway Envoy (idempotent). */
export async function clusterUp({ quiet = false, env } = {}) {
  if (env) Object.assign(process.env, env);
  await run('bash', [join(HERE, 'cluster-up.sh')], { quiet });
  return harnessInfo();
}

/** Starts nginx/httpserver at the IPs of the pods in `namespaces` (all app namespaces if empty). */
export async function backendsUp(namespaces = [], { quiet = false } = {}) {
  return run('bash', [join(HERE, 'backends.sh'), 'up', ...namespaces], { quiet });
}

export async function backendsDown({ quiet = false } = {}) {
  return run('bash', [join(HERE, 'backends.sh'), 'down'], { quiet });
}

/** Loads oracle JSON (test/harness/oracle output) into the running Envoy; no restart. */
export async function applyGatewayConfig(oracleFile, { quiet = false } = {}) {
  const args = [join(HERE, 'gateway-envoy.mjs'), 'apply'];
  if (oracleFile) args.push('--oracle', oracleFile);
  return run(process.execPath, args, { quiet });
}

/** Stops everything the harness started. */
export async function clusterDown({ quiet = false } = {}) {
  return run('bash', [join(HERE, 'cluster-down.sh')], { quiet });
}
