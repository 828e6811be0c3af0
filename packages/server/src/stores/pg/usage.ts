import { prefixSuccessor } from '../keys.js';
import type { BucketUsage, FolderUsage, UsageStore } from '../types.js';
import { escapeKey } from './keys.js';
import type { PgDb } from './pg-db.js';

type Totals = { n: number; bytes: number };

/** Live usage (bucket_usage and dirs, kept by the triggers of migration 1) and its recount. */
export class PgUsage implements UsageStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async bucketUsage(bucketId: number): Promise<BucketUsage> {
    const usage = emptyUsage();
    type Row = { kind: string; storage_class: string; count: number; bytes: number };
    const rows = await this.#db.read.rows<Row>(
      `SELECT kind, storage_class, sum(count)::bigint AS count, sum(bytes)::bigint AS bytes FROM bucket_usage
       WHERE bucket_id = $1 GROUP BY kind, storage_class HAVING sum(count) <> 0`,
      [bucketId],
    );
    for (const r of rows) {
      if (r.kind === 'current') usage.objects[r.storage_class] = { count: r.count, bytes: r.bytes };
      else if (r.kind === 'noncurrent') {
        usage.noncurrentVersions.count += r.count;
        usage.noncurrentVersions.bytes += r.bytes;
      } else if (r.kind === 'marker') usage.deleteMarkers += r.count;
      else if (r.kind === 'upload') usage.incompleteUploads.count += r.count;
      else if (r.kind === 'part') {
        usage.incompleteUploads.parts += r.count;
        usage.incompleteUploads.bytes += r.bytes;
      } else if (r.kind === 'recycled') usage.recycled = { count: r.count, bytes: r.bytes };
    }
    return usage;
  }

  async recountBucketUsage(bucketId: number): Promise<BucketUsage> {
    const read = this.#db.read;
    const usage = emptyUsage();
    const [current, noncurrent, markers, uploads, recycled] = await Promise.all([
      read.rows<{ storage_class: string; n: number; bytes: number }>(
        `SELECT storage_class, count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM objects
         WHERE bucket_id = $1 AND is_latest = 1 AND is_delete_marker = 0 GROUP BY storage_class`,
        [bucketId],
      ),
      read.one<Totals>(
        `SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM objects
         WHERE bucket_id = $1 AND is_latest = 0 AND is_delete_marker = 0`,
        [bucketId],
      ),
      read.one<{ n: number }>('SELECT count(*) AS n FROM objects WHERE bucket_id = $1 AND is_delete_marker = 1', [
        bucketId,
      ]),
      read.one<{ n: number; parts: number; bytes: number }>(
        `SELECT count(DISTINCT u.id) AS n, count(p.part_number) AS parts, coalesce(sum(p.size), 0)::bigint AS bytes
         FROM uploads u LEFT JOIN parts p ON p.upload_row = u.id WHERE u.bucket_id = $1`,
        [bucketId],
      ),
      read.one<Totals>(
        'SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM recycled WHERE bucket_id = $1',
        [bucketId],
      ),
    ]);
    for (const r of current) usage.objects[r.storage_class] = { count: r.n, bytes: r.bytes };
    usage.noncurrentVersions = { count: noncurrent!.n, bytes: noncurrent!.bytes };
    usage.deleteMarkers = markers!.n;
    usage.incompleteUploads = { count: uploads!.n, parts: uploads!.parts, bytes: uploads!.bytes };
    usage.recycled = { count: recycled!.n, bytes: recycled!.bytes };
    return usage;
  }

  /**
   * Current objects under a prefix from the directory index, as on SQLite: a prefix ending in '/' is
   * one row of dirs; any other prefix sums the child directories it covers (one range of
   * dirs_by_parent) and the files of its directory that it covers (one range of objects_by_dir).
   */
  async folderUsage(bucketId: number, prefix: string, recount = false): Promise<FolderUsage> {
    const read = this.#db.read;
    if (prefix === '' && !recount) {
      const all = Object.values((await this.bucketUsage(bucketId)).objects);
      return { count: all.reduce((n, c) => n + c.count, 0), bytes: all.reduce((n, c) => n + c.bytes, 0) };
    }
    const escaped = escapeKey(prefix);
    const upper = prefixSuccessor(escaped);
    const totals = `SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM objects
      WHERE bucket_id = $1 AND is_latest = 1 AND is_delete_marker = 0 AND key >= $2`;
    if (upper === undefined) {
      const t = (await read.one<Totals>(totals, [bucketId, escaped]))!;
      return { count: t.n, bytes: t.bytes };
    }
    if (recount) {
      const t = (await read.one<Totals>(`${totals} AND key < $3`, [bucketId, escaped, upper]))!;
      return { count: t.n, bytes: t.bytes };
    }
    if (escaped.endsWith('/')) {
      const row = await read.one<{ objects: number; bytes: number }>(
        'SELECT objects, bytes FROM dirs WHERE bucket_id = $1 AND path = $2',
        [bucketId, escaped],
      );
      return { count: row?.objects ?? 0, bytes: row?.bytes ?? 0 };
    }
    const dir = escaped.slice(0, escaped.lastIndexOf('/') + 1);
    const [dirs, files] = await Promise.all([
      read.one<Totals>(
        `SELECT coalesce(sum(objects), 0)::bigint AS n, coalesce(sum(bytes), 0)::bigint AS bytes FROM dirs
         WHERE bucket_id = $1 AND parent = $2 AND path >= $3 AND path < $4`,
        [bucketId, dir, escaped, upper],
      ),
      read.one<Totals>(
        `SELECT count(*) AS n, coalesce(sum(size), 0)::bigint AS bytes FROM objects
         WHERE bucket_id = $1 AND dir = $2 AND is_latest = 1 AND is_delete_marker = 0 AND key >= $3 AND key < $4`,
        [bucketId, dir, escaped, upper],
      ),
    ]);
    return { count: dirs!.n + files!.n, bytes: dirs!.bytes + files!.bytes };
  }
}

function emptyUsage(): BucketUsage {
  return {
    objects: {},
    noncurrentVersions: { count: 0, bytes: 0 },
    deleteMarkers: 0,
    incompleteUploads: { count: 0, parts: 0, bytes: 0 },
    recycled: { count: 0, bytes: 0 },
  };
}
