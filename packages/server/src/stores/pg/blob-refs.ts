import type { BlobRefStore, GarbageBlob } from '../types.js';
import type { PgDb } from './pg-db.js';

/** Write intents, inline bodies and the GC queue. */
export class PgBlobRefs implements BlobRefStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  addPendingBlob(blobId: string, nowMs: number): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run(
        `INSERT INTO pending_blobs (id, created_ms) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET created_ms = excluded.created_ms`,
        [blobId, nowMs],
      );
    });
  }

  dropPendingBlobs(blobIds: string[]): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('DELETE FROM pending_blobs WHERE id = ANY($1::text[])', [blobIds]);
    });
  }

  async listPendingBlobs(): Promise<string[]> {
    return (await this.#db.read.rows<{ id: string }>('SELECT id FROM pending_blobs ORDER BY id')).map((r) => r.id);
  }

  async readInlineBlob(blobId: string): Promise<Buffer | undefined> {
    return (await this.#db.read.one<{ body: Buffer }>('SELECT body FROM blob_bodies WHERE id = $1', [blobId]))?.body;
  }

  async claimGarbage(olderThanMs: number, limit: number): Promise<GarbageBlob[]> {
    const rows = await this.#db.read.rows<{ id: string; inline: boolean }>(
      `SELECT id, EXISTS (SELECT 1 FROM blob_bodies b WHERE b.id = g.id) AS inline
       FROM gc_queue g WHERE queued_ms <= $1 ORDER BY queued_ms LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ id: r.id, inline: r.inline }));
  }

  forgetGarbage(blobIds: string[]): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('DELETE FROM gc_queue WHERE id = ANY($1::text[])', [blobIds]);
      await tx.run('DELETE FROM blob_bodies WHERE id = ANY($1::text[])', [blobIds]);
    });
  }

  async garbageCount(): Promise<number> {
    return (await this.#db.read.one<{ n: number }>('SELECT count(*) AS n FROM gc_queue'))!.n;
  }

  async *listBlobIds(): AsyncIterable<string> {
    // In pages, by id: the whole list is never in memory.
    for (let after = ''; ; ) {
      const rows = await this.#db.read.rows<{ id: string }>(
        `SELECT id FROM blobs b WHERE id > $1 AND NOT EXISTS (SELECT 1 FROM blob_bodies d WHERE d.id = b.id)
         ORDER BY id LIMIT 1000`,
        [after],
      );
      for (const row of rows) yield row.id;
      if (rows.length < 1000) return;
      after = rows[rows.length - 1]!.id;
    }
  }
}
