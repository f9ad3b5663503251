// Shared pieces for running the extension in a real VS Code here: code-server (a real Node extension host,
// workbench in a browser) driven by Debian's Chromium through playwright-core. Used by the extension-test
// runner, the UI test, the .vsix smoke test and `npm run lab`. Everything binds to 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.139.1';
export const EXTENSION_ID = 'istio-ingress-lab.istio-ingress-lab';
export const SAMPLE_WORKSPACE = join(REPO, 'samples/workspace');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps opening connections that this closed network
// refuses; --no-sandbox because tests run as root.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function installRoot() {
  const cache = process.env.XDG_CACHE_HOME || join(process.env.HOME ?? tmpdir(), '.cache');
  return join(cache, 'istio-ingress-lab/code-server', CODE_SERVER_VERSION);
}

/**
 * Runs test/vscode/install.sh (a no-op when already installed) and returns the node and code-server entry to
 * run. `browser: false` (the lab) leaves Chromium out: only the tests drive a browser.
 */
export function ensureInstalled({ browser = true } = {}) {
  const started = Date.now();
  const r = spawnSync('bash', [join(REPO, 'test/vscode/install.sh'), ...(browser ? [] : ['--no-browser'])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CODE_SERVER_VERSION },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new UserError(
      `Installing code-server failed (exit ${r.status}); see the [install] lines above. Re-run: bash test/vscode/install.sh`,
    );
  }
  const root = r.stdout.trim().split('\n').pop() || installRoot();
  const node = join(root, 'node24/node_modules/node/bin/node');
  const entry = join(root, 'cs/node_modules/code-server/out/node/entry.js');
  for (const f of [node, entry])
    if (!existsSync(f)) throw new UserError(`${f} is missing; delete ${root} and re-run bash test/vscode/install.sh`);
  if (browser && !existsSync(CHROMIUM))
    throw new UserError(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return { root, node, entry, seconds: (Date.now() - started) / 1000 };
}

/**
 * Loads this folder as an installed extension of the code-server whose state is in `scratch`: a link in its
 * extensions folder, as a user's installed extension (notifications show as for any user, unlike the
 * smoke-test driver's development mode). After `node esbuild.mjs`, a window reload picks up the new build.
 */
export function linkExtension(scratch) {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const dir = join(scratch, 'extensions');
  mkdirSync(dir, { recursive: true });
  const name = `${EXTENSION_ID}-${version}`;
  let changed = false;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(`${EXTENSION_ID}-`) && entry !== name) {
      rmSync(join(dir, entry), { recursive: true, force: true });
      changed = true;
    }
  }
  const link = join(dir, name);
  let current;
  try {
    current = readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== REPO) {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(REPO, link, 'dir');
    changed = true;
  }
  // VS Code lists installed extensions in extensions.json and rebuilds it from the folder when it is missing.
  if (changed) rmSync(join(dir, 'extensions.json'), { force: true });
  return link;
}

/** An error whose message is the whole story for the user: printed without a stack. */
export class UserError extends Error {}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export function isPortFree(port) {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** A scratch folder for one run; removed by cleanup unless KEEP_SCRATCH is set. */
export function makeScratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `ilab-${prefix}-`));
  // Also on an abrupt exit (a signal): code-server has been killed by then (its exit hook runs first).
  process.once('exit', () => {
    if (!process.env.KEEP_SCRATCH) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  });
  return dir;
}

/** Copies the bundled sample workspace, so scaffolding and edits in a test never touch the repo. */
export function copySampleWorkspace(scratch) {
  const ws = join(scratch, 'workspace');
  mkdirSync(ws, { recursive: true });
  if (existsSync(SAMPLE_WORKSPACE)) cpSync(SAMPLE_WORKSPACE, ws, { recursive: true });
  return ws;
}

/**
 * Starts code-server on 127.0.0.1 with its state in `scratch` (user data, extensions, XDG folders, TMPDIR),
 * so it never writes under the home folder. `env` is added to the inherited environment, which code-server
 * passes on to the extension host (tests use that for KUBECONFIG).
 */
