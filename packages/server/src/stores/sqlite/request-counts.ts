import type { RequestCountPoint, RequestCountQuery, RequestCountRow, RequestCountStore } from '../request-counts.js';
import type { SqliteDb } from './sqlite-db.js';
import type { Statement } from './statements.js';
import type { WriteBatcher } from './write-batcher.js';

/** A row of both stores' interval sums. */
export interface PointColumns {
  start_ms: number;
  operation: string;
  requests: number;
  errors: number;
  bytes_in: number;
  bytes_out: number;
}

export function toRequestCountPoint(r: PointColumns): RequestCountPoint {
  return {
    startMs: r.start_ms,
    operation: r.operation,
    requests: r.requests,
    errors: r.errors,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
  };
}

/**
 * Rows with one (minute, bucket, operation) merged into one, sorted by that key. PostgreSQL refuses a
 * statement that updates one row twice, and two gateways adding their rows in one order never
 * deadlock on each other's row locks.
 */
export function mergeRequestCounts(rows: readonly RequestCountRow[]): RequestCountRow[] {
  const merged = new Map<string, RequestCountRow>();
  for (const row of rows) {
    const key = `${row.minuteMs}\n${row.bucket}\n${row.operation}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...row });
    else {
      seen.requests += row.requests;
      seen.errors += row.errors;
      seen.bytesIn += row.bytesIn;
      seen.bytesOut += row.bytesOut;
    }
  }
  return [...merged.values()].sort(
    (a, b) =>
      a.minuteMs - b.minuteMs ||
      (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.operation < b.operation ? -1 : 1),
  );
}

/**
 * The interval sums' SELECT: ?1 the first interval's start, ?2 the width, ?3 the range's end, ?4 the
 * bucket (numbered parameters are bound by an object). The quotient is CAST: better-sqlite3 binds
 * numbers as REAL, which divide exactly.
 */
const SUMS = (bucketFilter: string) =>
  `SELECT ?1 + CAST((minute_ms - ?1) / ?2 AS INTEGER) * ?2 AS start_ms, operation,
          sum(requests) AS requests, sum(errors) AS errors, sum(bytes_in) AS bytes_in, sum(bytes_out) AS bytes_out
     FROM request_counts WHERE minute_ms >= ?1 AND minute_ms < ?3 ${bucketFilter}
    GROUP BY start_ms, operation ORDER BY start_ms, operation`;

/** Requests per minute, bucket and operation in SQLite (migration 20), as stores/request-counts.ts describes. */
export class SqliteRequestCounts implements RequestCountStore {
  readonly #writes: WriteBatcher;
  readonly #s: Record<'add' | 'all' | 'bucket' | 'prune', Statement>;

  constructor(sqlite: SqliteDb) {
    this.#writes = sqlite.writes;
    const p = (sql: string): Statement => sqlite.db.prepare(sql);
    this.#s = {
      add: p(
        `INSERT INTO request_counts (minute_ms, bucket, operation, requests, errors, bytes_in, bytes_out)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (minute_ms, bucket, operation) DO UPDATE SET
           requests = requests + excluded.requests, errors = errors + excluded.errors,
           bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out`,
      ),
      all: p(SUMS('')),
      bucket: p(SUMS('AND bucket = ?4')),
      prune: p('DELETE FROM request_counts WHERE minute_ms < ?'),
    };
  }

  /** Lazy, as the access log spool: counts need no fsync of their own (a power loss may lose a second of them). */
  addRequestCounts(rows: readonly RequestCountRow[]): Promise<void> {
    const merged = mergeRequestCounts(rows);
    if (merged.length === 0) return Promise.resolve();
    return this.#writes.run(
      () => {
        for (const r of merged) {
          this.#s.add.run(r.minuteMs, r.bucket, r.operation, r.requests, r.errors, r.bytesIn, r.bytesOut);
        }
      },
      { lazy: true },
    );
  }

  async requestCounts(q: RequestCountQuery): Promise<RequestCountPoint[]> {
    const args = { 1: q.sinceMs, 2: q.stepMs, 3: q.untilMs };
    const rows = q.bucket === undefined ? this.#s.all.all(args) : this.#s.bucket.all({ ...args, 4: q.bucket });
    return (rows as PointColumns[]).map(toRequestCountPoint);
  }

  pruneRequestCounts(beforeMs: number): Promise<number> {
    return this.#writes.run(() => this.#s.prune.run(beforeMs).changes);
  }
}
