/**
 * @coffer/sdk multipart and advanced methods against a live Coffer: the COS JS SDK docs' multipart calls,
 * sliceUploadFile
 * (bodies, resume from what the server has, pause/restart/cancel through the task queue), sliceCopyFile,
 * uploadFiles. UploadPart requests are counted on the server.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type COS from '@coffer/sdk';
import type { S3ServiceError, TaskInfo } from '@coffer/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex, REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;
let t: TestServer;
let cos: COS;
const Bucket = 'sdkmultipart-1250000000';

beforeAll(async () => {
  t = await startTestServer();
  cos = cofferSdk(t, 'pathstyle', { ProgressInterval: 10 });
  await cos.putBucket({ Bucket, Region });
});
afterAll(async () => {
  await t.close();
});

const uploadParts = () => t.server.metrics.requests('UploadPart');
/** UploadParts the server accepted (an aborted one may still be counted, late, with another status). */
const acceptedParts = () => t.server.metrics.snapshot().UploadPart?.byStatus['2xx'] ?? 0;

/** The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, dash, part count. */
function multipartETag(data: Buffer, partBytes: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < data.length; at += partBytes) {
    digests.push(Buffer.from(md5Hex(data.subarray(at, at + partBytes)), 'hex'));
  }
  return `"${md5Hex(Buffer.concat(digests))}-${digests.length}"`;
}

describe('COS JS SDK multipart operations', () => {
  it('multipartInit → multipartUpload → multipartListPart → multipartList → multipartComplete', async () => {
    const Key = '1.zip';
    const part1 = randomBytes(MIB);
    const part2 = randomBytes(1000);
    const init = await cos.multipartInit({ Bucket, Region, Key });
    expect(init).toMatchObject({ Bucket, Key, statusCode: 200 });
    const { UploadId } = init;
    expect(UploadId).toBeTruthy();

    const up1 = await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: part1 });
    const up2 = await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: '2', Body: part2 });
    expect(up1.ETag).toBe(`"${md5Hex(part1)}"`);

    const parts = await cos.multipartListPart({ Bucket, Region, Key, UploadId });
    expect(parts).toMatchObject({ Bucket, Key, UploadId, IsTruncated: 'false' });
    expect(parts.Part.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      ['1', up1.ETag, String(MIB)],
      ['2', up2.ETag, '1000'],
    ]);

    const listed = await cos.multipartList({ Bucket, Region, Prefix: '1.zip' });
    expect(listed.Upload.map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);
    expect(listed.IsTruncated).toBe('false');

    const done = await cos.multipartComplete({
      Bucket,
      Region,
      Key,
      UploadId,
      Parts: [
        { PartNumber: '1', ETag: up1.ETag },
        { PartNumber: 2, ETag: up2.ETag.replace(/"/g, '') },
      ],
    });
    const whole = Buffer.concat([part1, part2]);
    expect(done).toMatchObject({ Bucket, Key, ETag: multipartETag(whole, MIB), statusCode: 200 });
    expect(done.Location).toBe(`127.0.0.1:${t.port}/${Bucket}/1.zip`);
    const got = await cos.getObject({ Bucket, Region, Key });
    expect(md5Hex(got.Body as Buffer)).toBe(md5Hex(whole));
  });

  it('uploadPartCopy copies a range of another object as a part', async () => {
    const source = randomBytes(2 * MIB + 10);
    await cos.putObject({ Bucket, Region, Key: 'copy-source.bin', Body: source });
    const Key = 'from-parts.bin';
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    const CopySource = `${Bucket}.cos.${Region}.myqcloud.com/copy-source.bin`;
    const p1 = await cos.uploadPartCopy({
      Bucket,
      Region,
      Key,
      UploadId,
      PartNumber: 1,
      CopySource,
      CopySourceRange: `bytes=0-${MIB - 1}`,
    });
    expect(p1).toMatchObject({ statusCode: 200, ETag: `"${md5Hex(source.subarray(0, MIB))}"` });
    const p2 = await cos.uploadPartCopy({
      Bucket,
      Region,
      Key,
      UploadId,
      PartNumber: 2,
      CopySource,
      CopySourceRange: `bytes=${MIB}-${source.length - 1}`,
    });
    await cos.multipartComplete({
      Bucket,
      Region,
      Key,
      UploadId,
      Parts: [p1, p2].map((p, i) => ({ PartNumber: i + 1, ETag: p.ETag })),
    });
    expect(md5Hex((await cos.getObject({ Bucket, Region, Key })).Body as Buffer)).toBe(md5Hex(source));
  });

  it('multipartAbort deletes the upload; its UploadId is then NoSuchUpload', async () => {
    const Key = 'aborted.zip';
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: 'x' });
    const aborted = await cos.multipartAbort({ Bucket, Region, Key, UploadId });
    expect(aborted.statusCode).toBe(204);
    expect((await cos.multipartList({ Bucket, Region, Prefix: Key })).Upload).toEqual([]);
    const err = await cos.multipartListPart({ Bucket, Region, Key, UploadId }).catch((e: S3ServiceError) => e);
    expect(err).toMatchObject({ statusCode: 404, code: 'NoSuchUpload' });
  });
});

