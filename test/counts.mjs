// Every suite's own tally, handed to test/run-all.mjs through the file named by $LAB_TEST_COUNTS, so the
// summary adds up what each runner counted rather than scraping its output.
import { writeFileSync } from 'node:fs';

/** Prints the runner's closing line `<suite>: N passed, N failed` and writes the counts for run-all. */
export function reportCounts(suite, passed, failed) {
  console.log(`${suite}: ${passed} passed, ${failed} failed`);
  const file = process.env.LAB_TEST_COUNTS;
  if (file) writeFileSync(file, JSON.stringify({ passed, failed }));
}

/**
 * The checks of a scripted test (the UI tests): `check(name, ok, detail)` prints one line per check, and
 * `finish()` reports the counts and returns the exit code (0 only when every check passed).
 */
export function checklist(suite) {
  const results = [];
  return {
    check(name, ok, detail = '') {
      results.push(ok);
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail && !ok ? `\n     ${detail}` : ''}`);
      return ok;
    },
    finish() {
      const failed = results.filter((ok) => !ok).length;
      reportCounts(suite, results.length - failed, failed);
      return failed ? 1 : 0;
    },
  };
}
