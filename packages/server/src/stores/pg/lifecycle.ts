import { lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
import { type BucketRow, type SummaryRow, toSummary, toUpload, type UploadRow } from '../sqlite/rows.js';
import type {
  LifecycleAction,
  LifecycleCounts,
  LifecycleRow,
  LifecycleRunRecord,
  LifecycleStats,
  LifecycleStore,
  RecordEvents,
  UploadRecord,
  VersioningStatus,
} from '../types.js';
import { escapeKey, withKey } from './keys.js';
import type { PgDb } from './pg-db.js';
import { uploadById } from './uploads.js';

const SCAN_COLUMNS =
  'key, version_id, seq, is_latest, is_delete_marker, size, etag, last_modified_ms, storage_class, owner_id, tagging, object_type';

/** Who the recycle bin says removed what a lifecycle expiration removed. */
const LIFECYCLE_PRINCIPAL = 'coffer:lifecycle';

/** The lifecycle worker's scans, batches, runs and statistics. */
export class PgLifecycle implements LifecycleStore {
  readonly #db: PgDb;

  constructor(db: PgDb) {
    this.#db = db;
  }

  async scanVersions(
    bucketId: number,
    after: { key: string; seq: number } | undefined,
    limit: number,
  ): Promise<LifecycleRow[]> {
    const read = this.#db.read;
    type Row = SummaryRow & { tagging: string | null; object_type: string };
    const rows: Row[] = [];
    if (after === undefined)
      rows.push(
        ...(await read.rows<Row>(
          `SELECT ${SCAN_COLUMNS} FROM objects WHERE bucket_id = $1 ORDER BY key, seq DESC LIMIT $2`,
          [bucketId, limit],
        )),
      );
    else {
      rows.push(
        ...(await read.rows<Row>(
          `SELECT ${SCAN_COLUMNS} FROM objects WHERE bucket_id = $1 AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`,
          [bucketId, escapeKey(after.key), after.seq, limit],
        )),
      );
      if (rows.length < limit)
        rows.push(
          ...(await read.rows<Row>(
            `SELECT ${SCAN_COLUMNS} FROM objects WHERE bucket_id = $1 AND key > $2 ORDER BY key, seq DESC LIMIT $3`,
            [bucketId, escapeKey(after.key), limit - rows.length],
          )),
        );
    }
    return rows.map((r) => ({
      ...toSummary(withKey(r)),
      ...(r.tagging !== null ? { tagging: r.tagging } : {}),
      ...(r.object_type === 'appendable' ? { appendable: true } : {}),
    }));
  }

  async scanUploads(bucketId: number, afterUploadId: string, limit: number): Promise<UploadRecord[]> {
    const rows = await this.#db.read.rows<UploadRow>(
      'SELECT * FROM uploads WHERE bucket_id = $1 AND upload_id > $2 ORDER BY upload_id LIMIT $3',
      [bucketId, afterUploadId, limit],
    );
    return rows.map((r) => toUpload(withKey(r)));
  }

  applyLifecycleBatch(input: {
    bucketId: number;
    nowMs: number;
    actions: LifecycleAction[];
    runId: number;
    state: string;
    events?: RecordEvents;
  }): Promise<LifecycleCounts> {
    return this.#db.writes.run(async (tx) => {
      const db = this.#db;
      const { bucketId, nowMs } = input;
      const bucket = await tx.one<BucketRow>('SELECT * FROM buckets WHERE id = $1 FOR SHARE', [bucketId]);
      const counts: LifecycleCounts = {
        objectsExpired: 0,
        versionsDeleted: 0,
        markersRemoved: 0,
        transitioned: 0,
        uploadsAborted: 0,
        bytesFreed: 0,
      };
      tx.freedBytes = 0;
      for (const action of bucket ? input.actions : []) {
        if (action.kind === 'abort-upload') {
          const upload = await uploadById(tx, action.uploadId, 'FOR UPDATE');
          if (!upload || upload.bucket_id !== bucketId) continue;
          await db.abortLocked(tx, upload, nowMs);
          counts.uploadsAborted++;
          continue;
        }
        await db.lockKey(tx, bucketId, action.key);
        if (action.kind === 'expire-current') {
          const current = await db.latest(tx, bucketId, action.key);
          if (!current || current.seq !== action.seq || current.is_delete_marker) continue;
          const versioning = bucket!.versioning as VersioningStatus;
          if (versioning === '') {
            await db.removeRow(tx, current, nowMs, LIFECYCLE_PRINCIPAL);
            await db.recordRemoval(tx, input.events, action.key, undefined, false);
          } else {
            const marker = await db.insertVersion(tx, bucketId, action.key, versioning, current, {
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
            await db.recordRemoval(tx, input.events, action.key, marker.versionId, true);
          }
          counts.objectsExpired++;
          continue;
        }
        const row = await db.byVersion(tx, bucketId, action.key, action.versionId);
        // The seq check matters for 'null' ids: a write since the scan may have put a new, unjudged
        // null version under the same id.
        if (!row || row.seq !== action.seq) continue;
        if (action.kind === 'delete-version') {
          // Object lock: a retained or held version outlives every lifecycle rule.
          if (row.is_latest || lockForbidsDeletion(lockFromColumns(row), nowMs)) continue;
          await db.removeRow(tx, row, nowMs, LIFECYCLE_PRINCIPAL);
          await db.recordRemoval(tx, input.events, action.key, row.version_id, false);
          counts.versionsDeleted++;
        } else if (action.kind === 'remove-marker') {
          const { n } = (await tx.one<{ n: number }>(
            'SELECT count(*) AS n FROM objects WHERE bucket_id = $1 AND key = $2',
            [bucketId, escapeKey(action.key)],
          ))!;
          if (!row.is_latest || !row.is_delete_marker || n !== 1) continue;
          await db.removeRow(tx, row, nowMs);
          counts.markersRemoved++;
        } else if (row.storage_class !== action.storageClass && !row.is_delete_marker) {
          await tx.run('UPDATE objects SET storage_class = $1, restored_until_ms = NULL WHERE id = $2', [
            action.storageClass,
            row.id,
          ]);
          counts.transitioned++;
        }
      }
      counts.bytesFreed = tx.freedBytes;
      await tx.run('UPDATE lifecycle_runs SET state = $1 WHERE id = $2', [input.state, input.runId]);
      if (bucket) {
        await tx.run(
          `INSERT INTO lifecycle_stats AS s (bucket_id, objects_expired, versions_deleted, markers_removed, transitioned,
             uploads_aborted, bytes_freed)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (bucket_id) DO UPDATE SET objects_expired = s.objects_expired + excluded.objects_expired,
             versions_deleted = s.versions_deleted + excluded.versions_deleted,
             markers_removed = s.markers_removed + excluded.markers_removed,
             transitioned = s.transitioned + excluded.transitioned,
             uploads_aborted = s.uploads_aborted + excluded.uploads_aborted,
             bytes_freed = s.bytes_freed + excluded.bytes_freed`,
          [
            bucketId,
            counts.objectsExpired,
            counts.versionsDeleted,
            counts.markersRemoved,
            counts.transitioned,
            counts.uploadsAborted,
            counts.bytesFreed,
          ],
        );
      }
      return counts;
    });
  }

  async unfinishedLifecycleRun(): Promise<{ runId: number; startedMs: number; state: string } | undefined> {
    const row = await this.#db.read.one<{ id: number; started_ms: number; state: string }>(
      'SELECT id, started_ms, state FROM lifecycle_runs WHERE finished_ms IS NULL ORDER BY id DESC LIMIT 1',
    );
    return row && { runId: row.id, startedMs: row.started_ms, state: row.state };
  }

  async claimLifecycleRun(nowMs: number, state: string): Promise<LifecycleRunRecord & { created: boolean }> {
    // Gateways race here: the unique index over unfinished runs (migration 6) lets one INSERT through;
    // the others' DO NOTHING returns no row and they read the winner's run. On its own connection,
    // outside the group commit, so a refused insert never rolls back a batch. Should the run finish
    // between the two statements, the next round starts a new one.
    for (;;) {
      const inserted = await this.#db.read.one<{ id: number }>(
        'INSERT INTO lifecycle_runs (started_ms, state) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
        [nowMs, state],
      );
      if (inserted) return { runId: inserted.id, startedMs: nowMs, state, created: true };
      const running = await this.unfinishedLifecycleRun();
      if (running) return { ...running, created: false };
    }
  }

  async getLifecycleRun(runId: number): Promise<LifecycleRunRecord | undefined> {
    const row = await this.#db.read.one<{
      id: number;
      started_ms: number;
      state: string;
      finished_ms: number | null;
      summary: string | null;
    }>('SELECT id, started_ms, state, finished_ms, summary FROM lifecycle_runs WHERE id = $1', [runId]);
    return (
      row && {
        runId: row.id,
        startedMs: row.started_ms,
        state: row.state,
        ...(row.finished_ms !== null ? { finishedMs: row.finished_ms } : {}),
        ...(row.summary !== null ? { summary: row.summary } : {}),
      }
    );
  }

  saveLifecycleRun(runId: number, state: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('UPDATE lifecycle_runs SET state = $1 WHERE id = $2', [state, runId]);
    });
  }

  finishLifecycleRun(runId: number, nowMs: number, summary: string): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run('UPDATE lifecycle_runs SET finished_ms = $1, summary = $2 WHERE id = $3', [nowMs, summary, runId]);
    });
  }

  recordLifecycleVisit(bucketId: number, nowMs: number): Promise<void> {
    return this.#db.writes.run(async (tx) => {
      await tx.run(
        `INSERT INTO lifecycle_stats (bucket_id, last_run_ms) SELECT id, $2 FROM buckets WHERE id = $1
         ON CONFLICT (bucket_id) DO UPDATE SET last_run_ms = excluded.last_run_ms`,
        [bucketId, nowMs],
      );
    });
  }

  async lifecycleStats(bucketId: number): Promise<LifecycleStats> {
    const row = await this.#db.read.one<Record<string, number | null>>(
      'SELECT * FROM lifecycle_stats WHERE bucket_id = $1',
      [bucketId],
    );
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
}
