/**
 * Requests over time (issue 12; docs/admin-api.md, "Requests over time"): requests made with the AWS
 * SDK are counted per minute, bucket and operation, flushed to the metadata store every
 * `request_counts_flush_ms`, and read back by GET /-/admin/usage/requests — per operation, with
 * errors and bytes, in intervals of `step`. Bad parameters are 400 InvalidArgument (JSON, with the
 * request id), sub-users are refused, and two gateways on one PostgreSQL database add up, each
 * flushing what it counted when it stops.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { configFrom, type RunningServer, startServer } from '@coffer/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, createSubUser, type Reply, rootCreds, send } from './helpers/access.js';
import { createAccount } from './helpers/accounts.js';
import { createTestDatabase, dropTestDatabase } from './helpers/postgres.js';
import { startTestServer, TEST_REGION, type TestServer } from './helpers/server.js';

interface Series {
  bucket: string | null;
  since: string;
  until: string;
  step: number;
  operations: string[];
  intervals: { start: string; requests: Record<string, number>; errors: number }[];
  totals: Record<string, { requests: number; errors: number; bytesIn: number; bytesOut: number }>;
}

const FLUSH_MS = 200;
let t: TestServer;
let s3: S3Client;
let bucket: string;

const requests = (server: Pick<TestServer, 'port'>, query: Record<string, string>, creds: Creds): Promise<Reply> =>
  send(server as TestServer, { method: 'GET', path: '/-/admin/usage/requests', query }, { kind: 'v4', creds });

/** Reads the series until `done` holds for it (the counts arrive with the next flush), for up to 5 s. */
async function seriesWhen(query: Record<string, string>, done: (s: Series) => boolean): Promise<Series> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await requests(t, query, rootCreds(t));
    expect(res.status, res.text).toBe(200);
    const series = res.json as Series;
    if (done(series) || Date.now() > deadline) return series;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise<true>((r) => setTimeout(() => r(true), ms));

beforeAll(async () => {
  t = await startTestServer({ config: { requestCountsFlushMs: String(FLUSH_MS) } });
  s3 = t.s3();
  bucket = t.bucketName('reqs');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await t?.close();
});

