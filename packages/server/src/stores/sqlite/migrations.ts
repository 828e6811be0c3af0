/** A row ListObjects shows: the current version, not a delete marker (the directory index counts these). */
const visible = (row: 'NEW' | 'OLD') => `${row}.is_latest = 1 AND ${row}.is_delete_marker = 0`;
/** The directories of a row's key: the key up to each of its '/' (n walks key_positions). */
const dirPath = (row: 'NEW' | 'OLD') => `substr(${row}.key, 1, n)`;
const dirPositions = (row: 'NEW' | 'OLD') =>
  `FROM key_positions WHERE n <= length(${row}.key) AND substr(${row}.key, n, 1) = '/'`;
/** Trigger body: the row's key now counts under each of its directories. */
const countIn = (row: 'NEW' | 'OLD') => `
    INSERT INTO dirs (bucket_id, path, parent, objects)
      SELECT ${row}.bucket_id, ${dirPath(row)},
             rtrim(substr(${row}.key, 1, n - 1), replace(substr(${row}.key, 1, n - 1), '/', '')), 1
      ${dirPositions(row)}
      ON CONFLICT (bucket_id, path) DO UPDATE SET objects = objects + 1;`;
/** Trigger body: the row's key no longer counts; a directory left with none goes. */
const countOut = (row: 'NEW' | 'OLD') => `
    UPDATE dirs SET objects = objects - 1
      WHERE bucket_id = ${row}.bucket_id AND path IN (SELECT ${dirPath(row)} ${dirPositions(row)});
    DELETE FROM dirs
      WHERE bucket_id = ${row}.bucket_id AND objects <= 0 AND path IN (SELECT ${dirPath(row)} ${dirPositions(row)});`;

/** Migration 11's directory triggers: as countIn/countOut (migration 6), with the row's bytes too. */
const countInWithBytes = (row: 'NEW' | 'OLD') => `
    INSERT INTO dirs (bucket_id, path, parent, objects, bytes)
      SELECT ${row}.bucket_id, ${dirPath(row)},
             rtrim(substr(${row}.key, 1, n - 1), replace(substr(${row}.key, 1, n - 1), '/', '')), 1, ${row}.size
      ${dirPositions(row)}
      ON CONFLICT (bucket_id, path) DO UPDATE SET objects = objects + 1, bytes = bytes + excluded.bytes;`;
const countOutWithBytes = (row: 'NEW' | 'OLD') => `
    UPDATE dirs SET objects = objects - 1, bytes = bytes - ${row}.size
      WHERE bucket_id = ${row}.bucket_id AND path IN (SELECT ${dirPath(row)} ${dirPositions(row)});
    DELETE FROM dirs
      WHERE bucket_id = ${row}.bucket_id AND objects <= 0 AND path IN (SELECT ${dirPath(row)} ${dirPositions(row)});`;

/** What a version counts as in bucket_usage (migration 11): its kind, and its storage class ('' for a marker). */
const usageKind = (row: 'NEW' | 'OLD') =>
  `CASE WHEN ${row}.is_delete_marker = 1 THEN 'marker' WHEN ${row}.is_latest = 1 THEN 'current' ELSE 'noncurrent' END`;
const usageClass = (row: 'NEW' | 'OLD') =>
  `CASE WHEN ${row}.is_delete_marker = 1 THEN '' ELSE ${row}.storage_class END`;
/** Trigger body: adds (sign +1) or removes (-1) one entry of `count` items and `bytes` bytes. */
const usageAdd = (bucket: string, kind: string, cls: string, sign: 1 | -1, bytes: string) => `
    INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes)
      VALUES (${bucket}, ${kind}, ${cls}, ${sign}, ${sign} * ${bytes})
      ON CONFLICT (bucket_id, kind, storage_class)
      DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes;`;
const usageOfVersion = (row: 'NEW' | 'OLD', sign: 1 | -1) =>
  usageAdd(`${row}.bucket_id`, usageKind(row), usageClass(row), sign, `${row}.size`);

