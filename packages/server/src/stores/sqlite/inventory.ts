import type { InventoryRow, InventoryRunRecord, InventoryScan, InventoryStore } from '../inventory.js';
import { prefixSuccessor } from '../keys.js';
import { toSummary } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';
import type { Statement } from './statements.js';
import type { WriteBatcher } from './write-batcher.js';

const COLUMNS = `key, seq, version_id, is_latest, is_delete_marker, size, etag, last_modified_ms, storage_class,
  part_sizes IS NOT NULL AS multipart, sse, lock_mode, lock_until_ms, legal_hold, checksums, owner_id, tagging, crc64`;

/** A version row as the inventory reads it (both stores select these columns). */
export interface InventoryColumns {
  key: string;
  seq: number;
  version_id: string;
  is_latest: number;
  is_delete_marker: number;
  size: number;
  etag: string;
  last_modified_ms: number;
  storage_class: string;
  multipart: number;
  sse: string | null;
  lock_mode: string | null;
  lock_until_ms: number | null;
  legal_hold: number | null;
  checksums: string;
  owner_id: string;
  tagging: string | null;
  crc64: string | null;
}

export function toInventoryRow(r: InventoryColumns): InventoryRow {
  let algorithms: string[] = [];
  try {
    algorithms = Object.keys(JSON.parse(r.checksums) as object).map((a) => a.toUpperCase());
  } catch {
    // An unreadable checksum column lists none.
  }
  return {
    ...toSummary(r),
    // An ETag with a part count (`…-N`) is a multipart one, also for objects completed before part sizes were kept.
    isMultipart: r.multipart === 1 || /-\d+$/.test(r.etag),
    ...(r.sse !== null ? { sse: r.sse } : {}),
    ...(r.lock_mode !== null ? { lockMode: r.lock_mode } : {}),
    ...(r.lock_until_ms !== null ? { lockUntilMs: r.lock_until_ms } : {}),
    ...(r.legal_hold !== null ? { legalHold: r.legal_hold === 1 } : {}),
    checksumAlgorithms: algorithms,
    ...(r.tagging !== null ? { tagging: r.tagging } : {}),
    ...(r.crc64 !== null ? { crc64: r.crc64 } : {}),
  };
}

/**
 * Inventory reads in SQLite (migration 16): pages of a bucket in listing order, through the
 * (bucket, key) indexes, so a report of any size reads one page at a time; and each configuration's
 * last run.
 */
export class SqliteInventory implements InventoryStore {
  readonly #writes: WriteBatcher;
  readonly #s: Record<string, Statement>;

  constructor(sqlite: SqliteDb) {
    this.#writes = sqlite.writes;
    const p = (sql: string): Statement => sqlite.db.prepare(sql);
    const current = `SELECT ${COLUMNS} FROM objects WHERE bucket_id = ? AND is_latest = 1 AND is_delete_marker = 0`;
    const all = `SELECT ${COLUMNS} FROM objects WHERE bucket_id = ?`;
    this.#s = {
      current: p(`${current} AND key > ? AND key < ? ORDER BY key LIMIT ?`),
      currentFrom: p(`${current} AND key >= ? AND key < ? ORDER BY key LIMIT ?`),
      allInKey: p(`${all} AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
      allAfter: p(`${all} AND key > ? AND key < ? ORDER BY key, seq DESC LIMIT ?`),
      allFrom: p(`${all} AND key >= ? AND key < ? ORDER BY key, seq DESC LIMIT ?`),
      getRun: p('SELECT * FROM inventory_runs WHERE bucket_id = ? AND config_id = ?'),
      putRun: p(
        `INSERT INTO inventory_runs (bucket_id, config_id, last_started_ms, last_finished_ms, last_manifest_key, last_error)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (bucket_id, config_id) DO UPDATE SET last_started_ms = excluded.last_started_ms,
           last_finished_ms = excluded.last_finished_ms, last_manifest_key = excluded.last_manifest_key,
           last_error = excluded.last_error`,
      ),
    };
  }

  async scanInventory(bucketId: number, scan: InventoryScan): Promise<InventoryRow[]> {
    const prefix = scan.prefix ?? '';
    // Keys are at most 1,024 bytes: U+10FFFF repeated past that bounds every key when there is no prefix.
    const end = (prefix !== '' ? prefixSuccessor(prefix) : undefined) ?? '\u{10FFFF}'.repeat(1100);
    const s = this.#s;
    let rows: InventoryColumns[];
    if (scan.currentOnly) {
      rows = (
        scan.after
          ? s.current!.all(bucketId, scan.after.key, end, scan.limit)
          : s.currentFrom!.all(bucketId, prefix, end, scan.limit)
      ) as InventoryColumns[];
    } else if (scan.after) {
      rows = s.allInKey!.all(bucketId, scan.after.key, scan.after.seq, scan.limit) as InventoryColumns[];
      if (rows.length < scan.limit)
        rows.push(...(s.allAfter!.all(bucketId, scan.after.key, end, scan.limit - rows.length) as InventoryColumns[]));
    } else {
      rows = s.allFrom!.all(bucketId, prefix, end, scan.limit) as InventoryColumns[];
    }
    return rows.map(toInventoryRow);
  }

  async getInventoryRun(bucketId: number, configId: string): Promise<InventoryRunRecord | undefined> {
    const r = this.#s.getRun!.get(bucketId, configId) as
      | {
          last_started_ms: number | null;
          last_finished_ms: number | null;
          last_manifest_key: string | null;
          last_error: string | null;
        }
      | undefined;
    if (!r) return undefined;
    return {
      ...(r.last_started_ms !== null ? { lastStartedMs: r.last_started_ms } : {}),
      ...(r.last_finished_ms !== null ? { lastFinishedMs: r.last_finished_ms } : {}),
      ...(r.last_manifest_key !== null ? { lastManifestKey: r.last_manifest_key } : {}),
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    };
  }

  saveInventoryRun(bucketId: number, configId: string, run: InventoryRunRecord): Promise<void> {
    return this.#writes.run(() => {
      this.#s.putRun!.run(
        bucketId,
        configId,
        run.lastStartedMs ?? null,
        run.lastFinishedMs ?? null,
        run.lastManifestKey ?? null,
        run.lastError?.slice(0, 1000) ?? null,
      );
    });
  }
}
