/**
 * Live usage and folder size (docs/operations.md, "Usage"): after every kind of write — PUT,
 * overwrite, copy (to another storage class), multipart Complete and Abort, versioned deletes,
 * lifecycle expiry — /-/admin/usage answers exactly what a full recount of the rows answers
 * (`recount=true`), for the bucket and for folders at every depth. The signed per-bucket endpoint
 * GET /<bucket>?usage answers the owner and a sub-user a policy allows, and refuses others.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubUser, rootCreds, send } from './helpers/access.js';
import { DAY_MS, movableClock, runLifecycleOverHttp } from './helpers/lifecycle.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const clock = movableClock(Date.UTC(2030, 2, 1, 12));
let t: TestServer;
let s3: S3Client;

/** Folders checked after every step: every depth, a partial name, a prefix with no folder, the root. */
const PREFIXES = ['', 'a/', 'a/b/', 'a/b/c/', 'a/b', 'a/x', 'img/', 'img/2', 'im', 'top', 'none/', 'a/b/c/d.txt'];

interface Usage {
  objects: { count: number; bytes: number; byStorageClass: Record<string, { count: number; bytes: number }> };
  noncurrentVersions: { count: number; bytes: number };
  deleteMarkers: number;
  incompleteUploads: { count: number; parts: number; bytes: number };
}

/** GET /-/admin/usage with these parameters, signed by the root. */
const adminUsage = (query: Record<string, string>) =>
  send(t, { method: 'GET', path: '/-/admin/usage', query }, { kind: 'v4', creds: rootCreds(t) });

async function usage(bucket: string, recount = false): Promise<Usage> {
  const res = await adminUsage({ bucket, ...(recount ? { recount: 'true' } : {}) });
  if (res.status !== 200) throw new Error(`usage: ${res.status} ${res.text}`);
  const { lifecycle: _lifecycle, ...rest } = res.json as Usage & { lifecycle: unknown };
  return rest;
}

async function folder(bucket: string, prefix: string, recount = false): Promise<{ count: number; bytes: number }> {
  const res = await adminUsage({ bucket, prefix, ...(recount ? { recount: 'true' } : {}) });
  if (res.status !== 200) throw new Error(`folder usage: ${res.status} ${res.text}`);
  return (res.json as { objects: { count: number; bytes: number } }).objects;
}

/** The live figures equal a recount, for the bucket and every folder in PREFIXES. */
async function expectExact(bucket: string): Promise<Usage> {
  const live = await usage(bucket);
  expect(live).toEqual(await usage(bucket, true));
  for (const prefix of PREFIXES) {
    expect({ prefix, ...(await folder(bucket, prefix)) }).toEqual({
      prefix,
      ...(await folder(bucket, prefix, true)),
    });
  }
  return live;
}

const put = (Bucket: string, Key: string, size: number, StorageClass?: 'STANDARD_IA') =>
  s3.send(
    new PutObjectCommand({ Bucket, Key, Body: Buffer.alloc(size, 'x'), ...(StorageClass ? { StorageClass } : {}) }),
  );

