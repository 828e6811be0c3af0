import { type ObjectRow, toVersion } from '../sqlite/rows.js';
import { type ObjectVersion, type RecycledEntry, type RecycleStore, StoreError } from '../types.js';
import { escapeKey, unescapeKey, withKey } from './keys.js';
import type { PgDb } from './pg-db.js';

interface RecycledRow {
  id: number;
  bucket_id: number;
  key: string;
  version_id: string;
  size: number;
  etag: string;
  deleted_ms: number;
  deleted_by: string;
  purge_ms: number;
  version: string;
}

function toEntry(r: RecycledRow): RecycledEntry {
  return {
    id: r.id,
    key: unescapeKey(r.key),
    versionId: r.version_id,
    size: r.size,
    etag: r.etag,
    deletedMs: r.deleted_ms,
    deletedBy: r.deleted_by,
    purgeMs: r.purge_ms,
  };
}

/**
 * A recycled entry's version. coffer_remove_row (migration 3) keeps the removed row itself, as JSON
 * (its manifest a string, its key escaped); `coffer migrate` copies SQLite's entries, which keep the
 * ObjectVersion (its manifest an array). Both are read here.
 */
export function recycledVersion(doc: string): ObjectVersion {
  const parsed = JSON.parse(doc) as ObjectRow | ObjectVersion;
  if (typeof (parsed as ObjectRow).manifest === 'string') return toVersion(withKey(parsed as ObjectRow));
  return parsed as ObjectVersion;
}

/**
 * The recycle bin on PostgreSQL (table recycled, migration 3): versions go in through
 * coffer_remove_row in the removing transaction; list, restore and purge here.
 */
export class PgRecycleBin implements RecycleStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async listRecycled(
    bucketId: number,
    query: { prefix: string; after?: { key: string; id: number }; limit: number },
  ): Promise<RecycledEntry[]> {
    const prefix = escapeKey(query.prefix);
    const rows = await this.#db.read.rows<RecycledRow>(
      `SELECT * FROM recycled WHERE bucket_id = $1 AND key >= $2 AND (key, id) > ($3::text COLLATE "C", $4::bigint)
         AND left(key, length($2)) = $2 ORDER BY key, id LIMIT $5`,
      [bucketId, prefix, escapeKey(query.after?.key ?? ''), query.after?.id ?? 0, query.limit],
    );
    return rows.map(toEntry);
  }

  restoreRecycled(input: { bucketId: number; id: number; toKey: string; nowMs: number }): Promise<ObjectVersion> {
    return this.#db.writes.run(async (tx) => {
      const db = this.#db;
      const row = await tx.one<{ version: string }>(
        'DELETE FROM recycled WHERE id = $1 AND bucket_id = $2 RETURNING version',
        [input.id, input.bucketId],
      );
      if (!row) throw new StoreError('not-found', `no recycled entry ${input.id}`);
      const kept = recycledVersion(row.version);
      const { bucketId: _b, key: _k, versionId: _v, seq: _s, isLatest: _l, ...version } = kept;
      const versioning = await db.versioningOf(tx, input.bucketId);
      await db.lockKey(tx, input.bucketId, input.toKey);
      const current = await db.latest(tx, input.bucketId, input.toKey);
      const restored = await db.insertVersion(tx, input.bucketId, input.toKey, versioning, current, {
        ...version,
        lastModifiedMs: input.nowMs,
      });
      // insertVersion took references of its own; the bin's pass to it.
      await db.release(tx, kept.manifest, input.nowMs);
      return restored;
    });
  }

  purgeRecycledEntry(input: { bucketId: number; id: number; nowMs: number }): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<{ version: string }>(
        'DELETE FROM recycled WHERE id = $1 AND bucket_id = $2 RETURNING version',
        [input.id, input.bucketId],
      );
      if (!row) throw new StoreError('not-found', `no recycled entry ${input.id}`);
      await this.#db.release(tx, recycledVersion(row.version).manifest, input.nowMs);
    });
  }

  purgeRecycled(nowMs: number, limit: number): Promise<{ count: number; bytes: number }> {
    return this.#db.writes.run(async (tx) => {
      // SKIP LOCKED: two gateways purging at once take different entries.
      const due = await tx.rows<{ size: number; version: string }>(
        `DELETE FROM recycled WHERE id IN (
           SELECT id FROM recycled WHERE purge_ms <= $1 ORDER BY purge_ms LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING size, version`,
        [nowMs, limit],
      );
      await this.#db.releaseAll(
        tx,
        due.map((r) => recycledVersion(r.version).manifest),
        nowMs,
      );
      return { count: due.length, bytes: due.reduce((n, r) => n + r.size, 0) };
    });
  }
}
