/**
 * The console's Users and keys page in Chromium: the root creates a sub-user and an access key (the secret
 * shown once), attaches the "read-only on a bucket" template; signed in with that key, the sub-user has
 * no Users page and sees that bucket only (GET Service lists the account's buckets, HEAD Bucket keeps those it
 * may open). A sub-user whose policies refuse GetService is told so and opens its bucket by name.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;
const Readable = 'readable-1250000000';
const Hidden = 'hidden-1250000000';

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
  for (const Bucket of [Readable, Hidden]) await t.cos().putBucket({ Bucket, Region });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('create a user and a key (shown once), attach a policy; the sub-user signs in without the Users page', async () => {
  const root = await openConsole(browser, t.server.consoleUrl, t);
  let key = { secretId: '', secretKey: '' };
  await failureShot(root, 'users', async () => {
    const { page } = root;
    await page.getByRole('link', { name: 'Users and keys' }).click();
    await page.getByLabel('New user name').fill('reader');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretKey = page.getByTestId('new-secret-key');
    await secretKey.waitFor();
    key = {
      secretId: (await page.getByTestId('new-secret-id').textContent()) ?? '',
      secretKey: (await secretKey.textContent()) ?? '',
    };
    await root.capture('users-key-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Attach policy' }).click();
    await page.getByRole('combobox', { name: 'Template bucket' }).click();
    await page.getByRole('option', { name: Readable }).click();
    await page.getByRole('button', { name: 'Read-only on the bucket' }).click();
    // The template in COS policy syntax (the default), with the account's APPID and the bucket's region.
    const doc = await page.getByLabel('Policy document').inputValue();
    expect(doc).toContain('"version": "2.0"');
    expect(doc).toMatch(new RegExp(`qcs::cos:${Region}:uid/\\d+:${Readable}/\\*`));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('read-only', { exact: true }).waitFor();
    await root.capture('users');
  });
  expect(key.secretKey).toMatch(/\S{20,}/);
  await root.context.close();

  // Signed in with the new key (a sub-user), the console has no Users page: the admin API answers the root only.
  const sub = await openConsole(browser, t.server.consoleUrl, key);
  await failureShot(sub, 'sub-user', async () => {
    await sub.page.getByRole('heading', { name: 'Bucket List' }).waitFor();
    expect(await sub.page.getByRole('link', { name: 'Users and keys' }).count()).toBe(0);
    await sub.page.getByRole('link', { name: Readable }).waitFor();
    expect(await sub.page.getByRole('link', { name: Hidden }).count()).toBe(0);
    expect(await sub.page.getByTestId('buckets-empty').count()).toBe(0);
    await sub.capture('sub-user-buckets');
    await sub.page.getByRole('link', { name: Readable }).click();
    await sub.page.getByTestId('file-table').waitFor();
    await sub.capture('sub-user-files');
  });
  expect(sub.errors).toEqual([]);
  await sub.context.close();
});

it('a sub-user refused GetService is told so and opens its bucket by name', async () => {
  const bucket = Readable;
  const { creds } = await createSubUser(t, 'no-list', {
    'read-one': {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      ],
    },
  });
  const sub = await openConsole(browser, t.server.consoleUrl, {
    secretId: creds.accessKeyId,
    secretKey: creds.secretKey,
  });
  await failureShot(sub, 'sub-user-refused', async () => {
    const { page } = sub;
    const refused = page.getByTestId('buckets-refused');
    await refused.getByText('You may not list buckets').waitFor();
    expect(await refused.textContent()).toMatch(/AccessDenied[\s\S]*RequestId/);
    expect(await page.getByRole('button', { name: 'Create bucket' }).count()).toBe(0);
    expect(await page.getByText('No buckets yet').count()).toBe(0);
    await sub.capture('sub-user-refused');
    await page.getByLabel('Open a bucket by name').fill(bucket);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('file-table').waitFor();
  });
  expect(sub.errors).toEqual([]);
  await sub.context.close();
});
