import type { ObjectAccessStore } from '../domain-stores.js';
import { escapeKey, unescapeKey } from './keys.js';
import type { PgDb } from './pg-db.js';

/** ObjectAccessStore on PostgreSQL (table object_access: migration 3), as sqlite/object-access.ts. */
export class PgObjectAccessStore implements ObjectAccessStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async lastAccess(seq: number): Promise<number | undefined> {
    return (
      await this.#db.read.one<{ last_access_ms: number }>('SELECT last_access_ms FROM object_access WHERE seq = $1', [
        seq,
      ])
    )?.last_access_ms;
  }

  touch(version: { bucketId: number; key: string; seq: number }, nowMs: number): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      // Only for a version that still exists: a read racing a delete must not leave a stray row.
      await tx.run(
        `INSERT INTO object_access (seq, last_access_ms) SELECT $1, $2
           WHERE EXISTS (SELECT 1 FROM objects WHERE bucket_id = $3 AND key = $4 AND seq = $1)
         ON CONFLICT (seq) DO UPDATE SET last_access_ms = greatest(object_access.last_access_ms, excluded.last_access_ms)`,
        [version.seq, nowMs, version.bucketId, escapeKey(version.key)],
      );
    });
  }

  async tieredObjects(
    bucketId: number,
  ): Promise<{ key: string; tagging?: string; size: number; lastAccessMs: number }[]> {
    type Row = { key: string; tagging: string | null; size: number; t: number };
    const rows = await this.#db.read.rows<Row>(
      `SELECT o.key, o.tagging, o.size, coalesce(a.last_access_ms, o.last_modified_ms) AS t
       FROM objects o LEFT JOIN object_access a ON a.seq = o.seq
       WHERE o.bucket_id = $1 AND o.is_latest = 1 AND o.is_delete_marker = 0
         AND o.storage_class = 'INTELLIGENT_TIERING'`,
      [bucketId],
    );
    return rows.map((r) => ({
      key: unescapeKey(r.key),
      ...(r.tagging !== null ? { tagging: r.tagging } : {}),
      size: r.size,
      lastAccessMs: r.t,
    }));
  }
}
