// UI test: drives the real workbench in Chromium as a person would, against code-server running the
// extension in development mode ("[Extension Development Host]") on a scratch copy of samples/workspace.
//   1. the walkthrough opens (F1 › Welcome: Open Walkthrough...) and lists its steps, as package.json declares them
//   2. the "Scaffold the sample" step's command runs from F1 and the three sample files appear in the explorer
//   3. istio-specs.yaml, opened by a double click in the explorer, shows a CodeLens on both http matches naming
//      the Envoy route config (http.8080), the virtual host and the cluster of each destination
// Screenshots go to test-results/ui/. Exit code 0 only when every check passed.
//
//   npm run test:ui      (run with tsx, so the lens format constants come from src/lab/lensText.ts)
// The environment reaches the extension host: KUBECONFIG=... shows live lenses instead of predicted ones.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checklist } from '../counts.mjs';
import { ARROW, LIVE_MARK, PREDICTED_MARK, SEP } from '../../src/lab/lensText.ts';
import { STEPS, commandId } from '../../src/lab/steps.ts';
import {
  REPO,
  build,
  copySampleWorkspace,
  ensureInstalled,
  launchChromium,
  makeScratch,
  sleep,
  startCodeServer,
  workbenchUrl,
} from '../vscode/codeServer.mjs';
import {
  SELECTORS,
  explorerRow,
  lensTexts,
  notificationTexts,
  openFromExplorer,
  openWorkbench,
  runFromPalette,
  runWorkbenchScript,
  screenshot,
} from '../vscode/workbench.mjs';

const RESULTS = join(REPO, 'test-results/ui');
const SAMPLE_FILES = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'];
// What the article's VirtualService becomes on the gateway's Envoy: one route per http match.
const EXPECTED_ROUTES = [
  { match: '/simple/httpserver', rewrite: '/hello', cluster: 'simple:80' },
  { match: '/simple/nginx*', rewrite: '/', cluster: 'nginx:80' },
];

const t0 = Date.now();
const say = (msg) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const { check, finish } = checklist('ui');

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const contributes = pkg.contributes ?? {};
const paletteLabel = (id) => {
  const c = (contributes.commands ?? []).find((x) => x.command === id);
  return c ? `${c.category ? `${c.category}: ` : ''}${c.title}` : undefined;
};

let server;
let browser;
let scratch;
let page;

async function main() {
  const install = ensureInstalled();
  build();
  scratch = makeScratch('ui');
  const workspace = copySampleWorkspace(scratch);
  // Without the sample files, so the scaffold step has to write them (its README stays).
  for (const f of SAMPLE_FILES) rmSync(join(workspace, f), { force: true });
  server = await startCodeServer({ install, scratch, folder: workspace, smokeTestDriver: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await openWorkbench(page, workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: REPO }));
  await page
    .locator(SELECTORS.explorerRow)
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => {});
  check(
    'the window is an Extension Development Host',
    (await page.title()).includes('[Extension Development Host]'),
    await page.title(),
  );
  say('workbench ready');

  await walkthroughShowsItsSteps();
  await scaffoldFromPalette();
  await lensesOnTheSampleSpecs();

  return finish();
}

async function walkthroughShowsItsSteps() {
  const walkthrough = (contributes.walkthroughs ?? [])[0];
  if (!check('package.json contributes a walkthrough', Boolean(walkthrough))) return;
  await runFromPalette(page, 'Welcome: Open Walkthrough...');
  const pick = page.locator(SELECTORS.quickInputRow, { hasText: walkthrough.title }).first();
  const listed = await pick.waitFor({ timeout: 15_000 }).then(
    () => true,
    () => false,
  );
  if (!check(`"${walkthrough.title}" is offered by Open Walkthrough`, listed)) {
    await screenshot(page, RESULTS, 'walkthrough-not-listed');
    await page.keyboard.press('Escape');
    return;
  }
  await pick.click();
  const titles = page.locator('.gettingStartedSlideDetails .getting-started-step .step-title');
  // The first step's "being built" form shows only while npm run lab builds the lab's own cluster.
  const expected = walkthrough.steps
    .filter((s) => s.when !== 'istioIngressLab.labCluster.building')
    .map((s) => s.title);
  let shown = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
    shown = (await titles.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    if (shown.length >= expected.length) break;
  }
  check(
    `the walkthrough lists its ${expected.length} steps in order`,
    JSON.stringify(shown) === JSON.stringify(expected),
    `shown ${JSON.stringify(shown)}, package.json ${JSON.stringify(expected)}`,
  );
  const first = walkthrough.steps[0];
  if (first.media?.markdown) {
    // The selected step's markdown renders in a webview frame beside the list.
    const heading = readFileSync(join(REPO, first.media.markdown), 'utf8')
      .match(/^#+\s+(.+)$/m)?.[1]
      ?.trim();
    const shownIn = await waitForFrameText(page, heading ?? '', 20_000);
    check(`the first step shows ${first.media.markdown}`, Boolean(heading && shownIn), `no frame shows "${heading}"`);
  }
  await screenshot(page, RESULTS, '1-walkthrough');
  say('walkthrough checked');
}

async function waitForFrameText(page, text, timeout) {
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(250)) {
    // Not the main frame: the step list there carries the same title.
    for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
      const body = await frame
        .locator('body')
        .innerText({ timeout: 1000 })
        .catch(() => '');
      if (body.includes(text)) return frame;
    }
  }
  return undefined;
}

