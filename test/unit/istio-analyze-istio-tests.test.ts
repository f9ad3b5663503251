// Istio's analyzer tests (analyzers_test.go and its testdata, read from the pinned module in the Go module
// cache) run through the lab's analyzers: for each case of an analyzer whose codes the lab claims, the
// messages Istio expects that we report (found), that we do not (missed), and the ones we report that Istio
// does not (false). The counts may only get better: FLOOR is what the lab reached when this test was written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGrid, runCase } from './helpers/istioAnalyzerGrid';

const FLOOR = { found: 69, missed: 0, falsePositives: 0 };

test("Istio's analyzer test cases: found, missed and false messages of the claimed codes", (t) => {
  const grid = readGrid();
  assert.ok(grid.length >= 20, `only ${grid.length} cases read from analyzers_test.go`);
  const total = { found: 0, missed: 0, falsePositives: 0 };
  for (const c of grid) {
    const r = runCase(c);
    total.found += r.found.length;
    total.missed += r.missed.length;
    total.falsePositives += r.falsePositives.length;
    if (r.missed.length || r.falsePositives.length) {
      t.diagnostic(
        `${c.name} (${c.analyzer}): missed ${JSON.stringify(r.missed)} false ${JSON.stringify(r.falsePositives)}`,
      );
    }
  }
  t.diagnostic(`cases ${grid.length}: found ${total.found}, missed ${total.missed}, false ${total.falsePositives}`);
  assert.ok(total.found >= FLOOR.found, `found ${total.found} < ${FLOOR.found}`);
  assert.ok(total.missed <= FLOOR.missed, `missed ${total.missed} > ${FLOOR.missed}`);
  assert.ok(total.falsePositives <= FLOOR.falsePositives, `false ${total.falsePositives} > ${FLOOR.falsePositives}`);
});
