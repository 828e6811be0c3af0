// CPU of the SQLite store's commit of a small PUT (issue 17): `commitObject` of a new key (`load/<n>`, as the load
// generator's PUTs) with one 4 KiB inline body, `--batch` commits queued per turn (one group commit each), fsync off
// so only the process's own work is timed: the transaction (savepoints, the version row and its triggers, the blob
// and body rows), the COMMIT's WAL writes, and the WAL checkpoints: by default the store's own (since issue 17's
// fifth pass a worker thread runs them, wal-checkpointer.ts); `--autocheckpoint N` has SQLite run them on the main
// connection instead, inside a COMMIT every N WAL pages (0 = never, to see what checkpoints cost). CPU is the
// process's (every thread) and, apart, the main thread's (/proc/self/task/<pid>/stat): what the event loop spends.
//
//   npm run build && node bench/micro/sqlite-commit.js [--batch=32] [--commits=20000] [--rounds=3]
//                                                      [--autocheckpoint=N] [--dir=.bench] [--size=4096]
//                                                      [--page-size=N]   (a new database made with this page size)
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteBuckets } from '../../packages/server/dist/stores/sqlite/buckets.js';
import { SqliteObjects } from '../../packages/server/dist/stores/sqlite/objects.js';
import { SqliteDb } from '../../packages/server/dist/stores/sqlite/sqlite-db.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    commits: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    autocheckpoint: { type: 'string' },
    dir: { type: 'string', default: '.bench' },
    size: { type: 'string', default: '4096' },
    'page-size': { type: 'string' },
  },
});
const batch = Number(values.batch);
const commits = Number(values.commits);
mkdirSync(values.dir, { recursive: true });
const dir = mkdtempSync(path.join(values.dir, 'sqlite-commit-'));
if (values['page-size'] !== undefined) {
  // The page size of a database is fixed by its first table, and a WAL database keeps it: set it first.
  const made = new Database(path.join(dir, 'meta.db'));
  made.pragma(`page_size = ${Number(values['page-size'])}`);
  made.exec('CREATE TABLE page_size_probe (x); DROP TABLE page_size_probe');
  made.close();
}
const db = new SqliteDb({ filename: path.join(dir, 'meta.db'), fsync: false });
if (values.autocheckpoint !== undefined) db.db.pragma(`wal_autocheckpoint = ${Number(values.autocheckpoint)}`);
const pageSize = db.db.pragma('page_size', { simple: true });
const objects = new SqliteObjects(db);
const owner = 'qcs::cam::uin/100000000001:uin/100000000001';
const bucket = await new SqliteBuckets(db).createBucket({
  name: 'bench-1250000000',
  ownerId: owner,
  region: 'r',
  createdMs: 1,
});
const body = randomBytes(Number(values.size));
let n = 0;

function commit() {
  const blobId = randomBytes(16).toString('hex');
  return objects.commitObject({
    bucketId: bucket.id,
    key: `load/${n++}`,
    newBlobs: [{ id: blobId, size: body.length, body }],
    version: {
      isDeleteMarker: false,
      size: body.length,
      etag: '0123456789abcdef0123456789abcdef',
      lastModifiedMs: Date.now(),
      storageClass: 'STANDARD',
      objectType: 'normal',
      ownerId: owner,
      contentHeaders: { 'content-type': 'application/octet-stream' },
      userMeta: {},
      checksums: {},
      manifest: [{ blobId, offset: 0, length: body.length, inline: true }],
    },
  });
}

/** The main thread's CPU time in µs (utime + stime, clock ticks of 10 ms on Linux). */
function mainThreadMicros() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const results = [];
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const cpu = process.cpuUsage();
    const main = mainThreadMicros();
    for (let i = 0; i < commits; i += batch) await Promise.all(Array.from({ length: batch }, commit));
    const used = process.cpuUsage(cpu);
    results.push({
      main: (mainThreadMicros() - main) / commits,
      total: (used.user + used.system) / commits,
      user: used.user / commits,
      system: used.system / commits,
    });
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
const best = results.reduce((a, b) => (b.total < a.total ? b : a));
console.log(
  `page ${pageSize}, body ${body.length}, batch ${batch}, wal_autocheckpoint ${values.autocheckpoint ?? "the store's"}: ${best.total.toFixed(1)} µs CPU per ` +
    `commit (user ${best.user.toFixed(1)}, system ${best.system.toFixed(1)}, main thread ${best.main.toFixed(1)}; ` +
    `best of ${results.length}: ${results.map((r) => `${r.total.toFixed(1)} (main ${r.main.toFixed(1)})`).join(', ')})`,
);
