/**
 * GetObjectAttributes (GET ?attributes) through @aws-sdk/client-s3: each attribute the header names
 * and no other, additional checksums, the parts of a multipart object paged by MaxParts and
 * PartNumberMarker, versions and delete markers, and the header's validation.
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { errorOf, md5Hex, rawRequest, sdkError } from './helpers/s3.js';
import { useS3Bucket } from './helpers/server.js';

const MiB = 1024 * 1024;

describe('GetObjectAttributes (@aws-sdk/client-s3)', () => {
  const fx = useS3Bucket('attributes');

  it('returns the named attributes of a single-PUT object, with its additional checksum', async () => {
    await fx.s3.send(
      new PutObjectCommand({
        Bucket: fx.bucket,
        Key: 'one',
        Body: 'hello',
        ChecksumAlgorithm: 'SHA256',
        StorageClass: 'STANDARD_IA',
      }),
    );
    const all = await fx.s3.send(
      new GetObjectAttributesCommand({
        Bucket: fx.bucket,
        Key: 'one',
        ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'],
      }),
    );
    expect(all.ETag).toBe(md5Hex('hello'));
    expect(all.Checksum?.ChecksumSHA256).toBe('LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
    expect(all.StorageClass).toBe('STANDARD_IA');
    expect(all.ObjectSize).toBe(5);
    expect(all.ObjectParts).toBeUndefined();
    expect(all.LastModified).toBeInstanceOf(Date);

    const some = await fx.s3.send(
      new GetObjectAttributesCommand({ Bucket: fx.bucket, Key: 'one', ObjectAttributes: ['ObjectSize'] }),
    );
    expect(some.ObjectSize).toBe(5);
    expect(some.ETag).toBeUndefined();
    expect(some.StorageClass).toBeUndefined();
  });

  it('lists the parts of a multipart object, a page at a time', async () => {
    const key = 'multi';
    const { UploadId } = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: fx.bucket, Key: key }));
    const sizes = [MiB, MiB, 7];
    const parts = [];
    for (const [i, size] of sizes.entries()) {
      const { ETag } = await fx.s3.send(
        new UploadPartCommand({
          Bucket: fx.bucket,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          Body: Buffer.alloc(size, i),
        }),
      );
      parts.push({ PartNumber: i + 1, ETag });
    }
    await fx.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: fx.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
    );

    const first = await fx.s3.send(
      new GetObjectAttributesCommand({
        Bucket: fx.bucket,
        Key: key,
        ObjectAttributes: ['ObjectParts', 'ETag'],
        MaxParts: 2,
      }),
    );
    expect(first.ETag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(first.ObjectParts).toMatchObject({
      TotalPartsCount: 3,
      MaxParts: 2,
      IsTruncated: true,
      NextPartNumberMarker: '2',
      Parts: [
        { PartNumber: 1, Size: MiB },
        { PartNumber: 2, Size: MiB },
      ],
    });
    const rest = await fx.s3.send(
      new GetObjectAttributesCommand({
        Bucket: fx.bucket,
        Key: key,
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
        PartNumberMarker: '2',
      }),
    );
    expect(rest.ObjectParts).toMatchObject({
      TotalPartsCount: 3,
      IsTruncated: false,
      Parts: [{ PartNumber: 3, Size: 7 }],
    });
    expect(rest.ObjectParts?.NextPartNumberMarker).toBeUndefined();
  });

  it('keeps each part’s SHA-256 after Complete: GetObjectAttributes lists them, GET ?partNumber answers them', async () => {
    const Key = 'sha-parts';
    const { UploadId } = await fx.s3.send(
      new CreateMultipartUploadCommand({ Bucket: fx.bucket, Key, ChecksumAlgorithm: 'SHA256' }),
    );
    const bodies = [Buffer.alloc(MiB, 1), Buffer.alloc(10, 2)];
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const { ETag, ChecksumSHA256 } = await fx.s3.send(
        new UploadPartCommand({
          Bucket: fx.bucket,
          Key,
          UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      expect(ChecksumSHA256).toBe(sha(Body));
      parts.push({ PartNumber: i + 1, ETag, ChecksumSHA256 });
    }
    await fx.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: fx.bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    const attributes = await fx.s3.send(
      new GetObjectAttributesCommand({ Bucket: fx.bucket, Key, ObjectAttributes: ['ObjectParts'] }),
    );
    expect(attributes.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256])).toEqual([
      [1, MiB, sha(bodies[0]!)],
      [2, 10, sha(bodies[1]!)],
    ]);
    const second = await fx.s3.send(
      new GetObjectCommand({ Bucket: fx.bucket, Key, PartNumber: 2, ChecksumMode: 'ENABLED' }),
    );
    expect(second.ChecksumSHA256).toBe(sha(bodies[1]!));
    expect(Buffer.from(await second.Body!.transformToByteArray()).equals(bodies[1]!)).toBe(true);
  });

  it('reads a given version; the current delete marker is 404 NoSuchKey with x-amz-delete-marker', async () => {
    const vb = fx.t.bucketName('attributes-v');
    await fx.s3.send(new CreateBucketCommand({ Bucket: vb }));
    await fx.s3.send(new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = (await fx.s3.send(new PutObjectCommand({ Bucket: vb, Key: 'k', Body: 'first' }))).VersionId;
    await fx.s3.send(new PutObjectCommand({ Bucket: vb, Key: 'k', Body: 'second!' }));
    const old = await fx.s3.send(
      new GetObjectAttributesCommand({ Bucket: vb, Key: 'k', VersionId: v1, ObjectAttributes: ['ObjectSize'] }),
    );
    expect(old.ObjectSize).toBe(5);
    expect(old.VersionId).toBe(v1);
    await fx.s3.send(new DeleteObjectCommand({ Bucket: vb, Key: 'k' }));
    const res = await rawRequest(fx.t, {
      method: 'GET',
      path: `/${vb}/k`,
      query: 'attributes',
      headers: { 'x-amz-object-attributes': 'ObjectSize' },
    });
    expect(errorOf(res)).toMatchObject({ status: 404, code: 'NoSuchKey' });
    expect(res.headers['x-amz-delete-marker']).toBe('true');
  });

  it('a missing or unknown attribute name is 400 InvalidArgument; a missing key NoSuchKey; anonymous AccessDenied', async () => {
    for (const headers of [{}, { 'x-amz-object-attributes': '' }, { 'x-amz-object-attributes': 'ETag,Colour' }]) {
      const res = await rawRequest(fx.t, { method: 'GET', path: `/${fx.bucket}/one`, query: 'attributes', headers });
      expect(errorOf(res)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    }
    const badMax = await rawRequest(fx.t, {
      method: 'GET',
      path: `/${fx.bucket}/one`,
      query: 'attributes',
      headers: { 'x-amz-object-attributes': 'ObjectParts', 'x-amz-max-parts': '-1' },
    });
    expect(errorOf(badMax)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(
      await sdkError(
        fx.s3.send(new GetObjectAttributesCommand({ Bucket: fx.bucket, Key: 'absent', ObjectAttributes: ['ETag'] })),
      ),
    ).toMatchObject({ status: 404, code: 'NoSuchKey' });
    const anonymous = await rawRequest(fx.t, {
      method: 'GET',
      path: `/${fx.bucket}/one`,
      query: 'attributes',
      headers: { 'x-amz-object-attributes': 'ETag' },
      sign: 'none',
    });
    expect(errorOf(anonymous)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });
});
