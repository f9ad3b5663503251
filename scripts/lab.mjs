// `npm run lab`: opens a real VS Code on the bundled sample workspace with the extension installed from this
// folder, ready for the walkthrough.
//   here (no desktop):  code-server in the browser on http://127.0.0.1:8080 (or a free port); Ctrl+C stops it
//   on a desktop:       npm run lab -- --desktop   runs code --extensionDevelopmentPath=$PWD samples/workspace
// With no kube context of the user's own, the lab's own cluster is built and started in the background
// (scripts/labCluster.mjs); the editor shows at once and follows the build in a progress notification,
// the status bar and the walkthrough's first step.
// Options: --port N, --no-cluster (never start the project's own cluster), --state DIR (code-server's
// settings and extensions; default: lab-state in the install cache).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  REPO,
  SAMPLE_WORKSPACE,
  UserError,
  build,
  ensureInstalled,
  freePort,
  isPortFree,
  killGroup,
  linkExtension,
  runMain,
  startCodeServer,
  workbenchUrl,
} from '../test/vscode/codeServer.mjs';
import { LOG_FILE, STATUS_FILE, builderRunning } from './labCluster.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const t0 = Date.now();
const say = (msg) => console.log(`[lab +${Math.round((Date.now() - t0) / 1000)}s] ${msg}`);

/** True when kubectl-style lookup would find a kube context: $KUBECONFIG or ~/.kube/config. */
function hasKubeContext() {
  const fromEnv = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (fromEnv.length) return fromEnv.some((f) => existsSync(f));
  return existsSync(join(homedir(), '.kube', 'config'));
}

/**
 * With no kube context of the user's own, starts building and starting the project's cluster in the
 * background and returns the environment that points the extension at it (the kubeconfig appears when the
 * cluster is up; the extension follows the status file meanwhile). A context of the user's own is left alone.
 */
function labClusterInBackground() {
  if (flag('--no-cluster')) return {};
  if (hasKubeContext()) {
    say(
      `using your kube context (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config'}); the lab's own cluster stays off`,
    );
    return {};
  }
  if (builderRunning()) {
    say(`the lab's cluster is already being built (log: ${LOG_FILE})`);
  } else {
    mkdirSync(join(REPO, '.cluster'), { recursive: true });
    rmSync(STATUS_FILE, { force: true }); // an earlier run's "ready" must not be read as this one's
    const out = openSync(join(REPO, '.cluster', 'lab-cluster.out'), 'w');
    // Detached: the build goes on while the editor opens, and survives this script's Ctrl+C.
    const child = spawn(process.execPath, [join(REPO, 'scripts/labCluster.mjs')], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    say(`no kube context of yours: building and starting the lab's own cluster in the background (log: ${LOG_FILE})`);
  }
  // cluster-up links the real istioctl into .cluster/bin: the extension finds it there and puts the folder
  // on its terminals' PATH, so "Look inside Envoy" and the terminal run it as the article types it.
  return {
    KUBECONFIG: join(REPO, '.cluster', 'kubeconfig'),
    ISTIO_INGRESS_LAB_CLUSTER_STATUS: STATUS_FILE,
    ISTIO_INGRESS_LAB_BIN: join(REPO, '.cluster', 'bin'),
  };
}

function openDesktop() {
  mkdirSync(SAMPLE_WORKSPACE, { recursive: true });
  build();
  const env = labClusterInBackground();
  const code = spawnSync('code', ['--extensionDevelopmentPath', REPO, SAMPLE_WORKSPACE], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (code.error?.code === 'ENOENT') {
    throw new UserError(
      '`code` is not on PATH: in VS Code run "Shell Command: Install \'code\' command in PATH", or run npm run lab without --desktop.',
    );
  }
  return code.status ?? 1;
}

async function openInBrowser() {
  const install = ensureInstalled({ browser: false });
  say(`code-server ready (${install.root})`);
  mkdirSync(SAMPLE_WORKSPACE, { recursive: true });
  build();
  const env = labClusterInBackground();
  const wanted = Number(option('--port') ?? 8080);
  const port = (await isPortFree(wanted)) ? wanted : await freePort();
  if (port !== wanted) say(`127.0.0.1:${wanted} is taken; using ${port}`);
  // code-server state (settings, installed extensions) persists across runs in the cache, not in the repo.
  const state = option('--state') ?? join(install.root, 'lab-state');
  linkExtension(state);
  const server = await startCodeServer({ install, scratch: state, port, folder: SAMPLE_WORKSPACE, env });
  const url = workbenchUrl(server, { folder: SAMPLE_WORKSPACE });
  say('the editor is up');
  console.log(`\nIstio Ingress Lab is running. Open this URL in a browser on this machine:\n\n  ${url}\n`);
  console.log(
    'Start with the walkthrough: Help › Welcome › Istio Ingress Lab (or F1 › "Welcome: Open Walkthrough...").',
  );
  if (env.ISTIO_INGRESS_LAB_CLUSTER_STATUS) {
    console.log(
      "The lab's cluster builds in the background: its progress shows in the editor (status bar, notification, walkthrough).",
    );
    console.log('It keeps running after Ctrl+C; npm run cluster:down stops it.');
  }
  console.log('After editing the extension, run node esbuild.mjs and reload the window. Ctrl+C stops code-server.\n');
  const stop = async () => {
    await killGroup(server.proc);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => server.proc.once('exit', (code) => resolve(code ?? 0)));
}

runMain(() => (flag('--desktop') ? Promise.resolve(openDesktop()) : openInBrowser()));
