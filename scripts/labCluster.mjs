// The lab's own cluster, built and started in the background for `npm run lab`: runs test/harness/build.sh
// (cached binaries, keyed by version) and test/harness/cluster-up.sh, and keeps a status file that the
// extension shows as a progress notification, a status bar item and the walkthrough's first step
// (src/lab/labCluster.ts reads it). Output goes to .cluster/logs/lab-cluster.log.
//   node scripts/labCluster.mjs            build + start, writing .cluster/lab-cluster.json
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STATUS_FILE = join(REPO, '.cluster', 'lab-cluster.json');
export const LOG_FILE = join(REPO, '.cluster', 'logs', 'lab-cluster.log');
const PID_FILE = join(REPO, '.cluster', 'lab-cluster.pid');

// First-run times on this project's machine kind (2 cores), from `npm run setup` on an empty cache. Each
// part's "==> name" line in build.sh starts it; cached parts take a second.
const BUILD_PARTS = [
  { match: /^apt packages/, label: 'Debian packages', seconds: 10 },
  { match: /^envoy/, label: 'Envoy', seconds: 10 },
  { match: /^kwok/, label: 'kwok (the fake kubelet)', seconds: 100 },
  { match: /^etcd/, label: 'etcd', seconds: 30 },
  { match: /^kubernetes/, label: 'Kubernetes control plane', seconds: 280 },
  { match: /^kube-proxy/, label: 'kube-proxy', seconds: 60 },
  { match: /^istio /, label: 'Istio: istiod, istioctl and the xDS relay', seconds: 400 },
];
const START_SECONDS = 30;

/** True while another builder (an earlier `npm run lab`) is still at work. */
export function builderRunning() {
  if (!existsSync(PID_FILE)) return false;
  const pid = Number(readFileSync(PID_FILE, 'utf8'));
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function writeStatus(status) {
  mkdirSync(dirname(STATUS_FILE), { recursive: true });
  // Whole files only: the extension may read at any moment.
  writeFileSync(`${STATUS_FILE}.tmp`, `${JSON.stringify({ ...status, log: LOG_FILE })}\n`);
  renameSync(`${STATUS_FILE}.tmp`, STATUS_FILE);
}

function run(cmd, args, log, onLine) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(log, { end: false });
      createInterface({ input: stream }).on('line', onLine);
    }
    child.on('error', (e) => res({ code: 127, error: e.message }));
    child.on('close', (code) => res({ code: code ?? 1 }));
  });
}

async function main() {
  mkdirSync(dirname(LOG_FILE), { recursive: true });
  writeFileSync(PID_FILE, String(process.pid));
  const log = createWriteStream(LOG_FILE, { flags: 'w' });
  const startedAt = new Date().toISOString();
  let seen = new Set();
  let lastLine = '';
  let status = {
    state: 'building',
    part: 'checking the cached binaries',
    partStartedAt: startedAt,
    partEstimateSeconds: 0,
    startedAt,
    detail: '',
  };
  const remaining = (current) =>
    BUILD_PARTS.filter((p) => !seen.has(p) || p === current).reduce((s, p) => s + p.seconds, 0) + START_SECONDS;
  const set = (patch) => {
    status = { ...status, ...patch };
    writeStatus(status);
  };
  set({ remainingSeconds: remaining() });

  const build = await run('bash', ['test/harness/build.sh'], log, (line) => {
    lastLine = line.trim() || lastLine;
    const m = line.match(/^==> (.+?)(: [\d.]+ s)?$/);
    if (!m) return;
    const part = BUILD_PARTS.find((p) => p.match.test(m[1]));
    if (m[2]) {
      if (part) seen.add(part);
      return;
    }
    if (part) seen.add(part);
    set({
      part: part?.label ?? m[1],
      partStartedAt: new Date().toISOString(),
      partEstimateSeconds: part?.seconds ?? 60,
      remainingSeconds: remaining(part),
    });
  });
  if (build.code !== 0) return fail(set, `building failed (${build.error ?? `exit ${build.code}`}): ${lastLine}`);

  seen = new Set(BUILD_PARTS);
  set({
    state: 'starting',
    part: 'control plane',
    partStartedAt: new Date().toISOString(),
    partEstimateSeconds: START_SECONDS,
    remainingSeconds: START_SECONDS,
  });
  const up = await run('bash', ['test/harness/cluster-up.sh'], log, (line) => {
    lastLine = line.trim() || lastLine;
    const m = line.match(/^\[cluster-up \+[\d.]+s\] (.+)$/);
    // "gateway pod X Running/Ready, pod IP Y" → the words before any parenthesis, kept short for the status bar.
    const part = m?.[1].replace(/\s*\(.*$/, '');
    if (part) set({ part: part.length > 60 ? `${part.slice(0, 57)}...` : part });
  });
  if (up.code !== 0) return fail(set, `cluster-up failed (${up.error ?? `exit ${up.code}`}): ${lastLine}`);
  set({ state: 'ready', part: 'ready', partEstimateSeconds: 0, remainingSeconds: 0, detail: '' });
  log.end();
  return 0;
}

function fail(set, detail) {
  set({ state: 'failed', detail, partEstimateSeconds: 0, remainingSeconds: 0 });
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      writeStatus({
        state: 'failed',
        part: 'lab cluster',
        partStartedAt: '',
        partEstimateSeconds: 0,
        remainingSeconds: 0,
        startedAt: '',
        detail: String(e?.message ?? e),
      });
      process.exit(1);
    },
  );
}
