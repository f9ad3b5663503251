// How fast the lab answers in the real VS Code (code-server in Chromium, the extension installed as
// `npm run lab` loads it), each as a ratio to VS Code's own work on the same input, measured in the same run:
//   1. edit: in a 10,000-line VirtualService file, a prefix is edited (one character); time until the lens
//      above that match shows the new prefix and the editor shows the diagnostic the edit causes (the match
//      becomes a duplicate of an earlier one: IST0131 unreachable). Baseline: time until the typed
//      character is on screen.
//   2. open: a workspace of 200 YAML files; a file is opened as soon as the Explorer shows (while VS Code
//      still starts its extensions: a cold start); time until its first lens. Baseline: time until the
//      file's text is on screen. Then (openSettled) other files of the same workspace, each opened for the
//      first time once the window has settled, as a person opens files.
// Targets (issue 12): 150 ms for 1, 1 s for 2 on these machines. Printed, never asserted.
//
// VS Code's own floor under the lens times (src/vs/editor/contrib/codelens/browser/codelensController.ts and
// codelensWidget.ts, the version code-server 4.139 ships): after an edit it asks the CodeLens providers again
// no sooner than 250 ms after the last keystroke (`{ min: 250 }`), waits for every provider (merge-conflict's
// too), and shows a changed lens text on a line that already had a lens only in its resolve round, another
// 250 ms or more later; so an edited lens takes 500 ms plus the providers and drawing, whatever the
// extension does. Every CodeLens provider registered anywhere in the window (merge-conflict's at
// onStartupFinished) starts a file's first request over, so a file opened while the window starts waits
// for the last extension to register. The diagnostic has no such floor.
//   node bench/vscode-latency.bench.mjs [rounds=5]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  REPO,
  build,
  copySampleWorkspace,
  ensureInstalled,
  killGroup,
  launchChromium,
  linkExtension,
  makeScratch,
  sleep,
  startCodeServer,
  workbenchUrl,
} from '../test/vscode/codeServer.mjs';
import { SELECTORS, openWorkbench, runFromPalette } from '../test/vscode/workbench.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
const BIG = 'big-virtualservice.yaml';
const ENTRIES = 700; // 14 lines each: ~10,000 lines

/** One VirtualService whose http entries match /p0, /p1, ... in order (so /p35 then /p350 is reachable). */
function bigVirtualService() {
  const lines = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: big',
    '  namespace: simple',
    'spec:',
    '  gateways: [simple]',
    '  hosts: [simple.baihl.io]', // on the sample Gateway, so every match has a route
    '  http:',
  ];
  for (let i = 0; i < ENTRIES; i++)
    lines.push(
      `  - name: r${i}`,
      '    match:',
      '    - uri:',
      `        exact: "/p${i}"`,
      '    rewrite:',
      '      uri: "/hello"',
      '    route:',
      '    - destination:',
      '        host: simple.simple.svc.cluster.local',
      '        port:',
      '          number: 80',
      '      weight: 100',
      '    timeout: 5s',
      '    retries: {attempts: 1}',
    );
  return `${lines.join('\n')}\n`;
}

/** 197 more files beside the sample's three: a VirtualService and a Service each, ~40 lines. */
function smallFiles(dir) {
  for (let i = 0; i < 197; i++)
    writeFileSync(
      join(dir, `app-${i}.yaml`),
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        `  name: app-${i}`,
        '  namespace: simple',
        'spec:',
        '  gateways: [simple]',
        `  hosts: [app-${i}.baihl.io]`,
        '  http:',
        '  - match:',
        '    - uri:',
        `        prefix: "/app-${i}"`,
        '    route:',
        '    - destination:',
        `        host: app-${i}.simple.svc.cluster.local`,
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        `  name: app-${i}`,
        '  namespace: simple',
        'spec:',
        `  selector: {app: app-${i}}`,
        '  ports:',
        '  - name: http',
        '    port: 80',
        '    targetPort: 8080',
        '',
      ].join('\n'),
    );
}

/** Quick Open (Ctrl+P): with 200 files the Explorer row may be out of view. */
async function quickOpen(page, file) {
  await page
    .locator(SELECTORS.workbench)
    .click({ position: { x: 640, y: 300 }, force: true })
    .catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator(`${SELECTORS.quickInput} input`);
  await input.waitFor({ timeout: 15_000 });
  await input.fill(file);
  await page.locator(SELECTORS.quickInputRow, { hasText: file }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[aria-label*="${file}"]`).first().waitFor({ timeout: 15_000 });
}

/** The extension's output channel and the extension host's log (when VS Code activated what), under user data. */
function findLogs(dir) {
  let out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(findLogs(p));
    else if (e.name.includes('Istio Ingress Lab') || e.name === 'remoteexthost.log') out.push(p);
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function until(page, probe, timeoutMs = 30_000) {
  const t0 = performance.now();
  for (;;) {
    if (await page.evaluate(probe.fn, probe.arg)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${probe.what}`);
    await sleep(5);
  }
}

const visibleText = (sel) => ({
  what: 'text on screen',
  fn: ([editorSel, text]) =>
    document
      .querySelector(editorSel)
      ?.querySelector('.view-lines')
      ?.textContent.replace(/\u00a0/g, ' ')
      .includes(text),
  arg: [sel, ''],
});

