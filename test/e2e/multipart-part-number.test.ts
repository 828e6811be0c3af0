/**
 * GetObject and HeadObject with PartNumber (`?partNumber=N`) through @aws-sdk/client-s3: on a
 * three-part object each part comes back as a 206 whose Content-Range covers the whole object, with
 * x-amz-mp-parts-count and the object's ETag; a part past the last is 400 InvalidPart (as S3 conformance suites expect); an
 * object written in one piece is its own part 1; copies keep the parts; a Range together with a
 * part number is refused.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, multipartEtag, partBody } from './helpers/multipart.js';
import { encodeKeyPath, errorOf, rawRequest, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
let Bucket: string;
const Key = 'parts/three.bin';
const parts = [partBody(MiB), partBody(MiB + 123), partBody(300_000)];
const whole = Buffer.concat(parts);
let etag: string;

/** Completes an upload of `bodies` under `key`, as parts `numbers` (1, 2, … by default). */
async function multipart(key: string, bodies: Buffer[], numbers = bodies.map((_, i) => i + 1)): Promise<string> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
  const Parts = [];
  for (const [i, Body] of bodies.entries()) {
    const PartNumber = numbers[i]!;
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body }));
    Parts.push({ PartNumber, ETag: ETag! });
  }
  const done = await s3.send(
    new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts } }),
  );
  return done.ETag!;
}

beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
  Bucket = t.bucketName('partnum');
  await s3.send(new CreateBucketCommand({ Bucket }));
  etag = await multipart(Key, parts);
  expect(etag).toBe(multipartEtag(parts));
});
afterAll(async () => {
  await t?.close();
});

/** Where part `n` (1-based) of `sizes` starts and ends. */
function span(sizes: number[], n: number): { start: number; end: number } {
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1]! - 1 };
}

describe('a three-part object', () => {
  it('GetObject PartNumber 1, 2 and 3: each part exactly, 206, Content-Range over the whole, parts count, the object ETag', async () => {
    for (let n = 1; n <= 3; n++) {
      const got = await s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: n }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      const { start, end } = span(
        parts.map((p) => p.length),
        n,
      );
      expect({
        n,
        status: got.$metadata.httpStatusCode,
        contentRange: got.ContentRange,
        contentLength: got.ContentLength,
        partsCount: got.PartsCount,
        etag: got.ETag,
      }).toEqual({
        n,
        status: 206,
        contentRange: `bytes ${start}-${end}/${whole.length}`,
        contentLength: parts[n - 1]!.length,
        partsCount: 3,
        etag,
      });
      expect(body.equals(parts[n - 1]!)).toBe(true);
    }
  });

  it('HeadObject PartNumber answers the part size, its range and the parts count, without a body', async () => {
    for (let n = 1; n <= 3; n++) {
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: n }));
      const { start, end } = span(
        parts.map((p) => p.length),
        n,
      );
      expect(head).toMatchObject({
        ContentLength: parts[n - 1]!.length,
        ContentRange: `bytes ${start}-${end}/${whole.length}`,
        PartsCount: 3,
        ETag: etag,
      });
      expect(head.$metadata.httpStatusCode).toBe(206);
    }
    // Without PartNumber, HEAD is the whole object and names no parts count.
    const plain = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(plain.ContentLength).toBe(whole.length);
    expect(plain.PartsCount).toBeUndefined();
  });

  it('a part past the last is 400 InvalidPart (GET with the error document, HEAD bare)', async () => {
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: 4 })))).toMatchObject({
      status: 400,
      code: 'InvalidPart',
    });
    const get = await rawRequest(t, { method: 'GET', path: `/${Bucket}/${encodeKeyPath(Key)}`, query: 'partNumber=4' });
    expect(errorOf(get)).toMatchObject({ status: 400, code: 'InvalidPart' });
    expect(xmlFields(get.text)).toMatchObject({ PartNumberRequested: '4', ActualPartCount: '3' });
    const head = await rawRequest(t, {
      method: 'HEAD',
      path: `/${Bucket}/${encodeKeyPath(Key)}`,
      query: 'partNumber=10000',
    });
    expect(head.status).toBe(400);
    expect(head.body.length).toBe(0);
  });

  it('a part number outside 1-10000 is 400 InvalidArgument; with a Range it is 400 InvalidRequest', async () => {
    for (const partNumber of ['0', '10001', 'x', '']) {
      const res = await rawRequest(t, {
        method: 'GET',
        path: `/${Bucket}/${encodeKeyPath(Key)}`,
        query: `partNumber=${partNumber}`,
      });
      expect({ partNumber, ...errorOf(res) }).toMatchObject({ partNumber, status: 400, code: 'InvalidArgument' });
    }
    expect(
      await sdkError(s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: 1, Range: 'bytes=0-9' }))),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('conditional headers still apply: If-None-Match with the ETag is 304', async () => {
    const res = await rawRequest(t, {
      method: 'GET',
      path: `/${Bucket}/${encodeKeyPath(Key)}`,
      query: 'partNumber=2',
      headers: { 'if-none-match': etag },
    });
    expect(res.status).toBe(304);
  });

  it('a copy of the object keeps its parts', async () => {
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy.bin', CopySource: `${Bucket}/${encodeKeyPath(Key)}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'copy.bin', PartNumber: 2 }));
    expect(got.PartsCount).toBe(3);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
  });
});

describe('other objects', () => {
  it('an object written in one piece is its own part 1 (206 over all of it, no parts count); part 2 is InvalidPart', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'single', Body: 'one piece' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'single', PartNumber: 1 }));
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got).toMatchObject({ ContentRange: 'bytes 0-8/9', ContentLength: 9 });
    expect(got.PartsCount).toBeUndefined();
    expect(await got.Body!.transformToString()).toBe('one piece');
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'single', PartNumber: 2 })))).toMatchObject({
      status: 400,
      code: 'InvalidPart',
    });
  });

  it('parts are counted in the order they were completed, whatever their numbers at upload', async () => {
    const bodies = [partBody(MiB), partBody(1000)];
    await multipart('sparse.bin', bodies, [1, 3]);
    const second = await s3.send(new GetObjectCommand({ Bucket, Key: 'sparse.bin', PartNumber: 2 }));
    expect(second.PartsCount).toBe(2);
    expect(second.ContentRange).toBe(`bytes ${MiB}-${MiB + 999}/${MiB + 1000}`);
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(bodies[1]!)).toBe(true);
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'sparse.bin', PartNumber: 3 })))).toMatchObject({
      status: 400,
      code: 'InvalidPart',
    });
  });

  it('an empty part is served as an empty 200, still with the parts count', async () => {
    await multipart('empty-part.bin', [Buffer.alloc(0)]);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'empty-part.bin', PartNumber: 1 }));
    expect(got).toMatchObject({ ContentLength: 0, PartsCount: 1 });
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(await got.Body!.transformToString()).toBe('');
  });
});
