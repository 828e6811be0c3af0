import { lockColumns, lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
import { distinctBlobs, encodeManifest, encodePartSizes, type ObjectRow, toVersion } from '../sqlite/rows.js';
import {
  type CommitObjectInput,
  type CommitObjectResult,
  type DeleteObjectInput,
  type DeleteObjectResult,
  type ObjectLock,
  type ObjectStore,
  type ObjectVersion,
  type RecordEvents,
  StoreError,
  type WriteOutcome,
} from '../types.js';
import { escapeKey, withKey } from './keys.js';
import { asBuffer, type PgDb, type PgTx, type Sql, versionValues } from './pg-db.js';

/** What coffer_commit_objects and coffer_put_objects return for each PUT. */
interface CommittedRow {
  o_idx: number;
  o_seq: number | null;
  o_version_id: string | null;
  o_err: string | null;
}

function committedVersion(input: CommitObjectInput, row: CommittedRow): ObjectVersion {
  return {
    ...input.version,
    bucketId: input.bucketId,
    key: input.key,
    versionId: row.o_version_id!,
    seq: row.o_seq!,
    isLatest: true,
  };
}

const COMMIT_ONE = `SELECT * FROM coffer_commit_object(${Array.from({ length: 26 }, (_, i) => `$${i + 1}`).join(', ')})`;

/** coffer_commit_object's 26 arguments for one PUT. */
function commitOneArgs(input: CommitObjectInput): unknown[] {
  return [
    input.bucketId,
    escapeKey(input.key),
    input.newBlobs.map((b) => b.id),
    input.newBlobs.map((b) => b.size),
    input.newBlobs.map((b) => (b.body === undefined ? null : asBuffer(b.body))),
    [...distinctBlobs(input.version.manifest)].sort(),
    ...versionValues(input.version),
  ];
}

const COMMIT_PARAMS = Array.from({ length: 28 }, (_, i) => `$${i + 1}`).join(', ');

/** The 28 arrays coffer_commit_objects and coffer_put_objects take: column i of each is PUT i (from 1). */
function commitArrays(chosen: CommitObjectInput[]): unknown[] {
  const blobs = chosen.flatMap((input, n) => input.newBlobs.map((b) => ({ n: n + 1, b })));
  const refs = chosen.flatMap((input, n) =>
    [...distinctBlobs(input.version.manifest)].sort().map((id) => ({ n: n + 1, id })),
  );
  const column = <T>(f: (v: CommitObjectInput['version']) => T) => chosen.map((input) => f(input.version));
  return [
    chosen.map((i) => i.bucketId),
    chosen.map((i) => escapeKey(i.key)),
    blobs.map((x) => x.n),
    blobs.map((x) => x.b.id),
    blobs.map((x) => x.b.size),
    blobs.map((x) => (x.b.body === undefined ? null : asBuffer(x.b.body))),
    refs.map((x) => x.n),
    refs.map((x) => x.id),
    column((v) => (v.isDeleteMarker ? 1 : 0)),
    column((v) => v.size),
    column((v) => v.etag),
    column((v) => v.crc64 ?? null),
    column((v) => v.lastModifiedMs),
    column((v) => v.storageClass),
    column((v) => v.objectType),
    column((v) => v.ownerId),
    column((v) => JSON.stringify(v.contentHeaders)),
    column((v) => JSON.stringify(v.userMeta)),
    column((v) => JSON.stringify(v.checksums)),
    column((v) => v.tagging ?? null),
    column((v) => v.acl ?? null),
    column((v) => encodeManifest(v.manifest)),
    column((v) => encodePartSizes(v.partSizes)),
    column((v) => v.sse ?? null),
    column((v) => lockColumns(v.lock)[0]),
    column((v) => lockColumns(v.lock)[1]),
    column((v) => lockColumns(v.lock)[2]),
    column((v) => (v.partChecksums === undefined ? null : JSON.stringify(v.partChecksums))),
  ];
}

/** Object versions: commit (write protocol step 4), reads, deletes and per-version attributes. */
export class PgObjects implements ObjectStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
    db.writes.groupRunner = (tx, items) => this.#commitGroup(tx, items as CommitObjectInput[]);
    db.writes.statementRunner = {
      // Nothing to judge against the previous version, nothing to record with the write.
      accepts: (item) => (item as CommitObjectInput).precondition === undefined && !(item as CommitObjectInput).events,
      run: (sql, items) => this.#putStatement(sql, items as CommitObjectInput[]),
    };
  }

  /**
   * PUTs without preconditions or events, in one statement outside any transaction (coffer_put_objects,
   * migration 7: the locks of coffer_lock_latest, then coffer_commit_objects).
   */
  async #putStatement(sql: Sql, items: CommitObjectInput[]): Promise<{ ok: boolean; value: unknown }[]> {
    if (items.length === 1) {
      // A PUT alone: coffer_commit_object itself, without the batch's locking pass and arrays.
      const input = items[0]!;
      try {
        const row = (await sql.one<{ new_seq: number; new_version_id: string }>(COMMIT_ONE, commitOneArgs(input)))!;
        const committed = { o_idx: 1, o_seq: row.new_seq, o_version_id: row.new_version_id, o_err: null };
        return [{ ok: true, value: { version: committedVersion(input, committed) } }];
      } catch (err) {
        // Its bucket or a blob it references is gone: the batcher translates these for the caller.
        const code = (err as { code?: unknown }).code;
        if (code === 'CF404' || code === 'CF410') return [{ ok: false, value: err }];
        throw err;
      }
    }
    const rows = await sql.rows<CommittedRow>(
      `SELECT * FROM coffer_put_objects(${COMMIT_PARAMS})`,
      commitArrays(items),
    );
    return rows.map((row) => {
      const input = items[row.o_idx - 1]!;
      if (row.o_err !== null) return { ok: false, value: new StoreError('not-found', row.o_err) };
      return { ok: true, value: { version: committedVersion(input, row) } };
    });
  }

  /**
   * One round trip (coffer_commit_object, migration 2): the same steps and locks as
   * PgDb.insertVersion, run in the database, which returns the key's previous latest version. The
   * precondition judges that afterwards; if it refuses, the write's savepoint is rolled back.
   */
  commitObject(input: CommitObjectInput): Promise<CommitObjectResult> {
    return this.#db.writes.runGrouped(input, `${input.bucketId}/${input.key}`, (tx) => this.#commitOne(tx, input));
  }

  /**
   * The PUTs of a batch together, in two statements whatever their number (group commit, PgWriteBatcher):
   * coffer_lock_latest locks every key in order and returns its latest version; the preconditions run
   * here; coffer_commit_objects commits every accepted version. A refused or failed PUT changes nothing.
   */
  async #commitGroup(tx: PgTx, items: CommitObjectInput[]): Promise<({ ok: boolean; value: unknown } | 'alone')[]> {
    const results: ({ ok: boolean; value: unknown } | 'alone')[] = items.map(() => 'alone');
    const locked = await tx.rows<{ o_idx: number; o_versioning: string | null; o_current: ObjectRow | null }>(
      'SELECT * FROM coffer_lock_latest($1::integer[], $2::text[])',
      [items.map((i) => i.bucketId), items.map((i) => escapeKey(i.key))],
    );
    const accepted: number[] = [];
    for (const row of locked) {
      const i = row.o_idx - 1;
      const input = items[i]!;
      if (row.o_versioning === null) {
        results[i] = { ok: false, value: new StoreError('not-found', `no bucket ${input.bucketId}`) };
        continue;
      }
      try {
        input.precondition?.(row.o_current ? toVersion(withKey(row.o_current)) : undefined);
        accepted.push(i);
      } catch (err) {
        results[i] = { ok: false, value: err };
      }
    }
    if (accepted.length === 0) return results;
    const chosen = accepted.map((i) => items[i]!);
    const committed = await tx.rows<CommittedRow>(
      `SELECT * FROM coffer_commit_objects(${COMMIT_PARAMS})`,
      commitArrays(chosen),
    );
    // The events of the committed PUTs, in one statement, in the batch's transaction: a recorder that
    // throws fails the whole group (its savepoint is rolled back and every PUT runs on its own).
    const events: { recorder: RecordEvents; outcome: WriteOutcome }[] = [];
    for (const row of committed) {
      const i = accepted[row.o_idx - 1]!;
      const input = items[i]!;
      if (row.o_err !== null) {
        results[i] = { ok: false, value: new StoreError('not-found', row.o_err) };
        continue;
      }
      const version = committedVersion(input, row);
      results[i] = { ok: true, value: { version } };
      if (input.events) events.push({ recorder: input.events, outcome: { kind: 'created', version } });
    }
    if (events.length > 0) await this.#db.recordEventsOf(tx, events);
    return results;
  }

  /** One PUT on its own: coffer_commit_object, then the precondition (which rolls it back if it refuses). */
  async #commitOne(tx: PgTx, input: CommitObjectInput): Promise<CommitObjectResult> {
    const v = input.version;
    const result = await tx.one<{ new_seq: number; new_version_id: string; previous: ObjectRow | null }>(
      COMMIT_ONE,
      commitOneArgs(input),
    );
    const { new_seq: seq, new_version_id: versionId, previous } = result!;
    input.precondition?.(previous ? toVersion(withKey(previous)) : undefined);
    const version: ObjectVersion = { ...v, bucketId: input.bucketId, key: input.key, versionId, seq, isLatest: true };
    await this.#db.recordEvents(tx, input.events, [{ kind: 'created', version }]);
    return { version };
  }

  /**
   * A small object is one round trip: when the manifest is a single inline blob (the common small
   * PUT), its body comes joined to the row. Other inline entries are attached as on SQLite, with a
   * second query (PgDb.attachBodies).
   */
  async getObject(bucketId: number, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    const which = versionId === undefined ? 'o.is_latest = 1' : 'o.version_id = $3';
    const row = await this.#db.read.one<ObjectRow & { inline_body: Buffer | null }>(
      `SELECT o.*, CASE WHEN o.manifest LIKE '%:%:%:%i' AND strpos(o.manifest, ',') = 0
         THEN (SELECT b.body FROM blob_bodies b WHERE b.id = split_part(o.manifest, ':', 1)) END AS inline_body
       FROM objects o WHERE o.bucket_id = $1 AND o.key = $2 AND ${which}`,
      versionId === undefined ? [bucketId, escapeKey(key)] : [bucketId, escapeKey(key), versionId],
    );
    if (!row) return undefined;
    const version = toVersion(withKey(row));
    const only = version.manifest[0];
    if (row.inline_body !== null && only && version.manifest.length === 1) only.body = row.inline_body;
    else await this.#db.attachBodies(version.manifest);
    return version;
  }

  deleteObject(input: DeleteObjectInput): Promise<DeleteObjectResult> {
    return this.#db.writes.run(async (tx): Promise<DeleteObjectResult> => {
      const db = this.#db;
      const { bucketId, key } = input;
      if (input.versionId !== undefined) {
        await db.lockKey(tx, bucketId, key);
        const row = await db.byVersion(tx, bucketId, key, input.versionId);
        if (!row) return { versionId: input.versionId, deleteMarker: false, createdDeleteMarker: false };
        if (lockForbidsDeletion(lockFromColumns(row), input.nowMs, input.bypassGovernance)) {
          throw new StoreError('locked', `version ${input.versionId} of ${key} is locked`);
        }
        await db.removeRow(tx, row, input.nowMs, input.ownerId);
        if (row.is_latest) {
          const next = await tx.one<{ id: number }>(
            'SELECT id FROM objects WHERE bucket_id = $1 AND key = $2 ORDER BY seq DESC LIMIT 1',
            [bucketId, escapeKey(key)],
          );
          if (next) await tx.run('UPDATE objects SET is_latest = 1 WHERE id = $1', [next.id]);
        }
        await db.recordRemoval(tx, input.events, key, row.version_id, false);
        return { versionId: row.version_id, deleteMarker: row.is_delete_marker === 1, createdDeleteMarker: false };
      }
      const versioning = await db.versioningOf(tx, bucketId);
      await db.lockKey(tx, bucketId, key);
      const current = await db.latest(tx, bucketId, key);
      if (versioning === '') {
        if (current) await db.removeRow(tx, current, input.nowMs, input.ownerId);
        await db.recordRemoval(tx, input.events, key, undefined, false);
        return { deleteMarker: false, createdDeleteMarker: false };
      }
      const marker = await db.insertVersion(tx, bucketId, key, versioning, current, {
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
      await db.recordRemoval(tx, input.events, key, marker.versionId, true);
      return { versionId: marker.versionId, deleteMarker: true, createdDeleteMarker: true };
    });
  }

  setObjectAcl(bucketId: number, key: string, versionId: string | undefined, acl: string | null): Promise<boolean> {
    return this.#db.writes.run(
      async (tx) =>
        (versionId === undefined
          ? await tx.run(
              'UPDATE objects SET acl = $1 WHERE bucket_id = $2 AND key = $3 AND is_latest = 1 AND is_delete_marker = 0',
              [acl, bucketId, escapeKey(key)],
            )
          : await tx.run(
              'UPDATE objects SET acl = $1 WHERE bucket_id = $2 AND key = $3 AND version_id = $4 AND is_delete_marker = 0',
              [acl, bucketId, escapeKey(key), versionId],
            )) === 1,
    );
  }

  setObjectRestored(
    bucketId: number,
    key: string,
    versionId: string,
    untilMs: number,
    events?: RecordEvents,
  ): Promise<boolean> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<ObjectRow>(
        `UPDATE objects SET restored_until_ms = $1
         WHERE bucket_id = $2 AND key = $3 AND version_id = $4 AND is_delete_marker = 0 RETURNING *`,
        [untilMs, bucketId, escapeKey(key), versionId],
      );
      if (!row) return false;
      if (events) {
        // A sequencer of its own, so the restore orders after the key's earlier events.
        const version = { ...toVersion(withKey(row)), seq: await this.#db.nextSeq(tx) };
        await this.#db.recordEvents(tx, events, [{ kind: 'restored', version }]);
      }
      return true;
    });
  }

  setObjectLock(
    bucketId: number,
    key: string,
    versionId: string,
    update: (current: ObjectVersion) => ObjectLock,
  ): Promise<boolean> {
    return this.#db.writes.run(async (tx) => {
      const row = await tx.one<ObjectRow>(
        'SELECT * FROM objects WHERE bucket_id = $1 AND key = $2 AND version_id = $3 FOR UPDATE',
        [bucketId, escapeKey(key), versionId],
      );
      if (!row || row.is_delete_marker) return false;
      const lock = update(toVersion(withKey(row)));
      return (
        (await tx.run('UPDATE objects SET lock_mode = $1, lock_until_ms = $2, legal_hold = $3 WHERE id = $4', [
          ...lockColumns(lock),
          row.id,
        ])) === 1
      );
    });
  }

  setObjectTagging(bucketId: number, key: string, versionId: string, tagging: string | null): Promise<boolean> {
    return this.#db.writes.run(
      async (tx) =>
        (await tx.run(
          'UPDATE objects SET tagging = $1 WHERE bucket_id = $2 AND key = $3 AND version_id = $4 AND is_delete_marker = 0',
          [tagging, bucketId, escapeKey(key), versionId],
        )) === 1,
    );
  }

  async bucketHasObjects(bucketId: number): Promise<boolean> {
    return (await this.#db.read.one('SELECT 1 FROM objects WHERE bucket_id = $1 LIMIT 1', [bucketId])) !== undefined;
  }
}
