/**
 * The web console in Chromium against a live server, on the COS documents' bucket flows
 * (https://intl.cloud.tencent.com/document/product/436/31632): sign in, create a bucket, fail to delete
 * it while incomplete multipart uploads (made with Tencent's cos-nodejs-sdk-v5) remain, take the
 * message's way out to the Incomplete Multipart Upload page, delete one, clear the rest, add the
 * "delete incomplete multipart uploads 7 days after creation" lifecycle rule in the form and read it
 * back with cos-nodejs-sdk-v5, then delete the bucket. Also: static serving of /-/console/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('serves the console at /-/console/: index for app routes, hashed assets cached, no traversal', async () => {
  const index = await fetch(`${t.url}/-/console/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(index.headers.get('cache-control')).toBe('no-cache');
  const html = await index.text();
  const asset = /src="(\/-\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeDefined();
  const js = await fetch(`${t.url}${asset}`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  await js.arrayBuffer();
  // A route of the app (reloaded in the browser) gets index.html; a missing hashed asset is a 404.
  const route = await fetch(`${t.url}/-/console/buckets/x-1250000000/files`);
  expect(await route.text()).toBe(html);
  expect((await fetch(`${t.url}/-/console/assets/nope.js`)).status).toBe(404);
  const traversal = await fetch(`${t.url}/-/console/..%2f..%2f..%2fpackage.json`);
  expect(await traversal.text()).toBe(html);
  const redirect = await fetch(`${t.url}/-/console`, { redirect: 'manual' });
  expect(redirect.status).toBe(301);
  expect(redirect.headers.get('location')).toBe('/-/console/');
  expect((await fetch(`${t.url}/-/console/`, { method: 'POST' })).status).toBe(405);
});

it('a wrong key is refused on the sign-in page with Code, Message and RequestId', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(t.server.consoleUrl);
  await page.getByLabel('SecretId').fill(t.secretId);
  await page.getByLabel('SecretKey').fill('wrong-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('SignatureDoesNotMatch').waitFor();
  expect(await alert.textContent()).toMatch(/RequestId/);
  await context.close();
});

it('create a bucket; deleting it fails while incomplete uploads remain; clear them; add the lifecycle rule; delete it', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'buckets', async () => {
    // The session holds temporary credentials only.
    const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
    expect(stored).not.toContain(t.secretKey);
    expect(stored).toContain('tmpSecretId');
    await page.getByRole('heading', { name: 'Bucket List' }).waitFor();
    await ui.capture('buckets-empty');

    // Create: the name-APPID rule is explained in the form.
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByLabel('Bucket name').fill('console');
    await page.getByText('console-1250000000', { exact: true }).waitFor();
    await ui.capture('bucket-create');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const Bucket = 'console-1250000000';
    await page.getByRole('link', { name: Bucket }).waitFor();
    await ui.capture('buckets');

    // Two incomplete multipart uploads, made with Tencent's SDK.
    const cos = t.cos();
    const uploadIds: string[] = [];
    for (const Key of ['big/a.bin', 'big/b.bin']) {
      const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
      await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024 * 1024, 7) });
      uploadIds.push(UploadId);
    }

    // Delete fails, in the documents' words, with the way out.
    await page.getByRole('button', { name: `Delete bucket ${Bucket}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    const failure = page.getByTestId('bucket-not-empty');
    await failure.getByText('Deletion failed. Please delete the valid data in the bucket first').waitFor();
    expect(await failure.textContent()).toMatch(/BucketNotEmpty[\s\S]*RequestId/);
    await ui.capture('bucket-delete-failed');
    // The refusal refreshes the row's live usage: the two uploads that are in the way, and their bytes.
    await page.getByTestId('bucket-incomplete-uploads').filter({ hasText: '2 (2.00 MB)' }).waitFor();
    await failure.getByRole('button', { name: 'Open Incomplete Multipart Upload' }).click();

    // The Incomplete Multipart Upload page: both uploads, with parts and bytes.
    await page.getByTestId('upload-row').nth(1).waitFor();
    expect(await page.getByTestId('upload-row').count()).toBe(2);
    await page.getByText(uploadIds[0]!).waitFor();
    await page.getByText('1.00 MB').first().waitFor();
    await ui.capture('incomplete-uploads');

    // Delete one; then Clear Incomplete Multipart Uploads, whose confirmation states what is freed.
    await page.getByRole('button', { name: 'Delete upload of big/a.bin' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=upload-row]').length === 1);
    await page.getByRole('button', { name: 'Clear Incomplete Multipart Uploads' }).click();
    const summary = page.getByTestId('clear-summary');
    await summary.getByText(/freeing 1\.00 MB/).waitFor();
    expect(await summary.textContent()).toMatch(/all 1 incomplete multipart upload of console-1250000000/);
    await ui.capture('incomplete-uploads-clear');
    await page.getByRole('button', { name: 'Clear all' }).click();
    await page.getByTestId('uploads-empty').waitFor();
    await ui.capture('incomplete-uploads-empty');
    expect((await cos.multipartList({ Bucket, Region })).Upload ?? []).toEqual([]);

    // Lifecycle: Add a Rule, "delete incomplete multipart uploads 7 days after creation", read back with cos-nodejs-sdk-v5.
    await page.getByRole('tab', { name: 'Lifecycle' }).click();
    await page.getByRole('button', { name: 'Add a Rule' }).click();
    await page.getByLabel('Rule name').fill('abort-incomplete');
    await page
      .getByTestId('rule-preview')
      .getByText('delete incomplete multipart uploads 7 days after creation')
      .waitFor();
    await ui.capture('lifecycle-add-rule');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByTestId('lifecycle-row').waitFor();
    const { Rules } = await cos.getBucketLifecycle({ Bucket, Region });
    expect(Rules).toHaveLength(1);
    expect(Rules[0]).toMatchObject({
      ID: 'abort-incomplete',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: '7' },
    });
    await ui.capture('lifecycle');
    await page.getByRole('tab', { name: 'XML' }).click();
    expect(await page.getByTestId('lifecycle-xml').textContent()).toMatch(
      /<DaysAfterInitiation>7<\/DaysAfterInitiation>/,
    );

    // Now the bucket can go.
    await page.getByRole('link', { name: 'Bucket List' }).first().click();
    await page.getByRole('button', { name: `Delete bucket ${Bucket}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: Bucket }).waitFor({ state: 'detached' });
    await expect(cos.headBucket({ Bucket, Region })).rejects.toMatchObject({ statusCode: 404 });
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});
