import type Database from 'better-sqlite3';

export const SUMMARY_COLUMNS =
  'key, version_id, seq, is_latest, is_delete_marker, size, etag, last_modified_ms, storage_class, owner_id';
// The plain listing reads only what the objects_current index covers.
export const CURRENT_COLUMNS = 'key, size, etag, last_modified_ms, storage_class, owner_id';
// What getObject maps into a record (toVersion): every column but the row id.
const VERSION_COLUMNS = `o.bucket_id, o.key, o.seq, o.version_id, o.is_latest, o.is_delete_marker, o.size, o.etag, o.crc64,
  o.last_modified_ms, o.storage_class, o.object_type, o.owner_id, o.content_headers, o.user_meta, o.checksums, o.tagging,
  o.acl, o.manifest, o.part_sizes, o.part_checksums, o.sse, o.lock_mode, o.lock_until_ms, o.legal_hold,
  o.restored_until_ms`;
// A small object's body joined to its row (one statement for a small GET): when the manifest is one entry
// flagged inline ('id:offset:length:i', no ','), the body of its blob; NULL otherwise.
const INLINE_BODY = `CASE WHEN instr(o.manifest, ',') = 0 AND o.manifest LIKE '%:%:%:%i%'
  THEN (SELECT b.body FROM blob_bodies b WHERE b.id = substr(o.manifest, 1, instr(o.manifest, ':') - 1)) END AS inline_body`;

/** The part of a better-sqlite3 statement the store uses (its own type cannot be named in declarations). */
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  raw(toggle?: boolean): this;
  pluck(toggle?: boolean): this;
}

