/**
 * Inline bodies (issue 17): objects and parts of at most COFFER_INLINE_MAX_BYTES are kept in the
 * metadata database with their version row — no blob file, no temporary file, no intent — and every
 * path reads them back: GET, HEAD, Range, checksums, copies, multipart parts and part copies,
 * APPEND, delete + GC, restarts. A body that grows past the threshold while it streams goes to a
 * file with every byte. The threshold here is 1 KiB so the boundary is cheap to cross.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobFileSizes, inlineBodies } from './helpers/blobs.js';
import { collectGarbage, crc64Decimal, MiB, md5Hex, streamingRequest, tmpFiles } from './helpers/multipart.js';
import { rawRequest } from './helpers/s3.js';
import { metadataUrlOf, readAll, startTestServer, type TestServer } from './helpers/server.js';

const THRESHOLD = 1024;

function pendingIntents(dataDir: string): number {
  const url = metadataUrlOf(dataDir);
  if (url !== undefined) {
    return Number(execFileSync('psql', [url, '-Atc', 'SELECT count(*) FROM pending_blobs'], { encoding: 'utf8' }));
  }
  const db = new Database(path.join(dataDir, 'meta.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM pending_blobs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('inline bodies', () => {
  let t: TestServer;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer({ config: { inlineMaxBytes: String(THRESHOLD) } });
    bucket = t.bucketName('inline');
    await t.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function get(key: string, range?: string): Promise<Buffer> {
    const res = await t
      .s3()
      .send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
    return readAll(res.Body as AsyncIterable<Uint8Array>);
  }

  it('a PUT at the threshold writes no file and no intent; GET, HEAD, Range and every checksum read it back', async () => {
    const files = await blobFileSizes(t.dataDir);
    const inline = inlineBodies(t.dataDir).size;
    const data = randomBytes(THRESHOLD);
    const put = await t.s3().send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'at-threshold',
        Body: data,
        ChecksumAlgorithm: ChecksumAlgorithm.SHA256,
      }),
    );
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    expect(put.ChecksumSHA256).toBe(createHash('sha256').update(data).digest('base64'));
    expect(await blobFileSizes(t.dataDir)).toEqual(files);
    expect(inlineBodies(t.dataDir).size).toBe(inline + 1);
    expect(await tmpFiles(t.dataDir)).toEqual([]);
    expect(pendingIntents(t.dataDir)).toBe(0);

    expect((await get('at-threshold')).equals(data)).toBe(true);
    expect((await get('at-threshold', 'bytes=100-199')).equals(data.subarray(100, 200))).toBe(true);
    expect((await get('at-threshold', 'bytes=-24')).equals(data.subarray(THRESHOLD - 24))).toBe(true);
    const head = await t
      .s3()
      .send(new HeadObjectCommand({ Bucket: bucket, Key: 'at-threshold', ChecksumMode: 'ENABLED' }));
    expect(head.ContentLength).toBe(THRESHOLD);
    expect(head.ChecksumSHA256).toBe(put.ChecksumSHA256);
    const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/at-threshold` });
    expect(raw.headers['x-cos-hash-crc64ecma']).toBe(crc64Decimal(data));
    expect(raw.body.equals(data)).toBe(true);
  });

  it('one byte past the threshold goes to a file, with or without a Content-Length, losing no byte already read', async () => {
    const data = randomBytes(THRESHOLD + 1);
    const files = (await blobFileSizes(t.dataDir)).size;
    await t.s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'past-threshold', Body: data }));
    expect((await blobFileSizes(t.dataDir)).size).toBe(files + 1);
    expect((await get('past-threshold')).equals(data)).toBe(true);

    // No Content-Length: the server cannot know in advance; it keeps the first kilobyte, then spills.
    const streamed = randomBytes(3 * THRESHOLD + 7);
    const req = streamingRequest(t, { method: 'PUT', path: `/${bucket}/chunked`, query: '', contentLength: -1 });
    for (let i = 0; i < streamed.length; i += 300) await req.write(streamed.subarray(i, i + 300));
    req.end();
    expect((await req.response).status).toBe(200);
    expect((await blobFileSizes(t.dataDir)).size).toBe(files + 2);
    expect((await get('chunked')).equals(streamed)).toBe(true);
    expect(pendingIntents(t.dataDir)).toBe(0);

    // A small chunked body stays inline.
    const small = randomBytes(500);
    const req2 = streamingRequest(t, { method: 'PUT', path: `/${bucket}/chunked-small`, query: '', contentLength: -1 });
    await req2.write(small.subarray(0, 200));
    await req2.write(small.subarray(200));
    req2.end();
    expect((await req2.response).status).toBe(200);
    expect((await blobFileSizes(t.dataDir)).size).toBe(files + 2);
    expect((await get('chunked-small')).equals(small)).toBe(true);
  });

  it('a wrong Content-MD5 stores nothing', async () => {
    const inline = inlineBodies(t.dataDir).size;
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}/bad-digest`,
      headers: { 'content-md5': createHash('md5').update('other').digest('base64') },
      body: randomBytes(100),
    });
    expect(res.status).toBe(400);
    expect(inlineBodies(t.dataDir).size).toBe(inline);
  });

  it('copies an inline object without copying its bytes; deleting both and a GC pass drop the body', async () => {
    const data = randomBytes(700);
    await t.s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'copy-src', Body: data }));
    const before = inlineBodies(t.dataDir).size;
    await t.s3().send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy-dst', CopySource: `${bucket}/copy-src` }));
    expect(inlineBodies(t.dataDir).size).toBe(before);
    expect((await get('copy-dst')).equals(data)).toBe(true);
    await t.s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy-src' }));
    await collectGarbage(t);
    expect((await get('copy-dst')).equals(data)).toBe(true);
    await t.s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy-dst' }));
    await collectGarbage(t);
    expect(inlineBodies(t.dataDir).size).toBe(before - 1);
  });

  it('multipart: a file part and an inline last part make one object; a part copied from an inline object too', async () => {
    const s3 = t.s3();
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'part-src', Body: Buffer.from('0123456789'.repeat(50)) }),
    );
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mixed' }));
    const p1 = randomBytes(MiB);
    const p3 = randomBytes(300);
    const inlineBefore = inlineBodies(t.dataDir).size;
    const r1 = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'mixed', UploadId, PartNumber: 1, Body: p1 }),
    );
    const r2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'mixed',
        UploadId,
        PartNumber: 2,
        CopySource: `${bucket}/part-src`,
        CopySourceRange: 'bytes=5-104',
      }),
    );
    // Part 2 is small, so it must be the last one completed; part 3 is uploaded and left out.
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mixed', UploadId, PartNumber: 3, Body: p3 }));
    expect(inlineBodies(t.dataDir).size).toBe(inlineBefore + 1);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mixed',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: r1.ETag },
            { PartNumber: 2, ETag: r2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const copied = Buffer.from('0123456789'.repeat(50)).subarray(5, 105);
    const whole = Buffer.concat([p1, copied]);
    expect((await get('mixed')).equals(whole)).toBe(true);
    // A range across the file run and the inline run.
    expect((await get('mixed', `bytes=${MiB - 10}-${MiB + 9}`)).equals(whole.subarray(MiB - 10, MiB + 10))).toBe(true);
    const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}/mixed` });
    expect(raw.headers['x-cos-hash-crc64ecma']).toBe(crc64Decimal(p1, copied));
    // Part 3, left out, was freed; the GC drops its body.
    await collectGarbage(t);
    expect(inlineBodies(t.dataDir).size).toBe(inlineBefore);
  });

  it('APPEND in small segments: each is inline, the object reads back whole and by range', async () => {
    const segments = [randomBytes(100), randomBytes(900), randomBytes(50)];
    let position = 0;
    for (const segment of segments) {
      const res = await rawRequest(t, {
        method: 'POST',
        path: `/${bucket}/appended`,
        query: `append&position=${position}`,
        body: segment,
      });
      expect(res.status).toBe(200);
      position += segment.length;
    }
    const whole = Buffer.concat(segments);
    expect((await get('appended')).equals(whole)).toBe(true);
    expect((await get('appended', 'bytes=90-1010')).equals(whole.subarray(90, 1011))).toBe(true);
  });

  it('inline objects survive a restart', async () => {
    const data = randomBytes(512);
    await t.s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'durable', Body: data }));
    await t.server.close();
    const again = await startTestServer({ dataDir: t.dataDir, config: { inlineMaxBytes: String(THRESHOLD) } });
    t = again;
    expect((await get('durable')).equals(data)).toBe(true);
    expect((await get('at-threshold')).length).toBe(THRESHOLD);
  });
});
