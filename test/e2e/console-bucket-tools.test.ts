/**
 * The console's permission-awareness and its newer bucket pages, in Chromium against a live server, each
 * checked afterwards with a third-party client or on the wire: a read-only sub-user is offered no action it
 * cannot do (GET /-/whoami); the Recycle bin page turns the bin on, restores and purges; the form editors of
 * CORS, hotlink protection and object lock; a COS-syntax policy template; the Logging and inventory page
 * (logging, an inventory, a notification to a declared target); a zip of selected files and a folder,
 * streamed to a file the page picked (the picker is stubbed with the origin-private file system, where the
 * test reads the archive back).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetBucketInventoryConfigurationCommand,
  GetObjectLockConfigurationCommand,
} from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { REGION as Region } from './helpers/cos.js';
import { rawRequest } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;
const Bucket = 'tools-1250000000';
const Other = 'other-1250000000';
const Locked = 'locked-1250000000';

beforeAll(async () => {
  t = await startTestServer({ notifyEnv: { COFFER_NOTIFY_WEBHOOK_hook: 'http://127.0.0.1:9/events' } });
  browser = await launchBrowser();
  for (const b of [Bucket, Other]) await t.cos().putBucket({ Bucket: b, Region });
  await t.s3().send(new CreateBucketCommand({ Bucket: Locked, ObjectLockEnabledForBucket: true }));
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('a read-only sub-user is offered no create, delete, upload or settings it may not use', async () => {
  await t.cos().putObject({ Bucket, Region, Key: 'docs/readme.txt', Body: 'hello' });
  const { creds } = await createSubUser(t, 'reader', {
    read: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${Bucket}`] },
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${Bucket}/*`] },
      ],
    },
  });
  const ui = await openConsole(browser, t.server.consoleUrl, {
    secretId: creds.accessKeyId,
    secretKey: creds.secretKey,
  });
  const { page } = ui;
  await failureShot(ui, 'read-only', async () => {
    await page.getByRole('link', { name: Bucket }).waitFor();
    // No Create bucket, no Delete, no usage or versioning columns it could only fill with dashes.
    expect(await page.getByRole('button', { name: 'Create bucket' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: `Delete bucket ${Bucket}` }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Objects' }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Versioning' }).count()).toBe(0);
    await ui.capture('read-only-buckets');

    await page.getByRole('link', { name: Bucket }).click();
    await page.getByTestId('folder-row').first().waitFor();
    // Only the File List tab; no upload, no drop zone, no create folder.
    await expect.poll(() => page.getByRole('tab').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Upload files' }).count()).toBe(0);
    expect(await page.getByTestId('dropzone').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create folder' }).count()).toBe(0);
    await page.getByRole('link', { name: 'docs' }).click();
    await page.getByTestId('file-row').first().waitFor();
    await page.getByRole('button', { name: 'Actions for readme.txt' }).click();
    await page.getByRole('menuitem', { name: 'Download' }).waitFor();
    expect(await page.getByRole('menuitem', { name: 'Delete' }).count()).toBe(0);
    expect(await page.getByRole('menuitem', { name: 'Rename' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByRole('menuitem', { name: 'Download' }).waitFor({ state: 'detached' });
    await ui.capture('read-only-files');
    // Object details: the facts, not the editors (metadata, storage class, ACL, tags) it may not use.
    await page.getByRole('button', { name: 'Actions for readme.txt' }).click();
    await page.getByRole('menuitem', { name: 'Details' }).click();
    const details = page.getByRole('dialog', { name: 'Object details: readme.txt' });
    await details.getByRole('tab', { name: 'Details' }).waitFor();
    await expect.poll(() => details.getByRole('tab').count()).toBe(1);
    await page.keyboard.press('Escape');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('the Recycle bin page turns the bin on, restores an entry and purges another', async () => {
  const cos = t.cos();
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'recycle', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/recycle`);
    const setting = page.getByTestId('recycle-setting');
    await setting.getByText('Off', { exact: true }).waitFor();
    await setting.getByRole('switch', { name: 'Keep removed objects' }).check();
    await setting.getByLabel('Days kept').fill('3');
    await setting.getByRole('button', { name: 'Save recycle bin' }).click();
    await setting.getByText('On, 3 days').waitFor();
    const conf = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'recycle' });
    expect(conf.text).toContain('<Days>3</Days>');

    for (const Key of ['bin/keep.txt', 'bin/drop.txt']) {
      await cos.putObject({ Bucket, Region, Key, Body: `body of ${Key}` });
      await cos.deleteObject({ Bucket, Region, Key });
    }
    await page.reload();
    const table = page.getByTestId('recycle-table');
    await table.locator('[data-testid="recycle-row"][data-key="bin/drop.txt"]').waitFor();
    await ui.capture('recycle-bin');

    await table.getByRole('button', { name: /^Restore bin\/keep\.txt \(entry \d+\)$/ }).click();
    await expect
      .poll(async () =>
        (await cos.getObject({ Bucket, Region, Key: 'bin/keep.txt' }).catch(() => undefined))?.Body?.toString(),
      )
      .toBe('body of bin/keep.txt');
    await table.locator('[data-testid="recycle-row"][data-key="bin/keep.txt"]').waitFor({ state: 'detached' });

    await table.getByRole('button', { name: /^Purge bin\/drop\.txt/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Purge from the recycle bin' });
    await dialog.getByTestId('purge-summary').getByText('bin/drop.txt').waitFor();
    await ui.capture('recycle-purge-confirm');
    await dialog.getByRole('button', { name: 'Purge' }).click();
    await page.getByTestId('recycle-empty').waitFor();
    const bin = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'recycled' });
    expect(bin.text).not.toContain('<Entry>');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

// On its own bucket: the hotlink protection it saves would refuse the console's presigned downloads elsewhere.
it('CORS, hotlink protection and object lock through their forms; a COS policy template', async () => {
  const cos = t.cos();
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'forms', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Other}/permission`);
    // CORS: the template's rule, then a second rule typed into the form.
    const cors = page.getByTestId('config-cors');
    await cors.getByTestId('cors-form').waitFor();
    await cors.getByRole('button', { name: 'Add CORS rule' }).click();
    const second = cors.getByTestId('cors-rule').nth(1);
    // An origin is required: Save waits for one.
    await cors.getByTestId('config-cors-invalid').getByText('Rule 2: add at least one allowed origin.').waitFor();
    expect(await cors.getByRole('button', { name: 'Save CORS rules' }).isDisabled()).toBe(true);
    const origins = second.getByLabel('Allowed origins');
    await origins.fill('https://app.example.org');
    await origins.press('Enter');
    await second.getByRole('checkbox', { name: 'PUT' }).check();
    await second.getByLabel('Max age (seconds)').fill('120');
    await cors.getByRole('button', { name: 'Save CORS rules' }).click();
    await cors.getByText('Set', { exact: true }).waitFor();
    const rules = (await cos.getBucketCors({ Bucket: Other, Region })).CORSRules;
    expect(rules).toHaveLength(2);
    expect(rules[1]).toMatchObject({ AllowedOrigins: ['https://app.example.org'] });
    expect(String(rules[1]!.MaxAgeSeconds)).toBe('120');
    expect(rules[1]!.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'PUT']));

    // Referer: a bad domain is caught in the form; a good one is saved.
    const referer = page.getByTestId('config-referer');
    await referer.getByRole('button', { name: 'Add domain' }).click();
    await referer.getByRole('textbox', { name: 'Domain 2', exact: true }).fill('not a domain');
    await referer.getByText('Domain 2 ("not a domain") is not a domain', { exact: false }).waitFor();
    expect(await referer.getByRole('button', { name: 'Save hotlink protection' }).isDisabled()).toBe(true);
    await referer.getByRole('textbox', { name: 'Domain 2', exact: true }).fill('cdn.example.net');
    await referer.getByRole('radio', { name: 'Deny' }).check();
    await ui.capture('settings-forms');
    await referer.getByRole('button', { name: 'Save hotlink protection' }).click();
    await referer.getByText('Set', { exact: true }).waitFor();
    const got = JSON.stringify((await cos.getBucketReferer({ Bucket: Other, Region })).RefererConfiguration);
    expect(got).toContain('cdn.example.net');
    expect(got).toContain('Deny');
    // The raw view shows the same document.
    await referer.getByText('XML', { exact: true }).click();
    expect(await referer.getByLabel('Hotlink protection (XML)').inputValue()).toContain(
      '<Domain>cdn.example.net</Domain>',
    );

    // Policy: the COS "Public read" template; an anonymous GET works afterwards.
    await cos.putObject({ Bucket: Other, Region, Key: 'public/hello.txt', Body: 'public hello' });
    const policy = page.getByTestId('config-policy');
    const templates = policy.getByTestId('policy-templates');
    await templates.getByRole('combobox', { name: 'Insert a template (COS syntax)' }).click();
    await page.getByRole('option', { name: 'Public read' }).click();
    await templates.getByRole('button', { name: 'Insert template' }).click();
    const editor = policy.getByLabel('Bucket policy (JSON)');
    await expect.poll(() => editor.inputValue()).toMatch(new RegExp(`qcs::cos:${Region}:uid/\\d+:${Other}/\\*`));
    // The starting template (S3 syntax, shown while the bucket has no policy) was replaced, not added to.
    expect(await editor.inputValue()).not.toContain('arn:aws:s3');
    await ui.capture('settings-policy-template');
    await policy.getByRole('button', { name: 'Save bucket policy' }).click();
    await policy.getByText('Set', { exact: true }).waitFor();
    // Anonymous, from a page of the allowed domain (the hotlink protection above refuses an empty Referer).
    const anonymous = await fetch(`http://127.0.0.1:${t.port}/${Other}/public/hello.txt`, {
      headers: { referer: 'https://cdn.example.net/page.html' },
    });
    expect(await anonymous.text()).toBe('public hello');

    // Object lock: a default retention of 2 years, COMPLIANCE, through the form.
    await page.goto(`${t.server.consoleUrl}buckets/${Locked}/security`);
    const lock = page.getByTestId('config-object-lock');
    await lock.getByTestId('object-lock-form').waitFor();
    await lock.getByRole('switch', { name: 'Default retention for new object versions' }).check();
    await lock.getByRole('radio', { name: 'Compliance' }).check();
    await lock.getByLabel('Retention period').fill('2');
    await lock.getByRole('combobox', { name: 'Unit' }).click();
    await page.getByRole('option', { name: 'Years' }).click();
    await lock.getByRole('button', { name: 'Save object lock' }).click();
    await expect
      .poll(async () => {
        const config = await t.s3().send(new GetObjectLockConfigurationCommand({ Bucket: Locked }));
        return config.ObjectLockConfiguration?.Rule?.DefaultRetention;
      })
      .toMatchObject({ Mode: 'COMPLIANCE', Years: 2 });
    await ui.capture('settings-object-lock-form');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('logging, an inventory and a notification through the Logging and inventory page', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'logging', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/logging`);
    const logging = page.getByTestId('config-logging');
    await logging.getByTestId('logging-form').waitFor();
    await logging.getByRole('combobox', { name: 'Target bucket' }).click();
    await page.getByRole('option', { name: Other }).click();
    await logging.getByLabel('Log file prefix').fill('access/');
    await logging.getByRole('button', { name: 'Save logging' }).click();
    await logging.getByText('Set', { exact: true }).waitFor();
    const status = await t.cos().getBucketLogging({ Bucket, Region });
    expect(status.BucketLoggingStatus.LoggingEnabled).toMatchObject({ TargetBucket: Other, TargetPrefix: 'access/' });

    const inventory = page.getByTestId('config-inventory');
    await inventory.getByRole('button', { name: 'Add inventory' }).click();
    await inventory.getByLabel('Name').fill('weekly-list');
    await inventory.getByRole('combobox', { name: 'Frequency' }).click();
    await page.getByRole('option', { name: 'Weekly' }).click();
    await inventory.getByRole('button', { name: 'Save inventory' }).click();
    await inventory.getByTestId('inventory-row').getByText('weekly-list').waitFor();
    const inv = await t.s3().send(new GetBucketInventoryConfigurationCommand({ Bucket, Id: 'weekly-list' }));
    expect(inv.InventoryConfiguration?.Schedule?.Frequency).toBe('Weekly');

    const notification = page.getByTestId('config-notification');
    await notification.getByTestId('notification-form').waitFor();
    await notification.getByRole('checkbox', { name: /^Object removed/ }).check();
    await notification.getByLabel('Key suffix').fill('.jpg');
    await ui.capture('logging-inventory');
    await notification.getByRole('button', { name: 'Save notifications' }).click();
    await notification.getByText('Set', { exact: true }).waitFor();
    const xml = (await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'notification' })).text;
    expect(xml).toContain('<Queue>arn:coffer:sqs::hook:webhook</Queue>');
    expect(xml).toContain('s3:ObjectRemoved:*');
    expect(xml).toContain('<Value>.jpg</Value>');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('selected files and a folder download as one zip, streamed to the picked file', async () => {
  const cos = t.cos();
  await cos.putObject({ Bucket, Region, Key: 'zip/a.txt', Body: 'alpha' });
  await cos.putObject({ Bucket, Region, Key: 'zip/b.bin', Body: Buffer.alloc(300_000, 7) });
  for (let i = 0; i < 3; i++) await cos.putObject({ Bucket, Region, Key: `zip/sub/n${i}.txt`, Body: `n${i}` });
  await cos.putObject({ Bucket, Region, Key: 'zip/skip.txt', Body: 'not selected' });
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'zip', async () => {
    // The save picker answers with a file of the origin-private file system: the stream is written there.
    await page.addInitScript(() => {
      (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (o: {
        suggestedName: string;
      }) => (await navigator.storage.getDirectory()).getFileHandle(o.suggestedName, { create: true });
    });
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/files?prefix=zip%2F`);
    await page.locator('[data-testid="file-row"][data-key="zip/a.txt"]').waitFor();
    await page.getByRole('checkbox', { name: 'Select a.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select b.bin' }).check();
    await page.getByRole('checkbox', { name: 'Select sub/' }).check();
    await page.getByTestId('zip-selected').click();
    const progress = page.getByTestId('zip-progress');
    await page.locator('[data-testid="zip-progress"][data-state="done"]').waitFor();
    await progress.getByText('Saved: 5 files').waitFor();
    await ui.capture('zip-done');
    const bytes = await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle('zip.zip')).getFile();
      return Array.from(new Uint8Array(await file.arrayBuffer()));
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-zip-'));
    try {
      fs.writeFileSync(path.join(dir, 'out.zip'), Buffer.from(bytes));
      execFileSync('unzip', ['-q', 'out.zip', '-d', 'x'], { cwd: dir });
      const x = path.join(dir, 'x');
      expect(fs.readFileSync(path.join(x, 'a.txt'), 'utf8')).toBe('alpha');
      expect(fs.readFileSync(path.join(x, 'b.bin'))).toEqual(Buffer.alloc(300_000, 7));
      expect(fs.readdirSync(path.join(x, 'sub')).sort()).toEqual(['n0.txt', 'n1.txt', 'n2.txt']);
      expect(fs.existsSync(path.join(x, 'skip.txt'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});
