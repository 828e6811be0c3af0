import { compareKeys, prefixSuccessor } from '../keys.js';
import { type ScannedPage, scanListing } from '../listing.js';
import { type SummaryRow, toSummary } from '../sqlite/rows.js';
import type {
  ListObjectsPage,
  ListObjectsQuery,
  ListVersionsPage,
  ListVersionsQuery,
  ObjectListingStore,
  ObjectSummary,
} from '../types.js';
import { delimiterIsPlain, escapeKey, unescapeKey, withKey } from './keys.js';
import type { PgDb } from './pg-db.js';
import { fetchRange, type Range } from './ranges.js';

const SUMMARY_COLUMNS =
  'key, version_id, seq, is_latest, is_delete_marker, size, etag, last_modified_ms, storage_class, owner_id';
// The plain listing reads only what the objects_current index covers (an index-only scan).
const CURRENT_COLUMNS = 'key, size, etag, last_modified_ms, storage_class, owner_id';
const VISIBLE = 'is_latest = 1 AND is_delete_marker = 0';

type CurrentRow = Pick<SummaryRow, 'key' | 'size' | 'etag' | 'last_modified_ms' | 'storage_class' | 'owner_id'>;

const CURRENT: Range<CurrentRow> = {
  select: `SELECT ${CURRENT_COLUMNS} FROM objects WHERE bucket_id = $1 AND ${VISIBLE}`,
  order: 'key',
};

