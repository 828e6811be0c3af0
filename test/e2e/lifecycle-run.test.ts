/**
 * The lifecycle engine against a real server whose engine clock the test moves forward (signatures
 * stay on the real clock). Each action is checked on both sides of its due time, which S3 rounds up
 * to the next midnight UTC, and for what it frees: the metadata, the bytes counted in
 * /-/admin/usage, and the blob files on disk after GC. The COS console's rule first
 * (https://intl.cloud.tencent.com/document/product/436/31632): clear incomplete multipart uploads N
 * days after they were started.
 */
import { Writable } from 'node:stream';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION } from './helpers/cos.js';
import { blobFileCount, DAY_MS, midnightAtOrAfter, movableClock, usageOf } from './helpers/lifecycle.js';
import { sdkError } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const HOUR_MS = 3_600_000;
// A start that is not midnight, so "round up to the next midnight UTC" matters.
const clock = movableClock(Date.UTC(2030, 2, 10, 15, 30, 12, 345));
let t: TestServer;
let s3: S3Client;

/** The server's 'lifecycle batch' log lines. */
const batchLines: { bucket: string; phase: string; uploadsAborted: number; objectsExpired: number }[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      const entry = JSON.parse(line);
      if (entry.msg === 'lifecycle batch') batchLines.push(entry);
    }
    done();
  },
});

beforeAll(async () => {
  // The daily schedule is off: every pass here is one the test starts.
  t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' }, log: pino({ level: 'info' }, logSink) });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function newBucket(prefix: string, versioned = false): Promise<string> {
  const Bucket = t.bucketName(prefix);
  await s3.send(new CreateBucketCommand({ Bucket }));
  if (versioned) {
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  return Bucket;
}

async function setRules(Bucket: string, Rules: LifecycleRule[]): Promise<void> {
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
}

/** A pass at `atMs` (the clock only moves forward), then the bucket's cumulative lifecycle counters. */
async function passAt(atMs: number, Bucket: string) {
  expect(atMs).toBeGreaterThanOrEqual(clock.now);
  clock.now = atMs;
  const summary = await t.server.engine.runLifecycle();
  expect(summary.finished).toBe(true);
  await t.server.engine.collectGarbage();
  return (await usageOf(t, Bucket)).lifecycle;
}

async function keysOf(Bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket }));
  return (out.Contents ?? []).map((c) => c.Key!);
}

async function versionsOf(Bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  return [
    ...(out.Versions ?? []).map((v) => `${v.Key} V ${v.VersionId}${v.IsLatest ? ' latest' : ''}`),
    ...(out.DeleteMarkers ?? []).map((m) => `${m.Key} M${m.IsLatest ? ' latest' : ''}`),
  ].sort();
}

