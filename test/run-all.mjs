// Runs every test suite in order and ends with one line `N passed, N failed` for all of them:
//   typecheck, lint and format, unit (node:test), the Istio oracle corpus check, the real cluster suites (started here and
//   always stopped; `npm run lab`'s own UI test starts it as a newcomer's lab does), the extension suites
//   inside a real VS Code (pointed at that cluster), the workbench UI tests, and the packaged .vsix smoke test.
// Prerequisites come from `npm run setup` (CI's .ci/run calls it first). A missing prerequisite fails
// its suite with a message saying so; nothing is skipped silently.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2); // e.g. `npm test -- unit cluster`
const results = [];
const countsDir = mkdtempSync(join(tmpdir(), 'ilab-counts-'));
process.once('exit', () => rmSync(countsDir, { recursive: true, force: true }));

/**
 * Runs one suite. Its counts come from the runner itself: node:test through test/reporters/counts.mjs, the
 * other runners through test/counts.mjs, both writing the file named by $LAB_TEST_COUNTS. A suite that
 * writes no counts (typecheck, build) is one check. A suite that exits non-zero counts at least one failure.
 */
function run(name, cmd, args, env = {}) {
  const countsFile = join(countsDir, `${name.replace(/\W/g, '_')}.json`);
  const withCounts = args.map((a) => a.replace('{counts}', countsFile));
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\n===== ${name}: ${[cmd, ...withCounts].join(' ')}`);
    const child = spawn(cmd, withCounts, {
      cwd: root,
      env: { ...process.env, ...env, LAB_TEST_COUNTS: countsFile },
      stdio: 'inherit',
    });
    const done = (code) => {
      const counts = readCounts(countsFile);
      const ok = code === 0;
      const passed = counts?.passed ?? (ok ? 1 : 0);
      const failed = Math.max(counts?.failed ?? 0, ok ? 0 : 1);
      results.push({
        name,
        code,
        secs: ((Date.now() - t0) / 1000).toFixed(0),
        passed,
        failed,
        skipped: counts?.skipped ?? 0,
        counted: Boolean(counts),
      });
      resolve(code);
    };
    child.on('error', (err) => {
      console.error(`${name}: could not start ${cmd}: ${err.message}`);
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

function readCounts(file) {
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(c.passed) && Number.isInteger(c.failed) ? c : undefined;
  } catch {
    return undefined;
  }
}

const want = (name) => only.length === 0 || only.includes(name);
const npx = (bin) => `${root}node_modules/.bin/${bin}`;
const ci = process.env.CI === 'true';
// The spec reporter for people, the counts reporter for the summary.
const NODE_TEST_REPORTERS = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./test/reporters/counts.mjs',
  '--test-reporter-destination={counts}',
];

if (want('typecheck')) await run('typecheck', npx('tsc'), ['--noEmit', '-p', '.']);
// typescript-eslint's type-aware rules and the layers (eslint.config.mjs), then one format for the code.
if (want('lint')) await run('lint', npx('eslint'), ['.']);
if (want('format')) await run('format', npx('prettier'), ['--check', '**/*.{ts,mjs,cjs,js}']);
if (want('build')) await run('build', process.execPath, ['esbuild.mjs']);
if (want('unit'))
  await run('unit', process.execPath, ['--import', 'tsx', '--test', ...NODE_TEST_REPORTERS, ...(await unitFiles())]);
if (want('oracle')) await run('oracle', 'bash', ['test/harness/oracle/regen-corpus.sh', '--check']);
// The seed file's lenses at 1280x800, each clicked, in an installed extension with no cluster.
if (want('ui:lenses')) await run('ui:lenses', process.execPath, ['--import', 'tsx', 'test/ui/lenses.ui.mjs']);

const clusterSuites = [
  'ui:lab',
  'cluster',
  'extension',
  'ui',
  'ui:trace',
  'ui:lenses:live',
  'ui:requests',
  'ui:gatewayapi',
].filter(want);
if (clusterSuites.length) {
  // npm run lab as a newcomer runs it: the lab builds and starts its own cluster, which the suites below use.
  if (want('ui:lab')) await run('ui:lab', process.execPath, ['--import', 'tsx', 'test/ui/lab.ui.mjs']);
  const up = await run('cluster:up', 'bash', ['test/harness/cluster-up.sh']);
  const kubeconfig = `${root}.cluster/kubeconfig`;
  // As npm run lab does: the real istioctl, which cluster:up links into .cluster/bin, found there first.
  const clusterEnv =
    up === 0 && existsSync(kubeconfig)
      ? { KUBECONFIG: kubeconfig, LAB_KUBECONFIG: kubeconfig, ISTIO_INGRESS_LAB_BIN: `${root}.cluster/bin` }
      : {};
  // CI must not pass by skipping: the cluster suites fail when the cluster is missing.
  const require = { LAB_REQUIRE_CLUSTER: ci || up === 0 ? '1' : '0' };
  try {
    if (want('cluster'))
      await run(
        'cluster',
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-concurrency=1',
          ...NODE_TEST_REPORTERS,
          ...(await files('test/cluster', '.test.ts')),
        ],
        { ...clusterEnv, ...require },
      );
    if (want('extension'))
      await run('extension', process.execPath, ['test/vscode/run-extension-tests.mjs'], { ...clusterEnv, ...require });
    if (want('ui')) await run('ui', process.execPath, ['--import', 'tsx', 'test/ui/walkthrough.ui.mjs'], clusterEnv);
    if (want('ui:trace'))
      await run('ui:trace', process.execPath, ['--import', 'tsx', 'test/ui/trace.ui.mjs'], clusterEnv);
    // The same lenses connected: the sample deployed, live route, endpoint count and drift, each clicked.
    if (want('ui:lenses:live'))
      await run('ui:lenses:live', process.execPath, ['--import', 'tsx', 'test/ui/lenses.ui.mjs'], {
        ...clusterEnv,
        ...require,
      });
    // The gateway's access log in the Requests view, with the outcome lens (needs the cluster).
    if (want('ui:requests'))
      await run('ui:requests', process.execPath, ['--import', 'tsx', 'test/ui/requests.ui.mjs'], {
        ...clusterEnv,
        ...require,
      });
    // The Gateway API walkthrough clicked through step by step; last, since its Clean Up deletes the sample's namespace.
    if (want('ui:gatewayapi'))
      await run('ui:gatewayapi', process.execPath, ['--import', 'tsx', 'test/ui/gatewayApi.ui.mjs'], {
        ...clusterEnv,
        ...require,
      });
  } finally {
    await run('cluster:down', 'bash', ['test/harness/cluster-down.sh']);
  }
}
if (want('vsix')) await run('vsix', process.execPath, ['test/vscode/vsix-smoke.mjs']);

async function files(dir, suffix) {
  const { readdirSync } = await import('node:fs');
  return readdirSync(`${root}${dir}`)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}
async function unitFiles() {
  return files('test/unit', '.test.ts');
}

console.log('\n===== summary');
let passed = 0;
let failed = 0;
for (const r of results) {
  const ok = r.code === 0 && r.failed === 0;
  const skipped = r.skipped ? `, ${r.skipped} skipped` : '';
  const how = r.counted ? '' : ' (one check: exit code)';
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(13)} exit ${r.code}  ${r.passed} passed, ${r.failed} failed${skipped}${how}  ${r.secs} s`,
  );
  passed += r.passed;
  failed += r.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && results.every((r) => r.code === 0) ? 0 : 1;
