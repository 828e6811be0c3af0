import diagnostics from 'node:diagnostics_channel';
import pg from 'pg';
import { lockColumns } from '../object-lock.js';
import {
  decodeManifest,
  distinctBlobs,
  encodeManifest,
  encodePartSizes,
  newVersionId,
  type ObjectRow,
} from '../sqlite/rows.js';
import {
  INLINE_ATTACH_BYTES,
  type ManifestEntry,
  type NewBlob,
  type NewObjectVersion,
  type ObjectVersion,
  type RecordEvents,
  StoreError,
  type VersioningStatus,
  type WriteOutcome,
} from '../types.js';
import { notifyChange, PgChangeFeed } from './change-feed.js';
import { escapeKey } from './keys.js';
import { PG_MIGRATIONS } from './migrations.js';

export interface PgMetaStoreOptions {
  /** A PostgreSQL connection string: postgres://user:password@host:port/database. */
  url: string;
  /** Connections in the pool (reads run concurrently; writes use one at a time, see PgWriteBatcher). */
  poolSize?: number;
  /** Any statement running longer is cancelled (statement_timeout); a write is then refused, not hung. */
  statementTimeoutMs?: number;
  /** The schema Coffer's tables live in (created if missing); default: the database's search_path. */
  schema?: string;
  /**
   * Wait for each commit's WAL flush before acknowledging (synchronous_commit, the default). False
   * (`--fsync 0`) acknowledges first: a PostgreSQL crash may lose the last moments of writes, never
   * corrupt them, as COFFER_FSYNC=0 does on SQLite.
   */
  durable?: boolean;
}

/** Something to run SQL on: the pool (reads) or a transaction's client (writes). */
export interface Sql {
  rows<R>(text: string, values?: unknown[]): Promise<R[]>;
  one<R>(text: string, values?: unknown[]): Promise<R | undefined>;
  /** Runs a statement; resolves with the number of rows it touched. */
  run(text: string, values?: unknown[]): Promise<number>;
}

/**
 * Statements are sent as named prepared statements: PostgreSQL parses and plans each once per
 * connection, as better-sqlite3's prepared statements do.
 */
