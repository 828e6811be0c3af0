// Filling a server's storage directly, for rows whose setup over HTTP would take longer than the matrix allows:
// buckets of a million keys to list, uploads of 10,000 parts to complete. Coffer's rows are written while its
// server is stopped (as bench/list-scale.js and bench/multipart.js do); s3rver keeps everything in plain files and
// reads them on every request, so its directory is filled while it runs, in the layout its filesystem store writes
// (node_modules/s3rver/lib/stores/filesystem.js).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { crc64 } from '../../packages/native/dist/index.js';
import { FsBlobStore, SqliteMetaStore } from '../../packages/server/dist/index.js';
import { bodyChunks } from './body.js';

const MIB = 1024 * 1024;
const TOP_DIRS = 1000;
export const PROBE_DIR = 'dir0512/sub00/';
const PROBE_FILES = 1024;
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

function pad(n, width) {
  return String(n).padStart(width, '0');
}

/**
 * The keys of a listing bucket of `n` keys, in key order: 1,000 top-level directories dir0000/ … dir0999/ share
 * n − 1,024 files `dirNNNN/fileNNNNNNN.txt` evenly, and PROBE_DIR holds 1,024 more. Two pages are timed (both with
 * delimiter '/' and max-keys 1000, both 1,000 entries): the root page (all 1,000 CommonPrefixes, each a skip over a
 * whole directory) and the PROBE_DIR page (1,000 of its 1,024 Contents, a range scan in the middle of the bucket).
 * The layout differs from bench/list-scale.js so that s3rver can answer it correctly: s3rver reports a common prefix
 * only for a directory holding an object file itself, and does not count CommonPrefixes towards max-keys (so a
 * root page with more than 1,000 directories would come back untruncated and too long).
 */
export function* listLayout(n) {
  const bulk = n - PROBE_FILES;
  for (let d = 0; d < TOP_DIRS; d++) {
    const dir = `dir${pad(d, 4)}/`;
    const count = Math.floor(bulk / TOP_DIRS) + (d < bulk % TOP_DIRS ? 1 : 0);
    for (let f = 0; f < count; f++) yield `${dir}file${pad(f, 7)}.txt`;
    if (`${dir}sub00/` === PROBE_DIR) for (let f = 0; f < PROBE_FILES; f++) yield `${PROBE_DIR}file${pad(f, 7)}.txt`;
  }
}