describe('GET /-/admin/usage/requests', () => {
  it('counts the requests made, by operation, with errors and bytes, and sums them per interval', async () => {
    for (const [i, size] of [10, 20, 30].entries()) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: Buffer.alloc(size, 'x') }));
    }
    for (const key of ['k0', 'k1'])
      await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k2' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' }))).rejects.toThrow();
    await s3.send(new ListBucketsCommand({}));

    const series = await seriesWhen({ bucket }, (s) => s.totals.GetObject?.requests === 3);
    expect(series.bucket).toBe(bucket);
    expect(series.totals.PutObject).toEqual({ requests: 3, errors: 0, bytesIn: 60, bytesOut: 0 });
    // 30 bytes of objects, and the 404's XML.
    expect(series.totals.GetObject).toMatchObject({ requests: 3, errors: 1, bytesIn: 0 });
    expect(series.totals.GetObject!.bytesOut).toBeGreaterThan(30);
    expect(series.totals.HeadObject).toMatchObject({ requests: 1, errors: 0 });
    expect(series.totals.CreateBucket).toMatchObject({ requests: 1 });
    // Most requests first; ListBuckets names no bucket, so it is not this bucket's.
    expect(series.operations.slice(0, 2).sort()).toEqual(['GetObject', 'PutObject']);
    expect(series.operations).not.toContain('ListBuckets');
    // Defaults: the last 24 hours up to the end of this minute, in 5-minute intervals, every one listed.
    expect(Date.parse(series.until) - Date.parse(series.since)).toBe(24 * 3600_000);
    expect(series.step).toBe(300);
    expect(series.intervals).toHaveLength(288);
    expect(Date.parse(series.until)).toBeGreaterThan(Date.now() - 1000);
    // The intervals add up to the totals, and the requests are in the last ones.
    for (const op of series.operations) {
      expect(series.intervals.reduce((n, i) => n + (i.requests[op] ?? 0), 0)).toBe(series.totals[op]!.requests);
    }
    expect(series.intervals.slice(0, -2).every((i) => Object.keys(i.requests).length === 0)).toBe(true);
    expect(series.intervals.reduce((n, i) => n + i.errors, 0)).toBe(1);

    // Every bucket: the operator sees ListBuckets too.
    const all = await seriesWhen({}, (s) => (s.totals.ListBuckets?.requests ?? 0) >= 1);
    expect(all.bucket).toBeNull();
    expect(all.totals.ListBuckets?.requests).toBeGreaterThanOrEqual(1);
    expect(all.totals.PutObject?.requests).toBeGreaterThanOrEqual(3);
  });

  it('takes since, until (ISO 8601 or Unix seconds) and step, rounded to the minute', async () => {
    const until = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    const since = until - 3600_000;
    const res = await requests(
      t,
      { bucket, since: new Date(since + 10_000).toISOString(), until: String(until / 1000), step: '600' },
      rootCreds(t),
    );
    expect(res.status, res.text).toBe(200);
    const series = res.json as Series;
    expect(series.since).toBe(new Date(since).toISOString());
    expect(series.until).toBe(new Date(until).toISOString());
    expect(series.step).toBe(600);
    expect(series.intervals.map((i) => Date.parse(i.start))).toEqual(
      Array.from({ length: 6 }, (_, k) => since + k * 600_000),
    );
    expect(series.totals.PutObject?.requests).toBe(3);
    // A range in the past holds nothing: every interval listed, empty.
    const past = await requests(
      t,
      { bucket, since: '2020-01-01T00:00:00Z', until: '2020-01-01T01:00:00Z', step: '60' },
      rootCreds(t),
    );
    expect(past.status).toBe(200);
    expect((past.json as Series).intervals).toHaveLength(60);
    expect((past.json as Series).operations).toEqual([]);
    expect((past.json as Series).totals).toEqual({});
  });

  it.each([
    [{ step: '30' }, 'step'],
    [{ step: '90' }, 'step'],
    [{ step: 'abc' }, 'step'],
    [{ since: 'yesterday' }, 'since'],
    [{ until: '2026-13-45T00:00:00Z' }, 'until'],
    [{ since: '2026-12-02T00:00:00Z', until: '2026-12-01T00:00:00Z' }, 'since'],
    [{ since: '2020-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z', step: '60' }, 'step'],
    [{ bucket: '' }, 'bucket'],
    [{ buckett: 'x' }, 'buckett'],
  ])('refuses %j with 400 InvalidArgument naming %s', async (query, name) => {
    const res = await requests(t, query, rootCreds(t));
    expect(res.status, res.text).toBe(400);
    const body = res.json as { error: string; message: string; requestId: string };
    expect(body.error).toBe('InvalidArgument');
    expect(body.message).toContain(name);
    expect(body.requestId).toBe(res.headers['x-amz-request-id'] ?? res.headers['x-cos-request-id']);
    expect(body.requestId).toMatch(/^[0-9a-z]+$/);
  });

  it('answers 404 NoSuchBucket for a bucket that does not exist', async () => {
    const res = await requests(t, { bucket: t.bucketName('none') }, rootCreds(t));
    expect(res.status).toBe(404);
    expect((res.json as { error: string }).error).toBe('NoSuchBucket');
  });

  it('refuses sub-users, even with every S3 permission, and unsigned requests', async () => {
    const user = await createSubUser(t, 'reqs-reader', {
      all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    });
    for (const query of [{ bucket }, {}]) {
      const res = await requests(t, query, user.creds);
      expect(res.status, res.text).toBe(403);
      expect((res.json as { error: string }).error).toBe('AccessDenied');
    }
    const unsigned = await send(
      t,
      { method: 'GET', path: '/-/admin/usage/requests', query: { bucket } },
      { kind: 'none' },
    );
    expect(unsigned.status).toBe(403);
  });
});

describe('accounts', () => {
  it("another account's root reads its own buckets, not the operator's, and not every bucket", async () => {
    const other = await createAccount(t, 'reqs-other');
    const own = other.bucketName('own');
    await other.s3.send(new CreateBucketCommand({ Bucket: own }));
    await other.s3.send(new PutObjectCommand({ Bucket: own, Key: 'k', Body: 'abc' }));
    const deadline = Date.now() + 5000;
    let mine: Reply;
    do {
      mine = await requests(t, { bucket: own }, other.creds);
      expect(mine.status, mine.text).toBe(200);
    } while (!(mine.json as Series).totals.PutObject && Date.now() < deadline && (await sleep(100)));
    expect((mine.json as Series).totals.PutObject).toMatchObject({ requests: 1, bytesIn: 3 });
    for (const query of [{ bucket }, {}]) {
      const res = await requests(t, query, other.creds);
      expect(res.status, res.text).toBe(403);
      expect((res.json as { error: string }).error).toBe('AccessDenied');
    }
    // The operator reads any account's bucket.
    expect((await requests(t, { bucket: own }, rootCreds(t))).status).toBe(200);
    other.s3.destroy();
  });
});

