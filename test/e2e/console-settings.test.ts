/**
 * The console's bucket settings editors in Chromium, each checked against the server afterwards with a
 * third-party client (cos-nodejs-sdk-v5, @aws-sdk/client-s3), not only in the page: Basic Configurations
 * (tags), Permission (ACL, bucket policy with the server's validation error, CORS, referer), Security
 * (default encryption, object lock default retention) and the Usage tab's live figures.
 */
import { CreateBucketCommand, GetBucketEncryptionCommand, GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;
const Bucket = 'settings-1250000000';
const Locked = 'locked-1250000000';

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
  await t.cos().putBucket({ Bucket, Region });
  await t.s3().send(new CreateBucketCommand({ Bucket: Locked, ObjectLockEnabledForBucket: true }));
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('tags, ACL, policy, CORS and referer round-trip through the API', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  const cos = t.cos();
  await failureShot(ui, 'settings', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/basic`);
    const tags = page.getByTestId('config-tagging');
    await tags.getByText('Not set').waitFor();
    await tags.getByRole('button', { name: 'Save bucket tags' }).click();
    await tags.getByText('Set', { exact: true }).waitFor();
    expect((await cos.getBucketTagging({ Bucket, Region })).Tags).toEqual([{ Key: 'team', Value: 'media' }]);
    await ui.capture('settings-basic');

    await page.getByRole('tab', { name: 'Permission' }).click();
    // ACL: Public Read/Private Write.
    const acl = page.getByTestId('config-acl');
    await acl.getByRole('radio', { name: 'Public Read/Private Write' }).check();
    await acl.getByRole('button', { name: 'Save ACL' }).click();
    await expect.poll(async () => (await cos.getBucketAcl({ Bucket, Region })).ACL).toBe('public-read');

    // Policy: a wrong one is refused with the server's words; the template is accepted.
    const policy = page.getByTestId('config-policy');
    const editor = policy.getByLabel('Bucket policy (JSON)');
    await editor.waitFor();
    const template = await editor.inputValue();
    // Pretty-printed, the one statement starts on line 4, where the server's message is shown too.
    await editor.fill(
      JSON.stringify(
        { Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Principal: '*', Action: ['s3:GetObject'] }] },
        null,
        2,
      ),
    );
    await policy.getByRole('button', { name: 'Save bucket policy' }).click();
    const refusal = policy.getByRole('alert');
    await refusal.getByText('MalformedPolicy').waitFor();
    expect(await refusal.textContent()).toMatch(/RequestId/);
    await policy.getByText('Line 4: Statement 1: Effect must be Allow or Deny.').waitFor();
    await ui.capture('settings-policy-refused');
    await editor.fill(template);
    await policy.getByRole('button', { name: 'Save bucket policy' }).click();
    await policy.getByText('Set', { exact: true }).waitFor();
    const saved = (await cos.getBucketPolicy({ Bucket, Region })).Policy as unknown as { Statement: unknown[] };
    expect(JSON.stringify(saved)).toContain(`${Bucket}/*`);

    // CORS from the template.
    const cors = page.getByTestId('config-cors');
    await cors.getByRole('button', { name: 'Save CORS rules' }).click();
    await cors.getByText('Set', { exact: true }).waitFor();
    const rules = (await cos.getBucketCors({ Bucket, Region })).CORSRules;
    expect(rules[0]).toMatchObject({ AllowedOrigins: ['https://www.example.com'] });

    // Referer (hotlink protection) from the template.
    const referer = page.getByTestId('config-referer');
    await referer.getByRole('button', { name: 'Save hotlink protection' }).click();
    await referer.getByText('Set', { exact: true }).waitFor();
    const got = await cos.getBucketReferer({ Bucket, Region });
    expect(JSON.stringify(got.RefererConfiguration)).toContain('*.example.com');
    await ui.capture('settings-permission');

    // Removing CORS goes back to "Not set".
    await cors.getByRole('button', { name: 'Remove CORS rules' }).click();
    await cors.getByText('Not set').waitFor();
    await expect(cos.getBucketCors({ Bucket, Region })).resolves.toMatchObject({ CORSRules: [] });
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('default encryption and object lock retention; the Usage tab shows the live figures', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  const s3 = t.s3();
  await failureShot(ui, 'settings-security', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Locked}/security`);
    const encryption = page.getByTestId('config-encryption');
    await encryption.getByRole('radio', { name: 'SSE-COS (AES-256)' }).check();
    await encryption.getByRole('button', { name: 'Save encryption' }).click();
    await expect
      .poll(
        async () =>
          (await s3.send(new GetBucketEncryptionCommand({ Bucket: Locked })).catch(() => undefined))
            ?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      )
      .toBe('AES256');

    const lock = page.getByTestId('config-object-lock');
    // The bucket was made with object lock: the editor shows that, with no default retention yet; add one.
    // The form is the default view; the raw document is one click away.
    await lock.getByTestId('object-lock-form').waitFor();
    await lock.getByText('XML', { exact: true }).click();
    const xml = lock.getByLabel('Object lock (XML)');
    await xml.waitFor();
    expect(await xml.inputValue()).toContain('<ObjectLockEnabled>Enabled</ObjectLockEnabled>');
    await xml.fill(
      '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>' +
        '<Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
    );
    await lock.getByRole('button', { name: 'Save object lock' }).click();
    await expect
      .poll(async () => {
        const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: Locked }));
        return config.ObjectLockConfiguration?.Rule?.DefaultRetention;
      })
      .toMatchObject({ Mode: 'GOVERNANCE', Days: 30 });
    // Read back into the editor, indented.
    await expect.poll(() => xml.inputValue()).toContain('      <Days>30</Days>');
    await ui.capture('settings-security');

    // Usage: two objects, 3 KB, straight from the server's counters.
    const cos = t.cos();
    await cos.putObject({ Bucket, Region, Key: 'a.txt', Body: Buffer.alloc(1024, 1) });
    await cos.putObject({ Bucket, Region, Key: 'b/c.txt', Body: Buffer.alloc(2048, 2) });
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/usage`);
    const usage = page.getByTestId('usage');
    await usage.getByText('3.00 KB').first().waitFor();
    await usage.getByRole('table', { name: 'Objects by storage class' }).getByText('STANDARD').waitFor();
    await ui.capture('usage');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('the settings and usage pages in the dark theme pass axe too', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t, { colorScheme: 'dark' });
  const { page } = ui;
  await failureShot(ui, 'settings-dark', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/permission`);
    await page.getByTestId('config-policy').getByText('Set', { exact: true }).waitFor();
    await ui.capture('settings-permission-dark');
    await page.getByRole('tab', { name: 'Usage' }).click();
    await page.getByTestId('usage').waitFor();
    await ui.capture('usage-dark');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});
