import { S3Error } from '@coffer/protocol';
import { RECYCLE_CONFIG, StoreError } from '../stores/types.js';
import { requireBucket } from './buckets.js';
import type { EngineContext } from './context.js';
import { validateKey } from './names.js';

/** Longest retention a bin may have (ten years). */
export const MAX_RECYCLE_DAYS = 3650;

/**
 * PUT ?recycle: keep deleted and overwritten objects for `days` days (null turns the bin off; what it
 * holds stays until purged). Coffer's own setting: docs/recycle-bin.md.
 */
export async function putBucketRecycle(ctx: EngineContext, name: string, days: number | null): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RECYCLE_DAYS)) {
    throw new S3Error('InvalidArgument', `Days must be a whole number from 1 to ${MAX_RECYCLE_DAYS}.`, {
      details: { ArgumentName: 'Days', ArgumentValue: String(days) },
    });
  }
  await ctx.meta.setBucketConfig(bucket.id, RECYCLE_CONFIG, days === null ? null : JSON.stringify({ days }));
}

/** The bin's retention in days, or undefined when it is off. */
export async function getBucketRecycle(ctx: EngineContext, name: string): Promise<number | undefined> {
  const bucket = await requireBucket(ctx, name);
  const doc = await ctx.meta.getBucketConfig(bucket.id, RECYCLE_CONFIG);
  return doc ? (JSON.parse(doc) as { days: number }).days : undefined;
}

/** A page of the bin: entries with keys under `prefix`, after `marker` (`<key>:<id>` from NextMarker). */
export async function listRecycled(
  ctx: EngineContext,
  name: string,
  query: { prefix: string; marker?: string; maxKeys: number },
) {
  const bucket = await requireBucket(ctx, name);
  let after: { key: string; id: number } | undefined;
  if (query.marker) {
    const at = query.marker.lastIndexOf(':');
    const id = Number(query.marker.slice(at + 1));
    if (at < 0 || !Number.isSafeInteger(id)) throw new S3Error('InvalidArgument', 'marker is not a NextMarker.');
    after = { key: query.marker.slice(0, at), id };
  }
  const entries = await ctx.meta.listRecycled(bucket.id, {
    prefix: query.prefix,
    ...(after ? { after } : {}),
    limit: query.maxKeys + 1,
  });
  const truncated = entries.length > query.maxKeys;
  const page = entries.slice(0, query.maxKeys);
  const last = page.at(-1);
  return { bucket, entries: page, truncated, ...(truncated && last ? { nextMarker: `${last.key}:${last.id}` } : {}) };
}

/** Puts recycled entry `id` back as the latest version of `toKey` (its own key or another). */
export async function restoreRecycled(ctx: EngineContext, name: string, id: number, toKey: string) {
  const bucket = await requireBucket(ctx, name);
  validateKey(toKey);
  try {
    const version = await ctx.meta.restoreRecycled({ bucketId: bucket.id, id, toKey, nowMs: ctx.clock.nowMs() });
    return { bucket, version };
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'not-found') {
      throw new S3Error('NoSuchKey', `The recycle bin of ${name} has no entry ${id}.`);
    }
    throw err;
  }
}

/** Purges recycled entry `id` now (the console's Purge), whatever its PurgeAt. */
export async function purgeRecycledEntry(ctx: EngineContext, name: string, id: number): Promise<void> {
  const bucket = await requireBucket(ctx, name);
  try {
    await ctx.meta.purgeRecycledEntry({ bucketId: bucket.id, id, nowMs: ctx.clock.nowMs() });
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'not-found') {
      throw new S3Error('NoSuchKey', `The recycle bin of ${name} has no entry ${id}.`);
    }
    throw err;
  }
}

/** The lifecycle worker's purge: every entry past its retention leaves the bin (its blobs go to GC). */
export async function purgeRecycled(ctx: EngineContext): Promise<{ count: number; bytes: number }> {
  const total = { count: 0, bytes: 0 };
  for (;;) {
    const r = await ctx.meta.purgeRecycled(ctx.clock.nowMs(), 500);
    total.count += r.count;
    total.bytes += r.bytes;
    if (r.count < 500) return total;
  }
}
