import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, type TestServer } from './helpers/server.js';

/**
 * Conditional writes: PutObject with If-None-Match: * and If-Match
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html) and COS's
 * x-cos-forbid-overwrite (https://www.tencentcloud.com/document/product/436/7749). A refused PUT
 * changes nothing. In the cluster project the PUTs spread over three gateways.
 */
describe('conditional PutObject (@aws-sdk/client-s3)', () => {
  let t: TestServer;
  let s3: S3Client;
  let bucket: string;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    bucket = t.bucketName('putcond');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  const body = async (Key: string) =>
    (
      await readAll((await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body as AsyncIterable<Uint8Array>)
    ).toString();

  it('If-None-Match: * creates once, then refuses with 412 and leaves the object as it was', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const refused = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: 'second', IfNoneMatch: '*' })),
    );
    expect(refused).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect(await body('once')).toBe('first');
  });

  it('If-None-Match: * has exactly one winner among concurrent creates', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'raced', Body: `writer ${i}`, IfNoneMatch: '*' })),
      ),
    );
    const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await body('raced')).toBe(`writer ${winners[0]}`);
  });

  it('If-Match replaces only the version it names; on a missing key it is 404 NoSuchKey', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'match', Body: 'v1' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'match', Body: 'v2', IfMatch: ETag }));
    expect(await body('match')).toBe('v2');
    const stale = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'match', Body: 'v3', IfMatch: ETag })),
    );
    expect(stale).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect(await body('match')).toBe('v2');
    const missing = await sdkError(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'no-such', Body: 'x', IfMatch: ETag })),
    );
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchKey' });
  });

  it('x-cos-forbid-overwrite: true refuses to replace an existing object', async () => {
    const put = (text: string) =>
      rawRequest(t, {
        method: 'PUT',
        path: `/${bucket}/guarded`,
        headers: { 'x-cos-forbid-overwrite': 'true' },
        body: text,
      });
    expect((await put('first')).status).toBe(200);
    const refused = await put('second');
    expect(refused.status).toBe(412);
    expect(refused.text).toContain('<Code>PreconditionFailed</Code>');
    expect(await body('guarded')).toBe('first');
  });
});
