/**
 * The console's File List in Chromium against a live server: upload a 40 MB file (multipart) and watch
 * progress, pause and resume it; drop a folder of 50 files; create a folder; folder details (count and
 * size, https://intl.cloud.tencent.com/document/product/436/31633); preview an image; copy a share link
 * and fetch it; rename a folder; delete a folder; restore an old version and undelete a file.
 *
 * Chromium's own network throttling (DevTools protocol) slows the 40 MB upload so it can be paused. The
 * folder goes through the folder picker: a headless browser cannot drag a folder from the desktop, and
 * the drag-and-drop path (Mantine Dropzone, react-dropzone's directory walk) is not covered here.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
/** A 4×4 red PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAB+GTG8HSALfKY52fTcuYAAAAAElFTkSuQmCC',
  'base64',
);

let t: TestServer;
let browser: Browser;
const Bucket = 'files-1250000000';

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
  await t.cos().putBucket({ Bucket, Region });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function keysUnder(prefix: string): Promise<{ Key: string; Size: string }[]> {
  const { Contents } = await t.cos().getBucket({ Bucket, Region, Prefix: prefix, MaxKeys: 1000 });
  return Contents ?? [];
}

it('upload (40 MB with pause and resume, a folder of 50), folders, details, preview, share, rename, delete', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'files', async () => {
    await page.getByRole('link', { name: Bucket }).click();
    await page.getByTestId('file-table').waitFor();
    await page.getByText('This folder is empty').waitFor();
    await ui.capture('files-empty');

    // 40 MB through the file picker, throttled to ~8 MB/s so it can be paused mid-way.
    const big = Buffer.alloc(40 * MIB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const cdp = await ui.context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 8 * MIB,
    });
    // From disk: the browser reads the file itself (a 40 MB buffer over the DevTools protocol is slow).
    const bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-console-'));
    fs.writeFileSync(path.join(bigDir, 'big.bin'), big);
    await page.locator('input[aria-label="Choose files"]').setInputFiles(path.join(bigDir, 'big.bin'));
    const task = page.locator('[data-testid=upload-task][data-key="big.bin"]');
    await task.and(page.locator('[data-state=uploading]')).waitFor();
    await page.waitForFunction(() =>
      /\((?:[1-9]|[1-8]\d)%\)/.test(document.querySelector('[data-testid=upload-task]')?.textContent ?? ''),
    );
    await ui.capture('upload-progress');
    await page.getByRole('button', { name: 'Pause big.bin' }).click();
    await task.and(page.locator('[data-state=paused]')).waitFor();
    const pausedText = await task.textContent();
    await page.waitForTimeout(500);
    expect(await task.textContent()).toBe(pausedText);
    await ui.capture('upload-paused');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.getByRole('button', { name: 'Resume big.bin' }).click();
    await task.and(page.locator('[data-state=success]')).waitFor({ timeout: 60_000 });
    fs.rmSync(bigDir, { recursive: true, force: true });
    const head = await t.cos().headObject({ Bucket, Region, Key: 'big.bin' });
    expect(head.headers?.['content-length'] ?? head.headers?.['Content-Length']).toBe(String(40 * MIB));
    expect(head.ETag).toMatch(/-10"$/);
    const got = await t.cos().getObject({ Bucket, Region, Key: 'big.bin' });
    expect(
      createHash('md5')
        .update(got.Body as Buffer)
        .digest('hex'),
    ).toBe(createHash('md5').update(big).digest('hex'));
    await page.locator('[data-testid=file-row][data-key="big.bin"]').waitFor();

    // A folder of 50 files, through the folder picker (Playwright hands the input a directory).
    const folderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-console-'));
    fs.mkdirSync(path.join(folderDir, 'batch'));
    for (let i = 0; i < 50; i++) {
      fs.writeFileSync(
        path.join(folderDir, 'batch', `f${String(i).padStart(2, '0')}.txt`),
        `file ${i}\n`.repeat(i + 1),
      );
    }
    await page.locator('input[aria-label="Choose a folder"]').setInputFiles(path.join(folderDir, 'batch'));
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=upload-task][data-state=success]').length === 51,
      undefined,
      { timeout: 60_000 },
    );
    await ui.capture('upload-folder-done');
    fs.rmSync(folderDir, { recursive: true, force: true });
    const batch = await keysUnder('batch/');
    expect(batch).toHaveLength(50);
    const batchBytes = batch.reduce((s, c) => s + Number(c.Size), 0);

    // Create a folder (a zero-byte key ending in '/').
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByLabel('Folder name').fill('docs');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.locator('[data-testid=folder-row][data-prefix="docs/"]').waitFor();
    expect((await t.cos().headObject({ Bucket, Region, Key: 'docs/' })).statusCode).toBe(200);
    await ui.capture('files');

    // Folder details: count and size.
    await page.getByRole('button', { name: 'Actions for batch/' }).click();
    await page.getByRole('menuitem', { name: 'Folder details' }).click();
    const stats = page.locator('[data-testid=folder-stats][data-done=true]');
    await stats.waitFor();
    expect(await stats.textContent()).toContain(`50 objects, ${(batchBytes / 1024).toFixed(2)} KB`);
    await ui.capture('folder-details');
    await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();

    // Into the folder: breadcrumbs and the first file's rows.
    await page.getByRole('link', { name: /batch\// }).click();
    await page.getByRole('navigation', { name: 'Folder path' }).getByText('batch').waitFor();
    await page.locator('[data-testid=file-row][data-key="batch/f00.txt"]').waitFor();
    await ui.capture('files-folder');
    await page.getByRole('navigation', { name: 'Folder path' }).getByRole('link', { name: Bucket }).click();

    // Preview an image.
    await t.cos().putObject({ Bucket, Region, Key: 'red.png', Body: PNG, ContentType: 'image/png' });
    await page.getByRole('button', { name: 'Actions for big.bin' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'red.png', exact: true }).click();
    const img = page.getByTestId('preview-image');
    await img.waitFor();
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=preview-image]') as HTMLImageElement)?.naturalWidth === 4,
    );
    await ui.capture('preview-image');
    await page.keyboard.press('Escape');

    // Share link: presigned, fetched from outside the browser.
    await page.getByRole('button', { name: 'Actions for red.png' }).click();
    await page.getByRole('menuitem', { name: 'Copy share link' }).click();
    const url = await page.getByTestId('share-url').inputValue();
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await ui.capture('share-link');
    const shared = await fetch(url);
    expect(shared.status).toBe(200);
    expect(Buffer.from(await shared.arrayBuffer())).toEqual(PNG);
    await page.keyboard.press('Escape');

    // Rename a folder: every key copied, the old ones deleted.
    await page.getByRole('button', { name: 'Actions for batch/' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('renamed');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
    await page.locator('[data-testid=folder-row][data-prefix="renamed/"]').waitFor();
    await page.locator('[data-testid=folder-row][data-prefix="batch/"]').waitFor({ state: 'detached' });
    expect(await keysUnder('renamed/')).toHaveLength(50);
    expect(await keysUnder('batch/')).toHaveLength(0);

    // Delete a folder: its count and size first, then progress.
    await page.getByRole('button', { name: 'Actions for renamed/' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.locator('[data-testid=folder-stats][data-done=true]').waitFor();
    await ui.capture('folder-delete');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete 50 objects' }).click();
    await page.locator('[data-testid=folder-row][data-prefix="renamed/"]').waitFor({ state: 'detached' });
    expect(await keysUnder('renamed/')).toHaveLength(0);
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
}, 180_000);

it('versions: enable versioning, restore an old version, undelete a deleted file', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  const cos = t.cos();
  await failureShot(ui, 'versions', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/versions`);
    await page.getByTestId('versioning-status').getByText('Off').waitFor();
    await page.getByRole('button', { name: 'Enable versioning' }).click();
    await page.getByTestId('versioning-status').getByText('Enabled').waitFor();
    expect((await cos.getBucketVersioning({ Bucket, Region })).VersioningConfiguration).toMatchObject({
      Status: 'Enabled',
    });

    const Key = 'notes/todo.txt';
    await cos.putObject({ Bucket, Region, Key, Body: 'version one' });
    await cos.putObject({ Bucket, Region, Key, Body: 'version two' });
    await page.getByLabel('Key or folder').fill('notes/');
    const rows = page.locator(`[data-testid=version-row][data-key="${Key}"]`);
    await rows.nth(1).waitFor();
    await ui.capture('versions');
    const old = page.locator(`[data-testid=version-row][data-key="${Key}"][data-latest=false]`);
    await old.getByRole('button').click();
    await page.getByRole('menuitem', { name: 'Restore this version' }).click();
    await rows.nth(2).waitFor();
    const restored = await cos.getObject({ Bucket, Region, Key });
    expect(String(restored.Body)).toBe('version one');

    // Undelete: remove the delete marker.
    await cos.deleteObject({ Bucket, Region, Key });
    await page.getByLabel('Key or folder').fill('notes/todo');
    const marker = page.locator('[data-testid=version-row][data-marker=true][data-latest=true]');
    await marker.waitFor();
    await ui.capture('versions-deleted');
    await marker.getByRole('button').click();
    await page.getByRole('menuitem', { name: 'Undelete' }).click();
    await marker.waitFor({ state: 'detached' });
    expect(String((await cos.getObject({ Bucket, Region, Key })).Body)).toBe('version one');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});
