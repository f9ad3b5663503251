// UI test: the Gateway Requests view on the lab's cluster, as a person at a laptop meets it. The sample
// deployed, the extension installed, a 1280x800 window; requests sent with curl as the article does
// (one routed, one to an unrouted path). The person opens "Gateway Requests" in the Explorer and sees:
//   1. the view follows the gateway pod's log (its first row names the pod);
//   2. Envoy's counters (no_route, upstream_rq_5xx, upstream_cx_connect_fail) in a row;
//   3. each request newest first with code/flags, its cause and explanation: 200 ok and 404 NR no-route;
//   4. a click on the 200 opens istio-specs.yaml at its match;
//   5. the match's outcome lens counts it (`last 5 min: …× 200`), no longer than LENS_MAX;
//   6. its "send" lens shows the gateway's own log line of that request, explained.
//   LAB_KUBECONFIG=.cluster/kubeconfig node --import tsx test/ui/requests.ui.mjs   (needs the lab's cluster)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checklist } from '../counts.mjs';
import { curlStatus } from '../cluster/helpers.ts';
import { LENS_MAX } from '../../src/lab/lensText.ts';
import { deploySampleOnCluster, SAMPLE_HOST } from './sampleOnCluster.mjs';
import {
  REPO,
  build,
  copySampleWorkspace,
  ensureInstalled,
  launchChromium,
  linkExtension,
  makeScratch,
  sleep,
  startCodeServer,
  workbenchUrl,
} from '../vscode/codeServer.mjs';
import {
  SELECTORS,
  clickLens,
  openFromExplorer,
  openWorkbench,
  runWorkbenchScript,
  screenshot,
} from '../vscode/workbench.mjs';

