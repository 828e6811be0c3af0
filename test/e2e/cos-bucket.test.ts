/**
 * Bucket operations through Tencent's cos-nodejs-sdk-v5, in each of its addressing modes:
 * getService, putBucket, headBucket (x-cos-bucket-region, https://intl.cloud.tencent.com/document/product/436/10687),
 * getBucketLocation, deleteBucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COS_MODES, cosError, expectCosError, REGION } from './helpers/cos.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe.each(COS_MODES)('cos-nodejs-sdk-v5 buckets, %s style', (mode) => {
  it('putBucket creates a bucket that headBucket, getService and getBucketLocation see', async () => {
    const cos = t.cos(mode);
    const Bucket = t.bucketName();
    const before = Date.now();
    const created = await cos.putBucket({ Bucket, Region: REGION });
    expect(created.statusCode).toBe(200);
    expect(created.headers?.['x-cos-request-id']).toMatch(/^\S+$/);

    const head = await cos.headBucket({ Bucket, Region: REGION });
    expect(head.statusCode).toBe(200);
    expect(head.headers?.['x-cos-bucket-region']).toBe(REGION);
    expect(head.RequestId).toBe(head.headers?.['x-cos-request-id']);

    const location = await cos.getBucketLocation({ Bucket, Region: REGION });
    expect(location).toMatchObject({ statusCode: 200, LocationConstraint: REGION });

    const service = await cos.getService({});
    expect(service.statusCode).toBe(200);
    const listed = service.Buckets.find((b) => b.Name === Bucket);
    expect(listed).toEqual({ Name: Bucket, Location: REGION, BucketRegion: REGION, CreationDate: expect.any(String) });
    const createdMs = Date.parse(listed!.CreationDate);
    expect(listed!.CreationDate).toBe(new Date(createdMs).toISOString());
    expect(createdMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(createdMs).toBeLessThanOrEqual(Date.now());
    const uin = t.server.identity.uin;
    expect(service.Owner).toEqual({ ID: `qcs::cam::uin/${uin}:uin/${uin}`, DisplayName: uin });
  });

  it('putBucket of an existing bucket of yours is 409 BucketAlreadyOwnedByYou', async () => {
    const cos = t.cos(mode);
    const Bucket = t.bucketName();
    await cos.putBucket({ Bucket, Region: REGION });
    const err = await cosError(cos.putBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 409, code: 'BucketAlreadyOwnedByYou', resource: Bucket });
  });

  it('headBucket of a missing bucket is a bare 404 (HEAD has no error body)', async () => {
    const cos = t.cos(mode);
    const err = await cosError(cos.headBucket({ Bucket: t.bucketName('missing'), Region: REGION }));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('404');
    expect(err.headers['x-cos-request-id']).toMatch(/^\S+$/);
  });

  it('getBucketLocation of a missing bucket is 404 NoSuchBucket', async () => {
    const cos = t.cos(mode);
    const Bucket = t.bucketName('missing');
    const err = await cosError(cos.getBucketLocation({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: Bucket });
  });

  it('deleteBucket refuses a bucket with an object (409 BucketNotEmpty), then deletes it once empty', async () => {
    const cos = t.cos(mode);
    const Bucket = t.bucketName();
    await cos.putBucket({ Bucket, Region: REGION });
    await cos.putObject({ Bucket, Region: REGION, Key: 'keep.txt', Body: 'x' });

    const err = await cosError(cos.deleteBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 409, code: 'BucketNotEmpty', resource: Bucket });
    expect((await cos.headBucket({ Bucket, Region: REGION })).statusCode).toBe(200);

    await cos.deleteObject({ Bucket, Region: REGION, Key: 'keep.txt' });
    const deleted = await cos.deleteBucket({ Bucket, Region: REGION });
    expect(deleted.statusCode).toBe(204);

    expect((await cosError(cos.headBucket({ Bucket, Region: REGION }))).statusCode).toBe(404);
    const service = await cos.getService({});
    expect(service.Buckets.map((b) => b.Name)).not.toContain(Bucket);
  });

  it('deleteBucket of a missing bucket is 404 NoSuchBucket', async () => {
    const cos = t.cos(mode);
    const Bucket = t.bucketName('missing');
    const err = await cosError(cos.deleteBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 404, code: 'NoSuchBucket', resource: Bucket });
  });
});

describe('cos-nodejs-sdk-v5 bucket names', () => {
  it('a name the SDK lets through but COS forbids (leading "-") is 400 InvalidBucketName', async () => {
    const cos = t.cos('path');
    const Bucket = '-bad-1250000000';
    const err = await cosError(cos.putBucket({ Bucket, Region: REGION }));
    expectCosError(err, { statusCode: 400, code: 'InvalidBucketName', resource: Bucket });
  });

  it('getService lists buckets in name order, each once', async () => {
    const cos = t.cos('vhost');
    const names = [t.bucketName('zeta'), t.bucketName('alpha'), t.bucketName('mid')];
    for (const Bucket of names) await cos.putBucket({ Bucket, Region: REGION });
    const listed = (await cos.getService({})).Buckets.map((b) => b.Name);
    const ours = listed.filter((n) => names.includes(n));
    expect(ours).toEqual([...names].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });
});