describe('sliceUploadFile', () => {
  it('COS JS SDK example: Body, TaskReady, onHashProgress, onProgress (loaded/total/speed/percent)', async () => {
    const body = randomBytes(5 * MIB + 123);
    const taskIds: string[] = [];
    const progress: { loaded: number; total: number; speed: number; percent: number }[] = [];
    const before = uploadParts();
    const data = await new Promise<Awaited<ReturnType<COS['sliceUploadFile']>>>((resolve, reject) => {
      cos.sliceUploadFile(
        {
          Bucket,
          Region,
          Key: 'slice/1.zip',
          Body: body,
          SliceSize: MIB,
          TaskReady: (taskId) => taskIds.push(taskId),
          onHashProgress: () => {},
          onProgress: (p) => progress.push(p),
        },
        (err, d) => (err ? reject(err) : resolve(d)),
      );
    });
    expect(taskIds).toHaveLength(1);
    expect(uploadParts() - before).toBe(6);
    expect(data).toMatchObject({ Bucket, Key: 'slice/1.zip', ETag: multipartETag(body, MIB), statusCode: 200 });
    expect(data.Location).toBe(`127.0.0.1:${t.port}/${Bucket}/slice/1.zip`);
    expect(data.UploadId).toBeTruthy();
    expect(progress.at(-1)).toMatchObject({ loaded: body.length, total: body.length, percent: 1 });
    for (const p of progress) expect(Object.keys(p).sort()).toEqual(['loaded', 'percent', 'speed', 'total']);
    expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((a, b) => a - b));
    expect(md5Hex((await cos.getObject({ Bucket, Region, Key: 'slice/1.zip' })).Body as Buffer)).toBe(md5Hex(body));
    expect(cos.getTaskList().find((task) => task.id === taskIds[0])?.state).toBe('success');
  });

  it('FilePath (streamed from disk), a Readable stream, a Blob, and an empty body', async () => {
    const body = randomBytes(3 * MIB + 7);
    const file = path.join(t.dataDir, 'slice-file.bin');
    fs.writeFileSync(file, body);
    const fromFile = await cos.sliceUploadFile({
      Bucket,
      Region,
      Key: 'slice/file.bin',
      FilePath: file,
      SliceSize: MIB,
    });
    expect(fromFile.ETag).toBe(multipartETag(body, MIB));

    const stream = Readable.from(
      (function* () {
        for (let at = 0; at < body.length; at += 100_000) yield body.subarray(at, at + 100_000);
      })(),
    );
    const fromStream = await cos.sliceUploadFile({
      Bucket,
      Region,
      Key: 'slice/stream.bin',
      Body: stream,
      SliceSize: MIB,
    });
    expect(fromStream.ETag).toBe(multipartETag(body, MIB));

    const fromBlob = await cos.sliceUploadFile({
      Bucket,
      Region,
      Key: 'slice/blob.bin',
      Body: new Blob([body]),
      SliceSize: MIB,
    });
    expect(fromBlob.ETag).toBe(multipartETag(body, MIB));

    const empty = await cos.sliceUploadFile({ Bucket, Region, Key: 'slice/empty', Body: '' });
    expect(empty.ETag).toBe(`"${md5Hex('')}"`);
  });

  it('resumes an unfinished upload whose parts match the local data, and sends only the missing parts', async () => {
    const Key = 'slice/resume.bin';
    const body = randomBytes(4 * MIB + 5);
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    for (const n of [1, 2]) {
      await cos.multipartUpload({
        Bucket,
        Region,
        Key,
        UploadId,
        PartNumber: n,
        Body: body.subarray((n - 1) * MIB, n * MIB),
      });
    }
    const hashed: number[] = [];
    const before = uploadParts();
    const data = await cos.sliceUploadFile({
      Bucket,
      Region,
      Key,
      Body: body,
      SliceSize: MIB,
      onHashProgress: (p) => hashed.push(p.loaded),
    });
    expect(data.UploadId).toBe(UploadId);
    expect(uploadParts() - before).toBe(3);
    expect(hashed.at(-1)).toBe(2 * MIB);
    expect(data.ETag).toBe(multipartETag(body, MIB));
  });

  it('does not resume an upload whose parts differ from the local data', async () => {
    const Key = 'slice/mismatch.bin';
    const body = randomBytes(2 * MIB + 5);
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: randomBytes(MIB) });
    const before = uploadParts();
    const data = await cos.sliceUploadFile({ Bucket, Region, Key, Body: body, SliceSize: MIB });
    expect(data.UploadId).not.toBe(UploadId);
    expect(uploadParts() - before).toBe(3);
    expect(data.ETag).toBe(multipartETag(body, MIB));
    await cos.multipartAbort({ Bucket, Region, Key, UploadId });
  });

  it('StorageClass is set on the object, and an upload of another storage class is not resumed', async () => {
    const Key = 'slice/ia.bin';
    const body = randomBytes(2 * MIB + 1);
    const { UploadId } = await cos.multipartInit({ Bucket, Region, Key });
    await cos.multipartUpload({ Bucket, Region, Key, UploadId, PartNumber: 1, Body: body.subarray(0, MIB) });
    const data = await cos.sliceUploadFile({
      Bucket,
      Region,
      Key,
      Body: body,
      SliceSize: MIB,
      StorageClass: 'STANDARD_IA',
    });
    expect(data.UploadId).not.toBe(UploadId);
    expect((await cos.headObject({ Bucket, Region, Key })).headers['x-cos-storage-class']).toBe('STANDARD_IA');
    await cos.multipartAbort({ Bucket, Region, Key, UploadId });
  });

  it('pauseTask aborts the upload, list-update reports it, restartTask resumes without resending finished parts', async () => {
    const Key = 'slice/paused.bin';
    const parts = 8;
    const body = randomBytes(parts * MIB);
    const updates: TaskInfo[][] = [];
    const onUpdate = (data: unknown) => updates.push((data as { list: TaskInfo[] }).list);
    cos.on('list-update', onUpdate);
    const before = acceptedParts();
    let taskId = '';
    let paused = false;
    const finished = cos.sliceUploadFile({
      Bucket,
      Region,
      Key,
      Body: body,
      SliceSize: MIB,
      AsyncLimit: 1,
      onTaskReady: (id) => {
        taskId = id;
      },
      onProgress: (p) => {
        if (!paused && p.loaded >= 3 * MIB) {
          paused = true;
          cos.pauseTask(taskId);
        }
      },
    });
    await expect.poll(() => cos.getTaskList().find((task) => task.id === taskId)?.state).toBe('paused');
    expect(cos.isUploadRunning()).toBe(false);
    // Let the server finish with the request the pause aborted.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const listedWhilePaused = await cos.multipartList({ Bucket, Region, Prefix: Key });
    expect(listedWhilePaused.Upload).toHaveLength(1);
    const donePartsWhilePaused = (
      await cos.multipartListPart({ Bucket, Region, Key, UploadId: listedWhilePaused.Upload[0]!.UploadId })
    ).Part.length;
    expect(donePartsWhilePaused).toBeGreaterThanOrEqual(2);
    expect(donePartsWhilePaused).toBeLessThan(parts);
    const sentBeforeRestart = acceptedParts() - before;
    expect(sentBeforeRestart).toBe(donePartsWhilePaused);

    cos.restartTask(taskId);
    const data = await finished;
    expect(data.ETag).toBe(multipartETag(body, MIB));
    // After the restart only the parts the server lacked were sent.
    expect(acceptedParts() - before - sentBeforeRestart).toBe(parts - donePartsWhilePaused);
    await expect.poll(() => updates.at(-1)?.find((task) => task.id === taskId)?.state).toBe('success');
    cos.off('list-update', onUpdate);
    const states = updates.map((list) => list.find((task) => task.id === taskId)?.state);
    expect(states).toContain('paused');
    expect(states.at(-1)).toBe('success');
  });

  it('cancelTask stops a task for good and never calls back', async () => {
    let called = false;
    let taskId = '';
    cos.sliceUploadFile(
      {
        Bucket,
        Region,
        Key: 'slice/cancelled.bin',
        Body: randomBytes(6 * MIB),
        SliceSize: MIB,
        AsyncLimit: 1,
        onTaskReady: (id) => {
          taskId = id;
        },
        onProgress: (p) => {
          if (p.loaded > 0) cos.cancelTask(taskId);
        },
      },
      () => {
        called = true;
      },
    );
    await expect.poll(() => cos.getTaskList().find((task) => task.id === taskId)?.state).toBe('canceled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(called).toBe(false);
    cos.restartTask(taskId);
    expect(cos.getTaskList().find((task) => task.id === taskId)?.state).toBe('canceled');
  });
});

