/**
 * A real browser (headless Chromium via playwright-core) on one origin uploading to Coffer on
 * another: a presigned PUT with fetch, whose CORS preflight fails without a rule (the page sees the
 * failure) and passes with one; and a POST form upload built as FormData with a signed policy.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { cosSignedFields, FILENAME_VARIABLE, policyDoc } from './helpers/post-form.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';

let t: TestServer;
let pages: http.Server;
let pageOrigin: string;
let browser: Browser;
let page: Page;
let Bucket: string;

beforeAll(async () => {
  t = await startTestServer();
  Bucket = t.bucketName('browser');
  await t.cos().putBucket({ Bucket, Region: REGION });
  // The page's own origin: a different port on 127.0.0.1 is a different origin.
  pages = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>uploader</title><p>Coffer browser test</p>');
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  page = await browser.newPage();
  await page.goto(`${pageOrigin}/`);
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await t?.close();
});

type FetchOutcome = { ok: true; status: number; etag: string | null; text: string } | { ok: false; error: string };

/** Runs a cross-origin PUT with fetch inside the page; a CORS failure surfaces as a TypeError there. */
function browserPut(url: string, body: string): Promise<FetchOutcome> {
  return page.evaluate(
    async ({ url, body }) => {
      try {
        const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
        return { ok: true as const, status: res.status, etag: res.headers.get('etag'), text: await res.text() };
      } catch (err) {
        return { ok: false as const, error: String(err) };
      }
    },
    { url, body },
  );
}

async function presignedPut(key: string): Promise<string> {
  return getSignedUrl(t.s3(), new PutObjectCommand({ Bucket, Key: key }), { expiresIn: 300 });
}

async function exists(key: string): Promise<boolean> {
  return t
    .s3()
    .send(new HeadObjectCommand({ Bucket, Key: key }))
    .then(
      () => true,
      () => false,
    );
}

it('without a CORS rule the preflight fails: the page sees a network error and nothing is stored', async () => {
  const preflights = () => t.server.metrics.snapshot()['OptionsObject']?.byStatus ?? {};
  const before = preflights()['4xx'] ?? 0;
  const outcome = await browserPut(await presignedPut('denied.txt'), 'should not land');
  expect(outcome.ok).toBe(false);
  expect(outcome.ok ? '' : outcome.error).toMatch(/TypeError/);
  // The browser asked first, was refused (403), and never sent the PUT.
  expect(preflights()['4xx']).toBe(before + 1);
  expect(t.server.metrics.requests('PutObject')).toBe(0);
  expect(await exists('denied.txt')).toBe(false);
});

it('with a rule for the page origin the preflight passes and the PUT lands; the page reads the ETag', async () => {
  await t.cos().putBucketCors({
    Bucket,
    Region: REGION,
    CORSRules: [{ AllowedOrigin: [pageOrigin], AllowedMethod: ['PUT', 'POST', 'GET'], AllowedHeader: ['*'] }],
  });
  const body = 'uploaded from a browser';
  const outcome = await browserPut(await presignedPut('from-browser.txt'), body);
  expect(outcome).toMatchObject({ ok: true, status: 200 });
  expect(outcome.ok && outcome.etag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  const got = await t.s3().send(new GetObjectCommand({ Bucket, Key: 'from-browser.txt' }));
  expect((await readAll(got.Body as AsyncIterable<Uint8Array>)).toString()).toBe(body);
});

it('a POST form built as FormData with a signed policy uploads the file; the page reads the 201 PostResponse', async () => {
  const fields = [
    ['key', `forms/${FILENAME_VARIABLE}`],
    ['success_action_status', '201'],
    ['Content-Type', 'text/plain'],
    ...cosSignedFields(t, policyDoc([{ bucket: Bucket }, ['starts-with', '$key', 'forms/']])),
  ];
  const outcome = await page.evaluate(
    async ({ url, fields }) => {
      const form = new FormData();
      for (const [name, value] of fields) form.append(name!, value!);
      form.append('file', new Blob(['posted from a page'], { type: 'text/plain' }), 'note.txt');
      try {
        const res = await fetch(url, { method: 'POST', body: form });
        return { ok: true as const, status: res.status, etag: res.headers.get('etag'), text: await res.text() };
      } catch (err) {
        return { ok: false as const, error: String(err) };
      }
    },
    { url: `${t.url}/${Bucket}`, fields },
  );
  expect(outcome).toMatchObject({ ok: true, status: 201 });
  expect(outcome.ok && outcome.text).toContain('<Key>forms/note.txt</Key>');
  const got = await t.s3().send(new GetObjectCommand({ Bucket, Key: 'forms/note.txt' }));
  expect(got.ContentType).toBe('text/plain');
  expect((await readAll(got.Body as AsyncIterable<Uint8Array>)).toString()).toBe('posted from a page');
});
