import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LeaseStore } from '../stores/lease-store.js';
import { SqliteLeaseStore } from '../stores/sqlite/leases.js';
import { SqliteMetaStore } from '../stores/sqlite/sqlite-meta-store.js';

/**
 * One metadata database and a lease connection per "gateway", each of which can be made to stall (its
 * calls never answer, as for a gateway frozen or cut off from the database) to play a dead holder.
 */
export function leaseDatabase(gateways: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'coffer-lease-'));
  const filename = path.join(dir, 'meta.db');
  const meta = new SqliteMetaStore({ filename, fsync: false });
  const stores = Array.from({ length: gateways }, () => new SqliteLeaseStore({ filename }));
  const stalled = new Set<number>();
  const views: LeaseStore[] = stores.map((store, i) => {
    const call =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        stalled.has(i) ? new Promise<R>(() => {}) : fn.apply(store, args);
    return {
      acquireLease: call(store.acquireLease),
      renewLease: call(store.renewLease),
      releaseLease: call(store.releaseLease),
      markLeaseRun: call(store.markLeaseRun),
      getLease: call(store.getLease),
      listLeases: call(store.listLeases),
    };
  });
  return {
    /** The database file (tests open more stores on it: a second gateway's connection). */
    filename,
    meta,
    leases: views,
    /** From now on gateway `i`'s lease calls hang. */
    stall(i: number) {
      stalled.add(i);
    },
    async close() {
      for (const store of stores) await store.close();
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
