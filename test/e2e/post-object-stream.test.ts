/**
 * POST Object streams its file: a 64 MiB form upload is written to disk as it arrives, so the
 * process's resident memory grows by far less than the file (sampled while the upload runs, client
 * and server in this process; the client sends one reused 1 MiB buffer with backpressure). A 16 MiB
 * upload first lets the allocator reach the plateau any streaming upload reaches (socket buffers
 * awaiting GC); after it, even 192 MiB uploads grow RSS by a few MiB.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cosSignedFields, formHead, formTail, policyDoc, postForm } from './helpers/post-form.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
const FILE_BYTES = 64 * MIB;

let t: TestServer;
let bucket: string;
beforeAll(async () => {
  t = await startTestServer();
  bucket = t.bucketName('poststream');
  await t.cos().putBucket({ Bucket: bucket, Region: 'ap-guangzhou' });
});
afterAll(async () => {
  await t?.close();
});

function formStream(key: string, chunk: Buffer, count: number): { body: Readable; length: number } {
  const head = formHead([['key', key], ...cosSignedFields(t, policyDoc([['content-length-range', 0, FILE_BYTES]]))], {
    filename: 'big.bin',
    contentType: 'application/octet-stream',
  });
  const tail = formTail([['submit', 'Upload']]);
  const body = Readable.from(
    (function* () {
      yield head;
      for (let i = 0; i < count; i++) yield chunk;
      yield tail;
    })(),
    { objectMode: false },
  );
  return { body, length: head.length + chunk.length * count + tail.length };
}

it('a 64 MiB form upload streams: RSS grows by much less than the file, and the bytes are all there', async () => {
  const chunk = Buffer.alloc(MIB);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  const md5 = createHash('md5');
  for (let i = 0; i < FILE_BYTES / MIB; i++) md5.update(chunk);

  // Warm up (module loading, the allocator's plateau) before the baseline.
  const warm = formStream('warm.bin', chunk, 16);
  expect((await postForm(t, bucket, warm.body, { contentLength: warm.length })).status).toBe(204);

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const { body, length } = formStream('big.bin', chunk, FILE_BYTES / MIB);
  const res = await postForm(t, bucket, body, { contentLength: length });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);

  expect(res.status, res.text).toBe(204);
  expect(res.headers.etag).toBe(`"${md5.digest('hex')}"`);
  const head = await t.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
  expect(head.ContentLength).toBe(FILE_BYTES);
  const grownMiB = (peak - baseline) / MIB;
  console.log(`POST Object ${FILE_BYTES / MIB} MiB: peak RSS grew ${grownMiB.toFixed(1)} MiB`);
  expect(grownMiB).toBeLessThan(FILE_BYTES / MIB / 2);
});
