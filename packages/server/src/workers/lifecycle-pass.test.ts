import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineContext } from '../engine/context.js';
import { runPass } from '../engine/lifecycle/pass.js';
import { emptySummary, FIRST_STATE, type LifecycleRunSummary } from '../engine/lifecycle/runner.js';
import { lifecyclePassLease } from './background.js';
import { leaseDatabase } from './lease-test-kit.js';

const log = pino({ level: 'silent' });
/** Short, so that a dead holder's lease lapses within the test (real time: runPass polls with real timers). */
const TTL = 600;

/**
 * One lifecycle pass across gateways (engine/lifecycle/pass.ts) with the `lifecycle-pass` lease
 * (workers/background.ts): two gateways' lease connections on one database, as lease-test-kit plays them.
 */
describe('a lifecycle pass asked of two gateways', () => {
  let db: ReturnType<typeof leaseDatabase>;
  beforeEach(() => {
    db = leaseDatabase(2);
  });
  afterEach(async () => {
    db.stall(0);
    db.stall(1);
    await db.close();
  });

  // No buckets: a pass run here goes from its cursor to the end at once; what matters is who runs it.
  const ctx = () => ({ meta: db.meta, clock: { nowMs: () => Date.now() }, log }) as unknown as EngineContext;
  const lease = (i: number) => lifecyclePassLease({ leases: db.leases[i]!, holder: `gw-${i}`, ttlMs: TTL, log });

  it('the second gateway joins the run the first is running and returns the summary it recorded', async () => {
    const run = await db.meta.claimLifecycleRun(Date.now(), FIRST_STATE);
    const held = await lease(0).take();
    expect(held).toBeDefined();
    const joined = runPass(ctx(), lease(1), {});
    const summary: LifecycleRunSummary = {
      ...emptySummary(run.runId),
      finished: true,
      buckets: 2,
      versionsScanned: 10,
      objectsExpired: 4,
      bytesFreed: 400,
    };
    await new Promise((r) => setTimeout(r, 300)); // gw-1 is waiting meanwhile
    await db.meta.finishLifecycleRun(run.runId, Date.now(), JSON.stringify(summary));
    await held!.release();
    expect(await joined).toEqual({ summary, ranHere: false });
  });

  it('a gateway that dies mid-pass: the one waiting takes the lease over after its TTL and resumes the run', async () => {
    const run = await db.meta.claimLifecycleRun(Date.now(), FIRST_STATE);
    expect(await lease(0).take()).toBeDefined();
    // gw-0 commits a batch (its cursor moves past bucket "m"), then freezes: it never renews nor releases.
    await db.meta.saveLifecycleRun(run.runId, JSON.stringify({ bucket: 'm\u0000', phase: 'versions' }));
    db.stall(0);
    expect(await lease(1).take()).toBeUndefined();

    const { summary, ranHere } = await runPass(ctx(), lease(1), {});
    expect(ranHere).toBe(true);
    expect(summary).toMatchObject({ runId: run.runId, resumed: true, finished: true });
    expect(await db.meta.getLifecycleRun(run.runId)).toMatchObject({ finishedMs: expect.any(Number) });
    expect(JSON.parse((await db.meta.getLifecycleRun(run.runId))!.summary!)).toEqual(summary);
    // Released after the pass: the next one, asked of either gateway, is a new run.
    const next = await runPass(ctx(), lease(1), {});
    expect(next).toMatchObject({ ranHere: true, summary: { resumed: false, finished: true } });
    expect(next.summary.runId).toBeGreaterThan(run.runId);
  });

  it('a waiting caller whose own signal is aborted (its schedule lost its lease) stops waiting; the pass goes on', async () => {
    const run = await db.meta.claimLifecycleRun(Date.now(), FIRST_STATE);
    const held = await lease(0).take();
    const controller = new AbortController();
    const waiting = runPass(ctx(), lease(1), { signal: controller.signal });
    controller.abort();
    expect(await waiting).toEqual({ summary: emptySummary(run.runId), ranHere: false });
    expect(await db.meta.unfinishedLifecycleRun()).toMatchObject({ runId: run.runId });
    await held!.release();
  });
});
