import type { ScanFrom } from '../listing.js';
import { escapeKey, withKey } from './keys.js';
import type { Sql } from './pg-db.js';

/**
 * One listing's range reads (stores/listing.ts `fetch`): `select` is a SELECT … FROM … WHERE
 * bucket_id = $1 [AND …] to which the key range, the order and the limit are added, so each read is
 * one index range scan (`key > $2 AND key < $3 ORDER BY key LIMIT $4`): O(page), at any bucket size.
 * Keys go in escaped and come out unescaped (pg/keys.ts).
 */
export interface Range<R> {
  select: string;
  /** ORDER BY of the listing: key first, then the order within a key. */
  order: string;
  /** After a row: the rest of its key's rows (versions, uploads), in the listing's order. */
  withinKey?: (row: R, limit: number) => Promise<R[]>;
}

export async function fetchRange<R extends { key: string }>(
  sql: Sql,
  range: Range<R>,
  bucketId: number,
  from: ScanFrom<R>,
  upper: string | undefined,
  limit: number,
): Promise<R[]> {
  if (!('row' in from)) return rangeRows(sql, range, bucketId, from.key, from.inclusive, upper, limit);
  const rows = range.withinKey ? await range.withinKey(from.row, limit) : [];
  if (rows.length < limit)
    rows.push(...(await rangeRows(sql, range, bucketId, from.row.key, false, upper, limit - rows.length)));
  return rows;
}

async function rangeRows<R extends { key: string }>(
  sql: Sql,
  range: Range<R>,
  bucketId: number,
  lower: string,
  inclusive: boolean,
  upper: string | undefined,
  limit: number,
): Promise<R[]> {
  const text =
    upper === undefined
      ? `${range.select} AND key ${inclusive ? '>=' : '>'} $2 ORDER BY ${range.order} LIMIT $3`
      : `${range.select} AND key ${inclusive ? '>=' : '>'} $2 AND key < $3 ORDER BY ${range.order} LIMIT $4`;
  const values =
    upper === undefined ? [bucketId, escapeKey(lower), limit] : [bucketId, escapeKey(lower), escapeKey(upper), limit];
  return (await sql.rows<R>(text, values)).map(withKey);
}
