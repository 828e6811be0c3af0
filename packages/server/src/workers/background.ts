import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../engine/context.js';
import type { Engine } from '../engine/engine.js';
import type { PassLease } from '../engine/lifecycle/pass.js';
import type { NotifyConfig } from '../notify-config.js';
import type { LeaseStore } from '../stores/lease-store.js';
import type { MetadataStore } from '../stores/types.js';
import { scheduleInventory } from './inventory-schedule.js';
import { LeaseKeeper } from './lease-keeper.js';
import { scheduleLifecycle } from './lifecycle-schedule.js';
import { type LogDeliveryOptions, scheduleLogDelivery } from './log-delivery.js';
import { NotifyDelivery } from './notify-delivery.js';
import { PeriodicJob } from './scheduler.js';
import { gatewayLease, SharedRecovery, type SharedTemporary } from './shared-recovery.js';

export interface BackgroundOptions {
  engine: Engine;
  leases: LeaseStore;
  /** The engine's clock (lifecycle's daily hour, object ages). */
  clock: Clock;
  /** Real time for lease expiry, compared across gateways (tests pass a fake one). */
  nowMs?: () => number;
  leaseTtlMs: number;
  /** Hour (UTC) of the daily lifecycle pass; -1: none. */
  lifecycleHourUtc: number;
  gcIntervalMs: number;
  /**
   * Days request counts are kept (engine/request-counts.ts): the `gc` lease's holder prunes older
   * minutes, at most once per PRUNE_INTERVAL_MS. Absent: never pruned.
   */
  requestCountsRetentionDays?: number;
  log: Logger;
  /** This gateway's holder id; default host:pid:random. */
  holder?: string;
  /** Bucket notification delivery from the outbox (lease `notify`); none without targets. */
  notify?: { meta: MetadataStore; config: NotifyConfig };
  /** Access log delivery to target buckets (lease `access-log`); none if absent. */
  accessLog?: LogDeliveryOptions;
  /** How often due inventory reports are looked for (lease `inventory`); 0 or absent: none. */
  inventoryCheckMs?: number;
  /**
   * A data directory shared with other gateways: this gateway holds `gateway:<gatewayTmp>` while it
   * runs, and the holder of `recovery` clears dead gateways' writes every `intervalMs`.
   */
  sharedRecovery?: {
    blobs: SharedTemporary;
    meta: MetadataStore;
    gatewayTmp: string;
    staleMs: number;
    intervalMs: number;
  };
}

/** How often the `gc` holder prunes request counts older than the retention (they are kept per minute). */
export const PRUNE_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The lease of each job: one row per name in the leases table (docs/operations.md, "Background work"). */
export const LEASES = {
  gc: 'gc',
  lifecycle: 'lifecycle',
  lifecyclePass: 'lifecycle-pass',
  notify: 'notify',
  accessLog: 'access-log',
  inventory: 'inventory',
  recovery: 'recovery',
} as const;

export interface BackgroundWork {
  /** One keeper per leased job (`gc`, `lifecycle`, `notify`, `access-log`, `inventory`). */
  keepers: LeaseKeeper[];
  /** The notification worker (the engine's notifier), present when `notify` was given. */
  notify?: NotifyDelivery;
  /** Stops the jobs, waits for a run in progress, and releases the leases. */
  stop(): Promise<void>;
}

/**
 * The lease a lifecycle pass runs under, whichever gateway runs it and whoever asked (the daily
 * schedule, POST /-/admin/lifecycle/run): taken for one pass, renewed while it runs, released after
 * (engine/lifecycle/pass.ts). Not `lifecycle`, which one gateway keeps to schedule the daily pass:
 * a pass asked of another gateway must be able to run there.
 */
export function lifecyclePassLease(options: {
  leases: LeaseStore;
  holder: string;
  ttlMs: number;
  nowMs?: () => number;
  log: Logger;
}): PassLease {
  const { nowMs = Date.now, ...rest } = options;
  return {
    async take() {
      const keeper = new LeaseKeeper({ ...rest, nowMs, name: LEASES.lifecyclePass });
      await keeper.tick();
      if (!keeper.held()) {
        await keeper.stop();
        return undefined;
      }
      const { signal } = keeper;
      keeper.start();
      return { signal, release: () => keeper.stop() };
    },
  };
}

