// Node entry points to the cluster harness, for test/cluster/* and .ci/run.
// Each function runs the harness's own script (argument arrays, no shell strings) and returns
// what the tests need: paths, addresses, ports.
//
//   import { clusterUp, backendsUp, clusterDown, harnessInfo } from '../harness/harness.mjs';
//   const info = await clusterUp();          // idempotent; info.kubeconfig, info.ingressIP, ...
//   ... apply the sample with the kube client, wait for rollout ...
//   await backendsUp(['simple']);             // servers in the pods' namespaces at once (sync.mjs does it within seconds)
//   istioctlPath();                           // the real istioctl built by setup (for PATH)
//   nodeNatRules(); podListeningSockets(pod); // the article's 5.2 (kube-proxy's rules) and 5.3 (ss in the pod)
//   await clusterDown();
import { execFileSync, spawn } from 'node:child_process';
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
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(out)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`)),
    );
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
    ingressIP: ingress.ingressIP || undefined, // Service istio-ingressgateway status.loadBalancer IP (port 80)
    nodeIP: ingress.nodeIP || undefined,
    nodePortHttp: ingress.nodePortHttp ? Number(ingress.nodePortHttp) : undefined,
    nodePortHttps: ingress.nodePortHttps ? Number(ingress.nodePortHttps) : undefined,
    nodeNetns: ingress.nodeNetns || undefined, // the node's network namespace (kube-proxy's iptables)
    istioctl: istioctlPath(),
    binDir: join(CLUSTER_DIR, 'bin'), // holds the istioctl symlink while the cluster is up
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

/**
 * The real istioctl (istio-build/build.sh, the pinned istio.io/istio), whether or not a cluster is up;
 * undefined when setup has not built it. cluster-up.sh also links it as .cluster/bin/istioctl.
 */
export function istioctlPath() {
  const dir = execFileSync('bash', [join(HERE, 'istio-build', 'build.sh'), '--print-dir'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'istioctl');
  return existsSync(bin) ? bin : undefined;
}

/** The article's 5.2: `iptables-save -t nat -c` in the lab's node, kube-proxy's rules with their packet counters. */
export function nodeNatRules() {
  return execFileSync('bash', [join(HERE, 'node-net.sh'), 'save'], { encoding: 'utf8' });
}

/** The article's 5.3 (nsenter into the pod, ss): the listening TCP sockets in a pod's network namespace. */
export function podListeningSockets({ namespace, name }) {
  const file = join(CLUSTER_DIR, 'backends', `${namespace}.${name}`, 'netns');
  if (!existsSync(file))
    throw new Error(`no network namespace for pod ${namespace}/${name} (is the cluster up and the pod Running?)`);
  return execFileSync('ip', ['netns', 'exec', readFileSync(file, 'utf8').trim(), 'ss', '-ltnp'], { encoding: 'utf8' });
}

/** Stops everything the harness started. */
export async function clusterDown({ quiet = false } = {}) {
  return run('bash', [join(HERE, 'cluster-down.sh')], { quiet });
}
