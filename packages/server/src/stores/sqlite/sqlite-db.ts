import fs, { type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { lockColumns } from '../object-lock.js';
import {
  INLINE_ATTACH_BYTES,
  type ManifestEntry,
  type NewBlob,
  type NewObjectVersion,
  type ObjectVersion,
  type RecordEvents,
  StoreError,
  type VersioningStatus,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';
import { OutboxSql } from './outbox-sql.js';
import { RecycleSql } from './recycle-sql.js';
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
import { WalCheckpointer } from './wal-checkpointer.js';
import { WriteBatcher } from './write-batcher.js';

export type Statements = ReturnType<typeof prepareStatements>;

export interface SqliteMetaStoreOptions {
  /** Database file path, or ':memory:' for tests. */
  filename: string;
  /** Make every commit durable (fsync the WAL, in the threadpool) before its promise settles. */
  fsync: boolean;
  /**
   * How many WAL fsyncs may run at once (default 2): a batch committed while one runs starts its own
   * at once instead of waiting for it to end. 1 is the strictly serial group fsync (benchmarks, tests).
   */
  walSyncDepth?: number;
  /** Committed writes that ask the checkpoint worker for one WAL checkpoint (default 128; tests). */
  checkpointEveryWrites?: number;
}

/** One WAL fsync lane: its own file descriptor, one fsync at a time on it. */
interface WalLane {
  handle: Promise<FileHandle>;
  busy: boolean;
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
  readonly #walLanes: WalLane[] = [];
  readonly #walSyncDepth: number;
  /** Runs the WAL checkpoints in a worker thread (a file database only). */
  readonly checkpoints: WalCheckpointer | undefined;
  /** The fsync every batch committed while all lanes are busy shares; it starts when a lane frees. */
  #walQueued: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  /** Set by the first failed WAL fsync: no later write is acknowledged (see #syncWal). */
  #walFailed: unknown;
  /** Bytes of blobs released inside the current transaction (lifecycle reports them). */
  freedBytes = 0;
  /** The notification outbox's SQL: writes record their events through it, in their transaction. */
  readonly outbox: OutboxSql;
  /** The recycle bin's SQL: `removeRow` moves a version there when its bucket keeps removed ones. */
  readonly recycle: RecycleSql;

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
    this.outbox = new OutboxSql(this.db);
    this.recycle = new RecycleSql(this.db);
    this.#seq = (this.db.prepare('SELECT max(seq) AS seq FROM objects').get() as { seq: number | null }).seq ?? 0;
    this.#walPath = options.filename === ':memory:' || options.filename === '' ? undefined : `${options.filename}-wal`;
    this.#walSyncDepth = Math.max(1, options.walSyncDepth ?? 2);
    this.checkpoints = this.#walPath
      ? new WalCheckpointer(this.db, { filename: options.filename, everyWrites: options.checkpointEveryWrites })
      : undefined;
    const checkpoints = this.checkpoints;
    this.writes = new WriteBatcher(this.db, {
      durable: options.fsync && this.#walPath ? () => this.#syncWal() : undefined,
      committed: checkpoints && ((writes) => checkpoints.committed(writes)),
    });
  }

  /**
   * fsync of the WAL, called right after a batch's COMMIT wrote its frames (and before the batch is
   * acknowledged). An fsync covers every byte written to the file before it started, so the one a
   * batch waits for always starts after its COMMIT: on a free lane at once, or, when all
   * `walSyncDepth` lanes are busy, as the one queued fsync every such batch shares, started when a
   * lane frees (group fsync). Up to `walSyncDepth` fsyncs run at once, so a batch no longer waits for
   * the fsync before it to end; the kernel and the disk overlap them. A WAL's frames are a chain
   * (each checksums the ones before it), and an fsync also waits for the writeback of the earlier
   * batches' pages, so an acknowledged batch never depends on frames that are not on disk.
   *
   * Each lane fsyncs through a descriptor of its own, and one fsync at a time: Linux reports a failed
   * writeback once per open file description, to the first fsync that checks after it, so two
   * concurrent fsyncs on one descriptor could give the error to the wrong batch and success to the
   * one whose frames were lost. After any failure, every later fsync fails too (the failed pages are
   * dropped from the page cache, so what the WAL holds on disk is unknown; PostgreSQL panics for the
   * same reason, https://wiki.postgresql.org/wiki/Fsync_Errors): nothing is acknowledged until a
   * restart recovers the database from what the disk really holds.
   */
  #syncWal(): Promise<void> {
    if (this.#walFailed !== undefined) return Promise.reject(this.#walFailed);
    const lane = this.#freeLane();
    if (lane) return this.#startWalSync(lane);
    if (!this.#walQueued) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#walQueued = { promise, resolve, reject };
    }
    return this.#walQueued.promise;
  }

  #freeLane(): WalLane | undefined {
    for (const lane of this.#walLanes) if (!lane.busy) return lane;
    if (this.#walLanes.length >= this.#walSyncDepth) return undefined;
    // The WAL exists from the first COMMIT on; SQLite keeps the file (it restarts it in place after a
    // checkpoint and only deletes it on close), so a descriptor stays valid for the store's life.
    const lane = { handle: fs.open(this.#walPath!, 'r'), busy: false };
    this.#walLanes.push(lane);
    return lane;
  }

  #startWalSync(lane: WalLane): Promise<void> {
    lane.busy = true;
    const sync = lane.handle.then((handle) => handle.sync());
    const done = (err?: unknown) => {
      lane.busy = false;
      if (err !== undefined && this.#walFailed === undefined) this.#walFailed = err;
      const queued = this.#walQueued;
      if (!queued) return;
      this.#walQueued = undefined;
      if (this.#walFailed !== undefined) queued.reject(this.#walFailed);
      else this.#startWalSync(lane).then(queued.resolve, queued.reject);
    };
    sync.then(
      () => done(),
      (err: unknown) => done(err ?? new Error('WAL fsync failed')),
    );
    // A failure after another lane's already reported one: this batch is not acknowledged either.
    return sync.then(() => {
      if (this.#walFailed !== undefined) throw this.#walFailed;
    });
  }

  async close(): Promise<void> {
    this.writes.flush();
    await this.writes.settled();
    // The worker's connection first: the last connection to close checkpoints the WAL and deletes it.
    await this.checkpoints?.close();
    // A lane whose open failed has nothing to close (its failure was reported to the batches it held).
    for (const lane of this.#walLanes) await lane.handle.then((handle) => handle.close()).catch(() => undefined);
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
      if (replaced) this.removeRow(replaced, v.lastModifiedMs, v.ownerId);
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

  /**
   * Deletes a version row and releases its blobs, unless its bucket's recycle bin keeps it (then
   * the blob references move to the bin). `by`: who removed it, for the bin.
   */
  removeRow(row: ObjectRow, nowMs: number, by = ''): void {
    this.stmt.deleteObject.run(row.id);
    if (this.recycle.keep(row, nowMs, by)) return;
    this.release(decodeManifest(row.manifest), nowMs);
  }

  /** The next store-wide sequence number: an event that is not a new version takes one to stay ordered. */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** A removal's event; it takes a sequence number of its own so events of a key stay ordered. */
  recordRemoval(events: RecordEvents | undefined, key: string, versionId: string | undefined, marker: boolean): void {
    if (!events) return;
    const outcome = { kind: 'removed' as const, key, deleteMarkerCreated: marker, seq: this.nextSeq() };
    this.outbox.record(events, versionId !== undefined ? { ...outcome, versionId } : outcome, Date.now());
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
