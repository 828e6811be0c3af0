import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { PeriodicJob } from './scheduler.js';

/**
 * Writes the inventory reports that are due (daily after midnight UTC, weekly 7 days after the last;
 * engine/inventory.ts `inventoryDue`), checking every `checkMs` and once at start-up, so a report a
 * restart interrupted is written again.
 */
export function scheduleInventory(engine: Engine, checkMs: number, log: Logger): { stop(): Promise<void> } {
  const job = new PeriodicJob(
    'inventory',
    checkMs,
    async () => {
      const { ran, failed } = await engine.runDueInventories();
      if (ran > 0 || failed > 0) log.info({ ran, failed }, 'inventory reports written');
    },
    log,
  );
  // The first run now (what a previous run left behind), then every interval after each run.
  job.kick();
  return { stop: () => job.stop() };
}
