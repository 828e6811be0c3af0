import { prefixSuccessor } from '../keys.js';
import type { BucketUsage, FolderUsage, UsageStore } from '../types.js';
import type { SqliteDb } from './sqlite-db.js';

/** Live usage (bucket_usage and dirs, kept by triggers: migration 13) and its recount. */
export class SqliteUsage implements UsageStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async bucketUsage(bucketId: number): Promise<BucketUsage> {
    const usage = emptyUsage();
    type Row = { kind: string; storage_class: string; count: number; bytes: number };
    for (const r of this.#db.stmt.liveUsage.all(bucketId) as Row[]) {
      if (r.kind === 'current') usage.objects[r.storage_class] = { count: r.count, bytes: r.bytes };
      else if (r.kind === 'noncurrent') {
        usage.noncurrentVersions.count += r.count;
        usage.noncurrentVersions.bytes += r.bytes;
      } else if (r.kind === 'marker') usage.deleteMarkers += r.count;
      else if (r.kind === 'upload') usage.incompleteUploads.count += r.count;
      else if (r.kind === 'part') {
        usage.incompleteUploads.parts += r.count;
        usage.incompleteUploads.bytes += r.bytes;
      }
    }
    return usage;
  }

  async recountBucketUsage(bucketId: number): Promise<BucketUsage> {
    const s = this.#db.stmt;
    const usage = emptyUsage();
    for (const r of s.usageCurrent.all(bucketId) as { storage_class: string; n: number; bytes: number }[]) {
      usage.objects[r.storage_class] = { count: r.n, bytes: r.bytes };
    }
    const noncurrent = s.usageNoncurrent.get(bucketId) as { n: number; bytes: number };
    const markers = s.usageMarkers.get(bucketId) as { n: number };
    const uploads = s.usageUploads.get(bucketId) as { n: number; parts: number; bytes: number };
    usage.noncurrentVersions = { count: noncurrent.n, bytes: noncurrent.bytes };
    usage.deleteMarkers = markers.n;
    usage.incompleteUploads = { count: uploads.n, parts: uploads.parts, bytes: uploads.bytes };
    return usage;
  }

  /**
   * Current objects under a prefix from the directory index: a prefix ending in '/' is one row of
   * dirs; any other prefix sums the child directories it covers (one range of dirs_by_parent) and
   * the files of its directory that it covers (one range of objects_by_dir). A bucket the index
   * cannot serve (a key with U+0000) is counted from the covering objects_current index instead.
   */
  async folderUsage(bucketId: number, prefix: string, recount = false): Promise<FolderUsage> {
    const s = this.#db.stmt;
    if (prefix === '' && !recount) {
      const all = Object.values((await this.bucketUsage(bucketId)).objects);
      return { count: all.reduce((n, c) => n + c.count, 0), bytes: all.reduce((n, c) => n + c.bytes, 0) };
    }
    const upper = prefixSuccessor(prefix);
    type Totals = { n: number; bytes: number };
    if (upper === undefined) {
      const t = s.prefixTotalsAll.get(bucketId, prefix) as Totals;
      return { count: t.n, bytes: t.bytes };
    }
    if (recount || s.dirsUnusable.get(bucketId) !== undefined) {
      const t = s.prefixTotals.get(bucketId, prefix, upper) as Totals;
      return { count: t.n, bytes: t.bytes };
    }
    if (prefix.endsWith('/')) {
      const row = s.dirTotals.get(bucketId, prefix) as { objects: number; bytes: number } | undefined;
      return { count: row?.objects ?? 0, bytes: row?.bytes ?? 0 };
    }
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const dirs = s.childDirTotals.get(bucketId, dir, prefix, upper) as Totals;
    const files = s.dirFileTotals.get(bucketId, dir, prefix, upper) as Totals;
    return { count: dirs.n + files.n, bytes: dirs.bytes + files.bytes };
  }
}

function emptyUsage(): BucketUsage {
  return {
    objects: {},
    noncurrentVersions: { count: 0, bytes: 0 },
    deleteMarkers: 0,
    incompleteUploads: { count: 0, parts: 0, bytes: 0 },
  };
}
