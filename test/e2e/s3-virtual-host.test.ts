import http from 'node:http';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { signV2Headers } from '@coffer/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../packages/server/src/auth/index.js';
import { AWKWARD_KEYS, md5Hex, recordWire, sdkError } from './helpers/s3.js';
import { startTestServer, TEST_DOMAIN, TEST_REGION, type TestServer } from './helpers/server.js';

/** GET through node:http to a virtual host (resolved by the test resolver), returning status and body. */
function getVirtualHost(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('S3 with virtual-host addressing (Host: <bucket>.cos.localhost)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3({ forcePathStyle: false });
    wire = recordWire(s3);
    bucket = t.bucketName('vhost');
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates the bucket with Host <bucket>.cos.localhost:port and path "/"', async () => {
    const res = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    const w = wire.at(-1)!;
    expect(w.hostname).toBe(`${bucket}.${TEST_DOMAIN}`);
    expect(w.headers['host']).toBe(`${bucket}.${TEST_DOMAIN}:${t.port}`);
    expect(w.path).toBe('/');
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(head.BucketRegion).toBe(TEST_REGION);
    expect(wire.at(-1)!.responseHeaders['x-cos-bucket-region']).toBe(TEST_REGION);
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint).toBe(TEST_REGION);
  });

  it('PUT/GET/HEAD with buffered and streaming bodies; the key is the whole path', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'dir/buffered.txt', Body: 'buffered', Metadata: { m: '1' } }),
    );
    expect(wire.at(-1)!.path).toBe('/dir/buffered.txt');
    expect(wire.at(-1)!.headers['x-amz-checksum-crc32']).toBe(put.ChecksumCRC32);
    expect(put.ETag).toBe(`"${md5Hex('buffered')}"`);
    const stream = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dir/streamed.bin',
        Body: Readable.from([Buffer.from('stre'), Buffer.from('amed')]),
        ContentLength: 8,
      }),
    );
    expect(wire.at(-1)!.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(stream.ETag).toBe(`"${md5Hex('streamed')}"`);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'dir/streamed.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(await got.Body!.transformToString()).toBe('streamed');
    expect(got.ChecksumCRC32).toBe(stream.ChecksumCRC32);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/buffered.txt' }));
    expect(head.Metadata).toEqual({ m: '1' });
  });

  it('awkward keys round-trip', async () => {
    for (const key of [AWKWARD_KEYS.space, AWKWARD_KEYS.unicode, AWKWARD_KEYS.question, AWKWARD_KEYS.hash]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body!.transformToString()).toBe(key);
    }
  });

  it('lists with prefix and delimiter', async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dir/', Delimiter: '/' }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(['dir/buffered.txt', 'dir/streamed.bin']);
    const root = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir with space/', 'dir/', 'ünïcødé/']);
    expect(wire.at(-1)!.headers['host']).toBe(`${bucket}.${TEST_DOMAIN}:${t.port}`);
  });

  it('copies (path-style copy source) and deletes', async () => {
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy.txt', CopySource: `${bucket}/dir/buffered.txt` }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5Hex('buffered')}"`);
    const del = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'copy.txt' }, { Key: 'dir/streamed.bin' }] },
      }),
    );
    expect(del.Deleted?.map((d) => d.Key).sort()).toEqual(['copy.txt', 'dir/streamed.bin']);
    expect((await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'copy.txt' }))).$metadata.httpStatusCode).toBe(
      204,
    );
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy.txt' })))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
  });

  it('a presigned virtual-host GET URL works over plain HTTP', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'dir/buffered.txt' }), {
      expiresIn: 300,
    });
    expect(new URL(url).host).toBe(`${bucket}.${TEST_DOMAIN}:${t.port}`);
    expect(await getVirtualHost(url)).toEqual({ status: 200, body: 'buffered' });
  });

  it('SigV2 header auth signs /<bucket>/key even though the path has no bucket', async () => {
    const host = `${bucket}.${TEST_DOMAIN}:${t.port}`;
    const { headers } = signV2Headers(
      { method: 'GET', path: '/dir/buffered.txt', headers: { host } },
      { credentials: { accessKeyId: t.secretId, secretKey: t.secretKey }, bucket, nowMs: Date.now() },
      nodeCrypto,
    );
    expect(await getVirtualHost(`http://${host}/dir/buffered.txt`, headers)).toEqual({ status: 200, body: 'buffered' });
  });

  describe('errors', () => {
    it('a missing bucket is 404 NoSuchBucket; a non-empty bucket cannot be deleted', async () => {
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: t.bucketName('absent'), Key: 'k' })))).toMatchObject(
        { status: 404, code: 'NoSuchBucket' },
      );
      expect(await sdkError(s3.send(new DeleteBucketCommand({ Bucket: bucket })))).toMatchObject({
        status: 409,
        code: 'BucketNotEmpty',
      });
    });
  });
});
