import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RequestCountRow, RequestCountStore } from '../stores/request-counts.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';
import { RequestCounter, requestSeries } from './request-counts.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2030, 0, 1, 12);

/** A store whose writes can be made to fail; it keeps every batch it accepted. */
function fakeStore() {
  const batches: RequestCountRow[][] = [];
  let failing = false;
  const store = {
    addRequestCounts: async (rows: readonly RequestCountRow[]) => {
      if (failing) throw new Error('database down');
      batches.push(rows.map((r) => ({ ...r })));
    },
  } as unknown as RequestCountStore;
  return {
    store,
    batches,
    fail(on: boolean) {
      failing = on;
    },
  };
}

function counter(store: RequestCountStore, clock: { now: number }, existing = ['b', 'c']) {
  return new RequestCounter({
    store,
    log,
    flushMs: 3_600_000,
    nowMs: () => clock.now,
    bucketExists: async (name) => existing.includes(name),
  });
}

describe('RequestCounter', () => {
  it('counts per minute, bucket and operation, and a flush writes each row once', async () => {
    const { store, batches } = fakeStore();
    const clock = { now: T0 + 5_000 };
    const c = counter(store, clock);
    c.record('b', 'GetObject', false, 0, 10);
    c.record('b', 'GetObject', true, 0, 200);
    c.record('b', 'PutObject', false, 7, 0);
    clock.now = T0 + 65_000;
    c.record('b', 'GetObject', false, 0, 1);
    await c.flush();
    expect(batches).toEqual([
      [
        { minuteMs: T0, bucket: 'b', operation: 'GetObject', requests: 2, errors: 1, bytesIn: 0, bytesOut: 210 },
        { minuteMs: T0, bucket: 'b', operation: 'PutObject', requests: 1, errors: 0, bytesIn: 7, bytesOut: 0 },
        { minuteMs: T0 + 60_000, bucket: 'b', operation: 'GetObject', requests: 1, errors: 0, bytesIn: 0, bytesOut: 1 },
      ],
    ]);
    // Nothing new: no write.
    await c.flush();
    expect(batches).toHaveLength(1);
    await c.close();
  });

  it('keeps the counts of a failed flush and adds them with the next one', async () => {
    const { store, batches, fail } = fakeStore();
    const clock = { now: T0 };
    const c = counter(store, clock);
    c.record('b', 'GetObject', false, 0, 0);
    fail(true);
    await c.flush();
    c.record('b', 'GetObject', false, 0, 0);
    c.record('c', 'HeadObject', false, 0, 0);
    fail(false);
    await c.flush();
    expect(batches).toEqual([
      [
        { minuteMs: T0, bucket: 'b', operation: 'GetObject', requests: 2, errors: 0, bytesIn: 0, bytesOut: 0 },
        { minuteMs: T0, bucket: 'c', operation: 'HeadObject', requests: 1, errors: 0, bytesIn: 0, bytesOut: 0 },
      ],
    ]);
    await c.close();
  });

  it('counts requests naming a bucket that does not exist under no bucket', async () => {
    const meta = new SqliteMetaStore({ filename: ':memory:', fsync: false });
    const clock = { now: T0 };
    const c = counter(meta, clock, ['b']);
    for (const name of ['b', 'made-up-1', 'made-up-2', 'made-up-2']) c.record(name, 'GetObject', true, 0, 0);
    c.record('', 'ListBuckets', false, 0, 0);
    await c.close();
    const range = { sinceMs: T0, untilMs: T0 + 60_000, stepMs: 60_000 };
    expect((await meta.requestCounts({ ...range, bucket: '' })).map((p) => [p.operation, p.requests])).toEqual([
      ['GetObject', 3],
      ['ListBuckets', 1],
    ]);
    expect((await meta.requestCounts({ ...range, bucket: 'made-up-2' })).length).toBe(0);
    expect((await meta.requestCounts({ ...range, bucket: 'b' }))[0]?.requests).toBe(1);
    await meta.close();
  });

  it('close() flushes what is left', async () => {
    const { store, batches } = fakeStore();
    const c = counter(store, { now: T0 });
    c.record('c', 'DeleteObject', false, 0, 0);
    await c.close();
    expect(batches.flat().map((r) => [r.bucket, r.operation, r.requests])).toEqual([['c', 'DeleteObject', 1]]);
  });
});

describe('requestSeries', () => {
  it('lists every interval, fills the counts in, and totals per operation, busiest first', async () => {
    const meta = new SqliteMetaStore({ filename: ':memory:', fsync: false });
    const row = (minute: number, operation: string, requests: number, errors = 0) => ({
      minuteMs: T0 + minute * 60_000,
      bucket: 'b',
      operation,
      requests,
      errors,
      bytesIn: requests,
      bytesOut: 0,
    });
    await meta.addRequestCounts([row(0, 'PutObject', 1), row(1, 'GetObject', 2, 1), row(4, 'GetObject', 3)]);
    const series = await requestSeries(meta, { bucket: 'b', sinceMs: T0, untilMs: T0 + 6 * 60_000, stepMs: 120_000 });
    expect(series.operations).toEqual(['GetObject', 'PutObject']);
    expect(series.intervals).toEqual([
      { startMs: T0, requests: { GetObject: 2, PutObject: 1 }, errors: 1 },
      { startMs: T0 + 120_000, requests: {}, errors: 0 },
      { startMs: T0 + 240_000, requests: { GetObject: 3 }, errors: 0 },
    ]);
    expect(series.totals).toEqual({
      GetObject: { requests: 5, errors: 1, bytesIn: 5, bytesOut: 0 },
      PutObject: { requests: 1, errors: 0, bytesIn: 1, bytesOut: 0 },
    });
    await meta.close();
  });
});
