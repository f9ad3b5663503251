// Runs the mocha suites of test/extension inside a real VS Code extension host, headless, with an exit code:
// code-server with the smoke-test driver on, and Chromium (playwright-core) opening the workbench with
// extensionDevelopmentPath + extensionTestsPath in the URL's payload. What @vscode/test-electron does on a desktop.
//
//   npm run test:extension                 all suites
//   ILAB_TEST_GREP=activation npm run test:extension
//   KUBECONFIG=.cluster/kubeconfig npm run test:extension    the environment reaches the extension host
//   npm run test:extension -- --test-cli   the suites through @vscode/test-cli's runner and .vscode-test.mjs's
//                                          mocha options (what a desktop runs), still in code-server
//
// Env: ILAB_RUN_TIMEOUT_S (whole run, default 600), ILAB_TEST_TIMEOUT_MS (one test, default 60000),
//      KEEP_SCRATCH=1 keeps the scratch folder, ILAB_VERBOSE=1 echoes code-server's own output.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { reportCounts } from '../counts.mjs';
import {
  REPO,
  UserError,
  build,
  copySampleWorkspace,
  ensureInstalled,
  killGroup,
  launchChromium,
  makeScratch,
  removeScratch,
  runMain,
  startCodeServer,
  workbenchUrl,
} from './codeServer.mjs';

const RUN_TIMEOUT_S = Number(process.env.ILAB_RUN_TIMEOUT_S ?? 600);
const RESULTS = join(REPO, 'test-results/extension');

const t0 = Date.now();
const secs = (from = t0) => ((Date.now() - from) / 1000).toFixed(1);
const say = (msg) => console.log(`[vscode] ${msg}`);

let server;
let browser;
let scratch;

async function cleanup() {
  await Promise.race([browser?.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  await killGroup(server?.proc);
  if (scratch) removeScratch(scratch);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    say(`${sig}: stopping code-server and Chromium`);
    await cleanup();
    process.exit(130);
  });
}

async function main() {
  const install = ensureInstalled();
  say(`code-server ready in ${install.seconds.toFixed(1)} s (${install.root})`);

  say(`built in ${build().toFixed(1)} s`);
  removeStaleBundles();
  rmSync(RESULTS, { recursive: true, force: true });

  scratch = makeScratch('ext-test');
  const workspace = copySampleWorkspace(scratch);
  const outputFile = join(scratch, 'mocha-output.txt');
  writeFileSync(outputFile, '');
  const testCli = process.argv.includes('--test-cli') ? testCliRun() : undefined;
  if (testCli) say(`through @vscode/test-cli's runner: ${testCli.files.length} suite files from .vscode-test.mjs`);
  server = await startCodeServer({
    install,
    scratch,
    folder: workspace,
    smokeTestDriver: true,
    env: { ILAB_TEST_OUTPUT: outputFile, ...(testCli?.env ?? {}) },
    onOutput: process.env.ILAB_VERBOSE ? (t) => process.stderr.write(`[code-server] ${t}`) : undefined,
  });
  say(`code-server on ${server.url} after ${secs()} s, workspace ${workspace}`);

  browser = await launchChromium();
  const page = await browser.newPage();

  let settle;
  const finished = new Promise((r) => (settle = r));
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    // The workbench's own log lines in automation mode: keep them for the record, show only errors.
    const line = `[${level}] ${Array.isArray(args) ? args.join(' ') : args}`;
    workbenchLog.push(line);
    if (level === 'error' && process.env.ILAB_VERBOSE) console.error(`[workbench] ${line}`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    saveLogs(logs);
    settle({ code });
  });
  page.on('console', (msg) => workbenchLog.push(`[console] ${msg.text()}`));
  const tail = tailFile(outputFile);
  page.on('pageerror', (err) => workbenchLog.push(`[pageerror] ${err.message}`));

  const url = workbenchUrl(server, {
    folder: workspace,
    extensionDevelopmentPath: REPO,
    extensionTestsPath: testCli?.extensionTestsPath ?? join(REPO, 'out/test/extension/index.cjs'),
  });
  // The first load compiles the workbench's scripts; on a busy 2-core machine that can take a while.
  await page.goto(url, { timeout: 120_000 });
  say(`workbench opened after ${secs()} s; running the suites`);
  const suiteStart = Date.now();

  const timeout = new Promise((r) => setTimeout(() => r({ timedOut: true }), RUN_TIMEOUT_S * 1000).unref());
  const result = await Promise.race([finished, timeout]);
  tail.stop();
  if (result.timedOut) {
    await page.screenshot({ path: join(RESULTS, 'timeout.png') }).catch(() => {});
    writeLogs();
    throw new UserError(
      `Timed out: the extension tests did not finish within ${RUN_TIMEOUT_S} s (ILAB_RUN_TIMEOUT_S). ` +
        `A screenshot and the logs are in ${RESULTS}. code-server and Chromium were stopped.`,
    );
  }
  writeLogs();
  say(`extension host exited ${result.code}; suites took ${secs(suiteStart)} s, ${secs()} s in all`);
  if (!tail.summary) {
    say(`no mocha summary arrived: the extension or the test index failed to load; see ${RESULTS}/workbench.log`);
  }
  // CI reads the closing line.
  const [passed, failed] = (tail.summary?.match(/^(\d+) passed, (\d+) failed/) ?? [undefined, '0', '1'])
    .slice(1)
    .map(Number);
  reportCounts('extension', passed, failed);
  return result.code === 0 && tail.summary ? 0 : 1;
}

