import type { Database, Statement } from 'better-sqlite3';
import { type ObjectVersion, RECYCLE_CONFIG, type RecycledEntry } from '../types.js';
import { type ObjectRow, toVersion } from './rows.js';

const DAY_MS = 86_400_000;

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
    key: r.key,
    versionId: r.version_id,
    size: r.size,
    etag: r.etag,
    deletedMs: r.deleted_ms,
    deletedBy: r.deleted_by,
    purgeMs: r.purge_ms,
  };
}

/**
 * The recycle bin's SQL (migration 15), held by SqliteDb. `keep` runs inside the transaction that
 * removes a version row: when the bucket's bin is on, the version (with its blob references, which
 * move with it) goes to `recycled` instead of being released.
 */
export class RecycleSql {
  readonly #config: Statement;
  readonly #insert: Statement;
  readonly #list: Statement;
  readonly #byId: Statement;
  readonly #delete: Statement;
  readonly #due: Statement;
  readonly #forBucket: Statement;

  constructor(db: Database) {
    this.#config = db.prepare('SELECT doc FROM bucket_configs WHERE bucket_id = ? AND kind = ?');
    this.#insert = db.prepare(
      `INSERT INTO recycled (bucket_id, key, version_id, size, etag, deleted_ms, deleted_by, purge_ms, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#list = db.prepare(
      `SELECT * FROM recycled WHERE bucket_id = ? AND key >= ? AND (key > ? OR (key = ? AND id > ?))
       AND substr(key, 1, length(?)) = ? ORDER BY key, id LIMIT ?`,
    );
    this.#byId = db.prepare('SELECT * FROM recycled WHERE id = ? AND bucket_id = ?');
    this.#delete = db.prepare('DELETE FROM recycled WHERE id = ?');
    this.#due = db.prepare('SELECT * FROM recycled WHERE purge_ms <= ? ORDER BY purge_ms LIMIT ?');
    this.#forBucket = db.prepare('SELECT * FROM recycled WHERE bucket_id = ?');
  }

  /** Inside a removal: recycles the row if its bucket's bin is on; true when it did (keep the blobs). */
  keep(row: ObjectRow, nowMs: number, by: string): boolean {
    if (row.is_delete_marker) return false;
    const config = this.#config.get(row.bucket_id, RECYCLE_CONFIG) as { doc: string } | undefined;
    if (!config) return false;
    const { days } = JSON.parse(config.doc) as { days: number };
    this.#insert.run(
      row.bucket_id,
      row.key,
      row.version_id,
      row.size,
      row.etag,
      nowMs,
      by,
      nowMs + days * DAY_MS,
      JSON.stringify(toVersion(row)),
    );
    return true;
  }

  list(bucketId: number, prefix: string, after: { key: string; id: number } | undefined, limit: number) {
    const key = after?.key ?? '';
    const id = after?.id ?? 0;
    return (this.#list.all(bucketId, prefix, key, key, id, prefix, prefix, limit) as RecycledRow[]).map(toEntry);
  }

  /** Takes an entry out of the bin (inside a transaction): its version, whose blob references the caller now owns. */
  take(bucketId: number, id: number): ObjectVersion | undefined {
    const row = this.#byId.get(id, bucketId) as RecycledRow | undefined;
    if (!row) return undefined;
    this.#delete.run(id);
    return JSON.parse(row.version) as ObjectVersion;
  }

  /** Entries due for purging, removed from the bin; the caller releases their blobs. */
  takeDue(nowMs: number, limit: number): ObjectVersion[] {
    return (this.#due.all(nowMs, limit) as RecycledRow[]).map((row) => {
      this.#delete.run(row.id);
      return JSON.parse(row.version) as ObjectVersion;
    });
  }

  /** Every entry of a bucket being deleted, removed from the bin; the caller releases their blobs. */
  takeBucket(bucketId: number): ObjectVersion[] {
    return (this.#forBucket.all(bucketId) as RecycledRow[]).map((row) => {
      this.#delete.run(row.id);
      return JSON.parse(row.version) as ObjectVersion;
    });
  }
}