describe('a graceful stop', () => {
  it('flushes what was counted since the last flush; a restart reads it', async () => {
    // No periodic flush during the test: only the stop's.
    const first = await startTestServer({ config: { requestCountsFlushMs: '600000' } });
    const name = first.bucketName('stop');
    const s3first = first.s3();
    await s3first.send(new CreateBucketCommand({ Bucket: name }));
    for (let i = 0; i < 3; i++) await s3first.send(new PutObjectCommand({ Bucket: name, Key: `k${i}`, Body: 'x' }));
    s3first.destroy();
    expect(((await requests(first, { bucket: name }, rootCreds(first))).json as Series).totals).toEqual({});
    await first.server.close();
    const again = await startTestServer({ dataDir: first.dataDir, config: { requestCountsFlushMs: '600000' } });
    try {
      const res = await requests(again, { bucket: name }, rootCreds(again));
      expect(res.status, res.text).toBe(200);
      expect((res.json as Series).totals.PutObject).toMatchObject({ requests: 3, bytesIn: 3 });
      expect((res.json as Series).totals.CreateBucket).toMatchObject({ requests: 1 });
    } finally {
      await again.close();
    }
  });
});

describe('two gateways on one PostgreSQL database', () => {
  let url: string;
  let dataDir: string;
  const started: RunningServer[] = [];

  beforeAll(async () => {
    url = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-e2e-reqs-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
    await dropTestDatabase(url);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const gateway = async (flushMs: number) => {
    const config = configFrom({
      metadataUrl: url,
      address: '127.0.0.1:0',
      dataDir,
      logLevel: 'silent',
      fsync: '0',
      metadataPoolSize: '3',
      requestCountsFlushMs: String(flushMs),
    });
    const server = await startServer(config);
    started.push(server);
    return server;
  };
  const client = (server: RunningServer) =>
    new S3Client({
      endpoint: server.url,
      region: TEST_REGION,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: server.identity.secretId, secretAccessKey: server.identity.secretKey },
    });

  it('add up their counts, each flushing what it counted when it stops', async () => {
    // Flushes far apart: what reaches the store is what each gateway flushed on its way down.
    const a = await gateway(600_000);
    const b = await gateway(600_000);
    const name = `sum-${a.identity.appId}`;
    const root = { accessKeyId: a.identity.secretId, secretKey: a.identity.secretKey };
    const [s3a, s3b] = [client(a), client(b)];
    await s3a.send(new CreateBucketCommand({ Bucket: name }));
    for (let i = 0; i < 4; i++) await s3a.send(new PutObjectCommand({ Bucket: name, Key: `a${i}`, Body: 'a' }));
    for (let i = 0; i < 6; i++) await s3b.send(new PutObjectCommand({ Bucket: name, Key: `b${i}`, Body: 'bb' }));
    await s3b.send(new HeadObjectCommand({ Bucket: name, Key: 'a0' }));
    s3a.destroy();
    s3b.destroy();
    // Nothing flushed yet: the counts are in the gateways' memory.
    const before = await requests(a, { bucket: name }, root);
    expect((before.json as Series).totals).toEqual({});
    await a.close();
    await b.close();

    const c = await gateway(600_000);
    const res = await requests(
      c,
      { bucket: name, step: '3600', since: String(Math.floor(Date.now() / 1000) - 3600) },
      root,
    );
    expect(res.status, res.text).toBe(200);
    const series = res.json as Series;
    expect(series.totals.PutObject).toEqual({ requests: 10, errors: 0, bytesIn: 4 + 12, bytesOut: 0 });
    expect(series.totals.HeadObject).toMatchObject({ requests: 1, errors: 0 });
    expect(series.totals.CreateBucket).toMatchObject({ requests: 1 });
  });
});
