// The web console's bench row (issue 12): the File List's time to its first rows and to a full page of 1,000
// rows in Chromium, on a bucket of N keys (metadata filled directly, bench/lib/prefill.js), and the console's
// initial JavaScript, gzipped. Times are from navigation / the page-size change to the rows being in the DOM.
//
//   node bench/console.js [--keys 1000000]   (default 200,000: filling 1 M keys takes minutes on a busy machine)
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { configFrom, startServer } from '@coffer/server';
import COS from 'cos-nodejs-sdk-v5';
import { launchChromium, signIn } from './lib/console-browser.js';
import { fillCofferListing, PROBE_DIR } from './lib/prefill.js';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '200000' } } });
const keys = Number(values.keys);
const DIST = fileURLToPath(new URL('../packages/console/dist/', import.meta.url));
const Bucket = 'bench-1250000000';
const Region = 'ap-guangzhou';

/** The scripts index.html loads at once (its module script and modulepreloads), gzipped. */
function initialJsGzipBytes() {
  const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const srcs = [...html.matchAll(/(?:src|href)="\/-\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  return srcs.reduce((sum, src) => sum + gzipSync(readFileSync(path.join(DIST, src)), { level: 9 }).length, 0);
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coffer-bench-console-'));
const config = configFrom({ address: '127.0.0.1:0', dataDir, logLevel: 'silent', fsync: '0' });
let server = await startServer(config);
const cos = new COS({
  SecretId: server.identity.secretId,
  SecretKey: server.identity.secretKey,
  Protocol: 'http:',
  Domain: `127.0.0.1:${server.port}/{Bucket}`,
});
await cos.putBucket({ Bucket, Region });
await server.close();
const fillStart = performance.now();
fillCofferListing(dataDir, Bucket, keys);
const fillMs = performance.now() - fillStart;
server = await startServer(config);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, server.consoleUrl, server.identity);
  const url = `${server.consoleUrl}buckets/${Bucket}/files?prefix=${encodeURIComponent(PROBE_DIR)}`;
  const firstRows = [];
  const fullPage = [];
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    await page.goto(url);
    await page.locator('[data-testid=file-row]').first().waitFor({ timeout: 60_000 });
    firstRows.push(performance.now() - start);
    await page.getByRole('combobox', { name: 'Rows per page' }).click();
    start = performance.now();
    await page.getByRole('option', { name: '1000' }).click();
    // The table is virtualised: the page is there when the table holds 1,000 entries and shows its first rows.
    await page.locator('[data-testid=file-table][data-row-count="1000"] [data-testid=file-row]').first().waitFor({
      timeout: 60_000,
    });
    fullPage.push(performance.now() - start);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = {
    id: 'console-file-list',
    keys,
    fillMs: Math.round(fillMs),
    firstRowsMs: Math.round(median(firstRows)),
    fullPage1000Ms: Math.round(median(fullPage)),
    initialJsGzipKB: Math.round(initialJsGzipBytes() / 1024),
    goals: { firstRowsMs: 300, fullPage1000Ms: 300, initialJsGzipKB: 350 },
  };
  console.log(JSON.stringify(row));
} finally {
  await browser.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
