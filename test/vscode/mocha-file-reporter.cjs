// mocha's spec reporter, writing to the file named by ILAB_TEST_OUTPUT (which the code-server runner tails),
// then the closing line `N passed, N failed, N skipped`. Used when the suites run through @vscode/test-cli's own
// runner inside code-server (npm run test:extension -- --test-cli), which has no output channel of ours.
const { appendFileSync } = require('node:fs');
const { format } = require('node:util');
const Mocha = require('mocha');

const { Base, Spec } = Mocha.reporters;

class FileSpecReporter extends Spec {
  constructor(runner, options) {
    const file = process.env.ILAB_TEST_OUTPUT;
    if (file) Base.consoleLog = (...args) => appendFileSync(file, `${format(...args)}\n`);
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      Base.consoleLog(`${passes} passed, ${failures} failed, ${pending} skipped`);
    });
  }
}

module.exports = FileSpecReporter;
