/**
 * The recycle bin (docs/recycle-bin.md): with ?recycle on, objects removed by DELETE, DeleteObjects,
 * an overwrite or a lifecycle expiration are kept without versioning, listed (key, deleted at, by
 * whom, size), restored to their key or another, and purged by the lifecycle worker after N days,
 * which frees their space (usage and blob files).
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobFileCount, DAY_MS, movableClock, usageOf } from './helpers/lifecycle.js';
import { rawRequest } from './helpers/s3.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const clock = movableClock(Date.now());
let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer({ clock, config: { lifecycleHourUtc: '-1' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

interface Entry {
  id: number;
  key: string;
  size: number;
  deletedAt: string;
  deletedBy: string;
}

async function listBin(bucket: string, query = ''): Promise<{ entries: Entry[]; text: string }> {
  const res = await rawRequest(t, { method: 'GET', path: `/${bucket}`, query: `recycled${query}` });
  expect(res.status, res.text).toBe(200);
  const entries = [...res.text.matchAll(/<Entry>(.*?)<\/Entry>/g)].map(([, e]) => {
    const field = (name: string) => new RegExp(`<${name}>(.*?)</${name}>`).exec(e!)?.[1] ?? '';
    return {
      id: Number(field('Id')),
      key: field('Key'),
      size: Number(field('Size')),
      deletedAt: field('DeletedAt'),
      deletedBy: field('DeletedBy'),
    };
  });
  return { entries, text: res.text };
}

async function read(Bucket: string, Key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
}

async function restore(bucket: string, id: number, toKey: string) {
  return rawRequest(t, { method: 'POST', path: `/${bucket}/${encodeURIComponent(toKey)}`, query: `recycled&id=${id}` });
}

describe('recycle bin', () => {
  it('is configured with ?recycle (Enabled + Days), read back, and refuses bad values', async () => {
    const Bucket = t.bucketName('rcfg');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const off = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'recycle' });
    expect(off.text).toContain('<Status>Disabled</Status>');
    const bad = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'recycle',
      body: '<RecycleConfiguration><Status>Enabled</Status><Days>0</Days></RecycleConfiguration>',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('InvalidArgument');
    const put = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'recycle',
      body: '<RecycleConfiguration><Status>Enabled</Status><Days>3</Days></RecycleConfiguration>',
    });
    expect(put.status, put.text).toBe(200);
    const on = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'recycle' });
    expect(on.text).toContain('<Status>Enabled</Status><Days>3</Days>');
    expect((await rawRequest(t, { method: 'DELETE', path: `/${Bucket}`, query: 'recycle' })).status).toBe(204);
    const again = await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'recycle' });
    expect(again.text).toContain('<Status>Disabled</Status>');
  });

  it('keeps deletes, DeleteObjects, overwrites and lifecycle expirations; restores; purges after N days', async () => {
    const Bucket = t.bucketName('rbin');
    await s3.send(new CreateBucketCommand({ Bucket }));
    const on = await rawRequest(t, {
      method: 'PUT',
      path: `/${Bucket}`,
      query: 'recycle',
      body: '<RecycleConfiguration><Status>Enabled</Status><Days>3</Days></RecycleConfiguration>',
    });
    expect(on.status, on.text).toBe(200);
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [{ ID: 'exp', Status: 'Enabled', Filter: { Prefix: 'exp/' }, Expiration: { Days: 1 } }],
        },
      }),
    );
    const blobsBefore = await blobFileCount(t.dataDir);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'version one' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'version two!' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'b.txt', Body: 'bee' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'b.txt' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'c.txt', Body: 'sea' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'd.txt', Body: 'dee' }));
    await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'c.txt' }, { Key: 'd.txt' }] } }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'exp/e.txt', Body: 'expiring' }));

    let bin = await listBin(Bucket);
    expect(bin.entries.map((e) => [e.key, e.size])).toEqual([
      ['a.txt', 11],
      ['b.txt', 3],
      ['c.txt', 3],
      ['d.txt', 3],
    ]);
    const owner = /<ID>(.*?)<\/ID>/.exec(
      (await rawRequest(t, { method: 'GET', path: `/${Bucket}`, query: 'acl' })).text,
    )?.[1];
    for (const e of bin.entries) {
      expect(e.deletedBy).toBe(owner);
      expect(Date.parse(e.deletedAt)).toBeGreaterThan(0);
    }

    // Restore the overwritten version to its own key: the current one goes to the bin in turn.
    const a = bin.entries.find((e) => e.key === 'a.txt')!;
    const back = await restore(Bucket, a.id, 'a.txt');
    expect(back.status, back.text).toBe(200);
    expect(await read(Bucket, 'a.txt')).toBe('version one');
    // Restore the deleted b.txt to another key.
    const b = bin.entries.find((e) => e.key === 'b.txt')!;
    expect((await restore(Bucket, b.id, 'restored/b.txt')).status).toBe(200);
    expect(await read(Bucket, 'restored/b.txt')).toBe('bee');
    // An entry restores once.
    const twice = await restore(Bucket, b.id, 'b.txt');
    expect(twice.status).toBe(404);

    // The lifecycle expiration (due at the first midnight a day after the PUT) is recycled too.
    clock.now += 2 * DAY_MS;
    await t.server.engine.runLifecycle();
    bin = await listBin(Bucket);
    expect(bin.entries.map((e) => e.key)).toEqual(['a.txt', 'c.txt', 'd.txt', 'exp/e.txt']);
    expect(bin.entries.find((e) => e.key === 'exp/e.txt')!.deletedBy).toBe('coffer:lifecycle');
    // The bin's bytes count in the bucket's usage, beside (not in) its objects.
    expect(await usageOf(t, Bucket)).toMatchObject({
      objects: { count: 2, bytes: 11 + 3 },
      recycled: { count: 4, bytes: 12 + 3 + 3 + 8 },
    });

    // Paging by marker.
    const page = await listBin(Bucket, '&max-keys=2');
    expect(page.entries.map((e) => e.key)).toEqual(['a.txt', 'c.txt']);
    const marker = /<NextMarker>(.*?)<\/NextMarker>/.exec(page.text)![1]!;
    const rest = await listBin(Bucket, `&marker=${encodeURIComponent(marker)}`);
    expect(rest.entries.map((e) => e.key)).toEqual(['d.txt', 'exp/e.txt']);
    expect((await listBin(Bucket, '&prefix=exp/')).entries.map((e) => e.key)).toEqual(['exp/e.txt']);

    // Three days after their removal, entries are purged and their blobs freed.
    clock.now += 1.5 * DAY_MS;
    await t.server.engine.runLifecycle();
    bin = await listBin(Bucket);
    // a.txt (version two), c.txt and d.txt were removed 3.5 days ago; exp/e.txt at most 2 days ago.
    expect(bin.entries.map((e) => e.key)).toEqual(['exp/e.txt']);
    expect((await usageOf(t, Bucket)).recycled).toEqual({ count: 1, bytes: 8 });
    // Left stored: a.txt (version one), restored/b.txt and the recycled exp/e.txt. These bodies are
    // small enough to be kept inline (in the metadata): the GC that ran after the purge left the
    // recycled one alone, and it restores with its bytes.
    expect(await blobFileCount(t.dataDir)).toBe(blobsBefore + 3);
    const e = bin.entries[0]!;
    expect((await restore(Bucket, e.id, 'exp/e.txt')).status).toBe(200);
    expect(await read(Bucket, 'exp/e.txt')).toBe('expiring');
    expect((await usageOf(t, Bucket)).recycled).toEqual({ count: 0, bytes: 0 });
  });

  it('purges one entry now with DELETE ?recycled&id=N; a purged id is NoSuchKey', async () => {
    const Bucket = 'purge-1250000000';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const on = '<RecycleConfiguration><Status>Enabled</Status><Days>7</Days></RecycleConfiguration>';
    expect((await rawRequest(t, { method: 'PUT', path: `/${Bucket}`, query: 'recycle', body: on })).status).toBe(200);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'gone.txt', Body: 'bye' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'gone.txt' }));
    const [entry] = (await listBin(Bucket)).entries;
    expect((await usageOf(t, Bucket)).recycled).toEqual({ count: 1, bytes: 3 });
    const purge = (id: number) => rawRequest(t, { method: 'DELETE', path: `/${Bucket}`, query: `recycled&id=${id}` });
    expect((await purge(entry!.id)).status).toBe(204);
    expect((await listBin(Bucket)).entries).toEqual([]);
    expect((await usageOf(t, Bucket)).recycled).toEqual({ count: 0, bytes: 0 });
    const again = await purge(entry!.id);
    expect(again.status).toBe(404);
    expect(again.text).toContain('<Code>NoSuchKey</Code>');
    expect((await rawRequest(t, { method: 'DELETE', path: `/${Bucket}`, query: 'recycled&id=x' })).status).toBe(400);
  });
});
