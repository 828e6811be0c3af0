/**
 * Copies between every pair of encryption modes — none, SSE-S3 (AES256), SSE-KMS under two keys,
 * SSE-C under two customer keys — through @aws-sdk/client-s3's CopyObject and UploadPartCopy, for a
 * body stored in a file and one stored inline: the copy reads back with the destination's key (and
 * only with it), HEAD reports the destination's mode, and the bytes are rewritten exactly when the
 * sealing changes (same mode and key: zero-copy, no new blob).
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
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedBlobSizes } from './helpers/blobs.js';
import { sdkError } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';
import { type CustomerKey, createKmsKey, customerKey, filesContaining, keyForms, plaintext } from './helpers/sse.js';

type Mode = {
  name: string;
  write: Record<string, string>;
  read: Record<string, string>;
  copySource: Record<string, string>;
  head: Record<string, unknown>;
};

describe('copies between every pair of encryption modes', () => {
  let t: TestServer;
  let s3: S3Client;
  let Bucket: string;
  const modes: Mode[] = [];
  const customerKeys: CustomerKey[] = [];
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    Bucket = t.bucketName('matrix');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const kmsA = await createKmsKey(t, 'A');
    const kmsB = await createKmsKey(t, 'B');
    const c1 = customerKey();
    const c2 = customerKey();
    customerKeys.push(c1, c2);
    const ssec = (k: CustomerKey) => ({
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: k.base64,
      SSECustomerKeyMD5: k.md5,
    });
    const copySsec = (k: CustomerKey) => ({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: k.base64,
      CopySourceSSECustomerKeyMD5: k.md5,
    });
    modes.push(
      {
        name: 'none',
        write: {},
        read: {},
        copySource: {},
        head: { ServerSideEncryption: undefined, SSECustomerAlgorithm: undefined },
      },
      {
        name: 'AES256',
        write: { ServerSideEncryption: 'AES256' },
        read: {},
        copySource: {},
        head: { ServerSideEncryption: 'AES256' },
      },
      ...[kmsA, kmsB].map((k, i) => ({
        name: `kms-${i}`,
        write: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.keyId },
        read: {},
        copySource: {},
        head: { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k.arn },
      })),
      ...[c1, c2].map((k, i) => ({
        name: `ssec-${i}`,
        write: ssec(k),
        read: ssec(k),
        copySource: copySsec(k),
        head: { SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: k.md5, ServerSideEncryption: undefined },
      })),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  async function read(Key: string, mode: Mode): Promise<Buffer> {
    const res = await s3.send(new GetObjectCommand({ Bucket, Key, ...mode.read }));
    return readAll(res.Body as AsyncIterable<Uint8Array>);
  }

  async function blobCount(): Promise<number> {
    return (await storedBlobSizes(t.dataDir)).size;
  }

  it.each([
    ['a file', 96 * 1024],
    ['an inline body', 900],
  ])('CopyObject of %s: every source mode to every destination mode', async (_what, size) => {
    for (const src of modes) {
      const data = plaintext(size);
      const srcKey = `src-${src.name}-${size}`;
      await s3.send(new PutObjectCommand({ Bucket, Key: srcKey, Body: data, ...src.write }));
      for (const dst of modes) {
        const dstKey = `copy-${src.name}-to-${dst.name}-${size}`;
        const before = await blobCount();
        await s3.send(
          new CopyObjectCommand({
            Bucket,
            Key: dstKey,
            CopySource: `${Bucket}/${srcKey}`,
            ...src.copySource,
            ...dst.write,
          }),
        );
        const label = `${src.name} → ${dst.name}`;
        expect(await blobCount(), label).toBe(before + (src.name === dst.name ? 0 : 1));
        expect((await read(dstKey, dst)).equals(data), label).toBe(true);
        const head = await s3.send(new HeadObjectCommand({ Bucket, Key: dstKey, ...dst.read }));
        for (const [field, value] of Object.entries(dst.head)) {
          expect(head[field as keyof typeof head], `${label}: ${field}`).toEqual(value);
        }
        if (dst.name.startsWith('ssec')) {
          expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: dstKey }))), label).toMatchObject({
            status: 400,
          });
        }
      }
    }
  });

  it('UploadPartCopy: every source mode into an upload of every mode', async () => {
    for (const src of modes) {
      const data = plaintext(64 * 1024);
      const srcKey = `psrc-${src.name}`;
      await s3.send(new PutObjectCommand({ Bucket, Key: srcKey, Body: data, ...src.write }));
      for (const dst of modes) {
        const Key = `part-${src.name}-to-${dst.name}`;
        const label = `${src.name} → ${dst.name}`;
        const init = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ...dst.write }));
        const part = await s3.send(
          new UploadPartCopyCommand({
            Bucket,
            Key,
            UploadId: init.UploadId,
            PartNumber: 1,
            CopySource: `${Bucket}/${srcKey}`,
            CopySourceRange: 'bytes=100-50099',
            ...src.copySource,
            ...dst.read,
          }),
        );
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId: init.UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag }] },
          }),
        );
        expect((await read(Key, dst)).equals(data.subarray(100, 50100)), label).toBe(true);
      }
    }
  });

  it('no form of either customer key anywhere in the data directory', async () => {
    // (Objects copied to mode "none" hold their plaintext by design; sse-c.test.ts and sse-kms.test.ts
    // scan for plaintext.)
    expect(await filesContaining(t.dataDir, customerKeys.flatMap(keyForms))).toEqual([]);
  });
});
