import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../engine/engine.js';
import { type BackgroundWork, startBackgroundWork } from './background.js';
import { leaseDatabase } from './lease-test-kit.js';

const log = pino({ level: 'silent' });
const TTL = 30_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What the workers call of an Engine, counting calls; a dead gateway's engine does nothing. */
function fakeEngine() {
  const calls = { gc: 0, lifecycle: [] as number[], logDeliveries: 0, inventories: 0, prunedBefore: [] as number[] };
  let dead = false;
  const engine = {
    collectGarbage: async () => {
      if (!dead) calls.gc++;
      return 0;
    },
    runLifecycle: async () => {
      if (!dead) calls.lifecycle.push(Date.now());
      return { finished: true };
    },
    accessLog: {
      deliver: async () => {
        if (!dead) calls.logDeliveries++;
        return { delivered: 0, records: 0, failed: 0, alreadyThere: 0 };
      },
      settle: async () => {},
    },
    pruneRequestCounts: async (beforeMs: number) => {
      if (!dead) calls.prunedBefore.push(beforeMs);
      return 0;
    },
    runDueInventories: async () => {
      if (!dead) calls.inventories++;
      return { ran: 0, failed: 0 };
    },
    ctx: { meta: { unfinishedLifecycleRun: async () => undefined } },
  } as unknown as Engine;
  return {
    engine,
    calls,
    die() {
      dead = true;
    },
  };
}