describe('AbortIncompleteMultipartUpload (the COS console rule for incomplete uploads)', () => {
  it('a 7-day rule leaves a 6-day-old upload alone and aborts it exactly at the midnight after day 7; its part files leave the disk', async () => {
    const Bucket = await newBucket('lcabort');
    // Set with the COS SDK, as the COS console would (https://intl.cloud.tencent.com/document/product/436/31632).
    await t.cos('path').putBucketLifecycle({
      Bucket,
      Region: REGION,
      Rules: [
        {
          ID: 'clear-fragments',
          Status: 'Enabled',
          Filter: { Prefix: 'big/' },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
    const start = async (Key: string, partSizes: number[]) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      for (const [i, size] of partSizes.entries()) {
        await s3.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: Buffer.alloc(size, i + 1) }),
        );
      }
      return UploadId!;
    };
    await t.server.engine.collectGarbage();
    const filesBefore = await blobFileCount(t.dataDir);
    const t0 = clock.now;
    const first = await start('big/first.bin', [3000, 2000]);
    const outside = await start('small/kept.bin', [500]);
    clock.now = t0 + DAY_MS;
    const second = await start('big/second.bin', [700]);
    expect(await blobFileCount(t.dataDir)).toBe(filesBefore + 4);

    const due = midnightAtOrAfter(t0 + 7 * DAY_MS);
    expect(due).toBeGreaterThan(t0 + 7 * DAY_MS); // t0 is not a midnight: the due time rounds up
    const uploads = async () =>
      ((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).map((u) => u.UploadId).sort();

    expect((await passAt(t0 + 6 * DAY_MS, Bucket)).uploadsAborted).toBe(0);
    expect((await passAt(t0 + 7 * DAY_MS, Bucket)).uploadsAborted).toBe(0);
    expect((await passAt(due - 1, Bucket)).uploadsAborted).toBe(0);
    expect(await uploads()).toEqual([first, outside, second].sort());
    expect(await blobFileCount(t.dataDir)).toBe(filesBefore + 4);

    batchLines.length = 0;
    const atDue = await passAt(due, Bucket);
    expect(atDue).toMatchObject({ uploadsAborted: 1, bytesFreed: 5000 });
    // The log names the phase that did the work: the batch that aborted the upload is 'uploads'.
    expect(batchLines.filter((l) => l.bucket === Bucket && l.uploadsAborted > 0)).toEqual([
      expect.objectContaining({ phase: 'uploads', uploadsAborted: 1 }),
    ]);
    expect(batchLines.filter((l) => l.bucket === Bucket).map((l) => l.phase)).toEqual(['versions', 'uploads']);
    expect(await uploads()).toEqual([outside, second].sort());
    expect(await blobFileCount(t.dataDir)).toBe(filesBefore + 2);
    const gone = await sdkError(s3.send(new ListPartsCommand({ Bucket, Key: 'big/first.bin', UploadId: first })));
    expect(gone).toMatchObject({ status: 404, code: 'NoSuchUpload' });
    expect((await usageOf(t, Bucket)).incompleteUploads).toEqual({ count: 2, parts: 2, bytes: 1200 });

    // The second upload started a day later, so it goes a day later; the one outside the prefix stays.
    const secondDue = midnightAtOrAfter(t0 + 8 * DAY_MS);
    expect((await passAt(secondDue - 1, Bucket)).uploadsAborted).toBe(1);
    expect(await passAt(secondDue, Bucket)).toMatchObject({ uploadsAborted: 2, bytesFreed: 5700 });
    expect(await uploads()).toEqual([outside]);
    expect(await blobFileCount(t.dataDir)).toBe(filesBefore + 1);
    expect((await passAt(secondDue + 30 * DAY_MS, Bucket)).uploadsAborted).toBe(2);
    await t.cos('path').deleteBucketLifecycle({ Bucket, Region: REGION });
  });
});

describe('expiring objects', () => {
  it('on a versioned bucket: Expiration adds a delete marker, NoncurrentVersionExpiration then removes the old versions and frees their files, and the lone marker goes last', async () => {
    const Bucket = await newBucket('lcver', true);
    await setRules(Bucket, [
      {
        ID: 'docs',
        Status: 'Enabled',
        Filter: { Prefix: 'docs/' },
        Expiration: { Days: 10 },
        NoncurrentVersionExpiration: { NoncurrentDays: 5 },
      },
    ]);
    await t.server.engine.collectGarbage();
    const files0 = await blobFileCount(t.dataDir);
    const t0 = clock.now;
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'docs/a', Body: Buffer.alloc(3000, 1) }))).VersionId!;
    clock.now = t0 + HOUR_MS;
    const t1 = clock.now;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'docs/a', Body: Buffer.alloc(4000, 2) }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'other/b', Body: 'outside the prefix' }));
    expect(await blobFileCount(t.dataDir)).toBe(files0 + 3);

    // v1 became noncurrent when v2 was written (t1): it is due 5 days after that, rounded up.
    const v1Due = midnightAtOrAfter(t1 + 5 * DAY_MS);
    expect((await passAt(v1Due - 1, Bucket)).versionsDeleted).toBe(0);
    expect(await passAt(v1Due, Bucket)).toMatchObject({ versionsDeleted: 1, objectsExpired: 0, bytesFreed: 3000 });
    expect(await versionsOf(Bucket)).toEqual([
      `docs/a V ${v2} latest`,
      expect.stringMatching(/^other\/b V .* latest$/),
    ]);
    expect(await blobFileCount(t.dataDir)).toBe(files0 + 2);

    // The current version expires 10 days after it was written: a delete marker, no bytes freed yet.
    const v2Due = midnightAtOrAfter(t1 + 10 * DAY_MS);
    expect((await passAt(v2Due - 1, Bucket)).objectsExpired).toBe(0);
    expect(await passAt(v2Due, Bucket)).toMatchObject({ objectsExpired: 1, versionsDeleted: 1, bytesFreed: 3000 });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket, Key: 'docs/a' })))).toMatchObject({
      status: 404,
      code: 'NoSuchKey',
    });
    expect((await versionsOf(Bucket)).filter((l) => l.startsWith('docs/'))).toEqual([
      `docs/a M latest`,
      `docs/a V ${v2}`,
    ]);
    expect(await blobFileCount(t.dataDir)).toBe(files0 + 2);
    // A second pass at the same time finds nothing more to do (no second marker).
    expect(await passAt(v2Due, Bucket)).toMatchObject({ objectsExpired: 1, versionsDeleted: 1 });

    // v2 is noncurrent since the marker was added (v2Due): 5 more days.
    const v2Gone = midnightAtOrAfter(v2Due + 5 * DAY_MS);
    expect((await passAt(v2Gone - 1, Bucket)).versionsDeleted).toBe(1);
    expect(await passAt(v2Gone, Bucket)).toMatchObject({ versionsDeleted: 2, bytesFreed: 7000 });
    expect(await blobFileCount(t.dataDir)).toBe(files0 + 1);
    expect((await versionsOf(Bucket)).filter((l) => l.startsWith('docs/'))).toEqual(['docs/a M latest']);
    const usage = await usageOf(t, Bucket);
    expect(usage).toMatchObject({ noncurrentVersions: { count: 0, bytes: 0 }, deleteMarkers: 1 });

    // With ExpiredObjectDeleteMarker added, the marker that now stands alone is cleaned up too.
    await setRules(Bucket, [
      {
        ID: 'docs',
        Status: 'Enabled',
        Filter: { Prefix: 'docs/' },
        Expiration: { Days: 10 },
        NoncurrentVersionExpiration: { NoncurrentDays: 5 },
      },
      {
        ID: 'markers',
        Status: 'Enabled',
        Filter: { Prefix: 'docs/' },
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
    ]);
    expect((await passAt(v2Gone, Bucket)).markersRemoved).toBe(1);
    expect(await versionsOf(Bucket)).toEqual([expect.stringMatching(/^other\/b V .* latest$/)]);
    expect(await keysOf(Bucket)).toEqual(['other/b']);
    expect(v1).not.toBe(v2);
  });

  it('ExpiredObjectDeleteMarker removes markers that stand alone, never one with versions behind it', async () => {
    const Bucket = await newBucket('lcmark', true);
    await setRules(Bucket, [
      { ID: 'm', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } },
    ]);
    // "lone": DELETE of a key that never existed. "emptied": its only version removed by id.
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'lone' }));
    const e1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'emptied', Body: 'e' }))).VersionId!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'emptied' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'emptied', VersionId: e1 }));
    // "backed": a marker in front of a real version. "two": two markers stacked (the latest has one behind it).
    const b1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'backed', Body: 'b' }))).VersionId!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'backed' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'two' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'two' }));

    const counters = await passAt(clock.now + DAY_MS, Bucket);
    expect(counters).toMatchObject({ markersRemoved: 2, objectsExpired: 0, versionsDeleted: 0 });
    expect(await versionsOf(Bucket)).toEqual([`backed M latest`, `backed V ${b1}`, 'two M', 'two M latest']);
    expect((await passAt(clock.now + 30 * DAY_MS, Bucket)).markersRemoved).toBe(2);
  });

  it('Tag, And(Prefix, Tag) and prefix filters select exactly their objects; a disabled rule does nothing; unversioned expiry frees the bytes', async () => {
    const Bucket = await newBucket('lcfilter');
    await setRules(Bucket, [
      { ID: 'temp-tag', Status: 'Enabled', Filter: { Tag: { Key: 'temp', Value: 'yes' } }, Expiration: { Days: 1 } },
      {
        ID: 'thumbs',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'cache/', Tags: [{ Key: 'kind', Value: 'thumb' }] } },
        Expiration: { Days: 2 },
      },
      { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 3 } },
      { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'keep/' }, Expiration: { Days: 1 } },
    ]);
    const put = (Key: string, size: number, Tagging?: string) =>
      s3.send(
        new PutObjectCommand({ Bucket, Key, Body: Buffer.alloc(size, 7), ...(Tagging ? { Tagging: Tagging } : {}) }),
      );
    await put('x', 100, 'temp=yes&owner=me');
    await put('y', 100, 'temp=no');
    await put('cache/t2', 100);
    await put('other/t3', 100, 'kind=thumb');
    await put('tmp/a', 300);
    await put('keep/z', 100, 'temp=no');
    // The COS SDK tags through x-cos-tagging.
    await t.cos('path').putObject({
      Bucket,
      Region: REGION,
      Key: 'cache/t1',
      Body: Buffer.alloc(200, 1),
      Headers: { 'x-cos-tagging': 'kind=thumb' },
    });
    const t0 = clock.now;
    const all = ['cache/t1', 'cache/t2', 'keep/z', 'other/t3', 'tmp/a', 'x', 'y'];
    expect(await keysOf(Bucket)).toEqual(all);

    expect(await passAt(midnightAtOrAfter(t0 + DAY_MS), Bucket)).toMatchObject({ objectsExpired: 1, bytesFreed: 100 });
    expect(await keysOf(Bucket)).toEqual(all.filter((k) => k !== 'x'));
    expect(await passAt(midnightAtOrAfter(t0 + 2 * DAY_MS), Bucket)).toMatchObject({
      objectsExpired: 2,
      bytesFreed: 300,
    });
    expect(await passAt(midnightAtOrAfter(t0 + 3 * DAY_MS), Bucket)).toMatchObject({
      objectsExpired: 3,
      bytesFreed: 600,
    });
    expect(await passAt(t0 + 100 * DAY_MS, Bucket)).toMatchObject({ objectsExpired: 3, bytesFreed: 600 });
    expect(await keysOf(Bucket)).toEqual(['cache/t2', 'keep/z', 'other/t3', 'y']);
  });
});

