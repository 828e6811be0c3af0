import type { Logger } from 'pino';
import type { Clock } from '../engine/context.js';
import type { Engine } from '../engine/engine.js';

const DAY_MS = 86_400_000;
/** setTimeout's limit; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The next time at `hourUtc`:00 UTC strictly after `nowMs`. */
export function nextRunAt(nowMs: number, hourUtc: number): number {
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const today = dayStart + hourUtc * 3_600_000;
  return today > nowMs ? today : today + DAY_MS;
}

/**
 * Runs the lifecycle pass daily at a configured hour (UTC), as S3 and COS run lifecycle once a day,
 * and at start-up resumes a pass that a restart interrupted.
 */
export function scheduleLifecycle(
  engine: Engine,
  clock: Clock,
  hourUtc: number,
  log: Logger,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> | undefined;
  const run = (why: string) => {
    log.info({ why }, 'lifecycle run starting');
    running = engine.runLifecycle().catch((err) => log.error({ err }, 'lifecycle run failed'));
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
  void engine.ctx.meta.unfinishedLifecycleRun().then((unfinished) => {
    if (unfinished && !stopped) run('resume interrupted run');
  });
  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
