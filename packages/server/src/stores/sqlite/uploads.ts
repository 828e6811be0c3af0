import { scanListing } from '../listing.js';
import { lockColumns } from '../object-lock.js';
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
import { fetchRange, RANGE } from './ranges.js';
import {
  decodeManifest,
  encodeManifest,
  type ObjectRow,
  type PartRow,
  toPart,
  toUpload,
  toVersion,
  type UploadRow,
} from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Multipart uploads and their parts. */
export class SqliteUploads implements UploadStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  createUpload(u: UploadRecord): Promise<void> {
    return this.#db.writes.run(() => {
      if (!this.#db.stmt.bucketById.get(u.bucketId)) throw new StoreError('not-found', `no bucket ${u.bucketId}`);
      this.#db.stmt.insertUpload.run(
        u.uploadId,
        u.bucketId,
        u.key,
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
      );
    });
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const row = this.#db.stmt.uploadById.get(uploadId) as UploadRow | undefined;
    return row && toUpload(row);
  }

  putPart(input: PutPartInput): Promise<void> {
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
      const upload = s.uploadById.get(input.uploadId) as UploadRow | undefined;
      if (!upload) throw new StoreError('not-found', `no upload ${input.uploadId}`);
      const p = input.part;
      this.#db.insertBlobs(input.newBlobs);
      // Retain first: re-uploading a part from the same blobs (a copy of itself) must not free them.
      this.#db.retain(p.manifest);
      const previous = s.partByNumber.get(upload.id, p.partNumber) as PartRow | undefined;
      if (previous && previous.last_modified_ms > p.lastModifiedMs) {
        // A later send of this part number already landed: this earlier one, finishing last, loses.
        this.#db.release(p.manifest, p.lastModifiedMs);
        return;
      }
      if (previous) {
        s.deletePart.run(upload.id, p.partNumber);
        this.#db.release(decodeManifest(previous.manifest), p.lastModifiedMs);
      }
      s.insertPart.run(
        upload.id,
        p.partNumber,
        p.size,
        p.etag,
        p.crc64 ?? null,
        JSON.stringify(p.checksums),
        p.lastModifiedMs,
        encodeManifest(p.manifest),
      );
    });
  }

  async listParts(uploadId: string, afterPartNumber: number, maxParts: number): Promise<ListPartsPage> {
    const upload = this.#db.stmt.uploadById.get(uploadId) as UploadRow | undefined;
    if (!upload) throw new StoreError('not-found', `no upload ${uploadId}`);
    const rows = this.#db.stmt.partsAfter.all(upload.id, afterPartNumber, maxParts + 1) as PartRow[];
    const parts = rows.slice(0, maxParts).map(toPart);
    const isTruncated = rows.length > maxParts;
    const last = parts[parts.length - 1];
    return { parts, isTruncated, ...(isTruncated && last ? { nextPartNumberMarker: last.partNumber } : {}) };
  }

  completeUpload(input: CompleteUploadInput): Promise<CompleteUploadResult> {
    return this.#db.writes.run((): CompleteUploadResult => {
      const s = this.#db.stmt;
      const row = s.uploadById.get(input.uploadId) as UploadRow | undefined;
      if (!row || row.bucket_id !== input.bucketId || row.key !== input.key) {
        const done = s.completedById.get(input.uploadId) as
          | { bucket_id: number; key: string; version_id: string; etag: string; crc64: string | null; size: number }
          | undefined;
        if (done && done.bucket_id === input.bucketId && done.key === input.key) {
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
      const partRows = s.allParts.all(row.id) as PartRow[];
      const parts = new Map(partRows.map((p) => [p.part_number, toPart(p)]));
      const version = input.compose(toUpload(row), parts);
      const versioning = this.#db.versioningOf(input.bucketId);
      const current = s.latest.get(input.bucketId, input.key) as ObjectRow | undefined;
      input.precondition?.(current && toVersion(current));
      // The new version takes its references before the parts drop theirs, so used blobs never reach zero.
      const created = this.#db.insertVersion(input.bucketId, input.key, versioning, current, version);
      for (const part of parts.values()) this.#db.release(part.manifest, input.nowMs);
      s.deleteUpload.run(row.id);
      this.#db.outbox.record(input.events, { kind: 'created', version: created }, Date.now());
      s.insertCompleted.run(
        input.uploadId,
        input.bucketId,
        input.key,
        created.versionId,
        created.etag,
        created.crc64 ?? null,
        created.size,
        input.nowMs,
      );
      return { kind: 'completed', version: created };
    });
  }

  forgetCompletedUploads(olderThanMs: number): Promise<number> {
    return this.#db.writes.run(() => this.#db.stmt.forgetCompleted.run(olderThanMs).changes);
  }

  abortUpload(uploadId: string, nowMs: number): Promise<UploadRecord> {
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
      const row = s.uploadById.get(uploadId) as UploadRow | undefined;
      if (!row) throw new StoreError('not-found', `no upload ${uploadId}`);
      for (const part of s.allParts.all(row.id) as PartRow[]) this.#db.release(decodeManifest(part.manifest), nowMs);
      s.deleteUpload.run(row.id);
      return toUpload(row);
    });
  }

  async listUploads(bucketId: number, query: ListUploadsQuery): Promise<ListUploadsPage> {
    const s = this.#db.stmt;
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
      const later = s.uploadsAfterMarker.all(
        bucketId,
        query.keyMarker,
        query.uploadIdMarker,
        query.maxUploads + 1,
      ) as UploadRow[];
      for (const row of later) {
        if (entries.length === query.maxUploads) return full();
        entries.push({ kind: 'upload', upload: toUpload(row) });
      }
    }
    const page = await scanListing<UploadRow>({
      prefix: query.prefix,
      delimiter: query.delimiter,
      after: query.keyMarker,
      maxKeys: query.maxUploads - entries.length,
      fetch: (from, upper, limit) =>
        fetchRange(bucketId, from, upper, limit, RANGE.uploads(s), (row, n) =>
          // After a row: the rest of its key's uploads (initiated later).
          s.laterUploads.all(bucketId, row.key, row.id, n),
        ) as UploadRow[],
    });
    for (const e of page.entries) entries.push(e.kind === 'prefix' ? e : { kind: 'upload', upload: toUpload(e.row) });
    return page.isTruncated && entries.length > 0 ? full() : { entries, isTruncated: false };
  }
}
