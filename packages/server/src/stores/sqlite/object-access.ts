import type { ObjectAccessStore } from '../domain-stores.js';
import type { SqliteShared } from './sqlite-meta-store.js';

/** ObjectAccessStore on the metadata database (table object_access: migration 19). */
export class SqliteObjectAccessStore implements ObjectAccessStore {
  readonly #shared: SqliteShared;
  readonly #stmt;

  constructor(shared: SqliteShared) {
    this.#shared = shared;
    const db = shared.db;
    this.#stmt = {
      get: db.prepare('SELECT last_access_ms FROM object_access WHERE seq = ?'),
      // Only for a version that still exists: a read racing a delete must not leave a stray row.
      touch: db.prepare(
        `INSERT INTO object_access (seq, last_access_ms) SELECT @seq, @nowMs
           WHERE EXISTS (SELECT 1 FROM objects WHERE bucket_id = @bucketId AND key = @key AND seq = @seq)
         ON CONFLICT (seq) DO UPDATE SET last_access_ms = max(last_access_ms, excluded.last_access_ms)`,
      ),
      tiered: db.prepare(
        `SELECT o.key AS key, o.tagging AS tagging, o.size AS size, coalesce(a.last_access_ms, o.last_modified_ms) AS t
         FROM objects o LEFT JOIN object_access a ON a.seq = o.seq
         WHERE o.bucket_id = ? AND o.is_latest = 1 AND o.is_delete_marker = 0
           AND o.storage_class = 'INTELLIGENT_TIERING'`,
      ),
    };
  }

  async lastAccess(seq: number): Promise<number | undefined> {
    return (this.#stmt.get.get(seq) as { last_access_ms: number } | undefined)?.last_access_ms;
  }

  touch(version: { bucketId: number; key: string; seq: number }, nowMs: number): Promise<void> {
    return this.#shared.write(() => {
      this.#stmt.touch.run({ seq: version.seq, nowMs, bucketId: version.bucketId, key: version.key });
    });
  }

  async tieredObjects(
    bucketId: number,
  ): Promise<{ key: string; tagging?: string; size: number; lastAccessMs: number }[]> {
    type Row = { key: string; tagging: string | null; size: number; t: number };
    return (this.#stmt.tiered.all(bucketId) as Row[]).map((r) => ({
      key: r.key,
      ...(r.tagging !== null ? { tagging: r.tagging } : {}),
      size: r.size,
      lastAccessMs: r.t,
    }));
  }
}