describe('uploadFile', () => {
  it('one file: putObject up to SliceSize, sliceUploadFile above', async () => {
    const file = path.join(t.dataDir, 'upload-file.bin');
    const body = randomBytes(2 * MIB + 3);
    fs.writeFileSync(file, body);
    const partsBefore = uploadParts();
    const sliced = await cos.uploadFile({ Bucket, Region, Key: 'file/big.bin', FilePath: file, SliceSize: MIB });
    expect(uploadParts() - partsBefore).toBe(3);
    expect(sliced.ETag).toBe(multipartETag(body, MIB));
    const putsBefore = t.server.metrics.requests('PutObject');
    const whole = await cos.uploadFile({ Bucket, Region, Key: 'file/whole.bin', Body: body, SliceSize: 4 * MIB });
    expect(t.server.metrics.requests('PutObject') - putsBefore).toBe(1);
    expect(whole.ETag).toBe(`"${md5Hex(body)}"`);
  });
});

describe('sliceCopyFile', () => {
  it('COS JS SDK example: a large object is copied in ChunkSize parts with progress; metadata carried over', async () => {
    const source = randomBytes(3 * MIB + 1);
    await cos.putObject({
      Bucket,
      Region,
      Key: '2.zip',
      Body: source,
      ContentType: 'application/zip',
      'x-cos-meta-tag': 'v1',
    });
    const progress: number[] = [];
    const copiesBefore = t.server.metrics.requests('UploadPartCopy');
    const data = await cos.sliceCopyFile({
      Bucket,
      Region,
      Key: 'copied/1.zip',
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/2.zip`,
      SliceSize: MIB,
      ChunkSize: MIB,
      onProgress: (p) => progress.push(p.percent),
    });
    expect(t.server.metrics.requests('UploadPartCopy') - copiesBefore).toBe(4);
    expect(data.ETag).toBe(multipartETag(source, MIB));
    expect(progress.at(-1)).toBe(1);
    const head = await cos.headObject({ Bucket, Region, Key: 'copied/1.zip' });
    expect(head.headers).toMatchObject({ 'content-type': 'application/zip', 'x-cos-meta-tag': 'v1' });
    expect(md5Hex((await cos.getObject({ Bucket, Region, Key: 'copied/1.zip' })).Body as Buffer)).toBe(md5Hex(source));
  });

  it('an object up to SliceSize is copied with one PUT Object - Copy', async () => {
    const copiesBefore = t.server.metrics.requests('CopyObject');
    const data = await cos.sliceCopyFile({
      Bucket,
      Region,
      Key: 'copied/small.zip',
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/2.zip`,
    });
    expect(t.server.metrics.requests('CopyObject') - copiesBefore).toBe(1);
    expect(data.statusCode).toBe(200);
  });

  it('a missing source is a 404 annotated with ErrorStatus', async () => {
    const err = await cos
      .sliceCopyFile({ Bucket, Region, Key: 'x', CopySource: `${Bucket}.cos.${Region}.myqcloud.com/nope` })
      .catch((e: S3ServiceError) => e);
    expect(err).toMatchObject({ statusCode: 404, ErrorStatus: 'nope Not Exist' });
  });
});

