import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOnEveryGateway } from './helpers/cluster.js';
import { errorOf, rawRequest, recordWire, sdkError, xmlFields } from './helpers/s3.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

describe('S3 buckets (@aws-sdk/client-s3, path style)', () => {
  let t: TestServer;
  let s3: S3Client;
  let wire: ReturnType<typeof recordWire>;
  beforeAll(async () => {
    t = await startTestServer();
    s3 = t.s3();
    wire = recordWire(s3);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates buckets and lists them with region and creation date', async () => {
    const before = Date.now() - 1000;
    const a = t.bucketName('lista');
    const b = t.bucketName('listb');
    const created = await s3.send(new CreateBucketCommand({ Bucket: a }));
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect(created.Location).toBe(`/${a}`);
    await s3.send(
      new CreateBucketCommand({
        Bucket: b,
        // biome-ignore lint/suspicious/noExplicitAny: COS regions are not in the SDK's enum of AWS regions
        CreateBucketConfiguration: { LocationConstraint: TEST_REGION as any },
      }),
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.$metadata.httpStatusCode).toBe(200);
    expect(listed.Owner?.ID).toMatch(/^qcs::cam::uin\/\d+:uin\/\d+$/);
    const ours = listed.Buckets?.filter((x) => x.Name === a || x.Name === b) ?? [];
    expect(ours.map((x) => x.Name).sort()).toEqual([a, b].sort());
    for (const bucket of ours) {
      expect(bucket.BucketRegion).toBe(TEST_REGION);
      expect(bucket.CreationDate?.getTime()).toBeGreaterThanOrEqual(before);
      expect(bucket.CreationDate?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const wireEntry = wire.at(-1)!;
    expect(wireEntry.responseHeaders['x-amz-request-id']).toBe(listed.$metadata.requestId);
    expect(wireEntry.responseHeaders['x-cos-request-id']).toBe(listed.$metadata.requestId);
  });

  it('HEAD Bucket answers 200 with x-cos-bucket-region and x-amz-bucket-region', async () => {
    const bucket = t.bucketName('head');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe(TEST_REGION);
    const w = wire.at(-1)!;
    expect(w.method).toBe('HEAD');
    expect(w.path).toBe(`/${bucket}/`);
    expect(w.responseHeaders['x-cos-bucket-region']).toBe(TEST_REGION);
    expect(w.responseHeaders['x-amz-bucket-region']).toBe(TEST_REGION);
  });

  it('GET Bucket location returns the server region', async () => {
    const bucket = t.bucketName('loc');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    expect(location.LocationConstraint).toBe(TEST_REGION);
    const raw = await rawRequest(t, { method: 'GET', path: `/${bucket}`, query: 'location' });
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${TEST_REGION}</LocationConstraint>`,
    );
  });

  it('creating a bucket you own again is 409 BucketAlreadyOwnedByYou', async () => {
    const bucket = t.bucketName('again');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const err = await sdkError(s3.send(new CreateBucketCommand({ Bucket: bucket })));
    expect(err.status).toBe(409);
    expect(err.code).toBe('BucketAlreadyOwnedByYou');
  });

  it.each([
    ['upper case', 'Bad-Name-1250000000'],
    ['underscore', 'bad_name'],
    ['too short', 'ab'],
    ['too long', 'a'.repeat(64)],
    ['double dot', 'a..b-1250000000'],
    ['IP address', '192.168.1.1'],
    ['trailing hyphen', 'trailing-'],
  ])('refuses an invalid bucket name (%s) with 400 InvalidBucketName', async (_label, name) => {
    const err = await sdkError(s3.send(new CreateBucketCommand({ Bucket: name })));
    expect(err).toMatchObject({ status: 400, code: 'InvalidBucketName' });
  });

  it('DELETE Bucket: 409 BucketNotEmpty with an object (or a folder) in it, 204 once empty', async () => {
    const bucket = t.bucketName('del');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'folder/', Body: '' }));
    const err = await sdkError(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
    expect(err).toMatchObject({ status: 409, code: 'BucketNotEmpty' });
    // Still there after the refusal.
    expect((await s3.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(200);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'folder/' }));
    const deleted = await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    // In a cluster the other gateways' bucket caches hear of it by LISTEN/NOTIFY, right after the response.
    await settledOnEveryGateway(async () =>
      expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket: bucket })))).toMatchObject({
        status: 404,
        code: 'NotFound',
      }),
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.some((b) => b.Name === bucket)).toBe(false);
  });

  it('a missing bucket is 404 NoSuchBucket for GET/DELETE, a bare 404 for HEAD', async () => {
    const bucket = t.bucketName('missing');
    expect(await sdkError(s3.send(new DeleteBucketCommand({ Bucket: bucket })))).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
    });
    expect(await sdkError(s3.send(new GetBucketLocationCommand({ Bucket: bucket })))).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
    });
    const head = await rawRequest(t, { method: 'HEAD', path: `/${bucket}` });
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
    expect(head.headers['x-cos-request-id']).toMatch(/^[0-9a-z]+$/);
    const get = await rawRequest(t, { method: 'GET', path: `/${bucket}`, query: 'location' });
    expect(errorOf(get)).toEqual({
      status: 404,
      code: 'NoSuchBucket',
      message: expect.stringContaining('does not exist'),
      resource: bucket,
    });
  });

  it('PUT Bucket with a LocationConstraint naming another region is refused', async () => {
    const bucket = t.bucketName('region');
    const res = await rawRequest(t, {
      method: 'PUT',
      path: `/${bucket}`,
      body: '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
    });
    const err = errorOf(res);
    expect(err.status).toBe(400);
    expect(err.code).toBe('IllegalLocationConstraintException');
    expect(xmlFields(res.text)['ArgumentValue']).toBe('eu-west-1');
    expect(await sdkError(s3.send(new HeadBucketCommand({ Bucket: bucket })))).toMatchObject({ status: 404 });
  });
});
