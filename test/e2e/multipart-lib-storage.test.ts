/**
 * @aws-sdk/lib-storage `Upload` of a 100 MB body generated on the fly (a stream of unknown length, so
 * the SDK slices it into 5 MiB parts and uploads four at a time): the object reads back byte for byte,
 * its ETag is `"<md5 of the parts' md5s>-<N>"`, its x-cos-hash-crc64ecma is the CRC-64/XZ of the whole
 * body (combined from the parts' CRCs, never recomputed), and the attributes given at initiation
 * (content headers, metadata, storage class) are the object's.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUsage, blobFiles, digestStream, generatedBody, MiB } from './helpers/multipart.js';
import { recordWire } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const OBJECT_BYTES = 100 * MiB;
const PART_BYTES = 5 * MiB;

describe('@aws-sdk/lib-storage Upload, 100 MB', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    bucket = t.bucketName('libstorage');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('uploads a generated stream in parts; it reads back identical, with a multipart ETag and the whole CRC-64', async () => {
    const body = generatedBody(OBJECT_BYTES, PART_BYTES);
    const wire = recordWire(s3);
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: 'big/generated.bin',
        Body: body.stream,
        ContentType: 'application/x-generated',
        CacheControl: 'no-store',
        Metadata: { origin: 'lib-storage' },
        StorageClass: 'STANDARD_IA',
      },
      partSize: PART_BYTES,
      queueSize: 4,
    });
    const done = await upload.done();
    const expected = body.digests();
    expect(expected.parts).toBe(OBJECT_BYTES / PART_BYTES);
    expect(done.ETag).toBe(expected.etag);
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-20"$/);

    // It really went as a multipart upload: one initiate, 20 parts, one complete.
    const operations = wire.map((w) => `${w.method} ${Object.keys(w.query).sort().join('&')}`);
    expect(operations.filter((o) => o === 'POST uploads')).toHaveLength(1);
    expect(operations.filter((o) => o.startsWith('PUT') && o.includes('partNumber'))).toHaveLength(20);
    expect(operations.filter((o) => o === 'POST uploadId')).toHaveLength(1);
    const complete = wire.find((w) => w.method === 'POST' && 'uploadId' in w.query)!;
    expect(complete.responseHeaders['x-cos-hash-crc64ecma']).toBe(expected.crc64);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/generated.bin' }));
    expect(head).toMatchObject({
      ContentLength: OBJECT_BYTES,
      ETag: expected.etag,
      ContentType: 'application/x-generated',
      CacheControl: 'no-store',
      Metadata: { origin: 'lib-storage' },
      StorageClass: 'STANDARD_IA',
    });

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/generated.bin' }));
    const read = await digestStream(got.Body as AsyncIterable<Uint8Array>);
    expect(read).toEqual({ md5: expected.md5, size: OBJECT_BYTES });

    // Zero-copy: the object is made of the parts' files (20 of them, 100 MB), nothing was rewritten.
    const files = await blobFiles(t.dataDir);
    expect(files.size).toBe(20);
    expect([...files.values()].every((size) => size === PART_BYTES)).toBe(true);
    const usage = await adminUsage(t, bucket);
    expect(usage.objects.byStorageClass).toEqual({ STANDARD_IA: { count: 1, bytes: OBJECT_BYTES } });
    expect(usage.incompleteUploads).toEqual({ count: 0, parts: 0, bytes: 0 });
  });
});
