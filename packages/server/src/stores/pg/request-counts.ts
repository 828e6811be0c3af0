import type { RequestCountPoint, RequestCountQuery, RequestCountRow, RequestCountStore } from '../request-counts.js';
import { mergeRequestCounts, type PointColumns, toRequestCountPoint } from '../sqlite/request-counts.js';
import type { PgDb } from './pg-db.js';

/**
 * Requests per minute, bucket and operation on PostgreSQL (migration 5), as sqlite/request-counts.ts.
 * A flush is one INSERT of all its rows (unnest), adding to the rows other gateways wrote; the rows
 * are sorted, so two gateways flushing at once take their row locks in one order.
 */
export class PgRequestCounts implements RequestCountStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  addRequestCounts(rows: readonly RequestCountRow[]): Promise<void> {
    const merged = mergeRequestCounts(rows);
    if (merged.length === 0) return Promise.resolve();
    const column = <K extends keyof RequestCountRow>(k: K) => merged.map((r) => r[k]);
    return this.#db.writes.run(async (tx) => {
      await tx.run(
        `INSERT INTO request_counts (minute_ms, bucket, operation, requests, errors, bytes_in, bytes_out)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
         ON CONFLICT (minute_ms, bucket, operation) DO UPDATE SET
           requests = request_counts.requests + excluded.requests, errors = request_counts.errors + excluded.errors,
           bytes_in = request_counts.bytes_in + excluded.bytes_in, bytes_out = request_counts.bytes_out + excluded.bytes_out`,
        [
          column('minuteMs'),
          column('bucket'),
          column('operation'),
          column('requests'),
          column('errors'),
          column('bytesIn'),
          column('bytesOut'),
        ],
      );
    });
  }

  async requestCounts(q: RequestCountQuery): Promise<RequestCountPoint[]> {
    const bucketFilter = q.bucket === undefined ? '' : 'AND bucket = $5';
    const rows = await this.#db.read.rows<PointColumns>(
      `SELECT $1::bigint + ((minute_ms - $1::bigint) / $2::bigint) * $2::bigint AS start_ms, operation,
              sum(requests)::bigint AS requests, sum(errors)::bigint AS errors,
              sum(bytes_in)::bigint AS bytes_in, sum(bytes_out)::bigint AS bytes_out
         FROM request_counts WHERE minute_ms >= $3 AND minute_ms < $4 ${bucketFilter}
        GROUP BY 1, operation ORDER BY 1, operation COLLATE "C"`,
      [q.sinceMs, q.stepMs, q.sinceMs, q.untilMs, ...(q.bucket === undefined ? [] : [q.bucket])],
    );
    return rows.map(toRequestCountPoint);
  }

  pruneRequestCounts(beforeMs: number): Promise<number> {
    return this.#db.writes.run((tx) => tx.run('DELETE FROM request_counts WHERE minute_ms < $1', [beforeMs]));
  }
}