/**
 * SQLite schema, one entry per version; `PRAGMA user_version` records how many have run.
 * Never edit a shipped entry: append a new one.
 *
 * Keys are TEXT compared with the BINARY collation (memcmp of UTF-8), which is the listing order S3
 * defines. Object rows are ordinary rowid rows (a multipart manifest can be large); listings read
 * covering partial indexes.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: buckets, object versions, blobs with reference counts, the write intent log, GC queue, leases.
  `
  CREATE TABLE buckets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    region TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    versioning TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE bucket_configs (
    bucket_id INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (bucket_id, kind)
  );
  CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    bucket_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version_id TEXT NOT NULL,
    is_latest INTEGER NOT NULL,
    is_delete_marker INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    crc64 TEXT,
    last_modified_ms INTEGER NOT NULL,
    storage_class TEXT NOT NULL,
    object_type TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    content_headers TEXT NOT NULL,
    user_meta TEXT NOT NULL,
    checksums TEXT NOT NULL,
    tagging TEXT,
    acl TEXT,
    manifest TEXT NOT NULL
  );
  CREATE UNIQUE INDEX objects_by_version ON objects (bucket_id, key, version_id);
  CREATE INDEX objects_by_key_seq ON objects (bucket_id, key, seq DESC);
  -- The current view: what ListObjects reads, covering, one entry per visible key.
  CREATE INDEX objects_current ON objects (bucket_id, key, size, etag, last_modified_ms, storage_class, owner_id)
    WHERE is_latest = 1 AND is_delete_marker = 0;
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    refs INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE pending_blobs (
    id TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE gc_queue (
    id TEXT PRIMARY KEY,
    queued_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX gc_queue_by_time ON gc_queue (queued_ms);
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: multipart uploads. Parts hold blob references like versions do, so Complete moves references
  // from parts to the new version without touching data; completed_uploads answers a retried Complete.
  `
  CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    upload_id TEXT NOT NULL UNIQUE,
    bucket_id INTEGER NOT NULL REFERENCES buckets(id),
    key TEXT NOT NULL,
    initiated_ms INTEGER NOT NULL,
    owner_id TEXT NOT NULL,
    storage_class TEXT NOT NULL,
    content_headers TEXT NOT NULL,
    user_meta TEXT NOT NULL,
    tagging TEXT,
    acl TEXT,
    checksum_algorithm TEXT
  );
  CREATE INDEX uploads_by_key ON uploads (bucket_id, key, id);
  CREATE TABLE parts (
    upload_row INTEGER NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    crc64 TEXT,
    checksums TEXT NOT NULL,
    last_modified_ms INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    PRIMARY KEY (upload_row, part_number)
  ) WITHOUT ROWID;
  CREATE TABLE completed_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    etag TEXT NOT NULL,
    crc64 TEXT,
    size INTEGER NOT NULL,
    completed_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX completed_uploads_by_time ON completed_uploads (completed_ms);
  `,
  // 3: lifecycle. A run's cursor is saved with each batch of actions, in the same transaction, so a
  // restart resumes where the last committed batch ended and never repeats an action.
  `
  CREATE TABLE lifecycle_runs (
    id INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    state TEXT NOT NULL
  );
  CREATE TABLE lifecycle_stats (
    bucket_id INTEGER PRIMARY KEY REFERENCES buckets(id) ON DELETE CASCADE,
    last_run_ms INTEGER,
    objects_expired INTEGER NOT NULL DEFAULT 0,
    versions_deleted INTEGER NOT NULL DEFAULT 0,
    markers_removed INTEGER NOT NULL DEFAULT 0,
    transitioned INTEGER NOT NULL DEFAULT 0,
    uploads_aborted INTEGER NOT NULL DEFAULT 0,
    bytes_freed INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 4: identities. Sub-users of an account, their access keys (the secret sealed with a key derived
  // from master.key, never in clear) and their attached policies; deleting a user takes both along.
  `
  CREATE TABLE users (
    uin TEXT PRIMARY KEY,
    owner_uin TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (owner_uin, name)
  ) WITHOUT ROWID;
  CREATE TABLE access_keys (
    secret_id TEXT PRIMARY KEY,
    uin TEXT NOT NULL REFERENCES users(uin) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX access_keys_by_user ON access_keys (uin, created_ms);
  CREATE TABLE user_policies (
    uin TEXT NOT NULL REFERENCES users(uin) ON DELETE CASCADE,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (uin, name)
  ) WITHOUT ROWID;
  `,
  // 5: the part sizes of a completed multipart object (comma-separated, in order), so GET and HEAD
  // ?partNumber can serve one part. NULL for objects written in one piece, and for multipart objects
  // completed before this migration (their boundaries are not known).
  `
  ALTER TABLE objects ADD COLUMN part_sizes TEXT;
  `,
  // 6: the directory index, for listings with delimiter '/' (docs/ARCHITECTURE.md, "Listing"). dirs holds
  // one row per common prefix that has current objects under it (a path ending in '/', its parent
  // path, how many current objects are under it), kept exact by triggers on objects; objects_by_dir
  // indexes current keys by the path of their directory. A page of common prefixes is then one range
  // scan of dirs, and the files between them one range scan of objects_by_dir: no seek per prefix.
  // A key's directory is rtrim(key, <every character of the key but '/'>): the key up to its last '/'.
  // key_positions numbers the characters of a key (keys are at most 1024 bytes), so a trigger can
  // visit every '/' of a key without a recursive query (triggers cannot hold one).
  `
  CREATE TABLE key_positions (n INTEGER PRIMARY KEY);
  WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1024)
  INSERT INTO key_positions (n) SELECT n FROM seq;

  CREATE TABLE dirs (
    bucket_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    parent TEXT NOT NULL,
    objects INTEGER NOT NULL,
    PRIMARY KEY (bucket_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX dirs_by_parent ON dirs (bucket_id, parent, path);

  CREATE INDEX objects_by_dir ON objects (bucket_id, rtrim(key, replace(key, '/', '')), key)
    WHERE is_latest = 1 AND is_delete_marker = 0;

  WITH RECURSIVE slash(bucket_id, key, pos) AS (
    SELECT bucket_id, key, instr(key, '/') FROM objects
      WHERE is_latest = 1 AND is_delete_marker = 0 AND instr(key, '/') > 0
    UNION ALL
    SELECT bucket_id, key, pos + instr(substr(key, pos + 1), '/') FROM slash
      WHERE instr(substr(key, pos + 1), '/') > 0
  )
  INSERT INTO dirs (bucket_id, path, parent, objects)
    SELECT bucket_id, substr(key, 1, pos), rtrim(substr(key, 1, pos - 1), replace(substr(key, 1, pos - 1), '/', '')),
           count(*)
    FROM slash GROUP BY bucket_id, substr(key, 1, pos);

  -- SQLite's length/substr/instr stop at U+0000 in text, so the triggers cannot see the '/'s after
  -- one: a bucket that ever held such a key is listed by the generic walk from then on.
  CREATE TABLE dirs_unusable (bucket_id INTEGER PRIMARY KEY);
  INSERT OR IGNORE INTO dirs_unusable (bucket_id)
    SELECT DISTINCT bucket_id FROM objects WHERE instr(CAST(key AS BLOB), x'00') > 0;
  CREATE TRIGGER dirs_on_nul_key AFTER INSERT ON objects WHEN instr(CAST(NEW.key AS BLOB), x'00') > 0
  BEGIN
    INSERT OR IGNORE INTO dirs_unusable (bucket_id) VALUES (NEW.bucket_id);
  END;

  CREATE TRIGGER dirs_on_insert AFTER INSERT ON objects WHEN ${visible('NEW')}
  BEGIN ${countIn('NEW')} END;
  CREATE TRIGGER dirs_on_delete AFTER DELETE ON objects WHEN ${visible('OLD')}
  BEGIN ${countOut('OLD')} END;
  CREATE TRIGGER dirs_on_hide AFTER UPDATE OF is_latest, is_delete_marker ON objects
    WHEN ${visible('OLD')} AND NOT (${visible('NEW')})
  BEGIN ${countOut('OLD')} END;
  CREATE TRIGGER dirs_on_show AFTER UPDATE OF is_latest, is_delete_marker ON objects
    WHEN ${visible('NEW')} AND NOT (${visible('OLD')})
  BEGIN ${countIn('NEW')} END;
  `,
  // 7: server-side encryption at rest (SSE-S3 / SSE-COS): the algorithm a version was written with
  // ('AES256'), and the one an upload's parts are written with. NULL: stored in the clear. Which
  // blobs are sealed is recorded per manifest entry (rows.ts), so a zero-copy manifest stays exact.
  `
  ALTER TABLE objects ADD COLUMN sse TEXT;
  ALTER TABLE uploads ADD COLUMN sse TEXT;
  `,
  // 8: object lock (WORM). A version's retention (mode GOVERNANCE or COMPLIANCE, retain-until time)
  // and legal hold (NULL: never set, 0 off, 1 on); an upload's, given at initiation, for Complete.
  `
  ALTER TABLE objects ADD COLUMN lock_mode TEXT;
  ALTER TABLE objects ADD COLUMN lock_until_ms INTEGER;
  ALTER TABLE objects ADD COLUMN legal_hold INTEGER;
  ALTER TABLE uploads ADD COLUMN lock_mode TEXT;
  ALTER TABLE uploads ADD COLUMN lock_until_ms INTEGER;
  ALTER TABLE uploads ADD COLUMN legal_hold INTEGER;
  `,
  // 9: archive restores. Until when a restored copy of an archived version (ARCHIVE, DEEP_ARCHIVE, …)
  // is readable; NULL: never restored. A transition to another class clears it.
  `
  ALTER TABLE objects ADD COLUMN restored_until_ms INTEGER;
  `,
  // 10: an upload's checksum type (x-amz-checksum-type: COMPOSITE or FULL_OBJECT), for Complete.
  // NULL: the algorithm's default (FULL_OBJECT for CRC64NVME, COMPOSITE otherwise).
  `
  ALTER TABLE uploads ADD COLUMN checksum_type TEXT;
  `,
  // 11: the checksums (SHA-256, SHA-1, CRC32, CRC32C, CRC64NVME) of each part of a completed multipart
  // object, a JSON array in part order, for GetObjectAttributes and GET ?partNumber. NULL: none kept.
  `
  ALTER TABLE objects ADD COLUMN part_checksums TEXT;
  `,
  // 12: inline blobs: the bytes of small objects and parts, kept in the database with the version row
  // that references them (committed in the same transaction, so the WAL fsync of the group commit
  // makes them durable: no file, no fsync of one, no rename, no intent). A blob with a row here is
  // inline; its `blobs` row counts references as for files. The bytes outlive the `blobs` row until
  // the GC forgets them, as a file does, so readers in flight finish. A rowid table: bodies of up to
  // 1 MiB do not belong in a WITHOUT ROWID b-tree.
  `
  CREATE TABLE blob_bodies (
    id TEXT PRIMARY KEY,
    body BLOB NOT NULL
  );
  `,
  // 13: live usage and folder size (docs/operations.md, "Usage"). bucket_usage keeps, per bucket, the
  // count and bytes of current versions and noncurrent versions by storage class, delete markers,
  // incomplete uploads (by class) and their parts; dirs gains the bytes of the current objects under
  // each directory. Both are kept by triggers, so every write (PUT, copy, Complete, delete,
  // lifecycle, whatever path it takes through the store) updates them in its own transaction: a
  // crash can never leave them out of step with the rows, and a query reads a handful of rows,
  // never the bucket. Rows whose count falls to 0 are left in place (readers skip them): deleting
  // them would cost every write a second statement.
  `
  CREATE TABLE bucket_usage (
    bucket_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    storage_class TEXT NOT NULL,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (bucket_id, kind, storage_class)
  ) WITHOUT ROWID;
  INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes)
    SELECT bucket_id, kind, cls, count(*), coalesce(sum(size), 0) FROM (
      SELECT bucket_id, size,
             CASE WHEN is_delete_marker = 1 THEN 'marker' WHEN is_latest = 1 THEN 'current' ELSE 'noncurrent' END AS kind,
             CASE WHEN is_delete_marker = 1 THEN '' ELSE storage_class END AS cls
      FROM objects)
    GROUP BY bucket_id, kind, cls;
  INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes)
    SELECT bucket_id, 'upload', storage_class, count(*), 0 FROM uploads GROUP BY bucket_id, storage_class;
  INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes)
    SELECT u.bucket_id, 'part', '', count(*), sum(p.size) FROM parts p JOIN uploads u ON u.id = p.upload_row
    GROUP BY u.bucket_id;

  CREATE TRIGGER usage_on_insert AFTER INSERT ON objects BEGIN ${usageOfVersion('NEW', 1)} END;
  CREATE TRIGGER usage_on_delete AFTER DELETE ON objects BEGIN ${usageOfVersion('OLD', -1)} END;
  CREATE TRIGGER usage_on_update AFTER UPDATE OF is_latest, is_delete_marker, size, storage_class ON objects
    WHEN OLD.is_latest IS NOT NEW.is_latest OR OLD.is_delete_marker IS NOT NEW.is_delete_marker
      OR OLD.size IS NOT NEW.size OR OLD.storage_class IS NOT NEW.storage_class
  BEGIN ${usageOfVersion('OLD', -1)} ${usageOfVersion('NEW', 1)} END;
  CREATE TRIGGER usage_on_upload AFTER INSERT ON uploads
  BEGIN ${usageAdd('NEW.bucket_id', "'upload'", 'NEW.storage_class', 1, '0')} END;
  CREATE TRIGGER usage_on_upload_gone AFTER DELETE ON uploads
  BEGIN ${usageAdd('OLD.bucket_id', "'upload'", 'OLD.storage_class', -1, '0')} END;
  -- A part's bucket is its upload's. Deleting an upload deletes its parts by the foreign key's
  -- cascade, which runs after the upload row is gone: the upload's own trigger (BEFORE, while its
  -- parts are still there) takes them out, and the part trigger only counts parts of a live upload.
  CREATE TRIGGER usage_on_part AFTER INSERT ON parts
  BEGIN ${usageAdd('(SELECT bucket_id FROM uploads WHERE id = NEW.upload_row)', "'part'", "''", 1, 'NEW.size')} END;
  CREATE TRIGGER usage_on_part_gone AFTER DELETE ON parts
    WHEN EXISTS (SELECT 1 FROM uploads WHERE id = OLD.upload_row)
  BEGIN ${usageAdd('(SELECT bucket_id FROM uploads WHERE id = OLD.upload_row)', "'part'", "''", -1, 'OLD.size')} END;
  CREATE TRIGGER usage_on_upload_parts_gone BEFORE DELETE ON uploads
    WHEN EXISTS (SELECT 1 FROM parts WHERE upload_row = OLD.id)
  BEGIN
    UPDATE bucket_usage SET
      count = count - (SELECT count(*) FROM parts WHERE upload_row = OLD.id),
      bytes = bytes - (SELECT sum(size) FROM parts WHERE upload_row = OLD.id)
    WHERE bucket_id = OLD.bucket_id AND kind = 'part' AND storage_class = '';
  END;
  CREATE TRIGGER usage_on_bucket_gone AFTER DELETE ON buckets
  BEGIN DELETE FROM bucket_usage WHERE bucket_id = OLD.id; END;

  ALTER TABLE dirs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE dirs SET bytes = coalesce((SELECT sum(size) FROM objects o
    WHERE o.bucket_id = dirs.bucket_id AND o.is_latest = 1 AND o.is_delete_marker = 0
      AND substr(o.key, 1, length(dirs.path)) = dirs.path), 0);
  DROP TRIGGER dirs_on_insert;
  DROP TRIGGER dirs_on_delete;
  DROP TRIGGER dirs_on_hide;
  DROP TRIGGER dirs_on_show;
  CREATE TRIGGER dirs_on_insert AFTER INSERT ON objects WHEN ${visible('NEW')}
  BEGIN ${countInWithBytes('NEW')} END;
  CREATE TRIGGER dirs_on_delete AFTER DELETE ON objects WHEN ${visible('OLD')}
  BEGIN ${countOutWithBytes('OLD')} END;
  CREATE TRIGGER dirs_on_hide AFTER UPDATE OF is_latest, is_delete_marker ON objects
    WHEN ${visible('OLD')} AND NOT (${visible('NEW')})
  BEGIN ${countOutWithBytes('OLD')} END;
  CREATE TRIGGER dirs_on_show AFTER UPDATE OF is_latest, is_delete_marker ON objects
    WHEN ${visible('NEW')} AND NOT (${visible('OLD')})
  BEGIN ${countInWithBytes('NEW')} END;
  CREATE TRIGGER dirs_on_resize AFTER UPDATE OF size ON objects
    WHEN ${visible('OLD')} AND ${visible('NEW')} AND OLD.size IS NOT NEW.size
  BEGIN
    UPDATE dirs SET bytes = bytes + NEW.size - OLD.size
      WHERE bucket_id = NEW.bucket_id AND path IN (SELECT ${dirPath('NEW')} ${dirPositions('NEW')});
  END;
  `,
  // 14: the notification outbox (stores/sqlite/outbox.ts): events recorded in the transaction of the write
  // that caused them, removed once delivered; entries undeliverable for days move to outbox_dead.
  `
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE INDEX outbox_by_target ON outbox (target, id);
  CREATE TABLE outbox_dead (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    dead_ms INTEGER NOT NULL
  );
  `,
  // 15: the recycle bin (stores/types.ts, "recycle bin"): versions removed from a bucket whose ?recycle
  // setting is on, with their blob references (inline bodies included: their blob rows keep the
  // reference, so GC leaves them), until purge_ms. `version` is the whole ObjectVersion (JSON). The
  // bin's entries and bytes count in bucket_usage (kind 'recycled'), kept by triggers like the rest.
  `
  CREATE TABLE recycled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    deleted_ms INTEGER NOT NULL,
    deleted_by TEXT NOT NULL,
    purge_ms INTEGER NOT NULL,
    version TEXT NOT NULL
  );
  CREATE INDEX recycled_by_key ON recycled (bucket_id, key, id);
  CREATE INDEX recycled_by_purge ON recycled (purge_ms);
  CREATE TRIGGER usage_on_recycle AFTER INSERT ON recycled
  BEGIN ${usageAdd('NEW.bucket_id', "'recycled'", "''", 1, 'NEW.size')} END;
  CREATE TRIGGER usage_on_recycle_gone AFTER DELETE ON recycled
  BEGIN ${usageAdd('OLD.bucket_id', "'recycled'", "''", -1, 'OLD.size')} END;
  `,
  // 16: the access log spool (stores/sqlite/access-log.ts) and inventory runs (stores/sqlite/inventory.ts).
  // AUTOINCREMENT: a record id is never reused after delivered records are deleted, since a stream's
  // sealed_id says which of its records are already in a batch.
  `
  CREATE TABLE access_log_streams (
    id INTEGER PRIMARY KEY,
    source_bucket TEXT NOT NULL,
    target_bucket TEXT NOT NULL,
    target_prefix TEXT NOT NULL,
    format TEXT NOT NULL,
    key_format TEXT NOT NULL,
    sealed_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source_bucket, target_bucket, target_prefix, format, key_format)
  );
  -- One row per stream per append: the records of a few milliseconds of requests, one line each
  -- (deflated: a raw deflate stream of the lines joined by newlines).
  CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL,
    records INTEGER NOT NULL,
    lines BLOB NOT NULL
  );
  CREATE INDEX access_log_by_stream ON access_log (stream_id, id);
  CREATE TABLE access_log_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    records INTEGER NOT NULL,
    sealed_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE TABLE inventory_runs (
    bucket_id INTEGER NOT NULL,
    config_id TEXT NOT NULL,
    last_started_ms INTEGER,
    last_finished_ms INTEGER,
    last_manifest_key TEXT,
    last_error TEXT,
    PRIMARY KEY (bucket_id, config_id)
  ) WITHOUT ROWID;
  CREATE TRIGGER inventory_runs_on_bucket_gone AFTER DELETE ON buckets
  BEGIN DELETE FROM inventory_runs WHERE bucket_id = OLD.id; END;
  `,
  // 17: leases for background work (leases.ts; the table is from migration 1, unused until now). epoch
  // grows each time a lease changes hands (a fencing token); last_run_ms is when the job last completed
  // a run, so a daily job taken over by another gateway knows whether a run was missed.
  `
  ALTER TABLE leases ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE leases ADD COLUMN last_run_ms INTEGER;
  `,
  // 18: accounts (issue 16). One row per account of the deployment: its APPID, root uin, name, root
  // key (the secret sealed like sub-users' secrets; the operator's keys stay in credentials.json),
  // whether it is suspended, and its account-level Block Public Access configuration. A data
  // directory from before has no rows: the server inserts its one account, as the operator, at start.
  `
  CREATE TABLE accounts (
    app_id TEXT PRIMARY KEY,
    uin TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    secret_id TEXT UNIQUE,
    sealed_secret TEXT,
    created_ms INTEGER NOT NULL,
    suspended INTEGER NOT NULL DEFAULT 0,
    operator INTEGER NOT NULL DEFAULT 0,
    public_access_block TEXT
  ) WITHOUT ROWID;
  CREATE INDEX buckets_by_owner_id ON buckets (owner_id);
  `,
  // 19: SSE-KMS and intelligent tiering (issue 16). kms_keys is the local key registry
  // (engine/kms.ts): each key's material versions, wrapped by a key derived from master.key, the newest
  // sealing new writes, every one kept to read what it sealed. object_access keeps when a version of an
  // INTELLIGENT_TIERING object was last read (engine/intelligent-tiering.ts), by its seq; a version
  // without a row was last accessed when written. It goes with the version.
  `
  CREATE TABLE kms_keys (
    key_id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE kms_key_versions (
    key_id TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    wrapped TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
  ) WITHOUT ROWID;
  CREATE TABLE object_access (
    seq INTEGER PRIMARY KEY,
    last_access_ms INTEGER NOT NULL
  );
  CREATE TRIGGER object_access_gone AFTER DELETE ON objects
  BEGIN DELETE FROM object_access WHERE seq = OLD.seq; END;
  `,
  // 20: requests over time (issue 12, stores/request-counts.ts). Each gateway adds its in-memory counts
  // every few seconds (INSERT … ON CONFLICT DO UPDATE adds); minute_ms is the minute's start. The
  // primary key serves a range of minutes (all buckets) and, through the second index, one bucket's.
  `
  CREATE TABLE request_counts (
    minute_ms INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    operation TEXT NOT NULL,
    requests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    bytes_in INTEGER NOT NULL,
    bytes_out INTEGER NOT NULL,
    PRIMARY KEY (minute_ms, bucket, operation)
  ) WITHOUT ROWID;
  CREATE INDEX request_counts_by_bucket ON request_counts (bucket, minute_ms);
  `,
  // 21: one lifecycle pass at a time across gateways (issue 19, engine/lifecycle/pass.ts). At most
  // one run is unfinished (a unique index on a constant, over the unfinished rows only), so every
  // gateway asked for a pass claims the same run; `summary` is what the pass did, for the callers that
  // joined it. Runs left unfinished beside a newer one (two gateways used to start one each) are closed.
  `
  UPDATE lifecycle_runs SET finished_ms = started_ms
  WHERE finished_ms IS NULL AND id < (SELECT max(id) FROM lifecycle_runs WHERE finished_ms IS NULL);
  ALTER TABLE lifecycle_runs ADD COLUMN summary TEXT;
  CREATE UNIQUE INDEX lifecycle_runs_one_unfinished ON lifecycle_runs ((finished_ms IS NULL)) WHERE finished_ms IS NULL;
  `,
];
