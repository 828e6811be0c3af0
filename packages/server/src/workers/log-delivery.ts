import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
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
 */
export function scheduleLogDelivery(
  engine: Engine,
  options: LogDeliveryOptions,
  log: Logger,
): { stop(): Promise<void> } {
  const job = new PeriodicJob(
    'access-log-delivery',
    options.intervalMs,
    async () => {
      const summary = await engine.accessLog.deliver({ maxRecords: options.maxRecords, retryMs: options.retryMs });
      if (summary.delivered > 0 || summary.failed > 0) log.debug({ ...summary }, 'access logs delivered');
    },
    log,
  );
  // The first run now (what a previous run left behind), then every interval after each run.
  job.kick();
  return {
    async stop() {
      await job.stop();
      await engine.accessLog.settle();
    },
  };
}
