import type { InventoryRow, InventoryRunRecord, InventoryScan, InventoryStore } from '../inventory.js';
import { prefixSuccessor } from '../keys.js';
import { type InventoryColumns, toInventoryRow } from '../sqlite/inventory.js';
import { escapeKey, withKey } from './keys.js';
import type { PgDb } from './pg-db.js';

const COLUMNS = `key, seq, version_id, is_latest, is_delete_marker, size, etag, last_modified_ms, storage_class,
  (part_sizes IS NOT NULL)::int AS multipart, sse, lock_mode, lock_until_ms, legal_hold, checksums, owner_id, tagging,
  crc64`;

/**
 * Inventory reads on PostgreSQL (migration 3), as sqlite/inventory.ts: pages of a bucket in listing
 * order through the (bucket, key) indexes, and each configuration's last run.
 */
export class PgInventory implements InventoryStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async scanInventory(bucketId: number, scan: InventoryScan): Promise<InventoryRow[]> {
    const prefix = escapeKey(scan.prefix ?? '');
    // The prefix's upper bound; none without a prefix (or when the prefix has no successor).
    const end = (prefix !== '' ? prefixSuccessor(prefix) : undefined) ?? null;
    const upper = '($3::text IS NULL OR key < $3::text COLLATE "C")';
    const read = this.#db.read;
    if (scan.currentOnly) {
      const from = scan.after ? 'key > $2' : 'key >= $2';
      const rows = await read.rows<InventoryColumns>(
        `SELECT ${COLUMNS} FROM objects WHERE bucket_id = $1 AND is_latest = 1 AND is_delete_marker = 0
           AND ${from} AND ${upper} ORDER BY key LIMIT $4`,
        [bucketId, scan.after ? escapeKey(scan.after.key) : prefix, end, scan.limit],
      );
      return rows.map((r) => toInventoryRow(withKey(r)));
    }
    const all = `SELECT ${COLUMNS} FROM objects WHERE bucket_id = $1`;
    if (!scan.after) {
      const rows = await read.rows<InventoryColumns>(
        `${all} AND key >= $2 AND ${upper} ORDER BY key, seq DESC LIMIT $4`,
        [bucketId, prefix, end, scan.limit],
      );
      return rows.map((r) => toInventoryRow(withKey(r)));
    }
    // Resuming inside a key: its older versions first, then the keys after it.
    const afterKey = escapeKey(scan.after.key);
    const rows = await read.rows<InventoryColumns>(`${all} AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`, [
      bucketId,
      afterKey,
      scan.after.seq,
      scan.limit,
    ]);
    if (rows.length < scan.limit) {
      rows.push(
        ...(await read.rows<InventoryColumns>(`${all} AND key > $2 AND ${upper} ORDER BY key, seq DESC LIMIT $4`, [
          bucketId,
          afterKey,
          end,
          scan.limit - rows.length,
        ])),
      );
    }
    return rows.map((r) => toInventoryRow(withKey(r)));
  }

  async getInventoryRun(bucketId: number, configId: string): Promise<InventoryRunRecord | undefined> {
    const r = await this.#db.read.one<{
      last_started_ms: number | null;
      last_finished_ms: number | null;
      last_manifest_key: string | null;
      last_error: string | null;
    }>('SELECT * FROM inventory_runs WHERE bucket_id = $1 AND config_id = $2', [bucketId, configId]);
    if (!r) return undefined;
    return {
      ...(r.last_started_ms !== null ? { lastStartedMs: r.last_started_ms } : {}),
      ...(r.last_finished_ms !== null ? { lastFinishedMs: r.last_finished_ms } : {}),
      ...(r.last_manifest_key !== null ? { lastManifestKey: r.last_manifest_key } : {}),
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    };
  }

  saveInventoryRun(bucketId: number, configId: string, run: InventoryRunRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      // Only while the bucket exists (a run finishing after its bucket was deleted records nothing).
      await tx.run(
        `INSERT INTO inventory_runs (bucket_id, config_id, last_started_ms, last_finished_ms, last_manifest_key, last_error)
         SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM buckets WHERE id = $1)
         ON CONFLICT (bucket_id, config_id) DO UPDATE SET last_started_ms = excluded.last_started_ms,
           last_finished_ms = excluded.last_finished_ms, last_manifest_key = excluded.last_manifest_key,
           last_error = excluded.last_error`,
        [
          bucketId,
          configId,
          run.lastStartedMs ?? null,
          run.lastFinishedMs ?? null,
          run.lastManifestKey ?? null,
          run.lastError?.slice(0, 1000) ?? null,
        ],
      );
    });
  }
}
