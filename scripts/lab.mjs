// `npm run lab`: opens a real VS Code on the bundled sample workspace with the extension loaded from this
// folder (development mode), ready for the walkthrough.
//   here (no desktop):  code-server in the browser on http://127.0.0.1:8080 (or a free port); Ctrl+C stops it
//   on a desktop:       npm run lab -- --desktop   runs code --extensionDevelopmentPath=$PWD samples/workspace
// Options: --port N, --no-cluster (never start the project's own cluster).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
  runMain,
  startCodeServer,
  workbenchUrl,
} from '../test/vscode/codeServer.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const say = (msg) => console.log(`[lab] ${msg}`);

/** True when kubectl-style lookup would find a kube context: $KUBECONFIG or ~/.kube/config. */
function hasKubeContext() {
  const fromEnv = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (fromEnv.length) return fromEnv.some((f) => existsSync(f));
  return existsSync(join(homedir(), '.kube', 'config'));
}

/**
 * The hook for a cluster: when the user has no kube context, start the project's own (npm run cluster:up,
 * which writes .cluster/kubeconfig) and return that kubeconfig for the extension host. Returns undefined and
 * says why when it cannot; the lab still opens, with predicted (offline) lenses.
 */
function startProjectClusterIfNoContext() {
  if (flag('--no-cluster')) return undefined;
  if (hasKubeContext()) {
    say(`using your kube context (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config'})`);
    return undefined;
  }
  const kubeconfig = join(REPO, '.cluster', 'kubeconfig');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const script = pkg.scripts?.['cluster:up'];
  const target = script?.match(/bash\s+(\S+)/)?.[1];
  if (!script || (target && !existsSync(join(REPO, target)))) {
    say('no kube context, and this checkout has no `npm run cluster:up`: the lab opens with predicted lenses only.');
    return undefined;
  }
  say('no kube context (no KUBECONFIG, no ~/.kube/config): starting the project cluster with npm run cluster:up');
  const r = spawnSync('npm', ['run', '--silent', 'cluster:up'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(kubeconfig)) {
    say(`npm run cluster:up failed (exit ${r.status}); the lab opens with predicted lenses only. Fix it and run npm run lab again.`);
    return undefined;
  }
  say(`cluster up; KUBECONFIG=${kubeconfig}`);
  return kubeconfig;
}

function openDesktop() {
  mkdirSync(SAMPLE_WORKSPACE, { recursive: true });
  build();
  const kubeconfig = startProjectClusterIfNoContext();
  const code = spawnSync('code', ['--extensionDevelopmentPath', REPO, SAMPLE_WORKSPACE], {
    stdio: 'inherit',
    env: { ...process.env, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) },
  });
  if (code.error?.code === 'ENOENT') {
    throw new UserError('`code` is not on PATH: in VS Code run "Shell Command: Install \'code\' command in PATH", or run npm run lab without --desktop.');
  }
  return code.status ?? 1;
}

async function openInBrowser() {
  const install = ensureInstalled();
  mkdirSync(SAMPLE_WORKSPACE, { recursive: true });
  build();
  const kubeconfig = startProjectClusterIfNoContext();
  const wanted = Number(option('--port') ?? 8080);
  const port = (await isPortFree(wanted)) ? wanted : await freePort();
  if (port !== wanted) say(`127.0.0.1:${wanted} is taken; using ${port}`);
  // code-server state (settings, installed extensions) persists across runs in the cache, not in the repo.
  const state = join(install.root, 'lab-state');
  mkdirSync(state, { recursive: true });
  const server = await startCodeServer({
    install,
    scratch: state,
    port,
    folder: SAMPLE_WORKSPACE,
    smokeTestDriver: true,
    env: kubeconfig ? { KUBECONFIG: kubeconfig } : {},
  });
  const url = workbenchUrl(server, { folder: SAMPLE_WORKSPACE, extensionDevelopmentPath: REPO });
  console.log(`\nIstio Ingress Lab is running. Open this URL in a browser on this machine:\n\n  ${url}\n`);
  console.log('The window title says [Extension Development Host]; start with Help › Welcome › Istio Ingress Lab,');
  console.log('or F1 › "Welcome: Open Walkthrough...". After editing the extension, run node esbuild.mjs and reload the window.');
  console.log('Ctrl+C stops code-server.\n');
  const stop = async () => {
    await killGroup(server.proc);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise((resolve) => server.proc.once('exit', (code) => resolve(code ?? 0)));
}

runMain(() => (flag('--desktop') ? Promise.resolve(openDesktop()) : openInBrowser()));
