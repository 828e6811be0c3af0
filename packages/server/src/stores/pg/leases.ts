import type { Lease, LeaseStore } from '../lease-store.js';
import type { Sql } from './pg-db.js';

interface LeaseRow {
  name: string;
  holder: string;
  expires_ms: number;
  epoch: number;
  last_run_ms: number | null;
}

const COLUMNS = 'name, holder, expires_ms, epoch, last_run_ms';

/**
 * Leases on PostgreSQL (table leases, migration 1), the same statements as sqlite/leases.ts with
 * positional parameters. Each is one statement on a pooled connection, committing on its own,
 * outside the group commit: a lease is never kept waiting behind a batch of writes. Every gateway
 * sharing the database competes for the same rows; the conditional UPSERT lets exactly one win.
 */
export class PgLeaseStore implements LeaseStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined> {
    // A free lease is inserted, a lapsed one or this holder's is taken over; a running lease of
    // another holder is left alone and RETURNING is empty. The epoch moves only when the holder changes.
    return toLease(
      await this.#sql.one<LeaseRow>(
        `INSERT INTO leases (name, holder, expires_ms, epoch) VALUES ($1, $2, $3, 1)
         ON CONFLICT (name) DO UPDATE SET
           epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END,
           holder = excluded.holder,
           expires_ms = excluded.expires_ms
         WHERE leases.holder = excluded.holder OR leases.expires_ms <= $4
         RETURNING ${COLUMNS}`,
        [name, holder, nowMs + ttlMs, nowMs],
      ),
    );
  }

  async renewLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<Lease | undefined> {
    return toLease(
      await this.#sql.one<LeaseRow>(
        `UPDATE leases SET expires_ms = $3 WHERE name = $1 AND holder = $2 AND expires_ms > $4 RETURNING ${COLUMNS}`,
        [name, holder, nowMs + ttlMs, nowMs],
      ),
    );
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#sql.run('UPDATE leases SET expires_ms = 0 WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async markLeaseRun(name: string, holder: string, runMs: number, nowMs: number): Promise<boolean> {
    return (
      (await this.#sql.run('UPDATE leases SET last_run_ms = $3 WHERE name = $1 AND holder = $2 AND expires_ms > $4', [
        name,
        holder,
        runMs,
        nowMs,
      ])) === 1
    );
  }

  async getLease(name: string): Promise<Lease | undefined> {
    return toLease(await this.#sql.one<LeaseRow>(`SELECT ${COLUMNS} FROM leases WHERE name = $1`, [name]));
  }

  async listLeases(prefix: string, nowMs: number): Promise<Lease[]> {
    const rows = await this.#sql.rows<LeaseRow>(
      `SELECT ${COLUMNS} FROM leases WHERE substr(name, 1, length($1)) = $1 AND expires_ms > $2 ORDER BY name`,
      [prefix, nowMs],
    );
    return rows.map((row) => toLease(row)!);
  }

  /** The pool is the metadata store's: closing it is the store's business. */
  async close(): Promise<void> {}
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