const RESULTS = join(REPO, 'test-results/ui');
const t0 = Date.now();
const say = (msg) => console.log(`[ui:requests ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const LAB_KUBECONFIG =
  process.env.LAB_KUBECONFIG && existsSync(process.env.LAB_KUBECONFIG) ? process.env.LAB_KUBECONFIG : undefined;
if (!LAB_KUBECONFIG) {
  // Not skipped in silence: the view is about a live gateway's log, there is nothing to show without one.
  console.error('ui:requests: needs the lab cluster: npm run cluster:up, then LAB_KUBECONFIG=.cluster/kubeconfig');
  process.exit(1);
}
const { check, finish } = checklist('ui:requests');

let server;
let browser;
let scratch;
let page;

const curl = (path) => curlStatus(SAMPLE_HOST, path);

/** The rows of the Gateway Requests view: label and description as drawn. */
async function viewRows() {
  return page.evaluate(() => {
    const pane = [...document.querySelectorAll('.pane')].find((p) =>
      p.querySelector('.pane-header')?.textContent?.includes('Gateway Requests'),
    );
    if (!pane) return null;
    return [...pane.querySelectorAll('.monaco-list-row')].map((r) => ({
      label: r.querySelector('.label-name')?.textContent?.trim() ?? r.textContent.trim(),
      description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
    }));
  });
}

async function main() {
  const install = ensureInstalled();
  build();
  scratch = makeScratch('requests');
  const workspace = copySampleWorkspace(scratch);
  linkExtension(scratch);
  await deploySampleOnCluster(LAB_KUBECONFIG, workspace);
  say('sample deployed; the gateway routes it');
  server = await startCodeServer({ install, scratch, folder: workspace, env: { KUBECONFIG: LAB_KUBECONFIG } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await openWorkbench(page, workbenchUrl(server, { folder: workspace }));
  await page.locator(SELECTORS.explorerRow).first().waitFor({ timeout: 30_000 });
  await openFromExplorer(page, 'istio-specs.yaml');

  // The person opens the view (collapsed in the Explorer until then): it starts following the log.
  await page.locator('.pane-header', { hasText: 'Gateway Requests' }).click();
  let rows = [];
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    rows = (await viewRows()) ?? [];
    if (rows.some((r) => r.label.startsWith('following '))) break;
  }
  check(
    'the view follows the gateway pod',
    rows.some((r) => /^following istio-system\/istio-ingressgateway-/.test(r.label)),
    JSON.stringify(rows),
  );

  // The article's request, and one no route takes.
  // Paths of this run only: the gateway's log still holds the requests of earlier runs and suites.
  const run = Date.now().toString(36);
  const okPath = `/simple/nginx?run=${run}`;
  const nrPath = `/simple/none-${run}`;
  const ok = curl(okPath);
  const nr = curl(nrPath);
  say(`curl ${okPath} → ${ok}, ${nrPath} → ${nr}`);
  const want = (r) => r.label === `200 GET simple.baihl.io${okPath}`;
  const wantNr = (r) => r.label === `404 NR GET simple.baihl.io${nrPath}`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    rows = (await viewRows()) ?? [];
    if (rows.some(want) && rows.some(wantNr) && rows.some((r) => /no_route [1-9]/.test(r.label))) break;
  }
  await screenshot(page, RESULTS, 'requests-view-1280x800');
  console.log(`     rows: ${JSON.stringify(rows.slice(0, 8))}`);
  const okRow = rows.find(want);
  const nrRow = rows.find(wantNr);
  check(
    'the routed request is listed with its cause',
    okRow?.description.startsWith('ok: 200') === true,
    JSON.stringify(okRow),
  );
  check(
    'the unrouted one says no-route and why',
    nrRow?.description.startsWith('no-route: ') === true,
    JSON.stringify(nrRow),
  );
  check(
    'newest first',
    rows.indexOf(nrRow) >= 0 && rows.indexOf(okRow) > rows.indexOf(nrRow),
    JSON.stringify(rows.map((r) => r.label)),
  );
  check(
    "Envoy's counters are summed in a row",
    rows.some((r) => /^Envoy: no_route [1-9]\d* · upstream_rq_5xx \d+ · upstream_cx_connect_fail \d+/.test(r.label)),
    JSON.stringify(rows),
  );

  // A click on the 200 jumps to its match in the YAML.
  await page
    .locator('.pane .monaco-list-row', { hasText: `200 GET simple.baihl.io${okPath}` })
    .first()
    .click();
  // The YAML was open already: the click is seen by the cursor, which goes to the match (status bar "Ln N, Col M (K selected)").
  const matchLine =
    readFileSync(join(workspace, 'istio-specs.yaml'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('prefix: "/simple/nginx"')) + 1;
  let cursor = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(250)) {
    cursor = (
      await page
        .locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ })
        .first()
        .innerText()
    ).trim();
    if (cursor.startsWith(`Ln ${matchLine},`)) break;
  }
  const tab = await page.locator('.tabs-container .tab.active').getAttribute('aria-label');
  check(
    'a click opens the YAML behind the route, at its match',
    (tab ?? '').includes('istio-specs.yaml') && cursor.startsWith(`Ln ${matchLine},`) && cursor.includes('selected'),
    `${tab}; ${cursor}; the match is on line ${matchLine}`,
  );
  await screenshot(page, RESULTS, 'requests-view-click');

  // The outcome lens above the match.
  let lens = '';
  for (const deadline = Date.now() + 20_000; Date.now() < deadline && !lens; await sleep(500)) {
    const texts = await page
      .locator(`${SELECTORS.activeEditor} ${SELECTORS.lens} a`)
      .allInnerTexts()
      .catch(() => []);
    lens = texts.find((t) => /^last 5 min: .*\d+× 200/.test(t)) ?? '';
  }
  await screenshot(page, RESULTS, 'requests-lens');
  check('the match counts its recent outcomes in a lens', Boolean(lens), 'no "last 5 min: …× 200" lens');
  check(`the outcome lens is at most ${LENS_MAX} characters`, lens.length <= LENS_MAX, lens);
  console.log(`     outcome lens: ${lens}`);

  // "send" above the nginx match: the result shows the gateway's own log line of that request.
  let result = '';
  // The result opens beside the YAML (its own editor group): read every editor's lines.
  const readEditors = async () =>
    (
      await page
        .locator('.monaco-editor .view-lines')
        .allInnerTexts()
        .catch(() => [])
    )
      .join('\n')
      .replace(/\u00a0/g, ' '); // Monaco draws spaces as no-break spaces
  await clickLens(
    page,
    scratch,
    page.locator(`${SELECTORS.activeEditor} ${SELECTORS.lens} a`, { hasText: 'send' }).nth(1),
    async () => (result = await readEditors()).includes("the gateway's access log"),
  );
  await screenshot(page, RESULTS, 'requests-send');
  const logged = result.slice(Math.max(0, result.indexOf("# the gateway's access log")));
  console.log(`     send result: ${JSON.stringify(logged.slice(0, 500))}`);
  check(
    'send request shows its own access log line and why',
    /# the gateway's access log \(istio-system\/istio-ingressgateway-/.test(result) &&
      /"GET \/simple\/nginx HTTP\/1\.1" 200/.test(result) &&
      /# ok: 200: routed/.test(result),
    logged.slice(0, 400),
  );
  say('done');
  return finish();
}

runWorkbenchScript(main, () => ({ page, browser, server, scratch }), { dir: RESULTS, name: 'requests-error' });
