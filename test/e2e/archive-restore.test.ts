/**
 * Archive storage classes and POST Object ?restore, through @aws-sdk/client-s3 and cos-nodejs-sdk-v5
 * (the restoreObject example of https://intl.cloud.tencent.com/document/product/436/31710): an archived version is
 * not readable (GET, copy source,
 * UploadPartCopy source: 403 InvalidObjectState) until a restore; a restore answers 202, then 200 while
 * the restored copy lives; HEAD reports it in x-cos-restore / x-amz-restore; when the restore's days
 * are over, the version is unreadable again. Coffer restores at once (one disk for every class).
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, type MovableClock, movableClock } from './helpers/lifecycle.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

describe('archive classes and restore', () => {
  let t: TestServer;
  let s3: S3Client;
  let clock: MovableClock;
  let Bucket: string;
  beforeAll(async () => {
    clock = movableClock();
    t = await startTestServer({ clock });
    s3 = t.s3();
    Bucket = t.bucketName('archive');
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await t?.close();
  });

  const unreadable = { status: 403, code: 'InvalidObjectState' };

  it('GLACIER through @aws-sdk/client-s3: unreadable, restored for N days (202, then 200), unreadable again after', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cold', Body: 'frozen bytes', StorageClass: 'GLACIER' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold' }));
    expect(head.StorageClass).toBe('GLACIER');
    expect(head.Restore).toBeUndefined();
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'cold' })))).toMatchObject(unreadable);
    expect(
      await sdkError(s3.send(new CopyObjectCommand({ Bucket, Key: 'warm', CopySource: `${Bucket}/cold` }))),
    ).toMatchObject(unreadable);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'parted' }));
    expect(
      await sdkError(
        s3.send(
          new UploadPartCopyCommand({
            Bucket,
            Key: 'parted',
            UploadId: upload.UploadId,
            PartNumber: 1,
            CopySource: `${Bucket}/cold`,
          }),
        ),
      ),
    ).toMatchObject(unreadable);

    const restore = (Days: number) =>
      s3.send(
        new RestoreObjectCommand({
          Bucket,
          Key: 'cold',
          RestoreRequest: { Days, GlacierJobParameters: { Tier: 'Standard' } },
        }),
      );
    expect((await restore(2)).$metadata.httpStatusCode).toBe(202);
    const restored = await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold' }));
    expect(restored.Restore).toBe(
      `ongoing-request="false", expiry-date="${new Date(clock.now + 2 * DAY_MS).toUTCString()}"`,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'cold' }));
    expect((await readAll(got.Body as AsyncIterable<Uint8Array>)).toString()).toBe('frozen bytes');
    expect(got.StorageClass).toBe('GLACIER');
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'warm', CopySource: `${Bucket}/cold`, StorageClass: 'STANDARD' }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'warm' }))).StorageClass).toBeUndefined();

    // Restoring again while restored: 200, and the expiry moves.
    expect((await restore(5)).$metadata.httpStatusCode).toBe(200);
    const start = clock.now;
    try {
      clock.now = start + 4 * DAY_MS;
      expect((await s3.send(new GetObjectCommand({ Bucket, Key: 'cold' }))).$metadata.httpStatusCode).toBe(200);
      clock.now = start + 6 * DAY_MS;
      expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'cold' })))).toMatchObject(unreadable);
      expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold' }))).Restore).toBeUndefined();
    } finally {
      clock.now = start;
    }
  });

  it('refuses what is not a restore it can do, changing nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'hot', Body: 'x' }));
    expect(
      await sdkError(s3.send(new RestoreObjectCommand({ Bucket, Key: 'hot', RestoreRequest: { Days: 1 } }))),
    ).toMatchObject({ status: 403, code: 'InvalidObjectState' });
    expect(
      await sdkError(s3.send(new RestoreObjectCommand({ Bucket, Key: 'missing', RestoreRequest: { Days: 1 } }))),
    ).toMatchObject({ status: 404, code: 'NoSuchKey' });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'deep', Body: 'x', StorageClass: 'DEEP_ARCHIVE' }));
    for (const body of [
      '<RestoreRequest></RestoreRequest>',
      '<RestoreRequest><Days>0</Days></RestoreRequest>',
      '<RestoreRequest><Days>two</Days></RestoreRequest>',
      '<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Instant</Tier></CASJobParameters></RestoreRequest>',
    ]) {
      const res = await rawRequest(t, { method: 'POST', path: `/${Bucket}/deep`, query: 'restore', body });
      expect(res.status, body).toBe(400);
      expect(res.text).toContain('<Code>MalformedXML</Code>');
    }
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'deep' })))).toMatchObject(unreadable);
    const anonymous = await rawRequest(t, {
      method: 'POST',
      path: `/${Bucket}/deep`,
      query: 'restore',
      body: '<RestoreRequest><Days>1</Days></RestoreRequest>',
      sign: 'none',
    });
    expect(anonymous.status).toBe(403);
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'deep' })))).toMatchObject(unreadable);
  });

  it('cos-nodejs-sdk-v5: the COS JS SDK restoreObject example on an ARCHIVE object, then headObject and getObject', async () => {
    const cos = t.cos('path');
    await cos.putObject({ Bucket, Region: TEST_REGION, Key: 'picture.jpg', Body: 'jpeg', StorageClass: 'ARCHIVE' });
    const refused = await cos.getObject({ Bucket, Region: TEST_REGION, Key: 'picture.jpg' }).catch((err) => err);
    expect(refused).toMatchObject({ statusCode: 403, code: 'InvalidObjectState' });
    const restored = await cos.restoreObject({
      Bucket,
      Region: TEST_REGION,
      Key: 'picture.jpg',
      RestoreRequest: { Days: 1, CASJobParameters: { Tier: 'Expedited' } },
    });
    expect(restored.statusCode).toBe(202);
    const head = await cos.headObject({ Bucket, Region: TEST_REGION, Key: 'picture.jpg' });
    expect(head.headers?.['x-cos-storage-class']).toBe('ARCHIVE');
    expect(head.headers?.['x-cos-restore']).toMatch(/^ongoing-request="false", expiry-date=".+ GMT"$/);
    const got = await cos.getObject({ Bucket, Region: TEST_REGION, Key: 'picture.jpg' });
    expect(String(got.Body)).toBe('jpeg');
  });
});
