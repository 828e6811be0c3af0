// Issue 14's bench rows, in one run (under 2 minutes):
//
//   npx tsc -b && node bench/usage.js [--keys 1000000] [--rounds 3] [--duration 4s] [--concurrency 32]
//
// 1. The cost of live usage (bucket_usage and the directory index's bytes, kept by triggers inside every write's
//    transaction) on 4 KiB PUT throughput: two Coffer servers side by side, one as built and one whose database had
//    the usage triggers dropped and the directory triggers put back as they were before migration 11 (count only),
//    loaded in alternating rounds so that noise falls on both. Goal: live usage costs under 10%.
// 2. Folder size of a prefix holding `--keys` keys (1 M by default; filled directly into meta.db, the triggers
//    with the directory rows written as the triggers would have): GET /-/admin/usage?prefix= for the folder itself
//    ("big/", one row) and for a partial name ("big/sub0", the child directories it covers), against the same
//    question answered by counting (recount=true). Goal: under 50 ms.
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MIGRATIONS } from '../packages/server/dist/stores/sqlite/migrations.js';
import { alternatingPutRounds, median, sendOk } from './lib/ab.js';
import { parseDuration } from './lib/load.js';
import { num, table } from './lib/report.js';
import { startTarget } from './lib/targets.js';

const require = createRequire(new URL('../packages/server/package.json', import.meta.url));
const Database = require('better-sqlite3');

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '4s' },
    concurrency: { type: 'string', default: '32' },
  },
});
const KEYS = Number(values.keys);
const ROUNDS = Number(values.rounds);
const DURATION_MS = parseDuration(values.duration);
const CONCURRENCY = Number(values.concurrency);
const BUCKET = 'usage-1250000000';
const COFFER_ENV = { COFFER_LIFECYCLE_HOUR: '-1' };

const send = (target, request) => sendOk(target, request, BUCKET);

/** Drops live usage from a stopped server's database: usage triggers gone, directory triggers as in migration 6. */
function withoutLiveUsage(dataDir) {
  const db = new Database(path.join(dataDir, 'meta.db'));
  try {
    const triggers = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'usage_%' OR name LIKE 'dirs_on_%')",
      )
      .pluck()
      .all();
    for (const name of triggers) if (name !== 'dirs_on_nul_key') db.exec(`DROP TRIGGER ${name}`);
    const dirsMigration = MIGRATIONS[5];
    db.exec(dirsMigration.slice(dirsMigration.indexOf('CREATE TRIGGER dirs_on_insert')));
  } finally {
    db.close();
  }
}

// ---- 1. PUT 4 KiB, with and without live usage ----------------------------------------------------------------

const withUsage = await startTarget('coffer', { bucket: BUCKET, env: COFFER_ENV });
const plain = await startTarget('coffer', { bucket: BUCKET, env: COFFER_ENV });
await plain.stop({ keepData: true });
withoutLiveUsage(plain.dataDir);
const without = await startTarget('coffer', {
  bucket: BUCKET,
  env: COFFER_ENV,
  dataDir: plain.dataDir,
  ownsData: true,
});
for (const t of [withUsage, without]) await send(t, { method: 'PUT', path: `/${BUCKET}` });

const rounds = await alternatingPutRounds(
  { with: withUsage, without },
  { bucket: BUCKET, rounds: ROUNDS, durationMs: DURATION_MS, concurrency: CONCURRENCY },
);
const puts = { with: rounds.with.map((r) => r.opsPerSec), without: rounds.without.map((r) => r.opsPerSec) };
// The live figures were right all along: the counted answer agrees.
const live = JSON.parse(
  (await send(withUsage, { method: 'GET', path: '/-/admin/usage', query: `bucket=${BUCKET}` })).text,
);
const counted = JSON.parse(
  (await send(withUsage, { method: 'GET', path: '/-/admin/usage', query: `bucket=${BUCKET}&recount=true` })).text,
);
if (JSON.stringify(live.objects) !== JSON.stringify(counted.objects))
  throw new Error('live usage differs from a recount');
await withUsage.stop();
await without.stop();

// ---- 2. Folder size of a 1 M-key prefix ------------------------------------------------------------------------