beforeAll(async () => {
  t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

describe('live usage stays exact', () => {
  it('through PUT, overwrite, copy, multipart Complete and Abort', async () => {
    const Bucket = t.bucketName('usage');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await put(Bucket, 'a/b/c/d.txt', 10);
    await put(Bucket, 'a/b/e.txt', 20);
    await put(Bucket, 'a/x.txt', 30);
    await put(Bucket, 'img/2024/cat.jpg', 40);
    await put(Bucket, 'top', 5);
    let live = await expectExact(Bucket);
    expect(live.objects).toEqual({ count: 5, bytes: 105, byStorageClass: { STANDARD: { count: 5, bytes: 105 } } });
    expect(await folder(Bucket, 'a/')).toEqual({ count: 3, bytes: 60 });
    expect(await folder(Bucket, 'a/b')).toEqual({ count: 2, bytes: 30 });

    await put(Bucket, 'a/b/e.txt', 200); // overwrite, unversioned: the old bytes go
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'img/2025/cat.jpg',
        CopySource: `${Bucket}/img/2024/cat.jpg`,
        StorageClass: 'STANDARD_IA',
      }),
    );
    live = await expectExact(Bucket);
    expect(live.objects.byStorageClass).toEqual({
      STANDARD: { count: 5, bytes: 285 },
      STANDARD_IA: { count: 1, bytes: 40 },
    });
    expect(await folder(Bucket, 'a/b/')).toEqual({ count: 2, bytes: 210 });

    const part = Buffer.alloc(5 * 1024 * 1024, 'p');
    const done = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'a/b/big.bin' }));
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'a/b/big.bin', UploadId: done.UploadId, PartNumber: 1, Body: part }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'a/b/big.bin', UploadId: done.UploadId, PartNumber: 2, Body: 'tail' }),
    );
    const dropped = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'a/dropped', StorageClass: 'STANDARD_IA' }),
    );
    await s3.send(
      new UploadPartCommand({ Bucket, Key: 'a/dropped', UploadId: dropped.UploadId, PartNumber: 1, Body: 'abc' }),
    );
    // Part 1 sent again: it replaces the first.
    await s3.send(
      new UploadPartCommand({ Bucket, Key: 'a/dropped', UploadId: dropped.UploadId, PartNumber: 1, Body: 'abcdef' }),
    );
    live = await expectExact(Bucket);
    expect(live.incompleteUploads).toEqual({ count: 2, parts: 3, bytes: part.length + 4 + 6 });

    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'a/b/big.bin',
        UploadId: done.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'a/dropped', UploadId: dropped.UploadId }));
    live = await expectExact(Bucket);
    expect(live.incompleteUploads).toEqual({ count: 0, parts: 0, bytes: 0 });
    expect(await folder(Bucket, 'a/b/')).toEqual({ count: 3, bytes: 210 + part.length + 4 });

    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a/b/c/d.txt' }));
    live = await expectExact(Bucket);
    expect(await folder(Bucket, 'a/b/c/')).toEqual({ count: 0, bytes: 0 });
  });

  it('through versioned overwrites and deletes, and lifecycle expiry of current and noncurrent versions', async () => {
    const Bucket = t.bucketName('usagever');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await put(Bucket, 'a/b/c/d.txt', 10);
    await put(Bucket, 'a/b/c/d.txt', 11); // the 10 bytes become noncurrent
    await put(Bucket, 'img/2024/cat.jpg', 40);
    await put(Bucket, 'a/x.txt', 30, 'STANDARD_IA');
    let live = await expectExact(Bucket);
    expect(live.noncurrentVersions).toEqual({ count: 1, bytes: 10 });

    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'img/2024/cat.jpg' })); // a delete marker
    live = await expectExact(Bucket);
    expect(live.deleteMarkers).toBe(1);
    expect(live.noncurrentVersions).toEqual({ count: 2, bytes: 50 });
    expect(await folder(Bucket, 'img/')).toEqual({ count: 0, bytes: 0 });

    // Removing the marker brings the object back; removing a noncurrent version frees its bytes.
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    const marker = versions.DeleteMarkers!.find((m) => m.Key === 'img/2024/cat.jpg')!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: marker.Key!, VersionId: marker.VersionId! }));
    const old = versions.Versions!.find((v) => v.Key === 'a/b/c/d.txt' && !v.IsLatest)!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: old.Key!, VersionId: old.VersionId! }));
    live = await expectExact(Bucket);
    expect(live.deleteMarkers).toBe(0);
    expect(live.noncurrentVersions).toEqual({ count: 0, bytes: 0 });
    expect(await folder(Bucket, 'img/')).toEqual({ count: 1, bytes: 40 });

    // Lifecycle: current versions under a/ expire (markers added), then noncurrent ones go.
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'a',
              Status: 'Enabled',
              Filter: { Prefix: 'a/' },
              Expiration: { Days: 1 },
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            },
          ],
        },
      }),
    );
    clock.now += 2 * DAY_MS;
    expect((await runLifecycleOverHttp(t)).status).toBe(200);
    live = await expectExact(Bucket);
    expect(await folder(Bucket, 'a/')).toEqual({ count: 0, bytes: 0 });
    expect(live.deleteMarkers).toBe(2);
    clock.now += 3 * DAY_MS;
    expect((await runLifecycleOverHttp(t)).status).toBe(200);
    live = await expectExact(Bucket);
    expect(live.noncurrentVersions).toEqual({ count: 0, bytes: 0 });
    expect(live.objects).toMatchObject({ count: 1, bytes: 40 });
  });
});

describe('the usage endpoints', () => {
  it('/-/admin/usage refuses an unknown parameter (a misspelt prefix must not answer for the whole bucket)', async () => {
    const Bucket = t.bucketName('usageparam');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const res = await adminUsage({ bucket: Bucket, prefx: 'a/' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'InvalidArgument' });
    expect((res.json as { message: string }).message).toContain('prefx');
    expect((await adminUsage({ bucket: Bucket, recount: 'maybe' })).status).toBe(400);
  });

  it('GET /<bucket>?usage answers the owner (SigV4 and COS), a sub-user a policy allows, and no one else', async () => {
    const Bucket = t.bucketName('usagesigned');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await put(Bucket, 'docs/a.txt', 7);
    await put(Bucket, 'b.txt', 3);
    for (const kind of ['v4', 'cos'] as const) {
      const whole = await send(
        t,
        { method: 'GET', path: `/${Bucket}`, query: { usage: '' } },
        { kind, creds: rootCreds(t) },
      );
      expect(whole.status).toBe(200);
      expect(whole.json).toMatchObject({ bucket: Bucket, objects: { count: 2, bytes: 10 } });
      const docs = await send(
        t,
        { method: 'GET', path: `/${Bucket}`, query: { usage: '', prefix: 'docs/' } },
        { kind, creds: rootCreds(t) },
      );
      expect(docs.json).toEqual({ bucket: Bucket, prefix: 'docs/', objects: { count: 1, bytes: 7 } });
    }
    const bad = await send(
      t,
      { method: 'GET', path: `/${Bucket}`, query: { usage: '', max: '1' } },
      { kind: 'v4', creds: rootCreds(t) },
    );
    expect(bad.status).toBe(400);

    const allowed = await createSubUser(t, 'usage-reader', {
      usage: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:GetBucketUsage'], Resource: [`arn:aws:s3:::${Bucket}`] }],
      },
    });
    const other = await createSubUser(t, 'usage-other', {
      list: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${Bucket}`] }],
      },
    });
    const asAllowed = await send(
      t,
      { method: 'GET', path: `/${Bucket}`, query: { usage: '' } },
      { kind: 'v4', creds: allowed.creds },
    );
    expect(asAllowed.status).toBe(200);
    expect(asAllowed.json).toMatchObject({ objects: { count: 2, bytes: 10 } });
    const asOther = await send(
      t,
      { method: 'GET', path: `/${Bucket}`, query: { usage: '' } },
      { kind: 'v4', creds: other.creds },
    );
    expect(asOther.status).toBe(403);
    const anonymous = await send(t, { method: 'GET', path: `/${Bucket}`, query: { usage: '' } }, { kind: 'none' });
    expect(anonymous.status).toBe(403);
  });
});
