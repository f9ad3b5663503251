// Shared by the tests against the lab's own cluster (test/harness, `npm run cluster:up`).
// They run when .cluster/kubeconfig exists and the API server answers. With LAB_REQUIRE_CLUSTER=1
// (CI) a missing cluster is a failure, not a skip.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createCluster, parseManifests, type Cluster, type PodInfo } from '../../src/kube/index';
import { versionVars } from '../harness/versions.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const kubeconfigPath = process.env.LAB_KUBECONFIG ?? path.join(repo, '.cluster', 'kubeconfig');
export const required = process.env.LAB_REQUIRE_CLUSTER === '1';

/** Why the cluster is not usable, or undefined when it answers. */
export async function clusterProblem(): Promise<string | undefined> {
  if (!fs.existsSync(kubeconfigPath))
    return `no ${path.relative(repo, kubeconfigPath)} (start the cluster: npm run cluster:up)`;
  const c = createCluster({ kubeconfigPath });
  try {
    await c.checkReachable({ timeoutMs: 5000 });
    return undefined;
  } catch (err) {
    return `the cluster in ${path.relative(repo, kubeconfigPath)} does not answer: ${String(err)}`;
  } finally {
    await c.dispose();
  }
}

/**
 * Registers the file's tests only when the cluster answers. Otherwise one test that skips, or fails
 * when LAB_REQUIRE_CLUSTER=1, saying what is missing.
 */
export async function whenCluster(name: string, register: () => void): Promise<void> {
  const problem = await clusterProblem();
  if (!problem) {
    register();
    return;
  }
  if (required) {
    test(`${name}: the lab cluster is required (LAB_REQUIRE_CLUSTER=1)`, () => {
      throw new Error(problem);
    });
  } else {
    test(`${name}`, { skip: problem }, () => undefined);
  }
}

/** A cluster client on the lab kubeconfig whose log lines are kept for assertions. */
export function labCluster(opts: { context?: string; kubeconfig?: string } = {}): {
  cluster: Cluster;
  lines: string[];
} {
  const lines: string[] = [];
  const cluster = createCluster({
    kubeconfigPath: opts.kubeconfig ?? kubeconfigPath,
    context: opts.context,
    log: (l) => {
      lines.push(l);
      if (process.env.LAB_TEST_LOG) console.log(`  [kube] ${l}`);
    },
  });
  return { cluster, lines };
}

/**
 * The seed's manifests for the sample namespace and host, from samples/ (the extension's scaffold source):
 * the two apps and istio-specs.yaml, or with `routing: 'gateway-api.yaml'` the Gateway API's Gateway and
 * HTTPRoute instead.
 */
export function seedManifestTexts(
  namespace = 'simple',
  host = 'simple.baihl.io',
  routing: 'istio-specs.yaml' | 'gateway-api.yaml' = 'istio-specs.yaml',
): { name: string; text: string }[] {
  const dir = path.join(repo, 'samples');
  return ['simple.yaml', 'nginx.yaml', routing].map((name) => ({
    name,
    text: fs
      .readFileSync(path.join(dir, name), 'utf8')
      .replaceAll('{{namespace}}', namespace)
      .replaceAll('{{host}}', host),
  }));
}

/**
 * The sample applied (idempotent) to `namespace`, its pods served by real backends at their IPs (backends.sh at
 * once; sync.mjs would within seconds), istiod pushing the config: the gateway pod that is Ready.
 */
export async function deploySeed(
  cluster: Cluster,
  seed: { name: string; text: string }[],
  namespace: string,
): Promise<PodInfo> {
  await cluster.serverSideApply(
    seed.flatMap((f) => parseManifests(f.text, f.name)),
    { namespace },
  );
  await cluster.waitForDeploymentsAvailable(namespace, ['simple', 'nginx-deployment'], {
    timeoutMs: 90_000,
    pollMs: 500,
  });
  execFileSync('bash', [path.join(repo, 'test/harness/backends.sh'), 'up', namespace], { cwd: repo, stdio: 'ignore' });
  const status = await cluster.istioStatus();
  if (!status.readyPod) throw new Error(status.problems.map((p) => p.message).join('; '));
  return status.readyPod;
}

/** A variable of test/harness/versions.sh (binaries' directories, addresses), the one place they are pinned. */
export function harnessVar(name: string): string {
  return versionVars(name)[name] ?? '';
}

/** The real istioctl the harness built, on the lab's kubeconfig; rejects with its stderr when it fails. */
export async function istioctl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = path.join(harnessVar('ISTIO_BIN'), 'istioctl');
  return promisify(execFile)(bin, args, {
    env: { ...process.env, KUBECONFIG: kubeconfigPath },
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
}

export const ms = (start: number) => Math.round(performance.now() - start);

/** Numbers measured against the real cluster, printed for the report and written to test-results/. */
const metrics: Record<string, number | string> = {};
export function metric(name: string, value: number | string): void {
  metrics[name] = value;
  console.log(`  metric ${name} = ${value}`);
  const dir = path.join(repo, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'cluster-metrics.json');
  const all = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.writeFileSync(file, JSON.stringify({ ...all, ...metrics, at: new Date().toISOString() }, null, 2));
}

export const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** Polls `probe` every 250 ms until it gives a value; fails naming `what` and the last error seen. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      const why = last instanceof Error ? last.message : last === undefined ? '' : JSON.stringify(last);
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${why ? ` (last: ${why})` : ''}`);
    }
    await sleep(250);
  }
}

/** kubectl on the lab's cluster (the harness's own binary), as argument arrays; its output. */
export function kubectl(...args: string[]): Buffer {
  return execFileSync(path.join(harnessVar('K8S_BIN'), 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The ingress gateway's LoadBalancer address, as cluster-up wrote it. */
export function ingressIP(): string {
  return (JSON.parse(fs.readFileSync(path.join(repo, '.cluster', 'ingress.json'), 'utf8')) as { ingressIP: string })
    .ingressIP;
}

/** curl as a user types it: a Host header, the ingress address, extra headers; the status code only. */
export function curlStatus(host: string, urlPath: string, headers: string[] = []): number {
  const out = execFileSync(
    'curl',
    [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '10',
      '-H',
      `Host: ${host}`,
      ...headers.flatMap((h) => ['-H', h]),
      `http://${ingressIP()}${urlPath}`,
    ],
    { encoding: 'utf8' },
  );
  return Number(out);
}
