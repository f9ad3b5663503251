// Driving the VS Code workbench in Chromium the way a person does: explorer double clicks, the F1 palette,
// reading what the editor shows. Selectors are the workbench's own DOM classes (stable across 1.9x releases).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killGroup, removeScratch, runMain, sleep } from './codeServer.mjs';

export const SELECTORS = {
  workbench: '.monaco-workbench',
  explorerRow: '.explorer-folders-view .monaco-list-row',
  quickInput: '.quick-input-widget',
  quickInputRow: '.quick-input-widget .monaco-list-row',
  lens: '.codelens-decoration',
  activeEditor: '.editor-group-container.active .monaco-editor',
  notificationToast: '.notification-toast',
  notificationsCenter: '.notifications-center',
};

/** Opens the URL and waits until the workbench and its explorer are drawn. */
export async function openWorkbench(page, url, { timeout = 120_000 } = {}) {
  await page.goto(url, { timeout });
  await page.locator(SELECTORS.workbench).waitFor({ timeout });
}

/** The explorer's row for a file at the workspace root (rows carry the file name as aria-label). */
export function explorerRow(page, fileName) {
  return page.locator(`${SELECTORS.explorerRow}[aria-label=${JSON.stringify(fileName)}]`);
}

/** Double click in the explorer (Quick Open does not open files in headless Chromium). */
export async function openFromExplorer(page, fileName, { timeout = 30_000 } = {}) {
  const row = explorerRow(page, fileName);
  await row.first().waitFor({ timeout });
  await row.first().dblclick();
  await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().waitFor({ timeout });
}

/** F1, type the command's palette label, Enter. Fails if no palette entry matches the label. */
export async function runFromPalette(page, label, { timeout = 15_000 } = {}) {
  await page
    .locator(SELECTORS.workbench)
    .click({ position: { x: 5, y: 5 }, force: true })
    .catch(() => {});
  await page.keyboard.press('F1');
  const input = page.locator(`${SELECTORS.quickInput} input`);
  await input.waitFor({ timeout });
  await input.fill(`>${label}`);
  const row = page.locator(SELECTORS.quickInputRow, { hasText: label }).first();
  await row.waitFor({ timeout });
  await row.click();
}

/**
 * The CodeLenses in the active editor, one text per lens, in page order, once `until(texts)` holds (or at the
 * timeout, whatever shows then). A line's lenses share one `.codelens-decoration`, separated by " | ".
 */
export async function lensTexts(
  page,
  { until = (t) => t.length > 0, timeout = 60_000, where = SELECTORS.activeEditor } = {},
) {
  const decorations = page.locator(`${where} ${SELECTORS.lens}`);
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = (await decorations.allInnerTexts())
      .flatMap((line) => line.replace(/\s+/g, ' ').split(' | '))
      .map((t) => t.trim())
      .filter(Boolean);
    if (until(texts) || Date.now() > deadline) return texts;
    await sleep(250);
  }
}

/** Notifications as text, from toasts and the notifications centre (toasts are suppressed in dev-host mode). */
export async function notificationTexts(page) {
  const toasts = await page.locator(`${SELECTORS.notificationToast} .notification-list-item-message`).allInnerTexts();
  const centre = await page.locator(`${SELECTORS.notificationsCenter} .notification-list-item-message`).allInnerTexts();
  return [...toasts, ...centre];
}

export async function screenshot(page, dir, name) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path }).catch(() => {});
  return path;
}

/**
 * Runs a workbench script: on failure a screenshot of where it stood, and whatever happens Chromium,
 * code-server and the scratch folder go. `state` is read at the end, so the script may fill it late.
 */
export function runWorkbenchScript(main, state, errorShot) {
  runMain(async () => {
    let failed = true;
    try {
      const code = await main();
      failed = code !== 0;
      return code;
    } catch (err) {
      const { page } = state();
      if (page) await screenshot(page, errorShot.dir, errorShot.name);
      throw err;
    } finally {
      const { browser, server, scratch } = state();
      await Promise.race([browser?.close().catch(() => {}), sleep(5000)]);
      await killGroup(server?.proc);
      if (scratch && failed) printHostLogs(scratch);
      if (scratch) removeScratch(scratch);
    }
  });
}

/** How many lens clicks VS Code has dropped so far: its extension host logs each as "Actual command not found". */
export function lostClicks(scratch) {
  const logs = join(scratch, 'user-data', 'logs');
  if (!existsSync(logs)) return 0;
  return readdirSync(logs, { recursive: true })
    .map(String)
    .filter((f) => /exthost\d*[\\/]remoteexthost\.log$/.test(f))
    .reduce((n, f) => n + readFileSync(join(logs, f), 'utf8').split('Actual command not found').length - 1, 0);
}

/**
 * Clicks a lens and waits until `reacted()` holds. When VS Code drops the click (the lens still holds a command of
 * lenses VS Code has replaced and released, microsoft/vscode#226936) the run says so, scrolls the editor a line
 * down and up, as a person whose click did nothing might, and clicks again, once.
 */
export async function clickLens(page, scratch, lens, reacted, timeoutMs = 30_000) {
  for (let attempt = 1; ; attempt++) {
    const lost = lostClicks(scratch);
    await lens.click();
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
      if (await reacted()) return true;
      if (attempt === 1 && lostClicks(scratch) > lost) break;
    }
    if (attempt === 2 || lostClicks(scratch) === lost) return false;
    // The dropped lens keeps its stale command until VS Code resolves the lenses in view again, which a scroll does.
    console.log('     VS Code dropped the click ("Actual command not found"); scrolling a line and clicking again');
    await page.mouse.wheel(0, 40);
    await sleep(500);
    await page.mouse.wheel(0, -40);
    await sleep(1000);
  }
}

/**
 * After a failure, what the extension host said: VS Code's own errors and warnings, and the end of the lab's output
 * channel. CI keeps only a run's output, and the scratch folder holding these logs is removed.
 */
function printHostLogs(scratch) {
  const logs = join(scratch, 'user-data', 'logs');
  if (!existsSync(logs)) return;
  const files = readdirSync(logs, { recursive: true }).map(String);
  const show = (title, file, keep) => {
    const lines = readFileSync(join(logs, file), 'utf8').split('\n').filter(keep);
    if (lines.length) console.log(`----- ${title} (${file})\n${lines.slice(-40).join('\n')}`);
  };
  for (const f of files.filter((f) => /exthost\d*[\\/]remoteexthost\.log$/.test(f)))
    show("the extension host's errors and warnings", f, (l) => /\[(error|warning)\]/.test(l));
  for (const f of files.filter((f) => /istio-ingress-lab\.istio-ingress-lab[\\/].*\.log$/.test(f)))
    show("the end of the lab's log", f, (l) => l.trim() !== '');
}