export async function startCodeServer({
  install,
  scratch,
  port,
  folder,
  smokeTestDriver = false,
  env = {},
  extraArgs = [],
  onOutput,
}) {
  port ??= await freePort();
  const dirs = scratchDirs(scratch);
  const args = [
    install.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    ...stateArgs(dirs),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    ...(folder ? [folder] : []),
  ];
  const output = [];
  // Its own process group, so stop() also ends the extension host and the other children.
  const proc = spawn(install.node, args, {
    env: { ...process.env, ...env, ...stateEnv(dirs) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const collect = (chunk) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 2000) output.splice(0, 1000);
    onOutput?.(text);
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  let exited = null;
  proc.on('exit', (code, signal) => (exited = { code, signal }));
  // Last resort if this process exits without stop() (an uncaught error, process.exit elsewhere).
  const killOnExit = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  proc.once('exit', () => process.removeListener('exit', killOnExit));

  const server = {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    dirs,
    output: () => output.join(''),
    stop: () => killGroup(proc),
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited)
      throw new UserError(
        `code-server exited (${exited.code ?? exited.signal}) before it answered:\n${server.output()}`,
      );
    try {
      const r = await fetch(`${server.url}/healthz`);
      if (r.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new UserError(`code-server did not answer ${server.url}/healthz within 60 s:\n${server.output()}`);
    }
    await sleep(200);
  }
}

function scratchDirs(scratch) {
  const dirs = {
    userData: join(scratch, 'user-data'),
    extensions: join(scratch, 'extensions'),
    config: join(scratch, 'xdg-config'),
    data: join(scratch, 'xdg-data'),
    tmp: join(scratch, 'tmp'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  writeDefaultSettings(dirs);
  return dirs;
}

// A quiet workbench for tests and the lab: no welcome editor over the walkthrough, no chat panel taking
// half the width, no extension gallery or telemetry lookups (the network is closed here anyway).
const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  // The sample workspace sits inside this repository: no "open the parent repository?" prompt.
  'git.openRepositoryInParentFolders': 'never',
  // The lab's cluster listens on loopback ports (istiod's ControlZ 9876, the API server); they are not the
  // person's application, so no "Your application running on port 9876 is available" toast.
  'remote.autoForwardPorts': false,
};

/**
 * Writes the default user settings into the user-data folder (the lab's own state). A settings.json that is
 * already there is the person's: a default added to the lab since it was written is added to it once (the
 * keys offered are remembered in lab-defaults.json, so a default the person removed or changed stays as they
 * left it), and a file that is not plain JSON (comments) is left alone.
 */
function writeDefaultSettings(dirs) {
  const file = join(dirs.userData, 'User', 'settings.json');
  const offeredFile = join(dirs.userData, 'User', 'lab-defaults.json');
  mkdirSync(dirname(file), { recursive: true });
  const readJson = (f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const keys = Object.keys(DEFAULT_USER_SETTINGS);
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify(DEFAULT_USER_SETTINGS, null, 2));
    writeFileSync(offeredFile, JSON.stringify(keys));
    return;
  }
  const current = readJson(file);
  if (!current || typeof current !== 'object' || Array.isArray(current)) return;
  // Before lab-defaults.json existed, every key in the file then was offered, and what it lacks was not.
  const offered = new Set(readJson(offeredFile) ?? keys.filter((k) => k in current));
  const added = keys.filter((k) => !offered.has(k) && !(k in current));
  if (added.length) {
    for (const k of added) current[k] = DEFAULT_USER_SETTINGS[k];
    writeFileSync(file, JSON.stringify(current, null, 2));
  }
  writeFileSync(offeredFile, JSON.stringify([...new Set([...offered, ...keys])]));
}

const stateArgs = (dirs) => ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
const stateEnv = (dirs) => ({ XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp });

/** A one-shot code-server command (--install-extension, --list-extensions) on the same scratch state. */
export function codeServerCli(install, scratch, args) {
  const dirs = scratchDirs(scratch);
  const r = spawnSync(install.node, [install.entry, ...stateArgs(dirs), ...args], {
    env: { ...process.env, ...stateEnv(dirs) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The workbench URL; development options go in `payload` (honoured only with the smoke-test driver on). */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q}`;
}

export async function launchChromium({ headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  // Our scripts handle the signals: they must stop code-server too, which playwright's handlers (closing
  // Chromium, then exiting at once) would leave running.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless,
    args: CHROMIUM_ARGS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** SIGTERM to the whole process group, SIGKILL after 3 s if anything is left. */
export async function killGroup(proc) {
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000);
  await gone;
  clearTimeout(timer);
  // Children that outlived the leader (an extension host mid-shutdown) go too.
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // none left
  }
}

/** Builds the extension and the extension-test bundles with the repo's esbuild.mjs. */
export function build() {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0)
    throw new UserError(`The build failed (node esbuild.mjs exited ${r.status}); fix the errors above.`);
  return (Date.now() - started) / 1000;
}

export function removeScratch(scratch) {
  if (process.env.KEEP_SCRATCH) {
    console.log(`[vscode] kept scratch folder ${scratch}`);
    return;
  }
  // A child of the stopped editor may still write into the folder for a moment (ENOTEMPTY): retry, and
  // never fail a run that passed because a temporary folder outlived it.
  try {
    rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (e) {
    console.log(`[vscode] could not remove scratch folder ${scratch}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs main(); prints a UserError's message alone, anything else with its stack; exits with the code main returns. */
export function runMain(main) {
  // Ctrl+C: exit, and the exit hooks stop code-server (startCodeServer) and Chromium (playwright's own), and
  // remove scratch folders (makeScratch). A script with its own graceful handler keeps it.
  for (const sig of ['SIGINT', 'SIGTERM']) {
    if (process.listenerCount(sig) === 0) {
      process.once(sig, () => {
        console.error(`\n${sig}: stopping`);
        process.exit(130);
      });
    }
  }
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code ?? 0),
      (err) => {
        console.error(err instanceof UserError ? `\n${err.message}` : err);
        process.exit(1);
      },
    );
}
