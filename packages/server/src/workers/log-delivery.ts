import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { PeriodicJob } from './scheduler.js';

export interface LogDeliveryOptions {
  intervalMs: number;
  retryMs: number;
  maxRecords: number;
}

/**
 * Delivers spooled access log records to their target buckets every `intervalMs`, as COS and S3
 * deliver every few minutes. At start-up it delivers at once what a previous run left spooled.
 * stop() waits for a delivery in progress; what it has not delivered stays spooled for the next start.
 *
 * With a lease (`keeper`), only its holder seals and delivers: every gateway's records reach the shared
 * spool by themselves (the engine flushes its buffer), and one gateway delivers them all. A batch's key
 * is fixed when it is sealed, so a delivery the old holder finished but did not record is recognised
 * by the new one (`alreadyThere`) rather than written twice. On gaining the lease it delivers at once.
 */
export function scheduleLogDelivery(
  engine: Engine,
  options: LogDeliveryOptions,
  log: Logger,
  keeper?: LeaseKeeper,
): { stop(): Promise<void> } {
  const job = new PeriodicJob(
    'access-log-delivery',
    options.intervalMs,
    async () => {
      if (keeper && !keeper.held()) return;
      const summary = await engine.accessLog.deliver({ maxRecords: options.maxRecords, retryMs: options.retryMs });
      if (summary.delivered > 0 || summary.failed > 0) log.debug({ ...summary }, 'access logs delivered');
    },
    log,
  );
  // The first run now (what a previous run left behind), then every interval after each run.
  if (keeper) keeper.whenAcquired(() => job.kick());
  else job.kick();
  return {
    async stop() {
      await job.stop();
      await engine.accessLog.settle();
    },
  };
}
