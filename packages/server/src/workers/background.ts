import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../engine/context.js';
import type { Engine } from '../engine/engine.js';
import type { LeaseStore } from '../stores/lease-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { scheduleLifecycle } from './lifecycle-schedule.js';
import { PeriodicJob } from './scheduler.js';

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
  log: Logger;
  /** This gateway's holder id; default host:pid:random. */
  holder?: string;
}

export interface BackgroundWork {
  /** One keeper per leased job (`gc`, `lifecycle`). */
  keepers: LeaseKeeper[];
  /** Stops the jobs, waits for a run in progress, and releases the leases. */
  stop(): Promise<void>;
}

/** A holder id unique to this process start: the host and pid say who it is in logs and the leases table. */
export function holderId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Starts the background jobs under leases (docs/operations.md, "Background work"): every gateway runs
 * this, and each job runs only on the gateway holding its lease — GC of blob files and the daily
 * lifecycle pass. (Restores need no job: a restored copy's expiry is a timestamp compared on read.)
 * On a single node the leases are simply always this process's.
 */
export function startBackgroundWork(options: BackgroundOptions): BackgroundWork {
  const { engine, leases, clock, log, leaseTtlMs } = options;
  const holder = options.holder ?? holderId();
  const nowMs = options.nowMs ?? Date.now;
  const keeper = (name: string) => new LeaseKeeper({ leases, name, holder, ttlMs: leaseTtlMs, nowMs, log });

  const gcLease = keeper('gc');
  const gc = new PeriodicJob(
    'gc',
    options.gcIntervalMs,
    async () => {
      if (gcLease.held()) await engine.collectGarbage();
    },
    log,
  );
  const lifecycleLease = options.lifecycleHourUtc >= 0 ? keeper('lifecycle') : undefined;
  const lifecycle = lifecycleLease
    ? scheduleLifecycle(engine, clock, options.lifecycleHourUtc, log, lifecycleLease)
    : undefined;
  const keepers = [gcLease, ...(lifecycleLease ? [lifecycleLease] : [])];
  for (const k of keepers) k.start();
  gc.start();
  return {
    keepers,
    async stop() {
      await lifecycle?.stop();
      await gc.stop();
      await Promise.all(keepers.map((k) => k.stop()));
    },
  };
}