describe('uploadFiles', () => {
  it('COS JS SDK example: putObject up to SliceSize, sliceUploadFile above; aggregated progress; onFileFinish', async () => {
    const small = 'small file';
    const big = randomBytes(3 * MIB);
    const file = path.join(t.dataDir, 'upload-files.bin');
    fs.writeFileSync(file, randomBytes(2 * MIB + 1));
    const finished: string[] = [];
    const totals: { loaded: number; total: number }[] = [];
    const putsBefore = t.server.metrics.requests('PutObject');
    const partsBefore = uploadParts();
    const data = await cos.uploadFiles({
      files: [
        { Bucket, Region, Key: 'files/picture.jpg', Body: small },
        { Bucket, Region, Key: 'files/2.jpg', Body: big },
        { Bucket, Region, Key: 'files/3.bin', FilePath: file },
      ],
      SliceSize: MIB,
      onProgress: (info) => totals.push({ loaded: info.loaded, total: info.total }),
      onFileFinish: (err, _data, options) => finished.push(`${options.Key}:${err ? 'failed' : 'completed'}`),
    });
    expect(finished.sort()).toEqual(['files/2.jpg:completed', 'files/3.bin:completed', 'files/picture.jpg:completed']);
    expect(t.server.metrics.requests('PutObject') - putsBefore).toBe(1);
    expect(uploadParts() - partsBefore).toBe(3 + 3);
    const total = small.length + big.length + 2 * MIB + 1;
    expect(totals.at(-1)).toEqual({ loaded: total, total });
    expect(data.files.map((f) => [f.options.Key, f.error, f.data?.statusCode])).toEqual([
      ['files/picture.jpg', null, 200],
      ['files/2.jpg', null, 200],
      ['files/3.bin', null, 200],
    ]);
    expect(data.files[1]!.data?.ETag).toBe(multipartETag(big, MIB));
  });
});
