/**
 * INTELLIGENT_TIERING with a moved clock, through @aws-sdk/client-s3, cos-nodejs-sdk-v5 and raw
 * requests: an object moves FREQUENT → INFREQUENT after 30 days without a read (COS's
 * ?intelligenttiering changes the days) and into ARCHIVE_ACCESS / DEEP_ARCHIVE_ACCESS when an S3
 * ?intelligent-tiering&id= configuration turns them on; a GET brings it back to FREQUENT, HEAD does
 * not count as an access; HEAD and GET say the tier (x-cos-storage-tier, x-amz-archive-status);
 * an archived object is unreadable (403 InvalidObjectState) until a restore; usage reports bytes per tier.
 */
import {
  CreateBucketCommand,
  DeleteBucketIntelligentTieringConfigurationCommand,
  GetBucketIntelligentTieringConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketIntelligentTieringConfigurationsCommand,
  PutBucketIntelligentTieringConfigurationCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, type MovableClock, movableClock } from './helpers/lifecycle.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { readAll, startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

type TierUsage = Record<string, { count: number; bytes: number }>;

describe('intelligent tiering', () => {
  let t: TestServer;
  let s3: S3Client;
  let clock: MovableClock;
  beforeAll(async () => {
    clock = movableClock();
    t = await startTestServer({ clock });
    s3 = t.s3();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function bucket(prefix: string): Promise<string> {
    const Bucket = t.bucketName(prefix);
    await s3.send(new CreateBucketCommand({ Bucket }));
    return Bucket;
  }

  async function tierOf(Bucket: string, Key: string) {
    const res = await rawRequest(t, { method: 'HEAD', path: `/${Bucket}/${Key}` });
    return {
      tier: res.headers['x-cos-storage-tier'],
      archive: res.headers['x-amz-archive-status'],
      storageClass: res.headers['x-amz-storage-class'],
    };
  }

  async function read(Bucket: string, Key: string): Promise<string> {
    const res = await s3.send(new GetObjectCommand({ Bucket, Key }));
    return (await readAll(res.Body as AsyncIterable<Uint8Array>)).toString();
  }

  async function tierUsage(Bucket: string): Promise<TierUsage> {
    const res = await rawRequest(t, { method: 'GET', path: '/-/admin/usage', query: `bucket=${Bucket}` });
    return JSON.parse(res.text).objects.intelligentTieringByTier ?? {};
  }

  it('FREQUENT, then INFREQUENT after 30 days without a GET; a GET brings it back, a HEAD does not count', async () => {
    const Bucket = await bucket('tier');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'o', Body: 'hello', StorageClass: 'INTELLIGENT_TIERING' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'std', Body: 'standard' }));
    expect(await tierOf(Bucket, 'o')).toEqual({
      tier: 'FREQUENT',
      archive: undefined,
      storageClass: 'INTELLIGENT_TIERING',
    });
    expect((await tierOf(Bucket, 'std')).tier).toBeUndefined();
    clock.now += 29 * DAY_MS;
    await tierOf(Bucket, 'o'); // a HEAD is no access
    clock.now += 1 * DAY_MS;
    expect((await tierOf(Bucket, 'o')).tier).toBe('INFREQUENT');
    expect(await tierUsage(Bucket)).toEqual({ INFREQUENT: { count: 1, bytes: 5 } });
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'o' }));
    expect(got.StorageClass).toBe('INTELLIGENT_TIERING');
    expect(got.$metadata.httpStatusCode).toBe(200);
    await readAll(got.Body as AsyncIterable<Uint8Array>);
    await new Promise((r) => setTimeout(r, 50)); // the access is recorded after the answer
    expect((await tierOf(Bucket, 'o')).tier).toBe('FREQUENT');
    expect(await tierUsage(Bucket)).toEqual({ FREQUENT: { count: 1, bytes: 5 } });
  });

  it('ARCHIVE_INSTANT_ACCESS after 90 days without a GET, with no configuration: read at once, no restore', async () => {
    const Bucket = await bucket('instant');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'i', Body: 'instant', StorageClass: 'INTELLIGENT_TIERING' }));
    clock.now += 89 * DAY_MS;
    expect(await tierUsage(Bucket)).toEqual({ INFREQUENT: { count: 1, bytes: 7 } });
    clock.now += 1 * DAY_MS;
    expect(await tierUsage(Bucket)).toEqual({ ARCHIVE_INSTANT_ACCESS: { count: 1, bytes: 7 } });
    // No archive status (S3 sends none for this tier); COS clients see INFREQUENT, which reads alike.
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'i' }));
    expect(head.ArchiveStatus).toBeUndefined();
    expect(head.StorageClass).toBe('INTELLIGENT_TIERING');
    expect(await tierOf(Bucket, 'i')).toEqual({
      tier: 'INFREQUENT',
      archive: undefined,
      storageClass: 'INTELLIGENT_TIERING',
    });
    // Not an archive tier: a restore is refused, a GET reads at once and brings it back to FREQUENT.
    expect(await sdkError(s3.send(new RestoreObjectCommand({ Bucket, Key: 'i', RestoreRequest: {} })))).toMatchObject({
      status: 403,
      code: 'InvalidObjectState',
    });
    expect(await read(Bucket, 'i')).toBe('instant');
    await new Promise((r) => setTimeout(r, 50)); // the access is recorded after the answer
    expect(await tierUsage(Bucket)).toEqual({ FREQUENT: { count: 1, bytes: 7 } });
    expect((await tierOf(Bucket, 'i')).tier).toBe('FREQUENT');
  });

  it('COS ?intelligenttiering: GET and PUT through cos-nodejs-sdk-v5 raw XML, the days move INFREQUENT', async () => {
    const Bucket = await bucket('cos-tier');
    const get0 = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'intelligenttiering' });
    expect(get0.status).toBe(200);
    expect(get0.text).toContain('<Status>Suspended</Status>');
    const put = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'intelligenttiering',
      body: '<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>60</Days><RequestFrequent>1</RequestFrequent></Transition></IntelligentTieringConfiguration>',
    });
    expect(put.status).toBe(200);
    const bad = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'intelligenttiering',
      body: '<IntelligentTieringConfiguration><Status>Enabled</Status><Transition><Days>45</Days></Transition></IntelligentTieringConfiguration>',
    });
    expect(bad.status).toBe(400);
    const cos = t.cos();
    await cos.putObject({ Bucket, Region: TEST_REGION, Key: 'c', Body: 'cos', StorageClass: 'INTELLIGENT_TIERING' });
    clock.now += 45 * DAY_MS;
    const head = await cos.headObject({ Bucket, Region: TEST_REGION, Key: 'c' });
    expect(head.headers['x-cos-storage-class']).toBe('INTELLIGENT_TIERING');
    expect(head.headers['x-cos-storage-tier']).toBe('FREQUENT');
    clock.now += 15 * DAY_MS;
    expect((await cos.headObject({ Bucket, Region: TEST_REGION, Key: 'c' })).headers['x-cos-storage-tier']).toBe(
      'INFREQUENT',
    );
  });

  it('S3 configurations enable the archive tiers; an archived object needs a restore, then is FREQUENT again', async () => {
    const Bucket = await bucket('archive-tier');
    await s3.send(
      new PutBucketIntelligentTieringConfigurationCommand({
        Bucket,
        Id: 'cold',
        IntelligentTieringConfiguration: {
          Id: 'cold',
          Status: 'Enabled',
          Filter: { Prefix: 'logs/' },
          Tierings: [
            { AccessTier: 'ARCHIVE_ACCESS', Days: 90 },
            { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 180 },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket, Id: 'cold' }));
    expect(got.IntelligentTieringConfiguration).toMatchObject({
      Id: 'cold',
      Status: 'Enabled',
      Filter: { Prefix: 'logs/' },
    });
    const list = await s3.send(new ListBucketIntelligentTieringConfigurationsCommand({ Bucket }));
    expect(list.IntelligentTieringConfigurationList?.map((c) => c.Id)).toEqual(['cold']);
    expect(
      await sdkError(
        s3.send(
          new PutBucketIntelligentTieringConfigurationCommand({
            Bucket,
            Id: 'bad',
            IntelligentTieringConfiguration: {
              Id: 'bad',
              Status: 'Enabled',
              Tierings: [{ AccessTier: 'ARCHIVE_ACCESS', Days: 10 }],
            },
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidArgument' });

    const body = 'x'.repeat(1000);
    for (const Key of ['logs/a', 'other/b']) {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: body, StorageClass: 'INTELLIGENT_TIERING' }));
    }
    clock.now += 90 * DAY_MS;
    expect(await tierOf(Bucket, 'logs/a')).toMatchObject({ tier: 'ARCHIVE', archive: 'ARCHIVE_ACCESS' });
    expect(await tierOf(Bucket, 'other/b')).toMatchObject({ tier: 'INFREQUENT', archive: undefined });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'logs/a' }));
    expect(head.ArchiveStatus).toBe('ARCHIVE_ACCESS');
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'logs/a' })))).toMatchObject({
      status: 403,
      code: 'InvalidObjectState',
    });
    clock.now += 90 * DAY_MS;
    expect(await tierOf(Bucket, 'logs/a')).toMatchObject({ tier: 'DEEP_ARCHIVE', archive: 'DEEP_ARCHIVE_ACCESS' });
    expect(await tierUsage(Bucket)).toEqual({
      DEEP_ARCHIVE_ACCESS: { count: 1, bytes: 1000 },
      ARCHIVE_INSTANT_ACCESS: { count: 1, bytes: 1000 },
    });
    // Restore: no Days for INTELLIGENT_TIERING; a restore of an object not archived is refused.
    expect(
      await sdkError(s3.send(new RestoreObjectCommand({ Bucket, Key: 'other/b', RestoreRequest: {} }))),
    ).toMatchObject({ status: 403, code: 'InvalidObjectState' });
    const restored = await s3.send(new RestoreObjectCommand({ Bucket, Key: 'logs/a', RestoreRequest: {} }));
    expect(restored.$metadata.httpStatusCode).toBe(202);
    expect(await tierOf(Bucket, 'logs/a')).toMatchObject({ tier: 'FREQUENT', archive: undefined });
    expect(await read(Bucket, 'logs/a')).toBe(body);

    await s3.send(new DeleteBucketIntelligentTieringConfigurationCommand({ Bucket, Id: 'cold' }));
    expect(
      await sdkError(s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket, Id: 'cold' }))),
    ).toMatchObject({ status: 404, code: 'NoSuchConfiguration' });
    // Without a configuration the archive tiers are off: the other object stays readable however old.
    clock.now += 400 * DAY_MS;
    expect(await read(Bucket, 'other/b')).toBe(body);
  });
});
