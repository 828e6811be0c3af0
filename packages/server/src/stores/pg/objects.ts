import { lockColumns, lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
import { type ObjectRow, toVersion } from '../sqlite/rows.js';
import {
  type CommitObjectInput,
  type CommitObjectResult,
  type DeleteObjectInput,
  type DeleteObjectResult,
  type ObjectLock,
  type ObjectStore,
  type ObjectVersion,
  StoreError,
} from '../types.js';
import { escapeKey, withKey } from './keys.js';
import type { PgDb } from './pg-db.js';

/** Object versions: commit (write protocol step 4), reads, deletes and per-version attributes. */
export class PgObjects implements ObjectStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  commitObject(input: CommitObjectInput): Promise<CommitObjectResult> {
    return this.#db.writes.run(async (tx) => {
      const db = this.#db;
      const versioning = await db.versioningOf(tx, input.bucketId);
      await db.lockKey(tx, input.bucketId, input.key);
      const current = await db.latest(tx, input.bucketId, input.key);
      input.precondition?.(current && toVersion(withKey(current)));
      await db.insertBlobs(tx, input.newBlobs);
      const version = await db.insertVersion(tx, input.bucketId, input.key, versioning, current, input.version);
      return { version };
    });
  }

  async getObject(bucketId: number, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
    const db = this.#db;
    const row =
      versionId === undefined
        ? await db.latest(db.read, bucketId, key)
        : await db.byVersion(db.read, bucketId, key, versionId);
    if (!row) return undefined;
    const version = toVersion(withKey(row));
    await db.attachBodies(version.manifest);
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
        await db.removeRow(tx, row, input.nowMs);
        if (row.is_latest) {
          const next = await tx.one<{ id: number }>(
            'SELECT id FROM objects WHERE bucket_id = $1 AND key = $2 ORDER BY seq DESC LIMIT 1',
            [bucketId, escapeKey(key)],
          );
          if (next) await tx.run('UPDATE objects SET is_latest = 1 WHERE id = $1', [next.id]);
        }
        return { versionId: row.version_id, deleteMarker: row.is_delete_marker === 1, createdDeleteMarker: false };
      }
      const versioning = await db.versioningOf(tx, bucketId);
      await db.lockKey(tx, bucketId, key);
      const current = await db.latest(tx, bucketId, key);
      if (versioning === '') {
        if (current) await db.removeRow(tx, current, input.nowMs);
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

  setObjectRestored(bucketId: number, key: string, versionId: string, untilMs: number): Promise<boolean> {
    return this.#db.writes.run(
      async (tx) =>
        (await tx.run(
          `UPDATE objects SET restored_until_ms = $1
           WHERE bucket_id = $2 AND key = $3 AND version_id = $4 AND is_delete_marker = 0`,
          [untilMs, bucketId, escapeKey(key), versionId],
        )) === 1,
    );
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