const folders = await startTarget('coffer', { bucket: BUCKET, env: COFFER_ENV });
await send(folders, { method: 'PUT', path: `/${BUCKET}` });
await folders.stop({ keepData: true });
const fillStart = performance.now();
{
  const db = new Database(path.join(folders.dataDir, 'meta.db'));
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const bucket = db.prepare('SELECT id, owner_id FROM buckets WHERE name = ?').get(BUCKET);
  // Bulk load: the triggers are set aside while the rows go in, and the aggregates they would have built (the
  // directory rows and the bucket's usage row) are written from what was inserted; then the triggers come back.
  const triggers = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'usage_%' OR name LIKE 'dirs_on_%')",
    )
    .all();
  for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
  const insert = db.prepare(`INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, is_delete_marker,
    size, etag, crc64, last_modified_ms, storage_class, object_type, owner_id, content_headers, user_meta,
    checksums, tagging, acl, manifest) VALUES (?, ?, ?, 'null', 1, 0, ?, 'd41d8cd98f00b204e9800998ecf8427e', '0', ?,
    'STANDARD', 'normal', ?, '{}', '{}', '{}', NULL, NULL, '')`);
  const dirs = new Map();
  const add = (dirPath, parent, size) => {
    const d = dirs.get(dirPath) ?? { parent, objects: 0, bytes: 0 };
    d.objects++;
    d.bytes += size;
    dirs.set(dirPath, d);
  };
  let totalBytes = 0;
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      // 1,000 subfolders of KEYS / 1,000 files, in key order (fast index inserts): big/sub000/file0000000.txt …
      const sub = `big/sub${String(Math.floor((i * 1000) / KEYS)).padStart(3, '0')}/`;
      const size = i % 4096;
      insert.run(bucket.id, `${sub}file${String(i).padStart(7, '0')}.txt`, i + 1, size, Date.now(), bucket.owner_id);
      add('big/', '', size);
      add(sub, 'big/', size);
      totalBytes += size;
    }
  });
  for (let i = 0; i < KEYS; i += 50_000) batch(i, Math.min(KEYS, i + 50_000));
  const insertDir = db.prepare('INSERT INTO dirs (bucket_id, path, parent, objects, bytes) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const [dirPath, d] of dirs) insertDir.run(bucket.id, dirPath, d.parent, d.objects, d.bytes);
    db.prepare(
      "INSERT INTO bucket_usage (bucket_id, kind, storage_class, count, bytes) VALUES (?, 'current', 'STANDARD', ?, ?)",
    ).run(bucket.id, KEYS, totalBytes);
    for (const t of triggers) db.exec(t.sql);
  })();
  db.close();
}
const fillMs = performance.now() - fillStart;
const folderServer = await startTarget('coffer', {
  bucket: BUCKET,
  env: COFFER_ENV,
  dataDir: folders.dataDir,
  ownsData: true,
});

async function timeQuery(query, times) {
  const ms = [];
  let body;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    body = JSON.parse((await send(folderServer, { method: 'GET', path: '/-/admin/usage', query })).text);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: ms[Math.floor(ms.length / 2)], body };
}
const q = (prefix, recount = false) =>
  `bucket=${BUCKET}&prefix=${encodeURIComponent(prefix)}${recount ? '&recount=true' : ''}`;
const folder = await timeQuery(q('big/'), 21);
const partial = await timeQuery(q('big/sub0'), 21);
const folderCounted = await timeQuery(q('big/', true), 3);
const partialCounted = await timeQuery(q('big/sub0', true), 3);
for (const [a, b] of [
  [folder, folderCounted],
  [partial, partialCounted],
]) {
  if (JSON.stringify(a.body) !== JSON.stringify(b.body))
    throw new Error(`folder size differs: ${JSON.stringify([a.body, b.body])}`);
}
if (folder.body.objects.count !== KEYS)
  throw new Error(`expected ${KEYS} keys under big/, got ${folder.body.objects.count}`);
await folderServer.stop();

// ---- report ----------------------------------------------------------------------------------------------------

const withOps = median(puts.with);
const withoutOps = median(puts.without);
const cost = 1 - withOps / withoutOps;
const rows = [
  ['PUT 4 KiB c=' + CONCURRENCY + ', live usage', 'ops/s', num(withOps), puts.with.map((x) => num(x)).join(' / ')],
  ['PUT 4 KiB c=' + CONCURRENCY + ', without', 'ops/s', num(withoutOps), puts.without.map((x) => num(x)).join(' / ')],
  ['cost of live usage', '%', num(cost * 100), cost < 0.1 ? 'goal < 10%: PASS' : 'goal < 10%: MISS'],
  [
    `folder size, "big/" (${KEYS.toLocaleString('en')} keys)`,
    'ms',
    num(folder.medianMs, 2),
    folder.medianMs < 50 ? 'goal < 50 ms: PASS' : 'goal < 50 ms: MISS',
  ],
  [
    `folder size, "big/sub0" (${partial.body.objects.count.toLocaleString('en')} keys)`,
    'ms',
    num(partial.medianMs, 2),
    partial.medianMs < 50 ? 'goal < 50 ms: PASS' : 'goal < 50 ms: MISS',
  ],
  [
    'the same by counting, "big/"',
    'ms',
    num(folderCounted.medianMs, 1),
    `× ${num(folderCounted.medianMs / folder.medianMs)}`,
  ],
  [
    'the same by counting, "big/sub0"',
    'ms',
    num(partialCounted.medianMs, 1),
    `× ${num(partialCounted.medianMs / partial.medianMs)}`,
  ],
  ['(fill of the folder)', 's', num(fillMs / 1000), ''],
];
const columns = [
  { title: 'row', align: 'left' },
  { title: 'unit', align: 'left' },
  { title: 'value', align: 'right' },
  { title: 'notes', align: 'left' },
];
console.log(table(columns, rows).join('\n'));
console.log(
  JSON.stringify({
    bench: 'usage',
    putOpsWithUsage: puts.with,
    putOpsWithout: puts.without,
    liveUsageCost: cost,
    keys: KEYS,
    folderMs: folder.medianMs,
    partialFolderMs: partial.medianMs,
    countedFolderMs: folderCounted.medianMs,
    countedPartialMs: partialCounted.medianMs,
  }),
);
