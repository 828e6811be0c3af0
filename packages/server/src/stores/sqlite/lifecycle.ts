import { lockForbidsDeletion, lockFromColumns } from '../object-lock.js';
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
import {
  type BucketRow,
  decodeManifest,
  type ObjectRow,
  type PartRow,
  type SummaryRow,
  toSummary,
  toUpload,
  type UploadRow,
} from './rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Who the recycle bin says removed what a lifecycle expiration removed. */
const LIFECYCLE_PRINCIPAL = 'coffer:lifecycle';

/** The lifecycle worker's scans, batches, runs and statistics. */
export class SqliteLifecycle implements LifecycleStore {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async scanVersions(
    bucketId: number,
    after: { key: string; seq: number } | undefined,
    limit: number,
  ): Promise<LifecycleRow[]> {
    const s = this.#db.stmt;
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
    return (this.#db.stmt.scanUploads.all(bucketId, afterUploadId, limit) as UploadRow[]).map(toUpload);
  }

  applyLifecycleBatch(input: {
    bucketId: number;
    nowMs: number;
    actions: LifecycleAction[];
    runId: number;
    state: string;
    events?: RecordEvents;
  }): Promise<LifecycleCounts> {
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
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
      this.#db.freedBytes = 0;
      for (const action of bucket ? input.actions : []) {
        if (action.kind === 'abort-upload') {
          const upload = s.uploadById.get(action.uploadId) as UploadRow | undefined;
          if (!upload || upload.bucket_id !== bucketId) continue;
          for (const part of s.allParts.all(upload.id) as PartRow[])
            this.#db.release(decodeManifest(part.manifest), nowMs);
          s.deleteUpload.run(upload.id);
          counts.uploadsAborted++;
          continue;
        }
        if (action.kind === 'expire-current') {
          const current = s.latest.get(bucketId, action.key) as ObjectRow | undefined;
          if (!current || current.seq !== action.seq || current.is_delete_marker) continue;
          const versioning = bucket!.versioning as VersioningStatus;
          if (versioning === '') {
            this.#db.removeRow(current, nowMs, LIFECYCLE_PRINCIPAL);
            this.#db.recordRemoval(input.events, action.key, undefined, false);
          } else {
            const marker = this.#db.insertVersion(bucketId, action.key, versioning, current, {
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
            this.#db.recordRemoval(input.events, action.key, marker.versionId, true);
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
          this.#db.removeRow(row, nowMs, LIFECYCLE_PRINCIPAL);
          this.#db.recordRemoval(input.events, action.key, row.version_id, false);
          counts.versionsDeleted++;
        } else if (action.kind === 'remove-marker') {
          const { n } = s.versionCount.get(bucketId, action.key) as { n: number };
          if (!row.is_latest || !row.is_delete_marker || n !== 1) continue;
          this.#db.removeRow(row, nowMs);
          counts.markersRemoved++;
        } else if (row.storage_class !== action.storageClass && !row.is_delete_marker) {
          s.setStorageClass.run(action.storageClass, bucketId, action.key, action.versionId);
          counts.transitioned++;
        }
      }
      counts.bytesFreed = this.#db.freedBytes;
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
    const row = this.#db.stmt.unfinishedRun.get() as { id: number; started_ms: number; state: string } | undefined;
    return row && { runId: row.id, startedMs: row.started_ms, state: row.state };
  }

  claimLifecycleRun(nowMs: number, state: string): Promise<LifecycleRunRecord & { created: boolean }> {
    // One write transaction: no other writer comes between the look and the insert (and the unique
    // index of migration 21 would refuse a second unfinished run anyway).
    return this.#db.writes.run(() => {
      const s = this.#db.stmt;
      const row = s.unfinishedRun.get() as { id: number; started_ms: number; state: string } | undefined;
      if (row) return { runId: row.id, startedMs: row.started_ms, state: row.state, created: false };
      const runId = Number(s.insertRun.run(nowMs, state).lastInsertRowid);
      return { runId, startedMs: nowMs, state, created: true };
    });
  }

  async getLifecycleRun(runId: number): Promise<LifecycleRunRecord | undefined> {
    const row = this.#db.stmt.getRun.get(runId) as RunRow | undefined;
    return row && toRun(row);
  }

  saveLifecycleRun(runId: number, state: string): Promise<void> {
    return this.#db.writes.run(() => {
      this.#db.stmt.saveRun.run(state, runId);
    });
  }

  finishLifecycleRun(runId: number, nowMs: number, summary: string): Promise<void> {
    return this.#db.writes.run(() => {
      this.#db.stmt.finishRun.run(nowMs, summary, runId);
    });
  }

  recordLifecycleVisit(bucketId: number, nowMs: number): Promise<void> {
    return this.#db.writes.run(() => {
      if (!this.#db.stmt.bucketById.get(bucketId)) return;
      this.#db.stmt.ensureStats.run(bucketId);
      this.#db.stmt.visitStats.run(nowMs, bucketId);
    });
  }

  async lifecycleStats(bucketId: number): Promise<LifecycleStats> {
    const row = this.#db.stmt.getStats.get(bucketId) as Record<string, number | null> | undefined;
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

interface RunRow {
  id: number;
  started_ms: number;
  state: string;
  finished_ms: number | null;
  summary: string | null;
}

function toRun(row: RunRow): LifecycleRunRecord {
  return {
    runId: row.id,
    startedMs: row.started_ms,
    state: row.state,
    ...(row.finished_ms !== null ? { finishedMs: row.finished_ms } : {}),
    ...(row.summary !== null ? { summary: row.summary } : {}),
  };
}
