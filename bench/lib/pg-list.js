// Fills a bucket of a Coffer PostgreSQL database with N keys straight through SQL, for the LIST rows of
// bench/cluster.js (issue 19: a 1,000-key ListObjectsV2 page at 1 M and 10 M keys). Going through HTTP would take
// hours at 10 M; one INSERT … SELECT over generate_series per slice of the key space takes minutes.
//
// The rows are what a PUT of an empty object writes (stores/pg/migrations.ts, coffer_commit_object): latest,
// unversioned ('null'), size 0, the MD5 of nothing as ETag, an empty manifest, so the store stays consistent
// without any blob (GET of such a key returns 0 bytes; LIST never reads bodies). The row triggers that keep
// bucket_usage and the directory index (dirs) exact are switched off for this session only
// (session_replication_role = replica) and both tables are then rebuilt for the bucket from its rows in one set-based
// pass each, which is what the triggers would have left. The gateway must be stopped while this runs.
//
// Layout of a bucket of N keys (N ≥ 16,384), in key order:
//   - 1,024 top-level directories dir0000/ … dir1023/ share the keys evenly, 100 files per sub-directory:
//     dir0042/sub007/file000012.txt (about 970 keys per top directory at 1 M, 9,760 at 10 M);
//   - the first, middle and last top directories (dir0000/, dir0512/, dir1023/) also hold PROBE_FILES files in
//     sub000/, the first sub-directory, so a delimiter listing of a directory with more than a page of files can
//     be timed at the start, the middle and the end of the key space.
// keyAt(layout, i) gives the i-th key in this order, so a page read through HTTP can be checked key by key.

export const TOP_DIRS = 1024;
export const PROBE_TOPS = [0, 512, 1023];
export const PROBE_FILES = 2048;
export const FILES_PER_SUB = 100;
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

const pad = (n, width) => String(n).padStart(width, '0');

/** The layout of a bucket of n keys: keys per top directory and where each one starts. */
export function listLayout(n) {
  if (!Number.isSafeInteger(n) || n < 16 * TOP_DIRS) throw new Error(`${n} keys: need a whole number ≥ 16,384`);
  const bulk = n - PROBE_TOPS.length * PROBE_FILES;
  const counts = [];
  const starts = [];
  let at = 0;
  for (let d = 0; d < TOP_DIRS; d++) {
    const probe = PROBE_TOPS.includes(d) ? PROBE_FILES : 0;
    counts.push(Math.floor(bulk / TOP_DIRS) + (d < bulk % TOP_DIRS ? 1 : 0) + probe);
    starts.push(at);
    at += counts[d];
  }
  return { n, bulk, counts, starts };
}

/** The j-th key of top directory d. */
export function keyIn(d, j) {
  const probe = PROBE_TOPS.includes(d) ? PROBE_FILES : 0;
  const top = `dir${pad(d, 4)}/`;
  if (j < probe) return `${top}sub000/file${pad(j, 6)}.txt`;
  const r = j - probe;
  return `${top}sub${pad(1 + Math.floor(r / FILES_PER_SUB), 3)}/file${pad(r % FILES_PER_SUB, 6)}.txt`;
}

