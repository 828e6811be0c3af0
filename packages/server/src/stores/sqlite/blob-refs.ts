import type { BlobRefStore, GarbageBlob } from '../types.js';
import type { SqliteDb } from './sqlite-db.js';

/** Write intents, inline bodies and the GC queue. */
export class SqliteBlobRefs implements BlobRefStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  addPendingBlob(blobId: string, nowMs: number): Promise<void> {
    return this.#db.writes.run(() => {
      this.#db.stmt.insertPending.run(blobId, nowMs);
    });
  }

  dropPendingBlobs(blobIds: string[]): Promise<void> {
    return this.#db.writes.run(() => {
      for (const id of blobIds) this.#db.stmt.deletePending.run(id);
    });
  }

  async listPendingBlobs(): Promise<string[]> {
    return (this.#db.stmt.allPending.all() as { id: string }[]).map((r) => r.id);
  }

  async readInlineBlob(blobId: string): Promise<Buffer | undefined> {
    return (this.#db.stmt.bodyOf.get(blobId) as { body: Buffer } | undefined)?.body;
  }

  async claimGarbage(olderThanMs: number, limit: number): Promise<GarbageBlob[]> {
    return (this.#db.stmt.garbage.all(olderThanMs, limit) as { id: string; inline: number }[]).map((r) => ({
      id: r.id,
      inline: r.inline === 1,
    }));
  }

  forgetGarbage(blobIds: string[]): Promise<void> {
    return this.#db.writes.run(() => {
      for (const id of blobIds) {
        this.#db.stmt.deleteGarbage.run(id);
        this.#db.stmt.deleteBody.run(id);
      }
    });
  }

  async garbageCount(): Promise<number> {
    return (this.#db.stmt.garbageCount.get() as { n: number }).n;
  }

  async *listBlobIds(): AsyncIterable<string> {
    for (const row of this.#db.stmt.allBlobs.all() as { id: string }[]) yield row.id;
  }
}
