/**
 * A lifecycle pass survives restarts: it works in batches and saves its cursor with each batch, so a
 * server stopped mid-pass resumes where the last committed batch ended (explicitly, or by itself at
 * start-up when the daily schedule is on), finishes, and never does an action twice: every object
 * ends in the right state and the cumulative counters equal exactly the number of actions.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { blobFileCount, DAY_MS, movableClock, usageOf } from './helpers/lifecycle.js';
import { waitFor } from './helpers/multipart.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const clock = movableClock(Date.UTC(2030, 5, 1, 8, 0));
const OFF = { lifecycleHourUtc: '-1' };

it('a pass stopped after one batch resumes after restarts (explicitly, then by the schedule at start-up) and does each action exactly once', async () => {
  const servers: TestServer[] = [];
  try {
    const first = await startTestServer({ clock, config: OFF });
    servers.push(first);
    let s3: S3Client = first.s3();

    // Bucket 1, unversioned: two objects to keep (listed first), five to expire, two incomplete uploads to abort.
    const plain = first.bucketName('lcra');
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    for (let i = 0; i < 5; i++)
      await s3.send(new PutObjectCommand({ Bucket: plain, Key: `expire/${i}`, Body: Buffer.alloc(100 + i) }));
    for (let i = 0; i < 2; i++)
      await s3.send(new PutObjectCommand({ Bucket: plain, Key: `a-keep/${i}`, Body: 'kept' }));
    for (const Key of ['expire/upload-a', 'expire/upload-b']) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: plain, Key }));
      await s3.send(new UploadPartCommand({ Bucket: plain, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1000) }));
    }
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: plain,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'expire',
              Status: 'Enabled',
              Filter: { Prefix: 'expire/' },
              Expiration: { Days: 1 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    );

    // Bucket 2, versioned: three keys with two versions each. The current one gets a delete marker,
    // the noncurrent one is deleted.
    const versioned = first.bucketName('lcrb');
    await s3.send(new CreateBucketCommand({ Bucket: versioned }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const kept: string[] = [];
    for (let k = 0; k < 3; k++) {
      await s3.send(new PutObjectCommand({ Bucket: versioned, Key: `k${k}`, Body: Buffer.alloc(2000) }));
      kept.push((await s3.send(new PutObjectCommand({ Bucket: versioned, Key: `k${k}`, Body: 'current' }))).VersionId!);
    }
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: versioned,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'all',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Expiration: { Days: 1 },
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            },
          ],
        },
      }),
    );
    await first.server.engine.collectGarbage();
    const files0 = await blobFileCount(first.dataDir);
    // 5 + 2 objects, 2 parts, 6 versions.
    const expected = {
      plain: {
        objectsExpired: 5,
        uploadsAborted: 2,
        versionsDeleted: 0,
        markersRemoved: 0,
        transitioned: 0,
        bytesFreed: 510 + 2000,
      },
      versioned: {
        objectsExpired: 3,
        uploadsAborted: 0,
        versionsDeleted: 3,
        markersRemoved: 0,
        transitioned: 0,
        bytesFreed: 6000,
      },
    };

    clock.now += 3 * DAY_MS;
    // One batch of three versions (a-keep/0, a-keep/1, expire/0): one expiration, and the pass stops.
    const part1 = await first.server.engine.runLifecycle({ batchSize: 3, maxBatches: 1 });
    expect(part1).toMatchObject({ finished: false, resumed: false, objectsExpired: 1, versionsScanned: 3 });
    expect((await usageOf(first, plain)).lifecycle).toMatchObject({ objectsExpired: 1, lastRun: null });
    await first.server.close();

    // Restart 1, schedule off: the unfinished pass is there; running again resumes it (same run) after
    // its cursor: the kept objects are not scanned again, only expire/1..4 (two batches).
    const second = await startTestServer({ clock, config: OFF, dataDir: first.dataDir });
    servers.push(second);
    expect((await second.server.engine.ctx.meta.unfinishedLifecycleRun())?.runId).toBe(part1.runId);
    const part2 = await second.server.engine.runLifecycle({ batchSize: 3, maxBatches: 2 });
    expect(part2).toMatchObject({
      runId: part1.runId,
      resumed: true,
      finished: false,
      objectsExpired: 4,
      versionsScanned: 4,
    });
    await second.server.close();

    // Restart 2, schedule on: the server resumes the pass by itself and finishes it.
    const third = await startTestServer({ clock, dataDir: first.dataDir });
    servers.push(third);
    await waitFor(
      async () => (await third.server.engine.ctx.meta.unfinishedLifecycleRun()) === undefined,
      'the resumed pass',
    );
    // Whatever the start-up pass left running is joined here; then GC.
    await third.server.engine.runLifecycle();
    await third.server.engine.collectGarbage();

    s3 = third.s3();
    const plainUsage = await usageOf(third, plain);
    const versionedUsage = await usageOf(third, versioned);
    const lastRun = { lastRun: new Date(clock.now).toISOString(), lastRunMs: clock.now };
    expect(plainUsage.lifecycle).toEqual({ ...expected.plain, ...lastRun });
    expect(versionedUsage.lifecycle).toEqual({ ...expected.versioned, ...lastRun });

    // Every object in its final state, each action once: one marker per key, not two.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: plain }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a-keep/0', 'a-keep/1']);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: plain }))).Uploads ?? []).toEqual([]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: versioned }));
    expect(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['k0', kept[0], false],
      ['k1', kept[1], false],
      ['k2', kept[2], false],
    ]);
    expect(versions.DeleteMarkers?.map((m) => [m.Key, m.IsLatest])).toEqual([
      ['k0', true],
      ['k1', true],
      ['k2', true],
    ]);
    // Freed: 5 expired objects, 2 parts, 3 noncurrent versions.
    expect(await blobFileCount(third.dataDir)).toBe(files0 - 10);

    // A whole new pass at the same time has nothing left to do.
    const again = await third.server.engine.runLifecycle();
    expect(again).toMatchObject({
      finished: true,
      resumed: false,
      objectsExpired: 0,
      versionsDeleted: 0,
      uploadsAborted: 0,
      bytesFreed: 0,
    });
    expect((await usageOf(third, plain)).lifecycle).toMatchObject(expected.plain);
    expect((await usageOf(third, versioned)).lifecycle).toMatchObject(expected.versioned);
  } finally {
    for (const s of servers.reverse()) await s.close();
  }
});

it('what a pass knows about a key carries across a restart inside that key (NewerNoncurrentVersions)', async () => {
  const servers: TestServer[] = [];
  try {
    const first = await startTestServer({ clock, config: OFF });
    servers.push(first);
    const s3 = first.s3();
    const Bucket = first.bucketName('lcrc');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: `v${i}` }))).VersionId!);
      clock.now += DAY_MS;
    }
    // Keep one noncurrent version: of v1 and v0, only v0 (one newer noncurrent version) goes.
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'keep-one',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
            },
          ],
        },
      }),
    );
    clock.now += 10 * DAY_MS;
    // Batches of one version: v2, then v1; stop there, in the middle of key k.
    const part = await first.server.engine.runLifecycle({ batchSize: 1, maxBatches: 2 });
    expect(part).toMatchObject({ finished: false, versionsScanned: 2, versionsDeleted: 0 });
    await first.server.close();

    const second = await startTestServer({ clock, config: OFF, dataDir: first.dataDir });
    servers.push(second);
    const rest = await second.server.engine.runLifecycle({ batchSize: 1 });
    expect(rest).toMatchObject({ resumed: true, finished: true, versionsDeleted: 1 });
    const listed = await second.s3().send(new ListObjectVersionsCommand({ Bucket }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([ids[2], ids[1]]);
    expect((await usageOf(second, Bucket)).lifecycle).toMatchObject({ versionsDeleted: 1, bytesFreed: 2 });
  } finally {
    for (const s of servers.reverse()) await s.close();
  }
});
