import type { DeadLetter, OutboxBacklog, OutboxRecord, OutboxStore } from '../types.js';
import { unescapeKey } from './keys.js';
import type { PgDb } from './pg-db.js';

interface OutboxRow {
  id: number;
  target: string;
  key: string;
  payload: string;
  created_ms: number;
  attempts: number;
  last_error: string | null;
  dead_ms?: number;
}

function toRecord(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    target: row.target,
    key: unescapeKey(row.key),
    payload: row.payload,
    createdMs: row.created_ms,
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}

/**
 * The notification outbox on PostgreSQL (migration 3). Events are inserted by the writes that cause
 * them, in their transactions (PgDb.recordEvents); this is the delivery worker's side.
 */
export class PgOutbox implements OutboxStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async outboxBatch(target: string, limit: number): Promise<OutboxRecord[]> {
    const rows = await this.#db.read.rows<OutboxRow>('SELECT * FROM outbox WHERE target = $1 ORDER BY id LIMIT $2', [
      target,
      limit,
    ]);
    return rows.map(toRecord);
  }

  outboxDelivered(ids: number[]): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('DELETE FROM outbox WHERE id = ANY ($1::bigint[])', [ids]);
    });
  }

  outboxFailed(ids: number[], error: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = ANY ($2::bigint[])', [
        error.slice(0, 1000),
        ids,
      ]);
    });
  }

  async outboxBacklog(): Promise<OutboxBacklog[]> {
    const rows = await this.#db.read.rows<{ target: string; count: number; oldest_ms: number }>(
      'SELECT target, count(*) AS count, min(created_ms) AS oldest_ms FROM outbox GROUP BY target ORDER BY target',
    );
    return rows.map((r) => ({ target: r.target, count: r.count, oldestMs: r.oldest_ms }));
  }

  outboxDeadLetter(target: string, olderThanMs: number, nowMs: number): Promise<number> {
    return this.#db.writes.run(async (tx) => {
      const moved = await tx.run(
        `WITH gone AS (DELETE FROM outbox WHERE target = $1 AND created_ms < $2 RETURNING *)
         INSERT INTO outbox_dead (id, target, key, payload, created_ms, attempts, last_error, dead_ms)
         SELECT id, target, key, payload, created_ms, attempts, last_error, $3 FROM gone`,
        [target, olderThanMs, nowMs],
      );
      return moved;
    });
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = await this.#db.read.rows<OutboxRow>(
      'SELECT * FROM outbox_dead ORDER BY dead_ms DESC, id DESC LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({ ...toRecord(row), deadMs: row.dead_ms! }));
  }
}