const statementNames = new Map<string, string>();
function named(text: string, values: unknown[] | undefined): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `coffer_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return { name, text, values: values ?? [] };
}

class Runner implements Sql {
  constructor(readonly target: pg.Pool | pg.PoolClient) {}

  async rows<R>(text: string, values?: unknown[]): Promise<R[]> {
    return (await this.target.query(named(text, values))).rows as R[];
  }

  async one<R>(text: string, values?: unknown[]): Promise<R | undefined> {
    return (await this.target.query(named(text, values))).rows[0] as R | undefined;
  }

  async run(text: string, values?: unknown[]): Promise<number> {
    return (await this.target.query(named(text, values))).rowCount ?? 0;
  }
}

/** A transaction in progress: SQL on its client, and what the store's steps note along the way. */
export class PgTx extends Runner {
  /** Bytes of blobs released inside the current write (lifecycle reports them). */
  freedBytes = 0;
}

interface QueuedWrite {
  fn: (tx: PgTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** A write the batch may run together with others of its kind (PgWriteBatcher.runGrouped). */
  grouped?: { item: unknown; key: string };
}

/**
 * Runs several grouped writes in a few statements instead of a few each, inside the batch's
 * transaction; one outcome per item, in order: a value, an error, or 'alone' (run its own `fn`
 * instead). Throwing rolls the group back: every item then runs its own `fn`.
 */
export type GroupRunner = (tx: PgTx, items: unknown[]) => Promise<({ ok: boolean; value: unknown } | 'alone')[]>;

/**
 * Grouped writes that need no transaction of their own (no read judged before the write, nothing
 * else to insert with it): a batch made only of such writes runs as one statement, outside
 * BEGIN/COMMIT, in one round trip. A statement is atomic: if it fails, none of its writes happened.
 */
export interface StatementRunner {
  /** Whether this grouped write can run in the statement. */
  accepts(item: unknown): boolean;
  /** Runs the writes in one statement; one outcome per item, in order. */
  run(sql: Sql, items: unknown[]): Promise<{ ok: boolean; value: unknown }[]>;
}

/**
 * Published after each committed transaction of writes, with `{ writes }` (how many writes it
 * carried): metrics and tests see the group commit at work. Stores emit events; they don't log.
 */
export const commitChannel = diagnostics.channel('coffer:pg:commit');

/** Writes in one batch at most: a batch holds its row locks until its COMMIT. */
const MAX_BATCH = 64;
/** How often a write that lost a deadlock or a serialization race is tried again on its own. */
const MAX_ATTEMPTS = 5;

/** SQLSTATEs a transaction may simply be run again after: serialization failure, deadlock. */
function retryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '40001' || code === '40P01';
}

/**
 * Group commit for PostgreSQL, the counterpart of sqlite/write-batcher.ts: writes queued during one
 * turn of the event loop run in one transaction, each inside its own savepoint (a failing write rolls
 * back alone), and the batch pays for one COMMIT, i.e. one WAL flush, instead of one per write. One
 * batch runs at a time per gateway; writes arriving meanwhile form the next batch, so under load
 * batches grow by themselves. Isolation is READ COMMITTED with explicit row and advisory locks
 * (docs/ARCHITECTURE.md, "PostgreSQL"); a write that loses a deadlock is rolled back to its savepoint
 * and run again on its own once the batch has committed.
 */
export class PgWriteBatcher {
  readonly #pool: pg.Pool;
  readonly #queue: QueuedWrite[] = [];
  #scheduled = false;
  #running: Promise<void> | undefined;

  /** Statements on the pool, each its own transaction. */
  readonly #autocommit: Sql;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.#autocommit = new Runner(pool);
  }

  run<T>(fn: (tx: PgTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /**
   * Like run(), but a batch holding several such writes runs them together through the group
   * runner (one per batcher), before its other writes. `key` names what the write locks: of two
   * grouped writes with one key in a batch, the second runs on its own `fn`, after the group, so it
   * sees the first. `fn` is the write alone (a batch of one, or what the runner sends back).
   */
  runGrouped<T>(item: unknown, key: string, fn: (tx: PgTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject, grouped: { item, key } });
      this.#schedule();
    });
  }

  /** The runner of grouped writes (set once, by the store that defines them). */
  groupRunner: GroupRunner | undefined;
  /** The one-statement form of grouped writes, for batches made only of writes it accepts. */
  statementRunner: StatementRunner | undefined;

  /** Resolves once every queued write has settled (before the pool is closed). */
  async settled(): Promise<void> {
    while (this.#running || this.#queue.length > 0 || this.#scheduled) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#queue.length === 0) return;
      const writes = this.#queue.splice(0, MAX_BATCH);
      this.#running = this.#batch(writes).finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #batch(writes: QueuedWrite[]): Promise<void> {
    if (this.#statementOnly(writes)) {
      await this.#statement(writes);
      return;
    }
    if (writes.length === 1) {
      await this.#alone(writes[0]!);
      return;
    }
    const outcomes = new Map<QueuedWrite, { ok: boolean; value: unknown } | 'again'>();
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      const tx = new PgTx(client);
      await client.query('BEGIN');
      const alone = await this.#group(client, tx, writes, outcomes);
      for (const write of alone) {
        await client.query('SAVEPOINT w');
        tx.freedBytes = 0;
        try {
          outcomes.set(write, { ok: true, value: await write.fn(tx) });
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT w');
          outcomes.set(write, retryable(err) ? 'again' : { ok: false, value: translate(err) });
        }
      }
      await client.query('COMMIT');
      if (commitChannel.hasSubscribers) commitChannel.publish({ writes: writes.length });
    } catch (err) {
      // The connection or the COMMIT failed: nothing in the batch happened.
      await client?.query('ROLLBACK').catch(() => {});
      client?.release(true);
      client = undefined;
      for (const write of writes) write.reject(err);
      return;
    } finally {
      client?.release();
    }
    const again: QueuedWrite[] = [];
    writes.forEach((write) => {
      const outcome = outcomes.get(write)!;
      if (outcome === 'again') again.push(write);
      else if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
    for (const write of again) await this.#alone(write);
  }

  /** Whether every write of the batch is grouped, on a key of its own, and accepted by the statement runner. */
  #statementOnly(writes: QueuedWrite[]): boolean {
    const runner = this.statementRunner;
    if (!runner) return false;
    const keys = new Set<string>();
    for (const write of writes) {
      if (!write.grouped || keys.has(write.grouped.key) || !runner.accepts(write.grouped.item)) return false;
      keys.add(write.grouped.key);
    }
    return true;
  }

  /**
   * The batch as one statement (StatementRunner), in autocommit: its own transaction, one round trip.
   * If PostgreSQL refuses it (a deadlock, a timeout), it rolled back whole and every write runs on
   * its own; if the connection broke, whether it committed is unknown, and every write fails, as when
   * a COMMIT fails.
   */
  async #statement(writes: QueuedWrite[]): Promise<void> {
    let outcomes: { ok: boolean; value: unknown }[];
    try {
      outcomes = await this.statementRunner!.run(
        this.#autocommit,
        writes.map((w) => w.grouped!.item),
      );
    } catch (err) {
      if (err instanceof pg.DatabaseError) for (const write of writes) await this.#alone(write);
      else for (const write of writes) write.reject(err);
      return;
    }
    if (commitChannel.hasSubscribers) commitChannel.publish({ writes: writes.length });
    writes.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(translate(outcome.value));
    });
  }

  /**
   * Runs the batch's grouped writes through the group runner (at most one per key; the rest, and
   * everything else, are returned to run one by one). The group has a savepoint of its own: if the
   * runner fails, its writes run one by one too.
   */
  async #group(
    client: pg.PoolClient,
    tx: PgTx,
    writes: QueuedWrite[],
    outcomes: Map<QueuedWrite, { ok: boolean; value: unknown } | 'again'>,
  ): Promise<QueuedWrite[]> {
    const keys = new Set<string>();
    const group: QueuedWrite[] = [];
    const rest: QueuedWrite[] = [];
    for (const write of writes) {
      if (write.grouped && this.groupRunner && !keys.has(write.grouped.key)) {
        keys.add(write.grouped.key);
        group.push(write);
      } else rest.push(write);
    }
    if (group.length < 2) return writes;
    await client.query('SAVEPOINT g');
    let results: Awaited<ReturnType<GroupRunner>>;
    try {
      tx.freedBytes = 0;
      results = await this.groupRunner!(
        tx,
        group.map((w) => w.grouped!.item),
      );
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT g');
      return writes;
    }
    const alone: QueuedWrite[] = [];
    group.forEach((write, i) => {
      const result = results[i]!;
      if (result === 'alone') alone.push(write);
      else outcomes.set(write, result.ok ? result : { ok: false, value: translate(result.value) });
    });
    return [...alone, ...rest];
  }

  /** One write in its own transaction, run again (a few times) after a deadlock or serialization failure. */
  async #alone(write: QueuedWrite): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      // False once BEGIN, COMMIT or ROLLBACK itself failed: the connection is then thrown away.
      let healthy = true;
      try {
        client = await this.#pool.connect();
        const tx = new PgTx(client);
        healthy = false;
        await client.query('BEGIN');
        healthy = true;
        let value: unknown;
        try {
          value = await write.fn(tx);
        } catch (err) {
          healthy = false;
          await client.query('ROLLBACK');
          healthy = true;
          throw err;
        }
        healthy = false;
        await client.query('COMMIT');
        healthy = true;
        client.release();
        if (commitChannel.hasSubscribers) commitChannel.publish({ writes: 1 });
        write.resolve(value);
        return;
      } catch (err) {
        client?.release(!healthy);
        if (retryable(err) && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, attempt * 5 * Math.random()));
          continue;
        }
        write.reject(translate(err));
        return;
      }
    }
  }
}

/**
 * Database errors the store's callers must see as StoreErrors: a unique violation is a race another
 * writer won (a bucket, user or key created twice at once); CF404 and CF410 are raised by the
 * store's own functions (migration 2: no such bucket, a blob of the manifest is gone).
 */
function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === '23505') return new StoreError('conflict', (err as Error).message);
  if (code === 'CF404' || code === 'CF410') return new StoreError('not-found', (err as Error).message);
  return err;
}

/** int8 (bigint) values are sizes, times and ids well below 2^53: read them as numbers. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(
          oid,
          format,
        )) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * What every domain of the PostgreSQL store shares: the pool, reads on it, the group-committed
 * writes, and the steps several domains take inside their transactions (a new version, a removed
 * one, blob references), the counterparts of sqlite/sqlite-db.ts.
 */
export class PgDb {
  readonly pool: pg.Pool;
  /** Reads, each on whichever connection is free. */
  readonly read: Sql;
  readonly writes: PgWriteBatcher;
  /** Changes other gateways commit (LISTEN/NOTIFY), for caches. */
  readonly changes: PgChangeFeed;

  private constructor(pool: pg.Pool, url: string) {
    this.pool = pool;
    this.read = new Runner(pool);
    this.writes = new PgWriteBatcher(pool);
    this.changes = new PgChangeFeed(url, this.read);
  }

  /** Connects and brings the schema up to date. */
  static async open(options: PgMetaStoreOptions): Promise<PgDb> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      // A transaction left open by a crashed gateway must not hold its locks for long.
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'coffer',
      types,
      options: [
        ...(options.schema === undefined ? [] : [`-c search_path=${quoteIdent(options.schema)}`]),
        ...(options.durable === false ? ['-c synchronous_commit=off'] : []),
      ].join(' '),
    });
    // An idle connection that dies (PostgreSQL restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    try {
      if (options.schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
      await migrate(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PgDb(pool, options.url);
  }

  async close(): Promise<void> {
    await this.writes.settled();
    await this.changes.close();
    await this.pool.end();
  }

  // ---- inside transactions ----------------------------------------------------------------------

  /**
   * Serializes writers of one key across every gateway, until the transaction ends: the latest
   * version of a key is read, judged (preconditions) and replaced under this lock. A transaction-
   * scoped advisory lock on (bucket, hash of key): a collision only serializes two unrelated keys.
   */
  async lockKey(tx: PgTx, bucketId: number, key: string): Promise<void> {
    await tx.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [bucketId, escapeKey(key)]);
  }

  /**
   * A bucket's versioning status, with a share lock on its row: setBucketVersioning and deleteBucket
   * wait for the transaction, so a write never lands in a bucket being deleted.
   */
  async versioningOf(tx: PgTx, bucketId: number): Promise<VersioningStatus> {
    const row = await tx.one<{ versioning: string }>('SELECT versioning FROM buckets WHERE id = $1 FOR SHARE', [
      bucketId,
    ]);
    if (!row) throw new StoreError('not-found', `no bucket ${bucketId}`);
    return row.versioning as VersioningStatus;
  }

  /** The key's latest version (a delete marker too). */
  async latest(tx: Sql, bucketId: number, key: string): Promise<ObjectRow | undefined> {
    return tx.one<ObjectRow>('SELECT * FROM objects WHERE bucket_id = $1 AND key = $2 AND is_latest = 1', [
      bucketId,
      escapeKey(key),
    ]);
  }

  async byVersion(tx: Sql, bucketId: number, key: string, versionId: string): Promise<ObjectRow | undefined> {
    return tx.one<ObjectRow>('SELECT * FROM objects WHERE bucket_id = $1 AND key = $2 AND version_id = $3', [
      bucketId,
      escapeKey(key),
      versionId,
    ]);
  }

  /**
   * Records the blobs a write created: a file's pending intent is removed (write protocol step 4),
   * an inline blob's bytes are stored (it never had an intent).
   */
  async insertBlobs(tx: PgTx, blobs: NewBlob[]): Promise<void> {
    for (const blob of blobs) {
      await tx.run('INSERT INTO blobs (id, size, refs) VALUES ($1, $2, 0)', [blob.id, blob.size]);
      if (blob.body === undefined) await tx.run('DELETE FROM pending_blobs WHERE id = $1', [blob.id]);
      else await tx.run('INSERT INTO blob_bodies (id, body) VALUES ($1, $2)', [blob.id, asBuffer(blob.body)]);
    }
  }

  /**
   * Inserts a new latest version of a key (the caller holds lockKey). Without versioning Enabled the
   * new version is the 'null' version and replaces an existing 'null' version; the previous latest
   * stops being latest.
   */
  async insertVersion(
    tx: PgTx,
    bucketId: number,
    key: string,
    versioning: VersioningStatus,
    current: ObjectRow | undefined,
    v: NewObjectVersion,
  ): Promise<ObjectVersion> {
    const { seq } = (await tx.one<{ seq: number }>("SELECT nextval('object_seq') AS seq"))!;
    const versionId = versioning === 'Enabled' ? newVersionId(seq) : 'null';
    // Take the new version's references before releasing the version it replaces: a copy of an
    // object onto itself shares its blobs, which must not reach zero in between.
    await this.retain(tx, v.manifest);
    if (versionId === 'null') {
      const replaced = await this.byVersion(tx, bucketId, key, 'null');
      if (replaced) await this.removeRow(tx, replaced, v.lastModifiedMs, v.ownerId);
      if (current && current.id !== replaced?.id)
        await tx.run('UPDATE objects SET is_latest = 0 WHERE id = $1', [current.id]);
    } else if (current) {
      await tx.run('UPDATE objects SET is_latest = 0 WHERE id = $1', [current.id]);
    }
    await tx.run(
      `INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker, size, etag, crc64,
        last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta, checksums, tagging, acl,
        manifest, part_sizes, sse, lock_mode, lock_until_ms, legal_hold, part_checksums)
      VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
        $23, $24)`,
      [bucketId, escapeKey(key), seq, versionId, ...versionValues(v)],
    );
    return { ...v, bucketId, key, versionId, seq, isLatest: true };
  }

  /**
   * Deletes a version row and releases its blobs, unless its bucket's recycle bin keeps it (then the
   * blob references move to the bin): coffer_remove_row (migration 3). `by`: who removed it, for the bin.
   */
  async removeRow(tx: PgTx, row: ObjectRow, nowMs: number, by = ''): Promise<void> {
    const { freed } = (await tx.one<{ freed: number }>(
      'SELECT coffer_remove_row((SELECT o FROM objects o WHERE o.id = $1), $2, $3) AS freed',
      [row.id, nowMs, by],
    ))!;
    tx.freedBytes += freed ?? 0;
  }

  /** The next store-wide sequence number: an event that is not a new version takes one to stay ordered. */
  async nextSeq(tx: Sql): Promise<number> {
    return (await tx.one<{ seq: number }>("SELECT nextval('object_seq') AS seq"))!.seq;
  }

  /**
   * Inside a write's transaction: asks the engine's recorder what to record for each outcome, and
   * inserts it into the outbox in one statement (so the events commit or roll back with the write).
   */
  async recordEvents(tx: Sql, recorder: RecordEvents | undefined, outcomes: WriteOutcome[]): Promise<void> {
    if (!recorder || outcomes.length === 0) return;
    const entries = outcomes.flatMap((outcome) => recorder(outcome));
    if (entries.length === 0) return;
    await tx.run(
      `INSERT INTO outbox (target, key, payload, created_ms)
       SELECT t, k, p, $4 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(t, k, p, n) ORDER BY n`,
      [entries.map((e) => e.target), entries.map((e) => escapeKey(e.key)), entries.map((e) => e.payload), Date.now()],
    );
  }

  /** recordEvents for several writes with recorders of their own (a group commit's PUTs), in one statement. */
  async recordEventsOf(tx: Sql, events: { recorder: RecordEvents; outcome: WriteOutcome }[]): Promise<void> {
    const entries = events.flatMap(({ recorder, outcome }) => recorder(outcome));
    await this.recordEvents(tx, () => entries, entries.length > 0 ? [events[0]!.outcome] : []);
  }

  /** A removal's event; it takes a sequence number of its own so events of a key stay ordered. */
  async recordRemoval(
    tx: Sql,
    events: RecordEvents | undefined,
    key: string,
    versionId: string | undefined,
    marker: boolean,
  ): Promise<void> {
    if (!events) return;
    const outcome = { kind: 'removed' as const, key, deleteMarkerCreated: marker, seq: await this.nextSeq(tx) };
    await this.recordEvents(tx, events, [versionId !== undefined ? { ...outcome, versionId } : outcome]);
  }

  /** Drops one reference to each blob of a manifest; a blob nothing references any more is queued for GC. */
  async release(tx: PgTx, manifest: ManifestEntry[], nowMs: number): Promise<void> {
    await this.releaseAll(tx, [manifest], nowMs);
  }

  /**
   * release() of several manifests (the parts of an upload) in one round trip: coffer_release
   * (migration 2) drops one reference per blob per manifest, in blob-id order (as retain takes them,
   * so two writers lock shared blobs in the same order), and queues blobs left with none for GC.
   */
  async releaseAll(tx: PgTx, manifests: ManifestEntry[][], nowMs: number): Promise<void> {
    const ids = manifests.flatMap((m) => [...distinctBlobs(m)]);
    if (ids.length === 0) return;
    const { freed } = (await tx.one<{ freed: number }>('SELECT coffer_release($1::text[], $2) AS freed', [
      ids,
      nowMs,
    ]))!;
    tx.freedBytes += freed;
  }

  /** Takes one reference to each blob of a manifest, in one statement; StoreError 'not-found' when one is gone. */
  async retain(tx: PgTx, manifest: ManifestEntry[]): Promise<void> {
    const ids = [...distinctBlobs(manifest)].sort();
    if (ids.length === 0) return;
    // A blob can vanish between the engine reading a source manifest (copy, complete) and this
    // commit; referencing it then would resurrect a file GC is about to delete.
    if ((await tx.run('UPDATE blobs SET refs = refs + 1 WHERE id = ANY ($1::text[])', [ids])) !== ids.length)
      throw new StoreError('not-found', 'a blob of the manifest is gone');
  }

  /**
   * Removes an upload whose row the caller has locked, releasing its parts' blobs, and tells every
   * gateway (at commit): one with a part of it still streaming stops that part (NoSuchUpload).
   */
  async abortLocked(tx: PgTx, upload: { id: number; upload_id: string }, nowMs: number): Promise<void> {
    const parts = await tx.rows<{ manifest: string }>('SELECT manifest FROM parts WHERE upload_row = $1', [upload.id]);
    await this.releaseAll(
      tx,
      parts.map((p) => decodeManifest(p.manifest)),
      nowMs,
    );
    await tx.run('DELETE FROM uploads WHERE id = $1', [upload.id]);
    await notifyChange(tx, { kind: 'upload-aborted', uploadId: upload.upload_id });
  }

  /** Attaches the bodies of a manifest's inline entries, up to INLINE_ATTACH_BYTES in all (getObject). */
  async attachBodies(manifest: ManifestEntry[]): Promise<void> {
    const ids = [...new Set(manifest.filter((e) => e.inline).map((e) => e.blobId))];
    if (ids.length === 0) return;
    // One round trip: the sizes first would cost another, so bodies past the budget are read and dropped.
    const rows = await this.read.rows<{ id: string; body: Buffer }>(
      'SELECT id, body FROM blob_bodies WHERE id = ANY($1::text[])',
      [ids.slice(0, 64)],
    );
    const bodies = new Map(rows.map((r) => [r.id, r.body]));
    let attached = 0;
    for (const entry of manifest) {
      if (!entry.inline) continue;
      const body = bodies.get(entry.blobId);
      if (!body || attached + body.length > INLINE_ATTACH_BYTES) return;
      attached += body.length;
      entry.body = body;
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A version's columns from is_delete_marker to part_checksums, in the objects table's order: the values
 * both the plain insert (insertVersion) and coffer_commit_object's arguments carry.
 */
export function versionValues(v: NewObjectVersion): unknown[] {
  return [
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
  ];
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Runs the migrations not yet applied, each in its own transaction, one gateway at a time. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // A session lock: gateways starting together wait for the first to migrate.
    await client.query('SELECT pg_advisory_lock(7318501)');
    await client.query('CREATE TABLE IF NOT EXISTS coffer_schema (version integer NOT NULL)');
    await client.query('INSERT INTO coffer_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM coffer_schema)');
    const { version } = (await client.query('SELECT version FROM coffer_schema')).rows[0] as { version: number };
    if (version > PG_MIGRATIONS.length) {
      throw new Error(
        `metadata schema version ${version} is newer than this Coffer (${PG_MIGRATIONS.length}); upgrade Coffer`,
      );
    }
    for (let i = version; i < PG_MIGRATIONS.length; i++) {
      await client.query('BEGIN');
      try {
        await client.query(PG_MIGRATIONS[i]!);
        await client.query('UPDATE coffer_schema SET version = $1', [i + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(7318501)').catch(() => {});
    client.release();
  }
}
