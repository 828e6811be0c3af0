import { type BucketRecord, type BucketStore, type DeleteBucketOptions, type NewBucket, StoreError } from '../types.js';
import { type BucketRow, decodeManifest, type PartRow, toBucket, type UploadRow } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Buckets and their configuration documents. */
export class SqliteBuckets implements BucketStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  createBucket(input: NewBucket): Promise<BucketRecord> {
    return this.#db.writes.run(() => {
      if (this.#db.stmt.bucketByName.get(input.name)) throw new StoreError('conflict', `bucket ${input.name} exists`);
      const { lastInsertRowid } = this.#db.stmt.insertBucket.run(
        input.name,
        input.ownerId,
        input.region,
        input.createdMs,
      );
      const id = Number(lastInsertRowid);
      if (input.acl !== undefined) this.#db.stmt.upsertConfig.run(id, 'acl', input.acl);
      return {
        id,
        name: input.name,
        ownerId: input.ownerId,
        region: input.region,
        createdMs: input.createdMs,
        versioning: '',
      };
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = this.#db.stmt.bucketByName.get(name) as BucketRow | undefined;
    return row && toBucket(row);
  }

  async listBuckets(ownerId?: string): Promise<BucketRecord[]> {
    const rows = (
      ownerId === undefined ? this.#db.stmt.allBuckets.all() : this.#db.stmt.bucketsByOwner.all(ownerId)
    ) as BucketRow[];
    return rows.map(toBucket);
  }

  deleteBucket(name: string, options: DeleteBucketOptions = {}): Promise<void> {
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
      const row = s.bucketByName.get(name) as BucketRow | undefined;
      if (!row) throw new StoreError('not-found', `no bucket ${name}`);
      if (s.anyObject.get(row.id)) throw new StoreError('not-empty', `bucket ${name} has objects`);
      if (options.abortUploads === undefined) {
        if (s.anyUpload.get(row.id)) throw new StoreError('has-uploads', `bucket ${name} has incomplete uploads`);
      } else {
        // In the same transaction as the bucket's removal: a part uploaded meanwhile either lands
        // before (and is released here) or finds its upload gone.
        for (const upload of s.uploadsOfBucket.all(row.id) as UploadRow[]) {
          for (const part of s.allParts.all(upload.id) as PartRow[])
            this.#db.release(decodeManifest(part.manifest), options.abortUploads.nowMs);
          s.deleteUpload.run(upload.id);
        }
      }
      s.deleteBucket.run(row.id);
    });
  }

  setBucketVersioning(bucketId: number, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.#db.writes.run(() => {
      this.#db.stmt.setVersioning.run(status, bucketId);
    });
  }

  async getBucketConfig(bucketId: number, kind: string): Promise<string | undefined> {
    return (this.#db.stmt.getConfig.get(bucketId, kind) as { doc: string } | undefined)?.doc;
  }

  setBucketConfig(bucketId: number, kind: string, doc: string | null): Promise<void> {
    return this.#db.writes.run(() => {
      if (doc === null) this.#db.stmt.deleteConfig.run(bucketId, kind);
      else this.#db.stmt.upsertConfig.run(bucketId, kind, doc);
    });
  }
}