/** The i-th key of the bucket (0-based, in key order). */
export function keyAt(layout, i) {
  if (i < 0 || i >= layout.n) throw new Error(`key ${i} is outside 0 … ${layout.n - 1}`);
  let lo = 0;
  let hi = TOP_DIRS - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (layout.starts[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return keyIn(lo, i - layout.starts[lo]);
}

/** The same key as keyIn(d, j), as SQL over the integer columns d and j (probe: the probe file count of d). */
const KEY_SQL = `'dir' || lpad(d::text, 4, '0') || '/' || CASE WHEN j < probe
    THEN 'sub000/file' || lpad(j::text, 6, '0')
    ELSE 'sub' || lpad((1 + (j - probe) / ${FILES_PER_SUB})::text, 3, '0') || '/file'
      || lpad(((j - probe) % ${FILES_PER_SUB})::text, 6, '0') END || '.txt'`;

/**
 * Inserts the n keys of listLayout(n) into bucket `bucketName` (which must exist and be empty) over `client`
 * (a connected pg.Client on the gateway's database, as a superuser for session_replication_role), then rebuilds
 * the bucket's usage and directory rows and runs VACUUM ANALYZE on the tables listing reads (index-only scans need
 * the visibility map). `log` gets progress lines. Returns the seconds taken.
 */
export async function fillListBucket(client, bucketName, n, log = () => {}) {
  const layout = listLayout(n);
  const started = performance.now();
  const bucket = (await client.query('SELECT id, owner_id FROM buckets WHERE name = $1', [bucketName])).rows[0];
  if (!bucket) throw new Error(`no bucket ${bucketName}`);
  const have = (await client.query('SELECT count(*)::int AS n FROM objects WHERE bucket_id = $1', [bucket.id])).rows[0]
    .n;
  if (have !== 0) throw new Error(`bucket ${bucketName} holds ${have} objects already`);
  await client.query('SET session_replication_role = replica');
  await client.query('SET synchronous_commit = off');
  const nowMs = Date.now();
  // Slices of 64 top directories: one statement each, in key order (the B-trees fill at their right edge).
  for (let from = 0; from < TOP_DIRS; from += 64) {
    await client.query(
      `INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker, size, etag, crc64,
         last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta, checksums, manifest)
       SELECT $1, ${KEY_SQL}, nextval('object_seq'), 'null', 1, 0, 0, '${EMPTY_MD5}', '0', $2, 'STANDARD', 'normal',
         $3, '{}', '{}', '{}', ''
       FROM (SELECT d, CASE WHEN d = ANY ($4::int[]) THEN ${PROBE_FILES} ELSE 0 END AS probe,
               $5::int / ${TOP_DIRS} + CASE WHEN d < $5::int % ${TOP_DIRS} THEN 1 ELSE 0 END AS bulk
             FROM generate_series($6::int, $7::int) AS d) AS tops,
         LATERAL generate_series(0, probe + bulk - 1) AS j
       ORDER BY d, j`,
      [bucket.id, nowMs, bucket.owner_id, PROBE_TOPS, layout.bulk, from, from + 63],
    );
    if ((from + 64) % 256 === 0)
      log(`  ${(layout.starts[from + 63] + layout.counts[from + 63]).toLocaleString('en-US')} keys`);
  }
  const count = (await client.query('SELECT count(*)::int AS n FROM objects WHERE bucket_id = $1', [bucket.id])).rows[0]
    .n;
  if (count !== n) throw new Error(`inserted ${count} keys, not ${n}`);
  // What coffer_objects_counts would have left: usage by kind and class, and every directory of every current key
  // with its object count and bytes (grouped by leaf directory first, then rolled up to the ancestors).
  await client.query('DELETE FROM bucket_usage WHERE bucket_id = $1', [bucket.id]);
  await client.query(
    `INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes)
     SELECT $1, kind, cls, count(*), coalesce(sum(size), 0)
     FROM (SELECT size,
             CASE WHEN is_delete_marker = 1 THEN 'marker' WHEN is_latest = 1 THEN 'current' ELSE 'noncurrent' END AS kind,
             CASE WHEN is_delete_marker = 1 THEN '' ELSE storage_class END AS cls
           FROM objects WHERE bucket_id = $1) AS o
     GROUP BY kind, cls`,
    [bucket.id],
  );
  await client.query('DELETE FROM dirs WHERE bucket_id = $1', [bucket.id]);
  await client.query(
    `WITH leaf AS (
       SELECT dir, count(*) AS objects, sum(size) AS bytes FROM objects
       WHERE bucket_id = $1 AND is_latest = 1 AND is_delete_marker = 0 AND dir <> '' GROUP BY dir
     ), up AS (
       SELECT left(leaf.dir, p) COLLATE "C" AS path, leaf.objects, leaf.bytes
       FROM leaf, LATERAL generate_series(1, length(leaf.dir)) AS p WHERE substr(leaf.dir, p, 1) = '/'
     )
     INSERT INTO dirs (bucket_id, path, parent, objects, bytes)
     SELECT $1, path, coalesce(substring(path FROM '^(.*/)[^/]*/$'), ''), sum(objects), sum(bytes)
     FROM up GROUP BY path`,
    [bucket.id],
  );
  await client.query('RESET session_replication_role');
  log('  VACUUM ANALYZE');
  await client.query('VACUUM (ANALYZE) objects');
  await client.query('VACUUM (ANALYZE) dirs');
  await client.query('ANALYZE bucket_usage');
  return (performance.now() - started) / 1000;
}
