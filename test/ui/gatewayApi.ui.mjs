// UI test: the Gateway API walkthrough, run by a person in the real workbench against the lab's own cluster.
// code-server runs the extension in development mode on a scratch copy of samples/workspace without the sample
// files; Chromium opens "Istio Ingress Lab: the Gateway API" from F1 › Welcome: Open Walkthrough..., and for
// each of its seven steps clicks the step, then the button its description shows (the walkthrough's own
// command link, which passes "gatewayApi"), and waits until the walkthrough ticks the step off (the
// extension sets its context key only once the cluster confirms the step):
//   1. Check Cluster: the Gateway API served, GatewayClass istio accepted (the cluster check's result tab)
//   2. Scaffold: simple.yaml, nginx.yaml and gateway-api.yaml appear in the explorer
//   3. Deploy: server-side apply; the gateway istiod deploys (simple-gateway-istio) is in the listing
//   4. Find the Gateway's address: Programmed, the address istiod wrote (10.244.254.x) answers; in
//      gateway-api.yaml the status lenses show it (Accepted, Programmed, the address; Accepted, ResolvedRefs)
//   5. Send the requests: httpserver's "hello" and nginx's "Welcome to nginx!" through that address
//   6. Look inside Envoy: route config http.80 of deploy/simple-gateway-istio
//   7. Clean up: the dialog lists the Gateway, the HTTPRoute and the deployed gateway; "Delete" deletes them
// Needs the lab's cluster (LAB_KUBECONFIG, as test/run-all.mjs gives the cluster suites). Screenshots go to
// test-results/ui/. Exit code 0 only when every check passed.
//   LAB_KUBECONFIG=$PWD/.cluster/kubeconfig node --import tsx test/ui/gatewayApi.ui.mjs
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checklist } from '../counts.mjs';
import { GATEWAY_API_WALKTHROUGH_ID, STEPS } from '../../src/lab/steps.ts';
import { GATEWAY_API_SAMPLE_FILES, SAMPLE_FILES } from '../../src/lab/scaffold.ts';
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
const t0 = Date.now();
const say = (msg) => console.log(`[ui:gatewayapi ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const { check, finish } = checklist('ui:gatewayapi');

const LAB_KUBECONFIG =
  process.env.LAB_KUBECONFIG && existsSync(process.env.LAB_KUBECONFIG) ? process.env.LAB_KUBECONFIG : undefined;
if (!LAB_KUBECONFIG) {
  // The walkthrough is about the cluster: without one there is nothing honest to run.
  console.error('ui:gatewayapi: needs the lab cluster: LAB_KUBECONFIG names no kubeconfig (npm run cluster:up)');
  process.exit(1);
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const walkthrough = pkg.contributes.walkthroughs.find((w) => w.id === GATEWAY_API_WALKTHROUGH_ID);
/** The label of the button a step's description shows: the text of its `[label](command:...)` link. */
const buttonLabel = (step) => /\[([^\]]+)\]\(command:/.exec(step.description)?.[1];

let server;
let browser;
let scratch;
let page;

async function main() {
  const install = ensureInstalled();
  build();
  scratch = makeScratch('ui-gwapi');
  const workspace = copySampleWorkspace(scratch);
  // Without any sample file, so the scaffold step has to write the three of the Gateway API sample.
  for (const f of new Set([...SAMPLE_FILES, ...GATEWAY_API_SAMPLE_FILES])) rmSync(join(workspace, f), { force: true });
  server = await startCodeServer({
    install,
    scratch,
    folder: workspace,
    smokeTestDriver: true,
    // As npm run lab does: the lab's kubeconfig and its tools (the real istioctl) for the extension host.
    env: { KUBECONFIG: LAB_KUBECONFIG, ISTIO_INGRESS_LAB_BIN: join(REPO, '.cluster/bin') },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await openWorkbench(page, workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: REPO }));
  await page
    .locator(SELECTORS.explorerRow)
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => {});
  say('workbench ready');
  if (!check(`package.json contributes the walkthrough ${GATEWAY_API_WALKTHROUGH_ID}`, Boolean(walkthrough)))
    return finish();

  await openWalkthrough();
  const titles = page.locator('.gettingStartedSlideDetails .getting-started-step .step-title');
  const expected = walkthrough.steps
    .filter((s) => s.when !== 'istioIngressLab.labCluster.building')
    .map((s) => s.title);
  let shown = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(250)) {
    shown = (await titles.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    if (shown.length >= expected.length) break;
  }
  check(
    `"${walkthrough.title}" lists its ${expected.length} steps in order`,
    JSON.stringify(shown) === JSON.stringify(expected),
    `shown ${JSON.stringify(shown)}, package.json ${JSON.stringify(expected)}`,
  );
  await screenshot(page, RESULTS, 'gwapi-0-walkthrough');

  const stepTimeouts = { deploy: 240_000, findAddress: 120_000, cleanUp: 180_000 };
  for (const s of STEPS) {
    const step = walkthrough.steps.find((x) => x.id === s.id);
    const ticked = await runStep(step, stepTimeouts[s.id] ?? 60_000, s.id === 'cleanUp' ? confirmCleanUp : undefined);
    await afterStep[s.id]?.();
    if (!ticked) break; // the next step needs this one
  }
  return finish();
}

async function openWalkthrough() {
  await runFromPalette(page, 'Welcome: Open Walkthrough...');
  const pick = page.locator(SELECTORS.quickInputRow, { hasText: walkthrough.title }).first();
  await pick.waitFor({ timeout: 15_000 });
  await pick.click();
}

function stepButton(stepId) {
  return page.locator(`button.getting-started-step[data-step-id$="#${GATEWAY_API_WALKTHROUGH_ID}#${stepId}"]`).first();
}

async function checkedState(stepId) {
  return stepButton(stepId)
    .getAttribute('aria-checked', { timeout: 1000 })
    .catch(() => null);
}

/**
 * Opens the walkthrough, expands the step, clicks the button of its description, then waits (re-opening the
 * walkthrough, since results open beside it) until the step shows as checked off.
 */
async function runStep(step, timeout, whileRunning) {
  const label = buttonLabel(step);
  await openWalkthrough();
  await stepButton(step.id).click();
  const button = stepButton(step.id).locator('.monaco-button', { hasText: label }).first();
  const clicked = await button
    .waitFor({ timeout: 10_000 })
    .then(() => button.click())
    .then(
      () => true,
      (e) => e.message,
    );
  if (!check(`step "${step.title}" shows its button "${label}"`, clicked === true, String(clicked))) return false;
  say(`clicked "${label}"`);
  await whileRunning?.();
  let checked = null;
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(1000)) {
    checked = await checkedState(step.id);
    if (checked === 'true') break;
    // Results open beside the walkthrough and may take its place: bring it back to read its steps.
    if (
      !(await stepButton(step.id)
        .isVisible()
        .catch(() => false))
    )
      await openWalkthrough().catch(() => {});
  }
  await screenshot(page, RESULTS, `gwapi-${STEPS.findIndex((x) => x.id === step.id) + 1}-${step.id}`);
  return check(
    `the walkthrough ticks off "${step.title}" from the cluster`,
    checked === 'true',
    `aria-checked=${checked}; notifications: ${JSON.stringify(await notificationTexts(page))}`,
  );
}

/** The text of every editor on the page, spaces as typed (Monaco draws them as no-break spaces). */
async function editorTexts() {
  return (await page.locator('.monaco-editor .view-lines').allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' '));
}

async function waitForEditorText(pattern, timeout = 20_000) {
  let texts = [];
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await sleep(500)) {
    texts = await editorTexts();
    if (texts.some((t) => pattern.test(t))) return true;
  }
  return texts.join('\n---\n').slice(0, 2000);
}

async function sees(name, pattern, timeout) {
  const found = await waitForEditorText(pattern, timeout);
  return check(name, found === true, typeof found === 'string' ? `editors show: ${found}` : '');
}

const afterStep = {
  checkCluster: () =>
    sees(
      'the cluster check says the Gateway API is served and GatewayClass istio is accepted',
      /GatewayClass istio accepted by istio\.io\/gateway-controller/,
    ),
  async scaffold() {
    const missing = [];
    for (const f of GATEWAY_API_SAMPLE_FILES) {
      const there = await explorerRow(page, f)
        .first()
        .waitFor({ timeout: 20_000 })
        .then(
          () => true,
          () => false,
        );
      if (!there) missing.push(f);
    }
    check(
      `the explorer shows ${GATEWAY_API_SAMPLE_FILES.join(', ')}`,
      missing.length === 0,
      `missing: ${missing.join(', ')}`,
    );
  },
  deploy: () =>
    sees(
      'the deploy listing has the gateway istiod deployed for the Gateway, available',
      /deployment\.apps\/simple-gateway-istio +1\/1/,
    ),
  async findAddress() {
    await sees(
      'the address report: the Gateway Programmed, its status address answers from here',
      /gatewayStatus +10\.244\.254\.\d+ +\[answers from here\]/,
    );
    // The status istiod wrote, on the objects in the file.
    await openFromExplorer(page, 'gateway-api.yaml');
    const want = [
      /^istiod: Accepted ✓ · Programmed ✓ · 10\.244\.254\.\d+$/,
      /^istiod: Accepted ✓ · ResolvedRefs ✓ \(simple-gateway\)$/,
    ];
    const lenses = await lensTexts(page, {
      until: (t) => want.every((w) => t.some((x) => w.test(x))),
      timeout: 30_000,
    });
    await screenshot(page, RESULTS, 'gwapi-4-status-lenses');
    check(
      'gateway-api.yaml shows the status lenses: the Gateway Programmed with its address, the HTTPRoute Accepted and ResolvedRefs',
      want.every((w) => lenses.some((x) => w.test(x))),
      JSON.stringify(lenses),
    );
  },
  async sendRequests() {
    await sees("/simple/httpserver answers 200 with the httpserver's hello", /HTTP 200[^]*hello \[stranger\]/);
    await sees("/simple/nginx answers 200 with nginx's welcome page", /\/simple\/nginx\nHTTP 200[^]*Welcome to nginx!/);
  },
  inspectEnvoy: () =>
    sees(
      "Inspect Envoy shows route config http.80 of the deployed gateway's Envoy",
      /http\.80 +simple\.baihl\.io:80 +simple\.baihl\.io +\/simple\/httpserver/,
    ),
};

/** Clean Up asks in a modal dialog listing what goes; a person reads it and clicks Delete. */
async function confirmCleanUp() {
  const dialog = page.locator('.monaco-dialog-box').first();
  const shown = await dialog.waitFor({ timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  if (!check('Clean Up asks in a dialog', shown)) return;
  const text = await dialog.innerText();
  check(
    'the dialog lists the Gateway, the HTTPRoute and the gateway istiod deployed',
    /gateways\.gateway\.networking\.k8s\.io\/simple-gateway/.test(text) &&
      /httproutes\.gateway\.networking\.k8s\.io\/simple/.test(text) &&
      /deployments\.apps\/simple-gateway-istio/.test(text),
    text.slice(0, 1500),
  );
  await screenshot(page, RESULTS, 'gwapi-7-clean-up-dialog');
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Delete' }).first().click();
}

runWorkbenchScript(main, () => ({ page, browser, server, scratch }), { dir: RESULTS, name: 'gwapi-error' });
