/**
 * Reading a completed multipart object, whose bytes live in one file per part: Range GETs that cross
 * part boundaries (S3 and COS SDKs), conditional GET/HEAD with the `-N` ETag, and CopyObject of a
 * multipart object (zero-copy: the copy names the same files) — plus the attributes given at
 * Initiate (content headers, x-cos-meta-*, storage class) on the final object.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { blobFiles, crc64Decimal, MiB, multipartEtag, partBody } from './helpers/multipart.js';
import { AWKWARD_KEYS, recordWire, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('reading multipart objects', () => {
  let t: TestServer;
  let s3: S3Client;
  const Bucket = 'mpread-1250000000';
  const Key = 'three parts.bin';
  const parts = [partBody(MiB), partBody(MiB), partBody(300_000)];
  const whole = Buffer.concat(parts);
  let etag: string;

  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const Parts = [];
    for (const [i, Body] of parts.entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }));
      Parts.push({ PartNumber: i + 1, ETag: ETag! });
    }
    etag = (await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })))
      .ETag!;
    expect(etag).toBe(multipartEtag(parts));
  });
  afterAll(async () => {
    await t.close();
  });

  async function getRange(Range: string, key = Key) {
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: key, Range }));
    return { body: Buffer.from(await got.Body!.transformToByteArray()), contentRange: got.ContentRange };
  }

  it('Range GETs across one and two part boundaries, and suffix ranges, return exactly those bytes', async () => {
    const cases: [string, number, number][] = [
      [`bytes=${MiB - 10}-${MiB + 9}`, MiB - 10, MiB + 9],
      [`bytes=${MiB - 1}-${2 * MiB}`, MiB - 1, 2 * MiB],
      [`bytes=5-${whole.length - 5}`, 5, whole.length - 5],
      [`bytes=${2 * MiB}-`, 2 * MiB, whole.length - 1],
      ['bytes=-300001', whole.length - 300_001, whole.length - 1],
      [`bytes=${MiB}-${MiB}`, MiB, MiB],
    ];
    for (const [range, start, end] of cases) {
      const got = await getRange(range);
      expect({ range, contentRange: got.contentRange }).toEqual({
        range,
        contentRange: `bytes ${start}-${end}/${whole.length}`,
      });
      expect(got.body.equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  it('the COS SDK reads a range across a boundary too, with the whole object CRC-64 in the headers', async () => {
    const cos = t.cos('ip');
    const got = await cos.getObject({ Bucket, Region: REGION, Key, Range: `bytes=${MiB - 100}-${MiB + 99}` });
    expect(got.statusCode).toBe(206);
    expect((got.Body as Buffer).equals(whole.subarray(MiB - 100, MiB + 100))).toBe(true);
    expect(got.headers?.['x-cos-hash-crc64ecma']).toBe(crc64Decimal(whole));
    expect(got.headers?.etag).toBe(etag);
  });

  it('conditional GET and HEAD with the multipart ETag: If-Match passes, If-None-Match is 304, a wrong If-Match is 412', async () => {
    const ok = await s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: etag, Range: 'bytes=0-9' }));
    expect(Buffer.from(await ok.Body!.transformToByteArray()).equals(whole.subarray(0, 10))).toBe(true);
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch: etag })))).toMatchObject({
      status: 304,
    });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: '"abc-3"' })))).toMatchObject({
      status: 412,
      code: 'PreconditionFailed',
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, IfMatch: `"x", ${etag}` }));
    expect(head).toMatchObject({ ETag: etag, ContentLength: whole.length });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key, IfNoneMatch: etag })))).toMatchObject({
      status: 304,
    });
  });

  it('CopyObject of a multipart object writes no data, reads back identical, and survives the source', async () => {
    const before = await blobFiles(t.dataDir);
    const wire = recordWire(s3);
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copy of three.bin', CopySource: `${Bucket}/${encodeURIComponent(Key)}` }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(etag);
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe(crc64Decimal(whole));
    expect([...(await blobFiles(t.dataDir)).keys()].sort()).toEqual([...before.keys()].sort());

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'copy of three.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    const ranged = await getRange(`bytes=${MiB - 3}-${MiB + 2}`, 'copy of three.bin');
    expect(ranged.body.equals(whole.subarray(MiB - 3, MiB + 3))).toBe(true);

    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'source-twin.bin', CopySource: `${Bucket}/${encodeURIComponent(Key)}` }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'source-twin.bin' }));
    await t.server.engine.collectGarbage();
    expect((await blobFiles(t.dataDir)).size).toBe(before.size);
  });

  it('Complete answers with a Location URL that names the key, whatever characters it has', async () => {
    for (const key of [AWKWARD_KEYS.question, AWKWARD_KEYS.hash, AWKWARD_KEYS.percent, AWKWARD_KEYS.unicode]) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: 1, Body: 'x' }));
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
        }),
      );
      expect(done).toMatchObject({ Bucket, Key: key });
      const url = new URL(done.Location!);
      expect({ key, search: url.search, hash: url.hash }).toEqual({ key, search: '', hash: '' });
      expect(decodeURIComponent(url.pathname)).toBe(`/${Bucket}/${key}`);
    }
  });

  it('the attributes given at Initiate are the final object’s (COS multipartInit)', async () => {
    const cos = t.cos('path');
    const key = 'with-attributes.txt';
    const { UploadId } = await cos.multipartInit({
      Bucket,
      Region: REGION,
      Key: key,
      ContentType: 'text/plain; charset=utf-8',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="a.txt"',
      StorageClass: 'STANDARD_IA',
      Headers: { 'x-cos-meta-project': 'coffer' },
    });
    const Body = Buffer.from('hello, parts');
    const { ETag } = await cos.multipartUpload({ Bucket, Region: REGION, Key: key, UploadId, PartNumber: 1, Body });
    await cos.multipartComplete({ Bucket, Region: REGION, Key: key, UploadId, Parts: [{ PartNumber: 1, ETag }] });
    const head = await cos.headObject({ Bucket, Region: REGION, Key: key });
    expect(head.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'max-age=60',
      'content-disposition': 'attachment; filename="a.txt"',
      'x-cos-storage-class': 'STANDARD_IA',
      'x-cos-meta-project': 'coffer',
      'x-cos-hash-crc64ecma': crc64Decimal(Body),
      etag: multipartEtag([Body]),
    });
  });
});
