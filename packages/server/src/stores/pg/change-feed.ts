import pg from 'pg';
import type { ChangeFeed, MetadataChange } from '../types.js';

/** The channel of LISTEN/NOTIFY that carries MetadataChanges between gateways. */
const CHANNEL = 'coffer_changes';

/** Where a NOTIFY is sent: a transaction (PgTx) or the pool (pg-db.ts's Sql, not imported: it imports this file). */
interface Runs {
  run(text: string, values?: unknown[]): Promise<number>;
}

/** Announces a change; PostgreSQL delivers it to every listening gateway when `tx` commits, never before. */
export async function notifyChange(tx: Runs, change: MetadataChange): Promise<void> {
  await tx.run('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(change)]);
}

/**
 * The gateway's end of LISTEN/NOTIFY: one dedicated connection (a pooled one could not hold a
 * LISTEN), opened when the first listener subscribes. If it drops, it reconnects, and listeners get
 * `{ kind: 'all' }`: notifications sent meanwhile are lost, so caches must start afresh.
 */
export class PgChangeFeed implements ChangeFeed {
  readonly #url: string;
  readonly #sql: Runs;
  readonly #listeners = new Set<(change: MetadataChange) => void>();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  /** `sql`: the pool that publish() sends on (the LISTEN connection may be reconnecting). */
  constructor(url: string, sql: Runs) {
    this.#url = url;
    this.#sql = sql;
  }

  async publish(change: MetadataChange): Promise<void> {
    await notifyChange(this.#sql, change);
  }

  subscribe(listener: (change: MetadataChange) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#client && !this.#retry) void this.#connect(false);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  #emit(change: MetadataChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  async #connect(again: boolean): Promise<void> {
    this.#retry = undefined;
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, application_name: 'coffer-changes' });
    this.#client = client;
    const lost = () => {
      if (this.#client !== client || this.#closed) return;
      this.#client = undefined;
      client.end().catch(() => {});
      this.#retry = setTimeout(() => void this.#connect(true), 1000);
      this.#retry.unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return;
      try {
        this.#emit(JSON.parse(message.payload) as MetadataChange);
      } catch {
        this.#emit({ kind: 'all' });
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // The connection does not keep the process alive (a server's own handles do).
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      if (again) this.#emit({ kind: 'all' });
    } catch {
      lost();
    }
  }
}
