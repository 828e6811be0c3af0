import type { ObjectVersion } from './types.js';

/**
 * The recycle bin (docs/recycle-bin.md): with a bucket's `?recycle` setting on, a version that a
 * delete, an overwrite or a lifecycle expiration removes is kept here, blobs and all, for N days,
 * without versioning. The store moves it in the removing transaction; the lifecycle worker purges.
 */

/** The bucket configuration kind (bucket_configs) holding `{"days":N}`. */
export const RECYCLE_CONFIG = 'recycle';

export interface RecycledEntry {
  /** Increasing; names the entry for restore. */
  id: number;
  key: string;
  /** The removed version's id ('null' for an unversioned object). */
  versionId: string;
  size: number;
  etag: string;
  deletedMs: number;
  /** Who removed it: the deleting or overwriting principal, or `coffer:lifecycle`. */
  deletedBy: string;
  /** When the lifecycle worker purges it. */
  purgeMs: number;
}

export interface RecycleStore {
  /** A bucket's recycled entries with keys starting `prefix`, in (key, id) order after `after`. */
  listRecycled(
    bucketId: number,
    query: { prefix: string; after?: { key: string; id: number }; limit: number },
  ): Promise<RecycledEntry[]>;
  /**
   * Puts a recycled version back as the latest version of `toKey` (its own key or another) and
   * removes it from the bin; what it replaces there is recycled in turn. StoreError 'not-found'.
   */
  restoreRecycled(input: { bucketId: number; id: number; toKey: string; nowMs: number }): Promise<ObjectVersion>;
  /** Purges entries due by `nowMs` (their blobs go to GC); at most `limit` per call. */
  purgeRecycled(nowMs: number, limit: number): Promise<{ count: number; bytes: number }>;
  /** What a bucket's bin holds. */
  recycledUsage(bucketId: number): Promise<{ count: number; bytes: number }>;
}
