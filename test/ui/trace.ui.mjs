// UI test of "Trace a Request", driven in the real workbench (code-server + Chromium) as a person would:
//   1. istio-specs.yaml opens from the explorer; a click on the nginx match puts the cursor there
//   2. F1 › "Istio Ingress Lab: Trace a Request": the input boxes come pre-filled with that match's host and
//      path (Enter accepts them), GET is picked
//   3. the trace webview opens beside the editor: every hop's title and value, as the engine computes them
//      for the same request, is in the webview's frame, the stylesheet applied under the CSP, a hop expands
//      on click to its explanation
// Screenshot: test-results/trace.png (and test-results/ui/trace-*.png on failure). Exit code 0 only when
// every check passed.
//
//   npm run test:ui:trace      (tsx: the expected hops come from src/istio/trace.ts on the same sample files)
// With KUBECONFIG pointing at a cluster the trace is live and the entry question is answered with its first choice.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checklist } from '../counts.mjs';
import { deploySampleOnCluster } from './sampleOnCluster.mjs';
import { traceRequest } from '../../src/istio/trace.ts';
import { mergeResourceSets, readResources } from '../../src/istio/yamlModel.ts';
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
  openFromExplorer,
  openWorkbench,
  runFromPalette,
  runWorkbenchScript,
  screenshot,
} from '../vscode/workbench.mjs';

const RESULTS = join(REPO, 'test-results');
const HOST = 'simple.baihl.io';
const PATH = '/simple/nginx';

const t0 = Date.now();
const say = (msg) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const { check, finish } = checklist('ui trace');

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const traceCommand = (pkg.contributes?.commands ?? []).find((c) => c.command === 'istioIngressLab.traceRequest');

/** What the engine says for the same request on the same files: the hops the webview must show. */
function expectedTrace() {
  const files = ['simple.yaml', 'nginx.yaml', 'istio-specs.yaml'];
  const resources = mergeResourceSets(
    ...files.map((f) => readResources(readFileSync(join(REPO, 'samples/workspace', f), 'utf8'), f).resources),
  );
  return traceRequest({ host: HOST, path: PATH, method: 'GET' }, resources);
}

let server;
let browser;
let scratch;
let page;

/** Waits for the quick input to show `value` (the next box replaces the previous one), then presses Enter. */
async function acceptInput(value, timeout = 15_000) {
  const input = page.locator(`${SELECTORS.quickInput} input`);
  let shown = '';
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(200)) {
    shown = await input.inputValue({ timeout: 1000 }).catch(() => '');
    if (shown === value) break;
  }
  await page.keyboard.press('Enter');
  return shown;
}

/** The webview's inner frame once it shows `text` (webviews are nested iframes in the workbench). */
async function frameWithText(text, timeout) {
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(250)) {
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

/** A live trace follows the deployed sample: deploy it and wait until the gateway's Envoy routes its host. */
async function deploySampleWhenLive(workspace) {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig || !existsSync(kubeconfig)) return;
  await deploySampleOnCluster(kubeconfig, workspace);
  say('sample deployed; the gateway routes it');
}

