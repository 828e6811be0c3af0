// Driving the web console in Debian's Chromium (playwright-core, never a downloaded browser): the one launch
// and sign-in that both the console's e2e tests (test/e2e/helpers/console.ts) and bench/console.js use.
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (root in CI), and none of the background traffic that would skew a measurement. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** @returns {Promise<import('playwright-core').Browser>} */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Opens the console at `consoleUrl` and signs in through its form, as a person does.
 * @param {import('playwright-core').Page} page
 * @param {string} consoleUrl
 * @param {{ secretId: string; secretKey: string }} key
 */
export async function signIn(page, consoleUrl, key) {
  await page.goto(consoleUrl);
  await page.getByLabel('SecretId').fill(key.secretId);
  await page.getByLabel('SecretKey').fill(key.secretKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
