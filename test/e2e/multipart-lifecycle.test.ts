/**
 * Incomplete uploads as something an operator can see, count and clear
 * (https://intl.cloud.tencent.com/document/product/436/31632): the
 * usage report counts them, Abort frees their bytes from the disk (GC), a bucket holding only an
 * incomplete upload cannot be deleted by a COS client until it is aborted. And the storage side of Complete: it is
 * zero-copy, frees the parts left out, answers a retry with the same result; a re-uploaded part
 * replaces the old one and frees its file.
 */
import { PassThrough } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { cosError, expectCosError, REGION } from './helpers/cos.js';
import {
  adminUsage,
  blobFiles,
  collectGarbage,
  MiB,
  md5Hex,
  multipartEtag,
  partBody,
  totalBytes,
} from './helpers/multipart.js';
import { recordWire, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestServer();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function initiate(Bucket: string, Key: string): Promise<string> {
  return (await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!;
}

async function uploadPart(Bucket: string, Key: string, UploadId: string, PartNumber: number, Body: Buffer) {
  return (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }))).ETag!;
}

/** Blob ids that appeared on disk since `before`. */
async function newBlobs(before: Map<string, number>): Promise<string[]> {
  return [...(await blobFiles(t.dataDir)).keys()].filter((id) => !before.has(id));
}

describe('usage, GC and bucket deletion', () => {
  it('the usage report counts incomplete uploads; Abort + GC takes exactly their bytes off the disk', async () => {
    const Bucket = t.bucketName('mpusage');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await collectGarbage(t);
    const diskBefore = totalBytes(await blobFiles(t.dataDir));

    // Other sections (lifecycle, …) may follow; these are the ones about space.
    const empty = await adminUsage(t, Bucket);
    expect(empty).toMatchObject({
      bucket: Bucket,
      objects: { count: 0, bytes: 0, byStorageClass: {} },
      noncurrentVersions: { count: 0, bytes: 0 },
      deleteMarkers: 0,
      incompleteUploads: { count: 0, parts: 0, bytes: 0 },
    });

    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain.txt', Body: partBody(5000) }));
    const kept = await initiate(Bucket, 'kept.bin');
    await uploadPart(Bucket, 'kept.bin', kept, 1, partBody(MiB));
    const dropped = await initiate(Bucket, 'dropped.bin');
    await uploadPart(Bucket, 'dropped.bin', dropped, 1, partBody(MiB));
    await uploadPart(Bucket, 'dropped.bin', dropped, 2, partBody(2 * MiB));
    await uploadPart(Bucket, 'dropped.bin', dropped, 3, partBody(123));

    const during = await adminUsage(t, Bucket);
    expect(during.objects).toEqual({ count: 1, bytes: 5000, byStorageClass: { STANDARD: { count: 1, bytes: 5000 } } });
    expect(during.incompleteUploads).toEqual({ count: 2, parts: 4, bytes: 4 * MiB + 123 });
    const diskDuring = totalBytes(await blobFiles(t.dataDir));
    expect(diskDuring - diskBefore).toBe(5000 + 4 * MiB + 123);

    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'dropped.bin', UploadId: dropped }));
    const after = await adminUsage(t, Bucket);
    expect(after.incompleteUploads).toEqual({ count: 1, parts: 1, bytes: MiB });
    await collectGarbage(t);
    expect(diskDuring - totalBytes(await blobFiles(t.dataDir))).toBe(3 * MiB + 123);

    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'kept.bin', UploadId: kept }));
    await collectGarbage(t);
    expect(totalBytes(await blobFiles(t.dataDir)) - diskBefore).toBe(5000);
    expect((await adminUsage(t, Bucket)).incompleteUploads).toEqual({ count: 0, parts: 0, bytes: 0 });
  });

  it('the usage report needs a signed request and a bucket that exists', async () => {
    await expect(adminUsage(t, 'no-such-bucket-1250000000')).rejects.toThrow(/404/);
    const anonymous = await fetch(`${t.url}/-/admin/usage?bucket=whatever`);
    expect(anonymous.status).toBe(403);
  });

  it('DELETE Bucket from a COS client with only an incomplete upload is 409 BucketNotEmpty naming the uploads; after Abort it deletes', async () => {
    // S3 clients get S3's answer instead (the uploads go with the bucket): bucket-delete-families.test.ts.
    const Bucket = t.bucketName('mpdelete');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const uploadId = await initiate(Bucket, 'unfinished.bin');
    await uploadPart(Bucket, 'unfinished.bin', uploadId, 1, partBody(1000));

    const cos = t.cos('path');
    const cosErr = await cosError(cos.deleteBucket({ Bucket, Region: REGION }));
    expectCosError(cosErr, { statusCode: 409, code: 'BucketNotEmpty' });
    expect(cosErr.message).toMatch(/incomplete multipart uploads?/i);
    expect(cosErr.message).toMatch(/abort|delete/i);

    await cos.multipartAbort({ Bucket, Region: REGION, Key: 'unfinished.bin', UploadId: uploadId });
    await cos.deleteBucket({ Bucket, Region: REGION });
    // In a cluster the other gateways hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket })))).toMatchObject({ status: 404 }),
    );
  });
});