/** Inserts `n` empty objects into bucket `bucketName` of a stopped Coffer's meta.db (the server made the schema). */
export function fillCofferListing(dataDir, bucketName, n) {
  const startMs = performance.now();
  const db = new Database(path.join(dataDir, 'meta.db'));
  try {
    // Bulk-load settings for this connection only; the server puts WAL and its own synchronous back on open.
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const bucket = db.prepare('SELECT id, owner_id FROM buckets WHERE name = ?').get(bucketName);
    if (!bucket) throw new Error(`bucket ${bucketName} is not in ${dataDir}/meta.db`);
    const insert = db.prepare(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker,
      size, etag, crc64, last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta,
      checksums, tagging, acl, manifest)
      VALUES (?, ?, ?, 'null', 1, 0, 0, '${EMPTY_MD5}', '0', ?, 'STANDARD', 'normal', ?,
      '{}', '{}', '{}', NULL, NULL, '')`);
    const insertBatch = db.transaction((rows) => {
      for (const row of rows) insert.run(...row);
    });
    let seq = db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM objects').get().seq;
    const nowMs = Date.now();
    let rows = [];
    for (const key of listLayout(n)) {
      rows.push([bucket.id, key, ++seq, nowMs, bucket.owner_id]);
      if (rows.length === 50_000) {
        insertBatch(rows);
        rows = [];
      }
    }
    insertBatch(rows);
  } finally {
    db.close();
  }
  return (performance.now() - startMs) / 1000;
}

/** Writes `n` empty objects into s3rver's directory for `bucketName`: object, .md5 and metadata.json per key. */
export async function fillS3rverListing(dataDir, bucketName, n) {
  const startMs = performance.now();
  const bucketDir = path.join(dataDir, bucketName);
  const dirs = new Set();
  const files = [];
  for (const key of listLayout(n)) {
    const slash = key.lastIndexOf('/');
    dirs.add(path.join(bucketDir, key.slice(0, slash)));
    files.push(path.join(bucketDir, key));
  }
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  const metadata = JSON.stringify({ 'content-type': 'application/octet-stream' });
  const WIDTH = 64;
  for (let i = 0; i < files.length; i += WIDTH) {
    await Promise.all(
      files
        .slice(i, i + WIDTH)
        .flatMap((file) => [
          writeFile(`${file}._S3rver_object`, ''),
          writeFile(`${file}._S3rver_object.md5`, EMPTY_MD5),
          writeFile(`${file}._S3rver_metadata.json`, metadata),
        ]),
    );
  }
  return (performance.now() - startMs) / 1000;
}

/**
 * Creates incomplete uploads of `partCount` parts each in a stopped Coffer, one per key of `keys`, through the
 * metadata store API: one real 1 MiB blob, every part a reference to it (what UploadPart would have recorded for
 * 1 MiB of those bytes; 10,000 real 1 MiB parts would be 10 GB). Returns [{ key, uploadId, parts }] where parts are
 * { partNumber, etag } for the Complete body, and the part size.
 */
export async function prefillCofferUploads(dataDir, bucketName, keys, partCount) {
  const meta = new SqliteMetaStore({ filename: path.join(dataDir, 'meta.db'), fsync: false });
  const blobs = await FsBlobStore.open({ directory: dataDir, fsync: false });
  try {
    const bucket = await meta.getBucket(bucketName);
    const body = Buffer.concat([...bodyChunks(keys[0], MIB)]);
    const etag = createHash('md5').update(body).digest('hex');
    const crc = crc64(body);
    const blobId = blobs.newBlobId();
    const nowMs = Date.now();
    await meta.addPendingBlob(blobId, nowMs);
    const writer = await blobs.createWriter(blobId);
    await writer.write([body]);
    await writer.commit();
    const uploads = [];
    for (const [i, key] of keys.entries()) {
      const uploadId = `bench${i}x${partCount}x${nowMs.toString(36)}`;
      await meta.createUpload({
        uploadId,
        bucketId: bucket.id,
        key,
        initiatedMs: nowMs,
        ownerId: bucket.ownerId,
        storageClass: 'STANDARD',
        contentHeaders: {},
        userMeta: {},
      });
      const part = (partNumber) => ({
        partNumber,
        size: MIB,
        etag,
        crc64: crc.toString(),
        checksums: {},
        lastModifiedMs: nowMs,
        manifest: [{ blobId, offset: 0, length: MIB }],
      });
      // The first part records the blob itself; the rest only reference it (queued together: one write batch).
      await meta.putPart({ uploadId, part: part(1), newBlobs: i === 0 ? [{ id: blobId, size: MIB }] : [] });
      const rest = [];
      for (let n = 2; n <= partCount; n++) rest.push(meta.putPart({ uploadId, part: part(n), newBlobs: [] }));
      await Promise.all(rest);
      uploads.push({
        key,
        uploadId,
        parts: Array.from({ length: partCount }, (_, j) => ({ partNumber: j + 1, etag })),
      });
    }
    return { uploads, partBytes: MIB };
  } finally {
    await meta.close();
  }
}

/**
 * Writes `partCount` parts of `partBytes` each into an s3rver upload started over HTTP (its parts are plain files
 * `<bucket>/._S3rver_uploads/<uploadId>/<n>`, which Complete concatenates). Returns the parts for the Complete body.
 */
export async function prefillS3rverParts(dataDir, bucketName, key, uploadId, partCount, partBytes) {
  const dir = path.join(dataDir, bucketName, '._S3rver_uploads', uploadId);
  await mkdir(dir, { recursive: true });
  const parts = [];
  const WIDTH = 64;
  for (let n = 1; n <= partCount; n += WIDTH) {
    const batch = [];
    for (let k = n; k < Math.min(n + WIDTH, partCount + 1); k++) {
      const body = Buffer.concat([...bodyChunks(key, partBytes, { start: (k - 1) * partBytes })]);
      const etag = createHash('md5').update(body).digest('hex');
      parts.push({ partNumber: k, etag });
      batch.push(writeFile(path.join(dir, String(k)), body), writeFile(path.join(dir, `${k}.md5`), etag));
    }
    await Promise.all(batch);
  }
  return parts;
}
