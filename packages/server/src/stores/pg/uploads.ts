import { scanListing } from '../listing.js';
import { lockColumns } from '../object-lock.js';
import {
  decodeManifest,
  encodeManifest,
  type PartRow,
  toPart,
  toUpload,
  toVersion,
  type UploadRow,
} from '../sqlite/rows.js';
import {
  type CompleteUploadInput,
  type CompleteUploadResult,
  type ListPartsPage,
  type ListUploadsPage,
  type ListUploadsQuery,
  type PutPartInput,
  StoreError,
  type UploadRecord,
  type UploadStore,
} from '../types.js';
import { escapeKey, withKey } from './keys.js';
import type { PgDb, PgTx, Sql } from './pg-db.js';
import { fetchRange } from './ranges.js';

/** Multipart uploads and their parts. */
export class PgUploads implements UploadStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  createUpload(u: UploadRecord): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await this.#db.versioningOf(tx, u.bucketId);
      await tx.run(
        `INSERT INTO uploads (upload_id, bucket_id, key, initiated_ms, owner_id, storage_class, content_headers,
          user_meta, tagging, acl, checksum_algorithm, sse, lock_mode, lock_until_ms, legal_hold, checksum_type)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          u.uploadId,
          u.bucketId,
          escapeKey(u.key),
          u.initiatedMs,
          u.ownerId,
          u.storageClass,
          JSON.stringify(u.contentHeaders),
          JSON.stringify(u.userMeta),
          u.tagging ?? null,
          u.acl ?? null,
          u.checksumAlgorithm ?? null,
          u.sse ?? null,
          ...lockColumns(u.lock),
          u.checksumType ?? null,
        ],
      );
    });
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const row = await uploadById(this.#db.read, uploadId);
    return row && toUpload(row);
  }

  putPart(input: PutPartInput): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      const db = this.#db;
      // A share lock: parts of one upload land concurrently, but Complete and Abort (FOR UPDATE)
      // wait for them, and a part never lands in an upload they have removed.
      const upload = await uploadById(tx, input.uploadId, 'FOR SHARE');
      if (!upload) throw new StoreError('not-found', `no upload ${input.uploadId}`);
      const p = input.part;
      // Two sends of one part number at once: the second waits here for the first to commit.
      await tx.run('SELECT pg_advisory_xact_lock(hashtext($1), $2)', [input.uploadId, p.partNumber]);
      await db.insertBlobs(tx, input.newBlobs);
      // Retain first: re-uploading a part from the same blobs (a copy of itself) must not free them.
      await db.retain(tx, p.manifest);
      const previous = await tx.one<PartRow>('SELECT * FROM parts WHERE upload_row = $1 AND part_number = $2', [
        upload.id,
        p.partNumber,
      ]);
      if (previous && previous.last_modified_ms > p.lastModifiedMs) {
        // A later send of this part number already landed: this earlier one, finishing last, loses.
        await db.release(tx, p.manifest, p.lastModifiedMs);
        return;
      }
      if (previous) {
        await tx.run('DELETE FROM parts WHERE upload_row = $1 AND part_number = $2', [upload.id, p.partNumber]);
        await db.release(tx, decodeManifest(previous.manifest), p.lastModifiedMs);
      }
      await tx.run(
        `INSERT INTO parts (upload_row, part_number, size, etag, crc64, checksums, last_modified_ms, manifest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          upload.id,
          p.partNumber,
          p.size,
          p.etag,
          p.crc64 ?? null,
          JSON.stringify(p.checksums),
          p.lastModifiedMs,
          encodeManifest(p.manifest),
        ],
      );
    });
  }

  async listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<ListPartsPage> {
    const upload = await uploadById(this.#db.read, uploadId);
    if (!upload) throw new StoreError('not-found', `no upload ${uploadId}`);
    const rows = await this.#db.read.rows<PartRow>(
      'SELECT * FROM parts WHERE upload_row = $1 AND part_number > $2 ORDER BY part_number LIMIT $3',
      [upload.id, afterPartNumber, maxParts + 1],
    );
    const parts = rows.slice(0, maxParts).map(toPart);
    const isTruncated = rows.length > maxParts;
    const last = parts[parts.length - 1];
    return { parts, isTruncated, ...(isTruncated && last ? { nextPartNumberMarker: last.partNumber } : {}) };
  }

  completeUpload(input: CompleteUploadInput): Promise<CompleteUploadResult> {
    return this.#db.writes.run(async (tx): Promise<CompleteUploadResult> => {
      const db = this.#db;
      // FOR UPDATE: a racing Complete or Abort of the same upload waits, then finds it gone.
      const row = await uploadById(tx, input.uploadId, 'FOR UPDATE');
      if (!row || row.bucket_id !== input.bucketId || row.key !== input.key) {
        const done = await tx.one<{
          bucket_id: number;
          key: string;
          version_id: string;
          etag: string;
          crc64: string | null;
          size: number;
        }>('SELECT * FROM completed_uploads WHERE upload_id = $1', [input.uploadId]);
        if (done && done.bucket_id === input.bucketId && withKey(done).key === input.key) {
          return {
            kind: 'already-completed',
            versionId: done.version_id,
            etag: done.etag,
            size: done.size,
            ...(done.crc64 !== null ? { crc64: done.crc64 } : {}),
          };
        }
        throw new StoreError('not-found', `no upload ${input.uploadId}`);
      }
      const partRows = await tx.rows<PartRow>('SELECT * FROM parts WHERE upload_row = $1 ORDER BY part_number', [
        row.id,
      ]);
      const parts = new Map(partRows.map((p) => [p.part_number, toPart(p)]));
      const version = input.compose(toUpload(row), parts);
      const versioning = await db.versioningOf(tx, input.bucketId);
      await db.lockKey(tx, input.bucketId, input.key);
      const current = await db.latest(tx, input.bucketId, input.key);
      input.precondition?.(current && toVersion(withKey({ ...current })));
      // The new version takes its references before the parts drop theirs, so used blobs never reach zero.
      const created = await db.insertVersion(tx, input.bucketId, input.key, versioning, current, version);
      await db.releaseAll(
        tx,
        [...parts.values()].map((p) => p.manifest),
        input.nowMs,
      );
      await tx.run('DELETE FROM uploads WHERE id = $1', [row.id]);
      await tx.run(
        `INSERT INTO completed_uploads (upload_id, bucket_id, key, version_id, etag, crc64, size, completed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (upload_id) DO UPDATE SET bucket_id = excluded.bucket_id, key = excluded.key,
           version_id = excluded.version_id, etag = excluded.etag, crc64 = excluded.crc64, size = excluded.size,
           completed_ms = excluded.completed_ms`,
        [
          input.uploadId,
          input.bucketId,
          escapeKey(input.key),
          created.versionId,
          created.etag,
          created.crc64 ?? null,
          created.size,
          input.nowMs,
        ],
      );
      await db.recordEvents(tx, input.events, [{ kind: 'created', version: created }]);
      return { kind: 'completed', version: created };
    });
  }

  forgetCompletedUploads(olderThanMs: number): Promise<number> {
    return this.#db.writes.run((tx) => tx.run('DELETE FROM completed_uploads WHERE completed_ms < $1', [olderThanMs]));
  }

  abortUpload(uploadId: string, nowMs: number): Promise<UploadRecord> {
    return this.#db.writes.run(async (tx) => {
      const row = await uploadById(tx, uploadId, 'FOR UPDATE');
      if (!row) throw new StoreError('not-found', `no upload ${uploadId}`);
      await this.#db.abortLocked(tx, row, nowMs);
      return toUpload(row);
    });
  }

  async listUploads(bucketId: number, query: ListUploadsQuery): Promise<ListUploadsPage> {
    const read = this.#db.read;
    const entries: ListUploadsPage['entries'] = [];
    const full = (): ListUploadsPage => {
      const last = entries[entries.length - 1]!;
      return last.kind === 'prefix'
        ? { entries, isTruncated: true, nextKeyMarker: last.prefix }
        : { entries, isTruncated: true, nextKeyMarker: last.upload.key, nextUploadIdMarker: last.upload.uploadId };
    };
    // Continue inside the marker key first: its uploads initiated after the upload-id marker. Upload
    // ids sort in initiation order, so this works even when the marker's upload is gone.
    if (query.keyMarker !== '' && query.uploadIdMarker !== '') {
      const later = await read.rows<UploadRow>(
        'SELECT * FROM uploads WHERE bucket_id = $1 AND key = $2 AND upload_id > $3 ORDER BY id LIMIT $4',
        [bucketId, escapeKey(query.keyMarker), query.uploadIdMarker, query.maxUploads + 1],
      );
      for (const row of later) {
        if (entries.length === query.maxUploads) return full();
        entries.push({ kind: 'upload', upload: toUpload(withKey(row)) });
      }
    }
    const page = await scanListing<UploadRow>({
      prefix: query.prefix,
      delimiter: query.delimiter,
      after: query.keyMarker,
      maxKeys: query.maxUploads - entries.length,
      fetch: (from, upper, limit) =>
        fetchRange(
          read,
          {
            select: 'SELECT * FROM uploads WHERE bucket_id = $1',
            order: 'key, id',
            // After a row: the rest of its key's uploads (initiated later).
            withinKey: async (row, n) =>
              (
                await read.rows<UploadRow>(
                  'SELECT * FROM uploads WHERE bucket_id = $1 AND key = $2 AND id > $3 ORDER BY id LIMIT $4',
                  [bucketId, escapeKey(row.key), row.id, n],
                )
              ).map(withKey),
          },
          bucketId,
          from,
          upper,
          limit,
        ),
    });
    for (const e of page.entries) entries.push(e.kind === 'prefix' ? e : { kind: 'upload', upload: toUpload(e.row) });
    return page.isTruncated && entries.length > 0 ? full() : { entries, isTruncated: false };
  }
}

/** An upload's row, its key unescaped; `lock` locks it for the transaction. */
export async function uploadById(
  sql: Sql | PgTx,
  uploadId: string,
  lock: '' | 'FOR SHARE' | 'FOR UPDATE' = '',
): Promise<UploadRow | undefined> {
  const row = await sql.one<UploadRow>(`SELECT * FROM uploads WHERE upload_id = $1 ${lock}`, [uploadId]);
  return row && withKey(row);
}
