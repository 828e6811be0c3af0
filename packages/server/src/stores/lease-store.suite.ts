import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaseStore } from './lease-store.js';

/**
 * The contract every LeaseStore implementation passes. `make` returns two stores over one database (two
 * gateways' connections); `close` releases them.
 */
export function leaseStoreSuite(
  name: string,
  make: () => Promise<{ a: LeaseStore; b: LeaseStore; close(): Promise<void> }>,
): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let a: LeaseStore;
    let b: LeaseStore;
    let close: () => Promise<void>;
    const T = 1_700_000_000_000;
    const TTL = 30_000;

    beforeEach(async () => {
      ({ a, b, close } = await make());
    });
    afterEach(async () => {
      await close();
    });

    it('gives a free lease to the first holder, and not to a second while it runs', async () => {
      expect(await a.getLease('gc')).toBeUndefined();
      const lease = await a.acquireLease('gc', 'gw-1', TTL, T);
      expect(lease).toMatchObject({ name: 'gc', holder: 'gw-1', expiresMs: T + TTL, epoch: 1 });
      expect(await b.acquireLease('gc', 'gw-2', TTL, T + 1)).toBeUndefined();
      expect(await b.acquireLease('gc', 'gw-2', TTL, T + TTL - 1)).toBeUndefined();
      expect(await b.getLease('gc')).toMatchObject({ holder: 'gw-1', expiresMs: T + TTL });
      // Leases are independent by name.
      expect(await b.acquireLease('lifecycle', 'gw-2', TTL, T + 1)).toMatchObject({ holder: 'gw-2', epoch: 1 });
    });

    it('lets another holder take a lapsed lease, and moves the fencing epoch', async () => {
      await a.acquireLease('gc', 'gw-1', TTL, T);
      const taken = await b.acquireLease('gc', 'gw-2', TTL, T + TTL);
      expect(taken).toMatchObject({ holder: 'gw-2', expiresMs: T + 2 * TTL, epoch: 2 });
      // The old holder can neither renew nor take it back while gw-2's runs.
      expect(await a.renewLease('gc', 'gw-1', TTL, T + TTL + 1)).toBeUndefined();
      expect(await a.acquireLease('gc', 'gw-1', TTL, T + TTL + 1)).toBeUndefined();
      expect(await a.markLeaseRun('gc', 'gw-1', T, T + TTL + 1)).toBe(false);
    });

    it('renews only a running lease of the same holder, keeping the epoch', async () => {
      await a.acquireLease('gc', 'gw-1', TTL, T);
      expect(await a.renewLease('gc', 'gw-1', TTL, T + 10_000)).toMatchObject({ expiresMs: T + 40_000, epoch: 1 });
      expect(await b.renewLease('gc', 'gw-2', TTL, T + 10_000)).toBeUndefined();
      // Lapsed: a renewal is refused even though nobody took it (the holder must notice it was too slow).
      expect(await a.renewLease('gc', 'gw-1', TTL, T + 40_000)).toBeUndefined();
      expect(await a.renewLease('never-taken', 'gw-1', TTL, T)).toBeUndefined();
      // Acquiring again is allowed, and keeps the epoch: nobody else held it meanwhile.
      expect(await a.acquireLease('gc', 'gw-1', TTL, T + 40_000)).toMatchObject({ holder: 'gw-1', epoch: 1 });
      // Acquire by the holder itself extends.
      expect(await a.acquireLease('gc', 'gw-1', TTL, T + 50_000)).toMatchObject({ expiresMs: T + 80_000, epoch: 1 });
    });

    it('frees a released lease at once, for another holder only after its owner released it', async () => {
      await a.acquireLease('gc', 'gw-1', TTL, T);
      await b.releaseLease('gc', 'gw-2'); // not gw-2's: nothing happens
      expect(await b.acquireLease('gc', 'gw-2', TTL, T + 1)).toBeUndefined();
      await a.releaseLease('gc', 'gw-1');
      expect(await b.acquireLease('gc', 'gw-2', TTL, T + 2)).toMatchObject({ holder: 'gw-2', epoch: 2 });
      await b.releaseLease('gc', 'gw-2');
      expect(await a.acquireLease('gc', 'gw-1', TTL, T + 3)).toMatchObject({ holder: 'gw-1', epoch: 3 });
    });

    it('remembers the last run across holders', async () => {
      await a.acquireLease('lifecycle', 'gw-1', TTL, T);
      expect(await a.markLeaseRun('lifecycle', 'gw-1', T - 5, T + 1)).toBe(true);
      expect(await b.markLeaseRun('lifecycle', 'gw-2', T, T + 1)).toBe(false);
      const taken = await b.acquireLease('lifecycle', 'gw-2', TTL, T + TTL);
      expect(taken).toMatchObject({ holder: 'gw-2', lastRunMs: T - 5 });
      // A lapsed holder cannot record a run.
      expect(await b.markLeaseRun('lifecycle', 'gw-2', T, T + 2 * TTL)).toBe(false);
    });

    it('lists the running leases under a prefix, by name, lapsed and released ones left out', async () => {
      await a.acquireLease('gateway:gw-2', 'gw-2', TTL, T);
      await b.acquireLease('gateway:gw-1', 'gw-1', TTL, T + 10);
      await a.acquireLease('gateway:gw-3', 'gw-3', TTL, T - TTL); // lapsed at T
      await b.acquireLease('gateway:gw-4', 'gw-4', TTL, T);
      await b.releaseLease('gateway:gw-4', 'gw-4');
      await a.acquireLease('gatewayx', 'gw-5', TTL, T); // another prefix
      await a.acquireLease('gc', 'gw-1', TTL, T);
      const live = await b.listLeases('gateway:', T);
      expect(live.map((l) => [l.name, l.holder])).toEqual([
        ['gateway:gw-1', 'gw-1'],
        ['gateway:gw-2', 'gw-2'],
      ]);
      expect((await a.listLeases('gateway:', T + TTL)).map((l) => l.name)).toEqual(['gateway:gw-1']);
      expect(await a.listLeases('none:', T)).toEqual([]);
    });

    it('lets exactly one of many racing holders win a free lease', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireLease('race', `gw-${i}`, TTL, T)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