async function main() {
  if (!check('package.json contributes istioIngressLab.traceRequest', Boolean(traceCommand))) return 1;
  const label = `${traceCommand.category}: ${traceCommand.title}`;
  const install = ensureInstalled();
  build();
  scratch = makeScratch('ui-trace');
  const workspace = copySampleWorkspace(scratch);
  await deploySampleWhenLive(workspace);
  server = await startCodeServer({ install, scratch, folder: workspace, smokeTestDriver: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await openWorkbench(page, workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: REPO }));
  await page
    .locator(SELECTORS.explorerRow)
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => {});
  say('workbench ready');

  const opened = await openFromExplorer(page, 'istio-specs.yaml').then(
    () => true,
    (e) => e.message,
  );
  if (!check('istio-specs.yaml opens from the explorer', opened === true, opened)) return 1;
  // The cursor on the nginx match: the command's defaults come from it.
  const matchLine = page.locator(`${SELECTORS.activeEditor} .view-line`, { hasText: `prefix: "${PATH}"` }).first();
  await matchLine.waitFor({ timeout: 20_000 });
  // Lenses load above the lines and shift them: wait until they are in, then click.
  await page
    .locator(`${SELECTORS.activeEditor} ${SELECTORS.lens}`)
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(() => {});
  await sleep(500);
  await matchLine.click();

  await runFromPalette(page, label);
  const host = await acceptInput(HOST);
  check(`the Host question is pre-filled with the match's host ${HOST}`, host === HOST, `shown "${host}"`);
  const path = await acceptInput(PATH);
  check(`the path question is pre-filled with the match's path ${PATH}`, path === PATH, `shown "${path}"`);
  const method = page.locator(SELECTORS.quickInputRow, { hasText: 'GET' }).first();
  await method.waitFor({ timeout: 15_000 });
  await method.click();
  // Connected, the address to enter by is asked too: take the first.
  const entry = page.locator(SELECTORS.quickInputRow, { hasText: /LoadBalancer|NodePort|ClusterIP/ }).first();
  if (
    await entry.waitFor({ timeout: 5000 }).then(
      () => true,
      () => false,
    )
  )
    await entry.click();
  say('trace requested');

  const expected = expectedTrace();
  const frame = await frameWithText('Envoy listener', 30_000);
  if (!check('the trace webview opens', Boolean(frame))) {
    await screenshot(page, join(RESULTS, 'ui'), 'trace-no-webview');
    return 1;
  }
  await frame.locator('#outcome').waitFor({ timeout: 10_000 });
  const hopIds = await frame.locator('li.hop').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
  check(
    "the webview draws one box per hop, in the engine's order",
    JSON.stringify(hopIds) === JSON.stringify(expected.steps.map((s) => s.id)),
    `${hopIds} vs ${expected.steps.map((s) => s.id)}`,
  );
  for (const step of expected.steps) {
    const box = (
      await frame
        .locator(`#hop-${step.id} summary`)
        .innerText({ timeout: 2000 })
        .catch(() => '')
    ).replace(/\s+/g, ' ');
    // Offline the values are the engine's own; live, the address and pod values are the cluster's.
    const liveValue = ['entry', 'iptables', 'pod', 'endpoint', 'service'].includes(step.id);
    check(
      `hop "${step.title}" shows ${liveValue ? 'its title' : `"${step.value}"`}`,
      box.includes(step.title) && (liveValue || box.includes(step.value)),
      `box: ${box}`,
    );
  }
  const outcome = (await frame.locator('#outcome').innerText()).replace(/\s+/g, ' ');
  check('the outcome closes the path: forwarded', outcome.startsWith('Outcome forwarded'), outcome);
  for (const [name, text] of [
    ['listener', '0.0.0.0_8080'],
    ['route config', 'http.8080'],
    ['virtual host', 'simple.baihl.io:80'],
    ['cluster', 'outbound|80||nginx.simple.svc.cluster.local'],
  ]) {
    check(`the article's ${name} ${text} is on the path`, (await frame.locator('.path').innerText()).includes(text));
  }
  const styled = await frame
    .locator('li.hop')
    .first()
    .evaluate((el) => getComputedStyle(el).borderLeftWidth);
  check('the stylesheet is applied under the CSP (hop border 4px)', styled === '4px', `border-left-width ${styled}`);
  const rules = await frame
    .locator('.rules pre')
    .innerText()
    .catch(() => '');
  check('the kube-proxy rules are shown as iptables-save lines', /^-A KUBE-/.test(rules), rules.slice(0, 200));

  // Details on expand: the route hop's explanation says which route wins and why the earlier one did not.
  const routeDetails = frame.locator('#hop-route .explain');
  const hiddenBefore = !(await routeDetails.isVisible());
  await frame.locator('#hop-route summary').click();
  await routeDetails.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
  const explain = await routeDetails.innerText().catch(() => '');
  check(
    'a click on the route hop expands its explanation',
    hiddenBefore &&
      /Route #1 wins \(VirtualService simple\.simple, istio-specs\.yaml:\d+\)/.test(explain) &&
      /#0 path \/simple\/httpserver/.test(explain),
    explain,
  );

  // More room for the path: the explorer goes away for the picture.
  await runFromPalette(page, 'View: Toggle Primary Side Bar Visibility').catch(() => {});
  await sleep(500);
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, 'trace.png') });
  say(`screenshot ${join(RESULTS, 'trace.png')}`);
  if (await frame.locator('.mode-live').count()) {
    // Connected, each match's lens line also says how the editor, the cluster and the gateway agree. The trace
    // view may hold the focus, so the lenses are read from whichever editor shows them, not the active one.
    let lensLine = '';
    for (
      const deadline = Date.now() + 30_000;
      Date.now() < deadline && !lensLine.includes('drift: ');
      await sleep(500)
    ) {
      lensLine = (await page.locator(`.editor-group-container .monaco-editor ${SELECTORS.lens}`).allInnerTexts()).join(
        ' / ',
      );
    }
    check(
      'connected, the lenses say the drift state of each match',
      /drift: (in sync|not applied|edited, not applied|applied)/.test(lensLine),
      lensLine,
    );
    say(`lenses: ${lensLine.replace(/\s+/g, ' ')}`);
    // Connected: the same picture under its own name, so an offline run does not overwrite it.
    await page.screenshot({ path: join(RESULTS, 'trace-live.png') });
    say(`live trace: screenshot ${join(RESULTS, 'trace-live.png')}`);
    await lookInsideEnvoy();
  }

  return finish();
}

/**
 * The walkthrough's "Look inside Envoy" on the lab's cluster, where the real istioctl is on PATH (npm test
 * puts .cluster/bin there, as npm run lab does): the article's istioctl proxy-config commands and their tables.
 */
async function lookInsideEnvoy() {
  await runFromPalette(page, 'Istio Ingress Lab: Inspect Envoy');
  const tab = page.locator('.tabs-container .tab[aria-label*="inspect-envoy.sh"]').first();
  const opened = await tab.waitFor({ timeout: 60_000 }).then(
    () => true,
    () => false,
  );
  if (!check('Inspect Envoy opens its result', opened)) return;
  await tab.click();
  let text = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !/0\.0\.0\.0/.test(text); await sleep(250)) {
    text = (
      await page
        .locator(`${SELECTORS.activeEditor} .view-lines`)
        .innerText()
        .catch(() => '')
    ).replace(/\u00a0/g, ' ');
  }
  await screenshot(page, join(RESULTS, 'ui'), 'inspect-envoy');
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  check(
    'Look inside Envoy runs the real istioctl as the article types it',
    /^\$ \S*istioctl proxy-config listeners? istio-ingressgateway-\S+ -n istio-system/.test(first) &&
      !text.includes('# built in'),
    text.slice(0, 400),
  );
  check("istioctl's listener table shows 0.0.0.0 on 8080", /0\.0\.0\.0\s+8080/.test(text), text.slice(0, 600));
}

runWorkbenchScript(main, () => ({ page, browser, server, scratch }), { dir: join(RESULTS, 'ui'), name: 'trace-error' });
