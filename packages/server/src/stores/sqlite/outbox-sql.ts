import type { Database, Statement } from 'better-sqlite3';
import type { DeadLetter, OutboxBacklog, OutboxEntry, OutboxRecord, RecordEvents, WriteOutcome } from '../types.js';

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
    key: row.key,
    payload: row.payload,
    createdMs: row.created_ms,
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}

/**
 * The outbox's SQL (migration 14), held by SqliteDb. The write methods are synchronous and run inside
 * the store's write transactions: `record` inside the write that caused the events, the rest as
 * writes of their own through the store's batcher (SqliteOutbox, outbox.ts).
 */
export class OutboxSql {
  readonly #insert: Statement;
  readonly #batch: Statement;
  readonly #delete: Statement;
  readonly #fail: Statement;
  readonly #backlog: Statement;
  readonly #toDead: Statement;
  readonly #deleteOld: Statement;
  readonly #dead: Statement;

  constructor(db: Database) {
    this.#insert = db.prepare('INSERT INTO outbox (target, key, payload, created_ms) VALUES (?, ?, ?, ?)');
    this.#batch = db.prepare('SELECT * FROM outbox WHERE target = ? ORDER BY id LIMIT ?');
    this.#delete = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.#fail = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?');
    this.#backlog = db.prepare(
      'SELECT target, count(*) AS count, min(created_ms) AS oldest_ms FROM outbox GROUP BY target',
    );
    this.#toDead = db.prepare(
      `INSERT INTO outbox_dead (id, target, key, payload, created_ms, attempts, last_error, dead_ms)
       SELECT id, target, key, payload, created_ms, attempts, last_error, ? FROM outbox WHERE target = ? AND created_ms < ?`,
    );
    this.#deleteOld = db.prepare('DELETE FROM outbox WHERE target = ? AND created_ms < ?');
    this.#dead = db.prepare('SELECT * FROM outbox_dead ORDER BY dead_ms DESC, id DESC LIMIT ?');
  }

  /** Inside a write's transaction: asks the engine's recorder what to record, and records it. */
  record(recorder: RecordEvents | undefined, outcome: WriteOutcome, nowMs: number): void {
    if (!recorder) return;
    for (const entry of recorder(outcome)) this.insert(entry, nowMs);
  }

  insert(entry: OutboxEntry, nowMs: number): void {
    this.#insert.run(entry.target, entry.key, entry.payload, nowMs);
  }

  batch(target: string, limit: number): OutboxRecord[] {
    return (this.#batch.all(target, limit) as OutboxRow[]).map(toRecord);
  }

  delivered(ids: number[]): void {
    for (const id of ids) this.#delete.run(id);
  }

  failed(ids: number[], error: string): void {
    for (const id of ids) this.#fail.run(error.slice(0, 1000), id);
  }

  backlog(): OutboxBacklog[] {
    return (this.#backlog.all() as { target: string; count: number; oldest_ms: number }[]).map((r) => ({
      target: r.target,
      count: r.count,
      oldestMs: r.oldest_ms,
    }));
  }

  deadLetter(target: string, olderThanMs: number, nowMs: number): number {
    this.#toDead.run(nowMs, target, olderThanMs);
    return this.#deleteOld.run(target, olderThanMs).changes;
  }

  deadLetters(limit: number): DeadLetter[] {
    return (this.#dead.all(limit) as OutboxRow[]).map((row) => ({ ...toRecord(row), deadMs: row.dead_ms! }));
  }
}
