// Runs every test suite in order and ends with one line `N passed, N failed` for all of them:
//   typecheck, unit (node:test), the Istio oracle corpus check, the real cluster suites (started here and
//   always stopped), the extension suites inside a real VS Code (pointed at that cluster), the workbench
//   UI test, and the packaged .vsix smoke test.
// Prerequisites come from `npm run setup` (CI's .ci/run calls it first). A missing prerequisite fails
// its suite with a message saying so; nothing is skipped silently.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2); // e.g. `npm test -- unit cluster`
const results = [];

function run(name, cmd, args, env = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\n===== ${name}: ${[cmd, ...args].join(' ')}`);
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (stream) => (buf) => {
      stream.write(buf);
      tail = (tail + buf.toString()).slice(-20000);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('close', (code) => {
      const counts = countTests(tail);
      results.push({ name, code, secs: ((Date.now() - t0) / 1000).toFixed(0), ...counts });
      resolve(code);
    });
  });
}

/** node:test prints `# pass N` / `# fail N` (spec reporter: `ℹ pass N`); mocha and our runners print `N passed, N failed`. */
function countTests(text) {
  const node = [...text.matchAll(/^(?:#|ℹ) pass (\d+)\s*$[\s\S]*?^(?:#|ℹ) fail (\d+)\s*$/gm)].at(-1);
  if (node) return { passed: Number(node[1]), failed: Number(node[2]) };
  const plain = [...text.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  if (plain) return { passed: Number(plain[1]), failed: Number(plain[2]) };
  return { passed: 0, failed: 0 };
}

const want = (name) => only.length === 0 || only.includes(name);
const npx = (bin) => `${root}node_modules/.bin/${bin}`;
const ci = process.env.CI === 'true';

if (want('typecheck')) await run('typecheck', npx('tsc'), ['--noEmit', '-p', '.']);
if (want('build')) await run('build', process.execPath, ['esbuild.mjs']);
if (want('unit')) await run('unit', process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...(await unitFiles())]);
if (want('oracle')) await run('oracle', 'bash', ['test/harness/oracle/regen-corpus.sh', '--check']);

const clusterSuites = ['cluster', 'extension', 'ui', 'ui:trace'].filter(want);
if (clusterSuites.length) {
  const up = await run('cluster:up', 'bash', ['test/harness/cluster-up.sh']);
  const kubeconfig = `${root}.cluster/kubeconfig`;
  const clusterEnv = up === 0 && existsSync(kubeconfig) ? { KUBECONFIG: kubeconfig, LAB_KUBECONFIG: kubeconfig } : {};
  // CI must not pass by skipping: the cluster suites fail when the cluster is missing.
  const require = { LAB_REQUIRE_CLUSTER: ci || up === 0 ? '1' : '0' };
  try {
    if (want('cluster')) await run('cluster', process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...(await files('test/cluster', '.test.ts'))], { ...clusterEnv, ...require });
    if (want('extension')) await run('extension', process.execPath, ['test/vscode/run-extension-tests.mjs'], { ...clusterEnv, ...require });
    if (want('ui')) await run('ui', process.execPath, ['--import', 'tsx', 'test/ui/walkthrough.ui.mjs'], clusterEnv);
    if (want('ui:trace')) await run('ui:trace', process.execPath, ['--import', 'tsx', 'test/ui/trace.ui.mjs'], clusterEnv);
  } finally {
    await run('cluster:down', 'bash', ['test/harness/cluster-down.sh']);
  }
}
if (want('vsix')) await run('vsix', process.execPath, ['test/vscode/vsix-smoke.mjs']);

async function files(dir, suffix) {
  const { readdirSync } = await import('node:fs');
  return readdirSync(`${root}${dir}`).filter((f) => f.endsWith(suffix)).sort().map((f) => `${dir}/${f}`);
}
async function unitFiles() {
  return files('test/unit', '.test.ts');
}

console.log('\n===== summary');
let passed = 0;
let failed = 0;
for (const r of results) {
  const ok = r.code === 0;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(13)} exit ${r.code}  ${r.passed} passed, ${r.failed} failed  ${r.secs} s`);
  passed += r.passed;
  failed += r.failed + (!ok && r.failed === 0 ? 1 : 0); // a suite that failed without counting still counts once
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
