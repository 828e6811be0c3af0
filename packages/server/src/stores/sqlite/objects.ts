import { lockColumns, lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
import {
  type CommitObjectInput,
  type CommitObjectResult,
  type DeleteObjectInput,
  type DeleteObjectResult,
  INLINE_ATTACH_BYTES,
  type ObjectLock,
  type ObjectStore,
  type ObjectVersion,
  type RecordEvents,
  StoreError,
} from '../types.js';
import { type ObjectRow, toVersion } from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Object versions: commit (write protocol step 4), reads, deletes and per-version attributes. */
export class SqliteObjects implements ObjectStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  commitObject(input: CommitObjectInput): Promise<CommitObjectResult> {
    return this.#db.writes.run(() => {
      const versioning = this.#db.versioningOf(input.bucketId);
      const current = this.#db.stmt.latest.get(input.bucketId, input.key) as ObjectRow | undefined;
      input.precondition?.(current && toVersion(current));
      this.#db.insertBlobs(input.newBlobs);
      const version = this.#db.insertVersion(input.bucketId, input.key, versioning, current, input.version);
      this.#db.outbox.record(input.events, { kind: 'created', version }, Date.now());
      return { version };
    });
  }

  /**
   * A small object is one statement: when the manifest is a single inline blob (the common small PUT),
   * its body comes joined to the row. Other inline entries are attached with a read each (attachBodies).
   */
  async getObject(bucketId: number, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    const row = (
      versionId === undefined
        ? this.#db.stmt.readLatest.get(bucketId, key)
        : this.#db.stmt.readVersion.get(bucketId, key, versionId)
    ) as (Omit<ObjectRow, 'id'> & { inline_body: Buffer | null }) | undefined;
    if (!row) return undefined;
    const version = toVersion(row);
    const only = version.manifest[0];
    const body = row.inline_body;
    if (version.manifest.length === 1 && only!.inline) {
      if (body !== null && body.length <= INLINE_ATTACH_BYTES) only!.body = body;
    } else this.#db.attachBodies(version.manifest);
    return version;
  }

  deleteObject(input: DeleteObjectInput): Promise<DeleteObjectResult> {
    return this.#db.writes.run((): DeleteObjectResult => {
      const { bucketId, key } = input;
      if (input.versionId !== undefined) {
        const row = this.#db.stmt.byVersion.get(bucketId, key, input.versionId) as ObjectRow | undefined;
        if (!row) return { versionId: input.versionId, deleteMarker: false, createdDeleteMarker: false };
        if (lockForbidsDeletion(lockFromColumns(row), input.nowMs, input.bypassGovernance)) {
          throw new StoreError('locked', `version ${input.versionId} of ${key} is locked`);
        }
        this.#db.removeRow(row, input.nowMs, input.ownerId);
        if (row.is_latest) {
          const next = this.#db.stmt.newest.get(bucketId, key) as { id: number } | undefined;
          if (next) this.#db.stmt.setLatest.run(1, next.id);
        }
        this.#db.recordRemoval(input.events, key, row.version_id, false);
        return { versionId: row.version_id, deleteMarker: row.is_delete_marker === 1, createdDeleteMarker: false };
      }
      const versioning = this.#db.versioningOf(bucketId);
      const current = this.#db.stmt.latest.get(bucketId, key) as ObjectRow | undefined;
      if (versioning === '') {
        if (current) this.#db.removeRow(current, input.nowMs, input.ownerId);
        this.#db.recordRemoval(input.events, key, undefined, false);
        return { deleteMarker: false, createdDeleteMarker: false };
      }
      const marker = this.#db.insertVersion(bucketId, key, versioning, current, {
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
      this.#db.recordRemoval(input.events, key, marker.versionId, true);
      return { versionId: marker.versionId, deleteMarker: true, createdDeleteMarker: true };
    });
  }

  setObjectAcl(bucketId: number, key: string, versionId: string | undefined, acl: string | null): Promise<boolean> {
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
      const result =
        versionId === undefined
          ? s.setAclLatest.run(acl, bucketId, key)
          : s.setAclVersion.run(acl, bucketId, key, versionId);
      return result.changes === 1;
    });
  }

  setObjectRestored(
    bucketId: number,
    key: string,
    versionId: string,
    untilMs: number,
    events?: RecordEvents,
  ): Promise<boolean> {
    return this.#db.writes.run(() => {
      if (this.#db.stmt.setRestored.run(untilMs, bucketId, key, versionId).changes !== 1) return false;
      if (events) {
        const row = this.#db.stmt.byVersion.get(bucketId, key, versionId) as ObjectRow;
        // A sequencer of its own, so the restore orders after the key's earlier events.
        const version = { ...toVersion(row), seq: this.#db.nextSeq() };
        this.#db.outbox.record(events, { kind: 'restored', version }, Date.now());
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
    return this.#db.writes.run(() => {
      const row = this.#db.stmt.byVersion.get(bucketId, key, versionId) as ObjectRow | undefined;
      if (!row || row.is_delete_marker) return false;
      const lock = update(toVersion(row));
      return this.#db.stmt.setLock.run(...lockColumns(lock), bucketId, key, versionId).changes === 1;
    });
  }

  setObjectTagging(bucketId: number, key: string, versionId: string, tagging: string | null): Promise<boolean> {
    return this.#db.writes.run(() => this.#db.stmt.setTagging.run(tagging, bucketId, key, versionId).changes === 1);
  }

  async bucketHasObjects(bucketId: number): Promise<boolean> {
    return this.#db.stmt.anyObject.get(bucketId) !== undefined;
  }
}
