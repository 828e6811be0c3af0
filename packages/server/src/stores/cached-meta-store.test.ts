import { describe, expect, it } from 'vitest';
import { withBucketCache } from './cached-meta-store.js';
import { metaStoreSuite } from './meta-store.suite.js';
import { SqliteMetaStore } from './sqlite/sqlite-meta-store.js';

// The cached store must behave exactly like the store it wraps.
metaStoreSuite('sqlite with the bucket cache', async () =>
  withBucketCache(new SqliteMetaStore({ filename: ':memory:', fsync: false })),
);

describe('bucket cache', () => {
  it('sees its own writes at once and other writers within the TTL', async () => {
    const inner = new SqliteMetaStore({ filename: ':memory:', fsync: false });
    const cached = withBucketCache(inner, 50);
    const bucket = await cached.createBucket({ name: 'b1', ownerId: 'o', region: 'r', createdMs: 1 });
    expect((await cached.getBucket('b1'))?.versioning).toBe('');
    await cached.setBucketVersioning(bucket.id, 'Enabled');
    expect((await cached.getBucket('b1'))?.versioning).toBe('Enabled');
    await cached.setBucketConfig(bucket.id, 'cors', '<a/>');
    expect(await cached.getBucketConfig(bucket.id, 'cors')).toBe('<a/>');
    // A change made behind the cache's back (another gateway) shows after the TTL.
    await inner.setBucketConfig(bucket.id, 'cors', '<b/>');
    expect(await cached.getBucketConfig(bucket.id, 'cors')).toBe('<a/>');
    await new Promise((r) => setTimeout(r, 60));
    expect(await cached.getBucketConfig(bucket.id, 'cors')).toBe('<b/>');
    await cached.deleteBucket('b1');
    expect(await cached.getBucket('b1')).toBeUndefined();
    await cached.close();
  });

  it('sends one read for the requests that miss together', async () => {
    const inner = new SqliteMetaStore({ filename: ':memory:', fsync: false });
    const reads = { bucket: 0, config: 0 };
    const counted = new Proxy(inner, {
      get(target, property, receiver) {
        if (property === 'getBucket') reads.bucket++;
        if (property === 'getBucketConfig') reads.config++;
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const cached = withBucketCache(counted, 50);
    const bucket = await inner.createBucket({ name: 'b1', ownerId: 'o', region: 'r', createdMs: 1 });
    await inner.setBucketConfig(bucket.id, 'cors', '<a/>');
    const many = <T>(read: () => Promise<T>) => Promise.all(Array.from({ length: 12 }, read));
    expect(await many(() => cached.getBucket('b1'))).toEqual(Array(12).fill(await inner.getBucket('b1')));
    expect(await many(() => cached.getBucketConfig(bucket.id, 'cors'))).toEqual(Array(12).fill('<a/>'));
    expect(reads).toEqual({ bucket: 1, config: 1 });
    // Expired: again one read for all of them.
    await new Promise((r) => setTimeout(r, 60));
    await many(() => cached.getBucketConfig(bucket.id, 'cors'));
    expect(reads.config).toBe(2);
    await cached.close();
  });
});
