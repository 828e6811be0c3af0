/**
 * The browser bundle (packages/sdk/dist/browser/coffer-sdk.js, built by esbuild) in headless Chromium: a page
 * generates a 20 MB File, uploads it with sliceUploadFile, pauses at ~30% and restarts; the upload resumes,
 * progress events arrive throughout, and the object's MD5 equals the File's. A putObject of the same File shows
 * XMLHttpRequest's upload progress within one request.
 *
 * The page and the bundle are served by a tiny node:http server on 127.0.0.1 that reverse-proxies every other path
 * to Coffer, so the page's API requests are same-origin and the browser needs no CORS (Coffer's CORS support is
 * being built separately). The SDK signs the proxy's host, which the proxy passes on unchanged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const BUNDLE = fileURLToPath(new URL('../../packages/sdk/dist/browser/coffer-sdk.js', import.meta.url));
const MIB = 1024 * 1024;
const FILE_BYTES = 20 * MIB;
const Bucket = 'sdkbrowser-1250000000';
const Key = 'browser/20mb.bin';

/** The page: a module that imports the bundle and exposes `run(config)` to the test. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>coffer sdk</title></head>
<body>
<script type="module">
import COS from '/sdk/coffer-sdk.js';
window.run = async (config) => {
  // 20 MB of pseudo-random bytes (xorshift32), made in the page.
  const bytes = new Uint8Array(${FILE_BYTES});
  const words = new Uint32Array(bytes.buffer);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    words[i] = x >>> 0;
  }
  const file = new File([bytes], '20mb.bin', { type: 'application/octet-stream' });
  const cos = new COS({
    SecretId: config.secretId,
    SecretKey: config.secretKey,
    Protocol: location.protocol,
    Domain: location.host,
    ForcePathStyle: true,
    ProgressInterval: 20,
  });
  const progress = [];
  const states = [];
  let pausedAt = null;
  cos.on('list-update', ({ list }) => states.push(list[0] && list[0].state));
  const outcome = await new Promise((resolve) => {
    let taskId;
    cos.sliceUploadFile({
      Bucket: config.bucket,
      Region: config.region,
      Key: config.key,
      Body: file,
      SliceSize: 1024 * 1024,
      onTaskReady: (id) => { taskId = id; },
      onProgress: (p) => {
        progress.push(p);
        if (pausedAt === null && p.percent >= 0.3) {
          pausedAt = p.loaded;
          cos.pauseTask(taskId);
          setTimeout(() => cos.restartTask(taskId), 300);
        }
      },
    }, (err, data) => resolve(err ? { error: { code: err.code, message: err.message } } : { data }));
  });
  await new Promise((r) => setTimeout(r, 50));
  // One 20 MB putObject: XMLHttpRequest reports the bytes sent while the request is still going.
  const putProgress = [];
  await cos.putObject({
    Bucket: config.bucket,
    Region: config.region,
    Key: config.key + '.put',
    Body: file,
    onProgress: (p) => putProgress.push(p.loaded),
  });
  return {
    putProgress,
    ...outcome,
    data: outcome.data && { ETag: outcome.data.ETag, UploadId: outcome.data.UploadId, statusCode: outcome.data.statusCode },
    progress,
    states,
    pausedAt,
    fileMd5: COS.util.md5(bytes),
    fileSize: file.size,
    isXhr: typeof XMLHttpRequest === 'function',
  };
};
window.ready = true;
</script>
</body></html>`;

let t: TestServer;
let proxy: http.Server;
let proxyUrl: string;
let browser: Browser | undefined;

/** Serves /page and /sdk/*, and passes every other request to Coffer unchanged (Host included). */
function startProxy(upstreamPort: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    if (url.startsWith('/sdk/')) {
      const file = url.endsWith('.map') ? `${BUNDLE}.map` : BUNDLE;
      res.writeHead(200, { 'content-type': url.endsWith('.map') ? 'application/json' : 'text/javascript' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    // A paused upload aborts its request in the browser: abort it upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (url.endsWith('.put')) {
      // Read the single-request upload slowly (~10 MB/s, 2 s for the file), so the browser has bytes in flight to
      // report even when the machine is loaded (at 50 MB/s a busy CI run once saw only the final event).
      req
        .pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              setTimeout(() => callback(null, chunk), chunk.length / 10_000);
            },
          }),
        )
        .pipe(upstream);
      return;
    }
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is needed (apt-get install chromium)`).toBe(true);
  expect(fs.existsSync(BUNDLE), 'build the bundle first: npm run build:browser -w @coffer/sdk').toBe(true);
  t = await startTestServer();
  await cofferSdk(t).putBucket({ Bucket, Region });
  proxy = await startProxy(t.port);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
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
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  proxy?.closeAllConnections();
  await t?.close();
});

interface PageOutcome {
  putProgress: number[];
  error?: { code: string; message: string };
  data?: { ETag: string; UploadId: string; statusCode: number };
  progress: { loaded: number; total: number; speed: number; percent: number }[];
  states: (string | undefined)[];
  pausedAt: number | null;
  fileMd5: string;
  fileSize: number;
  isXhr: boolean;
}

it('a page uploads a 20 MB File with sliceUploadFile, pauses, resumes, and the object’s MD5 matches', async () => {
  const page = await browser!.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${proxyUrl}/page`);
  await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  const acceptedBefore = t.server.metrics.snapshot().UploadPart?.byStatus['2xx'] ?? 0;

  const outcome = (await page.evaluate(
    (config) => (globalThis as unknown as { run(c: unknown): Promise<unknown> }).run(config),
    { secretId: t.secretId, secretKey: t.secretKey, bucket: Bucket, region: Region, key: Key },
  )) as PageOutcome;

  expect(pageErrors).toEqual([]);
  expect(outcome.error).toBeUndefined();
  expect(outcome.isXhr).toBe(true);
  expect(outcome.fileSize).toBe(FILE_BYTES);
  expect(outcome.data).toMatchObject({ statusCode: 200 });
  expect(outcome.data!.ETag).toMatch(/-20"$/);

  // Progress: it paused at ~30%, went on after the restart, and ended at 100%.
  expect(outcome.pausedAt).toBeGreaterThanOrEqual(0.3 * FILE_BYTES);
  expect(outcome.pausedAt).toBeLessThan(FILE_BYTES);
  expect(outcome.progress.length).toBeGreaterThan(5);
  expect(outcome.progress.filter((p) => p.loaded > outcome.pausedAt!).length).toBeGreaterThan(0);
  expect(outcome.progress.at(-1)).toMatchObject({ loaded: FILE_BYTES, total: FILE_BYTES, percent: 1 });
  for (const p of outcome.progress) expect(Object.keys(p).sort()).toEqual(['loaded', 'percent', 'speed', 'total']);
  expect(outcome.states).toContain('paused');
  expect(outcome.states.at(-1)).toBe('success');

  // Upload progress inside one request, from XMLHttpRequest's upload events.
  expect(outcome.putProgress.at(-1)).toBe(FILE_BYTES);
  expect(outcome.putProgress.some((loaded) => loaded > 0 && loaded < FILE_BYTES)).toBe(true);

  // The resumed run re-sent no part the server already had.
  const accepted = (t.server.metrics.snapshot().UploadPart?.byStatus['2xx'] ?? 0) - acceptedBefore;
  expect(accepted).toBe(20);

  // The stored object is the page's File.
  const got = await cofferSdk(t).getObject({ Bucket, Region, Key });
  const storedMd5 = createHash('md5')
    .update(got.Body as Buffer)
    .digest('hex');
  expect(storedMd5).toBe(outcome.fileMd5);
  await page.close();
});
