/**
 * abortUploadTask (Tencent's SDK advanced method) in @coffer/sdk and in cos-nodejs-sdk-v5, side by side on
 * identical buckets: Level 'task' aborts one upload, 'file' every upload of that key (not of longer keys
 * sharing its prefix), 'bucket' every one left; both SDKs report the same keys in successList.
 */
import type TencentCOS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION as Region } from './helpers/cos.js';
import { cofferSdk } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Aborter = {
  abortUploadTask(
    params: Record<string, unknown>,
  ): Promise<{ successList: { Key: string; UploadId: string }[]; errorList: unknown[] }>;
  multipartInit(params: Record<string, unknown>): Promise<{ UploadId: string }>;
  multipartList(params: Record<string, unknown>): Promise<{ Upload: { Key: string; UploadId: string }[] }>;
  putBucket(params: Record<string, unknown>): Promise<unknown>;
};

describe('abortUploadTask', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases: [name: string, client: () => Aborter][] = [
    ['@coffer/sdk', () => cofferSdk(t, 'path') as unknown as Aborter],
    ['cos-nodejs-sdk-v5', () => t.cos('path') as TencentCOS as unknown as Aborter],
  ];

  it.each(cases)('%s: task, then file, then bucket level', async (name, client) => {
    const cos = client();
    const Bucket = `abort${name.startsWith('@') ? 'ours' : 'theirs'}${process.pid}-1250000000`;
    await cos.putBucket({ Bucket, Region });
    const init = async (Key: string) => (await cos.multipartInit({ Bucket, Region, Key })).UploadId;
    const first = await init('k1');
    const second = await init('k1');
    const longer = await init('k1x');
    const other = await init('k2');
    const remaining = async () => (await cos.multipartList({ Bucket, Region })).Upload.map((u) => u.UploadId).sort();

    const task = await cos.abortUploadTask({ Bucket, Region, Key: 'k1', UploadId: first, Level: 'task' });
    expect(task.successList.map((x) => x.UploadId)).toEqual([first]);
    expect(task.errorList).toEqual([]);
    expect(await remaining()).toEqual([second, longer, other].sort());

    const file = await cos.abortUploadTask({ Bucket, Region, Key: 'k1', Level: 'file' });
    expect(file.successList.map((x) => [x.Key, x.UploadId])).toEqual([['k1', second]]);
    expect(await remaining()).toEqual([longer, other].sort());

    const bucket = await cos.abortUploadTask({ Bucket, Region, Level: 'bucket', AsyncLimit: 2 });
    expect(bucket.successList.map((x) => x.Key).sort()).toEqual(['k1x', 'k2']);
    expect(await remaining()).toEqual([]);
  });

  it('@coffer/sdk: an unknown UploadId is reported in errorList; a task without UploadId is refused before any request', async () => {
    const cos = cofferSdk(t, 'path');
    const Bucket = `aborterr${process.pid}-1250000000`;
    await cos.putBucket({ Bucket, Region });
    const out = await cos.abortUploadTask({ Bucket, Region, Key: 'k', UploadId: 'nope', Level: 'task' });
    expect(out.successList).toEqual([]);
    expect(out.errorList).toEqual([{ Bucket, Region, Key: 'k', UploadId: 'nope' }]);
    const refused = await cos.abortUploadTask({ Bucket, Region, Key: 'k' }).catch((e: { message?: string }) => e);
    expect((refused as { message?: string }).message).toMatch(/abort_upload_task_no_id/);
  });
});
