import type { DeadLetter, OutboxBacklog, OutboxRecord, OutboxStore } from '../types.js';
import type { SqliteDb } from './sqlite-db.js';

/** The outbox domain of the store (OutboxStore): the delivery worker's reads and writes. */
export class SqliteOutbox implements OutboxStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async outboxBatch(target: string, limit: number): Promise<OutboxRecord[]> {
    return this.#db.outbox.batch(target, limit);
  }

  outboxDelivered(ids: number[]): Promise<void> {
    return this.#db.writes.run(() => this.#db.outbox.delivered(ids));
  }

  outboxFailed(ids: number[], error: string): Promise<void> {
    return this.#db.writes.run(() => this.#db.outbox.failed(ids, error));
  }

  async outboxBacklog(): Promise<OutboxBacklog[]> {
    return this.#db.outbox.backlog();
  }

  outboxDeadLetter(target: string, olderThanMs: number, nowMs: number): Promise<number> {
    return this.#db.writes.run(() => this.#db.outbox.deadLetter(target, olderThanMs, nowMs));
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return this.#db.outbox.deadLetters(limit);
  }
}
