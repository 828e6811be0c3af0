/**
 * The operator's side of lifecycle: POST /-/admin/lifecycle/run runs a pass over HTTP and answers
 * with its counts; GET /-/admin/usage?bucket= shows the bucket's cumulative counters and when a pass
 * last finished it. Two passes started at the same time are one pass: the second changes nothing.
 */
import {
  CreateBucketCommand,
  type LifecycleRule,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, movableClock, runLifecycleOverHttp, usageOf } from './helpers/lifecycle.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const clock = movableClock(Date.UTC(2030, 8, 20, 23, 59, 59));
let t: TestServer;
let s3: S3Client;
let Bucket: string;

const RULES: LifecycleRule[] = [
  { ID: 'daily', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
];

beforeAll(async () => {
  t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' } });
  s3 = t.s3();
  Bucket = t.bucketName('lcadmin');
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: RULES } }));
});
afterAll(async () => {
  await t.close();
});

async function putTemp(count: number, sizeBytes: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await s3.send(new PutObjectCommand({ Bucket, Key: `tmp/${clock.now}-${i}`, Body: Buffer.alloc(sizeBytes) }));
  }
}

const ZERO = {
  objectsExpired: 0,
  versionsDeleted: 0,
  markersRemoved: 0,
  transitioned: 0,
  uploadsAborted: 0,
  bytesFreed: 0,
};

describe('POST /-/admin/lifecycle/run and GET /-/admin/usage', () => {
  it('usage shows zero counters and no lastRun before a pass; a pass over HTTP answers with its counts and updates both', async () => {
    const quiet = t.bucketName('lcquiet'); // a bucket without rules: never visited
    await s3.send(new CreateBucketCommand({ Bucket: quiet }));
    expect((await usageOf(t, Bucket)).lifecycle).toEqual({ ...ZERO, lastRun: null });

    await putTemp(3, 10);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'keep/me', Body: 'stays' }));
    clock.now += 2 * DAY_MS;
    const { status, body } = await runLifecycleOverHttp(t);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ...ZERO,
      resumed: false,
      finished: true,
      buckets: 1,
      versionsScanned: 4,
      uploadsScanned: 0,
      objectsExpired: 3,
      bytesFreed: 30,
    });
    expect(body.runId).toEqual(expect.any(Number));

    const usage = await usageOf(t, Bucket);
    expect(usage.lifecycle).toEqual({
      ...ZERO,
      objectsExpired: 3,
      bytesFreed: 30,
      lastRun: new Date(clock.now).toISOString(),
      lastRunMs: clock.now,
    });
    expect(usage.objects).toMatchObject({ count: 1, bytes: 5 });
    expect((await usageOf(t, quiet)).lifecycle).toEqual({ ...ZERO, lastRun: null });

    // The next pass at the same time has nothing to do; lastRun moves with the clock.
    const again = await runLifecycleOverHttp(t);
    expect(again.body).toMatchObject({ ...ZERO, finished: true, versionsScanned: 1 });
    expect(again.body.runId).toBeGreaterThan(body.runId);
    clock.now += DAY_MS;
    await runLifecycleOverHttp(t);
    expect((await usageOf(t, Bucket)).lifecycle).toMatchObject({
      objectsExpired: 3,
      lastRun: new Date(clock.now).toISOString(),
    });
  });

  it('two passes started at the same time are one: both callers get the same run, every action happens once', async () => {
    await putTemp(4, 100);
    const before = (await usageOf(t, Bucket)).lifecycle;
    clock.now += 2 * DAY_MS;
    const [a, b] = await Promise.all([runLifecycleOverHttp(t), runLifecycleOverHttp(t)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect(a.body).toMatchObject({ objectsExpired: 4, bytesFreed: 400, finished: true });
    const after = (await usageOf(t, Bucket)).lifecycle;
    expect(after.objectsExpired - before.objectsExpired).toBe(4);
    expect(after.bytesFreed - before.bytesFreed).toBe(400);

    // In-process callers (the daily schedule, the admin endpoint) share one pass the same way.
    await putTemp(2, 1);
    clock.now += 2 * DAY_MS;
    const engine = t.server.engine;
    const first = engine.runLifecycle();
    const second = engine.runLifecycle();
    expect(second).toBe(first);
    expect((await first).objectsExpired).toBe(2);
    const third = await engine.runLifecycle();
    expect(third).toMatchObject({ ...ZERO, finished: true });
    expect((await usageOf(t, Bucket)).lifecycle.objectsExpired).toBe(before.objectsExpired + 6);
    expect((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((c) => c.Key)).toEqual(['keep/me']);
  });

  it('?wait=false answers 202 at once and the pass runs in the background', async () => {
    await putTemp(2, 7);
    const before = (await usageOf(t, Bucket)).lifecycle.objectsExpired;
    clock.now += 2 * DAY_MS;
    const started = await runLifecycleOverHttp(t, 'wait=false');
    expect(started).toEqual({ status: 202, body: { started: true } });
    await t.server.engine.runLifecycle(); // joins the background pass (or finds nothing left)
    expect((await usageOf(t, Bucket)).lifecycle.objectsExpired).toBe(before + 2);
  });

  it('both endpoints are signed requests: anonymous is 403, the COS SDK signature works as well as SigV4', async () => {
    expect((await fetch(`${t.url}/-/admin/lifecycle/run`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${t.url}/-/admin/usage?bucket=${Bucket}`)).status).toBe(403);
    const cos = t.cos('path');
    // The COS SDK parses a JSON body into the result itself
    // (https://github.com/tencentyun/cos-nodejs-sdk-v5/blob/master/sdk/base.js).
    const run = await cos.request({ Method: 'POST', Url: `${t.url}/-/admin/lifecycle/run` });
    expect(run).toMatchObject({ statusCode: 200, finished: true, objectsExpired: 0 });
    const usage = await cos.request({ Method: 'GET', Url: `${t.url}/-/admin/usage`, Query: { bucket: Bucket } });
    expect(usage).toMatchObject({
      statusCode: 200,
      bucket: Bucket,
      lifecycle: { lastRun: new Date(clock.now).toISOString() },
    });
  });
});
