import fs, { type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { lockColumns } from '../object-lock.js';
import {
  INLINE_ATTACH_BYTES,
  type ManifestEntry,
  type NewBlob,
  type NewObjectVersion,
  type ObjectVersion,
  StoreError,
  type VersioningStatus,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';
import {
  type BucketRow,
  decodeManifest,
  distinctBlobs,
  encodeManifest,
  encodePartSizes,
  newVersionId,
  type ObjectRow,
} from './rows.js';
import { prepareStatements } from './statements.js';
import { WriteBatcher } from './write-batcher.js';

export type Statements = ReturnType<typeof prepareStatements>;

export interface SqliteMetaStoreOptions {
  /** Database file path, or ':memory:' for tests. */
  filename: string;
  /** Make every commit durable (fsync the WAL, in the threadpool) before its promise settles. */
  fsync: boolean;
}

/**
 * What every domain of the SQLite store shares: the database in WAL mode, its prepared statements,
 * the WriteBatcher (group commit) every mutating method runs through, and the steps several domains
 * take inside their transactions (a new version, a removed one, blob references). Reads run at once.
 */
export class SqliteDb {
  readonly db: Database.Database;
  readonly writes: WriteBatcher;
  readonly stmt: Statements;
  #seq: number;
  readonly #walPath: string | undefined;
  #wal: Promise<FileHandle> | undefined;
  #walSyncing: Promise<void> | undefined;
  #walNext: Promise<void> | undefined;
  /** Bytes of blobs released inside the current transaction (lifecycle reports them). */
  freedBytes = 0;

  constructor(options: SqliteMetaStoreOptions) {
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: commits write the WAL without fsync (and checkpoints sync the database file). With
    // `fsync`, the store itself fsyncs the WAL after each group commit, through libuv's threadpool,
    // so the event loop keeps serving while the disk flushes (synchronous=FULL would block it).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Listing seeks the (bucket, key) index once per common prefix: keep index pages in memory.
    // The default page cache is 2 MB, which a page of 1,000 seeks across a large bucket overflows.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.stmt = prepareStatements(this.db);
    this.#seq = (this.db.prepare('SELECT max(seq) AS seq FROM objects').get() as { seq: number | null }).seq ?? 0;
    this.#walPath = options.filename === ':memory:' || options.filename === '' ? undefined : `${options.filename}-wal`;
    this.writes = new WriteBatcher(this.db, options.fsync && this.#walPath ? () => this.#syncWal() : undefined);
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
    this.writes.flush();
    await this.writes.settled();
    if (this.#wal) await (await this.#wal).close();
    this.db.close();
  }

  // ---- inside transactions ----------------------------------------------------------------------

  /**
   * Records the blobs a write created: a file's pending intent is removed (write protocol step 4),
   * an inline blob's bytes are stored (it never had an intent).
   */
  insertBlobs(blobs: NewBlob[]): void {
    const s = this.stmt;
    for (const blob of blobs) {
      s.insertBlob.run(blob.id, blob.size);
      if (blob.body === undefined) s.deletePending.run(blob.id);
      else s.insertBody.run(blob.id, asBuffer(blob.body));
    }
  }

  versioningOf(bucketId: number): VersioningStatus {
    const row = this.stmt.bucketById.get(bucketId) as BucketRow | undefined;
    if (!row) throw new StoreError('not-found', `no bucket ${bucketId}`);
    return row.versioning as VersioningStatus;
  }

  /**
   * Inserts a new latest version of a key. Without versioning Enabled the new version is the 'null'
   * version and replaces an existing 'null' version; the previous latest stops being latest.
   */
  insertVersion(
    bucketId: number,
    key: string,
    versioning: VersioningStatus,
    current: ObjectRow | undefined,
    v: NewObjectVersion,
  ): ObjectVersion {
    const s = this.stmt;
    const seq = ++this.#seq;
    const versionId = versioning === 'Enabled' ? newVersionId(seq) : 'null';
    // Take the new version's references before releasing the version it replaces: a copy of an
    // object onto itself shares its blobs, which must not reach zero in between.
    this.retain(v.manifest);
    if (versionId === 'null') {
      const replaced = s.byVersion.get(bucketId, key, 'null') as ObjectRow | undefined;
      if (replaced) this.removeRow(replaced, v.lastModifiedMs);
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
  removeRow(row: ObjectRow, nowMs: number): void {
    this.stmt.deleteObject.run(row.id);
    this.release(decodeManifest(row.manifest), nowMs);
  }

  /** Drops one reference to each blob of a manifest; a blob nothing references any more is queued for GC. */
  release(manifest: ManifestEntry[], nowMs: number): void {
    const s = this.stmt;
    for (const blobId of distinctBlobs(manifest)) {
      const left = s.dropRef.get(blobId) as { refs: number } | undefined;
      if (left && left.refs <= 0) {
        const freed = s.deleteBlob.get(blobId) as { size: number } | undefined;
        this.freedBytes += freed?.size ?? 0;
        s.queueGarbage.run(blobId, nowMs);
      }
    }
  }

  /** Takes one reference to each blob of a manifest; StoreError 'not-found' when one is gone. */
  retain(manifest: ManifestEntry[]): void {
    for (const blobId of distinctBlobs(manifest)) {
      // A blob can vanish between the engine reading a source manifest (copy, complete) and this
      // commit; referencing it then would resurrect a file GC is about to delete.
      if (this.stmt.addRef.run(blobId).changes !== 1) throw new StoreError('not-found', `blob ${blobId} is gone`);
    }
  }

  /** Attaches the bodies of a manifest's inline entries, up to INLINE_ATTACH_BYTES in all (getObject). */
  attachBodies(manifest: ManifestEntry[]): void {
    let attached = 0;
    for (const entry of manifest) {
      if (!entry.inline) continue;
      const row = this.stmt.bodyOf.get(entry.blobId) as { body: Buffer } | undefined;
      if (!row || attached + row.body.length > INLINE_ATTACH_BYTES) return;
      attached += row.body.length;
      entry.body = row.body;
    }
  }
}

/** better-sqlite3 binds Buffers as BLOBs (a plain Uint8Array is refused). */
export function asBuffer(bytes: Uint8Array): Buffer {
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
