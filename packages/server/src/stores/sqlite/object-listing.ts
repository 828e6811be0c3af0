import { compareKeys, prefixSuccessor } from '../keys.js';
import { type ScannedPage, scanListing } from '../listing.js';
import type {
  ListObjectsPage,
  ListObjectsQuery,
  ListVersionsPage,
  ListVersionsQuery,
  ObjectListingStore,
  ObjectSummary,
} from '../types.js';
import { fetchRange, RANGE } from './ranges.js';
import { type ObjectRow, type SummaryRow, toSummary } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';
import type { Statement } from './statements.js';

/** ListObjects and ListObjectVersions: index range scans, O(page). */
export class SqliteObjectListing implements ObjectListingStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async listObjects(bucketId: number, query: ListObjectsQuery): Promise<ListObjectsPage> {
    const s = this.#db.stmt;
    type Row = Pick<SummaryRow, 'key' | 'size' | 'etag' | 'last_modified_ms' | 'storage_class' | 'owner_id'>;
    // The recursive fold computes a prefix's successor by adding 1 to its last code point, which is
    // right unless that would land in the surrogates or past U+10FFFF (then the generic path runs).
    const last = query.delimiter === '' ? 0 : query.delimiter.codePointAt(query.delimiter.length - 1)!;
    const foldable = query.delimiter !== '' && last !== 0xd7ff && last < 0x10ffff;
    const prefixLength = [...query.prefix].length;
    const delimiterLength = [...query.delimiter].length;
    const page =
      (query.delimiter === '/' ? this.#listByDirectory<Row>(bucketId, query) : undefined) ??
      (await scanListing<Row>({
        ...query,
        ...(foldable
          ? {
              foldRun: (start: string, upper: string | undefined, limit: number) =>
                s.currentFoldRun
                  .raw(false)
                  .pluck(true)
                  .all({
                    bucket: bucketId,
                    start,
                    upper: upper ?? null,
                    plen: prefixLength,
                    delim: query.delimiter,
                    dlen: delimiterLength,
                    limit,
                  }) as string[],
            }
          : {}),
        fetch: (from, upper, limit) => fetchRange(bucketId, from, upper, limit, RANGE.current(s)) as Row[],
      }));
    const entries: ListObjectsPage['entries'] = page.entries.map((e) =>
      e.kind === 'prefix'
        ? e
        : {
            kind: 'object',
            object: {
              key: e.row.key,
              versionId: 'null',
              seq: 0,
              isLatest: true,
              isDeleteMarker: false,
              size: e.row.size,
              etag: e.row.etag,
              lastModifiedMs: e.row.last_modified_ms,
              storageClass: e.row.storage_class,
              ownerId: e.row.owner_id,
            },
          },
    );
    return {
      entries,
      isTruncated: page.isTruncated,
      ...(page.nextAfter !== undefined ? { nextAfter: page.nextAfter } : {}),
    };
  }

  async listObjectVersions(bucketId: number, query: ListVersionsQuery): Promise<ListVersionsPage> {
    const s = this.#db.stmt;
    const entries: ListVersionsPage['entries'] = [];
    const after = query.keyMarker;
    // Continue inside the marker key first: its versions older than the version-id marker.
    if (query.keyMarker !== '' && query.versionIdMarker !== '') {
      const marker = s.byVersion.get(bucketId, query.keyMarker, query.versionIdMarker) as ObjectRow | undefined;
      if (marker) {
        const older = s.olderVersions.all(bucketId, query.keyMarker, marker.seq, query.maxKeys + 1) as SummaryRow[];
        for (const row of older) {
          if (entries.length === query.maxKeys) {
            const last = entries[entries.length - 1] as { kind: 'version'; object: ObjectSummary };
            return {
              entries,
              isTruncated: true,
              nextKeyMarker: last.object.key,
              nextVersionIdMarker: last.object.versionId,
            };
          }
          entries.push({ kind: 'version', object: toSummary(row) });
        }
      }
    }
    const page = await scanListing<SummaryRow>({
      prefix: query.prefix,
      delimiter: query.delimiter,
      after,
      maxKeys: query.maxKeys - entries.length,
      fetch: (from, upper, limit) =>
        fetchRange(bucketId, from, upper, limit, RANGE.versions(s), (row, n) =>
          // After a row: the rest of its key's versions (older first).
          s.olderVersions.all(bucketId, row.key, row.seq, n),
        ) as SummaryRow[],
    });
    for (const e of page.entries) entries.push(e.kind === 'prefix' ? e : { kind: 'version', object: toSummary(e.row) });
    if (!page.isTruncated) return { entries, isTruncated: false };
    const last = entries[entries.length - 1];
    if (!last) return { entries, isTruncated: false };
    return last.kind === 'prefix'
      ? { entries, isTruncated: true, nextKeyMarker: last.prefix }
      : { entries, isTruncated: true, nextKeyMarker: last.object.key, nextVersionIdMarker: last.object.versionId };
  }

