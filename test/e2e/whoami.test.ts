/**
 * GET /-/whoami: the caller and what it may do on the buckets it names, decided by the one authorization
 * function without doing anything (docs/admin-api.md). The console hides what a caller would be refused.
 * GET /-/notification-targets: the declared notification targets, for the console's notification form.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Creds, createSubUser, getSts, rootCreds, send } from './helpers/access.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
const Readable = 'readable-1250000000';
const Other = 'other-1250000000';

interface Whoami {
  id: string;
  isRoot: boolean;
  temporary: boolean;
  service: { ListBuckets: boolean; CreateBucket: boolean };
  buckets: Record<string, Record<string, boolean> | null>;
}

async function whoami(creds: Creds | undefined, query: string): Promise<{ status: number; json: Whoami }> {
  const params = Object.fromEntries(new URLSearchParams(query));
  const res = await send(
    t,
    { method: 'GET', path: '/-/whoami', query: params },
    creds ? { kind: 'v4', creds } : { kind: 'none' },
  );
  return { status: res.status, json: res.json as Whoami };
}

beforeAll(async () => {
  t = await startTestServer({ notifyEnv: { COFFER_NOTIFY_WEBHOOK_hook: 'http://127.0.0.1:9/events?token=secret' } });
  await t.cos().putBucket({ Bucket: Readable, Region: 'ap-guangzhou' });
  await t.cos().putBucket({ Bucket: Other, Region: 'ap-guangzhou' });
});
afterAll(async () => {
  await t?.close();
});

it('the root may do everything on its bucket; a bucket that does not exist is null', async () => {
  const root = await whoami(rootCreds(t), `bucket=${Readable}`);
  expect(root.status).toBe(200);
  expect(root.json.isRoot).toBe(true);
  expect(root.json.service).toEqual({ ListBuckets: true, CreateBucket: true });
  expect(Object.values(root.json.buckets[Readable]!).every(Boolean)).toBe(true);
  expect((await whoami(rootCreds(t), 'bucket=nope-1250000000')).json.buckets['nope-1250000000']).toBeNull();
});

it('a read-only sub-user may list and read one bucket, and nothing else', async () => {
  const { creds } = await createSubUser(t, 'reader', {
    read: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${Readable}`] },
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${Readable}/*`] },
      ],
    },
  });
  const me = (await whoami(creds, `bucket=${Readable}`)).json;
  expect(me.isRoot).toBe(false);
  expect(me.service).toEqual({ ListBuckets: false, CreateBucket: false });
  expect(me.buckets[Readable]).toMatchObject({
    ListObjects: true,
    GetObject: true,
    PutObject: false,
    DeleteObject: false,
    DeleteBucket: false,
    GetBucketUsage: false,
    PutBucketPolicy: false,
  });
  const both = (await whoami(creds, `bucket=${Readable},${Other}&operation=ListObjects,PutObject`)).json;
  expect(both.buckets).toEqual({
    [Readable]: { ListObjects: true, PutObject: false },
    [Other]: { ListObjects: false, PutObject: false },
  });
  // The same answer through its temporary credentials, which is how the console asks.
  const sts = await getSts(t, creds);
  const viaSts = (await whoami(sts.creds, `bucket=${Readable}&operation=GetObject`)).json;
  expect(viaSts.temporary).toBe(true);
  expect(viaSts.buckets[Readable]).toEqual({ GetObject: true });
});

it('object operations are decided under a prefix; unknown operations and unsigned callers are refused', async () => {
  const { creds } = await createSubUser(t, 'uploader', {
    up: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${Readable}/incoming/*`] }],
    },
  });
  const top = (await whoami(creds, `bucket=${Readable}&operation=PutObject`)).json;
  expect(top.buckets[Readable]).toEqual({ PutObject: false });
  const inside = (await whoami(creds, `bucket=${Readable}&operation=PutObject&prefix=incoming/`)).json;
  expect(inside.buckets[Readable]).toEqual({ PutObject: true });
  expect((await whoami(rootCreds(t), `bucket=${Readable}&operation=Fly`)).status).toBe(400);
  expect((await whoami(undefined, '')).status).toBe(403);
});

it('GET /-/notification-targets names the declared targets, never their URLs, to any signed caller', async () => {
  const { creds } = await createSubUser(t, 'notifier');
  const res = await send(t, { method: 'GET', path: '/-/notification-targets' }, { kind: 'v4', creds });
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ targets: [{ id: 'hook', kind: 'webhook', arn: 'arn:coffer:sqs::hook:webhook' }] });
  expect(res.text).not.toContain('secret');
  expect((await send(t, { method: 'GET', path: '/-/notification-targets' }, { kind: 'none' })).status).toBe(403);
});