describe('what Complete does to the stored parts', () => {
  let Bucket: string;
  beforeAll(async () => {
    Bucket = t.bucketName('mpcomplete');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });

  it('uses the later send of a part number when the earlier send finishes last', async () => {
    const Key = 'raced.bin';
    const uploadId = await initiate(Bucket, Key);
    const early = partBody(1000);
    const late = partBody(1200);
    // The early send starts, sends half its body and stalls; the late send starts and completes.
    const stalled = new PassThrough();
    const earlySend = s3.send(
      new UploadPartCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: stalled,
        ContentLength: early.length,
      }),
    );
    stalled.write(early.subarray(0, 500));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lateEtag = await uploadPart(Bucket, Key, uploadId, 1, late);
    stalled.end(early.subarray(500));
    const earlyEtag = (await earlySend).ETag!;
    expect(earlyEtag).not.toBe(lateEtag);

    const parts = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, lateEtag, late.length]]);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: lateEtag }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(late)).toBe(true);
  });

  it('is zero-copy, and frees the parts it leaves out', async () => {
    const Key = 'chosen.bin';
    const uploadId = await initiate(Bucket, Key);
    await collectGarbage(t);
    const before = await blobFiles(t.dataDir);
    const bodies = [partBody(MiB), partBody(MiB), partBody(MiB + 5)];
    const etags = [];
    const partBlobs: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const known = new Map([...before, ...partBlobs.map((id) => [id, 0] as const)]);
      etags.push(await uploadPart(Bucket, Key, uploadId, i + 1, body));
      partBlobs.push(...(await newBlobs(known)));
    }
    expect(partBlobs).toHaveLength(3);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: etags[0] },
            { PartNumber: 3, ETag: etags[2] },
          ],
        },
      }),
    );
    expect(done.ETag).toBe(multipartEtag([bodies[0]!, bodies[2]!]));
    // No file was written by Complete; after GC, only part 2's file is gone.
    expect(await newBlobs(new Map([...before, ...partBlobs.map((id) => [id, 0] as const)]))).toEqual([]);
    await collectGarbage(t);
    const now = await blobFiles(t.dataDir);
    expect(partBlobs.map((id) => now.has(id))).toEqual([true, false, true]);

    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([bodies[0]!, bodies[2]!]))).toBe(true);
    expect((await adminUsage(t, Bucket)).incompleteUploads).toEqual({ count: 0, parts: 0, bytes: 0 });
  });

  it('a retried Complete answers with the same ETag, version and CRC, and changes nothing', async () => {
    const Key = 'retried.bin';
    const uploadId = await initiate(Bucket, Key);
    const p1 = partBody(MiB);
    const p2 = partBody(10);
    const Parts = [
      { PartNumber: 1, ETag: await uploadPart(Bucket, Key, uploadId, 1, p1) },
      { PartNumber: 2, ETag: await uploadPart(Bucket, Key, uploadId, 2, p2) },
    ];
    const wire = recordWire(s3);
    const complete = () =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts } }));
    const first = await complete();
    const firstCrc = wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma'];
    const head1 = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    const second = await complete();
    expect(second.ETag).toBe(first.ETag);
    expect(second.ETag).toBe(multipartEtag([p1, p2]));
    expect(second.VersionId).toBe(first.VersionId);
    expect(wire.at(-1)!.responseHeaders['x-cos-hash-crc64ecma']).toBe(firstCrc);
    const head2 = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head2.LastModified).toEqual(head1.LastModified);
    expect(head2.ETag).toBe(first.ETag);

    // The upload itself is gone: its parts can no longer be listed or added to.
    expect(await sdkError(s3.send(new ListPartsCommand({ Bucket, Key, UploadId: uploadId })))).toMatchObject({
      status: 404,
      code: 'NoSuchUpload',
    });
    // The COS SDK's retry of multipartComplete gets the same answer.
    const cosRetry = await t.cos('path').multipartComplete({
      Bucket,
      Region: REGION,
      Key,
      UploadId: uploadId,
      Parts: Parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag! })),
    });
    expect(cosRetry.ETag).toBe(first.ETag);
  });

  it('re-uploading a part number replaces it: ListParts shows the new one, and the old file is freed', async () => {
    const Key = 'replaced-part.bin';
    const uploadId = await initiate(Bucket, Key);
    await collectGarbage(t);
    const before = await blobFiles(t.dataDir);
    const old = partBody(MiB);
    const oldEtag = await uploadPart(Bucket, Key, uploadId, 1, old);
    const [oldBlob] = await newBlobs(before);
    const replacement = partBody(MiB + 4096);
    const newEtag = await uploadPart(Bucket, Key, uploadId, 1, replacement);
    expect(newEtag).toBe(`"${md5Hex(replacement)}"`);

    const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId: uploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, newEtag, MiB + 4096]]);
    expect((await adminUsage(t, Bucket)).incompleteUploads).toEqual({ count: 1, parts: 1, bytes: MiB + 4096 });
    await collectGarbage(t);
    const files = await blobFiles(t.dataDir);
    expect(files.has(oldBlob!)).toBe(false);
    expect(await newBlobs(before)).toHaveLength(1);

    // The old part's ETag no longer names a part.
    const stale = await sdkError(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: oldEtag }] },
        }),
      ),
    );
    expect(stale).toMatchObject({ status: 400, code: 'InvalidPart' });
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: newEtag }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(replacement)).toBe(true);
  });
});