  /**
   * Inserts a new latest version of a key. Without versioning Enabled the new version is the 'null'
   * version and replaces an existing 'null' version; the previous latest stops being latest.
   */
  /**
   * A listing with delimiter '/' from the directory index (migration 6): the page's common prefixes are
   * the child rows of the prefix's directory in `dirs`, its keys the current objects whose directory
   * that is (objects_by_dir); both are range scans, merged in key order. Only the runs of keys in the
   * page are then read, each with one range scan of the listing index, so a page of 1,000 prefixes
   * costs the same in a bucket of ten thousand keys or ten million. Undefined (the caller falls back to
   * the generic walk) if the rows read disagree with the index, which the triggers rule out.
   */
  #listByDirectory<R extends { key: string }>(bucketId: number, query: ListObjectsQuery): ScannedPage<R> | undefined {
    const s = this.#db.stmt;
    const { prefix, after, maxKeys } = query;
    if (prefix.includes('\0') || after.includes('\0') || s.dirsUnusable.get(bucketId) !== undefined) return undefined;
    const parent = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    // Children of `parent` all start with it; a prefix that goes further bounds them from above too.
    const upper = prefix === parent ? undefined : prefixSuccessor(prefix);
    if (prefix !== parent && upper === undefined) return undefined;
    const inclusive = compareKeys(after, prefix) < 0;
    const lower = inclusive ? prefix : after;
    const want = maxKeys + 1;
    const run = (stmts: [Statement, Statement, Statement, Statement]): string[] => {
      const [gt, ge, gtLt, geLt] = stmts;
      const stmt = upper === undefined ? (inclusive ? ge : gt) : inclusive ? geLt : gtLt;
      const args = upper === undefined ? [bucketId, parent, lower, want] : [bucketId, parent, lower, upper, want];
      return stmt
        .raw(false)
        .pluck(true)
        .all(...args) as string[];
    };
    const dirs = run([s.dirsGt, s.dirsGe, s.dirsGtLt, s.dirsGeLt]);
    const files = run([s.dirFilesGt, s.dirFilesGe, s.dirFilesGtLt, s.dirFilesGeLt]);
    // Merge: the first `want` of the union need only the first `want` of each list.
    const merged: { prefix?: string; key?: string }[] = [];
    for (let i = 0, j = 0; merged.length < want && (i < dirs.length || j < files.length); ) {
      if (j >= files.length || (i < dirs.length && compareKeys(dirs[i]!, files[j]!) < 0))
        merged.push({ prefix: dirs[i++]! });
      else merged.push({ key: files[j++]! });
    }
    const isTruncated = merged.length > maxKeys;
    if (isTruncated) merged.length = maxKeys;
    const entries: ScannedPage<R>['entries'] = [];
    for (let i = 0; i < merged.length; ) {
      const entry = merged[i]!;
      if (entry.prefix !== undefined) {
        entries.push({ kind: 'prefix', prefix: entry.prefix });
        i++;
        continue;
      }
      // A run of keys with no directory between them is contiguous in the listing index.
      let end = i;
      while (end < merged.length && merged[end]!.key !== undefined) end++;
      const rows = fetchRange(
        bucketId,
        { key: entry.key!, inclusive: true },
        undefined,
        end - i,
        RANGE.current(s),
      ) as R[];
      for (let k = i; k < end; k++) {
        if (rows[k - i]?.key !== merged[k]!.key) return undefined;
        entries.push({ kind: 'row', row: rows[k - i]! });
      }
      i = end;
    }
    const last = merged[merged.length - 1];
    return {
      entries,
      isTruncated,
      ...(isTruncated && last ? { nextAfter: last.prefix ?? last.key! } : {}),
    };
  }
}
