import { type ObjectVersion, type RecycledEntry, type RecycleStore, StoreError } from '../types.js';
import type { ObjectRow } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** The recycle bin domain of the store (RecycleStore): list, restore, purge. */
export class SqliteRecycleBin implements RecycleStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async listRecycled(
    bucketId: number,
    query: { prefix: string; after?: { key: string; id: number }; limit: number },
  ): Promise<RecycledEntry[]> {
    return this.#db.recycle.list(bucketId, query.prefix, query.after, query.limit);
  }

  restoreRecycled(input: { bucketId: number; id: number; toKey: string; nowMs: number }): Promise<ObjectVersion> {
    return this.#db.writes.run(() => {
      const kept = this.#db.recycle.take(input.bucketId, input.id);
      if (!kept) throw new StoreError('not-found', `no recycled entry ${input.id}`);
      const { bucketId: _b, key: _k, versionId: _v, seq: _s, isLatest: _l, ...version } = kept;
      const current = this.#db.stmt.latest.get(input.bucketId, input.toKey) as ObjectRow | undefined;
      const versioning = this.#db.versioningOf(input.bucketId);
      const restored = this.#db.insertVersion(input.bucketId, input.toKey, versioning, current, {
        ...version,
        lastModifiedMs: input.nowMs,
      });
      // insertVersion took references of its own; the bin's pass to it.
      this.#db.release(kept.manifest, input.nowMs);
      return restored;
    });
  }

  purgeRecycledEntry(input: { bucketId: number; id: number; nowMs: number }): Promise<void> {
    return this.#db.writes.run(() => {
      const kept = this.#db.recycle.take(input.bucketId, input.id);
      if (!kept) throw new StoreError('not-found', `no recycled entry ${input.id}`);
      this.#db.release(kept.manifest, input.nowMs);
    });
  }

  purgeRecycled(nowMs: number, limit: number): Promise<{ count: number; bytes: number }> {
    return this.#db.writes.run(() => {
      const due = this.#db.recycle.takeDue(nowMs, limit);
      for (const v of due) this.#db.release(v.manifest, nowMs);
      return { count: due.length, bytes: due.reduce((n, v) => n + v.size, 0) };
    });
  }
}
