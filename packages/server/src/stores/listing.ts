import { compareKeys, prefixSuccessor } from './keys.js';

/** Where the next fetch starts: at a key (a seek), or right after a row already seen. */
export type ScanFrom<R> = { key: string; inclusive: boolean } | { row: R };

export interface ScanListingOptions<R extends { key: string }> {
  prefix: string;
  delimiter: string;
  /** Start strictly after this key ('' = from the start of the prefix). */
  after: string;
  maxKeys: number;
  /**
   * At most `limit` rows in listing order (key, then the store's order within a key) starting at
   * `from`, below `upper` when given. After a row, the store continues within that row's key first
   * (versions, uploads), then with the next key.
   */
  fetch(from: ScanFrom<R>, upper: string | undefined, limit: number): R[] | Promise<R[]>;
  /**
   * Optional fast path for runs of common prefixes: from `start` (inclusive), the first key, then
   * the first key after its common prefix, and so on while keys keep folding, at most `limit` keys
   * (the last one may not fold). A store answers this in one round trip (one recursive query).
   */
  foldRun?(start: string, upper: string | undefined, limit: number): string[] | Promise<string[]>;
}

export interface ScannedPage<R> {
  entries: ({ kind: 'row'; row: R } | { kind: 'prefix'; prefix: string })[];
  isTruncated: boolean;
  /** The last key or common prefix of a truncated page. */
  nextAfter?: string;
}

/** Rows fetched in one round trip at most (a full page plus the row that tells whether it is truncated). */
const MAX_CHUNK = 1001;

/**
 * The listing walk shared by every store (docs/ARCHITECTURE.md, "Listing"): seek to the marker through the
 * (bucket, key) index; when the delimiter folds a key into a common prefix, emit the prefix once and
 * seek past everything under it instead of scanning it. Rows come in chunks: one row right after a
 * seek (the delimiter may fold it at once), growing while rows keep being listed. So a page of folded
 * prefixes reads one row per prefix, a page of keys a few chunks, and a bucket of ten million keys
 * lists a page as fast as a bucket of ten. Asynchronous for the PostgreSQL store; the SQLite store's
 * fetches return at once, and awaiting them lets no write in between (writes run in setImmediate).
 */
export async function scanListing<R extends { key: string }>(options: ScanListingOptions<R>): Promise<ScannedPage<R>> {
  const { prefix, delimiter, after, maxKeys } = options;
  const upper = prefix === '' ? undefined : prefixSuccessor(prefix);
  const entries: ScannedPage<R>['entries'] = [];
  let from: ScanFrom<R> =
    compareKeys(after, prefix) >= 0 ? { key: after, inclusive: false } : { key: prefix, inclusive: true };
  let chunk = 1;
  let truncated = false;
  scan: for (;;) {
    // One row more than the page still needs: it tells whether the page is truncated.
    const want = Math.min(chunk, maxKeys - entries.length + 1, MAX_CHUNK);
    const rows = await options.fetch(from, upper, want);
    let seek: string | undefined;
    for (const row of rows) {
      const fold = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      if (fold >= 0) {
        const commonPrefix = row.key.slice(0, fold + delimiter.length);
        // A marker inside a common prefix means that prefix was already listed on an earlier page.
        if (!after.startsWith(commonPrefix)) {
          if (entries.length >= maxKeys) {
            truncated = true;
            break scan;
          }
          entries.push({ kind: 'prefix', prefix: commonPrefix });
        }
        seek = prefixSuccessor(commonPrefix);
        if (seek === undefined) break scan;
        break;
      }
      if (entries.length >= maxKeys) {
        truncated = true;
        break scan;
      }
      entries.push({ kind: 'row', row });
    }
    if (seek !== undefined) {
      if (upper !== undefined && compareKeys(seek, upper) >= 0) break;
      if (options.foldRun) {
        // Fold the run of prefixes that usually follows in one round trip; stop at the first key
        // that does not fold and list from there as usual.
        const keys = await options.foldRun(seek, upper, Math.min(maxKeys - entries.length + 1, MAX_CHUNK));
        let next: string | undefined = seek;
        for (const key of keys) {
          const fold = key.indexOf(delimiter, prefix.length);
          if (fold < 0) {
            next = key;
            break;
          }
          const commonPrefix = key.slice(0, fold + delimiter.length);
          if (!after.startsWith(commonPrefix)) {
            if (entries.length >= maxKeys) {
              truncated = true;
              break scan;
            }
            entries.push({ kind: 'prefix', prefix: commonPrefix });
          }
          next = prefixSuccessor(commonPrefix);
          if (next === undefined || (upper !== undefined && compareKeys(next, upper) >= 0)) break scan;
        }
        if (keys.length === 0) break;
        from = { key: next!, inclusive: true };
        chunk = 1;
        continue;
      }
      from = { key: seek, inclusive: true };
      chunk = 1;
      continue;
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < want) break;
    from = { row: last };
    chunk = Math.min(chunk * 8, MAX_CHUNK);
  }
  const last = entries[entries.length - 1];
  const nextAfter = !truncated || !last ? undefined : last.kind === 'prefix' ? last.prefix : last.row.key;
  return { entries, isTruncated: truncated, ...(nextAfter !== undefined ? { nextAfter } : {}) };
}