/** A holder id unique to this process start: the host and pid say who it is in logs and the leases table. */
export function holderId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Starts the background jobs under leases (docs/operations.md, "Background work"): every gateway runs
 * this, and each job runs only on the gateway holding its lease — GC of blob files and the pruning of
 * request counts past their retention (`gc`), the daily lifecycle pass with the recycle-bin purge
 * (`lifecycle`), notification delivery with its dead-letter sweep (`notify`), access log delivery (`access-log`) and scheduled inventory reports (`inventory`).
 * Restores and intelligent tiering need no job: a restored copy's expiry and an object's access tier
 * are computed on read from timestamps. On a single node the leases are simply always this process's.
 */
export function startBackgroundWork(options: BackgroundOptions): BackgroundWork {
  const { engine, leases, clock, log, leaseTtlMs } = options;
  const holder = options.holder ?? holderId();
  const nowMs = options.nowMs ?? Date.now;
  const keeper = (name: string) => new LeaseKeeper({ leases, name, holder, ttlMs: leaseTtlMs, nowMs, log });

  const gcLease = keeper(LEASES.gc);
  const retentionDays = options.requestCountsRetentionDays;
  let prunedMs = Number.NEGATIVE_INFINITY;
  const gc = new PeriodicJob(
    'gc',
    options.gcIntervalMs,
    async () => {
      if (!gcLease.held()) return;
      await engine.collectGarbage();
      // Request counts past their retention: cheap (one indexed range delete), so it rides on the GC lease.
      if (retentionDays !== undefined && nowMs() - prunedMs >= PRUNE_INTERVAL_MS) {
        prunedMs = nowMs();
        const pruned = await engine.pruneRequestCounts(prunedMs - retentionDays * DAY_MS);
        if (pruned > 0) log.debug({ rows: pruned, retentionDays }, 'request counts pruned');
      }
    },
    log,
  );
  const lifecycleLease = options.lifecycleHourUtc >= 0 ? keeper(LEASES.lifecycle) : undefined;
  const lifecycle = lifecycleLease
    ? scheduleLifecycle(engine, clock, options.lifecycleHourUtc, log, lifecycleLease)
    : undefined;
  const keepers = [gcLease, ...(lifecycleLease ? [lifecycleLease] : [])];

  // Notifications: every gateway runs the loops (they are the engine's notifier, woken by its writes),
  // only the lease's holder sends. A send starts only while the lease outlasts it, clamped to a third
  // of the TTL so a short TTL still lets delivery run.
  let notify: NotifyDelivery | undefined;
  if (options.notify) {
    const notifyLease = keeper(LEASES.notify);
    notify = new NotifyDelivery({
      ...options.notify,
      log,
      gate: { mayStart: (marginMs) => notifyLease.heldFor(Math.min(marginMs, Math.floor(leaseTtlMs / 3))) },
    });
    // On taking the lease over, look at the outbox at once rather than at the next poll.
    const started = notify;
    notifyLease.whenAcquired(() => started.wake());
    keepers.push(notifyLease);
  }
  let logDelivery: { stop(): Promise<void> } | undefined;
  if (options.accessLog) {
    const lease = keeper(LEASES.accessLog);
    logDelivery = scheduleLogDelivery(engine, options.accessLog, log, lease);
    keepers.push(lease);
  }
  let inventory: { stop(): Promise<void> } | undefined;
  if (options.inventoryCheckMs && options.inventoryCheckMs > 0) {
    const lease = keeper(LEASES.inventory);
    inventory = scheduleInventory(engine, options.inventoryCheckMs, log, lease);
    keepers.push(lease);
  }

  let recovery: PeriodicJob | undefined;
  if (options.sharedRecovery) {
    const shared = options.sharedRecovery;
    // Held by this gateway for as long as it runs: tells the others its tmp/ directory is in use.
    keepers.push(keeper(gatewayLease(shared.gatewayTmp)));
    const lease = keeper(LEASES.recovery);
    const work = new SharedRecovery({ ...shared, leases, nowMs, log });
    recovery = new PeriodicJob(
      'recovery',
      shared.intervalMs,
      async () => {
        if (lease.held()) await work.run();
      },
      log,
    );
    lease.whenAcquired(() => recovery?.kick());
    keepers.push(lease);
  }

  for (const k of keepers) k.start();
  gc.start();
  recovery?.start();
  notify?.start();
  return {
    keepers,
    ...(notify ? { notify } : {}),
    async stop() {
      await recovery?.stop();
      await inventory?.stop();
      await logDelivery?.stop();
      await notify?.stop();
      await lifecycle?.stop();
      await gc.stop();
      await Promise.all(keepers.map((k) => k.stop()));
    },
  };
}
