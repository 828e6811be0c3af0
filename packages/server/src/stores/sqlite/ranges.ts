import type { ScanFrom } from '../listing.js';
import type { Statements } from './sqlite-db.js';
import type { Statement } from './statements.js';

/** The four range statements of one listing: `key >` / `key >=` a lower bound, with or without `key <` an upper one. */
interface RangeStatements {
  gt: Statement;
  ge: Statement;
  gtLt: Statement;
  geLt: Statement;
}

export const RANGE = {
  current: (s: Statements): RangeStatements => ({
    gt: s.currentGt,
    ge: s.currentGe,
    gtLt: s.currentGtLt,
    geLt: s.currentGeLt,
  }),
  versions: (s: Statements): RangeStatements => ({
    gt: s.versionsGt,
    ge: s.versionsGe,
    gtLt: s.versionsGtLt,
    geLt: s.versionsGeLt,
  }),
  uploads: (s: Statements): RangeStatements => ({
    gt: s.uploadsGt,
    ge: s.uploadsGe,
    gtLt: s.uploadsGtLt,
    geLt: s.uploadsGeLt,
  }),
};

/**
 * A listing's fetch (stores/listing.ts): from a key, or after a row — first the rest of that row's
 * key (`withinKey`, for listings with several rows per key), then the keys after it.
 */
export function fetchRange<R extends { key: string }>(
  bucketId: number,
  from: ScanFrom<R>,
  upper: string | undefined,
  limit: number,
  range: RangeStatements,
  withinKey?: (row: R, limit: number) => unknown[],
): unknown[] {
  if (!('row' in from)) {
    return rangeAll(
      from.inclusive ? range.ge : range.gt,
      from.inclusive ? range.geLt : range.gtLt,
      bucketId,
      from.key,
      upper,
      limit,
    );
  }
  const rows = withinKey ? withinKey(from.row, limit) : [];
  if (rows.length < limit)
    rows.push(...rangeAll(range.gt, range.gtLt, bucketId, from.row.key, upper, limit - rows.length));
  return rows;
}

/** Runs a range statement: `key > / >= lower` (which one is the caller's choice of statement), `< upper` when given. */
function rangeAll(
  open: Statement,
  bounded: Statement,
  bucketId: number,
  lower: string,
  upper: string | undefined,
  limit: number,
): unknown[] {
  if (limit === 1) {
    // The probe after every folded prefix: get() skips building a result array.
    const row = upper === undefined ? open.get(bucketId, lower, 1) : bounded.get(bucketId, lower, upper, 1);
    return row === undefined ? [] : [row];
  }
  return upper === undefined ? open.all(bucketId, lower, limit) : bounded.all(bucketId, lower, upper, limit);
}