/** Every statement the store runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  const current = `SELECT ${CURRENT_COLUMNS} FROM objects WHERE bucket_id = ? AND is_latest = 1 AND is_delete_marker = 0`;
  const versions = `SELECT ${SUMMARY_COLUMNS} FROM objects WHERE bucket_id = ?`;
  const dirFiles = `SELECT key FROM objects WHERE bucket_id = ? AND rtrim(key, replace(key, '/', '')) = ?
    AND is_latest = 1 AND is_delete_marker = 0`;
  const uploads = 'SELECT * FROM uploads WHERE bucket_id = ?';
  return {
    bucketByName: p('SELECT * FROM buckets WHERE name = ?'),
    bucketById: p('SELECT * FROM buckets WHERE id = ?'),
    allBuckets: p('SELECT * FROM buckets ORDER BY name'),
    bucketsByOwner: p('SELECT * FROM buckets WHERE owner_id = ? ORDER BY name'),
    bucketsInOwnerRange: p('SELECT * FROM buckets WHERE owner_id >= ? AND owner_id < ? ORDER BY name'),
    insertBucket: p('INSERT INTO buckets (name, owner_id, region, created_ms) VALUES (?, ?, ?, ?)'),
    deleteBucket: p('DELETE FROM buckets WHERE id = ?'),
    setVersioning: p('UPDATE buckets SET versioning = ? WHERE id = ?'),
    getConfig: p('SELECT doc FROM bucket_configs WHERE bucket_id = ? AND kind = ?'),
    upsertConfig: p(
      'INSERT INTO bucket_configs (bucket_id, kind, doc) VALUES (?, ?, ?) ON CONFLICT (bucket_id, kind) DO UPDATE SET doc = excluded.doc',
    ),
    deleteConfig: p('DELETE FROM bucket_configs WHERE bucket_id = ? AND kind = ?'),
    anyObject: p('SELECT 1 FROM objects WHERE bucket_id = ? LIMIT 1'),

    insertPending: p('INSERT OR REPLACE INTO pending_blobs (id, created_ms) VALUES (?, ?)'),
    deletePending: p('DELETE FROM pending_blobs WHERE id = ?'),
    allPending: p('SELECT id FROM pending_blobs ORDER BY id'),

    latest: p('SELECT * FROM objects WHERE bucket_id = ? AND key = ? AND is_latest = 1'),
    byVersion: p('SELECT * FROM objects WHERE bucket_id = ? AND key = ? AND version_id = ?'),
    readLatest: p(`SELECT ${VERSION_COLUMNS}, ${INLINE_BODY} FROM objects o
      WHERE o.bucket_id = ? AND o.key = ? AND o.is_latest = 1`),
    readVersion: p(`SELECT ${VERSION_COLUMNS}, ${INLINE_BODY} FROM objects o
      WHERE o.bucket_id = ? AND o.key = ? AND o.version_id = ?`),
    newest: p('SELECT id FROM objects WHERE bucket_id = ? AND key = ? ORDER BY seq DESC LIMIT 1'),
    setLatest: p('UPDATE objects SET is_latest = ? WHERE id = ?'),
    insertObject:
      p(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker, size, etag, crc64,
      last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta, checksums, tagging, acl, manifest,
      part_sizes, sse, lock_mode, lock_until_ms, legal_hold, part_checksums)
      VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteObject: p('DELETE FROM objects WHERE id = ?'),

    currentGt: p(`${current} AND key > ? ORDER BY key LIMIT ?`),
    currentGe: p(`${current} AND key >= ? ORDER BY key LIMIT ?`),
    currentGtLt: p(`${current} AND key > ? AND key < ? ORDER BY key LIMIT ?`),
    currentGeLt: p(`${current} AND key >= ? AND key < ? ORDER BY key LIMIT ?`),
    // One round trip for a run of common prefixes (ListObjects with a delimiter): from a start key,
    // repeatedly seek to the first key after the previous key's common prefix. The prefix's successor
    // is computed in SQL: the common prefix minus its last character, plus that character + 1.
    // substr/instr count characters (code points), so lengths are passed in code points.
    currentFoldRun: p(`WITH RECURSIVE walk(k, n) AS (
        SELECT (SELECT key FROM objects WHERE bucket_id = $bucket AND is_latest = 1 AND is_delete_marker = 0
                AND key >= $start AND ($upper IS NULL OR key < $upper) ORDER BY key LIMIT 1), 1
        UNION ALL
        SELECT (SELECT key FROM objects WHERE bucket_id = $bucket AND is_latest = 1 AND is_delete_marker = 0
                AND key >= substr(walk.k, 1, $plen + instr(substr(walk.k, $plen + 1), $delim) + $dlen - 2)
                  || char(unicode(substr(walk.k, $plen + instr(substr(walk.k, $plen + 1), $delim) + $dlen - 1, 1)) + 1)
                AND ($upper IS NULL OR key < $upper) ORDER BY key LIMIT 1), n + 1
        FROM walk WHERE walk.k IS NOT NULL AND instr(substr(walk.k, $plen + 1), $delim) > 0 AND n < $limit
      )
      SELECT k FROM walk WHERE k IS NOT NULL`),
    // The directory index (migration 6): child directories of a parent path, and current keys whose
    // directory is that path. The expression must be written exactly as in objects_by_dir.
    dirsUnusable: p('SELECT 1 FROM dirs_unusable WHERE bucket_id = ?'),
    dirsGt: p('SELECT path FROM dirs WHERE bucket_id = ? AND parent = ? AND path > ? ORDER BY path LIMIT ?'),
    dirsGe: p('SELECT path FROM dirs WHERE bucket_id = ? AND parent = ? AND path >= ? ORDER BY path LIMIT ?'),
    dirsGtLt: p(
      'SELECT path FROM dirs WHERE bucket_id = ? AND parent = ? AND path > ? AND path < ? ORDER BY path LIMIT ?',
    ),
    dirsGeLt: p(
      'SELECT path FROM dirs WHERE bucket_id = ? AND parent = ? AND path >= ? AND path < ? ORDER BY path LIMIT ?',
    ),
    dirFilesGt: p(`${dirFiles} AND key > ? ORDER BY key LIMIT ?`),
    dirFilesGe: p(`${dirFiles} AND key >= ? ORDER BY key LIMIT ?`),
    dirFilesGtLt: p(`${dirFiles} AND key > ? AND key < ? ORDER BY key LIMIT ?`),
    dirFilesGeLt: p(`${dirFiles} AND key >= ? AND key < ? ORDER BY key LIMIT ?`),
    versionsGt: p(`${versions} AND key > ? ORDER BY key, seq DESC LIMIT ?`),
    versionsGe: p(`${versions} AND key >= ? ORDER BY key, seq DESC LIMIT ?`),
    versionsGtLt: p(`${versions} AND key > ? AND key < ? ORDER BY key, seq DESC LIMIT ?`),
    versionsGeLt: p(`${versions} AND key >= ? AND key < ? ORDER BY key, seq DESC LIMIT ?`),
    olderVersions: p(`${versions} AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),

    insertUpload:
      p(`INSERT INTO uploads (upload_id, bucket_id, key, initiated_ms, owner_id, storage_class, content_headers,
      user_meta, tagging, acl, checksum_algorithm, sse, lock_mode, lock_until_ms, legal_hold, checksum_type)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    uploadById: p('SELECT * FROM uploads WHERE upload_id = ?'),
    uploadByRow: p('SELECT * FROM uploads WHERE id = ?'),
    deleteUpload: p('DELETE FROM uploads WHERE id = ?'),
    anyUpload: p('SELECT 1 FROM uploads WHERE bucket_id = ? LIMIT 1'),
    uploadsOfBucket: p('SELECT * FROM uploads WHERE bucket_id = ?'),
    uploadsGt: p(`${uploads} AND key > ? ORDER BY key, id LIMIT ?`),
    uploadsGe: p(`${uploads} AND key >= ? ORDER BY key, id LIMIT ?`),
    uploadsGtLt: p(`${uploads} AND key > ? AND key < ? ORDER BY key, id LIMIT ?`),
    uploadsGeLt: p(`${uploads} AND key >= ? AND key < ? ORDER BY key, id LIMIT ?`),
    laterUploads: p(`${uploads} AND key = ? AND id > ? ORDER BY id LIMIT ?`),
    uploadsAfterMarker: p(`${uploads} AND key = ? AND upload_id > ? ORDER BY id LIMIT ?`),
    partByNumber: p('SELECT * FROM parts WHERE upload_row = ? AND part_number = ?'),
    partsAfter: p('SELECT * FROM parts WHERE upload_row = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
    allParts: p('SELECT * FROM parts WHERE upload_row = ? ORDER BY part_number'),
    insertPart: p(`INSERT INTO parts (upload_row, part_number, size, etag, crc64, checksums, last_modified_ms, manifest)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    deletePart: p('DELETE FROM parts WHERE upload_row = ? AND part_number = ?'),
    insertCompleted:
      p(`INSERT OR REPLACE INTO completed_uploads (upload_id, bucket_id, key, version_id, etag, crc64, size, completed_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    completedById: p('SELECT * FROM completed_uploads WHERE upload_id = ?'),
    forgetCompleted: p('DELETE FROM completed_uploads WHERE completed_ms < ?'),
    // Live usage (migration 11): a handful of rows per bucket, and the directory index's totals.
    liveUsage: p('SELECT kind, storage_class, count, bytes FROM bucket_usage WHERE bucket_id = ? AND count <> 0'),
    dirTotals: p('SELECT objects, bytes FROM dirs WHERE bucket_id = ? AND path = ?'),
    // Bounded by the prefix's successor: a plain `key < ?` keeps the range on the index (an
    // `? IS NULL OR key < ?` would not). A prefix without a successor is counted by prefixTotalsAll.
    childDirTotals: p(`SELECT coalesce(sum(objects), 0) AS n, coalesce(sum(bytes), 0) AS bytes
      FROM dirs INDEXED BY dirs_by_parent WHERE bucket_id = ? AND parent = ? AND path >= ? AND path < ?`),
    // INDEXED BY: left alone, the planner may prefer objects_current's range over the prefix, which
    // reads every key below the prefix instead of only its directory's own files.
    dirFileTotals: p(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM objects INDEXED BY objects_by_dir
      WHERE bucket_id = ? AND rtrim(key, replace(key, '/', '')) = ? AND is_latest = 1 AND is_delete_marker = 0
      AND key >= ? AND key < ?`),
    prefixTotals: p(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM objects
      WHERE bucket_id = ? AND is_latest = 1 AND is_delete_marker = 0 AND key >= ? AND key < ?`),
    prefixTotalsAll: p(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM objects
      WHERE bucket_id = ? AND is_latest = 1 AND is_delete_marker = 0 AND key >= ?`),
    // The full recount (a scan): to check the live figures (/-/admin/usage?recount=true).
    usageCurrent: p(`SELECT storage_class, count(*) AS n, coalesce(sum(size), 0) AS bytes FROM objects
      WHERE bucket_id = ? AND is_latest = 1 AND is_delete_marker = 0 GROUP BY storage_class`),
    usageNoncurrent: p(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM objects
      WHERE bucket_id = ? AND is_latest = 0 AND is_delete_marker = 0`),
    usageMarkers: p('SELECT count(*) AS n FROM objects WHERE bucket_id = ? AND is_delete_marker = 1'),
    usageUploads: p(`SELECT count(DISTINCT u.id) AS n, count(p.part_number) AS parts, coalesce(sum(p.size), 0) AS bytes
      FROM uploads u LEFT JOIN parts p ON p.upload_row = u.id WHERE u.bucket_id = ?`),
    usageRecycled: p('SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM recycled WHERE bucket_id = ?'),

    scanVersionsGt: p(
      `SELECT ${SUMMARY_COLUMNS}, tagging, object_type FROM objects WHERE bucket_id = ? AND key > ? ORDER BY key, seq DESC LIMIT ?`,
    ),
    scanVersionsInKey: p(
      `SELECT ${SUMMARY_COLUMNS}, tagging, object_type FROM objects WHERE bucket_id = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    scanVersionsFirst: p(
      `SELECT ${SUMMARY_COLUMNS}, tagging, object_type FROM objects WHERE bucket_id = ? ORDER BY key, seq DESC LIMIT ?`,
    ),
    scanUploads: p('SELECT * FROM uploads WHERE bucket_id = ? AND upload_id > ? ORDER BY upload_id LIMIT ?'),
    versionCount: p('SELECT count(*) AS n FROM objects WHERE bucket_id = ? AND key = ?'),
    setAclLatest: p(
      'UPDATE objects SET acl = ? WHERE bucket_id = ? AND key = ? AND is_latest = 1 AND is_delete_marker = 0',
    ),
    setAclVersion: p(
      'UPDATE objects SET acl = ? WHERE bucket_id = ? AND key = ? AND version_id = ? AND is_delete_marker = 0',
    ),
    setLock: p(
      'UPDATE objects SET lock_mode = ?, lock_until_ms = ?, legal_hold = ? WHERE bucket_id = ? AND key = ? AND version_id = ?',
    ),
    setTagging: p(
      'UPDATE objects SET tagging = ? WHERE bucket_id = ? AND key = ? AND version_id = ? AND is_delete_marker = 0',
    ),
    setStorageClass: p(
      'UPDATE objects SET storage_class = ?, restored_until_ms = NULL WHERE bucket_id = ? AND key = ? AND version_id = ?',
    ),
    setRestored: p(
      'UPDATE objects SET restored_until_ms = ? WHERE bucket_id = ? AND key = ? AND version_id = ? AND is_delete_marker = 0',
    ),
    unfinishedRun: p(
      'SELECT id, started_ms, state FROM lifecycle_runs WHERE finished_ms IS NULL ORDER BY id DESC LIMIT 1',
    ),
    insertRun: p('INSERT INTO lifecycle_runs (started_ms, state) VALUES (?, ?)'),
    getRun: p('SELECT id, started_ms, state, finished_ms, summary FROM lifecycle_runs WHERE id = ?'),
    saveRun: p('UPDATE lifecycle_runs SET state = ? WHERE id = ?'),
    finishRun: p('UPDATE lifecycle_runs SET finished_ms = ?, summary = ? WHERE id = ?'),
    ensureStats: p('INSERT OR IGNORE INTO lifecycle_stats (bucket_id) VALUES (?)'),
    addStats:
      p(`UPDATE lifecycle_stats SET objects_expired = objects_expired + ?, versions_deleted = versions_deleted + ?,
      markers_removed = markers_removed + ?, transitioned = transitioned + ?, uploads_aborted = uploads_aborted + ?,
      bytes_freed = bytes_freed + ? WHERE bucket_id = ?`),
    visitStats: p('UPDATE lifecycle_stats SET last_run_ms = ? WHERE bucket_id = ?'),
    getStats: p('SELECT * FROM lifecycle_stats WHERE bucket_id = ?'),

    insertUser: p('INSERT INTO users (uin, owner_uin, name, created_ms) VALUES (?, ?, ?, ?)'),
    userByUin: p('SELECT * FROM users WHERE uin = ?'),
    userByName: p('SELECT * FROM users WHERE owner_uin = ? AND name = ?'),
    usersOf: p('SELECT * FROM users WHERE owner_uin = ? ORDER BY name'),
    deleteUser: p('DELETE FROM users WHERE uin = ?'),
    insertAccessKey: p('INSERT INTO access_keys (secret_id, uin, sealed_secret, created_ms) VALUES (?, ?, ?, ?)'),
    accessKeyById: p('SELECT * FROM access_keys WHERE secret_id = ?'),
    accessKeysOf: p('SELECT * FROM access_keys WHERE uin = ? ORDER BY created_ms, secret_id'),
    accessKeyCount: p('SELECT count(*) AS n FROM access_keys WHERE uin = ?'),
    deleteAccessKey: p('DELETE FROM access_keys WHERE secret_id = ?'),
    upsertUserPolicy: p(
      'INSERT INTO user_policies (uin, name, doc, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (uin, name) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms',
    ),
    userPoliciesOf: p('SELECT * FROM user_policies WHERE uin = ? ORDER BY name'),
    deleteUserPolicy: p('DELETE FROM user_policies WHERE uin = ? AND name = ?'),

    insertBlob: p('INSERT INTO blobs (id, size, refs) VALUES (?, ?, 0)'),
    addRef: p('UPDATE blobs SET refs = refs + 1 WHERE id = ?'),
    dropRef: p('UPDATE blobs SET refs = refs - 1 WHERE id = ? RETURNING refs'),
    deleteBlob: p('DELETE FROM blobs WHERE id = ? RETURNING size'),
    allBlobs: p('SELECT id FROM blobs WHERE id NOT IN (SELECT id FROM blob_bodies) ORDER BY id'),
    insertBody: p('INSERT INTO blob_bodies (id, body) VALUES (?, ?)'),
    bodyOf: p('SELECT body FROM blob_bodies WHERE id = ?'),
    deleteBody: p('DELETE FROM blob_bodies WHERE id = ?'),
    queueGarbage: p('INSERT OR IGNORE INTO gc_queue (id, queued_ms) VALUES (?, ?)'),
    garbage: p(`SELECT id, EXISTS (SELECT 1 FROM blob_bodies b WHERE b.id = g.id) AS inline
      FROM gc_queue g WHERE queued_ms <= ? ORDER BY queued_ms LIMIT ?`),
    deleteGarbage: p('DELETE FROM gc_queue WHERE id = ?'),
    garbageCount: p('SELECT count(*) AS n FROM gc_queue'),
  };
}
