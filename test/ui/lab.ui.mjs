// UI test of `npm run lab` as a newcomer meets it: no kube context of their own, so the lab builds and starts
// its own cluster in the background while the editor opens. Runs the real scripts/lab.mjs (with HOME pointed
// at an empty folder, the cache kept) and drives the workbench it prints in Chromium at 1280x800:
//   1. the editor's address is printed, and the extension is an installed one (not a development host)
//   2. while the cluster is built or started, the status bar and a progress notification say which part
//   3. the cluster comes up: a toast says it is ready and the walkthrough's first step is checked off
// Leaves the cluster running (npm test's cluster suites use it; cluster:down stops it).
//   node --import tsx test/ui/lab.ui.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checklist } from '../counts.mjs';
import { STEPS } from '../../src/lab/steps.ts';
import { REPO, freePort, killGroup, launchChromium, makeScratch, sleep } from '../vscode/codeServer.mjs';
import {
  SELECTORS,
  notificationTexts,
  openWorkbench,
  runFromPalette,
  runWorkbenchScript,
  screenshot,
} from '../vscode/workbench.mjs';

const RESULTS = join(REPO, 'test-results/ui');
const CLUSTER_TIMEOUT_MS = Number(process.env.ILAB_LAB_CLUSTER_TIMEOUT_S ?? 600) * 1000;
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (msg) => console.log(`[ui:lab ${secs()}s] ${msg}`);
const { check, finish } = checklist('ui:lab');

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const walkthrough = pkg.contributes.walkthroughs[0];

let lab;
let browser;
let page;
let scratch;

async function main() {
  scratch = makeScratch('lab');
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME || join(homedir(), '.cache') };
  delete env.KUBECONFIG;
  const port = await freePort();
  lab = spawn(process.execPath, ['scripts/lab.mjs', '--port', String(port), '--state', join(scratch, 'state')], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 300_000);
    lab.once('exit', () => resolve(undefined));
    createInterface({ input: lab.stdout }).on('line', (line) => {
      console.log(`  lab| ${line}`);
      const m = line.match(/^\s+(http:\/\/127\.0\.0\.1:\d+\/\?\S+)$/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    createInterface({ input: lab.stderr }).on('line', (line) => console.log(`  lab| ${line}`));
  });
  if (!check("npm run lab prints the editor's address", Boolean(url))) return finish();
  say(`editor address after ${secs()} s`);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await openWorkbench(page, url);
  const title = await page.title();
  check(
    'the extension is installed, not loaded in a development host',
    !title.includes('[Extension Development Host]'),
    title,
  );

  // The walkthrough, as the lab's address tells a newcomer to open it.
  await runFromPalette(page, 'Welcome: Open Walkthrough...');
  await page.locator(SELECTORS.quickInputRow, { hasText: walkthrough.title }).first().click();

  const statusItem = page.locator('.statusbar-item', { hasText: 'Lab cluster' }).first();
  const building = walkthrough.steps.find((s) => s.id === 'labClusterBuilding').title;
  const firstStepId = STEPS[0].id;
  const seen = { status: new Set(), progress: new Set(), stepTitles: new Set() };
  let ready = false;
  let checked = null;
  for (
    const deadline = Date.now() + CLUSTER_TIMEOUT_MS;
    Date.now() < deadline && !(ready && checked === 'true');
    await sleep(500)
  ) {
    const status = (await statusItem.innerText({ timeout: 500 }).catch(() => '')).trim();
    if (status) seen.status.add(status);
    for (const t of await notificationTexts(page)) seen.progress.add(t.trim());
    for (const t of await page
      .locator('.getting-started-step .step-title')
      .allInnerTexts()
      .catch(() => []))
      seen.stepTitles.add(t.trim());
    ready = [...seen.progress].some((t) => t.includes("the lab's cluster is ready"));
    checked = await page
      .locator(`button.getting-started-step[data-step-id$="#${firstStepId}"]`)
      .first()
      .getAttribute('aria-checked', { timeout: 500 })
      .catch(() => null);
    if (seen.status.size === 1 && status) await screenshot(page, RESULTS, 'lab-1-building');
  }
  await screenshot(page, RESULTS, 'lab-2-ready');
  console.log(
    `     status bar: ${JSON.stringify([...seen.status])}\n     notifications: ${JSON.stringify([...seen.progress])}`,
  );
  check(
    "the status bar says which part of the lab's cluster is being built or started",
    [...seen.status].some((t) => /Lab cluster: .+, (about .+|under a minute) left/.test(t)),
    JSON.stringify([...seen.status]),
  );
  check(
    'a progress notification says what is being built or started, and about how long',
    [...seen.progress].some((t) => /(Building|Starting) the lab's cluster: .+\((about .+|under a minute) left/.test(t)),
    JSON.stringify([...seen.progress]),
  );
  check(
    `the walkthrough's first step reads "${building}" while it is built`,
    seen.stepTitles.has(building),
    JSON.stringify([...seen.stepTitles]),
  );
  check('a toast says the cluster is ready', ready, JSON.stringify([...seen.progress]));
  // A newcomer's first minute: nothing but the lab speaks (no "open the parent git repository?", no
  // "your application on port 9876 is available" for istiod's own loopback port).
  const others = [...seen.progress].filter((t) => !t.startsWith('Istio Ingress Lab: '));
  check("every notification is the lab's own", others.length === 0, JSON.stringify(others));
  check(
    'the status bar says it is ready',
    [...seen.status].some((t) => t.includes('Lab cluster ready')),
    JSON.stringify([...seen.status]),
  );
  check(
    `the walkthrough checks off "${STEPS[0].title}" from the cluster`,
    checked === 'true',
    `aria-checked=${checked}`,
  );
  say(`cluster ready and step checked after ${secs()} s`);
  return finish();
}

runWorkbenchScript(main, () => ({ page, browser, server: lab && { proc: lab }, scratch }), {
  dir: RESULTS,
  name: 'lab-error',
});
process.once('exit', () => void killGroup(lab));