describe('background work under leases: two gateways on one database', () => {
  let db: ReturnType<typeof leaseDatabase>;

  beforeEach(() => {
    vi.useFakeTimers();
    db = leaseDatabase(2);
  });
  afterEach(async () => {
    db.stall(0);
    db.stall(1);
    vi.useRealTimers();
    await db.close();
  });

  const start = (i: number, engine: Engine, lifecycleHourUtc: number, retentionDays?: number): BackgroundWork =>
    startBackgroundWork({
      engine,
      leases: db.leases[i]!,
      clock: { nowMs: () => Date.now() },
      leaseTtlMs: TTL,
      lifecycleHourUtc,
      gcIntervalMs: lifecycleHourUtc < 0 ? 5_000 : HOUR_MS,
      ...(retentionDays !== undefined ? { requestCountsRetentionDays: retentionDays } : {}),
      log,
      holder: `gw-${i}`,
    });

  it('GC runs on exactly one gateway, and moves within the TTL when that one dies', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 12));
    const a = fakeEngine();
    const b = fakeEngine();
    const workA = start(0, a.engine, -1);
    await vi.advanceTimersByTimeAsync(0);
    const workB = start(1, b.engine, -1);
    const bothHeld = () => workA.keepers[0]!.held() && workB.keepers[0]!.held();
    for (let s = 0; s < 60; s++) {
      await vi.advanceTimersByTimeAsync(1_000);
      expect(bothHeld()).toBe(false);
    }
    expect(a.calls.gc).toBeGreaterThanOrEqual(11);
    expect(b.calls.gc).toBe(0);

    // gw-0 freezes: its lease calls hang and its engine does nothing more.
    db.stall(0);
    a.die();
    const diedAt = Date.now();
    let takenAt: number | undefined;
    for (let s = 0; s < 60; s++) {
      await vi.advanceTimersByTimeAsync(1_000);
      expect(bothHeld()).toBe(false);
      if (takenAt === undefined && workB.keepers[0]!.held()) takenAt = Date.now();
    }
    // Taken over after the TTL and within one renewal period of it.
    expect(takenAt! - diedAt).toBeGreaterThanOrEqual(TTL - TTL / 3);
    expect(takenAt! - diedAt).toBeLessThanOrEqual(TTL + TTL / 3 + 1_000);
    expect(b.calls.gc).toBeGreaterThanOrEqual(5);
  });

  it('request counts past the retention are pruned by the GC holder only, once an hour', async () => {
    const t0 = Date.UTC(2030, 0, 1, 12);
    vi.setSystemTime(t0);
    const a = fakeEngine();
    const b = fakeEngine();
    const workA = start(0, a.engine, -1, 7);
    await vi.advanceTimersByTimeAsync(0);
    const workB = start(1, b.engine, -1, 7);
    await vi.advanceTimersByTimeAsync(2 * HOUR_MS + 10_000);
    expect(b.calls.prunedBefore).toEqual([]);
    expect(a.calls.prunedBefore).toHaveLength(3);
    // Each cut is 7 days before the pass that made it; passes an hour apart.
    const first = a.calls.prunedBefore[0]!;
    expect(first - (t0 - 7 * DAY_MS)).toBeGreaterThan(0);
    expect(first - (t0 - 7 * DAY_MS)).toBeLessThanOrEqual(10_000);
    expect(a.calls.prunedBefore[1]! - first).toBeGreaterThanOrEqual(HOUR_MS);
    expect(a.calls.prunedBefore[1]! - first).toBeLessThan(HOUR_MS + 10_000);
    await workA.stop();
    await workB.stop();
  });

  it('a clean stop hands GC over at once', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 12));
    const a = fakeEngine();
    const b = fakeEngine();
    const workA = start(0, a.engine, -1);
    await vi.advanceTimersByTimeAsync(0);
    const workB = start(1, b.engine, -1);
    await vi.advanceTimersByTimeAsync(1_000);
    await workA.stop();
    await vi.advanceTimersByTimeAsync(TTL / 3 + 1);
    expect(workB.keepers[0]!.held()).toBe(true);
  });

  it('the daily lifecycle pass runs once a day on the holder; a pass missed by a dead holder is caught up', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 1, 0));
    const a = fakeEngine();
    const b = fakeEngine();
    start(0, a.engine, 2);
    await vi.advanceTimersByTimeAsync(0);
    start(1, b.engine, 2);
    // The first holder ever records "now" rather than running a pass at once.
    await vi.advanceTimersByTimeAsync(HOUR_MS - 1);
    expect([a.calls.lifecycle.length, b.calls.lifecycle.length]).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.calls.lifecycle).toEqual([Date.UTC(2030, 0, 1, 2)]);
    expect(b.calls.lifecycle).toEqual([]);

    // gw-0 dies ten seconds before the next day's pass: nobody runs it at 02:00 …
    await vi.advanceTimersByTimeAsync(DAY_MS - 10_000);
    db.stall(0);
    a.die();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.calls.lifecycle).toEqual([]);
    // … gw-1 takes the lease over when it lapses, sees the missed pass and runs it.
    await vi.advanceTimersByTimeAsync(TTL + TTL / 3);
    expect(b.calls.lifecycle).toHaveLength(1);
    expect(b.calls.lifecycle[0]! - Date.UTC(2030, 0, 2, 2)).toBeLessThanOrEqual(TTL + TTL / 3);
    // And from then on once a day, not twice.
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(b.calls.lifecycle).toHaveLength(2);
    expect(b.calls.lifecycle[1]).toBe(Date.UTC(2030, 0, 3, 2));
    expect(a.calls.lifecycle).toHaveLength(1);
  });

  it('access log delivery and inventory reports run on exactly one gateway, and move when it dies', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 12));
    const a = fakeEngine();
    const b = fakeEngine();
    const startJobs = (i: number, engine: Engine) =>
      startBackgroundWork({
        engine,
        leases: db.leases[i]!,
        clock: { nowMs: () => Date.now() },
        leaseTtlMs: TTL,
        lifecycleHourUtc: -1,
        gcIntervalMs: HOUR_MS,
        log,
        holder: `gw-${i}`,
        accessLog: { intervalMs: 60_000, retryMs: 1_000, maxRecords: 100 },
        inventoryCheckMs: 60_000,
      });
    const workA = startJobs(0, a.engine);
    await vi.advanceTimersByTimeAsync(0);
    const workB = startJobs(1, b.engine);
    const names = (w: BackgroundWork) => w.keepers.filter((k) => k.held()).map((k) => k.name);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(names(workA)).toEqual(['gc', 'access-log', 'inventory']);
    expect(names(workB)).toEqual([]);
    // At once on gaining the lease, then once a minute: 11 runs in 10 minutes, all on gw-0.
    expect([a.calls.logDeliveries, a.calls.inventories]).toEqual([11, 11]);
    expect([b.calls.logDeliveries, b.calls.inventories]).toEqual([0, 0]);

    db.stall(0);
    a.die();
    const diedAt = Date.now();
    let takenAt: number | undefined;
    for (let s = 0; s < 60 && takenAt === undefined; s++) {
      await vi.advanceTimersByTimeAsync(1_000);
      if (b.calls.logDeliveries > 0 && b.calls.inventories > 0) takenAt = Date.now();
    }
    // gw-1 ran both jobs as soon as it took the leases over, within a renewal period after the TTL.
    expect(takenAt! - diedAt).toBeGreaterThanOrEqual(TTL - TTL / 3);
    expect(takenAt! - diedAt).toBeLessThanOrEqual(TTL + TTL / 3 + 1_000);
    expect(names(workB)).toEqual(['gc', 'access-log', 'inventory']);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect([b.calls.logDeliveries, b.calls.inventories]).toEqual([6, 6]);
  });
});
