/**
 * Requests over time (issue 12): how many requests each (minute, bucket, operation) saw, summed over
 * every gateway. Each gateway counts in memory and adds its counts every few seconds
 * (engine/request-counts.ts), so the store only ever adds to a row: several gateways sharing one
 * PostgreSQL database add up instead of overwriting each other. Rows older than the retention are
 * pruned by the `gc` lease's holder.
 */

/** One minute's counts of one operation on one bucket (`bucket` is '' for requests naming none: ListBuckets). */
export interface RequestCountRow {
  /** Start of the minute, Unix epoch milliseconds (a multiple of 60000). */
  minuteMs: number;
  bucket: string;
  operation: string;
  requests: number;
  /** Requests answered with a status of 400 or more (or closed by the client before the answer). */
  errors: number;
  /** Request body bytes received (declared Content-Length). */
  bytesIn: number;
  /** Response body bytes sent (Content-Length of the answer). */
  bytesOut: number;
}

export interface RequestCountQuery {
  /** One bucket; absent: every bucket (and requests naming none). */
  bucket?: string;
  /** Minutes from `sinceMs` (inclusive) to `untilMs` (exclusive). */
  sinceMs: number;
  untilMs: number;
  /** Width of each returned interval, a multiple of 60000; intervals start at `sinceMs`. */
  stepMs: number;
}

/** The counts of one interval and operation: `startMs` = sinceMs + k × stepMs. */
export interface RequestCountPoint {
  startMs: number;
  operation: string;
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RequestCountStore {
  /**
   * Adds each row's figures to the stored row of its (minute, bucket, operation), creating it when
   * absent, in one transaction: `INSERT … ON CONFLICT DO UPDATE SET requests = requests + excluded.requests`.
   */
  addRequestCounts(rows: readonly RequestCountRow[]): Promise<void>;
  /** Sums per interval and operation, in order of `startMs` then operation; intervals with no requests are left out. */
  requestCounts(query: RequestCountQuery): Promise<RequestCountPoint[]>;
  /** Forgets the minutes before `beforeMs`; returns how many rows went. */
  pruneRequestCounts(beforeMs: number): Promise<number>;
}
