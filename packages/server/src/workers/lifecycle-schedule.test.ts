import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../engine/engine.js';
import { nextRunAt, scheduleLifecycle } from './lifecycle-schedule.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const log = pino({ level: 'silent' });

/** Just what the schedule touches of an Engine. */
function fakeEngine(unfinished?: { runId: number }) {
  const runLifecycle = vi.fn(async () => ({}));
  const engine = {
    runLifecycle,
    ctx: { meta: { unfinishedLifecycleRun: async () => unfinished } },
  } as unknown as Engine;
  return { engine, runLifecycle };
}

describe('nextRunAt', () => {
  it('is the next hh:00 UTC strictly after now', () => {
    const day = Date.UTC(2030, 0, 1);
    expect(nextRunAt(day + 2 * HOUR_MS, 3)).toBe(day + 3 * HOUR_MS);
    expect(nextRunAt(day + 3 * HOUR_MS, 3)).toBe(day + DAY_MS + 3 * HOUR_MS);
    expect(nextRunAt(day + 23 * HOUR_MS, 0)).toBe(day + DAY_MS);
  });
});

describe('scheduleLifecycle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once a day at the configured hour (UTC)', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 1, 59, 59));
    const { engine, runLifecycle } = fakeEngine();
    const schedule = scheduleLifecycle(engine, { nowMs: () => Date.now() }, 2, log);
    await vi.advanceTimersByTimeAsync(999);
    expect(runLifecycle).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(runLifecycle).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(DAY_MS - 1);
    expect(runLifecycle).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runLifecycle).toHaveBeenCalledTimes(2);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(3 * DAY_MS);
    expect(runLifecycle).toHaveBeenCalledTimes(2);
  });

  it('resumes an interrupted pass at start-up, and only then', async () => {
    vi.setSystemTime(Date.UTC(2030, 0, 1, 12));
    const interrupted = fakeEngine({ runId: 7 });
    const a = scheduleLifecycle(interrupted.engine, { nowMs: () => Date.now() }, 0, log);
    await vi.advanceTimersByTimeAsync(0);
    expect(interrupted.runLifecycle).toHaveBeenCalledTimes(1);
    await a.stop();

    const clean = fakeEngine();
    const b = scheduleLifecycle(clean.engine, { nowMs: () => Date.now() }, 0, log);
    await vi.advanceTimersByTimeAsync(HOUR_MS);
    expect(clean.runLifecycle).not.toHaveBeenCalled();
    await b.stop();
  });
});
