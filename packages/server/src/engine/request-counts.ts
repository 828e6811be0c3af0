import type { Logger } from 'pino';
import type { RequestCountRow, RequestCountStore } from '../stores/request-counts.js';

const MINUTE_MS = 60_000;
/**
 * Rows kept in memory at most when flushes keep failing (the database down): beyond it the oldest
 * minutes' counts are dropped rather than let a long outage grow the heap without bound.
 */
const MAX_PENDING_ROWS = 100_000;

/** What the counts of a request to a bucket that does not exist are kept under: no bucket, as ListBuckets. */
const NO_BUCKET = '';

/**
 * Counts requests per (minute, bucket, operation) in memory and adds them to the metadata store
 * every `flushMs` (issue 12). A request costs a Map update; a flush is one group-committed write of
 * every row since the last. Flushes add (stores/request-counts.ts), so several gateways sharing a
 * database sum up. What a crash loses is what was counted since the last flush; close() flushes.
 *
 * Anyone can send requests naming any bucket: a flush keeps a bucket's name only when the bucket
 * exists (`bucketExists`, one cached lookup per name and flush), and counts the others under no
 * bucket, so made-up names never grow the table; between flushes, past MAX_PENDING_ROWS rows new
 * names are counted under no bucket at once.
 */
export class RequestCounter {
  readonly #store: RequestCountStore;
  readonly #log: Logger;
  readonly #nowMs: () => number;
  #pending = new Map<string, RequestCountRow>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  readonly #bucketExists: (name: string) => Promise<boolean>;

  constructor(options: {
    store: RequestCountStore;
    log: Logger;
    flushMs: number;
    bucketExists: (name: string) => Promise<boolean>;
    nowMs?: () => number;
  }) {
    this.#store = options.store;
    this.#bucketExists = options.bucketExists;
    this.#log = options.log;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#timer = setInterval(() => void this.flush(), options.flushMs);
    this.#timer.unref();
  }

  /** A request finished: `error` when its status was 400 or more (or the client left before the answer). */
  record(bucket: string, operation: string, error: boolean, bytesIn: number, bytesOut: number): void {
    const nowMs = this.#nowMs();
    const minuteMs = nowMs - (nowMs % MINUTE_MS);
    let key = `${minuteMs}\n${bucket}\n${operation}`;
    let row = this.#pending.get(key);
    if (!row && this.#pending.size >= MAX_PENDING_ROWS && bucket !== NO_BUCKET) {
      bucket = NO_BUCKET;
      key = `${minuteMs}\n${bucket}\n${operation}`;
      row = this.#pending.get(key);
    }
    if (!row) {
      row = { minuteMs, bucket, operation, requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };
      this.#pending.set(key, row);
    }
    addCounts(row, { requests: 1, errors: error ? 1 : 0, bytesIn, bytesOut });
  }

  /** Adds what was counted since the last flush to the store; one flush at a time (a second call joins it). */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const taken = this.#pending;
    this.#pending = new Map();
    try {
      const known = new Map<string, boolean>();
      for (const row of taken.values()) {
        if (row.bucket !== NO_BUCKET && !known.has(row.bucket)) {
          known.set(row.bucket, await this.#bucketExists(row.bucket));
        }
      }
      // The store merges rows that now share a key (several unknown names in one minute).
      await this.#store.addRequestCounts(
        [...taken.values()].map((row) => (known.get(row.bucket) === false ? { ...row, bucket: NO_BUCKET } : row)),
      );
    } catch (err) {
      // Nothing of the failed batch was added (one transaction): count it again with the next flush,
      // older minutes first, so that the cap below drops the oldest.
      for (const [key, row] of this.#pending) {
        const before = taken.get(key);
        if (before) addCounts(before, row);
        else taken.set(key, row);
      }
      this.#pending = taken;
      let excess = taken.size - MAX_PENDING_ROWS;
      for (const key of taken.keys()) {
        if (excess-- <= 0) break;
        taken.delete(key);
      }
      this.#log.warn({ err, rows: taken.size }, 'request counts flush failed; retried with the next flush');
    }
  }

  /** Stops the timer and flushes what is left (graceful stop: after the last request, before the store closes). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush();
  }
}

/** Adds `more`'s four counts into `into`. */
function addCounts(into: RequestTotals, more: RequestTotals): void {
  into.requests += more.requests;
  into.errors += more.errors;
  into.bytesIn += more.bytesIn;
  into.bytesOut += more.bytesOut;
}

/** Requests of one operation over the range (RequestCountPoint without its interval). */
export interface RequestTotals {
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RequestSeries {
  /** Operations seen in the range, most requests first. */
  operations: string[];
  /** Every interval of the range, in order, empty ones included (a chart draws them as 0). */
  intervals: { startMs: number; requests: Record<string, number>; errors: number }[];
  totals: Record<string, RequestTotals>;
}

/**
 * Requests by operation over `[sinceMs, untilMs)` in intervals of `stepMs` from `sinceMs`, for one
 * bucket or all: the store's sums, with the empty intervals filled in and totals per operation.
 */
export async function requestSeries(
  store: RequestCountStore,
  query: { bucket?: string; sinceMs: number; untilMs: number; stepMs: number },
): Promise<RequestSeries> {
  const points = await store.requestCounts(query);
  const intervals: RequestSeries['intervals'] = [];
  for (let t = query.sinceMs; t < query.untilMs; t += query.stepMs)
    intervals.push({ startMs: t, requests: {}, errors: 0 });
  const totals: Record<string, RequestTotals> = {};
  for (const p of points) {
    const interval = intervals[Math.floor((p.startMs - query.sinceMs) / query.stepMs)];
    if (!interval) continue;
    interval.requests[p.operation] = p.requests;
    interval.errors += p.errors;
    addCounts((totals[p.operation] ??= { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 }), p);
  }
  const operations = Object.keys(totals).sort((a, b) => totals[b]!.requests - totals[a]!.requests || (a < b ? -1 : 1));
  return { operations, intervals, totals };
}
