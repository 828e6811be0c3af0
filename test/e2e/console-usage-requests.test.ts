/**
 * The Usage tab's requests over time (issue 12) in Chromium: after requests made with the AWS SDK, the
 * stacked area chart and the totals table show them by operation, for each range; at phone width and
 * in the dark theme too (axe on each). A server whose counts are not flushed yet shows the empty
 * state; a failing read shows the server's Code, Message and RequestId; a sub-user is told the chart
 * is the root's.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { failureShot, launchBrowser, openConsole } from './helpers/console.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let browser: Browser;
const Bucket = 'traffic-1250000000';

beforeAll(async () => {
  t = await startTestServer({ config: { requestCountsFlushMs: '200' } });
  browser = await launchBrowser();
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket }));
  for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket, Key: `f${i}.txt`, Body: 'x'.repeat(100) }));
  for (let i = 0; i < 3; i++)
    await (await s3.send(new GetObjectCommand({ Bucket, Key: `f${i}.txt` }))).Body?.transformToString();
  await s3.send(new HeadObjectCommand({ Bucket, Key: 'f0.txt' }));
  await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'missing' }))).rejects.toThrow();
  s3.destroy();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('draws requests by operation as a stacked area chart with totals, for each range', async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  await failureShot(ui, 'usage-requests', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/usage`);
    const card = page.getByTestId('requests-over-time');
    const totals = card.getByRole('table', { name: 'Requests by operation, totals' });
    const row = (op: string) =>
      totals.getByRole('row').filter({ has: page.getByRole('cell', { name: op, exact: true }) });
    // The counts reach the store within a flush; the chart refreshes on a range change.
    await expect
      .poll(async () => {
        await card.getByText('Last hour').click();
        await card.getByText('Last 24 hours').click();
        return row('PutObject').count();
      })
      .toBe(1);
    await expect
      .poll(() => row('PutObject').getByRole('cell').allTextContents())
      .toEqual(['PutObject', '5', '0', '500 B', '0 B']);
    expect((await row('GetObject').getByRole('cell').allTextContents()).slice(0, 3)).toEqual(['GetObject', '4', '1']);
    expect((await row('HeadObject').getByRole('cell').allTextContents()).slice(0, 3)).toEqual(['HeadObject', '1', '0']);
    // A real chart: one stacked area per operation drawn, and its legend.
    const chart = card.getByLabel(/^Requests by operation, last 24 hours, every 10 minutes$/);
    await chart.locator('.recharts-area').first().waitFor();
    expect(await chart.locator('.recharts-area').count()).toBeGreaterThanOrEqual(3);
    await chart.locator('.recharts-legend-wrapper').getByText('PutObject').waitFor();
    await ui.capture('usage-requests-24h');

    await card.getByText('Last 7 days').click();
    await card
      .getByLabel(/^Requests by operation, last 7 days, every 60 minutes$/)
      .locator('.recharts-area')
      .first()
      .waitFor();
    await card.getByText('Last hour').click();
    await card
      .getByLabel(/^Requests by operation, last hour, every 1 minutes$/)
      .locator('.recharts-area')
      .first()
      .waitFor();
    await expect.poll(() => row('PutObject').getByRole('cell').nth(1).textContent()).toBe('5');
    await ui.capture('usage-requests-1h');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('at phone width and in the dark theme', async () => {
  for (const [name, options] of [
    ['usage-requests-phone', { viewport: { width: 390, height: 844 } }],
    ['usage-requests-dark', { colorScheme: 'dark' as const }],
    ['usage-requests-phone-dark', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const }],
  ] as const) {
    const ui = await openConsole(browser, t.server.consoleUrl, t, options);
    await failureShot(ui, name, async () => {
      await ui.page.goto(`${t.server.consoleUrl}buckets/${Bucket}/usage`);
      const card = ui.page.getByTestId('requests-over-time');
      await card.locator('.recharts-area').first().waitFor();
      await card.getByRole('table', { name: 'Requests by operation, totals' }).getByText('PutObject').waitFor();
      await ui.capture(name);
    });
    expect(ui.errors).toEqual([]);
    await ui.context.close();
  }
});

it("shows the server's Code, Message and RequestId when the read fails", async () => {
  const ui = await openConsole(browser, t.server.consoleUrl, t);
  const { page } = ui;
  // The answer of a failing server (the endpoint itself never fails here on purpose).
  await page.route('**/-/admin/usage/requests?**', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: 'SlowDown', message: 'Please reduce your request rate.', requestId: 'req-503-x' }),
    }),
  );
  await failureShot(ui, 'usage-requests-error', async () => {
    await page.goto(`${t.server.consoleUrl}buckets/${Bucket}/usage`);
    const alert = page.getByTestId('requests-over-time').getByRole('alert');
    await alert.getByText('Requests over time could not be read').waitFor();
    const details = await alert.getByTestId('error-details').textContent();
    expect(details).toContain('SlowDown');
    expect(details).toContain('Please reduce your request rate.');
    expect(details).toContain('req-503-x');
    // The rest of the page still shows the storage figures.
    await page.getByTestId('usage').getByRole('table', { name: 'Objects by storage class' }).waitFor();
    await ui.capture('usage-requests-error');
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('a sub-user allowed GetBucketUsage sees the storage figures and is told the requests are for the root', async () => {
  const { creds } = await createSubUser(t, 'usage-reader', {
    usage: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
        { Effect: 'Allow', Action: ['s3:GetBucketUsage', 's3:ListBucket'], Resource: [`arn:aws:s3:::${Bucket}`] },
      ],
    },
  });
  const ui = await openConsole(browser, t.server.consoleUrl, {
    secretId: creds.accessKeyId,
    secretKey: creds.secretKey,
  });
  await failureShot(ui, 'usage-requests-subuser', async () => {
    await ui.page.goto(`${t.server.consoleUrl}buckets/${Bucket}/usage`);
    await ui.page.getByTestId('usage').getByText('Requests over time are shown to the account root.').waitFor();
    expect(await ui.page.getByTestId('requests-over-time').count()).toBe(0);
  });
  expect(ui.errors).toEqual([]);
  await ui.context.close();
});

it('a bucket with no counted requests yet shows the empty state', async () => {
  // Counts are flushed every 10 minutes here: none has reached the store while the test looks.
  const quiet = await startTestServer({ config: { requestCountsFlushMs: '600000' } });
  try {
    await quiet.s3().send(new CreateBucketCommand({ Bucket }));
    const ui = await openConsole(browser, quiet.server.consoleUrl, quiet);
    await failureShot(ui, 'usage-requests-empty', async () => {
      await ui.page.goto(`${quiet.server.consoleUrl}buckets/${Bucket}/usage`);
      await ui.page
        .getByTestId('requests-empty')
        .getByText('No requests to this bucket in the last 24 hours.')
        .waitFor();
      await ui.capture('usage-requests-empty');
    });
    expect(ui.errors).toEqual([]);
    await ui.context.close();
  } finally {
    await quiet.close();
  }
});
