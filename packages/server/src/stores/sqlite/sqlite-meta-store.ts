import fs, { type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { compareKeys, prefixSuccessor } from '../keys.js';
import { type ScanFrom, type ScannedPage, scanListing } from '../listing.js';
import { lockColumns, lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
import {
  type AccessKeyRecord,
  type BucketRecord,
  type BucketUsage,
  type CommitObjectInput,
  type CommitObjectResult,
  type CompleteUploadInput,
  type CompleteUploadResult,
  type DeleteBucketOptions,
  type DeleteObjectInput,
  type DeleteObjectResult,
  type FolderUsage,
  type GarbageBlob,
  INLINE_ATTACH_BYTES,
  type LifecycleAction,
  type LifecycleCounts,
  type LifecycleRow,
  type LifecycleStats,
  type ListObjectsPage,
  type ListObjectsQuery,
  type ListPartsPage,
  type ListUploadsPage,
  type ListUploadsQuery,
  type ListVersionsPage,
  type ListVersionsQuery,
  type ManifestEntry,
  type MetadataStore,
  type NewBlob,
  type NewBucket,
  type ObjectLock,
  type ObjectSummary,
  type ObjectVersion,
  type PutPartInput,
  StoreError,
  type UploadRecord,
  type UserPolicyRecord,
  type UserRecord,
  type VersioningStatus,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';
import {
  type AccessKeyRow,
  type BucketRow,
  decodeManifest,
  distinctBlobs,
  encodeManifest,
  encodePartSizes,
  newVersionId,
  type ObjectRow,
  type PartRow,
  type SummaryRow,
  toAccessKey,
  toBucket,
  toPart,
  toSummary,
  toUpload,
  toUser,
  toUserPolicy,
  toVersion,
  type UploadRow,
  type UserPolicyRow,
  type UserRow,
} from './rows.js';
import { prepareStatements, type Statement } from './statements.js';

type Statements = ReturnType<typeof prepareStatements>;

import { WriteBatcher } from './write-batcher.js';

/** What a domain store sharing the metadata database works with (SqliteMetaStore.shared()). */
export interface SqliteShared {
  db: Database.Database;
  /** Runs `fn` inside the next group-committed transaction; settles after the COMMIT. */
  write<T>(fn: () => T): Promise<T>;
}

export interface SqliteMetaStoreOptions {
  /** Database file path, or ':memory:' for tests. */
  filename: string;
  /** Make every commit durable (fsync the WAL, in the threadpool) before its promise settles. */
  fsync: boolean;
}

/**
 * The embedded MetadataStore: better-sqlite3 in WAL mode. Reads run at once; writes go through the
 * WriteBatcher (group commit). Every mutating method is one function run inside one transaction.
 */
export class SqliteMetaStore implements MetadataStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #writes: WriteBatcher;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  #seq: number;
  readonly #walPath: string | undefined;
  #wal: Promise<FileHandle> | undefined;
  #walSyncing: Promise<void> | undefined;
  #walNext: Promise<void> | undefined;
  /** Bytes of blobs released inside the current transaction (lifecycle reports them). */
  #freedBytes = 0;

  constructor(options: SqliteMetaStoreOptions) {
    this.#db = new Database(options.filename);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL: commits write the WAL without fsync (and checkpoints sync the database file). With
    // `fsync`, the store itself fsyncs the WAL after each group commit, through libuv's threadpool,
    // so the event loop keeps serving while the disk flushes (synchronous=FULL would block it).
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    // Listing seeks the (bucket, key) index once per common prefix: keep index pages in memory.
    // The default page cache is 2 MB, which a page of 1,000 seeks across a large bucket overflows.
    this.#db.pragma('cache_size = -65536');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#stmt = prepareStatements(this.#db);
    this.#seq = (this.#db.prepare('SELECT max(seq) AS seq FROM objects').get() as { seq: number | null }).seq ?? 0;
    this.#walPath = options.filename === ':memory:' || options.filename === '' ? undefined : `${options.filename}-wal`;
    this.#writes = new WriteBatcher(this.#db, options.fsync && this.#walPath ? () => this.#syncWal() : undefined);
  }

  /**
   * The database and its group commit, for the stores of other domains kept in the same file
   * (kms-keys.ts, object-access.ts): their writes join this store's batches.
   */
  shared(): SqliteShared {
    return { db: this.#db, write: (fn) => this.#writes.run(fn) };
  }

  /**
   * fsync of the WAL file, coalesced: a batch committed while an fsync runs waits for the next one,
   * which covers every batch committed before it started (group fsync). The handle is opened once
   * the WAL exists (after the first commit).
   */
  #syncWal(): Promise<void> {
    if (this.#walSyncing) {
      this.#walNext ??= this.#walSyncing.then(
        () => this.#startWalSync(),
        () => this.#startWalSync(),
      );
      return this.#walNext;
    }
    return this.#startWalSync();
  }

  #startWalSync(): Promise<void> {
    this.#walNext = undefined;
    this.#wal ??= fs.open(this.#walPath!, 'r');
    const sync = this.#wal.then((handle) => handle.sync());
    this.#walSyncing = sync;
    const clear = () => {
      if (this.#walSyncing === sync) this.#walSyncing = undefined;
    };
    sync.then(clear, clear);
    return sync;
  }

  async close(): Promise<void> {
    this.#writes.flush();
    await this.#writes.settled();
    if (this.#wal) await (await this.#wal).close();
    this.#db.close();
  }

  // ---- buckets --------------------------------------------------------------------------------

  createBucket(input: NewBucket): Promise<BucketRecord> {
    return this.#writes.run(() => {
      if (this.#stmt.bucketByName.get(input.name)) throw new StoreError('conflict', `bucket ${input.name} exists`);
      const { lastInsertRowid } = this.#stmt.insertBucket.run(input.name, input.ownerId, input.region, input.createdMs);
      const id = Number(lastInsertRowid);
      if (input.acl !== undefined) this.#stmt.upsertConfig.run(id, 'acl', input.acl);
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
    const row = this.#stmt.bucketByName.get(name) as BucketRow | undefined;
    return row && toBucket(row);
  }

  async listBuckets(ownerId?: string): Promise<BucketRecord[]> {
    const rows = (
      ownerId === undefined ? this.#stmt.allBuckets.all() : this.#stmt.bucketsByOwner.all(ownerId)
    ) as BucketRow[];
    return rows.map(toBucket);
  }

  deleteBucket(name: string, options: DeleteBucketOptions = {}): Promise<void> {
    return this.#writes.run(() => {
      const s = this.#stmt;
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
            this.#release(decodeManifest(part.manifest), options.abortUploads.nowMs);
          s.deleteUpload.run(upload.id);
        }
      }
      s.deleteBucket.run(row.id);
    });
  }

  setBucketVersioning(bucketId: number, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.#writes.run(() => {
      this.#stmt.setVersioning.run(status, bucketId);
    });
  }

  async getBucketConfig(bucketId: number, kind: string): Promise<string | undefined> {
    return (this.#stmt.getConfig.get(bucketId, kind) as { doc: string } | undefined)?.doc;
  }

  setBucketConfig(bucketId: number, kind: string, doc: string | null): Promise<void> {
    return this.#writes.run(() => {
      if (doc === null) this.#stmt.deleteConfig.run(bucketId, kind);
      else this.#stmt.upsertConfig.run(bucketId, kind, doc);
    });
  }

  // ---- write intents ----------------------------------------------------------------------------

  addPendingBlob(blobId: string, nowMs: number): Promise<void> {
    return this.#writes.run(() => {
      this.#stmt.insertPending.run(blobId, nowMs);
    });
  }

  dropPendingBlobs(blobIds: string[]): Promise<void> {
    return this.#writes.run(() => {
      for (const id of blobIds) this.#stmt.deletePending.run(id);
    });
  }

  async listPendingBlobs(): Promise<string[]> {
    return (this.#stmt.allPending.all() as { id: string }[]).map((r) => r.id);
  }

  // ---- objects ----------------------------------------------------------------------------------

  commitObject(input: CommitObjectInput): Promise<CommitObjectResult> {
    return this.#writes.run(() => {
      const versioning = this.#versioningOf(input.bucketId);
      const current = this.#stmt.latest.get(input.bucketId, input.key) as ObjectRow | undefined;
      input.precondition?.(current && toVersion(current));
      this.#insertBlobs(input.newBlobs);
      const version = this.#insertVersion(input.bucketId, input.key, versioning, current, input.version);
      return { version };
    });
  }

  async getObject(bucketId: number, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    const row = (
      versionId === undefined
        ? this.#stmt.latest.get(bucketId, key)
        : this.#stmt.byVersion.get(bucketId, key, versionId)
    ) as ObjectRow | undefined;
    if (!row) return undefined;
    const version = toVersion(row);
    this.#attachBodies(version.manifest);
    return version;
  }

  async readInlineBlob(blobId: string): Promise<Buffer | undefined> {
    return (this.#stmt.bodyOf.get(blobId) as { body: Buffer } | undefined)?.body;
  }

  deleteObject(input: DeleteObjectInput): Promise<DeleteObjectResult> {
    return this.#writes.run((): DeleteObjectResult => {
      const { bucketId, key } = input;
      if (input.versionId !== undefined) {
        const row = this.#stmt.byVersion.get(bucketId, key, input.versionId) as ObjectRow | undefined;
        if (!row) return { versionId: input.versionId, deleteMarker: false, createdDeleteMarker: false };
        if (lockForbidsDeletion(lockFromColumns(row), input.nowMs, input.bypassGovernance)) {
          throw new StoreError('locked', `version ${input.versionId} of ${key} is locked`);
        }
        this.#removeRow(row, input.nowMs);
        if (row.is_latest) {
          const next = this.#stmt.newest.get(bucketId, key) as { id: number } | undefined;
          if (next) this.#stmt.setLatest.run(1, next.id);
        }
        return { versionId: row.version_id, deleteMarker: row.is_delete_marker === 1, createdDeleteMarker: false };
      }
      const versioning = this.#versioningOf(bucketId);
      const current = this.#stmt.latest.get(bucketId, key) as ObjectRow | undefined;
      if (versioning === '') {
        if (current) this.#removeRow(current, input.nowMs);
        return { deleteMarker: false, createdDeleteMarker: false };
      }
      const marker = this.#insertVersion(bucketId, key, versioning, current, {
        isDeleteMarker: true,
        size: 0,
        etag: '',
        lastModifiedMs: input.nowMs,
        storageClass: 'STANDARD',
        objectType: 'normal',
        ownerId: input.ownerId,
        contentHeaders: {},
        userMeta: {},
        checksums: {},
        manifest: [],
      });
      return { versionId: marker.versionId, deleteMarker: true, createdDeleteMarker: true };
    });
  }

  setObjectAcl(bucketId: number, key: string, versionId: string | undefined, acl: string | null): Promise<boolean> {
    return this.#writes.run(() => {
      const s = this.#stmt;
      const result =
        versionId === undefined
          ? s.setAclLatest.run(acl, bucketId, key)
          : s.setAclVersion.run(acl, bucketId, key, versionId);
      return result.changes === 1;
    });
  }

  setObjectRestored(bucketId: number, key: string, versionId: string, untilMs: number): Promise<boolean> {
    return this.#writes.run(() => this.#stmt.setRestored.run(untilMs, bucketId, key, versionId).changes === 1);
  }

  setObjectLock(
    bucketId: number,
    key: string,
    versionId: string,
    update: (current: ObjectVersion) => ObjectLock,
  ): Promise<boolean> {
    return this.#writes.run(() => {
      const row = this.#stmt.byVersion.get(bucketId, key, versionId) as ObjectRow | undefined;
      if (!row || row.is_delete_marker) return false;
      const lock = update(toVersion(row));
      return this.#stmt.setLock.run(...lockColumns(lock), bucketId, key, versionId).changes === 1;
    });
  }

  setObjectTagging(bucketId: number, key: string, versionId: string, tagging: string | null): Promise<boolean> {
    return this.#writes.run(() => this.#stmt.setTagging.run(tagging, bucketId, key, versionId).changes === 1);
  }

  async bucketHasObjects(bucketId: number): Promise<boolean> {
    return this.#stmt.anyObject.get(bucketId) !== undefined;
  }

  async listObjects(bucketId: number, query: ListObjectsQuery): Promise<ListObjectsPage> {
    const s = this.#stmt;
    type Row = Pick<SummaryRow, 'key' | 'size' | 'etag' | 'last_modified_ms' | 'storage_class' | 'owner_id'>;
    // The recursive fold computes a prefix's successor by adding 1 to its last code point, which is
    // right unless that would land in the surrogates or past U+10FFFF (then the generic path runs).
    const last = query.delimiter === '' ? 0 : query.delimiter.codePointAt(query.delimiter.length - 1)!;
    const foldable = query.delimiter !== '' && last !== 0xd7ff && last < 0x10ffff;
    const prefixLength = [...query.prefix].length;
    const delimiterLength = [...query.delimiter].length;
    const page =
      (query.delimiter === '/' ? this.#listByDirectory<Row>(bucketId, query) : undefined) ??
      scanListing<Row>({
        ...query,
        ...(foldable
          ? {
              foldRun: (start: string, upper: string | undefined, limit: number) =>
                s.currentFoldRun
                  .raw(false)
                  .pluck(true)
                  .all({
                    bucket: bucketId,
                    start,
                    upper: upper ?? null,
                    plen: prefixLength,
                    delim: query.delimiter,
                    dlen: delimiterLength,
                    limit,
                  }) as string[],
            }
          : {}),
        fetch: (from, upper, limit) => fetchRange(bucketId, from, upper, limit, RANGE.current(s)) as Row[],
      });
    const entries: ListObjectsPage['entries'] = page.entries.map((e) =>
      e.kind === 'prefix'
        ? e
        : {
            kind: 'object',
            object: {
              key: e.row.key,
              versionId: 'null',
              seq: 0,
              isLatest: true,
              isDeleteMarker: false,
              size: e.row.size,
              etag: e.row.etag,
              lastModifiedMs: e.row.last_modified_ms,
              storageClass: e.row.storage_class,
              ownerId: e.row.owner_id,
            },
          },
    );
    return {
      entries,
      isTruncated: page.isTruncated,
      ...(page.nextAfter !== undefined ? { nextAfter: page.nextAfter } : {}),
    };
  }

  async listObjectVersions(bucketId: number, query: ListVersionsQuery): Promise<ListVersionsPage> {
    const s = this.#stmt;
    const entries: ListVersionsPage['entries'] = [];
    const after = query.keyMarker;
    // Continue inside the marker key first: its versions older than the version-id marker.
    if (query.keyMarker !== '' && query.versionIdMarker !== '') {
      const marker = s.byVersion.get(bucketId, query.keyMarker, query.versionIdMarker) as ObjectRow | undefined;
      if (marker) {
        const older = s.olderVersions.all(bucketId, query.keyMarker, marker.seq, query.maxKeys + 1) as SummaryRow[];
        for (const row of older) {
          if (entries.length === query.maxKeys) {
            const last = entries[entries.length - 1] as { kind: 'version'; object: ObjectSummary };
            return {
              entries,
              isTruncated: true,
              nextKeyMarker: last.object.key,
              nextVersionIdMarker: last.object.versionId,
            };
          }
          entries.push({ kind: 'version', object: toSummary(row) });
        }
      }
    }
    const page = scanListing<SummaryRow>({
      prefix: query.prefix,
      delimiter: query.delimiter,
      after,
      maxKeys: query.maxKeys - entries.length,
      fetch: (from, upper, limit) =>
        fetchRange(bucketId, from, upper, limit, RANGE.versions(s), (row, n) =>
          // After a row: the rest of its key's versions (older first).
          s.olderVersions.all(bucketId, row.key, row.seq, n),
        ) as SummaryRow[],
    });
    for (const e of page.entries) entries.push(e.kind === 'prefix' ? e : { kind: 'version', object: toSummary(e.row) });
    if (!page.isTruncated) return { entries, isTruncated: false };
    const last = entries[entries.length - 1];
    if (!last) return { entries, isTruncated: false };
    return last.kind === 'prefix'
      ? { entries, isTruncated: true, nextKeyMarker: last.prefix }
      : { entries, isTruncated: true, nextKeyMarker: last.object.key, nextVersionIdMarker: last.object.versionId };
  }

  // ---- multipart uploads ------------------------------------------------------------------------

  createUpload(u: UploadRecord): Promise<void> {
    return this.#writes.run(() => {
      if (!this.#stmt.bucketById.get(u.bucketId)) throw new StoreError('not-found', `no bucket ${u.bucketId}`);
      this.#stmt.insertUpload.run(
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
    const row = this.#stmt.uploadById.get(uploadId) as UploadRow | undefined;
    return row && toUpload(row);
  }

  putPart(input: PutPartInput): Promise<void> {
    return this.#writes.run(() => {
      const s = this.#stmt;
      const upload = s.uploadById.get(input.uploadId) as UploadRow | undefined;
      if (!upload) throw new StoreError('not-found', `no upload ${input.uploadId}`);
      const p = input.part;
      this.#insertBlobs(input.newBlobs);
      // Retain first: re-uploading a part from the same blobs (a copy of itself) must not free them.
      this.#retain(p.manifest);
      const previous = s.partByNumber.get(upload.id, p.partNumber) as PartRow | undefined;
      if (previous && previous.last_modified_ms > p.lastModifiedMs) {
        // A later send of this part number already landed: this earlier one, finishing last, loses.
        this.#release(p.manifest, p.lastModifiedMs);
        return;
      }
      if (previous) {
        s.deletePart.run(upload.id, p.partNumber);
        this.#release(decodeManifest(previous.manifest), p.lastModifiedMs);
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
    const upload = this.#stmt.uploadById.get(uploadId) as UploadRow | undefined;
    if (!upload) throw new StoreError('not-found', `no upload ${uploadId}`);
    const rows = this.#stmt.partsAfter.all(upload.id, afterPartNumber, maxParts + 1) as PartRow[];
    const parts = rows.slice(0, maxParts).map(toPart);
    const isTruncated = rows.length > maxParts;
    const last = parts[parts.length - 1];
    return { parts, isTruncated, ...(isTruncated && last ? { nextPartNumberMarker: last.partNumber } : {}) };
  }

  completeUpload(input: CompleteUploadInput): Promise<CompleteUploadResult> {
    return this.#writes.run((): CompleteUploadResult => {
      const s = this.#stmt;
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
      const versioning = this.#versioningOf(input.bucketId);
      const current = s.latest.get(input.bucketId, input.key) as ObjectRow | undefined;
      input.precondition?.(current && toVersion(current));
      // The new version takes its references before the parts drop theirs, so used blobs never reach zero.
      const created = this.#insertVersion(input.bucketId, input.key, versioning, current, version);
      for (const part of parts.values()) this.#release(part.manifest, input.nowMs);
      s.deleteUpload.run(row.id);
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
    return this.#writes.run(() => this.#stmt.forgetCompleted.run(olderThanMs).changes);
  }

  abortUpload(uploadId: string, nowMs: number): Promise<UploadRecord> {
    return this.#writes.run(() => {
      const s = this.#stmt;
      const row = s.uploadById.get(uploadId) as UploadRow | undefined;
      if (!row) throw new StoreError('not-found', `no upload ${uploadId}`);
      for (const part of s.allParts.all(row.id) as PartRow[]) this.#release(decodeManifest(part.manifest), nowMs);
      s.deleteUpload.run(row.id);
      return toUpload(row);
    });
  }

  async listUploads(bucketId: number, query: ListUploadsQuery): Promise<ListUploadsPage> {
    const s = this.#stmt;
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
    const page = scanListing<UploadRow>({
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

  async bucketUsage(bucketId: number): Promise<BucketUsage> {
    const usage = emptyUsage();
    type Row = { kind: string; storage_class: string; count: number; bytes: number };
    for (const r of this.#stmt.liveUsage.all(bucketId) as Row[]) {
      if (r.kind === 'current') usage.objects[r.storage_class] = { count: r.count, bytes: r.bytes };
      else if (r.kind === 'noncurrent') {
        usage.noncurrentVersions.count += r.count;
        usage.noncurrentVersions.bytes += r.bytes;
      } else if (r.kind === 'marker') usage.deleteMarkers += r.count;
      else if (r.kind === 'upload') usage.incompleteUploads.count += r.count;
      else if (r.kind === 'part') {
        usage.incompleteUploads.parts += r.count;
        usage.incompleteUploads.bytes += r.bytes;
      }
    }
    return usage;
  }

  async recountBucketUsage(bucketId: number): Promise<BucketUsage> {
    const s = this.#stmt;
    const usage = emptyUsage();
    for (const r of s.usageCurrent.all(bucketId) as { storage_class: string; n: number; bytes: number }[]) {
      usage.objects[r.storage_class] = { count: r.n, bytes: r.bytes };
    }
    const noncurrent = s.usageNoncurrent.get(bucketId) as { n: number; bytes: number };
    const markers = s.usageMarkers.get(bucketId) as { n: number };
    const uploads = s.usageUploads.get(bucketId) as { n: number; parts: number; bytes: number };
    usage.noncurrentVersions = { count: noncurrent.n, bytes: noncurrent.bytes };
    usage.deleteMarkers = markers.n;
    usage.incompleteUploads = { count: uploads.n, parts: uploads.parts, bytes: uploads.bytes };
    return usage;
  }

  /**
   * Current objects under a prefix from the directory index: a prefix ending in '/' is one row of
   * dirs; any other prefix sums the child directories it covers (one range of dirs_by_parent) and
   * the files of its directory that it covers (one range of objects_by_dir). A bucket the index
   * cannot serve (a key with U+0000) is counted from the covering objects_current index instead.
   */
  async folderUsage(bucketId: number, prefix: string, recount = false): Promise<FolderUsage> {
    const s = this.#stmt;
    if (prefix === '' && !recount) {
      const all = Object.values((await this.bucketUsage(bucketId)).objects);
      return { count: all.reduce((n, c) => n + c.count, 0), bytes: all.reduce((n, c) => n + c.bytes, 0) };
    }
    const upper = prefixSuccessor(prefix);
    type Totals = { n: number; bytes: number };
    if (upper === undefined) {
      const t = s.prefixTotalsAll.get(bucketId, prefix) as Totals;
      return { count: t.n, bytes: t.bytes };
    }
    if (recount || s.dirsUnusable.get(bucketId) !== undefined) {
      const t = s.prefixTotals.get(bucketId, prefix, upper) as Totals;
      return { count: t.n, bytes: t.bytes };
    }
    if (prefix.endsWith('/')) {
      const row = s.dirTotals.get(bucketId, prefix) as { objects: number; bytes: number } | undefined;
      return { count: row?.objects ?? 0, bytes: row?.bytes ?? 0 };
    }
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const dirs = s.childDirTotals.get(bucketId, dir, prefix, upper) as Totals;
    const files = s.dirFileTotals.get(bucketId, dir, prefix, upper) as Totals;
    return { count: dirs.n + files.n, bytes: dirs.bytes + files.bytes };
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async scanVersions(
    bucketId: number,
    after: { key: string; seq: number } | undefined,
    limit: number,
  ): Promise<LifecycleRow[]> {
    const s = this.#stmt;
    type Row = SummaryRow & { tagging: string | null; object_type: string };
    const rows: Row[] = [];
    if (after === undefined) rows.push(...(s.scanVersionsFirst.all(bucketId, limit) as Row[]));
    else {
      rows.push(...(s.scanVersionsInKey.all(bucketId, after.key, after.seq, limit) as Row[]));
      if (rows.length < limit) rows.push(...(s.scanVersionsGt.all(bucketId, after.key, limit - rows.length) as Row[]));
    }
    return rows.map((r) => ({
      ...toSummary(r),
      ...(r.tagging !== null ? { tagging: r.tagging } : {}),
      ...(r.object_type === 'appendable' ? { appendable: true } : {}),
    }));
  }

  async scanUploads(bucketId: number, afterUploadId: string, limit: number): Promise<UploadRecord[]> {
    return (this.#stmt.scanUploads.all(bucketId, afterUploadId, limit) as UploadRow[]).map(toUpload);
  }

  applyLifecycleBatch(input: {
    bucketId: number;
    nowMs: number;
    actions: LifecycleAction[];
    runId: number;
    state: string;
  }): Promise<LifecycleCounts> {
    return this.#writes.run(() => {
      const s = this.#stmt;
      const { bucketId, nowMs } = input;
      const bucket = s.bucketById.get(bucketId) as BucketRow | undefined;
      const counts: LifecycleCounts = {
        objectsExpired: 0,
        versionsDeleted: 0,
        markersRemoved: 0,
        transitioned: 0,
        uploadsAborted: 0,
        bytesFreed: 0,
      };
      this.#freedBytes = 0;
      for (const action of bucket ? input.actions : []) {
        if (action.kind === 'abort-upload') {
          const upload = s.uploadById.get(action.uploadId) as UploadRow | undefined;
          if (!upload || upload.bucket_id !== bucketId) continue;
          for (const part of s.allParts.all(upload.id) as PartRow[])
            this.#release(decodeManifest(part.manifest), nowMs);
          s.deleteUpload.run(upload.id);
          counts.uploadsAborted++;
          continue;
        }
        if (action.kind === 'expire-current') {
          const current = s.latest.get(bucketId, action.key) as ObjectRow | undefined;
          if (!current || current.seq !== action.seq || current.is_delete_marker) continue;
          const versioning = bucket!.versioning as VersioningStatus;
          if (versioning === '') this.#removeRow(current, nowMs);
          else {
            this.#insertVersion(bucketId, action.key, versioning, current, {
              isDeleteMarker: true,
              size: 0,
              etag: '',
              lastModifiedMs: nowMs,
              storageClass: 'STANDARD',
              objectType: 'normal',
              ownerId: bucket!.owner_id,
              contentHeaders: {},
              userMeta: {},
              checksums: {},
              manifest: [],
            });
          }
          counts.objectsExpired++;
          continue;
        }
        const row = s.byVersion.get(bucketId, action.key, action.versionId) as ObjectRow | undefined;
        // The seq check matters for 'null' ids: a write since the scan may have put a new, unjudged
        // null version under the same id.
        if (!row || row.seq !== action.seq) continue;
        if (action.kind === 'delete-version') {
          // Object lock: a retained or held version outlives every lifecycle rule.
          if (row.is_latest || lockForbidsDeletion(lockFromColumns(row), nowMs)) continue;
          this.#removeRow(row, nowMs);
          counts.versionsDeleted++;
        } else if (action.kind === 'remove-marker') {
          const { n } = s.versionCount.get(bucketId, action.key) as { n: number };
          if (!row.is_latest || !row.is_delete_marker || n !== 1) continue;
          this.#removeRow(row, nowMs);
          counts.markersRemoved++;
        } else if (row.storage_class !== action.storageClass && !row.is_delete_marker) {
          s.setStorageClass.run(action.storageClass, bucketId, action.key, action.versionId);
          counts.transitioned++;
        }
      }
      counts.bytesFreed = this.#freedBytes;
      s.saveRun.run(input.state, input.runId);
      if (bucket) {
        s.ensureStats.run(bucketId);
        s.addStats.run(
          counts.objectsExpired,
          counts.versionsDeleted,
          counts.markersRemoved,
          counts.transitioned,
          counts.uploadsAborted,
          counts.bytesFreed,
          bucketId,
        );
      }
      return counts;
    });
  }

  async unfinishedLifecycleRun(): Promise<{ runId: number; startedMs: number; state: string } | undefined> {
    const row = this.#stmt.unfinishedRun.get() as { id: number; started_ms: number; state: string } | undefined;
    return row && { runId: row.id, startedMs: row.started_ms, state: row.state };
  }

  startLifecycleRun(nowMs: number, state: string): Promise<number> {
    return this.#writes.run(() => Number(this.#stmt.insertRun.run(nowMs, state).lastInsertRowid));
  }

  saveLifecycleRun(runId: number, state: string): Promise<void> {
    return this.#writes.run(() => {
      this.#stmt.saveRun.run(state, runId);
    });
  }

  finishLifecycleRun(runId: number, nowMs: number): Promise<void> {
    return this.#writes.run(() => {
      this.#stmt.finishRun.run(nowMs, runId);
    });
  }

  recordLifecycleVisit(bucketId: number, nowMs: number): Promise<void> {
    return this.#writes.run(() => {
      if (!this.#stmt.bucketById.get(bucketId)) return;
      this.#stmt.ensureStats.run(bucketId);
      this.#stmt.visitStats.run(nowMs, bucketId);
    });
  }

  async lifecycleStats(bucketId: number): Promise<LifecycleStats> {
    const row = this.#stmt.getStats.get(bucketId) as Record<string, number | null> | undefined;
    return {
      objectsExpired: row?.objects_expired ?? 0,
      versionsDeleted: row?.versions_deleted ?? 0,
      markersRemoved: row?.markers_removed ?? 0,
      transitioned: row?.transitioned ?? 0,
      uploadsAborted: row?.uploads_aborted ?? 0,
      bytesFreed: row?.bytes_freed ?? 0,
      ...(row?.last_run_ms != null ? { lastRunMs: row.last_run_ms } : {}),
    };
  }

  // ---- identities -------------------------------------------------------------------------------

  createUser(user: UserRecord): Promise<void> {
    return this.#writes.run(() => {
      if (this.#stmt.userByUin.get(user.uin)) throw new StoreError('conflict', `user ${user.uin} exists`);
      if (this.#stmt.userByName.get(user.ownerUin, user.name))
        throw new StoreError('conflict', `a user named ${user.name} exists`);
      this.#stmt.insertUser.run(user.uin, user.ownerUin, user.name, user.createdMs);
    });
  }

  async getUser(uin: string): Promise<UserRecord | undefined> {
    const row = this.#stmt.userByUin.get(uin) as UserRow | undefined;
    return row && toUser(row);
  }

  async listUsers(ownerUin: string): Promise<UserRecord[]> {
    return (this.#stmt.usersOf.all(ownerUin) as UserRow[]).map(toUser);
  }

  deleteUser(uin: string): Promise<void> {
    return this.#writes.run(() => {
      // Keys and policies go with the user (ON DELETE CASCADE).
      if (this.#stmt.deleteUser.run(uin).changes === 0) throw new StoreError('not-found', `no user ${uin}`);
    });
  }

  createAccessKey(key: AccessKeyRecord, maxPerUser: number): Promise<void> {
    return this.#writes.run(() => {
      if (!this.#stmt.userByUin.get(key.uin)) throw new StoreError('not-found', `no user ${key.uin}`);
      if (this.#stmt.accessKeyById.get(key.secretId)) throw new StoreError('conflict', 'access key id taken');
      const { n } = this.#stmt.accessKeyCount.get(key.uin) as { n: number };
      if (n >= maxPerUser) throw new StoreError('limit-exceeded', `user ${key.uin} has ${n} access keys`);
      this.#stmt.insertAccessKey.run(key.secretId, key.uin, key.sealedSecret, key.createdMs);
    });
  }

  async getAccessKey(secretId: string): Promise<AccessKeyRecord | undefined> {
    const row = this.#stmt.accessKeyById.get(secretId) as AccessKeyRow | undefined;
    return row && toAccessKey(row);
  }

  async listAccessKeys(uin: string): Promise<AccessKeyRecord[]> {
    return (this.#stmt.accessKeysOf.all(uin) as AccessKeyRow[]).map(toAccessKey);
  }

  deleteAccessKey(secretId: string): Promise<void> {
    return this.#writes.run(() => {
      if (this.#stmt.deleteAccessKey.run(secretId).changes === 0)
        throw new StoreError('not-found', `no access key ${secretId}`);
    });
  }

  putUserPolicy(policy: UserPolicyRecord): Promise<void> {
    return this.#writes.run(() => {
      if (!this.#stmt.userByUin.get(policy.uin)) throw new StoreError('not-found', `no user ${policy.uin}`);
      this.#stmt.upsertUserPolicy.run(policy.uin, policy.name, policy.doc, policy.updatedMs);
    });
  }

  async listUserPolicies(uin: string): Promise<UserPolicyRecord[]> {
    return (this.#stmt.userPoliciesOf.all(uin) as UserPolicyRow[]).map(toUserPolicy);
  }

  deleteUserPolicy(uin: string, name: string): Promise<void> {
    return this.#writes.run(() => {
      if (this.#stmt.deleteUserPolicy.run(uin, name).changes === 0)
        throw new StoreError('not-found', `user ${uin} has no policy ${name}`);
    });
  }

  // ---- garbage collection -----------------------------------------------------------------------

  async claimGarbage(olderThanMs: number, limit: number): Promise<GarbageBlob[]> {
    return (this.#stmt.garbage.all(olderThanMs, limit) as { id: string; inline: number }[]).map((r) => ({
      id: r.id,
      inline: r.inline === 1,
    }));
  }

  forgetGarbage(blobIds: string[]): Promise<void> {
    return this.#writes.run(() => {
      for (const id of blobIds) {
        this.#stmt.deleteGarbage.run(id);
        this.#stmt.deleteBody.run(id);
      }
    });
  }

  async garbageCount(): Promise<number> {
    return (this.#stmt.garbageCount.get() as { n: number }).n;
  }

  async *listBlobIds(): AsyncIterable<string> {
    for (const row of this.#stmt.allBlobs.all() as { id: string }[]) yield row.id;
  }

  /** Attaches the bodies of a manifest's inline entries, up to INLINE_ATTACH_BYTES in all (getObject). */
  #attachBodies(manifest: ManifestEntry[]): void {
    let attached = 0;
    for (const entry of manifest) {
      if (!entry.inline) continue;
      const row = this.#stmt.bodyOf.get(entry.blobId) as { body: Buffer } | undefined;
      if (!row || attached + row.body.length > INLINE_ATTACH_BYTES) return;
      attached += row.body.length;
      entry.body = row.body;
    }
  }

  // ---- inside transactions ----------------------------------------------------------------------

  /**
   * Records the blobs a write created: a file's pending intent is removed (write protocol step 4),
   * an inline blob's bytes are stored (it never had an intent).
   */
  #insertBlobs(blobs: NewBlob[]): void {
    const s = this.#stmt;
    for (const blob of blobs) {
      s.insertBlob.run(blob.id, blob.size);
      if (blob.body === undefined) s.deletePending.run(blob.id);
      else s.insertBody.run(blob.id, asBuffer(blob.body));
    }
  }

  #versioningOf(bucketId: number): VersioningStatus {
    const row = this.#stmt.bucketById.get(bucketId) as BucketRow | undefined;
    if (!row) throw new StoreError('not-found', `no bucket ${bucketId}`);
    return row.versioning as VersioningStatus;
  }

  /**
   * Inserts a new latest version of a key. Without versioning Enabled the new version is the 'null'
   * version and replaces an existing 'null' version; the previous latest stops being latest.
   */
  /**
   * A listing with delimiter '/' from the directory index (migration 6): the page's common prefixes are
   * the child rows of the prefix's directory in `dirs`, its keys the current objects whose directory
   * that is (objects_by_dir); both are range scans, merged in key order. Only the runs of keys in the
   * page are then read, each with one range scan of the listing index, so a page of 1,000 prefixes
   * costs the same in a bucket of ten thousand keys or ten million. Undefined (the caller falls back to
   * the generic walk) if the rows read disagree with the index, which the triggers rule out.
   */
  #listByDirectory<R extends { key: string }>(bucketId: number, query: ListObjectsQuery): ScannedPage<R> | undefined {
    const s = this.#stmt;
    const { prefix, after, maxKeys } = query;
    if (prefix.includes('\0') || after.includes('\0') || s.dirsUnusable.get(bucketId) !== undefined) return undefined;
    const parent = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    // Children of `parent` all start with it; a prefix that goes further bounds them from above too.
    const upper = prefix === parent ? undefined : prefixSuccessor(prefix);
    if (prefix !== parent && upper === undefined) return undefined;
    const inclusive = compareKeys(after, prefix) < 0;
    const lower = inclusive ? prefix : after;
    const want = maxKeys + 1;
    const run = (stmts: [Statement, Statement, Statement, Statement]): string[] => {
      const [gt, ge, gtLt, geLt] = stmts;
      const stmt = upper === undefined ? (inclusive ? ge : gt) : inclusive ? geLt : gtLt;
      const args = upper === undefined ? [bucketId, parent, lower, want] : [bucketId, parent, lower, upper, want];
      return stmt
        .raw(false)
        .pluck(true)
        .all(...args) as string[];
    };
    const dirs = run([s.dirsGt, s.dirsGe, s.dirsGtLt, s.dirsGeLt]);
    const files = run([s.dirFilesGt, s.dirFilesGe, s.dirFilesGtLt, s.dirFilesGeLt]);
    // Merge: the first `want` of the union need only the first `want` of each list.
    const merged: { prefix?: string; key?: string }[] = [];
    for (let i = 0, j = 0; merged.length < want && (i < dirs.length || j < files.length); ) {
      if (j >= files.length || (i < dirs.length && compareKeys(dirs[i]!, files[j]!) < 0))
        merged.push({ prefix: dirs[i++]! });
      else merged.push({ key: files[j++]! });
    }
    const isTruncated = merged.length > maxKeys;
    if (isTruncated) merged.length = maxKeys;
    const entries: ScannedPage<R>['entries'] = [];
    for (let i = 0; i < merged.length; ) {
      const entry = merged[i]!;
      if (entry.prefix !== undefined) {
        entries.push({ kind: 'prefix', prefix: entry.prefix });
        i++;
        continue;
      }
      // A run of keys with no directory between them is contiguous in the listing index.
      let end = i;
      while (end < merged.length && merged[end]!.key !== undefined) end++;
      const rows = fetchRange(
        bucketId,
        { key: entry.key!, inclusive: true },
        undefined,
        end - i,
        RANGE.current(s),
      ) as R[];
      for (let k = i; k < end; k++) {
        if (rows[k - i]?.key !== merged[k]!.key) return undefined;
        entries.push({ kind: 'row', row: rows[k - i]! });
      }
      i = end;
    }
    const last = merged[merged.length - 1];
    return {
      entries,
      isTruncated,
      ...(isTruncated && last ? { nextAfter: last.prefix ?? last.key! } : {}),
    };
  }

  #insertVersion(
    bucketId: number,
    key: string,
    versioning: VersioningStatus,
    current: ObjectRow | undefined,
    v: Omit<ObjectVersion, 'bucketId' | 'key' | 'versionId' | 'seq' | 'isLatest'>,
  ): ObjectVersion {
    const s = this.#stmt;
    const seq = ++this.#seq;
    const versionId = versioning === 'Enabled' ? newVersionId(seq) : 'null';
    // Take the new version's references before releasing the version it replaces: a copy of an
    // object onto itself shares its blobs, which must not reach zero in between.
    this.#retain(v.manifest);
    if (versionId === 'null') {
      const replaced = s.byVersion.get(bucketId, key, 'null') as ObjectRow | undefined;
      if (replaced) this.#removeRow(replaced, v.lastModifiedMs);
      if (current && current.id !== replaced?.id) s.setLatest.run(0, current.id);
    } else if (current) {
      s.setLatest.run(0, current.id);
    }
    s.insertObject.run(
      bucketId,
      key,
      seq,
      versionId,
      v.isDeleteMarker ? 1 : 0,
      v.size,
      v.etag,
      v.crc64 ?? null,
      v.lastModifiedMs,
      v.storageClass,
      v.objectType,
      v.ownerId,
      JSON.stringify(v.contentHeaders),
      JSON.stringify(v.userMeta),
      JSON.stringify(v.checksums),
      v.tagging ?? null,
      v.acl ?? null,
      encodeManifest(v.manifest),
      encodePartSizes(v.partSizes),
      v.sse ?? null,
      ...lockColumns(v.lock),
      v.partChecksums === undefined ? null : JSON.stringify(v.partChecksums),
    );
    return { ...v, bucketId, key, versionId, seq, isLatest: true };
  }

  /** Deletes a version row and releases its blobs. */
  #removeRow(row: ObjectRow, nowMs: number): void {
    this.#stmt.deleteObject.run(row.id);
    this.#release(decodeManifest(row.manifest), nowMs);
  }

  /** Drops one reference to each blob of a manifest; a blob nothing references any more is queued for GC. */
  #release(manifest: ManifestEntry[], nowMs: number): void {
    const s = this.#stmt;
    for (const blobId of distinctBlobs(manifest)) {
      const left = s.dropRef.get(blobId) as { refs: number } | undefined;
      if (left && left.refs <= 0) {
        const freed = s.deleteBlob.get(blobId) as { size: number } | undefined;
        this.#freedBytes += freed?.size ?? 0;
        s.queueGarbage.run(blobId, nowMs);
      }
    }
  }

  /** Takes one reference to each blob of a manifest; StoreError 'not-found' when one is gone. */
  #retain(manifest: ManifestEntry[]): void {
    for (const blobId of distinctBlobs(manifest)) {
      // A blob can vanish between the engine reading a source manifest (copy, complete) and this
      // commit; referencing it then would resurrect a file GC is about to delete.
      if (this.#stmt.addRef.run(blobId).changes !== 1) throw new StoreError('not-found', `blob ${blobId} is gone`);
    }
  }
}