async function scaffoldFromPalette() {
  const label = paletteLabel(commandId('scaffoldSample'));
  if (!check(`package.json contributes ${commandId('scaffoldSample')}`, Boolean(label))) return;
  await runFromPalette(page, label);
  const missing = [];
  for (const f of SAMPLE_FILES) {
    const row = explorerRow(page, f);
    if (
      !(await row
        .first()
        .waitFor({ timeout: 20_000 })
        .then(
          () => true,
          () => false,
        ))
    )
      missing.push(f);
  }
  await screenshot(page, RESULTS, '2-scaffolded');
  check(
    `"${label}" from F1 writes ${SAMPLE_FILES.join(', ')} into the workspace`,
    missing.length === 0,
    `missing in the explorer: ${missing}; notifications: ${JSON.stringify(await notificationTexts(page))}`,
  );
  await scaffoldStepIsCheckedOff();
  // Start the next check from the explorer, as a user opening the file would.
  await runFromPalette(page, 'View: Close All Editors').catch(() => {});
  say('scaffold checked');
}

/** The walkthrough ticks the step off from the context key the command sets, not because it was clicked. */
async function scaffoldStepIsCheckedOff() {
  const walkthrough = (contributes.walkthroughs ?? [])[0];
  const stepId = STEPS.find((st) => st.command === 'scaffoldSample')?.id;
  if (!walkthrough || !stepId) return;
  await runFromPalette(page, 'Welcome: Open Walkthrough...');
  await page.locator(SELECTORS.quickInputRow, { hasText: walkthrough.title }).first().click();
  const step = page.locator(`button.getting-started-step[data-step-id$="#${stepId}"]`).first();
  let checked = null;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(250)) {
    checked = await step.getAttribute('aria-checked', { timeout: 1000 }).catch(() => null);
    if (checked === 'true') break;
  }
  await screenshot(page, RESULTS, '2-walkthrough-after-scaffold');
  check(
    `the walkthrough ticks off "${walkthrough.steps.find((st) => st.id === stepId)?.title}" after scaffolding`,
    checked === 'true',
    `aria-checked=${checked}`,
  );
}

async function lensesOnTheSampleSpecs() {
  const opened = await openFromExplorer(page, 'istio-specs.yaml').then(
    () => true,
    (e) => e.message,
  );
  if (!check('istio-specs.yaml opens from the explorer', opened === true, opened)) return;
  const lenses = await lensTexts(page, {
    until: (texts) => EXPECTED_ROUTES.every((r) => texts.some((t) => t.endsWith(`${SEP}${r.cluster}`))),
    timeout: 60_000,
  });
  await screenshot(page, RESULTS, '3-lenses');
  console.log(`     lenses: ${JSON.stringify(lenses, null, 1)}`);
  for (const r of EXPECTED_ROUTES) {
    const lens = lenses.find((t) => t.endsWith(`${SEP}${r.cluster}`));
    const ok =
      lens !== undefined &&
      (lens.startsWith(`${PREDICTED_MARK} `) || lens.startsWith(`${LIVE_MARK} `)) &&
      lens.includes(`http.8080${SEP}simple.baihl.io:80${SEP}`) &&
      lens.includes(`${r.match}${ARROW}${r.rewrite}${SEP}${r.cluster}`);
    check(
      `the lens on ${r.match} reads http.8080 › simple.baihl.io:80 › ${r.match} → ${r.rewrite} › ${r.cluster}`,
      ok,
      `lens: ${lens}`,
    );
  }
  say('lenses checked');
}

runWorkbenchScript(main, () => ({ page, browser, server, scratch }), { dir: RESULTS, name: 'error' });
