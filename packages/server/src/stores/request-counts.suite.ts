import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestCountRow } from './request-counts.js';
import type { MetadataStore } from './types.js';

const MIN = 60_000;
/** A minute well inside any range below: 2026-12-01 00:00 UTC. */
const T0 = Date.UTC(2026, 11, 1);

function row(minute: number, bucket: string, operation: string, requests: number, more: Partial<RequestCountRow> = {}) {
  return { minuteMs: T0 + minute * MIN, bucket, operation, requests, errors: 0, bytesIn: 0, bytesOut: 0, ...more };
}

/**
 * The contract of the request counts (stores/request-counts.ts), run against every MetadataStore
 * implementation, beside metaStoreSuite: counts add up (several gateways flush into one row), sums
 * come per interval and operation, and pruning forgets old minutes only.
 */
export function requestCountsSuite(name: string, open: () => Promise<MetadataStore>): void {
  describe(`request counts: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('adds to the row of a (minute, bucket, operation) instead of replacing it', async () => {
      await store.addRequestCounts([row(0, 'b', 'GetObject', 2, { errors: 1, bytesOut: 10 })]);
      // A second gateway's flush of the same minute, and a batch naming one key twice.
      await store.addRequestCounts([
        row(0, 'b', 'GetObject', 3, { bytesOut: 5 }),
        row(0, 'b', 'GetObject', 1, { errors: 2, bytesIn: 7 }),
      ]);
      expect(await store.requestCounts({ bucket: 'b', sinceMs: T0, untilMs: T0 + MIN, stepMs: MIN })).toEqual([
        { startMs: T0, operation: 'GetObject', requests: 6, errors: 3, bytesIn: 7, bytesOut: 15 },
      ]);
    });

    it('adds concurrent flushes of the same rows without losing any', async () => {
      const batch = [row(0, 'b', 'PutObject', 1), row(0, 'c', 'PutObject', 1), row(1, 'b', 'PutObject', 1)];
      await Promise.all(Array.from({ length: 20 }, () => store.addRequestCounts(batch)));
      const sums = await store.requestCounts({ sinceMs: T0, untilMs: T0 + 2 * MIN, stepMs: 2 * MIN });
      expect(sums).toEqual([{ startMs: T0, operation: 'PutObject', requests: 60, errors: 0, bytesIn: 0, bytesOut: 0 }]);
    });

    it('sums per interval from sinceMs and per operation, for one bucket or all, within [since, until)', async () => {
      await store.addRequestCounts([
        row(-1, 'b', 'GetObject', 100), // before the range
        row(0, 'b', 'GetObject', 1),
        row(4, 'b', 'GetObject', 2),
        row(4, 'b', 'PutObject', 3),
        row(5, 'b', 'GetObject', 4),
        row(5, 'c', 'GetObject', 5),
        row(5, '', 'ListBuckets', 6),
        row(10, 'b', 'GetObject', 100), // at until: outside
      ]);
      const range = { sinceMs: T0, untilMs: T0 + 10 * MIN, stepMs: 5 * MIN };
      expect(await store.requestCounts({ ...range, bucket: 'b' })).toEqual([
        { startMs: T0, operation: 'GetObject', requests: 3, errors: 0, bytesIn: 0, bytesOut: 0 },
        { startMs: T0, operation: 'PutObject', requests: 3, errors: 0, bytesIn: 0, bytesOut: 0 },
        { startMs: T0 + 5 * MIN, operation: 'GetObject', requests: 4, errors: 0, bytesIn: 0, bytesOut: 0 },
      ]);
      expect(await store.requestCounts(range)).toEqual([
        { startMs: T0, operation: 'GetObject', requests: 3, errors: 0, bytesIn: 0, bytesOut: 0 },
        { startMs: T0, operation: 'PutObject', requests: 3, errors: 0, bytesIn: 0, bytesOut: 0 },
        { startMs: T0 + 5 * MIN, operation: 'GetObject', requests: 9, errors: 0, bytesIn: 0, bytesOut: 0 },
        { startMs: T0 + 5 * MIN, operation: 'ListBuckets', requests: 6, errors: 0, bytesIn: 0, bytesOut: 0 },
      ]);
      // Intervals start at sinceMs, not at a multiple of the step.
      expect(
        (await store.requestCounts({ bucket: 'b', sinceMs: T0 + 3 * MIN, untilMs: T0 + 9 * MIN, stepMs: 2 * MIN })).map(
          (p) => [(p.startMs - T0) / MIN, p.operation, p.requests],
        ),
      ).toEqual([
        [3, 'GetObject', 2],
        [3, 'PutObject', 3],
        [5, 'GetObject', 4],
      ]);
      expect(await store.requestCounts({ ...range, bucket: 'none' })).toEqual([]);
    });

    it('prunes the minutes before a time and keeps the rest', async () => {
      await store.addRequestCounts([row(0, 'b', 'GetObject', 1), row(1, 'b', 'GetObject', 2), row(2, 'c', 'X', 3)]);
      expect(await store.pruneRequestCounts(T0 + 2 * MIN)).toBe(2);
      expect(await store.pruneRequestCounts(T0 + 2 * MIN)).toBe(0);
      expect(await store.requestCounts({ sinceMs: 0, untilMs: T0 + 60 * MIN, stepMs: T0 + 60 * MIN })).toEqual([
        { startMs: 0, operation: 'X', requests: 3, errors: 0, bytesIn: 0, bytesOut: 0 },
      ]);
    });
  });
}