/** The four range statements of one listing: `key >` / `key >=` a lower bound, with or without `key <` an upper one. */
interface RangeStatements {
  gt: Statement;
  ge: Statement;
  gtLt: Statement;
  geLt: Statement;
}

const RANGE = {
  current: (s: Statements): RangeStatements => ({
    gt: s.currentGt,
    ge: s.currentGe,
    gtLt: s.currentGtLt,
    geLt: s.currentGeLt,
  }),
  versions: (s: Statements): RangeStatements => ({
    gt: s.versionsGt,
    ge: s.versionsGe,
    gtLt: s.versionsGtLt,
    geLt: s.versionsGeLt,
  }),
  uploads: (s: Statements): RangeStatements => ({
    gt: s.uploadsGt,
    ge: s.uploadsGe,
    gtLt: s.uploadsGtLt,
    geLt: s.uploadsGeLt,
  }),
};

/**
 * A listing's fetch (stores/listing.ts): from a key, or after a row — first the rest of that row's
 * key (`withinKey`, for listings with several rows per key), then the keys after it.
 */
function fetchRange<R extends { key: string }>(
  bucketId: number,
  from: ScanFrom<R>,
  upper: string | undefined,
  limit: number,
  range: RangeStatements,
  withinKey?: (row: R, limit: number) => unknown[],
): unknown[] {
  if (!('row' in from)) {
    return rangeAll(
      from.inclusive ? range.ge : range.gt,
      from.inclusive ? range.geLt : range.gtLt,
      bucketId,
      from.key,
      upper,
      limit,
    );
  }
  const rows = withinKey ? withinKey(from.row, limit) : [];
  if (rows.length < limit)
    rows.push(...rangeAll(range.gt, range.gtLt, bucketId, from.row.key, upper, limit - rows.length));
  return rows;
}

/** Runs a range statement: `key > / >= lower` (which one is the caller's choice of statement), `< upper` when given. */
function rangeAll(
  open: Statement,
  bounded: Statement,
  bucketId: number,
  lower: string,
  upper: string | undefined,
  limit: number,
): unknown[] {
  if (limit === 1) {
    // The probe after every folded prefix: get() skips building a result array.
    const row = upper === undefined ? open.get(bucketId, lower, 1) : bounded.get(bucketId, lower, upper, 1);
    return row === undefined ? [] : [row];
  }
  return upper === undefined ? open.all(bucketId, lower, limit) : bounded.all(bucketId, lower, upper, limit);
}

/** better-sqlite3 binds Buffers as BLOBs (a plain Uint8Array is refused). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `metadata schema version ${version} is newer than this Coffer (${MIGRATIONS.length}); upgrade Coffer`,
    );
  }
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

function emptyUsage(): BucketUsage {
  return {
    objects: {},
    noncurrentVersions: { count: 0, bytes: 0 },
    deleteMarkers: 0,
    incompleteUploads: { count: 0, parts: 0, bytes: 0 },
  };
}