async function main() {
  const install = ensureInstalled();
  build();
  const scratch = makeScratch('bench-vscode');
  const workspace = copySampleWorkspace(scratch);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, BIG), bigVirtualService());
  smallFiles(workspace);
  linkExtension(scratch);
  const server = await startCodeServer({
    install,
    scratch,
    folder: workspace,
    env: { KUBECONFIG: join(tmpdir(), 'ilab-no-such-kubeconfig') },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const editor = SELECTORS.activeEditor;
    // A lens on screen: VS Code keeps the widgets of lenses outside the viewport in the page, hidden (entry
    // 35's "/p35 →" lens is there before the edit makes entry 350 read "/p35").
    const lensWith = (text) => ({
      what: `a lens with ${text}`,
      fn: ([sel, lens, t]) =>
        [...(document.querySelector(sel)?.querySelectorAll(lens) ?? [])].some(
          (l) => l.textContent.includes(t) && l.closest('[widgetid]')?.style.visibility !== 'hidden',
        ),
      arg: [editor, SELECTORS.lens, text],
    });
    const textWith = (text) => ({ ...visibleText(editor), arg: [editor, text], what: `text ${text}` });
    const squiggle = {
      what: 'a diagnostic squiggle on screen',
      fn: (sel) => !!document.querySelector(sel)?.querySelector('[class*="squiggly-"]'),
      arg: editor,
    };

    // 2. open: the workspace of 200 YAML files, then one file; its text, then its first lens.
    await openWorkbench(page, workbenchUrl(server, { folder: workspace }));
    await page.locator(SELECTORS.explorerRow).first().waitFor({ timeout: 60_000 });
    const opened = performance.now();
    await quickOpen(page, 'istio-specs.yaml');
    const textMs = await until(page, textWith('kind: VirtualService'));
    const openLensMs = (await until(page, lensWith('http.8080'))) + textMs;
    const openText = performance.now() - opened;
    const stamp = (msAgo) => new Date(Date.now() - msAgo).toISOString().slice(11, 23);
    console.log(
      `  open timeline: quick open at ${stamp(openText)}, text at ${stamp(openLensMs - textMs)}, first lens at ${stamp(0)}`,
    );

    // 2b. open once settled: the workbench and the extension host have started (a person opens a file a few
    // seconds after the window); each file is opened for the first time.
    const settled = [];
    for (let r = 0; r < ROUNDS; r++) {
      await sleep(1500);
      const file = `app-${10 + r}.yaml`;
      await quickOpen(page, file);
      const t = await until(page, textWith(`name: app-${10 + r}`));
      // app files are on no Gateway's hosts: their lens says so (any lens is the lab's: no other provider)
      settled.push((await until(page, lensWith(`app-${10 + r}`))) + t);
    }

    // 1. edit: the 10,000-line file, its lenses in, then one character of one prefix edited ROUNDS times.
    await runFromPalette(page, 'View: Close All Editors').catch(() => {});
    await quickOpen(page, BIG);
    await until(page, textWith('kind: VirtualService'));
    const line = 9 + 350 * 14 + 4; // the `exact: "/p350"` line
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await until(page, lensWith('/p350'), 60_000);
    await sleep(1500); // the first analysis of the file is done and drawn
    const typed = [];
    const lensed = [];
    const lensOnly = [];
    const diagnosticOnly = [];
    const noSquiggle = {
      ...squiggle,
      what: 'no squiggle',
      fn: (sel) => !document.querySelector(sel)?.querySelector('[class*="squiggly-"]'),
    };
    for (let r = 0; r < ROUNDS; r++) {
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft'); // before the closing quote
      // "/p350" → "/p35": an exact match equal to entry 35's, so IST0131 (unreachable) appears.
      const t0 = performance.now();
      await page.keyboard.press('Backspace');
      typed.push(await until(page, { ...textWith('"/p35"'), what: 'the edited text' }));
      // the lens and the diagnostic come independently: each is timed from the key press
      const [lensMs, diagnosticMs] = await Promise.all([
        until(page, lensWith('› /p35 →'), 10_000).then(() => performance.now() - t0),
        until(page, squiggle, 10_000).then(() => performance.now() - t0),
      ]);
      lensOnly.push(lensMs);
      diagnosticOnly.push(diagnosticMs);
      lensed.push(Math.max(lensMs, diagnosticMs));
      await page.keyboard.type('0'); // back to /p350, no diagnostic
      await until(page, lensWith('› /p350 →'), 10_000);
      await until(page, noSquiggle, 10_000);
      await sleep(800);
    }
    const result = {
      edit: {
        lines: 9 + ENTRIES * 14,
        lensAndDiagnosticMs: Math.round(median(lensed)),
        lensMs: Math.round(median(lensOnly)),
        diagnosticMs: Math.round(median(diagnosticOnly)),
        baselineTypedCharacterMs: Math.round(median(typed)),
        ratio: +(median(lensed) / median(typed)).toFixed(1),
        targetMs: 150,
      },
      open: {
        yamlFiles: 200,
        firstLensAfterOpenMs: Math.round(openLensMs),
        baselineTextMs: Math.round(textMs),
        ratio: +(openLensMs / textMs).toFixed(1),
        fromExplorerClickMs: Math.round(openText),
        targetMs: 1000,
      },
      openSettled: {
        firstLensAfterOpenMs: Math.round(median(settled)),
        runs: settled.map(Math.round),
        targetMs: 1000,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    // Where the extension's time went, from its own log (activation, the workspace scan).
    for (const f of findLogs(join(scratch, 'user-data', 'logs')))
      for (const l of readFileSync(f, 'utf8').split('\n'))
        if (
          /activated|engine:|diagnostics:|lenses:|Extension host with pid|_doActivateExtension istio-ingress-lab/.test(
            l,
          )
        )
          console.log(`  log: ${l.replace('ExtensionService#_doActivateExtension', 'activating').slice(0, 200)}`);
  } catch (e) {
    await browser
      .contexts()[0]
      ?.pages()[0]
      ?.screenshot({ path: join(REPO, 'test-results/bench-vscode-failure.png') })
      .catch(() => {});
    throw e;
  } finally {
    await browser.close().catch(() => {});
    await killGroup(server.proc);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:vscode: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
