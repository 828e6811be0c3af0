/**
 * Edges Tencent's SDK (cos-nodejs-sdk-v5) relies on, as its own test suite checks them against COS: a
 * SecretId is taken exactly as sent (a trailing space is another key), COS-signed responses carry
 * COS's request id header and not S3's (sliceCopyFile's test compares a copy's HEAD headers with its
 * source's, leaving out only x-cos-request-id and what a copy changes), and keys made only of slashes
 * and dots are answered as COS answers them.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosError, expectCosError } from './helpers/cos.js';
import { TEST_REGION as Region, startTestServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;

let t: TestServer;
let cos: COS;
let Bucket: string;
beforeAll(async () => {
  t = await startTestServer();
  cos = t.cos('path');
  Bucket = t.bucketName('cosedges');
  await cos.putBucket({ Bucket, Region });
});
afterAll(async () => {
  await t.close();
});

describe('credentials', () => {
  it('a SecretId with a trailing space is refused (403 InvalidAccessKeyId), not trimmed into the real one', async () => {
    const spaced = t.cos('path', { SecretId: `${t.secretId} ` });
    const err = await cosError(spaced.headBucket({ Bucket, Region }));
    expect(err.statusCode).toBe(403);
    const listed = await cosError(spaced.getBucket({ Bucket, Region }));
    expectCosError(listed, { statusCode: 403, code: 'InvalidAccessKeyId' });
  });
});

describe('response headers of COS-signed requests', () => {
  it('carry x-cos-request-id and not x-amz-request-id / x-amz-id-2; S3-signed ones keep S3’s', async () => {
    const put = await cos.putObject({ Bucket, Region, Key: 'h.txt', Body: 'hello' });
    const head = await cos.headObject({ Bucket, Region, Key: 'h.txt' });
    const missing = await cosError(cos.headObject({ Bucket, Region, Key: 'absent.txt' }));
    for (const headers of [put.headers, head.headers, missing.headers] as Record<string, string>[]) {
      expect(headers['x-cos-request-id']).toMatch(/\S/);
      expect(headers).not.toHaveProperty('x-amz-request-id');
      expect(headers).not.toHaveProperty('x-amz-id-2');
    }
    const s3Head = await t.s3().send(new HeadObjectCommand({ Bucket, Key: 'h.txt' }));
    expect(s3Head.$metadata.requestId).toMatch(/\S/);
    expect(s3Head.$metadata.extendedRequestId).toMatch(/\S/);
  });

  it('sliceCopyFile: the copy’s HEAD headers equal the source’s but for the request id and what a copy changes', async () => {
    const Key = 'slice/source.bin';
    await cos.putObject({
      Bucket,
      Region,
      Key,
      Body: Buffer.alloc(3 * MiB + 5, 7),
      ContentType: 'application/x-thing',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="s.bin"',
      Headers: { 'x-cos-meta-owner': 'alice' },
    });
    await cos.sliceCopyFile({
      Bucket,
      Region,
      Key: 'slice/copy.bin',
      CopySource: `${Bucket}.cos.${Region}.myqcloud.com/${Key}`,
      CopySliceSize: MiB, // a multipart copy (UploadPartCopy), not one PUT Object - Copy
      CopyChunkSize: MiB,
    });
    const source = await cos.headObject({ Bucket, Region, Key });
    const copy = await cos.headObject({ Bucket, Region, Key: 'slice/copy.bin' });
    // What Tencent's test leaves out (cos-nodejs-sdk-v5 test/test.js, "sliceCopyFile"), nothing more.
    const comparable = (data: typeof source) => {
      const headers = { ...(data.headers as Record<string, string>) };
      for (const name of [
        'x-cos-request-id',
        'x-cos-version-id',
        'x-cos-replication-status',
        'last-modified',
        'date',
        'etag',
      ])
        delete headers[name];
      return headers;
    };
    expect(comparable(copy)).toEqual(comparable(source));
    expect(copy.headers?.etag).toMatch(/-\d+"$/);
  });
});

describe('keys made only of slashes and dots', () => {
  it('the SDK’s own check (ObjectKeySimplifyCheck, on by default) refuses them before sending', async () => {
    for (const Key of ['///////', '/./', '/abc/../']) {
      await expect(cos.getObject({ Bucket, Region, Key })).rejects.toMatchObject({
        message: 'The Getobject Key is illegal',
      });
    }
  });

  it('with the check off, GET of "///////" is the bucket listing (COS merges the slashes); the dotted forms fail', async () => {
    const unchecked = new COS({
      SecretId: t.secretId,
      SecretKey: t.secretKey,
      Protocol: 'http:',
      Domain: `127.0.0.1:${t.port}/{Bucket}`,
      ObjectKeySimplifyCheck: false,
    });
    const listed = await unchecked.getObject({ Bucket, Region, Key: '///////' });
    expect(String(listed.Body)).toContain('<ListBucketResult');
    for (const Key of ['/abc/../', '/./', '///abc/.//def//../../', '/././///abc/.//def//../../']) {
      const err = await cosError(unchecked.getObject({ Bucket, Region, Key }));
      expect(err.statusCode, Key).toBeGreaterThanOrEqual(400);
    }
  });
});
