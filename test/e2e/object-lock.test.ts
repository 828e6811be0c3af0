/**
 * Object lock (WORM) through @aws-sdk/client-s3: buckets created with object lock (versioning on for
 * good), the bucket's default retention, retention and legal hold per version (headers at write time
 * and ?retention / ?legal-hold), deletes refused while a version is protected (GOVERNANCE yields to
 * x-amz-bypass-governance-retention, COMPLIANCE and legal holds to nothing), DeleteObjects per key,
 * multipart, and lifecycle rules that leave protected versions alone until their retention ends.
 * Every refused request leaves the version and its lock as they were.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubUser } from './helpers/access.js';
import { DAY_MS, type MovableClock, movableClock } from './helpers/lifecycle.js';
import { rawRequest, sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('object lock', () => {
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

  async function lockedBucket(prefix: string): Promise<string> {
    const Bucket = t.bucketName(prefix);
    await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    return Bucket;
  }

  const inDays = (days: number) => new Date(clock.now + days * DAY_MS);

  /** PUT key `k` with a retention. */
  const putRetained = (Bucket: string, mode: 'GOVERNANCE' | 'COMPLIANCE', until: Date, Body = 'x') =>
    s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body, ObjectLockMode: mode, ObjectLockRetainUntilDate: until }));

  async function versionsOf(Bucket: string, Key: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
    return (listed.Versions ?? []).map((v) => v.VersionId!);
  }

  it('a bucket created with object lock has versioning Enabled for good and reports its configuration', async () => {
    const Bucket = await lockedBucket('lock-create');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket }));
    expect(config.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    expect(
      await sdkError(
        s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })),
      ),
    ).toMatchObject({ status: 409, code: 'InvalidBucketState' });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
  });

  it('a bucket without object lock: no configuration, and lock requests are refused without effect', async () => {
    const Bucket = t.bucketName('lock-none');
    await s3.send(new CreateBucketCommand({ Bucket }));
    expect(await sdkError(s3.send(new GetObjectLockConfigurationCommand({ Bucket })))).toMatchObject({
      status: 404,
      code: 'ObjectLockConfigurationNotFoundError',
    });
    expect(await sdkError(putRetained(Bucket, 'GOVERNANCE', inDays(1), 'x'))).toMatchObject({
      status: 400,
      code: 'InvalidRequest',
    });
    expect(await sdkError(s3.send(new HeadObjectCommand({ Bucket, Key: 'k' })))).toMatchObject({ status: 404 });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    expect(
      await sdkError(
        s3.send(
          new PutObjectRetentionCommand({
            Bucket,
            Key: 'k',
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) },
          }),
        ),
      ),
    ).toMatchObject({ status: 400, code: 'InvalidRequest' });
    // Enabling it needs versioning first; then it can be turned on for an existing bucket.
    const enable = new PutObjectLockConfigurationCommand({
      Bucket,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
    });
    expect(await sdkError(s3.send(enable))).toMatchObject({ status: 409, code: 'InvalidBucketState' });
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(enable);
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
    });
  });

  it('GOVERNANCE: the version cannot be deleted, except with x-amz-bypass-governance-retention; a plain DELETE adds a marker', async () => {
    const Bucket = await lockedBucket('lock-gov');
    const until = inDays(2);
    const put = await putRetained(Bucket, 'GOVERNANCE', until, 'kept');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k' }));
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');

    const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect(marker.DeleteMarker).toBe(true);
    expect(
      await sdkError(s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: put.VersionId }))),
    ).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await versionsOf(Bucket, 'k')).toEqual([put.VersionId]);
    // Making a GOVERNANCE retention COMPLIANCE (even for longer), or shortening it, needs the bypass too.
    for (const Retention of [
      { Mode: 'COMPLIANCE' as const, RetainUntilDate: inDays(3) },
      { Mode: 'GOVERNANCE' as const, RetainUntilDate: inDays(1) },
    ]) {
      expect(
        await sdkError(
          s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', VersionId: put.VersionId, Retention })),
        ),
      ).toMatchObject({ status: 403, code: 'AccessDenied' });
    }
    const deleted = await s3.send(
      new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: put.VersionId, BypassGovernanceRetention: true }),
    );
    expect(deleted.VersionId).toBe(put.VersionId);
    expect(await versionsOf(Bucket, 'k')).toEqual([]);
  });

  it('x-amz-bypass-governance-retention needs s3:BypassGovernanceRetention: a sub-user without it is refused', async () => {
    const Bucket = await lockedBucket('lock-bypass');
    const put = await putRetained(Bucket, 'GOVERNANCE', inDays(1), 'x');
    const statement = (actions: string[]) => ({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: actions, Resource: [`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`] },
      ],
    });
    const plain = await createSubUser(t, 'lockplain', { p: statement(['s3:DeleteObjectVersion', 's3:DeleteObject']) });
    const bypasser = await createSubUser(t, 'lockbypass', {
      p: statement(['s3:DeleteObjectVersion', 's3:DeleteObject', 's3:BypassGovernanceRetention']),
    });
    const as = (creds: { accessKeyId: string; secretKey: string }) =>
      t.s3({ credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretKey } });
    const remove = new DeleteObjectCommand({
      Bucket,
      Key: 'k',
      VersionId: put.VersionId,
      BypassGovernanceRetention: true,
    });
    expect(await sdkError(as(plain.creds).send(remove))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await versionsOf(Bucket, 'k')).toEqual([put.VersionId]);
    await as(bypasser.creds).send(remove);
    expect(await versionsOf(Bucket, 'k')).toEqual([]);
  });

  it('COMPLIANCE: nothing deletes the version or shortens its retention; extending it works', async () => {
    const Bucket = await lockedBucket('lock-comp');
    const put = await putRetained(Bucket, 'COMPLIANCE', inDays(2), 'kept');
    expect(
      await sdkError(
        s3.send(
          new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: put.VersionId, BypassGovernanceRetention: true }),
        ),
      ),
    ).toMatchObject({ status: 403, code: 'AccessDenied' });
    for (const Retention of [
      { Mode: 'COMPLIANCE' as const, RetainUntilDate: inDays(1) },
      { Mode: 'GOVERNANCE' as const, RetainUntilDate: inDays(3) },
    ]) {
      expect(
        await sdkError(
          s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'k', Retention, BypassGovernanceRetention: true })),
        ),
      ).toMatchObject({ status: 403, code: 'AccessDenied' });
    }
    const later = inDays(5);
    await s3.send(
      new PutObjectRetentionCommand({ Bucket, Key: 'k', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later } }),
    );
    const got = await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k' }));
    expect(got.Retention?.Mode).toBe('COMPLIANCE');
    expect(got.Retention?.RetainUntilDate?.getTime()).toBe(later.getTime());
    expect(await versionsOf(Bucket, 'k')).toEqual([put.VersionId]);
  });

  it('legal hold: ON protects a version with no retention until it is turned OFF; DeleteObjects reports the key', async () => {
    const Bucket = await lockedBucket('lock-hold');
    const put = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'k', Body: 'held', ObjectLockLegalHoldStatus: 'ON' }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }))).ObjectLockLegalHoldStatus).toBe('ON');
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket, Key: 'k' }))).LegalHold?.Status).toBe('ON');
    expect(await sdkError(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'k' })))).toMatchObject({
      status: 404,
      code: 'NoSuchObjectLockConfiguration',
    });
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k', VersionId: put.VersionId }] } }),
    );
    expect(batch.Errors?.[0]).toMatchObject({ Key: 'k', Code: 'AccessDenied' });
    expect(await versionsOf(Bucket, 'k')).toEqual([put.VersionId]);
    const malformed = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}/k`,
      query: 'legal-hold',
      body: '<LegalHold><Status>MAYBE</Status></LegalHold>',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('<Code>MalformedXML</Code>');
    await s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'k', LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket, Key: 'k' }))).LegalHold?.Status).toBe('OFF');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: put.VersionId }));
    expect(await versionsOf(Bucket, 'k')).toEqual([]);
  });

  it('default retention applies to PUT and multipart writes without lock headers; bad configurations are refused', async () => {
    const Bucket = await lockedBucket('lock-default');
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } },
        },
      }),
    );
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } },
    });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(Math.abs(head.ObjectLockRetainUntilDate!.getTime() - (clock.now + 3 * DAY_MS))).toBeLessThan(2000);

    const init = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: inDays(10),
      }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: 'p' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'mp',
        UploadId: init.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'mp' }))).ObjectLockMode).toBe('COMPLIANCE');

    for (const [body, code] of [
      [
        '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
        'InvalidRetentionPeriod',
      ],
      [
        '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>-1</Years></DefaultRetention></Rule></ObjectLockConfiguration>',
        'InvalidRetentionPeriod',
      ],
      [
        '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>FOREVER</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>',
        'MalformedXML',
      ],
      [
        '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>',
        'MalformedXML',
      ],
      [
        '<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>',
        'MalformedXML',
      ],
    ] as const) {
      const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'object-lock', body });
      expect(res.status, body).toBe(400);
      expect(res.text).toContain(`<Code>${code}</Code>`);
    }
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration?.Rule).toEqual({
      DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 },
    });
  });

  it('bad lock headers on PUT are 400 and store nothing', async () => {
    const Bucket = await lockedBucket('lock-headers');
    const cases: [Record<string, string>, string][] = [
      [{ 'x-amz-object-lock-mode': 'GOVERNANCE' }, 'InvalidArgument'],
      [
        { 'x-amz-object-lock-mode': 'SOMETIMES', 'x-amz-object-lock-retain-until-date': inDays(1).toISOString() },
        'InvalidArgument',
      ],
      [
        { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': 'tomorrow' },
        'InvalidArgument',
      ],
      [
        { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': inDays(-1).toISOString() },
        'InvalidArgument',
      ],
      [{ 'x-amz-object-lock-legal-hold': 'YES' }, 'InvalidArgument'],
    ];
    for (const [headers, code] of cases) {
      const res = await rawRequest(t, { method: 'PUT', path: `/${Bucket}/bad`, body: 'x', headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.text).toContain(`<Code>${code}</Code>`);
    }
    expect(await versionsOf(Bucket, 'bad')).toEqual([]);
  });

  it('lifecycle leaves retained versions alone until the retention ends', async () => {
    const Bucket = await lockedBucket('lock-lifecycle');
    const first = await putRetained(Bucket, 'COMPLIANCE', inDays(10), 'v1');
    const second = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v2' }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'old',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            },
          ],
        },
      }),
    );
    const start = clock.now;
    try {
      clock.now = start + 3 * DAY_MS;
      await t.server.engine.runLifecycle();
      expect(await versionsOf(Bucket, 'k')).toEqual([second.VersionId, first.VersionId]);
      clock.now = start + 11 * DAY_MS;
      await t.server.engine.runLifecycle();
      expect(await versionsOf(Bucket, 'k')).toEqual([second.VersionId]);
    } finally {
      clock.now = start;
    }
  });
});
