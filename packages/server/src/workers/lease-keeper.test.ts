import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseKeeper } from './lease-keeper.js';
import { leaseDatabase } from './lease-test-kit.js';

const log = pino({ level: 'silent' });
const TTL = 30_000;

describe('LeaseKeeper: two gateways, one lease, a fake clock', () => {
  let db: ReturnType<typeof leaseDatabase>;
  let now: number;
  let a: LeaseKeeper;
  let b: LeaseKeeper;
  const gained: string[] = [];

  beforeEach(() => {
    db = leaseDatabase(2);
    now = 1_700_000_000_000;
    gained.length = 0;
    const make = (i: number, holder: string) =>
      new LeaseKeeper({ leases: db.leases[i]!, name: 'gc', holder, ttlMs: TTL, nowMs: () => now, log }).whenAcquired(
        (lease) => gained.push(`${lease.holder}@${lease.epoch}`),
      );
    a = make(0, 'gw-a');
    b = make(1, 'gw-b');
  });
  afterEach(async () => {
    await db.close();
  });

  it('one holds, the other waits while it renews', async () => {
    await a.tick();
    await b.tick();
    expect([a.held(), b.held()]).toEqual([true, false]);
    for (let i = 0; i < 10; i++) {
      now += TTL / 3;
      await a.tick();
      await b.tick();
      expect([a.held(), b.held()]).toEqual([true, false]);
    }
    expect(gained).toEqual(['gw-a@1']);
  });

  it('when the holder dies, the other takes over once the TTL has run out, not before', async () => {
    await a.tick();
    await b.tick();
    const aSignal = a.signal;
    db.stall(0); // gw-a freezes: its renewals never reach the database
    const renewing = a.tick();
    now += TTL - 1;
    await b.tick();
    expect(b.held()).toBe(false);
    // gw-a itself stops believing in its lease by the time another can take it.
    expect(a.held()).toBe(true);
    now += 1;
    expect(a.held()).toBe(false);
    await b.tick();
    expect(b.held()).toBe(true);
    expect(gained).toEqual(['gw-a@1', 'gw-b@2']);
    expect(aSignal.aborted).toBe(false); // a's tick is still stuck; held() is what the job checks
    void renewing;
  });

  it('a holder too slow to renew loses the lease, and its job is told through the signal', async () => {
    await a.tick();
    const signal = a.signal;
    now += TTL; // a stalled event loop: no renewal in time
    await b.tick();
    expect(b.held()).toBe(true);
    await a.tick();
    expect(a.held()).toBe(false);
    expect(signal.aborted).toBe(true);
    expect(gained).toEqual(['gw-a@1', 'gw-b@2']);
  });

  it('hands over at once on a clean stop', async () => {
    await a.tick();
    await b.tick();
    await a.stop();
    expect(a.held()).toBe(false);
    await b.tick();
    expect(b.held()).toBe(true);
  });

  it('records a run only while holding the lease', async () => {
    await a.tick();
    expect(await a.markRun(now - 1)).toBe(true);
    expect(await b.markRun(now)).toBe(false);
    now += TTL;
    await b.tick();
    expect(b.lease?.lastRunMs).toBe(now - TTL - 1);
  });
});
