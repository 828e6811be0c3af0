/**
 * Leases for background work (lifecycle, GC, and every later worker), kept in the metadata store so
 * that N gateways over one database run each job exactly once: the holder renews its lease well within
 * the TTL; when it dies, the lease lapses and another gateway's next acquire takes it over
 * (docs/ARCHITECTURE.md, "Scale-out"; docs/operations.md, "Background work").
 *
 * Each method is one conditional statement (an UPSERT or an UPDATE … WHERE … RETURNING), the same on
 * SQLite and PostgreSQL, so no transaction or lock is held between calls. Times are the caller's clock
 * in ms since the epoch: gateways keep their clocks in step (NTP) to well within the TTL.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder` until `nowMs + ttlMs` if it is free, has lapsed
   * (`expiresMs <= nowMs`), or is already this holder's (then it is extended). Returns the lease when
   * `holder` holds it afterwards, undefined when another holder's lease is still running.
   * @example
   * const lease = await leases.acquireLease('gc', 'gw-1:4242:9f2c', 30_000, Date.now());
   * if (lease) await collectGarbage();
   */
  acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined>;
  /**
   * Extends a lease `holder` still holds (not lapsed) to `nowMs + ttlMs`. Undefined when it has lapsed
   * or passed to another holder: the caller must stop the job (and may try acquireLease again).
   */
  renewLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined>;
  /** Gives the lease up at once (a clean shutdown), so another gateway need not wait for the TTL. */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Records that the job completed a run at `runMs` (a daily job's catch-up reads it back after a
   * take-over). Only while `holder` holds the lease; false otherwise.
   */
  markLeaseRun(name: string, holder: string, runMs: number, nowMs: number): Promise<boolean>;
  /** The lease as stored (whoever holds it, lapsed or not), or undefined if it was never taken. */
  getLease(name: string): Promise<Lease | undefined>;
  /**
   * The leases whose name starts with `prefix` and that still run at `nowMs`, by name: who is alive
   * among holders that each keep a lease of their own (`gateway:<id>`, one per running gateway).
   * @example
   * const live = (await leases.listLeases('gateway:', Date.now())).map((l) => l.name);
   */
  listLeases(prefix: string, nowMs: number): Promise<Lease[]>;
}

/** One lease row. */
export interface Lease {
  name: string;
  holder: string;
  /** When the lease lapses unless renewed (ms since the epoch, the holder's clock). */
  expiresMs: number;
  /**
   * A fencing token: grows by one each time the lease passes to a different holder, never otherwise,
   * so a write that carries it can be refused once a newer holder exists.
   */
  epoch: number;
  /** When the job last completed a run (markLeaseRun), whoever held the lease then. */
  lastRunMs?: number;
}
