/**
 * Driving the web console (packages/console, served by the server at /-/console/) in Debian's Chromium
 * with playwright-core. Every test signs in through the page, saves a screenshot of each page it visits
 * to test/e2e/.console-report/ (gitignored) and runs axe-core in the page: a serious or critical
 * violation fails the test, and every finding is written to the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { CHROMIUM, launchChromium, signIn } from '../../../bench/lib/console-browser.js';

export { CHROMIUM };
export const REPORT_DIR = fileURLToPath(new URL('../.console-report/', import.meta.url));
const AXE = fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url));
export const CONSOLE_INDEX = fileURLToPath(new URL('../../../packages/console/dist/index.html', import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is needed (apt-get install chromium)`).toBe(true);
  expect(fs.existsSync(CONSOLE_INDEX), 'build the console first: npm run build -w @coffer/console').toBe(true);
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  return launchChromium();
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Page errors (uncaught exceptions) seen so far: a test expects none. */
  errors: string[];
  /** Saves a screenshot `<name>.png` and runs axe on the page as it is now. */
  capture(name: string): Promise<void>;
}

/** A fresh browser context (its own sessionStorage) at 1280×800, signed in with the given key. */
export async function openConsole(
  browser: Browser,
  consoleUrl: string,
  key: { secretId: string; secretKey: string },
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(consoleUrl).origin });
  const page = await context.newPage();
  // Fail a step (with a screenshot, see failureShot) well before the test's own timeout.
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await signIn(page, consoleUrl, key);
  return {
    page,
    context,
    errors,
    capture: async (name: string) => {
      // Let skeletons and transitions settle so the picture is the page a person sees.
      await page.waitForTimeout(300);
      // …and no transition still running: axe measuring a modal's overlay half faded in finds false contrast faults.
      // (CSS transitions only: a spinner's animation runs for ever.)
      await page.waitForFunction(() =>
        document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running'),
      );
      await page.screenshot({ path: path.join(REPORT_DIR, `${name}.png`), fullPage: true });
      await checkAxe(page, name);
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page; writes `<name>.axe.json`; fails on serious or critical violations. */
export async function checkAxe(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = (await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  })) as AxeViolation[];
  fs.writeFileSync(path.join(REPORT_DIR, `${name}.axe.json`), JSON.stringify(violations, null, 2));
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${name}`).toEqual([]);
}

/** Runs `fn`; if it throws, saves `failed-<name>.png` first (what the page showed when the test failed). */
export async function failureShot<T>(ui: ConsolePage, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await ui.page.screenshot({ path: path.join(REPORT_DIR, `failed-${name}.png`), fullPage: true }).catch(() => {});
    throw err;
  }
}
