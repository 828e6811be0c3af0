import Database from 'better-sqlite3';
import type { Lease, LeaseStore } from '../lease-store.js';

interface LeaseRow {
  name: string;
  holder: string;
  expires_ms: number;
  epoch: number;
  last_run_ms: number | null;
}

const COLUMNS = 'name, holder, expires_ms, epoch, last_run_ms';

/**
 * Leases in the embedded database (table `leases`, migrations 1 and 17). It opens its own connection
 * to the metadata file, as a second gateway would: each statement commits on its own, outside the
 * metadata store's group commit, and better-sqlite3 runs it synchronously, so it never waits behind a
 * batch. Leases are not fsynced: after a power loss every holder on this machine is gone too.
 * The statements are written so that PostgreSQL runs them as they are.
 */
export class SqliteLeaseStore implements LeaseStore {
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<typeof prepare>;

  /** `filename`: the metadata database, already migrated by SqliteMetaStore. */
  constructor(options: { filename: string }) {
    this.#db = new Database(options.filename, { fileMustExist: true });
    this.#db.pragma('busy_timeout = 5000');
    // The metadata store's worker checkpoints the WAL (wal-checkpointer.ts); a lease's COMMIT would
    // otherwise run a whole checkpoint on the event loop whenever the WAL is past 1,000 pages.
    this.#db.pragma('wal_autocheckpoint = 0');
    this.#stmt = prepare(this.#db);
  }

  async acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined> {
    return toLease(this.#stmt.acquire.get({ name, holder, expires: nowMs + ttlMs, now: nowMs }) as LeaseRow);
  }

  async renewLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined> {
    return toLease(this.#stmt.renew.get({ name, holder, expires: nowMs + ttlMs, now: nowMs }) as LeaseRow);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.#stmt.release.run({ name, holder });
  }

  async markLeaseRun(name: string, holder: string, runMs: number, nowMs: number): Promise<boolean> {
    return this.#stmt.markRun.run({ name, holder, run: runMs, now: nowMs }).changes === 1;
  }

  async getLease(name: string): Promise<Lease | undefined> {
    return toLease(this.#stmt.get.get(name) as LeaseRow);
  }

  async listLeases(prefix: string, nowMs: number): Promise<Lease[]> {
    return (this.#stmt.list.all({ prefix, now: nowMs }) as LeaseRow[]).map((row) => toLease(row)!);
  }

  /**
   * Lets every lease lapse now. Only for the embedded store at start-up: the data directory's lock
   * proves no other server uses this database, so a lease still running belongs to a process that was
   * killed, and its jobs need not wait out the TTL.
   */
  async expireAll(): Promise<number> {
    return this.#db.prepare('UPDATE leases SET expires_ms = 0 WHERE expires_ms > 0').run().changes;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    // One UPSERT: insert a free lease, or take over a row that is this holder's or has lapsed. The
    // WHERE on DO UPDATE leaves a running lease of another holder untouched, and RETURNING is then
    // empty. SET reads the old row, so the epoch moves only when the holder changes.
    acquire: db.prepare(`
      INSERT INTO leases (name, holder, expires_ms, epoch) VALUES (@name, @holder, @expires, 1)
      ON CONFLICT (name) DO UPDATE SET
        epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END,
        holder = excluded.holder,
        expires_ms = excluded.expires_ms
      WHERE leases.holder = excluded.holder OR leases.expires_ms <= @now
      RETURNING ${COLUMNS}`),
    renew: db.prepare(`
      UPDATE leases SET expires_ms = @expires
      WHERE name = @name AND holder = @holder AND expires_ms > @now
      RETURNING ${COLUMNS}`),
    // Lapsed at once, holder kept: the epoch still moves when someone else takes it.
    release: db.prepare('UPDATE leases SET expires_ms = 0 WHERE name = @name AND holder = @holder'),
    markRun: db.prepare(`
      UPDATE leases SET last_run_ms = @run
      WHERE name = @name AND holder = @holder AND expires_ms > @now`),
    get: db.prepare(`SELECT ${COLUMNS} FROM leases WHERE name = ?`),
    list: db.prepare(`
      SELECT ${COLUMNS} FROM leases
      WHERE substr(name, 1, length(@prefix)) = @prefix AND expires_ms > @now ORDER BY name`),
  };
}

function toLease(row: LeaseRow | undefined): Lease | undefined {
  if (!row) return undefined;
  return {
    name: row.name,
    holder: row.holder,
    expiresMs: row.expires_ms,
    epoch: row.epoch,
    ...(row.last_run_ms !== null ? { lastRunMs: row.last_run_ms } : {}),
  };
}