/** ListObjects and ListObjectVersions: index range scans, O(page), as in stores/sqlite/object-listing.ts. */
export class PgObjectListing implements ObjectListingStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async #olderVersions(key: string, seq: number, limit: number, bucketId: number): Promise<SummaryRow[]> {
    const rows = await this.#db.read.rows<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM objects WHERE bucket_id = $1 AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`,
      [bucketId, escapeKey(key), seq, limit],
    );
    return rows.map(withKey);
  }

  async listObjects(bucketId: number, query: ListObjectsQuery): Promise<ListObjectsPage> {
    const read = this.#db.read;
    // The recursive fold computes a prefix's successor by adding 1 to its last code point, which is
    // right unless that would land in the surrogates or past U+10FFFF (then the generic path runs).
    const last = query.delimiter === '' ? 0 : query.delimiter.codePointAt(query.delimiter.length - 1)!;
    const foldable = query.delimiter !== '' && last !== 0xd7ff && last < 0x10ffff && delimiterIsPlain(query.delimiter);
    const prefixLength = [...escapeKey(query.prefix)].length;
    const delimiterLength = [...query.delimiter].length;
    const page =
      (query.delimiter === '/' ? await this.#listByDirectory(bucketId, query) : undefined) ??
      (await scanListing<CurrentRow>({
        ...query,
        ...(foldable
          ? {
              foldRun: async (start: string, upper: string | undefined, limit: number) => {
                const seek = (bound: string) =>
                  `SELECT key FROM objects WHERE bucket_id = $1 AND ${VISIBLE} AND key >= ${bound}
                   ${upper === undefined ? '' : 'AND key < $7'} ORDER BY key LIMIT 1`;
                // One round trip for a run of common prefixes: from a start key, repeatedly seek to
                // the first key after the previous key's common prefix, whose successor is computed
                // in SQL (the common prefix minus its last character, plus that character + 1).
                const rows = await read.rows<{ k: string }>(
                  `WITH RECURSIVE walk(k, n) AS (
                    SELECT (${seek('$2')}), 1
                    UNION ALL
                    SELECT (${seek(`(left(walk.k, $3 + strpos(substr(walk.k, $3 + 1), $4) + $5 - 2)
                        || chr(ascii(substr(walk.k, $3 + strpos(substr(walk.k, $3 + 1), $4) + $5 - 1, 1)) + 1))
                        COLLATE "C"`)}), n + 1
                    FROM walk WHERE walk.k IS NOT NULL AND strpos(substr(walk.k, $3 + 1), $4) > 0 AND n < $6
                  )
                  SELECT k FROM walk WHERE k IS NOT NULL`,
                  [
                    bucketId,
                    escapeKey(start),
                    prefixLength,
                    query.delimiter,
                    delimiterLength,
                    limit,
                    ...(upper === undefined ? [] : [escapeKey(upper)]),
                  ],
                );
                return rows.map((r) => unescapeKey(r.k));
              },
            }
          : {}),
        fetch: (from, upper, limit) => fetchRange(read, CURRENT, bucketId, from, upper, limit),
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

  /**
   * A listing with delimiter '/' from the directory index (as on SQLite): the page's common prefixes
   * are the child rows of the prefix's directory in `dirs`, its keys the current objects whose
   * directory that is (objects_by_dir); two range scans, run at once on two connections, merged in
   * key order. A page costs the same in a bucket of ten thousand keys or ten million. Works on
   * escaped keys throughout ('/' is never escaped, and escaping keeps the order).
   */
  async #listByDirectory(bucketId: number, query: ListObjectsQuery): Promise<ScannedPage<CurrentRow> | undefined> {
    const read = this.#db.read;
    const prefix = escapeKey(query.prefix);
    const after = escapeKey(query.after);
    const { maxKeys } = query;
    const parent = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    // Children of `parent` all start with it; a prefix that goes further bounds them from above too.
    const upper = prefix === parent ? undefined : prefixSuccessor(prefix);
    if (prefix !== parent && upper === undefined) return undefined;
    const inclusive = compareKeys(after, prefix) < 0;
    const lower = inclusive ? prefix : after;
    const want = maxKeys + 1;
    const range = (column: string) =>
      `${column} ${inclusive ? '>=' : '>'} $3 ${upper === undefined ? '' : `AND ${column} < $5`} ORDER BY ${column} LIMIT $4`;
    const values = [bucketId, parent, lower, want, ...(upper === undefined ? [] : [upper])];
    const [dirs, files] = await Promise.all([
      read.rows<{ path: string }>(
        `SELECT path FROM dirs WHERE bucket_id = $1 AND parent = $2 AND ${range('path')}`,
        values,
      ),
      read.rows<CurrentRow>(
        `SELECT ${CURRENT_COLUMNS} FROM objects WHERE bucket_id = $1 AND dir = $2 AND ${VISIBLE} AND ${range('key')}`,
        values,
      ),
    ]);
    // Merge: the first `want` of the union need only the first `want` of each list.
    const merged: ({ kind: 'prefix'; prefix: string } | { kind: 'row'; row: CurrentRow })[] = [];
    for (let i = 0, j = 0; merged.length < want && (i < dirs.length || j < files.length); ) {
      if (j >= files.length || (i < dirs.length && compareKeys(dirs[i]!.path, files[j]!.key) < 0))
        merged.push({ kind: 'prefix', prefix: dirs[i++]!.path });
      else merged.push({ kind: 'row', row: files[j++]! });
    }
    const isTruncated = merged.length > maxKeys;
    if (isTruncated) merged.length = maxKeys;
    const entries = merged.map((e) =>
      e.kind === 'prefix' ? { kind: 'prefix' as const, prefix: unescapeKey(e.prefix) } : { ...e, row: withKey(e.row) },
    );
    const last = entries[entries.length - 1];
    return {
      entries,
      isTruncated,
      ...(isTruncated && last ? { nextAfter: last.kind === 'prefix' ? last.prefix : last.row.key } : {}),
    };
  }

  async listObjectVersions(bucketId: number, query: ListVersionsQuery): Promise<ListVersionsPage> {
    const entries: ListVersionsPage['entries'] = [];
    const after = query.keyMarker;
    // Continue inside the marker key first: its versions older than the version-id marker.
    if (query.keyMarker !== '' && query.versionIdMarker !== '') {
      const marker = await this.#db.byVersion(this.#db.read, bucketId, query.keyMarker, query.versionIdMarker);
      if (marker) {
        const older = await this.#olderVersions(query.keyMarker, marker.seq, query.maxKeys + 1, bucketId);
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
        fetchRange(
          this.#db.read,
          {
            select: `SELECT ${SUMMARY_COLUMNS} FROM objects WHERE bucket_id = $1`,
            order: 'key, seq DESC',
            // After a row: the rest of its key's versions (older first).
            withinKey: (row, n) => this.#olderVersions(row.key, row.seq, n, bucketId),
          },
          bucketId,
          from,
          upper,
          limit,
        ),
    });
    for (const e of page.entries) entries.push(e.kind === 'prefix' ? e : { kind: 'version', object: toSummary(e.row) });
    if (!page.isTruncated) return { entries, isTruncated: false };
    const last = entries[entries.length - 1];
    if (!last) return { entries, isTruncated: false };
    return last.kind === 'prefix'
      ? { entries, isTruncated: true, nextKeyMarker: last.prefix }
      : { entries, isTruncated: true, nextKeyMarker: last.object.key, nextVersionIdMarker: last.object.versionId };
  }
}
