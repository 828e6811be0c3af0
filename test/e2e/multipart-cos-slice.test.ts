/**
 * cos-nodejs-sdk-v5 sliceUploadFile (https://intl.cloud.tencent.com/document/product/436/31710): a 30 MB file in 1 MB
 * slices
 * with onProgress, then an upload interrupted halfway that a second sliceUploadFile resumes — the SDK
 * finds the upload with ListMultipartUploads, re-hashes its slices against ListParts, and sends only
 * the parts the server does not have. The server's request counters prove how many it sent.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { crc64Decimal, MiB, md5Hex, waitFor } from './helpers/multipart.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const FILE_BYTES = 30 * MiB;
/** sliceUploadFile's default ChunkSize (1 MB): 30 parts. */
const TOTAL_PARTS = 30;

describe('cos-nodejs-sdk-v5 sliceUploadFile', () => {
  let t: TestServer;
  let dir: string;
  let filePath: string;
  let content: Buffer;
  const Bucket = 'slice-1250000000';
  beforeAll(async () => {
    t = await startTestServer();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-slice-'));
    filePath = path.join(dir, 'thirty.bin');
    content = randomBytes(FILE_BYTES);
    await fs.writeFile(filePath, content);
    await t.cos('path').putBucket({ Bucket, Region: REGION });
  });
  afterAll(async () => {
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** The object as stored: its bytes (hashed) and the headers GET returns. */
  async function readBack(cos: COS, Key: string) {
    const got = await cos.getObject({ Bucket, Region: REGION, Key });
    return { md5: md5Hex(got.Body as Buffer), size: (got.Body as Buffer).length, headers: got.headers ?? {} };
  }

  it('uploads a 30 MB file in 30 parts with monotonic progress reaching percent 1', async () => {
    const cos = t.cos('path', { ProgressInterval: 1 });
    const progress: { loaded: number; percent: number }[] = [];
    const before = t.server.metrics.requests('UploadPart');
    const data = await cos.sliceUploadFile({
      Bucket,
      Region: REGION,
      Key: 'slices/whole.bin',
      FilePath: filePath,
      onProgress: (p) => progress.push({ loaded: p.loaded, percent: p.percent }),
    });
    expect(data.statusCode).toBe(200);
    expect(data.ETag).toMatch(new RegExp(`^"[0-9a-f]{32}-${TOTAL_PARTS}"$`));
    expect(t.server.metrics.requests('UploadPart') - before).toBe(TOTAL_PARTS);

    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toEqual({ loaded: FILE_BYTES, percent: 1 });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.percent).toBeGreaterThanOrEqual(progress[i - 1]!.percent);
      expect(progress[i]!.loaded).toBeGreaterThanOrEqual(progress[i - 1]!.loaded);
    }

    const stored = await readBack(cos, 'slices/whole.bin');
    expect(stored).toMatchObject({ md5: md5Hex(content), size: FILE_BYTES });
    expect(stored.headers['x-cos-hash-crc64ecma']).toBe(crc64Decimal(content));
    expect(stored.headers.etag).toBe(data.ETag);
  });

  it('an upload cancelled halfway is resumed by a second call, which sends only the missing parts', async () => {
    const Key = 'slices/resumed.bin';
    // cancelTask rather than pauseTask: a paused task keeps its UploadId marked "in use" in the SDK's
    // process-wide session, so a second sliceUploadFile in this process would start a new upload
    // instead of resuming (restartTask resumes from local state, not from the server).
    const first = t.cos('path', { ProgressInterval: 1 });
    const initiatesBefore = t.server.metrics.requests('CreateMultipartUpload');
    let cancelled!: () => void;
    const cancelledAt = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    let taskId = '';
    let stopped = false;
    const interrupted = first.sliceUploadFile({
      Bucket,
      Region: REGION,
      Key,
      FilePath: filePath,
      onTaskReady: (id) => {
        taskId = id;
      },
      onProgress: (p) => {
        if (!stopped && p.percent >= 0.5) {
          stopped = true;
          first.cancelTask(taskId);
          cancelled();
        }
      },
    });
    // A cancelled task's callback is never called: the promise stays pending.
    interrupted.then(
      () => {
        throw new Error('the cancelled upload completed');
      },
      () => {},
    );
    await cancelledAt;

    // Let the requests the SDK cut off finish failing on the server, then read what it kept.
    const listed = await first.multipartList({ Bucket, Region: REGION, Prefix: Key, Delimiter: '' });
    expect(listed.Upload).toHaveLength(1);
    const uploadId = listed.Upload[0]!.UploadId;
    await waitFor(() => !t.server.engine.ctx.uploadsInFlight.has(uploadId), 'the cut-off parts to settle');
    await settleCounter(() => t.server.metrics.requests('UploadPart'));
    const parts = await first.multipartListPart({ Bucket, Region: REGION, Key, UploadId: uploadId });
    const complete = parts.Part.length;
    expect(complete).toBeGreaterThan(0);
    expect(complete).toBeLessThan(TOTAL_PARTS);
    for (const part of parts.Part) {
      const n = Number(part.PartNumber);
      expect(part.Size).toBe(String(MiB));
      expect(part.ETag).toBe(`"${md5Hex(content.subarray((n - 1) * MiB, n * MiB))}"`);
    }

    const partsBefore = t.server.metrics.requests('UploadPart');
    const second = t.cos('path');
    const data = await second.sliceUploadFile({ Bucket, Region: REGION, Key, FilePath: filePath });
    expect(t.server.metrics.requests('UploadPart') - partsBefore).toBe(TOTAL_PARTS - complete);
    expect(t.server.metrics.requests('CreateMultipartUpload') - initiatesBefore).toBe(1);
    // sliceUploadFile's result carries the UploadId it used
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/advance.js), though its typings omit it.
    expect((data as { UploadId?: string }).UploadId).toBe(uploadId);
    expect(data.ETag).toMatch(new RegExp(`^"[0-9a-f]{32}-${TOTAL_PARTS}"$`));

    const stored = await readBack(second, Key);
    expect(stored).toMatchObject({ md5: md5Hex(content), size: FILE_BYTES });
    expect(stored.headers['x-cos-hash-crc64ecma']).toBe(crc64Decimal(content));
    const left = await second.multipartList({ Bucket, Region: REGION, Prefix: Key, Delimiter: '' });
    expect(left.Upload).toEqual([]);
  });
});

/** Waits until a counter has not moved for 200 ms (requests cut off mid-flight are counted when they end). */
async function settleCounter(read: () => number): Promise<void> {
  let last = read();
  let stableSince = Date.now();
  await waitFor(() => {
    const now = read();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
    return Date.now() - stableSince >= 200;
  }, 'the request counter to settle');
}
