/**
 * The console's object details in Chromium, checked against the server with cos-nodejs-sdk-v5 afterwards:
 * custom metadata (x-cos-meta-*), storage class change, archive restore, object ACL and tags. Also a real
 * drop of files onto the File List (a DataTransfer dispatched on the drop zone, as a browser does for a drag
 * from the desktop), and the File List at phone width (390×844).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;
const Bucket = 'objects-1250000000';
const DROPPED = 12;

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
  const cos = t.cos();
  await cos.putBucket({ Bucket, Region });
  await cos.putObject({ Bucket, Region, Key: 'notes.txt', Body: 'hello', ContentType: 'text/plain' });
  await cos.putObject({ Bucket, Region, Key: 'cold.bin', Body: 'frozen', StorageClass: 'ARCHIVE' });
  await cos.putObject({ Bucket, Region, Key: 'docs/', Body: '' });
  for (const name of ['a-very-long-file-name-that-should-wrap-on-a-phone-screen.jpeg', 'b.txt']) {
    await cos.putObject({ Bucket, Region, Key: name, Body: 'x'.repeat(1000) });
  }
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('object details: metadata, storage class, archive restore, ACL and tags reach the server', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  const cos = t.cos();
  await failureShot(ui, 'object-details', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/files`);
    await page.getByRole('button', { name: 'Actions for notes.txt' }).click();
    await page.getByRole('menuitem', { name: 'Details' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('x-cos-hash-crc64ecma').waitFor();
    await ui.capture('object-details');

    // Metadata: one x-cos-meta-* header, saved by copying the object onto itself (Replaced).
    await dialog.getByRole('tab', { name: 'Metadata' }).click();
    await dialog.getByRole('button', { name: 'Add metadata' }).click();
    await dialog.getByLabel('Name 1', { exact: true }).fill('owner');
    await dialog.getByLabel('Value 1', { exact: true }).fill('alice');
    await ui.capture('object-metadata');
    await dialog.getByRole('button', { name: 'Save metadata' }).click();
    await expect
      .poll(async () => (await cos.headObject({ Bucket, Region, Key: 'notes.txt' })).headers['x-cos-meta-owner'])
      .toBe('alice');
    expect((await cos.headObject({ Bucket, Region, Key: 'notes.txt' })).headers['content-type']).toBe('text/plain');

    // Storage class: STANDARD → STANDARD_IA.
    await dialog.getByRole('tab', { name: 'Storage class' }).click();
    await dialog.getByRole('combobox', { name: 'New storage class' }).click();
    await page.getByRole('option', { name: 'STANDARD_IA' }).click();
    await dialog.getByRole('button', { name: 'Change storage class' }).click();
    await dialog.getByTestId('current-storage-class').getByText('STANDARD_IA').waitFor();
    expect((await cos.headObject({ Bucket, Region, Key: 'notes.txt' })).headers['x-cos-storage-class']).toBe(
      'STANDARD_IA',
    );

    // ACL: public read.
    await dialog.getByRole('tab', { name: 'ACL' }).click();
    await dialog.getByRole('radio', { name: 'Public Read' }).check();
    await dialog.getByRole('button', { name: 'Save ACL' }).click();
    await expect
      .poll(async () => (await cos.getObjectAcl({ Bucket, Region, Key: 'notes.txt' })).ACL)
      .toBe('public-read');

    // Tags.
    await dialog.getByRole('tab', { name: 'Tags' }).click();
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByLabel('Tag key 1', { exact: true }).fill('project');
    await dialog.getByLabel('Tag value 1', { exact: true }).fill('apollo');
    await dialog.getByRole('button', { name: 'Save tags' }).click();
    await expect
      .poll(async () => (await cos.getObjectTagging({ Bucket, Region, Key: 'notes.txt' })).Tags)
      .toEqual([{ Key: 'project', Value: 'apollo' }]);
    await ui.capture('object-tags');
    await dialog.getByRole('button', { name: 'Close dialog' }).click();

    // An archived object: restore it for 2 days.
    await page.getByRole('button', { name: 'Actions for cold.bin' }).click();
    await page.getByRole('menuitem', { name: 'Details' }).click();
    await dialog.getByRole('tab', { name: 'Storage class' }).click();
    const restore = dialog.getByTestId('restore-form');
    await restore.getByLabel('Days readable').fill('2');
    await ui.capture('object-restore');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect
      .poll(async () => (await cos.headObject({ Bucket, Region, Key: 'cold.bin' })).headers['x-cos-restore'])
      .toMatch(/ongoing-request/);
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('files dropped onto the File List are uploaded into the open folder', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'drop', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/files?prefix=docs%2F`);
    await page.getByTestId('dropzone').waitFor();
    // What a browser dispatches for a drag from the desktop: dragenter, dragover, drop, with the files.
    await page.evaluate((count) => {
      const data = new DataTransfer();
      for (let i = 0; i < count; i++) {
        data.items.add(new File([`dropped ${i}\n`], `d${String(i).padStart(2, '0')}.txt`, { type: 'text/plain' }));
      }
      const zone = document.querySelector('[data-testid=dropzone]')!;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
      }
    }, DROPPED);
    await page.locator('[data-testid=file-row][data-key="docs/d00.txt"]').waitFor();
    await expect
      .poll(async () => ((await t.cos().getBucket({ Bucket, Region, Prefix: 'docs/d' })).Contents ?? []).length)
      .toBe(DROPPED);
    const body = await t.cos().getObject({ Bucket, Region, Key: 'docs/d07.txt' });
    expect(body.Body.toString()).toBe('dropped 7\n');
    await ui.capture('files-dropped');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('the File List at phone width: no sideways scrolling, the menu behind the burger', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t, { viewport: { width: 390, height: 844 } });
  const { page } = ui;
  await failureShot(ui, 'phone', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/files`);
    await page.locator('[data-testid=file-row][data-key="b.txt"]').waitFor();
    await ui.capture('files-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The bucket's sections: a native picker here (ten tabs would not fit), which navigates.
    await page.getByRole('combobox', { name: 'Section' }).selectOption({ label: 'Incomplete Multipart Upload' });
    await page.waitForURL(/\/uploads$/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.getByRole('combobox', { name: 'Section' }).selectOption({ label: 'File List' });
    await page.locator('[data-testid=file-row][data-key="b.txt"]').waitFor();
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bucket List' }).waitFor();
    await ui.capture('files-phone-menu');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('at 1280×800 every section of a bucket is in view (the tab bar wraps instead of hiding the last ones)', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'bucket-tabs', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/files`);
    await page.locator('[data-testid=file-row][data-key="b.txt"]').waitFor();
    const tabs = page.getByRole('tab');
    expect(await tabs.count()).toBeGreaterThanOrEqual(10);
    for (const tab of await tabs.all()) {
      const box = await tab.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 1280, await tab.textContent()).toBe(true);
    }
    expect(await page.getByRole('combobox', { name: 'Section' }).isVisible()).toBe(false);
    await page.getByRole('tab', { name: 'Usage' }).click();
    await page.waitForURL(/\/usage$/);
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});