describe('expiring objects in a suspended bucket, and by date', () => {
  it('Suspended: expiry puts a null delete marker in place of the null version (freeing it); the Enabled-era version stays', async () => {
    const Bucket = await newBucket('lcsusp', true);
    const kept = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: Buffer.alloc(111) }))).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: Buffer.alloc(222) }));
    await setRules(Bucket, [{ ID: 'exp', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }]);
    await t.server.engine.collectGarbage();
    const files = await blobFileCount(t.dataDir);
    expect(await versionsOf(Bucket)).toEqual([`k V ${kept}`, 'k V null latest']);
    expect(await passAt(midnightAtOrAfter(clock.now + DAY_MS), Bucket)).toMatchObject({
      objectsExpired: 1,
      bytesFreed: 222,
    });
    expect(await versionsOf(Bucket)).toEqual(['k M latest', `k V ${kept}`]);
    const marker = (await s3.send(new ListObjectVersionsCommand({ Bucket }))).DeleteMarkers?.[0];
    expect(marker?.VersionId).toBe('null');
    expect(await blobFileCount(t.dataDir)).toBe(files - 1);
    // The marker is latest now: later passes do not stack more markers.
    expect((await passAt(clock.now + 10 * DAY_MS, Bucket)).objectsExpired).toBe(1);
  });

  it('Expiration and Transition by Date act on every matching object once that midnight has come, whatever its age', async () => {
    const Bucket = await newBucket('lcdate');
    const date = midnightAtOrAfter(clock.now + 3 * DAY_MS);
    await setRules(Bucket, [
      { ID: 'gone', Status: 'Enabled', Filter: { Prefix: 'gone/' }, Expiration: { Date: new Date(date) } },
      {
        ID: 'cold',
        Status: 'Enabled',
        Filter: { Prefix: 'cold/' },
        Transitions: [{ Date: new Date(date), StorageClass: 'DEEP_ARCHIVE' }],
      },
    ]);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone/old', Body: 'o' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cold/old', Body: 'c' }));
    clock.now = date - HOUR_MS;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone/new', Body: 'n' }));
    expect(await passAt(date - 1, Bucket)).toMatchObject({ objectsExpired: 0, transitioned: 0 });
    expect(await passAt(date, Bucket)).toMatchObject({ objectsExpired: 2, transitioned: 1 });
    expect(await keysOf(Bucket)).toEqual(['cold/old']);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'cold/old' }))).StorageClass).toBe('DEEP_ARCHIVE');
    // Objects written after the date expire at the next pass.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone/later', Body: 'l' }));
    expect((await passAt(clock.now + HOUR_MS, Bucket)).objectsExpired).toBe(3);
  });
});

