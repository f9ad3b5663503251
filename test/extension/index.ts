// The mocha entry the extension host calls (extensionTestsPath): loads every compiled suite next to this file
// (out/test/extension/*.test.cjs, bundled by esbuild.mjs) and resolves or rejects with the result.
// The same file serves code-server (test/vscode/run-extension-tests.mjs) and @vscode/test-cli on a desktop.
// Suites use mocha's tdd globals (suite/test/suiteSetup); they must not import 'mocha' themselves, since each
// suite is its own bundle and would carry a second copy of mocha.
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

// Under code-server the extension host's console reaches the runner only mixed into the workbench log, with
// printf placeholders unexpanded; the runner names a file in ILAB_TEST_OUTPUT and streams it to its stdout.
// Elsewhere (@vscode/test-cli) the console is the right place.
const outputFile = process.env.ILAB_TEST_OUTPUT;
function emit(...args: unknown[]): void {
  const line = format(...args);
  if (outputFile) appendFileSync(outputFile, `${line}\n`);
  else console.log(line);
}

/** While the suites run, what they print with console.* goes to the runner's stream too. */
function mirrorConsole(): () => void {
  if (!outputFile) return () => {};
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  for (const k of Object.keys(saved) as (keyof typeof saved)[]) {
    console[k] = (...args: unknown[]) => {
      saved[k](...args);
      emit(...args);
    };
  }
  return () => Object.assign(console, saved);
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    // Extension-host work (activation, CodeLens providers, cluster reads) is slow on a 2-core CI machine.
    timeout: Number(process.env.ILAB_TEST_TIMEOUT_MS ?? 60_000),
    grep: process.env.ILAB_TEST_GREP,
    reporter: 'spec',
  });
  Mocha.reporters.Base.consoleLog = emit;
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.cjs'))
    .sort();
  for (const f of files) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => {
    if (!files.length) return reject(new Error(`no *.test.cjs suites in ${__dirname}: run node esbuild.mjs`));
    const restoreConsole = mirrorConsole();
    const runner = mocha.run((failures) => {
      restoreConsole();
      const { passes = 0, pending = 0 } = runner.stats ?? {};
      // A plain closing line that CI reads whatever the reporter printed.
      emit(`${passes} passed, ${failures} failed, ${pending} skipped`);
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else if (passes === 0) reject(new Error('no extension test ran'));
      else resolve();
    });
  });
}
