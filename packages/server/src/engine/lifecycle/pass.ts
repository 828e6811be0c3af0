import { setTimeout as sleep } from 'node:timers/promises';
import type { LifecycleRunRecord } from '../../stores/types.js';
import type { EngineContext } from '../context.js';
import {
  emptySummary,
  FIRST_STATE,
  type LifecycleRunOptions,
  type LifecycleRunSummary,
  runLifecycle,
} from './runner.js';

/**
 * The lease a lifecycle pass runs under, whichever gateway runs it (`lifecycle-pass` in the leases
 * table; workers/background.ts makes it from a LeaseKeeper). Held only for the pass's duration.
 */
export interface PassLease {
  /**
   * Takes the lease if no other gateway holds it: `signal` is aborted if it is lost during the pass,
   * `release()` gives it up (a lapsed or released lease is taken over by the next gateway that asks).
   */
  take(): Promise<{ signal: AbortSignal; release(): Promise<void> } | undefined>;
}

export interface PassOutcome {
  summary: LifecycleRunSummary;
  /** True when this gateway ran (part of) the pass; false when it waited for another's. */
  ranHere: boolean;
}

/** How often a gateway waiting for another's pass looks whether it finished, or its holder died. */
const POLL_MS = 200;

/**
 * One lifecycle pass across every gateway sharing the metadata store. The caller claims the
 * unfinished run (the store keeps at most one), so two gateways asked at the same time name the same
 * run; the one that takes the `lifecycle-pass` lease runs it, the others wait for its summary in the
 * run's record. A gateway that dies mid-pass stops renewing the lease: it lapses within the lease TTL
 * and a waiting gateway takes it and resumes the run after its last committed batch (its summary then
 * covers what it did itself, `resumed: true`). A holder that stops early (shutdown, its budget) releases
 * the lease, and a waiter finishes the run the same way. Nothing is done twice: each batch commits
 * with the run's cursor. Without a lease (a bare engine in unit tests) the caller runs the pass itself.
 */
export async function runPass(
  ctx: EngineContext,
  lease: PassLease | undefined,
  options: LifecycleRunOptions,
): Promise<PassOutcome> {
  let run: LifecycleRunRecord = await ctx.meta.claimLifecycleRun(ctx.clock.nowMs(), FIRST_STATE);
  if (!lease) return { summary: await runLifecycle(ctx, { ...options, run }), ranHere: true };
  for (;;) {
    const held = await lease.take();
    if (held) {
      try {
        // The cursor as the last holder left it, or the run it finished while we waited.
        run = (await ctx.meta.getLifecycleRun(run.runId)) ?? run;
        if (run.finishedMs !== undefined) return { summary: finishedSummary(run), ranHere: false };
        const signal = options.signal ? AbortSignal.any([options.signal, held.signal]) : held.signal;
        return { summary: await runLifecycle(ctx, { ...options, run, signal }), ranHere: true };
      } finally {
        await held.release();
      }
    }
    if (options.signal?.aborted) return { summary: emptySummary(run.runId), ranHere: false };
    await sleep(POLL_MS);
    const now = await ctx.meta.getLifecycleRun(run.runId);
    if (now?.finishedMs !== undefined) return { summary: finishedSummary(now), ranHere: false };
  }
}

/** What the gateway that finished the run recorded (a run finished before summaries were kept: zeros). */
function finishedSummary(run: LifecycleRunRecord): LifecycleRunSummary {
  return run.summary
    ? (JSON.parse(run.summary) as LifecycleRunSummary)
    : { ...emptySummary(run.runId), finished: true };
}
