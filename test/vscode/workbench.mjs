// Driving the VS Code workbench in Chromium the way a person does: explorer double clicks, the F1 palette,
// reading what the editor shows. Selectors are the workbench's own DOM classes (stable across 1.9x releases).
import { mkdirSync } from 'node:fs';
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
    try {
      return await main();
    } catch (err) {
      const { page } = state();
      if (page) await screenshot(page, errorShot.dir, errorShot.name);
      throw err;
    } finally {
      const { browser, server, scratch } = state();
      await Promise.race([browser?.close().catch(() => {}), sleep(5000)]);
      await killGroup(server?.proc);
      if (scratch) removeScratch(scratch);
    }
  });
}
