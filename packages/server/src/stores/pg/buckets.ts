import { type BucketRow, toBucket } from '../sqlite/rows.js';
import type { BucketRecord, BucketStore, DeleteBucketOptions, NewBucket } from '../types.js';
import { StoreError } from '../types.js';
import { notifyChange } from './change-feed.js';
import type { PgDb } from './pg-db.js';
import { recycledVersion } from './recycle.js';

/** Buckets and their configuration documents. */
export class PgBuckets implements BucketStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  createBucket(input: NewBucket): Promise<BucketRecord> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<{ id: number }>(
        `INSERT INTO buckets (name, owner_id, region, created_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [input.name, input.ownerId, input.region, input.createdMs],
      );
      if (!row) throw new StoreError('conflict', `bucket ${input.name} exists`);
      await notifyChange(tx, { kind: 'bucket', name: input.name });
      if (input.acl !== undefined)
        await tx.run('INSERT INTO bucket_configs (bucket_id, kind, doc) VALUES ($1, $2, $3)', [
          row.id,
          'acl',
          input.acl,
        ]);
      return {
        id: row.id,
        name: input.name,
        ownerId: input.ownerId,
        region: input.region,
        createdMs: input.createdMs,
        versioning: '',
      };
    });
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = await this.#db.read.one<BucketRow>('SELECT * FROM buckets WHERE name = $1', [name]);
    return row && toBucket(row);
  }

  /**
   * Owner ids are `qcs::cam::uin/<account uin>:uin/<uin>`; ';' is the character after ':', so an
   * account's buckets are one range of owner ids in byte order (index buckets_by_owner_c, migration 3).
   */
  async listAccountBuckets(accountUin: string): Promise<BucketRecord[]> {
    const rows = await this.#db.read.rows<BucketRow>(
      `SELECT * FROM buckets WHERE owner_id COLLATE "C" >= $1 AND owner_id COLLATE "C" < $2 ORDER BY name`,
      [`qcs::cam::uin/${accountUin}:`, `qcs::cam::uin/${accountUin};`],
    );
    return rows.map(toBucket);
  }

  async listBuckets(ownerId?: string): Promise<BucketRecord[]> {
    const rows =
      ownerId === undefined
        ? await this.#db.read.rows<BucketRow>('SELECT * FROM buckets ORDER BY name')
        : await this.#db.read.rows<BucketRow>('SELECT * FROM buckets WHERE owner_id = $1 ORDER BY name', [ownerId]);
    return rows.map(toBucket);
  }

  deleteBucket(name: string, options: DeleteBucketOptions = {}): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      // FOR UPDATE: writes into the bucket hold a share lock on this row (PgDb.versioningOf), so
      // they have either committed (and are seen below) or will find the bucket gone.
      const row = await tx.one<BucketRow>('SELECT * FROM buckets WHERE name = $1 FOR UPDATE', [name]);
      if (!row) throw new StoreError('not-found', `no bucket ${name}`);
      if (await tx.one('SELECT 1 FROM objects WHERE bucket_id = $1 LIMIT 1', [row.id]))
        throw new StoreError('not-empty', `bucket ${name} has objects`);
      if (options.abortUploads === undefined) {
        if (await tx.one('SELECT 1 FROM uploads WHERE bucket_id = $1 LIMIT 1', [row.id]))
          throw new StoreError('has-uploads', `bucket ${name} has incomplete uploads`);
      } else {
        // In the same transaction as the bucket's removal: a part uploaded meanwhile either lands
        // before (and is released here) or finds its upload gone.
        const uploads = await tx.rows<{ id: number; upload_id: string }>(
          'SELECT id, upload_id FROM uploads WHERE bucket_id = $1 FOR UPDATE',
          [row.id],
        );
        for (const upload of uploads) await this.#db.abortLocked(tx, upload, options.abortUploads.nowMs);
      }
      // The bin's versions go with the bucket.
      const recycled = await tx.rows<{ version: string }>(
        'DELETE FROM recycled WHERE bucket_id = $1 RETURNING version',
        [row.id],
      );
      await this.#db.releaseAll(
        tx,
        recycled.map((r) => recycledVersion(r.version).manifest),
        Date.now(),
      );
      await tx.run('DELETE FROM buckets WHERE id = $1', [row.id]);
      await notifyChange(tx, { kind: 'bucket', name });
    });
  }

  setBucketVersioning(bucketId: number, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<{ name: string }>('UPDATE buckets SET versioning = $1 WHERE id = $2 RETURNING name', [
        status,
        bucketId,
      ]);
      if (row) await notifyChange(tx, { kind: 'bucket', name: row.name });
    });
  }

  async getBucketConfig(bucketId: number, kind: string): Promise<string | undefined> {
    const row = await this.#db.read.one<{ doc: string }>(
      'SELECT doc FROM bucket_configs WHERE bucket_id = $1 AND kind = $2',
      [bucketId, kind],
    );
    return row?.doc;
  }

  setBucketConfig(bucketId: number, kind: string, doc: string | null): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await notifyChange(tx, { kind: 'bucket-config', bucketId, configKind: kind });
      if (doc === null) await tx.run('DELETE FROM bucket_configs WHERE bucket_id = $1 AND kind = $2', [bucketId, kind]);
      else
        await tx.run(
          `INSERT INTO bucket_configs (bucket_id, kind, doc) VALUES ($1, $2, $3)
           ON CONFLICT (bucket_id, kind) DO UPDATE SET doc = excluded.doc`,
          [bucketId, kind, doc],
        );
    });
  }
}
