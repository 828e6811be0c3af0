import type { Logger } from 'pino';
import type { Clock } from '../engine/context.js';
import type { Engine } from '../engine/engine.js';
import type { LeaseKeeper } from './lease-keeper.js';

const DAY_MS = 86_400_000;
/** setTimeout's limit; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The next time at `hourUtc`:00 UTC strictly after `nowMs`. */
export function nextRunAt(nowMs: number, hourUtc: number): number {
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const today = dayStart + hourUtc * 3_600_000;
  return today > nowMs ? today : today + DAY_MS;
}

/** The latest `hourUtc`:00 UTC at or before `nowMs`: when the last scheduled run was due. */
export function lastDueAt(nowMs: number, hourUtc: number): number {
  return nextRunAt(nowMs, hourUtc) - DAY_MS;
}

/**
 * Runs the lifecycle pass daily at a configured hour (UTC), as S3 and COS run lifecycle once a day,
 * and at start-up resumes a pass that a restart interrupted.
 *
 * With a lease (`keeper`: every gateway of a cluster schedules, only the lease's holder runs), a pass
 * starts only while the lease is held and stops (to be resumed) when it is lost. Each time this gateway
 * gains the lease it resumes an interrupted pass, or, when the lease's record of the last completed run
 * is older than the last due time, runs the pass that a dead holder missed. The first holder ever
 * records "now" instead of running, so a new deployment does not start with a pass.
 */
export function scheduleLifecycle(
  engine: Engine,
  clock: Clock,
  hourUtc: number,
  log: Logger,
  keeper?: LeaseKeeper,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> | undefined;
  const run = (why: string) => {
    if (stopped) return;
    if (keeper && !keeper.held()) {
      log.debug({ why }, 'lifecycle run left to the gateway holding the lease');
      return;
    }
    log.info({ why }, 'lifecycle run starting');
    const startedMs = clock.nowMs();
    running = engine
      .runLifecycle(keeper ? { signal: keeper.signal } : {})
      .then(async (summary) => {
        if (keeper && summary?.finished) await keeper.markRun(startedMs);
      })
      .catch((err) => log.error({ err }, 'lifecycle run failed'));
  };
  const arm = () => {
    if (stopped) return;
    const due = nextRunAt(clock.nowMs(), hourUtc);
    const wait = () => {
      if (stopped) return;
      const left = due - clock.nowMs();
      if (left <= 0) {
        run('daily schedule');
        arm();
        return;
      }
      timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    wait();
  };
  const acquired = async (lastRunMs: number | undefined) => {
    if (await engine.ctx.meta.unfinishedLifecycleRun()) return run('resume interrupted run');
    if (!keeper) return;
    if (lastRunMs === undefined) {
      await keeper.markRun(clock.nowMs());
      return;
    }
    const due = lastDueAt(clock.nowMs(), hourUtc);
    if (lastRunMs < due) run(`catch up: the run due at ${new Date(due).toISOString()} did not happen`);
  };
  const onError = (err: unknown) => log.error({ err }, 'lifecycle start-up check failed');
  if (keeper) keeper.whenAcquired((lease) => void acquired(lease.lastRunMs).catch(onError));
  else void acquired(undefined).catch(onError);
  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
