/**
 * UploadPartCopy (https://intl.cloud.tencent.com/document/product/436/8287): parts taken from objects in other
 * buckets, whole or by
 * `x-cos-copy-source-range` / `x-amz-copy-source-range`, from @aws-sdk/client-s3 and from the COS
 * SDK's uploadPartCopy, then completed and read back byte for byte. The part references the source's
 * files (no bytes are written); the source conditions fail with 412 PreconditionFailed.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySource, cosError, expectCosError, REGION } from './helpers/cos.js';
import { blobFiles, crc64Decimal, MiB, md5Hex, multipartEtag, partBody } from './helpers/multipart.js';
import { recordWire, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('UploadPartCopy across buckets', () => {
  let t: TestServer;
  let s3: S3Client;
  /** Buckets in COS's name-appid form, so the COS SDK accepts them too. */
  const SOURCE = 'mpcopysrc-1250000000';
  const OTHER = 'mpcopyother-1250000000';
  const DEST = 'mpcopydst-1250000000';
  const plain = partBody(2 * MiB + 512 * 1024);
  const small = partBody(777);
  /** A source that is itself a multipart object of two 1 MiB parts. */
  const mpParts = [partBody(MiB), partBody(MiB)];
  let plainEtag: string;

  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    for (const Bucket of [SOURCE, OTHER, DEST]) await s3.send(new CreateBucketCommand({ Bucket }));
    plainEtag = (await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'src/plain.bin', Body: plain }))).ETag!;
    await s3.send(new PutObjectCommand({ Bucket: OTHER, Key: 'small one.txt', Body: small }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: SOURCE, Key: 'src/multi.bin' }));
    const Parts = [];
    for (const [i, Body] of mpParts.entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: SOURCE, Key: 'src/multi.bin', UploadId, PartNumber: i + 1, Body }),
      );
      Parts.push({ PartNumber: i + 1, ETag: ETag! });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: SOURCE,
        Key: 'src/multi.bin',
        UploadId,
        MultipartUpload: { Parts },
      }),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  async function getBytes(Bucket: string, Key: string): Promise<{ body: Buffer; crc64?: string; etag?: string }> {
    const client = t.s3();
    const wire = recordWire(client);
    const got = await client.send(new GetObjectCommand({ Bucket, Key }));
    const body = Buffer.from(await got.Body!.transformToByteArray());
    return { body, crc64: wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma'], etag: got.ETag! };
  }

  it('S3 SDK and COS SDK parts, ranged and whole, from two buckets, complete into the exact bytes', async () => {
    const Key = 'assembled.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DEST, Key }));
    const blobsBefore = (await blobFiles(t.dataDir)).size;
    const expected: Buffer[] = [];

    // Part 1, S3 SDK: the first MiB of the plain object.
    const wire = recordWire(s3);
    const p1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: DEST,
        Key,
        UploadId,
        PartNumber: 1,
        CopySource: `${SOURCE}/src/plain.bin`,
        CopySourceRange: `bytes=0-${MiB - 1}`,
      }),
    );
    expected.push(plain.subarray(0, MiB));
    expect(p1.CopyPartResult?.ETag).toBe(`"${md5Hex(expected[0]!)}"`);
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe(crc64Decimal(expected[0]!));

    // Part 2, COS SDK: the rest of the plain object, by x-cos-copy-source-range.
    const cos = t.cos('path');
    const p2 = await cos.uploadPartCopy({
      Bucket: DEST,
      Region: REGION,
      Key,
      UploadId: UploadId!,
      PartNumber: 2,
      CopySource: copySource(SOURCE, 'src/plain.bin'),
      CopySourceRange: `bytes=${MiB}-${plain.length - 1}`,
    });
    expected.push(plain.subarray(MiB));
    expect(p2.ETag).toBe(`"${md5Hex(expected[1]!)}"`);

    // Part 3, COS SDK, virtual-host style: a range straddling the multipart source's part boundary.
    const straddle = Buffer.concat(mpParts).subarray(MiB - 300_000, MiB + 900_000);
    const p3 = await t.cos('ip').uploadPartCopy({
      Bucket: DEST,
      Region: REGION,
      Key,
      UploadId: UploadId!,
      PartNumber: 3,
      CopySource: copySource(SOURCE, 'src/multi.bin'),
      CopySourceRange: `bytes=${MiB - 300_000}-${MiB + 899_999}`,
    });
    expected.push(straddle);
    expect(p3.ETag).toBe(`"${md5Hex(straddle)}"`);

    // Part 4, S3 SDK: a whole small object from a third bucket, key needing encoding.
    const p4 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: DEST,
        Key,
        UploadId,
        PartNumber: 4,
        CopySource: `${OTHER}/${encodeURIComponent('small one.txt')}`,
      }),
    );
    expected.push(small);
    expect(p4.CopyPartResult?.ETag).toBe(`"${md5Hex(small)}"`);

    // No part wrote a byte: they all point into the sources' files.
    expect((await blobFiles(t.dataDir)).size).toBe(blobsBefore);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: DEST,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [p1.CopyPartResult!.ETag!, p2.ETag, p3.ETag, p4.CopyPartResult!.ETag!].map((ETag, i) => ({
            PartNumber: i + 1,
            ETag,
          })),
        },
      }),
    );
    expect(done.ETag).toBe(multipartEtag(expected));
    const got = await getBytes(DEST, Key);
    expect(got.body.equals(Buffer.concat(expected))).toBe(true);
    expect(got.crc64).toBe(crc64Decimal(...expected));
    expect((await blobFiles(t.dataDir)).size).toBe(blobsBefore);

    // The parts share the sources' files: deleting the sources leaves the copy whole.
    await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'src/plain.bin', Body: 'replaced' }));
    await t.server.engine.collectGarbage();
    expect((await getBytes(DEST, Key)).body.equals(Buffer.concat(expected))).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'src/plain.bin', Body: plain }));
  });

  it('source conditions that fail are 412 PreconditionFailed, from either SDK, and add no part', async () => {
    const Key = 'conditional.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DEST, Key }));
    const base = { Bucket: DEST, Key, UploadId, PartNumber: 1, CopySource: `${SOURCE}/src/plain.bin` };
    const future = new Date(Date.now() + 3_600_000);
    const past = new Date(Date.now() - 3_600_000);
    const failing = [
      { CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfNoneMatch: plainEtag },
      { CopySourceIfModifiedSince: future },
      { CopySourceIfUnmodifiedSince: past },
    ];
    for (const condition of failing) {
      const err = await sdkError(s3.send(new UploadPartCopyCommand({ ...base, ...condition })));
      expect({ condition, ...err }).toMatchObject({ condition, status: 412, code: 'PreconditionFailed' });
    }
    const cosErr = await cosError(
      t.cos('path').uploadPartCopy({
        Bucket: DEST,
        Region: REGION,
        Key,
        UploadId: UploadId!,
        PartNumber: 1,
        CopySource: copySource(SOURCE, 'src/plain.bin'),
        CopySourceRange: 'bytes=0-99',
        CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"',
      }),
    );
    expectCosError(cosErr, { statusCode: 412, code: 'PreconditionFailed' });

    const held = await s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfMatch: plainEtag }));
    expect(held.CopyPartResult?.ETag).toBe(plainEtag);
    const parts = await t.cos('path').multipartListPart({ Bucket: DEST, Region: REGION, Key, UploadId: UploadId! });
    expect(parts.Part.map((p) => p.PartNumber)).toEqual(['1']);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: DEST, Key, UploadId }));
  });

  it('a copy range that is malformed (400) or reaches past the source (416 InvalidRange) is refused', async () => {
    const Key = 'bad-range.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DEST, Key }));
    const base = { Bucket: DEST, Key, UploadId, PartNumber: 1, CopySource: `${SOURCE}/src/plain.bin` };
    for (const CopySourceRange of ['0-99', 'bytes=5-', 'bytes=-5', 'bytes=9-3', 'bytes=0-1,4-5']) {
      const err = await sdkError(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange })));
      expect({ CopySourceRange, ...err }).toMatchObject({ CopySourceRange, status: 400, code: 'InvalidArgument' });
    }
    // Outside the source: InvalidRange ("Range specified is not valid for source object of size: N"),
    // as S3 conformance suites expect — never a silently shorter part.
    for (const CopySourceRange of [`bytes=0-${plain.length}`, `bytes=${plain.length}-${plain.length + 10}`]) {
      const err = await sdkError(s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange })));
      expect({ CopySourceRange, ...err }).toMatchObject({ CopySourceRange, status: 416, code: 'InvalidRange' });
      expect(err.message).toBe(`Range specified is not valid for source object of size: ${plain.length}`);
    }
    const last = await s3.send(
      new UploadPartCopyCommand({ ...base, CopySourceRange: `bytes=${plain.length - 1}-${plain.length - 1}` }),
    );
    expect(last.CopyPartResult?.ETag).toBe(`"${md5Hex(plain.subarray(plain.length - 1))}"`);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: DEST, Key, UploadId }));
  });

  it('a missing source is 404 NoSuchKey; an unknown upload is 404 NoSuchUpload', async () => {
    const Key = 'missing-source.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DEST, Key }));
    const noKey = await sdkError(
      s3.send(
        new UploadPartCopyCommand({ Bucket: DEST, Key, UploadId, PartNumber: 1, CopySource: `${SOURCE}/nothing` }),
      ),
    );
    expect(noKey).toMatchObject({ status: 404, code: 'NoSuchKey' });
    const noUpload = await sdkError(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: DEST,
          Key,
          UploadId: 'not-an-upload',
          PartNumber: 1,
          CopySource: `${SOURCE}/src/plain.bin`,
        }),
      ),
    );
    expect(noUpload).toMatchObject({ status: 404, code: 'NoSuchUpload' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: DEST, Key, UploadId }));
  });
});
