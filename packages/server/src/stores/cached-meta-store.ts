import type { BucketRecord, MetadataStore } from './types.js';

interface Entry<T> {
  /** The read, shared by every request that misses while it runs. */
  read: Promise<T>;
  /** What it returned, once it has. */
  value?: T;
  expiresMs: number;
}

/**
 * Caches what nearly every request reads and almost nothing writes: bucket records and bucket
 * configuration documents (ACL, policy, CORS, referer, lifecycle). Authorization, CORS, referer
 * checks and the engine each look a bucket up; with this they share one read per `ttlMs`.
 *
 * Writes through this store invalidate at once, so a process always sees its own changes. Other
 * gateways sharing the database (scale-out) invalidate as soon as the change commits, through the
 * store's change feed (PostgreSQL: LISTEN/NOTIFY), and within `ttlMs` at worst (the feed is down,
 * or the store has none): keep it short.
 */
export function withBucketCache(store: MetadataStore, ttlMs = 1000): MetadataStore {
  const buckets = new Map<string, Entry<BucketRecord | undefined>>();
  const configs = new Map<string, Entry<string | undefined>>();
  const now = () => performance.now();
  // One read per key at a time: when an entry expires under load, the requests that miss together
  // share one read instead of sending one each (12 concurrent PUTs re-read a dozen configuration
  // kinds every second: docs/performance.md, "Scale-out").
  const cached = <T>(map: Map<string, Entry<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    const hit = map.get(key);
    if (hit && hit.expiresMs > now()) return hit.read;
    const entry: Entry<T> = { read: read(), expiresMs: now() + ttlMs };
    map.set(key, entry);
    entry.read.then(
      (value) => {
        entry.value = value;
      },
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return entry.read;
  };
  const forgetBucket = (name?: string) => {
    if (name === undefined) buckets.clear();
    else buckets.delete(name);
  };
  const forgetConfigs = (bucketId: number) => {
    for (const key of configs.keys()) if (key.startsWith(`${bucketId}\n`)) configs.delete(key);
  };
  store.changes?.subscribe((change) => {
    if (change.kind === 'bucket') forgetBucket(change.name);
    else if (change.kind === 'bucket-config') configs.delete(`${change.bucketId}\n${change.configKind}`);
    else if (change.kind === 'all') {
      buckets.clear();
      configs.clear();
    }
  });
  const overrides: Partial<MetadataStore> = {
    getBucket(name) {
      return cached(buckets, name, () => store.getBucket(name));
    },
    getBucketConfig(bucketId, kind) {
      return cached(configs, `${bucketId}\n${kind}`, () => store.getBucketConfig(bucketId, kind));
    },
    async createBucket(input) {
      forgetBucket(input.name);
      try {
        return await store.createBucket(input);
      } finally {
        forgetBucket(input.name);
      }
    },
    async deleteBucket(name, options) {
      // Read the id uncached: SQLite may give a later bucket the same id, which must not inherit
      // this one's cached configuration.
      const record = await store.getBucket(name);
      try {
        await store.deleteBucket(name, options);
      } finally {
        forgetBucket(name);
        if (record) forgetConfigs(record.id);
      }
    },
    async setBucketVersioning(bucketId, status) {
      try {
        await store.setBucketVersioning(bucketId, status);
      } finally {
        // Records are cached by name; the id is all we have here (a read still running may be of it).
        for (const [name, entry] of buckets) {
          if (!('value' in entry) || entry.value?.id === bucketId) buckets.delete(name);
        }
      }
    },
    async setBucketConfig(bucketId, kind, doc) {
      try {
        await store.setBucketConfig(bucketId, kind, doc);
      } finally {
        configs.delete(`${bucketId}\n${kind}`);
      }
    },
  };
  // Methods are bound once, not on every call (a bind allocates a function; the store is called several
  // times per request).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof MetadataStore];
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (fn === undefined || (fn as { original?: unknown }).original !== value) {
        fn = Object.assign(value.bind(target), { original: value });
        bound.set(property, fn);
      }
      return fn;
    },
  });
}
