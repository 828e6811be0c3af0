import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { PeriodicJob } from './scheduler.js';

/**
 * Writes the inventory reports that are due (daily after midnight UTC, weekly 7 days after the last;
 * engine/inventory.ts `inventoryDue`), checking every `checkMs` and once at start-up, so a report a
 * restart interrupted is written again.
 *
 * With a lease (`keeper`), only its holder looks, and it looks at once on gaining the lease, so a
 * report a dead holder left unfinished is written by the next one (a report is recorded as done only
 * when its manifest is written, so it is never skipped; at worst one is written twice).
 */
export function scheduleInventory(
  engine: Engine,
  checkMs: number,
  log: Logger,
  keeper?: LeaseKeeper,
): { stop(): Promise<void> } {
  const job = new PeriodicJob(
    'inventory',
    checkMs,
    async () => {
      if (keeper && !keeper.held()) return;
      const { ran, failed } = await engine.runDueInventories();
      if (ran > 0 || failed > 0) log.info({ ran, failed }, 'inventory reports written');
    },
    log,
  );
  // The first run now (what a previous run left behind), then every interval after each run.
  if (keeper) keeper.whenAcquired(() => job.kick());
  else job.kick();
  return { stop: () => job.stop() };
}