const workbenchLog = [];

/**
 * Bundles of suites whose source was deleted would still be loaded by the test index. Only those go: other
 * runs (other people's, at the same time, in the same tree) may be loading the rest right now.
 */
function removeStaleBundles() {
  const out = join(REPO, 'out/test/extension');
  let files = [];
  try {
    files = readdirSync(out);
  } catch {
    return;
  }
  for (const f of files) {
    const source = f.replace(/\.cjs(\.map)?$/, '.ts');
    if (source !== f && !existsSync(join(REPO, 'test/extension', source))) rmSync(join(out, f), { force: true });
  }
}

/**
 * What `vscode-test` would run on a desktop, from its own reading of .vscode-test.mjs: its runner module and
 * VSCODE_TEST_OPTIONS (files, mocha options), with our reporter so the output reaches this runner.
 */
function testCliRun() {
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules/.bin/vscode-test'), '--list-configuration'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new UserError(`vscode-test --list-configuration failed:\n${r.stdout}${r.stderr}`);
  const [cfg] = JSON.parse(r.stdout);
  // .vscode-test.mjs makes its own scratch workspace on load; this run uses ours.
  const own = dirname(cfg.config.workspaceFolder ?? '');
  if (dirname(own) === tmpdir() && basename(own).startsWith('ilab-desktop-test-'))
    rmSync(own, { recursive: true, force: true });
  const options = JSON.parse(cfg.env.VSCODE_TEST_OPTIONS);
  options.mochaOpts = {
    ...options.mochaOpts,
    reporter: join(REPO, 'test/vscode/mocha-file-reporter.cjs'),
    color: false,
  };
  return {
    extensionTestsPath: cfg.extensionTestsPath,
    files: options.files,
    env: { VSCODE_TEST_OPTIONS: JSON.stringify(options) },
  };
}

/** Streams what the test index appends to `file` to our stdout, and remembers mocha's closing line. */
function tailFile(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  let pos = 0;
  let partial = '';
  const state = { summary: undefined, stop };
  const poll = () => {
    for (let n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; ) {
      pos += n;
      const lines = (partial + buf.toString('utf8', 0, n)).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        if (/^\d+ passed, \d+ failed/.test(line)) state.summary = line;
        console.log(line);
      }
    }
  };
  const timer = setInterval(poll, 200);
  function stop() {
    clearInterval(timer);
    poll();
    if (partial) console.log(partial);
    closeSync(fd);
  }
  return state;
}

function writeLogs() {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'workbench.log'), workbenchLog.join('\n'));
  writeFileSync(join(RESULTS, 'code-server.log'), server?.output() ?? '');
}

function saveLogs(logs) {
  if (!Array.isArray(logs)) return;
  for (const { relativePath, contents } of logs) {
    const file = join(RESULTS, 'logs', relativePath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }
}

runMain(async () => {
  try {
    return await main();
  } finally {
    await cleanup();
  }
});