describe('transitions', () => {
  it('change x-cos-storage-class on HEAD and StorageClass in listings, step by step, and never move back', async () => {
    const Bucket = await newBucket('lctrans');
    await setRules(Bucket, [
      {
        ID: 'tiers',
        Status: 'Enabled',
        Filter: { Prefix: 'logs/' },
        Transitions: [
          { Days: 30, StorageClass: 'STANDARD_IA' },
          { Days: 90, StorageClass: 'ARCHIVE' as 'GLACIER' },
        ],
      },
    ]);
    const t0 = clock.now;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'logs/1.log', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'app/2.log', Body: 'two' }));
    // Stored colder than the rule's first step already: it only ever moves colder.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'logs/deep.log', Body: 'deep', StorageClass: 'DEEP_ARCHIVE' }));
    const classes = async () => {
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? [];
      return Object.fromEntries(listed.map((c) => [c.Key!, c.StorageClass]));
    };
    const cosHead = async (Key: string) =>
      (await t.cos('path').headObject({ Bucket, Region: REGION, Key })).headers?.['x-cos-storage-class'];

    expect((await passAt(midnightAtOrAfter(t0 + 30 * DAY_MS) - 1, Bucket)).transitioned).toBe(0);
    expect(await cosHead('logs/1.log')).toBeUndefined(); // STANDARD: no header, as COS does

    expect((await passAt(midnightAtOrAfter(t0 + 30 * DAY_MS), Bucket)).transitioned).toBe(1);
    expect(await cosHead('logs/1.log')).toBe('STANDARD_IA');
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'logs/1.log' }))).StorageClass).toBe('STANDARD_IA');
    expect(await classes()).toEqual({
      'app/2.log': 'STANDARD',
      'logs/1.log': 'STANDARD_IA',
      'logs/deep.log': 'DEEP_ARCHIVE',
    });
    const cosList = await t.cos('path').getBucket({ Bucket, Region: REGION, Prefix: 'logs/' });
    expect(cosList.Contents.map((c: { StorageClass: string }) => c.StorageClass)).toEqual([
      'STANDARD_IA',
      'DEEP_ARCHIVE',
    ]);

    expect((await passAt(midnightAtOrAfter(t0 + 90 * DAY_MS), Bucket)).transitioned).toBe(2);
    expect(await cosHead('logs/1.log')).toBe('ARCHIVE');
    // Later passes leave every object where it is: no flip back to the earlier step, nothing warmer.
    for (const days of [91, 120, 400]) {
      expect((await passAt(t0 + days * DAY_MS, Bucket)).transitioned).toBe(2);
    }
    expect(await classes()).toEqual({
      'app/2.log': 'STANDARD',
      'logs/1.log': 'ARCHIVE',
      'logs/deep.log': 'DEEP_ARCHIVE',
    });
    const usage = await usageOf(t, Bucket);
    expect(usage.objects.byStorageClass).toEqual({
      ARCHIVE: { count: 1, bytes: 3 },
      DEEP_ARCHIVE: { count: 1, bytes: 4 },
      STANDARD: { count: 1, bytes: 3 },
    });
  });

  it('NoncurrentVersionTransition moves old versions only, counted from when they became noncurrent', async () => {
    const Bucket = await newBucket('lcnctrans', true);
    await setRules(Bucket, [
      {
        ID: 'old-to-ia',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        NoncurrentVersionTransitions: [{ NoncurrentDays: 2, StorageClass: 'STANDARD_IA' }],
      },
    ]);
    const old = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'old' }))).VersionId!;
    clock.now += 5 * DAY_MS;
    const replacedAt = clock.now;
    const current = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'new' }))).VersionId!;
    const due = midnightAtOrAfter(replacedAt + 2 * DAY_MS);
    expect((await passAt(due - 1, Bucket)).transitioned).toBe(0);
    expect((await passAt(due, Bucket)).transitioned).toBe(1);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.StorageClass])).toEqual([
      [current, 'STANDARD'],
      [old, 'STANDARD_IA'],
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: old }))).StorageClass).toBe(
      'STANDARD_IA',
    );
    expect((await passAt(due + 10 * DAY_MS, Bucket)).transitioned).toBe(1);
  });
});

describe('appendable objects', () => {
  it('are left alone by every rule (COS: they take no part in lifecycle management); normal ones beside them expire', async () => {
    const Bucket = await newBucket('lcappend');
    await setRules(Bucket, [
      { ID: 'all', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
      {
        ID: 'cold',
        Status: 'Enabled',
        Filter: { Prefix: '' },
        Transitions: [{ Days: 1, StorageClass: 'STANDARD_IA' }],
      },
    ]);
    await t.cos('path').appendObject({ Bucket, Region: REGION, Key: 'app.log', Position: 0, Body: 'line\n' });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain.txt', Body: 'x' }));
    const counters = await passAt(clock.now + 5 * DAY_MS, Bucket);
    expect(counters.objectsExpired).toBe(1);
    expect(await keysOf(Bucket)).toEqual(['app.log']);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'app.log' }));
    expect(head.StorageClass ?? 'STANDARD').toBe('STANDARD');
  });
});
